"""Expressions the rewrite moves to another place keep their meaning there.

An argument or an element written across lines relies on the brackets around it; a tuple
written without brackets (``return x, y``) relies on standing alone; a generator
expression or a ``:=`` may stand bare as a call's only argument. Bound to a variable,
hoisted before an await or placed in the expression form's ``(bind, body)[-1]``, each
needs brackets of its own. Found on asyncssh 2.24.1 (``sftp.py``: a multi-line keyword
argument) and while fixing it (a tuple result read as its last element). A `with` whose
later item holds a site is split, that item's site nested inside the earlier items.
"""

from __future__ import annotations

import warnings

import pytest

from async_inline import Options
from tests.differential.harness import assert_same_behaviour


def test_a_tuple_result_of_the_expression_form_with_a_bound_argument_stays_a_tuple():
    """``(( _t := a or b), _t, default)[-1]`` was the default, not ``(_t, default)``."""
    assert_same_behaviour('''
async def pair(x, y=0):
    return x, y

async def starred(x, *rest):
    return *rest, x

async def main():
    a, b = 1, 0
    print(await pair(a or b), await pair(a + b, b - a), await starred(a or b, 2, 3))
''', inlined={"pair", "starred"})


def test_arguments_and_operands_written_across_lines():
    assert_same_behaviour('''
async def f(x, y=0):
    return x, y

async def g(x):
    r = x + 1
    return r

def sync(*a):
    return a

async def main():
    a, b = 1, 0
    r1 = await f(a or
                 b)
    r2 = await f(a, y=b or  # a comment
                 a)
    r3 = sync(a and
              b, await g(a))
    r4 = [a +
          b, await f(a)]
    r5 = {"k": b or
          a, "v": await g(b)}
    r6 = (a if b or
          a else await g(b))
    r7 = await g(a if b else
                 b)
    r8 = sync(a, sync(b)
              [0], await g(a))
    print(r1, r2, r3, r4, r5, r6, r7, r8)
''', min_inlined=8)


@pytest.mark.parametrize("arg", ["x for x in range(b)", "y := 3"])
def test_an_argument_that_may_stand_bare_only_in_a_call(arg):
    """Bound by a statement, or by ``:=`` in the expression form (``(t := x for x in y)``
    would be a generator whose elements assign ``t``: ``UnboundLocalError``)."""
    assert_same_behaviour(f'''
async def f(*a):
    return a

async def h(*a):
    n = len(a)
    return a, n

async def one(v):
    w = v
    return w

async def same(v):
    return v

async def main():
    b = 2
    r = await f({arg})
    s = await h({arg})
    t = await one({arg})
    u = await same({arg})
    print([list(x) if not isinstance(x, int) else x for x in r], s[1], t if isinstance(t, int) else list(t))
    print(u if isinstance(u, int) else list(u))
''', inlined={"f", "h", "one", "same"})


@pytest.mark.parametrize("assume", [frozenset(), frozenset({"frozen-defaults"})], ids=["default", "frozen-defaults"])
def test_a_constant_is_not_pasted_where_the_compiler_warns_about_one(assume):
    """``timeout is None`` with ``0.01`` pasted for ``timeout`` is ``(0.01) is None``, which
    CPython compiles with a SyntaxWarning ("is" with a literal; an error under ``-W
    error``): found running aiosmtplib 5.1.3's suite under the plugin
    (``await smtp_client.connect(timeout=0.01)``). The same for a constant called,
    subscripted or used as an index."""
    source = """
async def check(timeout=None, key="k", cb=None, i=0):
    if timeout is None or cb is not None and cb():
        return "none", key[i]
    return timeout is not None, key[i], "abc"[i]

async def outer(t):
    return await check(t)

async def same(v):
    return v is None

async def main():
    print(await check(0.01), await check(timeout=2, key="xy", i=1), await check(None, "z"))
    print(await check(True, cb=None), await outer(0.5), await outer(None), await same(3), await same(None))
"""
    result = assert_same_behaviour(source, options=Options(assume=assume), inlined={"check", "outer", "same"})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        compile(source, "<original>", "exec")
        compile(result.code, "<rewritten>", "exec")


