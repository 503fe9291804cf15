#!/usr/bin/env python3
"""The icons: the app icon is a square scalable SVG, every symbolic icon a
16×16 SVG, and every lock icon the UI names (src/ui/*.c) is in data/icons/
and bundled in the GResource, one for each lock level.

  check-icons.py SOURCE_ROOT"""
import glob
import os
import re
import sys
import xml.etree.ElementTree as ET

ROOT = sys.argv[1] if len(sys.argv) > 1 else "."
APP_ID = "io.github.postern.Postern"
LEVELS = ("onion", "sealed", "tls", "open", "unknown")
failures = 0


def check(ok, what):
    global failures
    print(("PASS " if ok else "FAIL ") + what)
    failures += not ok


def view_box(path):
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as e:
        return None, str(e)
    if root.tag != "{http://www.w3.org/2000/svg}svg":
        return None, f"root element {root.tag}"
    box = [float(x) for x in root.get("viewBox", "").replace(",", " ").split()]
    return (box if len(box) == 4 else None), "no viewBox"


icons = os.path.join(ROOT, "data", "icons")
for path in sorted(glob.glob(os.path.join(icons, "*.svg"))):
    name = os.path.basename(path)
    box, why = view_box(path)
    if box is None:
        check(False, f"{name} is an SVG with a viewBox ({why})")
    elif name.endswith("-symbolic.svg"):
        check(box[2:] == [16, 16], f"{name} is a 16×16 symbolic icon")
    else:
        check(box[2] == box[3] and box[2] >= 64, f"{name} is a square scalable icon")

check(os.path.isfile(os.path.join(icons, APP_ID + ".svg")), f"the app icon {APP_ID}.svg")
check(os.path.isfile(os.path.join(icons, APP_ID + "-symbolic.svg")),
      f"the symbolic app icon {APP_ID}-symbolic.svg")

used = set()
for path in glob.glob(os.path.join(ROOT, "src", "ui", "*.c")):
    used |= set(re.findall(r'"(postern-lock-[a-z]+-symbolic)"', open(path).read()))
check(used == {f"postern-lock-{level}-symbolic" for level in LEVELS},
      f"the UI names one lock icon per level ({', '.join(sorted(used))})")
gresource = open(os.path.join(ROOT, "src", "ui", "postern.gresource.xml")).read()
for name in sorted(used):
    check(os.path.isfile(os.path.join(icons, name + ".svg")), f"data/icons/{name}.svg exists")
    check(f'alias="{name}.svg"' in gresource, f"{name} is bundled in the GResource")

sys.exit(1 if failures else 0)
