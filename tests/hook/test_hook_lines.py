"""Line numbers of the code the hook compiles: every line of the user's file keeps its number,
inlined statements report the callee's lines, and columns never point into other text."""

from __future__ import annotations

import ast
import asyncio
import importlib
import inspect
import sys
import traceback
from pathlib import Path

import pytest
from hook_helpers import unique, write_tree

import async_inline
from async_inline.hook.build import _map_lines

ORIGINAL = """\
def callee(x):
    return 10 // x


def caller(x):
    return callee(x)
"""

#: What an inliner could make of ORIGINAL: callee's body copied (re-indented) into caller,
#: plus a line of scaffolding. ``GENERATED_ORIGINS[i]`` is the original line of line i+1.
GENERATED = """\
def callee(x):
    return 10 // x


def caller(x):
    if True:
            return 10 // x
"""
GENERATED_ORIGINS = [1, 2, 3, 4, 5, 6, 2]


def _compile_mapped(new: str, old: str, origins: list[int]):
    tree = ast.parse(new)
    _map_lines(tree, new, old, origins)
    return compile(tree, "/user/file.py", "exec", dont_inherit=True)


def test_mapped_lines_and_shifted_columns() -> None:
    namespace: dict = {}
    exec(_compile_mapped(GENERATED, ORIGINAL, GENERATED_ORIGINS), namespace)
    with pytest.raises(ZeroDivisionError) as info:
        namespace["caller"](0)
    last = traceback.extract_tb(info.value.__traceback__)[-1]
    assert (last.filename, last.lineno, last.name) == ("/user/file.py", 2, "caller")
    assert namespace["caller"].__code__.co_firstlineno == 5
    if sys.version_info >= (3, 11):
        # "10 // x" sits at columns 11-18 of the user's line 2, 8 columns left of the copy.
        positions = {p for p in namespace["caller"].__code__.co_positions() if p[0] == 2}
        assert (2, 2, 11, 18) in positions


def test_columns_follow_the_text_or_are_dropped() -> None:
    """``return 10 // x`` became ``_r = 10 // _x1``: ``10`` is found on the user's line,
    the division (``10 // _x1``) is not, so it gets no columns."""
    new = "def caller(x):\n    _x1 = x\n    _r = 10 // _x1\n    return _r\n"
    old = "def caller(x):\n    return 10 // x\n"
    code = _compile_mapped(new, old, [1, 2, 2, 2])
    function = next(c for c in code.co_consts if hasattr(c, "co_code"))
    assert {line for _, _, line in function.co_lines() if line} <= {1, 2}
    if sys.version_info >= (3, 11):
        positions = {p[2:] for p in function.co_positions() if p[0] == 2}
        assert (11, 13) in positions and (None, None) in positions
        assert all(col is None or (11 <= col and end <= 18) for col, end in positions)


def test_a_node_ending_above_its_start_is_clamped() -> None:
    new = "x = (1 +\n     2)\n"
    code = _compile_mapped(new, "x = (1 +\n     2)\n", [5, 1])
    assert {line for _, _, line in code.co_lines() if line} == {5}


SAMPLE_WITH_CONTEXT = """\
import asyncio


async def fail(x):
    y = x + 1
    raise ValueError(y)


async def main():
    value = await fail(41)
    return value


def untouched():
    return inspect_me
"""


@pytest.mark.decisions
def test_rewritten_module_keeps_every_users_line(site: Path) -> None:
    name = unique()
    write_tree(site, {f"{name}.py": SAMPLE_WITH_CONTEXT})
    async_inline.install([name])
    module = importlib.import_module(name)
    assert module.main.__code__.co_firstlineno == 9
    assert inspect.getsource(module.main) == "async def main():\n    value = await fail(41)\n    return value\n"
    assert module.untouched.__code__.co_firstlineno == 14
    assert inspect.getsource(module.untouched) == "def untouched():\n    return inspect_me\n"
    with pytest.raises(ValueError) as info:
        asyncio.run(module.main())
    frames = [(f.name, f.lineno, f.line) for f in traceback.extract_tb(info.value.__traceback__) if f.filename == module.__file__]
    assert frames[-1] == ("main", 6, "raise ValueError(y)")


@pytest.mark.decisions
def test_a_rebound_callee_is_called_from_the_await_line(site: Path) -> None:
    """The guard's fallback call is scaffolding: it reports the await site's line."""
    name = unique()
    write_tree(site, {f"{name}.py": SAMPLE_WITH_CONTEXT})
    async_inline.install([name])
    module = importlib.import_module(name)

    async def replacement(x):
        raise KeyError(x)

    module.fail = replacement
    with pytest.raises(KeyError) as info:
        asyncio.run(module.main())
    frames = [(f.name, f.lineno) for f in traceback.extract_tb(info.value.__traceback__) if f.filename == module.__file__]
    assert frames == [("main", 10)]


def test_line_events_are_the_users_lines(site: Path) -> None:
    """What a coverage tool sees: the user's file, and the lines of the statements that ran,
    the inlined callee's included."""
    name = unique()
    write_tree(site, {f"{name}.py": SAMPLE_WITH_CONTEXT.replace("raise ValueError(y)", "return y")})
    async_inline.install([name])
    module = importlib.import_module(name)
    events: set[tuple[str, int]] = set()

    def tracer(frame, event, arg):
        if frame.f_code.co_filename == module.__file__ and event == "line":
            events.add((frame.f_code.co_filename, frame.f_lineno))
        return tracer

    sys.settrace(tracer)
    try:
        assert asyncio.run(module.main()) == 42
    finally:
        sys.settrace(None)
    assert {line for _, line in events} >= {5, 6, 10, 11}
    assert {line for _, line in events} <= {5, 6, 9, 10, 11}
