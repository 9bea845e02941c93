"""AsyncLocal, ExecutionContext, SynchronizationContext, QueueContext, ThreadPool, LoopContext."""

from __future__ import annotations

import asyncio
import contextvars
import threading

import pytest

import runtime
from runtime import (
    AsyncLocal,
    ExecutionContext,
    LoopContext,
    QueueContext,
    SynchronizationContext,
    ThreadPool,
)
from tests.runtime.support import MODE_IDS, MODES, TIMEOUT, ContextAwaiter, Env


def in_fresh_context(fn):
    return contextvars.copy_context().run(fn)


def test_asynclocal_default_write_read_and_copy_on_write_snapshots():
    a = AsyncLocal("default-a")
    b = AsyncLocal()

    def body():
        assert (a.value, b.value) == ("default-a", None)
        before = ExecutionContext.capture()
        a.value = 1
        after = ExecutionContext.capture()
        assert before is not after  # a write installs a new snapshot
        assert (before.get(a), after.get(a)) == ("default-a", 1)
        b.value = 2
        ExecutionContext.restore(after)
        assert (a.value, b.value) == (1, None)
        ExecutionContext.restore(None)
        assert a.value == "default-a"

    in_fresh_context(body)


def test_capture_and_restore_are_O1_and_leave_the_SC_alone():
    """Capture returns the current snapshot itself; restore swaps one reference."""
    local = AsyncLocal()
    ctx = QueueContext("not-used")

    def body():
        for i in range(100):
            local.value = i
        ec = ExecutionContext.capture()
        assert ExecutionContext.capture() is ec
        SynchronizationContext.set_current(ctx)
        ExecutionContext.restore(ec)
        assert SynchronizationContext.current() is ctx
        assert len(ec) == 1

    in_fresh_context(body)


def test_suppress_flow_hides_values_from_work_started_inside():
    local = AsyncLocal("none")
    seen = []
    done = threading.Event()

    def body():
        local.value = "flows"
        with ExecutionContext.suppress_flow():
            assert local.value == "flows"  # still readable here
            assert ExecutionContext.is_flow_suppressed()
            assert ExecutionContext.capture().get(local) == "none"
            ThreadPool.queue(lambda: (seen.append(local.value), done.set()))
        assert not ExecutionContext.is_flow_suppressed()
        with pytest.raises(RuntimeError):
            with ExecutionContext.suppress_flow():
                with ExecutionContext.suppress_flow():
                    pass

    in_fresh_context(body)
    assert done.wait(TIMEOUT) and seen == ["none"]


def test_threadpool_queue_flows_the_EC_but_not_the_SC():
    local = AsyncLocal()
    seen = []
    done = threading.Event()
    ctx = QueueContext("caller-sc")

    def body():
        local.value = "caller value"
        SynchronizationContext.set_current(ctx)
        ThreadPool.queue(
            lambda: (seen.append((local.value, SynchronizationContext.current(), runtime.running_on())), done.set())
        )

    in_fresh_context(body)
    assert done.wait(TIMEOUT)
    assert seen == [("caller value", None, ThreadPool)]


def test_the_current_SC_is_per_thread():
    ctx = QueueContext("main-thread")
    seen = []

    def body():
        SynchronizationContext.set_current(ctx)
        t = threading.Thread(target=lambda: seen.append(SynchronizationContext.current()))
        t.start()
        t.join(TIMEOUT)
        assert SynchronizationContext.current() is ctx

    in_fresh_context(body)
    assert seen == [None]
    with pytest.raises(TypeError):
        SynchronizationContext.set_current("not a context")


def test_queue_context_runs_posts_in_order_on_its_own_thread_with_itself_current():
    ctx = QueueContext("ui")
    seen = []
    done = threading.Event()
    try:
        for i in range(5):
            ctx.post(lambda i=i: seen.append((i, threading.current_thread().name, SynchronizationContext.current())))
        ctx.post(done.set)
        assert done.wait(TIMEOUT)
        assert seen == [(i, "ui", ctx) for i in range(5)]
        assert ctx.posts == 6 and ctx.thread is not None
    finally:
        ctx.close()
    assert ctx.thread is None


def test_queue_context_survives_a_failing_callback(capsys):
    ctx = QueueContext("sturdy")
    done = threading.Event()
    try:
        ctx.post(lambda: 1 / 0)
        ctx.post(done.set)
        assert done.wait(TIMEOUT)
    finally:
        ctx.close()
    assert "ZeroDivisionError" in capsys.readouterr().err


def test_base_synchronization_context_requires_post():
    with pytest.raises(NotImplementedError):
        SynchronizationContext().post(lambda: None)


def test_loop_context_is_one_per_loop_and_posts_to_the_loop():
    loop = asyncio.new_event_loop()
    try:
        ctx = LoopContext(loop)
        assert LoopContext(loop) is ctx
        seen = []

        async def main():
            assert LoopContext.running() is ctx
            fut = loop.create_future()
            threading.Thread(
                target=lambda: ctx.post(lambda: (seen.append(SynchronizationContext.current()), fut.set_result(1)))
            ).start()
            await asyncio.wait_for(fut, TIMEOUT)

        loop.run_until_complete(main())
        assert seen == [ctx] and ctx.posts == 1
    finally:
        loop.close()


def test_deterministic_mode_simulates_the_pool_and_queue_contexts():
    order = []
    ctx = QueueContext("sim")
    with runtime.deterministic() as sched:
        ThreadPool.queue(lambda: order.append(("pool", threading.current_thread().name)))
        ctx.post(lambda: order.append(("sim", SynchronizationContext.current() is ctx)))
        assert sched.pending() == 2
        assert sched.run_until_idle() == 2
    assert order == [("pool", threading.current_thread().name), ("sim", True)]
    assert ctx.thread is None  # no real thread was started


@pytest.mark.parametrize(("mode", "seed"), MODES, ids=MODE_IDS)
def test_EC_a_callback_posted_to_a_queue_context_runs_in_that_threads_own_context(mode, seed):
    """EC flow (spec section 1: an EC reaches other work only by capture; review V f4): a
    callback posted to a QueueContext runs in the dedicated thread's own
    ``contextvars.Context``: it sees the empty EC, its ContextVar writes stay on that
    thread (the next callback there sees them) and never reach the thread that waits.
    Under ``deterministic()`` it ran in the waiting thread's Context."""
    env = Env()
    ui = env.ui
    cv: contextvars.ContextVar[str] = contextvars.ContextVar("f4_cv", default="unset")
    local = AsyncLocal("unset", name="f4_local")

    def program():
        local.value = "waiter"
        seen = []

        def on_ui():
            seen.append((local.value, cv.get()))
            cv.set("from-ui")

        @runtime.async_method
        async def main():
            ui.post(on_ui)
            ui.post(on_ui)
            await ContextAwaiter(ui)  # resumed by a callback posted after both

        if mode == "threads":
            runtime.run(main(), timeout=TIMEOUT)
        else:
            with runtime.deterministic(seed):
                runtime.run(main())
        return seen, local.value, cv.get()

    try:
        assert in_fresh_context(program) == ([("unset", "unset"), ("unset", "from-ui")], "waiter", "unset")
    finally:
        env.close()
