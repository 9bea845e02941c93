"""What a user debugging code the hook inlined sees (docs/debugging.md): tracebacks with
the original's logical frames and lines, compile-time warnings as plain Python shows them,
the original's line events."""

from __future__ import annotations

import asyncio
import importlib
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from hook_helpers import unique

import async_inline
from async_inline import debug

needs_columns = pytest.mark.skipif(sys.version_info < (3, 11), reason="frame maps need co_positions")


def _import(site: Path, text: str) -> Any:
    name = unique("aidebug")
    (site / f"{name}.py").write_text(textwrap.dedent(text))
    async_inline.install([name])
    try:
        return importlib.import_module(name)
    finally:
        async_inline.uninstall()


def _frames(module: Any, exc: BaseException) -> list[tuple[str, int, bool]]:
    return [(f.name, f.lineno, f.inlined) for f in debug.logical_tb(exc.__traceback__) if f.filename == module.__file__]


GENEXP_TWICE = """\
async def total(xs):
    s = sum(x * 2 for x in xs)
    return 100 // s


async def main():
    a = await total([1, 2])
    b = await total([])
    return a + b
"""


@needs_columns
@pytest.mark.decisions
def test_a_callee_with_a_genexp_inlined_twice_keeps_the_callers_logical_frames(site: Path) -> None:
    """The two copies of the genexp are one (merged) constant of the caller's code and two
    of the column-tagged compilation: the caller's frame map was dropped, so the traceback
    named the callee's line in ``main`` without the inlined frame."""
    module = _import(site, GENEXP_TWICE)
    with pytest.raises(ZeroDivisionError) as info:
        asyncio.run(module.main())
    assert _frames(module, info.value) == [("main", 8, False), ("total", 3, True)]
    listed = "".join(debug.format_exception(info.value))
    assert "line 8, in main\n    b = await total([])" in listed and "line 3, in total [inlined]\n" in listed


@needs_columns
@pytest.mark.decisions
def test_a_genexp_of_an_inlined_callee_is_its_own_frame(site: Path) -> None:
    """Code inside a genexp of an inlined callee is the genexp's, not the callee's: its
    frame is listed once, after the callee's (it listed the callee again inside it)."""
    module = _import(
        site,
        """\
        async def total(xs):
            s = sum(100 // x for x in xs)
            return s


        async def main():
            a = await total([1, 0])
            b = await total([2])
            return a + b
        """,
    )
    with pytest.raises(ZeroDivisionError) as info:
        asyncio.run(module.main())
    assert _frames(module, info.value) == [("main", 7, False), ("total", 2, True), ("<genexpr>", 2, False)]
    assert debug.logical_tb(info.value.__traceback__)[-1].line == "s = sum(100 // x for x in xs)"
