"""The current execution context (EC) and synchronization context (SC), in one ContextVar.

Everything the runtime-async rules save and restore lives in a single
``contextvars.ContextVar`` whose value is the *state*, a :data:`State` tuple::

    (ec, sc, epoch)

* ``ec``    -- the current :class:`ExecutionContext`: an immutable snapshot of every
  :class:`~runtime.AsyncLocal` value. Never ``None``.
* ``sc``    -- the current :class:`~runtime.SynchronizationContext`, or ``None``.
* ``epoch`` -- an int that changes every time a suspended computation resumes in
  this ``contextvars.Context`` (see :func:`next_epoch`).

Invariants (relied upon by ``_frames`` and ``_inline``):

1. A state is never mutated; every change installs a new tuple, so "did
   anything change since entry?" is one identity test.
2. Every resumption installs a state with a fresh epoch, and nothing ever
   re-installs a state captured before the last resumption of its Context,
   except a frame restoring its own entry state while it has not resumed (F2).
   Hence a frame has *resumed* (rule I1) exactly when the current epoch differs
   from the epoch of the state it captured on entry.

Keeping the SC beside the EC in the same variable makes the F1 capture one
``ContextVar.get`` and the F2 check one more ``get`` plus an identity test.
The SC is still not part of the EC: capturing or restoring an EC never
touches it, and nothing flows it to other work. Each thread starts with no SC;
the runtime sets it afresh whenever it runs a step of a computation.

The state is a plain tuple indexed by the ``Final`` constants :data:`EC`,
:data:`SC` and :data:`EPOCH` (mypy types each element), not a ``NamedTuple``:
every ``AsyncLocal`` write builds a new state, and building a tuple subclass
instead of a tuple costs a write 35% more instructions.

This module imports nothing else of the runtime: it is the bottom of its import graph.
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, Final, Protocol, TypeAlias, TypeVar

if TYPE_CHECKING:
    from ._local import AsyncLocal
    from ._sync import SynchronizationContext

T = TypeVar("T")

State: TypeAlias = "tuple[ExecutionContext, SynchronizationContext | None, int]"
"""The runtime state ``(ec, sc, epoch)``; see the module docstring."""

class Values(Protocol):
    """The values of an :class:`ExecutionContext` (a dict) as the type checker sees them:
    the value held for an ``AsyncLocal[T]`` is a ``T``."""

    def get(self, local: AsyncLocal[T], default: T, /) -> T: ...
    def copy(self) -> dict[AsyncLocal[Any], Any]: ...
    def __len__(self) -> int: ...


EC: Final = 0  # field positions in a State (hot paths index directly)
SC: Final = 1
EPOCH: Final = 2

_epochs = itertools.count(1)
next_epoch = _epochs.__next__  # atomic under the GIL


class ExecutionContext:
    """An immutable snapshot of all :class:`~runtime.AsyncLocal` values.

    Capturing the current context and restoring one are O(1): they read or
    replace one reference. Writing an ``AsyncLocal`` creates a new snapshot.
    """

    __slots__ = ("_values", "_suppressed")

    _values: Values
    _suppressed: bool

    def __init__(self) -> None:
        raise TypeError("ExecutionContext objects come from ExecutionContext.capture()")

    @classmethod
    def _make(cls, values: Values, suppressed: bool) -> ExecutionContext:
        ec = object.__new__(cls)
        ec._values = values
        ec._suppressed = suppressed
        return ec

    @staticmethod
    def capture() -> ExecutionContext:
        """The current context, to hand to other work; the empty one while flow is suppressed."""
        ec = _var.get()[EC]
        return EMPTY if ec._suppressed else ec

    @staticmethod
    def restore(ec: ExecutionContext | None) -> None:
        """Make ``ec`` current (``None`` means the empty context). The SC is left alone."""
        st = _var.get()
        new = EMPTY if ec is None else ec
        _var.set((new, st[SC], st[EPOCH]))
        if restored is not None:
            restored(new)

    @staticmethod
    def is_flow_suppressed() -> bool:
        return _var.get()[EC]._suppressed

    @staticmethod
    @contextlib.contextmanager
    def suppress_flow() -> Iterator[None]:
        """Inside the block, :meth:`capture` returns the empty context.

        So ``ThreadPool.queue`` and ``start`` do not hand the caller's
        ``AsyncLocal`` values to the work they start. The current values stay
        readable here, and the frames' own save/restore (F1-F3) is unaffected.
        """
        st = _var.get()
        ec = st[EC]
        if ec._suppressed:
            raise RuntimeError("execution context flow is already suppressed")
        _var.set((ExecutionContext._make(ec._values, True), st[SC], st[EPOCH]))
        try:
            yield
        finally:
            st = _var.get()
            cur = st[EC]
            _var.set((ExecutionContext._make(cur._values, False), st[SC], st[EPOCH]))

    def get(self, local: AsyncLocal[T]) -> T:
        """The value ``local`` has in this snapshot."""
        return self._values.get(local, local._default)

    def __len__(self) -> int:
        return len(self._values)

    def __repr__(self) -> str:
        flag = ", suppressed" if self._suppressed else ""
        return f"<ExecutionContext #{id(self):x} with {len(self._values)} value(s){flag}>"


EMPTY: Final = ExecutionContext._make({}, False)
DEFAULT_STATE: Final[State] = (EMPTY, None, 0)

_var: Final[ContextVar[State]] = ContextVar("runtime.state", default=DEFAULT_STATE)

restored: Callable[[ExecutionContext], None] | None = None
"""Set by ``_recorder`` while a trace records: told of each ``ExecutionContext.restore``
(this module imports nothing of the runtime, so the recorder registers itself here)."""
get_state: Final = _var.get
set_state: Final = _var.set
reset_state: Final = _var.reset


def state_with_sc(sc: SynchronizationContext | None) -> State:
    """The current state with ``sc`` as the SC (same EC and epoch)."""
    st = _var.get()
    return (st[EC], sc, st[EPOCH])


def set_sc(sc: SynchronizationContext | None) -> None:
    st = _var.get()
    _var.set((st[EC], sc, st[EPOCH]))
