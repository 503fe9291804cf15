#!/usr/bin/env python3
"""check-flatpak.py must catch a bad manifest: data/bad-manifest.json is
the real one with one mistake of each kind the checker looks for.

  test-check-flatpak.py SOURCE_ROOT"""
import os
import subprocess
import sys

root = sys.argv[1]
here = os.path.dirname(os.path.abspath(__file__))
run = subprocess.run([sys.executable, os.path.join(here, "check-flatpak.py"), root,
                      os.path.join(here, "data", "bad-manifest.json")],
                     capture_output=True, text=True, timeout=60)
out = run.stdout
expected = [
    "FAIL the app ID io.github.postern.Other is meson.build's APP_ID",
    "FAIL finish-args are the minimal set (extra: ['--filesystem=home']",
    "FAIL module gmime: https://github.com/jstedfast/gmime/releases/download/3.2.15/"
    "gmime-3.2.15.tar.xz has a sha256",
    "FAIL module tor: git https://gitlab.torproject.org/tpo/core/tor.git pins a commit",
    "FAIL module postern: dir ../../../.. is in this repository",
    "FAIL ./meson.build: dependency('libsodium') is provided by the runtime or a module",
    "FAIL ./meson.build: dependency('gmime-3.0') >= 3.2 is met by the module's 3.0.5",
]
missing = [line for line in expected if line not in out]
for line in missing:
    print("not reported:", line)
if run.returncode != 1:
    print(f"the checker exited {run.returncode}, not 1")
if missing or run.returncode != 1:
    print(out, run.stderr)
    sys.exit(1)
print(f"PASS the checker reported all {len(expected)} mistakes and failed")
