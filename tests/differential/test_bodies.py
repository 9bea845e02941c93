"""Callee bodies: returns anywhere, loops, exceptions, context managers, nested awaits."""

import pytest

from tests.differential.harness import assert_same_behaviour


def test_returns_in_branches_loops_and_loop_else():
    assert_same_behaviour('''
async def classify(xs, target):
    for i, x in enumerate(xs):
        if x == target:
            return ("found", i)
        while x > 100:
            x -= 100
            if x == target:
                return ("wrapped", i)
        else:
            if x < 0:
                return ("negative", i)
    else:
        if not xs:
            return "empty"
    return None

async def main():
    for xs, target in ([[1, 2, 3], 2], [[305], 5], [[4, -1], 9], [[], 1], [[7], 8]):
        print(await classify(xs, target))
''', inlined={"classify"})


def test_return_in_try_except_else_finally():
    assert_same_behaviour('''
async def f(mode):
    try:
        if mode == "raise":
            raise KeyError("k")
        if mode == "early":
            return "from try"
    except KeyError as exc:
        return f"from except {exc!r}"
    else:
        print("else runs")
        if mode == "else":
            return "from else"
    finally:
        print("finally", mode)
        if mode == "override":
            return "from finally"
    return "after"

async def g():
    try:
        raise ValueError("swallowed")
    finally:
        return "finally wins"

async def main():
    for mode in ("raise", "early", "else", "override", "plain"):
        print(await f(mode))
    print(await g())
''', inlined={"f", "g"})


def test_with_and_async_with_exit_on_return_and_exception():
    assert_same_behaviour('''
class CM:
    def __init__(self, name, suppress=False):
        self.name, self.suppress = name, suppress
    def __enter__(self):
        print("enter", self.name)
        return self
    def __exit__(self, et, ev, tb):
        print("exit", self.name, et.__name__ if et else None)
        return self.suppress

class ACM(CM):
    async def __aenter__(self):
        return self.__enter__()
    async def __aexit__(self, *exc):
        return self.__exit__(*exc)

async def f(mode):
    with CM("outer"):
        async with ACM("inner", suppress=(mode == "suppress")):
            if mode == "return":
                return "returned"
            raise RuntimeError(mode)
        return "after suppression"

async def main():
    for mode in ("return", "suppress", "raise"):
        try:
            print(await f(mode))
        except RuntimeError as exc:
            print("raised", exc)
''', inlined={"f"})


def test_a_later_with_items_exit_raising_into_an_earlier_one_discards_the_return():
    """``with a, b:`` is ``with a: with b:``: b's exit raises after the return, a swallows
    it, and Python discards the value (f falls off its end: None). Inlined, f's return
    leaves by break and the end sets None; g, the same in a loop, stays a call (its done
    flag would stay set)."""
    result = assert_same_behaviour('''
from contextlib import suppress

class Raising:
    def __init__(self, fail):
        self.fail = fail
    def __enter__(self):
        return self
    def __exit__(self, *exc):
        print("exit")
        if self.fail:
            raise ValueError("exit")
    async def __aenter__(self):
        return self
    async def __aexit__(self, *exc):
        self.__exit__(*exc)

async def f(fail):
    with suppress(ValueError), Raising(fail):
        return 1

async def async_f(fail):
    async with suppress_async(), Raising(fail):
        return 1

class suppress_async:
    async def __aenter__(self):
        return self
    async def __aexit__(self, *exc):
        return True

async def g(n, fail):
    for i in range(n):
        with suppress(ValueError), Raising(fail):
            return i
    return -1

async def main():
    for fail in (False, True):
        print(await f(fail), await async_f(fail), await g(3, fail))
''', inlined={"f", "async_f"})
    assert [(s.callee, s.code) for s in result.report.skipped] == [("g", "unsupported")]


def test_async_for_break_continue_in_callee_loops():
    assert_same_behaviour('''
class Counter:
    def __init__(self, n):
        self.i, self.n = 0, n
    def __aiter__(self):
        return self
    async def __anext__(self):
        if self.i >= self.n:
            raise StopAsyncIteration
        self.i += 1
        return self.i

async def f(n):
    total = 0
    async for i in Counter(n):
        if i == 2:
            continue
        if i == 5:
            break
        total += i
    return total

async def main():
    print(await f(3), await f(10))
''', inlined={"f"})


def test_exceptions_keep_type_message_and_chaining():
    assert_same_behaviour('''
async def fail(kind):
    try:
        {}["missing"]
    except KeyError as exc:
        if kind == "from":
            raise ValueError("wrapped") from exc
        if kind == "reraise":
            raise
        raise TypeError("during handling")

async def main():
    for kind in ("from", "reraise", "context"):
        try:
            await fail(kind)
        except Exception as exc:
            print(type(exc).__name__, exc, type(exc.__cause__).__name__, type(exc.__context__).__name__)
    await fail("from")
''', inlined={"fail"}, min_inlined=2)


def test_stop_iteration_becomes_runtime_error_as_in_a_coroutine():
    """PEP 479: a StopIteration leaving a coroutine is converted at its boundary."""
    assert_same_behaviour('''
async def first(it):
    return next(it)

async def main():
    print(await first(iter([1])))
    try:
        await first(iter([]))
    except RuntimeError as exc:
        print("RuntimeError", exc, type(exc.__cause__).__name__)
    except StopIteration:
        print("StopIteration leaked")
''', inlined={"first"}, min_inlined=2)


