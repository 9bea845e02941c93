"""Cost of awaiting runtime-async (@async_method) callees: original vs inlined.

A runtime-async caller awaits never-suspending runtime-async callees in a loop, 1, 2 and
3 levels deep (rule I6 applies to the innermost); then a suspension-heavy variant, where
the innermost callee suspends once per call (``yield_()``), so every inlined frame goes
through the full I4 transition. The program is rewritten by async_inline, both versions
run in this process under the runtime's deterministic scheduler, and the ratios are printed.
Run: python samples/bench/runtime_min_call_cost.py
"""

from __future__ import annotations

import argparse
import sys
import time
import types

import runtime
from async_inline import Options, rewrite_source

PROGRAM = '''
import runtime
from runtime import async_method, yield_

@async_method
async def level3(x):
    return x + 1

@async_method
async def level2(x):
    return await level3(x) + 1

@async_method
async def level1(x):
    return await level2(x) + 1

@async_method
async def suspending3(x):
    await yield_()
    return x + 1

@async_method
async def suspending2(x):
    return await suspending3(x) + 1

@async_method
async def suspending1(x):
    return await suspending2(x) + 1

@async_method
async def loop_1(n):
    total = 0
    for i in range(n):
        total += await level3(i)
    return total

@async_method
async def loop_2(n):
    total = 0
    for i in range(n):
        total += await level2(i)
    return total

@async_method
async def loop_3(n):
    total = 0
    for i in range(n):
        total += await level1(i)
    return total

@async_method
async def suspending_loop(n):
    total = 0
    for i in range(n):
        total += await suspending1(i)
    return total
'''


def load(source: str, name: str) -> types.ModuleType:
    module = types.ModuleType(name)
    exec(compile(source, f"<{name}>", "exec"), module.__dict__)
    return module


def best_times(variants: dict, n: int, repeats: int) -> dict:
    """Best time per iteration of each variant, measured round-robin (fair under load)."""
    best = {name: float("inf") for name in variants}
    for _ in range(repeats):
        for name, entry in variants.items():
            with runtime.deterministic():
                start = time.perf_counter()
                runtime.run(entry(n))
                best[name] = min(best[name], time.perf_counter() - start)
    return {name: t / n for name, t in best.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=50_000, help="iterations per measurement")
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--no-guards", action="store_true", help="rewrite without guards (what they cost)")
    args = parser.parse_args(argv)
    result = rewrite_source(PROGRAM, filename="runtime_min_call_cost_program.py", options=Options(guards=not args.no_guards))
    original, rewritten = load(PROGRAM, "original"), load(result.code, "rewritten")
    i6 = sum(1 for d in result.report.inlined if d.never_suspends)
    print(f"inlined {len(result.report.inlined)} sites ({i6} never suspending, rule I6), skipped {len(result.report.skipped)}")
    print(f"Python {sys.version.split()[0]}, n={args.n}, best of {args.repeats}, deterministic scheduler"
          f"{', no guards' if args.no_guards else ''}")
    print(f"{'variant':>22} {'original':>12} {'inlined':>12} {'speedup':>9}")
    for label, entry, n in [
        ("1 level", "loop_1", args.n),
        ("2 levels", "loop_2", args.n),
        ("3 levels", "loop_3", args.n),
        ("3 levels, suspending", "suspending_loop", max(args.n // 10, 100)),
    ]:
        with runtime.deterministic():
            expected = runtime.run(getattr(original, entry)(100))
            assert runtime.run(getattr(rewritten, entry)(100)) == expected
        times = best_times({"original": getattr(original, entry), "inlined": getattr(rewritten, entry)}, n, args.repeats)
        print(f"{label:>22} {times['original'] * 1e9:>10.0f}ns {times['inlined'] * 1e9:>10.0f}ns {times['original'] / times['inlined']:>8.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
