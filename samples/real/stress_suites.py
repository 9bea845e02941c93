"""Real projects' own test suites on a stress rewrite of their package.

    python samples/real/stress_suites.py [--work DIR] [--stress SEED] [--assume NAME,...] [--noinline PATTERN,...] LIBRARY ...

The import hook inlines only what its cost model accepts; ``rewrite --stress SEED``
inlines every site the analysis allows, whatever its size or guard cost, choosing among
candidates with the seed, so a suite run on that output exercises far more inlined code
than under the plugin. For each library (the ones
``suites.py`` knows) this copies the unpacked sdist, replaces the package's modules in the
copy by the CLI's stress rewrite of them (its other files stay), and runs the suite plainly
twice: on the original sources,
then on the copy (put first on ``PYTHONPATH``, ahead of the editable install). Outcomes
are compared per test id. Not part of CI: it downloads.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from sdists import VERSIONS, log, package_dir, run
from suites import SUITES, differences, each, outcomes, print_differences, pytest_run, run_environment, suite_environment


def measure(name: str, work: Path, stress: int, assume: str, noinline: str) -> dict[str, object]:
    suite = SUITES[name]
    if suite.missing:
        return {"library": f"{name} {VERSIONS[name]}", "missing": suite.missing}
    source, python = suite_environment(name, work, suite)
    variant = f"stress-{stress}" + (f"-{assume.replace(',', '-')}" if assume else "") + ("-noinline" if noinline else "")
    copy = work / variant / source.name
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(source, copy, symlinks=True)
    package = package_dir(source, name)
    # Rewritten in place of the copy's modules: the package's other files (data, certificates,
    # tests' fixtures) stay, since the command line writes only Python files.
    rewritten = copy / package.relative_to(source)
    results = work / "results" / name
    results.mkdir(parents=True, exist_ok=True)
    report = results / f"{variant}-rewrite.json"
    options = ["--stress", str(stress), *(["--assume", assume] if assume else []), *(["--noinline", noinline] if noinline else [])]
    log(f"{name}: rewriting {package.name} with {' '.join(options)}")
    run([str(python), "-m", "async_inline", "rewrite", str(package), "-o", str(rewritten), "--report", str(report), "-q", *options])
    env = run_environment(suite)
    log(f"{name}: running its suite")
    pytest_run(python, source, suite, name, results / "plain.xml", env, None)
    stressed_env = {**env, "PYTHONPATH": os.pathsep.join([str(rewritten.parent), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)}
    pytest_run(python, copy, suite, name, results / f"{variant}.xml", stressed_env, None)
    # The rewritten package must be the one the suite imported.
    where = subprocess.run(
        [str(python), "-c", f"import {package.name}; print({package.name}.__file__)"], cwd=copy, env=stressed_env, capture_output=True, text=True
    ).stdout.strip()
    if not Path(where).resolve().is_relative_to(rewritten.resolve()):
        raise SystemExit(f"{name}: the suite imported {where}, not the rewrite in {rewritten}")
    plain = outcomes(results / "plain.xml")
    return {
        "library": f"{name} {VERSIONS[name]}",
        "variant": variant,
        "sites": json.loads(report.read_text())["totals"],
        "tests": len(plain),
        "plain": dict(Counter(plain.values())),
        "rewritten": dict(Counter(outcomes(results / f"{variant}.xml").values())),
        "differences": differences(plain, results / f"{variant}.xml", "rewritten"),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("libraries", nargs="+", metavar="LIBRARY", help=f"any of {', '.join(SUITES)}")
    parser.add_argument("--work", type=Path, default=Path("build/real"), help="work directory (default: build/real)")
    parser.add_argument("--stress", type=int, default=1, metavar="SEED", help="seed of the stress rewrite (default: 1)")
    parser.add_argument("--assume", default="", metavar="NAME,...", help="opt-in assumptions of the rewrite")
    parser.add_argument("--noinline", default="", metavar="PATTERN,...", help="functions the rewrite keeps as calls")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    unknown = sorted(set(args.libraries) - set(SUITES))
    if unknown:
        parser.error(f"unknown library {unknown[0]!r} (known: {', '.join(SUITES)})")
    rows = each(args.libraries, lambda name: measure(name, args.work.resolve(), args.stress, args.assume, args.noinline))
    for row in rows:
        print(f"== {row['library']}")
        if "missing" in row:
            print(f"   not run: {row['missing']}")
            continue
        print(f"   {row['variant']}: sites {row['sites']}")
        print(f"   tests: {row['tests']}; plain {row['plain']}; rewritten {row['rewritten']}")
        found = row["differences"]
        assert isinstance(found, list)
        print_differences(found, "outcome differences", "rewritten")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2) + "\n")
    return 1 if any(row.get("failed") for row in rows) else 0


if __name__ == "__main__":
    raise SystemExit(main())
