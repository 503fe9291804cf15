#!/usr/bin/python3
# smtorp.py — SMTorP's costs against named peers, in one run.
#
# Copyright 2026 The Postern authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
#   bench/smtorp.py [--cli PATH] [--runs R] [--messages N] [--sessions S]
#                   [--tornet DIR] [--json FILE]
#
# 1. Stamps: verify and mint in one process (bench/pow-bench.c, built here
#    against build/src/libpostern-core.a): the verify time of a valid
#    Argon2id stamp at the default policy (goal: at most 1 ms) and the time
#    to mint one at the default 12 bits on every core. End to end as well:
#    `postern-cli pow verify` of that stamp and `pow mint`; and hashcash at
#    20 bits, `postern-cli pow mint --alg hashcash` next to the Debian
#    `hashcash -m` tool.
# 2. Server throughput on 127.0.0.1 without tor: N messages in S parallel
#    sessions to `postern-cli smtorp serve --no-tor` (implicit TLS, one
#    stamp per message, fsync before 250) next to a Postfix smtpd of its own
#    (queue file fsynced before 250, then discarded), fed by Postfix's
#    `smtp-source` and by the same Python client that feeds Postern.
# 3. With --tornet DIR (a running ../shared/tornet network): delivery time
#    of `postern-cli send` to an onion service (`smtorp serve` on its own
#    managed tor joined to the network) through the network's client tor
#    (attached; 4-bit stamps, so that minting, measured above, stays out of
#    it), next to a bare SOCKS5 CONNECT to the same onion through the same
#    tor. The first round, which builds the circuits both reuse, is dropped.
#
# Figures are medians; the Markdown table on stdout goes to bench/RESULTS.md.

import argparse
import concurrent.futures
import json
import os
import platform
import shutil
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
RCPT = "bob@pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscryd.onion"


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def timed(argv, **kw):
    t = time.monotonic()
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw)
    return time.monotonic() - t, p


def median_ms(values):
    return statistics.median(values) * 1000.0


# --- 1. stamps ------------------------------------------------------------

def pow_bench(work, runs):
    build = os.path.join(ROOT, "build")
    exe = os.path.join(work, "pow-bench")
    # Only postern-pow.o (and what it calls) comes out of the archive.
    deps = subprocess.run(["pkg-config", "--cflags", "--libs", "glib-2.0", "gio-2.0",
                           "libsodium"], check=True, stdout=subprocess.PIPE).stdout.decode().split()
    subprocess.run(["cc", "-O2", "-o", exe, os.path.join(HERE, "pow-bench.c"),
                    "-I", os.path.join(ROOT, "src", "transport"), "-I", build,
                    os.path.join(build, "src", "libpostern-core.a")] + deps + ["-lpthread"],
                   check=True)
    out = subprocess.run([exe, "500", str(runs)], check=True, stdout=subprocess.PIPE)
    return json.loads(out.stdout)


def bench_stamps(cli, work, runs):
    prof = os.path.join(work, "stamps")
    stamp = subprocess.run([cli, "--profile", prof, "pow", "mint", "--alg", "argon2id", "--bits",
                            "12", "--resource", RCPT], check=True,
                           stdout=subprocess.PIPE).stdout.decode().strip()
    bad = "X-Smtorp-Pow: v=1; a=argon2id; m=64; t=1; b=12; r=%s; d=bad; n=x" % RCPT
    valid, refused = [], []
    for _ in range(runs):
        t, p = timed([cli, "pow", "verify", "--resource", RCPT], input=stamp.encode())
        assert p.returncode == 0, p.stderr
        valid.append(t)
        t, p = timed([cli, "pow", "verify", "--resource", RCPT], input=bad.encode())
        assert p.returncode == 3, p.stderr
        refused.append(t)
    verify_ms = median_ms(valid) - median_ms(refused)

    mint12, pcash, dcash = [], [], []
    for _ in range(runs):
        t, p = timed([cli, "pow", "mint", "--alg", "argon2id", "--bits", "12", "--resource", RCPT])
        assert p.returncode == 0, p.stderr
        mint12.append(t)
        t, p = timed([cli, "pow", "mint", "--alg", "hashcash", "--bits", "20", "--resource", RCPT])
        assert p.returncode == 0, p.stderr
        pcash.append(t)
        if shutil.which("hashcash"):
            t, p = timed(["hashcash", "-q", "-m", "-b", "20", RCPT])
            dcash.append(t)
    inproc = pow_bench(work, runs)
    return {
        "verify_ms": inproc["verify_ms"],
        "mint_inprocess_ms": inproc["mint_ms"],
        "verify_cli_minus_refuse_ms": verify_ms,
        "verify_process_ms": median_ms(valid),
        "refuse_process_ms": median_ms(refused),
        "mint_argon2id_12_ms": median_ms(mint12),
        "mint_hashcash_20_ms": median_ms(pcash),
        "debian_hashcash_20_ms": median_ms(dcash) if dcash else None,
    }


