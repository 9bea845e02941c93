"""``close()`` of a caller suspended inside a callee (review K, finding f4).

CPython closes the awaited coroutine first, then raises GeneratorExit in the caller at its
await, whatever the callee did with it (``gen_close``): the caller's code after the await
never runs. Inlined, the callee's handler runs in the caller's frame, so a callee that
swallows GeneratorExit (``except BaseException:``, ``finally: return``,
``suppress(BaseException)``) would let the caller go on, and close() would then fail with
"coroutine ignored GeneratorExit"; one that suspends while handling it (an ``await`` in a
``finally``) would suspend the caller instead of handing it the RuntimeError of its own
failed close. Such sites are kept as calls (``generator-exit``); callees whose handlers
cannot match GeneratorExit, or re-raise it without suspending, are still inlined. CPython
calls close() on a pending coroutine that is garbage-collected (an abandoned task).
"""

from __future__ import annotations

import textwrap

import pytest

from tests.differential.harness import assert_same_behaviour
from tests.differential.package_harness import assert_same_package_behaviour
from tests.differential.test_exception_context import skipped_codes

PROGRAM = '''
import asyncio
import contextlib
import types

@types.coroutine
def pause():
    yield "paused"

class Closed(Exception):
    pass

async def other():
    return "other"

async def callee():
CALLEE

async def worker():
    try:
        r = await callee()
        print("worker continues", r)
        await pause()
        print("worker end")
    except RuntimeError as e:
        print("worker caught", e)
    finally:
        print("worker finally")

async def main():
    print(await other())
    c = worker()
    print(c.send(None))
    try:
        c.close()
        print("closed")
    except RuntimeError as e:
        print("close failed:", e)
    del c
'''


def program(callee: str) -> str:
    return PROGRAM.replace("CALLEE", textwrap.indent(textwrap.dedent(callee).strip("\n"), "    "))


SWALLOWING = {
    "except-base-exception-returns": """
        try:
            await pause()
        except BaseException as e:
            print("callee caught", type(e).__name__)
            return -1
        return 1
    """,
    "bare-except-then-awaits": """
        try:
            await pause()
        except:
            print("callee caught")
        await pause()
        return 1
    """,
    "except-generator-exit-in-a-tuple": """
        try:
            await pause()
        except (ValueError, GeneratorExit):
            return -1
        return 1
    """,
    "finally-return": """
        try:
            await pause()
        finally:
            return -1
    """,
    "suppress-base-exception": """
        with contextlib.suppress(BaseException):
            await pause()
        return -1
    """,
}


@pytest.mark.parametrize("callee", SWALLOWING.values(), ids=SWALLOWING.keys())
def test_a_callee_that_may_swallow_generator_exit_stays_a_call(callee: str) -> None:
    """The caller is closed at its await, its finally runs and close() succeeds, as in the
    original; inlined, the caller went on ("worker continues -1") and close() failed."""
    result = assert_same_behaviour(program(callee), inlined={"other"})
    assert skipped_codes(result).get("callee") == "generator-exit"


SUSPENDING = {
    "finally-awaits": """
        try:
            await pause()
        finally:
            print("callee cleanup")
            await pause()
        return 1
    """,
    "reraises-after-an-await": """
        try:
            await pause()
        except BaseException:
            await pause()
            raise
        return 1
    """,
}


@pytest.mark.parametrize("callee", SUSPENDING.values(), ids=SUSPENDING.keys())
def test_a_callee_that_may_suspend_while_handling_generator_exit_stays_a_call(callee: str) -> None:
    """Suspending while closing fails the callee's own close(): the caller gets that
    RuntimeError at its await, catches it, its finally runs and close() succeeds. Inlined,
    the caller itself suspended, close() failed and the caller's handler did not run."""
    result = assert_same_behaviour(program(callee), inlined={"other"})
    assert skipped_codes(result).get("callee") == "generator-exit"


