"""asyncio interop: runtime-async functions awaited from asyncio tasks, asyncio awaitables
awaited from runtime-async functions, the loop acting as the synchronization context."""

from __future__ import annotations

import asyncio
import threading

import pytest

import runtime
from runtime import (
    AsyncLocal,
    LoopContext,
    QueueContext,
    SynchronizationContext,
    async_method,
    configure_await,
    start,
    yield_,
)
from tests.runtime.support import TIMEOUT, PoolAwaiter, place

local = AsyncLocal("unset", name="aio_local")


@async_method
async def child(log):
    local.value = "child"
    await asyncio.sleep(0.001)  # an asyncio coroutine
    log.append(("child after sleep", local.value))
    await yield_()  # a runtime suspension: the loop resumes it
    await PoolAwaiter()  # resumes from a pool thread; asyncio brings it back to the loop
    log.append(("child after awaiter", local.value, asyncio.get_running_loop() is not None))
    return "child result"


@async_method
async def parent(log):
    local.value = "parent"
    got = await child(log)
    log.append(("parent", got, local.value))
    fut = asyncio.get_running_loop().create_future()
    asyncio.get_running_loop().call_later(0.001, fut.set_result, "future result")
    log.append(("parent future", await fut, local.value))
    return got


def test_asyncio_task_awaits_runtime_async_functions():
    """asyncio drives; runtime rules F2/A4 hold and the loop is where everything resumes."""
    log = []

    async def main():
        local.value = "asyncio main"
        with runtime.trace() as trace:
            got = await asyncio.wait_for(parent(log), TIMEOUT)
        assert trace.check() == []
        return got, local.value

    assert asyncio.run(main()) == ("child result", "asyncio main")
    assert log == [
        ("child after sleep", "child"),
        ("child after awaiter", "child", True),
        ("parent", "child result", "parent"),
        ("parent future", "future result", "parent"),
    ]


def test_asyncio_gather_and_create_task_accept_runtime_async_calls():
    async def main():
        logs = [[], []]
        both = asyncio.gather(parent(logs[0]), asyncio.create_task(parent(logs[1])))
        results = await asyncio.wait_for(both, TIMEOUT)
        return results, [len(x) for x in logs]

    assert asyncio.run(main()) == (["child result", "child result"], [4, 4])


def test_runtime_task_with_the_loop_as_synchronization_context():
    """The runtime drives; the LoopContext is the captured SC, so asyncio awaitables work and
    continuations come back to the loop, except after configure_await(..., False)."""

    @async_method
    async def job(log):
        local.value = "job"
        await asyncio.sleep(0.001)
        log.append(("after asyncio.sleep", place(), SynchronizationContext.current() is loop_ctx, local.value))
        await PoolAwaiter()  # custom awaiter: continues on the pool
        log.append(("after pool awaiter", place(), local.value))
        await yield_()  # no SC now: continues on the pool
        return "job result"

    @async_method
    async def driver_root(log):
        got = await job(log)  # A4 brings us back to the loop context
        log.append(("back in root", place(), SynchronizationContext.current() is loop_ctx))
        await configure_await(asyncio.sleep(0.001), False)
        log.append(("after configured sleep", place()))
        return got

    log = []

    async def main():
        global loop_ctx
        loop_ctx = LoopContext.running()
        SynchronizationContext.set_current(loop_ctx)
        task = start(driver_root(log))  # runtime task: the loop is its SC
        return await asyncio.wait_for(_as_future(task), TIMEOUT), loop_ctx.posts

    got, posts = asyncio.run(main())
    assert got == "job result"
    assert log == [
        ("after asyncio.sleep", "caller", True, "job"),  # resumed inline in the future's callback
        ("after pool awaiter", "pool", "job"),
        ("back in root", loop_ctx.name, True),  # A4 posted it back to the loop
        ("after configured sleep", "pool"),
    ]
    assert posts == 1


async def _as_future(task):
    return await task


