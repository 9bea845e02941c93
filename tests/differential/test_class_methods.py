"""The assumption ``class-methods``: method guards test ``type(obj).m is REF`` (a class without
``m`` makes it false) instead of a bound method. Exact for everything a class decides (overrides, class attributes rebound,
metaclasses, class decorators, patches of the class); an instance attribute shadowing the
method is what the user promises does not happen, and the last test pins that it is then
not seen (docs/user-guide.md, "Assumptions")."""

from __future__ import annotations

import textwrap
from dataclasses import replace

import pytest

from async_inline import Options, rewrite_source
from async_inline.api import rewrite_program
from tests.differential.harness import assert_same_behaviour, load_module, run_source
from tests.differential.package_harness import run_package
from tests.differential.test_methods import COUNTER

CLASS_METHODS = Options(assume=frozenset({"class-methods"}))


def test_overrides_rebinding_and_patches_of_the_class_are_seen():
    """(``costly_guards``: with ``Loud`` overriding it in sight, the site would stay a call,
    tests/differential/test_overridden_methods.py.)"""
    assert_same_behaviour(COUNTER + '''
from unittest import mock

class Loud(Counter):
    async def bump(self, by=1):
        print("loud bump", by)
        return -by

class Quiet(Counter):
    pass

async def other(self, by=1):
    print("other", by)
    return by * 100

async def main():
    for obj in (Counter(), Loud(), Quiet(5)):
        print(type(obj).__name__, await obj.twice(), obj.n)
    original = Counter.bump
    Counter.bump = other
    print(await Quiet().twice())
    Counter.bump = original
    with mock.patch.object(Counter, "bump", other):
        print(await Counter().twice())
    print(await Counter().twice())
''', options=replace(CLASS_METHODS, costly_guards=True), inlined={"Counter.bump"})


def test_a_metaclass_or_class_decorator_that_wraps_the_method():
    assert_same_behaviour('''
def logged(fn):
    async def wrapper(*args, **kwargs):
        print("wrapped", fn.__name__)
        return await fn(*args, **kwargs)
    return wrapper

class Wrap(type):
    def __new__(mcs, name, bases, namespace):
        if "m" in namespace:
            namespace["m"] = logged(namespace["m"])
        return super().__new__(mcs, name, bases, namespace)

class A(metaclass=Wrap):
    async def m(self, d=9):
        return d

    async def run(self):
        return await self.m()

def decorate(cls):
    cls.n = logged(cls.n)
    return cls

@decorate
class B:
    async def n(self):
        return "B.n"

    async def run(self):
        return await self.n()

async def main():
    print(await A().run(), await B().run())
''', options=CLASS_METHODS, min_inlined=1, not_found=frozenset({"_ai_ref_A_m", "_ai_ref_B_n"}))  # wrapped: never inlined


@pytest.mark.parametrize("options", [Options(), CLASS_METHODS], ids=["default", "class-methods"])
def test_a_class_decorator_putting_a_function_named_alike_in_the_methods_place(options):
    """The reference check knows a method by its qualified name and its code's: a
    decorator's function called ``m`` and given the qualified name ``A.m`` (by hand, or
    made from text as ``dataclasses`` makes methods) is not the ``def`` whose body was
    inlined. Before 3.11 codes have no qualified name: until 2026-12-06 the first one
    passed there (the module's code now tells where each def is), and the second one
    passed on every version (its code's file now tells)."""
    assert_same_behaviour('''
def by_hand(cls):
    async def m(self):
        return "by hand"
    m.__qualname__ = "A.m"
    cls.m = m
    return cls

def from_text(cls):
    namespace = {}
    exec("class B:\\n    async def n(self):\\n        return 'from text'\\n", {}, namespace)
    cls.n = namespace["B"].n
    return cls

@by_hand
class A:
    async def m(self):
        return "orig"

@from_text
class B:
    async def n(self):
        return "orig"

def from_elsewhere(cls):
    import types
    other = types.ModuleType("elsewhere")
    other.__file__ = __file__
    exec(compile("async def p(self):\\n    return 'from elsewhere'\\n", __file__, "exec"), vars(other))
    other.p.__qualname__ = "D.p"
    cls.p = other.p
    return cls

@from_elsewhere
class D:
    async def p(self):
        return "orig"

class C:
    async def k(self):
        return "kept"

async def main():
    print(await A.m(None), await A().m(), await B.n(None), await B().n(), await D.p(None), await C.k(None))
''', options=options, inlined={"C.k"}, not_found=frozenset({"_ai_ref_A_m", "_ai_ref_B_n", "_ai_ref_D_p"}))


@pytest.mark.parametrize("options", [Options(), CLASS_METHODS], ids=["default", "class-methods"])
def test_a_class_decorator_copying_the_methods_with_globals_of_their_own(options):
    """A copy of the method (same code, qualified name and file) whose globals are a dict of
    its own (dependency injection) reads ``DB`` there; until 2026-12-06 it passed the
    reference check and the inlined body read the module's ``DB``. (The copies' globals are
    a snapshot taken inside the class statement: the references must already exist then.)"""
    assert_same_behaviour('''
import types

DB = "real-db"

def inject(**overrides):
    def deco(cls):
        for name, value in list(vars(cls).items()):
            if isinstance(value, types.FunctionType):
                copy = types.FunctionType(value.__code__, dict(value.__globals__, **overrides), value.__name__,
                                          value.__defaults__, value.__closure__)
                copy.__qualname__ = value.__qualname__
                setattr(cls, name, copy)
        return cls
    return deco

@inject(DB="test-db")
class Repo:
    async def fetch(self):
        return "fetch from " + DB

    async def go(self):
        return await type(self).fetch(self)

class Kept:
    async def k(self):
        return "kept"

async def main():
    print(await Repo.fetch(Repo()), await Repo().go(), await Kept.k(None))
''', options=options, inlined={"Kept.k"}, not_found=frozenset({"_ai_ref_Repo_fetch", "_ai_ref_Repo_go"}))


@pytest.mark.parametrize("how", ["class decorator", "__init_subclass__"])
def test_methods_run_while_their_class_statement_executes(how):
    """A class decorator, ``__init_subclass__`` or a metaclass may run the class's
    coroutines inside the class statement, before the references bound after it: their
    guards raised NameError. References now exist from the module's start (not found
    until bound), so those runs take the original calls."""
    run = '''
def run(coro):
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(coro)
    finally:
        loop.close()
'''
    if how == "class decorator":
        program = '''
def selftest(cls):
    print("selftest", run(cls().go()))
    return cls

@selftest
class K:
    @classmethod
    async def cm(cls):
        return "cm:" + cls.__name__

    async def go(self):
        return await type(self).cm()

async def main():
    print(await K().go())
'''
    else:
        program = '''
class Plugin:
    registry = []

    def __init_subclass__(cls, **kw):
        super().__init_subclass__(**kw)
        Plugin.registry.append(run(cls.describe()))

    @classmethod
    async def name(cls):
        return cls.__name__.lower()

class Alpha(Plugin):
    @classmethod
    async def tag(cls):
        return "alpha"

    @classmethod
    async def describe(cls):
        return await cls.name() + "/" + await cls.tag()

async def main():
    print(Plugin.registry, await Alpha.describe())
'''
    assert_same_behaviour("import asyncio\n" + run + program)


