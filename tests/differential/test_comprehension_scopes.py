"""Comprehensions of a callee placed beside its caller's (PEP 709 compiles list, set and dict
comprehensions into the function around them). CPython resolves a name wrongly where one such
comprehension binds it and another reads it from outside the function (gh-118513: a global,
3.12.0-3.12.3; gh-156664: a free variable, 3.12 and later): the read raises UnboundLocalError.
Inlining could make such a pair (the rewritten program raised where the original did not, on
3.12 and 3.13) or undo one (a read outside comprehensions keeps the name global): such a site
stays a call, reported ``unsupported``."""

from __future__ import annotations

import pytest

from async_inline import rewrite_source
from tests.differential.harness import assert_same_behaviour

_PAIRS = {
    "callee_binds_a_name_a_callers_comprehension_reads_as_free": '''
async def helper(xs):
    return [x for x in xs]

def outer():
    x = 3
    async def caller():
        a = await helper([1])
        return a, [x for _ in [1]]
    return caller

async def main():
    return await outer()()
''',
    "callee_reads_a_global_a_callers_comprehension_binds": '''
G = 5

async def helper():
    return [G for _ in range(2)]

async def caller():
    s = {1 for G in range(2)}
    return await helper(), s

async def main():
    return await caller()
''',
    "callee_holds_a_pair_that_the_callers_own_read_would_undo": '''
G = 0

async def helper():
    s = len({1 for G in range(2)})
    return [G for al in range(2)]

async def caller():
    try:
        r = await helper()
    except Exception as e:
        r = type(e).__name__
    return r, G

async def main():
    return await caller()
''',
}


@pytest.mark.decisions
@pytest.mark.parametrize("source", _PAIRS.values(), ids=_PAIRS.keys())
def test_a_site_that_would_make_or_undo_a_pair_of_comprehensions_stays_a_call(source):
    """Fuzz seed 16101715 (3.12.1) for the last case; the first two miscompiled on 3.12 and
    the first on 3.13 too."""
    assert_same_behaviour(source, min_inlined=0)
    skipped = {s.callee: s.code for s in rewrite_source(source).report.skipped}
    assert skipped.get("helper") == "unsupported"


@pytest.mark.decisions
def test_comprehensions_sharing_no_name_are_inlined():
    assert_same_behaviour('''
G = 0

async def helper(xs):
    return [x * 2 for x in xs], (x for x in xs)

async def caller():
    return await helper([1, 2]), [G for _ in range(2)], [x for x in "ab"]

async def main():
    r = await caller()
    return r[0][0], list(r[0][1]), r[1:]
''', inlined={"helper", "caller"})
