"""``AsyncLocal``: a value that flows with the execution context."""

from __future__ import annotations

from typing import Generic, TypeVar, cast, overload

from . import _recorder
from ._state import EC, EPOCH, SC, ExecutionContext, get_state, set_state

T = TypeVar("T")

_new_object = object.__new__


class AsyncLocal(Generic[T]):
    """A value that flows with the execution context, like .NET's ``AsyncLocal<T>``.

    Writes are copy-on-write: they install a new :class:`ExecutionContext`, so
    a frame that restores its entry context (F2) undoes them, and a
    continuation that restores its captured context (A3) sees the values of the
    moment it was captured. ``AsyncLocal[int](0).value`` is an ``int``;
    without a default the value is ``None`` until written.
    """

    __slots__ = ("_default", "name", "__weakref__")

    _default: T

    @overload
    def __init__(self: AsyncLocal[T | None], default: None = None, *, name: str | None = None) -> None: ...
    @overload
    def __init__(self, default: T, *, name: str | None = None) -> None: ...
    def __init__(self, default: T | None = None, *, name: str | None = None) -> None:
        self._default = cast(T, default)  # T includes None when there is no default (first overload)
        self.name = name

    @property
    def value(self) -> T:
        """The value in the current execution context."""
        if _recorder.active is None:
            return get_state()[EC]._values.get(self, self._default)
        return self._read_recorded()

    @value.setter
    def value(self, value: T) -> None:
        st = get_state()
        ec = st[EC]
        values = ec._values.copy()
        values[self] = value
        new = _new_object(ExecutionContext)  # ExecutionContext._make, inlined: writes are hot
        new._values = values
        new._suppressed = ec._suppressed
        set_state((new, st[SC], st[EPOCH]))
        if _recorder.active is not None:
            self._record_write(value, new)

    # Recording: off the hot path, and tolerant of a trace that stopped since the test above.
    def _read_recorded(self) -> T:
        ec = get_state()[EC]
        value = ec._values.get(self, self._default)
        rec = _recorder.active
        if rec is not None:
            rec.local_read(self, value, ec)
        return value

    def _record_write(self, value: T, ec: ExecutionContext) -> None:
        rec = _recorder.active
        if rec is not None:
            rec.local_written(self, value, ec)

    def __repr__(self) -> str:
        label = f" {self.name!r}" if self.name else ""
        return f"<AsyncLocal{label} #{id(self):x}>"
