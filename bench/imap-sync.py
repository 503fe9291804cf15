#!/usr/bin/python3
# imap-sync.py — Postern's initial IMAP sync against mbsync and a one-command
# bulk fetch, from the same Dovecot, interleaved in one run.
#
# Copyright 2026 The Postern authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
#   bench/imap-sync.py [--count N] [--mail small|corpus] [--rounds R]
#                      [--transport starttls,plain] [--cli PATH] [--also LABEL=PATH]
#                      [--tools ceiling,postern,mbsync,mbsync-nofsync] [--strace]
#                      [--json FILE]
#
# Runs itself under tests/harness/with-servers --dovecot --keyring (Dovecot
# in a private network namespace, a test CA, a gnome-keyring of its own),
# fills alice's INBOX with N messages, and then R times, in turn:
#
#   ceiling         bench/imap-bulk-fetch.c, a minimal C client: LOGIN,
#                   SELECT and one `UID FETCH 1:* BODY.PEEK[]`, the whole
#                   reply read into memory (the literals are counted, not
#                   parsed, and nothing is written);
#   postern         `postern-cli sync alice` into a new empty profile (the
#                   account is added before the clock starts);
#   mbsync          mbsync 1.4 (isync) pulling INBOX into a new empty Maildir,
#                   with its default FSync;
#   mbsync-nofsync  the same with `FSync no`.
#
# Each run is timed from exec to exit, under /usr/bin/time -v for the peak
# RSS. What the runs store is deleted only at the end (with the harness's
# folder): ext4 is slow to hand out inodes for a while after many files
# were deleted, and the run right after a deletion would pay for it. The order of the four rotates from round to round, and the page cache
# is written back (sync) before each run, so no tool pays for another's
# writes. --transport picks the connection: STARTTLS (certificate checked
# against the harness's CA) and/or plain IMAP (Postern with
# --allow-plaintext). --mail small is ~1.1 KB generated messages (like
# /work/shared/fixtures/peer-bench, the anchors); --mail corpus is
# bench/make-corpus.py's copies of the real-world corpus (~12 KB average).
# --strace adds one untimed run of each tool under strace -f -c, to count
# fsync, fdatasync and syncfs calls (how each one makes mail durable).

import argparse
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

GOAL_VS_MBSYNC = 0.5   # at most half of mbsync's default time
GOAL_VS_CEILING = 3.0  # within 3x the bulk fetch


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def reexec_under_harness():
    if os.environ.get("POSTERN_HARNESS_DIR") and os.environ.get("POSTERN_IMAP_PORT"):
        return
    harness = os.path.join(ROOT, "tests", "harness", "with-servers")
    argv = [harness, "--dovecot", "--keyring", "--", sys.executable, os.path.abspath(__file__)]
    os.execv(harness, argv + sys.argv[1:])


# --- the mail ---------------------------------------------------------------

def small_messages(maildir, n):
    """~1.1 KB plain-text messages, as the peer-bench fixture makes them."""
    rnd = random.Random(1)
    words = "mail client sync header body imap test postern message thread reply".split()
    base = 1700000000
    for i in range(1, n + 1):
        body = "\r\n".join(" ".join(rnd.choice(words) for _ in range(12))
                           for _ in range(rnd.randint(3, 20)))
        msg = ("From: Sender %d <s%d@example.test>\r\nTo: alice@example.test\r\n"
               "Subject: generated message %d\r\nDate: %s\r\nMessage-ID: <gen%d@example.test>\r\n"
               "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n%s\r\n") % (
            i % 97, i % 97, i, time.strftime("%a, %d %b %Y %H:%M:%S +0000",
                                             time.gmtime(base + i * 60)), i, body)
        name = "%d.M%dP1.bench,S=%d:2,S" % (base + i, i, len(msg))
        with open(os.path.join(maildir, "cur", name), "w", newline="") as f:
            f.write(msg)


