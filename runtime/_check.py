"""Check a recorded trace against the rules F1-F3, A1-A5 and I1-I8.

The checker replays the events task by task, keeping its own account of the
open frames and of the suspensions each frame lived through, and compares it
with what the runtime (or inlined code) recorded. Each violation names the
rule and the event.

What is checked:

* I2  every frame entered is left, innermost first; a finished task leaves none open.
* I1  a frame's recorded ``resumed`` flag, at each suspension it lives through and
      when it ends, is exactly "its task suspended since the frame entered";
      along a suspension's chain the flags read False... then True... (resumed_C
      implies resumed_B implies resumed_A).
* F2  a frame that did not resume ends with its entry EC and SC current.
* A4  a frame that resumed hands its caller the caller's captured EC (the frame's
      entry EC) on the caller's continuation context (entry SC, or none under
      ``configure_await(..., False)``), with a new epoch.
* I6  a frame inlined as never-suspending did not resume.
* A3  a resumption restores the EC captured at its suspension, runs with the
      SC of its continuation context, only after being posted there if it was
      posted, on that context's thread, and at most once.
* A5  a custom awaiter's continuation keeps the SC of wherever it was invoked
      (nothing to check beyond the EC).
* AsyncLocal reads return the value held by the EC current at the read.

Besides, for each task (a runtime Task or an asyncio task, which own their
``contextvars.Context``; not plain threads) the replay keeps the current (EC, SC)
as the events install them (task start, enter, exit, resume, a4, set_sc, write,
restore_ec),
and checks against it:

* A2  a suspension captures the current EC, and the current SC as its
      continuation context (the pool when none is current or under
      ``configure_await(..., False)``);
* A3  after a suspension the task runs nothing until that suspension's
      resumption; a continuation that runs ``inline`` on the runtime's own
      places runs on its continuation context; reads see the EC installed;
* A4  a resumed call hands its caller the caller's continuation context: its
      entry SC, unless it was awaited under ``configure_await(call, False)``.

``suppress_flow`` changes the EC object without an event, never its values: an
EC with the same values as the current one is the current one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

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
    SetSC,
    Suspend,
    TaskDone,
    TaskStart,
    Write,
)
from ._sched import ANY, POOL, ContinuationContext
from ._state import EC, EPOCH, SC, ExecutionContext
from ._sync import LoopContext, QueueContext, SynchronizationContext


@dataclass(frozen=True)
class Violation:
    """A broken rule: ``rule`` (e.g. 'A3'), the offending ``event`` (if any) and a message."""

    rule: str
    event: Event | None
    message: str

    def __str__(self) -> str:
        where = f" at event {self.event!r}" if self.event is not None else ""
        return f"{self.rule} violated{where}: {self.message}"

    __repr__ = __str__


class TraceViolation(AssertionError):
    def __init__(self, violations: list[Violation]) -> None:
        self.violations = violations
        super().__init__("\n".join(str(v) for v in violations))


def _expected_sc(cc: ContinuationContext) -> SynchronizationContext | None:
    return cc if isinstance(cc, SynchronizationContext) else None


def _same_values(a: ExecutionContext, b: ExecutionContext) -> bool:
    """The same EC, or the same values with flow suppressed or not (``suppress_flow``)."""
    return a is b or a._values is b._values


def _runs_through_runtime(cc: ContinuationContext) -> bool:
    """The pool and the bundled contexts record where they run items; user contexts may not."""
    return cc is POOL or isinstance(cc, (QueueContext, LoopContext))


@dataclass
class _Replay:
    """The checker's own account of the trace so far."""

    out: list[Violation] = field(default_factory=list)
    open_frames: dict[Driver, list[FrameRecord]] = field(default_factory=dict)  # outermost first
    lived_through: dict[int, bool] = field(default_factory=dict)  # frame id -> its task suspended since enter
    suspensions: dict[int, Suspend] = field(default_factory=dict)
    posted: set[int] = field(default_factory=set)
    resumed: set[int] = field(default_factory=set)
    pending_a4: dict[int, Exit] = field(default_factory=dict)  # frame id -> its resumed exit, awaiting A4
    finished: set[Driver] = field(default_factory=set)
    # Per task (not plain threads): the current (EC, SC) as the events installed them,
    # once known; and the suspension it waits for the resumption of.
    current: dict[Driver, tuple[ExecutionContext, SynchronizationContext | None]] = field(default_factory=dict)
    waiting: dict[Driver, Suspend] = field(default_factory=dict)

    def bad(self, rule: str, ev: Event | None, message: str) -> None:
        self.out.append(Violation(rule, ev, message))

    def event(self, ev: Event) -> None:
        if not isinstance(ev.task, str):
            self.track(ev)
        match ev:
            case Enter():
                self.open_frames.setdefault(ev.task, []).append(ev.frame)
                self.lived_through[ev.frame.id] = False
            case Suspend():
                self.suspend(ev)
            case Exit():
                self.exit(ev)
            case CallerResumed():
                self.caller_resumed(ev)
            case Post():
                self.post(ev)
            case Resume():
                self.resume(ev)
            case Read():
                held = ev.ec.get(ev.local)
                if ev.value is not held and ev.value != held:
                    self.bad("AsyncLocal", ev, f"read {ev.value!r}, the current EC holds {held!r}")
            case TaskDone():
                self.finished.add(ev.task)

    def track(self, ev: Event) -> None:
        """Check ``ev`` against its task's current (EC, SC), then update them."""
        task = ev.task
        waited = self.waiting.get(task)
        if waited is not None and not isinstance(ev, (Post, Resume, TaskDone)):
            self.bad("A3", ev, f"the task runs on after suspension #{waited.seq} without its resumption")
            del self.waiting[task]
        cur = self.current.get(task)
        match ev:
            case TaskStart() | Enter() | Exit() | CallerResumed():
                self.current[task] = (ev.ec, ev.sc)
            case Resume():
                if waited is not None and waited.seq == ev.suspension:
                    del self.waiting[task]
                self.current[task] = (ev.ec, ev.sc)
            case SetSC():
                if cur is not None:
                    self.current[task] = (cur[0], ev.sc)
            case Write() | RestoreEC():
                if cur is not None:
                    self.current[task] = (ev.ec, cur[1])
            case Read():
                if cur is not None and not _same_values(ev.ec, cur[0]):
                    self.bad("A3", ev, f"read in {ev.ec!r}, the current EC is {cur[0]!r}")
                if cur is not None:
                    self.current[task] = (ev.ec, cur[1])
            case Suspend():
                if cur is not None:
                    if not _same_values(ev.ec, cur[0]):
                        self.bad("A2", ev, f"the suspension captured {ev.ec!r}, the current EC is {cur[0]!r}")
                    if ev.via in ("yield", "task", "asyncio"):
                        expected = POOL if cur[1] is None or not ev.capture else cur[1]
                        if ev.cc is not expected:
                            self.bad("A2", ev, f"the suspension captured {ev.cc!r} with SC {cur[1]!r} current, "
                                     f"its continuation context is {expected!r}")
                self.waiting[task] = ev
                self.current.pop(task, None)

    def suspend(self, ev: Suspend) -> None:
        stack = self.open_frames.get(ev.task, [])
        if [f for f, _ in ev.chain] != stack[::-1]:
            self.bad("I2", ev, f"the suspension passes frames {ev.chain!r} but the open frames are {stack[::-1]!r}")
        seen_resumed = False
        for frame, flag in ev.chain:
            if seen_resumed and not flag:
                self.bad("I1", ev, f"{frame!r} is not resumed but an inner frame is")
            seen_resumed = seen_resumed or flag
            lived = self.lived_through.get(frame.id)
            if lived is not None and flag != lived:
                self.bad("I1", ev, f"{frame!r} has resumed={flag} but its task "
                         f"{'did' if lived else 'did not'} suspend since it entered")
        for frame in stack:
            self.lived_through[frame.id] = True
        self.suspensions[ev.seq] = ev

    def exit(self, ev: Exit) -> None:
        frame = ev.frame
        stack = self.open_frames.get(ev.task, [])
        if frame is None or not stack or stack[-1] is not frame:
            top = stack[-1] if stack else None
            self.bad("I2", ev, f"a frame exits (entry {ev.entry!r}) but the innermost open frame is {top!r}")
            if frame in stack:
                stack.remove(frame)
            if frame is None:
                return
        else:
            stack.pop()
        entry = ev.entry
        expected = self.lived_through.pop(frame.id, False)
        if ev.resumed != expected:
            self.bad("I1", ev, f"{frame!r} ends with resumed={ev.resumed} but its task "
                     f"{'did' if expected else 'did not'} suspend since it entered")
        if ev.sync and ev.resumed:
            self.bad("I6", ev, f"{frame!r} was inlined as never-suspending but resumed")
            return
        if not ev.resumed:
            if ev.ec is not entry[EC] or ev.sc is not entry[SC]:
                self.bad("F2", ev, f"{frame!r} finished synchronously with ({ev.ec!r}, {ev.sc!r}) current, "
                         f"not its entry ({entry[EC]!r}, {entry[SC]!r})")
        elif not ev.closed and not ev.task_root:
            if ev.ec is not entry[EC]:
                self.bad("A4", ev, f"{frame!r} finished after resuming but left {ev.ec!r}, not its caller's "
                         f"captured EC {entry[EC]!r}")
            self.pending_a4[frame.id] = ev

    def caller_resumed(self, ev: CallerResumed) -> None:
        frame = ev.frame
        exit_ev = self.pending_a4.pop(frame.id, None) if frame is not None else None
        entry = ev.entry
        if frame is not None and frame.no_capture is not None:
            expected = POOL if frame.no_capture or entry[SC] is None else entry[SC]
            if ev.cc is not expected:
                self.bad("A4", ev, f"{frame!r} resumed its caller on {ev.cc!r}, the caller's continuation "
                         f"context is {expected!r}")
        if ev.ec is not entry[EC]:
            self.bad("A4", ev, f"{frame!r} resumed its caller with {ev.ec!r}, not the caller's captured "
                     f"EC {entry[EC]!r}")
        if ev.sc is not _expected_sc(ev.cc):
            self.bad("A4", ev, f"{frame!r} resumed its caller with SC {ev.sc!r}, not on its continuation "
                     f"context {ev.cc!r}")
        if ev.epoch == entry[EPOCH]:
            self.bad("A4", ev, f"{frame!r} resumed its caller without a new epoch")
        if exit_ev is None and frame is not None:
            self.bad("A4", ev, f"{frame!r} has no resumed exit before its A4 step")

    def post(self, ev: Post) -> None:
        s = self.suspensions.get(ev.suspension)
        if s is None:
            self.bad("A3", ev, "post of a continuation whose suspension was not recorded")
        elif ev.target is not s.cc:
            self.bad("A3", ev, f"continuation of suspension #{s.seq} posted to {ev.target!r}, "
                     f"its continuation context is {s.cc!r}")
        self.posted.add(ev.suspension)

    def resume(self, ev: Resume) -> None:
        s = self.suspensions.get(ev.suspension)
        if s is None:
            self.bad("A3", ev, "resumption of a suspension that was not recorded")
            return
        if ev.suspension in self.resumed:
            self.bad("A3", ev, f"suspension #{s.seq} resumed twice")
        self.resumed.add(ev.suspension)
        if ev.ec is not s.ec:
            self.bad("A3", ev, f"resumed with {ev.ec!r}, the suspension #{s.seq} captured {s.ec!r}")
        if ev.epoch == s.epoch:
            self.bad("A3", ev, f"resumed without a new epoch (suspension #{s.seq})")
        cc = s.cc
        if cc is ANY:
            return  # A5: resumes wherever the awaiter invoked the continuation
        if ev.sc is not _expected_sc(cc):
            self.bad("A3", ev, f"continuation of suspension #{s.seq} runs with SC {ev.sc!r}, "
                     f"its continuation context is {cc!r}")
        if ev.how == "inline" and isinstance(cc, (QueueContext, LoopContext)) and ev.where is not None \
                and ev.where is not cc:
            self.bad("A3", ev, f"continuation of suspension #{s.seq} runs inline on {ev.where!r}, "
                     f"not on its continuation context {cc!r}")
        if ev.how == "posted":
            if ev.suspension not in self.posted:
                self.bad("A3", ev, f"continuation of suspension #{s.seq} runs as posted but was never posted")
            if _runs_through_runtime(cc) and ev.where is not cc:
                self.bad("A3", ev, f"continuation of suspension #{s.seq} runs on {ev.where!r}, "
                         f"not on its continuation context {cc!r}")

    def finish(self) -> list[Violation]:
        for task in self.finished:
            for frame in self.open_frames.get(task, []):
                self.bad("I2", None, f"{frame!r} of finished task {task!r} was never left")
        for exit_ev in self.pending_a4.values():
            if exit_ev.task in self.finished:
                self.bad("A4", exit_ev, f"{exit_ev.frame!r} resumed but its caller never continued")
        return self.out


def check(events: Iterable[Event]) -> list[Violation]:
    """The violations of the rules in ``events``, in the order they are found."""
    replay = _Replay()
    for ev in events:
        replay.event(ev)
    return replay.finish()


def assert_valid(events: Iterable[Event]) -> None:
    violations = check(events)
    if violations:
        raise TraceViolation(violations)
