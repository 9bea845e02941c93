"""Test support: awaiters, an environment programs log into, and a runner for both modes."""

from __future__ import annotations

import contextvars
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import runtime
from runtime import Awaiter, QueueContext, SynchronizationContext, ThreadPool

TIMEOUT = 10.0  # every blocking wait in the tests; a hang fails clearly instead

# (mode, seed): real threads, and the deterministic scheduler in FIFO and seeded order.
MODES = [("threads", None), ("deterministic", None), ("deterministic", 7)]
MODE_IDS = ["threads", "det-fifo", "det-seed7"]


class PoolAwaiter(Awaiter):
    """The design note's AlwaysThreadPoolAwaitable: never done, resumes from a pool thread."""

    is_completed = False

    def on_completed(self, continuation: Callable[[], None]) -> None:
        ThreadPool.queue(continuation)

    def get_result(self) -> str:
        return "pool"


class DoneAwaiter(Awaiter):
    """Completed before it is awaited: the await does not suspend (A1)."""

    is_completed = True

    def __init__(self, value: Any = "done") -> None:
        self.value = value

    def on_completed(self, continuation: Callable[[], None]) -> None:  # pragma: no cover
        raise AssertionError("a completed awaiter must not be asked to call back")

    def get_result(self) -> Any:
        return self.value


class CallNowAwaiter(Awaiter):
    """Not completed, but calls the continuation synchronously from on_completed."""

    is_completed = False

    def on_completed(self, continuation: Callable[[], None]) -> None:
        continuation()


class Gate(Awaiter):
    """A custom awaiter (A5) opened by hand: ``open()`` calls the continuation right there."""

    is_completed = False

    def __init__(self) -> None:
        self._continuation: Callable[[], None] | None = None

    def on_completed(self, continuation: Callable[[], None]) -> None:
        self._continuation = continuation

    def open(self) -> None:
        assert self._continuation is not None, "opened before anything awaited it"
        self._continuation()


class ContextAwaiter(Awaiter):
    """Resumes its awaiter from a callback posted to ``ctx`` (custom awaiter, A5)."""

    is_completed = False

    def __init__(self, ctx: SynchronizationContext) -> None:
        self.ctx = ctx

    def on_completed(self, continuation: Callable[[], None]) -> None:
        self.ctx.post(continuation)


def place() -> str:
    """Where the current code runs, the same in both modes: 'pool', a context name, or 'caller'."""
    on = runtime.running_on()
    if on is ThreadPool:
        return "pool"
    return getattr(on, "name", "caller") if on is not None else "caller"


def sc_name() -> str | None:
    sc = SynchronizationContext.current()
    return None if sc is None else getattr(sc, "name", repr(sc))


class Env:
    """What a program sees of the harness: a log, named contexts, where-am-I helpers."""

    def __init__(self) -> None:
        self.lines: list[tuple] = []
        self.contexts: dict[str, QueueContext] = {}
        self.notes: list[Any] = []
        self._lock = threading.Lock()

    def log(self, *values: Any) -> None:
        self.lines.append(values)

    def ctx(self, name: str) -> QueueContext:
        with self._lock:
            if name not in self.contexts:
                self.contexts[name] = QueueContext(name)
            return self.contexts[name]

    def __getattr__(self, name: str) -> QueueContext:
        if name.startswith("_"):
            raise AttributeError(name)
        return self.ctx(name)

    sc = staticmethod(sc_name)
    where = staticmethod(place)

    def posts(self) -> dict[str, int]:
        return {name: ctx.posts for name, ctx in sorted(self.contexts.items()) if ctx.posts}

    def close(self) -> None:
        for ctx in self.contexts.values():
            ctx.close()


@dataclass
class Outcome:
    value: Any = None
    error: tuple | None = None  # (type, message)
    error_object: BaseException | None = None
    lines: list = field(default_factory=list)
    posts: dict = field(default_factory=dict)
    violations: list = field(default_factory=list)
    trace: Any = None

    def continuation_posts(self) -> dict[str, int]:
        """Continuation posts per target ('POOL' or a context name), from the trace."""
        return {getattr(k, "name", repr(k)): n for k, n in self.trace.posts().items()}

    def observable(self) -> tuple:
        """Everything the two modes (and the two variants) must agree on."""
        return (self.value, self.error, self.lines, self.posts)


def run_mode(
    mode: str,
    seed: int | None,
    make: Callable[[], Any],
    *,
    sc: SynchronizationContext | None = None,
    env: Env | None = None,
) -> Outcome:
    """Run ``make()``'s awaitable to completion in ``mode``, traced, in a fresh Context."""
    outcome = Outcome()

    def body() -> None:
        if sc is not None:
            SynchronizationContext.set_current(sc)
        with runtime.trace() as trace:
            try:
                if mode == "deterministic":
                    with runtime.deterministic(seed):
                        outcome.value = runtime.run(make())
                else:
                    outcome.value = runtime.run(make(), timeout=TIMEOUT)
            except Exception as error:  # the program's outcome
                if isinstance(error, (TimeoutError, runtime.DeadlockError)):
                    raise
                outcome.error = (type(error), str(error))
                outcome.error_object = error
        outcome.trace = trace
        outcome.violations = trace.check()

    contextvars.copy_context().run(body)
    if env is not None:
        outcome.lines = list(env.lines)
        outcome.posts = env.posts()
    return outcome


def run_program(module: Any, variant: str, mode: str, seed: int | None) -> Outcome:
    env = Env()
    module.env = env
    try:
        start_sc = getattr(module, "START_SC", None)
        sc = env.ctx(start_sc) if start_sc else None
        return run_mode(mode, seed, module.ENTRIES[variant], sc=sc, env=env)
    finally:
        env.close()


def assert_same_run(reference: Outcome, inlined: Outcome) -> None:
    """The two variants of a program agree on everything observable, and the rule
    checker accepts both traces."""
    assert reference.violations == [], "\n".join(map(str, reference.violations))
    assert inlined.violations == [], "\n".join(map(str, inlined.violations))
    assert inlined.lines == reference.lines
    assert (inlined.value, inlined.error) == (reference.value, reference.error)
    assert inlined.posts == reference.posts
    assert inlined.continuation_posts() == reference.continuation_posts()
