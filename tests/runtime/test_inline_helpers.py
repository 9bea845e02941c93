"""The helpers inlined code calls (enter, state, leave, leave_sync, resumed) against rules I1-I8.

The differential tests prove whole programs; these pin each helper down alone.
"""

from __future__ import annotations

import contextvars

import pytest

import runtime as _ai_rt
from runtime import AsyncLocal, QueueContext, SynchronizationContext, async_method, yield_
from runtime._state import EC, SC
from runtime._suspension import Suspension
from tests.runtime.support import PoolAwaiter, place, sc_name

local = AsyncLocal("unset", name="helper_local")


def test_I6_fast_path_is_one_contextvar_get_for_entry_and_one_for_the_exit_test():
    """I6: entry and the exit test are ContextVar.get itself, no Python-level call."""
    var = _ai_rt._state._var
    for helper in (_ai_rt.hooks.enter, _ai_rt.state):
        assert helper.__self__ is var and helper.__name__ == "get"

    def body():
        s = _ai_rt.hooks.enter()
        assert _ai_rt.state() is s  # nothing changed: the exit test is one identity check

    contextvars.copy_context().run(body)


def test_I2_the_exit_test_is_never_switched_so_generated_code_may_bind_it_once():
    """Generated modules bind ``_ai_state = runtime.state`` at import; a trace started
    later switches only the entries (``hooks.enter``), whose fresh snapshots make that
    bound exit test fail, so exits are still recorded."""
    bound = _ai_rt.state
    with _ai_rt.trace():
        assert _ai_rt.state is bound
        s = _ai_rt.hooks.enter()
        assert bound() is not s and bound() == s
    assert _ai_rt.state is bound


def test_I2_leave_sync_restores_the_entry_EC_and_SC_on_return_and_raise(rt):
    """I2/F2 for a never-suspending inlinee (I6), on the normal path and the exception path."""

    @async_method
    async def caller():
        local.value = "caller"
        SynchronizationContext.set_current(rt.env.ctx1)
        for fail in (False, True):
            try:
                s = _ai_rt.hooks.enter()
                try:
                    local.value = "inlinee"
                    SynchronizationContext.set_current(rt.env.ctx2)
                    if fail:
                        raise ArithmeticError("inlinee failed")
                finally:
                    if _ai_rt.state() is not s:
                        _ai_rt.leave_sync(s)
            except ArithmeticError as error:
                rt.env.log("caught", str(error))
            rt.env.log(local.value, sc_name())

    rt(caller)
    assert rt.env.lines == [("caller", "ctx1"), ("caught", "inlinee failed"), ("caller", "ctx1")]


def test_I2_leave_without_suspension_restores_and_does_not_suspend():
    """leave() of a frame that never suspended is F2 alone: it finishes without yielding."""

    def body():
        s = _ai_rt.hooks.enter()
        local.value = "changed"
        step = _ai_rt.leave(s)
        with pytest.raises(StopIteration):
            step.send(None)
        assert _ai_rt.state() is s and local.value == "unset"

    contextvars.copy_context().run(body)


def test_I1_resumed_is_false_until_a_suspension_then_true_for_every_enclosing_frame(rt):
    """I1: resumed_F is False from F's start until a suspension inside it, then True, and
    resumed_C implies resumed_B (the outer frame's flag is set by the same suspension)."""

    @async_method
    async def physical():
        s_b = _ai_rt.hooks.enter()
        try:
            s_c = _ai_rt.hooks.enter()
            try:
                rt.env.log("start", _ai_rt.resumed(s_c), _ai_rt.resumed(s_b))
                await yield_()
                rt.env.log("after", _ai_rt.resumed(s_c), _ai_rt.resumed(s_b))
            finally:
                if _ai_rt.state() is not s_c:
                    await _ai_rt.leave(s_c)
            s_d = _ai_rt.hooks.enter()  # a new inlinee after the suspension starts unresumed
            rt.env.log("new frame", _ai_rt.resumed(s_d), _ai_rt.resumed(s_b))
            if _ai_rt.state() is not s_d:
                _ai_rt.leave_sync(s_d)
        finally:
            if _ai_rt.state() is not s_b:
                await _ai_rt.leave(s_b)

    rt(physical)
    assert rt.env.lines == [("start", False, False), ("after", True, True), ("new frame", False, True)]