def test_the_receiver_is_evaluated_once_before_the_arguments():
    """A constructed receiver and an attribute receiver whose reads print: each evaluated
    once, before the arguments, as the original does."""
    result = assert_same_behaviour(COUNTER + '''
class Made(Counter):
    def __init__(self, start):
        print("made", start)
        super().__init__(start)

class Holder:
    def __init__(self):
        self.c = Counter(1)

    def __getattribute__(self, name):
        print("read holder." + name)
        return object.__getattribute__(self, name)

    async def use(self):
        return await self.c.bump(await self.c.bump())

def arg(value):
    print("arg", value)
    return value

async def main():
    print(await Made(3).bump(arg(4)))
    print(await Holder().use())
''', options=CLASS_METHODS, inlined={"Counter.bump"})
    shapes = {d.callee for d in result.report.inlined}
    assert {"Made(3).bump", "self.c.bump"} <= shapes, result.report.skipped


def test_the_generated_guard_makes_no_bound_method():
    """The class attribute is read in a ``try``: a class without it makes the test False."""
    code = rewrite_source(COUNTER, options=CLASS_METHODS.replace(stress_seed=None)).code
    assert "_ai1_on_class = _ai_type(self).bump is _ai_ref_Counter_bump\n        except _ai_AttributeError:" in code
    assert "__func__" not in code and "__self__" not in code


def test_a_receiver_whose_class_lacks_the_method_takes_the_original_lookup():
    """Found by aiohttp's suite: a ``Mock`` receiver, or a proxy answering through
    ``__getattr__``, has no class attribute of that name; the guard must then be false
    (the original call finds the method its own way), not raise AttributeError. The
    assumption is about instance attributes shadowing a method, and there is none."""
    assert_same_behaviour(COUNTER + '''
from unittest import mock

class Proxy:
    def __getattr__(self, name):
        async def method(by=1):
            return "proxied " + name
        return method

class Holder:
    def __init__(self, counter: Counter) -> None:
        self.counter = counter

    async def get(self):
        return await self.counter.bump()

async def main():
    print(await Holder(Counter()).get())
    print(await Holder(Proxy()).get())
    print(await Holder(mock.Mock(bump=mock.AsyncMock(return_value="mocked"))).get())
''', options=CLASS_METHODS, inlined={"Counter.bump"})


def test_a_metaclass_whose_lookups_run_code_keeps_the_exact_guard():
    """Fuzz seed 920048 (modules, ``class-methods``): the class guard looked ``m`` up on the
    class, which ran the metaclass's ``__getattribute__`` (it printed); the original
    ``self.m()`` looks it up on the instance and never does. A class the analysis sees
    with a metaclass other than ``type`` or ``ABCMeta`` keeps the exact guard; an
    ``ABCMeta`` class takes the class guard."""
    result = assert_same_behaviour('''
from abc import ABCMeta

class Watch(type):
    def __getattribute__(cls, name):
        if name == "m":
            print("class lookup of m")
        return super().__getattribute__(name)

class A(metaclass=Watch):
    async def m(self, d=9):
        return d

    async def run(self):
        return await self.m()

class Sub(A):
    pass

class Abstract(metaclass=ABCMeta):
    async def n(self):
        return "n"

    async def run(self):
        return await self.n()

async def main():
    print(await A().run(), await Sub().run(), await Abstract().run())
''', options=CLASS_METHODS.replace(stress_seed=None), inlined={"Abstract.n"})
    assert "_on_class = _ai_type(self).n is" in result.code
    assert "_ai_type(self).m" not in result.code


#: A subclass of ``Counter`` whose ``bump`` is under a descriptor that logs in ``__get__``.
LOGGED_SUBCLASS = '''
class Logged:
    def __init__(self, fn):
        self.fn = fn

    def __get__(self, obj, owner=None):
        print("get")
        return self.fn.__get__(obj, owner)

class Sub(Counter):
    @Logged
    async def bump(self, by=1):
        return -by

async def run(counter):
    return await counter.twice()

async def main():
    return await run(Sub())
'''


def test_what_the_class_test_would_miss_in_code_the_rewrite_reads_keeps_the_exact_guard():
    """Fuzz seed 950560 (3.12, classes, ``class-methods``) had a subclass bind the name to a
    descriptor that logs in ``__get__``: the class test runs ``__get__(None, cls)`` once
    more than the original lookup does. Where the modules the rewrite reads show it (such a
    subclass; one defining ``__getattribute__``, also inside a function; an attribute of the
    method's name assigned or patched on an object the analysis types to a class whose
    instances may be receivers: a local, ``self`` of a mixin of a subclass, ``self`` in a
    closure), the site keeps the exact guard and says why."""
    logged = COUNTER + LOGGED_SUBCLASS
    watched = COUNTER + '''
async def main():
    class Watched(Counter):
        def __getattribute__(self, name):
            print("lookup", name)
            return super().__getattribute__(name)

    return await Watched().twice(), await Counter().twice()
'''
    patched = COUNTER + '''
async def fake(by=1):
    return "fake"

async def main():
    c = Counter()
    c.bump = fake
    return await c.twice()
'''
    shadowed_in_init = COUNTER + '''
async def fake(by=1):
    return "fake"

class Mixin:
    def __init__(self):
        self.bump = fake

class Both(Mixin, Counter):
    pass

async def main():
    return await Both().twice()
'''
    patched_by_mock = COUNTER + '''
from unittest import mock

async def main():
    c = Counter()
    with mock.patch.object(c, "bump", mock.AsyncMock(return_value=7)):
        return await c.twice()
'''
    shadowed_in_a_closure = COUNTER + '''
async def fake(by=1):
    return "fake"

class Patched(Counter):
    def __init__(self):
        super().__init__()

        def patch():
            self.bump = fake

        patch()

async def main():
    return await Patched().twice()
'''
    def set_by(how: str, shadow: str = "pass") -> str:
        return COUNTER + f'''
from unittest import mock

class MonkeyPatch:
    def setattr(self, target, name, value):
        setattr(target, name, value)

async def fake(by=1):
    return "fake"

class Setter(Counter):
    def shadow(self):
        {shadow}

async def main():
    c = Setter()
    {how}
    return await c.twice()
'''

    def getattribute_by(how: str) -> str:
        return COUNTER + f'''
def logged(self, name):
    print("lookup", name)
    return object.__getattribute__(self, name)

{how}

async def main():
    return await Counter().twice()
'''

    # Forms found by a review on 2026-12-06, which the class test missed:
    missed = [
        (set_by('MonkeyPatch().setattr(c, "bump", fake)'), "an attribute 'bump' is assigned on an instance of 'Setter' at line 30"),
        (set_by('c.__setattr__("bump", fake)'), "an attribute 'bump' is assigned on an instance of 'Setter' at line 30"),
        (set_by("c.shadow()", "super().__setattr__('bump', fake)"), "an attribute 'bump' is assigned on an instance of 'Setter' at line 26"),
        (set_by("c.shadow()", "super(Setter, self).__setattr__('bump', fake)"), "an attribute 'bump' is assigned on an instance of 'Setter' at line 26"),
        (set_by('c.__dict__["bump"] = fake'), "an attribute 'bump' is assigned on an instance of 'Setter' at line 30"),
        (set_by('vars(c)["bump"] = fake'), "an attribute 'bump' is assigned on an instance of 'Setter' at line 30"),
        (set_by("c.__dict__.update(bump=fake)"), "an attribute 'bump' is assigned on an instance of 'Setter' at line 30"),
        (set_by('setattr(c, "bu" "mp", fake)'), "an attribute 'bump' is assigned on an instance of 'Setter' at line 30"),
        (set_by("mock.patch.multiple(c, bump=fake).start()"), "an attribute 'bump' is assigned on an instance of 'Setter' at line 30"),
        (getattribute_by("Counter.__getattribute__ = logged"), "'__getattribute__' is assigned at line 19"),
        (getattribute_by('setattr(Counter, "__getattribute__", logged)'), "'__getattribute__' is assigned at line 19"),
    ]
    for program, why in [
        *missed,
        (shadowed_in_a_closure, "an attribute 'bump' is assigned on an instance of 'Patched' at line 23"),
        (patched_by_mock, "an attribute 'bump' is assigned on an instance of 'Counter' at line 19"),
        (logged, "subclass 'Sub' binds 'bump' to an object other than a function"),
        (watched, "subclass 'Watched' customizes attribute lookup"),
        (patched, "an attribute 'bump' is assigned on an instance of 'Counter' at line 20"),
        (shadowed_in_init, "an attribute 'bump' is assigned on an instance of 'Mixin' at line 20"),
    ]:
        result = rewrite_source(program, options=CLASS_METHODS.replace(stress_seed=None))
        assert {s.reason.rsplit(": ", 1)[-1] for s in result.report.skipped if s.callee == "self.bump"} == {why}
        assert run_source(result.code, "main", None, "_cm_h") == run_source(program, "main", None, "_cm_h")


