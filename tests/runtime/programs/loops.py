"""Spec section 4, third case: the same chain with the awaits in loops (4 iterations each).

Every frame sets its AsyncLocal value and its synchronization context in each
iteration; after each await it must see its own values again. Baz suspends 64
times in all, so the inlined frames resume, suspend again and return many times
(I1 flags, I3 slots kept, I4 at every logical return).
"""

import runtime as _ai_rt
from runtime import AsyncLocal, SynchronizationContext, async_method
from runtime import hooks as _ai_hooks
from tests.runtime.support import PoolAwaiter

env = None
local = AsyncLocal(name="loop_local")


@async_method
async def foo():
    for i in range(4):
        local.value = ("foo", i)
        SynchronizationContext.set_current(env.ctx1)
        total = await bar(i)
        env.log("foo", i, total, local.value, env.sc(), env.where())
    return "foo done"


@async_method
async def bar(i):
    total = 0
    for j in range(4):
        local.value = ("bar", i, j)
        SynchronizationContext.set_current(env.ctx2)
        total += await baz(i, j)
        env.log("bar", i, j, local.value, env.sc(), env.where())
    return total


@async_method
async def baz(i, j):
    for k in range(4):
        local.value = ("baz", i, j, k)
        await PoolAwaiter()
        env.log("baz", i, j, k, local.value, env.sc(), env.where())
        if k == j:
            return k
    return -1


@async_method
async def foo_inlined():
    for i in range(4):
        local.value = ("foo", i)
        SynchronizationContext.set_current(env.ctx1)
        _ai_bar_i = i
        _ai_s_bar = _ai_hooks.enter()
        try:
            while True:
                _ai_bar_total = 0
                for _ai_bar_j in range(4):
                    local.value = ("bar", _ai_bar_i, _ai_bar_j)
                    SynchronizationContext.set_current(env.ctx2)
                    _ai_baz_i = _ai_bar_i
                    _ai_baz_j = _ai_bar_j
                    _ai_s_baz = _ai_hooks.enter()
                    try:
                        while True:
                            for _ai_baz_k in range(4):
                                local.value = ("baz", _ai_baz_i, _ai_baz_j, _ai_baz_k)
                                await PoolAwaiter()
                                env.log("baz", _ai_baz_i, _ai_baz_j, _ai_baz_k, local.value, env.sc(), env.where())
                                if _ai_baz_k == _ai_baz_j:
                                    _ai_r_baz = _ai_baz_k
                                    break
                            else:
                                _ai_r_baz = -1
                            break
                    finally:
                        if _ai_rt.state() is not _ai_s_baz and not _ai_rt.try_leave(_ai_s_baz):
                            await _ai_rt.leave(_ai_s_baz)
                    _ai_bar_total += _ai_r_baz
                    env.log("bar", _ai_bar_i, _ai_bar_j, local.value, env.sc(), env.where())
                _ai_r_bar = _ai_bar_total
                break
        finally:
            if _ai_rt.state() is not _ai_s_bar and not _ai_rt.try_leave(_ai_s_bar):
                await _ai_rt.leave(_ai_s_bar)
        total = _ai_r_bar
        env.log("foo", i, total, local.value, env.sc(), env.where())
    return "foo done"


ENTRIES = {"reference": foo, "inlined": foo_inlined}
