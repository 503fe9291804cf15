#!/usr/bin/python3
# app-start.py — time from exec to the first window, and the main process's
# RSS, of Postern (100,000 messages) and of Claws Mail, Balsa, Geary and
# Evolution (empty profiles), interleaved in one run under Xvfb.
#
# Copyright 2026 The Postern authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
#   bench/app-start.py [--count N] [--rounds R] [--clients postern,claws-mail,…]
#                      [--postern PATH] [--cli PATH] [--work DIR] [--screenshots DIR]
#                      [--json FILE]
#
# Every run gets a new empty HOME (and XDG dirs in it), a D-Bus session bus
# of its own (its activated services, the AT-SPI bus among them, are killed
# with it by process group) and the same Xvfb screen (1280x800, no window
# manager). Postern's HOME holds one thing: its default profile
# (~/.local/share/postern, a link to a profile built once with
# `postern-cli import mbox` from N generated messages, plus a local account
# so that it opens the folder, not the onboarding).
#
# first window   bench/x-map-watch.c listens to the root window before the
#                exec; the time is that of the first MapNotify of a
#                top-level window (not a menu or tooltip) of the client.
#                Claws Mail, Balsa, Geary and Evolution, with no account,
#                map their first-run assistant: that is their first window.
# rows shown     (Postern) the first message row on screen, read through
#                AT-SPI by a helper started before the exec: Postern maps
#                its window with a spinner and fills the list when the
#                profile is open, so this is "the first window showing the
#                100,000-message folder".
# RSS            VmRSS of the exec'd process: for the peers once its first
#                window has been up --settle seconds; for Postern after the
#                whole list was scrolled with Page_Down (one press per page,
#                from the newest message to the oldest) and End, and the
#                oldest message shows.
#
# The order of the clients rotates from round to round; one untimed run of
# each first brings its files into the page cache. All use the same
# rendering a GTK 3 client has on X11 (cairo): GSK_RENDERER=cairo for
# Postern, whose GL renderer would be Mesa's software one under Xvfb.

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

PEERS = {
    "claws-mail": ["claws-mail"],
    "balsa": ["balsa"],
    "geary": ["geary"],
    "evolution": ["evolution"],
}
SUBJECT = "Bench message number %d"


def log(msg):
    print(msg, file=sys.stderr, flush=True)


# --- Postern's profile ---------------------------------------------------------

def build_profile(cli, work, n):
    profile = os.path.join(work, "profile-%d" % n)
    if os.path.exists(os.path.join(profile, ".bench-done")):
        return profile
    shutil.rmtree(profile, ignore_errors=True)
    mbox = os.path.join(work, "generated-%d.mbox" % n)
    log("generating %d messages" % n)
    with open(mbox, "w") as f:
        for i in range(n):
            f.write("From sender%d@example.org Mon Jan  1 00:00:00 2024\n"
                    "From: Sender %d <sender%d@example.org>\nTo: me@example.org\n"
                    "Subject: %s\nMessage-ID: <bench%d@example.org>\nDate: %s\n"
                    "\nThis is message %d of the big folder.\n\n"
                    % (i % 997, i % 997, i % 997, SUBJECT % i, i,
                       time.strftime("%a, %d %b %Y %H:%M:%S +0000", time.gmtime(1600000000 + 60 * i)),
                       i))
    log("importing them into %s" % profile)
    started = time.monotonic()
    subprocess.run([cli, "--profile", profile, "import", "mbox", mbox], check=True,
                   stdout=subprocess.DEVNULL)
    subprocess.run([cli, "--profile", profile, "account", "add", "Bench", "--address",
                    "me@example.org", "--smtp", "local:" + profile], check=True,
                   stdout=subprocess.DEVNULL)
    log("imported in %.1f s" % (time.monotonic() - started))
    os.unlink(mbox)
    open(os.path.join(profile, ".bench-done"), "w").close()
    return profile


# --- the AT-SPI helper (runs in the client's session) ---------------------------

