"""Generic helpers over LibCST trees, shared by analysis and transformation.

LibCST's ``node.children`` runs a visitor on every call, which made the analyses
quadratic in practice; ``children`` reads the dataclass fields instead, and a rewrite
caches them (``children_cache``) because every analysis walks the same tree again.
"""

from __future__ import annotations

import contextlib
import dataclasses
import threading
from collections.abc import Iterator, Sequence

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
        names = _FIELDS[type(node)] = tuple(f.name for f in dataclasses.fields(node))
    out: list[cst.CSTNode] = []
    for name in names:
        value = getattr(node, name)
        if is_syntax(value):
            out.append(value)
        elif type(value) in (list, tuple):
            out.extend(v for v in value if is_syntax(v))
    return out


#: Nodes that only lay the code out: no name, expression or statement is ever below them.
#: Most nodes of a module are such (60% of anyio's largest module), and no analysis looks
#: at them, so ``children`` leaves them out.
_FORMATTING: tuple[type, ...] = (
    cst.BaseParenthesizableWhitespace, cst.Newline, cst.TrailingWhitespace, cst.EmptyLine, cst.Comment,
    cst.Comma, cst.Dot, cst.LeftParen, cst.RightParen, cst.LeftSquareBracket, cst.RightSquareBracket,
    cst.LeftCurlyBrace, cst.RightCurlyBrace, cst.Colon, cst.Semicolon, cst.AssignEqual,
)

#: Per type: is a value of it a syntax node (a CSTNode that is not formatting)? By type,
#: because CSTNode is an ABC, whose isinstance is slow.
_SYNTAX_TYPE: dict[type, bool] = {}


def is_syntax(value: object) -> bool:
    kind = type(value)
    found = _SYNTAX_TYPE.get(kind)
    if found is None:
        found = _SYNTAX_TYPE[kind] = isinstance(value, cst.CSTNode) and not isinstance(value, _FORMATTING)
    return found


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
_STATEMENT_LEVEL = (cst.BaseStatement, cst.BaseSuite, cst.Else, cst.ExceptHandler, cst.ExceptStarHandler, cst.Finally, cst.MatchCase)
_STATEMENT_TYPES: dict[type, bool] = {}


def is_statement_level(node: cst.CSTNode) -> bool:
    """Statements, suites and clauses; cached per type (ABC isinstance checks are slow)."""
    kind = type(node)
    known = _STATEMENT_TYPES.get(kind)
    if known is None:
        known = _STATEMENT_TYPES[kind] = issubclass(kind, _STATEMENT_LEVEL)
    return known


def starts_with_docstring(stmts: Sequence[cst.BaseStatement]) -> bool:
    """Whether ``stmts[0]`` is a docstring on a line of its own (it can be skipped or
    have statements inserted after it without moving other code)."""
    first = stmts[0] if stmts else None
    return (
        isinstance(first, cst.SimpleStatementLine)
        and len(first.body) == 1
        and cst.Module([first]).get_docstring(clean=False) is not None
    )


def statements_of(body: cst.BaseSuite) -> list[cst.BaseStatement]:
    """A function body's statements as lines and compound statements."""
    if isinstance(body, cst.IndentedBlock):
        return list(body.body)
    assert isinstance(body, cst.SimpleStatementSuite)
    return [cst.SimpleStatementLine(body=body.body)]
