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
from libcst.metadata import BuiltinScope, ClassScope, GlobalScope

from .callee import CalleeInfo
from .caller import CallerInfo
from .classes import UNKNOWN, ClassInfo, MethodKind, find_method, mro
from .module import ModuleFacts
from .refusals import Refusal, RefusalCode


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

    @property
    def implicit_first(self) -> bool:
        """The first parameter is bound by the lookup, not by the call's arguments."""
        return self.lookup is Lookup.BOUND


def resolve(facts: ModuleFacts, method: MethodContext | None, call: cst.Call) -> Target | Refusal:
    """The target of ``call``, a site in code of ``facts``'s module (in ``method``, if the
    code is a method's)."""
    func = call.func
    if isinstance(func, cst.Name):
        return _function(facts, func)
    if not isinstance(func, cst.Attribute):
        return Refusal(RefusalCode.UNRESOLVED, "the callee is an expression, not a name or an attribute")
    receiver, name = func.value, func.attr.value
    found = _receiver(facts, method, receiver)
    if isinstance(found, Refusal):
        return found
    order, instance, shape, receiver_class = found
    hit = find_method(order, name)
    if hit is None:
        return Refusal(RefusalCode.UNRESOLVED, f"'{name}' is not an async def the class hierarchy visible here defines")
    cls, found_def = hit
    if not cls.stable:
        return Refusal(RefusalCode.UNRESOLVED, f"'{cls.qualname}' is not a module-level class bound once")
    return Target(facts.method(cls, name), _lookup(found_def.kind, instance), shape, facts, receiver_class)


def _function(facts: ModuleFacts, func: cst.Name) -> Target | Refusal:
    index = facts.index
    target = index.use_scope(func)
    callee = facts.callees.get(func.value)
    if target is not index.global_scope or callee is None:
        local = target is not None and not isinstance(target, (GlobalScope, BuiltinScope))
        where = "a local variable" if local else "not an async def of this module"
        return Refusal(RefusalCode.UNRESOLVED, f"'{func.value}' is {where}")
    return Target(callee, Lookup.NAME, Shape.FUNCTION, facts)


def _lookup(kind: MethodKind, instance: bool) -> Lookup:
    """What a lookup of a method of ``kind`` yields, on an instance or on a class."""
    if kind is MethodKind.CLASS or (kind is MethodKind.INSTANCE and instance):
        return Lookup.BOUND
    return Lookup.PLAIN


Found = tuple[list["ClassInfo | None"], bool, Shape, "ClassInfo | None"]


def _receiver(facts: ModuleFacts, method: MethodContext | None, receiver: cst.BaseExpression) -> Found | Refusal:
    """The class order a lookup on ``receiver`` searches, whether it is an instance lookup,
    the site's shape, and the receiver's static class when it is the method's own."""
    index = facts.index

    def order_of(cls: ClassInfo) -> list[ClassInfo | None]:
        return mro(cls, lambda b: _class_of(facts, b))

    if method is not None and method.first_param is not None:
        own = method.self_class
        instance = method.kind is MethodKind.INSTANCE
        if isinstance(receiver, cst.Name) and receiver.value == method.first_param:
            return order_of(own), instance, Shape.SELF if instance else Shape.CLS, own
        if m.matches(receiver, m.Call(func=m.Name("super"), args=[])):
            if not isinstance(index.use_scope(receiver.func), BuiltinScope):  # type: ignore[attr-defined]
                return Refusal(RefusalCode.UNRESOLVED, "'super' is not the builtin")
            order = order_of(own)
            after = order.index(method.owner) + 1 if method.owner in order else None
            return (order[after:] if after is not None else order_of(method.owner)[1:]), instance, Shape.SUPER, own
        if (
            m.matches(receiver, m.Call(func=m.Name("type"), args=[m.Arg(value=m.Name(method.first_param), keyword=None, star="")]))
            and instance
            and isinstance(index.use_scope(receiver.func), BuiltinScope)  # type: ignore[attr-defined]
        ):
            return order_of(own), False, Shape.TYPE, own
    if isinstance(receiver, cst.Name):
        cls = _class_of(facts, receiver)
        if cls is not None:
            return order_of(cls), False, Shape.CLASS, None
    return Refusal(RefusalCode.UNRESOLVED, "the receiver's class is not known statically")


def _class_of(facts: ModuleFacts, expr: cst.BaseExpression) -> ClassInfo | None:
    """The module-level class a name refers to, if it is one bound once; else UNKNOWN."""
    if not isinstance(expr, cst.Name):
        return UNKNOWN
    scope = facts.index.use_scope(expr)
    if isinstance(scope, ClassScope):
        return UNKNOWN
    if scope is not facts.index.global_scope:
        return UNKNOWN
    cls = facts.classes.get(expr.value)
    return cls if cls is not None and cls.stable else UNKNOWN
