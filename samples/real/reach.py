"""How much of real async libraries the rewriter reaches (issue 11, item 8).

    python samples/real/reach.py [--work DIR] [--assume NAME,...] [LIBRARY ...]

For each library (default: the five of ``sdists.DEFAULT``; any of ``sdists.VERSIONS``) it downloads the sdist, rewrites the
import package with ``async-inline rewrite PKG -o OUT --report R.json``, and prints the
awaited call sites the rewriter saw (inlined + skipped), the sites inlined, the most common
skip reasons, and whether the rewritten package still imports: every module of it is
imported in a fresh interpreter, from the original copy and from the rewritten one, and the
two sets of importable modules must be the same (some modules need optional dependencies);
then, with every module of the rewrite imported, how many of the references its guards
compare with hold their function (one that does not, ``runtime.NOT_FOUND``, was taken while
an import cycle left the callee's module initialising: its sites always make the call).
The environment (the libraries' wheels, for their dependencies) is made in the work
directory, and reused.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from sdists import DEFAULT, VERSIONS, environment, fetch, log, package_dir, run

#: Imports every module of a package found under sys.path[0]; prints the ones that import.
IMPORT_ALL = """\
import importlib, json, os, sys, warnings
warnings.simplefilter("ignore")
root, name = sys.argv[1], sys.argv[2]
sys.path.insert(0, root)
modules = []
for directory, dirs, files in os.walk(os.path.join(root, name)):
    dirs[:] = sorted(d for d in dirs if d != "__pycache__")
    rel = os.path.relpath(directory, root).replace(os.sep, ".")
    for f in sorted(files):
        if f.endswith(".py") and f != "__main__.py":  # importing it runs the program
            modules.append(rel if f == "__init__.py" else rel + "." + f[:-3])
ok = []
for module in modules:
    try:
        importlib.import_module(module)
    except BaseException:
        continue
    if not sys.modules[module].__file__.startswith(root):
        raise SystemExit(f"{module} came from {sys.modules[module].__file__}, not {root}")
    ok.append(module)
# The references guards compare with, once every module ran: NOT_FOUND means a site whose
# inlined path never runs (its reference was taken while an import cycle left the
# callee's module initialising).
refs = missing = 0
for module in ok:
    for key, value in vars(sys.modules[module]).items():
        if key.startswith("_ai_ref_"):
            import runtime
            refs += 1
            missing += value is runtime.NOT_FOUND
