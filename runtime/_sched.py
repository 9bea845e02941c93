"""Where work runs: real threads, or a deterministic single-threaded simulation.

Two places exist besides the caller's own thread: the thread pool (``POOL``)
and each dedicated-thread :class:`~runtime.QueueContext`. In real mode they are
threads; under :func:`deterministic` they are queues that one thread drains
in a reproducible order, so a program always produces the same event order.

Whoever runs an item for a place makes that place's SC current around it
(``None`` for the pool), as a synchronization context must.
"""

from __future__ import annotations

import collections
import contextlib
import contextvars
import random
import sys
import threading
import traceback
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, TypeAlias, Union

from . import _state
from ._pool import pool as _worker_pool

if TYPE_CHECKING:
    from ._driver import Task
    from ._sync import QueueContext, SynchronizationContext


class Marker:
    """A named place that is not a SynchronizationContext: ``POOL`` or ``ANY``."""

    __slots__ = ("_name",)

    def __init__(self, name: str) -> None:
        self._name = name

    def __repr__(self) -> str:
        return self._name


POOL = Marker("POOL")  # continuation context "the thread pool" (no SC current)
ANY = Marker("ANY")  # continuation context of custom awaiters: wherever they resume us

ContinuationContext: TypeAlias = Union["SynchronizationContext", Marker]
"""Where a continuation runs (A2): an SC, ``POOL``, or ``ANY`` (custom awaiters, A5)."""

Place: TypeAlias = Union["SynchronizationContext", Marker, None]
"""Where an item runs: ``POOL``, a context, or ``None`` (a thread the runtime does not own)."""

Item: TypeAlias = Callable[[], object]


class DeadlockError(RuntimeError):
    """The deterministic scheduler has nothing left to run but the awaited task is not done."""


_tls = threading.local()  # .where: the place whose item this thread is running; .inline_depth (driver)


def where() -> Place:
    """The place running the current item: ``POOL``, a QueueContext, or ``None``."""
    place: Place = getattr(_tls, "where", None)
    return place


def run_item(place: Place, fn: Item) -> None:
    """Run one item for ``place`` with that place's SC current, reporting what escapes."""
    sc = None if isinstance(place, Marker) else place
    token = _state.set_state(_state.state_with_sc(sc))
    previous = getattr(_tls, "where", None)
    _tls.where = place
    try:
        fn()
    except BaseException:
        report_exception(f"in an item run on {place!r}")
    finally:
        _tls.where = previous
        _state.reset_state(token)


def report_exception(where_text: str) -> None:
    print(f"runtime: unhandled exception {where_text}", file=sys.stderr)
    traceback.print_exc()


class RealScheduler:
    deterministic = False

    def to_pool(self, fn: Item) -> None:
        _worker_pool.submit(lambda: run_item(POOL, fn))

    def to_queue(self, ctx: QueueContext, fn: Item) -> None:
        ctx._enqueue_on_thread(fn)

    def wait(self, task: Task[Any], timeout: float | None) -> bool:
        return task._event.wait(timeout)


class DeterministicScheduler:
    """Runs every pool item and QueueContext item on the thread that waits.

    With ``seed=None`` items run in global FIFO order. With a seed, the next
    place to run is chosen by a seeded RNG among places with pending items
    (each place stays FIFO), which explores other interleavings reproducibly.
    Items submitted from foreign threads are accepted (thread-safe), but then
    the order is no longer reproducible.
    """

    deterministic = True

    def __init__(self, seed: int | None = None, idle_timeout: float = 10.0) -> None:
        self._rng = random.Random(seed) if seed is not None else None
        self._idle_timeout = idle_timeout
        self._cond = threading.Condition()
        self._fifo: collections.deque[tuple[Place, Item]] = collections.deque()
        self._queues: dict[Place, collections.deque[Item]] = {}
        self._contexts: dict[Place, list[contextvars.Context]] = {}  # each place's free thread Contexts

    def to_pool(self, fn: Item) -> None:
        self._submit(POOL, fn)

    def to_queue(self, ctx: QueueContext, fn: Item) -> None:
        self._submit(ctx, fn)

    def _submit(self, place: Place, fn: Item) -> None:
        with self._cond:
            if self._rng is None:
                self._fifo.append((place, fn))
            else:
                self._queues.setdefault(place, collections.deque()).append(fn)
            self._cond.notify_all()

    def _take(self, timeout: float | None) -> tuple[Place, Item] | None:
        with self._cond:
            if not self._has_work():
                self._cond.wait(timeout)
                if not self._has_work():
                    return None
            if self._rng is None:
                return self._fifo.popleft()
            places = [p for p, q in self._queues.items() if q]
            place = places[self._rng.randrange(len(places))]
            return place, self._queues[place].popleft()

    def _has_work(self) -> bool:
        return bool(self._fifo) or any(self._queues.values())

    def run_one(self, timeout: float | None = 0) -> bool:
        """Run the next item; False if there was none (after waiting ``timeout``).

        It runs in its simulated thread's own ``contextvars.Context`` (empty at first,
        kept from item to item), as on the real thread, never in the waiting thread's:
        a callback posted to a QueueContext would read the waiter's EC and leave its
        ContextVar writes there (review V f4). An item run while another of the same
        place waits (a nested ``result()``) gets another Context, as on another thread.
        """
        item = self._take(timeout)
        if item is None:
            return False
        place, fn = item
        with self._cond:
            free = self._contexts.setdefault(place, [])
            ctx = free.pop() if free else contextvars.Context()
        try:
            ctx.run(run_item, place, fn)
        finally:
            with self._cond:
                free.append(ctx)
        return True

    def run_until_idle(self) -> int:
        n = 0
        while self.run_one(0):
            n += 1
        return n

    def wait(self, task: Task[Any], timeout: float | None) -> bool:
        limit = self._idle_timeout if timeout is None else timeout
        while not task.done():
            if not self.run_one(0):
                if not self.run_one(limit):
                    if timeout is not None:
                        return task.done()
                    raise DeadlockError(
                        f"deterministic scheduler: nothing left to run but {task!r} is not done"
                    )
        return True

    def pending(self) -> int:
        with self._cond:
            return len(self._fifo) + sum(len(q) for q in self._queues.values())


Scheduler: TypeAlias = RealScheduler | DeterministicScheduler

_current: Scheduler = RealScheduler()


def current() -> Scheduler:
    return _current


@contextlib.contextmanager
def deterministic(seed: int | None = None, idle_timeout: float = 10.0) -> Iterator[DeterministicScheduler]:
    """Simulate the thread pool and every QueueContext on the waiting thread.

    ``run()`` and ``Task.result()`` drain the simulated queues until the task
    is done; a task that can never finish raises :class:`DeadlockError`.
    """
    global _current
    previous = _current
    sched = DeterministicScheduler(seed, idle_timeout)
    _current = sched
    try:
        yield sched
    finally:
        _current = previous
