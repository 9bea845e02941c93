"""I6: a callee with no await that can suspend is inlined with the I2 entry/exit only.

The callee writes an AsyncLocal and changes the synchronization context; both
are undone when it returns (F2), with returns lowered inside loops, and an
exception it raises leaves the caller's values in place.
"""

import runtime as _ai_rt
from runtime import AsyncLocal, SynchronizationContext, async_method, yield_
from runtime import hooks as _ai_hooks

env = None
local = AsyncLocal(name="i6_local")


@async_method
async def caller():
    local.value = "caller"
    SynchronizationContext.set_current(env.ctx1)
    total = 0
    for i in range(6):
        try:
            total += await helper(i)
        except ZeroDivisionError as error:
            env.log("caller caught", str(error), local.value, env.sc())
        env.log("caller", i, total, local.value, env.sc())
    await yield_()  # a real suspension in the caller itself
    total += await helper(10)
    env.log("caller end", total, local.value, env.sc(), env.where())
    return total


@async_method
async def helper(i):
    local.value = ("helper", i)
    SynchronizationContext.set_current(env.ctx2)
    for k in range(3):
        if k == i:
            return k * 100
    if i == 5:
        return 1 // (i - 5)
    return i


@async_method
async def caller_inlined():
    local.value = "caller"
    SynchronizationContext.set_current(env.ctx1)
    total = 0
    for i in range(6):
        try:
            _ai_helper_i = i
            _ai_s_h = _ai_hooks.enter()
            try:
                while True:
                    local.value = ("helper", _ai_helper_i)
                    SynchronizationContext.set_current(env.ctx2)
                    for _ai_helper_k in range(3):
                        if _ai_helper_k == _ai_helper_i:
                            _ai_r_h = _ai_helper_k * 100
                            break
                    else:
                        if _ai_helper_i == 5:
                            _ai_r_h = 1 // (_ai_helper_i - 5)
                            break
                        _ai_r_h = _ai_helper_i
                        break
                    break
            finally:
                if _ai_rt.state() is not _ai_s_h:
                    _ai_rt.leave_sync(_ai_s_h)
            total += _ai_r_h
        except ZeroDivisionError as error:
            env.log("caller caught", str(error), local.value, env.sc())
        env.log("caller", i, total, local.value, env.sc())
    await yield_()
    _ai_helper_i = 10
    _ai_s_h = _ai_hooks.enter()
    try:
        while True:
            local.value = ("helper", _ai_helper_i)
            SynchronizationContext.set_current(env.ctx2)
            for _ai_helper_k in range(3):
                if _ai_helper_k == _ai_helper_i:
                    _ai_r_h = _ai_helper_k * 100
                    break
            else:
                if _ai_helper_i == 5:
                    _ai_r_h = 1 // (_ai_helper_i - 5)
                    break
                _ai_r_h = _ai_helper_i
                break
            break
    finally:
        if _ai_rt.state() is not _ai_s_h:
            _ai_rt.leave_sync(_ai_s_h)
    total += _ai_r_h
    env.log("caller end", total, local.value, env.sc(), env.where())
    return total


ENTRIES = {"reference": caller, "inlined": caller_inlined}
