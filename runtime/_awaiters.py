"""The awaitables runtime-async code suspends on: ``yield_()``, custom awaiters, ``configure_await``."""

from __future__ import annotations

import types
from collections.abc import Awaitable, Callable, Generator
from typing import Any, Generic, TypeVar, cast, overload

from . import _state
from ._driver import Task, TaskAwait
from ._frames import NoCaptureFrame, is_frame_coroutine
from ._sched import ANY
from ._state import EC
from ._suspension import Suspension, foreign, suspension_for_yield

T = TypeVar("T")


class YieldAwaitable:
    """What ``yield_()`` returns: always suspends, posting the continuation (A2)."""

    __slots__ = ("_capture",)

    def __init__(self, capture: bool = True) -> None:
        self._capture = capture

    def __await__(self) -> Generator[Suspension, None, None]:
        yield suspension_for_yield(self._capture)


_YIELD = YieldAwaitable()


def yield_() -> YieldAwaitable:
    """The ``Task.Yield()`` analog: suspend, and continue via a post.

    The continuation goes to the SC current at the suspension, or to the
    thread pool when there is none (under asyncio: the loop).
    """
    return _YIELD


class Awaiter(Generic[T]):
    """Base class for custom awaiters (rule A5); ``await`` one and get a ``T``.

    Define the property ``is_completed`` and the methods
    ``on_completed(continuation)`` -- arrange for ``continuation()`` to be
    called once, from any thread -- and ``get_result()`` (the default returns
    None, for an ``Awaiter[None]``). Such an await captures no continuation
    context: the awaiting frame resumes wherever the awaiter calls the
    continuation, with the EC captured at the await restored.
    """

    @property
    def is_completed(self) -> bool:
        raise NotImplementedError(f"{type(self).__name__} must define is_completed")

    def on_completed(self, continuation: Callable[[], None]) -> None:
        raise NotImplementedError(f"{type(self).__name__} must define on_completed()")

    def get_result(self) -> T:
        return cast(T, None)

    def __await__(self) -> Generator[Suspension, None, T]:
        if not self.is_completed:
            yield Suspension("awaiter", ANY, _state.get_state()[EC], self.on_completed)
        return self.get_result()


class ForeignAwait(Generic[T]):
    """``configure_await(x, False)`` for an asyncio future/coroutine or another foreign awaitable.

    Relays ``x``'s suspensions as runtime suspensions whose continuation runs on
    the thread pool (under asyncio: the loop) instead of the captured SC.
    """

    __slots__ = ("_awaitable",)

    def __init__(self, awaitable: Awaitable[T]) -> None:
        self._awaitable = awaitable

    def __await__(self) -> Generator[Suspension, None, T]:
        it = self._awaitable.__await__()
        exc: BaseException | None = None
        while True:
            try:
                y = it.send(None) if exc is None else it.throw(exc)
            except StopIteration as stop:
                value: T = stop.value
                return value
            exc = None
            r = None if type(y) is Suspension else foreign(y, _state.get_state(), False)
            if r is None:
                exc = TypeError(
                    f"configure_await() cannot relay {y!r}: apply it to the runtime-async "
                    "awaits themselves, not to a coroutine that contains them"
                )
                continue
            try:
                yield r
            except GeneratorExit:
                it.close()
                raise
            except BaseException as error:
                exc = error


@overload
def configure_await(awaitable: YieldAwaitable, continue_on_captured_context: bool) -> YieldAwaitable: ...
@overload
def configure_await(awaitable: Awaitable[T], continue_on_captured_context: bool) -> Awaitable[T]: ...
def configure_await(awaitable: Awaitable[Any], continue_on_captured_context: bool) -> Awaitable[Any]:
    """Choose where the awaiting frame continues if ``awaitable`` suspends (A2, I7).

    With ``False`` the continuation runs on the thread pool instead of the
    captured synchronization context; ``True`` is the default behaviour.
    Custom awaiters capture no context either way (A5).
    """
    if continue_on_captured_context:
        return awaitable
    if is_frame_coroutine(awaitable):
        return NoCaptureFrame(cast("types.CoroutineType[Any, Any, Any]", awaitable))
    if isinstance(awaitable, Task):
        return TaskAwait(awaitable, False)
    if isinstance(awaitable, TaskAwait):
        return TaskAwait(awaitable._task, False)
    if isinstance(awaitable, YieldAwaitable):
        return YieldAwaitable(False)
    if isinstance(awaitable, (Awaiter, NoCaptureFrame, ForeignAwait)):
        return awaitable
    if not hasattr(awaitable, "__await__"):
        raise TypeError(f"configure_await() needs an awaitable, got {awaitable!r}")
    return ForeignAwait(awaitable)
