"""The recording slot: the :class:`~runtime.Trace` recording right now, or None.

Every runtime module that has something to record imports this module and
tests ``_recorder.active is not None`` at the point that records, as trio's
instruments do: one global load and one compare while nothing records.
Nothing of another module is ever replaced. Only ``_state`` sits below it.

Frame entries cannot afford even that test: the entry of an ``@async_method``
call, and of an inlined frame, which generated code performs with
``_ai_hooks.enter()`` (this module is ``runtime.hooks``). While nothing
records, :data:`enter` and :data:`enter_call` *are* the state variable's
``get``, a single C call; :func:`activate` and :func:`deactivate` switch them
together with :data:`active`, under one lock, and ``_state.restored`` too (the
recording slot of ``ExecutionContext.restore``, which lives below this module).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from . import _state

if TYPE_CHECKING:
    from ._state import State
    from ._trace import Trace

active: Trace | None = None
"""The recorder that records now, if any. Read it once per recording point."""

enter: Callable[[], State] = _state.get_state
"""I2 entry of an inlined frame (F1): the current state; recorded while a trace records."""

enter_call: Callable[[], State] = _state.get_state
"""F1 of an ``@async_method`` call (its wrapper's entry); recorded while a trace records."""

_lock = threading.Lock()


def activate(recorder: Trace) -> None:
    global active, enter, enter_call
    with _lock:
        if active is not None:
            raise RuntimeError("a runtime trace is already recording")
        enter, enter_call = recorder.enter_inlined, recorder.enter_call
        _state.restored = recorder.ec_restored
        active = recorder


def deactivate(recorder: Trace) -> None:
    global active, enter, enter_call
    with _lock:
        if active is recorder:
            active = None
            enter = enter_call = _state.get_state
            _state.restored = None