def test_I4_logical_return_restores_the_callers_EC_and_switches_to_its_context(rt):
    """I4: after the inlinee resumed, its logical return restores the EC from its entry
    snapshot (the caller's slot) and, if the current SC is not the caller's, suspends and
    continues there (one post); when it already is, nothing suspends."""

    @async_method
    async def caller():
        local.value = "caller"
        SynchronizationContext.set_current(rt.env.ctx1)
        for switch in (True, False):
            s = _ai_rt.hooks.enter()
            try:
                local.value = "inlinee"
                if switch:
                    await PoolAwaiter()  # resumes on the pool: SC None
                else:
                    await yield_()  # resumes on ctx1 itself
                rt.env.log("inlinee", switch, local.value, sc_name(), place())
            finally:
                if _ai_rt.state() is not s:
                    await _ai_rt.leave(s)
            rt.env.log("caller", switch, local.value, sc_name(), place())

    out = rt(caller)
    assert rt.env.lines == [
        ("inlinee", True, "inlinee", None, "pool"),
        ("caller", True, "caller", "ctx1", "ctx1"),
        ("inlinee", False, "inlinee", "ctx1", "ctx1"),
        ("caller", False, "caller", "ctx1", "ctx1"),
    ]
    kinds = [e.via for e in out.trace.events if e.kind == "suspend"]
    assert kinds == ["awaiter", "switch", "yield"]


def test_I7_leave_with_false_continues_on_the_pool(rt):
    """I7: configure_await(C(), False) with C inlined: the caller's slot is the thread pool."""

    @async_method
    async def caller():
        SynchronizationContext.set_current(rt.env.ctx1)
        s = _ai_rt.hooks.enter()
        try:
            await yield_()  # inlinee resumes on ctx1
        finally:
            if _ai_rt.state() is not s:
                await _ai_rt.leave(s, False)
        rt.env.log(sc_name(), place())

    rt(caller)
    assert rt.env.lines == [(None, "pool")]
    assert rt.env.ctx1.posts == 1  # the yield's own post; none for the logical return


@pytest.mark.parametrize("suspend_first", [False, True], ids=["before-suspension", "after-suspension"])
def test_I5_exception_leaves_the_inlinee_unchanged_after_I2_I4(rt, suspend_first):
    """I5: the exception that reaches the caller is the same object with the same cause and
    context, and the caller's handler runs with its own EC and on its own SC."""
    made = []

    @async_method
    async def caller():
        local.value = "caller"
        SynchronizationContext.set_current(rt.env.ctx1)
        try:
            s = _ai_rt.hooks.enter()
            try:
                local.value = "inlinee"
                if suspend_first:
                    await PoolAwaiter()
                try:
                    raise KeyError("inner")
                except KeyError as cause:
                    made.append(LookupError("escaping"))
                    raise made[0] from cause
            finally:
                if _ai_rt.state() is not s:
                    await _ai_rt.leave(s)
        except LookupError as error:
            rt.env.log(error is made[0], str(error), repr(error.__cause__), error.__context__ is error.__cause__,
                       local.value, sc_name())

    rt(caller)
    assert rt.env.lines == [(True, "escaping", "KeyError('inner')", True, "caller", "ctx1")]


def test_I6_leave_sync_refuses_a_frame_that_did_suspend(rt):
    """I6: a frame wrongly inlined as never-suspending is detected, not silently restored."""

    @async_method
    async def caller():
        s = _ai_rt.hooks.enter()
        try:
            await yield_()
        finally:
            if _ai_rt.state() is not s:
                _ai_rt.leave_sync(s)

    out = rt(caller, check_trace=False)
    assert out.error is not None and out.error[0] is RuntimeError and "I6" in out.error[1]
    assert "I6" in {v.rule for v in out.violations}


