"""Synchronization contexts: where a continuation that captured one runs.

The current SC is per-thread state in the sense of .NET's
``SynchronizationContext.Current``: each thread starts with none, nothing
carries it to other threads, and whoever runs a posted callback makes the
posting context current around it. It is stored beside the execution context
in the runtime's state variable (see ``_state``) but is not part of it.
"""

from __future__ import annotations

import asyncio
import itertools
import queue
import threading
import weakref
from collections.abc import Callable

from . import _recorder, _sched, _state


class SynchronizationContext:
    """Subclass and override :meth:`post` to decide where callbacks run.

    A context that runs a posted callback should make itself current around
    it (``set_current(self)``); the bundled contexts do, and the runtime sets
    the SC afresh for every step it runs anyway.
    """

    def post(self, callback: Callable[[], object]) -> None:
        raise NotImplementedError(f"{type(self).__name__} must override post(callback)")

    @staticmethod
    def current() -> SynchronizationContext | None:
        return _state.get_state()[_state.SC]

    @staticmethod
    def set_current(ctx: SynchronizationContext | None) -> None:
        if ctx is not None and not isinstance(ctx, SynchronizationContext):
            raise TypeError(f"expected a SynchronizationContext or None, got {ctx!r}")
        _state.set_sc(ctx)
        rec = _recorder.active
        if rec is not None:
            rec.sc_set(ctx)


class QueueContext(SynchronizationContext):
    """A dedicated thread that runs posted callbacks one at a time, in order (a "UI thread").

    Under :func:`~runtime.deterministic` the thread is simulated by the
    deterministic scheduler. ``posts`` counts the callbacks posted so far.
    """

    _names = itertools.count(1)

    def __init__(self, name: str | None = None) -> None:
        self.name = name or f"queue-{next(self._names)}"
        self._count_lock = threading.Lock()
        self.posts = 0
        self._queue: queue.SimpleQueue[Callable[[], object] | None] | None = None
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()

    def post(self, callback: Callable[[], object]) -> None:
        with self._count_lock:
            self.posts += 1
        _sched.current().to_queue(self, callback)

    def _enqueue_on_thread(self, callback: Callable[[], object]) -> None:
        if self._thread is None:
            with self._start_lock:
                if self._thread is None:
                    self._queue = queue.SimpleQueue()
                    t = threading.Thread(target=self._loop, name=self.name, daemon=True)
                    t.start()
                    self._thread = t
        q = self._queue
        assert q is not None  # set before _thread, never reset
        q.put(callback)

    def _loop(self) -> None:
        q = self._queue
        assert q is not None
        while True:
            callback = q.get()
            if callback is None:
                return
            _sched.run_item(self, callback)

    @property
    def thread(self) -> threading.Thread | None:
        """The dedicated thread, once started (real-thread mode only)."""
        return self._thread

    def close(self, timeout: float | None = 5.0) -> None:
        """Stop the dedicated thread after the callbacks already posted."""
        with self._start_lock:
            t, q = self._thread, self._queue
            self._thread = None
        if t is not None and q is not None:
            q.put(None)
            t.join(timeout)

    def __enter__(self) -> QueueContext:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<QueueContext {self.name}>"


class LoopContext(SynchronizationContext):
    """Posts callbacks to an asyncio event loop (thread-safe).

    There is one LoopContext per loop: ``LoopContext(loop) is LoopContext(loop)``,
    so "is the current SC this loop's context?" is an identity test.
    """

    _by_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, LoopContext] = (
        weakref.WeakKeyDictionary()
    )
    _lock = threading.Lock()

    loop: asyncio.AbstractEventLoop
    posts: int
    _count_lock: threading.Lock

    def __new__(cls, loop: asyncio.AbstractEventLoop) -> LoopContext:
        with cls._lock:
            ctx = cls._by_loop.get(loop)
            if ctx is None:
                ctx = super().__new__(cls)
                ctx.loop = loop
                ctx.posts = 0
                ctx._count_lock = threading.Lock()
                cls._by_loop[loop] = ctx
            return ctx

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        pass  # state is set once, in __new__

    @property
    def name(self) -> str:
        return f"loop-{id(self.loop):x}"

    @classmethod
    def running(cls) -> LoopContext:
        """The context of the event loop running in this thread."""
        return cls(asyncio.get_running_loop())

    def post(self, callback: Callable[[], object]) -> None:
        with self._count_lock:
            self.posts += 1
        self.loop.call_soon_threadsafe(_sched.run_item, self, callback)

    def __repr__(self) -> str:
        return f"<LoopContext {id(self.loop):x}>"
