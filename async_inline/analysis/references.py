"""What names and dotted names of a module refer to, across the modules of the program,
and the method-resolution order of classes whose bases live in other modules."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

import libcst as cst
from libcst.metadata import ClassScope

from .callee import CalleeInfo
from .classes import UNKNOWN, ClassInfo, mro
from .imports import imported_modules, importing_statement, within
from .module import ModuleFacts


@dataclass(frozen=True)
class ClassOrder:
    """A method-resolution order, and for each class of another module the site module's
    import statement that brought it in (the first step of the chain of bases)."""

    classes: list[ClassInfo | None]
    imported_by: dict[int, cst.SimpleStatementLine]

    def via(self, cls: ClassInfo, default: cst.SimpleStatementLine | None) -> cst.SimpleStatementLine | None:
        return self.imported_by.get(id(cls), default)

    def after(self, n: int) -> ClassOrder:
        return ClassOrder(self.classes[n:], self.imported_by)



def class_order(facts: ModuleFacts, cls: ClassInfo, via: cst.SimpleStatementLine | None = None) -> ClassOrder:
    """``cls``'s method-resolution order, each base resolved in its own class's module;
    ``via``: how ``cls`` came into the site's module, if it was imported."""
    imported_by: dict[int, cst.SimpleStatementLine] = {id(cls): via} if via is not None else {}

    def base(of: ClassInfo, expr: cst.BaseExpression) -> ClassInfo | None:
        home = facts_of(facts, of)
        found = reference(home, expr) if home is not None else None
        if found is None or found.cls is None or not found.cls.stable:
            return UNKNOWN
        step = imported_by.get(id(of)) if home is not facts else found.via
        if step is not None:
            imported_by.setdefault(id(found.cls), step)
        return found.cls

    return ClassOrder(mro(cls, base), imported_by)


def brought_in_by(facts: ModuleFacts, module: ModuleFacts, cls: ClassInfo | None, receiver: ClassInfo | None) -> cst.SimpleStatementLine | None:
    """A top-level import statement of ``facts``'s module after which ``module`` (another
    module) has been imported; None if none is known.

    For a method of ``cls`` reached through the order of ``receiver`` (the class of
    ``self``: a class of ``facts``'s module, or one it imports), the import that brought
    ``cls`` into that order, as this module sees it (``class D(B, C)`` after ``from .b
    import B`` and ``from .c import C``: ``C``'s import, and ``B``'s for a base of ``B``
    that ``pkg.b`` imports); otherwise, or if that order does not tell, a statement that
    imports ``module`` itself. What the modules it imports import is followed only along
    class orders here, which reads no other module (see :func:`imports_transitively`)."""
    if cls is not None and receiver is not None:
        home = facts_of(facts, receiver)
        via = _import_of_class(facts, receiver) if home is not facts else None
        if home is facts or via is not None:
            order = class_order(facts, receiver, via)
            if any(c is cls for c in order.classes):
                found = order.imported_by.get(id(cls))
                if found is not None:
                    return found
    if module.name is None:
        return None
    return importing_statement(facts.index, facts.name, facts.is_package, module.name)


#: Modules a search for what an import statement imports reads at most.
_MAX_WALKED = 64


def imports_transitively(facts: ModuleFacts, stmt: cst.SimpleStatementLine, target: str) -> bool:
    """Whether module ``target`` has been imported once top-level statement ``stmt`` of
    ``facts``'s module has run: it imports ``target``, or a module whose top-level imports
    do, and so on (the packages around each module count: their ``__init__`` runs first).
    At most ``_MAX_WALKED`` modules are read: past that, False. The caller's own module is
    not followed: it is running that statement, not its later ones. (Another module of an
    import cycle may be initialising then too: the references are then not found.)"""
    program = facts.program
    pending = imported_modules(stmt, facts.name, facts.is_package)
    seen: set[str] = {facts.name} if facts.name is not None else set()
    while pending:
        name = pending.pop()
        if within(name, target):
            return True
        if name in seen or program is None or len(seen) >= _MAX_WALKED:
            continue
        seen.add(name)
        found = program.facts(name)
        if found is not None:
            for top in found.index.module.body:
                if isinstance(top, cst.SimpleStatementLine):
                    pending += imported_modules(top, found.name, found.is_package)
        if "." in name:
            pending.append(name.rpartition(".")[0])
    return False


