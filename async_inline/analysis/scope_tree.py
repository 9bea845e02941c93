"""Which scope each node of a module is in, and each node's parent, in one walk.

LibCST's ``ScopeProvider`` answers the first question too, but it also records every
assignment and access (with an ``ExpressionContextProvider`` pass before it), which
``ScopeIndex`` does not use: it computes bindings by Python's rules itself. That work was
a third of a rewrite's time. This walk follows the provider's conventions (checked node
by node against it in tests/unit/test_scope_tree_and_positions.py), so a scope is still a LibCST
``Scope`` object:

* a function's parameters and body are in its ``FunctionScope``; its name, decorators
  and return annotation in the enclosing scope (the type-parameter scope if it has one);
  parameter defaults and annotations in the function scope's parent;
* a class's name, decorators, bases and keywords are outside it, the statements of its
  body in its ``ClassScope``;
* a comprehension's first iterable is outside its ``ComprehensionScope``, the rest in it;
* type parameters and a ``type`` alias's value are in an ``AnnotationScope``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import libcst as cst
from libcst.metadata import ClassScope, ComprehensionScope, FunctionScope, GlobalScope, Scope
from libcst.metadata.scope_provider import AnnotationScope

from ..tree import children

_Pair = tuple[cst.CSTNode, Scope]
_Handler = Callable[[cst.CSTNode, Scope, "_Walk"], list[_Pair]]


class _Walk:
    def __init__(self) -> None:
        self.scopes: dict[cst.CSTNode, Scope] = {}
        self.parents: dict[cst.CSTNode, cst.CSTNode] = {}

    def enter(self, node: cst.CSTNode, scope: Scope) -> list[cst.CSTNode]:
        """Place ``node`` in ``scope``; its children, whose scope the caller decides."""
        self.scopes[node] = scope
        kids = children(node)
        parents = self.parents
        for kid in kids:
            parents[kid] = node
        return kids


def _override(kids: list[cst.CSTNode], default: Scope, special: Mapping[int, Scope]) -> list[_Pair]:
    return [(kid, special.get(id(kid), default)) for kid in kids]


def _ids(scope: Scope, *fields: object) -> dict[int, Scope]:
    """``scope`` for each node held by ``fields`` (a node, a sequence of nodes, or None)."""
    out: dict[int, Scope] = {}
    for nodes in fields:
        if isinstance(nodes, cst.CSTNode):
            out[id(nodes)] = scope
        elif nodes is not None:
            assert isinstance(nodes, (list, tuple))
            out.update((id(n), scope) for n in nodes)
    return out


def _function(node: cst.CSTNode, scope: Scope, walk: _Walk) -> list[_Pair]:
    assert isinstance(node, cst.FunctionDef)
    kids = walk.enter(node, scope)
    outer: Scope = AnnotationScope(scope, node, None) if node.type_parameters is not None else scope
    inner = FunctionScope(outer, node, node.name.value)
    special = _ids(outer, node.type_parameters, node.decorators, node.returns)
    special.update({id(node.params): inner, id(node.body): inner})
    return _override(kids, scope, special)


def _lambda(node: cst.CSTNode, scope: Scope, walk: _Walk) -> list[_Pair]:
    assert isinstance(node, cst.Lambda)
    kids = walk.enter(node, scope)
    inner = FunctionScope(scope, node, None)
    return _override(kids, scope, {id(node.params): inner, id(node.body): inner})


def _param(node: cst.CSTNode, scope: Scope, walk: _Walk) -> list[_Pair]:
    """A parameter is in its function's scope; its default and annotation are not."""
    assert isinstance(node, cst.Param)
    kids = walk.enter(node, scope)
    outside = scope.parent
    return _override(kids, scope, _ids(outside, node.default, node.annotation))


def _class(node: cst.CSTNode, scope: Scope, walk: _Walk) -> list[_Pair]:
    assert isinstance(node, cst.ClassDef)
    kids = walk.enter(node, scope)
    outer: Scope = AnnotationScope(scope, node, None) if node.type_parameters is not None else scope
    inner = ClassScope(outer, node, node.name.value)
    special = _ids(outer, node.type_parameters, node.bases, node.keywords)
    pairs = _override([k for k in kids if k is not node.body], scope, special)
    # The block itself stays outside (as the provider leaves it); its statements are in.
    block = node.body
    block_kids = walk.enter(block, scope)
    statements = {id(s) for s in block.body}
    pairs.extend((kid, inner if id(kid) in statements else scope) for kid in block_kids)
    return pairs


def _comprehension(node: cst.CSTNode, scope: Scope, walk: _Walk) -> list[_Pair]:
    assert isinstance(node, (cst.ListComp, cst.SetComp, cst.GeneratorExp, cst.DictComp))
    kids = walk.enter(node, scope)
    inner = ComprehensionScope(scope, node, None)
    if isinstance(node, cst.DictComp):
        special = {id(node.key): inner, id(node.value): inner}
    else:
        special = {id(node.elt): inner}
    pairs = _override([k for k in kids if k is not node.for_in], scope, special)
    for_in = node.for_in
    inside = _ids(inner, for_in.target, for_in.ifs, for_in.inner_for_in)
    pairs.extend(_override(walk.enter(for_in, scope), scope, inside))
    return pairs


def _type_alias(node: cst.CSTNode, scope: Scope, walk: _Walk) -> list[_Pair]:
    assert isinstance(node, cst.TypeAlias)
    kids = walk.enter(node, scope)
    inner = AnnotationScope(scope, node, None)
    return _override(kids, scope, _ids(inner, node.type_parameters, node.value))


_HANDLERS: dict[type, _Handler] = {
    cst.FunctionDef: _function,
    cst.Lambda: _lambda,
    cst.Param: _param,
    cst.ClassDef: _class,
    cst.ListComp: _comprehension,
    cst.SetComp: _comprehension,
    cst.GeneratorExp: _comprehension,
    cst.DictComp: _comprehension,
    cst.TypeAlias: _type_alias,
}


def scope_tree(module: cst.Module) -> tuple[GlobalScope, dict[cst.CSTNode, Scope], dict[cst.CSTNode, cst.CSTNode]]:
    """(the module's scope, the scope of every node, the parent of every node but the module)."""
    walk = _Walk()
    top = GlobalScope()
    stack: list[_Pair] = [(module, top)]
    handlers = _HANDLERS
    while stack:
        node, scope = stack.pop()
        handler = handlers.get(type(node))
        if handler is not None:
            stack.extend(handler(node, scope, walk))
        else:
            stack.extend((kid, scope) for kid in walk.enter(node, scope))
    return top, walk.scopes, walk.parents


__all__ = ["scope_tree"]
