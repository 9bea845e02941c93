"""Bounded stress: 10,000 continuations across four queue contexts, the thread pool and
many tasks; nothing is lost, nothing deadlocks, every continuation sees its own values."""

from __future__ import annotations

import threading
import time

import pytest

import runtime
from runtime import (
    AsyncLocal,
    QueueContext,
    SynchronizationContext,
    async_method,
    configure_await,
    start,
    yield_,
)
from tests.runtime.support import ContextAwaiter, PoolAwaiter

TASKS = 50
AWAITS_PER_TASK = 200  # 50 * 200 = 10,000 continuations
LIMIT = 60.0  # seconds for the whole run: a deadlock fails here, clearly

local = AsyncLocal(name="stress_local")


class Counter:
    def __init__(self):
        self.n = 0
        self._lock = threading.Lock()

    def add(self):
        with self._lock:
            self.n += 1


@async_method
async def nested(task_id, i, contexts, counter):
    """A frame of its own that suspends once and writes the local (undone by A4)."""
    local.value = ("nested", task_id, i)
    await yield_()
    counter.add()
    assert local.value == ("nested", task_id, i)


@async_method
async def worker(task_id, contexts, counter, errors):
    local.value = task_id
    for i in range(AWAITS_PER_TASK):
        ctx = contexts[(task_id + i) % len(contexts)]
        SynchronizationContext.set_current(ctx)
        kind = (task_id * 7 + i) % 5
        if kind == 0:
            await yield_()  # posted to ctx
            expect_sc = ctx
        elif kind == 1:
            await PoolAwaiter()  # resumes on the pool
            expect_sc = None
        elif kind == 2:
            await configure_await(yield_(), False)
            expect_sc = None
        elif kind == 3:
            other = contexts[(task_id + i + 1) % len(contexts)]
            await ContextAwaiter(other)  # custom awaiter: wherever it calls back
            expect_sc = other
        else:
            await nested(task_id, i, contexts, counter)  # one continuation inside, then A4 to ctx
            expect_sc = ctx
        counter.add()
        sc = SynchronizationContext.current()
        if local.value != task_id or sc is not expect_sc:
            errors.append((task_id, i, kind, local.value, sc, expect_sc))
    return task_id


def _run_stress(deterministic: bool, seed=None, traced=False):
    contexts = [QueueContext(f"stress-{k}") for k in range(4)]
    counter = Counter()
    errors = []
    nested_awaits = sum(1 for t in range(TASKS) for i in range(AWAITS_PER_TASK) if (t * 7 + i) % 5 == 4)
    trace = runtime.trace() if traced else None
    started = time.monotonic()
    try:
        if trace:
            trace.__enter__()
        if deterministic:
            with runtime.deterministic(seed):
                tasks = [start(worker(t, contexts, counter, errors)) for t in range(TASKS)]
                results = [t.result() for t in tasks]
        else:
            tasks = [start(worker(t, contexts, counter, errors)) for t in range(TASKS)]
            deadline = started + LIMIT
            results = [t.result(max(0.0, deadline - time.monotonic())) for t in tasks]
    finally:
        if trace:
            trace.__exit__(None, None, None)
        for ctx in contexts:
            ctx.close()
    assert results == list(range(TASKS))
    assert errors == []
    assert counter.n == TASKS * AWAITS_PER_TASK + nested_awaits  # nothing lost, nothing doubled
    assert sum(ctx.posts for ctx in contexts) > TASKS * AWAITS_PER_TASK // 5
    return trace


def test_stress_real_threads():
    _run_stress(deterministic=False)  # each result() wait is bounded by what is left of LIMIT


@pytest.mark.parametrize("seed", [None, 11])
def test_stress_deterministic(seed):
    _run_stress(deterministic=True, seed=seed)


def test_stress_trace_is_valid():
    trace = _run_stress(deterministic=False, traced=True)
    assert trace.check() == []
    assert sum(1 for e in trace.events if e.kind == "resume") >= TASKS * AWAITS_PER_TASK
