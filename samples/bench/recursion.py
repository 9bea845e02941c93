"""Recursion: how far to unroll a self-recursive coroutine (``--unroll N``).

pyperformance's ``bm_coroutines`` shape: a recursive fibonacci of coroutines that never
suspend, driven by ``send(None)``. It is rewritten with each unrolling depth; each variant
runs in this one process, round-robin, beside the hand-written synchronous twin. Printed:
the speedup over the original, the rewritten file's size (lines), and the size of all
bundled samples rewritten with the same depth (recursion there is rare: what the option
costs elsewhere). Run: python samples/bench/recursion.py
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from min_call_cost import best_times, drive, driven, load

from async_inline import Options, rewrite_source

PROGRAM = '''
async def fibonacci(n):
    if n <= 1:
        return n
    return await fibonacci(n - 1) + await fibonacci(n - 2)


async def run(n):
    return await fibonacci(n)


def sync_fibonacci(n):
    if n <= 1:
        return n
    return sync_fibonacci(n - 1) + sync_fibonacci(n - 2)
'''

SAMPLES = Path(__file__).resolve().parent.parent


def samples_lines(unroll: int | None) -> int:
    """Lines of all bundled samples (benchmarks aside), rewritten with ``unroll`` (None: as they are)."""
    total = 0
    for path in sorted(p for p in SAMPLES.rglob("*.py") if "bench" not in p.parts):
        if unroll is None:
            total += path.read_bytes().count(b"\n")
        else:
            total += rewrite_source(path.read_bytes(), filename=str(path), options=Options(recursion_unroll=unroll)).code.count("\n")
    return total


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=20, help="fibonacci argument (the work grows as 1.6**n)")
    parser.add_argument("--repeats", type=int, default=9, help="measurements per variant; the best counts")
    parser.add_argument("--depths", type=int, nargs="+", default=[0, 1, 2, 3], help="unrolling depths to compare")
    args = parser.parse_args(argv)

    original = load(PROGRAM, "original")
    expected = original.sync_fibonacci(args.n)
    variants: dict[str, object] = {"original": driven(original.run)}
    sizes = {"original": (0, PROGRAM.count("\n"), samples_lines(None))}
    for depth in args.depths:
        result = rewrite_source(PROGRAM, filename="recursion_program.py", options=Options(recursion_unroll=depth))
        module = load(result.code, f"unroll_{depth}")
        assert drive(module.run(args.n)) == expected, f"--unroll {depth} computes something else"
        variants[f"--unroll {depth}"] = driven(module.run)
        sizes[f"--unroll {depth}"] = (len(result.report.inlined), result.code.count("\n"), samples_lines(depth))
    variants["sync"] = original.sync_fibonacci
    times = best_times(variants, args.n, args.repeats)

    print(f"Python {sys.version.split()[0]}, fibonacci({args.n}), best of {args.repeats}")
    print(f"{'variant':>12} {'time':>10} {'speedup':>8} {'sites':>6} {'lines':>6} {'samples':>8}")
    base = times["original"]
    for name, seconds in times.items():
        shown = "{:>6} {:>6} {:>8}".format(*sizes[name]) if name in sizes else ""
        print(f"{name:>12} {seconds * args.n * 1e3:>8.2f}ms {base / seconds:>7.2f}x {shown}")
    print("speedup = original / variant; lines = the rewritten program; samples = all bundled samples rewritten alike")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
