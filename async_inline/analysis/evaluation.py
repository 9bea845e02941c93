"""Python's evaluation order, as the inliner needs it.

``operands(node)`` lists what an expression evaluates, in the order CPython evaluates it,
marking operands that are evaluated only sometimes (short-circuit, conditional branches,
later links of a comparison chain) and operands that are unpacked (``*x``, ``**x``). The
position check below (analysis) and the linearizer (transformation) both use it, so they
cannot disagree about what "evaluated before the await" means.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import libcst as cst

from ..tree import NEW_SCOPES, children, contains


@dataclass(frozen=True)
class Operand:
    node: cst.CSTNode
    #: Evaluated only on some executions of the parent (``b`` in ``a and b``).
    conditional: bool = False
    #: Unpacked where it stands (``*x``, ``**x``): its iteration cannot be hoisted as a value.
    starred: bool = False


@dataclass(frozen=True)
class Operands:
    ordered: list[Operand]
    #: Children evaluated in a way the inliner does not model (comprehension bodies,
    #: format specs, lambda bodies): an await in them is not inlined.
    opaque: Sequence[cst.CSTNode]
    why_opaque: str = ""


_COMPREHENSIONS = (cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp)


def operands(node: cst.CSTNode) -> Operands:
    if type(node) not in _OPERAND_FORMS:  # names, literals ...; by type, as isinstance on LibCST's classes is slow
        return Operands([], [])
    if isinstance(node, cst.BinaryOperation):
        return Operands([Operand(node.left), Operand(node.right)], [])
    if isinstance(node, cst.BooleanOperation):
        return Operands([Operand(node.left), Operand(node.right, conditional=True)], [])
    if isinstance(node, cst.UnaryOperation):
        return Operands([Operand(node.expression)], [])
    if isinstance(node, cst.Comparison):
        ops = [Operand(node.left)]
        ops += [Operand(c.comparator, conditional=i > 0) for i, c in enumerate(node.comparisons)]
        return Operands(ops, [])
    if isinstance(node, cst.IfExp):  # the test is evaluated first, whatever the source order
        return Operands([Operand(node.test), Operand(node.body, True), Operand(node.orelse, True)], [])
    if isinstance(node, cst.Call):
        # CPython evaluates the positional and ``*`` arguments, then the keyword and ``**``
        # ones, each group in source order (3.10-3.13 alike): ``h(x=a(), *b())`` calls b first.
        args = [a for a in node.args if a.keyword is None and a.star != "**"]
        args += [a for a in node.args if a.keyword is not None or a.star == "**"]
        return Operands([Operand(node.func)] + [Operand(a.value, starred=bool(a.star)) for a in args], [])
    if isinstance(node, cst.Attribute):
        return Operands([Operand(node.value)], [])
    if isinstance(node, cst.Subscript):
        ops = [Operand(node.value)]
        for element in node.slice:
            s = element.slice
            if isinstance(s, cst.Index):
                ops.append(Operand(s.value, starred=s.star is not None))
            else:
                assert isinstance(s, cst.Slice)
                ops += [Operand(part) for part in (s.lower, s.upper, s.step) if part is not None]
        return Operands(ops, [])
    if isinstance(node, (cst.Tuple, cst.List, cst.Set)):
        return Operands([Operand(e.value, starred=isinstance(e, cst.StarredElement)) for e in node.elements], [])
    if isinstance(node, cst.Dict):
        items: list[Operand] = []
        for e in node.elements:
            if isinstance(e, cst.DictElement):
                items += [Operand(e.key), Operand(e.value)]
            else:
                items.append(Operand(e.value, starred=True))
        return Operands(items, [])
    if isinstance(node, cst.Await):
        return Operands([Operand(node.expression)], [])
    if isinstance(node, cst.NamedExpr):
        return Operands([Operand(node.value)], [])
    if isinstance(node, cst.ConcatenatedString):
        # One string, made by the compiler: the fields of all its f-string parts, in order,
        # each formatted when evaluated. A part is no value of its own (a temporary cannot
        # stand among string literals). From a part printing its fields' text (``=``) on,
        # every field stays where it is.
        left, right = operands(node.left), operands(node.right)
        if left.opaque:
            return Operands([], [*left.opaque, *(op.node for op in right.ordered), *right.opaque], left.why_opaque)
        return Operands([*left.ordered, *right.ordered], right.opaque, right.why_opaque)
    if isinstance(node, cst.FormattedString):
        fields = [p for p in node.parts if isinstance(p, cst.FormattedStringExpression)]
        if any(f.equal is not None for f in fields):
            # f"{expr=}" prints the text of expr: hoisting it, or an operand before an
            # await, would print a temporary's name.
            return Operands([], fields, "in an f-string with '=', which prints the text of its fields")
        return Operands([Operand(f) for f in fields], [])
    if isinstance(node, cst.FormattedStringExpression):
        return Operands([Operand(node.expression)], list(node.format_spec or ()), "in an f-string format spec")
    if isinstance(node, cst.Yield):
        value = node.value
        return Operands([Operand(value)] if isinstance(value, cst.BaseExpression) else [], [])
    if isinstance(node, _COMPREHENSIONS):
        first = node.for_in.iter
        rest = [c for c in children(node) if c is not node.for_in] + [
            c for c in children(node.for_in) if c is not first
        ]
        return Operands([Operand(first)], rest, "inside a comprehension")
    if isinstance(node, cst.Lambda):
        return Operands([], list(children(node)), "inside a lambda")
    return Operands([], [])


_OPERAND_FORMS = frozenset({
    cst.BinaryOperation, cst.BooleanOperation, cst.UnaryOperation, cst.Comparison, cst.IfExp, cst.Call,
    cst.Attribute, cst.Subscript, cst.Tuple, cst.List, cst.Set, cst.Dict, cst.Await, cst.NamedExpr,
    cst.ConcatenatedString, cst.FormattedString, cst.FormattedStringExpression, cst.Yield, cst.Lambda,
    *_COMPREHENSIONS,
})


def position_problem(root: cst.CSTNode, target: cst.CSTNode) -> str | None:
    """Why an await at ``target`` inside expression ``root`` cannot be linearized, or None."""
    path = _path_ids(root, target)
    node = root
    while node is not target:
        ops = operands(node)
        for child in ops.opaque:
            if id(child) in path:
                return f"the await is {ops.why_opaque}"
        index = next((i for i, op in enumerate(ops.ordered) if id(op.node) in path), None)
        if index is None:
            return "the await is in a position whose evaluation order is not modelled"
        if any(op.starred for op in ops.ordered[:index]):
            return "an unpacking (* or **) is evaluated before the await"
        node = ops.ordered[index].node
    return None


def _path_ids(root: cst.CSTNode, target: cst.CSTNode) -> frozenset[int]:
    """The ids of the nodes from ``root`` down to ``target`` (empty if ``target`` is not in
    it): one walk, where asking each level's operands whether they contain the target
    walked the tree again at every level, cubic in a long chain of awaits (``await g(0) +
    await g(1) + ...``: 200 terms took 5.5 s; review R22b F1)."""
    parents: dict[int, cst.CSTNode] = {}
    stack = [root]
    while stack:
        node = stack.pop()
        if node is target:
            path = {id(node)}
            while node is not root:
                node = parents[id(node)]
                path.add(id(node))
            return frozenset(path)
        for child in children(node):
            parents[id(child)] = node
            stack.append(child)
    return frozenset()


def header_expressions(stmt: cst.CSTNode) -> tuple[Sequence[cst.CSTNode], Sequence[cst.CSTNode]]:
    """(expressions a statement evaluates first, in order; other expressions of its header).

    An await in the second list is not inlined (targets, annotations, decorators ...).
    The statement's own body is in neither.
    """
    if isinstance(stmt, cst.Expr):
        return [stmt.value], []
    if isinstance(stmt, cst.Assign):
        return [stmt.value], [t.target for t in stmt.targets]
    if isinstance(stmt, cst.AnnAssign):
        return ([stmt.value] if stmt.value is not None else []), [stmt.target, stmt.annotation]
    if isinstance(stmt, cst.AugAssign):
        return [stmt.value], [stmt.target]
    if isinstance(stmt, cst.Return):
        return ([stmt.value] if stmt.value is not None else []), []
    if isinstance(stmt, cst.Raise):
        first = [stmt.exc] if stmt.exc is not None else []
        return first + ([stmt.cause.item] if stmt.cause is not None else []), []
    if isinstance(stmt, (cst.If, cst.While)):
        return [stmt.test], []
    if isinstance(stmt, cst.For):
        return [stmt.iter], [stmt.target]
    if isinstance(stmt, cst.With):
        return [item.item for item in stmt.items], [item.asname for item in stmt.items if item.asname is not None]
    if isinstance(stmt, cst.Match):
        return [stmt.subject], [c.pattern for c in stmt.cases] + [c.guard for c in stmt.cases if c.guard is not None]
    if isinstance(stmt, (cst.Try, cst.TryStar)):
        return [], [h.type for h in stmt.handlers if h.type is not None]
    if isinstance(stmt, (cst.FunctionDef, cst.ClassDef)):
        # The enclosing function evaluates these when the definition runs; the body's
        # awaits belong to the nested scope.
        return [], definition_header(stmt)
    if isinstance(stmt, (cst.Del, cst.Assert)):
        return [], [c for c in children(stmt) if isinstance(c, cst.BaseExpression)]
    return [], []


def definition_header(stmt: cst.FunctionDef | cst.ClassDef) -> list[cst.CSTNode]:
    """What a nested definition evaluates in the enclosing scope, in source order."""
    out: list[cst.CSTNode] = [d.decorator for d in stmt.decorators]
    if isinstance(stmt, cst.ClassDef):
        return out + [arg.value for arg in (*stmt.bases, *stmt.keywords)]
    return out + _parameter_expressions(stmt.params) + ([stmt.returns] if stmt.returns is not None else [])


def _parameter_expressions(params: cst.Parameters) -> list[cst.CSTNode]:
    """Defaults and annotations, in source order: the enclosing scope evaluates them."""
    out: list[cst.CSTNode] = []
    for param in (*params.posonly_params, *params.params, params.star_arg, *params.kwonly_params, params.star_kwarg):
        if isinstance(param, cst.Param):
            out += [part for part in (param.default, param.annotation) if part is not None]
    return out


def statement_position_problem(stmt: cst.CSTNode, target: cst.CSTNode) -> str | None:
    """Why an await inside ``stmt``'s header cannot be inlined, or None."""
    first, other = header_expressions(stmt)
    for expr in other:
        if contains(expr, target):
            if isinstance(stmt, (cst.FunctionDef, cst.ClassDef)):
                return "the await is in a decorator, default, annotation or base of a nested definition"
            if isinstance(stmt, (cst.Try, cst.TryStar)):
                # Evaluated only when an exception reaches the clause, after the clauses before it.
                return "the await is in the exception type of an `except` clause"
            if isinstance(stmt, cst.Assert):
                # Lowered, the await would run under -O too, and pytest's assertion rewriter
                # would explain a temporary instead of the call.
                return "the await is in an `assert` statement"
            if isinstance(stmt, cst.Del):
                return "the await is in a `del` statement"
            kind = type(stmt).__name__.lower()
            return f"the await is in a part of a `{kind}` statement evaluated after its target is known"
    for expr in first:
        if contains(expr, target):
            if isinstance(stmt, cst.AugAssign) and not _aug_target_supported(stmt.target):
                return "augmented assignment to a slice"
            return position_problem(expr, target)
    return "the await is in a statement the inliner does not rewrite"


