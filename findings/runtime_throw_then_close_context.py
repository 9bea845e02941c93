"""throw(Boom()) into a caller suspended in an inlined runtime-async callee whose context
changed: the callee's handler re-raises Boom, its exit must switch back to c0 and suspends
(throw() returns a Suspension, in both forms); then close(). The caller's handler sees a
GeneratorExit whose __context__ differs: None in the original (CPython closes the callee's
wrapper first, then throws a fresh GeneratorExit into the caller), Boom in the rewritten
program (the GeneratorExit is raised at the inlined `await leave` inside the handling of
Boom). Found with an early version of this session's generator (runtime seed 36, a
`drive_here(4, 1, Boom)` call); the generator no longer throws Boom into runtime-async
callees, since the original program then breaks the runtime's rule A4 (a frame closed
while suspended at its exit), which the oracle reports as a runtime violation of the
original: this may be outside what the runtime promises.

Run: cd /tmp/fxN2 && PYTHONPATH=/tmp/fxN2 /work/main/.venv/bin/python findings/runtime_throw_then_close_context.py
"""
import sys

import runtime
from tests.differential.harness import assert_same_behaviour

SRC = '''
from runtime import async_method, yield_, SynchronizationContext, QueueContext

class Boom(Exception):
    pass

def chain(e):
    parts = []
    while e is not None:
        parts.append(type(e).__name__)
        e = e.__cause__ or e.__context__
    return "<-".join(parts)

@async_method
async def inner(ctx):
    SynchronizationContext.set_current(ctx)
    try:
        await yield_()
    except BaseException:
        print("inner handles", type(sys.exc_info()[1]).__name__)
        raise
    return 1

async def caller(ctx):
    try:
        r = await inner(ctx)
        print("caller after", r)
    except BaseException as e:
        print("caller sees", chain(e))
        raise

import sys

async def main():
    c0, c1 = QueueContext("c0"), QueueContext("c1")
    SynchronizationContext.set_current(c0)
    c = caller(c1)
    c.send(None)
    await yield_()
    try:
        print("throw ->", type(c.throw(Boom())).__name__)
    except BaseException as e:
        print("throw raised", chain(e))
    try:
        c.close()
        print("closed")
    except BaseException as e:
        print("close raised", chain(e))
    SynchronizationContext.set_current(None)
    await yield_()
    await yield_()
    c0.close(); c1.close()
    return 1
'''

if __name__ == "__main__":
    try:
        assert_same_behaviour(SRC, runner=runtime.run)
    except AssertionError as e:
        print("DIFFERENT:\n", str(e)[:3000])
        sys.exit(1)
    print("same")
