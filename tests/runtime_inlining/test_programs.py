"""Rules I1-I8: runtime-async programs rewritten by the inliner behave like the originals.

Each program of tests/runtime/programs (spec section 4 scenarios, the design note's worked
examples, I6/I7/I8 cases) is rewritten by async_inline; its reference entry then runs
with the inlined code, in real-thread and deterministic modes, and must match the
non-inlined reference: printed values, result or exception, posts per synchronization
context, continuation posts, and traces the rule checker accepts.
"""

from __future__ import annotations

import importlib
import inspect
import sys
import types

import pytest

import runtime
from async_inline import Options, rewrite_source
from tests.differential.harness import assert_same_behaviour
from tests.runtime.support import MODE_IDS, MODES, assert_same_run, run_program
from tests.runtime.test_differential import PROGRAMS


def _rewritten(name: str, options: Options | None = None):
    original = importlib.import_module(f"tests.runtime.programs.{name}")
    result = rewrite_source(inspect.getsource(original), filename=original.__file__, options=options)
    module = types.ModuleType(f"{original.__name__}_rewritten")
    module.__file__ = original.__file__
    sys.modules[module.__name__] = module
    exec(compile(result.code, module.__file__, "exec", dont_inherit=True), module.__dict__)
    return original, module, result


@pytest.mark.parametrize(("mode", "seed"), MODES, ids=MODE_IDS)
@pytest.mark.parametrize("name", PROGRAMS)
def test_rewritten_program_behaves_like_the_reference(name, mode, seed):
    _, _, normal = _rewritten(name, Options(stress_seed=None))
    runtime_sites = [d for d in normal.report.inlined if d.never_suspends is not None]
    assert runtime_sites, f"no runtime-async site inlined in {name}: {normal.report.skipped}"
    original, module, _ = _rewritten(name)  # in stress mode, a random subset of the sites
    reference = run_program(original, "reference", mode, seed)
    inlined = run_program(module, "reference", mode, seed)
    assert_same_run(reference, inlined)


@pytest.mark.decisions
def test_worked_example_frames_are_inlined_into_one_physical_frame():
    """In the rewritten AsyncLocal chain, Bar and Baz run as inlined frames of Foo."""
    _, module, _ = _rewritten("async_local_chain")
    out = run_program(module, "reference", "deterministic", None)
    enters = [e.frame for e in out.trace.events if e.kind == "enter"]
    assert [f.inline for f in enters[:3]] == [False, True, True]


@pytest.mark.decisions
def test_never_suspending_callee_gets_only_the_synchronous_exit():
    """I6: no awaited protocol call for a callee that cannot suspend; the report marks it."""
    _, _, result = _rewritten("never_suspending")
    assert any(d.never_suspends for d in result.report.inlined)
    assert ".leave_sync(" in result.code


ASYNC_COMPREHENSION = '''
from runtime import AsyncLocal, async_method, yield_

local = AsyncLocal("unset")


async def items():
    for i in range(2):
        await yield_()
        yield i


@async_method
async def collect():
    local.value = "collect"
    return [x async for x in items()]


@async_method
async def main():
    local.value = "main"
    r = await collect()
    print(r, local.value)
    return r
'''


def test_I6_a_callee_suspending_only_in_an_async_comprehension_gets_the_awaited_exit():
    """I6 holds only for a callee that cannot suspend: an async comprehension suspends at
    each ``__anext__``. Before, it was taken for never-suspending, and the inlined exit
    (``leave_sync``) raised "I6 violated" after the suspension."""
    result = assert_same_behaviour(ASYNC_COMPREHENSION, inlined={"collect"}, runner=runtime.run)
    assert [d.never_suspends for d in result.report.inlined] == [False]


CONFIGURE_FLAG = '''
import runtime
from runtime import async_method, configure_await, yield_

settings = {}


class Ambiguous:
    """Like a numpy array of several elements: its truth value is an error."""

    def __bool__(self):
        raise ValueError("truth value is ambiguous")


class Counted:
    def __bool__(self):
        print("bool called")
        return False


@async_method
async def callee(tag):
    print("callee body ran", tag)
    await yield_()
    return tag


@async_method
async def main():
    print(await configure_await(callee("literal"), False))
    print(await configure_await(callee("counted"), Counted()))
    try:
        print(await configure_await(callee("ambiguous"), Ambiguous()))
    except ValueError as e:
        print("caught", e)
    try:
        print(await configure_await(callee("missing"), settings["capture"]))
    except KeyError as e:
        print("missing setting", e)
    return "done"
'''


