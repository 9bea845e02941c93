"""Rules F1-F3 and A1-A5 of the spec, non-inlined, in every mode (fixture ``rt``).

Each test runs traced, and the trace checker must accept the trace.
"""

from __future__ import annotations

import runtime
from runtime import (
    AsyncLocal,
    ExecutionContext,
    SynchronizationContext,
    ThreadPool,
    async_method,
    configure_await,
    start,
    yield_,
)
from tests.runtime.support import (
    CallNowAwaiter,
    ContextAwaiter,
    DoneAwaiter,
    Gate,
    PoolAwaiter,
    place,
    sc_name,
)

local = AsyncLocal("unset", name="rules_local")


# ---------------------------------------------------------------- F1, F2


def test_F1_captures_the_context_at_entry_not_at_call(rt):
    """F1: the frame captures (EC, SC) when its body starts, which F2 then restores."""

    @async_method
    async def callee():
        local.value = "callee"
        SynchronizationContext.set_current(rt.env.ctx2)

    @async_method
    async def caller():
        local.value = "at call"
        pending = callee()  # created here ...
        local.value = "at entry"
        SynchronizationContext.set_current(rt.env.ctx1)
        await pending  # ... entered here
        rt.env.log(local.value, sc_name())

    rt(caller)
    assert rt.env.lines == [("at entry", "ctx1")]


def test_F2_synchronous_return_and_raise_restore_the_entry_context(rt):
    """F2: AsyncLocal writes and set_current() of a callee that completes synchronously
    are invisible to its caller afterwards, whether it returns or raises."""

    @async_method
    async def callee(fail):
        local.value = "callee"
        SynchronizationContext.set_current(rt.env.ctx2)
        if fail:
            raise LookupError("sync failure")
        return "value"

    @async_method
    async def caller():
        local.value = "caller"
        SynchronizationContext.set_current(rt.env.ctx1)
        rt.env.log(await callee(False), local.value, sc_name())
        try:
            await callee(True)
        except LookupError as error:
            rt.env.log(str(error), local.value, sc_name())

    out = rt(caller)
    assert rt.env.lines == [("value", "caller", "ctx1"), ("sync failure", "caller", "ctx1")]
    assert not [e for e in out.trace.events if e.kind == "suspend"]  # A1: nothing suspended


def test_F2_a_resumed_frame_restores_nothing_its_caller_continues_via_A4(rt):
    """F2: a frame that resumed does not restore its entry context on the thread it ends
    on; its caller's continuation is moved to the caller's context instead (A4)."""

    @runtime.noinline  # the test inspects this frame's own exit in the trace
    @async_method
    async def callee():
        await PoolAwaiter()
        rt.env.log("callee", place(), sc_name())
        local.value = "changed after resuming"

    @async_method
    async def caller():
        local.value = "caller"
        SynchronizationContext.set_current(rt.env.ctx1)
        await callee()
        rt.env.log("caller", place(), sc_name(), local.value)

    out = rt(caller)
    assert rt.env.lines == [("callee", "pool", None), ("caller", "ctx1", "ctx1", "caller")]
    exits = [e for e in out.trace.events if e.kind == "exit" and e.frame.name.endswith("callee")]
    assert [e.resumed for e in exits] == [True]
    assert rt.env.ctx1.posts == 1


# ---------------------------------------------------------------- F3


def test_F3_first_suspension_restores_entry_context_before_the_caller_captures(rt):
    """F3 then A2: the callee's writes made before its first suspension are undone before
    its caller's continuation captures, so the caller resumes with its own EC on its own
    SC (ctx1), never on the callee's ctx2."""

    @async_method
    async def callee():
        local.value = "callee"
        SynchronizationContext.set_current(rt.env.ctx2)
        await yield_()  # posts to ctx2: the callee's own continuation
        rt.env.log("callee", local.value, sc_name(), place())

    @async_method
    async def caller():
        local.value = "caller"
        SynchronizationContext.set_current(rt.env.ctx1)
        await callee()
        rt.env.log("caller", local.value, sc_name(), place())

    rt(caller)
    assert rt.env.lines == [("callee", "callee", "ctx2", "ctx2"), ("caller", "caller", "ctx1", "ctx1")]
    assert (rt.env.ctx1.posts, rt.env.ctx2.posts) == (1, 1)