def test_asyncio_awaits_a_runtime_task_finishing_on_a_pool_thread():
    @async_method
    async def work():
        await PoolAwaiter()
        return "from the pool"

    async def main():
        task = start(work())
        return await asyncio.wait_for(_as_future(task), TIMEOUT)

    assert asyncio.run(main()) == "from the pool"


def test_under_asyncio_a_foreign_synchronization_context_is_refused_clearly():
    ui = QueueContext("ui")

    @async_method
    async def wants_ui():
        SynchronizationContext.set_current(ui)
        await yield_()

    async def main():
        with pytest.raises(RuntimeError, match="cannot resume on <QueueContext ui> under an asyncio task"):
            await asyncio.wait_for(wants_ui(), TIMEOUT)

    try:
        asyncio.run(main())
    finally:
        ui.close()


def test_asyncio_cancellation_reaches_a_suspended_runtime_await():
    cleaned = []

    class Never(runtime.Awaiter):
        is_completed = False

        def on_completed(self, continuation):
            pass

    @async_method
    async def stuck():
        try:
            await Never()
        finally:
            cleaned.append(local.value)

    async def main():
        local.value = "main"
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(stuck(), 0.01)

    asyncio.run(main())
    assert cleaned == ["main"]


def test_asyncio_task_created_inside_a_runtime_step_is_traced_as_its_own_task():
    """An asyncio task created during a runtime step copies that step's Context; its frames
    must still be told apart from the runtime task's (the checker accepts the trace)."""
    log = []

    @async_method
    async def runtime_side():
        inner = asyncio.get_running_loop().create_task(parent(log))  # inherits this Context
        got = await inner  # an asyncio future awaited by runtime code (loop is the SC)
        return got

    async def main():
        SynchronizationContext.set_current(LoopContext.running())
        with runtime.trace() as trace:
            got = await asyncio.wait_for(_as_future(start(runtime_side())), TIMEOUT)
        return got, trace.check()

    got, violations = asyncio.run(main())
    assert got == "child result" and violations == []
    assert len(log) == 4


def test_A3_a_future_of_a_loop_in_another_thread_resumes_on_the_captured_context(threads_rt):
    """A3 (review V f5): a frame on a QueueContext awaiting an asyncio future of a loop
    running in another thread is posted back to its QueueContext. The done callback was
    registered with ``call_soon_threadsafe``, which gave it a copy of the registering
    thread's Context, where the QueueContext is current: the continuation took itself
    for "already there" and ran on the loop's thread."""
    loop = asyncio.new_event_loop()
    loop_thread = threading.Thread(target=loop.run_forever, name="other-loop", daemon=True)
    loop_thread.start()
    registered = threading.Event()

    class Future(asyncio.Future):  # type: ignore[type-arg]
        def add_done_callback(self, fn, **context):
            super().add_done_callback(fn, **context)
            registered.set()  # the frame has suspended: complete it now

    fut = Future(loop=loop)
    ui = threads_rt.env.ui

    @async_method
    async def handler():
        before = (threading.current_thread().name, place(), SynchronizationContext.current())
        value = await fut
        return before, value, (threading.current_thread().name, place(), SynchronizationContext.current())

    started: list[runtime.Task] = []
    with runtime.trace() as trace:
        ui.post(lambda: started.append(start(handler())))
        assert registered.wait(TIMEOUT)
        ui_reached = threading.Event()
        ui.post(ui_reached.set)  # after start() returned on the ui thread
        assert ui_reached.wait(TIMEOUT)
        loop.call_soon_threadsafe(fut.set_result, 42)
        before, value, after = started[0].result(TIMEOUT)
    loop.call_soon_threadsafe(loop.stop)
    loop_thread.join(TIMEOUT)
    loop.close()
    assert before == ("ui", "ui", ui)
    assert (value, after) == (42, ("ui", "ui", ui))
    assert ui.posts == 3  # the start, the marker, and the continuation
    assert trace.check() == []
