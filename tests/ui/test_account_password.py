#!/usr/bin/python3
"""The Add Account dialog's password goes to the Secret Service only.

First no keyring can be reached (its D-Bus activation is overridden by a
service file that fails): Add shows the error and the dialog stays with
everything typed, no account added. Then a real gnome-keyring-daemon is
started on this session bus and Add, pressed again, stores the password
(read back with secret-tool) and adds the account; the profile folder and
the app's output never hold the password."""
import os
import subprocess

import pyatspi
from posternui import (WORK, click, find, find_window, focus_window, log, open_add_account, press,
                       region, run, screenshot, sensitive, text_of, wait_for, xdo)

PROFILE = os.path.join(WORK, "new-profile")
PASSWORD = "Tr0ub4dor & 3 horses"
KEYRING = []


def block_keyring_activation():
    """A user service file takes precedence over /usr/share's one, whose
    gnome-keyring would otherwise be started by the bus on first use."""
    services = os.path.join(os.environ["XDG_DATA_HOME"], "dbus-1", "services")
    os.makedirs(services, exist_ok=True)
    with open(os.path.join(services, "org.freedesktop.secrets.service"), "w") as f:
        f.write("[D-BUS Service]\nName=org.freedesktop.secrets\nExec=/bin/false\n")
    subprocess.run(["dbus-send", "--session", "--dest=org.freedesktop.DBus",
                    "--type=method_call", "/org/freedesktop/DBus",
                    "org.freedesktop.DBus.ReloadConfig"], check=True)


def start_keyring():
    """gnome-keyring with an unlocked login keyring of its own, as
    tests/harness/with-servers --keyring starts it."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("G_DEBUG", "MALLOC_CHECK_", "MALLOC_PERTURB_", "G_SLICE")}
    gkd = subprocess.Popen(["gnome-keyring-daemon", "--foreground", "--unlock",
                            "--components=secrets"], stdin=subprocess.PIPE,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    KEYRING.append(gkd)
    gkd.stdin.write(b"ui-test-login")
    gkd.stdin.close()

    def owned():
        r = subprocess.run(["dbus-send", "--session", "--print-reply",
                            "--dest=org.freedesktop.DBus", "/",
                            "org.freedesktop.DBus.NameHasOwner",
                            "string:org.freedesktop.secrets"], capture_output=True, text=True)
        return "true" in r.stdout
    wait_for("gnome-keyring on the bus", owned)
    log(f"started gnome-keyring-daemon (pid {gkd.pid})")


def fill(acc, text):
    acc.queryEditableText().setTextContents(text)


def files_holding(folder, needle):
    hits = []
    for dirpath, _, names in os.walk(folder):
        for name in names:
            path = os.path.join(dirpath, name)
            with open(path, "rb") as f:
                if needle in f.read():
                    hits.append(path)
    return hits


def main(app):
    block_keyring_activation()
    win, dialog = open_add_account(app)
    add = find(dialog, pyatspi.ROLE_PUSH_BUTTON, name="Add")
    name = find(dialog, pyatspi.ROLE_TEXT, name="Account Name")
    fill(name, "Work")
    fill(find(dialog, pyatspi.ROLE_TEXT, name="Email Address"), "me@work.example")
    fill(find(dialog, pyatspi.ROLE_TEXT, name="Incoming Server (imaps://host)"),
         "imaps://mail.work.example")
    password = wait_for("the Password entry", lambda: find(dialog, pyatspi.ROLE_PASSWORD_TEXT,
                                                           name="Password")
                        or find(dialog, pyatspi.ROLE_TEXT, name="Password"))
    # A password is typed, as a user would: a screen reader has no text to set.
    focus_window("Add Account")
    click(password, "Add Account")
    xdo("type", "--delay", "10", PASSWORD)
    wait_for("Add enabled", lambda: sensitive(add))
    screenshot("09-add-account-password.png")

    press(add)
    error = wait_for("the keyring error in the dialog",
                     lambda: find(dialog, pyatspi.ROLE_LABEL, prefix="The password could not"))
    log(f"error shown: {error.name!r}")
    assert find_window("Add Account") is not None, "the dialog must stay open"
    assert text_of(name) == "Work", "what was typed must stay"
    wait_for("Add enabled again", lambda: sensitive(add))
    accounts = os.path.join(PROFILE, "accounts.ini")
    assert not os.path.exists(accounts) or b"Work" not in open(accounts, "rb").read(), \
        "no account may be added without its password"
    screenshot("10-add-account-no-keyring.png")
    log("PASS without a keyring the dialog says so and keeps everything")

    start_keyring()
    press(add)
    wait_for("the dialog to close", lambda: find_window("Add Account") is None)
    sidebar = region(win, "PosternSidebar")
    wait_for("the new account in the sidebar",
             lambda: find(sidebar, pyatspi.ROLE_LIST_ITEM, name="Account Work, me@work.example"))
    stored = subprocess.run(["secret-tool", "lookup", "profile", PROFILE, "account", "Work"],
                            capture_output=True, text=True, check=True).stdout
    assert stored == PASSWORD, f"the keyring holds {len(stored)} other characters"
    log("PASS the password is in the Secret Service")

    assert b"Work" in open(accounts, "rb").read()
    hits = files_holding(PROFILE, PASSWORD.encode())
    assert not hits, f"the password was written to {hits}"
    with open(app.log_path, "rb") as f:
        assert PASSWORD.encode() not in f.read(), "the password reached the app's output"
    log("PASS the profile folder and the app's output do not hold the password")


try:
    run(main, "--profile", PROFILE)
finally:
    for gkd in KEYRING:
        gkd.terminate()
        gkd.wait(10)
