#!/usr/bin/env python3
"""Checks the Flatpak manifest without building it (the runtime cannot be
downloaded here):

  check-flatpak.py SOURCE_ROOT [MANIFEST]

- flatpak/io.github.postern.Postern.json parses (modules given as file
  names are read too);
- it is an app on org.gnome.Platform/org.gnome.Sdk whose command is the
  installed `postern`;
- the app ID is the one of meson.build (APP_ID) and of every file in data/;
- finish-args are exactly the minimal set Postern needs;
- every source is pinned: an archive or file URL with a sha256, a git
  source with a full commit, or a path inside this repository;
- every dependency() of every meson.build is provided by the runtime
  (x-runtime-provides) or by a module (x-provides), in a version that
  meets the version: constraint.

Prints one PASS or FAIL line per check; exit 1 when any failed."""
import configparser
import json
import os
import re
import sys
import xml.etree.ElementTree as ET

ROOT = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else ".")
MANIFEST = (os.path.abspath(sys.argv[2]) if len(sys.argv) > 2
            else os.path.join(ROOT, "flatpak", "io.github.postern.Postern.json"))
FINISH_ARGS = {
    "--share=network",
    "--share=ipc",
    "--socket=wayland",
    "--socket=fallback-x11",
    "--device=dri",
    "--talk-name=org.freedesktop.secrets",
    "--talk-name=org.freedesktop.Notifications",
}
SHA256 = re.compile(r"^[0-9a-f]{64}$")
COMMIT = re.compile(r"^[0-9a-f]{40}$")

failures = []


def check(ok, what):
    print(("PASS " if ok else "FAIL ") + what)
    if not ok:
        failures.append(what)
    return ok


def load_json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def walk_modules(modules, base):
    """Yields (module, directory its relative paths start from)."""
    for m in modules:
        if isinstance(m, str):
            path = os.path.join(base, m)
            sub = load_json(path)
            yield from walk_modules([sub], os.path.dirname(path))
            continue
        yield m, base
        yield from walk_modules(m.get("modules", []), base)


def inside_repo(base, rel):
    path = os.path.realpath(os.path.join(base, rel))
    return path == ROOT or path.startswith(ROOT + os.sep), path


def source_pinned(src, base):
    kind = src.get("type")
    if kind in ("archive", "file") and "url" in src:
        return bool(SHA256.match(src.get("sha256", ""))), f"{src['url']} has a sha256"
    if kind == "git":
        return bool(COMMIT.match(src.get("commit", ""))), f"git {src.get('url')} pins a commit"
    if kind in ("dir", "file", "patch") and "path" in src:
        ok, path = inside_repo(base, src["path"])
        return ok and os.path.exists(path), f"{kind} {src['path']} is in this repository"
    if kind in ("script", "shell", "inline"):
        return True, f"{kind} source is written out in the manifest"
    return False, f"source {src!r} is of a kind that cannot be pinned"


def version_tuple(v):
    return tuple(int(x) for x in re.findall(r"\d+", v))


def meets(version, constraint):
    m = re.match(r"^\s*(>=|<=|==|!=|>|<|=)?\s*(\S+)$", constraint)
    op, want = (m.group(1) or ">="), version_tuple(m.group(2))
    have = version_tuple(version)
    return {">=": have >= want, ">": have > want, "<=": have <= want, "<": have < want,
            "==": have == want, "=": have == want, "!=": have != want}[op]


def meson_dependencies():
    """(name, [constraints], file) for every dependency() call."""
    deps = []
    for dirpath, dirnames, filenames in os.walk(ROOT):
        rel = os.path.relpath(dirpath, ROOT)
        top = rel.split(os.sep)[0]
        if rel != "." and (top.startswith(("build", ".")) or top in ("subprojects", "flatpak")):
            dirnames[:] = []
            continue
        if "meson.build" not in filenames:
            continue
        text = open(os.path.join(dirpath, "meson.build"), encoding="utf-8").read()
        text = re.sub(r"#[^\n]*", "", text)
        for m in re.finditer(r"(?<![\w.])dependency\(\s*'([^']+)'([^)]*)\)", text):
            constraints = re.findall(r"'\s*([<>=!]=?\s*[\d.]+)\s*'", m.group(2))
            deps.append((m.group(1), constraints, os.path.join(rel, "meson.build")))
    return deps


def meson_app_id():
    text = open(os.path.join(ROOT, "meson.build"), encoding="utf-8").read()
    m = re.search(r"conf\.set_quoted\(\s*'APP_ID'\s*,\s*'([^']+)'", text)
    return m.group(1) if m else None