def helper(n):
    """Prints `rows T` when Postern's list shows its newest message, then on
    `scroll` from stdin pages through the whole list and prints `scrolled T`
    when the oldest shows."""
    sys.dont_write_bytecode = True
    sys.path.insert(0, os.path.join(ROOT, "tests", "ui"))
    import pyatspi
    from posternui import click, find, find_window, region, wait_for, xdo

    print("ready", flush=True)
    win = wait_for("the window", lambda: find_window("Postern"), timeout=120, step=0.02)
    messages = region(win, "PosternMessageList")
    newest = wait_for("the newest message", lambda: find(
        messages, pyatspi.ROLE_LABEL, name=SUBJECT % (n - 1)), timeout=120, step=0.02)
    print("rows %.6f" % time.monotonic(), flush=True)
    if sys.stdin.readline().strip() != "scroll":
        return
    click(newest, "Postern")
    shown = [l for l in pyatspi.findAllDescendants(
        messages, lambda a: a is not None and a.getRole() == pyatspi.ROLE_LABEL
        and a.name.startswith("Bench message number"))]
    pages = n // max(1, len(shown) - 1) + 10
    # One press per page, as a reader holding Page Down would scroll; a
    # short delay lets each page be drawn.
    xdo("key", "--delay", "2", "--repeat", str(pages), "Page_Down")
    xdo("key", "End")
    wait_for("the oldest message", lambda: find(messages, pyatspi.ROLE_LABEL, name=SUBJECT % 0),
             timeout=600, step=0.2)
    print("scrolled %.6f %d" % (time.monotonic(), pages), flush=True)


# --- running one client ------------------------------------------------------

def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def kill_group(proc):
    if proc is None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        pass
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()


class Runner:
    def __init__(self, args, display, watcher_exe, profile):
        self.args = args
        self.display = display
        self.watcher_exe = watcher_exe
        self.profile = profile

    def env(self, home):
        for d in ("home", "runtime", "data", "config", "cache"):
            os.makedirs(os.path.join(home, d), mode=0o700, exist_ok=True)
        return {
            "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": os.path.join(home, "home"),
            "XDG_RUNTIME_DIR": os.path.join(home, "runtime"),
            "XDG_DATA_HOME": os.path.join(home, "home", ".local", "share"),
            "XDG_CONFIG_HOME": os.path.join(home, "home", ".config"),
            "XDG_CACHE_HOME": os.path.join(home, "home", ".cache"),
            "DISPLAY": self.display, "USER": "bench",
        }

    def run(self, name, shots=None):
        top = tempfile.mkdtemp(prefix="postern-app-%s." % name, dir=self.args.work)
        env = self.env(top)
        bus = subprocess.Popen(["dbus-daemon", "--session", "--nofork", "--print-address=1"],
                               env=env, stdout=subprocess.PIPE, start_new_session=True)
        env["DBUS_SESSION_BUS_ADDRESS"] = bus.stdout.readline().decode().strip()
        watcher = subprocess.Popen([self.watcher_exe], env=env, stdout=subprocess.PIPE)
        helper_proc = client = None
        result = {}
        try:
            if watcher.stdout.readline().strip() != b"ready":
                sys.exit("x-map-watch did not start")
            if name == "postern":
                data = os.path.join(env["XDG_DATA_HOME"])
                os.makedirs(data, exist_ok=True)
                os.symlink(self.profile, os.path.join(data, "postern"))
                argv = [self.args.postern]
                env["GSETTINGS_SCHEMA_DIR"] = os.path.join(ROOT, "build", "data")
                env["GSK_RENDERER"] = "cairo"
                helper_proc = subprocess.Popen(
                    ["/usr/bin/python3", os.path.abspath(__file__), "--atspi-helper",
                     str(self.args.count)], env=env, stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE)
                if helper_proc.stdout.readline().strip() != b"ready":
                    sys.exit("the AT-SPI helper did not start")
            else:
                argv = PEERS[name]
            started = time.monotonic()
            client = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL,
                                      stderr=subprocess.DEVNULL, start_new_session=True)
            while True:
                line = watcher.stdout.readline().decode(errors="replace").split(None, 4)
                if not line:
                    sys.exit("x-map-watch ended")
                if client.poll() is not None:
                    sys.exit("%s exited (%d) before it showed a window" % (name, client.returncode))
                # Only the client's own windows (no _NET_WM_PID: taken as its).
                if line[0] == "map" and int(line[2]) in (0, client.pid):
                    result["window_s"] = float(line[1]) - started
                    result["title"] = line[4].strip() if len(line) > 4 else ""
                    break
            if name == "postern":
                rows = helper_proc.stdout.readline().split()
                if not rows or rows[0] != b"rows":
                    sys.exit("Postern's list never showed its messages")
                result["rows_s"] = float(rows[1]) - started
                result["rss_first_kib"] = rss_kib(client.pid)
                if shots:
                    screenshot(env, os.path.join(shots, "postern-first.png"))
                helper_proc.stdin.write(b"scroll\n")
                helper_proc.stdin.flush()
                done = helper_proc.stdout.readline().split()
                if not done or done[0] != b"scrolled":
                    sys.exit("Postern's list never scrolled to its end")
                result["scroll_s"] = float(done[1]) - float(rows[1])
                result["pages"] = int(done[2])
                time.sleep(self.args.settle)
                result["rss_kib"] = rss_kib(client.pid)
                if shots:
                    screenshot(env, os.path.join(shots, "postern-scrolled.png"))
            else:
                time.sleep(self.args.settle)
                if client.poll() is not None:
                    sys.exit("%s exited (%d)" % (name, client.returncode))
                result["rss_kib"] = rss_kib(client.pid)
                if shots:
                    screenshot(env, os.path.join(shots, "%s.png" % name))
        finally:
            kill_group(client)
            if helper_proc is not None:
                helper_proc.kill()
                helper_proc.wait()
            watcher.kill()
            watcher.wait()
            kill_group(bus)
            shutil.rmtree(top, ignore_errors=True)
        return result


