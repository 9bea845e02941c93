"""Check a recorded trace against the rules of ``runtime-async-rules.md``.

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
"""

from __future__ import annotations

from typing import Any

from ._sched import ANY, POOL
from ._state import EC, EPOCH, SC
from ._trace import Event, TraceViolation, Violation


def _expected_sc(cc: Any) -> Any:
    return None if cc is POOL else cc


def check(events: list[Event]) -> list[Violation]:
    out: list[Violation] = []

    def bad(rule: str, ev: Event | None, msg: str) -> None:
        out.append(Violation(rule, ev, msg))

    open_frames: dict[Any, list] = {}  # task -> [FrameRecord], outermost first
    lived_through: dict[int, bool] = {}  # frame id -> a suspension of its task happened since enter
    suspensions: dict[int, Event] = {}
    posted: set[int] = set()
    resumed_susp: set[int] = set()
    pending_a4: dict[int, Event] = {}  # frame id -> its resumed exit, awaiting the a4 event
    finished: set = set()

    for ev in events:
        kind = ev.kind
        if kind == "enter":
            open_frames.setdefault(ev.task, []).append(ev.frame)
            lived_through[ev.frame.id] = False
        elif kind == "suspend":
            stack = open_frames.get(ev.task, [])
            chain = ev.chain
            if [f for f, _ in chain] != stack[::-1]:
                bad("I2", ev, f"the suspension passes frames {chain!r} but the open frames are {stack[::-1]!r}")
            seen_resumed = False
            for frame, flag in chain:
                if seen_resumed and not flag:
                    bad("I1", ev, f"{frame!r} is not resumed but an inner frame is")
                seen_resumed = seen_resumed or flag
                if frame.id in lived_through and flag != lived_through[frame.id]:
                    bad("I1", ev, f"{frame!r} has resumed={flag} but its task "
                        f"{'did' if lived_through[frame.id] else 'did not'} suspend since it entered")
            for frame in stack:
                lived_through[frame.id] = True
            suspensions[ev.seq] = ev
        elif kind == "exit":
            _check_exit(ev, open_frames, lived_through, pending_a4, bad)
        elif kind == "a4":
            frame = ev.frame
            exit_ev = pending_a4.pop(frame.id, None) if frame is not None else None
            entry = ev.entry
            if ev.ec is not entry[EC]:
                bad("A4", ev, f"{frame!r} resumed its caller with {ev.ec!r}, not the caller's captured "
                    f"EC {entry[EC]!r}")
            if ev.sc is not _expected_sc(ev.cc):
                bad("A4", ev, f"{frame!r} resumed its caller with SC {ev.sc!r}, not on its continuation "
                    f"context {ev.cc!r}")
            if ev.epoch == entry[EPOCH]:
                bad("A4", ev, f"{frame!r} resumed its caller without a new epoch")
            if exit_ev is None and frame is not None:
                bad("A4", ev, f"{frame!r} has no resumed exit before its A4 step")
        elif kind == "post":
            s = suspensions.get(ev.susp)
            if s is None:
                bad("A3", ev, "post of a continuation whose suspension was not recorded")
            elif ev.target is not s.cc:
                bad("A3", ev, f"continuation of suspension #{s.seq} posted to {ev.target!r}, "
                    f"its continuation context is {s.cc!r}")
            posted.add(ev.susp)
        elif kind == "resume":
            _check_resume(ev, suspensions, posted, resumed_susp, bad)
        elif kind == "read":
            held = ev.ec.get(ev.local)
            if ev.value is not held and ev.value != held:
                bad("AsyncLocal", ev, f"read {ev.value!r}, the current EC holds {held!r}")
        elif kind == "task_done":
            finished.add(ev.task)

    for task in finished:
        for frame in open_frames.get(task, []):
            bad("I2", None, f"{frame!r} of finished task {task!r} was never left")
    for frame_id, exit_ev in pending_a4.items():
        if exit_ev.task in finished:
            bad("A4", exit_ev, f"{exit_ev.frame!r} resumed but its caller never continued")
    return out


def _check_exit(ev: Event, open_frames: dict, lived_through: dict, pending_a4: dict, bad: Any) -> None:
    frame = ev.frame
    stack = open_frames.get(ev.task, [])
    if frame is None or not stack or stack[-1] is not frame:
        top = stack[-1] if stack else None
        bad("I2", ev, f"a frame exits (entry {ev.entry!r}) but the innermost open frame is {top!r}")
        if frame in stack:
            stack.remove(frame)
        if frame is None:
            return
    else:
        stack.pop()
    entry = ev.entry
    expected = lived_through.pop(frame.id, False)
    if ev.resumed != expected:
        bad("I1", ev, f"{frame!r} ends with resumed={ev.resumed} but its task "
            f"{'did' if expected else 'did not'} suspend since it entered")
    if getattr(ev, "sync", False) and ev.resumed:
        bad("I6", ev, f"{frame!r} was inlined as never-suspending but resumed")
        return
    if not ev.resumed:
        if ev.ec is not entry[EC] or ev.sc is not entry[SC]:
            bad("F2", ev, f"{frame!r} finished synchronously with ({ev.ec!r}, {ev.sc!r}) current, "
                f"not its entry ({entry[EC]!r}, {entry[SC]!r})")
    elif not getattr(ev, "closed", False) and not getattr(ev, "task_root", False):
        if ev.ec is not entry[EC]:
            bad("A4", ev, f"{frame!r} finished after resuming but left {ev.ec!r}, not its caller's "
                f"captured EC {entry[EC]!r}")
        pending_a4[frame.id] = ev


def _check_resume(ev: Event, suspensions: dict, posted: set, resumed_susp: set, bad: Any) -> None:
    s = suspensions.get(ev.susp)
    if s is None:
        bad("A3", ev, "resumption of a suspension that was not recorded")
        return
    if ev.susp in resumed_susp:
        bad("A3", ev, f"suspension #{s.seq} resumed twice")
    resumed_susp.add(ev.susp)
    if ev.ec is not s.ec:
        bad("A3", ev, f"resumed with {ev.ec!r}, the suspension #{s.seq} captured {s.ec!r}")
    if ev.epoch == s.epoch:
        bad("A3", ev, f"resumed without a new epoch (suspension #{s.seq})")
    cc = s.cc
    if cc is ANY:
        return  # A5: resumes wherever the awaiter invoked the continuation
    if ev.sc is not _expected_sc(cc):
        bad("A3", ev, f"continuation of suspension #{s.seq} runs with SC {ev.sc!r}, "
            f"its continuation context is {cc!r}")
    if ev.how == "posted":
        if ev.susp not in posted:
            bad("A3", ev, f"continuation of suspension #{s.seq} runs as posted but was never posted")
        if _runs_through_runtime(cc) and ev.where is not cc:
            bad("A3", ev, f"continuation of suspension #{s.seq} runs on {ev.where!r}, "
                f"not on its continuation context {cc!r}")


def _runs_through_runtime(cc: Any) -> bool:
    """The pool and the bundled contexts record where they run items; user contexts may not."""
    from ._sync import LoopContext, QueueContext

    return cc is POOL or isinstance(cc, (QueueContext, LoopContext))


def check_trace(trace: Any) -> list[Violation]:
    """Violations found in a :class:`~runtime.Trace` (or a list of its events)."""
    events = trace.events if hasattr(trace, "events") else trace
    return check(events)


def assert_valid(events: list[Event]) -> None:
    violations = check(events)
    if violations:
        raise TraceViolation(violations)
