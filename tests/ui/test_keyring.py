#!/usr/bin/python3
"""The keyring manager and the contact card: a profile with a key of its own,
a contact's key pinned on first use, a card scanned before its key arrived
and an open key conflict (all made with postern-cli, as real keys of real
gpg) is opened from the main menu; each key shows its state, the conflict
is settled with Keep, and the contact card dialog shows the user's card and
takes in a pasted OPENPGP4FPR link."""
import os
import subprocess

import pyatspi
from posternui import (click, find, find_all, find_window, focus_window, log, press, region,
                       run, screenshot, text_of, unnamed_controls, wait_for, xdo)

WORK = os.environ["POSTERN_WORK"]
PROFILE = os.path.join(WORK, "me")
CLI = os.environ["POSTERN_CLI"]
DAVE_FPR = "0123456789ABCDEF0123456789ABCDEF01234567"
ERIN_FPR = "FEDCBA9876543210FEDCBA9876543210FEDCBA98"


def cli(profile, *args, check=0):
    r = subprocess.run([CLI, "--profile", profile, *args], capture_output=True, text=True)
    assert r.returncode == check, f"postern-cli {' '.join(args)}: exit {r.returncode}: {r.stderr}"
    return r.stdout


def make_profiles():
    cli(PROFILE, "account", "add", "work", "--address", "me@work.example")
    mine = cli(PROFILE, "keys", "generate", "Me Myself <me@work.example>").strip()
    # Bob's key, pinned on first use; then another key for Bob: a conflict.
    for name in ("bob", "bob2"):
        other = os.path.join(WORK, name)
        cli(other, "keys", "generate", "Bob <bob@example.test>")
        with open(os.path.join(WORK, name + ".asc"), "w") as f:
            f.write(cli(other, "keys", "export", "bob@example.test"))
    cli(PROFILE, "keys", "import", os.path.join(WORK, "bob.asc"))
    cli(PROFILE, "keys", "import", os.path.join(WORK, "bob2.asc"), check=3)
    # Carol's card, scanned before her key arrived.
    carol = os.path.join(WORK, "carol")
    carol_fpr = cli(carol, "keys", "generate", "Carol <carol@example.test>").strip()
    png = os.path.join(WORK, "carol.png")
    cli(carol, "qr", "export", "--format", "png", "--output", png)
    cli(PROFILE, "qr", "import", png)
    for name in ("bob", "bob2", "carol"):
        subprocess.run(["gpgconf", "--homedir", os.path.join(WORK, name, "gnupg"), "--kill",
                        "all"], check=False)
    return mine, carol_fpr


def row_state(win, title, state):
    """The row titled @title holds a label @state."""
    row = find(win, None, name=title)
    return row is not None and find(row, pyatspi.ROLE_LABEL, name=state) is not None


def menu_item(win, name):
    for role in (pyatspi.ROLE_MENU_ITEM, pyatspi.ROLE_PUSH_BUTTON, pyatspi.ROLE_CHECK_MENU_ITEM):
        item = find(win, role, name=name)
        if item is not None:
            return item
    return None


def open_keys_from_menu(win):
    focus_window("Postern")
    menu = wait_for("the main menu button",
                    lambda: find(win, pyatspi.ROLE_TOGGLE_BUTTON, name="Main Menu")
                    or find(win, pyatspi.ROLE_PUSH_BUTTON, name="Main Menu"))
    click(menu, "Postern")
    item = wait_for("the Keys menu item", lambda: menu_item(win, "Keys"), timeout=10)
    screenshot("keyring-00-menu.png")
    # The popover is a surface of its own, whose AT-SPI extents GTK 4.8
    # gets wrong: the item is activated as a screen reader would.
    press(item)
    return wait_for("the Keys window", lambda: find_window("Keys"))