def test_I7_a_configure_await_flag_other_than_a_literal_keeps_the_call():
    """I7: ``configure_await`` evaluates its flag after the call and tests its truth once,
    before the callee's body runs; an error there leaves the coroutine never awaited (a
    RuntimeWarning). Before, the inlined frame tested the flag's value at its exits: the
    body ran despite an ambiguous flag, ``__bool__`` ran three times, no warning. Only a
    literal flag is inlined now."""
    result = assert_same_behaviour(CONFIGURE_FLAG, runner=runtime.run)
    if Options().stress_seed is None:
        assert [d.line for d in result.report.inlined] == [30]
        assert sorted(s.code for s in result.report.skipped if s.callee == "callee") == ["configure-await"] * 3


@pytest.mark.decisions
def test_I7_configure_await_that_may_be_another_function_is_no_I7_site():
    """A name that may be bound to something else than ``runtime.configure_await`` is
    not read as I7: the await stays a call of that name."""
    source = '''
import os
from runtime import async_method, configure_await

if os.environ.get("NO_CONFIGURE"):
    def configure_await(coro, flag):
        return coro


@async_method
async def callee():
    return 1


@async_method
async def main():
    return await configure_await(callee(), False)
'''
    result = rewrite_source(source, filename="<test>", options=Options(stress_seed=None))
    assert not result.report.inlined


CONFIGURE_AWAIT_PATCHED = '''
from unittest import mock
import runtime
from runtime import async_method, configure_await, yield_, SynchronizationContext, QueueContext, ThreadPool

ui = QueueContext("ui")
calls = []


def where():
    w = runtime.running_on()
    return "pool" if w is ThreadPool else getattr(w, "name", None)


def keep_context(awaitable, flag):  # a double recording the flag and ignoring it
    calls.append(flag)
    return awaitable


@async_method
async def callee():
    SynchronizationContext.set_current(None)
    await yield_()
    return 1


async def main():
    SynchronizationContext.set_current(ui)
    await yield_()
    for i in range(2):
        r = await configure_await(callee(), False)
        print("after", i, r, where(), calls)
        SynchronizationContext.set_current(ui)
        await yield_()
    with mock.patch(f"{__name__}.configure_await", keep_context):
        r = await configure_await(callee(), False)
    print("after patch", r, where(), calls)
    SynchronizationContext.set_current(ui)
    await yield_()
    with mock.patch("runtime.configure_await", keep_context):
        r = await runtime.configure_await(callee(), False)
    print("after runtime patch", r, where(), calls)
    return ui.posts
'''


def _run_deterministic(coro):
    with runtime.deterministic():
        return runtime.run(coro)


@pytest.mark.parametrize("options", [Options(), Options(assume=frozenset({"no-rebinding"}))], ids=["default", "no-rebinding"])
def test_I7_a_patched_configure_await_is_called(options):
    """I7, review R22a F1: the guard tested only the callee, so the inlined exits stood for
    a ``configure_await`` that ``mock.patch`` had replaced (at the name the module imported,
    or on ``runtime``): the double was never called and the caller went on in the pool
    where the original went on in ``ui``. The guard now also tests ``configure_await``, and
    so does a site of ``no-rebinding``, which promises the callee only (review R23a F4)."""
    result = assert_same_behaviour(CONFIGURE_AWAIT_PATCHED, options=options, runner=_run_deterministic)
    if Options().stress_seed is None:
        assert "configure_await is _ai_configure_await" in result.code, result.code


CONFIGURE_AWAIT_READ_FIRST = '''
import runtime
from runtime import async_method, yield_, SynchronizationContext, QueueContext, ThreadPool

ui = QueueContext("ui")


def where():
    w = runtime.running_on()
    return "pool" if w is ThreadPool else getattr(w, "name", None)


def keep_context(awaitable, flag):  # a double ignoring the flag
    print("double called")
    return awaitable


class Conn:
    def __init__(self, dsn):
        self.dsn = dsn

    @async_method
    async def fetch(self):
        await yield_()
        return "row"


@async_method
async def connect():
    runtime.configure_await = keep_context  # a fixture installing a double
    return "db"


class Gone:
    @async_method
    async def m(self):
        await yield_()
        return 1


async def main():
    SynchronizationContext.set_current(ui)
    await yield_()
    real = runtime.configure_await
    try:
        row = await runtime.configure_await(Conn(await connect()).fetch(), False)
        print(row, where())
    finally:
        runtime.configure_await = real
    SynchronizationContext.set_current(ui)
    await yield_()
    gone = Gone()
    del runtime.configure_await, Gone.m  # which lookup fails first?
    try:
        await runtime.configure_await(gone.m(), False)
    except AttributeError as e:
        print(e)
    finally:
        runtime.configure_await = real
    return where()
'''


