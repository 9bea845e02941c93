"""The class of an object, as far as the source says, for resolving ``obj.m()``.

Sources of knowledge, each a plain reading of the code:

* a constructor call ``K(...)`` where ``K`` names a class of the program;
* a local every binding of which says the same class: such a call, a parameter annotated
  with a class (``conn: Connection``, ``Optional[Connection]``, ``"Connection | None"``),
  a ``for`` loop over a local or parameter annotated as a collection of a class (``for
  trace in traces`` with ``traces: list[Trace]``, ``Sequence["Trace"] | None``), a call
  of a function or method of the program annotated to return the class (``-> Conn``,
  ``-> "Self"``; awaited if it is an ``async def``), an awaited object whose
  ``__await__`` is annotated ``Generator[..., ..., Conn]``, ``async with`` by the
  annotation of ``__aenter__`` (or of a decorated ``async def``);
* an attribute of an instance: an annotation in the class body (``conn: Connection``), or
  an assignment in ``__init__`` (``self.conn = Connection(...)``, ``self.conn = conn`` of
  an annotated parameter), searched along the class's method-resolution order.

A guess can be wrong (a subclass instance, a reassigned attribute, an annotation the
program does not keep to); that costs speed, not correctness: the run-time guard checks
what the lookup yields (docs/methods.md). It must not rule a class out, though
(``Known.guessed``, ``class_test``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

import libcst as cst
from libcst.metadata import Scope

from ..tree import statements_of, walk
from .classes import ClassInfo
from .module import ModuleFacts
from .references import Ref, RefKind, class_order, facts_of, member, reference
from .scopes import Role


@dataclass(frozen=True)
class Known:
    """An instance of ``cls``, a class of module ``facts``."""

    cls: ClassInfo
    facts: ModuleFacts
    #: The site module's import that makes ``cls``'s module reachable (None: the same module).
    via: cst.SimpleStatementLine | None
    #: A belief the program need not keep to: an annotation here (a ``Protocol``, a lie),
    #: any class of an object in ``class_test`` (a constructor's ``__new__``, a ``self``
    #: given another object). Good enough to pick a callee, whose guard checks it; a
    #: wrapper stored through such an object may be stored on any class (reviews R28a F1,
    #: R29b F1, R30a F1).
    guessed: bool = False


#: Attribute chains followed at most (``self.a.b.c.m()``).
_MAX_DEPTH = 4


@dataclass(frozen=True)
class TypeContext:
    """Where an expression stands: the module of the site, its function and scope, and
    what ``self`` is there."""

    facts: ModuleFacts
    root: cst.FunctionDef
    scope: Scope
    self_param: str | None
    self_type: Known | None
    #: Locals typed so far, by name and depth: a local rebound from itself (``q =
    #: q.where(...)`` sixteen times) took time exponential in its bindings (review R28a F3).
    known_locals: dict[tuple[str, int], Known | None] = field(default_factory=dict, compare=False)


def instance_of(ctx: TypeContext, expr: cst.BaseExpression, depth: int = 0) -> Known | None:
    """The class of the object ``expr`` evaluates to, if the source tells."""
    if depth > _MAX_DEPTH:
        return None
    if isinstance(expr, (cst.Call, cst.Await)):
        return _value_of(ctx, expr, depth)
    if isinstance(expr, cst.Name):
        if expr.value == ctx.self_param:
            return ctx.self_type
        return _local(ctx, expr, depth)
    if isinstance(expr, cst.Attribute):
        owner = instance_of(ctx, expr.value, depth + 1)
        return attribute_type(owner, expr.attr.value) if owner is not None else None
    return None


def _constructed(facts: ModuleFacts, func: cst.BaseExpression, via: cst.SimpleStatementLine | None) -> Known | None:
    """``K`` of ``K(...)``, when it names a class (``via``: how ``facts`` is reachable)."""
    found = reference(facts, func)
    return _known_class(found, via) if found is not None else None


def _known_class(found: Ref, via: cst.SimpleStatementLine | None = None) -> Known | None:
    """An instance of the class ``found`` names, if it names one."""
    if found.kind is not RefKind.CLASS or found.cls is None:
        return None
    return Known(found.cls, found.facts, via if via is not None else found.via)


def _local(ctx: TypeContext, name: cst.Name, depth: int) -> Known | None:
    """A local every binding of which says the same class: a constructor call, a parameter
    with a class annotation, a ``for`` over a collection annotated with the class of its
    items (``for trace in traces`` three times in one function), a call of a function or
    method of the program annotated to return the class, an ``async with`` whose
    ``__aenter__`` is."""
    key = (name.value, depth)
    if key in ctx.known_locals:
        return ctx.known_locals[key]
    ctx.known_locals[key] = None
    first: Known | None = None
    for binding in _bindings(ctx, name):
        found = _bound_to(ctx, binding, depth)
        if found is None or (first is not None and found.cls is not first.cls):
            return None
        first = found if first is None else _guessed(first, found.guessed)
    ctx.known_locals[key] = first
    return first


def _guessed(known: Known | None, guessed: bool = True) -> Known | None:
    """``known``, a guess if it was or ``guessed``."""
    return replace(known, guessed=True) if known is not None and guessed and not known.guessed else known


def _bound_to(ctx: TypeContext, binding: cst.Name, depth: int) -> Known | None:
    index = ctx.facts.index
    parent = index.parent(binding)
    annotation = _annotation(index.role(binding), parent)
    if annotation is not None:
        return annotated(ctx.facts, annotation, None)
    if isinstance(parent, cst.For) and parent.target is binding and isinstance(parent.iter, cst.Name):
        collection = _bindings(ctx, parent.iter)
        declared = _annotation(index.role(collection[0]), index.parent(collection[0])) if len(collection) == 1 else None
        return _item_of(ctx.facts, declared) if declared is not None else None
    target = index.parent(parent) if parent is not None else None
    if isinstance(parent, cst.AssignTarget) and isinstance(target, cst.Assign) and len(target.targets) == 1:
        return _value_of(ctx, target.value, depth)
    if isinstance(parent, cst.AsName) and isinstance(target, cst.WithItem) and parent.name is binding:
        statement = index.parent(target)
        if isinstance(statement, cst.With) and statement.asynchronous is not None:
            manager = instance_of(ctx, target.item, depth + 1)
            if manager is None:  # ``async with f(...) as x`` of an ``async def``: see ``_value_of``
                return _value_of(ctx, target.item, depth, entered=True)
            hit = _method_result(manager, "__aenter__")
            return _called(*hit, awaited=True) if hit is not None else None
    return None


def _value_of(ctx: TypeContext, value: cst.BaseExpression, depth: int, entered: bool = False) -> Known | None:
    """The class of a value: ``K(...)``; a call of a function or method annotated ``-> K``,
    awaited if it is an ``async def``; an awaited ``K`` whose ``__await__`` is annotated
    ``Generator[..., ..., K2]``. ``entered``: the value ``async with`` gets from a call of
    an ``async def``, which only a decorator can have made a context manager (aiosqlite's
    ``@contextmanager``): taken for what the function returns."""
    awaited = isinstance(value, cst.Await) or entered
    call = value.expression if isinstance(value, cst.Await) else value
    if not isinstance(call, cst.Call):
        return None
    found = reference(ctx.facts, call.func)
    if found is not None and found.kind is RefKind.CLASS:
        built = None if entered else _known_class(found)  # (entered: by its ``__aenter__``)
        return _awaited(built) if awaited and built is not None else built
    hit: tuple[cst.FunctionDef, Known | None] | None = None
    if found is not None and found.kind is RefKind.FUNCTION and found.callee is not None:
        fdef = found.callee.node
        hit = fdef, annotated(found.facts, fdef.returns.annotation, found.via) if fdef.returns is not None else None
    elif isinstance(call.func, cst.Attribute):
        receiver = call.func.value
        of_class = reference(ctx.facts, receiver)  # (``K.create(...)``)
        owner = _known_class(of_class) if of_class is not None else instance_of(ctx, receiver, depth + 1)
        hit = _method_result(owner, call.func.attr.value) if owner is not None else None
    if hit is None or (entered and hit[0].asynchronous is None):
        return None
    return _called(*hit, awaited=awaited)


def _called(fdef: cst.FunctionDef, result: Known | None, awaited: bool) -> Known | None:
    """What a call of ``fdef``, annotated to return a ``result``, gives (awaited or not)."""
    if fdef.asynchronous is not None:
        return result if awaited else None  # (not awaited: a coroutine)
    return _awaited(result) if awaited and result is not None else result


def _awaited(known: Known) -> Known | None:
    """What awaiting an instance of ``known`` gives, as its ``__await__`` is annotated."""
    hit = _method_result(known, "__await__", _generator_result)
    return hit[1] if hit is not None else None


def _generator_result(returns: cst.BaseExpression) -> cst.BaseExpression | None:
    """``K`` of ``Generator[Y, S, K]``."""
    generic, _ = _unwrapped(returns)
    if not isinstance(generic, cst.Subscript) or _generic_name(generic) != "Generator" or len(generic.slice) != 3:
        return None
    last = generic.slice[2].slice
    return last.value if isinstance(last, cst.Index) else None


def _method_result(
    owner: Known, name: str, result: Callable[[cst.BaseExpression], cst.BaseExpression | None] = lambda returns: returns
) -> tuple[cst.FunctionDef, Known | None] | None:
    """The ``def`` a lookup of ``name`` on an instance of ``owner`` finds, and the class
    it is annotated to return (``-> K``, ``-> "K"``, ``-> Self``; ``result`` picks it out
    of the annotation)."""
    order = class_order(owner.facts, owner.cls, owner.via)
    hit = _definition(order.classes, name)
    if hit is None:
        return None
    cls, fdef = hit
    home = facts_of(owner.facts, cls)
    annotation = result(fdef.returns.annotation) if fdef.returns is not None else None
    if home is None or annotation is None:
        return fdef, None
    if _is_self(_unwrapped(annotation)[0]):
        return fdef, _guessed(owner)
    return fdef, annotated(home, annotation, order.via(cls, owner.via))


def _definition(order: list[ClassInfo | None], name: str) -> tuple[ClassInfo, cst.FunctionDef] | None:
    """The ``def`` (async or not) a lookup of ``name`` along ``order`` finds, when the
    first class binding the name binds it once, by that ``def``."""
    for cls in order:
        if cls is None:
            return None
        if name in cls.methods:
            return cls, cls.methods[name].node
        if cls.defines(name):
            defs = [s for s in statements_of(cls.node.body) if isinstance(s, cst.FunctionDef) and s.name.value == name]
            return (cls, defs[0]) if len(defs) == 1 else None
    return None


def _is_self(annotation: cst.BaseExpression | None) -> bool:
    """``Self``, ``typing.Self``, ``typing_extensions.Self``: the receiver's own class."""
    if isinstance(annotation, cst.Attribute):
        annotation = annotation.attr
    return isinstance(annotation, cst.Name) and annotation.value == "Self"