# --- 2. server throughput ---------------------------------------------------

def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def smtp_reply(f):
    lines = []
    while True:
        line = f.readline()
        if not line:
            raise IOError("connection closed")
        lines.append(line)
        if line[3:4] != b"-":
            return int(line[:3]), lines


def smtp_session(port, use_tls, messages, rcpt, stamps):
    """Sends len(messages) messages in one session; returns how many got 250."""
    sock = socket.create_connection(("127.0.0.1", port))
    if use_tls:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        sock = ctx.wrap_socket(sock)
    f = sock.makefile("rwb")
    ok = 0
    code, _ = smtp_reply(f)
    assert code == 220
    f.write(b"EHLO bench.test\r\n")
    f.flush()
    code, _ = smtp_reply(f)
    assert code == 250
    for i, body in enumerate(messages):
        stamp = stamps[i] + b"\r\n" if stamps else b""
        f.write(b"MAIL FROM:<a@bench.test>\r\nRCPT TO:<" + rcpt.encode() + b">\r\nDATA\r\n")
        f.flush()
        for _ in range(3):
            code, lines = smtp_reply(f)
        assert code == 354, lines
        f.write(stamp + body + b".\r\n")
        f.flush()
        code, lines = smtp_reply(f)
        if code == 250:
            ok += 1
        else:
            log("refused: %r" % lines)
    f.write(b"QUIT\r\n")
    f.flush()
    sock.close()
    return ok


def message(i):
    return (b"From: a@bench.test\r\nTo: b@bench.test\r\nSubject: bench %d\r\n"
            b"Message-ID: <bench-%d@bench.test>\r\n\r\n" % (i, i)) + b"x" * 60 + b"\r\n" * 40


def feed(port, use_tls, n, sessions, rcpt, stamps):
    per = n // sessions
    jobs = []
    started = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(sessions) as pool:
        for s in range(sessions):
            msgs = [message(s * per + i) for i in range(per)]
            st = stamps[s * per:(s + 1) * per] if stamps else None
            jobs.append(pool.submit(smtp_session, port, use_tls, msgs, rcpt, st))
        ok = sum(j.result() for j in jobs)
    return ok, time.monotonic() - started


