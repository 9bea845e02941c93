"""Which run-time test an inlined site needs, and whether inlining then pays.

The guard makes the rewrite exact: it is true exactly when the original's lookup of the
callee reaches the function whose body was inlined (docs/methods.md). Its cost depends on
the lookup. Testing an instance method exactly means making the bound method the original
makes (``t = obj.m``) and testing it, which costs about what the call of a plain coroutine
costs; inlining such a site saves nothing (samples/bench/method_decoder.py), so by default
it is left as a call (``guard-cost``), unless the callee is runtime-async (its call costs
far more), a classmethod (the call makes the same bound method: CPython has no shortcut
past a classmethod's binding, so the guard adds only its two tests), or the user assumes
``class-methods`` (the class is tested instead). A cheap guard does not pay either where a
subclass in sight overrides the method: it fails for that subclass's instances, on top of
their call (``_unless_overridden``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import Enum

import libcst as cst

from .binding import ParamSource
from .callee import CalleeInfo
from .classes import ClassInfo, MethodKind
from .refusals import Refusal, RefusalCode
from .resolve import Lookup, Shape, Target


class Guard(Enum):
    #: None: a name lookup under the assumption ``no-rebinding``.
    NONE = "none"
    #: ``F is REF``: the name, or the value of a plain lookup, is the function.
    IDENTITY = "identity"
    #: ``type(t) is MethodType and t.__func__ is REF`` on the bound method ``t = R.m``.
    BOUND_METHOD = "bound-method"
    #: ``type(R).m is REF``, under the assumption ``class-methods``: no bound method is
    #: made; a class without the attribute fails the test.
    CLASS_ATTRIBUTE = "class-attribute"
    #: ``super is SUPER and type(self) is __class__ and __class__.__mro__ is ORDER and
    #: ORDER[1].m is REF``, under ``class-methods``, for ``super().m()`` in the method's
    #: own code: what ``super()`` reads, and the class test on the one class its lookup
    #: starts at.
    SUPER_CLASS = "super-class"


@dataclass(frozen=True)
class SuperSite:
    """A ``super().m()`` site in the code of the method that calls it, which
    ``Guard.SUPER_CLASS`` can test (``site._super_from``)."""

    #: The method's first parameter: what ``super()`` binds.
    first: str
    #: The method's class, a module-level class bound once: its order is bound after it
    #: (``runtime.super_order``), for the test to compare the cell's order with.
    owner: ClassInfo


@dataclass(frozen=True)
class GuardPolicy:
    """What the options allow (see ``Options.guards``, ``Options.assume``)."""

    #: Name lookups are guarded (False: the assumption ``no-rebinding``).
    names: bool = True
    #: The assumption ``class-methods``.
    class_methods: bool = False
    #: Inline sites whose only exact guard costs about what the call does (stress mode).
    costly: bool = False


def choose_guard(target: Target, policy: GuardPolicy, unsure: bool, super_from: SuperSite | str | None = None) -> Guard | Refusal:
    """The guard of an inlined site, or why the site stays a call. A method lookup is
    always guarded (an override or a metaclass is not a rebinding), and so is a function
    whose name may hold something else though nothing rebinds it (``unsure``): one of
    another module, whose reference is taken when the caller's module is imported, which in
    an import cycle can be before that module defines it; one defined in a block that may
    not run, or that a star import may rebind (``ModuleFacts.unsure_functions``). Then only
    the guard keeps the original call. An instance method of an instance is tested on the
    class under ``class-methods``, unless code the analysis reads shows that the class test
    would not see what the lookup does (``ClassTest.hazard``); so is ``super().m()`` in
    the code of the method that calls it (``super_from``, ``_super_class_test``; a string:
    why it cannot be)."""
    if target.lookup is not Lookup.BOUND:
        return Guard.NONE if not (target.dispatched or unsure or policy.names) else Guard.IDENTITY
    on_class = policy.class_methods and _on_class(target)
    hazard = target.class_test.hazard if on_class and target.class_test is not None else None
    if on_class and hazard is None:
        return _unless_overridden(target, policy, Guard.CLASS_ATTRIBUTE)
    super_test = _super_class_test(target, policy, super_from) if policy.class_methods and target.shape is Shape.SUPER else None
    if not isinstance(super_test, str) and super_test is not None:
        return super_test
    if policy.costly or target.callee.is_runtime_async:
        return Guard.BOUND_METHOD
    if _binds_in_the_call(target):
        return _unless_overridden(target, policy, Guard.BOUND_METHOD)
    if hazard is not None:
        reason = f"the class test of --assume class-methods would not be exact here: {hazard}"
    elif super_test is not None:
        reason = super_test
    elif policy.class_methods:
        reason = "--assume class-methods tests the class of an instance method only"
    else:
        reason = "--assume class-methods tests the class instead"
    return Refusal(
        RefusalCode.GUARD_COST,
        f"the exact guard of a method looked up on an object makes a bound method, which costs about what the call does; {reason}",
    )


def opening_site(body: Sequence[cst.BaseStatement]) -> cst.Await | None:
    """The ``await f(...)`` (``f`` a plain name) whose reading of ``f`` is the very first
    thing ``body`` does, if there is one: the first statement is ``return A``, ``A`` or
    ``x = A`` where the await ``A`` is, or is the leftmost operand of, its value."""
    first = body[0] if body else None
    if not isinstance(first, cst.SimpleStatementLine):
        return None
    small = first.body[0]
    value = small.value if isinstance(small, (cst.Return, cst.Expr, cst.Assign)) else None
    while isinstance(value, (cst.BinaryOperation, cst.BooleanOperation, cst.Comparison)):
        value = value.left
    if isinstance(value, cst.Await) and isinstance(value.expression, cst.Call) and isinstance(value.expression.func, cst.Name):
        return value
    return None


def takes_nested_guards(
    guard: Guard,
    callee: CalleeInfo,
    binding: Sequence[ParamSource],
    args: Sequence[cst.Arg],
    stable: Callable[[cst.CSTNode], bool],
    frozen_defaults: bool,
) -> bool:
    """Can the guard of a frame also test the name its body's opening site reads
    (``opening_site``), so that site needs no test of its own (a merged guard)?

    The proof rule: between this frame's test and the opening site's reading of the name,
    the generated code only evaluates the arguments, all *stable* (``stability.py``:
    literals, and names every read of which finds them assigned: evaluating them neither
    runs code nor raises), and stores no variable (the planner asks, ``Planner._opening``:
    a store frees what the variable held, which an earlier run that raised may have left
    there, and its ``__del__`` could rebind the name after the merged test: review R13
    d1): none of it calls anything or raises, so nothing can rebind the
    name in between, reading it at this frame's test gives what the opening site would
    read, and an error of that read (a deleted function) is the one the original raises
    next. Where the combined test fails, the fallback calls this frame's callee, whose own
    code then makes the nested call as the original does. Excluded: an unguarded frame (no
    test to extend), a runtime-async callee (its frame entry runs the runtime first),
    ``*``/``**`` arguments (unpacking iterates), and a default read from the function
    (``__defaults__`` fires an audit event, and audit hooks are Python code)."""
    if guard is Guard.NONE or callee.is_runtime_async:
        return False
    if any(arg.star or not stable(arg.value) for arg in args):
        return False
    return all(not source.default or callee.folds_default(source.param, frozen_defaults) for source in binding)


#: Receivers whose class may be a subclass of the one the analysis sees (not ``C.m()``,
#: ``C(...).m()``, a local made by ``C(...)``, nor ``super().m()``, which starts past it).
_MAY_BE_A_SUBCLASS = frozenset({Shape.SELF, Shape.CLS, Shape.TYPE, Shape.ATTRIBUTE})


def _unless_overridden(target: Target, policy: GuardPolicy, guard: Guard) -> Guard | Refusal:
    """``guard``, a cheap one, unless a subclass of the receiver's class the code shows
    overrides the method: for its instances the guard fails every time and its cost comes
    on top of the call (review R20d: 1.2-1.37x the original's time for a classmethod
    overridden in a subclass, 1.1-1.35x for a base class's hook under ``class-methods``),
    while the body inlined runs only for the others. Without profiles that tell which is
    common, the site stays a call. A runtime-async callee's call costs far more: exempt."""
    if policy.costly or target.callee.is_runtime_async or target.shape not in _MAY_BE_A_SUBCLASS or target.class_test is None:
        return guard
    sub = target.class_test.overriding_subclass
    if sub is None:
        return guard
    return Refusal(
        RefusalCode.GUARD_COST,
        f"subclass '{sub.qualname}' overrides '{target.class_test.name}': for its instances the guard would fail "
        "every time and add its cost to the call",
    )


def _super_class_test(target: Target, policy: GuardPolicy, super_from: SuperSite | str | None) -> Guard | Refusal | str:
    """``Guard.SUPER_CLASS`` for ``super().m()``, or why not (a reason for the report).

    Why it is exact: ``super()`` in a method of ``C`` reads the builtin ``super``, the
    ``__class__`` cell and the first parameter, and looks ``m`` up along
    ``type(self).__mro__`` after ``__class__``, skipping the instance's dictionary (or,
    where ``self`` is a subclass of ``__class__`` itself, along its own order). The test
    reads the same three, in the frame ``super()`` reads them from (only in the method's
    own code: ``site._super_from``), and compares ``super`` with the interpreter's. Where
    ``type(self) is __class__`` and ``__class__.__mro__`` is the very tuple
    ``runtime.super_order`` vouched for after the class statement (``C`` not a metaclass,
    so ``self`` is no class; ``C.__mro__[1:]`` the order of ``C.__mro__[1]``; a cell
    pointed at another class, or ``__bases__`` assigned anywhere, makes another tuple),
    the lookup runs along the order ``ORDER[1].m`` searches, and the test of ``ORDER[1].m``
    is exact as the class test is (``class_test.py``). A ``NameError`` (an empty cell,
    while the class statement runs) fails the test, and the call raises what ``super()``
    raises. An instance of a subclass of ``C`` fails ``type(self) is __class__`` on every
    call: where the code read shows a subclass of ``C``, the site stays a call."""
    owner = target.callee.owner
    if owner is None or owner.kind is not MethodKind.INSTANCE:
        return "--assume class-methods tests the class of an instance method only"
    if super_from is None or isinstance(super_from, str):
        return super_from or "--assume class-methods tests super().m(...) only in the code of the method that calls it"
    test = target.class_test
    if test is None:
        return "--assume class-methods tests super().m(...) only along a class order the analysis knows"
    if test.hazard is not None:
        return f"the class test of --assume class-methods would not be exact here: {test.hazard}"
    sub = next(test.subclasses_of(super_from.owner), None)
    if sub is not None and not policy.costly and not target.callee.is_runtime_async:
        return Refusal(
            RefusalCode.GUARD_COST,
            f"'{sub.qualname}' subclasses '{super_from.owner.qualname}': for its instances the class test of super().m(...) "
            "would fail every time and add its cost to the call",
        )
    return Guard.SUPER_CLASS


def _binds_in_the_call(target: Target) -> bool:
    """The original call makes the bound method the guard tests: a classmethod, reached on a
    class or an instance (samples/bench/guard_cost.py)."""
    owner = target.callee.owner
    return owner is not None and owner.kind is MethodKind.CLASS


def _on_class(target: Target) -> bool:
    owner = target.callee.owner
    return owner is not None and owner.kind is MethodKind.INSTANCE and target.shape is not Shape.SUPER


__all__ = ["Guard", "GuardPolicy", "SuperSite", "choose_guard", "opening_site", "takes_nested_guards"]