def test_leave_does_not_suspend_while_the_computation_is_closed():
    """A suspended computation that is closed runs its finally blocks; leave() must not
    try to switch context then (that would be 'coroutine ignored GeneratorExit')."""
    seen = []

    async def inlined_caller():
        s = _ai_rt.hooks.enter()
        try:
            local.value = "inlinee"
            await yield_()
        finally:
            seen.append(_ai_rt.resumed(s))
            if _ai_rt.state() is not s:
                await _ai_rt.leave(s)

    def body():
        coro = inlined_caller()
        suspension = coro.send(None)
        assert isinstance(suspension, Suspension)
        # pretend the driver resumed it elsewhere, then suspended again: a new epoch
        _ai_rt._state.set_state((suspension.ec, None, _ai_rt._state.next_epoch()))
        coro.close()

    contextvars.copy_context().run(body)
    assert seen == [True]


def test_nested_inlined_frames_restore_in_order_at_depth_three(rt):
    """Three levels: each inlined frame's logical return restores its caller's EC."""

    @async_method
    async def a():
        local.value = "a"
        s_b = _ai_rt.hooks.enter()
        try:
            local.value = "b"
            s_c = _ai_rt.hooks.enter()
            try:
                local.value = "c"
                await PoolAwaiter()
                rt.env.log("c", local.value)
            finally:
                if _ai_rt.state() is not s_c:
                    await _ai_rt.leave(s_c)
            rt.env.log("b", local.value)
        finally:
            if _ai_rt.state() is not s_b:
                await _ai_rt.leave(s_b)
        rt.env.log("a", local.value)

    out = rt(a)
    assert rt.env.lines == [("c", "c"), ("b", "b"), ("a", "a")]
    enters = [e.frame for e in out.trace.events if e.kind == "enter"]
    assert [f.inline for f in enters] == [False, True, True]
    exits = [e for e in out.trace.events if e.kind == "exit"]
    assert [e.entry[EC] for e in exits[:2]] == [enters[2].entry[EC], enters[1].entry[EC]]
    assert all(e.entry[SC] is None for e in exits)


# ------------------------------------------- try_leave: the exit without a coroutine


def test_I2_F2_try_leave_restores_synchronously_when_the_frame_did_not_resume(rt):
    """I2/F2 through try_leave: a frame that wrote an AsyncLocal and set an SC but never
    suspended is restored by the plain call, which reports that nothing is left to await."""

    @async_method
    async def caller():
        local.value = "caller"
        SynchronizationContext.set_current(rt.env.ctx1)
        for fail in (False, True):
            try:
                s = _ai_rt.hooks.enter()
                try:
                    local.value = "inlinee"
                    SynchronizationContext.set_current(rt.env.ctx2)
                    if fail:
                        raise ArithmeticError("inlinee failed")
                finally:
                    assert _ai_rt.state() is not s
                    rt.env.log("left", _ai_rt.try_leave(s), _ai_rt.state() is s)
            except ArithmeticError as error:
                rt.env.log("caught", str(error))
            rt.env.log(local.value, sc_name())

    out = rt(caller)
    assert rt.env.lines == [
        ("left", True, True), ("caller", "ctx1"),
        ("left", True, True), ("caught", "inlinee failed"), ("caller", "ctx1"),
    ]
    assert [e for e in out.trace.events if e.kind == "suspend"] == []


@pytest.mark.parametrize("resume_on", ["pool", "ctx1"])
def test_I4_A4_try_leave_finishes_the_logical_return_when_the_SC_is_already_the_callers(rt, resume_on):
    """I4/A4 through try_leave: the inlinee resumed where its caller continues (the pool,
    for a caller without SC; or the caller's own SC), so the logical return only restores
    the caller's EC: no switch, no post, and the resumed flag passes to the caller (I1)."""

    @async_method
    async def caller():
        local.value = "caller"
        if resume_on == "ctx1":
            SynchronizationContext.set_current(rt.env.ctx1)
        s_outer = _ai_rt.hooks.enter()
        s = _ai_rt.hooks.enter()
        try:
            local.value = "inlinee"
            if resume_on == "pool":
                await PoolAwaiter()
            else:
                await yield_()  # posted to ctx1, resumes there
        finally:
            rt.env.log("left", _ai_rt.try_leave(s))
        rt.env.log(local.value, sc_name(), place(), _ai_rt.resumed(s_outer))
        _ai_rt.try_leave(s_outer)

    out = rt(caller)
    expected_sc = None if resume_on == "pool" else "ctx1"
    assert rt.env.lines == [("left", True), ("caller", expected_sc, resume_on, True)]
    assert [e.via for e in out.trace.events if e.kind == "suspend"] == ["awaiter" if resume_on == "pool" else "yield"]
    assert [e.kind for e in out.trace.events if e.kind in ("exit", "a4")][:2] == ["exit", "a4"]


