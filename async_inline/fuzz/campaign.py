"""A fuzzing campaign: generate programs, compare their two forms, shrink what diverges.

Cases run in worker processes that this module starts and watches: a case that neither
the alarm of ``oracle`` nor anything else can stop (a hang in C code, a deadlock) gets its
worker killed after a hard limit and counts as a finding; a worker that dies counts too;
either way a fresh worker takes over and the campaign goes on.
"""

from __future__ import annotations

import logging
import multiprocessing
import multiprocessing.connection
import os
import random
import signal
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import NoReturn

from ..options import Options
from .generator import generate
from .objects import generate_objects
from .oracle import PROGRAM_TIMEOUT, REWRITE_TIMEOUT, Program, Verdict, compare
from .shrink import shrink, shrink_files

#: Seconds a case may take before its worker is killed (the alarms inside come first).
HARD_LIMIT = 3 * PROGRAM_TIMEOUT + REWRITE_TIMEOUT + 120
#: A worker is replaced after this many cases (bounds whatever programs leave behind).
CASES_PER_WORKER = 250


#: Program shapes: module-level functions (``generator``), classes in one module, packages
#: of several modules (``objects``).
SHAPES = ("functions", "classes", "modules")


@dataclass(frozen=True)
class Case:
    """One program and how it is rewritten; everything follows from the seed."""

    seed: int
    runtime_async: bool
    stress: bool
    shape: str = "functions"

    @property
    def flavour(self) -> str:
        return "runtime" if self.runtime_async else "plain"

    @property
    def family(self) -> str:
        """``plain``/``runtime`` for functions, else ``classes-plain``, ``modules-runtime`` ..."""
        return self.flavour if self.shape == "functions" else f"{self.shape}-{self.flavour}"

    @property
    def label(self) -> str:
        return f"seed {self.seed} ({self.family}{', stress' if self.stress else ''})"

    @property
    def kind_option(self) -> str:
        """The ``--kind`` that gives this case for its seed."""
        return self.flavour if self.shape == "functions" else self.shape

    @property
    def command(self) -> str:
        """The command line that runs this case alone."""
        return f"python -m async_inline fuzz --seed {self.seed} --count 1 --kind {self.kind_option}{' --stress' if self.stress else ''}"

    @property
    def options(self) -> Options:
        """Stress mode seeded by the program seed; otherwise the defaults, or (drawn from the
        seed) ``frozen-defaults``, tight limits, generous limits, ``class-methods`` (classes
        and packages; with ``frozen-defaults`` half the time, and ``costly_guards`` half the
        time), or no guards. (Programs
        assign ``__defaults__`` only where ``frozen-defaults`` is not assumed.)"""
        rng = random.Random(f"options {self.seed}")
        if self.stress:
            return Options(stress_seed=self.seed, max_depth=rng.choice([4, 4, 6]), recursion_unroll=rng.choice([1, 1, 2]))
        variant = rng.random()
        if variant < 0.47:
            return Options(stress_seed=None)
        if variant < 0.55:
            return Options(stress_seed=None, assume=frozenset({"frozen-defaults"}))
        if variant < 0.70:
            return Options(stress_seed=None, max_depth=rng.randint(1, 2), max_callee_size=rng.choice([5, 15]))
        if variant < 0.85:
            return Options(stress_seed=None, max_depth=6, max_callee_size=400, max_caller_growth=800, recursion_unroll=2)
        if variant < 0.93 and self.shape != "functions":
            assume = frozenset({"class-methods", *(["frozen-defaults"] if rng.random() < 0.5 else [])})
            # Half the time with the cost rules lifted: a method a subclass overrides is
            # then class-tested too, and the test's failing path runs.
            return Options(stress_seed=None, assume=assume, costly_guards=rng.random() < 0.5)
        return Options(stress_seed=None, guards=False)

    @property
    def rebinding(self) -> bool:
        """Programs rebind functions at run time unless the rewrite drops the guards."""
        return self.options.guards

    @property
    def class_methods(self) -> bool:
        """The rewrite assumes ``class-methods``: programs keep to it."""
        return "class-methods" in self.options.assume

    @property
    def mutable_defaults(self) -> bool:
        """Programs replace functions' defaults at run time unless the rewrite assumes
        ``frozen-defaults``."""
        return "frozen-defaults" not in self.options.assume

    def program(self) -> Program:
        """The source, or for the modules shape the package's files by path."""
        if self.shape == "functions":
            return generate(self.seed, self.runtime_async, rebinding=self.rebinding, mutable_defaults=self.mutable_defaults)
        return generate_objects(
            self.seed,
            self.runtime_async,
            rebinding=self.rebinding,
            package=self.shape == "modules",
            class_methods=self.class_methods,
            mutable_defaults=self.mutable_defaults,
        )


