#!/usr/bin/python3
"""First run, the other way in: the onboarding page adds an account, after
which the window shows the (empty) folders of the new account; the
keyboard shortcuts window opens with Ctrl+?."""
import os
import subprocess
import time

import pyatspi
from posternui import (click, find, find_window, find_window_with, focus_window, log,
                       open_add_account, press, region, run, screenshot, sensitive,
                       unnamed_controls, wait_for, xdo)

PROFILE = os.path.join(os.environ["POSTERN_WORK"], "new-profile")


def fill(acc, text, title):
    """Types into an entry like a user: click it, then the keyboard."""
    try:
        acc.queryEditableText().setTextContents(text)
        return
    except Exception as e:  # AdwEntryRow may not expose EditableText on GTK 4.8
        log(f"EditableText on {acc.name!r} failed ({e}); typing instead")
    click(acc, title)
    xdo("type", "--delay", "10", text)


def main(app):
    win, dialog = open_add_account(app)
    add = find(dialog, pyatspi.ROLE_PUSH_BUTTON, name="Add")
    assert not sensitive(add), "Add must wait for a name and an address"
    focus_window("Add Account")
    fill(find(dialog, pyatspi.ROLE_TEXT, name="Account Name"), "Work", "Add Account")
    fill(find(dialog, pyatspi.ROLE_TEXT, name="Email Address"), "me@work.example", "Add Account")
    fill(find(dialog, pyatspi.ROLE_TEXT, name="Outgoing Server (smtps://host)"),
         "smtps://mail.work.example", "Add Account")
    wait_for("Add enabled", lambda: sensitive(add))
    screenshot("07-add-account.png")
    press(add)
    wait_for("the dialog to close", lambda: find_window("Add Account") is None)

    sidebar = region(win, "PosternSidebar")
    wait_for("the new account in the sidebar",
             lambda: find(sidebar, pyatspi.ROLE_LIST_ITEM, name="Account Work, me@work.example"))
    wait_for("an empty Inbox", lambda: find(sidebar, pyatspi.ROLE_LIST_ITEM, name="Inbox"))
    messages = region(win, "PosternMessageList")
    wait_for("the empty-folder page", lambda: find(messages, None, name="No Messages"))
    log("PASS an account added from the onboarding page")

    # Mail another program delivers (here postern-cli) shows up by itself.
    mbox = os.path.join(os.environ["POSTERN_WORK"], "arrival.mbox")
    with open(mbox, "w") as f:
        f.write("From boss@work.example Mon Nov  2 09:00:00 2026\n"
                "From: Boss <boss@work.example>\nTo: me@work.example\n"
                "Subject: Welcome aboard\nDate: Mon, 02 Nov 2026 09:00:00 +0000\n"
                "Message-ID: <welcome@work.example>\n\nGlad to have you.\n\n")
    subprocess.run([os.environ["POSTERN_CLI"], "--profile", PROFILE, "import", "mbox", mbox],
                   check=True, stdout=subprocess.DEVNULL)
    wait_for("the new message listed without a refresh",
             lambda: find(messages, pyatspi.ROLE_LABEL, name="Welcome aboard"), timeout=30)
    wait_for("Inbox with 1 unread",
             lambda: find(sidebar, pyatspi.ROLE_LIST_ITEM, name="Inbox, 1 unread"))
    log("PASS mail delivered by another program appears by itself")

    # 4. Every control of the main window has an accessible name.
    bad = unnamed_controls(win)
    assert not bad, f"controls without an accessible name: {bad}"
    log("PASS every control of the main window is named")

    # Keyboard: Ctrl+N opens the composer (all of whose controls are named too),
    # Ctrl+W closes it.
    focus_window("Postern")
    xdo("key", "--clearmodifiers", "ctrl+n")
    composer = wait_for("the composer from Ctrl+N", lambda: find_window("New Message"))
    wait_for("the composer's Send button",
             lambda: find(composer, pyatspi.ROLE_PUSH_BUTTON, name="Send"))
    bad = unnamed_controls(composer)
    assert not bad, f"composer controls without an accessible name: {bad}"
    focus_window("New Message")
    xdo("key", "--clearmodifiers", "ctrl+w")
    wait_for("the composer closed by Ctrl+W", lambda: find_window("New Message") is None)
    log("PASS Ctrl+N and Ctrl+W; every control of the composer is named")

    # Keyboard shortcuts: Ctrl+? opens the shortcuts window.
    focus_window("Postern")
    xdo("key", "--clearmodifiers", "ctrl+question")
    wait_for("the shortcuts window listing 'New message'",
             lambda: find_window_with(pyatspi.ROLE_LABEL, "New message"))
    log("PASS the shortcuts window lists the shortcuts")
    screenshot("08-shortcuts.png")


run(main, "--profile", PROFILE)
