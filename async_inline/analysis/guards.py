"""Which run-time test an inlined site needs, and whether inlining then pays.

The guard makes the rewrite exact: it is true exactly when the original's lookup of the
callee reaches the function whose body was inlined (docs/methods.md). Its cost depends on
the lookup. Testing an instance method exactly means making the bound method the original
makes (``t = obj.m``) and testing it, which costs about what the call of a plain coroutine
costs; inlining such a site saves nothing (samples/bench/method_decoder.py), so by default
it is left as a call (``guard-cost``), unless the callee is runtime-async (its call costs
far more) or the user assumes ``class-methods`` (the class is tested instead).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from .classes import MethodKind
from .refusals import Refusal, RefusalCode
from .resolve import Lookup, Shape, Target


class Guard(Enum):
    #: None: a name lookup under the assumption ``no-rebinding``.
    NONE = "none"
    #: ``F is REF``: the name, or the value of a plain lookup, is the function.
    IDENTITY = "identity"
    #: ``type(t) is MethodType and t.__func__ is REF`` on the bound method ``t = R.m``.
    BOUND_METHOD = "bound-method"
    #: ``type(R).m is REF``, under the assumption ``class-methods``: no bound method is made.
    CLASS_ATTRIBUTE = "class-attribute"


@dataclass(frozen=True)
class GuardPolicy:
    """What the options allow (see ``Options.guards``, ``Options.assume``)."""

    #: Name lookups are guarded (False: the assumption ``no-rebinding``).
    names: bool = True
    #: The assumption ``class-methods``.
    class_methods: bool = False
    #: Inline sites whose only exact guard costs about what the call does (stress mode).
    costly: bool = False


def choose_guard(target: Target, policy: GuardPolicy, foreign: bool) -> Guard | Refusal:
    """The guard of an inlined site, or why the site stays a call. A method lookup is
    always guarded (an override or a metaclass is not a rebinding), and so is a function of
    another module (``foreign``): its reference is taken when the caller's module is
    imported, which in an import cycle can be before that module defines it, and then only
    the guard keeps the original call. An instance method of an instance is tested on the
    class under ``class-methods``, unless a class the analysis sees customizes
    ``__getattribute__``."""
    if target.lookup is not Lookup.BOUND:
        return Guard.NONE if not (target.dispatched or foreign or policy.names) else Guard.IDENTITY
    if policy.class_methods and _on_class(target):
        return Guard.CLASS_ATTRIBUTE
    if policy.costly or target.callee.is_runtime_async:
        return Guard.BOUND_METHOD
    return Refusal(
        RefusalCode.GUARD_COST,
        "the exact guard of a method looked up on an object makes a bound method, which costs about what "
        "the call does; --assume class-methods tests the class instead",
    )


def _on_class(target: Target) -> bool:
    owner = target.callee.owner
    return owner is not None and owner.kind is MethodKind.INSTANCE and target.shape is not Shape.SUPER and not target.custom_lookup


__all__ = ["Guard", "GuardPolicy", "choose_guard"]
