"""What the class test of ``--assume class-methods`` must see in the code the rewrite reads
(review R14, g): where that code shows that ``type(obj).m is REF`` could pass while the
original lookup finds something else, or runs code the test skips, the site keeps the
exact guard (docs/methods.md, "The class test"). Each program is compared under the
assumption; each failed on the code before."""

from __future__ import annotations

import textwrap

import pytest

from async_inline import Options, RewriteResult
from async_inline.api import rewrite_program
from tests.differential.harness import assert_same_behaviour
from tests.differential.package_harness import run_package

CLASS_METHODS = Options(assume=frozenset({"class-methods"}))


def _class_tested(code: str) -> bool:
    """A site of method ``m`` is guarded by the class test."""
    return ").m is _ai_ref_" in code


def _run_rewritten(files: dict[str, str], read_only: frozenset[str] = frozenset()) -> tuple[dict[str, RewriteResult], dict, dict]:
    """The rewrite of the package ``files`` under the assumption (not a stress one: these
    tests look at its decisions), and the outcomes of running the original and the
    rewritten program, ``read_only`` modules kept as written (``--source-root`` modules)."""
    results = rewrite_program(files, options=CLASS_METHODS.replace(stress_seed=None))
    rewritten = {path: text if path in read_only else results[path].code for path, text in files.items()}
    return results, run_package(files, "pkg.app:main"), run_package(rewritten, "pkg.app:main")


_SHADOW = '''
from unittest import mock

async def shadow(*args):
    return "shadow"

class K:
    def __init__(self, flag=False):
        if flag:
            STORE
    async def m(self):
        return "K.m"
    async def run(self):
        return await self.m()

async def main():
    return [await K().run(), await K(True).run()]
'''


@pytest.mark.parametrize(
    "store",
    [
        'self.__dict__ |= {"m": shadow}',
        'self.__dict__.update([("m", shadow)])',
        "self.__dict__.update(dict(m=shadow))",
        'self.__dict__.__setitem__("m", shadow)',
        'mock.patch.dict(self.__dict__, {"m": shadow}).start()',
        "mock.patch.dict(vars(self), m=shadow).start()",
        'setattr(self, "m" + "", shadow)',
    ],
)
def test_updates_of_an_instance_dict_that_may_shadow_the_method_are_seen(store):
    """Updates whose keys the source does not show count for every name."""
    result = assert_same_behaviour(_SHADOW.replace("STORE", store), options=CLASS_METHODS, min_inlined=0)
    assert not _class_tested(result.code), result.code


@pytest.mark.parametrize("base", ["K[int]", "Base"], ids=["subscripted_base", "aliased_base"])
@pytest.mark.parametrize("body", ["m = D()", "def __init__(self):\n        self.m = other"], ids=["descriptor", "instance_attribute"])
def test_a_subclass_whose_base_the_analysis_cannot_resolve_may_be_one_of_the_receivers_class(base, body):
    """``class T(K[int])``, the usual way to subclass a generic class, or ``Base = K;
    class T(Base)``: T may be a subclass, so its descriptor and its instances' stores count."""
    assert_same_behaviour(
        f'''
from typing import Generic, TypeVar
X = TypeVar("X")

async def other():
    return "other"

class D:
    def __get__(self, obj, cls):
        return K.m if obj is None else other

class K(Generic[X]):
    async def m(self):
        return "K.m"
    async def run(self):
        return await self.m()

Base = K

class T({base}):
    {body}

async def main():
    return [await K().run(), await T().run()]
''',
        options=CLASS_METHODS,
        min_inlined=0,
    )


def test_a_base_named_by_an_import_from_outside_the_program_is_not_taken_for_one_of_its_classes():
    """The other side of the rule above: ``Generic[X]`` and ``Exception`` are not classes of
    the program, so a class deriving only from them leaves the class test in place."""
    result = assert_same_behaviour(
        '''
from typing import Generic, TypeVar
X = TypeVar("X")

class Box(Generic[X]):
    def __init__(self):
        self.m = None

class Oops(Exception):
    m = staticmethod(print)

class K:
    async def m(self):
        return "K.m"
    async def run(self):
        return await self.m()

async def main():
    return [await K().run(), Box().m]
''',
        options=CLASS_METHODS,
        inlined={"K.m"},
    )
    assert _class_tested(result.code), result.code


_HOLDERS = {
    "getattribute": '''class Proxy:
    m = K.m
    def __getattribute__(self, name):
        if name == "m":
            return patched
        return object.__getattribute__(self, name)''',
    "metaclass": '''class LogMeta(type):
    def __getattribute__(cls, name):
        if name == "m":
            print("class lookup of m")
        return super().__getattribute__(name)
class Proxy(metaclass=LogMeta):
    m = K.m''',
}


@pytest.mark.parametrize("holder", _HOLDERS.values(), ids=_HOLDERS.keys())
def test_an_unrelated_class_holding_the_method_and_customizing_lookup(holder):
    """An instance of it passed where a K is expected (duck typing) passes the class test,
    which skips its ``__getattribute__`` or runs its metaclass's."""
    assert_same_behaviour(
        f'''
class K:
    async def m(self):
        return "K.m"

async def patched():
    return "redirected"

{holder}

async def use(k: K):
    return await k.m()

async def main():
    call = use  # keeps ``use`` a call: its own site is the one compared
    return [await call(K()), await call(Proxy())]
''',
        options=CLASS_METHODS,
        min_inlined=0,
    )


def test_an_instance_whose_class_is_set_to_a_holder_customizing_lookup():
    assert_same_behaviour(
        '''
class K:
    async def m(self):
        print("K.m")
        return "K"
    async def run(self):
        return await self.m()

class Proxy:
    m = K.m
    run = K.run
    def __getattribute__(self, name):
        print("Proxy lookup", name)
        return object.__getattribute__(self, name)

async def main():
    k = K()
    r1 = await k.run()
    k.__class__ = Proxy
    return [r1, await K.run(k)]
''',
        options=CLASS_METHODS,
        min_inlined=0,
    )


def test_a_sibling_subclass_of_the_class_defining_the_method():
    """The receiver's static class is ``S``; ``T``, another subclass of ``K``, binds ``m``
    to a descriptor whose ``__get__(None, T)`` gives the function."""
    assert_same_behaviour(
        '''
class D:
    def __get__(self, obj, cls):
        return K.m if obj is None else other

async def other():
    return "other"

class K:
    async def m(self):
        return "K.m"

class S(K):
    async def run(self):
        return await self.m()

class T(K):
    m = D()

async def main():
    return [await S().run(), await S.run(T())]
''',
        options=CLASS_METHODS,
        min_inlined=0,
    )


