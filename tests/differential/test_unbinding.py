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
