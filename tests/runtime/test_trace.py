"""The trace recorder (free when off) and the checker (names the rule and the event)."""

from __future__ import annotations

import copy

import pytest

import runtime
import runtime as _ai_rt
from runtime import AsyncLocal, SynchronizationContext, async_method, yield_
from runtime._state import EMPTY
from tests.runtime.support import PoolAwaiter

local = AsyncLocal(name="trace_local")


def _originals():
    from runtime import _frames, _inline, _state

    return {
        "wrapper enter": (_frames.wrapper_globals["_ai_enter"], _state.get_state),
        "wrapper exit test": (_frames.wrapper_globals["_ai_state"], _state.get_state),
        "runtime.enter": (runtime.enter, _state.get_state),
        "runtime.state": (runtime.state, _state.get_state),
        "_inline.enter": (_inline.enter, _state.get_state),
        "AsyncLocal.value": (_state.AsyncLocal.__dict__["value"], _state.AsyncLocal._ORIGINAL_VALUE),
    }


def test_tracing_off_leaves_the_plain_fast_paths_in_place():
    """Zero cost when off: every hot-path name is the untraced object itself."""
    for name, (current, original) in _originals().items():
        assert current is original, name
    with runtime.trace():
        assert runtime.enter is not runtime._state.get_state
        assert AsyncLocal.__dict__["value"] is not AsyncLocal._ORIGINAL_VALUE
    for name, (current, original) in _originals().items():
        assert current is original, name
    assert runtime._trace.recorder is None


def test_only_one_trace_records_at_a_time():
    with runtime.trace():
        with pytest.raises(RuntimeError, match="already recording"):
            with runtime.trace():
                pass


def _sample_trace(rt):
    # noinline: the tests below pick these frames' own events out of the trace
    @runtime.noinline
    @async_method
    async def inner():
        local.value = "inner"
        await PoolAwaiter()
        return local.value

    @runtime.noinline
    @async_method
    async def sync_helper():
        local.value = "sync helper"

    @async_method
    async def outer():
        SynchronizationContext.set_current(rt.env.ctx1)
        local.value = "outer"
        await sync_helper()
        got = await inner()
        await yield_()
        return got, local.value

    out = rt(outer)
    assert out.value == ("inner", "outer")
    return out.trace


def test_the_recorder_sees_every_kind_of_event(rt):
    trace = _sample_trace(rt)
    kinds = {e.kind for e in trace.events}
    assert kinds >= {"task_start", "enter", "write", "set_sc", "suspend", "resume", "read",
                     "exit", "a4", "post", "task_done"}
    assert runtime.check_trace(trace) == []


def _tampered(trace, pick, **changes):
    events = copy.copy(trace.events)
    index = next(i for i, e in enumerate(events) if pick(e))
    ev = copy.copy(events[index])
    ev.__dict__.update(changes)
    events[index] = ev
    return runtime.check_trace(events), ev


@pytest.mark.parametrize(
    ("rule", "pick", "changes"),
    [
        ("F2", lambda e: e.kind == "exit" and not e.resumed, {"ec": "wrong"}),
        ("A3", lambda e: e.kind == "resume", {"ec": EMPTY}),
        ("A3", lambda e: e.kind == "resume" and e.how == "posted", {"sc": None}),
        ("A3", lambda e: e.kind == "post", {"target": None}),
        ("A4", lambda e: e.kind == "a4", {"sc": "somewhere else"}),
        ("A4", lambda e: e.kind == "exit" and e.resumed and e.frame.name.endswith("inner"), {"ec": EMPTY}),
        ("I1", lambda e: e.kind == "suspend", {"chain": None}),
        ("I1", lambda e: e.kind == "exit" and e.resumed, {"resumed": False}),
        ("AsyncLocal", lambda e: e.kind == "read", {"value": "not in the EC"}),
    ],
)
def test_the_checker_names_the_rule_and_the_event(threads_rt, rule, pick, changes):
    trace = _sample_trace(threads_rt)
    if changes.get("chain", 1) is None:  # make the flags non-monotonic: outer resumed, inner not
        ev = next(e for e in trace.events if pick(e))
        changes["chain"] = [(f, i == len(ev.chain) - 1) for i, (f, _) in enumerate(ev.chain)]
    violations, ev = _tampered(trace, pick, **changes)
    assert rule in {v.rule for v in violations}, violations
    hit = next(v for v in violations if v.rule == rule)
    assert hit.event is ev
    assert str(hit).startswith(f"{rule} violated at event #{ev.seq} {ev.kind}(")


def test_the_checker_reports_a_continuation_resumed_twice(threads_rt):
    trace = _sample_trace(threads_rt)
    events = list(trace.events)
    resume = next(e for e in events if e.kind == "resume")
    events.insert(events.index(resume) + 1, resume)
    assert any(v.rule == "A3" and "twice" in v.message for v in runtime.check_trace(events))


def test_the_checker_reports_a_frame_never_left(threads_rt):
    trace = _sample_trace(threads_rt)
    events = [e for e in trace.events if not (e.kind == "exit" and e.frame.name.endswith("inner"))]
    messages = [str(v) for v in runtime.check_trace(events)]
    assert any(m.startswith("I2 violated") and "never left" in m for m in messages), messages


# ------------------------------------------------- miscompiled inlined code is caught


def test_inlined_code_leaving_with_the_wrong_snapshot_is_an_I2_violation(rt):
    """A generator bug: the inner inlinee exits with its caller's snapshot."""

    @async_method
    async def miscompiled():
        s_b = _ai_rt.enter()
        try:
            local.value = "b"
            s_c = _ai_rt.enter()
            try:
                local.value = "c"
                await yield_()
            finally:
                if _ai_rt.state() is not s_b:  # should be s_c
                    await _ai_rt.leave(s_b)
        finally:
            if _ai_rt.state() is not s_b:
                await _ai_rt.leave(s_b)

    out = rt(miscompiled, check_trace=False)
    assert "I2" in {v.rule for v in out.violations}


def test_inlined_code_without_an_exit_is_an_I2_violation(rt):
    """A generator bug: no I2 exit (the finally block was not emitted)."""

    @async_method
    async def miscompiled():
        _ai_rt.enter()
        local.value = "inlinee"
        await yield_()

    out = rt(miscompiled, check_trace=False)
    assert any(v.rule == "I2" and "never left" in v.message for v in out.violations)
