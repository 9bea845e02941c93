"""Fixtures for the runtime tests: every rule test runs in each mode of support.MODES."""

from __future__ import annotations

import pytest

from tests.runtime.support import MODE_IDS, MODES, Env, Outcome, run_mode


class Runner:
    """Runs a runtime-async computation in one mode; contexts come from ``env``."""

    def __init__(self, mode: str, seed: int | None) -> None:
        self.mode = mode
        self.seed = seed
        self.env = Env()

    @property
    def deterministic(self) -> bool:
        return self.mode == "deterministic"

    def __call__(self, make, *, sc=None, check_trace: bool = True) -> Outcome:
        outcome = run_mode(self.mode, self.seed, make, sc=sc, env=self.env)
        if check_trace:
            assert outcome.violations == [], "\n".join(map(str, outcome.violations))
        return outcome


@pytest.fixture(params=MODES, ids=MODE_IDS)
def rt(request):
    runner = Runner(*request.param)
    yield runner
    runner.env.close()


@pytest.fixture
def threads_rt():
    runner = Runner("threads", None)
    yield runner
    runner.env.close()
