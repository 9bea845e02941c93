"""Tasks, start/run, the driver's safety nets, and the @async_method decorator itself."""

from __future__ import annotations

import asyncio
import inspect
import queue
import threading

import pytest

import runtime
from runtime import (
    AsyncLocal,
    Awaiter,
    DeadlockError,
    QueueContext,
    SynchronizationContext,
    ThreadPool,
    async_method,
    inline,
    is_async_method,
    noinline,
    run,
    start,
)
from tests.runtime.support import TIMEOUT, Gate, PoolAwaiter


class Never(Awaiter):
    is_completed = False

    def on_completed(self, continuation):
        pass


def test_start_runs_synchronously_to_the_first_suspension(rt):
    steps = []
    gate = Gate()

    @async_method
    async def job():
        steps.append("before")
        await gate
        steps.append("after")
        return "result"

    async def main():
        task = start(job())
        steps.append(("started", task.done()))
        ThreadPool.queue(gate.open)  # only now: the job cannot finish before start() returned
        return await task

    out = rt(main)
    assert steps == ["before", ("started", False), "after"]
    assert out.value == "result"


def test_task_api_result_exception_done_callbacks():
    @async_method
    async def ok():
        await PoolAwaiter()
        return 7

    @async_method
    async def bad():
        await PoolAwaiter()
        raise ValueError("bad task")

    seen = []
    t1, t2 = start(ok(), name="ok"), start(bad())
    t1.add_done_callback(lambda t: seen.append(t.name))
    assert t1.result(TIMEOUT) == 7 and t1.exception() is None and t1.done()
    with pytest.raises(ValueError, match="bad task"):
        t2.result(TIMEOUT)
    assert isinstance(t2.exception(), ValueError)
    t1.add_done_callback(lambda t: seen.append("late"))
    assert seen == ["ok", "late"]
    assert "ok" in repr(t1)


def test_result_times_out_clearly_and_exception_needs_a_finished_task():
    task = start(_never())
    with pytest.raises(TimeoutError, match="did not finish within 0.05"):
        task.result(0.05)
    with pytest.raises(RuntimeError, match="not done"):
        task.exception()


@async_method
async def _never():
    await Never()


def test_deterministic_mode_reports_a_deadlock_instead_of_hanging():
    with runtime.deterministic(idle_timeout=0.05):
        with pytest.raises(DeadlockError, match="nothing left to run"):
            run(_never())


def test_run_from_a_running_event_loop_is_refused():
    import asyncio

    async def main():
        with pytest.raises(RuntimeError, match="block the running event loop"):
            run(_never())

    asyncio.run(main())


def test_run_accepts_any_awaitable_and_rejects_others():
    assert run(PoolAwaiter(), timeout=TIMEOUT) == "pool"
    with pytest.raises(TypeError, match="expected an awaitable"):
        start(42)


def test_a_bad_yield_is_thrown_into_the_computation():
    class Bad:
        def __await__(self):
            yield "not a suspension"

    async def main():
        try:
            await Bad()
        except TypeError as error:
            return str(error)

    assert "bad yield 'not a suspension'" in run(main(), timeout=TIMEOUT)


def test_a_continuation_invoked_twice_is_refused(capsys):
    calls = []

    class Twice(Awaiter):
        is_completed = False

        def on_completed(self, continuation):
            calls.append(continuation)

    task = start(_await(Twice()))
    calls[0]()
    with pytest.raises(RuntimeError, match="invoked twice"):
        calls[0]()
    assert task.done()


async def _await(x):
    return await x


def test_an_awaiter_whose_on_completed_raises_fails_the_await():
    class Broken(Awaiter):
        is_completed = False

        def on_completed(self, continuation):
            raise OSError("cannot register")

    async def main():
        try:
            await Broken()
        except OSError as error:
            return f"caught {error}"

    assert run(main(), timeout=TIMEOUT) == "caught cannot register"


