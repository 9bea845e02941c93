"""Tasks: the driver that steps a computation and resumes it on its continuation context.

A task owns a ``contextvars.Context``; every step runs inside it, so one task
can step on different threads one after another while the runtime state
(EC, SC, epoch) travels with it. Each step starts by installing the state the
resumption calls for -- the EC captured at the await, the SC of the place it
runs on, a fresh epoch (A3) -- and ends when the coroutine yields a
:class:`~runtime._suspension.Suspension` or finishes.

Invariant: a continuation is registered only after the step has left the
task's Context (``Context.run`` cannot be entered twice at once), and it runs
at most once (``Suspension.claim``).
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import inspect
import itertools
import threading
import types
from collections.abc import Awaitable, Callable, Coroutine, Generator
from typing import Any, Generic, TypeVar, cast

from . import _recorder, _sched, _state
from ._frames import is_frame_coroutine, task_var
from ._sched import ANY, POOL
from ._state import EC, SC, ExecutionContext, State
from ._suspension import Suspension, captured_context, foreign
from ._sync import SynchronizationContext

T = TypeVar("T")

_names = itertools.count(1)
_get_ident = threading.get_ident

# A continuation that finds itself already on its context runs inline, nested
# in whatever completed the awaited operation. Past this depth it is posted
# instead, so long chains of tasks completing one another cannot overflow the stack.
MAX_INLINE_DEPTH = 32


class _BadYield:
    __slots__ = ("value",)

    def __init__(self, value: object) -> None:
        self.value = value


class Task(Generic[T]):
    """A running runtime-async computation (see :func:`start`).

    Awaiting a task from a runtime-async function is a *task await*: it does
    not suspend if the task is done (A1), otherwise its continuation captures
    the current SC, or the thread pool when there is none (A2).
    """

    def __init__(self, coro: Coroutine[Any, Any, T], ctx: contextvars.Context, name: str | None = None) -> None:
        self._coro = coro
        # The frame of an @async_method coroutine run as the task itself: it has no
        # caller continuation (see _frames.try_leave_frame).
        self._root_frame: types.FrameType | None = (
            cast("types.CoroutineType[Any, Any, T]", coro).cr_frame if is_frame_coroutine(coro) else None
        )
        self._ctx = ctx
        self.name = name or f"task-{next(_names)}"
        self._lock = threading.Lock()
        self._event = threading.Event()
        self._done = False
        self._result: tuple[T] | None = None  # (value,) once it returned
        self._exc: BaseException | None = None
        self._callbacks: list[Callable[[Task[T]], object]] = []
        self.stepping_thread: int | None = None  # who runs its step now (traces tell tasks apart)

    # ---------------------------------------------------------------- public API
    def done(self) -> bool:
        return self._done

    def result(self, timeout: float | None = None) -> T:
        """Block until the task finishes; return its value or raise its exception.

        Raises ``TimeoutError`` if it is still running after ``timeout`` seconds.
        Under :func:`~runtime.deterministic` this runs the simulated threads.
        """
        if not self._done and not _sched.current().wait(self, timeout):
            raise TimeoutError(f"{self!r} did not finish within {timeout} s")
        if self._exc is not None:
            raise self._exc
        assert self._result is not None
        return self._result[0]

    def exception(self) -> BaseException | None:
        """The exception the task finished with, or None. The task must be done."""
        if not self._done:
            raise RuntimeError(f"{self!r} is not done")
        return self._exc

    def add_done_callback(self, fn: Callable[[Task[T]], object]) -> None:
        """Call ``fn(task)`` when the task finishes (now, if it already has)."""
        with self._lock:
            if not self._done:
                self._callbacks.append(fn)
                return
        fn(self)

    def __await__(self) -> Generator[Suspension, None, T]:
        return TaskAwait(self, True).__await__()

    def __repr__(self) -> str:
        status = "done" if self._done else "running"
        return f"<Task {self.name} {status}>"

    # ---------------------------------------------------------------- driver
    def _wait_done(self, cont: Callable[[], None]) -> None:
        self.add_done_callback(lambda _task: cont())

    def _drive(self, state: State | None, exc: BaseException | None = None) -> None:
        """Step on this thread until the computation waits for something elsewhere, or ends."""
        while True:
            self.stepping_thread = _get_ident()
            outcome = self._ctx.run(self._step, state, exc)
            self.stepping_thread = None
            if outcome is None:
                self._complete()
                return
            if isinstance(outcome, _BadYield):
                state = None
                exc = TypeError(
                    f"runtime task {self.name} got bad yield {outcome.value!r}: only runtime "
                    "awaitables, asyncio futures and bare yields can suspend it"
                )
                continue
            resumed = self._park(outcome)
            if resumed is None:
                return
            state, exc = resumed

    def _step(self, state: State | None, exc: BaseException | None) -> Suspension | _BadYield | None:
        if state is not None:
            _state.set_state(state)
        coro = self._coro
        try:
            y = coro.send(None) if exc is None else coro.throw(exc)
        except StopIteration as stop:
            self._result = (stop.value,)
            return None
        except BaseException as error:
            self._exc = error
            return None
        if type(y) is not Suspension:
            r = foreign(y, _state.get_state(), True)
            if r is None:
                return _BadYield(y)
            y = r
        rec = _recorder.active
        if rec is not None:
            rec.suspended(y)
        return y

    def _park(self, r: Suspension) -> tuple[State, BaseException | None] | None:
        """Register the continuation of suspension ``r``.

        Returns ``(state, exc)`` when it completed during registration on this
        thread and may run here (the loop in ``_drive`` then continues, instead
        of recursing), else None.
        """
        if r.wait is None:  # yield_() and context switches post at once
            r.claim()
            self._post(r)
            return None
        r.reg_thread = _get_ident()
        try:
            r.wait(functools.partial(self._on_completed, r))
        except BaseException as error:
            r.reg_thread = None
            if r.claim():
                # Nothing will call back: the await fails where it is, on this thread
                # with the SC its step left current (read in the task's Context, not
                # this thread's), as a resumption in place (A3, A5; review R14 j1).
                state = (r.ec, self._ctx.run(_state.get_state)[SC], _state.next_epoch())
                rec = _recorder.active
                if rec is not None:
                    rec.resuming(self, r, state, "inline")
                return state, error
            raise
        r.reg_thread = None
        ready, r.ready_state = r.ready_state, None
        return None if ready is None else (ready, None)

    def _on_completed(self, r: Suspension) -> None:
        """The continuation: runs where the awaited operation completed (A3)."""
        if not r.claim():
            raise RuntimeError(f"the continuation of {r!r} in {self!r} was invoked twice")
        sc_here = _state.get_state()[SC]
        cc = r.cc
        here = cc is ANY or sc_here is (None if cc is POOL else cc)
        tls = _sched._tls
        depth = getattr(tls, "inline_depth", 0)
        if not here or depth >= MAX_INLINE_DEPTH:
            self._post(r)
            return
        state = (r.ec, r.resume_sc(sc_here), _state.next_epoch())
        rec = _recorder.active
        if rec is not None:
            rec.resuming(self, r, state, "inline")
        if r.reg_thread == _get_ident():
            r.ready_state = state  # still registering on this thread: let _drive loop
            return
        tls.inline_depth = depth + 1
        try:
            self._drive(state)
        finally:
            tls.inline_depth = depth

    def _post(self, r: Suspension) -> None:
        cc = r.cc
        rec = _recorder.active
        if rec is not None:
            rec.posted(self, r)
        if isinstance(cc, SynchronizationContext):
            cc.post(functools.partial(self._run_posted, r))
        else:  # POOL; or ANY, when nesting too deep to run where it was invoked
            _sched.current().to_pool(functools.partial(self._run_posted, r))

    def _run_posted(self, r: Suspension) -> None:
        state = (r.ec, r.resume_sc(None), _state.next_epoch())
        rec = _recorder.active
        if rec is not None:
            rec.resuming(self, r, state, "posted")
        self._drive(state)

    def _complete(self) -> None:
        with self._lock:
            self._done = True
            callbacks, self._callbacks = self._callbacks, []
        self._event.set()
        rec = _recorder.active
        if rec is not None:
            rec.task_done(self, self._exc)
        for fn in callbacks:
            try:
                fn(self)
            except BaseException:
                _sched.report_exception(f"in a done callback of {self!r}")


class TaskAwait(Generic[T]):
    """``configure_await(task, flag)``: a task await with an explicit continuation context."""

    __slots__ = ("_task", "_capture")

    def __init__(self, task: Task[T], capture: bool) -> None:
        self._task = task
        self._capture = capture

    def __await__(self) -> Generator[Suspension, None, T]:
        task = self._task
        if not task._done:
            st = _state.get_state()
            yield Suspension("task", captured_context(st, self._capture), st[EC], task._wait_done, self._capture)
        return task.result()


def _as_coroutine(awaitable: Awaitable[T]) -> Coroutine[Any, Any, T]:
    """What a Task steps: the coroutine itself, or one that awaits ``awaitable``."""
    obj: object = awaitable
    if inspect.iscoroutine(obj) or (
        inspect.isgenerator(obj) and obj.gi_code.co_flags & inspect.CO_ITERABLE_COROUTINE
    ):
        return cast("Coroutine[Any, Any, T]", obj)
    if inspect.isawaitable(obj):
        return _await(awaitable)
    raise TypeError(f"expected an awaitable, got {awaitable!r}")


async def _await(awaitable: Awaitable[T]) -> T:
    return await awaitable


def start(awaitable: Awaitable[T], *, name: str | None = None) -> Task[T]:
    """Run ``awaitable`` on this thread up to its first suspension; return its Task.

    The task starts with the caller's SC and the caller's execution context
    (the empty one under ``ExecutionContext.suppress_flow()``), in its own
    ``contextvars.Context``: nothing it changes leaks into the caller.
    """
    coro = _as_coroutine(awaitable)
    ctx = contextvars.copy_context()
    task = Task(coro, ctx, name)
    ctx.run(task_var.set, task)
    state = (ExecutionContext.capture(), _state.get_state()[SC], _state.next_epoch())
    rec = _recorder.active
    if rec is not None:
        rec.task_started(task, state)
    task._drive(state)
    return task


def run(awaitable: Awaitable[T], *, timeout: float | None = None) -> T:
    """Run ``awaitable`` to completion and return its result (or raise its exception).

    Blocks the calling thread (under :func:`~runtime.deterministic`: runs the
    simulated threads); raises ``TimeoutError`` after ``timeout`` seconds.
    """
    if asyncio._get_running_loop() is not None and not _sched.current().deterministic:
        if inspect.iscoroutine(awaitable):
            awaitable.close()  # it will never run; do not warn that it was never awaited
        raise RuntimeError(
            "runtime.run() would block the running event loop; use 'await runtime.start(...)'"
        )
    return start(awaitable).result(timeout)
