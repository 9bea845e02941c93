"""References inlined code compares against: the functions whose bodies it holds.

Generated code binds them once, at module level, after the definitions they refer to
(``_ai_ref_K_m = _ai_rt.function_of(K, "m", "K.m")``); its guards then compare the
original's lookup with them by identity (see docs/methods.md).
"""

from __future__ import annotations

import builtins
import importlib.machinery
import importlib.util
import inspect
import os
import sys
import types
from typing import Any, cast

from ._awaiters import configure_await
from ._frames import wrapped_function

#: What an instance lookup of a method yields; the guard of an inlined method tests it.
METHOD_TYPE = types.MethodType
#: The builtins module: generated code takes the builtins it calls (``type``, ``getattr``
#: ...) from here, under names of its own, since the user's code may use those names for
#: a parameter, a local or a global.
BUILTINS = builtins
#: The interpreter's own ``super`` (a static type, so among ``object``'s subclasses),
#: whatever ``builtins.super`` holds when a rewritten module is imported: the explicit
#: ``super(cls, obj)`` of an inlined method, and what a ``super().m()`` site's class test
#: compares the name ``super`` with (review R28b F3).
SUPER: type = next(c for c in object.__subclasses__() if c.__name__ == "super" and c.__module__ == "builtins")
#: The builtins' namespace: code inlined from another module reads a builtin there, after
#: that module's own namespace, where a star import or ``mock.patch("pkg.mod.open")`` may
#: have put one of the same name.
BUILTIN_NAMESPACE: dict[str, Any] = builtins.__dict__
#: The function an inlined ``await configure_await(f(...), flag)`` stands for (rule I7):
#: its guard also tests the name, so that a patched or rebound ``configure_await`` is still
#: called (review R22a F1). Taken here, where no ``mock.patch("runtime.configure_await")``
#: reaches it.
CONFIGURE_AWAIT = configure_await


