#!/usr/bin/env python3
"""Fails when po/POTFILES.in misses a file with strings marked for
translation, or names a file that is gone (xgettext would stop there).

  check-potfiles.py SOURCE_ROOT

Marked means: a C file calling _() N_() C_() NC_() or ngettext(), a
GtkBuilder file with translatable="yes", and the data files that carry
translations (desktop entry, metainfo, GSettings schema)."""
import os
import re
import sys

C_MARK = re.compile(r'(?<![A-Za-z0-9_])(?:_|N_|C_|NC_|ngettext|g_dngettext)\s*\(')
UI_MARK = re.compile(r'translatable\s*=\s*"(?:yes|true|1)"')
SCANNED = ("src",)


def marked(path):
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except UnicodeDecodeError:
        return False
    if path.endswith((".c", ".h")):
        # Strip comments and string literals so "_(" inside either is no mark.
        text = re.sub(r'/\*.*?\*/|//[^\n]*', ' ', text, flags=re.S)
        text = re.sub(r'"(?:\\.|[^"\\])*"', '""', text)
        return bool(C_MARK.search(text))
    if path.endswith(".ui"):
        return bool(UI_MARK.search(text))
    return False


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else "."
    listed = []
    with open(os.path.join(root, "po", "POTFILES.in"), encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#"):
                listed.append(line)

    problems = []
    for rel in listed:
        if not os.path.isfile(os.path.join(root, rel)):
            problems.append(f"po/POTFILES.in names {rel}, which does not exist")
    if len(set(listed)) != len(listed):
        problems.append("po/POTFILES.in names a file twice")

    wanted = []
    for top in SCANNED:
        for dirpath, dirnames, filenames in os.walk(os.path.join(root, top)):
            dirnames.sort()
            for name in sorted(filenames):
                path = os.path.join(dirpath, name)
                if marked(path):
                    wanted.append(os.path.relpath(path, root))
    data = os.path.join(root, "data")
    for name in sorted(os.listdir(data)):
        if name.endswith((".desktop.in", ".metainfo.xml.in", ".gschema.xml")):
            wanted.append(os.path.join("data", name))

    for rel in wanted:
        if rel not in listed:
            problems.append(f"{rel} has strings marked for translation but is missing "
                            "from po/POTFILES.in")
    if not wanted:
        problems.append("no file with marked strings found: is the source root right?")

    for p in problems:
        print("FAIL", p)
    if problems:
        return 1
    print(f"PASS {len(wanted)} files with marked strings, all in po/POTFILES.in")
    return 0


if __name__ == "__main__":
    sys.exit(main())
