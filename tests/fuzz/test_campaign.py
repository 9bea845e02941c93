"""The bounded fuzzing campaign CI runs: fixed seeds, plain and runtime-async programs,
with and without stress mode; any divergence fails with the shrunk program."""

from __future__ import annotations

import os

import pytest

from async_inline.fuzz.campaign import make_case, run_campaign
from async_inline.fuzz.findings import regression_test
from tests.differential.harness import stress_active

JOBS = min(2, os.cpu_count() or 1)


@pytest.mark.skipif(stress_active(), reason="the campaign has its own stress half")
@pytest.mark.parametrize(
    ("seed", "kind", "stress"),
    [(1000, "plain", False), (2000, "runtime", False), (3000, "both", True)],
    ids=["plain", "runtime", "stress"],
)
def test_campaign_finds_no_divergence(seed, kind, stress):
    summary = run_campaign([make_case(seed + i, kind, stress) for i in range(40)], jobs=JOBS, shrink_seconds=120)
    assert summary.programs == 40
    assert not summary.findings, "\n\n".join(regression_test(r) for r in summary.findings)
    assert not summary.unusable, [(r.case.label, r.verdict.detail[:200]) for r in summary.unusable]
    assert summary.inlined > 40 * 5  # the programs reach the inliner