def screenshot(env, path):
    subprocess.run(["import", "-display", env["DISPLAY"], "-window", "root", path], env=env,
                   check=False)


def start_xvfb(work):
    for n in range(200 + os.getpid() % 300, 1000):
        if os.path.exists("/tmp/.X%d-lock" % n):
            continue
        r, w = os.pipe()
        proc = subprocess.Popen(["Xvfb", ":%d" % n, "-displayfd", str(w), "-screen", "0",
                                 "1280x800x24", "-nolisten", "tcp"], pass_fds=(w,),
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(w)
        got = os.read(r, 64)
        os.close(r)
        if got.strip() and proc.poll() is None:
            return proc, ":%s" % got.decode().strip()
        proc.kill()
        proc.wait()
    sys.exit("Xvfb did not start")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--count", type=int, default=100000)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--clients", default="postern,claws-mail,balsa,geary,evolution")
    ap.add_argument("--postern", default=os.path.join(ROOT, "build", "src", "ui", "postern"))
    ap.add_argument("--cli", default=os.path.join(ROOT, "build", "src", "cli", "postern-cli"))
    ap.add_argument("--work", default=os.path.join(os.environ.get("TMPDIR", "/tmp"),
                                                   "postern-bench-app"))
    ap.add_argument("--settle", type=float, default=2.0,
                    help="seconds between the first window (or the scroll) and the RSS reading")
    ap.add_argument("--screenshots")
    ap.add_argument("--json")
    ap.add_argument("--atspi-helper", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()

    if args.atspi_helper:
        helper(args.atspi_helper)
        return

    clients = [c for c in args.clients.split(",") if c]
    for c in clients:
        exe = args.postern if c == "postern" else shutil.which(PEERS[c][0])
        if exe is None or not os.access(exe, os.X_OK):
            sys.exit("%s is not installed (bench/install-deps)" % c)
    args.work = os.path.abspath(args.work)
    os.makedirs(args.work, exist_ok=True)
    watcher_exe = os.path.join(args.work, "x-map-watch")
    subprocess.run(["cc", "-O2", "-o", watcher_exe, os.path.join(HERE, "x-map-watch.c"), "-lX11"],
                   check=True)
    profile = build_profile(os.path.abspath(args.cli), args.work, args.count) \
        if "postern" in clients else None
    xvfb, display = start_xvfb(args.work)
    runner = Runner(args, display, watcher_exe, profile)
    results = {"count": args.count, "rounds": args.rounds, "nproc": os.cpu_count(),
               "versions": {}, "runs": {c: [] for c in clients}}
    for c in clients:
        if c != "postern":
            results["versions"][c] = subprocess.run(
                ["dpkg-query", "-W", "-f=${Version}", PEERS[c][0]],
                stdout=subprocess.PIPE).stdout.decode()
    load = [os.getloadavg()[0]]
    try:
        for c in clients:
            log("warm-up %s: %s" % (c, runner.run(c, args.screenshots)))
        for r in range(args.rounds):
            order = clients[r % len(clients):] + clients[:r % len(clients)]
            for c in order:
                res = runner.run(c)
                results["runs"][c].append(res)
                log("round %d %-10s %s (load %.1f)" % (r + 1, c, json.dumps(res),
                                                       os.getloadavg()[0]))
            load.append(os.getloadavg()[0])
    finally:
        xvfb.terminate()
        xvfb.wait()
    results["load"] = load
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)
    report(results)


