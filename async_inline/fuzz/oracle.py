"""Run a program original and rewritten, and say whether and how they differ.

Compared: everything printed (programs record the order of their side effects and their
context values there), the result's repr, the exception chain (type, message,
``__cause__``/``__context__``, ``__suppress_context__``) and, for runtime-async programs,
the posts made to each synchronization context and the rules the trace checker finds
broken. A rewrite that raises, produces code that does not compile, or takes too long,
and a rewritten program that hangs, are findings too.

A program is one module's source, run in this process as a fresh module object, or a
package's files (``{"fzpkg/m1.py": source, ...}``), written to a temporary directory and
run in a fresh interpreter (imports, module state and ``sys.modules`` start clean; the
original and the rewritten package use the same directory, so paths in messages agree).
Runs are under a repeating SIGALRM (so a program that swallows one alarm gets the next);
the campaign runs this in worker processes with a watchdog of its own, for what an alarm
cannot interrupt.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import gc
import importlib
import io
import itertools
import logging
import os
import pickle
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import types
import warnings
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, TypeAlias

from ..api import InternalError, rewrite_source
from ..api import rewrite_program as api_rewrite_program
from ..errors import SourceError
from ..options import Options
from ..report import FileReport
from .sites import imports_of, tally

_names = itertools.count()

#: Seconds an original program may run (generated ones take milliseconds).
PROGRAM_TIMEOUT = 10.0
#: Seconds a rewrite may take before it counts as looping.
REWRITE_TIMEOUT = 120.0
#: A package program runs ``main()`` of this module.
ENTRY = "main"
#: The original's second run has this much less recursion limit: a program whose behaviour
#: depends on where RecursionError strikes (inlining takes frames away) is not usable.
RECURSION_SLACK = 200

#: One module's source, or a package's files by relative path (``fzpkg/m1.py``).
Program: TypeAlias = "str | dict[str, str]"
#: ``describe_exception``'s answer: type, message, cause, context (or "=cause"), suppressed.
ExceptionInfo: TypeAlias = "tuple[str, str, ExceptionInfo | None, ExceptionInfo | str | None, bool]"


class ProgramTimeout(BaseException):
    """The time is up (a BaseException: the program's handlers do not catch it)."""


class RunnerDied(Exception):
    """The interpreter running a package ended without an outcome (it crashed)."""


class Rewritten(Protocol):
    """What a rewrite gives back for one module (``RewriteResult``)."""

    code: str
    report: FileReport


@dataclass(frozen=True)
class Outcome:
    stdout: str
    result: str | None
    error: ExceptionInfo | None
    #: ``(context name, posts)`` for each synchronization context (runtime-async programs).
    posts: tuple[tuple[str, int], ...] = ()
    #: Rules the trace checker found broken, sorted (runtime-async programs).
    violations: tuple[str, ...] = ()
    #: The checker's full messages (they name events by address: shown, not compared).
    violation_text: tuple[str, ...] = ()
    #: Seconds the program took (its imports and ``main()``; not compared).
    seconds: float = field(default=0.0, compare=False)

    def key(self) -> tuple[object, ...]:
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
    #: Sites inlined, and sites kept as calls, by kind of site (``sites.site_kind``).
    inlined_sites: tuple[tuple[str, int], ...] = ()
    skipped_sites: tuple[tuple[str, int], ...] = ()

    @property
    def divergent(self) -> bool:
        return self.kind not in (None, "unusable")

    @property
    def inlined(self) -> int:
        return sum(n for _, n in self.inlined_sites)


def describe_exception(exc: BaseException | None, depth: int = 0) -> ExceptionInfo | None:
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

    def expire(signum: int, frame: object) -> None:
        raise ProgramTimeout()

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds, 0.25)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def run_program(
    source: str, *, runtime_async: bool, name: str, timeout: float = PROGRAM_TIMEOUT, seed: int = 0, recursion_limit: int = 0
) -> Outcome:
    """Execute ``source`` as a fresh module named ``name`` and run its ``main()``: with
    ``asyncio.run``, or (runtime-async) ``runtime.run`` under the deterministic scheduler
    seeded with ``seed``, its queue contexts ``c0``/``c1`` in the module's ``CTX``; under
    ``recursion_limit`` if it is given.

    Raises ProgramTimeout when the program runs longer than ``timeout`` seconds.
    """
    module = types.ModuleType(name)
    module.__file__ = f"<{name}>"

    def load() -> types.ModuleType:
        exec(compile(source, f"<{name}>", "exec", dont_inherit=True), module.__dict__)
        return module

    sys.modules[name] = module
    try:
        return _capture(load, runtime_async=runtime_async, timeout=timeout, seed=seed, recursion_limit=recursion_limit)
    finally:
        sys.modules.pop(name, None)


