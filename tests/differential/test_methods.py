"""Inlined methods (issue 11): the guard follows Python's attribute lookup exactly.

Each program runs a site several times while the lookup's answer changes (subclass
instances, instance attributes, class attributes rebound, patches, descriptors,
``__getattr__``/``__getattribute__``, metaclasses), and prints what every call did: the
rewritten program must do exactly the same, inlining where the lookup still yields the
function it inlined and calling otherwise. Sites whose exact guard is a bound method are
not inlined by default (``guard-cost``, analysis/guards.py): these tests ask for them
(``Options.costly_guards``), since that guard is what they check.
"""

from __future__ import annotations

import re
import sys

import pytest

import runtime
from async_inline import Options, rewrite_source
from tests.differential.harness import assert_same_behaviour, load_module

#: Inline every method site, with the exact guards.
EXACT = Options(costly_guards=True)

COUNTER = '''
class Counter:
    def __init__(self, start=0):
        self.n = start

    async def bump(self, by=1):
        self.n = self.n + by
        return self.n

    async def twice(self):
        a = await self.bump()
        b = await self.bump(2)
        return a, b
'''


def test_self_method_on_the_class_and_on_a_subclass_that_overrides_it():
    assert_same_behaviour(COUNTER + '''
class Loud(Counter):
    async def bump(self, by=1):
        print("loud bump", by)
        self.n = self.n + 10 * by
        return self.n

class Quiet(Counter):
    pass

async def main():
    for obj in (Counter(), Loud(), Quiet(5)):
        print(type(obj).__name__, await obj.twice(), obj.n)
''', options=EXACT, inlined={"Counter.bump"})


def test_instance_attribute_shadowing_the_method():
    assert_same_behaviour(COUNTER + '''
async def fake(by=1):
    print("fake bump", by)
    return -by

async def main():
    c = Counter()
    print(await c.twice())
    c.bump = fake
    print(await c.twice())
    del c.bump
    print(await c.twice())
''', options=EXACT, inlined={"Counter.bump"})


def test_class_attribute_rebound_after_definition_and_restored():
    assert_same_behaviour(COUNTER + '''
async def other(self, by=1):
    print("other", by)
    return by * 100

async def main():
    c = Counter()
    print(await c.twice())
    original = Counter.bump
    Counter.bump = other
    print(await c.twice())
    Counter.bump = original
    print(await c.twice())
''', options=EXACT, inlined={"Counter.bump"})


def test_mock_patch_object_with_async_mock_and_with_a_coroutine_function():
    assert_same_behaviour(COUNTER + '''
from unittest import mock

async def replacement(self, by=1):
    return "replaced", by

async def main():
    c = Counter()
    with mock.patch.object(Counter, "bump", new_callable=mock.AsyncMock, return_value=42) as patched:
        print(await c.twice(), patched.await_count)
    with mock.patch.object(Counter, "bump", replacement):
        print(await c.twice())
    with mock.patch.object(c, "bump", mock.AsyncMock(return_value=7)):
        print(await c.twice())
    print(await c.twice())
''', options=EXACT, inlined={"Counter.bump"})


def test_getattribute_and_getattr_overrides_in_subclasses():
    assert_same_behaviour(COUNTER + '''
class Traced(Counter):
    def __getattribute__(self, name):
        if name == "bump":
            print("looked up bump")
        return super().__getattribute__(name)

class Redirect(Counter):
    def __getattribute__(self, name):
        if name == "bump":
            async def elsewhere(by=1):
                return ("elsewhere", by)
            return elsewhere
        return super().__getattribute__(name)

class Fallback(Counter):
    def __getattr__(self, name):
        print("never needed for", name)
        raise AttributeError(name)

async def main():
    for obj in (Traced(), Redirect(), Fallback()):
        print(type(obj).__name__, await obj.twice())
''', options=EXACT, inlined={"Counter.bump"})


def test_slots_properties_and_data_descriptors():
    assert_same_behaviour(COUNTER + '''
class Slotted(Counter):
    __slots__ = ()

class ByProperty(Counter):
    @property
    def bump(self):
        print("property read")
        async def through(by=1):
            return ("through the property", by)
        return through

class Descriptor:
    def __get__(self, obj, owner=None):
        async def described(by=1):
            return ("descriptor", by)
        return described
    def __set__(self, obj, value):
        raise AttributeError("read-only")

class ByDescriptor(Counter):
    bump = Descriptor()

async def main():
    for obj in (Slotted(), ByProperty(), ByDescriptor()):
        print(type(obj).__name__, await obj.twice())
''', options=EXACT, inlined={"Counter.bump"})


def test_classmethods_and_staticmethods_through_instances_classes_and_cls():
    assert_same_behaviour('''
class Shape:
    sides = 0

    @classmethod
    async def describe(cls, unit="u"):
        return f"{cls.__name__} with {cls.sides} sides ({unit})"

    @staticmethod
    async def area(w, h=2):
        a = w * h
        return a

    @classmethod
    async def report(cls):
        first = await cls.describe()
        second = await cls.area(3)
        return first, second

    async def summary(self):
        d = await self.describe("cm")
        a = await self.area(4, h=5)
        s = await Shape.area(1)
        t = await type(self).describe()
        return d, a, s, t

class Square(Shape):
    sides = 4

    @staticmethod
    async def area(w, h=None):
        return w * w

async def main():
    for obj in (Shape(), Square()):
        print(await obj.summary())
        print(await type(obj).report())
    Shape.describe = classmethod(lambda cls, unit="u": __import__("asyncio").sleep(0, result="rebound"))
    print(await Shape().summary())
''', options=EXACT, inlined={"Shape.describe", "Shape.area"})


