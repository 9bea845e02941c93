"""What the runtime-async model costs when nothing suspends, measured in one process.

* an ``@async_method`` call that completes synchronously, against a plain
  ``async def`` call (goal: at most 3x), and the same call when the callee wrote
  an ``AsyncLocal`` (its exit must restore the caller's context, F2);
* one ``AsyncLocal`` write plus one read;
* the helpers an inliner emits around an inlined frame (``docs/runtime-inlining-protocol.md``),
  against a bare ``ContextVar.get`` plus ``ContextVar.set``: nothing changed; the
  inlinee wrote an ``AsyncLocal`` and cannot suspend (I6, ``leave_sync``); it wrote
  one and may suspend (``try_leave``, or ``await leave`` in protocol 1).

Inlined frames are measured in the shape of the newest protocol the installed
``runtime`` offers (2: ``_ai_hooks.enter()`` and ``try_leave``; 1: ``enter()`` and
``await leave`` on every change), and in protocol 1 as well when both exist.
Each figure is the best of several rounds of a loop inside one coroutine, minus
the cost of the empty loop. Run: python samples/bench/runtime_overhead.py [-n N]
"""

from __future__ import annotations

import argparse
import contextvars
import sys
import time

import runtime as _ai_rt
from runtime import AsyncLocal, async_method

local: AsyncLocal[int] = AsyncLocal(0)
plain_var: contextvars.ContextVar[int] = contextvars.ContextVar("plain_var", default=0)
PROTOCOL_2 = hasattr(_ai_rt, "try_leave")
_ai_hooks = getattr(_ai_rt, "hooks", None)  # generated code: from runtime import hooks as _ai_hooks


# noinline: this file measures real calls, also when async_inline has rewritten it
@_ai_rt.noinline
async def plain(x):
    return x


@_ai_rt.noinline
@async_method
async def runtime_async(x):
    return x


@_ai_rt.noinline
@async_method
async def runtime_async_writes(x):
    local.value = x
    return x


async def loop_empty(n):
    for _i in range(n):
        pass


async def loop_plain(n):
    for i in range(n):
        await plain(i)


async def loop_runtime_async(n):
    for i in range(n):
        await runtime_async(i)


async def loop_runtime_async_writes(n):
    for i in range(n):
        await runtime_async_writes(i)


async def loop_asynclocal(n):
    for i in range(n):
        local.value = i
        _ = local.value


async def loop_write(n):
    for i in range(n):
        local.value = i


async def loop_contextvar(n):
    for i in range(n):
        plain_var.get()
        plain_var.set(i)


# ---- protocol 2: _ai_hooks.enter(), try_leave


async def loop_i6(n):
    for _i in range(n):
        _ai_s = _ai_hooks.enter()
        try:
            pass
        finally:
            if _ai_rt.state() is not _ai_s:
                _ai_rt.leave_sync(_ai_s)


async def loop_i6_with_write(n):
    for i in range(n):
        _ai_s = _ai_hooks.enter()
        try:
            local.value = i
        finally:
            if _ai_rt.state() is not _ai_s:
                _ai_rt.leave_sync(_ai_s)


async def loop_may_suspend_with_write(n):
    for i in range(n):
        _ai_s = _ai_hooks.enter()
        try:
            local.value = i
        finally:
            if _ai_rt.state() is not _ai_s and not _ai_rt.try_leave(_ai_s):
                await _ai_rt.leave(_ai_s)


# ---- protocol 1: enter(), await leave on every change


async def loop_i6_p1(n):
    for _i in range(n):
        _ai_s = _ai_rt.enter()
        try:
            pass
        finally:
            if _ai_rt.state() is not _ai_s:
                _ai_rt.leave_sync(_ai_s)


async def loop_i6_with_write_p1(n):
    for i in range(n):
        _ai_s = _ai_rt.enter()
        try:
            local.value = i
        finally:
            if _ai_rt.state() is not _ai_s:
                _ai_rt.leave_sync(_ai_s)