def report(res):
    out = ["%d messages in Postern's profile, %d rounds, %d CPUs; load average %s"
           % (res["count"], res["rounds"], res["nproc"],
              " → ".join("%.1f" % x for x in res["load"])),
           "Peers: " + ", ".join("%s %s" % kv for kv in res["versions"].items()), ""]
    out.append("| client | first window s (median, min–max) | list rows shown s | "
               "main-process RSS MiB (median) | first window |")
    out.append("|---|---|---|---:|---|")
    med = {}
    for c, runs in res["runs"].items():
        w = [x["window_s"] for x in runs]
        med[c] = {"window": statistics.median(w),
                  "rss": statistics.median(x["rss_kib"] for x in runs) / 1024}
        rows = "—"
        if c == "postern":
            rs = [x["rows_s"] for x in runs]
            med[c]["rows"] = statistics.median(rs)
            rows = "%.2f (%.2f–%.2f)" % (med[c]["rows"], min(rs), max(rs))
        out.append("| %s | %.2f (%.2f–%.2f) | %s | %.1f | %s |"
                   % (c, med[c]["window"], min(w), max(w), rows, med[c]["rss"],
                      runs[0].get("title", "")))
    if "postern" in med and "claws-mail" in med:
        p, c = med["postern"], med["claws-mail"]
        runs = res["runs"]["postern"]
        out.append("")
        out.append("Postern: RSS %.1f MiB with the first rows, %.1f MiB after paging through "
                   "all %d messages (%d Page_Down presses and End, %.1f s median)"
                   % (statistics.median(x["rss_first_kib"] for x in runs) / 1024, p["rss"],
                      res["count"], runs[0]["pages"],
                      statistics.median(x["scroll_s"] for x in runs)))
        out.append("Goals (medians):")
        out.append("- first window showing the folder: Postern %.2f s vs Claws Mail's first window "
                   "%.2f s: %.2f× (goal ≤ 1×: %s); Postern's window alone (spinner) %.2f s"
                   % (p["rows"], c["window"], p["rows"] / c["window"],
                      "met" if p["rows"] <= c["window"] else "MISSED", p["window"]))
        out.append("- main-process RSS: Postern %.1f MiB vs Claws Mail %.1f MiB: %.2f× (goal < 1×: %s)"
                   % (p["rss"], c["rss"], p["rss"] / c["rss"],
                      "met" if p["rss"] < c["rss"] else "MISSED"))
    print("\n".join(out))


if __name__ == "__main__":
    main()
