"""Rewrite throughput of async_inline, in source lines per second.

Each file is rewritten several times; the best time counts. By default the largest bundled
sample that has an await is reported on its own, then all samples together; files given
on the command line (e.g. the largest module of a real library, unpacked by
``samples/real/reach.py``) are reported one by one instead.

    python samples/bench/rewrite_throughput.py [--repeats N] [FILE ...]
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


def _show(label: str, paths: list[Path], repeats: int) -> None:
    lines, seconds, inlined = measure(paths, repeats)
    print(f"rewrite throughput, {label}: {lines} lines, {inlined} sites inlined, {seconds * 1000:.1f} ms, {lines / seconds:,.0f} lines/s")


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
    parser.add_argument("files", nargs="*", type=Path, help="files to measure instead of the samples")
    arguments = parser.parse_args()
    report(arguments.repeats, arguments.files)