def data_ids():
    """The app ID as each file in data/ spells it."""
    data = os.path.join(ROOT, "data")
    ids = {}
    for name in sorted(os.listdir(data)):
        path = os.path.join(data, name)
        if name.endswith(".desktop.in"):
            ids[name] = name[: -len(".desktop.in")]
        elif name.endswith(".metainfo.xml.in"):
            root = ET.parse(path).getroot()
            ids[name] = root.findtext("id")
            launch = root.find("launchable")
            if launch is not None:
                ids[name + " launchable"] = launch.text.removesuffix(".desktop")
        elif name.endswith(".service.in"):
            parser = configparser.ConfigParser(interpolation=None)
            parser.read(path, encoding="utf-8")
            ids[name] = parser["D-BUS Service"]["Name"]
        elif name.endswith(".gschema.xml"):
            schema = ET.parse(path).getroot().find("schema")
            ids[name] = schema.get("id") if schema is not None else None
    return ids


def main():
    try:
        manifest = load_json(MANIFEST)
    except (OSError, ValueError) as e:
        check(False, f"{MANIFEST} parses as JSON ({e})")
        return 1
    check(True, "the manifest parses as JSON")

    app_id = manifest.get("id") or manifest.get("app-id")
    check(app_id == meson_app_id(), f"the app ID {app_id} is meson.build's APP_ID")
    ids = data_ids()
    check(len(ids) >= 4, f"data/ has the desktop entry, metainfo, service and schema ({len(ids)})")
    for name, value in ids.items():
        check(value == app_id, f"data/{name} names {value}")
    check(os.path.isfile(os.path.join(ROOT, "data", "icons", app_id + ".svg")),
          f"data/icons/{app_id}.svg exists")

    check(manifest.get("runtime") == "org.gnome.Platform", "the runtime is org.gnome.Platform")
    check(manifest.get("sdk") == "org.gnome.Sdk", "the SDK is org.gnome.Sdk")
    check(re.match(r"^\d+$", str(manifest.get("runtime-version", ""))) is not None,
          f"runtime-version {manifest.get('runtime-version')!r} is a GNOME release")
    check(manifest.get("command") == "postern", "the command is postern")
    ui_meson = open(os.path.join(ROOT, "src", "ui", "meson.build"), encoding="utf-8").read()
    check(re.search(r"executable\(\s*'postern'[^)]*install:\s*true", ui_meson, re.S) is not None,
          "src/ui installs the executable `postern`")

    args = manifest.get("finish-args", [])
    check(len(args) == len(set(args)), "no finish-arg is given twice")
    check(set(args) == FINISH_ARGS,
          "finish-args are the minimal set"
          + (f" (extra: {sorted(set(args) - FINISH_ARGS)}, missing: "
             f"{sorted(FINISH_ARGS - set(args))})" if set(args) != FINISH_ARGS else ""))

    base = os.path.dirname(MANIFEST)
    modules = list(walk_modules(manifest.get("modules", []), base))
    check(len(modules) > 0 and modules[-1][0].get("name") == "postern",
          "the last module builds postern")
    provided = {name: None for name in manifest.get("x-runtime-provides", [])}
    for module, mbase in modules:
        name = module.get("name", "?")
        sources = module.get("sources", [])
        check(len(sources) > 0, f"module {name} has sources")
        for src in sources:
            if isinstance(src, str):
                check(False, f"module {name}: sources in another file are not checked: {src}")
                continue
            ok, what = source_pinned(src, mbase)
            check(ok, f"module {name}: {what}")
        if name != "postern":
            check(bool(module.get("x-provides")), f"module {name} says what it provides")
        for pc, version in module.get("x-provides", {}).items():
            provided[pc] = version

    deps = meson_dependencies()
    check(len(deps) >= 10, f"meson.build files ask for {len(deps)} dependencies")
    for dep, constraints, where in deps:
        if dep not in provided:
            check(False, f"{where}: dependency('{dep}') is provided by the runtime or a module")
            continue
        version = provided[dep]
        if version is None:
            check(True, f"{where}: dependency('{dep}') comes with the runtime")
            continue
        ok = all(meets(version, c) for c in constraints)
        wanted = " " + " ".join(constraints) if constraints else ""
        check(ok, f"{where}: dependency('{dep}'){wanted} is met by the module's {version}")

    if failures:
        print(f"{len(failures)} checks failed")
        return 1
    print("the manifest is consistent")
    return 0


if __name__ == "__main__":
    sys.exit(main())
