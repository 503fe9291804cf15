#!/usr/bin/python3
# import-search.py — Postern against notmuch and mu on the same mail, in one run.
#
# Copyright 2026 The Postern authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
#   bench/import-search.py [--count N] [--runs R] [--rounds K] [--work DIR] [--cli PATH]
#                          [--json FILE] [--keep] [--postern-version TEXT]
#
# 1. builds (or reuses) the benchmark mail with bench/make-corpus.py: N
#    messages as a Maildir and as an mboxrd file;
# 2. imports the Maildir with `postern-cli import maildir`, `notmuch new` and
#    `mu index`, and the mbox with `postern-cli import mbox`, each into a new
#    empty store, each under `/usr/bin/time -v` for wall time and peak RSS;
#    with --rounds K, K times, the order rotating, and the medians reported;
# 3. times R runs of each search query per tool, end to end (process start
#    to exit, output to /dev/null), and reports the medians;
# 4. prints the figures as Markdown with the ratios against the goals.
#
# Neither notmuch nor mu reads mbox, so Postern's mbox import is set against
# their Maildir figures for the same messages. The stores are deleted at the
# end (--keep leaves them). Deleting 200,000 files leaves ext4 slow to hand
# out inodes for a few minutes, so let the disk rest between two runs.

import argparse
import datetime
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

# One word in about half the corpus's messages, one in about a seventh and
# one in a single source message (so in 1 of every 439 generated copies);
# picked so that the three tools find about the same messages for each.
QUERIES = ["patch", "static", "rambling"]

GOAL_IMPORT_VS_MU = 2.0
GOAL_SEARCH_MS = 10.0


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def run_timed(argv, env=None, cwd=None, label=""):
    """Runs argv under /usr/bin/time -v; returns (seconds, peak RSS KiB, user, sys)."""
    out = os.path.join(WORK_RUN, "time-%s.txt" % label)
    log("$ " + " ".join(argv))
    started = time.monotonic()
    proc = subprocess.run(["/usr/bin/time", "-v", "-o", out] + argv, env=env, cwd=cwd,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    wall = time.monotonic() - started
    tail = proc.stdout.decode(errors="replace").strip().splitlines()[-3:]
    for line in tail:
        log("  " + line)
    if proc.returncode != 0:
        sys.exit("%s failed with status %d" % (argv[0], proc.returncode))
    text = open(out).read()

    def field(name):
        m = re.search(re.escape(name) + r":\s*(\S+)", text)
        return m.group(1) if m else None

    elapsed = field("Elapsed (wall clock) time (h:mm:ss or m:ss)")
    secs = 0.0
    for part in elapsed.split(":"):
        secs = secs * 60 + float(part)
    # time(1) rounds to 10 ms; our own clock is as good and finer.
    return {"seconds": wall if abs(wall - secs) < 1 else secs,
            "rss_kib": int(field("Maximum resident set size (kbytes)")),
            "user": float(field("User time (seconds)")),
            "sys": float(field("System time (seconds)"))}


def settle():
    """Writes back what earlier steps left dirty, so no tool pays for another's I/O."""
    os.sync()
    time.sleep(2)


def warm(paths):
    """Reads the input once, so every tool starts from the page cache."""
    for path in paths:
        if os.path.isdir(path):
            for root, _, files in os.walk(path):
                for name in files:
                    with open(os.path.join(root, name), "rb") as f:
                        while f.read(1 << 20):
                            pass
        else:
            with open(path, "rb") as f:
                while f.read(1 << 24):
                    pass


def run_quiet(argv, env):
    proc = subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    # mu find says "no matches" with status 4.
    if proc.returncode != 0 and not (argv[0] == "mu" and proc.returncode == 4):
        sys.exit("%s failed with status %d" % (" ".join(argv), proc.returncode))


def median_ms(argv, env, runs):
    run_quiet(argv, env)  # once untimed, so every tool starts with a warm cache
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        run_quiet(argv, env)
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples), min(samples), max(samples)


def count_lines(argv, env=None):
    proc = subprocess.run(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    return proc.stdout.count(b"\n")


def version(argv):
    try:
        out = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT).stdout
        return out.decode(errors="replace").strip().splitlines()[0]
    except OSError:
        return "missing"


def machine():
    cpu = "unknown"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        mem_kib = int(f.readline().split()[1])
    fs = subprocess.run(["df", "-T", WORK], stdout=subprocess.PIPE).stdout.decode().splitlines()[-1].split()
    commit = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"],
                            stdout=subprocess.PIPE).stdout.decode().strip()
    dirty = subprocess.run(["git", "-C", ROOT, "status", "--porcelain", "--", "src"],
                           stdout=subprocess.PIPE).stdout.decode().strip()
    return {
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "ram_gib": round(mem_kib / 1048576, 1),
        "kernel": platform.release(),
        "filesystem": "%s (%s)" % (fs[1], fs[0]) if len(fs) > 1 else "unknown",
        "postern": commit + (" + uncommitted src changes" if dirty else ""),
        "notmuch": version(["notmuch", "--version"]),
        "mu": version(["mu", "--version"]),
        "sqlite": version(["sqlite3", "--version"]) if shutil.which("sqlite3") else "(library)",
        # Other work on the machine skews every figure; the load says how much.
        "load_at_start": os.getloadavg()[0],
    }