def start_postfix(work):
    P = os.path.join(work, "postfix")
    port = free_port()
    for d in ["conf", "spool", "data"]:
        os.makedirs(os.path.join(P, d), exist_ok=True)
    shutil.chown(os.path.join(P, "data"), "postfix")
    with open(os.path.join(P, "conf", "main.cf"), "w") as f:
        f.write("""compatibility_level = 3.6
queue_directory = {P}/spool
data_directory = {P}/data
mail_owner = postfix
setgid_group = postdrop
myhostname = mx.bench.test
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
maillog_file = {P}/postfix.log
maillog_file_prefixes = {P}
smtpd_peername_lookup = no
smtp_dns_support_level = disabled
virtual_mailbox_domains = bench.test
virtual_mailbox_maps = static:discard
virtual_transport = discard:
smtpd_relay_restrictions = permit_mynetworks, reject
alias_maps =
alias_database =
local_recipient_maps =
smtpd_client_connection_rate_limit = 0
smtpd_client_message_rate_limit = 0
default_process_limit = 100
biff = no
""".format(P=P))
    with open(os.path.join(P, "conf", "master.cf"), "w") as f:
        f.write("""127.0.0.1:{port} inet n - n - - smtpd
pickup    unix  n - n 60 1 pickup
cleanup   unix  n - n - 0 cleanup
qmgr      unix  n - n 300 1 qmgr
rewrite   unix  - - n - - trivial-rewrite
bounce    unix  - - n - 0 bounce
defer     unix  - - n - 0 bounce
trace     unix  - - n - 0 bounce
verify    unix  - - n - 1 verify
flush     unix  n - n 1000? 0 flush
proxymap  unix  - - n - - proxymap
discard   unix  - - n - - discard
error     unix  - - n - - error
retry     unix  - - n - - error
anvil     unix  - - n - 1 anvil
scache    unix  - - n - 1 scache
postlog   unix-dgram n - n - 1 postlogd
""".format(port=port))
    for d in ["active", "bounce", "corrupt", "defer", "deferred", "flush", "hold", "incoming",
              "private", "saved", "trace"]:
        subprocess.run(["install", "-d", "-o", "postfix", "-g", "root", "-m", "700",
                        os.path.join(P, "spool", d)], check=True)
    subprocess.run(["install", "-d", "-o", "postfix", "-g", "postdrop", "-m", "730",
                    os.path.join(P, "spool", "maildrop")], check=True)
    subprocess.run(["install", "-d", "-o", "postfix", "-g", "postdrop", "-m", "710",
                    os.path.join(P, "spool", "public")], check=True)
    subprocess.run(["install", "-d", "-m", "755", os.path.join(P, "spool", "pid")], check=True)
    old = time.time() - 10
    for name in ["main.cf", "master.cf"]:
        os.utime(os.path.join(P, "conf", name), (old, old))
    proc = subprocess.Popen(["/usr/lib/postfix/sbin/master", "-c", os.path.join(P, "conf"), "-d"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_port(port)
    return proc, port


def wait_port(port):
    for _ in range(400):
        try:
            socket.create_connection(("127.0.0.1", port)).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("nothing listens on %d" % port)


def bench_throughput(cli, work, n, sessions):
    bob = os.path.join(work, "bob")
    subprocess.run([cli, "--profile", bob, "config", "set", "smtorp.user", "bob"], check=True)
    log("minting %d one-bit stamps" % n)
    stamps = []
    for _ in range(n):
        stamps.append(subprocess.run([cli, "pow", "mint", "--alg", "argon2id", "--bits", "1",
                                      "--resource", RCPT], check=True,
                                     stdout=subprocess.PIPE).stdout.strip())
    serve = subprocess.Popen([cli, "--profile", bob, "smtorp", "serve", "--no-tor",
                              "--argon2-bits", "1"], stdout=subprocess.PIPE)
    line = serve.stdout.readline().decode()
    port = int(line.rsplit(":", 1)[1])
    ok, secs = feed(port, True, n, sessions, RCPT, stamps)
    serve.terminate()
    serve.wait()
    res = {"postern_messages": ok, "postern_seconds": secs}

    pf, pport = start_postfix(work)
    try:
        ok, secs = feed(pport, False, n, sessions, "b@bench.test", None)
        res.update({"postfix_python_messages": ok, "postfix_python_seconds": secs})
        t = time.monotonic()
        subprocess.run(["smtp-source", "-s", str(sessions), "-m", str(n), "-l", "2500",
                        "-f", "a@bench.test", "-t", "b@bench.test", "127.0.0.1:%d" % pport],
                       check=True)
        res.update({"postfix_smtp_source_seconds": time.monotonic() - t})
    finally:
        pf.terminate()
        pf.wait()
    return res


# --- 3. over tor -------------------------------------------------------------

def socks_connect(socks, host, port):
    h, p = socks.rsplit(":", 1)
    t = time.monotonic()
    s = socket.create_connection((h, int(p)))
    s.sendall(b"\x05\x01\x00")
    assert s.recv(2) == b"\x05\x00"
    s.sendall(b"\x05\x01\x00\x03" + bytes([len(host)]) + host.encode() + port.to_bytes(2, "big"))
    rep = s.recv(10)
    took = time.monotonic() - t
    s.close()
    if rep[1] != 0:
        raise IOError("SOCKS error 0x%02x" % rep[1])
    return took


def bench_tor(cli, work, tornet, runs):
    env = {}
    for line in open(os.path.join(tornet, "tornet.env")):
        k, _, v = line.strip().partition("=")
        env[k] = v
    join = subprocess.run([os.path.join(ROOT, "..", "shared", "tornet", "tornet"), "join-config",
                           tornet], check=True, stdout=subprocess.PIPE).stdout.decode()
    bob = os.path.join(work, "tor-bob")
    alice = os.path.join(work, "tor-alice")
    subprocess.run([cli, "--profile", bob, "config", "set", "smtorp.user", "bob"], check=True)
    subprocess.run([cli, "--profile", bob, "config", "set", "tor.extra-config", join], check=True)
    for k, v in [("tor.mode", "attach"), ("tor.control", env["TORNET_CLIENT_CONTROL_PORT"]),
                 ("smtorp.stamp-bits", "4")]:
        subprocess.run([cli, "--profile", alice, "config", "set", k, v], check=True)
    subprocess.run([cli, "--profile", alice, "account", "add", "alice", "--address",
                    "alice@" + env["TORNET_ONION"]], check=True)
    # Cheap stamps: minting is measured in part 1; this is the way there.
    serve = subprocess.Popen([cli, "--profile", bob, "smtorp", "serve", "--argon2-bits", "4"],
                             stdout=subprocess.PIPE)
    address = None
    while address is None:
        line = serve.stdout.readline().decode()
        if not line:
            raise RuntimeError("smtorp serve ended")
        if line.startswith("address "):
            address = line.split()[1]
    onion = address.split(".", 1)[1]
    sends, bare = [], []
    try:
        for i in range(runs + 1):
            msg = "To: %s\nSubject: bench %d\n\nHello.\n" % (address, i)
            t, p = timed([cli, "--profile", alice, "send"], input=msg.encode())
            if p.returncode != 0:
                log("send failed: %s" % p.stderr.decode().strip())
                continue
            b = socks_connect(env["TORNET_SOCKS"], onion, 25)
            if i > 0:   # the first builds the circuits both then reuse
                sends.append(t)
                bare.append(b)
    finally:
        serve.terminate()
        serve.wait()
    return {"send_ms": median_ms(sends) if sends else None,
            "bare_socks_ms": median_ms(bare) if bare else None, "runs": len(sends)}


def print_stamps_and_throughput(res, a):
    s, t = res["stamps"], res["throughput"]
    print("| Argon2id stamp verify (12 bits, m=64 KiB, t=1), in process | %.2f ms | goal 1 ms | %.2f |"
          % (s["verify_ms"], s["verify_ms"] / 1.0))
    print("| `postern-cli pow verify` (process start included) | %.0f ms | refusing a malformed "
          "stamp %.0f ms | %.2f |" % (s["verify_process_ms"], s["refuse_process_ms"],
                                       s["verify_process_ms"] / s["refuse_process_ms"]))
    print("| Argon2id mint, 12 bits, every core, in process | %.0f ms | | |"
          % s["mint_inprocess_ms"])
    print("| `postern-cli pow mint --alg argon2id --bits 12` | %.0f ms | | |"
          % s["mint_argon2id_12_ms"])
    if s["debian_hashcash_20_ms"]:
        print("| hashcash mint, 20 bits | %.0f ms | Debian hashcash %.0f ms | %.2f |"
              % (s["mint_hashcash_20_ms"], s["debian_hashcash_20_ms"],
                 s["mint_hashcash_20_ms"] / s["debian_hashcash_20_ms"]))
    n = a.messages
    pr = t["postern_messages"] / t["postern_seconds"]
    fr = t["postfix_python_messages"] / t["postfix_python_seconds"]
    sr = n / t["postfix_smtp_source_seconds"]
    print("| server, %d msgs in %d sessions, same Python client | %.0f msg/s (TLS, stamps) | "
          "Postfix smtpd %.0f msg/s (plain) | %.2f |" % (n, a.sessions, pr, fr, pr / fr))
    print("| server vs Postfix fed by smtp-source | %.0f msg/s | %.0f msg/s | %.2f |"
          % (pr, sr, pr / sr))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", default=os.path.join(ROOT, "build", "src", "cli", "postern-cli"))
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--messages", type=int, default=400)
    ap.add_argument("--sessions", type=int, default=4)
    ap.add_argument("--tornet")
    ap.add_argument("--tor-only", action="store_true", help="only part 3 (needs --tornet)")
    ap.add_argument("--json")
    a = ap.parse_args()
    work = tempfile.mkdtemp(prefix="postern-bench-smtorp-")
    os.chmod(work, 0o755)
    try:
        res = {"machine": "%s, %d cores, load %.1f" % (platform.node(), os.cpu_count(),
                                                        os.getloadavg()[0])}
        if not a.tor_only:
            log("stamps")
            res["stamps"] = bench_stamps(a.cli, work, a.runs)
            log("server throughput")
            res["throughput"] = bench_throughput(a.cli, work, a.messages, a.sessions)
        if a.tornet:
            log("delivery over tor")
            res["tor"] = bench_tor(a.cli, work, a.tornet, a.runs)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if a.json:
        with open(a.json, "w") as f:
            json.dump(res, f, indent=2)
    print("| measure | Postern | peer | ratio |")
    print("| --- | --- | --- | --- |")
    if not a.tor_only:
        print_stamps_and_throughput(res, a)
    if "tor" in res and res["tor"]["send_ms"]:
        r = res["tor"]
        print("| delivery over the private Tor network (`send`, attached tor, %d runs) | %.0f ms | "
              "bare SOCKS connect %.0f ms | %.2f |"
              % (r["runs"], r["send_ms"], r["bare_socks_ms"], r["send_ms"] / r["bare_socks_ms"]))
    print("\n%s" % res["machine"])


if __name__ == "__main__":
    main()