def fill_mailbox(kind, n, work):
    maildir = os.path.join(os.environ["POSTERN_MAIL_ROOT"], "alice", "Maildir")
    for sub in ("cur", "new", "tmp"):
        os.makedirs(os.path.join(maildir, sub), exist_ok=True)
    if kind == "small":
        small_messages(maildir, n)
    else:
        src = os.path.join(work, "corpus")
        subprocess.run([sys.executable, os.path.join(HERE, "make-corpus.py"), "--count", str(n),
                        src], check=True, stdout=subprocess.DEVNULL)
        for sub in ("cur", "new"):
            for name in os.listdir(os.path.join(src, "maildir", sub)):
                shutil.move(os.path.join(src, "maildir", sub, name), os.path.join(maildir, sub, name))
        shutil.rmtree(src)
    size = 0
    for sub in ("cur", "new"):
        for name in os.listdir(os.path.join(maildir, sub)):
            size += os.path.getsize(os.path.join(maildir, sub, name))
    root = os.environ["POSTERN_MAIL_ROOT"]
    owner = os.stat(root)
    for d, dirs, files in os.walk(root):
        for x in [d] + [os.path.join(d, f) for f in files]:
            os.chown(x, owner.st_uid, owner.st_gid)
    return size


# --- the ceiling: one bulk UID FETCH ------------------------------------------

def build_ceiling_client(work):
    """Compiles bench/imap-bulk-fetch.c: a C client, so that the ceiling is
    not an interpreter's start-up."""
    exe = os.path.join(work, "imap-bulk-fetch")
    subprocess.run(["cc", "-O2", "-o", exe, os.path.join(HERE, "imap-bulk-fetch.c"), "-lssl",
                    "-lcrypto"], check=True)
    return exe


# --- running the tools --------------------------------------------------------

