"""Spec section 4, first case, and the design note's AsyncLocal example: prints 3, 2, 1.

Foo -> Bar -> Baz each set the AsyncLocal before awaiting the next; Baz awaits
an awaiter that always resumes on the thread pool.
"""

import runtime as _ai_rt
from runtime import AsyncLocal, async_method
from runtime import hooks as _ai_hooks
from tests.runtime.support import PoolAwaiter

env = None  # set by the harness
s_local = AsyncLocal(0, name="s_local")


@async_method
async def foo():
    s_local.value = 1
    await bar()
    env.log("Foo", s_local.value)


@async_method
async def bar():
    s_local.value = 2
    await baz()
    env.log("Bar", s_local.value)


@async_method
async def baz():
    s_local.value = 3
    await PoolAwaiter()
    env.log("Baz", s_local.value)


# foo with bar inlined, and baz inlined into the inlined bar.
@async_method
async def foo_inlined():
    s_local.value = 1
    _ai_s_bar = _ai_hooks.enter()
    try:
        s_local.value = 2
        _ai_s_baz = _ai_hooks.enter()
        try:
            s_local.value = 3
            await PoolAwaiter()
            env.log("Baz", s_local.value)
        finally:
            if _ai_rt.state() is not _ai_s_baz and not _ai_rt.try_leave(_ai_s_baz):
                await _ai_rt.leave(_ai_s_baz)
        env.log("Bar", s_local.value)
    finally:
        if _ai_rt.state() is not _ai_s_bar and not _ai_rt.try_leave(_ai_s_bar):
            await _ai_rt.leave(_ai_s_bar)
    env.log("Foo", s_local.value)


ENTRIES = {"reference": foo, "inlined": foo_inlined}
EXPECTED = [("Baz", 3), ("Bar", 2), ("Foo", 1)]
