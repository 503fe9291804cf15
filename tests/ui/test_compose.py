#!/usr/bin/python3
"""Composing: recipients become chips routed to a transport and a lock,
Send shows the message's lock, an .onion recipient next to a legacy one
blocks Send with a banner that names the conflict and removes it in one
click, and a message sent to a legacy address goes through the outbox
(the demo account delivers locally, into its own Inbox). A mailto: URI
given to a second `postern` opens a filled composer in the running one."""
import os
import subprocess

import pyatspi
from posternui import (find, find_window, log, press, region, run, screenshot, sensitive,
                       text_of, wait_for)

ONION = "bob@" + "nwxz35yd2krmifb4w3ecnugq67cbt3h54vkiwp6pjhokbu4q5oeqgaid" + ".onion"
LEGACY = "alice@example.org"


def chip(composer, address):
    return find(composer, None, prefix=address + ":")


def main(app):
    win = wait_for("main window", lambda: app.check_alive() and find_window("Postern"))
    messages = region(win, "PosternMessageList")
    wait_for("the demo Inbox", lambda: find(messages, pyatspi.ROLE_LABEL, name="Welcome to Postern"))

    press(wait_for("New Message button",
                   lambda: find(win, pyatspi.ROLE_PUSH_BUTTON, name="New Message")))
    composer = wait_for("composer window", lambda: find_window("New Message"))
    send = wait_for("Send button", lambda: find(composer, pyatspi.ROLE_PUSH_BUTTON, name="Send"))
    to = find(composer, pyatspi.ROLE_TEXT, name="To")
    assert to is not None, "the To entry must be named by its label"
    assert not sensitive(send), "Send must wait for a recipient"
    log("PASS the composer opens with Send disabled")

    # A legacy recipient: a chip routed to the account's transport, TLS lock.
    to.queryEditableText().setTextContents(LEGACY + ",")
    legacy = wait_for("the legacy chip routed",
                      lambda: (c := chip(composer, LEGACY)) and "lock" in c.name and c)
    log(f"chip: {legacy.name!r}")
    assert "TLS only lock" in legacy.name, legacy.name
    wait_for("Send enabled", lambda: sensitive(send))
    assert "Lock: TLS only" in send.description, send.description
    log(f"PASS Send shows the lock: {send.description!r}")
    subject = find(composer, pyatspi.ROLE_TEXT, name="Subject")
    subject.queryEditableText().setTextContents("Lunch on Friday?")
    body = find(composer, pyatspi.ROLE_TEXT, name="Message body")
    body.queryEditableText().setTextContents("Shall we meet at noon?\n")
    # Drafts are saved to the store as one writes.
    wait_for("the draft saved", lambda: find(composer, pyatspi.ROLE_LABEL, prefix="Draft saved at"))
    log("PASS the draft was saved")
    screenshot("04-compose-legacy.png")

    # An onion recipient next to it: Send is blocked and a banner says why.
    to.queryEditableText().setTextContents(ONION + ",")
    wait_for("the onion chip routed",
             lambda: (c := chip(composer, ONION)) and "Onion lock" in c.name)
    banner = wait_for("the mixed-transport banner",
                      lambda: find(composer, pyatspi.ROLE_LABEL, prefix="Not sent:"))
    log(f"banner: {banner.name!r}")
    assert LEGACY in banner.name, banner.name
    wait_for("Send blocked", lambda: not sensitive(send))
    assert send.description.startswith("Blocked"), send.description
    remove = find(composer, pyatspi.ROLE_PUSH_BUTTON, name=f"Remove {LEGACY}")
    assert remove is not None, "the banner offers a one-click remove"
    wait_for("the conflicting chip marked", lambda: "conflicts" in chip(composer, LEGACY).name)
    log("PASS Send is blocked and the banner names the conflicting recipient")
    screenshot("05-compose-blocked.png")

    # One click removes the conflicting recipient: the onion lock remains.
    press(remove)
    wait_for("the legacy chip gone", lambda: chip(composer, LEGACY) is None)
    wait_for("Send enabled again", lambda: sensitive(send))
    assert "Lock: Onion" in send.description, send.description
    log("PASS the banner's button removed the conflict; Send shows the onion lock")

    # Back to the legacy recipient only, and send: the outbox delivers it.
    press(find(composer, pyatspi.ROLE_PUSH_BUTTON, name=f"Remove {ONION}"))
    wait_for("the onion chip gone", lambda: chip(composer, ONION) is None)
    to.queryEditableText().setTextContents(LEGACY + ",")
    wait_for("Send enabled for the legacy recipient",
             lambda: sensitive(send) and "TLS only" in send.description)
    press(send)
    wait_for("the composer to close", lambda: find_window("New Message") is None)
    sidebar = region(win, "PosternSidebar")
    wait_for("the sent message delivered into the demo Inbox",
             lambda: find(messages, pyatspi.ROLE_LABEL, name="Lunch on Friday?"))
    wait_for("Inbox with 4 unread", lambda: find(sidebar, pyatspi.ROLE_LIST_ITEM,
                                                 name="Inbox, 4 unread"))
    log("PASS sent through the outbox; local delivery put it in the Inbox")
    screenshot("06-sent.png")

    # 4. mailto: opens the composer of the running instance.
    env = dict(os.environ)
    subprocess.run([os.environ["POSTERN"], "mailto:carol@example.org?subject=Hello%20there"],
                   env=env, check=True, timeout=30)
    composer = wait_for("composer from mailto:", lambda: find_window("New Message"))
    wait_for("carol's chip", lambda: chip(composer, "carol@example.org"))
    subject = find(composer, pyatspi.ROLE_TEXT, name="Subject")
    wait_for("the subject from the URI", lambda: text_of(subject) == "Hello there")
    log("PASS mailto: opens a filled composer")


run(main, "--demo")
