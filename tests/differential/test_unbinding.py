"""Locals that Python unbinds by itself: an ``except ... as e`` name when its handler is
left (by falling off, break or continue), and reads a lambda's defaults make at once.

Each program was a miscompile found by the definite-assignment rule tables
(tests/unit/test_rules_definite_assignment.py): a read the analysis believed assigned.
"""

from async_inline import Options, rewrite_source
from tests.differential.harness import assert_same_behaviour


def test_caller_read_after_break_out_of_a_handler_stays_in_place():
    # `e` is unbound after the loop: the UnboundLocalError comes before the inlined body.
    assert_same_behaviour('''
async def f():
    print("f ran")
    return 1

async def main():
    e = 0
    for i in [1]:
        try:
            raise ValueError
        except ValueError as e:
            break
    return e + await f()
''', min_inlined=1)


def test_caller_read_after_a_handler_before_finally_stays_in_place():
    assert_same_behaviour('''
async def f():
    print("f ran")
    return 1

async def main():
    e = 0
    try:
        try:
            raise ValueError
        except ValueError as e:
            pass
    finally:
        return e + await f()
''', min_inlined=1)


CALLEE_UNBINDING_E = '''
async def callee(xs):
    e = 0
    for i in xs:
        try:
            raise ValueError
        except ValueError as e:
            break
    return e

async def main():
    out = []
    for xs in ([], [1]):
        try:
            out.append(await callee(xs))
        except NameError as exc:
            out.append(str(exc))
    return out
'''


def test_callee_local_unbound_by_a_handler_keeps_its_name():
    # Inlined with its own name, the error message names `e` as the original does.
    assert_same_behaviour(CALLEE_UNBINDING_E, inlined={"callee"})


def test_callee_local_unbound_by_a_handler_is_not_renamed():
    # Where `e` is taken, renaming would change the message: the site stays a call.
    source = CALLEE_UNBINDING_E.replace("    out = []", "    e = 5\n    out = []")
    result = rewrite_source(source, options=Options(stress_seed=None))
    assert [s.code for s in result.report.skipped] == ["maybe-unassigned"]


def test_caller_read_after_a_break_through_a_finally_that_unbinds_stays_in_place():
    """The break runs the finally block, whose handler unbinds ``y``: the read of ``y``
    raises before ``f``'s inlined body runs, as in the original."""
    assert_same_behaviour('''
async def f():
    print("f runs")
    return 1

async def main():
    for c in (False, True):
        while True:
            try:
                y = 1
                break
            finally:
                try:
                    if c:
                        raise ValueError
                except ValueError as y:
                    pass
        try:
            print(y, await f())
        except UnboundLocalError as e:
            print("UB", e)
''', inlined={"f"})


def test_callee_local_unbound_by_a_finally_on_a_continue_is_not_renamed():
    """The continue runs the finally block, whose handler unbinds ``y``; the next
    iteration reads it. The caller has a ``y`` of its own: renaming the callee's would
    change the error message, so the site stays a call."""
    result = assert_same_behaviour('''
async def f(xs):
    y = 0
    for x in xs:
        print(y)
        try:
            continue
        finally:
            try:
                if x:
                    raise ValueError
            except ValueError as y:
                pass
    return y

async def main():
    y = 5
    for xs in ([0, 0], [1, 0]):
        try:
            print(await f(xs))
        except UnboundLocalError as e:
            print("UB", e)
    print(y)
''', min_inlined=0)
    assert [s.code for s in result.report.skipped] == ["maybe-unassigned"]


def test_lambda_default_read_sees_an_unbound_local_on_every_run():
    assert_same_behaviour('''
async def callee(flag):
    if flag:
        g = lambda a=x: a
    x = 1
    return x

async def main():
    out = []
    for flag in (False, True):
        try:
            out.append(await callee(flag))
        except NameError as exc:
            out.append(str(exc))
    return out
''', min_inlined=1)
