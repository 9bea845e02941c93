"""``ThreadPool``: the public face of the runtime's worker threads, and ``running_on``."""

from __future__ import annotations

import contextvars
from collections.abc import Callable

from . import _sched, _state
from ._pool import pool as _worker_pool
from ._sync import SynchronizationContext


class ThreadPool:
    """The runtime's worker threads (simulated under :func:`~runtime.deterministic`)."""

    @staticmethod
    def queue(fn: Callable[[], object]) -> None:
        """Run ``fn()`` on a worker thread.

        Like .NET's ``QueueUserWorkItem`` it flows the execution context
        (``ExecutionContext.capture()``: the empty one under
        ``suppress_flow()``) but not the synchronization context: ``fn`` runs
        with no SC current. Other context variables flow too (a copy of the
        caller's ``contextvars.Context``), as with ``asyncio.to_thread``.
        """
        ec = _state.ExecutionContext.capture()
        ctx = contextvars.copy_context()
        _sched.current().to_pool(lambda: ctx.run(_run_flowed, ec, fn))

    @staticmethod
    def set_max_workers(n: int) -> None:
        """Cap the number of real worker threads (default 64); they are started on demand."""
        if n < 1:
            raise ValueError("a thread pool needs at least one worker")
        _worker_pool.max_workers = n

    @staticmethod
    def size() -> int:
        """Real worker threads started so far."""
        return _worker_pool.size


def _run_flowed(ec: _state.ExecutionContext, fn: Callable[[], object]) -> None:
    _state.set_state((ec, None, _state.next_epoch()))
    fn()


def running_on() -> type[ThreadPool] | SynchronizationContext | None:
    """Where the current code runs: ``ThreadPool``, a QueueContext or LoopContext, or None.

    None means a thread the runtime does not own (the caller of ``run()``, for
    instance). Under :func:`~runtime.deterministic` this names the simulated thread.
    """
    place = _sched.where()
    if place is _sched.POOL:
        return ThreadPool
    return place if isinstance(place, SynchronizationContext) else None