def main(app):
    mine, carol_fpr = STATE
    win = wait_for("main window", lambda: app.check_alive() and find_window("Postern"))
    region(win, "PosternSidebar")
    keys = open_keys_from_menu(win)

    wait_for("my key, verified", lambda: row_state(keys, "Me Myself <me@work.example>",
                                                   "Verified"))
    wait_for("Bob's key, pinned on first use",
             lambda: row_state(keys, "Bob <bob@example.test>", "Pinned on first use"))
    wait_for("Carol's card, waiting for her key",
             lambda: row_state(keys, "carol@example.test", "Verified, key not received yet"))
    keep = wait_for("the Keep button of Bob's conflict",
                    lambda: find(keys, pyatspi.ROLE_PUSH_BUTTON,
                                 name="Keep the pinned key for bob@example.test"))
    assert find(keys, pyatspi.ROLE_PUSH_BUTTON, name="Use the new key for bob@example.test")
    assert find(keys, pyatspi.ROLE_LABEL, name="Key Conflicts")
    screenshot("keyring-01-keys.png")
    bad = unnamed_controls(keys)
    assert not bad, f"controls of the Keys window without an accessible name: {bad}"
    log("PASS the keyring lists keys with their state and the open conflict")

    press(keep)
    wait_for("the conflict settled", lambda: find(
        keys, pyatspi.ROLE_PUSH_BUTTON, name="Keep the pinned key for bob@example.test") is None)
    assert cli(PROFILE, "keys", "conflicts") == "", "Keep must settle the conflict on disk"
    assert row_state(keys, "Bob <bob@example.test>", "Pinned on first use")
    log("PASS Keep settles the conflict")

    # Generate: a second key of my own, for another address.
    row = find(keys, pyatspi.ROLE_TEXT, name="Address for a New Key")
    row.queryEditableText().setTextContents("me@home.example")
    press(find(keys, pyatspi.ROLE_PUSH_BUTTON, name="Generate"))
    wait_for("the new key, verified", lambda: row_state(keys, "<me@home.example>", "Verified"),
             timeout=60)
    assert "me@home.example" in cli(PROFILE, "keys", "list")
    log("PASS Generate makes a key of my own")

    press(find(keys, pyatspi.ROLE_PUSH_BUTTON, name="Contact Card…"))
    card = wait_for("the Contact Card dialog", lambda: find_window("Contact Card"))
    wait_for("my card's addresses",
             lambda: find(card, pyatspi.ROLE_LABEL, name="me@work.example"))
    assert find(card, None, name="Your contact card") is not None
    for name in ("Export PNG…", "Export SVG…", "Export PDF…", "Print…", "Scan From File…",
                 "Paste From Clipboard"):
        assert find(card, pyatspi.ROLE_PUSH_BUTTON, name=name), f"no {name} button"
    screenshot("keyring-02-card.png")
    bad = unnamed_controls(card)
    assert not bad, f"controls of the Contact Card dialog without an accessible name: {bad}"
    log("PASS the contact card dialog shows my card")

    # Someone's OPENPGP4FPR link, pasted as text.
    entry = find(card, pyatspi.ROLE_TEXT, name="Card Text (vCard or OPENPGP4FPR link)")
    link = f"OPENPGP4FPR:{DAVE_FPR}#a=dave%40example.net&n=Dave"
    try:
        entry.queryEditableText().setTextContents(link)
    except Exception:
        focus_window("Contact Card")
        click(entry, "Contact Card")
        xdo("type", "--delay", "5", link)
    press(find(card, pyatspi.ROLE_PUSH_BUTTON, name="Import"))
    result = wait_for("the import result",
                      lambda: find(card, pyatspi.ROLE_LABEL, prefix="Dave: key verified"))
    assert "dave@example.net" in result.name, result.name
    assert "has not arrived yet" in result.name, result.name
    wait_for("Dave in the keyring, verified",
             lambda: row_state(keys, "dave@example.net", "Verified, key not received yet"))
    assert find(card, pyatspi.ROLE_PUSH_BUTTON, name="Look Up the Key Online"), \
        "a card without its key offers to look the key up"
    screenshot("keyring-03-scanned.png")
    log("PASS a pasted card is pinned and verified")

    # Export PNG… writes the card's QR code, which the real zbarimg reads as
    # the vCard postern-cli exports.
    press(find(card, pyatspi.ROLE_PUSH_BUTTON, name="Export PNG…"))
    chooser = wait_for("the Save Contact Card chooser", lambda: find_window("Save Contact Card"))
    name = wait_for("its name field", lambda: find(chooser, pyatspi.ROLE_TEXT, name="Name:"))
    target = os.path.join(WORK, "my-card.png")
    name.queryEditableText().setTextContents(target)
    press(find(chooser, pyatspi.ROLE_PUSH_BUTTON, prefix="_Save"))
    wait_for("the saved card", lambda: os.path.exists(target) and os.path.getsize(target) > 0)
    decoded = wait_for("zbarimg to read it", lambda: subprocess.run(
        ["zbarimg", "--quiet", "--raw", target], capture_output=True, text=True).stdout)
    assert decoded == cli(PROFILE, "qr", "export") + "\n", decoded
    log("PASS Export PNG… writes a QR code of my card")

    # Scan From File…: Erin's card as a PNG made by the qrencode tool.
    erin_png = os.path.join(WORK, "erin.png")
    subprocess.run(["qrencode", "-o", erin_png,
                    f"OPENPGP4FPR:{ERIN_FPR}#a=erin%40example.org&n=Erin"], check=True)
    press(find(card, pyatspi.ROLE_PUSH_BUTTON, name="Scan From File…"))
    picker = wait_for("the Scan a Contact Card chooser",
                      lambda: find_window("Scan a Contact Card"))
    focus_window("Scan a Contact Card")
    xdo("key", "--clearmodifiers", "ctrl+l")
    xdo("type", "--delay", "10", erin_png)
    wait_for("the path in the location entry",
             lambda: any(text_of(t) == erin_png for t in find_all(picker, pyatspi.ROLE_TEXT)))
    for _ in range(3):
        press(find(picker, pyatspi.ROLE_PUSH_BUTTON, prefix="_Open"))
        try:
            wait_for("the chooser to close", lambda: find_window("Scan a Contact Card") is None,
                     timeout=3)
            break
        except AssertionError:
            log("the chooser is still open; pressing Open again")
    wait_for("Erin's card read from the image",
             lambda: find(card, pyatspi.ROLE_LABEL, prefix="Erin: key verified for "
                                                            "erin@example.org"))
    wait_for("Erin in the keyring",
             lambda: row_state(keys, "erin@example.org", "Verified, key not received yet"))
    log("PASS a card scanned from an image file is pinned and verified")

    # A card that is no card says why.
    entry.queryEditableText().setTextContents("hello")
    press(find(card, pyatspi.ROLE_PUSH_BUTTON, name="Import"))
    wait_for("the error", lambda: find(card, pyatspi.ROLE_LABEL,
                                        prefix="Not imported: this is not a contact card"))
    log("PASS a malformed card is refused with a reason")


STATE = make_profiles()
run(main, "--profile", PROFILE)