def test_the_module_an_inlined_methods_own_site_is_written_into_is_read():
    """``K.run`` of ``pkg/k.py`` (a read-only source root: not rewritten) is inlined into
    ``app.main``; its own ``self.m()`` site lands in ``app.py``, which stores ``k.m``."""
    files = {
        "pkg/__init__.py": "",
        "pkg/k.py": textwrap.dedent('''
            class K:
                async def m(self):
                    return "K.m"

                async def run(self):
                    return await self.m()
        '''),
        "pkg/app.py": textwrap.dedent('''
            from .k import K

            async def other():
                return "other"

            async def main():
                k = K()
                k.m = other
                return await k.run()
        '''),
    }
    results, original, after = _run_rewritten(files, read_only=frozenset({"pkg/k.py"}))
    assert [(d.caller, d.callee) for d in results["pkg/app.py"].report.inlined] == [("main", "k.run")]
    original.pop("missing")
    after.pop("missing")
    assert after == original


@pytest.mark.parametrize(
    "patch",
    [
        'mock.patch("pkg.app.K.m", new=D())',
        'mock.patch.multiple("pkg.app.K", m=D())',
        'monkeypatch.setattr("pkg.app.K.m", D())',
        'mock.patch("pkg.app.K.m", new=staticmethod(K.m))',
    ],
    ids=["patch", "patch_multiple", "monkeypatch", "staticmethod"],
)
def test_a_patch_naming_the_class_by_a_string_is_a_store_on_that_class(patch):
    """``mock.patch.object(K, "m", ...)`` was seen; the string forms name the same class. A
    descriptor patched in whose ``__get__(None, K)`` gives the function passes the class
    test, while the original lookup calls ``__get__(k, K)``; a ``staticmethod`` of it too,
    while the original call passes no instance (a TypeError)."""
    files = {
        "pkg/__init__.py": "",
        "pkg/app.py": textwrap.dedent(f'''
            import importlib
            from unittest import mock

            class Monkeypatch:  # pytest's, as far as its setattr with a string target goes
                def setattr(self, target, value):
                    path, _, name = target.rpartition(".")
                    module, _, cls = path.rpartition(".")
                    setattr(getattr(importlib.import_module(module), cls), name, value)

            monkeypatch = Monkeypatch()

            async def other():
                return "other"

            class D:
                def __get__(self, obj, cls):
                    return K.__dict__["m"] if obj is None else other

            class K:
                async def m(self):
                    return "K.m"
                async def run(self):
                    return await self.m()

            async def main():
                a = await K().run()
                patcher = {patch}
                if patcher is not None:
                    patcher.start()
                try:
                    return [a, await K().run()]
                except TypeError as e:
                    return [a, str(e)]
        '''),
    }
    results, original, after = _run_rewritten(files)
    assert not _class_tested(results["pkg/app.py"].code), results["pkg/app.py"].code
    assert after == original


def test_a_module_between_the_site_and_the_physical_caller_is_read():
    """Review R15 m4: ``app`` inlines ``mid.f``, which inlines ``lib.K.run``, whose own
    ``self.m()`` site lands in ``app``; the store ``k.m = other`` is in ``mid``, which the
    rewrite read to inline ``f`` and the class test's scan did not. (``lib`` is a read-only
    source root: its own copy of the site sees no store, by the assumption's promise.)"""
    files = {
        "pkg/__init__.py": "",
        "pkg/lib.py": textwrap.dedent("""
            class K:
                async def m(self):
                    return "K.m"
                async def run(self):
                    return await self.m()
        """),
        "pkg/mid.py": textwrap.dedent("""
            from .lib import K

            async def other():
                return "other"

            async def f(flag):
                k = K()
                if flag:
                    k.m = other
                return await k.run()
        """),
        "pkg/app.py": textwrap.dedent("""
            from . import mid

            async def main():
                return [await mid.f(False), await mid.f(True)]
        """),
    }
    results, original, after = _run_rewritten(files, read_only=frozenset({"pkg/lib.py"}))
    assert [(d.caller, d.callee) for d in results["pkg/app.py"].report.inlined] == [("main", "mid.f"), ("main", "mid.f")]
    assert not _class_tested(results["pkg/app.py"].code), results["pkg/app.py"].code
    original.pop("missing")
    after.pop("missing")
    assert after == original == {**original, "result": repr(["K.m", "other"])}


@pytest.mark.parametrize(
    "store",
    [
        "self.__dict__ = {'m': shadow}",
        "d = self.__dict__\n            d['m'] = shadow",
        "d = vars(self)\n            d.update(m=shadow)",
        "(d := self.__dict__).update(m=shadow)",
        "operator.setitem(self.__dict__, 'm', shadow)",
        "getattr(self, '__dict__')['m'] = shadow",
        "functools.update_wrapper(self, Holder())",
        "exec('m = shadow', globals(), self.__dict__)",
    ],
)
def test_an_instance_dict_replaced_or_handed_on_counts_for_every_name(store):
    """Review R15 m3: the instance dict replaced, bound to a name, or passed to a function
    that may write it under names the source does not show."""
    source = "import functools, operator\n\nclass Holder:\n    m = None\n\n" + _SHADOW.replace("STORE", store)
    source = source.replace("class Holder:\n    m = None", "class Holder:\n    def __init__(self):\n        self.m = shadow")
    result = assert_same_behaviour(source, options=CLASS_METHODS, min_inlined=0)
    assert not _class_tested(result.code), result.code


def test_an_instance_dict_replaced_by_the_instance_itself():
    """The AttrDict idiom: every key of the mapping is an attribute."""
    result = assert_same_behaviour(
        """
async def fetch_override():
    return "override"

class Config(dict):
    def __init__(self, **kw):
        super().__init__(**kw)
        self.__dict__ = self
    async def fetch(self):
        return "Config.fetch"
    async def run(self):
        return await self.fetch()

async def main():
    return [await Config().run(), await Config(fetch=fetch_override).run()]
""",
        options=CLASS_METHODS,
        min_inlined=0,
    )
    assert ").fetch is _ai_ref_" not in result.code


