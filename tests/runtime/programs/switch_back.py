"""Spec section 4, fifth case: the I4 transition that itself suspends.

The inlined frame (inner) suspends and resumes on the thread pool; it returns to
a frame (middle) whose synchronization context is a dedicated queue thread, so
the logical return must suspend once more and continue on that thread. The
middle frame then observes its SC, the outer frame its own.
"""

import runtime as _ai_rt
from runtime import AsyncLocal, SynchronizationContext, async_method, configure_await, yield_
from runtime import hooks as _ai_hooks

env = None
local = AsyncLocal(name="switch_local")


@async_method
async def outer():
    SynchronizationContext.set_current(env.ctx1)
    local.value = "outer"
    for round_ in range(2):
        v = await middle(round_)
        env.log("outer", round_, v, local.value, env.sc(), env.where())


@async_method
async def middle(round_):
    SynchronizationContext.set_current(env.ui)
    local.value = ("middle", round_)
    v = await inner(round_)
    env.log("middle", round_, v, local.value, env.sc(), env.where())
    return v * 10


@async_method
async def inner(round_):
    local.value = ("inner", round_)
    await configure_await(yield_(), False)
    env.log("inner", round_, local.value, env.sc(), env.where())
    return round_ + 1


@async_method
async def outer_inlined():
    SynchronizationContext.set_current(env.ctx1)
    local.value = "outer"
    for round_ in range(2):
        _ai_middle_round = round_
        _ai_s_middle = _ai_hooks.enter()
        try:
            while True:
                SynchronizationContext.set_current(env.ui)
                local.value = ("middle", _ai_middle_round)
                _ai_inner_round = _ai_middle_round
                _ai_s_inner = _ai_hooks.enter()
                try:
                    while True:
                        local.value = ("inner", _ai_inner_round)
                        await configure_await(yield_(), False)
                        env.log("inner", _ai_inner_round, local.value, env.sc(), env.where())
                        _ai_r_inner = _ai_inner_round + 1
                        break
                finally:
                    if _ai_rt.state() is not _ai_s_inner and not _ai_rt.try_leave(_ai_s_inner):
                        await _ai_rt.leave(_ai_s_inner)
                _ai_middle_v = _ai_r_inner
                env.log("middle", _ai_middle_round, _ai_middle_v, local.value, env.sc(), env.where())
                _ai_r_middle = _ai_middle_v * 10
                break
        finally:
            if _ai_rt.state() is not _ai_s_middle and not _ai_rt.try_leave(_ai_s_middle):
                await _ai_rt.leave(_ai_s_middle)
        v = _ai_r_middle
        env.log("outer", round_, v, local.value, env.sc(), env.where())


ENTRIES = {"reference": outer, "inlined": outer_inlined}