def _keeps_the_exact_guard(program: str, why: str, at: str, callee: str = "self.bump") -> None:
    """``program``'s site ``callee`` keeps the exact guard under ``class-methods`` for the
    reason ``why``, seen at the first line holding ``at`` (so, with the default cost rule,
    the site stays a call), and behaves the same."""
    line = next(n for n, text in enumerate(program.splitlines(), 1) if at in text)
    result = rewrite_source(program, options=CLASS_METHODS.replace(stress_seed=None))
    reasons = {s.reason.rsplit(": ", 1)[-1] for s in result.report.skipped if s.callee == callee}
    assert reasons == {f"{why} at line {line}"}, result.report.skipped
    assert run_source(result.code, "main", None, "_cm_h") == run_source(program, "main", None, "_cm_h")


#: A descriptor whose ``__get__`` logs whether it is asked on the class or on an instance.
LOGGED = '''
class Logged:
    def __init__(self, fn):
        self.fn = fn

    def __get__(self, obj, owner=None):
        print("get", "on the class" if obj is None else "on an instance")
        return self.fn if obj is None else self.fn.__get__(obj, owner)
'''


def test_a_method_rewrapped_during_its_class_statement_is_not_the_reference():
    """Review O, F1: a class decorator or a base's ``__init_subclass__`` turning the method
    into ``staticmethod(m)`` while the class statement runs (here by computed names, which
    the scan of stores cannot read): ``type(obj).m`` is the function either way, so the
    class test passed and the body ran with ``self=obj`` where the call passes no instance
    (``self=5, by=1``). The reference is now found only where the class holds the kind of
    method the body was inlined as (``function_of(..., kind="instance")``): here never,
    and the site makes its call."""
    by_decorator = '''
wrap = staticmethod  # (an alias: the scan of stores cannot tell what it makes)

def static(*names):
    def decorate(cls):
        for name in names:
            setattr(cls, name, wrap(vars(cls)[name]))
        return cls
    return decorate

@static("m")
class K:
'''
    by_init_subclass = '''
class Static:
    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        for name in cls.static:
            setattr(cls, name, staticmethod(vars(cls)[name]))

class K(Static):
    static = ("m",)
'''
    body = '''
    async def m(self, by=1):
        return ("m", type(self).__name__, by)

    async def go(self):
        return await self.m(5)

async def main():
    return await K().go()
'''
    # Since review R19 c1 the scan knows the classes a decorator factory's function is
    # applied to, and sees the store on K (what ``wrap`` makes it cannot tell: not visibly a
    # function): the site keeps the exact guard, and the reference check stays the net.
    result = assert_same_behaviour(by_decorator + body, options=CLASS_METHODS, min_inlined=0, not_found=frozenset({"_ai_ref_K_m"}))
    assert "_ai_type(self).m is" not in result.code
    # Since review R14 the scan counts a store under a computed name on a class it knows
    # (``cls`` of ``__init_subclass__``) for every name: the site keeps the exact guard.
    result = assert_same_behaviour(by_init_subclass + body, options=CLASS_METHODS, min_inlined=0, not_found=frozenset({"_ai_ref_K_m"}))
    assert "_ai_type(self).m is" not in result.code


def test_a_method_held_in_the_kind_it_was_inlined_as_is_the_reference():
    """The kind ``function_of`` checks is the one each method was inlined as: an instance
    method's plain function, a classmethod's and a staticmethod's wrapper."""
    assert_same_behaviour('''
class K:
    async def m(self, by=1):
        return ("m", by)

    @classmethod
    async def c(cls, by=1):
        return ("c", cls.__name__, by)

    @staticmethod
    async def s(by=1):
        return ("s", by)

    async def go(self):
        return await self.m(5), await self.c(6), await self.s(7), await K.c(8), await K.s(9)

async def main():
    return await K().go()
''', options=CLASS_METHODS, inlined={"K.m", "K.c", "K.s"})


def test_what_the_code_sets_on_a_class_keeps_the_exact_guard_unless_a_function():
    """Review O, F1 and F2 b: a store on a class was taken as seen by the class test, which
    holds for the identity of what the class gives, not for how an instance lookup binds
    it: ``Counter.bump = staticmethod(Counter.bump)`` gives the class test the function
    while the call passes no instance (a TypeError, where the inlined body returned), and a
    descriptor set on a subclass after its body runs ``__get__(None, cls)`` in the class
    test where the call runs ``__get__(obj, cls)``. Now setting the name on a class an
    instance of which may be the receiver (by name, ``type(x)``, ``cls`` of a classmethod
    or ``__init_subclass__``, a class decorator's parameter; ``setattr``,
    ``mock.patch.object``) keeps the exact guard unless the value is visibly a function
    (next test); a ``staticmethod`` stored on an object the analysis cannot tell counts
    too."""
    def program(setup: str, run: str) -> str:
        return COUNTER + LOGGED + f'''
from unittest import mock

class Sub(Counter):
    pass

{setup}

async def main():
    print(await Counter().twice())
    try:
        {run}
        return await Sub().twice()
    except TypeError as e:
        return "TypeError"
'''

    for setup, run, on in [
        ("", "Counter.bump = staticmethod(Counter.bump)", "Counter"),
        ("", 'setattr(Counter, "bump", staticmethod(Counter.bump))', "Counter"),
        ("", 'mock.patch.object(Counter, "bump", staticmethod(Counter.bump)).start()', "Counter"),
        ("", "Sub.bump = Logged(Counter.bump)", "Sub"),
        ("", 'setattr(Sub, "bump", Logged(Counter.bump))', "Sub"),
        ("", "type(Sub()).bump = Logged(Counter.bump)", "Sub"),
        ("class Deep(Sub):\n    @classmethod\n    def wrap(cls):\n        cls.bump = Logged(Counter.bump)", "Deep.wrap(); print(await Deep().twice())", "Deep"),
        ("class Mixin:\n    def __init_subclass__(cls):\n        cls.bump = staticmethod(cls.bump)\nclass Both(Sub, Mixin):\n    pass",
         "print(await Both().twice())", "Mixin"),
        ("def wrap(cls):\n    cls.bump = Logged(Counter.bump)\n    return cls\n@wrap\nclass Wrapped(Counter):\n    pass",
         "print(await Wrapped().twice())", "Wrapped"),
    ]:
        at = "bump = " if "bump = " in setup else run
        _keeps_the_exact_guard(program(setup, run), f"'bump' of class '{on}' is set to an object other than a function", at)
    _keeps_the_exact_guard(
        program("def rewrap(obj):\n    obj.bump = staticmethod(obj.bump)", "rewrap(Sub)"),
        "a staticmethod, classmethod or descriptor is stored as 'bump' on an object the analysis cannot tell",
        "obj.bump =",
    )