def test_methods_the_class_statement_wraps_are_found_in_the_kind_it_makes():
    """``__new__`` is made a staticmethod and ``__class_getitem__`` a classmethod by the
    class statement, undecorated: their references were looked for as instance methods,
    never found, and the sites reported inlined always made the call."""
    assert_same_behaviour('''
class Box:
    async def __new__(cls, x=1):
        return (cls.__name__, x + 1)

    async def __class_getitem__(cls, item):
        return f"{cls.__name__}[{item}]"

    async def go(self):
        return await Box.__new__(Box, 3), await type(self).__class_getitem__("int")

class Sub(Box):
    pass

async def main():
    box = object.__new__(Box)
    print(await box.go(), await object.__new__(Sub).go())
    print(await Box.__new__(Sub), await Sub.__class_getitem__(2))
''', inlined={"Box.__new__", "Box.__class_getitem__"}, min_inlined=4)


def test_classmethods_are_inlined_by_default_with_the_exact_guard():
    """A classmethod's call makes the bound method its guard tests, so the default inlines
    it (analysis/guards.py); the guard still sees overrides, patches, instance attributes
    and rebinding."""
    assert_same_behaviour('''
from unittest import mock

class Codec:
    scale = 2

    @classmethod
    async def encode(cls, x, *, extra=0):
        if x < 0:
            raise ValueError(f"{cls.__name__}: negative {x}")
        return x * cls.scale + extra

    @classmethod
    async def both(cls, x):
        a = await cls.encode(x)
        b = await Codec.encode(x, extra=1)
        return a, b

    async def via_self(self, x):
        return await self.encode(x)

class Wide(Codec):
    scale = 10

class Odd(Codec):
    @classmethod
    async def encode(cls, x, *, extra=0):
        return ("odd", x, extra)

class Super(Codec):
    @classmethod
    async def encode(cls, x, *, extra=0):
        inner = await super().encode(x, extra=extra)
        return ("super", inner)

async def show(label, coro):
    try:
        print(label, await coro)
    except Exception as e:
        print(label, type(e).__name__, e)

async def main():
    for klass in (Codec, Wide, Odd, Super):
        await show(klass.__name__, klass.both(3))
        await show(klass.__name__ + " self", klass().via_self(4))
        await show(klass.__name__ + " neg", klass().via_self(-1))
    shadowed = Codec()
    async def own(x):
        return ("instance", x)
    shadowed.encode = own
    await show("shadowed", shadowed.via_self(5))
    with mock.patch.object(Codec, "encode", new=mock.AsyncMock(return_value="mocked")):
        await show("patched", Codec.both(6))
        await show("patched self", Wide().via_self(6))
    await show("restored", Codec.both(7))
    saved = Codec.__dict__["encode"]
    Codec.encode = staticmethod(lambda x, extra=0: __import__("asyncio").sleep(0, result=("static", x)))
    await show("static", Codec.both(8))
    Codec.encode = saved
    await show("back", Wide.both(9))
''', inlined={"Codec.encode"}, min_inlined=3)


def test_generated_code_calls_type_by_an_alias_of_its_own():
    """A parameter called ``type`` (common in real code) used to be called by the method
    guard (``type(t) is MethodType``): generated code takes the builtins its guards call
    from ``runtime.BUILTINS`` under ``_ai`` names."""
    result = assert_same_behaviour('''
class Codec:
    @classmethod
    async def encode(cls, x):
        return x * 2

async def convert(type, x):
    return await Codec.encode(x), type

async def main():
    print(await convert("json", 3))
''', inlined={"Codec.encode"})
    assert re.search(r"_ai_type\w*\(_ai_t", result.code) and not re.search(r"(?<!\w)type\(_ai", result.code)


@pytest.mark.parametrize("options", [Options(), Options(costly_guards=True)], ids=["default", "costly-guards"])
@pytest.mark.parametrize(
    "signature, call",
    [("*args", "K.cm()"), ("*, k=1", "K.cm()"), ("**kw", "K.cm()"), ("cls, **kw", "K.cm(cls=1)"), ("*args", "K().m()"), ("self, **kw", "K().m(self=2)")],
)
def test_the_receiver_binds_only_to_a_positional_first_parameter(signature, call, options):
    """The object a method is called on binds to its first parameter only if that one is
    positional: ``*args`` gets it in a tuple, ``**kw`` or keyword-only parameters leave it
    to raise, and a keyword of the first parameter's name is given twice. The inliner bound
    it to the first parameter whatever its kind (a review, 2026-12-06): such sites stay calls."""
    kind = "@classmethod\n    " if ".cm(" in call else ""
    name = "cm" if ".cm(" in call else "m"
    assert_same_behaviour(f'''
class K:
    {kind}async def {name}({signature}):
        return "ran"

    @classmethod
    async def kept(cls):
        return cls.__name__

async def main():
    try:
        print(await {call})
    except TypeError as e:
        print("TypeError", e)
    print(await K.kept())
''', options=options, inlined={"K.kept"})


