#!/usr/bin/python3
"""First run and reading: the app starts on an empty profile, shows the
onboarding page, opens the demo profile, and a message opened from the
list shows its headers, the lock it arrived with, its signature state and
its body; an HTML message is shown as text; an attachment offers Save As."""
import os

import pyatspi
from posternui import (click, find, find_window, log, press, region, run, screenshot, text_of,
                       wait_for)

PROFILE = os.path.join(os.environ["POSTERN_WORK"], "empty-profile")


def main(app):
    win = wait_for("main window 'Postern'", lambda: app.check_alive() and find_window("Postern"))
    log("found the main window")

    # 5. First run: no account, so the onboarding page offers both ways in.
    onboarding = region(win, "PosternOnboarding")
    demo = wait_for("'Try the Demo' button",
                    lambda: find(onboarding, pyatspi.ROLE_PUSH_BUTTON, name="Try the Demo"))
    assert find(onboarding, pyatspi.ROLE_PUSH_BUTTON, name="Add an Account…"), \
        "the onboarding page must offer to add an account"
    screenshot("01-onboarding.png")
    press(demo)
    log("pressed 'Try the Demo'")

    # 2. The sidebar lists the account and the folders with unread counts.
    sidebar = region(win, "PosternSidebar")
    wait_for("Inbox with 3 unread",
             lambda: find(sidebar, pyatspi.ROLE_LIST_ITEM, name="Inbox, 3 unread"))
    wait_for("the Demo account",
             lambda: find(sidebar, pyatspi.ROLE_LIST_ITEM, prefix="Account Demo"))
    messages = region(win, "PosternMessageList")
    subject = wait_for("message 'Meet me over the onion' in the list",
                       lambda: find(messages, pyatspi.ROLE_LABEL, name="Meet me over the onion"))
    log("the demo Inbox is listed")
    click(subject, "Postern")

    # The reader: subject, sender, lock, signature state and body.
    reader = region(win, "PosternMessageView")
    wait_for("reader subject",
             lambda: find(reader, pyatspi.ROLE_LABEL, name="Meet me over the onion"))
    lock = wait_for("the onion lock", lambda: find(reader, pyatspi.ROLE_LABEL, prefix="Onion —"))
    log(f"lock label: {lock.name!r}")
    wait_for("signature state", lambda: find(reader, pyatspi.ROLE_LABEL, name="Not signed"))
    wait_for("sender", lambda: find(reader, pyatspi.ROLE_LABEL, prefix="Ada <ada@"))
    body = find(reader, pyatspi.ROLE_TEXT, name="Message body")
    wait_for("the body text", lambda: "came over SMTorP" in text_of(body))
    log("PASS the reader shows headers, lock, signature state and body")
    # Reading it marked it seen: one fewer unread in the sidebar.
    wait_for("Inbox with 2 unread",
             lambda: find(sidebar, pyatspi.ROLE_LIST_ITEM, name="Inbox, 2 unread"))
    log("PASS the opened message is marked seen")

    # Reply: to the sender, over the transport that reaches them (the onion).
    press(find(reader, pyatspi.ROLE_PUSH_BUTTON, name="Reply"))
    composer = wait_for("the reply composer", lambda: find_window("New Message"))
    wait_for("Ada's chip with the onion lock",
             lambda: (c := find(composer, None, prefix="ada@")) and "Onion lock" in c.name)
    subject = find(composer, pyatspi.ROLE_TEXT, name="Subject")
    assert text_of(subject) == "Re: Meet me over the onion", text_of(subject)
    send = find(composer, pyatspi.ROLE_PUSH_BUTTON, name="Send")
    wait_for("Send with the onion lock", lambda: "Lock: Onion" in send.description)
    quoted = text_of(find(composer, pyatspi.ROLE_TEXT, name="Message body"))
    assert "> This one came over SMTorP" in quoted, quoted
    screenshot("02b-reply-onion.png")
    press(find(composer, pyatspi.ROLE_PUSH_BUTTON, name="Close"))
    wait_for("the reply composer closed", lambda: find_window("New Message") is None)
    log("PASS Reply answers the sender over the onion, quoting the message")
    screenshot("02-reader-onion.png")

    # HTML mail can be read as safe text: no markup, no script, links spelled
    # out. With WebKitGTK it is rendered (test_html_mail.py) and "Show as
    # Text" gives this rendering.
    click(find(messages, pyatspi.ROLE_LABEL, name="Field Notes: autumn issue"), "Postern")
    wait_for("the HTML notice", lambda: find(reader, pyatspi.ROLE_LABEL,
                                             prefix="This message was written in HTML"))
    if os.environ.get("POSTERN_HAS_WEBKIT") == "1":
        press(wait_for("Show as Text", lambda: find(reader, None, name="Show as Text")))
    text = wait_for("the newsletter text",
                    lambda: "Autumn issue" in text_of(body) and text_of(body))
    assert "<" + "p>" not in text and "document.write" not in text, text
    assert "• Why leaves turn red & gold" in text, text
    assert "on our site <https://fieldnotes.example/autumn>" in text, text
    log("PASS HTML mail is rendered as text")

    # A signed message says so; an attachment can be saved.
    click(find(messages, pyatspi.ROLE_LABEL, name="Release 2.4 is out"), "Postern")
    # Its signature is checked against the release key the demo keyring pins.
    signed = wait_for("a good signature by the pinned key",
                      lambda: find(reader, pyatspi.ROLE_LABEL,
                                   prefix="Signed by the sender’s pinned key 28FF CC7C"))
    log(f"signature label: {signed.name!r}")
    click(find(messages, pyatspi.ROLE_LABEL, name="Plan for the next quarter"), "Postern")
    wait_for("Save agenda.csv button",
             lambda: find(reader, pyatspi.ROLE_PUSH_BUTTON, name="Save agenda.csv As…"))
    wait_for("the sealed lock", lambda: find(reader, pyatspi.ROLE_LABEL, prefix="Sealed —"))
    log("PASS signature state and the attachment with Save As")
    screenshot("03-reader-attachment.png")

    # 4. Search over the full-text index, words in the body included.
    search = find(win, pyatspi.ROLE_ENTRY, name="Search mail")
    search.queryEditableText().setTextContents("mushrooms")
    wait_for("the newsletter found by a word of its body",
             lambda: find(messages, pyatspi.ROLE_LABEL, name="Field Notes: autumn issue")
             and not find(messages, pyatspi.ROLE_LABEL, name="Welcome to Postern"))
    search.queryEditableText().setTextContents("from:grace")
    wait_for("a search by sender",
             lambda: find(messages, pyatspi.ROLE_LABEL, name="Plan for the next quarter")
             and not find(messages, pyatspi.ROLE_LABEL, name="Field Notes: autumn issue"))
    screenshot("10-search.png")
    search.queryEditableText().setTextContents("")
    wait_for("the Inbox back", lambda: find(messages, pyatspi.ROLE_LABEL,
                                            name="Welcome to Postern"))
    log("PASS search over the index")


run(main, "--profile", PROFILE)