NOT_SWALLOWING = {
    "except-exception": """
        try:
            await pause()
        except Exception:
            return -1
        return 1
    """,
    "except-a-stdlib-exception-or-a-class-of-the-module": """
        try:
            await pause()
        except (asyncio.CancelledError, Closed, OSError):
            return -1
        return 1
    """,
    "reraises": """
        try:
            await pause()
        except BaseException as e:
            print("cleanup after", type(e).__name__)
            raise
        return 1
    """,
    "raises-another": """
        try:
            await pause()
        except BaseException as e:
            raise ValueError("closed") from e
        return 1
    """,
    "finally-without-return": """
        try:
            await pause()
        finally:
            print("callee finally")
        return 1
    """,
    "suppress-exception": """
        with contextlib.suppress(Exception):
            await pause()
        return -1
    """,
}


@pytest.mark.parametrize("callee", NOT_SWALLOWING.values(), ids=NOT_SWALLOWING.keys())
def test_a_callee_that_cannot_swallow_generator_exit_is_inlined(callee: str) -> None:
    assert_same_behaviour(program(callee), inlined={"other", "callee"})


def test_a_callee_of_another_module_catching_classes_of_the_program() -> None:
    """An exception class imported from another module of the program (through a
    package's re-export) is a class statement there: it cannot match GeneratorExit, and
    the callee is inlined. A name bound otherwise there (``Ignored = BaseException``)
    may: that callee stays a call."""
    files = {
        "pkg/__init__.py": "from .errors import Closed\n",
        "pkg/errors.py": """
            class Closed(Exception):
                pass

            Ignored = BaseException
        """,
        "pkg/lib.py": """
            import types
            from . import Closed
            from .errors import Ignored

            @types.coroutine
            def pause():
                yield "paused"

            async def catches_closed():
                try:
                    await pause()
                except Closed:
                    return -1
                return 1

            async def catches_ignored():
                try:
                    await pause()
                except Ignored:
                    return -1
                return 1
        """,
        "pkg/app.py": """
            from .lib import catches_closed, catches_ignored

            async def closed():
                try:
                    print("closed", await catches_closed())
                finally:
                    print("closed finally")

            async def ignored():
                try:
                    print("ignored", await catches_ignored())
                finally:
                    print("ignored finally")

            async def main():
                for make in (closed, ignored):
                    c = make()
                    print(c.send(None))
                    try:
                        c.close()
                        print("close returned")
                    except RuntimeError as e:
                        print("close failed:", e)
        """,
    }
    results = assert_same_package_behaviour(files, inlined={"pkg.lib.catches_closed"})
    codes = {s.callee: s.code for s in results["pkg/app.py"].report.skipped}
    assert codes.get("catches_ignored") == "generator-exit"


#: The same program with a runtime-async callee (its real call's wrapper, ``async_method``).
RUNTIME_ASYNC = PROGRAM.replace("import types\n", "import types\nfrom runtime import async_method\n", 1).replace(
    "async def callee():", "@async_method\nasync def callee():"
)


def test_a_runtime_async_callee_swallowing_generator_exit_stays_a_call() -> None:
    """The real call's wrapper does not change what close() does (GeneratorExit reaches
    the wrapper at its await of the body, then the caller), so the same rule holds."""
    callee = "    try:\n        await pause()\n    except BaseException:\n        return -1\n    return 1"
    result = assert_same_behaviour(RUNTIME_ASYNC.replace("CALLEE", callee), inlined={"other"})
    assert skipped_codes(result).get("callee") == "generator-exit"


def test_a_runtime_async_callee_that_lets_generator_exit_through_is_inlined() -> None:
    callee = "    try:\n        await pause()\n    finally:\n        print('callee finally')\n    return 1"
    assert_same_behaviour(RUNTIME_ASYNC.replace("CALLEE", callee), inlined={"other", "callee"})


_CLOSED_ON_ANOTHER_CONTEXT = '''
from runtime import async_method, yield_, SynchronizationContext, QueueContext

class Failed(Exception):
    pass

class Stop(GeneratorExit):
    pass

@async_method
async def inner(ctx):
    SynchronizationContext.set_current(ctx)
    try:
        await yield_()
    except BaseException as e:
        HANDLER
    return 1

async def caller(ctx):
    try:
        r = await inner(ctx)
        print("caller after", r)
    finally:
        print("caller finally runs")
    return r

async def main():
    c0, c1 = QueueContext("c0"), QueueContext("c1")
    SynchronizationContext.set_current(c0)
    c = caller(c1)
    c.send(None)          # suspended at yield_() inside inner (entered on c0, now on c1)
    await yield_()        # inner has resumed: its exit needs a switch back to c0
    try:
        v = STOP
        print("returned", type(v).__name__)
    except BaseException as e:
        print("raised", type(e).__name__, e)
    print("after")
    SynchronizationContext.set_current(None)
    await yield_()        # off c0 and c1 before closing them
    await yield_()
    c0.close(); c1.close()
    return 1
'''


