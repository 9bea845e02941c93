"""What the runtime-async model costs when nothing suspends, measured in one process.

* an ``@async_method`` call that completes synchronously, against a plain
  ``async def`` call (goal: at most 3x);
* one ``AsyncLocal`` write plus one read;
* the I6 helpers an inliner emits around a never-suspending inlinee
  (``enter()`` ... ``state() is not s``), against a bare ``ContextVar.get`` plus
  ``ContextVar.set`` (goal: about the same or less);
* the same helpers when the inlinee changed the context (``leave_sync`` restores it).

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


# noinline: this file measures real calls, also when async_inline has rewritten it
@_ai_rt.noinline
async def plain(x):
    return x


@_ai_rt.noinline
@async_method
async def runtime_async(x):
    return x


async def loop_empty(n):
    for i in range(n):
        pass


async def loop_plain(n):
    for i in range(n):
        await plain(i)


async def loop_runtime_async(n):
    for i in range(n):
        await runtime_async(i)


async def loop_asynclocal(n):
    for i in range(n):
        local.value = i
        local.value


async def loop_write(n):
    for i in range(n):
        local.value = i


async def loop_contextvar(n):
    for i in range(n):
        plain_var.get()
        plain_var.set(i)


async def loop_i6(n):
    for i in range(n):
        _ai_s = _ai_rt.enter()
        try:
            pass
        finally:
            if _ai_rt.state() is not _ai_s:
                _ai_rt.leave_sync(_ai_s)


async def loop_i6_with_write(n):
    for i in range(n):
        _ai_s = _ai_rt.enter()
        try:
            local.value = i
        finally:
            if _ai_rt.state() is not _ai_s:
                _ai_rt.leave_sync(_ai_s)


def drive(coro):
    try:
        coro.send(None)
    except StopIteration as stop:
        return stop.value
    raise RuntimeError("the benchmark loop suspended")


def per_iteration(loop, n: int, rounds: int) -> float:
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        contextvars.copy_context().run(drive, loop(n))
        best = min(best, time.perf_counter() - started)
    return best / n * 1e9


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=200_000, help="iterations per round")
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args(argv)
    n, rounds = args.n, args.rounds

    base = per_iteration(loop_empty, n, rounds)

    def cost(loop):
        return max(per_iteration(loop, n, rounds) - base, 0.01)

    plain_ns = cost(loop_plain)
    rt_ns = cost(loop_runtime_async)
    local_ns = cost(loop_asynclocal)
    cv_ns = cost(loop_contextvar)
    i6_ns = cost(loop_i6)
    i6w_ns = max(cost(loop_i6_with_write) - cost(loop_write), 0.01)  # the write itself excluded

    print(f"Python {sys.version.split()[0]}, {n} iterations, best of {rounds} rounds (ns per operation)")
    print(f"  plain async def call, awaited          {plain_ns:8.1f}")
    print(f"  @async_method call, completes at once  {rt_ns:8.1f}   ratio {rt_ns / plain_ns:4.2f}x  (goal <= 3x)")
    print(f"  AsyncLocal write + read                {local_ns:8.1f}")
    print(f"  bare ContextVar.get + ContextVar.set   {cv_ns:8.1f}")
    print(f"  I6 helpers, nothing changed            {i6_ns:8.1f}   ratio {i6_ns / cv_ns:4.2f}x of get+set")
    print(f"  I6 helpers, inlinee changed the EC     {i6w_ns:8.1f}   ratio {i6w_ns / cv_ns:4.2f}x of get+set")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