print(json.dumps({"modules": modules, "ok": ok, "refs": refs, "missing": missing}))
"""


def importable(python: Path, root: Path, name: str) -> dict[str, object]:
    """The package's modules, those that import, and its references (all, not found)."""
    done = run([str(python), "-c", IMPORT_ALL, str(root), name], cwd=str(root.parent), env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def measure(name: str, work: Path, python: Path, extra: list[str]) -> dict[str, object]:
    source = fetch(name, work)
    package = package_dir(source, name)
    out = work / "rewritten" / name
    report_path = work / "rewritten" / f"{name}.json"
    log(f"rewriting {package}")
    done = subprocess.run(
        [str(python), "-m", "async_inline", "rewrite", str(package), "-o", str(out / name), "--report", str(report_path), "--jobs", "0", "-q", *extra],
        capture_output=True,
        text=True,
    )
    if done.returncode not in (0, 3):  # 3: some files could not be processed (listed in the report)
        log(done.stderr)
        raise SystemExit(1)
    report = json.loads(report_path.read_text())
    inlined, skipped = report["totals"]["inlined"], report["totals"]["skipped"]
    # Some libraries ship their tests inside the package (aiosqlite/tests): counted apart.
    tests = [f for f in report["files"] if {"tests", "test"} & set(Path(f["path"]).relative_to(package).parts[:-1])]
    reasons = Counter(d.get("code", "?") for f in report["files"] for d in f["skipped"])
    original, rewritten = importable(python, package.parent, name), importable(python, out, name)
    modules, original_ok, rewritten_ok = original["modules"], original["ok"], rewritten["ok"]
    assert isinstance(modules, list) and isinstance(original_ok, list) and isinstance(rewritten_ok, list)
    return {
        "library": f"{name} {VERSIONS[name]}",
        "files": len(report["files"]),
        "errors": len(report["errors"]),
        "sites": inlined + skipped,
        "inlined": inlined,
        "sites_in_tests": sum(len(f["inlined"]) + len(f["skipped"]) for f in tests),
        "inlined_in_tests": sum(len(f["inlined"]) for f in tests),
        "reasons": dict(reasons.most_common(4)),
        "modules": len(modules),
        "import_original": len(original_ok),
        "import_rewritten": len(rewritten_ok),
        "imports": sorted(original_ok) == sorted(rewritten_ok),
        "lost": sorted(set(original_ok) - set(rewritten_ok)),
        "refs": rewritten["refs"],
        "refs_not_found": rewritten["missing"],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("libraries", nargs="*", metavar="LIBRARY", help=f"any of {', '.join(VERSIONS)} (default: {', '.join(DEFAULT)})")
    parser.add_argument("--work", type=Path, default=Path("build/real"), help="work directory (default: build/real)")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--assume", metavar="NAME,...", help="rewrite under these assumptions (e.g. class-methods)")
    args = parser.parse_args()
    unknown = sorted(set(args.libraries) - set(VERSIONS))
    if unknown:
        parser.error(f"unknown library {unknown[0]!r} (known: {', '.join(VERSIONS)})")
    args.libraries = args.libraries or list(DEFAULT)
    work = args.work.resolve()
    python = environment(work / "venv-reach", [f"{n}=={VERSIONS[n]}" for n in args.libraries])
    extra = ["--assume", args.assume] if args.assume else []
    rows = [measure(name, work, python, extra) for name in args.libraries]
    total_sites = sum(int(r["sites"]) for r in rows)  # type: ignore[call-overload]
    total_inlined = sum(int(r["inlined"]) for r in rows)  # type: ignore[call-overload]
    print(f"{'library':<18} {'files':>5} {'sites':>6} {'inlined':>8} {'share':>6}  imports (modules importable: original / rewritten)")
    for r in rows:
        share = f"{100 * int(r['inlined']) / max(int(r['sites']), 1):.1f}%"  # type: ignore[call-overload]
        verdict = "yes" if r["imports"] else f"NO, lost {', '.join(r['lost'])}"  # type: ignore[arg-type]
        refs = f"{r['refs']} references, " + (f"{r['refs_not_found']} not found" if r["refs_not_found"] else "all found")
        print(f"{r['library']:<18} {r['files']:>5} {r['sites']:>6} {r['inlined']:>8} {share:>6}  {verdict} ({r['import_original']} / {r['import_rewritten']} of {r['modules']}); {refs}")
        print(f"{'':<18} skipped: {', '.join(f'{k} {v}' for k, v in r['reasons'].items())}")  # type: ignore[attr-defined]
        if r["sites_in_tests"]:
            print(f"{'':<18} of these, in the package's own tests: {r['sites_in_tests']} sites, {r['inlined_in_tests']} inlined")
    print(f"{'total':<18} {'':>5} {total_sites:>6} {total_inlined:>8} {100 * total_inlined / max(total_sites, 1):.1f}%")
    library_sites = total_sites - sum(int(r["sites_in_tests"]) for r in rows)  # type: ignore[call-overload]
    library_inlined = total_inlined - sum(int(r["inlined_in_tests"]) for r in rows)  # type: ignore[call-overload]
    library_share = 100 * library_inlined / max(library_sites, 1)
    print(f"{'without tests':<18} {'':>5} {library_sites:>6} {library_inlined:>8} {library_share:.1f}%  (the libraries' own code)")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2) + "\n")
    return 0 if all(r["imports"] for r in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
