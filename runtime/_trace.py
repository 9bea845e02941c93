"""An opt-in recorder of runtime events. It costs one test of the recording slot per point while off.

While a :class:`Trace` records, it is ``_recorder.active``; each point that
records (a frame's exit, suspensions, posts, resumptions, task start and end,
``set_current``, ``AsyncLocal`` reads and writes) tests that slot and calls the
matching method below; frame entries go through the slot's entry callables
(see ``_recorder``). A frame entered while recording gets a fresh copy of the
state as its snapshot, so its exit test ``state() is not entry`` fails and the
exit goes through the helpers that record it.

Record before the program starts and stop after it ends: frames that are
open while tracing is switched on or off are not seen whole. Switching it on
mid-run changes nothing the program does: the exits of frames entered before,
and the posts and resumptions of suspensions made before, are left out.
"""

from __future__ import annotations

import asyncio
import contextvars
import itertools
import sys
import threading
from collections.abc import Callable, Iterable
from typing import Any, Concatenate, ParamSpec, TypeVar

from . import _check, _frames, _recorder, _sched, _state
from ._check import TraceViolation, Violation
from ._events import (
    CallerResumed,
    Driver,
    Enter,
    Event,
    Exit,
    FrameRecord,
    Post,
    Read,
    RestoreEC,
    Resume,
    ResumeHow,
    SetSC,
    Suspend,
    TaskDone,
    TaskStart,
    Write,
)
from ._frames import task_var
from ._local import AsyncLocal
from ._sched import ContinuationContext, Place
from ._state import EC, EPOCH, SC, ExecutionContext, State
from ._suspension import Suspension
from ._sync import SynchronizationContext

P = ParamSpec("P")
E = TypeVar("E", bound=Event)

# This task's open frames, innermost first, as a linked list (a copied Context keeps its own).
_Stack = tuple[FrameRecord, "_Stack | None"]
_stack_var: contextvars.ContextVar[_Stack | None] = contextvars.ContextVar("runtime.trace.frames", default=None)


def current_task() -> Driver:
    """Who is driving the current code: a runtime Task, an asyncio task, or this thread."""
    task = task_var.get()
    # An asyncio task created during a runtime step inherits task_var: trust it only
    # while that runtime task is stepping on this very thread.
    if task is not None and task.stepping_thread == threading.get_ident():
        return task
    if asyncio._get_running_loop() is not None:
        t = asyncio.current_task()
        if t is not None:
            return t
    return f"thread {threading.current_thread().name}"


def _open_frames() -> list[FrameRecord]:
    """This task's open frames, innermost first (a copied Context may hold another task's)."""
    task = current_task()
    node = _stack_var.get()
    out = []
    while node is not None and node[0].task is task:
        out.append(node[0])
        node = node[1]
    return out