def test_I7_configure_await_is_read_before_the_callee_s_receiver_and_lookup():
    """I7, review R35b F1: a method site's receiver (holding an inlined await) and lookup
    were evaluated before the guard read ``configure_await``, which Python reads first:
    a double installed by the receiver's await was called with the flag, and with both
    attributes deleted the other AttributeError was raised. The name is read into a
    temporary first, and the guard and the fallback use it."""
    result = assert_same_behaviour(CONFIGURE_AWAIT_READ_FIRST, runner=_run_deterministic)
    if Options().stress_seed is None:
        assert {d.callee for d in result.report.inlined} >= {"connect", "Conn(await connect()).fetch", "gone.m"}, result.report


def _run_closing_contexts(coro):
    """``runtime.run``, then the program's queue contexts (``contexts``) are closed
    (``coro``: of a plain ``main``, whose globals are the program's)."""
    contexts = coro.cr_frame.f_globals["contexts"]
    try:
        return runtime.run(coro, timeout=10)
    finally:
        for context in contexts:
            context.close()


REGISTRATION_FAILS_IN_HANDLER = '''
import runtime
from runtime import AsyncLocal, Awaiter, SynchronizationContext, async_method

local = AsyncLocal("unset")
contexts = [runtime.QueueContext("c0"), runtime.QueueContext("c1")]


class Broken(Awaiter):
    is_completed = False

    def on_completed(self, continuation):
        raise OSError("cannot register")


@async_method
async def callee():
    local.value = "callee"
    SynchronizationContext.set_current(contexts[1])
    await Broken()


@async_method
async def body():
    SynchronizationContext.set_current(contexts[0])
    local.value = "main"
    try:
        raise KeyError("h")
    except KeyError:
        try:
            await callee()
        except OSError as e:
            print("caught", repr(e), repr(e.__context__), local.value, SynchronizationContext.current() is contexts[0])
    return local.value


async def main():
    return await body()
'''


def test_F2_a_runtime_async_callee_awaited_in_a_handler_stays_a_call():
    """gh-108668 through the runtime's driver: the awaiter's registration error is thrown
    into the callee, whose real call's wrapper handles it in its ``finally`` (F2, the
    switch back): the original's OSError has no ``__context__``, inlined it had the
    caller's KeyError. A runtime-async callee that may suspend is kept in a handler."""
    result = assert_same_behaviour(REGISTRATION_FAILS_IN_HANDLER, min_inlined=0, runner=_run_closing_contexts)
    assert [s.code for s in result.report.skipped if s.callee == "callee"] == ["throw-context"]


MAYBE_NOT_ASYNC_METHOD = '''
import os
import runtime
from runtime import AsyncLocal, async_method

loc = AsyncLocal("unset")

if not os.environ.get("ASYNC_INLINE_TEST_NEVER_SET"):
    def async_method(fn):
        """Plain coroutines unless the variable is set."""
        return fn


@async_method
async def callee():
    loc.value = "callee wrote this"
    return 1


async def other():
    return 2


@runtime.async_method
async def main():
    loc.value = "main"
    r = await callee() + await other()
    print(r, loc.value)
    return loc.value
'''


def test_F2_a_decorator_name_that_may_not_be_async_method_is_no_marker():
    """F2 (restore on exit) holds for a runtime-async callee only: when ``async_method`` may be bound to
    another function (here: one returning the plain coroutine function), the decorator
    may replace the function, so it is refused (``decorator``). Before, ``callee`` was
    inlined as runtime-async and its AsyncLocal write was undone at its exit."""
    result = assert_same_behaviour(MAYBE_NOT_ASYNC_METHOD, inlined={"other"}, runner=runtime.run)
    assert [s.code for s in result.report.skipped if s.callee == "callee"] == ["decorator"]


CLASS_DECORATOR_CHANGING_THE_KIND = '''
from runtime import AsyncLocal, async_method

loc = AsyncLocal("unset")


{decorator}
class K:
    {method_decorator}async def m(self):
        loc.value = "m wrote this"
        return 1


async def other():
    return 2


@async_method
async def main():
    loc.value = "main"
    r = await K.m(K()) + await other()
    print(r, loc.value)
    return loc.value
'''