class FailsToRegister(Awaiter):
    """A custom awaiter (A5) whose ``on_completed`` raises: nothing will ever call back."""

    is_completed = False

    def on_completed(self, continuation):
        raise KeyError("reg")


def test_awaiter_failing_to_register_keeps_the_sc_and_a_valid_trace():
    """A3, A5 (review R14 j1): the await fails in place, on the SC the frame set (the code
    never left), and the trace records its resumption. It used to read the driving
    thread's SC (None) outside the task's Context, and the checker flagged A3."""
    loc = AsyncLocal("unset")
    q2 = QueueContext("q2")

    @async_method
    async def main():
        loc.value = 1
        SynchronizationContext.set_current(q2)
        try:
            await FailsToRegister()
        except KeyError:
            pass
        return (loc.value, SynchronizationContext.current())

    try:
        with runtime.trace() as tr, runtime.deterministic():
            r = runtime.run(main())
    finally:
        q2.close()
    assert r == (1, q2)
    assert tr.check() == []


def test_awaiter_failing_to_register_in_a_callee_makes_no_post(rt):
    """A4, A5 (review R14 j1): the callee resumed in place on its caller's SC, so its
    exception reaches the caller with no switch back (no post), in every mode."""
    q2 = rt.env.ctx("q2")

    @async_method
    async def callee():
        await FailsToRegister()

    @async_method
    async def main():
        SynchronizationContext.set_current(q2)
        try:
            await callee()
        except KeyError as error:
            return (str(error), SynchronizationContext.current() is q2)

    out = rt(main)  # checks the trace
    assert out.value == ("'reg'", True)
    assert out.continuation_posts() == {}


def test_awaiter_failing_to_register_under_asyncio_fails_the_await():
    """A5 (review R14 j1): under an asyncio task too the await fails with the awaiter's
    error, with the frame's SC; it used to leave the asyncio task waiting for ever."""
    q2 = QueueContext("q2")

    @async_method
    async def main():
        SynchronizationContext.set_current(q2)
        try:
            await FailsToRegister()
        except KeyError as error:
            return (str(error), SynchronizationContext.current() is q2)

    async def outer():
        task = asyncio.ensure_future(main())
        done, _ = await asyncio.wait({task}, timeout=TIMEOUT)
        assert done, "the asyncio task was left waiting"
        return task.result()

    loop = asyncio.new_event_loop()  # not asyncio.run: it would wait for a stuck task
    try:
        with runtime.trace() as tr:
            assert loop.run_until_complete(outer()) == ("'reg'", True)
    finally:
        loop.close()
        q2.close()
    assert tr.check() == []


def test_continuations_from_foreign_threads_run_in_real_mode():
    class ThreadAwaiter(Awaiter):
        is_completed = False

        def on_completed(self, continuation):
            threading.Timer(0.01, continuation).start()

        def get_result(self):
            return threading.current_thread().name

    async def main():
        return await ThreadAwaiter()

    assert run(main(), timeout=TIMEOUT).startswith("Thread")


# ---------------------------------------------------------------- the decorator


class Widget:
    def __init__(self, n):
        self.n = n

    @async_method
    async def method(self, k=1):
        return self.n + k

    @inline
    @async_method
    @staticmethod
    async def static(x):
        return x * 2

    @classmethod
    @noinline
    @async_method
    async def klass(cls, x):
        return (cls.__name__, x)

    @async_method
    @inline
    async def marked(self):
        return "marked"


def test_async_method_on_methods_static_and_class_methods_with_markers():
    w = Widget(10)

    async def main():
        return [await w.method(), await w.method(k=5), await Widget.static(4), await w.static(1),
                await Widget.klass(3), await w.marked()]

    assert run(main(), timeout=TIMEOUT) == [11, 15, 8, 2, ("Widget", 3), "marked"]
    assert is_async_method(Widget.method) and is_async_method(Widget.__dict__["klass"])
    assert is_async_method(Widget.__dict__["static"])


