"""Run a program original and rewritten, and say whether and how they differ.

Compared: everything printed (programs record the order of their side effects and their
context values there), the result's repr, the exception chain (type, message,
``__cause__``/``__context__``, ``__suppress_context__``) and, for runtime-async programs,
the posts made to each synchronization context and the rules the trace checker finds
broken. A rewrite that raises, produces code that does not compile, or takes too long,
and a rewritten program that hangs, are findings too.

Programs run in this process, as fresh module objects, under a repeating SIGALRM (so a
program that swallows one alarm gets the next); the campaign runs this in worker
processes with a watchdog of its own, for what an alarm cannot interrupt.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import gc
import io
import itertools
import signal
import sys
import threading
import time
import types
import warnings
from collections.abc import Iterator
from dataclasses import dataclass

from ..api import InternalError, rewrite_source
from ..errors import SourceError
from ..options import Options

_names = itertools.count()

#: Seconds an original program may run (generated ones take milliseconds).
PROGRAM_TIMEOUT = 10.0
#: Seconds a rewrite may take before it counts as looping.
REWRITE_TIMEOUT = 120.0


class ProgramTimeout(BaseException):
    """The time is up (a BaseException: the program's handlers do not catch it)."""


@dataclass(frozen=True)
class Outcome:
    stdout: str
    result: str | None
    error: tuple | None
    #: ``(context name, posts)`` for each synchronization context (runtime-async programs).
    posts: tuple = ()
    #: Rules the trace checker found broken, sorted (runtime-async programs).
    violations: tuple = ()
    #: The checker's full messages (they name events by address: shown, not compared).
    violation_text: tuple = ()

    def key(self) -> tuple:
        """What must be equal in the two runs."""
        return (self.stdout, self.result, self.error, self.posts, self.violations)


#: Verdict kinds, worst first. ``None``: the two runs agree.
KINDS = ("rewrite-crash", "invalid-output", "rewrite-timeout", "timeout", "worker-crash", "behaviour", "runtime-violation")


@dataclass(frozen=True)
class Verdict:
    #: None when the runs agree; else one of KINDS; "unusable" when the original program
    #: itself cannot serve (it timed out, or does not compile): a generator problem.
    kind: str | None
    detail: str = ""
    inlined: int = 0

    @property
    def divergent(self) -> bool:
        return self.kind not in (None, "unusable")


def describe_exception(exc: BaseException | None, depth: int = 0) -> tuple | None:
    """Type, message, cause, context and __suppress_context__ of ``exc``, recursively."""
    if exc is None or depth > 5:
        return None
    context = exc.__context__
    return (
        type(exc).__name__,
        str(exc),
        describe_exception(exc.__cause__, depth + 1),
        "=cause" if context is not None and context is exc.__cause__ else describe_exception(context, depth + 1),
        exc.__suppress_context__,
    )


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise ProgramTimeout in the main thread after ``seconds``, and again every 0.25 s
    until the block ends. Elsewhere (no SIGALRM, or not the main thread) no limit applies."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        yield
        return

    def expire(signum, frame):
        raise ProgramTimeout()

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds, 0.25)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def run_program(source: str, *, runtime_async: bool, name: str, timeout: float = PROGRAM_TIMEOUT, seed: int = 0) -> Outcome:
    """Execute ``source`` as a fresh module named ``name`` and run its ``main()``: with
    ``asyncio.run``, or (runtime-async) ``runtime.run`` under the deterministic scheduler
    seeded with ``seed``, its queue contexts ``c0``/``c1`` in the module's ``CTX``.

    Raises ProgramTimeout when the program runs longer than ``timeout`` seconds.
    """
    out = io.StringIO()
    result = error = None
    posts: tuple = ()
    violations: tuple = ()
    module = types.ModuleType(name)
    module.__file__ = f"<{name}>"
    sys.modules[name] = module
    try:
        with contextlib.redirect_stdout(out), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with time_limit(timeout):
                try:
                    exec(compile(source, module.__file__, "exec", dont_inherit=True), module.__dict__)
                    if runtime_async:
                        value, posts, violations = contextvars.copy_context().run(_run_runtime, module, seed)
                    else:
                        value = contextvars.copy_context().run(asyncio.run, module.main())
                    result = repr(value)
                except (ProgramTimeout, KeyboardInterrupt):
                    raise
                except BaseException as exc:
                    error = describe_exception(exc)
                finally:
                    gc.collect()  # coroutines abandoned in cycles print here, not in a later run
    finally:
        sys.modules.pop(name, None)
    rules = tuple(sorted(v.rule for v in violations))
    return Outcome(out.getvalue(), result, error, posts, rules, tuple(str(v) for v in violations))


