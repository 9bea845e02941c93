"""The bounded fuzzing campaign CI runs: fixed seeds, plain and runtime-async programs,
with and without stress mode; any divergence fails with the shrunk program."""

from __future__ import annotations

import os

import pytest

from async_inline.fuzz.campaign import regression_test, run_campaign
from tests.differential.harness import stress_active

JOBS = min(2, os.cpu_count() or 1)


@pytest.mark.skipif(stress_active(), reason="the campaign has its own stress half")
@pytest.mark.parametrize(
    ("seed", "kind", "stress"),
    [(1000, "plain", False), (2000, "runtime", False), (3000, "both", True)],
    ids=["plain", "runtime", "stress"],
)
def test_campaign_finds_no_divergence(seed, kind, stress):
    found = run_campaign(seed, 40, kind=kind, stress=stress, jobs=JOBS)
    assert not found, "\n\n".join(regression_test(r) for r in found)