def test_functions_and_mocks_set_on_a_class_keep_the_class_test():
    """What the class test does see, as the call does: a function (a ``def``, a
    ``lambda``, the method read off the class and restored) or a mock set on the class
    (made by the patch, or given to it: ``mock.AsyncMock(...)``)."""
    assert_same_behaviour(COUNTER + '''
from unittest import mock

async def plain(self, by=1):
    return ("plain", by)

async def main():
    out = [await Counter().twice()]
    original = Counter.bump
    Counter.bump = lambda self, by=1: plain(self, -by)
    out.append(await Counter().twice())
    Counter.bump = original
    out.append(await Counter().twice())
    with mock.patch.object(Counter, "bump") as patched:
        patched.return_value = 7
        out.append(await Counter().twice())
    with mock.patch.object(Counter, "bump", mock.AsyncMock(return_value=8)):
        out.append(await Counter().twice())
    setattr(Counter, "bump", plain)
    out.append(await Counter().twice())
    return out
''', options=CLASS_METHODS, inlined={"Counter.bump"})


def test_a_subclass_made_by_a_call_keeps_the_exact_guard():
    """Review O, F2 a and b: subclasses made by ``type(name, bases, namespace)``,
    ``types.new_class``, ``dataclasses.make_dataclass`` or a metaclass called were not
    seen: one whose namespace held ``__getattribute__`` (run by the original lookup, not by
    the class test) or a descriptor (``__get__`` asked on the class, not on the instance).
    Now a call that may make a subclass of the receiver's class keeps the exact guard,
    unless it is ``type()`` with a dictionary display binding neither the name nor
    ``__getattribute__``, on bases the analysis knows (next test)."""
    def program(made: str) -> str:
        return COUNTER + LOGGED + f'''
import dataclasses
import types

def logged(self, name):
    print("lookup", name)
    return object.__getattribute__(self, name)

class Meta(type):
    pass

X = {made}

async def main():
    return await Counter().twice(), await X().twice()
'''

    for made in [
        'type("X", (Counter,), {"__getattribute__": logged})',
        'type("X", (Counter,), {"bump": Logged(Counter.bump)})',
        'types.new_class("X", (Counter,), {}, lambda ns: ns.update(__getattribute__=logged))',
        'dataclasses.make_dataclass("X", [("n", int, 0)], bases=(Counter,), namespace={"bump": Logged(Counter.bump)})',
        'Meta("X", (Counter,), {"bump": Logged(Counter.bump)})',
        'type("X", tuple([Counter]), {"__getattribute__": logged})',
    ]:
        _keeps_the_exact_guard(program(made), "a call may make a subclass of 'Counter'", "X = ")


@pytest.mark.parametrize(
    "base",
    ["remade(Watched)", "make()"],
    ids=["class_rebuilt_from_a_customizing_class", "class_made_by_a_function"],
)
def test_a_base_the_analysis_cannot_resolve_where_a_class_customizes_lookup_keeps_the_exact_guard(base):
    """Fuzz seed 16000138 (3.13): ``A = remade(A)`` rebuilt a class defining
    ``__getattribute__``, and ``class B(A)`` had a base the analysis could not resolve, so
    it saw no class customizing lookup and the class test skipped the ``__getattribute__``
    the original lookup runs. A base it cannot resolve may be made from any class of the
    code read: where one customizes lookup, the site keeps the exact guard."""
    program = f'''
def remade(cls):
    ns = {{k: v for k, v in vars(cls).items() if k not in ("__dict__", "__weakref__")}}
    return type(cls)(cls.__name__, cls.__bases__, ns)

class Watched:
    def __getattribute__(self, name):
        if name == "get":
            print("lookup", name)
        return object.__getattribute__(self, name)

def make():
    return remade(Watched)

class B({base}):
    async def get(self):
        return 6

class C(B):
    async def twice(self):
        return await self.get() + await self.get()

async def main():
    return await C().twice()
'''
    result = rewrite_source(program, options=CLASS_METHODS.replace(stress_seed=None))
    reasons = {s.reason.rsplit(": ", 1)[-1] for s in result.report.skipped if s.callee == "self.get"}
    assert reasons == {"a base the analysis cannot resolve may be made from class 'Watched', which customizes attribute lookup"}
    assert run_source(result.code, "main", None, "_cm_u") == run_source(program, "main", None, "_cm_u")


def test_a_base_the_analysis_cannot_resolve_where_a_call_makes_classes_keeps_the_exact_guard():
    """Review R11 f4: the base made by ``type()`` with ``__getattribute__`` in its namespace:
    no class statement customizes lookups, but the call makes a class that does."""
    program = '''
def ga(self, name):
    if name == "m":
        async def other(x):
            return ("other", x)
        return other
    return object.__getattribute__(self, name)

Base = type("Base", (), {"__getattribute__": ga})

class B(Base):
    async def m(self, x):
        return ("m", x)

async def main():
    b = B()
    return await b.m(1)
'''
    result = rewrite_source(program, options=CLASS_METHODS.replace(stress_seed=None))
    reasons = {s.reason.rsplit(": ", 1)[-1] for s in result.report.skipped if s.callee == "b.m"}
    assert reasons == {"a base the analysis cannot resolve may be a class made by the call at line 9"}
    assert run_source(result.code, "main", None, "_cm_u") == run_source(program, "main", None, "_cm_u")


def test_a_subclass_made_by_type_with_a_plain_namespace_keeps_the_class_test():
    assert_same_behaviour(COUNTER + '''
X = type("X", (Counter, object), {"label": "x"})
Y = type("Y", (object,), {"bump": 1})

async def main():
    return await Counter().twice(), await X().twice(), X.label, Y.bump
''', options=CLASS_METHODS, inlined={"Counter.bump"})


