"""Generic helpers over LibCST trees, shared by analysis and transformation.

LibCST's ``node.children`` runs a visitor on every call, which made the analyses
quadratic in practice; ``children`` reads the dataclass fields instead, and a rewrite
caches them (``children_cache``) because every analysis walks the same tree again.
"""

from __future__ import annotations

import contextlib
import dataclasses
import threading
import typing
from collections.abc import Callable, Iterator, Sequence

import libcst as cst

_FIELDS: dict[type, tuple[str, ...]] = {}
_CACHE = threading.local()


@contextlib.contextmanager
def children_cache() -> Iterator[None]:
    """Remember each node's children for the duration of one rewrite (in this thread)."""
    _CACHE.table = {}
    try:
        yield
    finally:
        _CACHE.table = None


def children(node: cst.CSTNode) -> list[cst.CSTNode]:
    """The child nodes of ``node`` in field order (source order, but for a few nodes such
    as IfExp: no caller relies on the order for meaning), formatting nodes left out."""
    table: dict[int, tuple[cst.CSTNode, list[cst.CSTNode]]] | None = getattr(_CACHE, "table", None)
    if table is not None:
        # By id (LibCST's __hash__ is Python code); the entry keeps the node alive, so no
        # other node can take its id while the table exists.
        cached = table.get(id(node))
        if cached is None:
            cached = table[id(node)] = (node, _children(node))
        return cached[1]
    return _children(node)


def _children(node: cst.CSTNode) -> list[cst.CSTNode]:
    names = _FIELDS.get(type(node))
    if names is None:
        names = _FIELDS[type(node)] = _syntax_fields(type(node))
    out: list[cst.CSTNode] = []
    for name in names:
        value = getattr(node, name)
        if is_syntax(value):
            out.append(value)
        elif type(value) in (list, tuple):
            out.extend(v for v in value if is_syntax(v))
    return out


#: The nodes whose body is a scope of its own (walks of a function's code stop there).
#: Tested by type (``type(node) in NEW_SCOPES``): isinstance on LibCST's classes, which
#: are ABCs, runs Python code for every miss, and these classes have no subclasses.
NEW_SCOPES: frozenset[type] = frozenset({cst.FunctionDef, cst.ClassDef, cst.Lambda})


#: Nodes that only lay the code out: no name, expression or statement is ever below them.
#: Most nodes of a module are such (60% of anyio's largest module), and no analysis looks
#: at them, so ``children`` leaves them out.
_FORMATTING: tuple[type, ...] = (
    cst.BaseParenthesizableWhitespace, cst.Newline, cst.TrailingWhitespace, cst.EmptyLine, cst.Comment,
    cst.Comma, cst.Dot, cst.LeftParen, cst.RightParen, cst.LeftSquareBracket, cst.RightSquareBracket,
    cst.LeftCurlyBrace, cst.RightCurlyBrace, cst.Colon, cst.Semicolon, cst.AssignEqual,
)


def _syntax_fields(kind: type, excluded: tuple[type, ...] = _FORMATTING) -> tuple[str, ...]:
    """The fields of a node type that can hold a node (not one of ``excluded``), by their
    annotations: a node has about three times as many fields as children (``lpar``,
    ``whitespace_*``, ``comma``, ``value: str`` ...), and a rewrite reads them for every node."""
    try:
        hints = typing.get_type_hints(kind)
    except Exception:  # an annotation that does not evaluate: keep every field
        hints = {}
    return tuple(f.name for f in dataclasses.fields(kind) if f.name not in hints or _may_hold_node(hints[f.name], excluded))


def _may_hold_node(annotation: object, excluded: tuple[type, ...]) -> bool:
    """Whether a value of this annotation can be a node not of ``excluded``; True when unsure."""
    if isinstance(annotation, type):
        return issubclass(annotation, cst.CSTNode) and not issubclass(annotation, excluded)
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is typing.Literal:
        return False
    return origin is None or not args or any(_may_hold_node(arg, excluded) for arg in args)


_NODE_FIELDS: dict[type, tuple[str, ...]] = {}


def breaks_line(node: cst.CSTNode) -> bool:
    """A line break inside ``node`` that only brackets around it allow (in LibCST, a
    ``ParenthesizedWhitespace``): the node spans lines and cannot stand alone without
    brackets of its own. Reads the fields, formatting included (``node.children`` runs a
    visitor)."""
    kind = type(node)
    if kind is cst.ParenthesizedWhitespace:
        return True
    names = _NODE_FIELDS.get(kind)
    if names is None:
        names = _NODE_FIELDS[kind] = _syntax_fields(kind, excluded=())
    for name in names:
        value = getattr(node, name)
        if type(value) in (list, tuple):
            if any(is_node(v) and breaks_line(v) for v in value):
                return True
        elif is_node(value) and breaks_line(value):
            return True
    return False