def test_an_inlined_super_call_reaches_super_by_an_alias_of_its_own():
    """The explicit ``super(cls, self)`` of an inlined ``super()`` named ``super`` bare: a
    caller with a parameter called ``super`` called that instead (found reviewing the
    builtins generated code names, 2026-12-04)."""
    result = assert_same_behaviour('''
class A:
    @classmethod
    async def m(cls):
        return "A.m"

class B(A):
    @classmethod
    async def m(cls):
        return await super().m() + " via B"

async def run(super=None):
    return await B.m(), super

async def main():
    print(await run("mine"))
''', inlined={"B.m"})
    assert "_ai_super" in result.code and not re.search(r"(?<![\w.])super\(_ai", result.code)


def test_zero_argument_super_in_a_module_with_a_star_import_keeps_the_call():
    """A star import may bind ``super`` (a compatibility module's): the original's
    ``super()`` calls that, the explicit form the builtin (a review, 2026-12-06). Such a
    callee stays a call; one without ``super()`` is still inlined."""
    result = assert_same_behaviour('''
import types, sys

compat = types.ModuleType("_ai_test_compat")
class _Fake:
    async def cm(self):
        return "fake"
def _super(*args):
    print("custom super", len(args))
    return _Fake()
compat.super = _super
compat.__all__ = ["super"]
sys.modules["_ai_test_compat"] = compat
from _ai_test_compat import *

class Base:
    @classmethod
    async def cm(cls):
        return "real"

class Sub(Base):
    @classmethod
    async def go(cls):
        return await super().cm()

    @classmethod
    async def plain(cls):
        return cls.__name__

async def main():
    print(await Sub.go(), await Sub.plain())
''', inlined={"Sub.plain"})
    if Options().stress_seed is None:
        assert [s.code for s in result.report.skipped if s.callee == "Sub.go"] == ["super"]


@pytest.mark.parametrize("unbind", ["del cls", "try:\n            raise KeyError\n        except KeyError as cls:\n            pass"])
def test_zero_argument_super_after_the_first_parameter_is_unbound_keeps_the_call(unbind):
    """``super()`` after ``del cls`` raises RuntimeError ("arg[0] deleted"); the explicit
    form read the deleted local (UnboundLocalError)."""
    assert_same_behaviour(f'''
class A:
    @classmethod
    async def cm(cls):
        return "A"

    @classmethod
    async def kept(cls):
        return "kept"

class B(A):
    @classmethod
    async def cm(cls):
        {unbind}
        try:
            return super().cm
        except Exception as e:
            return type(e).__name__, str(e)

async def main():
    print(await B.cm(), await B.kept())
''', inlined={"A.kept"})


def test_a_callee_local_called_super_is_not_the_zero_argument_super():
    """A callee that binds ``super`` itself (a local) calls that; only the builtin's
    zero-argument call reads the class cell. Before, the inliner made every ``super()``
    the builtin's explicit form. Since review R17 v1 such a callee stays a call: the
    local may hold the builtin (``super = builtins.super``), whose zero-argument call
    reads the frame it runs in."""
    result = assert_same_behaviour('''
class Other:
    @classmethod
    async def m(cls):
        return "Other.m"

class A:
    @classmethod
    async def m(cls):
        return "A.m"

class B(A):
    @classmethod
    async def m(cls):
        super = lambda *a: Other
        return await super().m() + " via B"

async def main():
    print(await B.m())
''', min_inlined=0)
    assert not re.search(r"super\w*\(_ai_cell", result.code)
    assert {s.code for s in result.report.skipped if s.callee == "B.m"} == {"super"}


def test_zero_argument_super_inside_an_inlined_classmethod_keeps_its_class_by_default():
    """A classmethod inlined by default whose body calls ``super()``: the inlined copy asks
    the defining class (``Mid``), not the class of the caller (``Leaf``)."""
    assert_same_behaviour('''
class Base:
    @classmethod
    async def make(cls, x=1):
        return ("base", cls.__name__, x)

class Mid(Base):
    @classmethod
    async def make(cls, x=2):
        r = await super().make(x)
        return ("mid", cls.__name__, r)

class Leaf(Mid):
    @classmethod
    async def build(cls):
        a = await cls.make()
        b = await Leaf.make(5)
        return a, b

class Other(Leaf):
    @classmethod
    async def make(cls, x=3):
        return ("other", x)

async def main():
    print(await Leaf.build())
    print(await Other.build())
    Base.make = classmethod(lambda cls, x=0: __import__("asyncio").sleep(0, result=("patched", cls.__name__, x)))
    print(await Leaf.build())
''', inlined={"Mid.make", "Base.make"})


