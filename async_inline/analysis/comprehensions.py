"""Names of inlined comprehensions that CPython resolves wrongly when two sit in one function.

Since 3.12 (PEP 709) a list, set or dict comprehension is compiled into the function around
it. Where one such comprehension binds a name as its target and another reads the same name
as a global, a builtin or a free variable (or a lambda, generator expression or nested
function of the function reads it as a free variable), CPython makes the name a local of the
function and the read raises UnboundLocalError or NameError: gh-118513 for globals
(3.12.0-3.12.3), gh-156664 for free variables (3.12 and later, open). A read of the name at
the function's own level keeps it global.
Inlining puts a callee's comprehensions beside its caller's (and, in the expression form, any
read of the callee inside a comprehension of the caller): it can make such a pair, or undo
one; taking an await out of its statement changes the order in which the compiler meets the
caller's own comprehensions, which decides which of two is the pair's first. So the planner
keeps every site of a caller holding such a pair a call, and refuses a site whose callee
mentions a name that a pair of the combined code shares (``Planner._comprehension_refusal``).
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst
from libcst.metadata import ComprehensionScope

from .scopes import ScopeIndex


@dataclass(frozen=True)
class ComprehensionNames:
    #: Bound as the target of a comprehension compiled into the function.
    targets: frozenset[str] = frozenset()
    #: Read from outside the function (global, builtin, free) by code nested in it: such a
    #: comprehension, or a lambda, generator expression, function or class inside it (a
    #: free variable read there raises NameError once a comprehension binds it, review R11).
    outer_reads: frozenset[str] = frozenset()
    #: Every variable name of the function's code.
    mentioned: frozenset[str] = frozenset()
    #: Read anywhere in the function and resolved outside it.
    reads: frozenset[str] = frozenset()

    def __or__(self, other: ComprehensionNames) -> ComprehensionNames:
        return ComprehensionNames(
            self.targets | other.targets, self.outer_reads | other.outer_reads, self.mentioned | other.mentioned, self.reads | other.reads
        )

    @property
    def shared(self) -> frozenset[str]:
        """Names bound by one comprehension and read from outside by another."""
        return self.targets & self.outer_reads

    @property
    def inlined(self) -> ComprehensionNames:
        """The names of this function's code once inlined: any of its reads may land in a
        comprehension of the caller (the expression form inside one)."""
        return ComprehensionNames(self.targets, self.reads, self.mentioned, self.reads)


def comprehension_names(index: ScopeIndex, fdef: cst.FunctionDef) -> ComprehensionNames:
    own = index.function_scope(fdef)
    targets: set[str] = set()
    in_comprehensions: set[str] = set()
    reads: set[str] = set()
    mentioned: set[str] = set()
    for name in index.variables_in(fdef.body):
        mentioned.add(name.value)
        role = index.role(name)
        resolved = index.use_scope(name)
        outer = role.reads and not _within(resolved, own)
        if outer:
            reads.add(name.value)
        scope = index.scope_of(name)
        if scope is own:
            continue  # read at the function's own level: the compiler keeps the name global
        if role.binds and resolved is scope and isinstance(scope, ComprehensionScope) and _inlined_into(scope, own):
            targets.add(name.value)
        elif outer:
            in_comprehensions.add(name.value)
    return ComprehensionNames(frozenset(targets), frozenset(in_comprehensions), frozenset(mentioned), frozenset(reads))


def _within(scope: object, own: object) -> bool:
    """Is ``scope`` the function's own or one nested in it?"""
    while scope is not None:
        if scope is own:
            return True
        parent = getattr(scope, "parent", None)
        scope = parent if parent is not scope else None  # (the builtins' scope is its own parent)
    return False


def _inlined_into(scope: object, own: object) -> bool:
    """Is ``scope`` a comprehension compiled into the function of scope ``own`` (not a
    generator expression, which keeps a code object of its own, nor inside one)?"""
    while isinstance(scope, ComprehensionScope):
        if isinstance(scope.node, cst.GeneratorExp):
            return False
        scope = scope.parent
    return scope is own