@pytest.mark.parametrize(
    ("handler", "stop"),
    [
        ('raise Failed("inner interrupted") from e', "c.close()"),
        ("raise", "c.throw(Stop())"),
    ],
    ids=["a-handler-replacing-generator-exit", "a-generator-exit-subclass-thrown-in"],
)
def test_an_inlined_runtime_async_exit_being_closed_does_not_suspend(handler: str, stop: str) -> None:
    """Review S: an inlined runtime-async frame that resumed on another synchronization
    context, being closed (``close()``, or ``throw()`` of a ``GeneratorExit`` subclass),
    suspended at its exit to switch back: the exit tested the exception handled for
    ``GeneratorExit`` exactly, while a handler had replaced it by another, or a subclass was
    thrown in (a real call's wrapper is closed with a plain one first). The exit now
    takes any ``GeneratorExit``, or an exception raised while handling one, as closing."""
    import runtime

    source = _CLOSED_ON_ANOTHER_CONTEXT.replace("HANDLER", handler).replace("STOP", stop)
    assert_same_behaviour(source, runner=runtime.run, inlined={"inner"})


ABANDONED_GENERATOR = '''
import asyncio, contextlib, gc

async def other():
    return "other"

@contextlib.contextmanager
def held(n):
    try:
        yield
    finally:
        print("released", n)

class Opened:
    async def __aenter__(self):
        return self
    async def __aexit__(self, *exc):
        print("opened exit", exc[0])

class Waiting:
    def __init__(self, fut):
        self.fut = fut
    async def __aenter__(self):
        await self.fut  # suspends inside Opened's context
        return self
    async def __aexit__(self, *exc):
        print("waiting exit", exc[0])

async def src(fut):
    try:
        yield await fut
    finally:
        print("src cleanup")

async def fetch(fut, n):
CALLEE

async def rows(fut):
    try:
        for i in range(3):
            yield await fetch(fut, i)
    finally:
        print("rows finally")

async def main():
    print(await other())
    fut = asyncio.get_running_loop().create_future()
    g = rows(fut)
    t = asyncio.ensure_future(anext(g))   # a task awaiting the generator's next item
    await asyncio.sleep(0)                # now suspended inside fetch
    del t, fut                            # the task is dropped while pending
    gc.collect()
    del g                                 # asyncio's aclose() fails: "already running"
    gc.collect()
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    print("end")
'''

CLEANUP_AT_SUSPENSION = {
    "finally": """
    try:
        return await fut + n
    finally:
        print("fetch cleanup", n)
    """,
    "with": """
    with held(n):
        return await fut + n
    """,
    "except-base-exception-reraising": """
    try:
        return await fut + n
    except BaseException:
        print("fetch cleanup", n)
        raise
    """,
    "except-generator-exit-reraising": """
    try:
        return await fut + n
    except GeneratorExit:
        print("fetch cleanup", n)
        raise
    """,
    "multi-item-async-with": """
    async with Opened(), Waiting(fut):
        return n
    """,
    # The callee's close() closes the `asend` awaitable it awaits; from Python 3.13 that
    # closes `src` ("src cleanup"); inlined, the awaitable was dropped (review R20a F2).
    "async-for": """
    async for v in src(fut):
        return v + n
    """,
    "anext": """
    return await anext(src(fut)) + n
    """,
    "async-comprehension": """
    return [v + n async for v in src(fut)]
    """,
}


