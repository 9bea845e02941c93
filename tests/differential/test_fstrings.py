"""f-strings: what inlining may paste into them, and what it may not rename.

Before Python 3.12 an f-string's replacement field cannot hold the f-string's own quote
character or a backslash, so code pasted there (an argument's text, a default read, a read
of another module's global) must be a plain name or be quoted with a free character. And
``f"{expr=}"`` prints the text of ``expr``: inlining must not rename or hoist it. The
generated code is checked against the 3.11 rule on every interpreter (3.12 would accept a
clash, and the output may run on an older Python), and run against the original.
"""

from __future__ import annotations

import libcst as cst
import pytest

from async_inline.api import rewrite_program
from async_inline.tree import walk
from tests.differential.harness import assert_same_behaviour
from tests.differential.package_harness import assert_same_package_behaviour


def assert_valid_before_312(code: str) -> None:
    """No replacement field holds a backslash or a quote character of an f-string around it,
    a line break or a comment."""

    class Check(cst.CSTVisitor):
        def __init__(self) -> None:
            self.quotes: list[str] = []

        def visit_FormattedString(self, node: cst.FormattedString) -> None:
            self.check(node.start.lstrip("rRfFbBuU")[0])
            self.quotes.append(node.end[0])

        def leave_FormattedString(self, original_node: cst.FormattedString) -> None:
            self.quotes.pop()

        def visit_SimpleString(self, node: cst.SimpleString) -> None:
            self.check(node.quote[0])
            assert not self.quotes or "\\" not in node.value, f"a backslash inside an f-string's field: {node.value}"

        def visit_FormattedStringExpression(self, node: cst.FormattedStringExpression) -> None:
            field = cst.Module([]).code_for_node(node.expression)
            assert "\n" not in field, f"a line break inside an f-string's field:\n{code}"
            assert not any(isinstance(n, cst.Comment) for n in walk(node.expression)), f"a comment in a field:\n{code}"

        def check(self, quote: str) -> None:
            assert quote not in self.quotes, f"a {quote} string inside an f-string quoted with it:\n{code}"

    cst.parse_module(code).visit(Check())


@pytest.mark.parametrize("code", ["x = f'{d['k']}'\n", "x = f'{(\n 1)}'\n", "x = f'{(  # one\n 1)}'\n"])
def test_the_check_itself_sees_a_clash(code):
    with pytest.raises(AssertionError):
        assert_valid_before_312(code)  # valid only from 3.12 on


@pytest.mark.parametrize("assume", [(), ("frozen-defaults",)])
def test_literals_over_lines_or_with_comments_are_not_pasted_into_fields(assume):
    """A literal argument (or a frozen default) written over lines or with a comment, read
    by the callee in an f-string, is bound to its parameter rather than pasted into the
    field: ``f"<{(`` then a line break is valid only from Python 3.12 on (review S2, f1)."""
    from async_inline import Options

    result = assert_same_behaviour('''
async def show(v, w=(1,  # one
        2)):
    return f"<{v}|{w!r}>"

async def main():
    print(await show((
        1)), await show((  # two
        2), -3), await show((3.5  # three
        ), (4,
        5)))
''', options=Options(assume=frozenset(assume)), inlined={"show"})
    assert_valid_before_312(result.code)


def test_arguments_pasted_into_an_fstring_are_names_only():
    """A string argument bound to a parameter read in an f-string: no ``f"{("x")}"``, no
    backslash in a replacement field (the expression form would paste the argument)."""
    result = assert_same_behaviour(r'''
async def show(s, n):
    return f"<{s}|{n}>"

async def tab(s):
    return f'{s}\t'

async def main():
    print(await show("x", 1), await show('y', 2.5), await show("a\nb", -1), await tab('z'), await tab("w"))
''', inlined={"show", "tab"})
    assert_valid_before_312(result.code)


@pytest.mark.parametrize("assume", [(), ("frozen-defaults",)])
def test_defaults_read_in_an_fstring(assume):
    from async_inline import Options

    result = assert_same_behaviour('''
async def kw(v, *, sep="!", end='.'):
    return f'{v}{sep}{end}'

async def pos(v, sep=", "):
    return f"{v}{sep}"

async def main():
    print(await kw("a"), await kw('b', sep="?"), await pos("c"), await pos('d', "; "))
''', options=Options(assume=frozenset(assume)), inlined={"kw", "pos"})
    assert_valid_before_312(result.code)