def test_an_unrelated_class_holding_the_method_whose_instances_store_its_name_keeps_the_exact_guard():
    """Review O, F2 c: a class unrelated by inheritance that holds the method under its
    name (``bump = Counter.bump`` in its body, or set on it later) passes the class test,
    so one of its instances passed where a ``Counter`` is expected (duck typing) ran the
    inlined body where the original calls the instance attribute its ``__init__`` stored.
    Now such a store keeps the exact guard; a class binding the name to a literal
    (``bump = None``) holds no function
    (``test_an_attribute_of_the_same_name_on_an_unrelated_class_keeps_the_class_test``)."""
    def program(holds: str, later: str = "") -> str:
        return COUNTER + f'''
class Other:
    {holds}

    def __init__(self):
        self.n = 0

        async def fake(by=1):
            return "instance attribute"

        self.bump = fake
{later}

async def main():
    return await Counter().twice(), await Counter.twice(Other())
'''

    why = "an attribute 'bump' is assigned on an instance of 'Other' (unrelated, but 'Other' may hold the method as 'bump')"
    _keeps_the_exact_guard(program("bump = Counter.bump"), why, "self.bump = fake")
    _keeps_the_exact_guard(program("pass", "Other.bump = Counter.bump"), why, "self.bump = fake")


@pytest.mark.decisions
@pytest.mark.parametrize(
    "binds",
    [
        "@property\n    def bump(self):\n        return self._bump\n\n    @bump.setter\n    def bump(self, value):\n        self._bump = value",
        "@functools.cached_property\n    def bump(self):\n        return self._bump",
    ],
    ids=["property and setter", "cached_property"],
)
def test_an_unrelated_class_binding_the_name_to_a_property_holds_no_method(binds):
    """A class whose body binds the method's name only by a property (and its setter), or
    a ``functools.cached_property``, holds a descriptor the class test never passes on:
    a store of the name on its instances shadows nothing a ``Counter`` looks up. httpx's
    ``Response.request`` kept ``self.request(...)`` in ``AsyncClient`` a call."""
    assert_same_behaviour(COUNTER + f'''
import functools

class Other:
    def __init__(self):
        self._bump = "unset"

    {binds}

async def main():
    other = Other()
    other.bump = "set"
    return await Counter().twice(), other.bump
''', options=CLASS_METHODS, inlined={"Counter.bump"})


#: ``Other``, unrelated to ``Counter``, whose body is ``BODY``; ``main`` stores ``bump`` on an
#: instance of it and passes it where a ``Counter`` is expected (duck typing).
_OTHER_WITH_A_BUMP = '''
PRELUDE
class OtherBASES:
    def __init__(self):
        self.n = 0
        self._bump = None

BODY

async def fake(by=1):
    return "instance attribute"

async def main():
    other = Other()
    other.bump = fake
    return await Counter().twice(), await Counter.twice(other)
'''


def _other_with_a_bump(body: str, prelude: str = "", bases: str = "") -> str:
    return COUNTER + _OTHER_WITH_A_BUMP.replace("PRELUDE", prelude).replace("BASES", bases).replace("BODY", body)


@pytest.mark.parametrize(
    "binds",
    [
        "@property\n    def bump(self):\n        return self._bump\n\n    bump = Counter.bump",
        "setter = property(lambda self: self._bump)\n\n    @setter.setter\n    def bump(self, value):\n        self._bump = value\n\n    bump = Counter.bump",
        "bump = Counter.bump\n\n    @property\n    def other(self):\n        return self._bump",
    ],
    ids=["property rebound", "setter of another name, then the method", "method beside a property"],
)
def test_an_unrelated_class_binding_the_name_to_the_method_after_a_property_keeps_the_exact_guard(binds):
    """Only the property defs count: the same name bound later to the method (or beside a
    property of another name) still makes the class a possible holder."""
    program = _other_with_a_bump("    " + binds)
    why = "an attribute 'bump' is assigned on an instance of 'Other' (unrelated, but 'Other' may hold the method as 'bump')"
    _keeps_the_exact_guard(program, why, "other.bump = fake")


_HOLDER_AFTER_A_PROPERTY = {
    "a := after the property": ("", "    (bump := Counter.bump)\n", ""),
    "a := in another def's default": ("", "    def helper(self, x=(bump := Counter.bump)):\n        pass\n", ""),
    "property rebound by a global statement": (
        "def install():\n    global property\n    property = lambda f: Counter.bump\ninstall()\n", "", ""
    ),
    "property from a star import": (
        "import sys, types\n_m = types.ModuleType('r31a_props')\n_m.property = lambda f: Counter.bump\n"
        "sys.modules['r31a_props'] = _m\nfrom r31a_props import *\n",
        "",
        "",
    ),
    "a metaclass writing the namespace": (
        "class Meta(type):\n    def __new__(mcls, name, bases, ns):\n        ns['bump'] = Counter.bump\n"
        "        return super().__new__(mcls, name, bases, ns)\n",
        "",
        "(metaclass=Meta)",
    ),
    "locals() written in the body": ("", "    locals()['bump'] = Counter.bump\n", ""),
    "a := in another property's default": ("", "    @property\n    def helper(self, _=(bump := Counter.bump)):\n        return 2\n", ""),
    "a metaclass inherited from a base": (
        "class Meta(type):\n    def __new__(mcls, name, bases, ns):\n        ns['bump'] = Counter.bump\n"
        "        return super().__new__(mcls, name, bases, ns)\n\nclass Base(metaclass=Meta):\n    pass\n",
        "",
        "(Base)",
    ),
    "a decorator writing through the caller's frame": (
        "import sys\n\ndef keep(f):\n    sys._getframe(1).f_locals['bump'] = Counter.bump\n    return f\n",
        "    @keep\n    def helper(self):\n        pass\n",
        "",
    ),
    "an alias of locals": ("_ns = locals\n", "    _ns()['bump'] = Counter.bump\n", ""),
    "a class decorator replacing the class": (
        "def deco(c):\n    class New:\n        bump = Counter.bump\n\n        def __init__(self):\n            self.n = 0\n    return New\n\n@deco\n",
        "",
        "",
    ),
    "a call in the body": (
        "def plant():\n    try:\n        raise ValueError\n    except ValueError as e:\n"
        "        getattr(e.__traceback__.tb_frame.f_back, 'f_loc' + 'als')['bump'] = Counter.bump\n",
        "    plant()\n",
        "",
    ),
    "a traceback's frame written in the body": (
        "def plant(tb):\n    tb.tb_frame.f_locals['bu' + 'mp'] = Counter.bump\n",
        "    try:\n        raise ValueError\n    except ValueError as e:\n        plant(e.__traceback__)\n",
        "",
    ),
}


@pytest.mark.parametrize("case", list(_HOLDER_AFTER_A_PROPERTY))
def test_a_property_def_whose_name_ends_up_holding_the_method_keeps_the_exact_guard(case):
    """Reviews R31a F1-F4, F6, R32a F1-F3, R33a F2 and R34b F1, F2: the class body's ``@property def bump`` does
    not make the class hold a property where the name is bound again (a ``:=``, which the
    class scan did not see at all, even without a property, nor in a property's default),
    where ``property`` may not be the builtin (a ``global`` statement, a star import), or
    where the namespace is written otherwise (a metaclass that is not plain, its own or
    inherited; ``locals()``, an alias of it, a decorator writing its caller's frame):
    ``Other`` holds ``Counter.bump``, and ``Counter.twice(other)`` calls the instance
    attribute."""
    prelude, after, bases = _HOLDER_AFTER_A_PROPERTY[case]
    program = _other_with_a_bump("    @property\n    def bump(self):\n        return 1\n" + after, prelude, bases)
    result = rewrite_source(program, options=CLASS_METHODS.replace(stress_seed=None))
    assert "_on_class = _ai_type(self).bump is" not in result.code
    assert run_source(result.code, "main", None, "_cm_p") == run_source(program, "main", None, "_cm_p")