def _bindings(ctx: TypeContext, name: cst.Name) -> list[cst.Name]:
    """The places the function binds local ``name`` (none for a name of another scope)."""
    if ctx.facts.index.use_scope(name) is not ctx.scope:
        return []
    return ctx.facts.local_bindings(ctx.scope, ctx.root).get(name.value, [])


def _annotation(role: Role, parent: cst.CSTNode | None) -> cst.BaseExpression | None:
    """The annotation of a binding: its parameter's, or its annotated assignment's."""
    if role is Role.PARAM and isinstance(parent, cst.Param) and parent.annotation is not None:
        return parent.annotation.annotation
    if isinstance(parent, cst.AnnAssign):
        return parent.annotation.annotation
    return None


#: Generic collections whose one type argument is the class of their items.
_COLLECTIONS = frozenset({
    "list", "List", "Sequence", "MutableSequence", "Iterable", "Collection", "Reversible", "set", "Set",
    "frozenset", "FrozenSet", "AbstractSet", "MutableSet", "deque", "Deque",
})


def _item_of(facts: ModuleFacts, annotation: cst.BaseExpression) -> Known | None:
    """The class of the items of a collection annotation (``list[K]``, ``tuple[K, ...]``;
    under ``Optional`` or ``| None``, or in a string)."""
    collection, parsed = _unwrapped(annotation)
    if not isinstance(collection, cst.Subscript):
        return None
    kind = _generic_name(collection)
    items = [e.slice.value for e in collection.slice if isinstance(e.slice, cst.Index)]
    if kind in ("tuple", "Tuple") and len(items) == 2 and isinstance(items[1], cst.Ellipsis):
        items = items[:1]
    if (kind in _COLLECTIONS or kind in ("tuple", "Tuple")) and len(items) == 1:
        return annotated(facts, items[0], None, parsed)
    return None


