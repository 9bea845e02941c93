"""The project's oracle: run a program original and rewritten, compare everything observable.

Compared: the value returned (by repr), the exception raised (type, message, and the
types and messages along its __cause__/__context__ chain), everything printed, which
is where programs record the order of their side effects and their context values, and
the warnings issued (category and message of each, under the "always" action: where a
warning is attributed, and so how the "default" action deduplicates it, comes from frames,
which inlining changes by design: docs/user-guide.md).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import io
import itertools
import sys
import types
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import runtime
from async_inline import Options, RewriteResult, rewrite_source
from async_inline.fuzz.oracle import only_new_garbage

_counter = itertools.count()


@dataclass(frozen=True)
class Outcome:
    stdout: str
    result: str | None
    error: tuple | None
    warnings: tuple[tuple[str, str], ...] = ()


def describe_exception(exc: BaseException | None, depth: int = 0) -> tuple | None:
    if exc is None or depth > 5:
        return None
    return (
        type(exc).__name__,
        str(exc),
        describe_exception(exc.__cause__, depth + 1),
        describe_exception(exc.__context__, depth + 1) if exc.__context__ is not exc.__cause__ else "=cause",
        exc.__suppress_context__,
    )


def load_module(source: str, name: str | None = None) -> types.ModuleType:
    """Execute ``source`` as a fresh module (registered in sys.modules while it lives)."""
    name = name or f"_difftest_{next(_counter)}"
    module = types.ModuleType(name)
    module.__file__ = f"<{name}>"
    sys.modules[name] = module
    exec(compile(source, module.__file__, "exec", dont_inherit=True), module.__dict__)  # not this file's __future__ imports
    return module


def run_module(module: types.ModuleType, entry: str = "main", runner: Callable[[Any], Any] | None = None) -> Outcome:
    out = io.StringIO()
    result = error = None
    # Each run frees its own garbage while its output is captured (a failed run's frames
    # stay in cycles through asyncio's task and the traceback), and no garbage made before.
    with only_new_garbage(), contextlib.redirect_stdout(out), warnings.catch_warnings(record=True) as shown:
        warnings.simplefilter("always")
        try:
            coro = getattr(module, entry)()
            value = (runner or asyncio.run)(coro)
            result = repr(value)
        except BaseException as exc:
            error = describe_exception(exc)
        finally:
            coro = value = None
            gc.collect()
    return Outcome(out.getvalue(), result, error, tuple((w.category.__name__, str(w.message)) for w in shown))


def run_source(
    source: str, entry: str = "main", runner: Callable[[Any], Any] | None = None, name: str | None = None
) -> Outcome:
    return run_module(load_module(source, name), entry, runner)


def stress_active() -> bool:
    """True when $ASYNC_INLINE_STRESS puts every rewrite in stress mode."""
    return Options().stress_seed is not None


def assert_same_behaviour(
    source: str,
    *,
    entry: str = "main",
    options: Options | None = None,
    inlined: set[str] | None = None,
    min_inlined: int = 1,
    runner: Callable[[Any], Any] | None = None,
    not_found: frozenset[str] = frozenset(),
) -> RewriteResult:
    """Rewrite ``source``, run both versions, assert identical outcomes.

    ``inlined`` names callees that must have been inlined; at least ``min_inlined`` sites
    must be, so that the comparison is never vacuous. Under stress mode the behaviour is
    compared on the stress rewrite (a random subset of sites), while the result returned,
    and checked for ``inlined``, is the normal rewrite: tests' decision checks still hold.

    Every reference the guards compare with must hold its function once the program has
    run (else the inlined code could never run, whatever the report says), but those named
    in ``not_found``, which must not where the rewrite takes them.
    """
    options = options or Options()
    normal = options.replace(stress_seed=None)
    result = rewrite_source(source, filename="<difftest>", options=normal)
    done = {d.target or d.callee for d in result.report.inlined}
    assert len(result.report.inlined) >= min_inlined, (
        f"expected at least {min_inlined} inlined site(s), got {result.report.inlined}; skipped: {result.report.skipped}"
    )
    if inlined is not None:
        assert inlined <= done, f"not inlined: {inlined - done}; skipped: {result.report.skipped}"
    compared = result if options.stress_seed is None else rewrite_source(source, filename="<difftest>", options=options)
    name = f"_difftest_{next(_counter)}"  # same module name for both: it shows in reprs
    original = run_source(source, entry, runner, name)
    module = load_module(compared.code, name)
    rewritten = run_module(module, entry, runner)
    assert rewritten == original, f"behaviour differs\n--- original: {original}\n--- rewritten: {rewritten}\n--- code:\n{compared.code}"
    references = {key: value for key, value in vars(module).items() if key.startswith("_ai_ref_")}
    missing = {key for key, value in references.items() if value is runtime.NOT_FOUND}
    expected = not_found & references.keys()  # a stress rewrite takes references of its own
    assert missing == expected, f"references not found: {sorted(missing)}, expected {sorted(expected)}\n--- code:\n{compared.code}"
    return result
