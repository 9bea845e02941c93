"""The runtime's worker threads (real-thread mode).

The pool grows when queued work outnumbers idle workers, up to ``max_workers``:
a worker blocked in ``Task.result()`` then does not starve the continuation
it is waiting for (the classic fixed-size-pool deadlock), which is what .NET's
thread injection achieves too.
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
        self._idle = 0  # workers waiting on the queue; guarded by _lock
        self._threads: list[threading.Thread] = []

    def submit(self, item: Callable[[], object]) -> None:
        self._queue.put(item)
        with self._lock:
            if self._queue.qsize() > self._idle and len(self._threads) < self.max_workers:
                t = threading.Thread(
                    target=self._work, name=f"runtime-pool-{len(self._threads)}", daemon=True
                )
                self._threads.append(t)
                t.start()

    def _work(self) -> None:
        get = self._queue.get
        while True:
            with self._lock:
                self._idle += 1
            item = get()
            with self._lock:
                self._idle -= 1
            item()  # items report their own exceptions (see _sched.run_item)

    @property
    def size(self) -> int:
        return len(self._threads)


pool = WorkerPool()
