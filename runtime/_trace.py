"""An opt-in recorder of runtime events. It costs nothing while off.

The hot paths -- a frame's entry, its exit test, ``AsyncLocal.value`` -- are
plain ``ContextVar.get`` calls and a property; while a :class:`Trace` records,
they are rebound to recording versions (on the wrapper globals of
``@async_method``, on the ``runtime`` module for inlined code, on
``AsyncLocal``). The exit test then always fails, so every exit goes through
``_frames.leave`` / ``_inline.leave_sync``, which record. The slow paths
(suspensions, posts, resumptions, task start/end, ``set_current``) test the
module-level ``recorder``.

Record before the program starts and stop after it ends: frames that are
open while tracing is switched on or off are not seen whole.
"""

from __future__ import annotations

import asyncio
import contextvars
import itertools
import sys
import threading
from typing import Any

from . import _sched, _state
from ._state import EC, EPOCH, SC

recorder: Trace | None = None
_switch_lock = threading.Lock()


class Event:
    """One recorded event: ``seq``, ``kind``, ``task``, ``where``, ``thread`` and kind-specific fields."""

    def __init__(self, seq: int, kind: str, task: Any, where: Any, thread: str, fields: dict) -> None:
        self.seq = seq
        self.kind = kind
        self.task = task
        self.where = where
        self.thread = thread
        self.__dict__.update(fields)

    def fields(self) -> dict:
        skip = {"seq", "kind", "task", "where", "thread"}
        return {k: v for k, v in self.__dict__.items() if k not in skip}

    def __repr__(self) -> str:
        body = ", ".join(f"{k}={_label(v)}" for k, v in self.fields().items())
        return f"#{self.seq} {self.kind}({body}) task={_label(self.task)} where={_label(self.where)}"


class FrameRecord:
    """A frame as the trace knows it: entered with snapshot ``entry``."""

    __slots__ = ("id", "name", "inline", "entry", "task")

    def __init__(self, id: int, name: str, inline: bool, entry: tuple, task: Any) -> None:
        self.id = id
        self.name = name
        self.inline = inline
        self.entry = entry
        self.task = task

    def __repr__(self) -> str:
        kind = "inlined frame" if self.inline else "frame"
        return f"{kind} {self.name}#{self.id}"


def _label(v: Any) -> str:
    from ._state import ExecutionContext

    if isinstance(v, ExecutionContext):
        return f"EC#{id(v) & 0xFFFFFF:06x}"
    if isinstance(v, list):
        return "[" + ", ".join(_label(x) for x in v) + "]"
    if isinstance(v, tuple):
        return "(" + ", ".join(_label(x) for x in v) + ")"
    return repr(v)


_stack_var: contextvars.ContextVar = contextvars.ContextVar("runtime.trace.frames", default=None)
_FORCE_EXIT = object()  # what the traced exit test returns: never the entry snapshot


def current_task() -> Any:
    """Who is driving the current code: a runtime Task, an asyncio task, or this thread."""
    from ._frames import task_var

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


def _open_frames() -> list:
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
        self._saved: dict = {}

    # ------------------------------------------------------------ recording
    def event(self, kind: str, **fields: Any) -> Event:
        task = fields.pop("task", None) or current_task()
        with self._lock:
            ev = Event(next(self._seq), kind, task, _sched.where(), threading.current_thread().name, fields)
            self.events.append(ev)
        return ev

    def frame_enter(self, inline: bool, depth: int = 2) -> tuple:
        entry = _state.get_state()
        caller = sys._getframe(depth)
        code = caller.f_code
        name = getattr(code, "co_qualname", code.co_name)
        if inline:
            name = f"inlined@{name}:{caller.f_lineno}"
        rec = FrameRecord(next(self._ids), name, inline, entry, current_task())
        _stack_var.set((rec, _stack_var.get()))
        self.event("enter", frame=rec, ec=entry[EC], sc=entry[SC], epoch=entry[EPOCH])
        return entry

    def frame_exit(self, entry: tuple, resumed: bool, **fields: Any) -> FrameRecord | None:
        node = _stack_var.get()
        rec = None
        if node is not None and node[0].entry is entry:
            rec = node[0]
            _stack_var.set(node[1])
        exc = sys.exc_info()[1]
        if rec is None and isinstance(exc, GeneratorExit):
            return None  # an abandoned computation being destroyed; this trace never saw it run
        st = _state.get_state()
        self.event(
            "exit",
            frame=rec,
            entry=entry,
            resumed=resumed,
            error=exc,
            ec=st[EC],
            sc=st[SC],
            epoch=st[EPOCH],
            **fields,
        )
        return rec

    def suspended(self, r: Any) -> None:
        st = _state.get_state()
        chain = [(f, st[EPOCH] != f.entry[EPOCH]) for f in _open_frames()]
        ev = self.event("suspend", susp=r.kind, cc=r.cc, ec=r.ec, epoch=st[EPOCH], chain=chain)
        r.seq = ev.seq

    def posted(self, task: Any, r: Any) -> None:
        self.event("post", task=task, susp=r.seq, target=r.cc)

    def resuming(self, task: Any, r: Any, state: tuple, how: str) -> None:
        self.event("resume", task=task, susp=r.seq, how=how, ec=state[EC], sc=state[SC], epoch=state[EPOCH])

    # ------------------------------------------------------------ switching on/off
    def __enter__(self) -> Trace:
        _enable(self)
        return self

    def __exit__(self, *exc: object) -> None:
        _disable(self)

    # ------------------------------------------------------------ checking
    def check(self) -> list[Violation]:
        from ._check import check

        return check(self.events)

    def assert_valid(self) -> None:
        from ._check import assert_valid

        assert_valid(self.events)

    def posts(self) -> dict:
        """Number of continuation posts per target context, from the trace."""
        out: dict = {}
        for ev in self.events:
            if ev.kind == "post":
                out[ev.target] = out.get(ev.target, 0) + 1
        return out


