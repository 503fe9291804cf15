#!/usr/bin/python3
"""A big folder: 20,000 messages (imported with postern-cli) open at once,
and the End key scrolls to the oldest without the app reading every row;
its memory stays bounded while it does."""
import os
import subprocess
import time

import pyatspi
from posternui import click, find, find_all, find_window, log, region, run, screenshot, wait_for, xdo

N = 20000
WORK = os.environ["POSTERN_WORK"]
PROFILE = os.path.join(WORK, "big-profile")


def make_profile():
    mbox = os.path.join(WORK, "big.mbox")
    with open(mbox, "w") as f:
        for i in range(N):
            f.write(f"From sender{i}@example.org Mon Jan  1 00:00:00 2024\n"
                    f"From: Sender {i} <sender{i}@example.org>\nTo: me@example.org\n"
                    f"Subject: Bulk message number {i}\nMessage-ID: <bulk{i}@example.org>\n"
                    f"Date: {time.strftime('%a, %d %b %Y %H:%M:%S +0000', time.gmtime(1700000000 + 60 * i))}\n"
                    f"\nThis is message {i} of the big folder.\n\n")
    cli = os.environ["POSTERN_CLI"]
    t0 = time.monotonic()
    subprocess.run([cli, "--profile", PROFILE, "import", "mbox", mbox], check=True,
                   stdout=subprocess.DEVNULL)
    subprocess.run([cli, "--profile", PROFILE, "account", "add", "Big", "--address",
                    "me@example.org", "--smtp", "local:" + PROFILE], check=True,
                   stdout=subprocess.DEVNULL)
    log(f"imported {N} messages in {time.monotonic() - t0:.1f}s")


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def main(app):
    t0 = time.monotonic()
    win = wait_for("main window", lambda: app.check_alive() and find_window("Postern"))
    messages = region(win, "PosternMessageList")
    newest = wait_for("the newest message", lambda: find(
        messages, pyatspi.ROLE_LABEL, name=f"Bulk message number {N - 1}"), timeout=60)
    log(f"the first rows showed {time.monotonic() - t0:.2f}s after start")
    before = rss_kib(app.proc.pid)
    click(newest, "Postern")
    xdo("key", "End")
    wait_for("the oldest message after End", lambda: find(
        messages, pyatspi.ROLE_LABEL, name="Bulk message number 0"), timeout=60)
    shown = [l.name for l in find_all(messages, pyatspi.ROLE_LABEL)
             if l.name.startswith("Bulk message number")]
    after = rss_kib(app.proc.pid)
    log(f"rows on screen near the end: {shown[-3:]}; RSS {before} KiB -> {after} KiB")
    # All 20,000 rows as items would be tens of MB more; the lazy model
    # holds eight pages of 200.
    assert len(shown) < 400, f"{len(shown)} rows were realised"
    # AddressSanitizer keeps freed memory in quarantine, so RSS says nothing
    # in a sanitizer build.
    if not os.environ.get("ASAN_OPTIONS"):
        assert after - before < 60 * 1024, f"RSS grew by {after - before} KiB"
    screenshot("13-big-folder-end.png")
    log("PASS a 20,000-message folder opens and scrolls to its end")


make_profile()
run(main, "--profile", PROFILE)
