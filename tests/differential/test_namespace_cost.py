"""The ``namespace-cost`` rule (review R20d F1): code of another module inlined into a caller
reads its globals and builtins through its module's namespace (``ns["X"]``,
``ns.get("len", BUILTINS["len"])``), dearer than the plain names the original reads. A
site whose callee's reads would cost more than the call saves stays a call: any read in a
loop, or a weighted count (a global 1, a builtin 2, a global its module may lack 4) over 3
(``analysis/site.py``, docs/methods.md "What it costs"). Behaviour is the same either way;
these tests pin the decisions (no timing: the figures are in the docs)."""

from __future__ import annotations

import pytest

from async_inline import Options
from async_inline.analysis.namespace_cost import NAMESPACE_COST_LIMIT
from tests.differential.package_harness import assert_same_package_behaviour

pytestmark = pytest.mark.decisions

XLIB = '''
import warnings

SCALE = 3
OFFSET = 1
BIAS = 2
MUL = 5
if SCALE > 1:
    MODE = "fast"

async def one_builtin(x):
    return abs(x)

async def one_global(x):
    return x * SCALE

async def three_globals(x):
    return x * SCALE + OFFSET - BIAS

async def a_builtin_and_a_global(x):
    return abs(x) * SCALE

async def four_globals(x):
    return x * SCALE + OFFSET - BIAS + MUL

async def two_builtins(x):
    return abs(min(x, 3))

async def check(x):
    if not isinstance(x, (bytes, str)):
        raise TypeError("bad")
    return len(x)

async def validate(x):
    if x is None:
        raise ValueError("no value")
    return x

async def work(data):
    out = []
    for x in data:
        if isinstance(x, int):
            out.append(x * SCALE)
    return len(out)

async def scaled(data):
    t = 0
    for x in data:
        t += x * SCALE
    return t

async def squares(data):
    return [x * x for x in data if x > OFFSET]

async def first_iterable(n):
    return [x for x in range(n)]

async def maybe_unbound(x):
    return (MODE, x)

async def helper(x):
    return x + 1

async def chained(x):
    y = await helper(x)
    return await helper(y)

async def each(data):
    t = 0
    for x in data:
        t += await helper(x)
    return t

async def branches(x):
    if x > SCALE:
        y = abs(x)
    elif x < OFFSET:
        y = x - BIAS
    else:
        y = x * MUL
    return y

async def deprecated(x, old=None):
    if old is not None:
        x = old
        warnings.warn("old= is deprecated", DeprecationWarning, stacklevel=2)
    return abs(x)

async def guarded(x):
    try:
        return abs(x)
    except TypeError:
        return len(str(x)) + min(SCALE, OFFSET)
'''

APP = '''
from pkg import xlib

async def main():
    data = [1, 2, "a", 3]
    nums = [1, 2, 3]
    out = [
        await xlib.one_builtin(-2),
        await xlib.one_global(2),
        await xlib.three_globals(2),
        await xlib.a_builtin_and_a_global(-2),
        await xlib.four_globals(2),
        await xlib.two_builtins(-7),
        await xlib.check("abc"),
        await xlib.validate(4),
        await xlib.work(data),
        await xlib.scaled(nums),
        await xlib.squares(nums),
        await xlib.first_iterable(3),
        await xlib.maybe_unbound(1),
        await xlib.chained(1),
        await xlib.each(nums),
        await xlib.branches(5),
        await xlib.branches(0),
        await xlib.branches(2),
        await xlib.deprecated(-4),
        await xlib.guarded(-4),
        await xlib.guarded("ab"),
    ]
    try:
        await xlib.check(5)
    except TypeError as exc:
        out.append(str(exc))
    return out
'''

FILES = {"pkg/__init__.py": "", "pkg/xlib.py": XLIB, "pkg/app.py": APP}

