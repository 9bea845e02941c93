"""I7: ``await configure_await(C(), False)`` with C inlined: after C suspended, the caller
continues on the thread pool, not on its captured context; without it, on the context.
"""

import runtime as _ai_rt
from runtime import AsyncLocal, SynchronizationContext, async_method, configure_await
from runtime import hooks as _ai_hooks
from tests.runtime.support import PoolAwaiter

env = None
local = AsyncLocal(name="cfg_local")


@async_method
async def b():
    local.value = "b"
    SynchronizationContext.set_current(env.ctx2)
    r1 = await configure_await(c("configured"), False)
    env.log("b after configured call", r1, local.value, env.sc(), env.where())
    SynchronizationContext.set_current(env.ctx2)
    r2 = await c("default")
    env.log("b after default call", r2, local.value, env.sc(), env.where())
    return r1 + r2


@async_method
async def c(tag):
    local.value = ("c", tag)
    await PoolAwaiter()
    env.log("c", tag, local.value, env.sc(), env.where())
    return len(tag)


@async_method
async def b_inlined():
    local.value = "b"
    SynchronizationContext.set_current(env.ctx2)
    _ai_c_tag = "configured"
    _ai_s_c = _ai_hooks.enter()
    try:
        while True:
            local.value = ("c", _ai_c_tag)
            await PoolAwaiter()
            env.log("c", _ai_c_tag, local.value, env.sc(), env.where())
            _ai_r_c = len(_ai_c_tag)
            break
    finally:
        if _ai_rt.state() is not _ai_s_c and not _ai_rt.try_leave(_ai_s_c, False):
            await _ai_rt.leave(_ai_s_c, False)
    r1 = _ai_r_c
    env.log("b after configured call", r1, local.value, env.sc(), env.where())
    SynchronizationContext.set_current(env.ctx2)
    _ai_c_tag = "default"
    _ai_s_c = _ai_hooks.enter()
    try:
        while True:
            local.value = ("c", _ai_c_tag)
            await PoolAwaiter()
            env.log("c", _ai_c_tag, local.value, env.sc(), env.where())
            _ai_r_c = len(_ai_c_tag)
            break
    finally:
        if _ai_rt.state() is not _ai_s_c and not _ai_rt.try_leave(_ai_s_c):
            await _ai_rt.leave(_ai_s_c)
    r2 = _ai_r_c
    env.log("b after default call", r2, local.value, env.sc(), env.where())
    return r1 + r2


ENTRIES = {"reference": b, "inlined": b_inlined}
