"""Spec section 4, fourth case: configure_await(..., False) on every await of an inlined
chain started under a counting synchronization context makes zero posts to it (I7, A2).
"""

import runtime as _ai_rt
from runtime import async_method, configure_await, yield_
from runtime import hooks as _ai_hooks
from tests.runtime.support import PoolAwaiter

env = None
START_SC = "counting"  # the harness starts the program with this context current


@async_method
async def a():
    r = await configure_await(b(), False)
    env.log("a", r, env.sc(), env.where())
    return r


@async_method
async def b():
    r = await configure_await(c(), False)
    env.log("b", r, env.sc(), env.where())
    await configure_await(yield_(), False)
    env.log("b again", env.sc(), env.where())
    return r + 1


@async_method
async def c():
    await configure_await(yield_(), False)
    env.log("c", env.sc(), env.where())
    await PoolAwaiter()
    return 1


@async_method
async def a_inlined():
    _ai_s_b = _ai_hooks.enter()
    try:
        while True:
            _ai_s_c = _ai_hooks.enter()
            try:
                while True:
                    await configure_await(yield_(), False)
                    env.log("c", env.sc(), env.where())
                    await PoolAwaiter()
                    _ai_r_c = 1
                    break
            finally:
                if _ai_rt.state() is not _ai_s_c and not _ai_rt.try_leave(_ai_s_c, False):
                    await _ai_rt.leave(_ai_s_c, False)
            _ai_b_r = _ai_r_c
            env.log("b", _ai_b_r, env.sc(), env.where())
            await configure_await(yield_(), False)
            env.log("b again", env.sc(), env.where())
            _ai_r_b = _ai_b_r + 1
            break
    finally:
        if _ai_rt.state() is not _ai_s_b and not _ai_rt.try_leave(_ai_s_b, False):
            await _ai_rt.leave(_ai_s_b, False)
    r = _ai_r_b
    env.log("a", r, env.sc(), env.where())
    return r


ENTRIES = {"reference": a, "inlined": a_inlined}
