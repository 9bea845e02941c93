"""The classes of a module as far as the source tells: their bases and their methods.

Only what static resolution of ``self.m()`` needs: the method-resolution order of a
class through the classes this analysis can see, and the ``async def`` a name finds
there. The answer is a best guess by design: the run-time guard of an inlined method
(see docs/methods.md) checks that the lookup the original performs yields exactly the
function inlined, so a wrong guess costs speed, never correctness.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from enum import Enum

import libcst as cst
import libcst.matchers as m

from ..tree import statements_of, walk
from .scopes import Role, ScopeIndex


class MethodKind(Enum):
    #: A plain ``async def`` in a class body: an instance lookup binds it.
    INSTANCE = "instance"
    CLASS = "classmethod"
    STATIC = "staticmethod"


@dataclass(frozen=True)
class MethodDef:
    node: cst.FunctionDef
    kind: MethodKind


@dataclass(frozen=True, eq=False)
class ClassInfo:
    name: str
    #: Dotted qualified name within its module (``Outer.Inner``).
    qualname: str
    node: cst.ClassDef
    #: Base expressions, in order (``Generic[T]`` and keywords excluded).
    bases: tuple[cst.BaseExpression, ...]
    #: Methods by name: the last ``def`` of each name in the class body, if the body binds
    #: the name only by that ``def``; other class attributes are in ``attributes``.
    methods: Mapping[str, MethodDef]
    #: Names the class body binds otherwise (assignments, imports, nested classes ...).
    attributes: frozenset[str]
    #: The class is a module-level statement whose name the module binds once.
    stable: bool
    #: The dotted name of the module defining it, when known.
    module: str | None = None
    #: Its ``metaclass=`` is absent, ``type`` or ``abc.ABCMeta``: looking an attribute up
    #: on the class runs no code of the program's (``customizes_lookup``).
    plain_metaclass: bool = True

    def defines(self, name: str) -> bool:
        return name in self.methods or name in self.attributes

    def binds_otherwise_than_by_def(self, name: str) -> bool:
        """The class body binds ``name`` to something other than a ``def`` (possibly made a
        classmethod or staticmethod): an object whose ``__get__`` may run code."""
        if name not in self.attributes:
            return False
        body = statements_of(self.node.body)
        replaced = _replaced_stubs(body)
        for stmt in body:
            if isinstance(stmt, cst.FunctionDef) and stmt.name.value == name and method_kind(stmt) is not None:
                continue
            if any(bound == name for bound, _ in _bindings(stmt, replaced)):
                return True
        return False

    @property
    def customizes_lookup(self) -> bool:
        """A lookup on its instances (``__getattribute__``) or on the class itself (its
        metaclass's ``__getattribute__``, ``__getattr__``, descriptors) may run code."""
        return self.defines("__getattribute__") or not self.plain_metaclass


#: A base the analysis cannot see (another package, a call, a subscript ...).
UNKNOWN = None


def module_classes(index: ScopeIndex, module: str | None) -> dict[str, ClassInfo]:
    """Module-level classes by name."""
    out: dict[str, ClassInfo] = {}
    bound_once = index.globals_bound_once
    for stmt in index.module.body:
        if isinstance(stmt, cst.ClassDef):
            out[stmt.name.value] = analyze_class(stmt, stmt.name.value, stmt.name.value in bound_once, module, index)
    return out


#: Metaclasses whose class lookups run no code of the program's.
_PLAIN_METACLASSES = frozenset({"builtins.type", "abc.ABCMeta"})


def _plain_metaclass(index: ScopeIndex, metaclass: cst.BaseExpression) -> bool:
    """``metaclass`` is ``type`` or ``abc.ABCMeta`` (review R29a F1b: a ``global type``)."""
    return names_only_by_import(index, metaclass, _PLAIN_METACLASSES)


def names_only_by_import(index: ScopeIndex, expr: cst.BaseExpression, allowed: frozenset[str]) -> bool:
    """``expr`` names one of the qualified names ``allowed`` through a global bound by
    nothing but its import (by nothing, for a builtin), declared ``global`` by no function
    (whose store the scopes do not count as one of the module's) and in a module without a
    star import (which may bind any name)."""
    names = index.qualified_names(expr)
    if not names or not names <= allowed or index.has_star_import:
        return False
    root = expr
    while isinstance(root, cst.Attribute):
        root = root.value
    if not isinstance(root, cst.Name):
        return False
    if any(role is Role.DECL and name.value == root.value for name, role in index.roles.items()):
        return False
    builtin = all(name.startswith("builtins.") for name in names)
    return index.global_binding_counts.get(root.value, 0) == (0 if builtin else 1)


def class_scope_nodes(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """``node`` and the nodes under it in its own scope (a class body's): a nested
    ``def``'s decorators and defaults, a nested class's bases and decorators, but not the
    body of a function, lambda or class (scopes of their own)."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        own_scope = current.body if isinstance(current, (cst.FunctionDef, cst.Lambda, cst.ClassDef)) else None
        stack.extend(child for child in current.children if child is not own_scope)


def class_scope_walrus_targets(node: cst.CSTNode) -> set[str]:
    """The names ``:=`` in ``node`` binds in the scope ``node`` is in (a class body's)."""
    return {n.target.value for n in class_scope_nodes(node) if type(n) is cst.NamedExpr and type(n.target) is cst.Name}


def analyze_class(node: cst.ClassDef, qualname: str, stable: bool, module: str | None, index: ScopeIndex | None = None) -> ClassInfo:
    """(Without ``index`` a ``metaclass=`` is taken for one that runs code.)"""
    methods: dict[str, MethodDef] = {}
    other: set[str] = set()
    counts: dict[str, int] = {}
    body = statements_of(node.body)
    replaced = _replaced_stubs(body)
    for stmt in body:
        for name, method in _bindings(stmt, replaced):
            counts[name] = counts.get(name, 0) + 1
            if method is not None:
                methods[name] = method
            else:
                other.add(name)
    methods = {n: m for n, m in methods.items() if counts[n] == 1}
    # ``*BASES`` stays as its expression: no class the analysis can resolve, so the order
    # holds an unknown base there, not none (review R33a F1).
    bases = tuple(a.value for a in node.bases if a.keyword is None)
    attributes = frozenset(other | {n for n, c in counts.items() if c > 1})
    metaclass = next((a.value for a in node.keywords if a.keyword is not None and a.keyword.value == "metaclass"), None)
    # (``**options`` may hold a metaclass: review R29a F1)
    plain = not any(a.star == "**" for a in node.keywords) and (metaclass is None or (index is not None and _plain_metaclass(index, metaclass)))
    return ClassInfo(node.name.value, qualname, node, bases, methods, attributes, stable, module, plain)


def bound_names(stmt: cst.CSTNode) -> set[str]:
    """Every name a class-body statement may bind, an ``@overload`` stub's too."""
    names = {name for name, _ in _bindings(stmt, frozenset())}
    return names | {stmt.name.value} if isinstance(stmt, cst.FunctionDef) else names


def _bindings(stmt: cst.CSTNode, replaced: frozenset[int]) -> list[tuple[str, MethodDef | None]]:
    """Names a class-body statement binds, with the method when it is an ``async def``
    whose decorators keep it a function the class holds; nothing but ``:=`` targets for a
    stub in ``replaced`` (``_replaced_stubs``)."""
    if isinstance(stmt, cst.BaseCompoundStatement) and not isinstance(stmt, (cst.FunctionDef, cst.ClassDef)):
        # Names bound under if/try/for in a class body: counted as attributes.
        return [(node.value, None) for node in walk(stmt) if isinstance(node, cst.Name)]
    walrus: list[tuple[str, MethodDef | None]] = [(name, None) for name in sorted(class_scope_walrus_targets(stmt))]
    if isinstance(stmt, cst.FunctionDef):
        if id(stmt) in replaced:
            return walrus
        kind = method_kind(stmt)
        method = MethodDef(stmt, kind) if kind is not None and stmt.asynchronous is not None else None
        return [(stmt.name.value, method), *walrus]
    if isinstance(stmt, cst.ClassDef):
        return [(stmt.name.value, None), *walrus]
    if isinstance(stmt, cst.SimpleStatementLine):
        # ``(m := K.m)`` in a class body binds ``m`` there (review R31a F1)
        return [*walrus, *((target, None) for small in stmt.body for target in small_targets(small))]
    return []


def small_targets(small: cst.BaseSmallStatement) -> list[str]:
    targets: list[cst.CSTNode] = []
    if isinstance(small, cst.Assign):
        targets = [t.target for t in small.targets]
    elif isinstance(small, (cst.AnnAssign, cst.AugAssign)):
        targets = [small.target]
    elif isinstance(small, (cst.Import, cst.ImportFrom)) and not isinstance(small.names, cst.ImportStar):
        targets = [a.asname.name if a.asname else a.name for a in small.names]
    elif isinstance(small, cst.Del):
        targets = [small.target]
    return [n.value for t in targets for n in walk(t) if isinstance(n, cst.Name)]


#: Decorators a method may carry and stay the function the class holds: the runtime's
#: markers and ``typing``'s ``final`` and ``override``, by the last part of their names here,
#: checked by qualified name in the callee analysis (``callee._markers``).
_KIND_DECORATORS = {"classmethod": MethodKind.CLASS, "staticmethod": MethodKind.STATIC}
_MARKERS = frozenset({"inline", "noinline", "async_method", "final", "override"})


def _replaced_stubs(body: list[cst.BaseStatement]) -> frozenset[int]:
    """The ``@overload`` stubs of a class body (by id) that a later ``def`` of the same
    name, no stub, replaces when the body runs: whatever the decorator is, they bind
    nothing that lasts. A stub with no such ``def`` after it binds what its decorator
    returned (review R32a F4: a function of the program named ``overload``)."""
    later: set[str] = set()
    out: set[int] = set()
    for stmt in reversed(body):
        if type(stmt) is cst.FunctionDef:
            if not is_overload_stub(stmt):
                later.add(stmt.name.value)
            elif stmt.name.value in later:
                out.add(id(stmt))
    return frozenset(out)


def is_overload_stub(fdef: cst.FunctionDef) -> bool:
    """``@overload`` (``typing``'s or ``typing_extensions``'): the last, undecorated
    definition of the name replaces it when the module or class body runs."""
    return any(m.matches(d.decorator, m.Name("overload") | m.Attribute(attr=m.Name("overload"))) for d in fdef.decorators)


#: What the class statement makes of these when they are plain functions (``type.__new__``
#: wraps them): ``__new__`` a staticmethod, the other two classmethods.
_IMPLICIT_KINDS = {
    "__new__": MethodKind.STATIC,
    "__init_subclass__": MethodKind.CLASS,
    "__class_getitem__": MethodKind.CLASS,
}


def caller_method_kind(fdef: cst.FunctionDef) -> MethodKind:
    """How a function of a class body receives its first argument, for resolving the
    sites of its own body (a guess: the guards check what a lookup really yields)."""
    first = fdef.decorators[0].decorator if fdef.decorators else None
    name = first.value if isinstance(first, cst.Name) else None
    return _KIND_DECORATORS.get(name or "", _IMPLICIT_KINDS.get(fdef.name.value, MethodKind.INSTANCE))


def method_kind(fdef: cst.FunctionDef) -> MethodKind | None:
    """The kind the decorators make (or the class statement, for ``__new__`` and the
    implicit classmethods); None when a decorator may replace the function."""
    kind = _IMPLICIT_KINDS.get(fdef.name.value, MethodKind.INSTANCE)
    for i, deco in enumerate(fdef.decorators):
        expr = deco.decorator
        name = expr.value if isinstance(expr, cst.Name) else None
        if name in _KIND_DECORATORS and i == 0:
            kind = _KIND_DECORATORS[name]
        elif isinstance(expr, cst.Attribute) and expr.attr.value in _MARKERS:
            continue  # checked by qualified name in callee.py
        elif name in _MARKERS:
            continue
        else:
            return None
    return kind


def mro(cls: ClassInfo, resolve_base: Callable[[ClassInfo, cst.BaseExpression], ClassInfo | None]) -> list[ClassInfo | None]:
    """The method-resolution order as far as it is known: C3 over the visible classes,
    ``UNKNOWN`` for a base the analysis cannot see (its own bases are unknown too)."""
    seen: set[int] = set()

    def linearize(c: ClassInfo) -> list[ClassInfo | None]:
        if id(c) in seen:  # a cycle in broken code: stop
            return [c, UNKNOWN]
        seen.add(id(c))
        parents = [resolve_base(c, b) for b in c.bases if not m.matches(b, m.Name("object"))]
        lists: list[list[ClassInfo | None]] = [linearize(p) if p is not None else [UNKNOWN] for p in parents]
        return [c, *_merge([*lists, list(parents)])]

    return linearize(cls)


def _merge(seqs: list[list[ClassInfo | None]]) -> list[ClassInfo | None]:
    """C3 merge; an unknown base ends the known part of the order."""
    out: list[ClassInfo | None] = []
    seqs = [list(s) for s in seqs if s]
    while seqs:
        for seq in seqs:
            head = seq[0]
            if head is UNKNOWN or not any(head in s[1:] for s in seqs):
                break
        else:
            return [*out, UNKNOWN]  # inconsistent order: Python would refuse the class
        if head is UNKNOWN:
            return [*out, UNKNOWN]
        out.append(head)
        seqs = [[x for x in s if x is not head] for s in seqs]
        seqs = [s for s in seqs if s]
    return out


def find_method(order: list[ClassInfo | None], name: str) -> tuple[ClassInfo, MethodDef] | None:
    """The ``async def`` a lookup of ``name`` along ``order`` finds, if the known part of
    the order decides it: the first class that binds the name, if that binding is one."""
    for cls in order:
        if cls is UNKNOWN:
            return None
        if name in cls.methods:
            return cls, cls.methods[name]
        if cls.defines(name):
            return None
    return None