def _run_runtime(module: types.ModuleType, seed: int) -> tuple:
    import runtime

    contexts = [runtime.QueueContext(f"c{i}") for i in range(2)]
    if hasattr(module, "CTX"):  # generated programs switch between these contexts
        module.CTX[:] = contexts
    try:
        with runtime.trace() as trace, runtime.deterministic(seed, idle_timeout=0.2) as scheduler:
            try:
                value = runtime.run(module.main())
            finally:
                scheduler.run_until_idle()  # tasks the program started and left running
        return value, tuple((c.name, c.posts) for c in contexts), tuple(trace.check())
    finally:
        for ctx in contexts:
            ctx.close()


def rewrite(source: str, options: Options, name: str):
    """``rewrite_source`` under REWRITE_TIMEOUT: a looping rewrite raises ProgramTimeout."""
    with time_limit(REWRITE_TIMEOUT):
        return rewrite_source(source, filename=f"{name}.py", options=options)


def compare(
    source: str, *, runtime_async: bool, options: Options | None = None, timeout: float = PROGRAM_TIMEOUT, seed: int = 0
) -> Verdict:
    """Rewrite ``source``, run both versions, and judge."""
    options = options if options is not None else Options(stress_seed=None)
    name = f"_fuzz_{next(_names)}"  # the same for both runs: it shows in reprs
    started = time.perf_counter()
    try:
        original = run_program(source, runtime_async=runtime_async, name=name, timeout=timeout, seed=seed)
    except ProgramTimeout:
        return Verdict("unusable", "the original program timed out")
    except SyntaxError as exc:
        return Verdict("unusable", f"the original program does not compile: {exc}")
    elapsed = time.perf_counter() - started
    try:
        again = run_program(source, runtime_async=runtime_async, name=name, timeout=timeout, seed=seed)
    except ProgramTimeout:
        return Verdict("unusable", "the original program timed out on its second run")
    if again.key() != original.key():
        return Verdict("unusable", "the original program is not deterministic: " + difference(original, again))
    try:
        result = rewrite(source, options, name)
    except ProgramTimeout:
        return Verdict("rewrite-timeout", f"rewrite_source did not finish within {REWRITE_TIMEOUT:.0f} s")
    except InternalError as exc:
        return Verdict("invalid-output", str(exc))
    except SourceError as exc:
        return Verdict("unusable", f"the program is not valid input: {exc}")
    except Exception as exc:
        return Verdict("rewrite-crash", f"{type(exc).__name__}: {exc}")
    inlined = len(result.report.inlined)
    try:
        rewritten = run_program(
            result.code, runtime_async=runtime_async, name=name, timeout=max(timeout, 20 * elapsed), seed=seed
        )
    except ProgramTimeout:
        return Verdict("timeout", "the rewritten program did not finish (the original did)", inlined)
    except SyntaxError as exc:  # compile() accepted it in rewrite_source: not expected
        return Verdict("invalid-output", f"the rewritten program does not compile here: {exc}", inlined)
    if rewritten.key() != original.key():
        return Verdict("behaviour", difference(original, rewritten), inlined)
    if original.violations:
        return Verdict("runtime-violation", "the original run breaks runtime rules: " + "; ".join(original.violation_text[:3]), inlined)
    return Verdict(None, "", inlined)


def difference(original: Outcome, rewritten: Outcome) -> str:
    """The first difference, in a line or two."""
    lines = []
    for name in ("result", "error", "posts", "violations"):
        a, b = getattr(original, name), getattr(rewritten, name)
        if a != b:
            lines.append(f"{name}: original {a!r}, rewritten {b!r}")
    if rewritten.violations != original.violations:
        lines.append("rewritten run: " + "; ".join(rewritten.violation_text[:2]))
    if original.stdout != rewritten.stdout:
        a, b = original.stdout.splitlines(), rewritten.stdout.splitlines()
        first = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
        lines.append(
            f"output differs from line {first + 1}: original {a[first:first + 1]!r}, rewritten {b[first:first + 1]!r}"
        )
    return "; ".join(lines)