def test_a_method_rewrapped_on_its_owner_by_a_descriptors_set_name_keeps_the_exact_guard() -> None:
    """Review R17 v4: ``__set_name__(self, owner, name)`` storing ``owner.m =
    static(K.m)`` (a helper making a ``staticmethod``) on a subclass: the class test got
    the function and inlined the body with ``self=obj``, where the call passes no
    instance. The owner may be any class of the module."""
    result = assert_same_behaviour(
        """
def static(f):
    return staticmethod(f)

class Rewrap:
    def __set_name__(self, owner, name):
        owner.m = static(K.m)

class K:
    async def m(self, x=None):
        return ("m", type(self).__name__, x)

    async def run(self):
        return await self.m("arg")

class K2(K):
    w = Rewrap()

async def main():
    print(await K().run(), await K2().run())
""",
        options=CLASS_METHODS,
        min_inlined=0,
    )
    assert not _class_tested(result.code)


def test_a_descriptor_storing_a_computed_name_on_its_owner_leaves_the_class_test() -> None:
    """Review R18 w4: the owner of ``__set_name__`` taken for any class of the module made
    a field descriptor's ``setattr(owner, "_" + name + "_default", None)`` cost every
    class-tested site of the module. A name the source does not show stays the user's
    promise there, as on any object the analysis cannot tell."""
    result = assert_same_behaviour(
        """
class Field:
    def __set_name__(self, owner, name):
        self.name = name
        setattr(owner, "_" + name + "_default", None)

class K:
    async def m(self, x=None):
        return ("m", type(self).__name__, x)

    async def run(self):
        return await self.m("arg")

class Model:
    f = Field()

async def main():
    print(await K().run(), Model._f_default)
""",
        options=CLASS_METHODS,
        inlined={"K.m"},
    )
    assert _class_tested(result.code)


_METACLASS = '''
import abc

class Meta(BASE):
    async def describe(cls):
        return ("Meta.describe", cls.__name__)

    async def run(cls):
        return await cls.describe()

    async def other(cls):
        return "other"

ns = {}  # classes of the metaclass, made by code the rewrite does not read
exec("""
class Plain(metaclass=Meta):
    pass

class Model(metaclass=Meta):
    @classmethod
    async def describe(cls):
        return ("Model.describe", cls.__name__)
""", {"Meta": Meta}, ns)

async def main():
    return [await ns["Plain"].run(), await ns["Model"].run(), await Meta.other(ns["Plain"])]
'''


@pytest.mark.parametrize("base", ["type", "abc.ABCMeta"])
def test_a_metaclass_method_keeps_the_exact_guard(base: str) -> None:
    """Review R19 z2: the instances of a metaclass are classes, whose own attributes come
    before the metaclass's methods in a lookup. ``Model.describe`` is what
    ``cls.describe()`` calls for ``Model``, while the class test saw ``Meta.describe``
    and ran its body. A class defining the name is everyday code, so no promise covers
    it: the site keeps the exact guard (refused as ``guard-cost``; ``Meta.other`` reached
    through the class is inlined as before)."""
    source = _METACLASS.replace("BASE", base)
    result = assert_same_behaviour(source, options=CLASS_METHODS, inlined={"Meta.other"})
    [skip] = [s for s in result.report.skipped if s.callee == "cls.describe"]
    assert skip.code == "guard-cost" and "'Meta' is a metaclass" in skip.reason, skip


_REWRAPPED_ON_A_SUBCLASS = {
    "a helper __init_subclass__ hands cls": '''
def _staticify(c, names):
    for n in names:
        setattr(c, n, staticmethod(getattr(c, n)))

class K:
    static_names = ()
    def __init_subclass__(cls, **kw):
        super().__init_subclass__(**kw)
        _staticify(cls, cls.static_names)
CLASS_BODY

class S(K):
    static_names = ("m",)
''',
    "a class decorator factory": '''
def static_all(*names):
    def deco(cls):
        for n in names:
            setattr(cls, n, staticmethod(getattr(cls, n)))
        return cls
    return deco

class K:
CLASS_BODY

@static_all("m")
class S(K):
    pass
''',
    "a factory installing a descriptor with effects": '''
class logged:
    def __init__(self, f):
        self.f = f
    def __get__(self, obj, cls=None):
        if obj is None:
            return self.f
        print("binding", self.f.__name__)
        return self.f.__get__(obj, cls)

def log_methods(*names):
    def deco(cls):
        for n in names:
            setattr(cls, n, logged(getattr(cls, n)))
        return cls
    return deco

class K:
CLASS_BODY

@log_methods("m")
class S(K):
    pass
''',
}

_K_BODY = '''    async def m(self, x=1):
        print("m self is", type(self).__name__, x)
        return x
    async def run(self):
        return await self.m(2)
'''


@pytest.mark.parametrize("how", sorted(_REWRAPPED_ON_A_SUBCLASS))
def test_a_method_rewrapped_on_a_subclass_while_its_class_statement_runs_keeps_the_exact_guard(how: str) -> None:
    """Review R19 c1, c2: ``staticmethod(K.m)`` (or a descriptor whose ``__get__`` has
    effects) set on a subclass under a name the source computes, by a decorator factory or
    a helper ``__init_subclass__`` hands ``cls``. The reference's kind check sees such a
    rewrap only on the class defining the method; on a subclass inheriting it the class
    test passed and the body ran with the instance bound (``m self is S 2``, where the
    original passes no instance: ``m self is int 1``), or without the descriptor's
    effect."""
    source = _REWRAPPED_ON_A_SUBCLASS[how].replace("CLASS_BODY", _K_BODY.rstrip("\n")) + "\nasync def main():\n    return [await K().run(), await S().run()]\n"
    result = assert_same_behaviour(source, options=CLASS_METHODS, min_inlined=0)
    [skip] = [s for s in result.report.skipped if s.callee == "self.m"]
    expected = "stored under a name the source does not show" if "helper" in how else "'m' of class 'S' is set to an object other than a function"
    assert skip.code == "guard-cost" and expected in skip.reason, skip


_METACLASS_BY_ANOTHER_NAME = '''
PRELUDE
class Meta(BASE):
    async def describe(cls):
        return "Meta.describe"

    async def run(cls):
        return await cls.describe()

ns = {}  # a class of the metaclass made by code the rewrite does not read
exec("""
class Model(metaclass=Meta):
    @classmethod
    async def describe(cls):
        return "Model.describe"
""", {"Meta": Meta}, ns)

async def main():
    return await Meta.run(ns["Model"])
'''


