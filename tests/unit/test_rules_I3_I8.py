"""Rules I3 and I8, named: two small runtime-async programs rewritten by async_inline.

The programs of ``tests/runtime/programs`` exercise every rule; these two pin the
rules that no other test names. Each runs as written and rewritten, in every mode of
``tests.runtime.support``: both must log exactly the lines the rule predicts, post the
same number of times to each context, and produce traces the rule checker accepts.
"""

from __future__ import annotations

import types

import pytest

from async_inline import Options, rewrite_source
from tests.differential.harness import load_module
from tests.runtime.support import MODE_IDS, MODES, Env, Outcome, assert_same_run, run_mode

I3_PROGRAM = '''
from runtime import AsyncLocal, SynchronizationContext, async_method, yield_

env = None
local = AsyncLocal("unset")


@async_method
async def c():
    local.value = "c1"
    SynchronizationContext.set_current(env.ctx_c)
    await yield_()          # C's first suspension: B's slots get C's entry (b, ctx_b)
    local.value = "c2"
    await yield_()          # C has resumed: B's slots are not captured again
    env.log("C", local.value, env.sc(), env.where())
    return "result"


@async_method
async def b():
    local.value = "b"
    SynchronizationContext.set_current(env.ctx_b)
    r = await c()
    env.log("B", local.value, env.sc(), env.where())
    return r


@async_method
async def a():
    local.value = "a"
    return await b()
'''

I8_PROGRAM = '''
from runtime import AsyncLocal, SynchronizationContext, async_method
from tests.runtime.support import PoolAwaiter

env = None
local = AsyncLocal("unset")


@async_method
async def c():
    local.value = "c"
    try:
        await PoolAwaiter()
        raise KeyError("in c")
    except KeyError as error:
        env.log("C handler", str(error), local.value, env.where())
        raise ValueError("from c") from error


@async_method
async def b():
    local.value = "b"
    SynchronizationContext.set_current(env.ctx_b)
    try:
        await c()
    except ValueError as error:
        env.log("B handler", str(error), type(error.__cause__).__name__, local.value, env.sc(), env.where())
        return "handled"
'''


def _run(module: types.ModuleType, entry: str, mode: str, seed: int | None) -> Outcome:
    env = Env()
    module.env = env  # type: ignore[attr-defined]
    try:
        return run_mode(mode, seed, getattr(module, entry), env=env)
    finally:
        env.close()


def _both(source: str, entry: str, mode: str, seed: int | None) -> Outcome:
    rewritten = rewrite_source(source, filename=f"{entry}.py").code
    assert "_ai_hooks.enter()" in rewritten or Options().stress_seed is not None, "nothing was inlined"
    reference = _run(load_module(source), entry, mode, seed)
    inlined = _run(load_module(rewritten), entry, mode, seed)
    assert_same_run(reference, inlined)
    return reference


@pytest.mark.parametrize(("mode", "seed"), MODES, ids=MODE_IDS)
def test_I3_the_callers_slots_are_captured_at_the_inlinees_first_suspension(mode: str, seed: int | None) -> None:
    """I3: at C's first suspension, B's continuation captures C's entry EC and SC (what B
    had: F3 first), not C's own; C's later suspension, once C has resumed, does not
    capture them again. So after C returns, B reads its own value on its own context."""
    out = _both(I3_PROGRAM, "a", mode, seed)
    assert out.lines == [("C", "c2", "ctx_c", "ctx_c"), ("B", "b", "ctx_b", "ctx_b")]
    assert out.value == "result"


@pytest.mark.parametrize(("mode", "seed"), MODES, ids=MODE_IDS)
def test_I8_handlers_in_and_around_the_inlinee_see_the_context_of_their_frame(mode: str, seed: int | None) -> None:
    """I8: an await that suspends inside a try of the inlinee, and a try around the site.
    C's handler runs inside C (its own EC, where C resumed: the pool); B's handler sees the
    exception after C's logical return restored B's EC and moved back to B's context."""
    out = _both(I8_PROGRAM, "b", mode, seed)
    assert out.lines == [
        ("C handler", "'in c'", "c", "pool"),
        ("B handler", "from c", "KeyError", "b", "ctx_b", "ctx_b"),
    ]
    assert out.value == "handled"
