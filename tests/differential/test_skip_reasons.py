"""Each reason to keep a call is reported, and the program still behaves the same."""

import pytest

from async_inline import Options
from tests.differential.harness import assert_same_behaviour

CASES = {
    "generator": '''
async def f():
    yield 1
async def main():
    try:
        await f()
    except TypeError as exc:
        print("TypeError", exc)
    print(await other())
''',
    "decorator": '''
import functools
def deco(fn):
    @functools.wraps(fn)
    async def wrapper(*a):
        print("decorated")
        return await fn(*a)
    return wrapper
@deco
async def f():
    return 1
async def main():
    print(await f(), await other())
''',
    "frame-introspection": '''
import sys
async def f():
    return sys._getframe().f_code.co_name
async def main():
    print(await f(), await other())
''',
    "super": '''
async def g():
    return __class__
async def main():
    try:
        await g()
    except NameError as exc:
        print("NameError", exc)
    print(await other())
''',
    "nested-scope": '''
async def f():
    def inner():
        return 1
    return inner.__qualname__
async def main():
    print(await f(), await other())
''',
    "closure": '''
async def f(x):
    return lambda: x
async def main():
    fs = [await f(i) for i in range(3)]
    g = await f(5)
    print(g(), await other())
''',
    "noinline": '''
import runtime
@runtime.noinline
async def f():
    return 1
async def main():
    print(await f(), await other())
''',
    "size": '''
async def f():
    a = 1
    b = 2
    c = 3
    return a + b + c
async def main():
    print(await f(), await other())
''',
    "rebound": '''
async def f():
    return 1
async def f():
    return 2
async def main():
    print(await f(), await other())
''',
    "unresolved": '''
import asyncio
async def main():
    await asyncio.sleep(0)
    print(await other())
''',
    "maybe-unassigned": '''
async def f(flag):
    if flag:
        value = 1
    return value
async def main():
    value = "caller's"
    print(await f(True), value, await other())
''',
}

OTHER = '''
async def other():
    return "other"
'''


@pytest.mark.parametrize("code", sorted(CASES))
def test_skip_reason_is_reported_and_behaviour_kept(code):
    options = Options(max_callee_size=3) if code == "size" else None
    result = assert_same_behaviour(CASES[code] + OTHER, options=options, inlined={"other"})
    codes = {s.code for s in result.report.skipped}
    assert code in codes, result.report.skipped
    for skipped in result.report.skipped:
        assert skipped.reason and skipped.line > 0


def test_inline_marker_overrides_the_size_limit():
    assert_same_behaviour('''
import runtime
@runtime.inline
async def big():
    a = 1
    b = 2
    return a + b
async def main():
    return await big()
''', options=Options(max_callee_size=1), inlined={"big"})


@pytest.mark.decisions
def test_super_and_class_cell_are_refused():
    from async_inline import rewrite_source

    result = rewrite_source('''
async def f():
    return __class__
async def g():
    return super().x
class C:
    async def m(self):
        await f()
        await g()
''')
    assert [s.code for s in result.report.skipped] == ["super", "super"]


def test_growth_budget_holds_for_the_sites_of_one_statement():
    """Review R13 d2: the sites of one statement were all checked against the growth from
    before any of them was planned: with a budget of 3, four copies of a 3-statement
    callee in one list display (a recursive fibonacci: twice the budget)."""
    source = '''
async def leaf(x):
    a = x + 1
    b = a * 2
    return b

async def wide(x):
    return [await leaf(1), await leaf(2), await leaf(3), await leaf(4)]

async def fib(n):
    if n < 2:
        return n
    return await fib(n - 1) + await fib(n - 2)

async def main():
    return await wide(1), await fib(6)
'''
    result = assert_same_behaviour(source, options=Options(stress_seed=None, max_caller_growth=3, recursion_unroll=3))
    assert result.report is not None
    in_wide = [d for d in result.report.inlined if d.caller == "wide"]
    assert len(in_wide) == 1
    assert sum(d.callee == "fib" and d.caller == "fib" for d in result.report.inlined) <= 1
    assert any(d.caller == "wide" and d.code == "budget" for d in result.report.skipped)


_LEFT_AS_WRITTEN = {
    "for_target": '''
    a = [0, 0]
    for a[await k(1)] in range(2):
        pass
    return a, await other()
''',
    "async_for_target": '''
    a = [0, 0]
    async for a[await k(1)] in agen():
        pass
    return a, await other()
''',
    "case_guard": '''
    out = []
    for subject in (0, 2):
        match subject:
            case n if await k(n):
                out.append(n)
    return out, await other()
''',
}


@pytest.mark.parametrize("body", _LEFT_AS_WRITTEN.values(), ids=_LEFT_AS_WRITTEN.keys())
def test_an_await_in_a_header_part_left_as_written_is_reported_as_a_call(body):
    """Review R14 l1: a ``for`` target or a ``case`` guard is emitted as written, so a
    one-line callee there was reported inlined (with a reference made for nothing) while
    the code kept the call. The report and the code must agree."""
    result = assert_same_behaviour(
        "async def k(v):\n    return v > 1\n\nasync def agen():\n    yield 1\n" + OTHER + "\nasync def main():" + body, inlined={"other"}
    )
    assert "k" not in {d.callee for d in result.report.inlined}, result.report
    assert any(s.callee == "k" and s.code == "position" for s in result.report.skipped), result.report
    assert "_ai_ref_k" not in result.code
