"""What a :class:`~runtime.Trace` records: one frozen dataclass per kind of event.

Every event carries ``seq`` (its position in the trace), ``task`` (who drives
the code: a runtime Task, an asyncio task, or ``"thread <name>"``), ``where``
(the place running it: ``POOL``, a context, or None) and ``thread`` (the
thread's name). ``kind`` is a class attribute naming the kind in messages.
"""

from __future__ import annotations

import asyncio
import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Literal, TypeAlias, Union

from ._state import ExecutionContext

if TYPE_CHECKING:
    from ._driver import Task
    from ._local import AsyncLocal
    from ._sched import ContinuationContext, Place
    from ._state import State
    from ._suspension import SuspensionKind
    from ._sync import SynchronizationContext

Driver: TypeAlias = Union["Task[Any]", "asyncio.Task[Any]", str]
"""Who drives a computation: a runtime Task, an asyncio task, or a thread (``"thread <name>"``)."""

ResumeHow: TypeAlias = Literal["inline", "posted", "asyncio"]
"""How a continuation started: run where its operation completed, posted, or by asyncio."""

# Events compare and hash by identity (eq=False) and print as "#seq kind(fields)".

@dataclass(frozen=True, slots=True, eq=False, repr=False)
class FrameRecord:
    """A frame as the trace knows it: entered with snapshot ``entry``. ``no_capture``: a
    call awaited under ``configure_await(call, False)`` (None for inlined frames: unknown)."""

    id: int
    name: str
    inline: bool
    entry: State
    task: Driver
    no_capture: bool | None = None

    def __repr__(self) -> str:
        kind = "inlined frame" if self.inline else "frame"
        return f"{kind} {self.name}#{self.id}"


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Event:
    seq: int
    task: Driver
    where: Place
    thread: str

    kind: ClassVar[str] = "event"

    def fields(self) -> dict[str, Any]:
        """The kind-specific fields, by name."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)[4:]}

    def __repr__(self) -> str:
        body = ", ".join(f"{k}={_label(v)}" for k, v in self.fields().items())
        return f"#{self.seq} {self.kind}({body}) task={_label(self.task)} where={_label(self.where)}"


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class TaskStart(Event):
    """``runtime.start`` began a task with this (EC, SC)."""

    kind = "task_start"
    ec: ExecutionContext
    sc: SynchronizationContext | None


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Enter(Event):
    """A frame (real or inlined) entered with the state (ec, sc, epoch) (F1, I2)."""

    kind = "enter"
    frame: FrameRecord
    ec: ExecutionContext
    sc: SynchronizationContext | None
    epoch: int


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Exit(Event):
    """A frame ended; ``ec``/``sc``/``epoch`` are current after its F2 or A4 step.

    ``sync``: inlined as never-suspending (I6); ``closed``: its computation was
    closed; ``task_root``: a task's outermost frame; ``cc``: the caller's
    continuation context, for a resumed frame.
    """

    kind = "exit"
    frame: FrameRecord | None
    entry: State
    resumed: bool
    error: BaseException | None
    ec: ExecutionContext
    sc: SynchronizationContext | None
    epoch: int
    sync: bool = False
    closed: bool = False
    task_root: bool = False
    cc: ContinuationContext | None = None


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Suspend(Event):
    """An await suspended the task (A2); ``chain`` lists the open frames, innermost
    first, with their resumed flags (I1); ``capture`` is False under
    ``configure_await(..., False)``."""

    kind = "suspend"
    via: SuspensionKind
    cc: ContinuationContext
    ec: ExecutionContext
    epoch: int
    chain: tuple[tuple[FrameRecord, bool], ...]
    capture: bool = True


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Post(Event):
    """The continuation of suspension #``suspension`` was posted to ``target`` (A3)."""

    kind = "post"
    suspension: int
    target: ContinuationContext


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Resume(Event):
    """The continuation of suspension #``suspension`` starts with this state (A3)."""

    kind = "resume"
    suspension: int
    how: ResumeHow
    ec: ExecutionContext
    sc: SynchronizationContext | None
    epoch: int


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class CallerResumed(Event):
    """After a resumed frame ended, its caller continues with this state (A4, I4)."""

    kind = "a4"
    frame: FrameRecord | None
    entry: State
    cc: ContinuationContext
    ec: ExecutionContext
    sc: SynchronizationContext | None
    epoch: int


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class SetSC(Event):
    kind = "set_sc"
    sc: SynchronizationContext | None


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class RestoreEC(Event):
    """``ExecutionContext.restore`` made ``ec`` current."""

    kind = "restore_ec"
    ec: ExecutionContext


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Read(Event):
    kind = "read"
    local: AsyncLocal[Any]
    value: Any
    ec: ExecutionContext


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Write(Event):
    kind = "write"
    local: AsyncLocal[Any]
    value: Any
    ec: ExecutionContext


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class TaskDone(Event):
    kind = "task_done"
    error: BaseException | None


def _label(v: object) -> str:
    if isinstance(v, ExecutionContext):
        return f"EC#{id(v) & 0xFFFFFF:06x}"
    if isinstance(v, (list, tuple)):
        return "(" + ", ".join(_label(x) for x in v) + ")"
    return repr(v)
