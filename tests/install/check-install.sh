#!/usr/bin/env bash
# `meson install` into a temporary DESTDIR, then checks that everything a
# desktop needs is there, in the right place, and still valid once installed.
#   check-install.sh BUILD_DIR PREFIX BINDIR DATADIR LOCALEDIR LINGUAS_FILE
set -uo pipefail
build=$1 prefix=$2 bindir=$3 datadir=$4 localedir=$5 linguas=$6
id=io.github.postern.Postern
dest=$(mktemp -d /tmp/postern-install.XXXXXX)
trap 'rm -rf "$dest"' EXIT

fails=0
pass() { echo "PASS $*"; }
fail() { echo "FAIL $*"; fails=$((fails + 1)); }
has() { if [ -e "$dest$1" ]; then pass "installed $1"; else fail "missing $1"; fi; }

# A DESTDIR install skips the post-install steps (schema compilation, icon
# cache), as packagers expect.
if ! meson install -C "$build" --no-rebuild --destdir "$dest" --quiet > "$dest.log" 2>&1; then
  cat "$dest.log"; rm -f "$dest.log"
  echo "FAIL meson install"; exit 1
fi
rm -f "$dest.log"
pass "meson install --destdir"

abs() { case $1 in /*) echo "$1" ;; *) echo "$prefix/$1" ;; esac; }
bin=$(abs "$bindir") share=$(abs "$datadir") locale=$(abs "$localedir")

has "$bin/postern"
has "$bin/postern-cli"
has "$share/applications/$id.desktop"
has "$share/metainfo/$id.metainfo.xml"
has "$share/glib-2.0/schemas/$id.gschema.xml"
has "$share/icons/hicolor/scalable/apps/$id.svg"
has "$share/icons/hicolor/symbolic/apps/$id-symbolic.svg"
has "$share/dbus-1/services/$id.service"
for lang in $(grep -v '^#' "$linguas"); do
  has "$locale/$lang/LC_MESSAGES/postern.mo"
  # The installed catalog answers gettext (LANGUAGE works under C.UTF-8), and
  # the desktop entry and metainfo carry the language merged in.
  word=$(LC_ALL=C.UTF-8 LANGUAGE=$lang TEXTDOMAINDIR="$dest$locale" gettext -d postern Inbox)
  [ -n "$word" ] && [ "$word" != Inbox ] \
    && pass "$lang: the installed catalog translates Inbox as $word" || fail "$lang: Inbox untranslated"
  grep -q "^Comment\[$lang\]=" "$dest$share/applications/$id.desktop" \
    && pass "$lang: the desktop entry has Comment[$lang]" || fail "$lang: no Comment[$lang]"
  grep -q "xml:lang=\"$lang\"" "$dest$share/metainfo/$id.metainfo.xml" \
    && pass "$lang: the metainfo is translated" || fail "$lang: the metainfo has no xml:lang=$lang"
done

# The installed files, validated where they landed.
desktop-file-validate "$dest$share/applications/$id.desktop" \
  && pass "the installed desktop entry validates" || fail "the installed desktop entry"
appstreamcli validate --no-net "$dest$share/metainfo/$id.metainfo.xml" > /dev/null \
  && pass "the installed metainfo validates" || fail "the installed metainfo"
glib-compile-schemas --strict --dry-run "$dest$share/glib-2.0/schemas" \
  && pass "the installed schemas compile" || fail "the installed schemas"

# The desktop entry and the D-Bus service start the installed binary.
exec_desktop=$(sed -n 's/^Exec=\([^ ]*\).*/\1/p' "$dest$share/applications/$id.desktop")
[ "$exec_desktop" = postern ] && [ -x "$dest$bin/$exec_desktop" ] \
  && pass "the desktop entry runs postern from $bin" || fail "the desktop entry's Exec=$exec_desktop"
grep -qx "DBusActivatable=true" "$dest$share/applications/$id.desktop" \
  && pass "the desktop entry is D-Bus activatable" || fail "DBusActivatable is not true"
exec_service=$(sed -n 's/^Exec=//p' "$dest$share/dbus-1/services/$id.service")
[ "$exec_service" = "$bin/postern --gapplication-service" ] \
  && pass "the D-Bus service runs $exec_service" || fail "the D-Bus service's Exec=$exec_service"
grep -qx "Name=$id" "$dest$share/dbus-1/services/$id.service" \
  && pass "the D-Bus service is named $id" || fail "the D-Bus service's Name"

# The installed CLI runs (its usage text, exit 0).
"$dest$bin/postern-cli" --help > /dev/null \
  && pass "the installed postern-cli runs" || fail "the installed postern-cli does not run"

echo "$fails failed"
[ "$fails" -eq 0 ]
