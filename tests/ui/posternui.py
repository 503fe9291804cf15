"""Helpers for driving the real `postern` app through AT-SPI (pyatspi).

Used by the tests in this folder under run-under-xvfb. GTK 4.8 quirks
handled here (see shared/fixtures/gtk4-atspi/README.md): Text.getText(0, -1)
returns '' so the real end offset is passed; sensitivity is STATE_SENSITIVE
only; Component.grabFocus fails, so focus comes from the keyboard; extents
are relative to the toplevel, so the X window origin is added for clicks.
"""
import os
import re
import subprocess
import sys
import time

import pyatspi

T0 = time.monotonic()
ARTIFACTS = os.environ.get("POSTERN_ARTIFACTS", ".")
# The app's GDK_SCALE: AT-SPI extents are in logical pixels, X in device ones.
SCALE = [1]
WORK = os.environ.get("POSTERN_WORK", "/tmp")


def log(msg):
    print(f"[{time.monotonic() - T0:6.2f}s] {msg}", flush=True)


def wait_for(what, fn, timeout=20.0, step=0.05):
    end = time.monotonic() + timeout
    err = None
    while True:
        try:
            value = fn()
            err = None
        except Exception as e:  # not there yet, or the bus hiccuped
            value, err = None, e
        if value:
            return value
        if time.monotonic() > end:
            raise AssertionError(f"timed out waiting for {what}" + (f" ({err})" if err else ""))
        time.sleep(step)


def states(acc):
    return acc.getState()


def showing(acc):
    # GTK 4.8 never sets STATE_SHOWING, and the pages of a GtkStack that
    # are not on screen still say VISIBLE: tests narrow their searches to the
    # widget they look at (see region()) instead.
    return states(acc).contains(pyatspi.STATE_VISIBLE)


def region(win, widget_type):
    """The subtree of one of our widgets, which GTK names by its type."""
    return wait_for(widget_type, lambda: find(win, pyatspi.ROLE_FILLER, name=widget_type))


def sensitive(acc):
    return states(acc).contains(pyatspi.STATE_SENSITIVE)


def text_of(acc):
    t = acc.queryText()
    return t.getText(0, t.characterCount)


def find(root, role, name=None, prefix=None, contains=None, visible=True):
    def pred(a):
        if a is None or (role is not None and a.getRole() != role):
            return False
        if name is not None and a.name != name:
            return False
        if prefix is not None and not a.name.startswith(prefix):
            return False
        if contains is not None and contains not in a.name:
            return False
        return not visible or showing(a)
    try:
        return pyatspi.findDescendant(root, pred)
    except Exception:
        # The tree changed under the walk (rows re-created by a reload):
        # callers wait and look again.
        return None


def find_all(root, role, visible=True):
    for _ in range(5):
        try:
            return pyatspi.findAllDescendants(
                root,
                lambda a: a is not None and a.getRole() == role and (not visible or showing(a)))
        except Exception:
            time.sleep(0.1)
    return []


CONTROL_ROLES = (pyatspi.ROLE_PUSH_BUTTON, pyatspi.ROLE_TOGGLE_BUTTON, pyatspi.ROLE_CHECK_BOX,
                 pyatspi.ROLE_RADIO_BUTTON, pyatspi.ROLE_TEXT, pyatspi.ROLE_ENTRY,
                 pyatspi.ROLE_COMBO_BOX, pyatspi.ROLE_SLIDER, pyatspi.ROLE_SPIN_BUTTON,
                 pyatspi.ROLE_LIST, pyatspi.ROLE_LIST_BOX)


def unnamed_controls(root):
    """Controls a screen reader could not name: no name, or only the GTK type
    name GTK 4.8 falls back to ("GtkButton")."""
    bad = []

    def walk(acc, depth=0):
        if acc is None or depth > 60:
            return
        try:
            role, name = acc.getRole(), acc.name
        except Exception:
            return
        if role in CONTROL_ROLES and showing(acc) and (
                not name or name.startswith("Gtk") or name.startswith("Adw")):
            bad.append(f"{acc.getRoleName()} {name!r}")
        for child in acc:
            walk(child, depth + 1)
    walk(root)
    return bad


def app_root(name="postern"):
    for app in pyatspi.Registry.getDesktop(0):
        if app is not None and app.name == name:
            return app
    return None


def find_window(title, app="postern"):
    root = app_root(app)
    if root is None:
        return None
    for win in root:
        # GTK 4.8 exposes an AdwWindow as a filler, not a frame.
        if win is not None and win.name == title:
            return win
    return None


def find_window_with(role, name):
    """The toplevel that holds an object named @name (for windows whose own
    name GTK 4.8 leaves empty, such as GtkShortcutsWindow)."""
    root = app_root()
    for win in root or []:
        if win is not None and find(win, role, name=name) is not None:
            return win
    return None


