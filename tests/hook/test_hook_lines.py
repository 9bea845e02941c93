"""Line numbers of the code the hook compiles: every line of the user's file keeps its number,
inlined statements report the callee's lines (tests/debug/test_line_probe.py checks every line
of the samples)."""

from __future__ import annotations

import asyncio
import importlib
import inspect
import sys
import traceback
from pathlib import Path

import pytest
from hook_helpers import unique, write_tree

import async_inline

ISSUE_13 = """\
import asyncio
async def helper():
    return 1
async def check(kind):
    if not isinstance(kind, str):
        raise ValueError("kind is required")
    return await helper()
"""


@pytest.mark.decisions
def test_an_unchanged_statement_keeps_its_line(site: Path) -> None:
    """The reproduction of issue 13: the ``raise`` was reported on the ``if`` line above it."""
    name = unique()
    write_tree(site, {f"{name}.py": ISSUE_13})
    async_inline.install([name])
    module = importlib.import_module(name)
    with pytest.raises(ValueError) as info:
        asyncio.run(module.check(1))
    last = traceback.extract_tb(info.value.__traceback__)[-1]
    assert (last.lineno, last.line) == (6, 'raise ValueError("kind is required")')
    if sys.version_info >= (3, 11):
        assert (last.colno, last.end_colno) == (8, 44)


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


VERBATIM = '''\
"""Module docstring,
on two lines."""
import functools

LIMITS = (
    "a",
    "b",
)


async def leaf(x):
    return x + 1


@functools.lru_cache(maxsize=None)
def table(n):
    """Multi-line docstring:
    its constant spans lines."""
    return {
        "é": [n, n * 2],  # non-ASCII text before the columns
        "k": (lambda q: q)(n),
    }


class Box:
    def __init__(self, value):
        self.value = value; self.other = (value,
                                          value)

    async def get(self):
        def inner(a,
                  b):
            return a + b
        return inner(self.value, 1)


async def caller(x):
    y = await leaf(x)
    return y
'''


@pytest.mark.decisions
@pytest.mark.skipif(sys.version_info < (3, 11), reason="co_positions")
def test_code_the_rewrite_left_unchanged_has_the_originals_positions() -> None:
    """Statements emitted as they were (``Span.verbatim``) are positioned by moving them to
    their original lines in one go: every instruction of every function the rewrite did
    not touch has exactly the position the interpreter gives it compiling the file itself,
    columns included (multi-line constants, non-ASCII text, decorators, nested functions,
    ``a; b`` lines)."""
    from async_inline.hook.build import build
    from async_inline.options import Options

    built = build(VERBATIM.encode(), "/verbatim.py", Options(header=False, stress_seed=None), module="verbatim")
    assert built.report is not None and [d.callee for d in built.report.inlined] == ["leaf"]

    def functions(code: object, prefix: str = "") -> dict[str, object]:
        found = {}
        for const in getattr(code, "co_consts", ()):
            if hasattr(const, "co_positions"):
                name = f"{prefix}{const.co_qualname}"
                found[name] = const
                found.update(functions(const, name + "/"))
        return found

    original = functions(compile(VERBATIM, "/verbatim.py", "exec", dont_inherit=True))
    rewritten = functions(built.code)
    untouched = [name for name in original if not name.startswith("caller")]
    assert len(untouched) == 7, untouched
    for name in untouched:
        assert list(rewritten[name].co_positions()) == list(original[name].co_positions()), name  # type: ignore[attr-defined]
