"""What an inlined frame releases on its normal exit, and what it may leave (issue 12, item 4).

The original frame releases its locals when the callee returns. The inlined frame leaves a
variable holding its value only where every binding of it is *silent*
(``analysis/release.py``): an object of an exact builtin type nobody can see go. Each case
below binds a value that looks harmless but can be any object, whose ``__del__`` prints:
the print must come where the original's does.
"""

import pytest

from async_inline import Options, rewrite_source
from tests.differential.harness import assert_same_behaviour

NOISY = '''
class Noisy:
    def __init__(self, name):
        self.name = name
    def __del__(self):
        print("freed", self.name)
    def __add__(self, other):
        return Noisy(self.name + "+")
    def __lt__(self, other):
        return Noisy(self.name + "<")
    def __eq__(self, other):
        return Noisy(self.name + "==")
    def __neg__(self):
        return Noisy("-" + self.name)
    def __bool__(self):
        return True
    __hash__ = object.__hash__
'''

_NOT_SILENT = {
    "operator_on_an_argument": "x = a + 1",
    "comparison_of_an_argument": "x = a < 1",
    "equality_of_an_argument": "x = a == 1",
    "negated_argument": "x = -a",
    "or_of_an_argument": "x = 0 or a",
    "conditional_of_an_argument": "x = a if True else 0",
    "tuple_holding_an_argument": "x = (1, a)",
    "constant_then_an_argument": "x = 1\n    x = a + 1",
    "augmented_by_an_argument": "x = 1\n    x += a",
    "local_copied_from_an_argument": "y = a\n    x = y",
    "walrus_of_an_argument": "print((x := a + 1) is not None)",
    "loop_over_constants_holds_an_argument": "for x in (1, a):\n        pass",
    "call_of_a_builtin": "x = list((a,))",
}


@pytest.mark.parametrize("statement", _NOT_SILENT.values(), ids=_NOT_SILENT.keys())
def test_a_local_that_may_hold_any_object_is_released_on_return(statement):
    """Rule 4 of the lean-code issue: the callee's locals go where its frame would."""
    assert_same_behaviour(NOISY + f'''
async def f(a):
    {statement}
    return 0

async def main():
    for tag in ("p", "q"):
        print("got", await f(Noisy(tag)))
        print("after", tag)
''', inlined={"f"})


def test_an_argument_temporary_holding_any_object_is_released_on_return():
    assert_same_behaviour(NOISY + '''
async def f(a):
    return [a][0] and 0

async def main():
    for tag in ("p", "q"):
        n = Noisy(tag)
        print("got", await f(n + 1))
        print("after", tag)
''', inlined={"f"})


_SILENT_CALLEE = '''
async def f(a, b=3, c=None):
    n = 1
    n += 2
    s = "x" * n
    flag = not a
    member = a in (1, 2)
    same = a is c
    t = (n, s, flag, -n, 2 ** n, n < 4)
    return len(t) + b
'''


def test_silent_locals_keep_their_values_and_behave_the_same():
    """Locals and temporaries bound only to literals, ``not``, ``in``, ``is``, operators on
    those and tuples of them are not cleared on the normal exit (nothing can tell), nor is a
    default read from the tuple the module holds; the program behaves the same."""
    source = NOISY + _SILENT_CALLEE + '''
async def main():
    for tag in ("p", "q"):
        print("got", await f(Noisy(tag)), await f("k" + "x"))
        print("after", tag)
'''
    result = assert_same_behaviour(source, inlined={"f"})
    assert _cleared(result.code).isdisjoint({"n", "s", "flag", "member", "same", "t", "b", "c"})


def _cleared(code: str) -> set[str]:
    """The variables the code of ``main`` sets to None."""
    lines = [line.strip() for line in code.split("async def main", 1)[1].splitlines()]
    return {name.strip() for line in lines if line.endswith("= None") for name in line.split("=")[:-1]}


def test_only_the_variables_that_may_hold_any_object_are_cleared():
    """The parameter holds an object whose ``__del__`` prints, and is released as the
    original releases it, while the silent locals beside it are not cleared."""
    result = rewrite_source(NOISY + _SILENT_CALLEE + '''
async def main():
    print(await f(Noisy("p")))
''', options=Options(stress_seed=None))
    cleared = _cleared(result.code)
    assert "_ai_t2" in cleared, result.code  # the argument, a Noisy
    assert cleared.isdisjoint({"n", "s", "flag", "member", "same", "t", "b", "c"}), result.code