def test_zero_argument_super_inside_an_inlined_method_keeps_its_class():
    assert_same_behaviour('''
class A:
    async def name(self):
        return "A"

class B(A):
    async def name(self):
        inner = await super().name()
        return "B>" + inner

    async def show(self):
        return __class__.__name__ + ":" + await self.name()

class C(B):
    async def name(self):
        inner = await super().name()
        return "C>" + inner

class Other:
    async def run(self, obj):
        # B.show inlined here: its super() and __class__ must still mean B.
        return await B.show(obj)

async def use(obj):
    return await B.name(obj)

async def main():
    for obj in (B(), C()):
        print(await obj.show(), await Other().run(obj), await use(obj))
''', options=EXACT, inlined={"B.show", "B.name"})


CELL_POINTED_AT_A_NEW_CLASS = """
def slotted(cls):
    \"\"\"What attrs.define(cls) does to an existing class (and 3.14's dataclass(slots=True)):
    a new class with __slots__, and the methods' __class__ cells pointed at it.\"\"\"
    ns = {k: v for k, v in cls.__dict__.items() if k not in ("__dict__", "__weakref__")}
    ns["__slots__"] = ("x",)
    new = type(cls)(cls.__name__, cls.__bases__, ns)
    for item in ns.values():
        func = getattr(item, "__func__", item)
        for cell in getattr(func, "__closure__", None) or ():
            if cell.cell_contents is cls:
                cell.cell_contents = new
    return new

class Base:
    async def hello(self):
        return "Base.hello"

    @classmethod
    async def make(cls):
        return "Base.make:" + cls.__name__

class K(Base):
    async def hello(self):
        return "K.hello/" + await super().hello()

    @classmethod
    async def make(cls):
        return "K.make/" + await super().make()

    async def go(self, change):
        before = __class__
        if change:
            await K.later()
        return before.__name__, before is __class__, __class__ is type(self)

    @staticmethod
    async def later():
        global KS
        KS = slotted(K)

    async def run(self, change=False):
        return await self.hello(), await type(self).make(), await K.go(self, change)

async def main():
    k = K()
    out = [await k.run(), await k.run(change=True)]
    out.append(await KS().run())
    try:
        out.append(await k.run())
    except TypeError as e:
        out.append(("TypeError", str(e)))
    return out
"""


@pytest.mark.parametrize("options", [Options(), EXACT], ids=["default", "costly_guards"])
def test_super_and_class_read_the_methods_cell_when_they_run(options: Options) -> None:
    """Review O (f4): the inlined ``super()`` and ``__class__`` read a copy of the method's
    ``__class__`` cell taken after the class statement; a class decorator called later
    (attrs' slotted classes, 3.14's ``dataclass(slots=True)``) points the cell at a new
    class, so ``__class__`` was the old class and ``super(old, obj)`` raised TypeError. Now
    the cell is kept and read where they are, also in the middle of an inlined body."""
    result = assert_same_behaviour(CELL_POINTED_AT_A_NEW_CLASS, options=options, inlined={"K.go", "K.make"})
    assert "method_cell(" in result.code and "class_cell(" not in result.code


def test_metaclass_with_a_lookup_of_its_own():
    assert_same_behaviour(COUNTER + '''
class Meta(type):
    def __getattribute__(cls, name):
        if name == "bump":
            print("class lookup through the metaclass")
        return super().__getattribute__(name)

class Managed(Counter, metaclass=Meta):
    async def via_class(self):
        return await Managed.bump(self, 3)

async def main():
    m = Managed()
    print(await m.twice(), await m.via_class())
''', options=EXACT, inlined={"Counter.bump"})


def test_references_to_a_class_s_methods_are_taken_past_its_metaclass():
    """Fuzz seed 1400153 (its shrunk form): the reference the guards compare against was
    read with ``vars(K)``, which runs the metaclass's ``__getattribute__`` when the module
    is imported, a lookup the original never makes (here recorded; there it failed)."""
    assert_same_behaviour('''
LOOKUPS = []

class Meta(type):
    def __getattribute__(cls, name):
        LOOKUPS.append(name)
        return super().__getattribute__(name)

class K(metaclass=Meta):
    @classmethod
    async def make(cls, v):
        return v * 2

    @classmethod
    async def run(cls):
        return await cls.make(21)

async def main():
    at_import = list(LOOKUPS)
    return at_import, await K.run(), LOOKUPS[len(at_import):]
''', inlined={"K.make"})


def test_private_names_of_a_method_are_mangled_by_its_own_class():
    assert_same_behaviour('''
__tally = ["module private"]

class Vault:
    def __init__(self):
        self.__secret = 41

    async def reveal(self):
        found = self.__secret + 1
        return found, __tally

    async def inside(self):
        return await self.reveal()

_Vault__tally = ["mangled global"]

class Thief:
    def __init__(self):
        self.__secret = "thief's"

    async def steal(self, vault):
        return await vault.reveal(), self.__secret

async def main():
    v = Vault()
    print(await v.inside(), await Thief().steal(v))
''', options=EXACT, min_inlined=0)  # (the module writes ``__tally`` and ``_Vault__tally``: kept calls, review R25a)


