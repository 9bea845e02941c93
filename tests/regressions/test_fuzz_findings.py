"""Programs the differential fuzzer found divergent, kept as regression tests.

Each was shrunk by ``async_inline fuzz`` and is checked by the fuzzer's own oracle:
original and rewritten must print, return and raise the same.
"""

from __future__ import annotations

from async_inline import Options, rewrite_source
from async_inline.fuzz.oracle import compare, run_program

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


DEEP_BLOCKS = '''\
import runtime
from runtime import async_method, yield_


class CM:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


@async_method
async def f2(a):
    for i in range(1):
        with CM():
            try:
                while a < 3:
                    a += 1
                    if a == 2:
                        with CM():
                            try:
                                for j in range(1):
                                    with CM():
                                        try:
                                            for k in range(1):
                                                with CM():
                                                    await yield_()
                                        finally:
                                            pass
                            finally:
                                print("f2", a)
            finally:
                pass
    return a


@async_method
async def f1(a):
    for i in range(1):
        with CM():
            try:
                if a >= 0:
                    with CM():
                        try:
                            return await f2(a) + 1
                        finally:
                            print("f1", a)
            finally:
                pass
    return -1


@async_method
async def main():
    for i in range(1):
        with CM():
            try:
                if i == 0:
                    with CM():
                        return await f1(0)
            finally:
                pass
    return None
'''


def test_fuzz_seed_2023_runtime_nesting_stays_under_the_compiler_limit():
    """Seed 2023 (runtime): deep inlining produced more than 20 statically nested blocks,
    which CPython refuses to compile. Sites that would exceed it are now kept as calls
    (this program, written after the finding, needs all of them to pass the limit)."""
    result = rewrite_source(DEEP_BLOCKS, options=Options(stress_seed=None))
    assert [code for callee, code in result.report.kept() if callee == "f2"] == ["nesting", "nesting"]
    assert [d.callee for d in result.report.inlined] == ["f1"]
    assert run_program(DEEP_BLOCKS, runtime_async=True, name="deep").result == "4"
    verdict = compare(DEEP_BLOCKS, runtime_async=True, options=Options(stress_seed=None))
    assert verdict.kind is None, verdict.detail


WHILE_ELSE_RETURN = '''\
import contextvars

from runtime import AsyncLocal

cv = contextvars.ContextVar("cv", default=0)
al = AsyncLocal(0)


async def f3(p, /, a, b, d=8, *, depth=0):
    return [8, {b: d}.get(-1)][cv.get()]


async def f0(a, b):
    while al.value >= await f3(b, a=7, b=7):
        pass
    else:
        return a
    return (not 2)


async def main():
    try:
        print(await f0(a=cv.get(), b=6))
    except Exception as error:
        pass
'''


def test_fuzz_seed_104835_runtime_return_in_while_else():
    """Long campaign seed 104835 (runtime, no guards): f0 inlined into main, f3 inlined
    into f0's while condition in statement form; the else clause's lowered `return a`
    broke out of the rewritten `while True` only, and main printed False instead of 0."""
    options = Options(stress_seed=None, guards=False)
    result = rewrite_source(WHILE_ELSE_RETURN, options=options)
    assert {d.callee for d in result.report.inlined} == {"f0", "f3"}
    assert run_program(WHILE_ELSE_RETURN, runtime_async=True, name="we").stdout == "0\n"
    verdict = compare(WHILE_ELSE_RETURN, runtime_async=True, options=options, seed=104835)
    assert verdict.kind is None, verdict.detail


THROWN_INTO_HANDLER = '''\
import asyncio


async def inner():
    loop = asyncio.get_running_loop()
    try:
        future = loop.create_future()
        loop.call_soon(future.set_exception, KeyError("thrown"))
        await future
    except KeyError:
        pass
    try:
        max()
    except TypeError:
        raise IndexError("in handler")


async def main():
    try:
        raise ValueError("outer")
    except ValueError:
        await inner()
'''


def test_fuzz_seed_300154_plain_context_after_throw_in_a_handler():
    """Long campaign seed 300154 (plain): a coroutine awaited inside an `except` block,
    resumed by `throw()` (a failed future), then raising inside a handler of its own: CPython
    gives that exception the caller's ValueError as __context__, skipping the TypeError being
    handled (gh-108668). Inlined, the chain was the correct one, so the two runs differed.
    Such sites are now kept as calls (tests/differential/test_exception_context.py)."""
    result = rewrite_source(THROWN_INTO_HANDLER, options=Options(stress_seed=None))
    assert [(s.callee, s.code) for s in result.report.skipped] == [("inner", "throw-context")]
    verdict = compare(THROWN_INTO_HANDLER, runtime_async=False, options=Options(stress_seed=None))
    assert verdict.kind is None, verdict.detail


CONSTANT_ARGUMENT_AFTER_A_CALL = '''\
import contextvars

cv = contextvars.ContextVar("cv", default=0)
i = 1


def t():
    print("t")
    return 0


async def f1(a, b, *, k=7):
    print("f1", a, b, k)
    return 0


async def f0(p, /, a, d=7, *rest):
    print([t(), i][await f1(i, a, k=d)])
    return sum({q2: await f1(a, b=d) for q2 in range(2)}.values())


async def main():
    print(await f1(1, 2, k=await f0(cv.get(), a=2, d=8)))
'''


def test_fuzz_seed_1038_plain_constant_parameter_passed_on_after_a_hoisted_operand():
    """Seed 1038 (plain, CI campaign): f0's parameter d stands for the literal 8 (planner:
    Inlining.constants), and is passed on to f1 in an argument list evaluated after a hoisted
    operand (t()); the linearizer did not know that d reads as a literal, put it in a
    temporary, and the rewrite crashed ("the plan's constants disagree with the arguments")."""
    result = rewrite_source(CONSTANT_ARGUMENT_AFTER_A_CALL, options=Options(stress_seed=None))
    assert {d.callee for d in result.report.inlined} >= {"f0", "f1"}
    verdict = compare(CONSTANT_ARGUMENT_AFTER_A_CALL, runtime_async=False, options=Options(stress_seed=None))
    assert verdict.kind is None, verdict.detail
