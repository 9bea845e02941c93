"""Return lowering without a loop, where the ``if`` statements allow it.

A return that is not in tail position is first lowered to ``result = value; break`` out
of a ``while True:`` wrapped around the inlined body. Most such returns are early
returns in an ``if``: then the loop is not needed, because the statements after the
``if`` can move into its other branch::

    while True:                         if not tok:
        if not tok:                         ok = False
            ok = False            ->    else:
            break                           ok = len(tok) > 2
        ok = len(tok) > 2
        break

``without_breaks`` does that when every ``break`` leaving the wrapper ends a branch of an
``if`` (at any nesting of ``if`` statements); any other ``break`` (in a ``try``, a
``with``, a loop's ``else``) keeps the loop. The statements after an ``if`` are copied
into each branch that falls through; when that would copy more than a few statements
more than once, the loop stays too (code size).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import libcst as cst

from ..tree import children
from .linearize import Emitted


class Marks(Protocol):
    """What return lowering needs of the line marks (``lines.OriginMarks``)."""

    def replaced(self, new: cst.CSTNode, old: cst.CSTNode) -> None: ...

    def line_of(self, node: cst.CSTNode) -> int | None: ...

#: Statements after an ``if`` copied into more than one of its branches, at the most.
_MAX_COPIED = 3


def without_breaks(body: Sequence[Emitted], marks: Marks) -> list[Emitted] | None:
    """``body`` (what ``while True: body; break`` wraps) with no ``break`` leaving it, or
    None. ``marks.replaced(new, old)`` is told of each statement rebuilt."""
    copies: list[int] = []
    lowered = _lower(list(body), [], copies, marks)
    if lowered is None or (len(copies) > 1 and max(copies) > _MAX_COPIED):
        return None
    return lowered


def _lower(block: list[Emitted], rest: list[Emitted], copies: list[int], marks: Marks) -> list[Emitted] | None:
    """``block`` then ``rest``, with every break of ``block`` ending its path."""
    out: list[Emitted] = []
    for i, stmt in enumerate(block):
        before_break = _before_break(stmt, out[-1] if out else None, marks)
        if before_break is not None:
            return [*out, *before_break]  # what follows a break never runs
        if isinstance(stmt, cst.If) and _breaks(stmt):
            lowered = _lower_if(stmt, [*block[i + 1 :], *rest], copies, marks)
            return None if lowered is None else [*out, lowered]
        if _breaks(stmt):
            return None
        out.append(stmt)
    if not rest:
        return out
    copies.append(len(rest))
    tail = _lower(rest, [], copies, marks)  # what follows may break too
    return None if tail is None else [*out, *tail]


def _lower_if(node: cst.If, after: list[Emitted], copies: list[int], marks: Marks) -> cst.If | None:
    body = _lower(_statements(node.body), after, copies, marks)
    if body is None:
        return None
    orelse: cst.If | cst.Else | None
    if isinstance(node.orelse, cst.If):
        orelse = _lower_if(node.orelse, after, copies, marks)
        if orelse is None:
            return None
    else:
        branch = _lower(_statements(node.orelse.body) if node.orelse is not None else [], after, copies, marks)
        if branch is None:
            return None
        orelse = (node.orelse or cst.Else(body=cst.IndentedBlock(body=[]))).with_changes(body=_block(node.orelse, branch)) if branch else None
    new = node.with_changes(body=_block(node, body), orelse=orelse)
    marks.replaced(new, node)
    return new


def _block(owner: cst.If | cst.Else | None, stmts: list[Emitted]) -> cst.IndentedBlock:
    lines = [cst.SimpleStatementLine(body=[s]) if isinstance(s, cst.BaseSmallStatement) else s for s in stmts]
    body = lines or [cst.SimpleStatementLine(body=[cst.Pass()])]
    if owner is not None and isinstance(owner.body, cst.IndentedBlock):
        return owner.body.with_changes(body=body)
    return cst.IndentedBlock(body=body)


def _statements(suite: cst.BaseSuite) -> list[Emitted]:
    return list(suite.body)


def _before_break(stmt: Emitted, previous: Emitted | None, marks: Marks) -> list[Emitted] | None:
    """The small statements before a ``break`` ending ``stmt``, if ``stmt`` ends with one. A
    ``break`` alone (a bare ``return`` whose value nothing reads) becomes a ``pass`` on its
    line: tracers, coverage and breakpoints see the return run (review R19 v1), unless the
    simple statement just before it runs on that line already (``result = value``)."""
    if isinstance(stmt, cst.Break) or (isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1 and isinstance(stmt.body[0], cst.Break)):
        line = marks.line_of(stmt)
        if isinstance(previous, (cst.BaseSmallStatement, cst.SimpleStatementLine)) and line is not None and marks.line_of(previous) == line:
            return []
        stand_in: Emitted = cst.Pass() if isinstance(stmt, cst.Break) else cst.SimpleStatementLine(body=[cst.Pass()])
        marks.replaced(stand_in, stmt)  # the marks are the statement's
        return [stand_in]
    if isinstance(stmt, cst.SimpleStatementLine) and stmt.body and isinstance(stmt.body[-1], cst.Break):
        return [s.with_changes(semicolon=cst.MaybeSentinel.DEFAULT) for s in stmt.body[:-1]]
    return None


def _breaks(node: cst.CSTNode) -> bool:
    """Does a ``break`` in ``node`` leave the loop around ``node``? (Not one of a loop
    nested in it, but one in such a loop's ``else``.)"""
    if isinstance(node, cst.Break):
        return True
    if isinstance(node, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
        return False
    if isinstance(node, (cst.For, cst.While)):
        return node.orelse is not None and _breaks(node.orelse)
    return any(_breaks(child) for child in children(node))
