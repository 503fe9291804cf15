#!/usr/bin/env bash
# postern-cli speaks every language of po/LINGUAS: its usage message (no
# command given) differs from the English one under LANGUAGE=LL, while its
# exit status stays the same. Run through with-catalogs.
#   check-cli-languages.sh POSTERN_CLI LINGUAS_FILE
set -u
cli=$1 linguas=$2
fails=0
english=$(LC_ALL=C.UTF-8 LANGUAGE= "$cli" 2>&1); rc_en=$?
[ "$rc_en" = 2 ] || { echo "FAIL postern-cli without a command exits $rc_en, not 2"; exit 1; }
for lang in $(grep -v '^#' "$linguas"); do
  out=$(LC_ALL=C.UTF-8 LANGUAGE=$lang "$cli" 2>&1); rc=$?
  if [ "$rc" = 2 ] && [ "$out" != "$english" ] && [ -n "$out" ]; then
    echo "PASS $lang: $(echo "$out" | head -n 1)"
  else
    echo "FAIL $lang: postern-cli is not translated (exit $rc): $(echo "$out" | head -n 1)"
    fails=$((fails + 1))
  fi
done
[ "$fails" -eq 0 ]