@pytest.mark.parametrize(
    ("prelude", "base"),
    [
        ("T = type", "T"),  # an alias of type
        ("class NS:\n    T = type", "NS.T"),
        ("import abc\nA = abc.ABCMeta", "A"),
        ("import typing", "typing.Type"),  # typing.Type's __mro_entries__ gives type
        ("BASES = (type,)", "*BASES"),
        ("def make():\n    return type", "make()"),
        ("import builtins", "getattr(builtins, 'type')"),
        ("from typing import _ProtocolMeta", "_ProtocolMeta"),  # a metaclass of code not read
    ],
)
def test_a_metaclass_reaching_type_by_another_name_fails_the_class_test(prelude: str, base: str) -> None:
    """Review R19 r1: the analysis tells a metaclass only by ``type``, ``ABCMeta`` or
    ``EnumMeta`` among the bases it resolves; a base reaching ``type`` otherwise passed
    the class test ('Meta.describe' where the original calls Model's own). The reference
    taken for a class test is ``NOT_FOUND`` for a metaclass (``runtime.function_of``'s
    ``class_test``), so the call is made."""
    source = _METACLASS_BY_ANOTHER_NAME.replace("BASE", base).replace("PRELUDE", prelude)
    assert_same_behaviour(source, options=CLASS_METHODS, not_found=frozenset({"_ai_ref_Meta_describe"}))


def test_a_decorator_factory_applied_to_an_unrelated_class_keeps_the_class_test() -> None:
    """The scan tells which classes a decorator factory's function is applied to (review
    R19 c1): rewrapping methods of an unrelated class is no hazard for ``K``'s sites, as
    a factory applied to no class is none (the fuzzer's prelude holds one)."""
    source = '''
def static_all(*names):
    def deco(cls):
        for n in names:
            setattr(cls, n, staticmethod(getattr(cls, n)))
        return cls
    return deco

class K:
''' + _K_BODY + '''
@static_all("helper")
class Other:
    async def helper(x):
        return x

async def main():
    return [await K().run(), await Other.helper(3), await Other().helper(4)]
'''
    # Other.helper, rewrapped, is never its reference (the kind check): those sites call.
    result = assert_same_behaviour(source, options=CLASS_METHODS, inlined={"K.m"}, not_found=frozenset({"_ai_ref_Other_helper"}))
    assert _class_tested(result.code)


#: A class whose ``run`` awaits ``self.describe()``: the site the metaclass tests check.
_MIXIN = '''
class Mixin:
    async def describe(self):
        return "Mixin.describe"

    async def run(self):
        return await self.describe()
'''


def test_a_metaclass_taking_its_method_from_a_mixin_keeps_the_exact_guard() -> None:
    """Review R19 s4: ``class Meta(Mixin, type)``: ``Mixin.describe`` is a metaclass's
    method for ``Meta``'s instances, classes whose own ``describe`` comes first; the
    reference's check sees only that ``Mixin`` is no metaclass, and the scan looked for
    one in the receiver's order alone. A subclass that is a metaclass is a hazard."""
    source = _MIXIN + '''
class Meta(Mixin, type):
    pass

ns = {}  # a class of the metaclass made by code the rewrite does not read
exec("""
class Model(metaclass=Meta):
    @classmethod
    async def describe(cls):
        return "Model.describe"
""", {"Meta": Meta}, ns)

async def main():
    return [await Mixin().run(), await Meta.run(ns["Model"])]
'''
    result = assert_same_behaviour(source, options=CLASS_METHODS, min_inlined=0)
    [skip] = [s for s in result.report.skipped if s.callee == "self.describe"]
    assert skip.code == "guard-cost" and "subclass 'Meta' is a metaclass" in skip.reason, skip


#: A metaclass of another package: a module the rewrite does not read, made at run time.
_LIBRARY_METACLASS = '''
import sys
import types

_lib = types.ModuleType("extlib")
exec("class LibMeta(type):\\n    pass\\n\\nclass LibBase:\\n    pass", _lib.__dict__)
sys.modules["extlib"] = _lib
from extlib import LibMeta, LibBase
import asyncio
''' + _MIXIN + '''
class Meta(Mixin, BASE):
    async def show(cls):
        return await cls.describe()

ns = {}  # made by code the rewrite does not read
exec("""
class Model(MODEL_BASE):
    MODEL_BODY
""", {"Meta": Meta}, ns)
Model = ns["Model"]

async def main():
    found = [await Mixin().run()]
    if BASE is LibMeta:
        found += [await Meta.run(Model), await Meta.show(Model)]
    else:
        found += [await Model().run(), await Model().show()]
    return found
'''


def test_a_metaclass_deriving_from_another_packages_keeps_the_exact_guard() -> None:
    """Review R28b F2b, R19 z2: ``class Meta(Mixin, LibMeta)``, where ``LibMeta`` is a
    metaclass of a package the rewrite does not read: ``Mixin``'s methods are a
    metaclass's for ``Meta``'s instances, classes whose own ``describe`` comes first. The
    scan told a metaclass only by ``type``, ``abc.ABCMeta`` or ``enum.EnumMeta`` among the
    bases, and the reference's check sees only that ``Mixin`` is none: both sites (a
    subclass's, and one in ``Meta``'s own code) ran ``Mixin.describe``'s body. A base
    the rewrite does not read may be a metaclass, outside the order of the class
    defining the method (a metaclass there makes that class one, which the reference
    refuses)."""
    body = "@classmethod\n    async def describe(cls):\n        return 'Model.describe'"
    source = _LIBRARY_METACLASS.replace("MODEL_BASE", "metaclass=Meta").replace("MODEL_BODY", body).replace("BASE", "LibMeta")
    result = assert_same_behaviour(source, options=CLASS_METHODS, min_inlined=0)
    reasons = {s.callee: s.reason for s in result.report.skipped if s.code == "guard-cost"}
    assert "subclass 'Meta' derives from 'LibMeta'" in reasons["self.describe"], reasons
    assert "class 'Meta' derives from 'LibMeta'" in reasons["cls.describe"], reasons


@pytest.mark.decisions
def test_a_public_class_of_the_standard_library_is_no_metaclass() -> None:
    """The counterpart: ``class Meta(Mixin, asyncio.Protocol)`` is no metaclass (the
    standard library's public metaclasses are ``type``, ``ABCMeta``, ``EnumMeta`` or
    ``EnumType`` and ``NamedTupleMeta``, under whatever module names them): the class
    test stays. ``LibBase`` of the package the rewrite does not read could be one, and
    is refused above like ``LibMeta``."""
    source = _LIBRARY_METACLASS.replace("MODEL_BASE", "Meta").replace("MODEL_BODY", "pass").replace("BASE", "asyncio.Protocol")
    assert_same_behaviour(source, options=CLASS_METHODS, inlined={"Mixin.describe"})


