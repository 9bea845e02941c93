"""Exception chains (``__context__``) when the callee is awaited inside an exception handler.

CPython bug gh-108668: a coroutine resumed by ``throw()`` (an awaited future that failed)
that then raises while handling an exception of its own gives the new exception the
exception its awaiting frame handles as ``__context__``, skipping the one it handles
itself. Inlined, the chain would be the correct one: observably different. Such sites are
kept as calls (code ``throw-context``); the others in handlers are still inlined.
"""

from __future__ import annotations

import sys

import pytest

from async_inline import RewriteResult
from tests.differential.harness import assert_same_behaviour, run_source

PRELUDE = '''
import asyncio

def failed_soon():
    """A future that fails after a suspension: the awaiting coroutine gets throw()."""
    future = asyncio.get_running_loop().create_future()
    asyncio.get_running_loop().call_soon(future.set_exception, KeyError("thrown"))
    return future

async def handles_after_throw():
    try:
        await failed_soon()
    except KeyError:
        print("caught thrown")
    try:
        max()
    except TypeError:
        raise IndexError("in handler")

async def other():
    return "other"
'''


def skipped_codes(result: RewriteResult) -> dict[str, str]:
    """Why each callee was kept, where it stands or in a copy inside another function."""
    codes = {d.callee: code for d in result.report.inlined for _, code in d.other_copies}
    return codes | {s.callee: s.code for s in result.report.skipped}


CALLER_IN_EXCEPT = PRELUDE + '''
async def main():
    print(await other())
    try:
        raise ValueError("outer")
    except ValueError:
        await handles_after_throw()
'''

CALLER_IN_FINALLY = PRELUDE + '''
async def main():
    print(await other())
    try:
        raise ValueError("outer")
    finally:
        await handles_after_throw()
'''

# The handler is in an inlined frame: its code lands in main's except block.
HANDLER_OF_INLINED_FRAME = PRELUDE + '''
async def middle():
    try:
        raise ValueError("outer")
    except ValueError:
        await handles_after_throw()

async def main():
    print(await other())
    await middle()
'''

# middle has no handler of its own, but is inlined into main's except block: the site in
# middle is then inside a handler too.
INLINED_INTO_A_HANDLER = PRELUDE + '''
async def middle():
    print("middle")
    await handles_after_throw()

async def main():
    print(await other())
    try:
        raise ValueError("outer")
    except ValueError:
        await middle()
'''


@pytest.mark.parametrize(
    "source",
    [CALLER_IN_EXCEPT, CALLER_IN_FINALLY, HANDLER_OF_INLINED_FRAME, INLINED_INTO_A_HANDLER],
    ids=["except", "finally", "handler-of-inlined-frame", "inlined-into-a-handler"],
)
def test_callee_resumed_by_throw_in_a_handler_keeps_its_exception_chain(source):
    """The gh-108668 site stays a call, and the chain is the same (IndexError <- ValueError).
    (``middle``, inlined into a handler, awaits a coroutine: since review R20b it stays a
    call itself.)"""
    result = assert_same_behaviour(source, inlined={"other"})
    codes = skipped_codes(result)
    assert codes.get("handles_after_throw") == "throw-context" or codes.get("middle") == "throw-context"


def test_the_chain_this_guards_is_the_one_cpython_gives():
    """If CPython fixes gh-108668, the original's chain changes and this refusal can go."""
    outcome = run_source(CALLER_IN_EXCEPT)
    assert outcome.error[:2] == ("IndexError", "in handler")
    assert outcome.error[3][:2] == ("ValueError", "outer")


def test_sites_in_handlers_are_inlined_when_the_callee_has_no_handler_or_no_await():
    source = PRELUDE + '''
async def no_handler(x):
    await asyncio.sleep(0)
    return x + 1

async def no_await(x):
    try:
        return 1 // x
    except ZeroDivisionError:
        raise IndexError("in handler")

async def main():
    try:
        raise ValueError("outer")
    except ValueError:
        print(await no_handler(1))
        try:
            await no_await(0)
        except IndexError as exc:
            print("context", repr(exc.__context__))
    await handles_after_throw()
'''
    result = assert_same_behaviour(source, inlined={"no_handler", "no_await", "handles_after_throw"})
    assert "throw-context" not in skipped_codes(result).values()


def test_a_callee_suspending_only_in_an_async_comprehension_may_be_resumed_by_throw():
    """The callee's only suspension is an async comprehension: it may suspend all the same
    (``may_suspend``, rule I6's test), so the gh-108668 refusal applies. Before, the
    comprehension was not seen, the site was inlined and the chain changed."""
    source = PRELUDE + '''
async def failing_items():
    await failed_soon()
    yield 1

async def handles_after_comprehension():
    try:
        print([x async for x in failing_items()])
    except KeyError:
        print("caught thrown")
    try:
        max()
    except TypeError:
        raise IndexError("in handler")

async def main():
    print(await other())
    try:
        raise ValueError("outer")
    except ValueError:
        await handles_after_comprehension()
'''
    result = assert_same_behaviour(source, inlined={"other"})
    assert skipped_codes(result).get("handles_after_comprehension") == "throw-context"