def test_nested_awaits_inlined_three_deep():
    result = assert_same_behaviour('''
import asyncio

async def leaf(x):
    await asyncio.sleep(0)
    return x * 2

async def mid(x):
    return await leaf(x) + 1

async def top(x):
    return await mid(x) + await mid(x + 1)

async def main():
    print(await top(1))
''', inlined={"top", "mid", "leaf"})
    assert max(result.report.inlined_depths()) == 3


def test_self_recursion_is_unrolled_and_terminates():
    result = assert_same_behaviour('''
async def fact(n):
    if n <= 1:
        return 1
    return n * await fact(n - 1)

async def main():
    print(await fact(10))
''', inlined={"fact"})
    assert any(code == "recursion" for _, code in result.report.kept())


@pytest.mark.parametrize("depth", [1, 2])
def test_depth_limit_is_honoured(depth):
    from async_inline import Options

    result = assert_same_behaviour('''
async def c():
    return 1
async def b():
    return await c()
async def a():
    return await b()
async def main():
    return await a()
''', options=Options(max_depth=depth))
    assert max(result.report.inlined_depths()) == depth
    assert any(code == "depth" for _, code in result.report.kept())


def test_locals_are_released_when_the_inlined_frame_ends():
    """The coroutine frame would be freed when the await completes: so are its locals."""
    assert_same_behaviour('''
import gc
class Noisy:
    def __init__(self, name):
        self.name = name
    def __del__(self):
        print("freed", self.name)

async def use(tag):
    obj = Noisy(tag)
    return tag

async def main():
    for tag in ("a", "b"):
        print("got", await use(tag))
        print("after", tag)
''', inlined={"use"})


def test_maybe_unassigned_local_raises_unbound_local_error_each_time():
    """A local read before assignment raises as in a fresh frame, never sees an old value."""
    assert_same_behaviour('''
async def f(flag):
    if flag:
        value = "set"
    return value

async def main():
    for flag in (True, False, True):
        try:
            print(await f(flag))
        except UnboundLocalError as exc:
            print("UnboundLocalError", exc)
''', inlined={"f"})


WITH_AS_TARGET_SWALLOWED = '''
from contextlib import suppress

class Sup:
    def __init__(self, v):
        self.v = v
    def __enter__(self):
        return self.v
    def __exit__(self, *exc):
        return True

class Boom:
    def __init__(self, c):
        self.c = c
    def __enter__(self):
        if self.c:
            raise ValueError("enter")
        return 5
    def __exit__(self, *a):
        return False

async def unpack(v):
    with Sup(v) as (y, z):
        pass
    return y

async def later_item(c):
    with suppress(ValueError), Boom(c) as y:
        pass
    return y

async def f():
    print("f runs")
    return 1

async def main():
    for v in ((1, 2), 5):
        try:
            print("got", await unpack(v))
        except UnboundLocalError as e:
            print("UB", e)
    for c in (0, 1):
        try:
            print("got", await later_item(c))
        except UnboundLocalError as e:
            print("UB", e)
    with suppress(ValueError), Boom(1) as w:
        pass
    try:
        print(w, await f())
    except UnboundLocalError as e:
        print("UB", e)
'''


def test_with_as_target_whose_store_an_exit_may_swallow_is_unbound_on_every_run():
    """A ``with`` item's ``as`` target is stored inside the region its manager's exit
    covers (PEP 343), and so are the later items: a failed unpacking, or a later item's
    ``__enter__`` raising, swallowed, leaves it unassigned. The callees, inlined in a loop,
    raise UnboundLocalError on their second run (not the value the first run left); the
    caller's read of such a ``w`` stays before ``f``'s inlined body."""
    assert_same_behaviour(WITH_AS_TARGET_SWALLOWED, inlined={"unpack", "later_item", "f"})


def test_unbound_argument_raises_where_the_call_reads_it():
    """An argument that is an unbound local raises at the call, before the callee runs,
    even when the callee never reads the parameter (statement and expression form)."""
    assert_same_behaviour('''
async def ignore(x):
    print("ignore body")
    return 0

async def ignore_expr(x):
    return 0

async def main():
    for flag in (True, False):
        if flag:
            value = 1
        try:
            print(await ignore(value), await ignore_expr(value))
            print(1 + await ignore(value))
        except UnboundLocalError as exc:
            print("UnboundLocalError", exc)
        del value
''', inlined={"ignore", "ignore_expr"})


def test_a_callee_issuing_warnings_issues_the_same_ones():
    """Each ``warnings.warn`` call happens as in the original, with its category and
    message (the oracle records every warning issued). Where a warning is attributed, and
    so what the "default" action shows once per location, comes from frames: that differs
    by design (docs/user-guide.md, "What stays the same"). A review considered refusing
    such callees (2026-12-06); the deprecated-argument pattern below is why they are not:
    anyio's ``to_thread.run_sync``, 85 of its sites, carries it."""
    assert_same_behaviour('''
import warnings
async def run_sync(fn, *, abandon_on_cancel=False, cancellable=None):
    if cancellable is not None:
        abandon_on_cancel = cancellable
        warnings.warn("cancellable= is deprecated", DeprecationWarning, stacklevel=2)
    return fn(), abandon_on_cancel
async def old_api(x):
    warnings.warn(f"old_api({x}) is deprecated")
    return x + 1
async def main():
    print(await run_sync(lambda: 1), await run_sync(lambda: 2, cancellable=True))
    print(await old_api(1), await old_api(1), await old_api(2))
''', inlined={"run_sync", "old_api"})
