#!/usr/bin/python3
"""The app in German (LANGUAGE=de, catalogs from the build through
tests/install/with-catalogs): the window's templates, the sidebar built in
C and the composer all speak German, so main.c binds the text domain and
both kinds of marked strings reach the screen."""
import pyatspi
from posternui import find, find_window, log, press, region, run, screenshot, wait_for


def main(app):
    win = wait_for("main window", lambda: app.check_alive() and find_window("Postern"))
    sidebar = region(win, "PosternSidebar")
    # C: the folder title and the ngettext'd unread count.
    wait_for("the Inbox in German",
             lambda: find(sidebar, pyatspi.ROLE_LIST_ITEM, name="Posteingang, 3 ungelesen"))
    log("PASS the sidebar says 'Posteingang, 3 ungelesen'")
    # Templates: the header bar's button (strings other tests rely on too, so
    # that a changed English string shows up there first).
    new = wait_for("the New Message button",
                   lambda: find(win, pyatspi.ROLE_PUSH_BUTTON, name="Neue Nachricht"))
    log("PASS the templates are German")
    screenshot("10-german.png")
    press(new)
    composer = wait_for("the composer in German", lambda: find_window("Neue Nachricht"))
    wait_for("Senden", lambda: find(composer, pyatspi.ROLE_PUSH_BUTTON, name="Senden"))
    wait_for("the subject entry", lambda: find(composer, pyatspi.ROLE_TEXT, name="Betreff"))
    log("PASS the composer is German")


run(main, "--demo", env={"LANGUAGE": "de"})
