"""Whether a module's own code may delete one of its globals otherwise than by ``del NAME``.

Code inlined into another module reads the callee module's globals from its namespace:
by the key (``ns["LIMIT"]``) where the module binds them on every path and never deletes
them, else through ``runtime.global_value``, which raises NameError as Python does for an
unbound global (``ModuleFacts.always_bound``, ``namespace_cost.namespace_read``). A KeyError
in its place would escape an ``except NameError`` (review R35a F1). The deletions read
here are the module's own; a ``del lib.X`` from another module is the documented
difference (docs/methods.md, review R16).
"""

from __future__ import annotations

import re
from typing import cast

import libcst as cst
import libcst.matchers as m

from ..tree import walk
from .scopes import Role, ScopeIndex

#: Names through which a module's own code may delete any of its globals, as ``del NAME``
#: does: ``delattr(sys.modules[__name__], "X")``, ``exec("global X; del X")`` (review R35a F1).
_DELETERS = frozenset({"delattr", "exec", "eval"})
#: Attributes that delete from what they are read on or given: ``mod.__delattr__("X")``,
#: ``object.__delattr__(mod, "X")``, ``dict.__delitem__(globals(), "X")`` (review R36a F1),
#: a method named ``delattr`` (pytest's ``monkeypatch.delattr(mod, "X")``: R37a F1).
_DELETING_ATTRIBUTES = frozenset({"__delattr__", "__delitem__", "delattr"})
#: What gives a namespace as a mapping: ``globals()``, ``vars()``, ``locals()`` called, and
#: the attributes ``__dict__``, ``f_globals``, ``f_locals`` (a module frame's is its
#: globals), ``__globals__``.
_NAMESPACE_CALLS = frozenset({"globals", "vars", "locals"})
_NAMESPACE_ATTRIBUTES = frozenset({"__dict__", "f_globals", "f_locals", "__globals__"})
#: Strings naming these attributes give them to ``getattr``, ``operator.attrgetter``,
#: ``mock.patch.dict("pkg.mod.__dict__")``, ``pkgutil.resolve_name("pkg.mod:__dict__")``
#: ... (reviews R37a F1, R38a F1, R39a F3): a string that is one of them, or a dotted path
#: ending in one.
_NAMESPACE_WORDS = frozenset({"__dict__", "f_globals", "f_locals", "__globals__", "__delattr__", "__delitem__"})
#: Names of builtins that delete, or give a namespace, where a string is looked up:
#: ``getattr(builtins, "exec")``, ``__builtins__["vars"]``, ``sys.modules["builtins"]``,
#: ``import_module("builtins")``, ``resolve_name("builtins:exec")``. Elsewhere (a mode of
#: ``compile``, a logger's name) they name nothing the module reaches (R39a S1).
_CODE_WORDS = frozenset({"delattr", "exec", "eval", "globals", "vars", "locals", "builtins", "__builtins__"})
#: The callables that look a string up.
_LOOKUPS = frozenset({"getattr", "attrgetter", "methodcaller", "import_module", "__import__", "resolve_name", "EntryPoint", "get"})
#: A mapping's methods that delete nothing.
_KEEPING_METHODS = frozenset({"get", "keys", "items", "values", "copy", "update", "setdefault", "__contains__", "__getitem__"})
_BUILTINS_MODULE = m.Name("builtins") | m.Name("__builtins__")