@pytest.mark.parametrize("form", ["expression", "statements"])
def test_a_constant_is_not_pasted_where_an_operation_folding_it_warns(form):
    """Review R9 f1: a default pasted as its literal (``d=5``, ``n=None``, shared objects)
    inside an operation the compiler folds into a constant where it warns: ``(-d)()``,
    ``(not n)()``, ``(d + 1)[0]``, ``k is (d, 1)`` compiled with SyntaxWarnings (errors under
    ``-W error``) the original does not have."""
    body = "(-d)() if k else (not n)() if n else (d + 1)[0] if d else k is (d, 1)"
    callee = f"    return {body}" if form == "expression" else f"    r = {body}\n    return r"
    source = f"""
async def f(k, d=5, n=None):
{callee}

async def main():
    return await f(0), await f(False)
"""
    result = assert_same_behaviour(source, inlined={"f"})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        compile(source, "<original>", "exec")
        compile(result.code, "<rewritten>", "exec")


@pytest.mark.parametrize("assume", [frozenset(), frozenset({"frozen-defaults"})], ids=["default", "frozen-defaults"])
def test_a_constant_is_not_pasted_as_the_operand_of_an_inversion(assume):
    """``~flag`` with ``True`` pasted is ``~(True)``, which Python 3.12+ folds with a
    DeprecationWarning at compile time, where the original warns when it runs (under
    ``-W error``: an exception at the call, not a module that does not compile). Found
    in CI's 3.12 and 3.13 runs of the fuzzer's gap shapes (2026-12-07)."""
    source = """
async def inverted(flag=True, n=-1):
    return ~flag, ~(-n)

async def main():
    return await inverted(True), await inverted(False, 3), await inverted()
"""
    result = assert_same_behaviour(source, options=Options(assume=assume), inlined={"inverted"})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        compile(result.code, "<rewritten>", "exec")

@pytest.mark.parametrize("assume", [frozenset(), frozenset({"frozen-defaults"})], ids=["default", "frozen-defaults"])
def test_a_singleton_is_pasted_as_a_plain_operand_of_is(assume):
    """``x is None`` with ``None`` pasted is ``(None) is None``: CPython warns about a
    literal operand of ``is`` but not about ``None``, ``True``, ``False`` or ``...``, so
    the idiom of a ``None`` default gets its constant, as the benchmarks assume (review
    R20d F2); a singleton folded by an operation first (``-flag is x``) still is not."""
    source = """
async def scaled(x, factor=2, offset=None):
    return x * factor if offset is None else x * factor + offset

async def pick(x, *, k=None, e=..., t=True):
    return x if k is None else k, e is ..., t is not True

async def negated(x, flag=True):
    return -flag is x

async def main():
    return await scaled(3), await scaled(3, 2, None), await pick(1), await pick(1, k=None, e=..., t=False), await negated(1)
"""
    result = assert_same_behaviour(source, options=Options(assume=assume), inlined={"scaled", "pick", "negated"})
    main = result.code[result.code.index("async def main") :]
    assert "(None) is None" in main and "None is None" in main
    assert "-(True)" not in main and "-True" not in main
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        compile(result.code, "<rewritten>", "exec")


def test_an_empty_tuple_default_pasted_under_frozen_defaults():
    """``()`` folded under ``frozen-defaults`` in both forms: LibCST refuses a zero-length
    tuple without its own parentheses, and the rewrite of the module failed (review L)."""
    assert_same_behaviour("""
async def tags(name, extra=()):
    return (name, *extra)

async def tags2(name, extra=()):
    r = (name, *extra)
    return r

async def main():
    return await tags("a"), await tags2("b"), await tags("c", (1,))
""", options=Options(assume=frozenset({"frozen-defaults"})), inlined={"tags", "tags2"})


