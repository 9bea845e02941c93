"""What a user debugging code the hook inlined sees (docs/debugging.md): tracebacks with
the original's logical frames and lines, compile-time warnings as plain Python shows them,
the original's line events."""

from __future__ import annotations

import asyncio
import importlib
import sys
import textwrap
import traceback
import warnings
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


ESCAPE = """\
import re


async def digits(s):
    return re.findall("\\d+", s)


async def check(x):
    return x is 1


async def main():
    return await digits("a1b22") + await digits("x333"), await check(1), await check(2)
"""


def _plain_warnings(text: str, path: str) -> list[tuple[type[Warning], str, str, int]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        compile(text, path, "exec", dont_inherit=True)
    return [(w.category, str(w.message), w.filename, w.lineno) for w in caught]


def test_compile_time_warnings_are_issued_once_at_the_original_lines(site: Path) -> None:
    """The rewriter's own parses and compilations (of the original, of the rewritten text,
    once per inlined copy at its own lines, the tagged one) issued the module's warnings
    again: five invalid-escape warnings, two at lines of other statements."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        module = _import(site, ESCAPE)
    assert asyncio.run(module.main()) == (["1", "22", "333"], True, False)
    seen = [(w.category, str(w.message), w.filename, w.lineno) for w in caught]
    expected = _plain_warnings(ESCAPE, module.__file__)
    assert [(message.split(" ")[0], line) for _, message, _, line in expected] == [("invalid", 5), ('"is"', 9)]  # 3.13: "with 'int' literal"
    assert seen == expected


def test_the_programs_default_warnings_are_still_shown_once_after_a_rewrite(site: Path) -> None:
    """Review R3, f1: the rewriter put its quiet filter back first with
    ``warnings.filterwarnings``, which tells the interpreter the filters changed and
    empties every module's record of the warnings it has shown: once the program had
    changed the filters, its "default" warning was shown again after each rewrite."""
    shown: list[str] = []

    def emit() -> None:
        warnings.warn("careful", UserWarning, stacklevel=1)  # one location

    with warnings.catch_warnings():
        warnings.simplefilter("default")  # the program's own filter change, in front of the quiet one
        warnings.showwarning = lambda message, *rest, **kw: shown.append(str(message))
        emit()
        _import(site, ESCAPE)  # a first import: parsed and compiled by the rewriter
        emit()
    assert shown.count("careful") == 1, shown


def test_a_warning_made_an_error_is_the_interpreters_syntax_error(site: Path) -> None:
    """``-W error``: the import fails with plain Python's SyntaxError (the first warning's),
    not with a later genuine syntax error found by the rewriter's quiet compilations."""
    text = ESCAPE + "\n\ndef broken(:\n    pass\n"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(SyntaxError) as plain:
            compile(text, "x.py", "exec", dont_inherit=True)
        with pytest.raises(SyntaxError) as info:
            _import(site, text)
    assert plain.value.lineno == 5
    assert (info.value.msg, info.value.lineno, info.value.offset) == (plain.value.msg, 5, plain.value.offset)
    assert Path(info.value.filename or "").parent == site


TRY_DEFINES = """\
import asyncio


async def helper(x):
    return x


try:
    import ai_no_such_module_at_all
except {handler}:
    async def fetch(x):
        return x + 1


async def main():
    await helper(1)
    return await fetch(4)


result = asyncio.run(main())
"""


def _line_events(run: Any, path: str) -> list[int]:
    events: list[int] = []

    def tracer(frame: Any, event: str, arg: object) -> Any:
        if frame.f_code.co_filename != path:
            return None
        if event == "line":
            events.append(frame.f_lineno)
        return tracer

    sys.settrace(tracer)
    try:
        run()
    finally:
        sys.settrace(None)
    return events


def test_a_try_whose_handler_defines_an_inlined_callee_keeps_its_lines(site: Path) -> None:
    """The ``try`` rebuilt around the generated ``_ai_ref_fetch = fetch`` took the position
    of a generated statement (the ``def`` line before it): no line event for ``try:``."""
    text = TRY_DEFINES.format(handler="ImportError")
    path = str(site / "plain_twin.py")
    expected = _line_events(lambda: exec(compile(text, path, "exec", dont_inherit=True), {"__name__": "plain_twin"}), path)
    assert 8 in expected
    module: list[Any] = []
    name = unique("aidebug")
    (site / f"{name}.py").write_text(text)
    async_inline.install([name])
    try:
        events = _line_events(lambda: module.append(importlib.import_module(name)), str(site / f"{name}.py"))
    finally:
        async_inline.uninstall()
    assert module[0].result == 5
    assert sorted(set(events)) == sorted(set(expected))


def test_an_error_matching_a_handler_that_defines_an_inlined_callee_is_at_its_line(site: Path) -> None:
    """Matching ``except NotAnError:`` raises TypeError at that line (it was reported at
    the ``def`` before the ``try``)."""
    text = "class NotAnError:\n    pass\n\n\n" + TRY_DEFINES.format(handler="NotAnError")
    with pytest.raises(TypeError) as plain:
        exec(compile(text, "plain.py", "exec", dont_inherit=True), {"__name__": "plain"})
    expected = [f.lineno for f in traceback.extract_tb(plain.value.__traceback__) if f.filename == "plain.py"]
    assert expected == [14]
    with pytest.raises(TypeError) as info:
        _import(site, text)
    found = [(f.lineno, f.line) for f in traceback.extract_tb(info.value.__traceback__) if f.filename.startswith(str(site))]
    assert found == [(14, "except NotAnError:")]


@needs_columns
@pytest.mark.decisions
def test_an_expression_form_frame_returning_a_tuple_is_listed(site: Path) -> None:
    """``((_ai_t1 := default), (x, 10 // _ai_t1))[-1]``: the tuple, bracketed to be an
    element, was not marked as the callee's frame: no instruction ran in it, and the
    traceback showed the callee's line in ``main``."""
    module = _import(
        site,
        """\
        async def pair(x, y=0):
            return x, 10 // y


        async def main():
            return await pair(1)
        """,
    )
    with pytest.raises(ZeroDivisionError) as info:
        asyncio.run(module.main())
    assert _frames(module, info.value) == [("main", 6, False), ("pair", 2, True)]
