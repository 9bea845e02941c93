"""Programs the differential fuzzer found divergent, kept as regression tests.

Each was shrunk by ``async_inline fuzz`` and is checked by the fuzzer's own oracle:
original and rewritten must print, return and raise the same.
"""

from __future__ import annotations

import pytest

from async_inline import Options, rewrite_source
from async_inline.api import rewrite_program
from async_inline.fuzz.campaign import Case, make_case
from async_inline.fuzz.oracle import Program, compare, run_program
from tests.differential.package_harness import run_package

UNBOUND_ARGUMENT = '''\
import contextvars

cv = contextvars.ContextVar("cv", default=0)


def t(tag, value):
    return value


async def f3(a, b, *, k=2):
    pass


async def f1(a):
    try:
        v71 = (t('f1.72', a) and sum([a for c73 in range(2)]))
    finally:
        if (cv.get() - a) % 1000 <= v71:
            v90 = 1
        else:
            print('f1.91', (4 - await f3(9, 4, k=v90)) % 1000)


async def main():
    try:
        print('result', 1, await f1(8))
    except UnboundLocalError as error:
        print('error', error)
'''


def test_fuzz_seed_3004_stress_unbound_argument_still_raises():
    """Seed 3004 (plain, stress): f3's parameter k aliased the caller's unbound local
    v90 instead of reading it, so the UnboundLocalError of the call vanished. A local
    some read may find unassigned is no longer "stable": it is read where it was."""
    verdict = compare(UNBOUND_ARGUMENT, runtime_async=False, options=Options(stress_seed=3004))
    assert verdict.kind is None, verdict.detail


DEEP_BLOCKS = '''\
import runtime
from runtime import async_method, yield_


class CM:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


@async_method
async def f2(a):
    for i in range(1):
        with CM():
            try:
                while a < 3:
                    a += 1
                    if a == 2:
                        with CM():
                            try:
                                for j in range(1):
                                    with CM():
                                        try:
                                            for k in range(1):
                                                with CM():
                                                    await yield_()
                                        finally:
                                            pass
                            finally:
                                print("f2", a)
            finally:
                pass
    return a


@async_method
async def f1(a):
    for i in range(1):
        for j in range(1):
            try:
                if a >= 0:
                    try:
                        with CM():
                            return await f2(a) + 1
                    finally:
                        print("f1", a)
            finally:
                pass
    return -1


@async_method
async def main():
    for i in range(1):
        with CM():
            try:
                if i == 0:
                    with CM():
                        return await f1(0)
            finally:
                pass
    return None
'''


def test_fuzz_seed_2023_runtime_nesting_stays_under_the_compiler_limit():
    """Seed 2023 (runtime): deep inlining produced more than 20 statically nested blocks,
    which CPython refuses to compile. Sites that would exceed it are now kept as calls
    (this program, written after the finding, needs all of them to pass the limit; ``f1``
    nests loops rather than ``with`` blocks around its return, which a ``with`` could
    discard: ``test_fuzz_seed_750998_...``)."""
    result = rewrite_source(DEEP_BLOCKS, options=Options(stress_seed=None))
    assert [code for callee, code in result.report.kept() if callee == "f2"] == ["nesting", "nesting"]
    assert [d.callee for d in result.report.inlined] == ["f1"]
    assert run_program(DEEP_BLOCKS, runtime_async=True, name="deep").result == "4"
    verdict = compare(DEEP_BLOCKS, runtime_async=True, options=Options(stress_seed=None))
    assert verdict.kind is None, verdict.detail


WHILE_ELSE_RETURN = '''\
import contextvars

from runtime import AsyncLocal

cv = contextvars.ContextVar("cv", default=0)
al = AsyncLocal(0)


async def f3(p, /, a, b, d=8, *, depth=0):
    return [8, {b: d}.get(-1)][cv.get()]


async def f0(a, b):
    while al.value >= await f3(b, a=7, b=7):
        pass
    else:
        return a
    return (not 2)


async def main():
    try:
        print(await f0(a=cv.get(), b=6))
    except Exception as error:
        pass
'''


