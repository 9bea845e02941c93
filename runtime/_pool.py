"""The runtime's worker threads (real-thread mode).

The pool grows when queued work outnumbers idle workers, up to ``max_workers``:
a worker blocked in ``Task.result()`` then does not starve the continuation
it is waiting for (the classic fixed-size-pool deadlock), which is what .NET's
thread injection achieves too.

The accounting is exact: ``submit`` either promises its item to a worker that
is idle and promised nothing yet (one that has finished its item and takes the
next one without running anything in between), or starts a worker for it, all
under one lock. A worker that has dequeued an item but not yet run it was
promised that item, so it never counts as free for another one (review V f2:
counting idle workers after ``get()`` returned let a submit in that window
start no thread, and the item could wait behind a worker blocked in it).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable


class WorkerPool:
    def __init__(self, max_workers: int = 64) -> None:
        self.max_workers = max_workers
        self._queue: queue.SimpleQueue[Callable[[], object]] = queue.SimpleQueue()
        self._lock = threading.Lock()
        # Guarded by _lock: workers done with their item and promised no other one;
        # items queued while the pool was at max_workers with no such worker.
        self._idle = 0
        self._unpromised = 0
        self._threads: list[threading.Thread] = []

    def submit(self, item: Callable[[], object]) -> None:
        with self._lock:
            if self._idle:
                self._idle -= 1  # that worker takes this item (or an equivalent one)
            elif len(self._threads) < self.max_workers:
                t = threading.Thread(
                    target=self._work, name=f"runtime-pool-{len(self._threads)}", daemon=True
                )
                self._threads.append(t)
                t.start()  # promised to this item
            else:
                self._unpromised += 1  # at the limit: the next worker to finish takes it
            self._queue.put(item)

    def _work(self) -> None:
        get = self._queue.get
        while True:
            item = get()  # there is one for this worker: it was promised one
            item()  # items report their own exceptions (see _sched.run_item)
            with self._lock:
                if self._unpromised:
                    self._unpromised -= 1
                else:
                    self._idle += 1

    @property
    def size(self) -> int:
        return len(self._threads)


pool = WorkerPool()
