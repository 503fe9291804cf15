#!/usr/bin/python3
# ves.py — VES encryption of a message with a big attachment, side by side
# with gpg on the same bytes and with bare libsodium secretstream (the
# ceiling), in one run.
#
# Copyright 2026 The Postern authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
#   bench/ves.py [--mib N] [--runs R] [--cli PATH] [--work DIR]
#
# 1. makes a message with an N MiB (default 100) base64 attachment;
# 2. a profile with one key (postern-cli keys generate) and a GnuPG home
#    with one key (gpg --quick-gen-key, no passphrase);
# 3. R times, interleaved: `postern-cli ves encrypt` and `ves decrypt` of the
#    message, `gpg --encrypt` and `gpg --decrypt` of the same message file,
#    bench/ves-ceiling encrypt/decrypt of it; each under /usr/bin/time for
#    wall time and peak RSS; the decrypted outputs are compared with the
#    original;
# 4. prints medians as Markdown with the ratios against the goals: at least
#    3x faster than gpg, within 2x of the ceiling, peak RSS under 64 MB.

import argparse
import base64
import os
import shutil
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def timed(argv, stdin_path, stdout_path, env=None):
    """Runs @argv with files as stdin/stdout; returns (seconds, peak KiB)."""
    with open(stdin_path, "rb") as fin, open(stdout_path, "wb") as fout:
        r = subprocess.run(["/usr/bin/time", "-f", "%e %M", *argv], stdin=fin, stdout=fout,
                           stderr=subprocess.PIPE, env=env)
    if r.returncode != 0:
        sys.exit(f"{' '.join(argv)} failed: {r.stderr.decode(errors='replace')}")
    wall, rss = r.stderr.decode().strip().splitlines()[-1].split()
    return float(wall), int(rss)


def make_message(path, mib):
    with open(path, "wb") as f:
        f.write(b"From: Ada <ada@example.org>\r\nTo: ada@example.org\r\n"
                b"Subject: the big file\r\nMessage-ID: <big@example.org>\r\nMIME-Version: 1.0\r\n"
                b"Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n"
                b"--b\r\nContent-Type: text/plain\r\n\r\nHere it is.\r\n"
                b"--b\r\nContent-Type: application/octet-stream\r\n"
                b"Content-Transfer-Encoding: base64\r\n\r\n")
        block = os.urandom(57 * 1024)
        lines = b"".join(base64.b64encode(block[i:i + 57]) + b"\r\n"
                         for i in range(0, len(block), 57))
        for _ in range(mib * 1024 * 1024 // len(lines) + 1):
            f.write(lines)
        f.write(b"--b--\r\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mib", type=int, default=100)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--cli", default=os.path.join(HERE, "..", "build", "src", "cli", "postern-cli"))
    ap.add_argument("--work")
    args = ap.parse_args()

    work = args.work or tempfile.mkdtemp(prefix="postern-bench-ves-")
    os.makedirs(work, exist_ok=True)
    msg = os.path.join(work, "big.eml")
    make_message(msg, args.mib)
    size = os.path.getsize(msg)
    ceiling = os.path.join(work, "ves-ceiling")
    subprocess.run(["cc", "-O2", "-o", ceiling, os.path.join(HERE, "ves-ceiling.c"), "-lsodium"],
                   check=True)
    profile = os.path.join(work, "profile")
    subprocess.run([args.cli, "--profile", profile, "keys", "generate", "ada@example.org"],
                   check=True, stdout=subprocess.DEVNULL)
    gnupg = os.path.join(work, "gnupg")
    os.makedirs(gnupg, mode=0o700)
    genv = dict(os.environ, GNUPGHOME=gnupg)
    subprocess.run(["gpg", "--batch", "--pinentry-mode", "loopback", "--passphrase", "",
                    "--quick-gen-key", "Ada <ada@example.org>", "future-default", "default",
                    "never"], env=genv, check=True, capture_output=True)

    out = os.path.join(work, "out")
    back = os.path.join(work, "back")
    rows = {k: [] for k in ("postern encrypt", "postern decrypt", "gpg encrypt", "gpg decrypt",
                            "ceiling encrypt", "ceiling decrypt")}
    for _ in range(args.runs):
        rows["postern encrypt"].append(timed([args.cli, "--profile", profile, "ves", "encrypt",
                                              "--to", "ada@example.org"], msg, out))
        rows["postern decrypt"].append(timed([args.cli, "--profile", profile, "ves", "decrypt"],
                                             out, back))
        assert open(back, "rb").read() == open(msg, "rb").read(), "postern: not byte for byte"
        rows["gpg encrypt"].append(timed(["gpg", "--batch", "--yes", "--trust-model", "always",
                                          "-r", "ada@example.org", "--encrypt"], msg, out,
                                         env=genv))
        rows["gpg decrypt"].append(timed(["gpg", "--batch", "--yes", "--decrypt"], out, back,
                                         env=genv))
        assert os.path.getsize(back) == size, "gpg: wrong size"
        rows["ceiling encrypt"].append(timed([ceiling, "encrypt"], msg, out))
        rows["ceiling decrypt"].append(timed([ceiling, "decrypt"], out, back))
        assert os.path.getsize(back) == size, "ceiling: wrong size"

    med = {k: (statistics.median(w for w, _ in v), max(r for _, r in v)) for k, v in rows.items()}
    load = open("/proc/loadavg").read().split()[:3]
    print(f"Message: {size / 2**20:.1f} MiB ({args.mib} MiB attachment), {args.runs} runs "
          f"interleaved, load average {' '.join(load)}, `nproc` = {os.cpu_count()}.\n")
    print("| run | median wall s | peak RSS MiB |")
    print("|---|---:|---:|")
    for k, (w, r) in med.items():
        print(f"| {k} | {w:.2f} | {r / 1024:.1f} |")
    print()
    for op in ("encrypt", "decrypt"):
        p, g, c = med[f"postern {op}"], med[f"gpg {op}"], med[f"ceiling {op}"]
        print(f"- {op}: gpg / Postern = {g[0] / p[0]:.2f} (goal ≥ 3), Postern / ceiling = "
              f"{p[0] / c[0]:.2f} (goal ≤ 2), Postern peak RSS {p[1] / 1024:.1f} MiB (goal < 64)")
    for home in (gnupg, os.path.join(profile, "gnupg")):
        subprocess.run(["gpgconf", "--homedir", home, "--kill", "gpg-agent"], check=False)
    if not args.work:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