def test_private_methods_are_found_under_the_names_their_class_holds_them_by():
    """``def __step`` in class ``A`` is ``A._A__step`` (its qualified name stays
    ``A.__step``): the reference the guards compare with is read under that key. It was read
    as ``__step``, never found, and every such site inlined in the report always made the call."""
    source = '''
class A:
    async def __step(self, x):
        return x + 1

    async def run(self):
        return await self.__step(1)

class B(A):
    async def __step(self, x):
        return x + 100

    async def go(self):
        return await self.__step(1), await self.run()

async def main():
    print(await B().go())
'''
    result = assert_same_behaviour(source, options=EXACT, inlined={"A.__step", "B.__step"})
    module = load_module(result.code)
    references = {name: value for name, value in vars(module).items() if name.startswith("_ai_ref_")}
    assert references and all(value is not runtime.NOT_FOUND for value in references.values()), references


@pytest.mark.skipif(sys.version_info < (3, 12), reason="type parameters are Python 3.12 syntax")
def test_methods_reading_their_class_s_type_parameters_are_inlined_only_where_they_are_seen():
    """A method of ``class K[T]`` reads ``T`` in the class's type-parameter scope; inlined
    into a function outside ``K``, ``T`` would be the module's global (it was, on 3.12 and
    3.13: the type parameters bound nothing in the analysis). Inlined into another method of
    ``K`` it is the same ``T``; a callee local named ``T`` inlined beside it is renamed."""
    result = assert_same_behaviour('''
T = "the module's T"

async def shadow():
    T = "a local T"
    return T

class K[T]:
    async def name(self):
        return T.__name__

    async def both(self):
        return await self.name(), await shadow(), T.__name__

async def main():
    k = K()
    print(await k.name(), await k.both(), await getattr(k, "both")())
''', options=EXACT, inlined={"K.name", "shadow"})
    kept = sorted((s.caller, s.callee) for s in result.report.skipped if "type parameter" in s.reason)
    assert kept == [("main", "k.both"), ("main", "k.name")], result.report.skipped


def test_typing_final_and_override_keep_a_method_what_it_is():
    """``typing.final`` and ``typing.override`` (or ``typing_extensions``') return the
    function itself: such methods and functions are inlined like undecorated ones (they
    were refused as decorated). A decorator of the same name that may be another one stays
    a refusal."""
    result = assert_same_behaviour('''
import typing
try:
    from typing import override
except ImportError:  # before 3.12
    from typing_extensions import override

def final(f):  # not typing's
    async def wrapper(*args):
        print("wrapped", f.__name__)
        return await f(*args)
    return wrapper

class Base:
    async def step(self, x):
        return x

class A(Base):
    @override
    async def step(self, x):
        return x + 1

    @typing.final
    async def run(self):
        return await self.step(1), await super().step(5)

class B(A):
    async def step(self, x):
        return x * 100

@typing.final
async def top(a: A):
    return await a.run()

@final
async def other():
    return 7

async def main():
    print(await top(A()), await top(B()), await other())
''', options=EXACT, inlined={"A.step", "A.run", "Base.step", "top"})
    assert [(s.callee, s.code) for s in result.report.skipped if s.code != "unresolved"] == [("other", "decorator")]


def test_names_that_differ_but_are_one_variable_in_the_caller_s_class_do_not_clash():
    """In a method of ``B``, CPython compiles ``__y`` as ``_B__y``: a callee's local or global
    spelled one way and a caller's variable spelled the other are the same variable there."""
    result = assert_same_behaviour('''
_B__G = "global _B__G"
_B__H = "global _B__H"

async def read_g():
    return _B__G

async def read_h():
    return _B__H

class A:
    async def literal(self):
        _B__y = "callee's _B__y"
        return _B__y

    async def private(self):
        __y = "callee's __y"
        return __y

class B(A):
    async def run(self):
        __y = "caller's __y"
        r = await super().literal()
        return r, __y

    async def run_literal(self):
        _B__y = "caller's _B__y"
        r = await A.private(self)
        return r, _B__y

    async def run_global(self):
        __G = "caller's __G"
        return await read_g(), __G, await read_h()

async def main():
    b = B()
    for name in ("run", "run_literal", "run_global"):  # not inlined: the bodies run in B
        print(await getattr(b, name)())
''', options=EXACT, min_inlined=0)
    # The module writes both spellings in B's code: no site is inlined since review R25a.
    assert {s.code for s in result.report.skipped if s.code != "unresolved"} == {"private-name"}, result.report.skipped


def test_imports_of_private_names_are_refused_where_the_caller_s_class_mangles_them_otherwise():
    """``from m import __x`` imports ``_C__x`` in a method of ``C`` (and ``import __m`` the
    module ``_C__m``): such a body means something else in another class or outside one."""
    result = assert_same_behaviour('''
import sys, types

helper = types.ModuleType("_private_names_helper")
for name in ("__u", "_A__u", "_B__u"):
    setattr(helper, name, "helper." + name)
sys.modules[helper.__name__] = helper

async def plain():
    from _private_names_helper import __u
    return __u

class A:
    async def get(self):
        from _private_names_helper import __u
        return __u

    async def same_class(self):
        return await self.get()

class B(A):
    async def run(self):
        return await A.get(self), await plain()

async def outside(a):
    return await A.get(a), await plain()

async def main():
    print(await getattr(B(), "run")(), await outside(A()), await getattr(A(), "same_class")())
''', options=EXACT, inlined={"plain", "A.get"})
    codes = sorted((s.caller, s.callee, s.code) for s in result.report.skipped if s.code != "unresolved")
    assert codes == [("B.run", "A.get", "private-name"), ("B.run", "plain", "private-name"), ("outside", "A.get", "private-name")]