def run_timed(argv, out, env=None, stdin=None):
    """Runs argv under /usr/bin/time -v: (seconds, peak RSS KiB, CPU seconds, output)."""
    os.sync()
    time.sleep(0.5)
    tfile = out + ".time"
    started = time.monotonic()
    proc = subprocess.run(["/usr/bin/time", "-v", "-o", tfile] + argv, env=env, input=stdin,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    wall = time.monotonic() - started
    text = proc.stdout.decode(errors="replace")
    if proc.returncode != 0:
        sys.exit("%s failed (%d): %s" % (" ".join(argv), proc.returncode, text[-2000:]))
    times = open(tfile).read()
    rss = int(re.search(r"Maximum resident set size \(kbytes\):\s*(\d+)", times).group(1))
    cpu = sum(float(re.search(r"%s time \(seconds\):\s*([\d.]+)" % k, times).group(1))
              for k in ("User", "System"))
    return wall, rss, cpu, text


def count_files(maildir):
    n = 0
    for sub in ("cur", "new"):
        d = os.path.join(maildir, sub)
        if os.path.isdir(d):
            n += len(os.listdir(d))
    return n


class Bench:
    def __init__(self, args, work):
        self.args = args
        self.work = work
        self.port = int(os.environ["POSTERN_IMAP_PORT"])
        self.ca = os.environ["POSTERN_TEST_CA"]
        self.run_no = 0
        self.client = build_ceiling_client(work)

    def fresh(self, name):
        self.run_no += 1
        path = os.path.join(self.work, "%s-%d" % (name, self.run_no))
        shutil.rmtree(path, ignore_errors=True)
        return path

    def postern_profile(self, tls):
        profile = self.fresh("postern")
        cli = self.args.cli

        def run(*argv, stdin=None):
            subprocess.run([cli, "--profile", profile] + list(argv), input=stdin, check=True,
                           stdout=subprocess.DEVNULL)
        run("config", "set", "tls.ca-file", self.ca)
        extra = [] if tls else ["--allow-plaintext"]
        run("account", "add", "alice", "--address", "alice@example.test", "--imap",
            "imap://127.0.0.1:%d" % self.port, "--user", "alice", "--password-stdin", *extra,
            stdin=b"alicepw\n")
        return profile

    def postern(self, tls, prefix=(), cli=None):
        profile = self.postern_profile(tls)
        argv = list(prefix) + [cli or self.args.cli, "--profile", profile, "sync", "alice"]
        wall, rss, cpu, text = run_timed(argv, profile + ".out")
        m = re.search(r"synced alice: (\d+) new messages", text)
        got = count_files(os.path.join(profile, "store", "INBOX"))
        if not m or int(m.group(1)) != self.args.count or got != self.args.count:
            sys.exit("postern synced %s, %d files in INBOX: %s" % (m and m.group(1), got, text))
        return wall, rss, cpu

    def mbsync(self, tls, fsync, prefix=()):
        local = self.fresh("mbsync")
        os.makedirs(local)
        rc = local + ".rc"
        with open(rc, "w") as f:
            if not fsync:
                f.write("FSync no\n")
            # mbsync 1.4 matches the certificate's DNS names only, not its
            # IP address; the harness's certificate names localhost too.
            f.write("IMAPAccount b\nHost %s\nPort %d\nUser alice\nPass alicepw\n"
                    % ("localhost" if tls else "127.0.0.1", self.port))
            if tls:
                f.write("SSLType STARTTLS\nCertificateFile %s\n" % self.ca)
            else:
                f.write("SSLType None\n")
            f.write("AuthMechs LOGIN\n\nIMAPStore b-far\nAccount b\n\n"
                    "MaildirStore b-near\nPath %s/\nInbox %s/INBOX\nSubFolders Verbatim\n\n"
                    "Channel b\nFar :b-far:\nNear :b-near:\nPatterns INBOX\nCreate Near\n"
                    "Sync Pull\nSyncState *\n" % (local, local))
        argv = list(prefix) + ["mbsync", "-q", "-c", rc, "b"]
        wall, rss, cpu, text = run_timed(argv, local + ".out")
        got = count_files(os.path.join(local, "INBOX"))
        if got != self.args.count:
            sys.exit("mbsync stored %d messages: %s" % (got, text))
        return wall, rss, cpu

    def ceiling(self, tls, prefix=()):
        argv = list(prefix) + [self.client, str(self.port), "tls" if tls else "plain", self.ca,
                               "alice", "alicepw"]
        wall, rss, cpu, text = run_timed(argv, os.path.join(self.work, "ceiling.out"))
        n = int(text.split()[1]) if text.startswith("fetched") else -1
        if n != self.args.count:
            sys.exit("the bulk fetch read %d literals: %s" % (n, text))
        return wall, rss, cpu

    def tool(self, name, tls, prefix=()):
        if name == "ceiling":
            return self.ceiling(tls, prefix)
        if name == "postern":
            return self.postern(tls, prefix)
        if name in self.args.other:
            return self.postern(tls, prefix, self.args.other[name])
        return self.mbsync(tls, name == "mbsync", prefix)


TOOLS = ["ceiling", "postern", "mbsync", "mbsync-nofsync"]


def strace_counts(bench, tls, tools):
    """Durability syscalls of one untimed run of each tool."""
    out = {}
    for name in tools:
        sfile = os.path.join(bench.work, "strace-%s.txt" % name)
        bench.tool(name, tls, prefix=["strace", "-f", "-c", "-o", sfile])
        counts = {}
        for line in open(sfile):
            f = line.split()
            if len(f) >= 5 and f[-1] in ("fsync", "fdatasync", "syncfs", "sync_file_range"):
                counts[f[-1]] = int(f[3])
        out[name] = counts
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--count", type=int, default=5000)
    ap.add_argument("--mail", choices=["small", "corpus"], default="small")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--transport", default="starttls,plain")
    ap.add_argument("--cli", default=os.path.join(ROOT, "build", "src", "cli", "postern-cli"))
    ap.add_argument("--also", action="append", default=[], metavar="LABEL=PATH",
                    help="another postern-cli build to time in the same rounds (before/after)")
    ap.add_argument("--tools", default=",".join(TOOLS), help="which of " + ",".join(TOOLS))
    ap.add_argument("--strace", action="store_true")
    ap.add_argument("--json")
    args = ap.parse_args()

    for tool in ("mbsync", "strace" if args.strace else "mbsync"):
        if shutil.which(tool) is None:
            sys.exit("%s is not installed (bench/install-deps)" % tool)
    args.cli = os.path.abspath(args.cli)
    args.other = {}
    for spec in args.also:
        label, _, path = spec.partition("=")
        args.other["postern-" + label] = os.path.abspath(path)
    tools = [t for t in args.tools.split(",") if t] + list(args.other)
    reexec_under_harness()

    work = os.path.join(os.environ["POSTERN_HARNESS_DIR"], "bench")
    os.makedirs(work)
    started = time.monotonic()
    size = fill_mailbox(args.mail, args.count, work)
    log("%d messages, %.1f MiB, in alice's INBOX (%.1f s)"
        % (args.count, size / 1048576, time.monotonic() - started))
    bench = Bench(args, work)
    # Dovecot indexes the mailbox on the first SELECT; no tool pays for that.
    subprocess.run([bench.client, str(bench.port), "plain", bench.ca, "alice", "alicepw"],
                   check=True, stdout=subprocess.DEVNULL)

    modes = [m for m in args.transport.split(",") if m]
    load = [os.getloadavg()[0]]
    results = {"count": args.count, "mail": args.mail, "bytes": size, "rounds": args.rounds,
               "mbsync": subprocess.run(["mbsync", "--version"], stdout=subprocess.PIPE)
               .stdout.decode().strip(),
               "dovecot": subprocess.run(["dovecot", "--version"], stdout=subprocess.PIPE)
               .stdout.decode().split()[0],
               "nproc": os.cpu_count(), "runs": {}}
    for mode in modes:
        results["runs"][mode] = {t: [] for t in tools}
    for r in range(args.rounds):
        for mode in modes:
            order = tools[r % len(tools):] + tools[:r % len(tools)]
            for name in order:
                wall, rss, cpu = bench.tool(name, mode == "starttls")
                results["runs"][mode][name].append({"seconds": wall, "rss_kib": rss, "cpu": cpu})
                log("round %d %-8s %-15s %6.2f s  CPU %5.2f s  RSS %6.1f MiB  (load %.1f)"
                    % (r + 1, mode, name, wall, cpu, rss / 1024, os.getloadavg()[0]))
        load.append(os.getloadavg()[0])
    results["load"] = load
    if args.strace:
        results["strace"] = {mode: strace_counts(bench, mode == "starttls", tools)
                             for mode in modes}
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)
    report(results)


