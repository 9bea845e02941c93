"""Helpers for code an inliner generates when it pastes a runtime-async callee into its caller.

They reproduce, at the vanished call boundary, what ``@async_method`` does for a
real call (see ``docs/runtime-inlining-protocol.md`` for the exact code shape):

    _ai_s = _ai_rt.enter()                      # I2 entry: F1 capture
    try:
        <callee body, returns lowered>
    finally:
        if _ai_rt.state() is not _ai_s:         # nothing changed and no suspension: done
            await _ai_rt.leave(_ai_s)            # I2 exit (F2) or I4, I5; I7 with False
            # or, for a callee that cannot suspend (I6):  _ai_rt.leave_sync(_ai_s)

Rule I1's resumed flags are not variables: a frame has resumed exactly when
the epoch in the current state differs from the one in its entry snapshot
(:func:`resumed`). Rule I3 needs no code at the awaits: the "for caller"
slots it would capture are the frame's entry EC and SC, which ``leave``
reads from the snapshot, and its F3 restores are unobservable (see ``_frames``).

The tracer rebinds these names on the ``runtime`` module while it records,
so generated code must call them through the module (``_ai_rt.enter()``),
never import them by name.
"""

from __future__ import annotations

from . import _state, _trace
from ._frames import leave
from ._state import EPOCH

enter = _state.get_state
"""I2 entry: the frame's entry snapshot (EC, SC, epoch). One ``ContextVar.get``."""

state = _state.get_state
"""The current snapshot, for the exit test ``state() is not entry``."""


def leave_sync(entry: tuple) -> None:
    """I2 exit of a frame that cannot suspend (I6): restore the entry snapshot (F2).

    Refuses, rather than silently breaking F2, if the frame did suspend: then
    the inliner's "cannot suspend" decision was wrong.
    """
    resumed = _state.get_state()[EPOCH] != entry[EPOCH]
    if not resumed:
        _state.set_state(entry)
    if _trace.recorder is not None:
        _trace.recorder.frame_exit(entry, resumed, sync=True)
    if resumed:
        raise RuntimeError(
            "I6 violated: a frame inlined as never-suspending resumed after a suspension; "
            "it must be inlined with 'await _ai_rt.leave(...)'"
        )


def resumed(entry: tuple) -> bool:
    """Rule I1's flag for the frame whose entry snapshot is ``entry``."""
    return _state.get_state()[EPOCH] != entry[EPOCH]


__all__ = ["enter", "state", "leave", "leave_sync", "resumed"]
