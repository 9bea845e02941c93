"""The object a suspending await yields to whoever drives the coroutine.

A :class:`Suspension` carries what rule A2 captures at the await -- the EC
and the continuation context -- and how to learn that the awaited operation
has completed. Two drivers understand it:

* the runtime's own (``_driver.Task``), which reads the fields directly;
* asyncio's ``Task``, to which it looks like an asyncio future (the
  ``_asyncio_future_blocking`` protocol), with the loop acting as the
  synchronization context.

Continuation contexts (``cc``): a SynchronizationContext, ``POOL`` (no SC: the
thread pool, or the loop when asyncio drives), or ``ANY`` (custom awaiters:
wherever the awaiter resumes us; rule A5).
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
from collections.abc import Callable
from typing import Any, Literal, TypeAlias

from . import _recorder, _state
from ._sched import ANY, POOL, ContinuationContext
from ._state import EC, SC, ExecutionContext, State
from ._sync import LoopContext, SynchronizationContext

SuspensionKind: TypeAlias = Literal["yield", "switch", "awaiter", "task", "asyncio"]
Continuation: TypeAlias = Callable[[], None]
Wait: TypeAlias = Callable[[Continuation], None]
"""``wait(cont)``: arrange for ``cont()`` once the awaited operation has completed."""


class Suspension:
    __slots__ = (
        "kind",  # what suspended (for traces and messages)
        "cc",  # continuation context (A2)
        "ec",  # execution context captured at the await (A2), restored on resumption (A3)
        "wait",  # wait(cont) (see Wait); None: post now (yield_() and context switches)
        "_once",  # one-shot token: a continuation runs at most once
        "reg_thread",  # driver bookkeeping: thread registering the continuation (trampoline)
        "ready_state",  # driver bookkeeping: state to resume with, if completed during registration
        "seq",  # trace: suspension event number
        "capture",  # False under configure_await(..., False): cc is the pool whatever the SC (A2; for traces)
        # asyncio side
        "_asyncio_future_blocking",
        "_loop",
        "_wake",
        "_cancel_message",
        "_error",
    )

    def __init__(
        self, kind: SuspensionKind, cc: ContinuationContext, ec: ExecutionContext, wait: Wait | None, capture: bool = True
    ) -> None:
        self.kind = kind
        self.capture = capture
        self.cc = cc
        self.ec = ec
        self.wait = wait
        self._once = [True]
        self.reg_thread: int | None = None
        self.ready_state: State | None = None
        self.seq: int | None = None
        self._asyncio_future_blocking = True
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake: tuple[Callable[[], None], contextvars.Context | None] | None = None
        self._cancel_message: object = None
        self._error: BaseException | None = None

    def claim(self) -> bool:
        """True exactly once: the continuation of one suspension runs at most once."""
        try:
            self._once.pop()
        except IndexError:
            return False
        return True

    def resume_sc(self, sc_here: SynchronizationContext | None) -> SynchronizationContext | None:
        """The SC current while the continuation runs (A3): the one it was posted to."""
        cc = self.cc
        if cc is ANY:
            return sc_here
        return cc if isinstance(cc, SynchronizationContext) else None

    def __repr__(self) -> str:
        return f"<Suspension {self.kind} cc={self.cc!r}>"

    # ------------------------------------------------------------------ asyncio side
    # asyncio's Task calls these when a runtime-async await suspends under it.

    def get_loop(self) -> asyncio.AbstractEventLoop:
        return asyncio.get_running_loop()

    def add_done_callback(self, fn: Callable[[Suspension], object], *, context: contextvars.Context | None = None) -> None:
        loop = asyncio.get_running_loop()
        self._loop = loop
        cc = self.cc
        if isinstance(cc, SynchronizationContext) and cc is not LoopContext(loop):
            self._error = RuntimeError(
                f"cannot resume on {cc!r} under an asyncio task (the loop is the only "
                "continuation context there); start the computation with runtime.start() "
                "and await the task instead"
            )
        task = asyncio.current_task()
        rec = _recorder.active
        if rec is not None:
            rec.suspended(self)
        wake = functools.partial(self._resume_under_asyncio, fn, loop, task)
        self._wake = (wake, context)
        if self._error is not None or self.wait is None:
            if self.claim():
                loop.call_soon(wake, context=context)
        else:
            try:
                self.wait(functools.partial(self._completed_under_asyncio, loop, wake, context))
            except BaseException as error:
                if not self.claim():
                    raise
                # Nothing will call back: fail the await in place, as the runtime's driver
                # does, instead of leaving the asyncio task waiting for ever (review R14 j1).
                self._error = error
                loop.call_soon(wake, context=context)

    def _completed_under_asyncio(
        self, loop: asyncio.AbstractEventLoop, wake: Callable[[], None], context: contextvars.Context | None
    ) -> None:
        if self.claim():
            loop.call_soon_threadsafe(wake, context=context)

    def _resume_under_asyncio(
        self, fn: Callable[[Suspension], object], loop: asyncio.AbstractEventLoop, task: asyncio.Task[Any] | None
    ) -> None:
        # Runs in the asyncio task's Context, on the loop thread, just before it steps (A3).
        cc = self.cc
        sc: SynchronizationContext | None
        if cc is ANY:
            sc = _state.get_state()[SC]
        elif cc is POOL:
            sc = None
        else:
            sc = LoopContext(loop)
        state = (self.ec, sc, _state.next_epoch())
        _state.set_state(state)
        rec = _recorder.active
        if rec is not None:
            rec.resuming(task, self, state, "asyncio")
        fn(self)

    def cancel(self, msg: object = None) -> bool:
        if self._wake is None or self._loop is None or not self.claim():
            return False
        self._cancel_message = msg if msg is not None else "cancelled"
        wake, context = self._wake
        self._loop.call_soon_threadsafe(wake, context=context)
        return True

    def cancelled(self) -> bool:
        return self._cancel_message is not None

    def done(self) -> bool:
        return not self._once

    def result(self) -> None:
        if self._error is not None:
            raise self._error
        if self._cancel_message is not None:
            raise asyncio.CancelledError(self._cancel_message)
        return None

    def exception(self) -> BaseException | None:
        return self._error


def captured_context(state: State, capture: bool = True) -> ContinuationContext:
    """The continuation context an await captures (A2): the current SC, else the pool."""
    sc = state[SC] if capture else None
    return POOL if sc is None else sc


def suspension_for_yield(capture: bool = True) -> Suspension:
    """``yield_()``: post to the current SC, or the thread pool when there is none."""
    st = _state.get_state()
    return Suspension("yield", captured_context(st, capture), st[EC], None, capture)


def switch_to(cc: ContinuationContext, ec: ExecutionContext) -> Suspension:
    """The A4/I4 context switch: resume on ``cc`` with ``ec`` current."""
    return Suspension("switch", cc, ec, None)


def foreign(obj: object, state: State, capture: bool) -> Suspension | None:
    """Turn something an asyncio awaitable yielded into a Suspension; None if unknown.

    Awaiting an asyncio future is a task await: the continuation context is
    the current SC (or the pool when none), unless ``capture`` is False.
    """
    cc = captured_context(state, capture)
    if obj is None:  # bare yield, e.g. asyncio.sleep(0): "let others run once"
        return Suspension("yield", cc, state[EC], None, capture)
    if asyncio.isfuture(obj) and obj._asyncio_future_blocking:
        obj._asyncio_future_blocking = False
        return Suspension("asyncio", cc, state[EC], functools.partial(_wait_asyncio_future, obj), capture)
    return None


def _wait_asyncio_future(fut: asyncio.Future[Any], cont: Continuation) -> None:
    """Call ``cont()`` on ``fut``'s loop once it is done.

    On the loop's own thread the callback runs in a copy of this thread's Context,
    whose state tells where that is. From another thread it runs in an empty Context,
    as any callback of that loop's thread: with the registering thread's state, a
    continuation whose context is this thread's SC would take the loop's thread for
    it and run there instead of being posted back (A3, review V f5).
    """
    loop = fut.get_loop()

    def done(_f: asyncio.Future[Any]) -> None:
        cont()

    if asyncio._get_running_loop() is loop:
        fut.add_done_callback(done)
    else:
        elsewhere = contextvars.Context()
        loop.call_soon_threadsafe(functools.partial(fut.add_done_callback, done, context=elsewhere), context=elsewhere)

