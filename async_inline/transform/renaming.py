"""Copy original code into the output with its inlined awaits replaced and its locals renamed."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar, cast

import libcst as cst

from .lines import OriginMarks

#: Original Name node -> emitted identifier (a renamed local, a parameter aliasing its
#: argument) or expression (a parameter of an expression-form frame).
Rename = Mapping[cst.Name, "str | cst.BaseExpression"]
Replacements = Mapping[cst.CSTNode, cst.CSTNode]

N = TypeVar("N", bound=cst.CSTNode)


class _Copy(cst.CSTTransformer):
    def __init__(self, repl: Replacements, rename: Rename, marks: OriginMarks | None) -> None:
        self.repl = repl
        self.rename = rename
        self.marks = marks

    def on_visit(self, node: cst.CSTNode) -> bool:
        return node not in self.repl

    # LibCST types a leave as returning the node's own type; a replacement is any expression.
    def on_leave(self, original: cst.CSTNode, updated: cst.CSTNode) -> cst.CSTNode:  # type: ignore[override]
        result = self._leave(original, updated)
        if self.marks is not None:  # where the copy comes from (debugging, line numbers)
            self.marks.copied(result, original)
        return result

    def _leave(self, original: cst.CSTNode, updated: cst.CSTNode) -> cst.CSTNode:
        if original in self.repl:
            return self.repl[original]
        if type(original) is cst.Name and original in self.rename:
            assert isinstance(updated, cst.Name)
            return renamed(updated, self.rename[original])
        if isinstance(original, cst.ImportAlias):
            assert isinstance(updated, cst.ImportAlias)
            return rename_import_alias(original, updated, self.rename)
        return updated


def copy(node: N, repl: Replacements, rename: Rename, marks: OriginMarks | None = None) -> N:
    """``node`` as emitted: replacements applied (outermost wins), names renamed; ``marks``
    records where each emitted node comes from."""
    return cast(N, node.visit(_Copy(repl, rename, marks)))


#: Expressions that stand where a name stood without parentheses: ``2`` may not (``2.real``
#: does not parse, fuzz seed 741702), nor may ``-1`` (``-1 ** 2`` is ``-(1 ** 2)``).
_BARE = (cst.Name, cst.SimpleString, cst.Float, cst.Imaginary, cst.Ellipsis)


def renamed(node: cst.Name, to: str | cst.BaseExpression) -> cst.BaseExpression:
    """A Name after renaming: another identifier, or the expression a parameter stands for
    (parenthesized unless it is an atom that is safe in any position)."""
    if isinstance(to, str):
        return node.with_changes(value=to)
    if not to.lpar and not isinstance(to, _BARE):
        to = to.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
    # A node of its own at every use (even unchanged): positions are recorded per node, and
    # a shared one would give every use the position of the first (false line events).
    return to.with_changes(lpar=[*node.lpar, *to.lpar], rpar=[*to.rpar, *node.rpar])


def rename_import_alias(original: cst.ImportAlias, updated: cst.ImportAlias, rename: Rename) -> cst.ImportAlias:
    """``import os`` with ``os`` renamed binds the new name with ``as``, not another module."""
    if original.asname is None and isinstance(original.name, cst.Name) and original.name in rename:
        to = rename[original.name]
        assert isinstance(to, str)
        return updated.with_changes(name=original.name, asname=cst.AsName(name=cst.Name(to)))
    return updated