_ORDER = {
    "keyword_only_before_star": '''
async def f(a, *rest, k):
    x = Noisy("x")
    return 0

async def main():
    print(await f(Noisy("a"), Noisy("r"), k=Noisy("k")))
''',
    "rebound_parameter_lets_go_of_its_argument": '''
async def f(a):
    a = 1
    print("rebound")
    return a

async def main():
    print(await f(Noisy("a")))
''',
    "copied_parameter": '''
async def f(a, b):
    c = a
    a = b
    print("rebound")
    return 0

async def main():
    print(await f(Noisy("a"), Noisy("b")))
''',
    "defaults_replaced_the_call_made_instead": '''
async def f(a, b=5):
    x = Noisy("x")
    return b

async def main():
    f.__defaults__ = (6,)
    print(await f(Noisy("a")))
    print("after")
''',
    "expression_form_arguments_in_parameter_order": '''
async def f(a, b):
    return a is not b

async def main():
    print(await f(Noisy("a"), Noisy("b")), "printed after both are freed")
    if await f(Noisy("c"), b=Noisy("d")):
        print("in the if")
''',
    "keyword_defaults": '''
async def f(a, *, b=5):
    x = Noisy("x")
    return b

async def main():
    print(await f(Noisy("a")))
    f.__kwdefaults__ = {"b": Noisy("b")}
    print(await f(Noisy("a2")) is not None)
    f.__kwdefaults__ = None
    print("after")
''',
}


@pytest.mark.parametrize("source", _ORDER.values(), ids=_ORDER.keys())
def test_the_frame_releases_its_variables_in_the_original_order(source):
    """A frame releases its locals in the order of ``co_varnames`` (positional parameters,
    keyword-only ones, ``*``, ``**``, then the others), and an argument goes with the
    parameter holding it (a temporary that evaluated it lets go of it where the call
    binds it), also where the site makes the call instead (the defaults were replaced)."""
    assert_same_behaviour(NOISY + source, inlined={"f"})


_IDENTICAL_DEFAULTS = {
    "small_int_replaced_by_a_class_decorator_with_the_same_length": '''
def other(cls):
    cls.m.__defaults__ = (6,)
    return cls

@other
class K:
    async def m(self, a, b=5):
        r = a, b
        return r

async def main():
    return await K.m(K(), 1)
''',
    "large_int_is_the_tuples_object": '''
async def f(a, b=100000):
    return b is f.__defaults__[0], b

async def main():
    return await f(1)
''',
    "none_replaced_at_run_time": '''
async def f(a, b=None):
    r = a, b
    return r

async def main():
    out = [await f(1)]
    f.__defaults__ = (7,)
    out.append(await f(1))
    return out
''',
}


@pytest.mark.parametrize("source", _IDENTICAL_DEFAULTS.values(), ids=_IDENTICAL_DEFAULTS.keys())
def test_a_default_pasted_as_its_literal_is_the_tuples_object(source):
    """Where the function holds its ``def``'s tuple, a default of ``None``, a bool or a
    small int is pasted as its literal (the same object); another is read from the tuple.
    A decorator replacing the tuple by one of the same length is caught when the module
    finds the tuple (``runtime.defaults_of``)."""
    assert_same_behaviour(source)


def test_a_runtime_async_frame_releases_its_locals_then_its_parameters():
    """I2: the body's own locals go when its coroutine returns, in their order; the
    parameters, which the wrapper holds, after its exit (same program as above, with
    ``@async_method``)."""
    import runtime

    assert_same_behaviour(NOISY + '''
from runtime import async_method

@async_method
async def f(a, *rest, k):
    x = Noisy("x")
    y = Noisy("y")
    return 0

async def main():
    print(await f(Noisy("a"), Noisy("r"), k=Noisy("k")))
    print("after")
''', inlined={"f"}, runner=runtime.run)


_FOUND_BY_REVIEW_R5 = {
    "first_occurrence_is_a_read": '''
async def f(flag):
    if flag:
        print(y)
    x = Noisy("x")
    y = Noisy("y")
    return 0

async def main():
    print(await f(False))
''',
    "comprehension_walrus_target_is_a_cell_before_3_12": '''
async def f(xs):
    r = [(w := v) for v in xs]
    k = Noisy("k")
    return len(r)

async def main():
    print(await f([Noisy("w")]))
''',
}


@pytest.mark.parametrize("source", _FOUND_BY_REVIEW_R5.values(), ids=_FOUND_BY_REVIEW_R5.keys())
def test_the_release_order_is_the_compiled_code_objects(source):
    """Review R5 (f2, f3): a frame releases its variables in its code object's order,
    ``co_varnames`` (a name's first occurrence, a read included) then ``co_cellvars``
    (before 3.12 a ``:=`` target of a comprehension is a cell), not in order of binding."""
    assert_same_behaviour(NOISY + source, inlined={"f"})


@pytest.mark.parametrize("options", [Options(assume=frozenset({"class-methods"})), Options(costly_guards=True)], ids=["class-methods", "costly-guards"])
def test_a_temporary_receiver_goes_with_self(options):
    """Review R5 f4: ``await Obj("o").m(x)`` hands the receiver to the method as ``self``,
    the first local its frame releases; the statement's temporary holding it (or its bound
    method) lets go of it where ``self`` is bound."""
    assert_same_behaviour(NOISY + '''
class Obj(Noisy):
    async def m(self, a):
        x = Noisy("x")
        return 0

async def main():
    print("got", await Obj("o").m(Noisy("a")))
    print("after")
''', options=options, inlined={"Obj.m"})