class _NotFound:
    """Stands for a function that is not there: no lookup ever yields it."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "<runtime: function not found>"


NOT_FOUND: Any = _NotFound()


def function_at(
    obj: object, module: str, qualname: str, runtime_async: bool | None = None, file: str | None = None, asserts: bool = False
) -> Any:
    """``obj`` if it is the ``async def`` ``qualname`` of module ``module`` whose body was
    inlined, in the kind it was inlined as (``runtime_async``, see :func:`is_function`),
    compiled from ``file`` when given (see :func:`compiled_from`), and, for a body with
    ``asserts``, with them as the calling module has them (:func:`_asserts_alike`); else
    ``NOT_FOUND`` (a patch was active, or the name holds something else).

    The module is the one whose globals the function has (a function's ``__module__`` is
    only a name: trio renames its public functions' to ``trio``, and any code may set it)."""
    namespace = _namespace_of(module)
    if (
        namespace is not None
        and is_function(obj, qualname, runtime_async)
        and _runs_in(obj, namespace)  # type: ignore[arg-type]
        and compiled_from(obj, file)  # type: ignore[arg-type]
        and loaded_as_written(namespace)
        and (not asserts or _asserts_alike(namespace, sys._getframe(1).f_globals))
    ):
        return obj
    return NOT_FOUND


#: Loaders whose code is the module's source as written, but for what inlined code
#: accounts for: pytest's assertion rewriting (``_asserts_alike``); async_inline's own
#: loader, whose inlined bodies keep what the program does, marks its class.
_LOADERS_AS_WRITTEN = frozenset({"_pytest.assertion.rewrite.AssertionRewritingHook", "zipimport.zipimporter"})
_LOADING_METHODS = ("get_data", "get_code", "source_to_code", "exec_module")
_STANDARD_LOADING = tuple(getattr(importlib.machinery.SourceFileLoader, method) for method in _LOADING_METHODS)


def loaded_as_written(namespace: dict[str, Any]) -> bool:
    """The module of ``namespace`` was compiled from its source file as written: by a
    loader that does not transform the source it reads. typeguard's and beartype's import
    hooks compile a module from an instrumented source (a loader overriding how it reads,
    compiles or runs it: ``get_data``, ``get_code``, ``source_to_code``, ``exec_module``),
    keeping its file and qualified names; its functions then hold bodies other than the file's, which inlined code holds
    (review R14 f2). A module without a loader (made by ``exec``) is taken as written."""
    spec = namespace.get("__spec__")
    loader = getattr(spec, "loader", None) if spec is not None else namespace.get("__loader__")
    if isinstance(loader, importlib.util.LazyLoader):
        loader = loader.loader  # type: ignore[attr-defined]
    if loader is None:
        return True
    kind = type(loader)
    if getattr(kind, "compiles_as_written", False) or f"{kind.__module__}.{kind.__qualname__}" in _LOADERS_AS_WRITTEN:
        return True
    return tuple(getattr(kind, method, None) for method in _LOADING_METHODS) == _STANDARD_LOADING


#: A global pytest's assertion rewriting gives every module it rewrites (an import alias
#: no source can spell).
_PYTEST_REWRITTEN = "@pytest_ar"


def _asserts_alike(callee: dict[str, Any] | None, caller: dict[str, Any]) -> bool:
    """An inlined ``assert`` runs as its caller's module's asserts do: pytest rewrites the
    asserts of the modules it chooses (test modules, conftest files, registered packages,
    not those whose docstring says ``PYTEST_DONT_REWRITE``), module by module, when it
    imports them, and its message then tells more. Only where it rewrote neither module
    (``@pytest_ar`` in neither namespace) does the inlined ``assert`` fail as the call's
    would: the module reading the reference and the function's have run by then."""
    return callee is not None and _PYTEST_REWRITTEN not in callee and _PYTEST_REWRITTEN not in caller


def _namespace_of(name: str) -> dict[str, Any] | None:
    """The namespace of the module imported as ``name``, if that module is the one of that
    name: a module may put another in its place in ``sys.modules`` (``sys.modules[__name__]
    = _fast``, an accelerated twin), whose functions have the names the source read and
    other bodies.

    Read without running code (the header reads it when its module is imported, where the
    original program runs none: review R20f 1): only a module object's namespace, read past
    its class, and None for a module whose class looks its attributes up with code of its
    own (``importlib.util.LazyLoader``'s module, which runs its module at the first
    attribute read; the program runs it later, at its first use) and for any other object
    standing in ``sys.modules`` (a wrapper delegating to the module with ``__getattr__``,
    whose reads the program would not make). Its sites then stay calls."""
    namespace = _module_namespace(sys.modules.get(name))
    return namespace if namespace is not None and namespace.get("__name__") == name else None


#: A module's own namespace and a type's MRO, read past any class's or metaclass's code.
_MODULE_NAMESPACE = vars(types.ModuleType)["__dict__"]
_TYPE_MRO = type.__dict__["__mro__"]


def _module_namespace(module: object) -> dict[str, Any] | None:
    """``module.__dict__`` if ``module`` is a module whose attributes are read without code
    of its class (``type(module)`` is ``ModuleType`` or a subclass defining no
    ``__getattribute__``), else None. Cheap: the runtime reads it once per reference, when
    the module reading it is imported."""
    kind = type(module)
    if kind is not types.ModuleType:
        mro = _TYPE_MRO.__get__(kind)
        if types.ModuleType not in mro:
            return None
        for base in mro:
            if base is types.ModuleType:
                break
            if "__getattribute__" in _CLASS_NAMESPACE.__get__(base):
                return None
    namespace = _MODULE_NAMESPACE.__get__(module)
    return namespace if type(namespace) is dict else None


def compiled_from(function: types.FunctionType, file: str | None) -> bool:
    """Whether the code the program wrote for ``function`` (``@async_method``'s wrapper
    unwrapped) was compiled from ``file``; True when ``file`` is None (code generated
    without it, or by the CLI, whose outputs move to other directories).

    The import hook names the file it read the callee's source from: the module imported
    under that name may be another file (a directory earlier on ``sys.path``, a
    ``sys.path`` or ``__path__`` changed at run time, a project copied with its cache),
    holding another body under the same names. Paths are compared as strings, then, when
    both are absolute, as files (a symbolic link to the same file); a relative path is
    never taken for another (the working directory may have changed)."""
    if file is None:
        return True
    actual = _own_function(function).__code__.co_filename
    if actual == file:
        return True
    if not (os.path.isabs(actual) and os.path.isabs(file)):
        return False
    try:
        return os.path.samefile(actual, file)
    except (OSError, ValueError):
        return False


def module_globals(name: str) -> dict[str, Any]:
    """The namespace of module ``name``, where code inlined from it reads and writes its
    globals; an empty dict if it is not imported, still initialising, or replaced in
    ``sys.modules`` by a module of another name (then no reference into it is found, and
    its sites stay calls).

    Invariant: a reference into a module is taken only once that module has run all its
    top-level code, so the globals it binds on every path (read as ``ns[name]``) exist. In
    an import cycle the caller may be imported while the callee's module is still running:
    it may have defined the function but not yet a global the function reads, which the
    original call reports as a NameError."""
    namespace = _namespace_of(name)
    if namespace is None or getattr(namespace.get("__spec__"), "_initializing", False):
        return {}
    return namespace


def global_value(namespace: dict[str, Any], name: str) -> Any:
    """Read the global ``name`` of another module, as code running in that module would.

    For globals that module may lack when inlined code runs (bound only on some branch of
    its top-level code, deleted somewhere, or never bound): Python then reads the module's
    builtins, or raises NameError. (Builtins the module does not bind are read as
    ``namespace.get(name, BUILTIN_NAMESPACE[name])``; globals bound on every path as
    ``namespace[name]``.)"""
    value = namespace.get(name, NOT_FOUND)
    if value is NOT_FOUND:
        found = namespace.get("__builtins__", builtins)
        table = found.__dict__ if isinstance(found, types.ModuleType) else found
        value = table.get(name, NOT_FOUND) if isinstance(table, dict) else NOT_FOUND
        if value is NOT_FOUND:
            raise NameError(f"name '{name}' is not defined", name=name)
    return value


#: A class's own namespace, read past its metaclass: ``vars(cls)`` would run a metaclass's
#: ``__getattribute__``, code the original program does not run when it imports the module.
_CLASS_NAMESPACE = type.__dict__["__dict__"]


def function_of(
    cls: Any,
    name: str,
    qualname: str,
    runtime_async: bool | None = None,
    namespace: dict[str, Any] | None = None,
    file: str | None = None,
    kind: str | None = None,
    asserts: bool = False,
    class_test: bool = False,
) -> Any:
    """The function ``cls`` holds under ``name`` (through ``classmethod`` and
    ``staticmethod``), if it is the ``async def`` named ``qualname`` whose body was inlined,
    in the kind it was inlined as (``runtime_async``, see :func:`is_function`); else
    ``NOT_FOUND``. A class decorator may have replaced it (or wrapped it with
    ``async_method``, or unwrapped it), a patch may be active: then the guards must never pass.

    ``kind``: the kind of method the body was inlined as (``"instance"``, ``"classmethod"``,
    ``"staticmethod"``, ``MethodKind``'s values); the class must hold the function so: the
    plain function, or exactly a ``classmethod`` or ``staticmethod`` of it. A class
    decorator or ``__init_subclass__`` may have rewrapped it (``cls.m =
    staticmethod(cls.m)``): the class's answer ``type(obj).m`` is the function either way,
    so the class test of ``--assume class-methods`` would pass where the call passes no
    instance. None, as code generated before the argument passes: any of them.

    The function's globals must be ``namespace``, the namespace of the module whose source
    was read (by default the calling module's: generated code reads references of its own
    classes at its top level): a class of the same qualified name from another module (a
    star import of an accelerated twin, ``client.Client = _fast.Client``), or a copy of the
    method given globals of its own, is another function. ``file``: the file the source
    was read from, when given (see :func:`compiled_from`). ``asserts``: the body holds an
    ``assert`` (see :func:`_asserts_alike`). ``class_test``: some site tests the class
    (``--assume class-methods``), which a metaclass's method never passes: its instances
    are classes, whose own attributes come before the metaclass's in a lookup (review R19
    z2, r1: the rewrite tells a metaclass only where it sees ``type`` among the bases)."""
    caller = sys._getframe(1)
    if namespace is None:
        namespace = caller.f_globals
    try:
        held = _CLASS_NAMESPACE.__get__(cls)
    except TypeError:  # not a class (NOT_FOUND, a placeholder of a module not imported ...)
        return NOT_FOUND
    if class_test and issubclass(cls, type):
        return NOT_FOUND
    attribute = held.get(name)
    if kind is None:
        if isinstance(attribute, (classmethod, staticmethod)):
            attribute = attribute.__func__
    elif kind != "instance":
        if type(attribute) is not _WRAPPERS.get(kind):
            return NOT_FOUND
        attribute = cast(Any, attribute).__func__
    if not is_function(attribute, qualname, runtime_async) or not _runs_in(attribute, namespace):
        return NOT_FOUND
    if not compiled_from(attribute, file) or not loaded_as_written(namespace):
        return NOT_FOUND
    if asserts and not _asserts_alike(namespace, caller.f_globals):
        return NOT_FOUND
    if _NO_CODE_QUALNAMES and caller.f_code.co_name == "<module>" and namespace is caller.f_globals:
        # Before 3.11 a class decorator's function named alike and given the qualified
        # name passes is_function; the code of the module (generated code reads the
        # reference at its top level, right after the class) tells where each def is.
        if not _compiled_at(_own_function(attribute).__code__, caller.f_code, qualname.split(".")):
            return NOT_FOUND
    return attribute


#: The object a class holds a method of each wrapped kind as (``function_of``'s ``kind``).
_WRAPPERS: dict[str, type] = {"classmethod": classmethod, "staticmethod": staticmethod}

#: Python 3.10: code objects do not know their qualified name.
_NO_CODE_QUALNAMES = sys.version_info < (3, 11)


def _compiled_at(code: types.CodeType, outer: types.CodeType, path: list[str]) -> bool:
    """``code`` is the code of the def at ``path`` (``["A", "m"]``) inside ``outer``:
    class bodies' codes are constants of the code around them, and methods' of theirs."""
    if len(path) == 1:
        return any(const is code for const in outer.co_consts)
    return any(
        _compiled_at(code, const, path[1:]) for const in outer.co_consts if isinstance(const, types.CodeType) and const.co_name == path[0]
    )


def is_function(obj: object, qualname: str, runtime_async: bool | None = None) -> bool:
    """``obj`` is the plain function compiled from the ``def`` named ``qualname`` in the
    file of its module (a wrapper copies ``__qualname__``, not its code's name; before
    3.11 codes have no qualified name, so a ``functools.wraps`` wrapper is told by its
    ``__wrapped__``, and a function a decorator made from text, named alike and given the
    qualified name, as ``dataclasses`` makes methods, by its code's file), or
    ``@async_method``'s wrapper of that function.

    ``runtime_async`` is the kind the rewrite inlined the body as: True, only the wrapper
    (the body runs with the frame rules); False, only the plain function (a plain
    coroutine). The guards of an inlined body must fail when a decorator or a patch gave
    the function the other kind. None, as code generated before the argument passes:
    either."""
    if type(obj) is not types.FunctionType or obj.__qualname__ != qualname:
        return False
    own = wrapped_function(obj)
    if runtime_async is not None and runtime_async is not (own is not None):
        return False
    if own is None:
        own = obj
    elif own.__qualname__ != qualname or not _binds_alike(obj.__code__, own.__code__):
        return False
    if "__wrapped__" in own.__dict__:
        return False
    code = own.__code__
    if getattr(code, "co_qualname", qualname) != qualname or code.co_name != qualname.rpartition(".")[2]:
        return False
    if not code.co_flags & inspect.CO_COROUTINE:
        # Not an ``async def``: a module of another Python under the same name, such as
        # the standard library's ``imp.reload`` where the program's ``imp.py`` was read
        # (review R18 y1).
        return False
    return bool(code.co_filename == own.__globals__.get("__file__"))


_BINDING_FLAGS = inspect.CO_VARARGS | inspect.CO_VARKEYWORDS


def _binds_alike(wrapper: types.CodeType, code: types.CodeType) -> bool:
    """An ``async_method`` wrapper has the function's parameters (and its defaults), which
    inlined code reads from it; a function with a parameter named like the wrapper's own
    variables gets one taking ``*args, **kwargs`` and no defaults."""
    count = wrapper.co_argcount + wrapper.co_kwonlyargcount + bin(wrapper.co_flags & _BINDING_FLAGS).count("1")
    return (
        (wrapper.co_argcount, wrapper.co_posonlyargcount, wrapper.co_kwonlyargcount, wrapper.co_flags & _BINDING_FLAGS)
        == (code.co_argcount, code.co_posonlyargcount, code.co_kwonlyargcount, code.co_flags & _BINDING_FLAGS)
        and wrapper.co_varnames[:count] == code.co_varnames[:count]
    )


def _runs_in(function: types.FunctionType, namespace: dict[str, Any] | None) -> bool:
    """``function`` reads its globals in ``namespace`` and its builtins in the
    interpreter's, where inlined code of another module reads them (``BUILTIN_NAMESPACE``).
    The code importing a module may run it with builtins of its own (a plugin loader's
    sandbox sets ``module.__builtins__`` before ``exec_module``), which its functions then
    read (review R22d F1): then a site stays a call."""
    own = _own_function(function)
    return own.__globals__ is namespace and getattr(own, "__builtins__", None) is BUILTIN_NAMESPACE


def _own_function(function: types.FunctionType) -> types.FunctionType:
    """The function whose code the program wrote: for ``@async_method``, the one it wraps."""
    own = wrapped_function(function)
    return function if own is None else own


def defaults_of(function: Any, count: int, same: tuple[tuple[int, Any], ...] = ()) -> Any:
    """``function.__defaults__`` if it is a tuple of ``count`` defaults (as many as the
    source's ``def`` has) holding at each index of ``same`` that very object, else
    ``NOT_FOUND``. (Inlined code pastes such a default as its literal, ``None`` or a small
    int, where the function holds this tuple; a decorator may have replaced it by one of
    the same length.)

    Inlined code tests ``REF.__defaults__ is D``, ``D`` this value, and where it holds
    reads a default as ``D[i]``, ``i`` counted from the front: while the function holds
    this very tuple (tuples do not change), the call would fill its parameters from it,
    and ``i`` is the call's index because the length is ``count``. A replaced tuple is
    another object: the site makes the call (or, in an expression, reads the defaults
    exactly). Only a real ``tuple``: a call reads a subclass's items without its
    ``__getitem__``, which ``D[i]`` would run."""
    defaults = getattr(function, "__defaults__", None) if type(function) is types.FunctionType else None
    if type(defaults) is tuple and len(defaults) == count and all(defaults[i] is value for i, value in same):
        return defaults
    return NOT_FOUND


def super_order(cls: Any) -> tuple[type, ...]:
    """``cls.__mro__``, the tuple itself, where a lookup along all of it but ``cls`` is one
    along the order of its second class (``cls`` has one base, and its metaclass computes
    no order of its own), and ``cls`` is not a metaclass (whose instances ``super()`` may
    take for classes to start from), and its metaclass's ``mro`` is ``type.mro`` (another
    may hand back the same tuple after ``__bases__`` changes: review R29a F2); else an
    empty tuple. The class test of a ``super().m()`` site in a method of ``cls`` compares
    the ``__class__`` cell's order with it by identity, then looks ``m`` up on that second
    class: a cell pointed at another class, or ``__bases__`` assigned anywhere (which makes
    the order again, a new tuple), fails the test (review R28b F1, F2). Read past any
    metaclass's code, as ``super()`` reads them."""
    if not isinstance(cls, type) or issubclass(cls, type):
        return ()
    for holder in _TYPE_MRO.__get__(type(cls)):
        if "mro" in _CLASS_NAMESPACE.__get__(holder):
            if holder is not type:
                return ()
            break
    order: tuple[type, ...] = _TYPE_MRO.__get__(cls)
    return order if len(order) > 1 and order[1:] == _TYPE_MRO.__get__(order[1]) else ()


def method_cell(function: Any) -> Any:
    """The ``__class__`` cell of a method (for an ``@async_method`` method, of the function
    it wraps), the cell its zero-argument ``super()`` and ``__class__`` read each time they
    run: inlined code reads ``cell.cell_contents`` where the method would. The cell, not
    what it holds now: attrs' slotted classes (``attrs.define(K)`` on an existing class)
    and 3.14's ``dataclass(slots=True)`` point the methods' cells at a new class later.
    A function without one (``NOT_FOUND``: the guards fail, nothing reads it) gets an
    empty cell of its own."""
    if type(function) is types.FunctionType:
        function = _own_function(function)
    code = getattr(function, "__code__", None)
    if code is None or "__class__" not in code.co_freevars or function.__closure__ is None:
        return types.CellType()
    return function.__closure__[code.co_freevars.index("__class__")]


def class_cell(function: Any) -> Any:
    """What :func:`method_cell`'s cell holds now (None without one): only for code generated
    before ``method_cell`` existed (by the command line; the hook's cache is keyed by this
    package's files), which bound the class once, after the class statement, and so
    missed a cell pointed at another class later."""
    cell = method_cell(function)
    try:
        return cell.cell_contents
    except ValueError:  # empty
        return None


__all__ = ["BUILTINS", "METHOD_TYPE", "NOT_FOUND", "SUPER", "class_cell", "compiled_from", "defaults_of", "function_at", "function_of", "is_function", "method_cell", "module_globals", "super_order"]