@pytest.mark.parametrize("callee", CLEANUP_AT_SUSPENSION.values(), ids=CLEANUP_AT_SUSPENSION.keys())
def test_an_async_generator_callee_suspending_inside_cleanup_stays_a_call(callee: str) -> None:
    """Review X, f1: an async generator abandoned while suspended (the task running its
    ``anext`` collected while pending) fails its ``aclose()`` as "already running" and is
    cleared without running its frame's cleanup; the separate callee coroutine is still
    closed when collected and runs its ``finally`` ("fetch cleanup 0"), a handler that
    may catch ``GeneratorExit`` or an earlier item's exit (review R2). Inlined, that
    cleanup was the generator's and never ran."""
    source = ABANDONED_GENERATOR.replace("CALLEE", textwrap.indent(textwrap.dedent(callee).strip("\n"), "    "))
    result = assert_same_behaviour(source, inlined={"other"})
    assert skipped_codes(result).get("fetch") == "generator-exit"


def test_an_async_generator_callee_without_cleanup_at_its_suspension_is_inlined() -> None:
    callee = """
    try:
        n += 1
    finally:
        print("before the await", n)
    return await fut + n
    """
    source = ABANDONED_GENERATOR.replace("CALLEE", textwrap.indent(textwrap.dedent(callee).strip("\n"), "    "))
    assert_same_behaviour(source, inlined={"other", "fetch"})


@pytest.mark.parametrize(
    "hidden_yield",
    [
        "(lambda item=(yield x): item)",
        "def keep(item=(yield x)):\n        return item",
        "def keep(*, item=(yield x)):\n        return item",
        "def keep(item: (yield x)):\n        return item",
        "class Row((yield x) or object):\n        pass",
        "@(yield x) or (lambda f: f)\n    def keep():\n        pass",
    ],
    ids=["lambda-default", "def-default", "kw-default", "annotation", "class-base", "decorator"],
)
def test_a_yield_in_a_nested_definitions_header_makes_the_caller_an_async_generator(hidden_yield: str) -> None:
    """The enclosing function evaluates a nested definition's defaults, annotations,
    decorators and bases: a ``yield`` there makes it an async generator, whose inlined
    sites convert a callee's StopIteration as the callee would (review R20a F1)."""
    source = """
async def f(it):
    return next(it)

async def gen(it):
    x = await f(it)
    HIDDEN

async def main():
    out = []
    try:
        async for x in gen(iter([1])):
            out.append(x)
        async for x in gen(iter([])):
            out.append(x)
    except Exception as e:
        return out, type(e).__name__, str(e), type(e.__cause__).__name__
""".replace("HIDDEN", hidden_yield)
    assert_same_behaviour(source, inlined={"f"})


def test_an_async_generator_known_only_by_a_default_keeps_a_callee_with_cleanup_a_call() -> None:
    """Review R20a F1: the rule for async generator callers applies to one whose only
    ``yield`` is in a nested function's default."""
    callee = """
    try:
        return await fut + n
    finally:
        print("fetch cleanup", n)
    """
    source = ABANDONED_GENERATOR.replace("CALLEE", textwrap.indent(textwrap.dedent(callee).strip("\n"), "    "))
    source = source.replace(
        "            yield await fetch(fut, i)\n",
        "            v = await fetch(fut, i)\n            def keep(item=(yield v)):\n                return item\n",
    )
    result = assert_same_behaviour(source, inlined={"other"})
    assert skipped_codes(result).get("fetch") == "generator-exit"


_STEP_NAMES = """
import builtins
nx = anext
"""

STEPS_OTHERWISE_WRITTEN = {
    "awaitable-bound-first": "step = anext(src(fut))\n    return await step + n",
    "anext-through-builtins": "return await builtins.anext(src(fut)) + n",
    "anext-alias": "return await nx(src(fut)) + n",
    "asend-bound-method": "g = src(fut)\n    step = g.asend\n    return await step(None) + n",
}


@pytest.mark.parametrize("callee", STEPS_OTHERWISE_WRITTEN.values(), ids=STEPS_OTHERWISE_WRITTEN.keys())
def test_an_async_iterator_step_written_otherwise_keeps_the_site_a_call(callee: str) -> None:
    """Review R21a F1: the step bound to a variable first, ``anext`` by another name, a
    bound ``asend``: closing the real callee closes it (from Python 3.13, ``src``'s
    ``finally`` runs); inlined into the abandoned generator, it was dropped."""
    source = ABANDONED_GENERATOR.replace("CALLEE", "    " + callee).replace("async def other", _STEP_NAMES + "\nasync def other")
    result = assert_same_behaviour(source, inlined={"other"})
    assert skipped_codes(result).get("fetch") == "generator-exit"
