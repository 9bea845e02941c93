"""Which ``async def`` an awaited call reaches, statically, and how the original reaches it.

A site is a call ``F(args)``. ``F`` is a name (a module-level function) or an attribute
lookup ``R.m`` whose receiver ``R`` is ``self`` or ``cls`` (the first parameter of the
calling method), ``super()``, a module-level class, or ``type(self)``. The answer names
the function and the *lookup*: what the original's evaluation of ``F`` yields when it
reaches that function, which is what the run-time guard checks (see docs/methods.md):

* ``NAME``: ``F`` is a name holding the function;
* ``PLAIN``: the lookup yields the function itself (a staticmethod, or a function looked
  up on a class); the arguments bind to all its parameters;
* ``BOUND``: the lookup yields a bound method (an instance lookup of a method, any lookup
  of a classmethod); its ``__self__`` is the first argument.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

import libcst as cst
import libcst.matchers as m
from libcst.metadata import BuiltinScope, GlobalScope, Scope

from .callee import CalleeInfo, is_private_name
from .caller import CallerInfo
from .class_test import ClassTest
from .classes import UNKNOWN, ClassInfo, MethodKind, find_method
from .module import ModuleFacts
from .references import ClassOrder, RefKind, class_order, facts_of, member, reference
from .refusals import Refusal, RefusalCode
from .types import Known, TypeContext, instance_of
from .unresolved import UnresolvedShape, unresolved


class Lookup(Enum):
    NAME = "name"
    PLAIN = "plain"
    BOUND = "bound"


class Shape(Enum):
    """How the site names its callee (for the report's tallies)."""

    FUNCTION = "function"
    SELF = "self"
    CLS = "cls"
    SUPER = "super"
    CLASS = "class"
    TYPE = "type(self)"
    #: A function imported from another module (``from .x import f``).
    IMPORTED = "imported"
    #: A function looked up on a module (``m.f``).
    MODULE = "module"
    #: A method of an attribute whose class is known (``self.conn.read()``).
    ATTRIBUTE = "attribute"
    #: A method of a local of known class (``conn = Connection(); await conn.read()``).
    LOCAL = "local"
    #: A method of an object just constructed (``await Connection().read()``).
    NEW = "constructed"


@dataclass(frozen=True)
class MethodContext:
    """The method whose code holds a site: what ``self``, ``cls`` and ``super()`` mean there."""

    #: The class defining the method (``super()`` starts after it).
    owner: ClassInfo
    kind: MethodKind
    #: The first parameter (``self``, ``cls``), if the method has one.
    first_param: str | None
    #: The best static guess of the class of ``self`` (or of ``cls``): the owner, or a
    #: subclass known at the site that inlined this method through its own ``self``.
    self_class: ClassInfo

    @staticmethod
    def of_caller(caller: CallerInfo) -> MethodContext | None:
        if caller.owner is None or caller.method_kind is None:
            return None
        return MethodContext(caller.owner, caller.method_kind, caller.first_param, caller.owner)

    @staticmethod
    def of_callee(target: Target) -> MethodContext | None:
        callee = target.callee
        owner = callee.owner
        cls = target.facts.classes.get(owner.qualname) if owner is not None else None
        if owner is None or cls is None:
            return None
        first = callee.params[0].name if callee.params and owner.kind is not MethodKind.STATIC else None
        return MethodContext(cls, owner.kind, first, target.receiver_class or cls)


@dataclass(frozen=True)
class Target:
    callee: CalleeInfo
    lookup: Lookup
    shape: Shape
    #: The module the callee's code comes from.
    facts: ModuleFacts
    #: The static class of the receiver when it is the calling method's ``self`` (or
    #: ``cls``): inlined, the callee's own ``self`` sites resolve through it.
    receiver_class: ClassInfo | None = None
    #: For a callee of another module: the top-level import statement of the site's module
    #: that brought it in (after it runs, that module's globals can be read).
    via: cst.SimpleStatementLine | None = None
    #: For a method looked up on a class order: whether testing the receiver's class
    #: (``--assume class-methods``) sees what the original lookup does.
    class_test: ClassTest | None = None

    @property
    def dispatched(self) -> bool:
        """The lookup is of an attribute: which function it reaches depends on classes at
        run time (an override, a metaclass), not only on names being rebound, so its guard
        stays even when ``Options.guards`` is off."""
        return self.shape not in (Shape.FUNCTION, Shape.IMPORTED, Shape.MODULE)

    @property
    def implicit_first(self) -> bool:
        """The first parameter is bound by the lookup, not by the call's arguments."""
        return self.lookup is Lookup.BOUND


@dataclass(frozen=True)
class SiteScope:
    """Where a site stands: its module, the function whose code holds it and that
    function's scope, and the method it is, if any."""

    facts: ModuleFacts
    root: cst.FunctionDef
    scope: Scope
    method: MethodContext | None
    #: The modules of the code the site's code is inlined into, the physical caller's
    #: first, and ``facts``: what the rewrite read to put the code there.
    read_along: tuple[ModuleFacts, ...]


def resolve(where: SiteScope, call: cst.Call) -> Target | Refusal:
    """The target of ``call``, a site standing ``where``."""
    facts, method = where.facts, where.method
    func = call.func
    first = method.first_param if method is not None else None
    mangled = _mangled_root(where, func)
    if mangled is not None:
        return mangled
    if isinstance(func, cst.Name):
        return _function(facts, func, first)
    if not isinstance(func, cst.Attribute):
        return unresolved(facts, func, first)
    receiver, name = func.value, func.attr.value
    module = reference(facts, receiver)
    if module is not None and module.kind is RefKind.MODULE:
        found = member(module.facts, name, module.via)
        if found is None or found.callee is None:
            return unresolved(facts, func, first)
        return Target(found.callee, Lookup.PLAIN, Shape.MODULE, found.facts, via=found.via)
    seen = _receiver(where, receiver)
    if isinstance(seen, Refusal):
        return seen if seen.shape is not None else unresolved(facts, func, first)
    order, instance, shape, receiver_class, via = seen
    hit = find_method(order.classes, name)
    if hit is None:
        if UNKNOWN in order.classes:
            reason = f"'{name}' is not defined by the classes visible here, and a base class is outside the program"
            return Refusal(RefusalCode.UNRESOLVED, reason, UnresolvedShape.EXTERNAL.value)
        reason = f"'{name}' is not an async def of the class hierarchy"
        return Refusal(RefusalCode.UNRESOLVED, reason, UnresolvedShape.NOT_FUNCTION.value)
    cls, found_def = hit
    owner_facts = facts_of(facts, cls)
    if not cls.stable or owner_facts is None:
        reason = f"'{cls.qualname}' is not a module-level class bound once"
        return Refusal(RefusalCode.UNRESOLVED, reason, UnresolvedShape.NOT_FUNCTION.value)
    callee = owner_facts.method(cls, name)
    test = ClassTest(order, name, (facts, owner_facts, *where.read_along), vouched=shape is Shape.SUPER)
    return Target(callee, _lookup(found_def.kind, instance), shape, owner_facts, receiver_class, order.via(cls, via), test)


def _mangled_root(where: SiteScope, func: cst.BaseExpression) -> Refusal | None:
    """In a class, ``__helper`` (or ``__mod.f``) names ``_K__helper``: the module's
    ``__helper`` is another object, and taking it for the callee ran its body under
    ``no-rebinding`` (review R23a F2)."""
    root = func
    while isinstance(root, cst.Attribute):
        root = root.value
    if not isinstance(root, cst.Name) or not is_private_name(root.value):
        return None
    index = where.facts.index
    if not isinstance(index.use_scope(root), (GlobalScope, BuiltinScope)):
        return None  # (a local: its every use is mangled alike)
    mangling = index.mangling_class(where.scope)
    if mangling is None:
        return None
    return Refusal(RefusalCode.PRIVATE_NAME, f"class {mangling} mangles '{root.value}', which names another variable there")


def _function(facts: ModuleFacts, func: cst.Name, first: str | None) -> Target | Refusal:
    found = reference(facts, func) if facts.index.use_scope(func) is facts.index.global_scope else None
    if found is None or found.callee is None:
        return unresolved(facts, func, first)
    return Target(found.callee, Lookup.NAME, Shape.FUNCTION if found.via is None else Shape.IMPORTED, found.facts, via=found.via)


def _lookup(kind: MethodKind, instance: bool) -> Lookup:
    """What a lookup of a method of ``kind`` yields, on an instance or on a class."""
    if kind is MethodKind.CLASS or (kind is MethodKind.INSTANCE and instance):
        return Lookup.BOUND
    return Lookup.PLAIN


Found = tuple[ClassOrder, bool, Shape, "ClassInfo | None", "cst.SimpleStatementLine | None"]


def _receiver(where: SiteScope, receiver: cst.BaseExpression) -> Found | Refusal:
    """The class order a lookup on ``receiver`` searches, whether it is an instance lookup,
    the site's shape, the receiver's static class (inlined, the callee's own ``self`` sites
    resolve through it), and the import that brought the class in."""
    facts, method = where.facts, where.method
    index = facts.index
    if method is not None and method.first_param is not None:
        own = method.self_class
        instance = method.kind is MethodKind.INSTANCE
        if isinstance(receiver, cst.Name) and receiver.value == method.first_param:
            return class_order(facts, own), instance, Shape.SELF if instance else Shape.CLS, own, None
        if m.matches(receiver, m.Call(func=m.Name("super"), args=[])):
            if not isinstance(index.use_scope(receiver.func), BuiltinScope):  # type: ignore[attr-defined]
                return Refusal(RefusalCode.UNRESOLVED, "'super' is not the builtin", UnresolvedShape.NOT_FUNCTION.value)
            order = class_order(facts, own)
            after = order.classes.index(method.owner) + 1 if method.owner in order.classes else None
            rest = order.after(after) if after is not None else class_order(facts, method.owner).after(1)
            return rest, instance, Shape.SUPER, own, None
        if (
            m.matches(receiver, m.Call(func=m.Name("type"), args=[m.Arg(value=m.Name(method.first_param), keyword=None, star="")]))
            and instance
            and isinstance(index.use_scope(receiver.func), BuiltinScope)  # type: ignore[attr-defined]
        ):
            return class_order(facts, own), False, Shape.TYPE, own, None
    found = reference(facts, receiver)
    if found is not None and found.cls is not None:
        return class_order(facts, found.cls, found.via), False, Shape.CLASS, None, found.via
    known = instance_of(_type_context(where), receiver)
    if known is not None and known.cls.stable:
        shape = Shape.ATTRIBUTE if isinstance(receiver, cst.Attribute) else Shape.LOCAL if isinstance(receiver, cst.Name) else Shape.NEW
        return class_order(facts, known.cls, known.via), True, shape, known.cls, known.via
    return Refusal(RefusalCode.UNRESOLVED, "the receiver's class is not known statically")  # explained by the caller




def _type_context(where: SiteScope) -> TypeContext:
    method = where.method
    if method is None or method.first_param is None:
        return TypeContext(where.facts, where.root, where.scope, None, None)
    home = facts_of(where.facts, method.self_class)
    own = Known(method.self_class, home, None) if home is not None and method.kind is MethodKind.INSTANCE else None
    return TypeContext(where.facts, where.root, where.scope, method.first_param, own)