def _generic_name(subscript: cst.Subscript) -> str:
    """The last part of a subscripted generic's name: ``Optional`` of ``typing.Optional[K]``."""
    return cst.Module([]).code_for_node(subscript.value).split(".")[-1]


#: Longer string annotations are not parsed (LibCST's parser takes memory quadratic in
#: nested brackets: 155 MB for 1,000 levels; review R28a).
_LONGEST_ANNOTATION = 500


def _unwrapped(annotation: cst.BaseExpression, parsed: bool = False) -> tuple[cst.BaseExpression | None, bool]:
    """``annotation`` out of a string, ``Optional[...]`` and ``... | None`` (None: it
    does not parse, or is a union of several things); ``parsed``: it came from a string,
    so the module's scopes do not know its names."""
    if isinstance(annotation, cst.SimpleString):
        text = annotation.evaluated_value
        if not isinstance(text, str) or len(text) > _LONGEST_ANNOTATION:  # bytes: parsed forever (review R28a F4)
            return None, parsed
        try:
            return _unwrapped(cst.parse_expression(text), True)
        except (cst.ParserSyntaxError, RecursionError):
            return None, parsed
    if isinstance(annotation, cst.Subscript) and _generic_name(annotation) == "Optional":
        inner = annotation.slice[0].slice if len(annotation.slice) == 1 else None
        return _unwrapped(inner.value, parsed) if isinstance(inner, cst.Index) else (None, parsed)
    if isinstance(annotation, cst.BinaryOperation) and isinstance(annotation.operator, cst.BitOr):
        parts = [p for p in (annotation.left, annotation.right) if not (isinstance(p, cst.Name) and p.value == "None")]
        return _unwrapped(parts[0], parsed) if len(parts) == 1 else (None, parsed)
    return annotation, parsed