@pytest.mark.decisions
def test_a_base_the_rewrite_does_not_read_in_the_method_s_own_class_order_is_left_to_the_reference() -> None:
    """A base of another package in the order of the class defining the method (``class
    Mixin(LibMeta)``) makes that class a metaclass if it is one, which the reference's own
    check refuses at run time (``function_of``'s ``class_test``): the site keeps the class
    test, and the original call runs. Where it is no metaclass, the body is inlined."""
    for base, runs in (("LibMeta", False), ("LibBase", True)):
        source = _LIBRARY_METACLASS.replace("class Mixin:", "class Mixin(BASE):").replace("class Meta(Mixin, BASE):", "class Meta(Mixin):")
        source = source.replace("MODEL_BASE", "metaclass=Meta" if base == "LibMeta" else "Meta").replace("MODEL_BODY", "pass").replace("BASE", base)
        source = source.replace("found = [await Mixin().run()]", "found = []")
        not_found = frozenset() if runs else frozenset({"_ai_ref_Mixin_describe"})
        assert_same_behaviour(source, options=CLASS_METHODS, inlined={"Mixin.describe"}, not_found=not_found)


_LIBMETA = """
import sys, types
_lib = types.ModuleType("extlib")
exec("class LibMeta(type):\\n    pass", _lib.__dict__)
sys.modules["extlib"] = _lib
from extlib import LibMeta
import typing
from typing import Annotated
"""

#: ``Meta``, a metaclass taking ``Mixin``'s methods, in forms that hid it (review R31b).
_HIDDEN_METACLASSES = {
    "typing.Type": "class Meta(Mixin, typing.Type):\n    pass",
    "typing.Type[int]": "class Meta(Mixin, typing.Type[int]):\n    pass",
    "Annotated[type, 0]": "class Meta(Mixin, Annotated[type, 0]):\n    pass",
    "Annotated[LibMeta, 0]": "class Meta(Mixin, Annotated[LibMeta, 0]):\n    pass",
    "a __class_getitem__ of the program": "class Pick:\n    def __class_getitem__(cls, item):\n        return item\n\n"
    "class Meta(Mixin, Pick[type]):\n    pass",
    "Annotated[Mixin, ...] beside type": "class Meta(Annotated[Mixin, 'doc'], type):\n    pass",
    "made by a factory": "def with_meta(base):\n    class M(base, LibMeta):\n        pass\n    return M\n\nMeta = with_meta(Mixin)",
    "through an alias": "Base = Mixin\n\nclass Meta(Base, LibMeta):\n    pass",
    "made by type()": "Meta = type('Meta', (Mixin, type), {})",
    "Union[type]": "class Meta(Mixin, typing.Union[type]):\n    pass",
    "Union[LibMeta]": "class Meta(Mixin, typing.Union[LibMeta]):\n    pass",
    "aliases of type and of Mixin": "T = type\nBase = Mixin\n\nclass Meta(Base, T):\n    pass",
    "a factory given the metaclass": "def with_meta(base, meta):\n    class M(base, meta):\n        pass\n    return M\n\nMeta = with_meta(Mixin, type)",
    "a __class_getitem__ set later": "class Pick:\n    pass\n\nPick.__class_getitem__ = classmethod(lambda cls, item: item)\n\n"
    "class Meta(Mixin, Pick[type]):\n    pass",
    "type.__new__": "Meta = type.__new__(type, 'Meta', (Mixin, type), {})",
    "type(*spec)": "spec = ('Meta', (Mixin, type), {})\nMeta = type(*spec)",
    "a metaclass adding Mixin": "class AddMixin(type):\n    def __new__(mcs, name, bases, ns):\n"
    "        return super().__new__(mcs, name, (Mixin,) + bases, ns)\n\nclass Meta(type, metaclass=AddMixin):\n    pass",
    "bases= given by keyword": "class LM(type):\n    def __new__(mcs, name, bases, ns):\n        return super().__new__(mcs, name, bases, ns)\n\n"
    "    def __init__(cls, name, bases, ns):\n        super().__init__(name, bases, ns)\n\n"
    "Meta = LM('Meta', bases=(Mixin, type), ns={})",
    "a metaclass __new__ rebinding its bases first": "class AddMixin(type):\n    def __new__(mcs, name, bases, ns):\n"
    "        bases = (Mixin,) + bases\n        return super().__new__(mcs, name, bases, ns)\n\nclass Meta(type, metaclass=AddMixin):\n    pass",
    "a metaclass __new__ unpacking its bases": "EXTRA = (Mixin,)\n\nclass AddMixin(type):\n    def __new__(mcs, name, bases, ns):\n"
    "        return super().__new__(mcs, name, (*EXTRA, *bases), ns)\n\nclass Meta(type, metaclass=AddMixin):\n    pass",
    "a call of the standard library as a base": "class Meta(Mixin, typing.cast(type, LibMeta)):\n    pass",
    "an attribute of a call as a base": "import importlib\n\nclass Meta(Mixin, importlib.import_module('extlib').LibMeta):\n    pass",
    "globals()['Mixin'] as a base": "class Meta(globals()['Mixin'], type):\n    pass",
    "type.__call__": "Meta = type.__call__(type, 'Meta', (Mixin, type), {})",
    "an alias of type given a variable": "mk = type\nbases = (Mixin, type)\nMeta = mk('Meta', bases, {})",
    "abc.ABCMeta given a variable": "import abc\n\nBASES = (Mixin, type)\nMeta = abc.ABCMeta('Meta', BASES, {})",
    "a class's own metaclass called by a decorator": "def metaify(cls):\n    return cls.__class__(cls.__name__, (cls, type), {})\n\n"
    "@metaify\nclass Meta(Mixin):\n    pass",
}


@pytest.mark.parametrize("case", list(_HIDDEN_METACLASSES))
def test_a_metaclass_hidden_by_a_subscript_a_factory_or_a_call_keeps_the_exact_guard(case: str) -> None:
    """Reviews R31b F1-F4, R32b F1-F4, R33b F1-F4, R34b F3, F4: ``typing.Type``, ``Annotated[type, ...]`` and
    ``Union[type]`` make ``type`` a base (``__mro_entries__``, or a union of one), as may a
    program's ``__class_getitem__`` (in its body or set later); ``Annotated[Mixin, ...]``
    is ``Mixin``; a class a function makes, or one deriving from an alias, may derive from
    ``Mixin`` and a metaclass; ``type(name, (Mixin, type), ns)``, ``type.__new__``,
    ``type(*spec)``, a metaclass's ``__new__`` adding ``Mixin`` and a metaclass called with
    ``bases=`` make one. Each made ``Mixin.describe`` a metaclass's method unseen, and the
    class test ran it for ``Model``, whose own ``describe`` comes first."""
    source = _LIBMETA + _MIXIN + '''
''' + _HIDDEN_METACLASSES[case] + '''

ns = {}  # a class of the metaclass, made by code the rewrite does not read
exec("""
class Model(metaclass=Meta):
    @classmethod
    async def describe(cls):
        return "Model.describe"
""", {"Meta": Meta}, ns)
Model = ns["Model"]

async def main():
    return [await Mixin().run(), await Meta.run(Model)]
'''
    result = assert_same_behaviour(source, options=CLASS_METHODS, min_inlined=0)
    assert not _class_tested(result.code), result.report