def test_stopiteration_from_callee_in_later_with_item_is_seen_by_earlier_exit():
    """Review R13 b1: a site in a later `with` item runs inside the earlier items: their exits see the RuntimeError."""
    # A StopIteration leaving the awaited callee is a RuntimeError at its await (PEP 479);
    # the first item's __exit__ sees that RuntimeError. Inlined, no conversion is emitted
    # (the site is not seen as "observed"), so suppress(StopIteration) swallows it.
    assert_same_behaviour(
        """
import contextlib

async def first(it):
    return next(it)

async def main():
    with contextlib.suppress(StopIteration), open(await first(iter([]))):
        print("body")
    return "done"
""",
        inlined={"first"},
    )


def test_stopiteration_from_nested_callee_in_later_with_item_of_a_callee():
    # Same cause one frame down: mid is inlined into main, leaf into mid's with header.
    assert_same_behaviour(
        """
import contextlib

async def leaf(it):
    return next(it)

async def mid(it):
    with contextlib.suppress(StopIteration), contextlib.nullcontext(await leaf(it)):
        print("body")
    return "mid done"

async def main():
    return await mid(iter([]))
""",
        inlined={"mid", "leaf"},
    )


def test_stopiteration_statement_form_in_later_async_with_item():
    assert_same_behaviour(
        """
import asyncio

class CM:
    async def __aenter__(self):
        return self
    async def __aexit__(self, t, v, tb):
        print("exit sees", t.__name__ if t else None)
        return t is StopIteration

async def first(it):
    await asyncio.sleep(0)
    v = next(it)
    return v

async def main():
    async with CM(), CM() if await first(iter([])) else CM():
        print("body")
    return "done"
""",
        inlined={"first"},
    )


ITEMS = ", ".join(["nullcontext()"] * 18)


def test_site_in_last_item_of_a_long_with_does_not_crash_the_rewrite():
    """Review R13 b2: the earlier items' blocks count toward CPython's nesting limit."""
    # The inlined body goes inside the 18 earlier items' blocks, which the nesting
    # estimate does not count: InternalError "too many statically nested blocks".
    # (The same site as the first item is inlined fine.)
    assert_same_behaviour(
        f"""
from contextlib import nullcontext

async def f(x):
    try:
        for y in range(x):
            if y == 2:
                return y
    except ValueError:
        pass
    return 0

async def main():
    with {ITEMS}, nullcontext(await f(3)) as v:
        return v
""",
        min_inlined=0,
    )


def test_stopiteration_in_a_later_with_item_when_the_first_item_holds_a_site_too():
    """Review R13 e-a (R13 b1 incomplete): the planner marks the site of the third item observed (R13 b1's fix), but
    StatementRewriter._sites keeps one `observed` per statement, the last one visited
    (awaits are visited last-first, so the first item's site wins): no PEP 479 handler is
    emitted and suppress(StopIteration) swallows the raw StopIteration."""
    assert_same_behaviour(
        """
import contextlib

async def f(x):
    return x

async def g(it):
    v = next(it)
    return v

async def main():
    with contextlib.nullcontext(await f(1)), contextlib.suppress(StopIteration), contextlib.nullcontext(await g(iter([]))):
        print("body")
    return "after"
""",
        inlined={"f", "g"},
    )


def test_a_name_standing_for_a_literal_is_not_pasted_where_the_compiler_warns():
    """Review R21a F2: in ``outer`` inlined with ``d`` standing for ``1`` (an argument, or
    its default), ``inner``'s one line pasted ``d`` as the literal: ``((1)) is y``, a
    SyntaxWarning (an error under ``-W error``) the original does not have."""
    source = """
y = object()

async def inner(x):
    return x is y

async def outer(d):
    print("outer")
    return await inner(d)

async def outer_default(d=1):
    print("outer_default")
    return await inner(d)

async def main():
    return await outer(1), await outer_default(), await outer(None)
"""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = assert_same_behaviour(source, inlined={"outer", "inner"})
        compile(result.code, "<rewritten>", "exec")