#: A class decorator making a plain ``m`` runtime-async, and one stripping the wrapper (e.g.
#: for a synchronous test double).
CLASS_DECORATOR_ADDS_ASYNC_METHOD = CLASS_DECORATOR_CHANGING_THE_KIND.format(
    decorator='def make_runtime_async(cls):\n    cls.m = async_method(cls.__dict__["m"])\n    return cls\n\n\n@make_runtime_async',
    method_decorator="",
)
CLASS_DECORATOR_REMOVES_ASYNC_METHOD = CLASS_DECORATOR_CHANGING_THE_KIND.format(
    decorator='def plain_methods(cls):\n    cls.m = cls.__dict__["m"].__wrapped__\n    return cls\n\n\n@plain_methods',
    method_decorator="@async_method\n    ",
)


@pytest.mark.parametrize(
    "source", [CLASS_DECORATOR_ADDS_ASYNC_METHOD, CLASS_DECORATOR_REMOVES_ASYNC_METHOD], ids=["adds", "removes"]
)
def test_F2_a_method_whose_kind_a_class_decorator_changed_is_never_inlined_as_the_other(source):
    """F2 restores the AsyncLocal writes of a runtime-async frame, not of a plain
    coroutine's: the reference of an inlined body only matches the kind it was inlined
    as (``function_of(..., runtime_async=...)``). Before, ``async_method``'s wrapper and
    the plain function each stood for the other, and the guard passed."""
    assert_same_behaviour(source, inlined={"K.m", "other"}, runner=runtime.run, not_found=frozenset({"_ai_ref_K_m"}))


SNAPSHOT_HOLDS_THE_CONTEXT = '''
from runtime import AsyncLocal, async_method

resource = AsyncLocal(None)


class Connection:
    def __init__(self, name):
        self.name = name

    def __del__(self):
        print("closed", self.name)


@async_method
async def query(q):
    return f"ran {q} on {resource.value.name}"


@async_method
async def main():
    resource.value = Connection("db1")
    print(await query("select 1"))
    resource.value = None          # drop the connection: the original closes it here
    print("connection dropped")
    return "done"
'''


def test_F1_the_entry_snapshot_is_released_when_the_inlined_frame_returns():
    """F1's snapshot holds the entry execution context (the caller's AsyncLocal values);
    the original's wrapper frame drops it when the call returns, so an object only an
    AsyncLocal holds is finalised when the caller overwrites the value. Before, the
    inlined ``_aiN_frame`` kept it until its next use: "closed" came late."""
    assert_same_behaviour(SNAPSHOT_HOLDS_THE_CONTEXT, inlined={"query"}, runner=runtime.run)


CALLEE_LOCAL_WITH_A_FINALISER = '''
from runtime import AsyncLocal, async_method, yield_

loc = AsyncLocal("main")


class Res:
    def __del__(self):
        print("del sees", loc.value)


@async_method
async def inner():
    r = Res()
    loc.value = "inner"
    return 1


@async_method
async def suspending():
    r = Res()
    loc.value = "suspending"
    await yield_()
    return 2


async def main():
    print(await inner(), loc.value)
    print(await suspending(), loc.value)
    return loc.value
'''


def test_F2_a_callees_locals_are_released_before_its_frame_exit_restores_the_context():
    """The callee's coroutine returns, and so frees its locals, while its own AsyncLocal
    values are current; only then does the wrapper's exit (F2) restore the caller's. The
    inlined code released them after the exit: a finaliser saw the caller's values."""
    assert_same_behaviour(CALLEE_LOCAL_WITH_A_FINALISER, inlined={"inner", "suspending"})
    assert_same_behaviour(CALLEE_LOCAL_WITH_A_FINALISER, inlined={"inner", "suspending"}, runner=runtime.run)


def test_F1_a_runtime_async_function_whose_parameter_is_named_like_the_wrappers_variables_stays_a_call():
    """``async_method`` wraps such a function in a wrapper taking ``*args, **kwargs``, with
    no defaults: the inlined code read the defaults from it (TypeError)."""
    result = assert_same_behaviour('''
from runtime import async_method, yield_

@async_method
async def inner(a, _ai_s=5):
    await yield_()
    return a + _ai_s

@async_method
async def plain(a, b=7):
    return a + b

async def main():
    return [await inner(1), await inner(1, 2), await plain(2)]
''', inlined={"plain"}, runner=runtime.run)
    if Options().stress_seed is None:
        assert {s.callee for s in result.report.skipped} == {"inner", "yield_"}
