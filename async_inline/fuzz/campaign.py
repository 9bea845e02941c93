"""A fuzzing campaign: generate, compare, shrink what diverges, write it out."""

from __future__ import annotations

import sys
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from ..options import Options
from .generator import generate
from .oracle import Verdict, compare
from .shrink import shrink


@dataclass(frozen=True)
class Case:
    seed: int
    runtime_async: bool
    stress: bool

    @property
    def label(self) -> str:
        kind = "runtime" if self.runtime_async else "plain"
        return f"seed {self.seed} ({kind}{', stress' if self.stress else ''})"

    @property
    def options(self) -> Options:
        return Options(stress_seed=self.seed if self.stress else None)


@dataclass(frozen=True)
class Result:
    case: Case
    verdict: Verdict
    #: The shrunk program, for a divergence.
    program: str = ""


def cases(seed: int, count: int, kind: str, stress: bool) -> Iterator[Case]:
    """``count`` programs from ``seed`` on; ``kind`` both alternates plain and runtime-async."""
    for i in range(count):
        runtime_async = kind == "runtime" or (kind == "both" and i % 2 == 1)
        yield Case(seed + i, runtime_async, stress)


def run_case(case: Case) -> Result:
    source = generate(case.seed, case.runtime_async)
    verdict = compare(source, runtime_async=case.runtime_async, options=case.options)
    if not verdict.divergent:
        return Result(case, verdict)

    def still_fails(candidate: str) -> bool:
        return compare(candidate, runtime_async=case.runtime_async, options=case.options).kind == verdict.kind

    return Result(case, verdict, shrink(source, still_fails))


def regression_test(result: Result) -> str:
    """A ready-to-paste pytest test for a divergence."""
    case = result.case
    return (
        f"# {case.label}: {result.verdict.kind}: {result.verdict.detail[:200]}\n"
        f"from async_inline import Options\n"
        f"from async_inline.fuzz.oracle import compare\n\n"
        f"PROGRAM = {result.program!r}\n\n\n"
        f"def test_fuzz_seed_{case.seed}{'_runtime' if case.runtime_async else ''}{'_stress' if case.stress else ''}():\n"
        f"    verdict = compare(PROGRAM, runtime_async={case.runtime_async}, options=Options(stress_seed={case.seed if case.stress else None}))\n"
        f"    assert verdict.kind is None, verdict.detail\n"
    )


def run_campaign(
    seed: int, count: int, *, kind: str = "both", stress: bool = False, keep: Path | None = None, jobs: int = 1, progress: bool = False
) -> list[Result]:
    """Run the campaign; return the divergent results (written to ``keep`` if given)."""
    found: list[Result] = []
    all_cases = list(cases(seed, count, kind, stress))
    if jobs > 1:
        with ProcessPoolExecutor(jobs) as pool:
            results = pool.map(run_case, all_cases, chunksize=4)
            found = _collect(results, len(all_cases), keep, progress)
    else:
        found = _collect(map(run_case, all_cases), len(all_cases), keep, progress)
    return found


def _collect(results, total: int, keep: Path | None, progress: bool) -> list[Result]:
    found = []
    for done, result in enumerate(results, 1):
        if progress:
            print(f"\r[{done}/{total}] {len(found)} divergences", end="", file=sys.stderr, flush=True)
        if not result.verdict.divergent:
            continue
        found.append(result)
        if progress:
            print(file=sys.stderr)
        print(f"{result.case.label}: {result.verdict.kind}: {result.verdict.detail[:300]}", file=sys.stderr)
        if keep is not None:
            keep.mkdir(parents=True, exist_ok=True)
            stem = f"divergence_{result.case.seed}{'_runtime' if result.case.runtime_async else ''}"
            (keep / f"{stem}.py").write_text(result.program)
            (keep / f"test_{stem}.py").write_text(regression_test(result))
            print(f"  written to {keep / (stem + '.py')}", file=sys.stderr)
    if progress:
        print(file=sys.stderr)
    return found