def main():
    global WORK, WORK_RUN
    ap = argparse.ArgumentParser()
    ap.add_argument("--count", type=int, default=100000)
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--rounds", type=int, default=1,
                    help="import rounds, the tools interleaved (the medians are reported)")
    ap.add_argument("--work", default=os.path.join(os.environ.get("TMPDIR", "/tmp"), "postern-bench"))
    ap.add_argument("--cli", default=os.path.join(ROOT, "build", "src", "cli", "postern-cli"))
    ap.add_argument("--keep", action="store_true", help="keep the stores after the run")
    ap.add_argument("--postern-version", help="what --cli was built from (default: this checkout)")
    ap.add_argument("--json", help="also write the figures to this file")
    args = ap.parse_args()

    for tool in ("notmuch", "mu"):
        if shutil.which(tool) is None:
            sys.exit("%s is not installed (apt-get install notmuch maildir-utils)" % tool)
    if not os.access("/usr/bin/time", os.X_OK):
        sys.exit("/usr/bin/time is not installed (apt-get install time)")
    cli = os.path.abspath(args.cli)
    WORK = os.path.abspath(args.work)
    src = os.path.join(WORK, "src-%d" % args.count)
    maildir = os.path.join(src, "maildir")
    mbox = os.path.join(src, "messages.mbox")
    if not os.path.exists(os.path.join(src, "done")):
        shutil.rmtree(src, ignore_errors=True)
        log("building %d messages in %s" % (args.count, src))
        subprocess.run([sys.executable, os.path.join(HERE, "make-corpus.py"), "--count",
                        str(args.count), src], check=True)
        open(os.path.join(src, "done"), "w").close()
    WORK_RUN = os.path.join(WORK, "run-%d" % os.getpid())
    os.makedirs(WORK_RUN)

    info = machine()
    if args.postern_version:
        info["postern"] = args.postern_version
    info["cli"] = cli
    n = args.count
    results = {"machine": info, "count": n, "runs": args.runs, "rounds": args.rounds,
               "import": {}, "search": {}}

    # Each round imports into new empty stores, the tools in a rotating
    # order; the searches use the last round's stores. Nothing is deleted
    # before the end: ext4 is slow to hand out inodes for a while after many
    # files were deleted, and the tool right after a deletion would pay.
    for rnd in range(args.rounds):
        round_dir = os.path.join(WORK_RUN, "round-%d" % rnd)
        postern_md = os.path.join(round_dir, "postern-maildir")
        postern_mbox = os.path.join(round_dir, "postern-mbox")
        nm_config = os.path.join(round_dir, "notmuch-config")
        nm_env = dict(os.environ, NOTMUCH_CONFIG=nm_config)
        mu_home = os.path.join(round_dir, "mu")
        os.makedirs(os.path.join(round_dir, "notmuch-db"))
        with open(nm_config, "w") as f:
            f.write("[database]\npath=%s\nmail_root=%s\n\n[user]\nname=Bench\n"
                    "primary_email=bench@postern.invalid\n\n[new]\ntags=unread;inbox;\n\n"
                    "[maildir]\nsynchronize_flags=true\n" % (os.path.join(round_dir, "notmuch-db"),
                                                            maildir))
        subprocess.run(["mu", "init", "--muhome=" + mu_home, "--maildir=" + maildir], check=True,
                       stdout=subprocess.DEVNULL)

        imports = [
            ("postern maildir", [cli, "--profile", postern_md, "import", "maildir", maildir], None,
             maildir),
            ("postern mbox", [cli, "--profile", postern_mbox, "import", "mbox", mbox], None, mbox),
            ("notmuch new", ["notmuch", "new", "--quiet"], nm_env, maildir),
            ("mu index", ["mu", "index", "--muhome=" + mu_home, "--quiet"], None, maildir),
        ]
        k = rnd % len(imports)
        for name, argv, env, source in imports[k:] + imports[:k]:
            warm([source])
            settle()
            r = run_timed(argv, env=env, label="%s-%d" % (name.replace(" ", "-"), rnd))
            r["rate"] = n / r["seconds"]
            results["import"].setdefault(name, []).append(r)
            log("  round %d %s: %.1f s, %.0f messages/s, peak RSS %.1f MiB (load %.1f)"
                % (rnd + 1, name, r["seconds"], r["rate"], r["rss_kib"] / 1024,
                   os.getloadavg()[0]))
    settle()

    # With a limit: the timed query. Without: one message per line, to count
    # the matches (notmuch's default output is one line per thread).
    searches = {
        "postern": lambda q, lim: [cli, "--profile", postern_md, "search", q, "--limit", str(lim)],
        "notmuch": lambda q, lim: (["notmuch", "search", "--limit=%d" % lim, q] if lim
                                   else ["notmuch", "search", "--output=messages", q]),
        "mu": lambda q, lim: (["mu", "find", "--muhome=" + mu_home, "--maxnum=%d" % lim, q] if lim
                              else ["mu", "find", "--muhome=" + mu_home, "--fields=i", q]),
    }
    envs = {"postern": None, "notmuch": nm_env, "mu": None}
    for q in QUERIES:
        results["search"][q] = {}
        for tool, make in searches.items():
            med, lo, hi = median_ms(make(q, 100), envs[tool], args.runs)
            hits = count_lines(make(q, 0), envs[tool])
            results["search"][q][tool] = {"median_ms": med, "min_ms": lo, "max_ms": hi, "hits": hits}
            log("  search %-10s %-8s median %6.1f ms (min %.1f, max %.1f), %d messages match"
                % (q, tool, med, lo, hi, hits))

    info["load_at_end"] = os.getloadavg()[0]
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)
    report(results, args, cli)
    if not args.keep:
        shutil.rmtree(WORK_RUN)


