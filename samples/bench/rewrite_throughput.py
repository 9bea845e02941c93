"""Rewrite throughput of async_inline, in source lines per second, on the bundled samples.

Each file is rewritten several times; the best time counts. The largest sample is reported
on its own, then all samples together. Run: python samples/bench/rewrite_throughput.py
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from async_inline import rewrite_source

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


def report(repeats: int = 5) -> None:
    paths = sorted(p for p in SAMPLES.rglob("*.py") if "bench" not in p.parts)
    largest = max(paths, key=lambda p: p.stat().st_size)
    for label, group in ((f"largest sample ({largest.relative_to(SAMPLES)})", [largest]), (f"all {len(paths)} samples", paths)):
        lines, seconds, inlined = measure(group, repeats)
        print(f"rewrite throughput, {label}: {lines} lines, {inlined} sites inlined, {seconds * 1000:.1f} ms, {lines / seconds:,.0f} lines/s")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    report(parser.parse_args().repeats)
