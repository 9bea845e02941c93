"""The references guards compare against (runtime/_refs.py): a function is recognized only
when it is the one whose body was inlined, never a wrapper that merely looks like it."""

from __future__ import annotations

import functools
import types
from typing import Any

import pytest

import runtime
from runtime import async_method, class_cell, defaults_of, function_at, function_of, method_cell
from runtime._refs import NOT_FOUND


async def plain() -> int:
    return 1


def _wraps(fn: Any) -> Any:
    @functools.wraps(fn)
    async def plain(*args: Any, **kwargs: Any) -> Any:  # same name: code names agree before 3.11
        return await fn(*args, **kwargs)

    return plain


class Base:
    async def m(self) -> str:
        return "Base.m"


class Derived(Base):
    @async_method
    async def m(self) -> str:
        return "Derived.m+" + await super().m()

    @_wraps
    async def w(self) -> str:
        return "w"

    @classmethod
    async def c(cls) -> str:
        return cls.__name__


def test_the_function_itself_is_found() -> None:
    assert function_at(plain, __name__, "plain") is plain
    assert function_of(Derived, "c", "Derived.c") is vars(Derived)["c"].__func__


def test_a_function_that_is_no_async_def_is_not_the_function() -> None:
    """Review R18 y1: output rewritten by 3.12+ read the program's ``imp.py``, and on 3.11
    the standard library's ``imp.reload``, a plain function of the module imported under
    that name, passed the guard; the inlined body ran where the call raised TypeError."""
    made: dict[str, Any] = {}
    exec(compile("def plain():\n    return 1\n", __file__, "exec"), globals(), made)  # this module's, this file's
    assert function_at(made["plain"], __name__, "plain") is NOT_FOUND
    assert function_at(plain, __name__, "plain") is plain

def test_a_functools_wraps_wrapper_is_not_the_function() -> None:
    """Same ``__qualname__``, same code name: on 3.10 only ``__wrapped__`` tells them apart."""
    wrapped = _wraps(plain)
    assert function_at(wrapped, __name__, "plain") is NOT_FOUND
    assert function_of(Derived, "w", "Derived.w") is NOT_FOUND


@async_method
async def module_level() -> str:
    return "module_level"


def test_an_async_method_wrapper_stands_for_its_function() -> None:
    """``@async_method``'s wrapper runs the body that was inlined, so guards accept it; its
    module is the one of the function it wraps (the wrapper's own globals are the
    runtime's)."""
    assert function_of(Derived, "m", "Derived.m") is vars(Derived)["m"]
    assert function_at(module_level, __name__, "module_level") is module_level


@async_method
async def named_like_the_wrapper(a: int, _ai_s: int = 5) -> int:
    return a + _ai_s


def test_an_async_method_wrapper_without_the_functions_parameters_stands_for_nothing() -> None:
    """A parameter named like the wrapper's own variables gets a wrapper taking ``*args,
    **kwargs``, without the defaults inlined code reads from the reference."""
    assert function_at(named_like_the_wrapper, __name__, "named_like_the_wrapper", runtime_async=True) is NOT_FOUND
    assert function_at(module_level, __name__, "module_level", runtime_async=True) is module_level


def test_class_cell_of_an_async_method_is_its_functions_cell() -> None:
    """Fuzz finding (seed 600009): the explicit ``super(cell, self)`` of an inlined
    ``@async_method`` method got ``None`` from the wrapper, which has no ``__class__``."""
    assert class_cell(vars(Derived)["m"]) is Derived
    assert class_cell(plain) is None


def test_method_cell_is_the_cell_itself_which_a_later_class_decorator_may_repoint() -> None:
    """Review O (f4): inlined code reads the cell where ``super()`` is (attrs points a
    slotted class's cells at its new class after the class statement); ``class_cell``, the
    contents once, stays for code generated before. Without a cell (``NOT_FOUND``, whose
    guards fail): an empty cell of its own."""
    cell = method_cell(vars(Derived)["m"])
    assert cell.cell_contents is Derived
    assert cell is method_cell(vars(Derived)["m"])
    empty = method_cell(NOT_FOUND)
    assert type(empty) is types.CellType and empty is not method_cell(plain)
    with pytest.raises(ValueError):
        empty.cell_contents  # noqa: B018
    assert class_cell(NOT_FOUND) is None


