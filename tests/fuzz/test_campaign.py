"""The bounded fuzzing campaigns CI runs: fixed seeds, every kind of program (module-level
functions plain and runtime-async, classes, packages), then stress mode over all of them;
any divergence fails with the shrunk program as a ready-to-paste regression test.

Two campaigns, not one per kind: each starts its worker processes once (a few seconds of
imports). The counts keep the whole at about the cost of the three campaigns of 40
programs that came before classes and packages (a package costs more than a module:
three fresh interpreters)."""

from __future__ import annotations

import os

import pytest

from async_inline.fuzz.campaign import Case, make_case, run_campaign
from async_inline.fuzz.findings import regression_test
from tests.differential.harness import stress_active

JOBS = min(2, os.cpu_count() or 1)


def _cases(*runs: tuple[int, str, int], stress: bool = False) -> list[Case]:
    return [make_case(seed + i, kind, stress) for seed, kind, count in runs for i in range(count)]


CAMPAIGNS = {
    "all-kinds": _cases((1000, "plain", 18), (2000, "runtime", 18), (4000, "classes", 22), (5000, "modules", 16)),
    "stress": _cases((3000, "all", 26), stress=True),
}
#: Sites each campaign must reach (inlined or kept as calls), by kind of site: about 80% of
#: what the seeds gave when the campaigns were set (all kinds: 1783 function, 1849 method,
#: 275 cross-module; stress: 632, 651, 125), so that a generator change which stops
#: producing a kind of site fails here.
REACH = {
    "all-kinds": {"function": 1400, "method": 1450, "cross-module": 220},
    "stress": {"function": 500, "method": 500, "cross-module": 100},
}


@pytest.mark.skipif(stress_active(), reason="the campaigns have their own stress half")
@pytest.mark.parametrize("name", CAMPAIGNS)
def test_campaign_finds_no_divergence(name):
    cases = CAMPAIGNS[name]
    summary = run_campaign(cases, jobs=JOBS, shrink_seconds=120)
    assert summary.programs == len(cases)
    assert not summary.findings, "\n\n".join(regression_test(r) for r in summary.findings)
    assert not summary.unusable, [(r.case.label, r.verdict.detail[:200]) for r in summary.unusable]
    seen = summary.inlined_sites + summary.skipped_sites
    assert all(seen[kind] >= n for kind, n in REACH[name].items()), (dict(summary.inlined_sites), dict(summary.skipped_sites))
    assert summary.inlined_sites["function"] > len(cases) * 5  # the programs reach the inliner