def test_fuzz_seed_104835_runtime_return_in_while_else():
    """Long campaign seed 104835 (runtime, no guards): f0 inlined into main, f3 inlined
    into f0's while condition in statement form; the else clause's lowered `return a`
    broke out of the rewritten `while True` only, and main printed False instead of 0."""
    options = Options(stress_seed=None, guards=False)
    result = rewrite_source(WHILE_ELSE_RETURN, options=options)
    assert {d.callee for d in result.report.inlined} == {"f0", "f3"}
    assert run_program(WHILE_ELSE_RETURN, runtime_async=True, name="we").stdout == "0\n"
    verdict = compare(WHILE_ELSE_RETURN, runtime_async=True, options=options, seed=104835)
    assert verdict.kind is None, verdict.detail


THROWN_INTO_HANDLER = '''\
import asyncio


async def inner():
    loop = asyncio.get_running_loop()
    try:
        future = loop.create_future()
        loop.call_soon(future.set_exception, KeyError("thrown"))
        await future
    except KeyError:
        pass
    try:
        max()
    except TypeError:
        raise IndexError("in handler")


async def main():
    try:
        raise ValueError("outer")
    except ValueError:
        await inner()
'''


def test_fuzz_seed_300154_plain_context_after_throw_in_a_handler():
    """Long campaign seed 300154 (plain): a coroutine awaited inside an `except` block,
    resumed by `throw()` (a failed future), then raising inside a handler of its own: CPython
    gives that exception the caller's ValueError as __context__, skipping the TypeError being
    handled (gh-108668). Inlined, the chain was the correct one, so the two runs differed.
    Such sites are now kept as calls (tests/differential/test_exception_context.py)."""
    result = rewrite_source(THROWN_INTO_HANDLER, options=Options(stress_seed=None))
    assert [(s.callee, s.code) for s in result.report.skipped] == [("inner", "throw-context")]
    verdict = compare(THROWN_INTO_HANDLER, runtime_async=False, options=Options(stress_seed=None))
    assert verdict.kind is None, verdict.detail


CONSTANT_ARGUMENT_AFTER_A_CALL = '''\
import contextvars

cv = contextvars.ContextVar("cv", default=0)
i = 1


def t():
    print("t")
    return 0


async def f1(a, b, *, k=7):
    print("f1", a, b, k)
    return 0


async def f0(p, /, a, d=7, *rest):
    print([t(), i][await f1(i, a, k=d)])
    return sum({q2: await f1(a, b=d) for q2 in range(2)}.values())


async def main():
    print(await f1(1, 2, k=await f0(cv.get(), a=2, d=8)))
'''


def test_fuzz_seed_1038_plain_constant_parameter_passed_on_after_a_hoisted_operand():
    """Seed 1038 (plain, CI campaign): f0's parameter d stands for the literal 8 (planner:
    Inlining.constants), and is passed on to f1 in an argument list evaluated after a hoisted
    operand (t()); the linearizer did not know that d reads as a literal, put it in a
    temporary, and the rewrite crashed ("the plan's constants disagree with the arguments")."""
    result = rewrite_source(CONSTANT_ARGUMENT_AFTER_A_CALL, options=Options(stress_seed=None))
    assert {d.callee for d in result.report.inlined} >= {"f0", "f1"}
    verdict = compare(CONSTANT_ARGUMENT_AFTER_A_CALL, runtime_async=False, options=Options(stress_seed=None))
    assert verdict.kind is None, verdict.detail


# -- methods without guards ----------------------------------------------------------------------
# Found by `fuzz --kind classes` run against the method inliner of main at 3eb609e (issue 11,
# step 1), every finding with the options that drop guards (`--no-guards`, whose contract is
# "only if nothing rebinds or mocks it"): a subclass override, a class attribute that is not
# a function, a metaclass and an assignment after the class are none of these, yet the
# inlined code ignores them. With guards the same programs agree. Shrunk by hand from seeds
# 50001, 50025, 50075, 600007 and 600036 (classes, runtime and plain).

OVERRIDE = '''\
class A:
    async def m(self):
        return "A.m"

    async def run(self):
        return await self.m()


class B(A):
    async def m(self):
        return "B.m"


async def main():
    return await A().run(), await B().run()
'''

CLASS_ATTRIBUTE = '''\
class Stand:
    async def __call__(self, *args):
        return len(args)


class A:
    async def m(self):
        return "A.m"

    async def run(self):
        return await self.m()


class B(A):
    m = Stand()


async def main():
    return await A().run(), await B().run()
'''

