"""The synchronization-context example of .NET's "General runtime async inlining" design note.

Foo sets ctx1 as its synchronization context and awaits Bar; Bar sets ctx2
and awaits Baz; Baz awaits an awaiter that always resumes on the thread pool.
Rules A2-A4: Baz continues on the pool thread that resumed it (a custom
awaiter captures no context), Bar's continuation is posted to ctx2 and Foo's
to ctx1 -- one post each.

    python samples/runtime/sync_context_example.py                  # real threads
    python samples/runtime/sync_context_example.py --deterministic  # simulated threads
"""

from __future__ import annotations

import sys

import runtime
from runtime import (
    Awaiter,
    QueueContext,
    SynchronizationContext,
    ThreadPool,
    async_method,
)

ctx1 = QueueContext("ctx1")
ctx2 = QueueContext("ctx2")


class AlwaysThreadPoolAwaitable(Awaiter):
    """Never completes synchronously; resumes its awaiter from a thread-pool thread."""

    is_completed = False

    def on_completed(self, continuation):
        ThreadPool.queue(continuation)


def report(frame: str) -> None:
    sc = SynchronizationContext.current()
    place = runtime.running_on()
    on = "a thread-pool thread" if place is ThreadPool else f"the thread of {place.name}"
    print(f"{frame} continues on {on}, current synchronization context: {sc.name if sc else None}")


@async_method
async def foo():
    SynchronizationContext.set_current(ctx1)
    await bar()
    report("Foo")


@async_method
async def bar():
    SynchronizationContext.set_current(ctx2)
    await baz()
    report("Bar")


@async_method
async def baz():
    await AlwaysThreadPoolAwaitable()
    report("Baz")


def main(argv: list[str]) -> int:
    with runtime.trace() as trace:
        if "--deterministic" in argv:
            with runtime.deterministic():
                runtime.run(foo())
        else:
            runtime.run(foo(), timeout=10)
    print(f"posts: ctx1={ctx1.posts} ctx2={ctx2.posts}")
    violations = trace.check()
    print("trace check:", "no violations" if not violations else violations)
    ctx1.close()
    ctx2.close()
    return 1 if violations else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