def test_F3_a_resumed_frame_keeps_the_slots_of_its_first_suspension(rt):
    """F3/A2: once resumed, a frame's later suspensions do not recapture its caller's
    continuation: the caller still resumes on ctx1 although the callee switched to ctx2."""

    @async_method
    async def callee():
        await yield_()  # first suspension: caller captures (EC caller, ctx1)
        local.value = "callee, resumed"
        SynchronizationContext.set_current(rt.env.ctx2)
        await yield_()  # resumed frame suspends again: nothing recaptured for the caller
        rt.env.log("callee", local.value, sc_name(), place())

    @async_method
    async def caller():
        local.value = "caller"
        SynchronizationContext.set_current(rt.env.ctx1)
        await callee()
        rt.env.log("caller", local.value, sc_name(), place())

    out = rt(caller)
    assert rt.env.lines == [
        ("callee", "callee, resumed", "ctx2", "ctx2"),
        ("caller", "caller", "ctx1", "ctx1"),
    ]
    chains = [(e.via, [flag for _f, flag in e.chain]) for e in out.trace.events if e.kind == "suspend"]
    # I1 flags as recorded: first suspension, second one, then the A4 switch back to ctx1
    assert chains == [("yield", [False, False]), ("yield", [True, True]), ("switch", [True])]


def test_F3_the_starter_keeps_its_context_when_the_computation_suspends(rt):
    """F3 at the outermost frame: whoever started the computation keeps its EC and SC."""
    seen = []

    @async_method
    async def job():
        local.value = "job"
        SynchronizationContext.set_current(rt.env.ctx2)
        await yield_()

    async def starter():
        local.value = "starter"
        SynchronizationContext.set_current(rt.env.ctx1)
        task = start(job())
        seen.append((local.value, sc_name(), task.done()))
        await task

    rt(starter)
    assert seen == [("starter", "ctx1", False)]


# ---------------------------------------------------------------- A1


def test_A1_synchronous_awaits_do_nothing_beyond_F1_F2(rt):
    """A1: awaiting a completed awaiter, a finished task or a synchronous frame does not
    suspend: no post, no change of thread, the caller's own writes stay in place."""

    @async_method
    async def sync_frame():
        return "frame"

    @async_method
    async def finished():
        return "task"

    @async_method
    async def caller():
        SynchronizationContext.set_current(rt.env.ctx1)
        local.value = "mine"
        done_task = start(finished())
        before = place()
        got = [await DoneAwaiter("awaiter"), await done_task, await sync_frame()]
        rt.env.log(got, local.value, sc_name(), place() == before)

    out = rt(caller)
    assert rt.env.lines == [(["awaiter", "task", "frame"], "mine", "ctx1", True)]
    assert [e for e in out.trace.events if e.kind in ("suspend", "post")] == []


# ---------------------------------------------------------------- A2


def test_A2_yield_posts_to_the_current_context_or_the_pool(rt):
    """A2: yield_() posts its continuation to the SC current when it suspends, or to the
    thread pool when there is none; configure_await(..., False) sends it to the pool."""

    @async_method
    async def body():
        await yield_()
        rt.env.log("no SC", place(), sc_name())
        SynchronizationContext.set_current(rt.env.ctx1)
        await yield_()
        rt.env.log("ctx1", place(), sc_name())
        await configure_await(yield_(), False)
        rt.env.log("configured", place(), sc_name())

    out = rt(body)
    assert rt.env.lines == [("no SC", "pool", None), ("ctx1", "ctx1", "ctx1"), ("configured", "pool", None)]
    assert rt.env.ctx1.posts == 1
    assert [e.cc for e in out.trace.events if e.kind == "suspend"] == [
        runtime._sched.POOL,
        rt.env.ctx1,
        runtime._sched.POOL,
    ]


def test_A2_captures_run_innermost_first_after_each_callee_F3(rt):
    """A2: at one suspension three continuations are captured, innermost first, each after
    the frame below restored its entry context: every frame resumes with its own EC and SC."""

    @async_method
    async def c():
        local.value = "c"
        SynchronizationContext.set_current(rt.env.ctx3)
        await yield_()
        rt.env.log("c", local.value, sc_name(), place())

    @async_method
    async def b():
        local.value = "b"
        SynchronizationContext.set_current(rt.env.ctx2)
        await c()
        rt.env.log("b", local.value, sc_name(), place())

    @async_method
    async def a():
        local.value = "a"
        SynchronizationContext.set_current(rt.env.ctx1)
        await b()
        rt.env.log("a", local.value, sc_name(), place())

    rt(a)
    assert rt.env.lines == [
        ("c", "c", "ctx3", "ctx3"),
        ("b", "b", "ctx2", "ctx2"),
        ("a", "a", "ctx1", "ctx1"),
    ]