@pytest.mark.parametrize("call", ["types.new_class('Sub', (K,))", "types.new_class('Sub', (K,), {})", "types.new_class('Sub', (K,), None, None)"])
def test_types_new_class_without_a_namespace_argument_is_no_crash(call: str) -> None:
    """Review R31b F5: ``types.new_class`` takes ``kwds`` third, and may take nothing more;
    the scan read its third argument as a namespace, and crashed without one."""
    assert_same_behaviour(f'''
import types

class K:
    async def m(self):
        return 1

    async def run(self):
        return await self.m()

Sub = {call}

async def main():
    return [await K().run(), await Sub().run()]
''', options=CLASS_METHODS, min_inlined=0)


#: A counter whose bases are ``BASES``.
_COUNTER = """
class Counter(BASES):
    def __init__(self):
        self.n = 0

    async def bump(self, by=1):
        self.n = self.n + by
        return self.n

    async def twice(self):
        return await self.bump(), await self.bump(2)
"""


@pytest.mark.parametrize("bases", ["*(Loud,)", "*BASES"])
def test_a_starred_base_is_a_base_the_analysis_cannot_resolve(bases: str) -> None:
    """Review R33a F1: ``class Counter(*BASES)`` was read as a class without bases, its
    order complete: the class test skipped ``Loud.__getattribute__``, which the original
    lookup runs. A starred base is now a base the analysis cannot resolve."""
    source = '''
class Loud:
    def __getattribute__(self, name):
        print("lookup", name)
        return object.__getattribute__(self, name)

BASES = (Loud,)
''' + _COUNTER.replace("BASES", bases) + '''
async def main():
    return await Counter().twice()
'''
    result = assert_same_behaviour(source, options=CLASS_METHODS, min_inlined=0)
    assert not _class_tested(result.code)


def test_a_metaclass_called_with_a_parameter_among_the_bases_may_make_a_subclass() -> None:
    """Review R34b F4: ``abc.ABCMeta(cls.__name__, (cls,), {"__getattribute__": loud})``
    in a function makes a subclass of ``Counter`` whose lookups run ``loud``: a call of a
    metaclass of the standard library is a class factory, as ``type`` is."""
    source = "import abc\n" + _COUNTER.replace("BASES", "") + '''
def loud(self, name):
    print("lookup", name)
    return object.__getattribute__(self, name)

def loudify(cls):
    return abc.ABCMeta(cls.__name__, (cls,), {"__getattribute__": loud})

Loud = loudify(Counter)

async def main():
    return await Counter().twice(), await Loud().twice()
'''
    result = assert_same_behaviour(source, options=CLASS_METHODS, min_inlined=0)
    assert not _class_tested(result.code)


_FIELDS_OF_A_MIXIN = """
import dataclasses
import dataclasses as dc
import numbers
import types
from dataclasses import dataclass, field, KW_ONLY

class Base:
    async def fetch(self):
        return "base"

    async def run(self):
        return await self.fetch()

async def custom():
    return "custom"

FIELDS

async def main():
    pending = Job(MAKE).run()  # not inlined into main, where Job's own order tells
    return await pending
"""


@pytest.mark.parametrize(
    ("fields", "make", "why"),
    [
        # Fields' generated __init__ sets self.fetch, while Job's class still gives
        # Base.fetch: Fields is no subclass of Base, only a class of the order of one.
        (
            "@dataclass\nclass Fields:\n    fetch: object\n\nclass Job(Fields, Base):\n    pass",
            "custom",
            "class 'Fields' (in the order of 'Job') declares 'fetch' a field",
        ),
        # field(default_factory=...) leaves nothing on the class; Job's generated __init__
        # (a dataclass inheriting Fields' fields) sets it.
        (
            "@dataclass\nclass Fields:\n    fetch: object = field(default_factory=lambda: custom)\n\n@dataclass\nclass Job(Base, Fields):\n    pass",
            "",
            "declares 'fetch' a field of '@dataclasses.dataclass'",
        ),
        (
            "@dc.dataclass(kw_only=True)\nclass Fields:\n    fetch: object\n\nclass Job(Fields, Base):\n    pass",
            "fetch=custom",
            "declares 'fetch' a field of '@dataclasses.dataclass'",
        ),
        (
            "@dataclasses.dataclass\nclass Fields:\n    _: KW_ONLY\n    fetch: object = None\n\n@dataclass\nclass Job(Base, Fields):\n    pass",
            "fetch=custom",
            "declares 'fetch' a field",
        ),
        (
            "@dataclass(frozen=True)\nclass Fields:\n    fetch: 'object' = field()\n\nclass Job(Fields, Base):\n    pass",
            "custom",
            "declares 'fetch' a field",
        ),
        (
            "@dataclass\nclass Fields:\n    fetch: object\n\nclass Job(Fields, Base):\n    def __init__(self, f):\n        super().__init__(fetch=f)",
            "custom",
            "declares 'fetch' a field",
        ),
        (
            "@dataclass\nclass Fields:\n    fetch: object\n\nclass Job(numbers.Number, Fields, Base):\n    pass",
            "custom",
            "class 'Fields' (in the order of 'Job') declares 'fetch' a field",
        ),
        (
            "class Job(types.SimpleNamespace, Base):\n    def __init__(self, f):\n        super().__init__(fetch=f)",
            "custom",
            "class 'Job' is a namespace whose '__init__' takes 'fetch='",
        ),
        (
            "class Job(Exception, Base):\n    def __init__(self, f):\n        self.fetch = f",
            "custom",
            "an attribute 'fetch' is assigned on an instance of 'Job'",
        ),
    ],
    ids=["mixin_field", "default_factory_field", "kw_only", "KW_ONLY_with_default", "field_string_annotation", "super_init", "after_an_outside_base", "simple_namespace", "store_after_an_outside_base"],
)
def test_an_instance_attribute_declared_by_a_mixin_keeps_the_exact_guard(fields: str, make: str, why: str) -> None:
    """Review R20e F1: the class test passed and the rewrite ran ``Base.fetch`` where the
    original calls the instance attribute; the scan now reads every class of the orders
    of the related classes. Fields of a dataclass mixin (a default is set on the instance
    too), and a ``types.SimpleNamespace`` base whose ``__init__`` is passed
    ``fetch=`` in the code read. A base from outside the program before ``Base``
    (``class Job(Exception, Base)``) ends the order the analysis knows, so ``Job`` was no
    subclass of ``Base`` for the scan, and its stores passed too: the orders now go on
    past such a base (``numbers.Number``, whose ``__init__`` is ``Fields``')."""
    source = _FIELDS_OF_A_MIXIN.replace("FIELDS", fields).replace("MAKE", make)
    result = assert_same_behaviour(source, options=CLASS_METHODS, min_inlined=0)
    assert ").fetch is _ai_ref_" not in result.code, result.code
    [skip] = [s for s in result.report.skipped if s.callee == "self.fetch"]
    assert skip.code == "guard-cost" and why in skip.reason, skip