def _capture(
    load: Callable[[], types.ModuleType], *, runtime_async: bool, timeout: float, seed: int, recursion_limit: int = 0
) -> Outcome:
    """Load the program's main module and run its ``main()`` (see ``run_program``), with
    what it prints, returns and raises."""
    out = io.StringIO()
    result: str | None = None
    error: ExceptionInfo | None = None
    posts: tuple[tuple[str, int], ...] = ()
    violations: tuple[Any, ...] = ()
    started = time.perf_counter()
    limit = sys.getrecursionlimit()
    with only_new_garbage(), contextlib.redirect_stdout(out), warnings.catch_warnings(), _recursion_limit(recursion_limit or limit):
        warnings.simplefilter("ignore")
        with time_limit(timeout):
            value: object = None
            try:
                module = load()
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
                value = None  # what main() returned goes while the output is captured
                gc.collect()  # coroutines abandoned in cycles print here, not in a later run
    rules = tuple(sorted(v.rule for v in violations))
    seconds = time.perf_counter() - started
    return Outcome(out.getvalue(), result, error, posts, rules, tuple(str(v) for v in violations), seconds)


@contextlib.contextmanager
def only_new_garbage() -> Iterator[None]:
    """While a program's output is captured, what exists already (garbage earlier programs
    or tests left in cycles) is frozen: a collection meanwhile frees the program's own
    objects only, and no other finaliser prints into its output. Freezing costs nothing;
    collecting the whole heap before each run made the test suite half as slow again."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


@contextlib.contextmanager
def _recursion_limit(limit: int) -> Iterator[None]:
    previous = sys.getrecursionlimit()
    sys.setrecursionlimit(limit)
    try:
        yield
    finally:
        sys.setrecursionlimit(previous)


def _run_runtime(module: types.ModuleType, seed: int) -> tuple[object, tuple[tuple[str, int], ...], tuple[Any, ...]]:
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


# -- packages ---------------------------------------------------------------------------------
def package_name(files: Mapping[str, str]) -> str:
    """The package of a package program: the directory of its files."""
    return next(iter(files)).split("/")[0]


def write_files(directory: Path, files: Mapping[str, str]) -> None:
    """``files`` under ``directory``, replacing the package a previous run left there."""
    shutil.rmtree(directory / package_name(files), ignore_errors=True)
    for path, text in files.items():
        target = directory / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)


_CHILD = "import sys; from async_inline.fuzz.oracle import _package_child; _package_child(*sys.argv[1:])"


def run_package(
    files: Mapping[str, str],
    directory: Path,
    *,
    runtime_async: bool,
    timeout: float = PROGRAM_TIMEOUT,
    seed: int = 0,
    recursion_limit: int = 0,
) -> Outcome:
    """Write ``files`` to ``directory`` and run ``main()`` of the package's ``main`` module in
    a fresh interpreter, as ``run_program`` runs one module.

    Raises ProgramTimeout when it runs longer than ``timeout`` seconds, RunnerDied when the
    interpreter ends without an outcome.
    """
    write_files(directory, files)
    answer = directory / "outcome.pickle"
    answer.unlink(missing_ok=True)
    settings = [str(runtime_async), str(seed), str(timeout), str(recursion_limit)]
    command = [sys.executable, "-B", "-c", _CHILD, str(directory), package_name(files), str(answer), *settings]
    env = {**os.environ, "PYTHONHASHSEED": "0", "PYTHONDONTWRITEBYTECODE": "1"}
    try:
        done = subprocess.run(command, cwd=directory, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True, timeout=timeout + 60)
    except subprocess.TimeoutExpired:
        raise ProgramTimeout() from None
    if not answer.exists():
        raise RunnerDied(f"exit code {done.returncode}: {done.stderr[-1000:]}")
    with answer.open("rb") as stream:
        outcome = pickle.load(stream)
    if outcome is None:
        raise ProgramTimeout()
    assert isinstance(outcome, Outcome)
    return outcome


def _package_child(directory: str, package: str, answer: str, runtime_async: str, seed: str, timeout: str, recursion_limit: str) -> None:
    """The fresh interpreter's side of ``run_package``: the outcome (None: timed out) is
    pickled to ``answer``."""
    sys.path.insert(0, directory)
    sys.unraisablehook = lambda unraisable: None  # finalizers of abandoned coroutines
    logging.getLogger("asyncio").setLevel(logging.CRITICAL)
    outcome: Outcome | None
    try:
        outcome = _capture(lambda: importlib.import_module(f"{package}.{ENTRY}"), runtime_async=runtime_async == "True",
                           timeout=float(timeout), seed=int(seed), recursion_limit=int(recursion_limit))
    except ProgramTimeout:
        outcome = None
    with open(answer, "wb") as stream:
        pickle.dump(outcome, stream)
    sys.stdout.flush()
    os._exit(0)  # threads the program left behind do not keep the interpreter alive


# -- rewriting --------------------------------------------------------------------------------
def rewrite(source: str, options: Options, name: str) -> Rewritten:
    """``rewrite_source`` under REWRITE_TIMEOUT: a looping rewrite raises ProgramTimeout."""
    with time_limit(REWRITE_TIMEOUT):
        return rewrite_source(source, filename=f"{name}.py", options=options)


def rewrite_program(files: Mapping[str, str], options: Options) -> dict[str, Rewritten]:
    """Rewrite a package program: each file's rewritten code and report, by path; every
    module a possible callee of every other (``async_inline.rewrite_program``)."""
    return dict(api_rewrite_program(files, options=options))


# -- judging ----------------------------------------------------------------------------------
def compare(
    program: Program, *, runtime_async: bool, options: Options | None = None, timeout: float = PROGRAM_TIMEOUT, seed: int = 0
) -> Verdict:
    """Rewrite ``program``, run both versions, and judge."""
    options = options if options is not None else Options(stress_seed=None)
    if isinstance(program, str):
        name = f"_fuzz_{next(_names)}"  # the same for both runs: it shows in reprs

        def run_one(source: Program, limit: float, recursion_limit: int = 0) -> Outcome:
            assert isinstance(source, str)
            return run_program(source, runtime_async=runtime_async, name=name, timeout=limit, seed=seed, recursion_limit=recursion_limit)

        def rewrite_one() -> dict[str, Rewritten]:
            return {"": rewrite(program, options, name)}

        return _judge(program, run_one, rewrite_one, timeout)
    files = program
    with tempfile.TemporaryDirectory(prefix="async-inline-fuzz-") as directory:

        def run_files(source: Program, limit: float, recursion_limit: int = 0) -> Outcome:
            assert isinstance(source, dict)
            return run_package(source, Path(directory), runtime_async=runtime_async, timeout=limit, seed=seed,
                               recursion_limit=recursion_limit)

        def rewrite_files() -> dict[str, Rewritten]:
            with time_limit(REWRITE_TIMEOUT):
                return rewrite_program(files, options)

        return _judge(files, run_files, rewrite_files, timeout)


def _new_compile_warning(original: Program, rewritten: Program) -> str | None:
    """A warning the compiler gives for the rewritten code and not for the original (a
    constant pasted as ``(0.5) is None``: "is" with a literal), which ``-W error`` makes an
    error: the rewrite must not add one."""
    originals = {"": original} if isinstance(original, str) else dict(original)
    rewrites = {"": rewritten} if isinstance(rewritten, str) else dict(rewritten)
    for path, code in rewrites.items():
        if code == originals[path]:
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            try:
                compile(code, path or "<program>", "exec", dont_inherit=True)
                continue
            except (SyntaxError, Warning) as exc:
                warned = exc
            try:  # only now: is it the original's own warning?
                compile(originals[path], path or "<program>", "exec", dont_inherit=True)
            except (SyntaxError, Warning):
                continue
        return f"the rewritten code compiles with a warning the original does not give: {warned}"
    return None


def _judge(
    program: Program, run: Callable[[Program, float, int], Outcome], rewrite_it: Callable[[], dict[str, Rewritten]], timeout: float
) -> Verdict:
    try:
        original = run(program, timeout, 0)
    except ProgramTimeout:
        return Verdict("unusable", "the original program timed out")
    except SyntaxError as exc:
        return Verdict("unusable", f"the original program does not compile: {exc}")
    except RunnerDied as exc:
        return Verdict("unusable", f"the original program crashed its interpreter: {exc}")
    try:
        again = run(program, timeout, sys.getrecursionlimit() - RECURSION_SLACK)
    except (ProgramTimeout, RunnerDied) as exc:
        return Verdict("unusable", f"the original program did not finish its second run ({type(exc).__name__})")
    if again.key() != original.key():
        detail = "the original program is not deterministic, or depends on the recursion limit: "
        return Verdict("unusable", detail + difference(original, again))
    try:
        results = rewrite_it()
    except ProgramTimeout:
        return Verdict("rewrite-timeout", f"the rewrite did not finish within {REWRITE_TIMEOUT:.0f} s")
    except InternalError as exc:
        return Verdict("invalid-output", str(exc))
    except SourceError as exc:
        return Verdict("unusable", f"the program is not valid input: {exc}")
    except Exception as exc:
        return Verdict("rewrite-crash", f"{type(exc).__name__}: {exc}")
    inlined, skipped = site_counts(program, results)
    rewritten_program: Program = results[""].code if isinstance(program, str) else {p: r.code for p, r in results.items()}
    warned = _new_compile_warning(program, rewritten_program)
    if warned is not None:
        return Verdict("invalid-output", warned, inlined, skipped)
    try:
        rewritten = run(rewritten_program, max(timeout, 20 * original.seconds), 0)
    except ProgramTimeout:
        return Verdict("timeout", "the rewritten program did not finish (the original did)", inlined, skipped)
    except SyntaxError as exc:  # compile() accepted it in the rewrite: not expected
        return Verdict("invalid-output", f"the rewritten program does not compile here: {exc}", inlined, skipped)
    except RunnerDied as exc:
        return Verdict("worker-crash", f"the rewritten program crashed its interpreter: {exc}", inlined, skipped)
    if rewritten.key() != original.key():
        return Verdict("behaviour", difference(original, rewritten), inlined, skipped)
    if original.violations:
        detail = "the original run breaks runtime rules: " + "; ".join(original.violation_text[:3])
        return Verdict("runtime-violation", detail, inlined, skipped)
    return Verdict(None, "", inlined, skipped)


Counts: TypeAlias = "tuple[tuple[str, int], ...]"


def site_counts(program: Program, results: Mapping[str, Rewritten]) -> tuple[Counts, Counts]:
    """Sites inlined and sites skipped, by kind of site, over the program's modules."""
    files = {"": program} if isinstance(program, str) else program
    package = None if isinstance(program, str) else package_name(program)
    modules = [path.rsplit("/", 1)[-1].removesuffix(".py") for path in files]
    inlined: dict[str, int] = {}
    skipped: dict[str, int] = {}
    for path, result in results.items():
        own = path.removesuffix(".py").replace("/", ".")
        imports = imports_of(files[path], package, own, modules)
        for counts, decisions in ((inlined, result.report.inlined), (skipped, result.report.skipped)):
            for kind, n in tally(decisions, imports).items():
                counts[kind] = counts.get(kind, 0) + n
    return tuple(sorted(inlined.items())), tuple(sorted(skipped.items()))


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
        first = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))
        lines.append(
            f"output differs from line {first + 1}: original {a[first:first + 1]!r}, rewritten {b[first:first + 1]!r}"
        )
    return "; ".join(lines)
