"""The AsyncLocal example of .NET's "General runtime async inlining" design note.

Foo, Bar and Baz each set the same AsyncLocal (1, 2, 3) before awaiting the
next; Baz awaits an awaiter that always resumes on the thread pool. After
its await each frame reads the local and sees its own value -- 3, 2, 1 --
because every frame's continuation restores the execution context it
captured when it suspended (rules A2-A4).

    python samples/runtime/async_local_example.py                  # real threads
    python samples/runtime/async_local_example.py --deterministic  # simulated threads
"""

from __future__ import annotations

import sys

import runtime
from runtime import AsyncLocal, Awaiter, ThreadPool, async_method

s_local: AsyncLocal[int] = AsyncLocal(0, name="s_local")


class AlwaysThreadPoolAwaitable(Awaiter):
    """Never completes synchronously; resumes its awaiter from a thread-pool thread."""

    is_completed = False

    def on_completed(self, continuation):
        ThreadPool.queue(continuation)


@async_method
async def foo():
    s_local.value = 1
    await bar()
    print(s_local.value)


@async_method
async def bar():
    s_local.value = 2
    await baz()
    print(s_local.value)


@async_method
async def baz():
    s_local.value = 3
    await AlwaysThreadPoolAwaitable()
    print(s_local.value)


def main(argv: list[str]) -> int:
    with runtime.trace() as trace:
        if "--deterministic" in argv:
            with runtime.deterministic():
                runtime.run(foo())
        else:
            runtime.run(foo(), timeout=10)
    print(f"after run: {s_local.value}")
    violations = trace.check()
    print("trace check:", "no violations" if not violations else violations)
    return 1 if violations else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