def test_async_method_binds_arguments_exactly_like_the_function():
    sentinel = []

    @async_method
    async def f(a, b=sentinel, /, c=2, *rest, d, e=5, **extra):
        return a, b, c, rest, d, e, extra

    assert f.__name__ == "f" and inspect.iscoroutinefunction(f)
    assert inspect.signature(f) == inspect.signature(f.__wrapped__)
    got = run(f(1, d=4), timeout=TIMEOUT)
    assert got == (1, [], 2, (), 4, 5, {}) and got[1] is sentinel  # the function's own default object
    assert run(f(1, 2, 3, 9, d=4, z=0), timeout=TIMEOUT) == (1, 2, 3, (9,), 4, 5, {"z": 0})
    with pytest.raises(TypeError):
        f(1)  # missing keyword-only d: raised at the call, as for a plain async def
    with pytest.raises(TypeError):
        f(a=1, d=2)  # positional-only


def test_async_method_with_internal_looking_parameter_names_still_binds():
    @async_method
    async def g(_ai_fn, _ai_s=3):
        return _ai_fn, _ai_s

    assert run(g(1), timeout=TIMEOUT) == (1, 3)


def test_async_method_refuses_non_coroutine_functions_and_is_idempotent():
    with pytest.raises(TypeError, match="async def"):
        async_method(lambda: None)

    @async_method
    async def h():
        return 1

    assert async_method(h) is h


def test_frames_are_real_coroutines_usable_by_asyncio():
    import asyncio

    @async_method
    async def h():
        return "asyncio ran me"

    coro = h()
    assert inspect.iscoroutine(coro)
    assert asyncio.run(coro) == "asyncio ran me"


def test_A5_custom_awaiter_continuations_nested_too_deep_go_to_the_pool(rt):
    """A5 with the driver's depth limit: each task, resumed by the previous one's gate,
    opens the next gate, so continuations nest; past the limit the driver posts them (to
    the pool: a custom awaiter names no context) instead of failing or overflowing."""
    count = runtime._driver.MAX_INLINE_DEPTH + 8
    gates = [Gate() for _ in range(count + 1)]
    order = []

    @async_method
    async def link(k):
        await gates[k]
        order.append(k)
        gates[k + 1].open()

    async def last():
        await gates[count]
        return order

    def make():
        for k in range(count):
            start(link(k))
        tail = start(last())
        gates[0].open()
        return tail

    out = rt(make)
    assert out.value == list(range(count))
    assert out.continuation_posts() == {"ANY": 1}  # one continuation posted, run on the pool


def test_A3_pool_item_submitted_while_the_idle_worker_is_taking_another_gets_a_thread():
    """A3 liveness (review V f2): a pool continuation submitted while the only idle worker
    has dequeued an item but not yet counted itself busy got no new thread; that item
    then blocked waiting for the continuation, which waited in the queue behind it. The
    window is held open by events: the worker stops right after dequeuing A until B is
    submitted."""
    from runtime._pool import WorkerPool

    in_get = threading.Semaphore(0)  # released each time a worker calls get()
    a_taken, b_submitted, b_ran, a_done = (threading.Event() for _ in range(4))
    outcome = []

    def a():
        outcome.append(b_ran.wait(TIMEOUT))
        a_done.set()

    class PausingQueue(queue.SimpleQueue):  # type: ignore[type-arg]
        def get(self, *args, **kwargs):
            in_get.release()
            item = super().get(*args, **kwargs)
            if item is a:
                a_taken.set()
                b_submitted.wait(TIMEOUT)  # the worker is switched out here
            return item

    pool = WorkerPool(max_workers=4)
    pool._queue = PausingQueue()
    pool.submit(lambda: None)  # one worker, which then waits for work
    assert in_get.acquire(timeout=TIMEOUT) and in_get.acquire(timeout=TIMEOUT)  # idle again
    pool.submit(a)
    assert a_taken.wait(TIMEOUT)
    pool.submit(b_ran.set)  # B: what A waits for
    b_submitted.set()
    assert a_done.wait(TIMEOUT + 1)
    assert outcome == [True] and pool.size == 2