def test_an_fstring_with_equals_in_the_callee_is_not_inlined():
    """``f"{x=}"`` prints ``x=``: renaming ``x`` (or pasting an argument) would change it."""
    result = assert_same_behaviour('''
async def show(x, y=2):
    z = x + 1
    return f"{x=} {y = } {z=!r}"

async def plain(x):
    return x + 1

async def main():
    x = 5
    print(await show(7), await show(x, 4), await plain(x))
''', inlined={"plain"})
    [skipped] = {(s.callee, s.code) for s in result.report.skipped}
    assert skipped == ("show", "unsupported")
    assert "=" in next(s.reason for s in result.report.skipped if s.callee == "show")


@pytest.mark.parametrize("statement", [
    'print(f"{await g(3)=}")',
    'print(f"{sync(0) and await g(3)=}")',
    'print(f"{sync(1)=} {await g(3)}")',
    'print(f"{sync(1)=}", f"{await g(3)}" + f"{sync(2)!r:>{await g(1)}}")',
    # A concatenated string with a part printing its text before the await (review Z, f2).
    'print(f"{sync(1)=}" f"<{await g(3)}>")',
    'print("a" f"{sync(1)}" f"{sync(2)=}" "b" f"<{await g(3)}>")',
])
def test_an_await_in_an_fstring_with_equals_stays_where_its_text_is_printed(statement):
    """Hoisting an await, or an operand evaluated before it, out of ``f"{...=}"`` would
    print the temporary's name instead of the source text."""
    source = f'''
def sync(x):
    return x

async def g(x):
    return x * 2

async def main():
    {statement}
    return await g(1)
'''
    result = assert_same_behaviour(source)
    skipped = [s for s in result.report.skipped if s.line == 9]
    assert skipped and all("f-string" in s.reason for s in skipped), result.report.skipped
    assert_valid_before_312(result.code)


def test_implicitly_concatenated_fstrings_are_one_string():
    """``f"{a}" f"{await g()}"`` is one string: the fields of all its parts are evaluated and
    formatted in order. The parts were operands of their own, and an unstable part before
    the await was hoisted as a temporary left among the string literals: the rewrite
    crashed (AttributeError, review Z, f2). The fields before the await are hoisted as
    formatted text, as in a single f-string; a part printing its text (``=``) after the
    await stays in place."""
    result = assert_same_behaviour(r"""
def log(x):
    print("log", x)
    return x

async def f(v):
    print("f", v)
    w = v
    return w

async def main():
    print(f"{log(1)}" f"<{await f(2)}>")
    print("a" rf"{log(3)!r:>4}\n" "b" f'''{await f(4)}{log(5)}''' f"{log(6)}")
    print(f"{await f(7)}" f"{log(8)=}" "c")
    print(f"{log(9)}" f"{log(10)}" f"{await f(11)}" f"{await f(12)}")
""", inlined={"f"}, min_inlined=5)
    assert not result.report.skipped, result.report.skipped
    assert_valid_before_312(result.code)


def test_globals_of_another_module_read_in_fstrings():
    """Another module's global is read as ``namespace[KEY]``: the key takes the quote
    character the f-strings around it do not use (asyncssh 2.24.1's
    ``f'{X11_LISTEN_HOST}:{dpynum}'`` failed to compile), or the site stays a call."""
    files = {
        "pkg/__init__.py": "",
        "pkg/util.py": '''
            HOST = "localhost"

            async def single(n):
                return f'{HOST}:{n}'

            async def double(n):
                return f"{HOST}:{n} {__name__}"

            async def outer(n):
                return f"{f'{n}'}:{HOST}"

            async def nested(n):
                return f"{f'{HOST}'}:{n}"

            async def triple(n):
                return f"""{f'{HOST}'}"""
        ''',
        "pkg/app.py": '''
            from .util import single, double, outer, nested, triple

            async def main():
                return [await single(1), await double(2), await outer(3), await nested(4), await triple(5)]
        ''',
    }
    results = assert_same_package_behaviour(files, inlined={"pkg.util.single", "pkg.util.double", "pkg.util.outer"})
    for result in results.values():
        assert_valid_before_312(result.code)
    refused = {s.callee: s for r in results.values() for s in r.report.skipped}
    assert set(refused) == {"nested", "triple"}
    assert all(s.code == "unsupported" and "quoted with both" in s.reason for s in refused.values())


def test_program_rewrites_of_fstring_callees_compile_everywhere():
    """The asyncssh shape, in one module and across two."""
    files = {
        "a.py": "X = 1\nasync def f(n):\n    return f'{X}:{n!r}'\n",
        "b.py": "from a import f\nasync def g():\n    return (await f('s')) + f'{await f(2)}'\n",
    }
    for result in rewrite_program(files).values():
        compile(result.code, "<test>", "exec")
        assert_valid_before_312(result.code)