async def loop_may_suspend_with_write_p1(n):
    for i in range(n):
        _ai_s = _ai_rt.enter()
        try:
            local.value = i
        finally:
            if _ai_rt.state() is not _ai_s:
                await _ai_rt.leave(_ai_s)


clock = time.perf_counter


def drive(coro):
    try:
        coro.send(None)
    except StopIteration as stop:
        return stop.value
    raise RuntimeError("the benchmark loop suspended")


def best_per_iteration(loops: dict[str, object], n: int, rounds: int) -> dict[str, float]:
    """Best ns per iteration of each loop, measured round-robin (fair under bursty load)."""
    best = dict.fromkeys(loops, float("inf"))
    for _ in range(rounds):
        for name, loop in loops.items():
            started = clock()
            contextvars.copy_context().run(drive, loop(n))
            best[name] = min(best[name], clock() - started)
    return {name: t / n * 1e9 for name, t in best.items()}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=100_000, help="iterations per round")
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--cpu-time", action="store_true", help="measure this thread's CPU time (steadier on a busy machine)")
    args = parser.parse_args(argv)
    if args.cpu_time:
        global clock
        clock = time.thread_time
    n, rounds = args.n, args.rounds

    shapes = [("protocol 2", loop_i6, loop_i6_with_write, loop_may_suspend_with_write)] if PROTOCOL_2 else []
    shapes.append(("protocol 1", loop_i6_p1, loop_i6_with_write_p1, loop_may_suspend_with_write_p1))
    loops = {f.__name__: f for f in (loop_empty, loop_plain, loop_runtime_async, loop_runtime_async_writes,
                                     loop_asynclocal, loop_write, loop_contextvar)}
    loops.update((f.__name__, f) for shape in shapes for f in shape[1:])
    measured = best_per_iteration(loops, n, rounds)

    def cost(loop, minus=loop_empty):
        """ns of one iteration of ``loop`` beyond one of ``minus`` (the empty loop, or the same loop without the frame)."""
        return max(measured[loop.__name__] - measured[minus.__name__], 0.01)

    plain_ns = cost(loop_plain)
    rt_ns = cost(loop_runtime_async)
    rtw_ns = cost(loop_runtime_async_writes, loop_write)
    cv_ns = cost(loop_contextvar)
    measure = "CPU time" if args.cpu_time else "wall time"
    print(f"Python {sys.version.split()[0]}, {n} iterations, best of {rounds} rounds, {measure} (ns per operation)")
    print(f"  plain async def call, awaited                {plain_ns:8.1f}")
    print(f"  @async_method call, completes at once        {rt_ns:8.1f}   ratio {rt_ns / plain_ns:4.2f}x  (goal <= 3x)")
    print(f"  @async_method call, callee wrote AsyncLocal  {rtw_ns:8.1f}   ratio {rtw_ns / plain_ns:4.2f}x  (write excluded)")
    print(f"  AsyncLocal write + read                      {cost(loop_asynclocal):8.1f}")
    print(f"  bare ContextVar.get + ContextVar.set         {cv_ns:8.1f}")
    for label, nothing, i6_write, may_suspend_write in shapes:
        i6_ns, i6w_ns, msw_ns = cost(nothing), cost(i6_write, loop_write), cost(may_suspend_write, loop_write)
        print(f"  inlined frame, nothing changed ({label})   {i6_ns:8.1f}   ratio {i6_ns / cv_ns:4.2f}x of get+set")
        print(f"  I6 frame, inlinee wrote ({label})          {i6w_ns:8.1f}   ratio {i6w_ns / cv_ns:4.2f}x of get+set")
        print(f"  may-suspend frame, inlinee wrote ({label}) {msw_ns:8.1f}   ratio {msw_ns / cv_ns:4.2f}x of get+set")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
