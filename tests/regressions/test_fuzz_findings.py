"""Programs the differential fuzzer found divergent, kept as regression tests.

Each was shrunk by ``async_inline fuzz`` and is checked by the fuzzer's own oracle:
original and rewritten must print, return and raise the same.
"""

from __future__ import annotations

from async_inline import Options
from async_inline.fuzz.generator import generate
from async_inline.fuzz.oracle import compare

UNBOUND_ARGUMENT = '''\
import contextvars

cv = contextvars.ContextVar("cv", default=0)


def t(tag, value):
    return value


async def f3(a, b, *, k=2):
    pass


async def f1(a):
    try:
        v71 = (t('f1.72', a) and sum([a for c73 in range(2)]))
    finally:
        if (cv.get() - a) % 1000 <= v71:
            v90 = 1
        else:
            print('f1.91', (4 - await f3(9, 4, k=v90)) % 1000)


async def main():
    try:
        print('result', 1, await f1(8))
    except UnboundLocalError as error:
        print('error', error)
'''


def test_fuzz_seed_3004_stress_unbound_argument_still_raises():
    """Seed 3004 (plain, stress): f3's parameter k aliased the caller's unbound local
    v90 instead of reading it, so the UnboundLocalError of the call vanished. A local
    some read may find unassigned is no longer "stable": it is read where it was."""
    verdict = compare(UNBOUND_ARGUMENT, runtime_async=False, options=Options(stress_seed=3004))
    assert verdict.kind is None, verdict.detail
    assert compare(generate(3004, False), runtime_async=False, options=Options(stress_seed=3004)).kind is None


def test_fuzz_seed_2023_runtime_nesting_stays_under_the_compiler_limit():
    """Seed 2023 (runtime): deep inlining produced more than 20 statically nested blocks,
    which CPython refuses to compile. Sites that would exceed it are now kept as calls."""
    verdict = compare(generate(2023, True), runtime_async=True)
    assert verdict.kind is None, verdict.detail