def report(res):
    out = ["%d messages (%s mail, %.1f MiB), %d rounds, %s, Dovecot %s, %d CPUs; "
           "load average %s" % (res["count"], res["mail"], res["bytes"] / 1048576, res["rounds"],
                                res["mbsync"], res["dovecot"], res["nproc"],
                                " → ".join("%.1f" % x for x in res["load"])), ""]
    # Under load a run waits for the CPU; user+sys is what it asked of it.
    out.append("| transport | tool | median s | min s | max s | median CPU s (user+sys) "
               "| median peak RSS MiB |")
    out.append("|---|---|---:|---:|---:|---:|---:|")
    med = {}
    for mode, per in res["runs"].items():
        for name, runs in per.items():
            secs = [x["seconds"] for x in runs]
            rss = statistics.median(x["rss_kib"] for x in runs) / 1024
            med[mode, name] = statistics.median(secs)
            cpu = statistics.median(x.get("cpu", float("nan")) for x in runs)
            out.append("| %s | %s | %.2f | %.2f | %.2f | %.2f | %.1f |"
                       % (mode, name, med[mode, name], min(secs), max(secs), cpu, rss))
    out.append("")
    out.append("Goals (medians):")
    for mode in res["runs"]:
        if (mode, "postern") not in med or (mode, "mbsync") not in med \
           or (mode, "ceiling") not in med or (mode, "mbsync-nofsync") not in med:
            continue
        p = med[mode, "postern"]
        vs_mbsync = p / med[mode, "mbsync"]
        vs_ceiling = p / med[mode, "ceiling"]
        out.append("- %s: Postern %.2f× mbsync's default time (goal ≤ %.2f×: %s), %.2f× mbsync "
                   "without fsync, %.2f× the bulk fetch (goal ≤ %.0f×: %s)"
                   % (mode, vs_mbsync, GOAL_VS_MBSYNC,
                      "met" if vs_mbsync <= GOAL_VS_MBSYNC else "MISSED",
                      p / med[mode, "mbsync-nofsync"], vs_ceiling, GOAL_VS_CEILING,
                      "met" if vs_ceiling <= GOAL_VS_CEILING else "MISSED"))
    if "strace" in res:
        out.append("")
        out.append("Durability calls in one run (strace -f -c):")
        for mode, per in res["strace"].items():
            out.append("- %s: %s" % (mode, "; ".join(
                "%s %s" % (name, ", ".join("%s %d" % kv for kv in sorted(c.items())) or "none")
                for name, c in per.items())))
    print("\n".join(out))


if __name__ == "__main__":
    main()
