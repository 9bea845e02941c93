"""A small program on the public ``runtime`` API, written as a user would.

``test_typing.py`` type-checks it with ``mypy --strict`` (nothing may be reported)
and runs it. A request handler keeps its request id in an ``AsyncLocal``, hops
to a pool thread through a custom awaiter, comes back to its "UI" context, and
calls methods of every kind (instance, static, class) made runtime-async.
"""

from __future__ import annotations

from collections.abc import Callable

import runtime
from runtime import (
    AsyncLocal,
    Awaiter,
    ExecutionContext,
    QueueContext,
    SynchronizationContext,
    Task,
    ThreadPool,
    async_method,
    configure_await,
    yield_,
)

request_id: AsyncLocal[int] = AsyncLocal(0, name="request_id")
user = AsyncLocal[str | None](name="user")


class OnThePool(Awaiter[int]):
    """Resumes its awaiter on a pool thread with ``value`` (a custom awaiter, rule A5)."""

    def __init__(self, value: int) -> None:
        self._value = value

    @property
    def is_completed(self) -> bool:
        return False

    def on_completed(self, continuation: Callable[[], None]) -> None:
        ThreadPool.queue(continuation)

    def get_result(self) -> int:
        return self._value


class Catalog:
    def __init__(self, items: dict[str, list[str]]) -> None:
        self._items = items

    @async_method
    async def lookup(self, key: str, *, limit: int = 10) -> list[str]:
        await yield_()
        return self._items.get(key, [])[:limit]

    @staticmethod
    @async_method
    async def version() -> str:
        return "1"

    @async_method
    @classmethod
    async def empty(cls) -> Catalog:
        return cls({})


@async_method
async def handle(catalog: Catalog, key: str, ui: SynchronizationContext) -> tuple[int, str | None, list[str], bool]:
    request_id.value = len(key)
    user.value = "ada"
    SynchronizationContext.set_current(ui)
    items = await catalog.lookup(key, limit=2)
    on_ui = SynchronizationContext.current() is ui  # A2/A3: back on the captured context
    extra = await OnThePool(1)  # A5: continues on the pool thread
    items += await configure_await(catalog.lookup(key), False)  # continues on the pool
    await runtime.start(Catalog.version())
    return request_id.value + extra, user.value, items, on_ui


def main() -> list[str]:
    """Run the handler for real, then deterministically under a trace; return what it saw."""
    catalog = Catalog({"fruit": ["apple", "pear", "plum"]})
    seen: list[str] = []
    with QueueContext("ui") as ui:
        task: Task[tuple[int, str | None, list[str], bool]] = runtime.start(handle(catalog, "fruit", ui))
        rid, who, items, on_ui = task.result(timeout=10)
        seen.append(f"{rid} {who} {','.join(items)} {on_ui}")
        with runtime.trace() as trace, runtime.deterministic(seed=1):
            rid, who, items, on_ui = runtime.run(handle(catalog, "fruit", ui))
        seen.append(f"{rid} {who} {len(items)} {on_ui} {trace.check()}")
    empty = runtime.run(Catalog.empty())
    seen.append(f"{runtime.run(empty.lookup('fruit'))} {request_id.value} {ExecutionContext.capture().get(user)}")
    return seen


if __name__ == "__main__":
    print("\n".join(main()))