def test_a_walrus_in_a_class_body_binding_the_method_makes_a_holder():
    """Review R31a F1, without a property: ``(bump := Counter.bump)`` in ``Other``'s body
    binds ``bump`` in its namespace; the class scan counted only assignments, imports,
    ``def`` and ``class`` statements, so ``Other`` held the method unseen."""
    program = _other_with_a_bump("    (bump := Counter.bump)")
    why = "an attribute 'bump' is assigned on an instance of 'Other' (unrelated, but 'Other' may hold the method as 'bump')"
    _keeps_the_exact_guard(program, why, "other.bump = fake")


def test_an_overload_stub_with_no_def_after_it_binds_what_its_decorator_returns():
    """Review R32a F4: a function of the program named ``overload`` was taken for
    ``typing.overload``, and its stub for a def replaced later: ``Other`` held
    ``Counter.bump`` unseen. A stub binds nothing that lasts only where a later ``def`` of
    its name, no stub, follows it in the same body."""
    program = _other_with_a_bump("    @overload\n    def bump(self):\n        ...\n", "def overload(f):\n    return Counter.bump\n")
    why = "an attribute 'bump' is assigned on an instance of 'Other' (unrelated, but 'Other' may hold the method as 'bump')"
    _keeps_the_exact_guard(program, why, "other.bump = fake")


def test_overload_stubs_followed_by_the_method_leave_it_a_method():
    """``typing.overload`` stubs and then the ``async def``: the class holds the method
    (the last definition), which the class test inlines."""
    result = assert_same_behaviour(COUNTER.replace("    async def bump(", """    @overload
    async def bump(self, by: int = 1) -> int: ...

    @overload
    async def bump(self, by: float) -> float: ...

    async def bump(""") .replace("class Counter", "from typing import overload\n\n\nclass Counter", 1) + """
async def main():
    return await Counter().twice()
""", options=CLASS_METHODS, inlined={"Counter.bump"})
    assert "_ai_type(self).bump is" in result.code


def test_an_attribute_of_the_same_name_on_an_unrelated_class_keeps_the_class_test():
    """``self.bump = ...`` in a method of a class that is not in ``Counter``'s order, and
    whose order has neither ``Counter`` nor one of its visible subclasses (aiohttp's
    ``Application._on_cleanup`` beside ``CleanupContext._on_cleanup``), shadows nothing a
    ``Counter`` looks up; a store on the class itself is seen by the class test."""
    result = assert_same_behaviour(COUNTER + '''
class Signals:
    bump = None

    def __init__(self):
        self.bump = []

async def plain(self, by=1):
    return "rebound"

async def main():
    first = await Counter().twice(), Signals().bump
    Counter.bump = plain
    return first, await Counter().twice()
''', options=CLASS_METHODS, inlined={"Counter.bump"})
    assert "_on_class = _ai_type(self).bump is" in result.code


@pytest.mark.parametrize("assume", [frozenset(), frozenset({"class-methods"})])
@pytest.mark.parametrize(
    "unseen", ["instance attribute elsewhere", "descriptor elsewhere", "store on an untyped object", "staticmethod elsewhere"]
)
def test_what_the_analysis_cannot_see_is_what_the_assumption_excludes(assume, unseen):
    """Without the assumption, an instance attribute shadowing the method or a subclass
    binding it to a descriptor with effects is seen by the exact guard; with it, what the
    analysis cannot see is not: code in a module the site's rewrite does not read (here
    ``pkg/app.py``: ``Counter.twice`` is rewritten from ``pkg/counter.py`` alone), or a
    store on an object whose class it does not know. The difference the user guide warns
    about."""
    counter, app = COUNTER, '''
        from .counter import Counter

        async def fake(by=1):
            return "fake"

        async def run(counter):             # (of unknown class: not inlined here)
            return await counter.twice()

        async def main():
            c = Counter()
            c.bump = fake
            return await run(c)
    '''
    if unseen == "descriptor elsewhere":
        app = "from .counter import Counter\n\n" + LOGGED_SUBCLASS
    elif unseen == "staticmethod elsewhere":
        # Rewrapped at run time: no test as cheap as the class test tells ``staticmethod(m)``
        # from ``m`` on the class (docs/methods.md). The original raises TypeError.
        app = """
            from .counter import Counter

            async def main():
                Counter.bump = staticmethod(Counter.bump)
                twice = Counter().twice  # (a call: the site compared is counter.py's own)
                return await twice()
        """
    elif unseen == "store on an untyped object":
        counter = COUNTER + '''
async def fake(by=1):
    return "fake"

def shadow(obj):                        # (of unknown class)
    obj.bump = fake
'''
        app = '''
            from .counter import Counter, shadow

            async def main():
                c = Counter()
                shadow(c)
                return await c.twice()
        '''
    files = {"pkg/__init__.py": "", "pkg/counter.py": counter, "pkg/app.py": textwrap.dedent(app)}
    results = rewrite_program(files, options=Options(assume=assume, stress_seed=None))
    assert any(d.callee == "self.bump" for d in results["pkg/counter.py"].report.inlined) is bool(assume)
    original = run_package(files, "pkg.app:main")
    rewritten = run_package({path: r.code for path, r in results.items()}, "pkg.app:main")
    assert (rewritten == original) is (not assume)


SUPER_CALLS = '''
import asyncio, builtins
from unittest import mock

class Base:
    def __init__(self):
        self.log = []

    async def prepare(self, x):
        self.log.append(("Base.prepare", x))
        return x + 1

class Middle(Base):
    async def helper(self):
        return "middle"

class Leaf(Middle):
    async def prepare(self, x):
        r = await super().prepare(x * 2)
        return r + 100

async def other(self, x):
    return -x

async def main():
    leaf = Leaf()
    print(await leaf.prepare(1))
    print(await Leaf.prepare(leaf, 2))
    Middle.prepare = other                   # super() finds Middle's now
    print(await Leaf.prepare(leaf, 3))
    del Middle.prepare
    with mock.patch.object(Base, "prepare", mock.AsyncMock(return_value=1000)):
        print(await Leaf.prepare(leaf, 4))
    # (Called where no copy of Leaf.prepare is inlined: a copy calls the builtin super.)
    real, prepare = builtins.super, getattr(Leaf, "prepare")
    builtins.super = lambda *a: print("patched super", len(a)) or Middle()
    try:
        print(await prepare(leaf, 5))
    finally:
        builtins.super = real
    globals()["super"] = lambda: Middle()    # a global shadowing the builtin
    try:
        print(await prepare(leaf, 6))
    finally:
        del globals()["super"]
    print(await Leaf.prepare(leaf, 7), leaf.log)
'''


