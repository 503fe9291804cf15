#!/usr/bin/python3
"""Dark style and HiDPI: the demo opens at scale 2 with the dark style
asked for, and the screenshot shows a dark window (its background pixels
are measured). The picture is kept for a person to look at."""
import subprocess

import pyatspi
from posternui import click, find, find_window, log, region, run, screenshot, wait_for


def mean_gray(path, geometry):
    out = subprocess.run(["convert", path, "-crop", geometry, "-colorspace", "Gray", "-format",
                          "%[fx:mean]", "info:"], check=True, capture_output=True, text=True)
    return float(out.stdout)


def main(app):
    win = wait_for("main window", lambda: app.check_alive() and find_window("Postern"))
    messages = region(win, "PosternMessageList")
    subject = wait_for("the demo Inbox",
                       lambda: find(messages, pyatspi.ROLE_LABEL, name="Meet me over the onion"))
    click(subject, "Postern")
    reader = region(win, "PosternMessageView")
    wait_for("the reader", lambda: find(reader, pyatspi.ROLE_LABEL, prefix="Onion —"))
    shot = screenshot("09-dark-hidpi.png")
    # The reader's background, well inside the window at scale 2.
    gray = mean_gray(shot, "200x200+1500+1000")
    log(f"reader background mean gray: {gray:.3f}")
    assert gray < 0.35, f"the dark style is not applied (mean gray {gray:.3f})"
    log("PASS dark style at scale 2")


run(main, "--demo", env={"ADW_DEBUG_COLOR_SCHEME": "prefer-dark", "GDK_SCALE": "2"})
