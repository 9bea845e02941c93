"""Walks over CPython's ``ast`` trees without ``ast.walk``'s nested generators, which
dominate on large modules (the analysis pairs every statement and await with LibCST's
nodes; the import hook positions every node of the output). Imports nothing but ``ast``."""

from __future__ import annotations

import ast
from collections.abc import Iterator

_FIELDS: dict[type[ast.AST], tuple[str, ...]] = {}


def child_nodes(node: ast.AST) -> list[ast.AST]:
    """What ``ast.iter_child_nodes`` yields, as a list, without the ``ctx`` markers
    (``Load``, ``Store``, ``Del``: shared objects with no position, a third of the nodes)."""
    out: list[ast.AST] = []
    fields = _FIELDS.get(type(node))
    if fields is None:
        fields = _FIELDS[type(node)] = tuple(name for name in node._fields if name != "ctx")
    for name in fields:
        value = getattr(node, name, None)
        if type(value) is list:
            out += [item for item in value if isinstance(item, ast.AST)]
        elif isinstance(value, ast.AST):
            out.append(value)
    return out


def walk(tree: ast.AST) -> Iterator[ast.AST]:
    """``tree`` and every node below it, in no particular order (as ``ast.walk``, without
    the ``ctx`` markers)."""
    stack = [tree]
    while stack:
        node = stack.pop()
        yield node
        stack += child_nodes(node)


__all__ = ["child_nodes", "walk"]
