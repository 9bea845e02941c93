"""Import cost of the import hook: first import (rewrite) and cached import, with and without it.

A generated package of many modules (async functions awaiting each other, classes, plain
functions) is imported again and again in this one process, alternately without the hook
(the interpreter's .pyc files) and with it (async_inline's cache), after removing the
modules from ``sys.modules``. "First" imports start without cached files; "cached" imports
find them. Medians over the rounds are printed, with the ratios to the plain import.
Goal: a cached import with the hook within 1.5x of a plain cached import.

The first import with the hook is also compared with what the command line costs on the
same files (``async-inline rewrite PKG -o OUT -j 1``, run in this process): the hook
does the same rewrite, plus the positions of the original code in the compiled code.

The first import with the hook (the rewrite) is slow, so it is measured in fewer rounds.

Run: python samples/bench/import_cost.py [--modules 80] [--rounds 7] [--first-rounds 1]
"""

from __future__ import annotations

import argparse
import importlib
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import async_inline
from async_inline import cli

PACKAGE = "_ai_import_bench"
GOAL = 1.5

MODULE = '''\
"""Generated module {i}: coroutines awaiting coroutines, a class, plain helpers."""

import asyncio
import dataclasses


async def fetch_{i}(key):
    return {{"key": key, "module": {i}}}


async def parse_{i}(raw):
    value = raw["key"] * 2
    return value + raw["module"]


async def load_{i}(key):
    raw = await fetch_{i}(key)
    return await parse_{i}(raw)


async def load_many_{i}(keys):
    results = []
    for key in keys:
        results.append(await load_{i}(key))
    return results


async def guarded_{i}(key):
    try:
        return await load_{i}(key)
    except KeyError:
        return None
    finally:
        pass


@dataclasses.dataclass
class Record{i}:
    name: str
    size: int = 0

    def grow(self, by):
        self.size += by
        return self.size

    async def refresh(self):
        self.size = await load_{i}(self.size)
        return self


def summarize_{i}(records):
    total = sum(r.size for r in records)
    names = ", ".join(sorted(r.name for r in records))
    return f"{{len(records)}} records ({{names}}): {{total}}"


def main_{i}():
    return asyncio.run(load_many_{i}(range(3)))
'''


def make_package(root: Path, count: int) -> list[str]:
    package = root / PACKAGE
    package.mkdir()
    (package / "__init__.py").write_text("")
    for i in range(count):
        (package / f"m{i}.py").write_text(MODULE.format(i=i))
    return [f"{PACKAGE}.m{i}" for i in range(count)]


def forget(names: list[str]) -> None:
    for name in [PACKAGE, *names]:
        sys.modules.pop(name, None)
    importlib.invalidate_caches()


def remove(root: Path, pattern: str) -> None:
    for path in (root / PACKAGE / "__pycache__").glob(pattern):
        path.unlink()


def time_imports(names: list[str]) -> float:
    start = time.perf_counter()
    for name in names:
        importlib.import_module(name)
    return time.perf_counter() - start


def measure(root: Path, names: list[str], hook: bool, first: bool) -> float:
    forget(names)
    if hook:
        async_inline.install([PACKAGE])
    else:
        async_inline.uninstall()
    if first:
        remove(root, "*.async_inline-*.pyc" if hook else f"*.{sys.implementation.cache_tag}.pyc")
    try:
        return time_imports(names)
    finally:
        async_inline.uninstall()


def measure_cli(root: Path) -> float:
    """The command line's rewrite of the package, in this process, one job."""
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        status = cli.main(["rewrite", str(root / PACKAGE), "-o", out, "-j", "1", "-q"])
        elapsed = time.perf_counter() - start
    assert status in (0, 1), status
    return elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--modules", type=int, default=80, help="modules in the generated package")
    parser.add_argument("--rounds", type=int, default=7, help="measurements of each kind (median is shown)")
    parser.add_argument("--first-rounds", type=int, default=1, help="measurements of the first import with the hook")
    args = parser.parse_args(argv)

    sys.dont_write_bytecode = False  # both caches must be written for the "cached" imports
    os.environ.pop("ASYNC_INLINE_CACHE_DIR", None)  # entries beside the sources, where remove() finds them
    async_inline.rewrite_source("async def f():\n    return 1\n\nasync def g():\n    return await f()\n")  # load the rewriter once
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        names = make_package(root, args.modules)
        lines = sum(len(p.read_text().splitlines()) for p in (root / PACKAGE).glob("*.py"))
        sys.path.insert(0, tmp)
        results: dict[str, list[float]] = {k: [] for k in ("plain first", "hook first", "cli", "plain cached", "hook cached")}
        for r in range(args.rounds):
            results["plain first"].append(measure(root, names, hook=False, first=True))
            if r < max(1, args.first_rounds):
                results["hook first"].append(measure(root, names, hook=True, first=True))
                results["cli"].append(measure_cli(root))
            # Interleaved, so that drifts of the machine hit both alike.
            results["plain cached"].append(measure(root, names, hook=False, first=False))
            results["hook cached"].append(measure(root, names, hook=True, first=False))
        sys.path.remove(tmp)
        forget(names)

    median = {k: statistics.median(v) for k, v in results.items()}
    first_ratio = median["hook first"] / median["plain first"]
    cached_ratio = median["hook cached"] / median["plain cached"]
    print(
        f"import_cost: {args.modules} modules, {lines} lines, median of {args.rounds} rounds "
        f"({len(results['hook first'])} for the first import with the hook), Python {sys.version.split()[0]}"
    )
    print(f"  plain, first import (compile)   {median['plain first'] * 1e3:9.1f} ms")
    print(f"  hook,  first import (rewrite)   {median['hook first'] * 1e3:9.1f} ms   {first_ratio:6.2f}x plain")
    print(f"  command line, rewrite -o OUT    {median['cli'] * 1e3:9.1f} ms   hook first import / command line: "
          f"{median['hook first'] / median['cli']:.2f}x")
    print(f"  plain, cached import (.pyc)     {median['plain cached'] * 1e3:9.1f} ms")
    print(f"  hook,  cached import            {median['hook cached'] * 1e3:9.1f} ms   {cached_ratio:6.2f}x plain")
    print(f"goal: cached import within {GOAL}x of plain: {'met' if cached_ratio <= GOAL else 'NOT met'} ({cached_ratio:.2f}x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