METACLASS = '''\
def logged(fn):
    async def wrapper(*args, **kwargs):
        print("wrapped")
        return await fn(*args, **kwargs)

    return wrapper


class Wrap(type):
    def __new__(mcs, name, bases, namespace):
        namespace["m"] = logged(namespace["m"])
        return super().__new__(mcs, name, bases, namespace)


class A(metaclass=Wrap):
    async def m(self, d=9):
        return d

    async def run(self):
        return await self.m()


async def main():
    return await A().run()
'''

REBOUND_AFTER_CLASS = '''\
def logged(fn):
    async def wrapper(*args, **kwargs):
        print("wrapped")
        return await fn(*args, **kwargs)

    return wrapper


class A:
    async def m(self):
        return 1

    async def run(self):
        return await self.m()


A.m = logged(A.m)


async def main():
    return await A().run()
'''

# The method sites are inlined only with Options.costly_guards (by default their exact guard
# costs what the call does: guard-cost): asked for here, so that the fix is what is tested.
NO_GUARDS = Options(stress_seed=None, guards=False, costly_guards=True)


@pytest.mark.parametrize(
    "program", [OVERRIDE, CLASS_ATTRIBUTE, METACLASS, REBOUND_AFTER_CLASS],
    ids=["override", "class-attribute", "metaclass", "rebound-after-class"],
)
def test_no_guards_keeps_what_the_classes_say(program):
    """Fixed by keeping the guard of every method site without Options.guards
    (analysis/guards.py): which method a lookup reaches is not a matter of rebinding names."""
    assert any("." in d.callee for d in rewrite_source(program, options=NO_GUARDS).report.inlined)
    verdict = compare(program, runtime_async=False, options=NO_GUARDS)
    assert verdict.kind is None, verdict.detail


ASYNC_METHOD_SUPER = '''\
from runtime import async_method


class A:
    async def m(self):
        return "A.m"


class D(A):
    @async_method
    async def m(self):
        return "D.m+" + await super().m()


@async_method
async def main():
    return await D.m(D())
'''


def test_super_in_an_inlined_runtime_async_method():
    """`fuzz --kind classes` against main at 3eb609e, with guards (seeds 600009, 600057,
    600099, runtime): the inlined body's explicit super() takes the class from the
    function's __class__ cell, but the class attribute is @async_method's wrapper, which
    has none: super(None, obj) raised TypeError where the original returns "D.m+A.m".
    Fixed: runtime.class_cell reads the cell of the function the wrapper wraps."""
    assert "D.m" in [d.callee for d in rewrite_source(ASYNC_METHOD_SUPER, options=Options(stress_seed=None)).report.inlined]
    verdict = compare(ASYNC_METHOD_SUPER, runtime_async=True, options=Options(stress_seed=None), seed=600009)
    assert verdict.kind is None, verdict.detail


SUPER_IN_A_GENERATOR = '''\
class A:
    def n(self):
        return 1


class B(A):
    async def m(self):
        try:
            return sum(super().n() for _ in range(1))
        except TypeError as error:
            return str(error)

    async def run(self):
        return await self.m()


async def main():
    return await B().run()
'''


def test_super_inside_a_generator_expression_of_an_inlined_method():
    """`fuzz --kind classes` against main at 3eb609e, with guards (seeds 660115, 660389,
    runtime, shrunk to a list comprehension): zero-argument super() inside a generator
    expression (and, before Python 3.12, a comprehension) is the nested scope's: its object
    is the iterator, so the original raises TypeError; the inlined body's explicit
    super(cls, self) does not. Fixed: such a callee is refused (super)."""
    options = Options(stress_seed=None, costly_guards=True)
    assert [d.code for d in rewrite_source(SUPER_IN_A_GENERATOR, options=options).report.skipped] == ["super"]
    verdict = compare(SUPER_IN_A_GENERATOR, runtime_async=False, options=options)
    assert verdict.kind is None, verdict.detail


DEL_ATTRIBUTE_OF_AN_ALIASED_RECEIVER = '''\
class B:
    async def m0(self, a, acc=[]):
        try:
            self.v = a
        finally:
            del self.v
        return acc


async def main():
    o2 = B()
    return await B.m0(o2, 1), o2.__dict__
'''


