"""Minimum cost of awaiting a coroutine that never suspends: original vs inlined vs synchronous.

Modelled on the .NET runtime's min-call-cost microbenchmark: a loop awaits a cheap
coroutine chain 1, 2 and 3 levels deep. The program below is rewritten by async_inline,
then the original, the rewritten code and a hand-written synchronous equivalent run in
this one process, and the ratios are printed. Run: python samples/bench/min_call_cost.py
"""

from __future__ import annotations

import argparse
import sys
import time
import types

import runtime
from async_inline import rewrite_source

PROGRAM = '''
async def level3(x):
    return x + 1

async def level2(x):
    return await level3(x) + 1

async def level1(x):
    return await level2(x) + 1

async def loop_1(n):
    total = 0
    for i in range(n):
        total += await level3(i)
    return total

async def loop_2(n):
    total = 0
    for i in range(n):
        total += await level2(i)
    return total

async def loop_3(n):
    total = 0
    for i in range(n):
        total += await level1(i)
    return total

async def scaled(x, factor=3, offset=None):
    return x * factor if offset is None else x + offset

async def loop_defaults(n):
    total = 0
    for i in range(n):
        total += await scaled(i)
    return total


def sync_level3(x):
    return x + 1

def sync_level2(x):
    return sync_level3(x) + 1

def sync_level1(x):
    return sync_level2(x) + 1

def sync_loop_1(n):
    total = 0
    for i in range(n):
        total += sync_level3(i)
    return total

def sync_loop_2(n):
    total = 0
    for i in range(n):
        total += sync_level2(i)
    return total

def sync_loop_3(n):
    total = 0
    for i in range(n):
        total += sync_level1(i)
    return total

def sync_scaled(x, factor=3, offset=None):
    return x * factor if offset is None else x + offset

def sync_loop_defaults(n):
    total = 0
    for i in range(n):
        total += sync_scaled(i)
    return total
'''


def load(source: str, name: str) -> types.ModuleType:
    """``source`` run as module ``name``. Its ``__file__`` is the name its code is
    compiled with: the runtime finds a method's function (``runtime.function_of``) only
    in the module whose file compiled it, and without one every method guard would fail
    and the benchmark would time the fallback calls (review R20d F7)."""
    module = types.ModuleType(name)
    module.__file__ = f"<{name}>"
    exec(compile(source, module.__file__, "exec"), module.__dict__)
    not_found = [key for key, value in vars(module).items() if key.startswith("_ai_ref") and value is runtime.NOT_FOUND]
    assert not not_found, f"{name}: the runtime found no function for {not_found}"
    return module


def drive(coro):
    """Run a coroutine that never suspends, with no event loop in the way."""
    try:
        coro.send(None)
    except StopIteration as stop:
        return stop.value
    raise RuntimeError("the benchmark coroutine suspended")


def driven(loop):
    """``loop`` as a plain function: ``driven(loop)(n)`` runs ``loop(n)`` to its end."""
    return lambda n: drive(loop(n))


def best_times(variants: dict[str, object], n: int, repeats: int) -> dict[str, float]:
    """Best time per call of each variant, measured round-robin so that load bursts on a
    shared machine hit every variant alike."""
    best = {name: float("inf") for name in variants}
    for _ in range(repeats):
        for name, fn in variants.items():
            start = time.perf_counter()
            fn(n)  # type: ignore[operator]
            best[name] = min(best[name], time.perf_counter() - start)
    return {name: t / n for name, t in best.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=200_000, help="iterations per measurement")
    parser.add_argument("--repeats", type=int, default=9, help="measurements per variant; the best counts")
    args = parser.parse_args(argv)

    result = rewrite_source(PROGRAM, filename="min_call_cost_program.py")
    original = load(PROGRAM, "original")
    rewritten = load(result.code, "rewritten")
    print(f"inlined {len(result.report.inlined)} sites, skipped {len(result.report.skipped)}")
    print(f"Python {sys.version.split()[0]}, n={args.n}, best of {args.repeats}")
    print(f"{'levels':>8} {'original':>12} {'inlined':>12} {'sync':>12} {'speedup':>9} {'vs sync':>8}")
    # ``defaults``: one level whose callee reads two defaults (the expression form's test of
    # the defaults tuple, and the defaults pasted as literals).
    for levels in ("1", "2", "3", "defaults"):
        expected = getattr(original, f"sync_loop_{levels}")(1000)
        for module in (original, rewritten):
            assert drive(getattr(module, f"loop_{levels}")(1000)) == expected
        times = best_times(
            {
                "original": driven(getattr(original, f"loop_{levels}")),
                "inlined": driven(getattr(rewritten, f"loop_{levels}")),
                "sync": getattr(original, f"sync_loop_{levels}"),
            },
            args.n,
            args.repeats,
        )
        t_orig, t_new, t_sync = times["original"], times["inlined"], times["sync"]
        print(
            f"{levels:>8} {t_orig * 1e9:>10.1f}ns {t_new * 1e9:>10.1f}ns {t_sync * 1e9:>10.1f}ns"
            f" {t_orig / t_new:>8.2f}x {t_new / t_sync:>7.2f}x"
        )
    print("speedup = original / inlined; vs sync = inlined / hand-written synchronous code")
    from rewrite_throughput import report

    report()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
