"""Expression form: a single-``return`` callee inlined in place, ``(EXPR if f is ref else await f(...))``."""

import re

import pytest

from async_inline import rewrite_source
from tests.differential.harness import assert_same_behaviour


def _has_no_statement_form(code: str) -> bool:
    return "while True" not in code and "finally:" not in code and "_ret" not in code


def test_single_return_callee_is_inlined_in_place():
    result = assert_same_behaviour('''
async def double(x):
    return 2 * x

async def main():
    a = 5
    print(1 + await double(a), [await double(i) for i in range(3)])
''', inlined={"double"}, min_inlined=2)
    assert _has_no_statement_form(result.code)
    assert "if double is _ai_ref_double else await double(a)" in result.code


def test_awaits_in_comprehension_bodies_and_conditions_are_inlined():
    """In place, an await keeps its place in every position: no hoisting is needed."""
    assert_same_behaviour('''
async def inc(x):
    return (print("inc", x), x + 1)[1]

async def main():
    xs = [1, 2, 3]
    print([await inc(x) for x in xs if await inc(x) > 2])
    print({x: await inc(x) for x in xs}, {await inc(x) for x in xs})
    print(xs[0] and await inc(0), xs[0] or await inc(1))
    print(await inc(1) if xs else await inc(2))
    print(f"{await inc(7)!r:>5}")
''', inlined={"inc"}, min_inlined=9)


def test_unstable_arguments_are_bound_once_in_call_order():
    assert_same_behaviour('''
def t(label, value):
    print("eval", label)
    return value

counter = [0]

async def pair(a, b):
    counter[0] += 0
    return (b, a, a)

async def main():
    print(await pair(t("a", [1]), t("b", 2)))
    x = [0]
    print(await pair(x, x.append(1)))
''', inlined={"pair"}, min_inlined=2)


def test_defaults_and_keywords_in_expression_form():
    assert_same_behaviour('''
async def f(a, b=[], *, c=1):
    return (a, b, c, id(b) == id(f.__defaults__[0]))

async def main():
    print(await f(1), await f(1, c=3), await f(a=2, b=(1,)))
''', inlined={"f"}, min_inlined=3)


def test_stop_iteration_converted_at_the_coroutine_boundary_when_unobserved():
    assert_same_behaviour('''
async def first(it):
    return next(it)

async def unguarded():
    return await first(iter([]))

async def main():
    try:
        await unguarded()
    except RuntimeError as exc:
        print("RuntimeError", exc, repr(exc.__cause__))
''', inlined={"first"})


def test_stop_iteration_observed_by_try_or_with_uses_the_statement_form():
    result = assert_same_behaviour('''
import contextlib

async def first(it):
    return next(it)

class Watch:
    def __enter__(self):
        return self
    def __exit__(self, et, ev, tb):
        print("exit sees", et.__name__ if et else None)

async def main():
    try:
        await first(iter([]))
    except StopIteration:
        print("StopIteration leaked")
    except RuntimeError as exc:
        print("RuntimeError", exc)
    try:
        with Watch():
            await first(iter([]))
    except RuntimeError:
        print("converted")
''', inlined={"first"}, min_inlined=2)
    assert len(re.findall(r"except _ai_StopIteration\w* as", result.code)) == 2


def test_stop_iteration_conversion_holds_when_the_caller_binds_the_exception_names():
    """The PEP 479 handler reaches StopIteration and RuntimeError by aliases: a caller whose
    parameters are called so must not change which exception is caught or raised."""
    result = assert_same_behaviour('''
async def first(it):
    return next(it)

async def main(StopIteration=ValueError, RuntimeError=KeyError):
    try:
        await first(iter([]))
    except BaseException as exc:
        print(type(exc).__name__, exc)
''', inlined={"first"})
    assert "except StopIteration" not in result.code


def test_async_generator_caller_converts_inlined_stop_iteration_itself():
    result = assert_same_behaviour('''
async def first(it):
    return next(it)

async def agen():
    yield await first(iter([1]))
    yield await first(iter([]))

async def main():
    try:
        async for x in agen():
            print(x)
    except RuntimeError as exc:
        print("RuntimeError", exc)
''', inlined={"first"}, min_inlined=2)
    assert re.search(r"except _ai_StopIteration\w* as", result.code)


@pytest.mark.decisions
def test_generator_expression_around_the_site_is_left_alone():
    result = rewrite_source('''
async def inc(x):
    return x + 1

async def main():
    return [y async for y in (await inc(x) for x in range(3))]
''')
    assert [s.code for s in result.report.skipped] == ["position"]