#: Inlined: the reads cost less than the call saves.
CHEAP = {
    "one_builtin", "one_global", "three_globals", "a_builtin_and_a_global", "validate", "first_iterable", "chained", "each",
    "branches", "deprecated", "guarded",
}
#: Kept: over the limit straight-line, or a read in a loop (a comprehension's body too).
DEAR = {"four_globals", "two_builtins", "check", "work", "scaled", "squares", "maybe_unbound"}


def _decisions(options: Options | None = None) -> tuple[set[str], dict[str, tuple[str, str]]]:
    results = assert_same_package_behaviour(FILES, options=options)
    report = results["pkg/app.py"].report
    inlined = {d.target.rsplit(".", 1)[1] for d in report.inlined}
    if "is _ai_ref_helper" in results["pkg/app.py"].code:  # the sites inside chained and each, guarded
        inlined.add("helper")
    kept = {s.callee.rsplit(".", 1)[1]: (s.code, s.reason) for s in report.skipped}
    return inlined, kept


def test_callees_of_another_module_whose_namespace_reads_cost_more_than_the_call_stay_calls() -> None:
    """A loop reading a builtin (``work``), a global read in a loop (``scaled``: 1.10-1.20x
    the original's time inlined, a loop of four), four builtin reads (``check``), two
    builtins, four globals and a global its module may lack (a Python call of
    ``runtime.global_value``) stay calls; one builtin, one to three globals, a builtin and
    a global are inlined. Reads in a ``raise`` (``validate``), in a comprehension's first
    iterable (evaluated once), and the names of awaited calls (``chained``, ``each``: the
    nested site's call or guard replaces the read) do not count. The cost is that of the
    dearest path: the branches of an ``if`` are alternatives (``branches``: 3, not 6), and
    what runs only beside something far dearer, a ``warnings.warn`` (``deprecated``, as
    anyio's ``to_thread.run_sync`` does for a deprecated argument) or an ``except`` clause
    (``guarded``), does not count."""
    inlined, kept = _decisions()
    assert CHEAP | {"helper"} <= inlined, (CHEAP - inlined, kept)
    assert {name: kept[name][0] for name in DEAR} == dict.fromkeys(DEAR, "namespace-cost"), kept
    assert not DEAR & inlined
    assert "in a loop" in kept["work"][1] and "'isinstance'" in kept["work"][1]
    assert "in a loop" in kept["scaled"][1] and "'SCALE'" in kept["scaled"][1]
    assert "in a loop" in kept["squares"][1]
    assert f"weight 8, over {NAMESPACE_COST_LIMIT}" in kept["check"][1]  # isinstance, bytes, str, len (not TypeError: raised)
    assert f"weight 4, over {NAMESPACE_COST_LIMIT}" in kept["four_globals"][1]
    assert "weight 4" in kept["two_builtins"][1] and "weight 4" in kept["maybe_unbound"][1]


def test_costly_guards_inline_them_all() -> None:
    """``costly_guards`` (and stress mode) lift the cost rules, for testing the code."""
    inlined, kept = _decisions(Options(costly_guards=True))
    assert CHEAP | DEAR <= inlined, kept


def test_a_runtime_async_callee_of_another_module_is_exempt() -> None:
    """A runtime-async callee's call costs far more than a plain coroutine's (its wrapper
    runs the runtime's entry and exit): inlined whatever its reads."""
    files = {
        "pkg/__init__.py": "",
        "pkg/xlib.py": '''
            import runtime

            @runtime.async_method
            async def work(data):
                n = 0
                for x in data:
                    if isinstance(x, int):
                        n += 1
                return len(data) - n
        ''',
        "pkg/app.py": '''
            from pkg import xlib

            async def main():
                return await xlib.work([1, "a", 2])
        ''',
    }
    assert_same_package_behaviour(files, inlined={"pkg.xlib.work"})


