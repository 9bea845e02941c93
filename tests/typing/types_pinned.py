"""The public ``runtime`` API's types, pinned: mypy fails on this file if one regresses.

``assert_type`` checks an inferred type exactly; a ``# type: ignore[code]`` marks a
call that must stay an error (``--strict`` reports an ignore that is no longer
needed, so a signature that decays to ``Any`` fails too). Only type-checked, never run.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from typing_extensions import assert_type

import runtime
from runtime import (
    AsyncLocal,
    Awaiter,
    ExecutionContext,
    LoopContext,
    QueueContext,
    SynchronizationContext,
    Task,
    ThreadPool,
    Trace,
    Violation,
    async_method,
    configure_await,
    yield_,
)


@async_method
async def fetch(url: str, *, retries: int = 3) -> bytes:
    return url.encode() * retries


class Client:
    @async_method
    async def get(self, n: int) -> list[int]:
        return [n]

    @async_method
    @staticmethod
    async def ping() -> None:
        return None

    @classmethod
    @async_method
    async def make(cls) -> Client:
        return cls()


class Ready(Awaiter[float]):
    is_completed = True

    def on_completed(self, continuation: Callable[[], None]) -> None:
        continuation()

    def get_result(self) -> float:
        return 1.5


def async_locals() -> None:
    count = AsyncLocal[int](0)
    assert_type(count.value, int)
    assert_type(AsyncLocal("x").value, str)
    maybe: AsyncLocal[bytes | None] = AsyncLocal()
    assert_type(maybe.value, bytes | None)
    assert_type(AsyncLocal().value, None)
    assert_type(ExecutionContext.capture().get(maybe), bytes | None)
    count.value = "no"  # type: ignore[assignment]


async def signatures() -> None:
    assert_type(fetch("a", retries=1), Coroutine[Any, Any, bytes]).close()
    assert_type(await fetch("a"), bytes)
    await fetch(1)  # type: ignore[arg-type]
    await fetch("a", tries=1)  # type: ignore[call-arg]
    assert_type(await Client().get(1), list[int])
    assert_type(await Client.ping(), None)
    assert_type(await Client.make(), Client)
    await Client().get("1")  # type: ignore[arg-type]


async def awaitables() -> None:
    assert_type(await configure_await(fetch("a"), False), bytes)
    assert_type(await configure_await(Ready(), True), float)
    assert_type(await Ready(), float)
    assert_type(await yield_(), None)
    assert_type(await configure_await(yield_(), False), None)
    task = runtime.start(fetch("a"))
    assert_type(task, Task[bytes])
    assert_type(await task, bytes)
    assert_type(await configure_await(task, False), bytes)
    assert_type(task.result(timeout=1.0), bytes)
    assert_type(task.exception(), BaseException | None)
    assert_type(runtime.run(Client().get(2), timeout=1.0), list[int])


def contexts() -> None:
    assert_type(SynchronizationContext.current(), SynchronizationContext | None)
    assert_type(ExecutionContext.capture(), ExecutionContext)
    with ExecutionContext.suppress_flow() as nothing:
        assert_type(nothing, None)
    assert_type(runtime.running_on(), type[ThreadPool] | SynchronizationContext | None)
    assert_type(QueueContext("q").posts, int)
    assert_type(LoopContext.running(), LoopContext)
    assert_type(runtime.is_async_method(fetch), bool)
    assert_type(runtime.inline(Client), type[Client])
    ThreadPool.queue(lambda: None)
    ThreadPool.queue(1)  # type: ignore[arg-type]


def tracing() -> list[Violation]:
    with runtime.trace() as t:
        assert_type(t, Trace)
    return t.check() + runtime.check_trace(t) + runtime.check_trace(t.events)
