"""Helpers for code an inliner generates when it pastes a runtime-async callee into its caller.

They reproduce, at the vanished call boundary, what ``@async_method`` does for a
real call (see ``docs/runtime-inlining-protocol.md`` for the exact code shape)::

    _ai_s = _ai_hooks.enter()                   # I2 entry: F1 capture (from runtime import hooks as _ai_hooks)
    try:
        <callee body, returns lowered>
    finally:
        if _ai_rt.state() is not _ai_s and not _ai_rt.try_leave(_ai_s):
            await _ai_rt.leave(_ai_s)            # only when the I4 switch must suspend
        # or, for a callee that cannot suspend (I6):
        # if _ai_rt.state() is not _ai_s: _ai_rt.leave_sync(_ai_s)

Rule I1's resumed flags are not variables: a frame has resumed exactly when
the epoch in the current state differs from the one in its entry snapshot
(:func:`resumed`). Rule I3 needs no code at the awaits: the "for caller"
slots it would capture are the frame's entry EC and SC, which the exit reads
from the snapshot, and its F3 restores are unobservable (see ``_frames``).

Generated code calls them through the package (``_ai_rt.state()``) and the
``hooks`` module (``_ai_hooks.enter()``), each imported once per module.
"""

from __future__ import annotations

from . import _recorder, _state
from ._frames import leave, try_leave
from ._state import EPOCH, State

state = _state.get_state
"""The current snapshot, for the exit test ``state() is not entry``. One ``ContextVar.get``."""


def enter() -> State:
    """I2 entry (F1) of protocol 1, for code generated before ``hooks.enter()``: one Python call dearer."""
    st = _state.get_state()
    rec = _recorder.active
    return st if rec is None else rec.frame_enter(st, True, 2)


def leave_sync(entry: State) -> None:
    """I2 exit of a frame that cannot suspend (I6): restore the entry snapshot (F2).

    Refuses, rather than silently breaking F2, if the frame did suspend: then
    the inliner's "cannot suspend" decision was wrong.
    """
    resumed = _state.get_state()[EPOCH] != entry[EPOCH]
    if not resumed:
        _state.set_state(entry)
    rec = _recorder.active
    if rec is not None:
        rec.frame_exit(entry, resumed, sync=True)
    if resumed:
        raise RuntimeError(
            "I6 violated: a frame inlined as never-suspending resumed after a suspension; "
            "it must be inlined with 'await _ai_rt.leave(...)'"
        )


def resumed(entry: State) -> bool:
    """Rule I1's flag for the frame whose entry snapshot is ``entry``."""
    return _state.get_state()[EPOCH] != entry[EPOCH]


__all__ = ["enter", "state", "leave", "try_leave", "leave_sync", "resumed"]