class Violation:
    """A broken rule: ``rule`` (e.g. 'A3'), the offending ``event`` and a message."""

    def __init__(self, rule: str, event: Event | None, message: str) -> None:
        self.rule = rule
        self.event = event
        self.message = message

    def __str__(self) -> str:
        where = f" at event {self.event!r}" if self.event is not None else ""
        return f"{self.rule} violated{where}: {self.message}"

    __repr__ = __str__


class TraceViolation(AssertionError):
    def __init__(self, violations: list[Violation]) -> None:
        self.violations = violations
        super().__init__("\n".join(str(v) for v in violations))


# ---------------------------------------------------------------- recording versions


def _traced_enter_frame() -> tuple:
    return recorder.frame_enter(False) if recorder is not None else _state.get_state()


def _traced_enter_inline() -> tuple:
    return recorder.frame_enter(True) if recorder is not None else _state.get_state()


def _traced_state() -> Any:
    return _FORCE_EXIT


def _traced_get(self: Any) -> Any:
    ec = _state.get_state()[EC]
    value = ec._values.get(self, self._default)
    if recorder is not None:
        recorder.event("read", local=self, value=value, ec=ec)
    return value


def _traced_set(self: Any, value: Any) -> None:
    _state.AsyncLocal._set(self, value)
    if recorder is not None:
        recorder.event("write", local=self, value=value, ec=_state.get_state()[EC])


def _targets() -> list[tuple[Any, str, Any]]:
    """(namespace, name, recording version) for every hot-path name the tracer rebinds."""
    import runtime

    from . import _frames, _inline

    wg = _frames.wrapper_globals
    traced_value = property(_traced_get, _traced_set, doc=_state.AsyncLocal.value.__doc__)
    return [
        (wg, "_ai_enter", _traced_enter_frame),
        (wg, "_ai_state", _traced_state),
        (runtime, "enter", _traced_enter_inline),
        (runtime, "state", _traced_state),
        (_inline, "enter", _traced_enter_inline),
        (_inline, "state", _traced_state),
        (_state.AsyncLocal, "value", traced_value),
    ]


def _get(ns: Any, name: str) -> Any:
    return ns[name] if isinstance(ns, dict) else getattr(ns, name)


def _put(ns: Any, name: str, value: Any) -> None:
    if isinstance(ns, dict):
        ns[name] = value
    else:
        setattr(ns, name, value)


def _enable(trace: Trace) -> None:
    global recorder
    with _switch_lock:
        if recorder is not None:
            raise RuntimeError("a runtime trace is already recording")
        for ns, name, traced in _targets():
            trace._saved[(id(ns), name)] = (ns, name, _get(ns, name))
            _put(ns, name, traced)
        recorder = trace


def _disable(trace: Trace) -> None:
    global recorder
    with _switch_lock:
        if recorder is not trace:
            return
        recorder = None
        for ns, name, original in trace._saved.values():
            _put(ns, name, original)
        trace._saved.clear()


def trace() -> Trace:
    """Record runtime events while the returned object is used as a context manager."""
    return Trace()

