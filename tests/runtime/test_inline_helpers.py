"""The helpers inlined code calls (enter, state, leave, leave_sync, resumed) against rules I1-I8.

The differential tests prove whole programs; these pin each helper down alone.
"""

from __future__ import annotations

import contextvars

import pytest

import runtime as _ai_rt
from runtime import AsyncLocal, SynchronizationContext, async_method, yield_
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
        s = _ai_rt.enter()
        assert _ai_rt.state() is s  # nothing changed: the exit test is one identity check

    contextvars.copy_context().run(body)


def test_I2_leave_sync_restores_the_entry_EC_and_SC_on_return_and_raise(rt):
    """I2/F2 for a never-suspending inlinee (I6), on the normal path and the exception path."""

    @async_method
    async def caller():
        local.value = "caller"
        SynchronizationContext.set_current(rt.env.ctx1)
        for fail in (False, True):
            try:
                s = _ai_rt.enter()
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
        s = _ai_rt.enter()
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
        s_b = _ai_rt.enter()
        try:
            s_c = _ai_rt.enter()
            try:
                rt.env.log("start", _ai_rt.resumed(s_c), _ai_rt.resumed(s_b))
                await yield_()
                rt.env.log("after", _ai_rt.resumed(s_c), _ai_rt.resumed(s_b))
            finally:
                if _ai_rt.state() is not s_c:
                    await _ai_rt.leave(s_c)
            s_d = _ai_rt.enter()  # a new inlinee after the suspension starts unresumed
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
            s = _ai_rt.enter()
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
        s = _ai_rt.enter()
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
            s = _ai_rt.enter()
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
        s = _ai_rt.enter()
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
        s = _ai_rt.enter()
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
        s_b = _ai_rt.enter()
        try:
            local.value = "b"
            s_c = _ai_rt.enter()
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