def test_module_missing_or_wrong_name() -> None:
    assert function_at(plain, "elsewhere", "plain") is NOT_FOUND


def test_reading_a_modules_references_runs_no_code_of_the_module_object(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Review R20f 1: ``module_globals`` and ``function_at`` read ``__dict__`` and
    ``__spec__`` through the module object: a ``LazyLoader`` module ran then (its caller's
    import, where the program runs it at its first use), a wrapper in ``sys.modules`` had
    its ``__getattr__`` called. Neither is read now, and no reference into it is found."""
    import importlib.util
    import sys

    from runtime import module_globals

    (tmp_path / "lazy_callee_r20f.py").write_text("RAN = True\n\nasync def fetch():\n    return 1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    spec = importlib.util.find_spec("lazy_callee_r20f")
    assert spec is not None and spec.loader is not None
    spec.loader = importlib.util.LazyLoader(spec.loader)
    lazy = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "lazy_callee_r20f", lazy)
    spec.loader.exec_module(lazy)
    assert module_globals("lazy_callee_r20f") == {}
    assert function_at(plain, "lazy_callee_r20f", "plain") is NOT_FOUND
    assert "RAN" not in object.__getattribute__(lazy, "__dict__")
    assert lazy.RAN and module_globals("lazy_callee_r20f")["RAN"]  # once run, a plain module

    reads: list[str] = []

    class Shim:
        __slots__ = ("module",)

        def __init__(self, module: types.ModuleType) -> None:
            self.module = module

        def __getattr__(self, name: str) -> Any:
            reads.append(name)
            return getattr(self.module, name)

    monkeypatch.setitem(sys.modules, __name__, Shim(sys.modules[__name__]))
    assert module_globals(__name__) == {} and function_at(plain, __name__, "plain") is NOT_FOUND
    assert reads == []


def test_the_module_is_the_functions_globals_not_its_module_attribute() -> None:
    """trio sets its public functions' ``__module__`` to ``trio``: until 2026-12-06 no
    reference to one was ever found, so their inlined code never ran. A function of
    another module claiming this one by its ``__module__`` is not this module's."""
    renamed = types.FunctionType(plain.__code__, plain.__globals__, "plain")
    renamed.__module__ = "somewhere.public"
    assert function_at(renamed, __name__, "plain") is renamed
    elsewhere = {"__file__": plain.__code__.co_filename, "__name__": "other"}
    claiming = types.FunctionType(plain.__code__, elsewhere, "plain")
    claiming.__module__ = __name__
    assert function_at(claiming, __name__, "plain") is NOT_FOUND
    assert function_of(42, "m", "Base.m") is NOT_FOUND


def test_a_reference_matches_only_the_kind_the_body_was_inlined_as() -> None:
    """F2 applies to a runtime-async frame, not to a plain coroutine: a body inlined as
    one must never run for the other (a class decorator or another module adding or
    removing ``async_method``)."""
    wrapper = async_method(plain)
    assert function_at(plain, __name__, "plain", runtime_async=False) is plain
    assert function_at(plain, __name__, "plain", runtime_async=True) is NOT_FOUND
    assert function_at(wrapper, __name__, "plain", runtime_async=True) is wrapper
    assert function_at(wrapper, __name__, "plain", runtime_async=False) is NOT_FOUND
    assert function_of(Derived, "m", "Derived.m", runtime_async=True) is vars(Derived)["m"]
    assert function_of(Derived, "m", "Derived.m", runtime_async=False) is NOT_FOUND
    assert function_of(Base, "m", "Base.m", runtime_async=True) is NOT_FOUND
    assert function_of(Base, "m", "Base.m", runtime_async=False) is vars(Base)["m"]


def test_only_the_runtimes_wrapper_counts_as_one() -> None:
    """A function that merely carries the marks (``functools.wraps`` over a wrapper copies
    ``_ai_async_method`` and sets ``__wrapped__``) is no ``async_method`` wrapper: what it
    runs is not known."""
    marked = types.FunctionType(plain.__code__, plain.__globals__, "plain")
    marked.__dict__.update(_ai_async_method=True, __wrapped__=plain)
    assert function_at(marked, __name__, "plain") is NOT_FOUND
    assert function_at(marked, __name__, "plain", runtime_async=True) is NOT_FOUND


def test_a_reference_names_the_file_its_body_was_read_from(tmp_path: Any) -> None:
    """Finding F2-F4 (import hook): the hook read a callee module's source from one file
    while the module imported under that name was another (earlier on ``sys.path``, a
    ``sys.path`` or ``__path__`` changed at run time): same names, other bodies, and the
    guard passed. A reference given ``file=`` is found only in a function compiled from
    that file; a symbolic link to it is the same file."""
    here = plain.__code__.co_filename
    assert function_at(plain, __name__, "plain", file=here) is plain
    assert function_at(plain, __name__, "plain", runtime_async=False, file=here) is plain
    assert function_at(plain, __name__, "plain", file=here + ".other.py") is NOT_FOUND
    assert function_at(module_level, __name__, "module_level", file=here) is module_level  # the wrapped function's file
    assert function_of(Derived, "m", "Derived.m", file=here) is vars(Derived)["m"]
    assert function_of(Derived, "m", "Derived.m", namespace=globals(), file=here) is vars(Derived)["m"]
    assert function_of(Base, "m", "Base.m", file=str(tmp_path / "elsewhere.py")) is NOT_FOUND
    link = tmp_path / "link.py"
    link.symlink_to(here)
    assert function_at(plain, __name__, "plain", file=str(link)) is plain
    assert function_at(plain, __name__, "plain", file="test_refs.py") is NOT_FOUND  # relative: never taken for another


def test_defaults_of_gives_the_tuple_only_where_it_has_the_sources_length() -> None:
    """Inlined code reads ``D[i] if REF.__defaults__ is D``: ``D`` must hold as many
    defaults as the ``def`` (so that ``i``, counted from the front, is the call's index)
    and be a real tuple (a call reads a subclass's items without its ``__getitem__``)."""

    async def f(a: int, b: int = 1, c: int = 2) -> tuple[int, int, int]:
        return a, b, c

    class Items(tuple):
        def __getitem__(self, i: Any) -> Any:  # type: ignore[override]
            return "not what a call reads"

    assert defaults_of(f, 2) is f.__defaults__
    assert defaults_of(f, 1) is NOT_FOUND
    f.__defaults__ = Items((1, 2))
    assert defaults_of(f, 2) is NOT_FOUND
    f.__defaults__ = None
    assert defaults_of(f, 2) is NOT_FOUND
    assert defaults_of(NOT_FOUND, 2) is NOT_FOUND
    assert defaults_of(len, 0) is NOT_FOUND


def test_a_method_is_found_only_in_the_kind_of_method_it_was_inlined_as() -> None:
    """Review O, F1: ``function_of`` unwrapped ``classmethod`` and ``staticmethod`` whatever
    the kind the body was inlined as, so an instance method a class decorator rewrapped as
    ``staticmethod(m)`` was found, and the class test of ``class-methods`` (which gets the
    function either way) passed where the call passes no instance. Given ``kind``, the
    class must hold the plain function, or exactly a classmethod or staticmethod of it;
    code generated before the argument (``kind=None``) finds any of them."""

    class K:
        async def m(self) -> None: ...

        @classmethod
        async def c(cls) -> None: ...

        @staticmethod
        async def s() -> None: ...

    m, c, s = vars(K)["m"], vars(K)["c"].__func__, vars(K)["s"].__func__
    assert function_of(K, "m", m.__qualname__, kind="instance") is m
    assert function_of(K, "c", c.__qualname__, kind="classmethod") is c
    assert function_of(K, "s", s.__qualname__, kind="staticmethod") is s
    for name, function, other in (("m", m, "classmethod"), ("c", c, "instance"), ("s", s, "instance"), ("s", s, "classmethod")):
        assert function_of(K, name, function.__qualname__, kind=other) is NOT_FOUND
    K.m = staticmethod(m)  # type: ignore[method-assign,assignment]
    assert function_of(K, "m", m.__qualname__, kind="instance") is NOT_FOUND
    assert function_of(K, "m", m.__qualname__) is m


@pytest.mark.parametrize("rewritten", ["neither", "callee", "caller"])
def test_a_body_with_asserts_is_found_only_where_pytest_rewrote_neither_module(rewritten: str) -> None:
    """Review R13 c3, e-b..e-d: pytest's assertion rewriting marks the modules it rewrites
    with an ``@pytest_ar`` global; an inlined ``assert`` fails as the call's would only
    where neither the function's module nor the module reading the reference has it."""
    import sys

    name = f"_refs_asserts_{rewritten}"
    callee = types.ModuleType(name)
    callee.__file__ = f"<{name}>"
    source = "class K:\n    async def m(self):\n        assert self\n\nasync def f(x):\n    assert x\n"
    exec(compile(source, callee.__file__, "exec"), callee.__dict__)
    if rewritten == "callee":
        callee.__dict__["@pytest_ar"] = object()
    caller: dict[str, Any] = {"__name__": "caller", "function_at": function_at, "function_of": function_of, "callee": callee}
    if rewritten == "caller":
        caller["@pytest_ar"] = object()
    sys.modules[name] = callee
    try:
        code = (
            f"plain_f = function_at(callee.f, {name!r}, 'f')\n"
            f"asserting_f = function_at(callee.f, {name!r}, 'f', asserts=True)\n"
            "plain_m = function_of(callee.K, 'm', 'K.m', namespace=callee.__dict__)\n"
            "asserting_m = function_of(callee.K, 'm', 'K.m', namespace=callee.__dict__, asserts=True)\n"
        )
        exec(code, caller)
    finally:
        del sys.modules[name]
    assert caller["plain_f"] is callee.f and caller["plain_m"] is callee.K.m
    found = rewritten == "neither"
    assert (caller["asserting_f"] is callee.f) is found and (caller["asserting_f"] is NOT_FOUND) is not found
    assert (caller["asserting_m"] is callee.K.m) is found


def test_super_is_the_interpreters_whatever_builtins_super_holds(monkeypatch: pytest.MonkeyPatch) -> None:
    """Review R28b F3: generated code's ``_ai_super`` is ``runtime.SUPER``."""
    import builtins

    real = builtins.super
    monkeypatch.setattr(builtins, "super", type("traced_super", (real,), {}))
    assert runtime.SUPER is real and runtime.SUPER is not builtins.super


def test_super_order_vouches_only_for_an_order_whose_rest_is_its_second_classes() -> None:
    """``runtime.super_order``: the class's ``__mro__`` itself where the lookup of
    ``super()`` in its methods may start at ``__mro__[1]`` (review R28b F1, F2)."""

    class A:
        pass

    class B(A):
        pass

    class X(A):
        pass

    class D(B, X):
        pass

    class Meta(type):
        pass

    assert runtime.super_order(B) is B.__mro__
    assert runtime.super_order(D) == ()           # D.__mro__[1:] is (B, X, A, object); B's order lacks X
    assert runtime.super_order(Meta) == ()        # a metaclass: super() may start at a class
    assert runtime.super_order(runtime.NOT_FOUND) == ()
    assert runtime.super_order(object) == ()
    before = B.__mro__
    B.__bases__ = (X,)                             # the order is made again: another tuple
    assert B.__mro__ is not before and runtime.super_order(B) is B.__mro__