def test_bound_method_of_another_instance_stored_on_the_instance():
    assert_same_behaviour(COUNTER + '''
async def main():
    a, b = Counter(), Counter(100)
    a.bump = b.bump   # the lookup yields a bound method of the right function, bound to b
    print(await a.twice(), a.n, b.n)
''', options=EXACT, inlined={"Counter.bump"})


ATTRIBUTES = '''
from typing import Optional

class Conn:
    def __init__(self, name):
        self.name = name
        self.sent = []

    async def send(self, data):
        self.sent.append(data)
        return len(self.sent)

class Fast(Conn):
    async def send(self, data):
        return "fast"

class Client:
    backup: "Optional[Conn]"

    def __init__(self, conn: Conn, backup=None):
        self._conn = conn
        self._own = Conn("own")
        self.backup = backup

    async def run(self):
        a = await self._conn.send(1)
        b = await self._own.send(2)
        c = await self.backup.send(3) if self.backup is not None else None
        return a, b, c

async def use(conn: Conn):
    return await conn.send("param")

async def main():
    local = Conn("local")
    print(await local.send("x"), await Conn("new").send("y"), await use(local), await use(Fast("f")))
    for client in (Client(Conn("c")), Client(Fast("f"), Conn("b")), Client(Conn("c"), Fast("b"))):
        print(await client.run(), await client.run())
    odd = Client(Conn("c"))
    odd._own = Fast("swapped")         # the attribute's class changes: the guard sees it
    odd._conn.send = lambda data: __import__("asyncio").sleep(0, result="instance attribute")
    print(await odd.run())
'''


LOOP_ITEMS = ATTRIBUTES + '''
from collections.abc import Sequence
from unittest import mock

async def each(conns: list[Conn], more: "Sequence[Conn] | None" = None, rest: tuple[Conn, ...] = ()):
    out = []
    for conn in conns:
        out.append(await conn.send("item"))
    for conn in conns:                    # bound again the same way: still a Conn
        out.append(await conn.send("again"))
    if more:
        for other in more:
            out.append(await other.send("more"))
    for last in rest:
        out.append(await last.send("rest"))
    for again in conns:
        again = Fast("rebound")           # bound twice: no class is taken from the loop
        out.append(await again.send("x"))
    return out

async def run_all():
    fake = mock.Mock()
    fake.send = mock.AsyncMock(return_value="mocked")
    print(await each([Conn("a"), Fast("b"), fake], [Conn("c")], (Fast("d"), Conn("e"))))
    print(await each([], None))
'''


def test_the_variable_of_a_loop_over_an_annotated_collection():
    """``for conn in conns`` with ``conns: list[Conn]`` (or ``Sequence["Conn"] | None``,
    ``tuple[Conn, ...]``): the loop variable is taken for a ``Conn``, also when several
    loops bind it; items of a subclass that overrides the method, and mocks, take the
    original call (the exact guard)."""
    program = LOOP_ITEMS.replace("async def main():", "async def main():\n    await run_all()", 1)
    result = assert_same_behaviour(program, options=EXACT, inlined={"Conn.send"})
    inlined = {(d.caller, d.callee) for d in result.report.inlined}
    assert {("each", "conn.send"), ("each", "other.send"), ("each", "last.send")} <= inlined
    assert sum(d.caller == "each" and d.callee == "conn.send" for d in result.report.inlined) == 2
    assert ("each", "again.send") not in inlined


def test_methods_of_attributes_locals_and_new_objects_whose_class_is_known():
    assert_same_behaviour(ATTRIBUTES, options=EXACT, inlined={"Conn.send"})
    report = rewrite_source(ATTRIBUTES, options=EXACT.replace(stress_seed=None)).report
    inlined = {(d.caller, d.callee) for d in report.inlined}
    assert {("Client.run", "self._conn.send"), ("Client.run", "self._own.send"), ("Client.run", "self.backup.send")} <= inlined
    assert {("main", "local.send"), ("main", 'Conn("new").send'), ("use", "conn.send")} <= inlined


#: The classes of the programs below (the method ``A.n`` between them).
_SUPER_HEAD = '''
class Base:
    def who(self):
        return "Base"

class A(Base):
    def who(self):
        return "A"
'''
_SUPER_TAIL = '''
class B(A):
    def who(self):
        return "B"

    async def run(self):
        super()  # (any mention of super gives B.run its __class__ cell)
        return await A.n(self)

async def main():
    print(await B().run())
'''

