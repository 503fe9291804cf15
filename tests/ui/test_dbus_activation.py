#!/usr/bin/python3
"""D-Bus activation, as a desktop starts Postern (DBusActivatable=true):
the session bus starts the app from its service file when a launcher calls
org.freedesktop.Application.Activate, and Open with a mailto: URI — what a
mail link does — opens a filled composer in that one instance.

The service file and the desktop entry are the ones the build installs;
only the Exec path is pointed at the build tree."""
import configparser
import os
import shlex
import signal
import subprocess
import sys
import time

import pyatspi
from gi.repository import Gio, GLib
from posternui import find, find_window, log, screenshot, text_of, wait_for

APP_ID = "io.github.postern.Postern"
OBJECT_PATH = "/" + APP_ID.replace(".", "/")
# run-under-xvfb SCRIPT SERVICE_FILE DESKTOP_FILE (as built in data/)
SERVICE_FILE, DESKTOP_FILE = sys.argv[1:3]


def read_entry(path, group):
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str
    with open(path, encoding="utf-8") as f:
        parser.read_file(f)
    return parser[group]


def install_service():
    """The built service file, with its binary swapped for the build's."""
    service = read_entry(SERVICE_FILE, "D-BUS Service")
    assert service["Name"] == APP_ID, service["Name"]
    argv = shlex.split(service["Exec"])
    assert os.path.basename(argv[0]) == "postern", argv
    assert "--gapplication-service" in argv[1:], argv
    desktop = read_entry(DESKTOP_FILE, "Desktop Entry")
    assert desktop["DBusActivatable"] == "true", desktop.get("DBusActivatable")
    assert "x-scheme-handler/mailto" in desktop["MimeType"].split(";"), desktop["MimeType"]

    services = os.path.join(os.environ["XDG_DATA_HOME"], "dbus-1", "services")
    os.makedirs(services, exist_ok=True)
    exec_line = shlex.join([os.environ["POSTERN"], *argv[1:]])
    with open(os.path.join(services, APP_ID + ".service"), "w", encoding="utf-8") as f:
        f.write(f"[D-BUS Service]\nName={APP_ID}\nExec={exec_line}\n")
    log(f"service file installed: Exec={exec_line}")


def make_profile():
    """An account in the default profile, which the activated app opens."""
    profile = os.path.join(os.environ["XDG_DATA_HOME"], "postern")
    subprocess.run([os.environ["POSTERN_CLI"], "--profile", profile, "account", "add", "me",
                    "--address", "me@example.org", "--smtp", "local:" + profile],
                   check=True, timeout=30, capture_output=True)


def call(bus, method, args, iface="org.freedesktop.Application", dest=APP_ID,
         path=OBJECT_PATH, reply=None):
    return bus.call_sync(dest, path, iface, method, args,
                         GLib.VariantType(reply) if reply else None,
                         Gio.DBusCallFlags.NONE, 60000, None)


def app_pid(bus):
    return call(bus, "GetConnectionUnixProcessID", GLib.Variant("(s)", (APP_ID,)),
                iface="org.freedesktop.DBus", dest="org.freedesktop.DBus",
                path="/org/freedesktop/DBus", reply="(u)").unpack()[0]


def main():
    install_service()
    make_profile()
    bus = Gio.bus_get_sync(Gio.BusType.SESSION, None)
    pid = None
    failed = False
    try:
        # Activate starts the app through the bus and shows the main window.
        call(bus, "Activate", GLib.Variant("(a{sv})", ({},)))
        pid = app_pid(bus)
        log(f"the bus started postern (pid {pid})")
        wait_for("main window", lambda: find_window("Postern"), timeout=30)
        log("PASS Activate over D-Bus started the app and showed its window")

        # Open with a mailto: URI opens the composer in the same instance.
        uri = "mailto:dave@example.org?subject=Sent%20through%20D-Bus&body=Hi%20Dave"
        call(bus, "Open", GLib.Variant("(asa{sv})", ([uri], {})))
        composer = wait_for("composer from Open", lambda: find_window("New Message"))
        wait_for("dave's chip",
                 lambda: find(composer, None, prefix="dave@example.org:"))
        subject = find(composer, pyatspi.ROLE_TEXT, name="Subject")
        wait_for("the subject from the URI", lambda: text_of(subject) == "Sent through D-Bus")
        assert app_pid(bus) == pid, "Open must reach the running instance"
        log("PASS Open(mailto:) over D-Bus opened a filled composer in the running app")
        screenshot("dbus-activation.png")

        # The app leaves when asked through its own actions.
        call(bus, "ActivateAction", GLib.Variant("(sava{sv})", ("quit", [], {})))
        wait_for("the app to quit", lambda: not os.path.exists(f"/proc/{pid}"), timeout=20)
        pid = None
        log("PASS app.quit over D-Bus ended the activated app")
    except (AssertionError, GLib.Error) as e:
        failed = True
        log(f"FAIL {e}")
        try:
            screenshot("failure-test_dbus_activation.png")
        except Exception as shot_error:
            log(f"no screenshot: {shot_error}")
    finally:
        if pid is not None:
            os.kill(pid, signal.SIGTERM)
            for _ in range(100):
                if not os.path.exists(f"/proc/{pid}"):
                    break
                time.sleep(0.1)
    if failed:
        raise SystemExit(1)
    log("ALL PASS")


main()