def test_fuzz_seed_711124_del_of_an_attribute_does_not_unbind_the_object():
    """Seeds 711124 and 710756 (classes, long campaign): ``del self.m4`` in a ``finally``
    counted as unbinding ``self``, so ``self`` "may be read unassigned" and the inlined frame
    unbound it on entry; but ``self`` was the caller's own variable ``o2`` (the receiver is
    aliased), so ``o2 = None; del o2`` destroyed it (UnboundLocalError). Now ``del x.a`` and
    ``del x[i]`` unbind nothing, and parameters are never unbound on entry."""
    result = rewrite_source(DEL_ATTRIBUTE_OF_AN_ALIASED_RECEIVER, options=Options(stress_seed=None))
    assert [d.callee for d in result.report.inlined] == ["B.m0"]
    assert "del o2\n" not in result.code
    verdict = compare(DEL_ATTRIBUTE_OF_AN_ALIASED_RECEIVER, runtime_async=False, options=Options(stress_seed=None))
    assert verdict.kind is None, verdict.detail


MAYBE_UNASSIGNED_AFTER_AN_ARGUMENT = '''\
async def maybe(x):
    if x:
        value = x
    return value


async def f3(a):
    return await maybe(a) - a


async def f1(a):
    return await maybe(await f3(a))


async def main():
    try:
        return await f1(3)
    except UnboundLocalError as error:
        return str(error)
'''


def test_fuzz_seed_730227_fresh_frame_after_its_arguments():
    """Seed 730227 (runtime, default options): ``maybe``'s ``value`` may be read unassigned,
    so each inlined copy unbinds it on entry. The outer copy did so before evaluating its
    argument, whose own inlined copy of ``maybe`` then assigned ``value`` and released it
    to None: the outer body returned None instead of raising UnboundLocalError. A frame is
    made fresh after its arguments are bound."""
    result = rewrite_source(MAYBE_UNASSIGNED_AFTER_AN_ARGUMENT, options=Options(stress_seed=None))
    assert {(d.caller, d.callee) for d in result.report.inlined} >= {("f1", "f3"), ("f1", "maybe"), ("f3", "maybe")}
    verdict = compare(MAYBE_UNASSIGNED_AFTER_AN_ARGUMENT, runtime_async=False, options=Options(stress_seed=None))
    assert verdict.kind is None, verdict.detail


FINALLY_BREAK = '''\
async def leaf(x):
    return x * 7


async def f0(xs):
    for i in xs:
        try:
            return await leaf(i)
        finally:
            break
    return "after the loop"


async def f1(xs):
    while xs:
        try:
            return xs.pop()
        finally:
            continue
    return "emptied"


async def main():
    print(await f0([1, 2]))
    print(await f1([1, 2, 3]))
'''


@pytest.mark.parametrize("runtime_async", [False, True])
def test_fuzz_seeds_740643_740727_break_in_finally_discards_the_return(runtime_async):
    """Seeds 740643 and 740727 (runtime, default options): ``return`` inside a ``try``
    whose ``finally`` does ``break``. Python discards the pending return; the inlined
    return had already assigned the result, so the caller saw it. Such callees are kept
    calls (``unsupported``)."""
    result = rewrite_source(FINALLY_BREAK, options=Options(stress_seed=None))
    assert {(d.callee, d.code) for d in result.report.skipped if d.caller == "main"} == {("f0", "unsupported"), ("f1", "unsupported")}
    verdict = compare(FINALLY_BREAK, runtime_async=runtime_async, options=Options(stress_seed=None))
    assert verdict.kind is None, verdict.detail
    assert run_program(FINALLY_BREAK, runtime_async=runtime_async, name="fb").stdout == "after the loop\nemptied\n"


CONSTANT_BEFORE_AN_ATTRIBUTE = '''\
def log(*a):
    print(*a)


async def f(acc, n=-1, m=2):
    log("f", acc)
    total = acc.bit_length() + acc.real + n ** 2 + m.real
    acc.__class__
    log(total)
    return total


async def main():
    print(await f(2), await f(3, -2))
'''


