#!/usr/bin/env bash
# `meson dist` makes a tarball that configures and builds what a packager
# installs first: the tarball holds every file of the commit (meson dist
# uses git archive), and `meson setup` on it finds every file meson.build
# names; the translated data files are then built from it. The full C build
# of the same tree is what CI's fresh clone does already.
#   check-dist.sh BUILD_DIR
set -uo pipefail
build=$1
src=$(cd "$build" && meson introspect --projectinfo | python3 -c 'import json,sys; print(json.load(sys.stdin)["version"])') || exit 1
root=$(cd "$(dirname "$0")/../.." && pwd)
git -C "$root" rev-parse --git-dir > /dev/null 2>&1 || { echo "SKIP: not a git checkout"; exit 77; }

work=$(mktemp -d /tmp/postern-dist.XXXXXX)
trap 'rm -rf "$work"' EXIT

# --allow-dirty: in a working tree with uncommitted changes the tarball is of
# the last commit, as it always is.
if ! meson dist -C "$build" --no-tests --allow-dirty --formats xztar > "$work/dist.log" 2>&1; then
  cat "$work/dist.log"; echo "FAIL meson dist"; exit 1
fi
tarball="$build/meson-dist/postern-$src.tar.xz"
[ -f "$tarball" ] || { cat "$work/dist.log"; echo "FAIL no $tarball"; exit 1; }
echo "PASS meson dist made $(basename "$tarball") ($(du -k "$tarball" | cut -f1) KiB)"

tar -C "$work" -xf "$tarball" || { echo "FAIL the tarball does not unpack"; exit 1; }
tree="$work/postern-$src"
missing=$(cd "$root" && git ls-tree -r --name-only HEAD | while read -r f; do [ -e "$tree/$f" ] || echo "$f"; done)
if [ -n "$missing" ]; then
  echo "FAIL files of the commit missing from the tarball:"; echo "$missing" | head -20; exit 1
fi
echo "PASS the tarball holds every file of the commit"

if ! meson setup "$work/build" "$tree" > "$work/setup.log" 2>&1; then
  tail -30 "$work/setup.log"; echo "FAIL meson setup on the tarball"; exit 1
fi
echo "PASS meson setup on the unpacked tarball"
id=io.github.postern.Postern
if ! ninja -C "$work/build" "data/$id.desktop" "data/$id.metainfo.xml" data/gschemas.compiled \
     > "$work/ninja.log" 2>&1; then
  tail -30 "$work/ninja.log"; echo "FAIL building the data files from the tarball"; exit 1
fi
echo "PASS the data files build from the tarball"