@pytest.mark.parametrize("costly", [False, True], ids=["default", "costly"])
def test_super_method_sites_are_tested_on_the_class_super_starts_at(costly: bool) -> None:
    """``super().m()`` in a method of a class of one base: ``super is SUPER and type(self)
    is __class__ and __class__.__mro__[1].m is REF``. A method set on a class between, a
    patch of the base, ``builtins.super`` patched or a global ``super`` take the original
    call. (An instance attribute of the name, which ``super()`` skips, is still a hazard
    of the class test, as for ``self.m()``.)"""
    options = CLASS_METHODS.replace(costly_guards=costly)
    result = assert_same_behaviour(SUPER_CALLS, options=options, inlined={"Base.prepare"})
    assert [d.caller for d in result.report.inlined if d.callee == "super().prepare"] == ["Leaf.prepare"]
    assert "__class__.__mro__ is _ai_mro_Leaf and _ai_mro_Leaf[1].prepare is" in result.code


SUPER_SUBCLASSED = '''
class Base:
    async def m(self):
        return "Base.m:" + type(self).__name__

class A(Base):
    async def m(self):
        return "A.m/" + await super().m()

class Sub(A):
    pass

class Other(Base):
    async def m(self):
        return "Other.m/" + await super().m()

class Mixed(A, Other):
    pass

async def main():
    for obj in (A(), Sub(), Mixed()):       # Mixed: super() in A reaches Other.m
        print(await obj.m())
'''


@pytest.mark.decisions
def test_super_sites_whose_class_test_would_fail_for_instances_in_sight_stay_calls() -> None:
    """A subclass of the caller's class in the code read: for its instances ``type(self)
    is __class__`` fails every time (``guard-cost``); with ``costly_guards`` inlined, and
    the diamond ``Mixed`` (super() in ``A`` reaching ``Other.m``) takes the call."""
    report = rewrite_source(SUPER_SUBCLASSED, options=CLASS_METHODS).report
    skipped = {(d.caller, d.code) for d in report.skipped if d.callee == "super().m"}
    assert ("A.m", "guard-cost") in skipped
    assert any("'Sub' subclasses 'A'" in d.reason for d in report.skipped)
    assert any("'Mixed' subclasses 'Other'" in d.reason for d in report.skipped)
    result = assert_same_behaviour(SUPER_SUBCLASSED, options=CLASS_METHODS.replace(costly_guards=True), inlined={"Base.m"})
    assert "_ai_mro_A[1].m is" in result.code


@pytest.mark.parametrize(
    ("program", "why"),
    [
        ("class A(Base, Extra):\n    async def m(self):\n        return await super().m()\n", "one base"),
        ("class A(Base, metaclass=Meta):\n    async def m(self):\n        return await super().m()\n", "one base"),
        ("class A(Generic[T], Base):\n    async def m(self):\n        return await super().m()\n", None),
        ("class A(Base, Generic[T]):\n    async def m(self):\n        return await super().m()\n", "one base"),
        ("class A(Base):\n    async def m(self):\n        self = Base()\n        return await super().m()\n", "by its call alone"),
        ("class A(Base):\n    async def m(self):\n        __class__\n        return await super().m()\n", "names no __class__"),
        ("class A(Base):\n    async def m(self):\n        async def inner():\n            return await super(A, self).m()\n        return await inner()\n", None),
    ],
    ids=["two-bases", "metaclass", "generic-first", "generic-second", "first-rebound", "names-class", "nested"],
)
@pytest.mark.decisions
def test_super_sites_the_class_test_cannot_see_keep_the_exact_guard(program: str, why: str | None) -> None:
    """Two bases (the order after the class is not its base's), a metaclass (it may
    compute the order), a first parameter bound again (``super()`` reads the variable) or
    ``__class__`` named by the method: no class test; the program still runs the same."""
    source = '''
from typing import Generic, TypeVar

T = TypeVar("T")

class Meta(type):
    pass

class Base:
    async def m(self):
        return "Base.m:" + type(self).__name__

class Extra:
    async def m(self):
        return "Extra.m"

''' + program + '''
async def main():
    print(await A().m())
'''
    report = rewrite_source(source, options=CLASS_METHODS).report
    skipped = [d for d in report.skipped if d.callee == "super().m"]
    if why is not None:
        assert skipped and why in skipped[0].reason, report.skipped
    assert_same_behaviour(source, options=CLASS_METHODS.replace(costly_guards=True), min_inlined=0)
    assert "__mro__" not in rewrite_source(source, options=CLASS_METHODS.replace(costly_guards=True)).code


def test_a_super_site_run_from_init_subclass_while_the_class_statement_executes() -> None:
    """``__init_subclass__`` runs the subclass's coroutine inside its class statement."""
    assert_same_behaviour('''
import asyncio

class Base:
    seen = []

    def __init_subclass__(cls, **kw):
        super().__init_subclass__(**kw)
        loop = asyncio.new_event_loop()
        try:
            Base.seen.append(loop.run_until_complete(cls().m()))
        finally:
            loop.close()

    async def m(self):
        return "Base.m"

class A(Base):
    async def m(self):
        return "A.m/" + await super().m()

async def main():
    print(Base.seen, await A().m())
''', options=CLASS_METHODS, inlined={"Base.m"})


_TWO_BASES = '''
class A:
    async def m(self):
        return "A.m"

class X(A):
    pass

class Y(A):
    async def m(self):
        return "Y.m"

class C(A):
    async def go(self):
        return "C/" + await super().m()

    @staticmethod
    def rebrand(cls):
        def set_cell():
            nonlocal __class__
            __class__ = cls
        set_cell()

class D(X, Y):
    pass
'''


@pytest.mark.parametrize(
    "repoint",
    ["C.go.__closure__[0].cell_contents = D   # as attrs does for the classes it remakes", "C.rebrand(D)   # nonlocal __class__ in a sibling"],
    ids=["closure", "nonlocal"],
)
def test_a_super_site_whose_class_cell_holds_a_class_of_two_bases_takes_the_call(repoint: str) -> None:
    """Review R28b F1a, F1b: the test looked ``m`` up on ``__class__.__mro__[1]``, which
    is where ``super()`` looks only for a class of one base; with the cell pointed at
    ``D(X, Y)``, ``super()`` reaches ``Y.m`` and the test passed for ``A.m``. The cell's
    order must now be the tuple ``runtime.super_order`` vouched for after the class."""
    assert_same_behaviour(_TWO_BASES + f'''
async def main():
    before = await C().go()
    {repoint}
    go = C.go
    return before, await go(D())
''', options=CLASS_METHODS, inlined={"A.m"})


def _run_both(files: dict[str, str]) -> None:
    """The super() site is inlined (the normal rewrite), and the program runs alike (the
    rewrite of the stress seed, if any)."""
    files = {path: textwrap.dedent(text) for path, text in files.items()}
    results = rewrite_program(files, options=CLASS_METHODS.replace(stress_seed=None))
    assert any(d.callee.startswith("super()") for r in results.values() for d in r.report.inlined)
    if CLASS_METHODS.stress_seed is not None:
        results = rewrite_program(files, options=CLASS_METHODS)
    original = run_package(files, "pkg.app:main")
    assert original["error"] is None, original
    assert run_package({path: r.code for path, r in results.items()}, "pkg.app:main") == original


_INVOICE = '''
    class Base:
        async def save(self):
            return "Base.save"

    class Record(Base):
        pass

    class Audited(Base):
        pass

    {decorator}class Invoice(Record):
        async def save(self):
            return "Invoice/" + await super().save()
'''
_PATCHED_SAVE = '''
    from unittest import mock
    from . import {imported}
    from .model import Invoice, Record

    async def patched(self):
        return "Record.save (patched)"

    async def main():
        save = Invoice().save
        first = await save()
        with mock.patch.object(Record, "save", patched, create=True):
            return first, await save()
'''


