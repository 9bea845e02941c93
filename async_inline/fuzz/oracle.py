"""Run a program original and rewritten, and say how they differ (the project's oracle).

Compared: printed output (where programs record the order of their side effects and
their context values), the result's repr, the exception chain (type and message along
``__cause__``/``__context__``) and, for runtime-async programs, posts per synchronization
context and the rule checker's verdict on the trace. A rewrite that raises, produces
invalid code, or makes the program hang is a finding too.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import io
import itertools
import signal
import sys
import threading
import types
from dataclasses import dataclass
from typing import Iterator

from ..api import InternalError, rewrite_source
from ..errors import SourceError
from ..options import Options

_names = itertools.count()


class ProgramTimeout(BaseException):
    """The program ran longer than allowed (BaseException: the program cannot catch it)."""


@dataclass(frozen=True)
class Outcome:
    stdout: str
    result: str | None
    error: tuple | None
    posts: tuple = ()
    violations: tuple = ()


@dataclass(frozen=True)
class Verdict:
    #: None when the two runs agree; else "rewrite-crash", "invalid-output", "timeout",
    #: "behaviour". "unusable" when the original itself cannot run (a generator problem).
    kind: str | None
    detail: str = ""
    inlined: int = 0

    @property
    def divergent(self) -> bool:
        return self.kind not in (None, "unusable")


def describe_exception(exc: BaseException | None, depth: int = 0) -> tuple | None:
    if exc is None or depth > 5:
        return None
    context = exc.__context__
    return (
        type(exc).__name__,
        str(exc),
        describe_exception(exc.__cause__, depth + 1),
        "=cause" if context is exc.__cause__ else describe_exception(context, depth + 1),
    )


@contextlib.contextmanager
def _time_limit(seconds: float) -> Iterator[None]:
    """Raise ProgramTimeout in the main thread after ``seconds`` (no limit elsewhere)."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        yield
        return

    def expire(signum, frame):  # noqa: ARG001
        raise ProgramTimeout()

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def run_program(source: str, *, runtime_async: bool, name: str, timeout: float = 5.0) -> Outcome:
    """Execute ``source`` as a fresh module named ``name`` and run its ``main()``."""
    out = io.StringIO()
    result = error = None
    posts: tuple = ()
    violations: tuple = ()
    module = types.ModuleType(name)
    module.__file__ = f"<{name}>"
    sys.modules[name] = module
    contexts: list = []
    try:
        with contextlib.redirect_stdout(out), _time_limit(timeout):
            try:
                exec(compile(source, module.__file__, "exec"), module.__dict__)
                if runtime_async:
                    import runtime

                    contexts = [runtime.QueueContext(f"c{i}") for i in range(2)]
                    module.CTX[:] = contexts
                    value, violations = contextvars.copy_context().run(_run_runtime, runtime, module)
                else:
                    value = contextvars.copy_context().run(asyncio.run, module.main())
                result = repr(value)
            except ProgramTimeout:
                raise
            except Exception as exc:  # noqa: BLE001 - the outcome includes any exception
                error = describe_exception(exc)
        posts = tuple(sorted((c.name, c.posts) for c in contexts))
    finally:
        for ctx in contexts:
            ctx.close()
        sys.modules.pop(name, None)
    return Outcome(out.getvalue(), result, error, posts, violations)


def _run_runtime(runtime, module) -> tuple:
    with runtime.trace() as trace, runtime.deterministic(0):
        try:
            value = runtime.run(module.main())
        finally:
            violations = tuple(str(v) for v in trace.check())
    return value, violations


def compare(source: str, *, runtime_async: bool, options: Options | None = None, timeout: float = 5.0) -> Verdict:
    """Rewrite ``source``, run both versions, and judge."""
    name = f"_fuzz_{next(_names)}"
    try:
        original = run_program(source, runtime_async=runtime_async, name=name, timeout=timeout)
    except ProgramTimeout:
        return Verdict("unusable", "the original program timed out")
    try:
        result = rewrite_source(source, filename=f"{name}.py", options=options or Options())
    except InternalError as exc:
        return Verdict("invalid-output", str(exc))
    except SourceError as exc:
        return Verdict("unusable", f"the generated program is invalid: {exc}")
    except Exception as exc:  # noqa: BLE001 - any other exception is a crash of the rewriter
        return Verdict("rewrite-crash", f"{type(exc).__name__}: {exc}")
    inlined = len(result.report.inlined)
    try:
        rewritten = run_program(result.code, runtime_async=runtime_async, name=name, timeout=max(timeout * 3, 2.0))
    except ProgramTimeout:
        return Verdict("timeout", "the rewritten program timed out", inlined)
    if rewritten != original:
        return Verdict("behaviour", _difference(original, rewritten), inlined)
    return Verdict(None, "", inlined)


def _difference(original: Outcome, rewritten: Outcome) -> str:
    lines = []
    for field in ("result", "error", "posts", "violations"):
        a, b = getattr(original, field), getattr(rewritten, field)
        if a != b:
            lines.append(f"{field}: original {a!r}, rewritten {b!r}")
    if original.stdout != rewritten.stdout:
        a, b = original.stdout.splitlines(), rewritten.stdout.splitlines()
        first = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
        lines.append(
            f"output differs from line {first + 1}: original {a[first:first + 1]!r}, rewritten {b[first:first + 1]!r}"
        )
    return "; ".join(lines)