def test_A2_task_await_captures_the_current_context(rt):
    """A2: a task await resumes on the SC current at the await (or the pool under
    configure_await(task, False))."""

    @async_method
    async def work(gate, tag):
        await gate
        return tag

    def open_after_this_step(gate):
        # body runs on ctx1's thread, which runs one item at a time: this opens the gate
        # (from a pool thread) only after body's await has suspended, so that it does suspend.
        rt.env.ctx1.post(lambda: ThreadPool.queue(gate.open))

    @async_method
    async def body():
        SynchronizationContext.set_current(rt.env.ctx1)
        await yield_()  # now on ctx1's thread
        gates = Gate(), Gate()
        task = start(work(gates[0], "default"))
        open_after_this_step(gates[0])
        got = await task
        rt.env.log(got, place(), sc_name())
        task = start(work(gates[1], "configured"))
        open_after_this_step(gates[1])
        got = await configure_await(task, False)
        rt.env.log(got, place(), sc_name())

    out = rt(body)
    assert rt.env.lines == [("default", "ctx1", "ctx1"), ("configured", "pool", None)]
    task_awaits = [e.cc for e in out.trace.events if e.kind == "suspend" and e.via == "task"]
    assert task_awaits == [rt.env.ctx1, runtime._sched.POOL]


# ---------------------------------------------------------------- A3


def test_A3_resumption_restores_the_captured_EC_on_another_thread(rt):
    """A3: the driver restores the EC captured at the suspension before the continuation
    runs, here on a pool thread whose own context holds nothing."""

    @async_method
    async def body():
        for i in range(3):
            local.value = ("iteration", i)
            await PoolAwaiter()
            rt.env.log(local.value, place())

    rt(body)
    assert rt.env.lines == [(("iteration", i), "pool") for i in range(3)]


def test_A3_continuation_already_on_its_context_runs_inline_else_is_posted(rt):
    """A3: a task await whose task completes on the awaiting frame's own context resumes
    inline there (no post); one completing elsewhere is posted to the captured context."""

    @async_method
    async def finish_on(ctx):
        await ContextAwaiter(ctx)

    @async_method
    async def body():
        SynchronizationContext.set_current(rt.env.ctx1)
        await start(finish_on(rt.env.ctx1))  # completes on ctx1: inline
        rt.env.log("same context", place(), rt.env.ctx1.posts)
        await start(finish_on(rt.env.ctx2))  # completes on ctx2: posted to ctx1
        rt.env.log("other context", place(), rt.env.ctx1.posts)

    out = rt(body)
    assert rt.env.lines == [("same context", "ctx1", 1), ("other context", "ctx1", 2)]
    resumes = [e.how for e in out.trace.events if e.kind == "resume" and e.task.name.startswith("task")]
    assert "inline" in resumes and "posted" in resumes


# ---------------------------------------------------------------- A4


def test_A4_value_and_exception_reach_the_caller_on_its_context_unchanged(rt):
    """A4: when a resumed frame finishes, its caller resumes with its own captured EC on
    its own continuation context; an exception is the same object, type and message."""
    raised = []

    @async_method
    async def callee(fail):
        local.value = "callee"
        await PoolAwaiter()
        if fail:
            error = OSError(5, "after resuming")
            raised.append(error)
            raise error
        return 42

    @async_method
    async def caller():
        local.value = "caller"
        SynchronizationContext.set_current(rt.env.ctx1)
        rt.env.log(await callee(False), local.value, sc_name(), place())
        try:
            await callee(True)
        except OSError as error:
            rt.env.log(error is raised[0], type(error), str(error), local.value, sc_name(), place())

    rt(caller)
    assert rt.env.lines == [
        (42, "caller", "ctx1", "ctx1"),
        (True, OSError, "[Errno 5] after resuming", "caller", "ctx1", "ctx1"),
    ]


def test_A4_exception_escaping_the_task_is_the_original_object(rt):
    """A4: an exception leaving a resumed task root reaches run()'s caller unchanged."""
    raised = []

    @async_method
    async def root():
        await yield_()
        raised.append(KeyError("lost key"))
        raise raised[0]

    out = rt(root)
    assert out.error == (KeyError, "'lost key'")
    assert out.error_object is raised[0]


# ---------------------------------------------------------------- A5


def test_A5_custom_awaiter_resumes_where_it_calls_back_with_the_EC_restored(rt):
    """A5: a custom awaiter captures no continuation context: the frame continues on the
    context that invoked the continuation (ctx2, though its own SC was ctx1), with the EC
    captured at the await restored."""

    @async_method
    async def body():
        SynchronizationContext.set_current(rt.env.ctx1)
        local.value = "before awaiter"
        await ContextAwaiter(rt.env.ctx2)
        rt.env.log(local.value, sc_name(), place())

    out = rt(body)
    assert rt.env.lines == [("before awaiter", "ctx2", "ctx2")]
    assert rt.env.ctx1.posts == 0
    assert [e.cc for e in out.trace.events if e.kind == "suspend"] == [runtime._sched.ANY]