def may_delete_its_globals(index: ScopeIndex, globals_: frozenset[str]) -> bool:
    """The module's code may delete one of its globals otherwise than by ``del NAME``:
    it names one of ``_DELETERS`` or ``_DELETING_ATTRIBUTES``, ``__import__`` (but of a
    module named by a literal), ``builtins`` under any name, or ``globals``, ``vars`` or
    ``locals`` otherwise than calling them (``G = globals``, an import of them: review
    R36a F2); a string names one of ``_NAMESPACE_WORDS``, or one of ``_CODE_WORDS`` where it
    is looked up; it uses the module's namespace
    as a mapping otherwise than by reading or setting an item, a method that deletes
    nothing, ``in``, iterating or formatting it (``del globals()["X"]``,
    ``f.__globals__.pop("X")``); or it deletes an attribute named like one of its globals
    (``del sys.modules[__name__].X``)."""
    for node in walk(index.module):
        kind = type(node)
        if kind is cst.Name:
            name = cast(cst.Name, node).value
            if name == "__import__" and index.role(cast(cst.Name, node)) is Role.LOAD and not _imports_a_named_module(index, node):
                return True  # ``__import__("builtins").delattr(...)``
            if name in ("builtins", "__builtins__") and index.role(cast(cst.Name, node)) is Role.LOAD and not _read_from(index, node):
                return True  # ``B = builtins``, ``getattr(builtins, name)`` (R39a F3)
            if name not in _DELETERS and name not in _NAMESPACE_CALLS:
                continue
            if index.role(cast(cst.Name, node)) is Role.OTHER:  # an attribute's name (``model.eval()``), an import's
                if type(index.parent(node)) is cst.ImportAlias:
                    return True  # ``from builtins import globals as g``
                continue
            if name in _DELETERS or not _called(index, node):
                return True
            continue
        if kind is cst.Attribute:
            attribute = cast(cst.Attribute, node)
            attr = attribute.attr.value
            if attr in _DELETING_ATTRIBUTES:
                return True
            if (attr in _DELETERS or (attr in _NAMESPACE_CALLS and not _called(index, node))) and _of_builtins(index, attribute):
                return True  # ``builtins.exec``, ``import builtins as b; b.exec``
            mapping = attr in _NAMESPACE_ATTRIBUTES
        elif kind is cst.Call:
            mapping = _gives_a_module_namespace(index, cast(cst.Call, node))
        elif kind is cst.SimpleString:
            if _string_may_reach(index, node, _text_of(cast(cst.SimpleString, node))):
                return True
            continue
        elif kind is cst.FormattedStringText:  # ``f"{__name__}.__dict__"``
            up = index.parent(node)
            if up is not None and _string_may_reach(index, up, cast(cst.FormattedStringText, node).value):
                return True
            continue
        elif kind is cst.Del:
            if any(type(n) is cst.Attribute and n.attr.value in globals_ for n in walk(cast(cst.Del, node).target)):
                return True
            continue
        else:
            continue
        if mapping and not _keeps_every_item(index, node):
            return True
    return False


def _of_builtins(index: ScopeIndex, attribute: cst.Attribute) -> bool:
    """``builtins.NAME``, through whatever name the module binds ``builtins`` to."""
    if m.matches(attribute.value, _BUILTINS_MODULE):
        return True
    return any(name == f"builtins.{attribute.attr.value}" for name in index.qualified_names(attribute))


def _text_of(string: cst.SimpleString) -> str:
    """The text between the quotes as written: ``evaluated_value`` compiles the literal,
    which warns of an invalid escape (an error under ``-W error``) where the module's own
    compilation already did."""
    raw = string.value.lstrip("rRbBuUfF")
    quote = 3 if raw[:3] in ('"""', "'''") else 1
    return raw[quote:-quote]


def _read_from(index: ScopeIndex, name: cst.CSTNode) -> bool:
    """``name.attr``: an attribute read from it (which the scan checks by its name)."""
    up = index.parent(name)
    return isinstance(up, cst.Attribute) and up.value is name


def _string_may_reach(index: ScopeIndex, string: cst.CSTNode, text: str) -> bool:
    """``text`` (of the string expression ``string``) names a namespace attribute, or, where
    it is looked up, a builtin that deletes or gives a namespace."""
    last = re.split(r"[.:]", text)[-1]
    if last in _NAMESPACE_WORDS:
        return not _names_nothing_it_reaches(index, string)
    return last in _CODE_WORDS and _looked_up(index, string)