def type_test(*classes: type, excluding: tuple[type, ...] = ()) -> Callable[[object], bool]:
    """``isinstance(value, classes) and not isinstance(value, excluding)``, answered once per
    type: LibCST's classes are ABCs, whose isinstance runs Python code on every miss, and the
    analyses ask for every node."""
    known: dict[type, bool] = {}

    def test(value: object) -> bool:
        kind = type(value)
        found = known.get(kind)
        if found is None:
            found = known[kind] = issubclass(kind, classes) and not issubclass(kind, excluding)
        return found

    return test


#: A syntax node: a CSTNode that is not formatting.
is_syntax = type_test(cst.CSTNode, excluding=_FORMATTING)
is_node = type_test(cst.CSTNode)


def walk(root: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """Pre-order traversal of ``root`` and its descendants."""
    stack = [root]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(reversed(children(node)))


def contains(root: cst.CSTNode, target: cst.CSTNode) -> bool:
    if root is target:
        return True
    stack = list(children(root))
    while stack:
        node = stack.pop()
        if node is target:
            return True
        stack.extend(children(node))
    return False


def walrus_targets(root: cst.CSTNode) -> frozenset[str]:
    """Names bound by ``:=`` anywhere in ``root``."""
    return frozenset(
        node.target.value for node in walk(root) if isinstance(node, cst.NamedExpr) and isinstance(node.target, cst.Name)
    )


def import_top_name(alias: cst.ImportAlias) -> cst.Name:
    """The Name node ``import a.b.c`` binds (``a``), for an alias without ``as``."""
    top: cst.BaseExpression = alias.name
    while isinstance(top, cst.Attribute):
        top = top.value
    assert isinstance(top, cst.Name)
    return top


#: Statements, suites and clauses: the nodes a statement-level walk descends through.
is_statement_level = type_test(cst.BaseStatement, cst.BaseSuite, cst.Else, cst.ExceptHandler, cst.ExceptStarHandler, cst.Finally, cst.MatchCase)
is_node = type_test(cst.CSTNode)
#: Small and compound statements (what the inlining limit counts).
is_statement = type_test(cst.BaseSmallStatement, cst.BaseCompoundStatement)
#: Statements on lines of their own: a line of small statements, or a compound statement.
is_statement_line = type_test(cst.SimpleStatementLine, cst.BaseCompoundStatement)


def starts_with_docstring(stmts: Sequence[cst.BaseStatement]) -> bool:
    """Whether ``stmts[0]`` is a docstring on a line of its own (it can be skipped or
    have statements inserted after it without moving other code)."""
    first = stmts[0] if stmts else None
    return (
        isinstance(first, cst.SimpleStatementLine)
        and len(first.body) == 1
        and cst.Module([first]).get_docstring(clean=False) is not None
    )


def is_future_import(small: cst.BaseSmallStatement) -> bool:
    """``from __future__ import ...``; ``from .__future__ import ...`` too: before Python
    3.13 the compiler takes it for one (it must come first, and it enables the feature)."""
    return (
        isinstance(small, cst.ImportFrom)
        and isinstance(small.module, cst.Name)
        and small.module.value == "__future__"
    )


def future_features(stmts: Sequence[cst.BaseStatement]) -> frozenset[str]:
    """The names a module's ``from __future__ import`` statements enable: those after its
    docstring and before any other statement (a later one is a SyntaxError)."""
    out: set[str] = set()
    for at, line in enumerate(stmts):
        if not isinstance(line, cst.SimpleStatementLine):
            break
        for i, small in enumerate(line.body):
            if at == i == 0 and cst.Module([cst.SimpleStatementLine([small])]).get_docstring(clean=False) is not None:
                continue
            if not is_future_import(small):
                return frozenset(out)
            if isinstance(small, cst.ImportFrom) and not isinstance(small.names, cst.ImportStar):
                out.update(cst.Module([]).code_for_node(alias.name) for alias in small.names)
    return frozenset(out)


def statements_of(body: cst.BaseSuite) -> list[cst.BaseStatement]:
    """A function body's statements as lines and compound statements."""
    if isinstance(body, cst.IndentedBlock):
        return list(body.body)
    assert isinstance(body, cst.SimpleStatementSuite)
    return [cst.SimpleStatementLine(body=body.body)]