def _import_of_class(facts: ModuleFacts, cls: ClassInfo) -> cst.SimpleStatementLine | None:
    """The first top-level import statement of ``facts``'s module that binds a name to
    ``cls`` (``from .e import E``, ``from .mid import E as F`` through a re-export) or that
    imports its module (``from . import e``, ``import pkg.e``): after it, ``cls``'s module
    has been imported."""
    found: list[cst.SimpleStatementLine] = []
    for name, binding in facts.imports.items():
        if binding.attribute != cls.name:  # (reading the modules of every other name costs)
            continue
        ref = member(facts, name, None)
        if ref is not None and ref.cls is cls and ref.via is not None:
            found.append(ref.via)
    if cls.module is not None:
        direct = importing_statement(facts.index, facts.name, facts.is_package, cls.module)
        if direct is not None:
            found.append(direct)
    body = facts.index.module.body
    return min(found, key=lambda stmt: next(i for i, s in enumerate(body) if s is stmt), default=None)


def facts_of(facts: ModuleFacts, cls: ClassInfo) -> ModuleFacts | None:
    if cls.module == facts.name:
        return facts
    return facts.program.facts(cls.module) if facts.program is not None and cls.module is not None else None


# -- what a name or a dotted name of a module refers to ----------------------------------


class RefKind(Enum):
    MODULE = "module"
    FUNCTION = "function"
    CLASS = "class"


@dataclass(frozen=True)
class Ref:
    kind: RefKind
    #: The module holding it (the module itself, for a module).
    facts: ModuleFacts
    callee: CalleeInfo | None = None
    cls: ClassInfo | None = None
    #: The top-level import statement of the referring module that brought it in; None
    #: for the module's own definitions.
    via: cst.SimpleStatementLine | None = None


#: Re-exports followed at most (``from .x import f`` in a package's ``__init__`` ...).
_MAX_HOPS = 8


def reference(facts: ModuleFacts, expr: cst.BaseExpression) -> Ref | None:
    """What a global name or a dotted attribute chain of globals refers to, statically."""
    if isinstance(expr, cst.Name):
        scope = facts.index.use_scope(expr)
        if scope is not facts.index.global_scope or isinstance(scope, ClassScope):
            return None
        return member(facts, expr.value, None)
    if isinstance(expr, cst.Attribute):
        base = reference(facts, expr.value)
        if base is None or base.kind is not RefKind.MODULE:
            return None
        return member(base.facts, expr.attr.value, base.via)
    return None


def member(facts: ModuleFacts, name: str, via: cst.SimpleStatementLine | None, hops: int = 0) -> Ref | None:
    """What module-level name ``name`` of ``facts``'s module refers to."""
    if hops > _MAX_HOPS:
        return None
    callee = facts.function(name)
    if callee is not None:
        return Ref(RefKind.FUNCTION, facts, callee=callee, via=via)
    cls = facts.classes.get(name)
    if cls is not None:
        return Ref(RefKind.CLASS, facts, cls=cls, via=via) if cls.stable else None
    binding = facts.imports.get(name)
    program = facts.program
    if binding is not None:
        if program is None:
            return None
        step = via if via is not None else binding.statement
        target = program.facts(binding.module)
        if target is None:
            return None
        if binding.attribute is None:
            return Ref(RefKind.MODULE, target, via=step)
        return member(target, binding.attribute, step, hops + 1)
    if program is not None and facts.name is not None and (name not in facts.index.globals_bound_once or name in facts.own_submodules):
        submodule = program.facts(f"{facts.name}.{name}")  # `from . import x`, `pkg.x`
        if submodule is not None and facts.is_package:
            return Ref(RefKind.MODULE, submodule, via=via)
    return None
