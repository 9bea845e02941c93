"""Which original line each emitted statement comes from (``RewriteResult.origin_lines``).

While emitting, every statement is marked with its origin: unchanged code with its own
line, an inlined callee's statements with the callee's lines, scaffolding with the line of
the await it serves. After emission, one position pass turns the marks into a line map.
"""

from __future__ import annotations

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from ..analysis.scopes import ScopeIndex
from ..tree import children, is_statement_level

_LINES = (cst.SimpleStatementLine, cst.BaseCompoundStatement)


class OriginMarks:
    def __init__(self, index: ScopeIndex) -> None:
        self.index = index
        #: id(emitted statement) -> (statement, original line).
        self.origins: dict[int, tuple[cst.CSTNode, int]] = {}

    def mark(self, node: cst.CSTNode, line: int) -> None:
        """Remember the original line an emitted statement comes from (the first mark wins)."""
        self.origins.setdefault(id(node), (node, line))

    def mark_original(self, node: cst.CSTNode) -> None:
        """Mark an unchanged original subtree: each statement with its own line."""
        stack = [node]
        while stack:
            current = stack.pop()
            if isinstance(current, _LINES):
                self.mark(current, self.index.line(current))
                if isinstance(current, cst.SimpleStatementLine):
                    continue
            stack.extend(c for c in children(current) if is_statement_level(c))

    def mark_tree(self, node: cst.CSTNode, line: int) -> None:
        """Mark the statements inside ``node`` not marked yet: generated code maps to ``line``.

        A statement already marked had its own statements marked with it: not walked again.
        """
        stack = [node]
        while stack:
            current = stack.pop()
            if isinstance(current, _LINES):
                if id(current) in self.origins and current is not node:
                    continue
                self.mark(current, line)
                if isinstance(current, cst.SimpleStatementLine):
                    continue
            stack.extend(c for c in children(current) if is_statement_level(c))

    def origin_lines(self, module: cst.Module) -> list[int]:
        """For each output line, the input line it comes from."""
        positions = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
        n_lines = module.code.count("\n") + 1
        origin: list[int | None] = [None] * (n_lines + 1)
        # Outer statements first, so that the statements inside them override their lines.
        marked = sorted(
            ((positions[node], line, node) for node, line in self.origins.values() if node in positions),
            key=lambda item: (item[0].start.line, -item[0].end.line),
        )
        for pos, line, node in marked:
            if isinstance(node, cst.SimpleStatementLine):
                for k in range(pos.start.line, pos.end.line + 1):
                    origin[k] = line + (k - pos.start.line)
            else:
                origin[pos.start.line] = line
        out: list[int] = []
        last = 1
        for k in range(1, n_lines + 1):
            value = origin[k]
            if value is not None:
                last = value
            out.append(last if value is None else value)
        return out
