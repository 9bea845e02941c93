"""I8: awaits that suspend inside try/except/finally, in the inlinee and around the call site.

Handlers in the inlinee run before its logical return; handlers around the call
site see the exception after I2/I4 have run, exactly as with a real call.
"""

import runtime as _ai_rt
from runtime import AsyncLocal, SynchronizationContext, async_method, yield_
from runtime import hooks as _ai_hooks
from tests.runtime.support import PoolAwaiter

env = None
local = AsyncLocal(name="try_local")


@async_method
async def outer():
    local.value = "outer"
    SynchronizationContext.set_current(env.ctx1)
    try:
        r = await middle()
    finally:
        await yield_()
        env.log("outer finally", local.value, env.sc(), env.where())
    env.log("outer", r, local.value, env.sc(), env.where())
    return r


@async_method
async def middle():
    local.value = "middle"
    SynchronizationContext.set_current(env.ctx2)
    try:
        await PoolAwaiter()
        v = await inner()
    except LookupError as error:
        env.log("middle except", str(error), type(error.__cause__).__name__, local.value, env.sc(), env.where())
        v = -1
    finally:
        env.log("middle finally", local.value, env.sc(), env.where())
        await yield_()
    env.log("middle after", local.value, env.sc(), env.where())
    return v


@async_method
async def inner():
    local.value = "inner"
    try:
        await yield_()
        raise IndexError("from inner try")
    except IndexError as error:
        env.log("inner except", str(error), local.value, env.sc(), env.where())
        await PoolAwaiter()
        raise KeyError("rethrown") from error
    finally:
        env.log("inner finally", local.value, env.sc(), env.where())


@async_method
async def outer_inlined():
    local.value = "outer"
    SynchronizationContext.set_current(env.ctx1)
    try:
        _ai_s_middle = _ai_hooks.enter()
        try:
            while True:
                local.value = "middle"
                SynchronizationContext.set_current(env.ctx2)
                try:
                    await PoolAwaiter()
                    _ai_s_inner = _ai_hooks.enter()
                    try:
                        local.value = "inner"
                        try:
                            await yield_()
                            raise IndexError("from inner try")
                        except IndexError as _ai_inner_error:
                            env.log("inner except", str(_ai_inner_error), local.value, env.sc(), env.where())
                            await PoolAwaiter()
                            raise KeyError("rethrown") from _ai_inner_error
                        finally:
                            env.log("inner finally", local.value, env.sc(), env.where())
                    finally:
                        if _ai_rt.state() is not _ai_s_inner and not _ai_rt.try_leave(_ai_s_inner):
                            await _ai_rt.leave(_ai_s_inner)
                    _ai_middle_v = None
                except LookupError as _ai_middle_error:
                    env.log("middle except", str(_ai_middle_error), type(_ai_middle_error.__cause__).__name__,
                            local.value, env.sc(), env.where())
                    _ai_middle_v = -1
                finally:
                    env.log("middle finally", local.value, env.sc(), env.where())
                    await yield_()
                env.log("middle after", local.value, env.sc(), env.where())
                _ai_r_middle = _ai_middle_v
                break
        finally:
            if _ai_rt.state() is not _ai_s_middle and not _ai_rt.try_leave(_ai_s_middle):
                await _ai_rt.leave(_ai_s_middle)
        r = _ai_r_middle
    finally:
        await yield_()
        env.log("outer finally", local.value, env.sc(), env.where())
    env.log("outer", r, local.value, env.sc(), env.where())
    return r


ENTRIES = {"reference": outer, "inlined": outer_inlined}