@pytest.mark.parametrize("assume", [frozenset(), frozenset({"frozen-defaults"})], ids=["default", "frozen-defaults"])
def test_fuzz_seed_741702_a_constant_parameter_keeps_its_parentheses(assume):
    """Seed 741702 (plain, default options): a parameter bound to the argument ``2`` is
    read as the literal; ``acc.append(k)`` became ``2.append(k)``, which does not parse
    (the rewrite failed). Under ``frozen-defaults`` a default ``-1`` crashed the rewrite, and
    pasted bare it would make ``n ** 2`` into ``-1 ** 2``. Pasted literals are parenthesized
    unless they are safe atoms (``renaming.renamed``)."""
    options = Options(stress_seed=None, assume=assume)
    result = rewrite_source(CONSTANT_BEFORE_AN_ATTRIBUTE, options=options)
    assert [d.callee for d in result.report.inlined] == ["f", "f"]
    verdict = compare(CONSTANT_BEFORE_AN_ATTRIBUTE, runtime_async=False, options=options)
    assert verdict.kind is None, verdict.detail


SWALLOWED_AFTER_A_RETURN = '''\
G = 0


class Suppress:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return True


class FailingExit:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        raise KeyError("exit")


async def finally_raises(a):
    with Suppress():
        try:
            return a
        finally:
            s = a // G


async def exit_raises_at_the_tail():
    try:
        with FailingExit():
            return "from the with"
    except KeyError:
        pass


async def exit_raises_in_a_loop(items):
    for item in items:
        try:
            with FailingExit():
                return item
        except KeyError:
            print("swallowed", item)


async def explicit_return_after(a):
    with Suppress():
        try:
            return a
        finally:
            s = a // G
    return "after"


async def main():
    print(await finally_raises(5), await exit_raises_at_the_tail())
    print(await exit_raises_in_a_loop([1, 2]), await explicit_return_after(7))
'''


@pytest.mark.parametrize("runtime_async", [False, True])
def test_fuzz_seed_750998_a_swallowed_exception_discards_the_return(runtime_async):
    """Seed 750998 (modules, ``--no-guards``): ``return`` inside ``try/finally`` whose
    ``finally`` raised into a ``with`` that suppresses it. Python discards the returned
    value and the callee went on and fell off its end (None); the inlined return had
    already set the result, and falling off the end did not reset it (it was set to None
    up front). Such returns now leave by ``break`` and the end sets None where it is
    reached; also for a ``with`` exit raising into a ``try`` at the tail. In a loop the
    lowered return's flag would stay set too: such callees stay calls (``unsupported``)."""
    result = rewrite_source(SWALLOWED_AFTER_A_RETURN, options=Options(stress_seed=None))
    assert sorted(d.callee for d in result.report.inlined) == ["exit_raises_at_the_tail", "explicit_return_after", "finally_raises"]
    assert [(d.callee, d.code) for d in result.report.skipped] == [("exit_raises_in_a_loop", "unsupported")]
    verdict = compare(SWALLOWED_AFTER_A_RETURN, runtime_async=runtime_async, options=Options(stress_seed=None))
    assert verdict.kind is None, verdict.detail
    expected = "None None\nswallowed 1\nswallowed 2\nNone after\n"
    assert run_program(SWALLOWED_AFTER_A_RETURN, runtime_async=runtime_async, name="sw").stdout == expected


#: Seed 920293 (classes, runtime, ``class-methods``), as the shrinker left it: the metaclass's
#: ``__getattribute__`` answers None for every class attribute.
METACLASS_LOOKUP = r'''
class MetaWatch(type):

    def __getattribute__(cls, name):
        pass


class A(metaclass=MetaWatch):

    async def m0(self, p, /):
        pass


async def main():
    log(await A().m0(cv.get()))
'''


def test_fuzz_seeds_920048_920293_a_metaclass_lookup_keeps_the_exact_guard():
    """Seeds 920048 (modules) and 920293 (classes) under ``class-methods``: the class
    guard looked the method up on the class, which ran the metaclass's
    ``__getattribute__``; the original's instance lookup never does. A class with a
    metaclass other than ``type``/``ABCMeta`` keeps the exact guard."""
    options = Options(stress_seed=None, assume=frozenset({"class-methods"}))
    code = rewrite_source(METACLASS_LOOKUP, options=options).code
    assert "_ai_getattr(_ai_type(" not in code and "_on_class = _ai_type(" not in code
    verdict = compare(METACLASS_LOOKUP, runtime_async=True, options=options, seed=920293)
    assert verdict.kind is None, verdict.detail


