"""Cost of awaiting runtime-async (@async_method) callees: original vs inlined.

A runtime-async caller awaits never-suspending runtime-async callees in a loop, 1, 2 and
3 levels deep (rule I6 applies to the innermost); then a suspension-heavy variant, where
the innermost callee suspends once per call (``yield_()``), so every inlined frame goes
through the full I4 transition. The program is rewritten by async_inline, both versions
run in this process under the runtime's deterministic scheduler, and the ratios are printed.

Then a three-level chain whose middle frame writes an ``AsyncLocal`` (and the same chain
without the write), inlined by hand in the shape the inliner emits (guards included), in
both frame protocols of ``docs/runtime-inlining-protocol.md``: protocol 1 (``enter()``,
``await leave(s)`` whenever the state changed) and protocol 2 (``_ai_hooks.enter()``,
``try_leave(s)``, ``await leave(s)`` only when the caller's context is elsewhere).
Protocol 2 is measured only when the installed ``runtime`` has it.
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


CHAIN = """
import runtime as _ai_rt
from runtime import AsyncLocal, async_method

depth = AsyncLocal(0)

@async_method
async def leaf(x):
    return x + 1

@async_method
async def middle(x):
    WRITE
    return await leaf(x) + 1

@async_method
async def top(x):
    return await middle(x) + 1

_ai_ref_leaf, _ai_ref_middle, _ai_ref_top = leaf, middle, top

@async_method
async def original(n):
    total = 0
    for i in range(n):
        total += await top(i)
    return total + depth.value

@async_method
async def inlined(n):
    total = 0
    for i in range(n):
        if top is _ai_ref_top:
            _ai1_frame = ENTER
            try:
                if middle is _ai_ref_middle:
                    _ai2_frame = ENTER
                    try:
                        WRITE_I
                        if leaf is _ai_ref_leaf:
                            _ai3_frame = ENTER
                            try:
                                _ai3_ret = i + 1
                            finally:
                                if STATE() is not _ai3_frame:
                                    _ai_rt.leave_sync(_ai3_frame)
                        else:
                            _ai3_ret = await leaf(i)
                        _ai2_ret = _ai3_ret + 1
                    finally:
                        EXIT(_ai2_frame)
                else:
                    _ai2_ret = await middle(i)
                _ai1_ret = _ai2_ret + 1
            finally:
                EXIT(_ai1_frame)
        else:
            _ai1_ret = await top(i)
        total += _ai1_ret
    return total + depth.value
"""

PROTOCOLS = {
    1: ("_ai_rt.enter()", "_ai_rt.state", "if _ai_rt.state() is not {s}:\n{indent}    await _ai_rt.leave({s})"),
    2: ("_ai_hooks.enter()", "_ai_state", "if _ai_state() is not {s} and not _ai_rt.try_leave({s}):\n{indent}    await _ai_rt.leave({s})"),
}


def chain(protocol: int, write: bool) -> str:
    """The hand-inlined chain in one frame protocol, with or without the AsyncLocal write."""
    enter, state, exit_shape = PROTOCOLS[protocol]
    lines = ["from runtime import hooks as _ai_hooks, state as _ai_state"] if protocol == 2 else []
    for line in CHAIN.replace("ENTER", enter).replace("STATE", state).splitlines():
        stripped = line.strip()
        indent = line[: len(line) - len(line.lstrip())]
        if stripped.startswith("EXIT("):
            line = indent + exit_shape.format(s=stripped[5:-1], indent=indent)
        elif stripped in ("WRITE", "WRITE_I"):
            line = indent + (f"depth.value = {'x' if stripped == 'WRITE' else 'i'}" if write else "pass")
        lines.append(line)
    return "\n".join(lines)


def load(source: str, name: str) -> types.ModuleType:
    module = types.ModuleType(name)
    exec(compile(source, f"<{name}>", "exec"), module.__dict__)
    return module


clock = time.perf_counter


def best_times(variants: dict, n: int, repeats: int) -> dict:
    """Best time per iteration of each variant, measured round-robin (fair under load)."""
    best = {name: float("inf") for name in variants}
    for _ in range(repeats):
        for name, entry in variants.items():
            with runtime.deterministic():
                start = clock()
                runtime.run(entry(n))
                best[name] = min(best[name], clock() - start)
    return {name: t / n for name, t in best.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=50_000, help="iterations per measurement")
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--no-guards", action="store_true", help="rewrite without guards (what they cost)")
    parser.add_argument("--cpu-time", action="store_true", help="measure this thread's CPU time (steadier on a busy machine)")
    args = parser.parse_args(argv)
    if args.cpu_time:  # the deterministic scheduler runs everything on this thread
        global clock
        clock = time.thread_time
    result = rewrite_source(PROGRAM, filename="runtime_min_call_cost_program.py", options=Options(guards=not args.no_guards))
    original, rewritten = load(PROGRAM, "original"), load(result.code, "rewritten")
    i6 = sum(1 for d in result.report.inlined if d.never_suspends)
    print(f"inlined {len(result.report.inlined)} sites ({i6} never suspending, rule I6), skipped {len(result.report.skipped)}")
    print(f"Python {sys.version.split()[0]}, n={args.n}, best of {args.repeats}, deterministic scheduler"
          f"{', no guards' if args.no_guards else ''}{', CPU time' if args.cpu_time else ''}")
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
    print()
    print("3 levels, hand-inlined in the inliner's shape (guards included), frame protocol 1 vs 2")
    protocols = [1, 2] if hasattr(runtime, "try_leave") else [1]
    print(f"{'variant':>22} {'original':>12}" + "".join(f" {f'protocol {p}':>12} {'speedup':>8}" for p in protocols)
          + ("   protocol 1/2" if len(protocols) == 2 else ""))
    for label, write in [("AsyncLocal write", True), ("no write", False)]:
        modules = {p: load(chain(p, write), f"chain_p{p}") for p in protocols}
        entries = {"original": modules[1].original, **{f"p{p}": m.inlined for p, m in modules.items()}}
        with runtime.deterministic():
            results = {name: runtime.run(entry(100)) for name, entry in entries.items()}
        assert len(set(results.values())) == 1, results
        times = best_times(entries, args.n, args.repeats)
        row = f"{label:>22} {times['original'] * 1e9:>10.0f}ns"
        for p in protocols:
            row += f" {times[f'p{p}'] * 1e9:>10.0f}ns {times['original'] / times[f'p{p}']:>7.2f}x"
        if len(protocols) == 2:
            row += f"   {times['p1'] / times['p2']:>10.2f}x"
        print(row)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