class Trace:
    """The events of one recording; use as ``with runtime.trace() as t: ...``."""

    def __init__(self) -> None:
        self.events: list[Event] = []
        self._seq = itertools.count()
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def _add(
        self,
        kind: Callable[Concatenate[int, Driver, Place, str, P], E],
        task: Driver | None,
        /,
        *args: P.args,
        **fields: P.kwargs,
    ) -> E:
        who = current_task() if task is None else task
        where, thread = _sched.where(), threading.current_thread().name
        with self._lock:
            ev = kind(next(self._seq), who, where, thread, *args, **fields)
            self.events.append(ev)
        return ev

    # ------------------------------------------------------------ recording points
    def frame_enter(self, entry: State, inline: bool, depth: int) -> State:
        """Record the entry of a frame whose code runs ``depth`` frames up; return its snapshot.

        The snapshot is a fresh copy of ``entry`` (same EC, SC and epoch), so
        the frame's exit test fails and its exit is recorded too.
        """
        snapshot = (entry[EC], entry[SC], entry[EPOCH])
        caller = sys._getframe(depth)
        code = caller.f_code
        name = getattr(code, "co_qualname", code.co_name)
        if inline:
            name = f"inlined@{name}:{caller.f_lineno}"
        no_capture = None if inline else caller in _frames.no_capture_frames
        rec = FrameRecord(next(self._ids), name, inline, snapshot, current_task(), no_capture)
        _stack_var.set((rec, _stack_var.get()))
        self._add(Enter, rec.task, rec, entry[EC], entry[SC], entry[EPOCH])
        return snapshot

    def enter_inlined(self) -> State:
        """``hooks.enter()`` while recording: the entry of an inlined frame."""
        return self.frame_enter(_state.get_state(), True, 2)

    def enter_call(self) -> State:
        """``hooks.enter_call()`` while recording: the entry of an ``@async_method`` call."""
        return self.frame_enter(_state.get_state(), False, 2)

    def frame_exit(
        self,
        entry: State,
        resumed: bool,
        *,
        sync: bool = False,
        closed: bool = False,
        task_root: bool = False,
        cc: ContinuationContext | None = None,
    ) -> FrameRecord | None:
        node = _stack_var.get()
        rec = None
        if node is not None and node[0].entry is entry:
            rec = node[0]
            _stack_var.set(node[1])
        elif not any(f.entry is entry for f in _open_frames()):
            return None  # entered before this trace started (or an abandoned computation being destroyed)
        exc = sys.exc_info()[1]
        st = _state.get_state()
        self._add(
            Exit, None, rec, entry, resumed, exc, st[EC], st[SC], st[EPOCH],
            sync=sync, closed=closed, task_root=task_root, cc=cc,
        )
        return rec

    def caller_resumed(self, frame: FrameRecord | None, entry: State, cc: ContinuationContext) -> None:
        st = _state.get_state()
        self._add(CallerResumed, None, frame, entry, cc, st[EC], st[SC], st[EPOCH])

    def suspended(self, r: Suspension) -> None:
        st = _state.get_state()
        chain = tuple((f, st[EPOCH] != f.entry[EPOCH]) for f in _open_frames())
        r.seq = self._add(Suspend, None, r.kind, r.cc, r.ec, st[EPOCH], chain, r.capture).seq

    def posted(self, task: Driver, r: Suspension) -> None:
        if r.seq is not None:  # else it suspended before this trace started: left out
            self._add(Post, task, r.seq, r.cc)

    def resuming(self, task: Driver | None, r: Suspension, state: State, how: ResumeHow) -> None:
        if r.seq is not None:  # else it suspended before this trace started: left out
            self._add(Resume, task, r.seq, how, state[EC], state[SC], state[EPOCH])

    def task_started(self, task: Driver, state: State) -> None:
        self._add(TaskStart, task, state[EC], state[SC])

    def task_done(self, task: Driver, error: BaseException | None) -> None:
        self._add(TaskDone, task, error)

    def sc_set(self, sc: SynchronizationContext | None) -> None:
        self._add(SetSC, None, sc)

    def ec_restored(self, ec: ExecutionContext) -> None:
        self._add(RestoreEC, None, ec)

    def local_read(self, local: AsyncLocal[Any], value: object, ec: ExecutionContext) -> None:
        self._add(Read, None, local, value, ec)

    def local_written(self, local: AsyncLocal[Any], value: object, ec: ExecutionContext) -> None:
        self._add(Write, None, local, value, ec)

    # ------------------------------------------------------------ switching on/off
    def __enter__(self) -> Trace:
        _recorder.activate(self)
        return self

    def __exit__(self, *exc: object) -> None:
        _recorder.deactivate(self)

    # ------------------------------------------------------------ checking
    def check(self) -> list[Violation]:
        return _check.check(self.events)

    def assert_valid(self) -> None:
        _check.assert_valid(self.events)

    def posts(self) -> dict[ContinuationContext, int]:
        """Number of continuation posts per target context, from the trace."""
        out: dict[ContinuationContext, int] = {}
        for ev in self.events:
            if isinstance(ev, Post):
                out[ev.target] = out.get(ev.target, 0) + 1
        return out


def trace() -> Trace:
    """Record runtime events while the returned object is used as a context manager."""
    return Trace()


def check_trace(trace: Trace | Iterable[Event]) -> list[Violation]:
    """Violations found in a :class:`Trace` (or a sequence of its events)."""
    return _check.check(trace.events if isinstance(trace, Trace) else trace)


__all__ = ["Trace", "TraceViolation", "Violation", "check_trace", "current_task", "trace"]
