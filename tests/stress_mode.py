"""pytest plugin for this suite (loaded with -p from pyproject): under stress mode
($ASYNC_INLINE_STRESS), tests pinning exact inlining decisions are skipped (stress mode
picks sites at random); behaviour tests still run. Not a conftest.py: pytester projects
with a tests/conftest.py would collide with it as module `tests.conftest`."""

from __future__ import annotations

import pytest

from async_inline.options import STRESS_ENV, Options


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "decisions: asserts exact inlining decisions; skipped under stress mode")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    seed = Options().stress_seed
    if seed is None:
        return
    skip = pytest.mark.skip(reason=f"pins inlining decisions; {STRESS_ENV}={seed} picks sites at random")
    for item in items:
        if item.get_closest_marker("decisions"):
            item.add_marker(skip)