def test_bases_assigned_in_a_module_the_rewrite_does_not_read_for_the_site_are_seen() -> None:
    """Review R28b F1c: ``Invoice.__bases__ = (Audited, *Invoice.__bases__)`` in another
    module of the program; the patch of ``Record``, between, was skipped (the test asked
    ``Audited.save``). Assigning ``__bases__`` makes the order again: another tuple."""
    _run_both({
        "pkg/__init__.py": "",
        "pkg/model.py": _INVOICE.format(decorator=""),
        "pkg/audit.py": "from .model import Audited, Invoice\n\nInvoice.__bases__ = (Audited, *Invoice.__bases__)\n",
        "pkg/app.py": _PATCHED_SAVE.format(imported="audit"),
    })


def test_a_class_decorator_of_another_module_remaking_the_class_with_a_mixin() -> None:
    """Review R28b F1d: the decorator makes a class of two bases and points the methods'
    cells at it; ``runtime.super_order`` refuses it (its order after it is not its first
    base's)."""
    _run_both({
        "pkg/__init__.py": "",
        "pkg/remake.py": '''
            def with_mixin(mixin):
                def decorate(cls):
                    ns = {k: v for k, v in vars(cls).items() if k not in ("__dict__", "__weakref__")}
                    new = type(cls)(cls.__name__, (mixin, *cls.__bases__), ns)
                    for f in ns.values():
                        for cell in getattr(f, "__closure__", None) or ():
                            if cell.cell_contents is cls:
                                cell.cell_contents = new
                    return new
                return decorate
        ''',
        "pkg/model.py": "    from .remake import with_mixin\n" + _INVOICE.format(decorator="@with_mixin(Audited)\n    "),
        "pkg/app.py": _PATCHED_SAVE.format(imported="remake"),
    })


def test_super_in_a_metaclass_whose_instance_is_a_subclass_of_it() -> None:
    """Review R28b F2a: ``self`` a class made by ``C`` and deriving from ``C``: ``super()``
    starts at ``self`` and gives the function unbound (TypeError when called); the test
    passed. ``runtime.super_order`` vouches for no metaclass (``C`` derives from a
    metaclass the analysis cannot see: another package's)."""
    load_module('''
class LibMeta(type):
    pass

def derive(meta, *bases):
    return meta("Derived", bases, {})
''', "r28b_extmeta")
    assert_same_behaviour('''
from r28b_extmeta import LibMeta, derive

class Describing:
    async def describe(self):
        return "Describing.describe of " + self.__name__

class B(Describing, LibMeta):
    pass

class C(B):
    async def describe(self):
        return "C/" + await super().describe()

async def main():
    X = derive(C, C)
    describe = C.describe
    try:
        return await describe(X)
    except TypeError as e:
        return "TypeError", str(e)
''', options=CLASS_METHODS, inlined={"Describing.describe"})


def test_builtins_super_replaced_before_the_module_is_imported_is_not_the_builtin() -> None:
    """Review R28b F3: ``_ai_super`` was ``builtins.super`` when the module was imported;
    replaced before that, the test compared the replacement with itself and never called
    it. The alias is now the interpreter's own (``runtime.SUPER``)."""
    _run_both({
        "pkg/__init__.py": "",
        "pkg/tracing.py": '''
            import builtins, sys

            _super = builtins.super
            calls = []

            class traced_super(_super):
                def __init__(self, *args):
                    frame = sys._getframe(1)
                    if frame.f_globals.get("__name__") == "pkg.model":
                        calls.append(frame.f_code.co_name)
                    if not args:
                        args = (frame.f_locals["__class__"], frame.f_locals[frame.f_code.co_varnames[0]])
                    _super.__init__(self, *args)

            builtins.super = traced_super
        ''',
        "pkg/model.py": '''
            class Base:
                async def save(self):
                    return "Base.save"

            class Invoice(Base):
                async def save(self):
                    return "Invoice/" + await super().save()
        ''',
        "pkg/app.py": '''
            from . import tracing
            from .model import Invoice

            async def main():
                save = Invoice().save
                try:
                    return await save(), tracing.calls
                finally:
                    tracing.builtins.super = tracing._super
        ''',
    })


def test_a_metaclass_keeping_a_class_order_across_bases_assigned() -> None:
    """Review R29a F2: a metaclass (of another package, inherited through ``Root``) whose
    ``mro()`` hands back the tuple it computed before keeps ``C.__mro__`` the same object
    after ``X.__bases__ = (A,)``, while ``X.__mro__`` drops ``Y``: ``super()`` in ``C``
    walks ``Y`` and finds ``Y.m``, the test asked ``X.m`` (``A.m``) and passed.
    ``runtime.super_order`` vouches only for classes whose metaclass's ``mro`` is
    ``type.mro``. (The program must behave alike whatever the rewrite decides.)"""
    load_module('''
class Meta(type):
    orders = {}
    def mro(cls):
        if "pinned" in cls.__dict__ and cls in Meta.orders:
            return Meta.orders[cls]
        order = Meta.orders[cls] = tuple(type.mro(cls))
        return order

class Root(metaclass=Meta):
    pass

def rebase(cls, *bases):
    cls.__bases__ = bases

def install(cls, name, value):
    setattr(cls, name, value)
''', "r29a_ext")
    assert_same_behaviour('''
from r29a_ext import Root, rebase, install

class A(Root):
    async def m(self):
        return "A.m"

class Y(A):
    pass

class X(Y):
    pass

class C(X):
    pinned = True
    async def m(self):
        return "C/" + await super().m()

async def y_m(self):
    return "Y.m"

async def main():
    first = await getattr(C(), "m")()
    rebase(X, A)
    install(Y, "m", y_m)
    return first, await getattr(C(), "m")()
''', options=CLASS_METHODS, min_inlined=0)


@pytest.mark.parametrize(
    "metaclass",
    [
        "options = {'metaclass': Loud}\n\nclass C(Base, **options):",
        "def choose():\n    global type\n    type = Loud\n\nchoose()\n\nclass C(Base, metaclass=type):",
    ],
    ids=["keyword-mapping", "type-rebound-by-global"],
)
def test_a_metaclass_the_class_statement_does_not_spell_is_not_plain(metaclass: str) -> None:
    """Review R29a F1: ``class C(Base, **options)`` with a metaclass in ``options``, or
    ``metaclass=type`` where a function rebound the global ``type``, was taken for a plain
    metaclass: the class tests read ``C.__mro__`` and ``C.m`` through ``Loud``, which the
    original never runs."""
    assert_same_behaviour('''
class Loud(type):
    def __getattribute__(cls, name):
        if name in ("m", "__mro__"):
            print("class lookup", cls.__name__, name)
        return super().__getattribute__(name)

class Base:
    async def m(self):
        return "Base.m"

''' + metaclass + '''
    async def m(self):
        return "C/" + await super().m()

async def other():
    return 1

async def main():
    c = C()
    m = getattr(c, "m")
    print("start")
    return await m(), await c.m(), await other()
''', options=CLASS_METHODS)