@pytest.mark.parametrize(
    "fields",
    [
        # A dataclass receiver whose fields are other names.
        "@dataclass\nclass Job(Base):\n    name: str = 'job'\n    fetches: int = 0",
        # A plain annotation outside a dataclass stores nothing.
        "class Fields:\n    fetch: object\n\nclass Job(Fields, Base):\n    pass",
        # A ClassVar or an InitVar of a dataclass mixin is no field of the instance.
        "@dataclass\nclass Fields:\n    fetch: dataclasses.InitVar[object] = None\n    other: 'typing.ClassVar[int]' = 0\n\n"
        "@dataclass\nclass Job(Base, Fields):\n    pass",
        # A namespace base no call passes 'fetch=' to.
        "class Job(types.SimpleNamespace, Base):\n    def __init__(self):\n        super().__init__(name='job')",
    ],
    ids=["dataclass_receiver", "plain_annotation", "initvar", "namespace_without_the_keyword"],
)
def test_fields_of_other_names_leave_the_class_test(fields: str) -> None:
    """The other side of the rule above: a dataclass receiver, or mixin, declaring other
    names is class-tested as before."""
    source = _FIELDS_OF_A_MIXIN.replace("FIELDS", "import typing\n" + fields).replace("MAKE", "")
    result = assert_same_behaviour(source, options=CLASS_METHODS, inlined={"Base.fetch"})
    assert ").fetch is _ai_ref_" in result.code, result.code


_REPARENTED = {
    # ``Logged.__getattribute__`` runs on every lookup on ``K``'s instances once it is a base.
    "bases_to_a_class_customizing_lookup": ('''
class Logged:
    def __getattribute__(self, name):
        print("lookup", name)
        return object.__getattribute__(self, name)

class Base:
    pass

class K(Base):
    async def m(self, x):
        return ("K.m", x)

    async def run(self):
        return await self.m(1)

async def main():
    k = K()
    r1 = await k.run()
    K.__bases__ = (Logged,)
    return r1, await k.run()
''', "'__bases__' is assigned"),
    # ``Fields.__init__`` stores ``self.m``: once a base, it is ``K``'s ``__init__``.
    "bases_to_a_class_storing_the_name": ('''
class Fields:
    def __init__(self):
        self.m = self.alt

    async def alt(self):
        return "alt"

class Base:
    pass

class K(Base):
    async def m(self):
        return "K.m"

    async def run(self):
        return await self.m()

async def main():
    K.__bases__ = (Fields,)
    return await K().run()
''', "'__bases__' is assigned"),
    # A ``Holder`` that stored ``self.m``, made a ``K``: its attribute shadows ``K.m``.
    "class_of_an_instance_storing_the_name": ('''
async def other(self):
    return "other"

class K:
    async def m(self):
        return "K.m"

    async def run(self):
        return await self.m()

class Holder:
    def __init__(self):
        self.m = other.__get__(self)

async def main():
    h = Holder()
    h.__class__ = K
    return await h.run()
''', "'__class__' is assigned"),
}


@pytest.mark.parametrize("source, why", _REPARENTED.values(), ids=_REPARENTED.keys())
def test_a_class_s_bases_or_an_object_s_class_assigned_keeps_the_exact_guard(source: str, why: str) -> None:
    """Review R22d F2: the scan's orders are the classes as written; ``K.__bases__ = ...``
    or ``obj.__class__ = K`` in the code read makes another class part of the lookup (one
    customizing it, or storing the name on its instances) and the class test passed where
    the original found something else."""
    result = assert_same_behaviour(source, options=CLASS_METHODS, min_inlined=0)
    assert not _class_tested(result.code), result.code
    [skip] = [s for s in result.report.skipped if s.callee == "self.m"]
    assert skip.code == "guard-cost" and why in skip.reason, skip


_PRIVATE_METHOD = {
    # ``mock.patch.object`` on an instance, under the attribute's mangled name.
    "patched_on_an_instance": '''
from unittest import mock

class Client:
    async def __send(self, data):
        return ("sent", data)

    async def run(self, data):
        return await self.__send(data)

async def fake_send(data):
    return ("faked", data)

async def main():
    c = Client()
    a = await c.run(1)
    with mock.patch.object(c, "_Client__send", fake_send):
        b = await c.run(2)
    return a, b
''',
    # A subclass binding the mangled name to a staticmethod of the function.
    "rewrapped_by_a_subclass": '''
class Client:
    async def __send(self, *args):
        return ("sent", args)

    async def run(self, data):
        return await self.__send(data)

class Sub(Client):
    _Client__send = staticmethod(Client._Client__send)

async def main():
    return await Client().run(1), await Sub().run(2)
''',
}


@pytest.mark.parametrize("source", _PRIVATE_METHOD.values(), ids=_PRIVATE_METHOD.keys())
def test_a_private_method_keeps_the_exact_guard(source: str) -> None:
    """Review R24a F1: the scan read stores and bindings of ``__send`` while code names the
    attribute ``_Client__send``: a patch on an instance, or a subclass's rewrap, passed
    the class test."""
    result = assert_same_behaviour(source, options=CLASS_METHODS, min_inlined=0)
    assert not _class_tested(result.code), result.code
    [skip] = [s for s in result.report.skipped if s.callee == "self.__send"]
    # (a subclass writing ``_Client__send`` keeps the whole module out: review R25a)
    assert (skip.code, "is a private method" in skip.reason) in (("guard-cost", True), ("private-name", False)), skip


