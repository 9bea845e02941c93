"""Mixed callers: a runtime-async callee inlined into a plain ``async def`` caller (the
task's root), next to a plain callee inlined into it with plain semantics (no I2:
its AsyncLocal write stays visible), and awaits of tasks and non-inlined calls
inside an inlined frame.
"""

import runtime as _ai_rt
from runtime import AsyncLocal, SynchronizationContext, async_method, start, yield_
from runtime import hooks as _ai_hooks
from tests.runtime.support import ContextAwaiter

env = None
local = AsyncLocal(name="mixed_local")


async def plain_root():
    local.value = "root"
    SynchronizationContext.set_current(env.ctx1)
    v = await rt_callee(2)
    env.log("root after rt_callee", v, local.value, env.sc(), env.where())
    await plain_callee()
    env.log("root after plain_callee", local.value, env.sc(), env.where())
    return v


async def plain_callee():
    local.value = "set by plain callee"


@async_method
async def rt_callee(n):
    local.value = ("rt_callee", n)
    SynchronizationContext.set_current(env.ctx2)
    helper = start(worker(n))  # a task that completes on ctx2
    # Task await: done already (A1) or resumed inline where it completes, on ctx2
    # (which thread runs the next line is a race in real-thread mode, so it is not logged).
    got = await helper
    env.log("rt_callee after task", got, local.value, env.sc())
    await ContextAwaiter(env.ui)  # custom awaiter resuming on ui (A5: no context captured)
    env.log("rt_callee after awaiter", local.value, env.sc(), env.where())
    got += await not_inlined(n)
    env.log("rt_callee after call", got, local.value, env.sc(), env.where())
    return got


@async_method
async def worker(n):
    await yield_()
    return n * 3


@async_method
async def not_inlined(n):
    local.value = "not_inlined"
    await yield_()
    return n


async def plain_root_inlined():
    local.value = "root"
    SynchronizationContext.set_current(env.ctx1)
    _ai_n = 2
    _ai_s_rt = _ai_hooks.enter()
    try:
        while True:
            local.value = ("rt_callee", _ai_n)
            SynchronizationContext.set_current(env.ctx2)
            _ai_helper = start(worker(_ai_n))
            _ai_got = await _ai_helper
            env.log("rt_callee after task", _ai_got, local.value, env.sc())
            await ContextAwaiter(env.ui)
            env.log("rt_callee after awaiter", local.value, env.sc(), env.where())
            _ai_got += await not_inlined(_ai_n)
            env.log("rt_callee after call", _ai_got, local.value, env.sc(), env.where())
            _ai_r_rt = _ai_got
            break
    finally:
        if _ai_rt.state() is not _ai_s_rt and not _ai_rt.try_leave(_ai_s_rt):
            await _ai_rt.leave(_ai_s_rt)
    v = _ai_r_rt
    env.log("root after rt_callee", v, local.value, env.sc(), env.where())
    local.value = "set by plain callee"  # plain_callee inlined: plain semantics, no I2
    env.log("root after plain_callee", local.value, env.sc(), env.where())
    return v


ENTRIES = {"reference": plain_root, "inlined": plain_root_inlined}