def test_patches_of_a_builtin_are_seen_by_inlined_code_of_another_module() -> None:
    """The one builtin read that stays inlined is exact: a patch of the module's name
    (``mock.patch("pkg.xlib.abs", create=True)``) and of ``builtins.abs`` are both seen."""
    files = {
        "pkg/__init__.py": "",
        "pkg/xlib.py": XLIB,
        "pkg/app.py": '''
            import builtins
            from unittest import mock
            from pkg import xlib

            async def main():
                out = [await xlib.one_builtin(-2)]
                with mock.patch("pkg.xlib.abs", create=True, new=lambda x: ("module", x)):
                    out.append(await xlib.one_builtin(-3))
                with mock.patch.object(builtins, "abs", new=lambda x: ("builtins", x)):
                    out.append(await xlib.one_builtin(-4))
                out.append(await xlib.one_builtin(-5))
                return out
        ''',
    }
    assert_same_package_behaviour(files, inlined={"pkg.xlib.one_builtin"})


def test_a_classmethod_of_another_module_has_a_lower_limit() -> None:
    """Its guard makes a bound method, and the call saves about 30 ns: one global read is
    all it can afford (review R21b 1: three weighed 1.02-1.28x the original's time)."""
    files = {
        "pkg/__init__.py": "",
        "pkg/xlib.py": '''
            SCALE = 3
            OFFSET = 1

            class C:
                @classmethod
                async def one(cls, x):
                    return x * SCALE

                @classmethod
                async def three(cls, x):
                    return x * SCALE + OFFSET - SCALE
        ''',
        "pkg/app.py": '''
            from pkg.xlib import C

            async def main():
                t = 0
                for i in range(3):
                    t += await C.one(i)
                    t += await C.three(i)
                return t
        ''',
    }
    results = assert_same_package_behaviour(files, inlined={"pkg.xlib.C.one"})
    kept = {s.callee: (s.code, s.reason) for s in results["pkg/app.py"].report.skipped}
    assert kept["C.three"][0] == "namespace-cost" and "a classmethod" in kept["C.three"][1] and "over 1" in kept["C.three"][1], kept


def test_a_loop_in_an_except_clause_counts() -> None:
    """An except clause's reads do not count (catching costs far more), but a loop there
    may be the common path (a cache miss): a read in it keeps the site a call (R21b 2)."""
    files = {
        "pkg/__init__.py": "",
        "pkg/xlib.py": '''
            CACHE = {}
            SCALE = 3

            async def cached(key):
                try:
                    return CACHE[key]
                except KeyError:
                    value = 0
                    for i in range(key):
                        value += i * SCALE
                    return value

            async def checked(key):
                try:
                    return CACHE[key]
                except KeyError:
                    return key * SCALE
        ''',
        "pkg/app.py": '''
            from pkg import xlib

            async def main():
                return [await xlib.cached(5), await xlib.checked(5)]
        ''',
    }
    results = assert_same_package_behaviour(files, inlined={"pkg.xlib.checked"})
    kept = {s.callee: (s.code, s.reason) for s in results["pkg/app.py"].report.skipped}
    assert kept["xlib.cached"][0] == "namespace-cost" and "in a loop" in kept["xlib.cached"][1], kept


def test_a_raise_in_a_loop_does_not_make_its_reads_repeat() -> None:
    """A raise leaves the loop: its reads run once at most, and cost far less than it."""
    files = {
        "pkg/__init__.py": "",
        "pkg/xlib.py": '''
            async def first_positive(xs):
                for x in xs:
                    if x < 0:
                        raise ValueError(f"negative: {x}")
                    if x:
                        return x
                return 0
        ''',
        "pkg/app.py": '''
            from pkg import xlib

            async def main():
                out = [await xlib.first_positive([0, 2])]
                try:
                    await xlib.first_positive([-1])
                except ValueError as exc:
                    out.append(str(exc))
                return out
        ''',
    }
    assert_same_package_behaviour(files, inlined={"pkg.xlib.first_positive"})
