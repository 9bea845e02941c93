"""Whether the class test of ``--assume class-methods`` sees what the original lookup does.

Under the assumption a method site ``obj.m()`` is guarded by
``getattr(type(obj), "m", None) is REF``: the class's answer, without the bound method
(docs/methods.md). That is exact for everything a class decides, and the user promises the
rest: that no instance attribute shadows ``m`` and that no lookup runs code. The promise is
needed only for code the rewrite cannot see. Where the modules it reads (the site's, the
method's, the receiver class's) show the class test would differ from the lookup, the site
keeps the exact guard, and the report says why (``ClassTest.hazard``).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import cast

import libcst as cst
import libcst.matchers as m

from .classes import UNKNOWN, ClassInfo, MethodKind, caller_method_kind
from .module import ModuleFacts
from .references import ClassOrder, class_order, facts_of
from .types import Known, TypeContext, instance_of


@dataclass(frozen=True, eq=False)
class ClassTest:
    """The class test of a method site: looked into only when the assumption is made (the
    analysis walks whole modules)."""

    order: ClassOrder
    name: str
    #: The site's module first, then the method's.
    modules: tuple[ModuleFacts, ...]

    @cached_property
    def hazard(self) -> str | None:
        return class_test_hazard(self.order, self.name, self.modules)


def class_test_hazard(order: ClassOrder, name: str, modules: tuple[ModuleFacts, ...]) -> str | None:
    """Why the class test of ``name`` could differ from the original lookup, for a receiver
    whose class's order is ``order``, as far as ``modules`` show (``modules[0]`` is the
    site's):

    * a class of the order, or a subclass of the receiver's class, customizes lookups
      (``ClassInfo.customizes_lookup``), or the code assigns ``__getattribute__`` on any
      object (a class decorator or ``__init_subclass__`` installing one): the class test
      would run code the lookup does not, or skip code it runs;
    * such a subclass binds ``name`` to something other than a ``def``: the class test runs
      its ``__get__(None, cls)``, which may have effects, once more than the call;
    * the code assigns attribute ``name`` on an object the analysis types to a class an
      instance of which may be the receiver (``x.m = ...``, ``setattr``,
      ``mock.patch.object``): an instance attribute shadowing the method. A store on an
      object of unknown class is the user's promise, as is the code of other modules."""
    for cls in order.classes:
        if cls is not UNKNOWN and cls.customizes_lookup:
            return f"class '{cls.qualname}' customizes attribute lookup"
    top = order.classes[0]
    if top is UNKNOWN:
        return None
    home = facts_of(modules[0], top)
    seen = list({id(module): module for module in (*modules, home) if module is not None}.values())
    for module in seen:
        # Installed after a class body (by a class decorator, ``__init_subclass__``, a
        # store on the class): on which class the analysis cannot always tell.
        stores = module.attribute_stores.get("__getattribute__")
        if stores:
            where = "" if module is modules[0] else f"{module.name}, "
            return f"'__getattribute__' is assigned at {where}line {module.index.line(stores[0])}"
    related = [top, *(sub for module in seen for sub in module.subclasses.get(id(top), []))]
    orders = [order.classes, *(class_order(modules[0], sub).classes for sub in related[1:])]
    for module in seen:
        for obj in module.attribute_stores.get(name, ()):
            known = _stored_on(module, obj)
            if known is not None and _may_be_one_of(known, related, orders):
                where = "" if module is modules[0] else f"{module.name}, "
                return f"an attribute '{name}' is assigned on an instance of '{known.cls.qualname}' at {where}line {module.index.line(obj)}"
    for sub in related[1:]:
        if sub.customizes_lookup:
            return f"subclass '{sub.qualname}' customizes attribute lookup"
        if sub.binds_otherwise_than_by_def(name):
            return f"subclass '{sub.qualname}' binds '{name}' to an object other than a function"
    return None


def _stored_on(module: ModuleFacts, obj: cst.BaseExpression) -> Known | None:
    """The class of ``obj``, an object a store of ``module`` sets an attribute on, when the
    function whose variable it starts from tells (``self`` of a method, a local made by a
    constructor or annotated, an attribute of those)."""
    root = obj
    while isinstance(root, cst.Attribute):
        root = root.value
    index = module.index
    if m.matches(root, m.Call(func=m.Name("super"), args=[])):  # super().__setattr__(...): self
        node = index.parent(root)
        while node is not None and type(node) is not cst.FunctionDef:
            node = index.parent(node)
        return _self_of(module, node)[1] if isinstance(node, cst.FunctionDef) else None
    if m.matches(root, m.Call(func=m.Name("super"), args=[m.Arg(keyword=None, star=""), m.Arg(keyword=None, star="")])):
        return _stored_on(module, cast(cst.Call, root).args[1].value)  # super(C, obj).__setattr__(...): obj
    if type(root) is not cst.Name:
        return None
    scope = index.use_scope(root)
    if scope is None:
        return None
    node = index.parent(root)
    while node is not None and not (type(node) is cst.FunctionDef and index.function_scope(node) is scope):
        node = index.parent(node)
    if node is None:
        return None  # a global, or no variable at all
    assert isinstance(node, cst.FunctionDef)
    ctx = TypeContext(module, node, scope, *_self_of(module, node))
    return instance_of(ctx, obj)


def _self_of(module: ModuleFacts, fdef: cst.FunctionDef) -> tuple[str | None, Known | None]:
    """The first parameter of ``fdef`` and its class, when ``fdef`` is an instance method
    (as everywhere in the analysis, ``self`` is taken for an instance of its class, even
    where the method rebinds it)."""
    params = [*fdef.params.posonly_params, *fdef.params.params]
    block = module.index.parent(fdef)
    owner = module.index.parent(block) if block is not None else None
    if not params or type(owner) is not cst.ClassDef or caller_method_kind(fdef) is not MethodKind.INSTANCE:
        return None, None
    cls = next((c for c in module.every_class if c.node is owner), None)
    return params[0].name.value, Known(cls, module, None) if cls is not None else None


def _may_be_one_of(known: Known, related: list[ClassInfo], orders: list[list[ClassInfo | None]]) -> bool:
    """An instance of ``known.cls`` may be an instance of a class of ``related`` (whose
    orders are ``orders``): the class is one of them, a base of one, or a subclass of one,
    as far as the orders the analysis knows show."""
    own = class_order(known.facts, known.cls).classes
    return any(known.cls in o for o in orders) or any(r in own for r in related)
