#!/usr/bin/python3
# make-corpus.py — build the benchmark mail set from the shared corpus.
#
# Copyright 2026 The Postern authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Cycles through the corpus's single-message .eml files (sorted by path, so
# every run builds the same bytes) and gives each copy its own Message-ID,
# so that no indexer can fold copies together; References and In-Reply-To
# follow, so every cycle through the corpus keeps the corpus's threads. Writes the same messages
# twice: as a Maildir (half in new/, half in cur/ with the Seen flag) and as
# one mboxrd file (body lines matching ^>*From  get one more '>').
#
#   bench/make-corpus.py [--count N] [--corpus DIR] OUT_DIR
#
# leaves OUT_DIR/maildir/{cur,new,tmp} and OUT_DIR/messages.mbox.

import argparse
import os
import re
import sys

SKIP = {"INDEX.md", "SOURCES.md", "MANIFEST.tsv"}

# A Message-ID header in the top-level header block, with any folded
# continuation lines.
MESSAGE_ID_RE = re.compile(rb"^message-id:[^\n]*\n(?:[ \t][^\n]*\n)*", re.IGNORECASE | re.MULTILINE)
MBOXRD_FROM_RE = re.compile(rb"^(>*From )", re.MULTILINE)


def corpus_messages(corpus):
    paths = []
    for root, dirs, files in os.walk(corpus):
        dirs.sort()
        for name in files:
            if name in SKIP or not name.endswith(".eml"):
                continue
            paths.append(os.path.join(root, name))
    paths.sort()
    messages = []
    for path in paths:
        with open(path, "rb") as f:
            messages.append(f.read())
    return messages


def split_header(data):
    """Returns (header, rest): rest starts with the empty line ending the header."""
    at = 0
    while at < len(data):
        nl = data.find(b"\n", at)
        if nl < 0:
            break
        if data[at:nl + 1] in (b"\n", b"\r\n"):
            return data[:at], data[at:]
        at = nl + 1
    return data, b""


def header_field_re(name):
    return re.compile(rb"^" + name + rb":[^\n]*\n(?:[ \t][^\n]*\n)*", re.IGNORECASE | re.MULTILINE)


REFS_RE = header_field_re(rb"(?:references|in-reply-to)")
ANGLE_ID_RE = re.compile(rb"<([^<>\s]+)>")


def original_ids(sources):
    """Message-ID → index of the first corpus message carrying it."""
    ids = {}
    for i, data in enumerate(sources):
        header, _ = split_header(data)
        m = MESSAGE_ID_RE.search(header)
        if m:
            found = ANGLE_ID_RE.search(m.group(0))
            if found:
                ids.setdefault(found.group(1), i)
    return ids


def new_id(seq):
    return b"bench.%d@postern.invalid" % seq


def rewrite(data, seq, n_sources, ids, count):
    """The copy number seq of data: its own Message-ID, and its References
    and In-Reply-To pointing at the copies made in the same cycle, so each
    cycle keeps the corpus's threads instead of merging into giant ones."""
    cycle = seq // n_sources
    header, rest = split_header(data)
    eol = b"\r\n" if header.endswith(b"\r\n") else b"\n"

    def map_ref(m):
        j = ids.get(m.group(1))
        if j is not None and cycle * n_sources + j < count:
            return b"<" + new_id(cycle * n_sources + j) + b">"
        return b"<c%d.%s>" % (cycle, m.group(1))

    header = REFS_RE.sub(lambda m: ANGLE_ID_RE.sub(map_ref, m.group(0)), header)
    line = b"Message-ID: <" + new_id(seq) + b">" + eol
    header, n = MESSAGE_ID_RE.subn(lambda m: line, header, count=1)
    if n == 0:
        header = line + header
    return header + rest


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser()
    ap.add_argument("--count", type=int, default=100000)
    ap.add_argument("--corpus", default=os.path.join(here, "..", "..", "shared", "corpus"))
    ap.add_argument("out")
    args = ap.parse_args()

    if not os.path.isdir(args.corpus):
        args.corpus = "/work/shared/corpus"
    sources = corpus_messages(args.corpus)
    if not sources:
        sys.exit("no .eml messages in %s" % args.corpus)
    ids = original_ids(sources)

    maildir = os.path.join(args.out, "maildir")
    for sub in ("cur", "new", "tmp"):
        os.makedirs(os.path.join(maildir, sub), exist_ok=True)
    total = 0
    # A fixed delivery time keeps the names, and so the import order, stable.
    base_time = 1767225600
    with open(os.path.join(args.out, "messages.mbox"), "wb") as mbox:
        for seq in range(args.count):
            data = rewrite(sources[seq % len(sources)], seq, len(sources), ids, args.count)
            total += len(data)
            name = "%d.M%06dP1.bench" % (base_time + seq, seq)
            if seq % 2:
                path = os.path.join(maildir, "cur", name + ":2,S")
            else:
                path = os.path.join(maildir, "new", name)
            with open(path, "wb") as f:
                f.write(data)
            mbox.write(b"From bench@postern.invalid Thu Jan  1 00:00:00 2026\n")
            mbox.write(MBOXRD_FROM_RE.sub(rb">\1", data))
            if not data.endswith(b"\n"):
                mbox.write(b"\n")
            mbox.write(b"\n")
    print("%d messages (%d distinct sources), %.1f MiB, in %s"
          % (args.count, len(sources), total / 1048576, args.out))


if __name__ == "__main__":
    main()
