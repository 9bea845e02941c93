"""A realistic three-level chain: original vs inlined vs synchronous vs hand-inlined.

Unlike min_call_cost.py (every callee a single ``return x + 1``), these callees look like
real code: a leaf with an early return; a middle callee with a default argument, a local
and a raise; a top callee awaiting the middle one twice, once with a computed argument; a
loop awaiting the top. The program is rewritten by async_inline (with the default options
and with ``--assume frozen-defaults``), then every variant runs in this one process,
round-robin, and the ratios are printed: to the original, to the hand-written synchronous
twin, and to a hand-inlined version (the limit scaffolding could reach).

Run: python samples/bench/realistic_chain.py [-n N] [--repeats R]
"""

from __future__ import annotations

import argparse
import sys

from min_call_cost import best_times, drive, driven, load

from async_inline import Options, rewrite_source

PROGRAM = '''
async def validate(tok):
    if not tok:
        return False
    return len(tok) > 2

async def check(tok, limit=10):
    n = len(tok)
    if n > limit:
        raise ValueError("too long")
    ok = await validate(tok)
    return ok

async def both(tok):
    a = await check(tok)
    b = await check(tok + "x")
    return a and b

async def loop(n):
    t = 0
    for i in range(n):
        if await both("abc"):
            t += 1
    return t


def sync_validate(tok):
    if not tok:
        return False
    return len(tok) > 2

def sync_check(tok, limit=10):
    n = len(tok)
    if n > limit:
        raise ValueError("too long")
    ok = sync_validate(tok)
    return ok

def sync_both(tok):
    a = sync_check(tok)
    b = sync_check(tok + "x")
    return a and b

def sync_loop(n):
    t = 0
    for i in range(n):
        if sync_both("abc"):
            t += 1
    return t


async def hand_loop(n):
    t = 0
    for i in range(n):
        tok = "abc"
        if len(tok) > 10:
            raise ValueError("too long")
        a = len(tok) > 2 if tok else False
        tok2 = tok + "x"
        if len(tok2) > 10:
            raise ValueError("too long")
        b = len(tok2) > 2 if tok2 else False
        if a and b:
            t += 1
    return t
'''


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=100_000, help="iterations per measurement")
    parser.add_argument("--repeats", type=int, default=9, help="measurements per variant; the best counts")
    args = parser.parse_args(argv)

    plain = rewrite_source(PROGRAM, filename="realistic_chain.py", options=Options(stress_seed=None))
    frozen = rewrite_source(PROGRAM, filename="realistic_chain.py", options=Options(stress_seed=None, assume=frozenset({"frozen-defaults"})))
    original = load(PROGRAM, "original")
    modules = {"inlined": load(plain.code, "inlined"), "frozen": load(frozen.code, "frozen")}
    expected = original.sync_loop(100)
    for module in (original, *modules.values()):
        assert drive(module.loop(100)) == expected
    assert drive(original.hand_loop(100)) == expected
    times = best_times(
        {
            "original": driven(original.loop),
            "inlined": driven(modules["inlined"].loop),
            "frozen-defaults": driven(modules["frozen"].loop),
            "sync": original.sync_loop,
            "hand-inlined": driven(original.hand_loop),
        },
        args.n,
        args.repeats,
    )
    print(f"Python {sys.version.split()[0]}, n={args.n}, best of {args.repeats}, round-robin; ns per outer iteration")
    t_orig, t_sync, t_hand = times["original"], times["sync"], times["hand-inlined"]
    print(f"{'variant':<16} {'time':>9} {'vs original':>12} {'vs sync':>8} {'vs hand':>8}")
    for name, t in times.items():
        print(f"{name:<16} {t * 1e9:>7.1f}ns {t_orig / t:>11.2f}x {t / t_sync:>7.2f}x {t / t_hand:>7.2f}x")
    scaffolding = (times["inlined"] - t_hand) / (t_orig - t_hand)
    print(f"scaffolding: {100 * scaffolding:.0f}% of the distance from the original to the hand-inlined version")
    print("vs original = original / variant (speedup); vs sync, vs hand = variant / that (below 1: faster)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
