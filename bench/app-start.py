#!/usr/bin/python3
# app-start.py — time from exec to the first window, and the main process's
# RSS, of Postern (100,000 messages) and of Claws Mail, Balsa, Geary and
# Evolution (empty profiles), interleaved in one run under Xvfb.
#
# Copyright 2026 The Postern authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
#   bench/app-start.py [--count N] [--rounds R] [--clients postern,claws-mail,…]
#                      [--postern PATH] [--cli PATH] [--work DIR] [--pages N]
#                      [--settle S] [--screenshots DIR]
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
# rows shown     (Postern) x-map-watch looks at where the first message
#                row goes, every 5 ms, until text shows there: Postern maps
#                its window first and fills the list when the profile is
#                open, so this is "the first window showing the
#                100,000-message folder". An AT-SPI helper then checks that
#                the row is the newest message (it starts looking only
#                then, since walking the accessibility tree slows the app).
# RSS            VmRSS of the exec'd process: for the peers once its first
#                window has been up --settle seconds; for Postern after the
#                list was scrolled to its end: a click on the newest message,
#                End (the oldest shows), --pages presses of Page_Up and End
#                again, then --settle seconds. (Paging down through all of
#                it, one Page_Down per 13 rows, took minutes per run on the
#                loaded 2-core machine.)
#
# The order of the clients rotates from round to round; one untimed run of
# each first brings its files into the page cache. Postern runs twice per
# round: as GTK 4 starts by default (its GL renderer, here Mesa's software
# llvmpipe, which maps libLLVM), and as postern-cairo (GDK_DEBUG=gl-disable
# GSK_RENDERER=cairo: no GL loaded, drawing with cairo, as the GTK 3 peers
# do on X11).

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
# Postern as GTK 4 starts it under Xvfb (the GL renderer, on Mesa's
# software rasterizer), and drawing with cairo and no GL loaded at all,
# which is how the GTK 3 peers draw on X11.
POSTERN_VARIANTS = {
    "postern": {},
    "postern-cairo": {"GDK_DEBUG": "gl-disable", "GSK_RENDERER": "cairo"},
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
    `scroll` from stdin scrolls to the end of the list and prints
    `scrolled T PAGES` when the oldest shows."""
    sys.dont_write_bytecode = True
    sys.path.insert(0, os.path.join(ROOT, "tests", "ui"))
    import pyatspi
    from posternui import click, find, find_window, region, wait_for, xdo

    print("ready", flush=True)
    # Looking through AT-SPI costs the app time: not before its rows are
    # drawn (x-map-watch sees them), so the start-up is left alone.
    if sys.stdin.readline().strip() != "go":
        return
    win = wait_for("the window", lambda: find_window("Postern"), timeout=120, step=0.02)
    messages = region(win, "PosternMessageList")
    newest = wait_for("the newest message", lambda: find(
        messages, pyatspi.ROLE_LABEL, name=SUBJECT % (n - 1)), timeout=120, step=0.02)
    print("rows %.6f" % time.monotonic(), flush=True)
    if sys.stdin.readline().strip() != "scroll":
        return
    click(newest, "Postern")
    # Paging through all of it (one Page_Down per 13 rows) took minutes per
    # run here, each page drawn; End jumps to the oldest (the model loads
    # the pages it shows, and drops the ones it no longer holds), then
    # PAGES presses of Page_Up page back through the last rows.
    xdo("key", "End")
    wait_for("the oldest message", lambda: find(messages, pyatspi.ROLE_LABEL, name=SUBJECT % 0),
             timeout=600, step=0.1)
    pages = int(os.environ.get("BENCH_PAGES", "20"))
    if pages:
        xdo("key", "--delay", "20", "--repeat", str(pages), "Page_Up")
    xdo("key", "End")
    wait_for("the oldest message again", lambda: find(
        messages, pyatspi.ROLE_LABEL, name=SUBJECT % 0), timeout=600, step=0.1)
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
        # Where Postern's first message row is drawn (its window maps at 0,0
        # with no window manager; the list starts 226 px from the left).
        region = ["230", "56", "370", "44"] if name in POSTERN_VARIANTS else []
        watcher = subprocess.Popen([self.watcher_exe] + region, env=env, stdout=subprocess.PIPE)
        helper_proc = client = None
        result = {}
        try:
            if watcher.stdout.readline().strip() != b"ready":
                sys.exit("x-map-watch did not start")
            postern = name in POSTERN_VARIANTS
            if postern:
                data = os.path.join(env["XDG_DATA_HOME"])
                os.makedirs(data, exist_ok=True)
                os.symlink(self.profile, os.path.join(data, "postern"))
                argv = [self.args.postern]
                env["GSETTINGS_SCHEMA_DIR"] = os.path.join(ROOT, "build", "data")
                env.update(POSTERN_VARIANTS[name])
                helper_proc = subprocess.Popen(
                    ["/usr/bin/python3", os.path.abspath(__file__), "--atspi-helper",
                     str(self.args.count)], env=dict(env, BENCH_PAGES=str(self.args.pages)),
                    stdin=subprocess.PIPE,
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
            if postern:
                line = watcher.stdout.readline().split()
                if not line or line[0] != b"drawn":
                    sys.exit("Postern's list was never drawn")
                result["rows_s"] = float(line[1]) - started
                result["rss_first_kib"] = rss_kib(client.pid)
                if shots:
                    screenshot(env, os.path.join(shots, "%s-first.png" % name))
                helper_proc.stdin.write(b"go\n")
                helper_proc.stdin.flush()
                rows = helper_proc.stdout.readline().split()
                if not rows or rows[0] != b"rows":
                    sys.exit("Postern's list never showed its newest message (AT-SPI)")
                result["rows_atspi_s"] = float(rows[1]) - started
                if not self.args.scroll:
                    helper_proc.stdin.write(b"done\n")
                    helper_proc.stdin.flush()
                    time.sleep(self.args.settle)
                    result["rss_kib"] = rss_kib(client.pid)
                    return result
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
                    screenshot(env, os.path.join(shots, "%s-scrolled.png" % name))
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
        # A display whose abstract socket another namespace's server holds
        # accepts nothing: a client must get through.
        if got.strip() and proc.poll() is None and subprocess.run(
                ["xdotool", "getdisplaygeometry"], env=dict(os.environ, DISPLAY=":%d" % n),
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=10).returncode == 0:
            return proc, ":%s" % got.decode().strip()
        proc.kill()
        proc.wait()
    sys.exit("Xvfb did not start")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--count", type=int, default=100000)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--clients",
                    default="postern,postern-cairo,claws-mail,balsa,geary,evolution")
    ap.add_argument("--postern", default=os.path.join(ROOT, "build", "src", "ui", "postern"))
    ap.add_argument("--cli", default=os.path.join(ROOT, "build", "src", "cli", "postern-cli"))
    ap.add_argument("--work", default=os.path.join(os.environ.get("TMPDIR", "/tmp"),
                                                   "postern-bench-app"))
    ap.add_argument("--settle", type=float, default=2.0,
                    help="seconds between the first window (or the scroll) and the RSS reading")
    ap.add_argument("--pages", type=int, default=20,
                    help="Page_Up presses after End in Postern's list")
    ap.add_argument("--no-scroll", dest="scroll", action="store_false",
                    help="Postern's RSS without scrolling its list (a start-up timing run)")
    ap.add_argument("--screenshots")
    ap.add_argument("--json")
    ap.add_argument("--atspi-helper", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()

    if args.atspi_helper:
        helper(args.atspi_helper)
        return

    clients = [c for c in args.clients.split(",") if c]
    for c in clients:
        exe = args.postern if c in POSTERN_VARIANTS else shutil.which(PEERS[c][0])
        if exe is None or not os.access(exe, os.X_OK):
            sys.exit("%s is not installed (bench/install-deps)" % c)
    args.work = os.path.abspath(args.work)
    os.makedirs(args.work, exist_ok=True)
    watcher_exe = os.path.join(args.work, "x-map-watch")
    subprocess.run(["cc", "-O2", "-o", watcher_exe, os.path.join(HERE, "x-map-watch.c"), "-lX11"],
                   check=True)
    profile = build_profile(os.path.abspath(args.cli), args.work, args.count) \
        if set(clients) & set(POSTERN_VARIANTS) else None
    xvfb, display = start_xvfb(args.work)
    runner = Runner(args, display, watcher_exe, profile)
    results = {"count": args.count, "rounds": args.rounds, "nproc": os.cpu_count(),
               "versions": {}, "runs": {c: [] for c in clients}}
    for c in clients:
        if c not in POSTERN_VARIANTS:
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
        if c in POSTERN_VARIANTS:
            rs = [x["rows_s"] for x in runs]
            med[c]["rows"] = statistics.median(rs)
            rows = "%.2f (%.2f–%.2f)" % (med[c]["rows"], min(rs), max(rs))
        out.append("| %s | %.2f (%.2f–%.2f) | %s | %.1f | %s |"
                   % (c, med[c]["window"], min(w), max(w), rows, med[c]["rss"],
                      runs[0].get("title", "")))
    for v in POSTERN_VARIANTS:
        if v not in med or "claws-mail" not in med:
            continue
        p, c = med[v], med["claws-mail"]
        runs = res["runs"][v]
        out.append("")
        what = " ".join("%s=%s" % kv for kv in POSTERN_VARIANTS[v].items()) or "(defaults)"
        first = statistics.median(x["rss_first_kib"] for x in runs) / 1024
        if "scroll_s" in runs[0]:
            out.append("%s %s: RSS %.1f MiB with the first rows, %.1f MiB after scrolling to the "
                       "end of all %d messages (End, %d × Page_Up, End: %.1f s median)"
                       % (v, what, first, p["rss"], res["count"], runs[0]["pages"],
                          statistics.median(x["scroll_s"] for x in runs)))
        else:
            out.append("%s %s: RSS %.1f MiB with the first rows, %.1f MiB --settle seconds later "
                       "(not scrolled)" % (v, what, first, p["rss"]))
        out.append("- first window showing the folder: %.2f s vs Claws Mail's first window %.2f s: "
                   "%.2f× (goal ≤ 1×: %s); the window itself (a spinner) %.2f s"
                   % (p["rows"], c["window"], p["rows"] / c["window"],
                      "met" if p["rows"] <= c["window"] else "MISSED", p["window"]))
        out.append("- main-process RSS: %.1f MiB vs Claws Mail %.1f MiB: %.2f× (goal < 1×: %s)"
                   % (p["rss"], c["rss"], p["rss"] / c["rss"],
                      "met" if p["rss"] < c["rss"] else "MISSED"))
    print("\n".join(out))


if __name__ == "__main__":
    main()