# Seed 2701240 (modules, ``class-methods``, Python 3.12; on 3.11 too): ``B``'s base was
# written ``fzpkg.mod3.A`` in a module where ``import fzpkg.mod3`` and ``import fzpkg.mod2``
# both bind ``fzpkg``. A name bound twice was not resolved, so ``A`` (which defines
# ``__getattribute__``) was an unknown base, and the class test skipped its lookup. Seed
# 1400153 (modules, runtime-async) had the same with ``from fzpkg.mod2 import A`` and
# ``from .mod2 import A`` (and a metaclass that logs class lookups).
def _package_binding_a_base_twice(imports: str, base: str) -> dict[str, str]:
    return {
        "pkg/__init__.py": "",
        "pkg/mod2.py": "",
        "pkg/mod3.py": '''
class A:
    def __getattribute__(self, name):
        if name == "m2":
            print("getattribute A m2")
        return super().__getattribute__(name)
''',
        "pkg/mod1.py": imports + f'''

class B({base}):
    async def m2(self):
        return "m2"
''',
        "pkg/app.py": '''
from .mod1 import B


async def main():
    return await B().m2()
''',
    }


@pytest.mark.parametrize(
    ("imports", "base"),
    [("import pkg.mod3\nimport pkg.mod2\n", "pkg.mod3.A"), ("from pkg.mod3 import A\nfrom .mod3 import A\n", "A")],
    ids=["seed-2701240", "seed-1400153"],
)
def test_fuzz_seeds_2701240_1400153_a_name_several_imports_bind_alike_is_resolved(imports, base):
    files = _package_binding_a_base_twice(imports, base)
    results = rewrite_program(files, options=Options(stress_seed=None, assume=frozenset({"class-methods"})))
    [skipped] = results["pkg/app.py"].report.skipped
    assert skipped.reason.endswith("class 'A' customizes attribute lookup"), skipped.reason
    original = run_package(files, "pkg.app:main")
    assert original["stdout"] == "getattribute A m2\n"
    assert run_package({path: r.code for path, r in results.items()}, "pkg.app:main") == original


MULTI_LINE_ARGUMENT = '''\
from runtime import async_method, yield_


@async_method
async def f1(a, b):
    await yield_()
    return a + b


@async_method
async def f0(a, b, c=5):
    if 3 == [9, 6][a % 2]:
        pass
    elif await f1(b or
        0, 1) < c:
        print("less", b)
    return await f1(a or
                    b, c) + (await f1(a, b) or
                             c)


@async_method
async def main():
    print(await f0(1, 0), await f0(0, 0, c=-1))
'''


@pytest.mark.parametrize("runtime_async", [False, True], ids=["plain", "runtime"])
def test_fuzz_seeds_5000001_5000002_an_argument_across_lines_gets_its_own_brackets(runtime_async):
    """Seeds 5000001 (runtime) and 5000002 (classes), the first programs of a generator
    that writes arguments across lines: ``await f1(j or<newline> 0, 1)`` bound ``a = j or``
    on a line of its own, which does not parse (the rewrite failed; found first on
    asyncssh 2.24.1's ``sftp.py``). A value taken out of the call's brackets gets its own
    (``build.standalone``)."""
    source = MULTI_LINE_ARGUMENT if runtime_async else MULTI_LINE_ARGUMENT.replace("@async_method\n", "").replace("await yield_()", "pass")
    result = rewrite_source(source, options=Options(stress_seed=None))
    assert len(result.report.inlined) >= 4, result.report
    verdict = compare(source, runtime_async=runtime_async, options=Options(stress_seed=None))
    assert verdict.kind is None, verdict.detail


def _assert_case_agrees(case: Case, program: Program) -> None:
    """The fuzzer's oracle on ``program``, the program of ``case`` (its seed, options and kind)."""
    verdict = compare(program, runtime_async=case.runtime_async, options=case.options, seed=case.seed)
    assert verdict.kind is None, verdict.detail


@pytest.mark.parametrize("seed", [102, 111])
def test_fuzz_seeds_101_111_builtins_a_module_binds_on_a_branch_not_taken(seed):
    """Seeds 101 and 111 (modules), the first packages whose modules bind ``KeyError`` and
    ``ValueError`` under ``if sys.version_info < (3, 0)`` (101's program lost the shape when
    the generator learnt the reviews' shapes of 2026-12-06: 102 has it now): a callee of such a module raised
    ``ValueError(...)``, inlined elsewhere as ``_ai_g_mod2['ValueError'](...)``, a KeyError
    (found first on hypercorn 0.18.0: ``except BaseExceptionGroup``). Such globals are read
    with ``runtime.global_value``, which falls back to the builtins."""
    case = make_case(seed, "modules", stress=False)
    program = case.program()
    assert isinstance(program, dict) and any("from nowhere import KeyError, ValueError" in text for text in program.values())
    _assert_case_agrees(case, program)