#: Review R17 v1-v3, R18 w1: ``super`` or ``__class__`` used in ways the explicit form
#: does not carry. Each program's ``A.n`` must stay a call, and both runs print the same.
SUPER_TIED_TO_ITS_FRAME = {
    # `from builtins import super` (python-future's futurize): a global called with no
    # arguments read the caller's cell and self (printed A where the original printed Base).
    "super_a_global": "from builtins import super\n" + _SUPER_HEAD + '''
    async def n(self):
        return super().who()
''' + _SUPER_TAIL,
    # Any mention of super gives the method its cell; `make()` is a zero-argument super().
    "super_by_another_name": _SUPER_HEAD + '''
    async def n(self):
        make = super
        return make().who()
''' + _SUPER_TAIL,
    # Review R18 w1: the builtin called with no arguments under another name.
    # original: "BaseBase"; rewritten: "BaseA" (B's cell, A's MRO step from B)
    "builtins_attribute": "import builtins\n" + _SUPER_HEAD + '''
    async def n(self):
        return super(A, self).who() + builtins.super().who()
''' + _SUPER_TAIL,
    # `sup(A, self)` is inlined (below); `sup()` must not be
    "imported_as_alias": "from builtins import super as sup\n" + _SUPER_HEAD + '''
    async def n(self):
        return super(A, self).who() + sup().who()
''' + _SUPER_TAIL,
    # original: "ABase"; rewritten: "AA"
    "parameter_default": _SUPER_HEAD + '''
    async def n(self, s=super):
        return __class__.__name__ + s().who()
''' + _SUPER_TAIL,
    # original: "ABase"; rewritten: "AA"
    "module_alias": "S = super\n" + _SUPER_HEAD + '''
    async def n(self):
        return __class__.__name__ + S().who()
''' + _SUPER_TAIL,
    # A local __class__: no cell, the original raises RuntimeError (the rewrite: ValueError).
    "class_bound_locally": """
class Base:
    def who(self):
        return "Base"

class A(Base):
    async def n(self):
        __class__ = Base
        return super().who()

class B(A):
    async def run(self):
        return await A.n(self)

async def main():
    try:
        await B().run()
    except RuntimeError as e:
        print("RuntimeError", e)
""",
    # `global __class__`: the rewrite crashed (a cell expression in the global statement).
    "class_declared_global": """
__class__ = "the module's global"

class A:
    async def n(self):
        global __class__
        return __class__

class B(A):
    async def run(self):
        return await A.n(self)

async def main():
    print(await B().run())
""",
}


@pytest.mark.parametrize("program", SUPER_TIED_TO_ITS_FRAME.values(), ids=SUPER_TIED_TO_ITS_FRAME.keys())
def test_super_or_class_used_beyond_the_explicit_form_keeps_the_call(program: str) -> None:
    """Review R17 v1-v3, R18 w1: super (I3) and __class__ keep their meaning only where
    the body calls the builtin super with no arguments, or reads the cell as such."""
    result = assert_same_behaviour(program, min_inlined=0)
    assert {s.code for s in result.report.skipped if s.callee == "A.n"} == {"super"}, result.report.skipped
    assert not [d for d in result.report.inlined if d.target == "A.n"]


def test_super_called_with_arguments_under_any_name_is_inlined() -> None:
    """An explicit super(A, self) depends on no frame: inlined, as a global or a builtin."""
    program = "from builtins import super as sup\n" + _SUPER_HEAD + '''
    async def n(self):
        return super(A, self).who() + sup(A, self).who()
''' + _SUPER_TAIL
    assert_same_behaviour(program, inlined={"A.n"})


def test_builtins_super_in_a_plain_function_inlined_into_a_method() -> None:
    """Review R18 w1. Original: RuntimeError "super(): __class__ cell not found" (helper has no cell);
    rewritten: the caller's cell and self, prints "Base"."""
    assert_same_behaviour(
        """
import builtins

class Base:
    def who(self):
        return "Base"

async def helper(obj):
    return builtins.super().who()

class B(Base):
    def who(self):
        return "B"

    async def run(self):
        print(__class__.__name__)
        return await helper(self)

async def main():
    try:
        print(await B().run())
    except RuntimeError as e:
        print("RuntimeError", e)
""",
        min_inlined=0,
    )