def test_I4_try_leave_reports_a_needed_switch_and_changes_nothing_then_leave_switches(rt):
    """I4 through try_leave: the inlinee resumed on the pool but its caller's continuation
    context is ctx1, so only a suspension can finish the logical return: try_leave says
    False and leaves the state alone; ``await leave`` then posts once to ctx1 (A4)."""

    @async_method
    async def caller():
        local.value = "caller"
        SynchronizationContext.set_current(rt.env.ctx1)
        s = _ai_rt.hooks.enter()
        try:
            local.value = "inlinee"
            await PoolAwaiter()
        finally:
            before = _ai_rt.state()
            done = _ai_rt.try_leave(s)
            rt.env.log("left", done, _ai_rt.state() is before, local.value, sc_name(), place())
            if not done:
                await _ai_rt.leave(s)
        rt.env.log(local.value, sc_name(), place())

    out = rt(caller)
    assert rt.env.lines == [("left", False, True, "inlinee", None, "pool"), ("caller", "ctx1", "ctx1")]
    assert [e.via for e in out.trace.events if e.kind == "suspend"] == ["awaiter", "switch"]
    assert out.continuation_posts() == {"ctx1": 1}


@pytest.mark.parametrize("resume_on", ["pool", "ctx1"])
def test_I7_try_leave_with_False_continues_on_the_pool(rt, resume_on):
    """I7 through try_leave: the caller's slot is the thread pool. Resumed on the pool, the
    return is synchronous; resumed on ctx1, it needs the switch to the pool."""

    @async_method
    async def caller():
        SynchronizationContext.set_current(rt.env.ctx1)
        s = _ai_rt.hooks.enter()
        try:
            if resume_on == "pool":
                await PoolAwaiter()
            else:
                await yield_()
        finally:
            done = _ai_rt.try_leave(s, False)
            rt.env.log("left", done)
            if not done:
                await _ai_rt.leave(s, False)
        rt.env.log(sc_name(), place())

    rt(caller)
    assert rt.env.lines == [("left", resume_on == "pool"), (None, "pool")]


def test_I5_try_leave_passes_the_exception_through_unchanged(rt):
    """I5 through try_leave: the same exception object reaches the caller's handler, which
    runs with the caller's EC and on its SC, after a resumed inlinee raised."""
    made = []

    @async_method
    async def caller():
        local.value = "caller"
        s = _ai_rt.hooks.enter()
        try:
            try:
                local.value = "inlinee"
                await PoolAwaiter()
                made.append(KeyError("after resumption"))
                raise made[0]
            finally:
                if _ai_rt.state() is not s and not _ai_rt.try_leave(s):
                    await _ai_rt.leave(s)
        except KeyError as error:
            rt.env.log(error is made[0], local.value, sc_name())

    rt(caller)
    assert rt.env.lines == [(True, "caller", None)]


def test_try_leave_does_nothing_while_the_computation_is_closed():
    """A closed computation runs its finally blocks: try_leave ends the frame without
    asking for a switch, which could never run."""
    seen = []

    async def inlined_caller():
        SynchronizationContext.set_current(QueueContext("never-runs"))
        s = _ai_rt.hooks.enter()
        try:
            await yield_()
        finally:
            seen.append(_ai_rt.try_leave(s))

    def body():
        coro = inlined_caller()
        suspension = coro.send(None)
        _ai_rt._state.set_state((suspension.ec, None, _ai_rt._state.next_epoch()))
        coro.close()

    contextvars.copy_context().run(body)
    assert seen == [True]


