"""Spec section 4, sixth case (I5): exceptions thrown by an inlined frame, before or
after a suspension, reach the caller's ``except`` with the original object and
message, after the logical return (I2/I4) has restored the caller's context: an
AsyncLocal set by the caller reads the caller's value in the handler, which runs
on the caller's synchronization context. The last one escapes the task.
"""

import runtime as _ai_rt
from runtime import AsyncLocal, SynchronizationContext, async_method
from runtime import hooks as _ai_hooks
from tests.runtime.support import PoolAwaiter

env = None
local = AsyncLocal(name="exc_local")


@async_method
async def outer():
    local.value = "outer"
    for when in ("before", "after"):
        try:
            await middle(when)
        except ValueError as error:
            env.log("outer caught", str(error), type(error.__cause__).__name__, local.value, env.sc())
    await middle("escape")


@async_method
async def middle(when):
    local.value = ("middle", when)
    SynchronizationContext.set_current(env.ctx2)
    try:
        await inner(when)
    except KeyError as error:
        env.log("middle caught", str(error), error is env.notes[-1], local.value, env.sc(), env.where())
        raise ValueError(f"middle saw {error}") from error


@async_method
async def inner(when):
    local.value = ("inner", when)
    if when == "before":
        error = KeyError("thrown before suspension")
        env.notes.append(error)
        raise error
    await PoolAwaiter()
    error = KeyError(f"thrown after suspension ({when})")
    env.notes.append(error)
    raise error


@async_method
async def outer_inlined():
    local.value = "outer"
    for when in ("before", "after"):
        try:
            _ai_middle_when = when
            _ai_s_middle = _ai_hooks.enter()
            try:
                local.value = ("middle", _ai_middle_when)
                SynchronizationContext.set_current(env.ctx2)
                try:
                    _ai_inner_when = _ai_middle_when
                    _ai_s_inner = _ai_hooks.enter()
                    try:
                        local.value = ("inner", _ai_inner_when)
                        if _ai_inner_when == "before":
                            _ai_inner_error = KeyError("thrown before suspension")
                            env.notes.append(_ai_inner_error)
                            raise _ai_inner_error
                        await PoolAwaiter()
                        _ai_inner_error = KeyError(f"thrown after suspension ({_ai_inner_when})")
                        env.notes.append(_ai_inner_error)
                        raise _ai_inner_error
                    finally:
                        if _ai_rt.state() is not _ai_s_inner and not _ai_rt.try_leave(_ai_s_inner):
                            await _ai_rt.leave(_ai_s_inner)
                except KeyError as _ai_middle_error:
                    env.log("middle caught", str(_ai_middle_error), _ai_middle_error is env.notes[-1],
                            local.value, env.sc(), env.where())
                    raise ValueError(f"middle saw {_ai_middle_error}") from _ai_middle_error
            finally:
                if _ai_rt.state() is not _ai_s_middle and not _ai_rt.try_leave(_ai_s_middle):
                    await _ai_rt.leave(_ai_s_middle)
        except ValueError as error:
            env.log("outer caught", str(error), type(error.__cause__).__name__, local.value, env.sc())
    # the last call is not inlined: inlining is a per-site decision
    await middle("escape")


ENTRIES = {"reference": outer, "inlined": outer_inlined}
