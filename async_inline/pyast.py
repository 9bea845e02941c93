"""Walks over CPython's ``ast`` trees without ``ast.walk``'s nested generators, which
dominate on large modules (the analysis pairs every statement and await with LibCST's
nodes; the import hook positions every node of the output); and the rewriter's own parses
and compilations, which issue no warning. Imports nothing but ``ast``, ``re``, ``types``, ``typing``
and ``warnings``."""

from __future__ import annotations

import ast
import re
import types
import warnings
from collections.abc import Iterator
from typing import Any

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


#: The file name of the rewriter's own parses and compilations. The module's compile-time
#: warnings (``"\d"``: SyntaxWarning, DeprecationWarning before 3.12) are issued once, by the
#: compilation of the original (the interpreter's own: same file, lines and ``-W error``
#: behaviour); the other parses of the same text, the rewritten text (at its own lines,
#: once per inlined copy) and the tagged compilation would repeat them. A filter ignores
#: the warnings of this file name only, so no other code's warnings change, whichever
#: thread issues them (``catch_warnings`` is process-wide).
QUIET_FILE = "<async_inline: rewriter>"
_QUIET_MODULE = re.escape(QUIET_FILE) + r"\Z"


_QUIET_FILTER = ("ignore", None, Warning, re.compile(_QUIET_MODULE), 0)


def _quiet() -> None:
    """Put the filter first (a later ``simplefilter("error")`` would take precedence).

    In place, without ``warnings.filterwarnings``: that tells the interpreter the filters
    changed, which empties every module's record of the warnings it has shown, so a
    "default" warning of the program would be shown again after each rewrite (review R3).
    No such record can concern this filter: compile-time warnings keep none."""
    filters: list[Any] = warnings.filters  # type: ignore[assignment]  # a list, typeshed says Sequence
    if filters and filters[0] == _QUIET_FILTER:
        return
    while _QUIET_FILTER in filters:
        filters.remove(_QUIET_FILTER)
    filters.insert(0, _QUIET_FILTER)


def parse_quietly(source: str | bytes) -> ast.Module:
    """``ast.parse`` without warnings (a SyntaxError names ``QUIET_FILE``)."""
    _quiet()
    return ast.parse(source, QUIET_FILE)


def compile_quietly(source: str | bytes | ast.Module, path: str) -> types.CodeType:
    """``compile(source, path, "exec", dont_inherit=True)`` without warnings."""
    _quiet()
    return _renamed(compile(source, QUIET_FILE, "exec", dont_inherit=True), path)


def _renamed(code: types.CodeType, path: str) -> types.CodeType:
    consts = tuple(_renamed(const, path) if isinstance(const, types.CodeType) else const for const in code.co_consts)
    return code.replace(co_filename=path, co_consts=consts)


__all__ = ["QUIET_FILE", "child_nodes", "compile_quietly", "parse_quietly", "walk"]
