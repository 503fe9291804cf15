#!/bin/sh
# run-fuzzers.sh: build the libFuzzer targets with AddressSanitizer and
# UndefinedBehaviorSanitizer and run each one for a while.
#
# Copyright 2026 The Postern authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: tests/fuzz/run-fuzzers.sh [SECONDS_PER_TARGET [TARGET…]]
#   SECONDS_PER_TARGET  how long each target fuzzes (default 20)
#   TARGET              mbox, message-info, search-query, address, account,
#                       maildir-name, imap-response, smtp-reply, pow-stamp,
#                       smtorp-command, autocrypt, card
#                       (default: all of them)
# Environment:
#   FUZZ_BUILD_DIR      the build directory (default: build-fuzz in the tree)
#   POSTERN_CORPUS      extra seed messages (default: ../shared/corpus)
#
# Prints "fuzz-NAME: OK (N runs)" or "fuzz-NAME: FAILED (…)" per target and
# ends with "N passed, N failed"; exits non-zero when any target failed.
# Crashing inputs and logs are kept in tests/fuzz/out/NAME/.
set -eu

seconds=${1:-20}
[ $# -gt 0 ] && shift
case $seconds in
  '' | *[!0-9]*) echo "usage: $0 [SECONDS_PER_TARGET [TARGET…]]" >&2; exit 2 ;;
esac

here=$(cd "$(dirname "$0")" && pwd)
srcdir=$(cd "$here/../.." && pwd)
builddir=${FUZZ_BUILD_DIR:-$srcdir/build-fuzz}
shared=${POSTERN_CORPUS:-$srcdir/../shared/corpus}
outdir=$here/out

all_targets="mbox message-info search-query address account maildir-name imap-response smtp-reply pow-stamp smtorp-command autocrypt dns-rdata html-remote card ves"
targets=${*:-$all_targets}

# The longest input each target is given: a message or mbox is big, a query,
# an address or a file name is a line.
max_len_for () {
  case $1 in
    mbox | message-info | ves) echo 65536 ;;
    html-remote) echo 32768 ;;
    account) echo 4096 ;;
    imap-response) echo 16384 ;;
    smtp-reply) echo 8192 ;;
    pow-stamp) echo 2048 ;;
    autocrypt) echo 8192 ;;
    smtorp-command) echo 4096 ;;
    dns-rdata) echo 1024 ;;
    card) echo 4096 ;;
    address) echo 2048 ;;
    search-query) echo 1024 ;;
    maildir-name) echo 512 ;;
    *) echo "$0: unknown target $1 (targets: $all_targets)" >&2; exit 2 ;;
  esac
}
for name in $targets; do max_len_for "$name" >/dev/null; done

# b_lundef=false: clang links the sanitizer runtimes into executables only,
# so -Wl,--no-undefined cannot hold for the instrumented objects.
options="-Dfuzzing=true -Db_sanitize=address,undefined -Db_lundef=false"
if [ -f "$builddir/build.ninja" ]; then
  meson configure "$builddir" $options >/dev/null
else
  CC=${CC:-clang} meson setup "$builddir" "$srcdir" $options >/dev/null
fi
ninja_targets=
for name in $targets; do ninja_targets="$ninja_targets tests/fuzz/fuzz-$name"; done
ninja -C "$builddir" $ninja_targets >/dev/null

export ASAN_OPTIONS=detect_leaks=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export LSAN_OPTIONS="suppressions=$here/lsan.supp:print_suppressions=0"
# GSlice hides use-after-free and leaks from the sanitizers behind its own
# free lists; plain malloc shows them.
export G_SLICE=always-malloc

passed=0
failed=0
for name in $targets; do
  work=$outdir/$name
  rm -rf "$work"
  mkdir -p "$work/corpus" "$work/seeds" "$work/artifacts"
  # libFuzzer adds what it finds to the first directory: a scratch copy, so
  # the committed seeds only change by hand.
  cp "$here/corpus/$name/." "$work/corpus/" -R
  if [ -d "$shared" ]; then
    case $name in
      message-info) find "$shared" -type f \( -name '*.eml' -o -name '*.mbox' \) \
                      -exec cp {} "$work/seeds/" \; ;;
      mbox) find "$shared" -type f -name '*.mbox' -exec cp {} "$work/seeds/" \; ;;
    esac
  fi

  status=0
  "$builddir/tests/fuzz/fuzz-$name" \
    -max_total_time="$seconds" -max_len="$(max_len_for "$name")" \
    -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$work/artifacts/" \
    "$work/corpus" "$work/seeds" >"$work/log" 2>&1 || status=$?

  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log" | tail -n 1)
  if [ "$status" -eq 0 ]; then
    echo "fuzz-$name: OK (${runs:-0} runs)"
    passed=$((passed + 1))
  else
    artifact=$(ls "$work/artifacts" 2>/dev/null | head -n 1)
    echo "fuzz-$name: FAILED (exit $status after ${runs:-?} runs; input: $work/artifacts/${artifact:-none}; log: $work/log)"
    # The sanitizer's report, for CI logs.
    grep -E -A 30 '^(==[0-9]+==ERROR|SUMMARY|.*runtime error|.*fuzz check failed|.*deadly signal|.*ALARM)' \
      "$work/log" | head -n 60 >&2 || true
    failed=$((failed + 1))
  fi
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