def xdo(*args, capture=False):
    r = subprocess.run(["xdotool", *args], check=True, capture_output=capture, text=True)
    return r.stdout if capture else None


def x_windows_named(title):
    """Top-level X windows called @title, newest last. xdotool's search
    gives up on the whole tree when one window vanishes during the walk (a
    closing dialog), so xwininfo's listing is the second opinion."""
    r = subprocess.run(["xdotool", "search", "--name", f"^{re.escape(title)}$"],
                       capture_output=True, text=True)
    if r.returncode == 0 and r.stdout.split():
        return r.stdout.split()
    r = subprocess.run(["xwininfo", "-root", "-children"], capture_output=True, text=True)
    return [line.split()[0] for line in r.stdout.splitlines()
            if f' "{title}":' in line and line.strip().startswith("0x")]


def x_window(title):
    try:
        out = wait_for(f"X window {title!r}", lambda: x_windows_named(title))
    except AssertionError:
        r = subprocess.run(["xwininfo", "-root", "-children"], capture_output=True, text=True)
        log(f"top-level windows: {r.stdout.strip()}")
        raise
    return out[-1]


def click(acc, title):
    """A real pointer click in the middle of @acc, inside window @title."""
    xid = x_window(title)
    ext = acc.queryComponent().getExtents(pyatspi.DESKTOP_COORDS)
    geo = dict(l.split("=") for l in xdo("getwindowgeometry", "--shell", xid,
                                         capture=True).split())
    x = int(geo["X"]) + (ext.x + ext.width // 2) * SCALE[0]
    y = int(geo["Y"]) + (ext.y + ext.height // 2) * SCALE[0]
    xdo("mousemove", "--sync", str(x), str(y), "click", "1")


def press(acc):
    """Activates a button through its AT-SPI action, as a screen reader would."""
    act = acc.queryAction()
    names = [act.getName(i) for i in range(act.nActions)]
    act.doAction(names.index("click") if "click" in names else 0)


def focus_window(title):
    xdo("windowfocus", "--sync", x_window(title))


def open_add_account(app):
    """The main window of a profile without accounts, and the Add Account
    dialog opened from its onboarding page."""
    win = wait_for("main window", lambda: app.check_alive() and find_window("Postern"))
    onboarding = region(win, "PosternOnboarding")
    press(wait_for("'Add an Account…'",
                   lambda: find(onboarding, pyatspi.ROLE_PUSH_BUTTON, name="Add an Account…")))
    return win, wait_for("the Add Account dialog", lambda: find_window("Add Account"))


def screenshot(name):
    os.makedirs(ARTIFACTS, exist_ok=True)
    path = os.path.join(ARTIFACTS, name)
    time.sleep(0.4)  # let the last frame land
    subprocess.run(["import", "-display", os.environ["DISPLAY"], "-window", "root", path],
                   check=True)
    log(f"screenshot {path}")
    return path


class App:
    """The app under test, started with its own profile and stopped by PID."""

    def __init__(self, *args, env=None):
        self.env = dict(os.environ, **(env or {}))
        self.log_path = os.path.join(WORK, "postern.log")
        # Now and then, on a loaded machine, the first connection to a fresh
        # Xvfb is refused although the server runs; a second try gets in.
        for attempt in range(3):
            self.log = open(self.log_path, "w")
            self.proc = subprocess.Popen([os.environ["POSTERN"], *args], stdout=self.log,
                                         stderr=subprocess.STDOUT, env=self.env)
            log(f"started postern {' '.join(args)} (pid {self.proc.pid})")
            try:
                self.proc.wait(2)
            except subprocess.TimeoutExpired:
                return
            self.log.close()
            with open(self.log_path) as f:
                text = f.read()
            if "cannot open display" not in text:
                return
            log(f"postern could not open the display, try {attempt + 1}: {text.strip()}")
            self.log = open(self.log_path, "a")

    def check_alive(self):
        if self.proc.poll() is not None:
            raise AssertionError(f"postern exited with {self.proc.returncode}")
        return True

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        with open(self.log_path) as f:
            text = f.read()
        if text.strip():
            log("postern output:\n" + text)
        return text


def run(main, *app_args, env=None):
    """Starts the app, runs @main(app) and stops the app by PID; a failure
    leaves a screenshot of the moment it happened."""
    SCALE[0] = int((env or {}).get("GDK_SCALE", "1"))
    app = App(*app_args, env=env)
    failed = False
    try:
        main(app)
    except AssertionError as e:
        failed = True
        log(f"FAIL {e}")
        try:
            screenshot("failure-" + os.path.basename(sys.argv[0]).replace(".py", ".png"))
        except Exception as shot_error:
            log(f"no screenshot: {shot_error}")
    finally:
        app.stop()
    if failed:
        sys.exit(1)
    log("ALL PASS")
