"""Name resolution for one module: which binding does each variable Name refer to?

LibCST gives the scope tree (which scope each node syntactically belongs to); the
*bindings* of each scope are computed here from the syntax, by Python's compile-time
rules, because LibCST's own assignment records are flow-sensitive and miss some binding
forms (match captures, a walrus inside a comprehension, ``del``). Getting this wrong is
how an inliner miscompiles, so the rules are spelled out in ``_Roles`` and checked
against CPython's ``symtable`` in the tests.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from enum import Enum
from functools import cached_property

import libcst as cst
from libcst.helpers import get_full_name_for_node
from libcst.metadata import BuiltinScope, ClassScope, ComprehensionScope, FunctionScope, GlobalScope, Scope

from ..layout import Range
from ..tree import children, import_top_name, walk
from .positions import ModulePositions
from .scope_tree import scope_tree


class Role(Enum):
    LOAD = "load"
    STORE = "store"
    #: ``x += 1``: reads, then binds.
    AUGSTORE = "augstore"
    DEL = "del"
    PARAM = "param"
    #: Target of ``:=``: binds in the nearest enclosing non-comprehension scope (PEP 572).
    WALRUS = "walrus"
    #: ``global x`` / ``nonlocal x``.
    DECL = "decl"
    #: Not a variable: attribute name, call keyword, dotted import path, match keyword.
    OTHER = "other"

    @property
    def binds(self) -> bool:
        return self in (Role.STORE, Role.AUGSTORE, Role.DEL, Role.PARAM, Role.WALRUS)

    @property
    def reads(self) -> bool:
        return self in (Role.LOAD, Role.AUGSTORE, Role.DEL)


#: Names the compiler reads as constants, never as variables.
_COMPILER_CONSTANTS = frozenset({"True", "False", "None", "__debug__"})

#: The node types ``_Roles.node`` treats otherwise than by reading their parts.
_ROLE_FORMS = frozenset({
    cst.Name, cst.Attribute, cst.Assign, cst.AugAssign, cst.AnnAssign, cst.For, cst.CompFor, cst.WithItem,
    cst.ExceptHandler, cst.ExceptStarHandler, cst.NamedExpr, cst.Del, cst.Import, cst.ImportFrom,
    cst.FunctionDef, cst.ClassDef, cst.Param, cst.Arg, cst.Global, cst.Nonlocal, cst.MatchAs, cst.MatchStar,
    cst.MatchMapping, cst.MatchKeywordElement, cst.TypeVar, cst.TypeVarTuple, cst.ParamSpec, cst.TypeAlias,
})


class _Roles:
    """Classify every Name node of a tree by the role it plays (see ``Role``)."""

    def __init__(self) -> None:
        self.roles: dict[cst.Name, Role] = {}
        #: The tree has a ``from x import *``, which binds names no Name node shows.
        self.star_import = False

    def run(self, root: cst.CSTNode) -> dict[cst.Name, Role]:
        self.node(root, Role.LOAD)
        return self.roles

    def all(self, nodes: Iterable[cst.CSTNode | None], role: Role = Role.LOAD) -> None:
        for n in nodes:
            if n is not None:
                self.node(n, role)

    def target(self, node: cst.CSTNode, role: Role) -> None:
        """A binding target: names bind, attribute/subscript parts are read."""
        if isinstance(node, cst.Name):
            self.roles[node] = role
        elif isinstance(node, (cst.Tuple, cst.List)):
            for el in node.elements:
                self.target(el.value, role)
        elif isinstance(node, cst.StarredElement):
            self.target(node.value, role)
        elif isinstance(node, cst.AsName):
            self.target(node.name, role)
        else:
            self.node(node, Role.LOAD)

    def dotted(self, node: cst.CSTNode) -> None:
        for n in walk(node):
            if isinstance(n, cst.Name):
                self.roles[n] = Role.OTHER

    def node(self, node: cst.CSTNode, role: Role) -> None:  # an isinstance dispatch table, the common forms first
        if type(node) not in _ROLE_FORMS:  # most nodes: only their parts have roles
            for child in children(node):
                self.node(child, Role.LOAD)
        elif isinstance(node, cst.Name):
            # True, False, None and __debug__ are Names to LibCST but constants to the compiler.
            self.roles[node] = Role.OTHER if node.value in _COMPILER_CONSTANTS else role
        elif isinstance(node, cst.Attribute):
            self.node(node.value, Role.LOAD)
            self.roles[node.attr] = Role.OTHER
        elif isinstance(node, cst.Arg):
            if node.keyword is not None:
                self.roles[node.keyword] = Role.OTHER
            self.node(node.value, Role.LOAD)
        elif isinstance(node, cst.Param):
            self.roles[node.name] = Role.PARAM
            self.all([node.annotation, node.default])
        elif isinstance(node, cst.Assign):
            for t in node.targets:
                self.target(t.target, Role.STORE)
            self.node(node.value, Role.LOAD)
        elif isinstance(node, cst.AugAssign):
            self.target(node.target, Role.AUGSTORE)
            self.node(node.value, Role.LOAD)
        elif isinstance(node, cst.AnnAssign):
            self.target(node.target, Role.STORE)
            self.all([node.annotation, node.value])
        elif isinstance(node, (cst.For, cst.CompFor)):
            self.target(node.target, Role.STORE)
            rest = [c for c in children(node) if c is not node.target]
            self.all(rest)
        elif isinstance(node, cst.WithItem):
            self.node(node.item, Role.LOAD)
            if node.asname is not None:
                self.target(node.asname.name, Role.STORE)
        elif isinstance(node, (cst.ExceptHandler, cst.ExceptStarHandler)):
            self.all([node.type, node.body])
            if node.name is not None:
                self.target(node.name.name, Role.STORE)
        elif isinstance(node, cst.NamedExpr):
            self.target(node.target, Role.WALRUS)
            self.node(node.value, Role.LOAD)
        elif isinstance(node, cst.Del):
            self.target(node.target, Role.DEL)
        elif isinstance(node, cst.Import):
            for alias in node.names:
                if alias.asname is not None:
                    self.dotted(alias.name)
                    self.target(alias.asname.name, Role.STORE)
                else:
                    self.dotted(alias.name)
                    self.roles[import_top_name(alias)] = Role.STORE  # `import a.b` binds `a`
        elif isinstance(node, cst.ImportFrom):
            if node.module is not None:
                self.dotted(node.module)
            if isinstance(node.names, cst.ImportStar):
                self.star_import = True
            else:
                for alias in node.names:
                    if alias.asname is not None:
                        self.dotted(alias.name)
                        self.target(alias.asname.name, Role.STORE)
                    else:
                        assert isinstance(alias.name, cst.Name)  # `from m import a.b` is not Python
                        self.roles[alias.name] = Role.STORE
        elif isinstance(node, (cst.FunctionDef, cst.ClassDef)):
            self.roles[node.name] = Role.STORE
            self.all([c for c in children(node) if c is not node.name])
        elif isinstance(node, (cst.Global, cst.Nonlocal)):
            for item in node.names:
                self.roles[item.name] = Role.DECL
        elif isinstance(node, cst.MatchAs):
            self.all([node.pattern])
            if node.name is not None:
                self.roles[node.name] = Role.STORE
        elif isinstance(node, cst.MatchStar):
            if node.name is not None:
                self.roles[node.name] = Role.STORE
        elif isinstance(node, cst.MatchMapping):
            for el in node.elements:
                self.all([el.key, el.pattern])
            if node.rest is not None:
                self.roles[node.rest] = Role.STORE
        elif isinstance(node, cst.MatchKeywordElement):
            self.roles[node.key] = Role.OTHER
            self.node(node.pattern, Role.LOAD)
        elif isinstance(node, (cst.TypeVar, cst.TypeVarTuple, cst.ParamSpec)):
            # A type parameter binds in its annotation scope (``class K[T]``: the methods of
            # ``K`` read ``T`` there, not in the module).
            self.roles[node.name] = Role.STORE
            self.all([getattr(node, "bound", None)])
        elif isinstance(node, cst.TypeAlias):
            self.roles[node.name] = Role.STORE
            self.all([node.type_parameters, node.value])
        else:
            # Everything else evaluates its parts (Tuple/List/Starred in load position too).
            for child in children(node):
                self.node(child, Role.LOAD)


class ScopeIndex:
    """Scopes, bindings and metadata for every node of one module, by node identity."""

    def __init__(self, module: cst.Module, source: str | None = None, syntax: ast.Module | None = None) -> None:
        """``source``: the text ``module`` was parsed from, if at hand (else generated);
        ``syntax``: CPython's tree of that text, if at hand (else parsed)."""
        self.module = module
        top, self._scopes, self._parents = scope_tree(module)
        self._positions = ModulePositions(module, source, syntax, self._parents.get)
        self.global_scope: GlobalScope = top
        roles = _Roles()
        self.roles: dict[cst.Name, Role] = roles.run(self.module)
        #: The module has a ``from x import *`` (only a module's code may, in any block).
        self.has_star_import = roles.star_import
        self._bindings: dict[Scope, frozenset[str]] = {}
        self._declared: dict[Scope, dict[str, str]] = {}
        #: Last line of each scope's global/nonlocal declaration of a name.
        self._declared_line: dict[Scope, dict[str, int]] = {}
        for name, role in self.roles.items():
            if role is Role.DECL:
                decl = self._parents.get(name)
                while decl is not None and not isinstance(decl, (cst.Global, cst.Nonlocal)):
                    decl = self._parents.get(decl)
                scope = self._scopes.get(name)
                if decl is None or scope is None:
                    continue
                kind = "global" if isinstance(decl, cst.Global) else "nonlocal"
                self._declared.setdefault(scope, {})[name.value] = kind
                lines = self._declared_line.setdefault(scope, {})
                lines[name.value] = max(lines.get(name.value, 0), self.line(decl))

    # -- plain lookups -------------------------------------------------------------
    def scope_of(self, node: cst.CSTNode) -> Scope | None:
        """The scope ``node`` is in; None for a node of another tree, or a formatting node
        (``tree.children`` skips those)."""
        return self._scopes.get(node)

    def parent(self, node: cst.CSTNode) -> cst.CSTNode | None:
        return self._parents.get(node)

    def line(self, node: cst.CSTNode) -> int:
        found = self.position(node)
        assert found is not None, "a node of another tree"
        return found[0]

    def position(self, node: cst.CSTNode) -> Range | None:
        """Where an original node is (None for a node that is not part of the module). The
        line ``statements_of`` makes of a one-line body (``def f(): a; return b``) is where
        its first statement is."""
        found = self._positions.get(node)
        if found is None and isinstance(node, cst.SimpleStatementLine) and node.body:
            return self._positions.get(node.body[0])
        return found

    def indentation(self, statement: cst.CSTNode) -> str | None:
        """The text before an original statement on its first line (None: not known
        without laying the module out)."""
        return self._positions.indentation(statement)

    def qualified_names(self, node: cst.CSTNode) -> set[str]:
        """What a name, dotted name or call's callee may refer to, by the imports that bind
        its first name where it resolves: ``runtime.inline``, ``builtins.locals``,
        ``.sibling.f`` (relative). A binding other than an import adds ``<local>.`` and
        the dotted name, which names nothing outside."""
        dotted = get_full_name_for_node(node)
        scope = self.scope_of(node)
        if dotted is None or scope is None:
            return set()
        root = dotted.partition(".")[0]
        where = self.resolve(root, scope)
        if isinstance(where, BuiltinScope):
            return {f"builtins.{dotted}"}
        imported = self._imported.get(where, {})
        names = {target + dotted[len(root):] for target in imported.get(root, ())}
        if root in self._bound_otherwise.get(where, ()):
            names.add(f"<local>.{dotted}")
        return names

    def imported_names(self) -> Iterator[tuple[str, set[str]]]:
        """Each name an import binds (in any scope), with what it may name."""
        for names in self._imported.values():
            yield from names.items()

    @cached_property
    def _imported(self) -> dict[Scope, dict[str, set[str]]]:
        """Per scope, what each name an import binds there names (``import a.b`` binds ``a``)."""
        out: dict[Scope, dict[str, set[str]]] = {}
        for node, scope in self._scopes.items():
            if isinstance(node, cst.Import):
                for alias in node.names:
                    dotted = get_full_name_for_node(alias.name) or ""
                    bound = alias.asname.name if alias.asname is not None else import_top_name(alias)
                    assert isinstance(bound, cst.Name)
                    target = dotted if alias.asname is not None else bound.value
                    out.setdefault(scope, {}).setdefault(bound.value, set()).add(target)
            elif isinstance(node, cst.ImportFrom) and not isinstance(node.names, cst.ImportStar):
                module = get_full_name_for_node(node.module) if node.module is not None else ""
                prefix = "." * len(node.relative) + (f"{module}." if module else "")
                for alias in node.names:
                    name = get_full_name_for_node(alias.name) or ""
                    as_name = alias.asname.name if alias.asname is not None else alias.name
                    assert isinstance(as_name, cst.Name)
                    out.setdefault(scope, {}).setdefault(as_name.value, set()).add(prefix + name)
        return out

    @cached_property
    def _bound_otherwise(self) -> dict[Scope, set[str]]:
        """Per scope, the local names something other than an import binds there."""
        out: dict[Scope, set[str]] = {}
        for node, role in self.roles.items():
            if role.binds and not self._in_import(node):
                scope = self.use_scope(node)
                if scope is not None:
                    out.setdefault(scope, set()).add(node.value)
        return out

    def _in_import(self, node: cst.CSTNode) -> bool:
        up = self._parents.get(node)
        while isinstance(up, (cst.Attribute, cst.AsName)):
            up = self._parents.get(up)
        return isinstance(up, cst.ImportAlias)

    def role(self, node: cst.Name) -> Role:
        return self.roles.get(node, Role.OTHER)

    # -- bindings, by Python's rules --------------------------------------------------
    def binding_scope(self, node: cst.Name) -> Scope | None:
        """For a binding occurrence: the scope the name is bound in, before global/nonlocal."""
        scope = self.scope_of(node)
        if scope is not None and self.role(node) is Role.WALRUS:
            while isinstance(scope, ComprehensionScope):
                scope = scope.parent
        return scope

    @cached_property
    def _all_bindings(self) -> dict[Scope, frozenset[str]]:
        found: dict[Scope, set[str]] = {}
        for name, role in self.roles.items():
            if role.binds:
                scope = self.binding_scope(name)
                if scope is not None:
                    found.setdefault(scope, set()).add(name.value)
        return {
            scope: frozenset(n for n in names if n not in self._declared.get(scope, {}))
            for scope, names in found.items()
        }

    def bindings(self, scope: Scope) -> frozenset[str]:
        """Names local to ``scope``: bound in it and not declared global/nonlocal there."""
        return self._all_bindings.get(scope, frozenset())

    def declaration(self, scope: Scope, name: str) -> str | None:
        """``"global"`` or ``"nonlocal"`` when ``scope`` declares ``name`` so, else None."""
        return self._declared.get(scope, {}).get(name)

    def mangling_class(self, scope: Scope) -> str | None:
        """The name of the class whose body mangles the private names of code in ``scope``
        (the innermost class around it), if any."""
        current: Scope | None = scope
        while current is not None and not isinstance(current, GlobalScope):
            if isinstance(current, ClassScope):
                assert isinstance(current.node, cst.ClassDef)
                return current.node.name.value
            current = current.parent
        return None

    def declared_global(self) -> frozenset[str]:
        """Names some scope of the module declares ``global``."""
        return frozenset(name for declared in self._declared.values() for name, kind in declared.items() if kind == "global")

    def declaration_line(self, scope: Scope, name: str) -> int | None:
        """Line of the last global/nonlocal declaration of ``name`` in ``scope``, if any."""
        return self._declared_line.get(scope, {}).get(name)

    def resolve(self, name: str, scope: Scope) -> Scope:
        """The scope whose binding of ``name`` a use in ``scope`` refers to.

        Class scopes are visible only to their own body. An unbound global resolves to the
        global scope (NameError at run time), a builtin to the builtin scope.
        """
        current: Scope = scope
        first = True
        while True:
            if isinstance(current, GlobalScope):
                break
            visible = first or not isinstance(current, ClassScope)
            if visible:
                declared = self.declaration(current, name)
                if declared == "global":
                    break
                if declared is None and name in self.bindings(current):
                    return current
            current, first = current.parent, False
        if name in self.bindings(self.global_scope) or name not in self.global_scope.parent:
            return self.global_scope
        return self.global_scope.parent  # BuiltinScope

    def use_scope(self, node: cst.Name) -> Scope | None:
        """The scope a variable Name reads or binds in; None for non-variables."""
        role = self.role(node)
        if role is Role.OTHER:
            return None
        scope = self.binding_scope(node) if role.binds else self.scope_of(node)
        if scope is None:
            return None
        if role.binds and role is not Role.AUGSTORE and role is not Role.DEL:
            declared = self.declaration(scope, node.value)
            if declared is None:
                return scope
        return self.resolve(node.value, scope)

    @cached_property
    def global_binding_counts(self) -> dict[str, int]:
        """How many binding occurrences each module-level name has in the module."""
        counts: dict[str, int] = {}
        for name, role in self.roles.items():
            if role.binds and self.use_scope(name) is self.global_scope:
                counts[name.value] = counts.get(name.value, 0) + 1
        return counts

    @cached_property
    def globals_bound_once(self) -> frozenset[str]:
        """Module-level names bound by exactly one statement of the module."""
        return frozenset(n for n, c in self.global_binding_counts.items() if c == 1)

    def variables_in(self, root: cst.CSTNode) -> Iterator[cst.Name]:
        """Every variable Name (role other than OTHER) inside ``root``, in source order."""
        for node in walk(root):
            if type(node) is cst.Name and self.role(node) is not Role.OTHER:
                yield node

    def function_scope(self, fdef: cst.FunctionDef) -> Scope:
        """The scope of a function's own body (its parameters live there too)."""
        scope = self._scopes[fdef.params]
        assert scope is not None
        return scope

    def enclosing_function_scopes(self, scope: Scope) -> list[Scope]:
        """``scope`` and the function scopes around it whose bindings code in it can see."""
        out: list[Scope] = []
        current: Scope | None = scope
        while current is not None and not isinstance(current, (GlobalScope, BuiltinScope)):
            if current is scope or not isinstance(current, ClassScope):
                out.append(current)
            current = current.parent
        return out

    @staticmethod
    def is_function(scope: Scope) -> bool:
        return isinstance(scope, FunctionScope)


__all__ = ["Role", "ScopeIndex"]