def median_run(runs):
    """The median time (the mean of the middle two for an even count), the median
    peak RSS and CPU of all rounds, and the fastest and slowest time."""
    secs = [r["seconds"] for r in runs]
    mid = dict(runs[0])
    for key in ("seconds", "rss_kib", "user", "sys"):
        mid[key] = statistics.median(r[key] for r in runs)
    mid["rate"] = N_MESSAGES[0] / mid["seconds"]
    mid["range"] = (min(secs), max(secs))
    return mid


N_MESSAGES = [0]


def report(res, args, cli):
    N_MESSAGES[0] = res["count"]
    i = {name: median_run(runs) for name, runs in res["import"].items()}
    m = res["machine"]
    out = []
    out.append("Machine: %s, %d CPUs, %.1f GiB RAM, Linux %s, %s; %s; %s; %s; Postern %s"
               % (m["cpu"], m["nproc"], m["ram_gib"], m["kernel"], m["filesystem"],
                  m["notmuch"], m["mu"].split(" (")[0] + " " + m["mu"].split("version ")[-1],
                  "SQLite " + m["sqlite"].split()[0] if m["sqlite"][0].isdigit() else "",
                  m["postern"]))
    out.append("Date: %s; %d messages; %d import rounds (medians; the tools interleaved); %d search runs per query; load average %.1f at the start, %.1f at the end"
               % (m["date"], res["count"], res["rounds"], res["runs"], m["load_at_start"], m["load_at_end"]))
    out.append("")
    out.append("| import | input | seconds (min–max) | messages/s | peak RSS (MiB) | user s | sys s |")
    out.append("|---|---|---:|---:|---:|---:|---:|")
    for name, r in i.items():
        what = "mbox" if "mbox" in name else "Maildir"
        out.append("| %s | %s | %.1f (%.1f–%.1f) | %.0f | %.1f | %.1f | %.1f |"
                   % (name, what, r["seconds"], r["range"][0], r["range"][1], r["rate"],
                      r["rss_kib"] / 1024, r["user"], r["sys"]))
    out.append("")
    header = "| query | matches (postern / notmuch / mu) | postern ms | notmuch ms | mu ms |"
    out.append(header)
    out.append("|---|---|---:|---:|---:|")
    for q, per in res["search"].items():
        out.append("| %s | %d / %d / %d | %.1f | %.1f | %.1f |"
                   % (q, per["postern"]["hits"], per["notmuch"]["hits"], per["mu"]["hits"],
                      per["postern"]["median_ms"], per["notmuch"]["median_ms"], per["mu"]["median_ms"]))
    out.append("")
    mu = i["mu index"]
    nm = i["notmuch new"]
    out.append("Goals:")
    for name in ("postern maildir", "postern mbox"):
        r = i[name]
        ratio = r["rate"] / mu["rate"]
        out.append("- %s: %.2f× mu's rate (goal ≥ %.1f×: %s), %.2f× notmuch's; peak RSS %.1f MiB vs notmuch %.1f MiB (goal below: %s)"
                   % (name, ratio, GOAL_IMPORT_VS_MU, "met" if ratio >= GOAL_IMPORT_VS_MU else "MISSED",
                      r["rate"] / nm["rate"], r["rss_kib"] / 1024, nm["rss_kib"] / 1024,
                      "met" if r["rss_kib"] < nm["rss_kib"] else "MISSED"))
    for q, per in res["search"].items():
        p = per["postern"]["median_ms"]
        out.append("- search %s: %.1f ms median (goal < %.0f ms: %s); %.1f× faster than notmuch, %.1f× than mu"
                   % (q, p, GOAL_SEARCH_MS, "met" if p < GOAL_SEARCH_MS else "MISSED",
                      per["notmuch"]["median_ms"] / p, per["mu"]["median_ms"] / p))
    print("\n".join(out))


if __name__ == "__main__":
    main()