def annotated(facts: ModuleFacts, annotation: cst.BaseExpression, via: cst.SimpleStatementLine | None, parsed: bool = False) -> Known | None:
    """The class an annotation names: ``K``, ``Optional[K]``, ``K | None``, ``"K"``.

    A string annotation is parsed apart, so the module's scopes do not know its names
    (``parsed``): they are looked up as module globals."""
    unwrapped, parsed = _unwrapped(annotation, parsed)
    if unwrapped is None:
        return None
    annotation = unwrapped
    if parsed:
        found = member(facts, annotation.value, None) if isinstance(annotation, cst.Name) else None
        if found is None or found.kind is not RefKind.CLASS or found.cls is None:
            return None
        return Known(found.cls, found.facts, via if via is not None else found.via, guessed=True)
    return _guessed(_constructed(facts, annotation, via))


def attribute_type(owner: Known, name: str) -> Known | None:
    """The class of attribute ``name`` of instances of ``owner.cls``, from the class bodies
    and ``__init__`` methods along its method-resolution order."""
    order = class_order(owner.facts, owner.cls, owner.via)
    for cls in order.classes:
        if cls is None:
            return None
        home = facts_of(owner.facts, cls)
        if home is None:
            return None
        via = order.via(cls, owner.via)
        found = _declared(home, cls, name, via)
        if found is not None:
            return _guessed(found, owner.guessed)
    return None


def _declared(facts: ModuleFacts, cls: ClassInfo, name: str, via: cst.SimpleStatementLine | None) -> Known | None:
    """What ``cls`` itself says of attribute ``name``: an annotation in its body, else an
    assignment to ``self.name`` in its ``__init__``."""
    for stmt in statements_of(cls.node.body):
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                if isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name) and small.target.value == name:
                    return annotated(facts, small.annotation.annotation, via)
    init = next((s for s in statements_of(cls.node.body) if isinstance(s, cst.FunctionDef) and s.name.value == "__init__"), None)
    params = [*init.params.posonly_params, *init.params.params] if init is not None else []
    if init is None or not params:
        return None
    self_name = params[0].name.value
    annotations = {p.name.value: p.annotation.annotation for p in params[1:] if p.annotation is not None}
    for node in walk(init.body):
        target, value, annotation = _self_assignment(node, self_name, name)
        if annotation is not None:
            return annotated(facts, annotation, via)
        if isinstance(value, cst.Call):
            return _constructed(facts, value.func, via)
        if isinstance(value, cst.Name) and value.value in annotations:
            return annotated(facts, annotations[value.value], via)
        if target is not None:
            return None  # assigned something else first: say nothing
    return None


def _self_assignment(
    node: cst.CSTNode, self_name: str, name: str
) -> tuple[cst.CSTNode | None, cst.BaseExpression | None, cst.BaseExpression | None]:
    """(target, value, annotation) when ``node`` assigns ``self.name``."""

    def is_target(target: cst.BaseExpression) -> bool:
        return (
            isinstance(target, cst.Attribute)
            and isinstance(target.value, cst.Name)
            and target.value.value == self_name
            and target.attr.value == name
        )

    if isinstance(node, cst.Assign) and len(node.targets) == 1 and is_target(node.targets[0].target):
        return node.targets[0].target, node.value, None
    if isinstance(node, cst.AnnAssign) and is_target(node.target):
        return node.target, node.value, node.annotation.annotation
    return None, None, None