@pytest.mark.parametrize("seed", [101, 113])
def test_fuzz_seeds_101_113_a_builtin_patched_in_one_module_only(seed):
    """Seeds 101 and 113 (modules), the first packages that call a function of another
    module while ``mock.patch("fzpkg.modN.len", ...)`` (and ``max``, ``min``) is active:
    inlined code read builtins as plain names, so a body inlined out of the patched module
    missed the patch (seed 101: ``acc 2`` for ``acc 99``) and a body inlined into it saw
    one its own module does not have (seed 113). Another module's code reads builtins in
    that module's namespace first."""
    case = make_case(seed, "modules", stress=False)
    program = case.program()
    assert isinstance(program, dict) and ".len', new=" in program["fzpkg/main.py"]
    _assert_case_agrees(case, program)


def test_fuzz_seed_3950011_a_relative_import_inlined_into_another_package():
    """Seed 3950011 (modules, runtime-async), one of the first packages with a module in a
    subpackage (``fzpkg/sub/mod3.py``): a method of ``mod3`` holding ``from ..mod2 import C``
    was inlined into ``fzpkg.main``, where ``..`` reaches above the top-level package
    (ImportError; found first by anyio's suite under the plugin on 3.10). A callee of
    another module stays a call where its relative imports would name other modules."""
    case = make_case(3950011, "modules", stress=False)
    program = case.program()
    assert isinstance(program, dict) and "fzpkg/sub/mod3.py" in program
    _assert_case_agrees(case, program)


def test_fuzz_seed_4500003_a_fallback_for_a_builtin_defined_in_a_block_that_does_not_run():
    """Seed 4500003 (runtime-async), one of the first programs with conditional definitions:
    ``anext`` defined under ``except NameError`` (never taken: calls reach the builtin). Its
    reference was bound only in that block, so the guard raised NameError where the
    original raised the builtin's TypeError (found first by graphql-core's suite under the
    plugin). The reference now starts as ``runtime.NOT_FOUND``."""
    case = make_case(4500003, "runtime", stress=False)
    program = case.program()
    assert isinstance(program, str) and "except NameError:  # never taken" in program
    _assert_case_agrees(case, program)


def test_fuzz_seed_5000091_a_star_import_rebinds_a_function_under_no_rebinding():
    """Seed 5000091 (modules, runtime-async, no guards), one of the first packages whose
    shadowed ``relay`` is rebound by ``from .prelude import *``: under ``no-rebinding`` the
    module's own ``relay`` was inlined without a test, and the prelude's never ran. A
    function a later star import may rebind keeps its guard (``unsure_functions``)."""
    case = make_case(5000091, "modules", stress=False)
    program = case.program()
    assert isinstance(program, dict) and not case.options.guards
    assert any("from .prelude import *" in text for text in program.values())
    _assert_case_agrees(case, program)


MULTI_ITEM_WITH = '''\
from runtime import async_method

class CM:
    def __enter__(self):
        return self
    def __exit__(self, *exc):
        return False

@async_method
async def f0(a, b):
    with CM(), CM(), CM():
        if a:
            y = await f0(await f0(a - 1, b), b)
        return b

@async_method
async def main():
    return await f0(3, 4)
'''


def test_fuzz_seed_15200103_a_multi_item_with_counts_a_block_per_item():
    """Seed 15200103 (classes, runtime): ``with a, b, c:`` nests three compiler blocks, not
    one; the nesting budget counted two for any ``with``, and a recursive callee inlined
    into itself made code CPython refuses (an internal error: the module left as written).
    Sites that would exceed the limit are now kept as calls (``nesting``)."""
    result = rewrite_source(MULTI_ITEM_WITH, options=Options(stress_seed=None))
    assert result.report.inlined
    assert "nesting" in {code for _, code in result.report.kept()}
    verdict = compare(MULTI_ITEM_WITH, runtime_async=True, options=Options(stress_seed=None))
    assert verdict.kind is None, verdict.detail