def _aug_target_supported(target: cst.CSTNode) -> bool:
    if isinstance(target, cst.Subscript):
        return all(isinstance(e.slice, cst.Index) and e.slice.star is None for e in target.slice)
    return isinstance(target, (cst.Name, cst.Attribute))


def awaits_in(roots: Sequence[cst.CSTNode]) -> list[cst.Await]:
    """Every Await in ``roots``, outer before inner, left to right, not crossing into
    lambdas' bodies (their defaults are the enclosing scope's)."""
    out: list[cst.Await] = []
    for root in roots:
        stack = [root]
        while stack:
            node = stack.pop()
            if type(node) is cst.Await:  # by type: isinstance on LibCST's classes is slow
                out.append(node)
            elif type(node) is cst.Lambda:
                stack.extend(reversed(_parameter_expressions(node.params)))
                continue
            elif type(node) in NEW_SCOPES:
                continue
            stack.extend(reversed(children(node)))
    return out


#: CPython refuses code with more than 20 statically nested blocks (CO_MAXBLOCKS).
MAX_BLOCKS = 20
#: Blocks an inlined frame adds around the callee's body: its try/finally and the
#: ``while True:`` of return lowering.
FRAME_BLOCKS = 3


def block_cost(parent: cst.CSTNode, child: cst.CSTNode) -> int:
    """Compiler blocks ``parent`` holds around its part ``child`` (an upper bound that
    holds for CPython 3.10-3.13)."""
    if isinstance(parent, (cst.For, cst.While)):
        return 0 if child is parent.orelse else 1
    if isinstance(parent, cst.With):
        return len(parent.items) + 1  # a block per item (``with a, b:`` nests two), and the exit's
    if isinstance(parent, (cst.Try, cst.TryStar)):
        return 3 if isinstance(child, (cst.ExceptHandler, cst.ExceptStarHandler)) else 2
    return 0


def blocks_around(stmt: cst.CSTNode, root: cst.CSTNode, parent_of: Callable[[cst.CSTNode], cst.CSTNode | None]) -> int:
    """Compiler blocks around ``stmt`` within ``root`` (a function)."""
    total = 0
    child = stmt
    parent = parent_of(child)
    while parent is not None and child is not root:
        total += block_cost(parent, child)
        child, parent = parent, parent_of(parent)
    return total


def evaluation_order(roots: Sequence[cst.CSTNode], sites: Mapping[cst.Await, Sequence[cst.CSTNode]]) -> list[cst.Await]:
    """The awaits of ``sites`` in the order their inlined bodies run: post-order along
    ``operands``, each site after its own parts (``sites[a]``: its arguments, in order)."""
    out: list[cst.Await] = []

    def visit(node: cst.CSTNode) -> None:
        parts = sites.get(node) if isinstance(node, cst.Await) else None
        if parts is not None:
            for part in parts:
                visit(part)
            out.append(node)  # type: ignore[arg-type]  # narrowed above: an Await
            return
        for op in operands(node).ordered:
            visit(op.node)

    for root in roots:
        visit(root)
    assert len(out) == len(sites), "a site sits where evaluation order is not modelled"
    return out
