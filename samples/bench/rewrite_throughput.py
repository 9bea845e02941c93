"""Rewrite throughput of async_inline, in source lines per second.

Each file is rewritten several times; the best time counts. By default the largest bundled
sample that has an await is reported on its own, then all samples together; files given
on the command line (e.g. the largest module of a real library, unpacked by
``samples/real/reach.py``) are reported one by one instead. ``--chain N,...`` times one
statement awaiting N calls (``s = await g(0) + ... + await g(N-1)``, every site inlined):
the planner's and linearizer's work per await must not grow with the statement (review
R22b F1: 200 terms took 11 s, cubic; tests/unit/test_rewrite_scaling.py counts the steps).

    python samples/bench/rewrite_throughput.py [--repeats N] [--chain N,...] [FILE ...]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from async_inline import Options, rewrite_source

SAMPLES = Path(__file__).resolve().parent.parent


def measure(paths: list[Path], repeats: int) -> tuple[int, float, int]:
    """(lines, best seconds for all files, sites inlined)."""
    sources = [(p, p.read_bytes()) for p in paths]
    lines = sum(data.count(b"\n") for _, data in sources)
    best = float("inf")
    inlined = 0
    for _ in range(repeats):
        start = time.perf_counter()
        inlined = sum(len(rewrite_source(data, filename=str(p)).report.inlined) for p, data in sources)
        best = min(best, time.perf_counter() - start)
    return lines, best, inlined


def _show(label: str, paths: list[Path], repeats: int) -> None:
    lines, seconds, inlined = measure(paths, repeats)
    print(f"rewrite throughput, {label}: {lines} lines, {inlined} sites inlined, {seconds * 1000:.1f} ms, {lines / seconds:,.0f} lines/s")


def chain_source(n: int) -> str:
    """One statement awaiting ``n`` calls of a two-statement callee."""
    terms = " + ".join(f"await g({i})" for i in range(n))
    return f"async def g(a):\n    b = a * 2\n    return b + 1\n\n\nasync def main():\n    s = {terms}\n    return s\n"


def report_chains(sizes: list[int], repeats: int) -> None:
    options = Options(max_caller_growth=10**6)  # (every site inlined, whatever the budget)
    for n in sizes:
        source = chain_source(n)
        best = float("inf")
        for _ in range(repeats):
            start = time.perf_counter()
            inlined = len(rewrite_source(source, options=options).report.inlined)
            best = min(best, time.perf_counter() - start)
        print(f"rewrite time, one statement of {n} awaits: {inlined} sites inlined, {best * 1000:.0f} ms, {best / n * 1000:.2f} ms per await")


def report(repeats: int = 5, files: list[Path] | None = None) -> None:
    if files:
        for path in files:
            _show(str(path), [path], repeats)
        return
    paths = sorted(p for p in SAMPLES.rglob("*.py") if "bench" not in p.parts)
    largest = max((p for p in paths if b"await" in p.read_bytes()), key=lambda p: p.stat().st_size)
    _show(f"largest sample with an await ({largest.relative_to(SAMPLES)})", [largest], repeats)
    _show(f"all {len(paths)} samples", paths, repeats)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--chain", type=lambda text: [int(n) for n in text.split(",")], help="time one statement of N awaits (N,... : several sizes)")
    parser.add_argument("files", nargs="*", type=Path, help="files to measure instead of the samples")
    arguments = parser.parse_args()
    if arguments.chain:
        report_chains(arguments.chain, arguments.repeats)
    else:
        report(arguments.repeats, arguments.files)
