"""The module's header: its docstring and ``from __future__`` imports stay first.

Generated code (``import runtime as _ai_rt`` and the aliases read off it) goes after them,
also where they share a line with other statements (``"doc"; import sys``): the line is
split after them (review S2, f2). Inserted before, the docstring was no longer the
module's first statement (``__doc__`` None: a miscompile) and a future import came after
other code (a SyntaxError, reported as an internal error).
"""

from __future__ import annotations

import sys

import pytest

from tests.differential.harness import assert_same_behaviour

# A StopIteration the caller observes: its conversion needs the runtime import.
BODY = '''
def h(x: int) -> None:
    pass

async def g(v):
    if v:
        raise StopIteration(v)
    return v

async def main():
    try:
        await g(1)
    except RuntimeError as e:
        print("caught", e)
    return __doc__, h.__annotations__, "sys" in globals()
'''

HEADERS = [
    '"""Tool that does things."""; import sys',
    '"""Tool."""  ;  import sys  # a comment',
    '"""Tool."""; from __future__ import annotations',
    '"""Tool."""; from __future__ import annotations; import sys; X = 1',
    'from __future__ import annotations; import sys',
    'from __future__ import annotations; from __future__ import division; import sys',
    '"""Tool."""\nfrom __future__ import annotations; import sys',
    '"Tool" "parts"; from __future__ import (annotations,\n    division); import sys',
    'import sys; """not a docstring"""',
]


@pytest.mark.parametrize("header", HEADERS)
def test_a_docstring_or_future_import_sharing_its_line_stays_first(header):
    assert_same_behaviour(header + "\n" + BODY, inlined={"g"})


@pytest.mark.decisions
def test_a_relative_future_import_stays_first_too():
    """Before Python 3.13 ``from .__future__ import x`` is a future statement (it must come
    first); from 3.13 on, an import of the package's module: the runtime's import goes after
    it on every version (the rewrite checks its output compiles)."""
    from async_inline import rewrite_source

    for header in ('"""Tool."""\nfrom .__future__ import annotations', 'from .__future__ import annotations; import sys'):
        result = rewrite_source(header + "\n" + BODY)
        assert result.report.inlined
        lines = result.code.splitlines()
        assert lines.index(next(line for line in lines if "from .__future__" in line)) < lines.index("import runtime as _ai_rt")


@pytest.mark.decisions
@pytest.mark.skipif(sys.version_info < (3, 11), reason="co_positions")
def test_the_split_line_keeps_its_positions():
    """Both halves of a split line are the original line's code: every instruction of the
    module's own statements has the position the interpreter gives it."""
    import dis

    from async_inline.hook.build import build
    from async_inline.options import Options

    source = '"""Tool."""; from __future__ import annotations;  import sys; Y = (1,\n    2)\n' + BODY
    built = build(source.encode(), "/header.py", Options(header=False, stress_seed=None), module="header")
    assert built.report is not None and [d.callee for d in built.report.inlined] == ["g"]

    def stores(code: object) -> list[tuple[str, object]]:
        return [(i.argval, i.positions) for i in dis.get_instructions(code) if i.opname in ("STORE_NAME", "IMPORT_NAME")]  # type: ignore[arg-type]

    original = stores(compile(source, "/header.py", "exec", dont_inherit=True))
    generated = [(name, at) for name, at in stores(built.code) if not str(name).startswith(("_ai", "runtime"))]
    assert generated == original


@pytest.mark.parametrize("header", [*HEADERS, "from .__future__ import annotations", '"""doc"""; from .__future__ import (annotations)'])
def test_future_features_agree_with_the_compiler(header):
    """``tree.future_features`` (whether a module's annotations are postponed, which
    decides what may be inlined into it) reads the header as CPython's compiler does; a
    relative ``from .__future__`` counts on every version (before 3.13 it is one)."""
    import __future__

    import libcst as cst

    from async_inline.tree import future_features

    postponed = bool(compile(header + "\n", "<header>", "exec", dont_inherit=True).co_flags & __future__.annotations.compiler_flag)
    found = "annotations" in future_features(cst.parse_module(header + "\n").body)
    assert found == postponed or ("from ." in header and found and sys.version_info >= (3, 13))


@pytest.mark.parametrize(
    "source",
    [
        "async def g(x):\n\x0c    y = x + 1\n    return y * 2\n\nasync def main():\n    r = await g(3)\n    return r\n",
        "def unrelated():\n\x0c    return 0\n\nasync def g(x):\n    y = x + 1\n    return y * 2\n\n"
        "async def main():\n    r = await g(3)\n    return r\n",
    ],
    ids=["in the callee", "in an unrelated function"],
)
def test_a_form_feed_opening_the_first_indented_line(source: str) -> None:
    """Review R19 f2: LibCST takes the module's first indentation, form feed included, for
    the indentation of the blocks the rewrite makes, where CPython resets the column: the
    output did not compile (an internal error). The file's own lines keep their form feed."""
    compile(source, "<ff>", "exec")  # valid: a form feed at the start of a line is ignored
    result = assert_same_behaviour(source, inlined={"g"})
    assert "\x0c    " in result.code