def make_case(seed: int, kind: str, stress: bool) -> Case:
    """The case of ``seed`` for ``--kind`` (``command.KIND_CHOICES``): "plain" or "runtime"
    functions, or a shape ("both" is functions) whose odd seeds are runtime-async; "all"
    takes the shape from the seed too (seed % 3)."""
    if kind in ("plain", "runtime"):
        return Case(seed, kind == "runtime", stress)
    shape = {"both": "functions", "all": SHAPES[seed % len(SHAPES)]}.get(kind, kind)
    if shape not in SHAPES:
        raise ValueError(f"unknown kind {kind!r}")
    return Case(seed, seed % 2 == 1, stress, shape)


#: Seeds searched per case wanted for ``select_cases(..., assuming=...)`` before giving up
#: (``class-methods`` is drawn by about one seed in twelve of classes and packages).
SEARCH_PER_CASE = 200


def select_cases(seed: int, count: int, kind: str, stress: bool, assuming: str | None = None) -> list[Case]:
    """The cases of seeds ``seed``, ``seed + 1`` ...: the first ``count``, or with
    ``assuming`` the first ``count`` whose drawn options make that assumption (the others
    are skipped; each case's command still runs it alone). ValueError when the kind never
    draws it."""
    if assuming is None:
        return [make_case(seed + i, kind, stress) for i in range(count)]
    cases: list[Case] = []
    for candidate in range(seed, seed + count * SEARCH_PER_CASE):
        case = make_case(candidate, kind, stress)
        if assuming in case.options.assume or (assuming == "no-rebinding" and not case.options.guards):
            cases.append(case)
            if len(cases) == count:
                return cases
    raise ValueError(f"--kind {kind}{' --stress' if stress else ''} drew '{assuming}' for {len(cases)} of {count * SEARCH_PER_CASE} seeds from {seed}")


@dataclass(frozen=True)
class Result:
    case: Case
    verdict: Verdict
    #: The generated program, for a divergence.
    program: Program = ""
    #: The shrunk program, for a divergence ("" until shrunk).
    shrunk: Program = ""


def check_case(case: Case) -> tuple[Verdict, Program]:
    program = case.program()
    return compare(program, runtime_async=case.runtime_async, options=case.options, seed=case.seed), program


def shrink_case(case: Case, verdict: Verdict, program: Program, seconds: float) -> Program:
    """The smallest program that still fails the same way (same verdict kind)."""

    def still_fails(candidate: Program) -> bool:
        return compare(candidate, runtime_async=case.runtime_async, options=case.options, seed=case.seed).kind == verdict.kind

    if isinstance(program, str):
        return shrink(program, still_fails, seconds=seconds)
    return shrink_files(program, still_fails, seconds=seconds)