def test_A5_awaiter_calling_back_synchronously_runs_on_the_same_thread_without_recursion(rt):
    """A5: a continuation invoked from inside on_completed runs on that thread; the driver
    loops instead of recursing, so thousands of such awaits do not exhaust the stack."""

    @async_method
    async def body():
        local.value = "kept"
        for _ in range(3000):
            await CallNowAwaiter()
        rt.env.log(local.value, place())

    rt(body)
    assert rt.env.lines == [("kept", "caller")]


def test_A5_EC_is_captured_even_when_the_awaiter_thread_has_its_own(rt):
    """A5: only the EC is captured around a custom await, and it wins over the EC of the
    code that invokes the continuation."""
    other = AsyncLocal(name="other")

    class FlowingAwaiter(PoolAwaiter):
        def on_completed(self, continuation):
            with ExecutionContext.suppress_flow():
                runtime.ThreadPool.queue(lambda: (setattr(other, "value", "pool"), continuation()))

    @async_method
    async def body():
        local.value = "frame"
        await FlowingAwaiter()
        rt.env.log(local.value, other.value)

    rt(body)
    assert rt.env.lines == [("frame", None)]


def _failing_close() -> RuntimeError:
    """The RuntimeError of a generator whose close() failed: its __context__ is the
    GeneratorExit that close() threw into that generator."""

    def rows():
        try:
            yield 1
        finally:
            raise RuntimeError("cleanup failed")

    g = rows()
    next(g)
    try:
        g.close()
    except RuntimeError as error:
        assert isinstance(error.__context__, GeneratorExit)
        return error
    raise AssertionError("close() did not fail")


def test_A4_after_a_failed_generator_close_the_caller_still_continues_on_its_context(rt):
    """A4 (review V f1): a GeneratorExit in the __context__ of the exception being handled
    is not "the computation is being closed". A resumed callee awaited in the handler of a
    failed ``gen.close()``, or ending with an exception raised while handling a
    GeneratorExit of its own, still hands its caller the caller's EC on the caller's
    context; the exits took it for a close and left the caller on the pool with the
    callee's EC."""

    @runtime.noinline
    @async_method
    async def log_error():
        local.value = "logger"
        await PoolAwaiter()

    @runtime.noinline
    @async_method
    async def callee():
        local.value = "callee"
        await PoolAwaiter()
        try:
            raise GeneratorExit
        except GeneratorExit:
            raise ValueError("boom") from None

    @async_method
    async def caller():
        SynchronizationContext.set_current(rt.env.ctx1)
        local.value = "caller"
        try:
            raise _failing_close()
        except RuntimeError:
            await log_error()
            rt.env.log("after logger", local.value, place(), sc_name())
        try:
            await callee()
        except ValueError:
            rt.env.log("after callee", local.value, place(), sc_name())

    rt(caller)
    assert rt.env.lines == [("after logger", "caller", "ctx1", "ctx1"), ("after callee", "caller", "ctx1", "ctx1")]


class CleanupFailed(Exception):
    pass


async def _rows_failing_cleanup():
    """An async generator whose cleanup (run by aclose() at its yield) raises."""
    try:
        yield 1
    finally:
        raise CleanupFailed("cleanup failed")


def test_A4_a_callee_ending_with_a_failed_aclose_still_hands_back_its_callers_context(rt):
    """A4 (review R3 f5): a resumed callee that ends with the exception an async generator's
    cleanup raised in ``await g.aclose()`` (or ``async with contextlib.aclosing(g)``) is not
    being closed: aclose() threw its GeneratorExit into the generator through an await, at
    the generator's ``yield``, not into this computation. The exit took it for a close and
    skipped the A4 step: the caller went on with the callee's EC on the pool."""
    import contextlib

    async def by_aclose(g):
        await g.aclose()

    async def by_aclosing(g):
        async with contextlib.aclosing(g):
            pass

    @runtime.noinline
    @async_method
    async def callee(close):
        local.value = "callee"
        await PoolAwaiter()
        g = _rows_failing_cleanup()
        await g.__anext__()
        await close(g)

    @async_method
    async def caller():
        SynchronizationContext.set_current(rt.env.ctx1)
        local.value = "caller"
        for close in (by_aclose, by_aclosing):
            try:
                await callee(close)
            except CleanupFailed:
                rt.env.log(close.__name__, local.value, place(), sc_name())

    rt(caller)
    assert rt.env.lines == [("by_aclose", "caller", "ctx1", "ctx1"), ("by_aclosing", "caller", "ctx1", "ctx1")]
