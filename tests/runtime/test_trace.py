"""The trace recorder (free when off) and the checker (names the rule and the event)."""

from __future__ import annotations

import ast
import dataclasses
import pathlib
import types

import pytest

import runtime
import runtime as _ai_rt
from runtime import AsyncLocal, SynchronizationContext, async_method, yield_
from runtime._sched import POOL
from runtime._state import EMPTY
from tests.runtime.support import TIMEOUT, Gate, PoolAwaiter

local = AsyncLocal(name="trace_local")


def _namespaces():
    """Every attribute of the runtime's modules, AsyncLocal.value and the wrappers' globals."""
    out = {}
    for module in vars(runtime).values():
        if isinstance(module, types.ModuleType) and module.__name__.startswith("runtime."):
            for attr, value in vars(module).items():
                if attr not in ("active", "enter", "enter_call", "restored"):  # the recording slot itself
                    out[f"{module.__name__}.{attr}"] = value
    for attr, value in vars(runtime).items():
        out[f"runtime.{attr}"] = value
    out["AsyncLocal.value"] = AsyncLocal.__dict__["value"]
    out["wrapper globals"] = dict(runtime._frames.wrapper_globals)
    return out


def _idle():
    hooks = runtime.hooks
    return hooks.active is None and runtime._state.restored is None and all(e.__self__ is runtime._state._var for e in (hooks.enter, hooks.enter_call))


def test_recording_replaces_nothing_but_the_slot():
    """Layering: a trace switches _recorder.active (and the frame entries and
    _state.restored, the bottom module's slot, with it); no function of any runtime
    module is replaced, and switching off restores the slot."""
    before = _namespaces()
    assert _idle()  # frame entries are one ContextVar.get
    with runtime.trace() as t:
        assert runtime.hooks.active is t
        assert (runtime.hooks.enter, runtime.hooks.enter_call) == (t.enter_inlined, t.enter_call)
        assert runtime._state.restored == t.ec_restored
        during = _namespaces()
    assert _idle()
    after = _namespaces()
    for name, value in before.items():
        assert during[name] is value or during[name] == value, name
        assert after[name] is value or after[name] == value, name


def test_no_runtime_module_imports_inside_functions():
    """Layering: every import of the runtime is at module level (no hidden import cycles)."""
    root = pathlib.Path(runtime.__file__).parent
    for path in sorted(root.glob("*.py")):
        tree = ast.parse(path.read_text())
        top = {id(node) for node in tree.body}
        guarded = {id(n) for node in tree.body if isinstance(node, ast.If) for n in node.body}  # TYPE_CHECKING
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                assert id(node) in top | guarded, f"{path.name}:{node.lineno} imports inside a function"


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
    events = list(trace.events)
    index = next(i for i, e in enumerate(events) if pick(e))
    ev = dataclasses.replace(events[index], **changes)
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
        changes["chain"] = tuple((f, i == len(ev.chain) - 1) for i, (f, _) in enumerate(ev.chain))
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
            _ai_rt.enter()  # the inner frame's snapshot, dropped
            try:
                local.value = "c"
                await yield_()
            finally:
                if _ai_rt.state() is not s_b:  # should be the inner snapshot
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


@pytest.mark.parametrize("switch", ["gate", "yield"])
def test_A3_a_trace_started_while_a_task_is_suspended_does_not_lose_its_resumption(switch):
    """A3 (review V f6): tracing never changes what the program does. A trace switched on
    while a task was suspended (at a custom awaiter, or between a yield_() and its post)
    failed an assert on the resumption, which was then lost and the task never finished.
    Now the events of that suspension, and the exit of frames entered before the trace,
    are left out, and what the trace did record is valid."""
    gate = Gate()

    @async_method
    async def job():
        local.value = "job"
        await gate
        return local.value

    @async_method
    async def yielding():
        local.value = "job"
        await yield_()
        return local.value

    with runtime.deterministic() as sched:
        task = runtime.start(job() if switch == "gate" else yielding())
        with runtime.trace() as trace:
            if switch == "gate":
                gate.open()
            assert task.result() == "job"
            sched.run_until_idle()
    assert trace.check() == []


# ------------------------------------------------- consistently wrong traces (review V f3)


def _ui_program_trace(env):
    """outer sets SC ui and a local, awaits inner (which resumes on the pool), then yield_()."""

    @async_method
    async def inner():
        local.value = "inner"
        await PoolAwaiter()
        return local.value

    @async_method
    async def outer():
        SynchronizationContext.set_current(env.ui)
        local.value = "outer"
        v = await inner()
        await yield_()
        return v, local.value

    with runtime.trace() as trace:
        assert runtime.run(outer(), timeout=TIMEOUT) == ("inner", "outer")
    assert trace.check() == []
    return list(trace.events)


def _caller_continued_on_the_pool(events, ui):
    switch = next(e for e in events if e.kind == "suspend" and e.via == "switch")
    out = []
    for e in events:
        if e is switch or getattr(e, "suspension", None) == switch.seq:
            continue
        if e.kind == "a4":
            e = dataclasses.replace(e, cc=POOL, sc=None)
        elif e.kind == "exit" and e.cc is ui:
            e = dataclasses.replace(e, cc=POOL)
        out.append(e)
    return out


def _yield_captured_the_pool(events, ui):
    ys = next(e for e in events if e.kind == "suspend" and e.via == "yield")
    out = []
    for e in events:
        if e is ys:
            e = dataclasses.replace(e, cc=POOL)
        elif e.kind == "post" and e.suspension == ys.seq:
            e = dataclasses.replace(e, target=POOL, where=POOL)
        elif e.kind == "resume" and e.suspension == ys.seq:
            e = dataclasses.replace(e, sc=None, where=POOL)
        out.append(e)
    return out


def _suspension_captured_another_ec(events, ui):
    start = next(e for e in events if e.kind == "task_start")
    s = next(e for e in events if e.kind == "suspend")
    out = []
    for e in events:
        if e is s or (e.kind == "resume" and e.suspension == s.seq):
            e = dataclasses.replace(e, ec=start.ec)
        out.append(e)
    return out


def _ui_continuation_inline_on_the_pool(events, ui):
    return [
        dataclasses.replace(e, how="inline", where=POOL) if e.kind == "resume" and e.sc is ui else e
        for e in events
        if not (e.kind == "post" and e.target is ui)
    ]


def _no_resumptions(events, ui):
    return [e for e in events if e.kind != "resume"]


def _reads_in_another_ec(events, ui):
    start = next(e for e in events if e.kind == "task_start")
    return [
        dataclasses.replace(e, ec=start.ec, value=start.ec.get(e.local)) if e.kind == "read" else e
        for e in events
    ]


@pytest.mark.parametrize(
    ("rule", "tamper"),
    [
        ("A4", _caller_continued_on_the_pool),
        ("A2", _yield_captured_the_pool),
        ("A2", _suspension_captured_another_ec),
        ("A3", _ui_continuation_inline_on_the_pool),
        ("A3", _no_resumptions),
        ("A3", _reads_in_another_ec),
    ],
)
def test_the_checker_tracks_each_tasks_current_EC_and_SC(threads_rt, rule, tamper):
    """A2, A3, A4 (review V f3): traces changed consistently, as a wrong runtime or
    miscompiled inlined code would record them, were accepted: the checker took the
    continuation context from the events themselves and kept no per-task current
    (EC, SC) to compare suspensions, reads, resumptions and A4 steps with."""
    events = tamper(_ui_program_trace(threads_rt.env), threads_rt.env.ui)
    assert rule in {v.rule for v in runtime.check_trace(events)}
