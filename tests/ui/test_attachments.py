#!/usr/bin/python3
"""Attachments both ways: a received attachment is saved with Save As (the
file chooser writes it where the user says, byte for byte), and a file
attached with the picker travels with a sent message and arrives, through
the outbox and local delivery, as an attachment of the received copy."""
import os

import pyatspi
from posternui import (click, find, find_all, find_window, focus_window, log, press, region,
                       run, screenshot, text_of, wait_for, xdo)

WORK = os.environ["POSTERN_WORK"]
AGENDA = "time,topic,owner\n09:00,Welcome,Grace\n09:15,Roadmap,Ada\n10:00,Open questions,Everyone\n"


def main(app):
    win = wait_for("main window", lambda: app.check_alive() and find_window("Postern"))
    messages = region(win, "PosternMessageList")
    reader = region(win, "PosternMessageView")

    # Save As: the chooser's name field takes a full path.
    click(wait_for("the message with an attachment",
                   lambda: find(messages, pyatspi.ROLE_LABEL, name="Plan for the next quarter")),
          "Postern")
    press(wait_for("Save agenda.csv As…",
                   lambda: find(reader, pyatspi.ROLE_PUSH_BUTTON, name="Save agenda.csv As…")))
    chooser = wait_for("the Save Attachment chooser", lambda: find_window("Save Attachment"))
    name = wait_for("its name field", lambda: find(chooser, pyatspi.ROLE_TEXT, name="Name:"))
    target = os.path.join(WORK, "saved-agenda.csv")
    name.queryEditableText().setTextContents(target)
    press(find(chooser, pyatspi.ROLE_PUSH_BUTTON, prefix="_Save"))
    wait_for("the saved file", lambda: os.path.exists(target) and open(target).read() == AGENDA)
    log("PASS Save As wrote the attachment byte for byte")

    # The picker: attach a file to a new message and send it.
    attached = os.path.join(WORK, "notes.txt")
    with open(attached, "w") as f:
        f.write("Bring the slides.\n")
    press(find(win, pyatspi.ROLE_PUSH_BUTTON, name="New Message"))
    composer = wait_for("composer", lambda: find_window("New Message"))
    press(wait_for("Attach a File", lambda: find(composer, pyatspi.ROLE_PUSH_BUTTON,
                                                 name="Attach a File")))
    picker = wait_for("the Attach Files chooser", lambda: find_window("Attach Files"))
    focus_window("Attach Files")
    xdo("key", "--clearmodifiers", "ctrl+l")
    xdo("type", "--delay", "10", attached)
    # The location entry completes as one types: press Attach once it holds
    # the whole path, and again if the chooser was still busy.
    wait_for("the path in the location entry",
             lambda: any(text_of(t) == attached for t in find_all(picker, pyatspi.ROLE_TEXT)))
    for _ in range(3):
        press(find(picker, pyatspi.ROLE_PUSH_BUTTON, prefix="_Attach"))
        try:
            wait_for("the chooser to close", lambda: find_window("Attach Files") is None,
                     timeout=3)
            break
        except AssertionError:
            log("the chooser is still open; pressing Attach again")
    wait_for("the attachment row",
             lambda: find(composer, pyatspi.ROLE_PUSH_BUTTON, name="Remove notes.txt"))
    log("PASS the picker attached the file")
    find(composer, pyatspi.ROLE_TEXT, name="To").queryEditableText().setTextContents(
        "carol@example.org,")
    find(composer, pyatspi.ROLE_TEXT, name="Subject").queryEditableText().setTextContents(
        "Slides for Thursday")
    send = find(composer, pyatspi.ROLE_PUSH_BUTTON, name="Send")
    wait_for("Send enabled", lambda: pyatspi.STATE_SENSITIVE in send.getState().getStates())
    screenshot("11-compose-attachment.png")
    press(send)
    wait_for("the composer to close", lambda: find_window("New Message") is None)
    click(wait_for("the received copy", lambda: find(messages, pyatspi.ROLE_LABEL,
                                                     name="Slides for Thursday")), "Postern")
    wait_for("its attachment", lambda: find(reader, pyatspi.ROLE_PUSH_BUTTON,
                                            name="Save notes.txt As…"))
    log("PASS the attachment travelled with the message")

    # Drafts: what a closed composer held is in Drafts, and Edit Draft goes on
    # with it (recipients, subject, body); saving again replaces the draft.
    press(find(win, pyatspi.ROLE_PUSH_BUTTON, name="New Message"))
    composer = wait_for("composer", lambda: find_window("New Message"))
    find(composer, pyatspi.ROLE_TEXT, name="To").queryEditableText().setTextContents(
        "dave@example.org,")
    find(composer, pyatspi.ROLE_TEXT, name="Subject").queryEditableText().setTextContents(
        "Unfinished thoughts")
    find(composer, pyatspi.ROLE_TEXT, name="Message body").queryEditableText().setTextContents(
        "To be continued.")
    wait_for("the draft saved", lambda: find(composer, pyatspi.ROLE_LABEL, prefix="Draft saved"))
    press(find(composer, pyatspi.ROLE_PUSH_BUTTON, name="Close"))
    wait_for("the composer closed", lambda: find_window("New Message") is None)
    sidebar = region(win, "PosternSidebar")
    click(find(sidebar, pyatspi.ROLE_LIST_ITEM, name="Drafts"), "Postern")
    click(wait_for("the draft in Drafts", lambda: find(messages, pyatspi.ROLE_LABEL,
                                                       name="Unfinished thoughts")), "Postern")
    press(wait_for("Edit Draft", lambda: find(reader, pyatspi.ROLE_PUSH_BUTTON,
                                              name="Edit Draft")))
    composer = wait_for("composer on the draft", lambda: find_window("New Message"))
    wait_for("dave's chip", lambda: find(composer, None, prefix="dave@example.org:"))
    subject = find(composer, pyatspi.ROLE_TEXT, name="Subject")
    assert text_of(subject) == "Unfinished thoughts", text_of(subject)
    body = find(composer, pyatspi.ROLE_TEXT, name="Message body")
    assert "To be continued." in text_of(body), text_of(body)
    body.queryEditableText().setTextContents("To be continued, soon.")
    wait_for("the draft saved again",
             lambda: find(composer, pyatspi.ROLE_LABEL, prefix="Draft saved"))
    screenshot("12-edit-draft.png")
    press(find(composer, pyatspi.ROLE_PUSH_BUTTON, name="Close"))
    wait_for("the composer closed", lambda: find_window("New Message") is None)
    wait_for("one draft, not two",
             lambda: len([l for l in find_all(messages, pyatspi.ROLE_LABEL)
                          if l.name == "Unfinished thoughts"]) == 1)
    log("PASS drafts are kept and can be edited again")


run(main, "--demo")
