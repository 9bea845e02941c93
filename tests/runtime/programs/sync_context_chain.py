"""Spec section 4, second case, and the design note's synchronization-context example.

Foo sets ctx1 and Bar sets ctx2 before their awaits; Baz awaits an awaiter that
always resumes on the thread pool. After the awaits Bar observes ctx2 (and runs
on its thread), Foo observes ctx1. The inlined form must switch contexts at both
logical returns (I4), exactly as the real calls do (A4).
"""

import runtime as _ai_rt
from runtime import SynchronizationContext, async_method
from runtime import hooks as _ai_hooks
from tests.runtime.support import PoolAwaiter

env = None


@async_method
async def foo():
    SynchronizationContext.set_current(env.ctx1)
    await bar()
    env.log("Foo", env.sc(), env.where())


@async_method
async def bar():
    SynchronizationContext.set_current(env.ctx2)
    await baz()
    env.log("Bar", env.sc(), env.where())


@async_method
async def baz():
    await PoolAwaiter()
    env.log("Baz", env.sc(), env.where())


@async_method
async def foo_inlined():
    SynchronizationContext.set_current(env.ctx1)
    _ai_s_bar = _ai_hooks.enter()
    try:
        SynchronizationContext.set_current(env.ctx2)
        _ai_s_baz = _ai_hooks.enter()
        try:
            await PoolAwaiter()
            env.log("Baz", env.sc(), env.where())
        finally:
            if _ai_rt.state() is not _ai_s_baz and not _ai_rt.try_leave(_ai_s_baz):
                await _ai_rt.leave(_ai_s_baz)
        env.log("Bar", env.sc(), env.where())
    finally:
        if _ai_rt.state() is not _ai_s_bar and not _ai_rt.try_leave(_ai_s_bar):
            await _ai_rt.leave(_ai_s_bar)
    env.log("Foo", env.sc(), env.where())


ENTRIES = {"reference": foo, "inlined": foo_inlined}
EXPECTED = [("Baz", None, "pool"), ("Bar", "ctx2", "ctx2"), ("Foo", "ctx1", "ctx1")]