RUNTIME_FRAME_IN_HANDLER = '''
import runtime
from runtime import SynchronizationContext, async_method, yield_

q = runtime.QueueContext("q")


@async_method
async def callee():
    SynchronizationContext.set_current(None)
    await yield_()
    raise ValueError("body")


async def main():
    SynchronizationContext.set_current(q)
    try:
        raise KeyError("handled by main")
    except KeyError:
        try:
            await callee()
        except BaseException as e:
            print(type(e).__name__, "| context:", repr(e.__context__), "| its context:", repr(e.__context__.__context__))
    return "done"
'''


def test_a_runtime_async_callee_in_a_handler_has_the_finally_of_its_wrapper():
    """gh-108668 with F2/A4: a runtime-async callee without handlers of its own still
    raises in one, its wrapper's ``finally`` (here: the switch back to the caller's
    synchronization context fails under asyncio, while ValueError is handled), so the
    site stays a call. Before, it was inlined and the chain went through ValueError."""
    result = assert_same_behaviour(RUNTIME_FRAME_IN_HANDLER, min_inlined=0)
    assert skipped_codes(result).get("callee") == "throw-context"


_RERAISING = '''
async def log_and_reraise():
    print("logging")
    raise

async def middle():
    await log_and_reraise()

async def other():
    return 1

async def main():
    try:
        try:
            raise ExceptionGroup("g", [ValueError(1), TypeError(2)])
        except* ValueError:
            await other()
            await AWAITED()
    except ExceptionGroup as eg:
        return repr(eg), [repr(e) for e in eg.exceptions]
'''


@pytest.mark.skipif(sys.version_info < (3, 11), reason="except* is Python 3.11 syntax")
@pytest.mark.parametrize("awaited", ["log_and_reraise", "middle"], ids=["in_the_clause", "in_a_callee_inlined_there"])
def test_a_bare_raise_awaited_in_an_except_star_clause_stays_a_new_exception(awaited):
    """``except*`` counts what leaves its clause as a re-raise of the split group when the
    traceback gained no entry: so a bare ``raise`` in the clause itself, not one in a callee
    (the original nests it in a new group). Such callees stay calls at any depth (R14)."""
    result = assert_same_behaviour(_RERAISING.replace("AWAITED", awaited), inlined={"other"})
    in_main = {d.callee for d in result.report.inlined if d.caller == "main"}
    assert "log_and_reraise" not in in_main, result.report
    # ``middle`` awaits a coroutine: in a handler it stays a call itself (R20b 1).
    assert awaited == "log_and_reraise" or skipped_codes(result).get("middle") == "throw-context", result.report


#: A coroutine, kept a call, that catches what throw() delivers and returns.
_FETCH_OR_DEFAULT = '''
@runtime.noinline
async def fetch_or_default():
    try:
        return await failed_soon()
    except KeyError:
        return "default"
'''

SWALLOWED_BELOW = {
    # The exception leaving the callee: its __context__ is overwritten with the caller's.
    "context-after-a-swallowed-throw": '''
async def fetch_or_default():
    try:
        return await failed_soon()
    except KeyError:
        return None

def parse(item):
    try:
        return int(item)
    except TypeError:
        raise ValueError(f"bad item {item!r}")

async def next_value():
    return parse(await fetch_or_default())

async def main():
    try:
        raise LookupError("outer")
    except LookupError:
        try:
            await next_value()
        except ValueError as exc:
            return repr(exc), repr(exc.__context__)
''',
    # A bare raise and sys.exc_info() in the callee see no handled exception.
    "bare-raise-after-a-swallowed-throw": '''
import sys
import runtime
FETCH_OR_DEFAULT
async def log_and_reraise():
    value = await fetch_or_default()
    print("handling", repr(sys.exc_info()[1]), value)
    raise

async def main():
    try:
        raise ValueError("outer")
    except ValueError:
        await log_and_reraise()
''',
    "exc-info-in-a-finally-block": '''
import sys
import runtime
FETCH_OR_DEFAULT
async def report():
    value = await fetch_or_default()
    return repr(sys.exc_info()[1]), value

async def main():
    try:
        raise ValueError("outer")
    finally:
        print(await report())
''',
}


@pytest.mark.parametrize("source", SWALLOWED_BELOW.values(), ids=SWALLOWED_BELOW.keys())
def test_a_callee_resumed_after_a_coroutine_below_swallowed_a_throw_stays_a_call(source):
    """Review R20b 1: gh-108668 also shows in a callee without a handler of its own. A
    coroutine it awaits (kept a call) catches the exception ``throw()`` delivers (a
    timeout, a cancellation, a failed future) and returns: the callee then runs without
    the caller's handled exception in its state, and an exception leaving it gets that
    one as ``__context__``. Inlined, it would run in the caller's frame, handling it."""
    result = assert_same_behaviour(PRELUDE + source.replace("FETCH_OR_DEFAULT", _FETCH_OR_DEFAULT), min_inlined=0)
    assert "throw-context" in skipped_codes(result).values()
