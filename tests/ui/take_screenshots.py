#!/usr/bin/python3
"""The screenshots of the AppStream metainfo (data/screenshots/), taken of
the real app on the demo profile. Not a test: run it through
`ninja -C build screenshots`, look at the pictures, and commit them.

  run-under-xvfb take_screenshots.py OUTDIR"""
import os
import subprocess
import sys
import time

import pyatspi
from posternui import App, click, find, find_window, log, press, region, wait_for, x_window

OUT = os.path.abspath(sys.argv[1])
ONION = "bob@nwxz35yd2krmifb4w3ecnugq67cbt3h54vkiwp6pjhokbu4q5oeqgaid.onion"
LEGACY = "alice@example.org"


def shot(title, name):
    """One window, without the desktop around it, as Flathub asks."""
    time.sleep(0.6)  # the last frame, and the caret out of the way
    path = os.path.join(OUT, name)
    subprocess.run(["import", "-display", os.environ["DISPLAY"], "-window", x_window(title),
                    "-strip", path], check=True)
    log(f"wrote {path}")


def open_onion_message(app):
    win = wait_for("main window", lambda: app.check_alive() and find_window("Postern"))
    messages = region(win, "PosternMessageList")
    subject = wait_for("the demo Inbox",
                       lambda: find(messages, pyatspi.ROLE_LABEL, name="Meet me over the onion"))
    click(subject, "Postern")
    reader = region(win, "PosternMessageView")
    wait_for("the reader", lambda: find(reader, pyatspi.ROLE_LABEL, prefix="Onion —"))
    return win


def light(app):
    win = open_onion_message(app)
    shot("Postern", "main-window.png")

    press(find(win, pyatspi.ROLE_PUSH_BUTTON, name="New Message"))
    composer = wait_for("composer", lambda: find_window("New Message"))
    to = wait_for("To", lambda: find(composer, pyatspi.ROLE_TEXT, name="To"))
    to.queryEditableText().setTextContents(LEGACY + ",")
    wait_for("the legacy chip", lambda: find(composer, None, prefix=LEGACY + ": TLS"))
    find(composer, pyatspi.ROLE_TEXT, name="Subject").queryEditableText().setTextContents(
        "Lunch on Friday?")
    find(composer, pyatspi.ROLE_TEXT, name="Message body").queryEditableText().setTextContents(
        "Hi Alice,\n\nshall we meet at noon, at the usual place?\n\nAda\n")
    shot("New Message", "compose.png")

    to.queryEditableText().setTextContents(ONION + ",")
    wait_for("the banner", lambda: find(composer, pyatspi.ROLE_LABEL, prefix="Not sent:"))
    shot("New Message", "mixed-transports.png")


def dark(app):
    open_onion_message(app)
    shot("Postern", "dark.png")


def run(fn, env=None):
    app = App("--demo", env=env)
    try:
        fn(app)
    finally:
        app.stop()


os.makedirs(OUT, exist_ok=True)
run(light)
# A second demo run: the first one's demo profile is reused, its message read.
run(dark, env={"ADW_DEBUG_COLOR_SCHEME": "prefer-dark"})
log("ALL DONE")
