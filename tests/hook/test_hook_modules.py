"""Under the hook, a module inlines functions of other modules of the configured packages,
located without importing them; its cache entry depends on their sources."""

from __future__ import annotations

import asyncio
import importlib
import sys
import types
from pathlib import Path

from hook_helpers import installed_state, unique, write_tree

import async_inline

CALLEE = """\
async def scale(x):
    y = x * FACTOR
    return y

FACTOR = {factor}
"""

CALLER = """\
from .util import scale

async def main():
    return await scale(7)
"""


def _fresh(package: str) -> types.ModuleType:
    for name in [m for m in sys.modules if m == package or m.startswith(package + ".")]:
        del sys.modules[name]
    importlib.invalidate_caches()
    async_inline.install([package])
    return importlib.import_module(f"{package}.app")


def test_a_callee_of_another_module_is_inlined_and_its_globals_are_its_own(site: Path) -> None:
    package = unique()
    write_tree(site, {f"{package}/__init__.py": "", f"{package}/util.py": CALLEE.format(factor=3), f"{package}/app.py": CALLER})
    app = _fresh(package)
    assert asyncio.run(app.main()) == 21
    [report] = [r for r in installed_state().reports() if r.path.endswith("app.py")]
    assert [(d.callee, d.target) for d in report.inlined] == [("scale", f"{package}.util.scale")]
    sys.modules[f"{package}.util"].FACTOR = 10  # read live, in the callee's module
    assert asyncio.run(app.main()) == 70


def test_editing_the_callees_module_rewrites_its_callers_again(site: Path) -> None:
    package = unique()
    util = site / package / "util.py"
    write_tree(site, {f"{package}/__init__.py": "", f"{package}/util.py": CALLEE.format(factor=3), f"{package}/app.py": CALLER})
    assert asyncio.run(_fresh(package).main()) == 21
    assert asyncio.run(_fresh(package).main()) == 21
    assert installed_state().outcomes()["cached"] >= 1  # app.py's entry was used
    util.write_text(CALLEE.replace("y = x * FACTOR", "y = x * FACTOR + 1").format(factor=3))
    app = _fresh(package)
    assert asyncio.run(app.main()) == 22
    outcomes = {Path(r.path).name for r in installed_state().reports()}
    assert "app.py" in outcomes
    assert installed_state().stats["misses"] >= 2  # util.py and app.py built again