# -- worker processes -----------------------------------------------------------------------
def _worker(conn: multiprocessing.connection.Connection, shrink_seconds: float) -> None:
    """Run the cases the parent sends; report the verdict first, then the shrunk program."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's business
    sys.unraisablehook = lambda unraisable: None  # finalizers of abandoned coroutines
    logging.getLogger("asyncio").setLevel(logging.CRITICAL)  # "Task exception was never retrieved"
    try:
        while True:
            case = conn.recv()
            if case is None:
                return
            verdict, source = check_case(case)
            if not verdict.divergent:
                conn.send(("done", Result(case, verdict)))
                continue
            conn.send(("verdict", Result(case, verdict, source)))
            shrunk = shrink_case(case, verdict, source, shrink_seconds) if shrink_seconds > 0 else source
            conn.send(("done", Result(case, verdict, source, shrunk)))
    except (EOFError, OSError):  # the parent went away
        return


@dataclass
class _Worker:
    process: multiprocessing.process.BaseProcess
    conn: multiprocessing.connection.Connection
    case: Case | None = None
    started: float = 0.0
    partial: Result | None = None
    done: int = 0


@dataclass
class Summary:
    programs: int = 0
    #: Divergent results, by seed.
    findings: list[Result] = field(default_factory=list)
    #: Programs the oracle could not use (the original timed out or was not deterministic).
    unusable: list[Result] = field(default_factory=list)
    #: Sites inlined, and sites kept as calls, over all programs, by kind of site (how much
    #: of each kind reached the inliner).
    inlined_sites: Counter[str] = field(default_factory=Counter)
    skipped_sites: Counter[str] = field(default_factory=Counter)

    @property
    def inlined(self) -> int:
        return sum(self.inlined_sites.values())


def run_campaign(
    cases: Iterable[Case],
    *,
    jobs: int = 1,
    shrink_seconds: float = 300.0,
    on_result: Callable[[Result, Summary], None] | None = None,
) -> Summary:
    """Run ``cases`` on ``jobs`` worker processes; ``on_result`` hears of each one as it ends."""
    pending = list(cases)
    pending.reverse()
    summary = Summary()
    context = multiprocessing.get_context("spawn")  # no fork of a process that may hold threads
    workers: list[_Worker] = []

    def start() -> _Worker:
        parent, child = context.Pipe()
        process = context.Process(target=_worker, args=(child, shrink_seconds), daemon=True)
        process.start()
        child.close()
        return _Worker(process, parent)

    def record(result: Result) -> None:
        summary.programs += 1
        summary.inlined_sites.update(dict(result.verdict.inlined_sites))
        summary.skipped_sites.update(dict(result.verdict.skipped_sites))
        if result.verdict.divergent:
            summary.findings.append(result)
        elif result.verdict.kind == "unusable":
            summary.unusable.append(result)
        if on_result is not None:
            on_result(result, summary)

    def feed(worker: _Worker) -> _Worker:
        """Give ``worker`` the next case (replacing it first when it has done its share)."""
        worker.case, worker.partial = None, None
        if worker.done >= CASES_PER_WORKER or not worker.process.is_alive():
            _stop(worker)
            worker = start()
        if pending:
            worker.case, worker.started = pending.pop(), time.monotonic()
            worker.done += 1
            worker.conn.send(worker.case)
        return worker

    previous_handler = signal.signal(signal.SIGTERM, _terminated) if _main_thread() else None
    try:
        workers = [feed(start()) for _ in range(max(1, min(jobs, len(pending))))]
        while any(w.case is not None for w in workers):
            ready = multiprocessing.connection.wait([w.conn for w in workers if w.case is not None], timeout=1.0)
            for i, worker in enumerate(workers):
                if worker.case is None:
                    continue
                if worker.conn in ready:
                    try:
                        what, result = worker.conn.recv()
                    except (EOFError, OSError):
                        worker.process.join(5)
                        record(_lost(worker, f"the worker process died (exit code {worker.process.exitcode})", "worker-crash"))
                        workers[i] = feed(worker)
                        continue
                    if what == "verdict":  # shrinking follows: it gets its own time
                        worker.partial, worker.started = result, time.monotonic()
                        continue
                    record(result)
                    workers[i] = feed(worker)
                elif time.monotonic() - worker.started > HARD_LIMIT + (shrink_seconds if worker.partial else 0):
                    worker.process.kill()
                    worker.process.join(5)
                    record(_lost(worker, f"killed after {HARD_LIMIT:.0f} s: a rewrite or a run that no alarm could stop", "timeout"))
                    workers[i] = feed(worker)
    finally:
        for worker in workers:
            _stop(worker)
        if previous_handler is not None:
            signal.signal(signal.SIGTERM, previous_handler)
    summary.findings.sort(key=lambda r: r.case.seed)
    return summary


def _terminated(signum: int, frame: object) -> NoReturn:
    raise SystemExit(128 + signum)  # so that the workers are stopped on the way out


def _main_thread() -> bool:
    import threading

    return threading.current_thread() is threading.main_thread()


def _lost(worker: _Worker, detail: str, kind: str) -> Result:
    """The result of a case whose worker died or was killed."""
    if worker.partial is not None:  # the verdict was in, the shrinking was lost: keep it whole
        partial = worker.partial
        return Result(partial.case, partial.verdict, partial.program, partial.program)
    case = worker.case
    assert case is not None
    return Result(case, Verdict(kind, detail), case.program())


def _stop(worker: _Worker) -> None:
    if worker.process.is_alive() and worker.case is None:
        try:
            worker.conn.send(None)
        except (OSError, ValueError):
            pass
        worker.process.join(5)
    if worker.process.is_alive():
        worker.process.kill()
        worker.process.join(5)
    worker.conn.close()


def default_jobs() -> int:
    return os.cpu_count() or 1