def test_nested_expression_callees_and_a_statement_callee_inside_one():
    result = assert_same_behaviour('''
async def leaf(x):
    return x * 3

async def mid(x):
    return await leaf(x) - 1

async def statements(x):
    y = x + 1
    return y

async def top(x):
    return await mid(x) + await statements(x)

async def main():
    print(await top(2), await mid(1))
''', inlined={"leaf", "mid", "statements", "top"})
    assert max(result.report.inlined_depths()) == 3


def test_rebinding_falls_back_to_the_call_in_expression_form():
    assert_same_behaviour('''
async def f(x):
    return x

async def other(x):
    return -x

async def main():
    print(await f(1))
    globals()["f"] = other
    print(await f(1))
''', inlined={"f"}, min_inlined=2)


def test_the_arguments_bound_in_an_expression_form_site_are_released_after_its_statement():
    """A call's frame releases its arguments when it returns; the ``:=`` temporaries of an
    expression-form site held them until the statement ran again or the caller ended (a
    review, 2026-12-06: ``del R 0`` came after the next statement)."""
    assert_same_behaviour('''
class R:
    def __init__(self, i):
        self.i = i

    def __del__(self):
        print("del R", self.i)

async def name(o):
    return type(o).__name__

async def main():
    for i in range(2):
        n = "x" + await name(R(i))
        print("after statement", n, i)
    print("end")
''', inlined={"name"})


_DEFAULTS_FROM_THE_TUPLE = {
    "pasted_and_read_from_the_tuple": '''
async def get(key, default=None, scale=2, box=[]):
    return (key * scale if key else default, box is get.__defaults__[2])

async def main():
    return [await get(i) for i in range(3)], await get(4, 5), await get(1, box=[1])
''',
    "replaced_at_run_time_then_restored": '''
async def get(key, default=None, scale=2):
    return key, default, scale

async def main():
    out = [await get(1)]
    saved = get.__defaults__
    get.__defaults__ = ("d", 3)
    out.append(await get(2))
    get.__defaults__ = (4,)
    out.append(await get(3, "own"))
    get.__defaults__ = None
    try:
        await get(4)
    except TypeError as e:
        out.append(str(e))
    get.__defaults__ = saved
    out.append(await get(5))
    return out
''',
    "replaced_by_an_argument_evaluated_before_the_call": '''
async def get(key, scale=2):
    return key * scale

def replacing(v):
    get.__defaults__ = (10,)
    return v

async def main():
    return await get(replacing(3)), await get(1)
''',
    "arguments_released_where_the_call_is_made_instead": '''
class R:
    def __init__(self, i):
        self.i = i

    def __del__(self):
        print("del R", self.i)

async def name(o, suffix=None):
    return type(o).__name__ + str(suffix)

async def main():
    for i in range(2):
        print("got", await name(R(i)))
        name.__defaults__ = ("!",)
    print("end")
''',
}


@pytest.mark.parametrize("source", _DEFAULTS_FROM_THE_TUPLE.values(), ids=_DEFAULTS_FROM_THE_TUPLE.keys())
def test_expression_form_defaults_come_from_the_tuple_the_module_found(source):
    """An expression-form site reading positional defaults tests once, after its
    arguments, that the function holds the tuple its ``def`` made; then ``None``, bools and
    small ints are pasted as their literals and the others read from that tuple, and where
    the test fails the site makes the call itself with the evaluated arguments."""
    result = assert_same_behaviour(source)
    assert "__defaults__ is _ai_defs_" in result.code
    assert "_ai_len" not in result.code  # no length test of a tuple read at call time


def test_a_default_of_the_tuple_is_bound_once_when_the_call_binds_it():
    """Review R9 f2: the expression form read a default that is not pasted as
    ``_ai_defs_f[i]`` at each use; a module run again in its namespace (``importlib.reload``
    of the same source) while a caller was suspended between two uses rebinds that name to
    the new ``def``'s tuple, and the body saw the new default object. It is bound once,
    after the test, as the call binds it."""
    from tests.differential.package_harness import assert_same_package_behaviour

    assert_same_package_behaviour({
        "pkg/__init__.py": "",
        "pkg/app.py": '''
import asyncio, importlib, sys

async def get(key, box=[]):
    return (box.append(key), await asyncio.sleep(0), box)[2]

async def reloader():
    importlib.reload(sys.modules[__name__])

async def main():
    task = asyncio.ensure_future(reloader())
    out = [await get(i) for i in range(2)]
    await task
    return out
''',
    }, inlined={"pkg.app.get"})