def test_a_configured_await_keeps_configure_await_where_the_defaults_were_replaced():
    """Review R6 f1 (I7): ``await configure_await(f(x), False)`` whose function's defaults
    were replaced: the site's default reads stay exact reads (no call made instead, which
    awaited the bare coroutine and lost I7: the caller continued on its captured context)."""
    import runtime

    assert_same_behaviour('''
from runtime import async_method, configure_await, SynchronizationContext, QueueContext
import runtime
ctx = QueueContext("q")

def where():
    return "q" if SynchronizationContext.current() is ctx else "other"

@async_method
async def f(a, b=None):
    await runtime.yield_()
    return a, b

@async_method
async def main2():
    SynchronizationContext.set_current(ctx)
    print(await configure_await(f(1), False))
    print("continues on", where())
    SynchronizationContext.set_current(ctx)
    f.__defaults__ = (5,)
    print(await configure_await(f(1), False))
    print("continues on", where())

async def main():
    await main2()
''', runner=runtime.run, inlined={"f"})


def test_a_runtime_async_frame_keeps_its_arguments_until_after_its_exit():
    """Review R6 f2 (F2, I2): the wrapper of an ``@async_method`` function holds its
    arguments until after its exit restores the caller's context, while the body's
    variables, a rebound parameter's included, go when the body returns. A finaliser
    printing an ``AsyncLocal`` sees which."""
    import runtime

    assert_same_behaviour('''
from runtime import async_method, AsyncLocal
loc = AsyncLocal()

class Noisy:
    def __init__(self, name): self.name = name
    def __del__(self): print("freed", self.name, loc.value)

@async_method
async def f(a, b, c):
    loc.value = "in-f"
    a = Noisy("a-new")
    del b
    x = Noisy("x")
    return 0

async def main():
    loc.value = "main"
    print(await f(Noisy("a"), Noisy("b"), Noisy("c")))
''', runner=runtime.run, inlined={"f"})


def test_the_release_order_of_a_function_with_a_namesake():
    """Review R6 f3: the function's code object is found by where it starts, also when
    another function of the module has its name and parameters."""
    assert_same_behaviour(NOISY + '''
def outer():
    async def f(flag):
        if flag:
            print(y)
        x = 1
        y = 2
        return 0
    return f

async def f(flag):
    if flag:
        print(y)
    x = Noisy("x")
    y = Noisy("y")
    return 0

class A:
    async def get(self, key):
        if key:
            print(v)
        u = Noisy("u")
        v = Noisy("v")
        return 0

class B:
    async def get(self, key):
        if key:
            print(v)
        u = 1
        v = 2
        return 1

async def main():
    print(await f(False), await outer()(False))
    print(await A.get(A(), False))
''', inlined={"f", "A.get"})


def test_an_operator_on_a_default_is_not_silent():
    """Fuzz seed 14000249 (lifetime shapes): a default read from the tuple the module holds
    need not be cleared (the tuple keeps it alive), but it is any object: ``c + c`` may make
    a new one, which the frame must let go of when it returns."""
    assert_same_behaviour('''
class Noisy:
    def __init__(self, name, loud=True):
        self.name, self.loud = name, loud
    def __del__(self):
        if self.loud:
            print("freed", self.name)
    def __add__(self, other):
        return Noisy(self.name + "+")

async def f(a, c=Noisy("c", False)):
    y = c + c
    return 0

async def main():
    print("got", await f(1))
    print("after")
''', inlined={"f"})


def test_a_runtime_async_frame_lets_go_of_star_arguments_from_the_last():
    """Fuzz seed 2014 (lifetime shapes): the wrapper's ``*rest`` tuple, which goes after
    the exit, lets go of its items from the last, as any tuple does."""
    import runtime

    assert_same_behaviour(NOISY + '''
from runtime import async_method

@async_method
async def f(a, *rest, **kw):
    return 0

async def main():
    print(await f(Noisy("a"), Noisy("r1"), Noisy("r2"), k1=Noisy("k1"), k2=Noisy("k2")))
    print("after")
''', runner=runtime.run, inlined={"f"})


def test_the_call_made_instead_lets_go_of_a_rebound_argument():
    """Fuzz seed 15000052 (lifetime shapes): where the defaults were replaced and the site
    makes the call itself, the temporaries let go of the arguments before the await, also
    an argument bound to a parameter the callee rebinds (whose temporary the inlined path
    would clear after binding)."""
    assert_same_behaviour(NOISY + '''
async def f(a, b=None):
    s = Noisy("s")
    a = -3
    print("body end")
    return 0

async def main():
    print(await f(Noisy("a")))
    f.__defaults__ = (Noisy("e"),)
    print(await f(Noisy("a2")))
    f.__defaults__ = (None,)
''', inlined={"f"})