def test_a_private_store_in_a_subclass_of_another_module_is_a_store_of_the_mangled_name() -> None:
    """Review R26a F1: ``self.__m = other`` in class ``A``'s code stores ``_A__m``, which
    shadows ``K._A__m``; the scan looked the stores up as written (``__m``). Neither module
    writes both spellings, so the module rule (review R25a) did not keep them out."""
    from tests.differential.package_harness import assert_same_package_behaviour

    results = assert_same_package_behaviour({
        "pkg/__init__.py": "",
        "pkg/k.py": """
            class K:
                async def _A__m(self):
                    return "method"

                async def run(self):
                    return await self._A__m()
        """,
        "pkg/app.py": """
            from .k import K

            class A(K):
                def __init__(self):
                    async def other():
                        return "instance attribute"
                    self.__m = other

            async def main():
                return await K.run(A()), await K.run(K())
        """,
    }, options=CLASS_METHODS)
    assert not any(_class_tested(r.code) for r in results.values())


def _k_send_stays_a_call(source: str) -> None:
    """``source`` (a ``main`` in the making) then ``await k.send(1)`` of a ``K()``, whose
    method a store before may have made a staticmethod: ``k.send`` must stay a call."""
    result = assert_same_behaviour(source + '''
    k = K()
    try:
        return await other(), await k.send(1)
    except TypeError as e:
        return f"TypeError: {e}"
''', options=CLASS_METHODS)
    assert ("main", "k.send") not in {(d.caller, d.callee) for d in result.report.inlined}


@pytest.mark.parametrize(
    "typed",
    [
        "x = connect()",           # the return annotation of a function
        "x: Sender = K()",         # an annotated assignment
        "x = await aconnect()",    # of an async def
    ],
    ids=["return-annotation", "annotated-assignment", "async-def"],
)
def test_a_store_on_an_object_whose_class_only_an_annotation_gives_may_be_on_any_class(typed: str) -> None:
    """Review R28a F1: ``connect() -> Sender`` (a Protocol, which ``K`` matches without
    deriving from it) typed ``x`` a ``Sender``, and ``type(x).send = staticmethod(...)``,
    a store on an unrelated class, was dismissed: the class test passed for ``k.send`` and
    the body ran with the instance bound (the original: TypeError). An annotation is a
    guess (``Known.guessed``): what is stored on such an object counts as on one the
    analysis cannot tell. The program must behave alike whatever the rewrite decides."""
    source = '''
from typing import Protocol

class Sender(Protocol):
    def ping(self) -> str: ...

class K:
    async def send(self, v):
        return f"sent {v}"

    def ping(self) -> str:
        return "pong"

def connect() -> Sender:
    return K()

async def aconnect() -> Sender:
    return K()

async def other():
    return "other"

async def main():
    ''' + typed + '''
    type(x).send = staticmethod(type(x).send)
'''
    _k_send_stays_a_call(source)


_REWRAPPED = {
    # a constructor whose class's __new__ returns an instance of another class
    "new": '''
class Sender:
    def __new__(cls):
        return K()

async def main():
    x = Sender()
    type(x).send = staticmethod(type(x).send)
''',
    # self of a method called through the class with an unrelated instance
    "self-unbound-call": '''
class Sender:
    def rewrap(self):
        type(self).send = staticmethod(type(self).send)

async def main():
    Sender.rewrap(K())
''',
    # self rebound in the method
    "self-rebound": '''
class Sender:
    def rewrap(self, other):
        self = other
        type(self).send = staticmethod(type(self).send)

async def main():
    Sender().rewrap(K())
''',
    # an attribute typed by __init__'s constructor call, reassigned elsewhere
    "attribute-reassigned": '''
class Sender:
    pass

class Holder:
    def __init__(self):
        self.s = Sender()

    def rewrap(self):
        type(self.s).send = staticmethod(type(self.s).send)

async def main():
    h = Holder()
    h.s = K()
    h.rewrap()
''',
}


@pytest.mark.parametrize("case", list(_REWRAPPED))
def test_a_staticmethod_stored_through_an_object_the_analysis_takes_for_another_class(case: str) -> None:
    """Review R29b F1: ``type(x).send = staticmethod(...)`` where the analysis believes
    ``x`` of an unrelated class (its constructor, ``self``, an attribute set in
    ``__init__``) but the program made it a ``K``: the store was dismissed, the class test
    passed and the body ran with the instance bound (the original: TypeError). What the
    analysis believes of an object rules out no class for such a store."""
    source = '''
class K:
    async def send(self, v):
        return f"sent {v}"

async def other():
    return "other"
''' + _REWRAPPED[case] + '''
'''
    _k_send_stays_a_call(source)


_CLS_REBOUND = '''
class K:
    async def m(self):
        return "K.m"

class Middle(K):
    pass

class Leaf(Middle):
    async def m(self):
        return "Leaf/" + await super().m()

class Registry:                      # unrelated to K
    @classmethod
    def wrap(cls, target):
        WRAP
        cls.m = staticmethod(cls.m)

async def main():
    s = Middle()
    r = [await s.m()]
    call = getattr(Leaf(), "m")      # Leaf.m's own super().m() site
    r.append(await call())
    CALL
    for thunk in (lambda: s.m(), call):
        try:
            r.append(await thunk())
        except TypeError as e:
            r.append(str(e))
    return r
'''


@pytest.mark.parametrize(
    ("wrap", "call"),
    [("cls = target", "Registry.wrap(Middle)"), ("pass", "Registry.wrap.__func__(Middle, None)")],
    ids=["cls-rebound", "cls-given-another-class"],
)
def test_a_staticmethod_stored_through_a_classmethods_cls_that_is_another_class(wrap: str, call: str) -> None:
    """Review R30a F1: a classmethod's ``cls`` (or a class decorator's parameter) was taken
    for its class whatever the code made it: ``staticmethod(K.m)`` stored on ``Middle``
    through an unrelated class's ``cls`` passed the class tests of ``s.m()`` and of
    ``Leaf.m``'s ``super().m()`` (the originals: TypeError)."""
    result = assert_same_behaviour(_CLS_REBOUND.replace("WRAP", wrap).replace("CALL", call), options=CLASS_METHODS, min_inlined=0)
    assert not {(d.caller, d.callee) for d in result.report.inlined} & {("main", "s.m"), ("Leaf.m", "super().m")}