def _looked_up(index: ScopeIndex, string: cst.CSTNode) -> bool:
    """A string given to one of ``_LOOKUPS`` or used as an index."""
    up = index.parent(string)
    if isinstance(up, cst.Index):
        return True
    if not isinstance(up, cst.Arg):
        return False
    call = index.parent(up)
    if not isinstance(call, cst.Call):
        return False
    func = call.func
    last = func.value if isinstance(func, cst.Name) else func.attr.value if isinstance(func, cst.Attribute) else None
    return last in _LOOKUPS


def _names_nothing_it_reaches(index: ScopeIndex, string: cst.CSTNode) -> bool:
    """A docstring, ``hasattr(x, "__dict__")``, or an item of ``__slots__`` (R38a S1)."""
    up = index.parent(string)
    if type(up) is cst.Expr:
        return True
    if isinstance(up, cst.Arg):
        call = index.parent(up)
        return isinstance(call, cst.Call) and m.matches(call.func, m.Name("hasattr"))
    while isinstance(up, (cst.Element, cst.Tuple, cst.List)):
        up = index.parent(up)
    return isinstance(up, cst.Assign) and any(m.matches(t.target, m.Name("__slots__")) for t in up.targets)


def _imports_a_named_module(index: ScopeIndex, name: cst.CSTNode) -> bool:
    """``__import__("os")``: a module named by a literal, not ``builtins`` (review R38a S1)."""
    call = index.parent(name)
    if not (isinstance(call, cst.Call) and call.func is name and call.args and isinstance(call.args[0].value, cst.SimpleString)):
        return False
    return _text_of(call.args[0].value) not in ("builtins", "__builtin__")


def _called(index: ScopeIndex, func: cst.CSTNode) -> bool:
    up = index.parent(func)
    return isinstance(up, cst.Call) and up.func is func


def _gives_a_module_namespace(index: ScopeIndex, call: cst.Call) -> bool:
    """``globals()``; ``vars(x)`` (``x`` may be a module); ``vars()`` and ``locals()`` at
    the module's top level (elsewhere a function's or a class body's namespace)."""
    func = call.func
    if type(func) is cst.Name:
        name = func.value
    elif type(func) is cst.Attribute and _of_builtins(index, func):  # ``import builtins as b; b.globals()`` (R38a F1)
        name = func.attr.value
    else:
        return False
    if name == "globals" or (name == "vars" and call.args):
        return True
    return name in _NAMESPACE_CALLS and index.scope_of(func) is index.global_scope


def read_by_a_builtin(index: ScopeIndex, arg: cst.Arg) -> bool:
    """``arg`` is passed to a builtin that runs no code on it (not ``exec`` or ``eval``)."""
    call = index.parent(arg)
    names = index.qualified_names(call.func) if isinstance(call, cst.Call) else set()
    # A builtin function, not a method of a builtin type (``dict.pop(globals(), "X")``:
    # review R36a F1).
    return bool(names) and all(n.startswith("builtins.") and n.count(".") == 1 and n not in ("builtins.exec", "builtins.eval") for n in names)


def _keeps_every_item(index: ScopeIndex, mapping: cst.CSTNode) -> bool:
    parent = index.parent
    up = parent(mapping)
    if isinstance(up, cst.Arg):
        return read_by_a_builtin(index, up)  # ``dict(vars(args))``
    if isinstance(up, cst.Subscript):
        target = parent(up)
        while isinstance(target, (cst.Element, cst.Tuple, cst.List)):  # ``del a, globals()["X"]``
            target = parent(target)
        return up.value is mapping and not isinstance(target, cst.Del)
    if isinstance(up, cst.Attribute):
        return up.attr.value in _KEEPING_METHODS
    if isinstance(up, cst.ComparisonTarget):
        return isinstance(up.operator, (cst.In, cst.NotIn))
    if isinstance(up, (cst.For, cst.CompFor)):
        return up.iter is mapping
    return isinstance(up, cst.FormattedStringExpression)