RETURNED = '''
from collections.abc import Generator
from typing import Any, Optional
from unittest import mock
import asyncio

class Result:
    def __init__(self, coro):
        self.coro = coro

    def __await__(self):
        return self.coro.__await__()

    async def __aenter__(self):
        return await self.coro

    async def __aexit__(self, *exc):
        print("result exit")

def contextmanager(function):           # aiosqlite's: an async def made a context manager
    def wrapper(*args):
        return Result(function(*args))
    return wrapper

class Conn:
    def __init__(self, name):
        self.name = name
        self.log = []

    @contextmanager
    async def cursor(self) -> "Conn":
        return Conn(self.name + ".cursor")

    async def send(self, data):
        self.log.append(data)
        return f"{self.name}:{data}:{len(self.log)}"

    async def fresh(self) -> "Self":
        return type(self)(self.name + "+")

    @classmethod
    def make(cls, name) -> "Conn":
        return cls(name)

    def later(self) -> "Pending":
        return Pending(self)

class Fast(Conn):
    async def send(self, data):
        return "fast"

class Pool:
    def __init__(self, kind=Conn):
        self.kind = kind

    async def __aenter__(self) -> "Conn":
        return self.kind("pooled")

    async def __aexit__(self, *exc) -> None:
        print("released")

class Pending:
    def __init__(self, value):
        self.value = value

    def __await__(self) -> Generator[Any, None, Conn]:
        yield from asyncio.sleep(0).__await__()
        return self.value

def connect(name, kind=Conn) -> Conn:
    return kind(name)

def pending(conn) -> "Pending":
    return Pending(conn)

async def open_conn(name, kind=Conn) -> Optional[Conn]:
    return kind(name)

def lying(name) -> Conn:
    return "not a Conn at all: " + name

@contextmanager
async def opened(name, kind=Conn) -> Conn:
    return kind(name)

async def main():
    for kind in (Conn, Fast):
        a = connect("a", kind)
        b = await open_conn("b", kind)
        c = await b.fresh()
        d = await pending(kind("d"))
        h = Conn.make("h")
        i = await h.later()
        j = Fast.make("j")          # annotated "Conn", made a Fast: the original call
        print(await a.send(1), await b.send(2), await c.send(3), await d.send(4), await h.send(9), await i.send(10), await j.send(11))
        async with Pool(kind) as e:
            print(await e.send(5), await e.send(6))
        async with opened("k", kind) as k, a.cursor() as l:
            m = await a.cursor()
            print(await k.send(12), await l.send(13), await m.send(14))
    f = connect("f")
    f.send = mock.AsyncMock(return_value="mocked")
    print(await f.send(7))
    g = lying("g")
    try:
        await g.send(8)
    except AttributeError as exc:
        print("AttributeError", exc)
'''


@pytest.mark.parametrize("options", [EXACT, EXACT.replace(assume=frozenset({"class-methods"}))], ids=["exact", "class-methods"])
def test_a_local_s_class_from_return_annotations_of_functions_methods_and_aenter(options: Options) -> None:
    """A local bound to ``f(...)`` of a function annotated ``-> K``, to ``await g(...)`` or
    ``await obj.m(...)`` of an ``async def`` annotated so (``-> "Self"``: the receiver's
    class), to ``await p`` of an object whose ``__await__`` is annotated ``Generator[...,
    ..., K]``, or by ``async with x as e`` whose ``__aenter__`` is annotated, is taken for a
    ``K``. The annotation is a guess: a subclass that overrides the method, an instance
    attribute, an object of another type altogether take the original call."""
    result = assert_same_behaviour(RETURNED, options=options, inlined={"Conn.send"})
    inlined = {d.callee for d in result.report.inlined if d.caller == "main"}
    assert {"a.send", "b.send", "c.send", "d.send", "e.send", "f.send", "g.send", "h.send", "i.send", "j.send", "k.send", "l.send", "m.send"} <= inlined


AWAITED_RECEIVERS = '''
class Cursor:
    def __init__(self, sql):
        self.sql = sql

    async def fetchall(self):
        return ["row of " + self.sql]

    @classmethod
    async def kind(cls, n):
        return cls.__name__ * n

class Conn:
    async def execute(self, sql) -> Cursor:
        print("execute", sql)
        return Cursor(sql)

async def execute(sql) -> Cursor:
    print("execute", sql)
    return Cursor(sql)

async def main():
    db = Conn()
    rows = await (await db.execute("select")).fetchall()
    return rows, await (await execute("c")).kind(2), await Cursor(await execute("d")).fetchall()
'''


@pytest.mark.parametrize("options", [Options(), EXACT, EXACT.replace(assume=frozenset({"class-methods"}))], ids=["default", "exact", "class-methods"])
def test_a_method_site_whose_receiver_is_an_inlined_await(options: Options) -> None:
    """Review R28a F2: ``await (await db.execute(sql)).fetchall()`` (aiosqlite's idiom),
    the receiver typed by ``execute``'s ``-> Cursor``: the planner ordered a site's
    arguments, not its receiver, and the rewrite stopped ("a site sits where evaluation
    order is not modelled"); a classmethod's site crashed so by default. The receiver's
    site now runs first, and the outer site's lookup reads its result."""
    result = assert_same_behaviour(AWAITED_RECEIVERS, options=options, inlined={"execute", "Cursor.kind"})
    inlined = {d.callee for d in result.report.inlined}
    assert {'(await execute("c")).kind', "execute"} <= inlined
    if options.costly_guards:
        assert {'(await db.execute("select")).fetchall', "db.execute", 'Cursor(await execute("d")).fetchall'} <= inlined


def test_string_annotations_that_do_not_name_a_class_are_no_class() -> None:
    """Review R28a F4: ``-> "b'K'"`` was parsed into the bytes literal, whose text was
    parsed again, until the interpreter's recursion limit (the rewrite failed, exit 3)."""
    assert_same_behaviour('''
class K:
    async def send(self, v):
        return f"K {v}"

def make() -> "b'K'":
    return K()

def other_make(n: "''") -> "'K' if True else 'K'":
    return K()

async def main():
    x = make()
    y = other_make(1)
    return await x.send(1), await y.send(2), await K().send(3)
''', options=EXACT, inlined={"K.send"})