def test_F2_A1_a_real_call_that_changed_the_context_ends_without_a_leave_coroutine(rt, monkeypatch):
    """The wrappers of @async_method use try_leave too: a callee that completes at once
    (A1) but wrote an AsyncLocal is restored (F2) without creating a coroutine; one that
    resumed elsewhere still switches back (A4)."""
    calls = []
    original = _ai_rt._frames.leave_frame

    def counting_leave_frame(entry):
        calls.append(entry)
        return original(entry)

    monkeypatch.setitem(_ai_rt._frames.wrapper_globals, "_ai_leave_frame", counting_leave_frame)

    @async_method
    async def writes():
        local.value = "callee"

    @async_method
    async def resumes_on_the_pool():
        await PoolAwaiter()

    @async_method
    async def caller():
        local.value = "caller"
        SynchronizationContext.set_current(rt.env.ctx1)
        await writes()
        rt.env.log(local.value, len(calls))
        await resumes_on_the_pool()
        rt.env.log(sc_name(), place(), len(calls))

    rt(caller)
    assert rt.env.lines == [("caller", 0), ("ctx1", "ctx1", 1)]


def test_protocol_1_enter_still_records_and_pairs_with_leave(rt):
    """Code generated before hooks.enter() (``enter()``, ``await leave(s)`` on every change)
    keeps working, traced, with the same results."""

    @async_method
    async def caller():
        local.value = "caller"
        SynchronizationContext.set_current(rt.env.ctx1)
        s = _ai_rt.enter()
        try:
            local.value = "inlinee"
            await PoolAwaiter()
        finally:
            if _ai_rt.state() is not s:
                await _ai_rt.leave(s)
        rt.env.log(local.value, sc_name(), place())

    out = rt(caller)
    assert rt.env.lines == [("caller", "ctx1", "ctx1")]
    assert [e.frame.inline for e in out.trace.events if e.kind == "enter"] == [False, True]


def test_A4_I4_an_inlined_exit_in_the_handler_of_a_failed_close_still_switches_back(rt):
    """I4/A4 (review V f1): an inlined frame ending inside its caller's handler of a failed
    ``gen.close()`` (a RuntimeError whose __context__ is a GeneratorExit thrown into that
    generator) is not being closed: it switches back to the caller's context; only a
    GeneratorExit thrown into the computation itself (``close()`` of the caller) is."""

    def rows():
        try:
            yield 1
        finally:
            raise RuntimeError("cleanup failed")

    @async_method
    async def caller():
        SynchronizationContext.set_current(rt.env.ctx1)
        local.value = "caller"
        g = rows()
        next(g)
        try:
            g.close()
        except RuntimeError:
            s = _ai_rt.hooks.enter()
            try:
                local.value = "inlinee"
                await PoolAwaiter()
            finally:
                if _ai_rt.state() is not s and not _ai_rt.try_leave(s):
                    await _ai_rt.leave(s)
            rt.env.log(local.value, place(), sc_name())

    rt(caller)
    assert rt.env.lines == [("caller", "ctx1", "ctx1")]


def test_A4_I4_an_inlined_exit_with_a_failed_aclose_still_switches_back(rt):
    """I4/A4 (review R3 f5): an inlined frame ending with the exception an async generator's
    cleanup raised in ``await g.aclose()`` is not being closed (aclose() threw its
    GeneratorExit into the generator at its ``yield``, entered through an await): it
    switches back to the caller's context."""

    class Failed(Exception):
        pass

    async def rows():
        try:
            yield 1
        finally:
            raise Failed("cleanup failed")

    @async_method
    async def caller():
        SynchronizationContext.set_current(rt.env.ctx1)
        local.value = "caller"
        try:
            s = _ai_rt.hooks.enter()
            try:
                local.value = "inlinee"
                await PoolAwaiter()
                g = rows()
                await g.__anext__()
                await g.aclose()
            finally:
                if _ai_rt.state() is not s and not _ai_rt.try_leave(s):
                    await _ai_rt.leave(s)
        except Failed:
            rt.env.log(local.value, place(), sc_name())

    rt(caller)
    assert rt.env.lines == [("caller", "ctx1", "ctx1")]
