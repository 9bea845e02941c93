"""Where each emitted node comes from, and which inlined frame it runs in.

While emitting, the emitter records for its output nodes:

* provenance (``copied``): a node that *is* original code (copied, renamed, or with holes
  replaced) comes from its original node; a node of another kind put in place of an
  original expression (the temporary holding an await's result, the
  ``(... if f is ref else await f())`` of an expression-form frame, an argument standing
  for a parameter) stands for it;
* statement marks (``mark``, ``mark_tree``): generated statements (guards, bindings,
  resets, lowered returns) run on behalf of one original line, the await site's;
* frames (``frame``): the output of an inlined body runs in a logical frame of the callee,
  whose parent is the frame the await was in.

After emission, ``positions`` reads the layout of the output (every occurrence of a node,
since unchanged expressions may be shared between an inlined copy and the callee's own
definition; the same pass generates the code) and returns a ``PositionMap``: the tree of output spans, each with its origin
and logical frame. The import hook positions the compiled code from it (``hook/build.py``).
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import libcst as cst

from ..analysis.callee import CalleeInfo
from ..analysis.scopes import ScopeIndex
from ..layout import Layout, Occurrence, Range
from ..tree import children, is_statement_level, is_statement_line

if TYPE_CHECKING:
    from .session import Frame


class Kind(enum.IntEnum):
    #: Original code (possibly renamed, with holes replaced): positions map exactly.
    COPY = 0
    #: Generated code standing for an original expression: its range, nothing finer.
    STANDS_FOR = 1
    #: Generated statements run for one original line: that line, no columns.
    SCAFFOLD = 2
    #: Generated code inside one of the above: derived from it.
    GENERATED = 3


@dataclass(frozen=True)
class InlinedFrame:
    """One inlined frame instance: a callee's body as emitted at one await."""

    #: Index of the frame the await was in; -1 for the physical function.
    parent: int
    #: The callee's function name (what its own frame would show).
    name: str
    #: Line of the callee's ``def`` (its ``co_firstlineno``).
    first_line: int
    #: The await's range in the parent's source (lines the parent frame shows).
    site: Range
    #: The callee's locals: (name in the source, name in the emitted code).
    local_names: tuple[tuple[str, str], ...]
    #: The callee's parameters, in order.
    params: tuple[str, ...] = ()
    #: The file of a callee of another module (None: this file).
    path: str | None = None
    #: Parameters standing for a value pasted where they are read, no variable holding
    #: them: (name in the source, the pasted expression's code, a literal or ``D[i]``).
    constants: tuple[tuple[str, str], ...] = ()
    #: Emitted names of ``local_names`` that are variables of a frame around (a parameter
    #: aliasing its argument): that frame's as well.
    borrowed: frozenset[str] = frozenset()


@dataclass
class Span:
    out: Range
    parent: int
    kind: Kind
    #: The original range (COPY, STANDS_FOR), or (line, -1, line, -1) for SCAFFOLD.
    origin: Range | None
    #: Index of the logical frame (-1: the physical function's own code).
    frame: int
    children: list[int] = field(default_factory=list)
    #: An original statement generated as it is in the input (``OriginMarks.sealed``): its
    #: text is the original's, so everything inside is where it was, a constant number of
    #: lines away, and in the same frame; the spans inside are not recorded.
    verbatim: bool = False


@dataclass
class PositionMap:
    """The output's spans (pre-order; span 0 is the module) and the inlined frames."""

    spans: list[Span]
    frames: list[InlinedFrame]

    def shifted(self, after: int) -> PositionMap:
        """The map once a line is inserted before output line ``after`` (the header)."""
        for span in self.spans:
            sl, sc, el, ec = span.out
            span.out = (sl + (sl >= after), sc, el + (el >= after), ec)
        return self

    def origin_lines(self, n_lines: int) -> list[int]:
        """For each output line, one input line it comes from (the first node starting on it)."""
        out: list[int | None] = [None] * (n_lines + 1)
        for span in self.spans:
            if span.origin is None:
                continue
            # The lines of a verbatim statement have no spans of their own: each is its original.
            for line in range(span.out[0], span.out[2] + 1 if span.verbatim else span.out[0] + 1):
                if 0 < line <= n_lines and out[line] is None:
                    out[line] = span.origin[0] + line - span.out[0]
        result: list[int] = []
        last = 1
        for value in out[1:]:
            last = value if value is not None else last
            result.append(last)
        return result


class OriginMarks:
    def __init__(self, index: ScopeIndex) -> None:
        self.index = index
        #: id(emitted statement) -> (statement, original line).
        self.origins: dict[int, tuple[cst.CSTNode, int]] = {}
        #: id(emitted node) -> (node, original node, kind).
        self.provenance: dict[int, tuple[cst.CSTNode, cst.CSTNode, Kind]] = {}
        #: id(emitted node) -> (node, inlined frame index).
        self.frame_marks: dict[int, tuple[cst.CSTNode, int]] = {}
        self.frames: list[InlinedFrame] = []
        self._frame_ids: dict[int, tuple[object, int]] = {}

    # -- statements -----------------------------------------------------------------
    def mark(self, node: cst.CSTNode, line: int) -> None:
        """Remember the original line an emitted statement comes from (the first mark wins)."""
        self.origins.setdefault(id(node), (node, line))

    def mark_tree(self, node: cst.CSTNode, line: int) -> None:
        """Mark the statements inside ``node`` not marked yet: generated code maps to ``line``.

        A statement already marked had its own statements marked with it: not walked again.
        """
        for current in _statements(node, lambda s: id(s) in self.origins and s is not node):
            self.mark(current, line)

    def line_of(self, node: cst.CSTNode) -> int | None:
        """The original line an emitted statement was marked with, if any."""
        entry = self.origins.get(id(node))
        return entry[1] if entry is not None and entry[0] is node else None

    def replaced(self, new: cst.CSTNode, old: cst.CSTNode) -> None:
        """``new`` is ``old`` rebuilt after the fact (return lowering): same marks."""
        for table in (self.origins, self.provenance, self.frame_marks):
            entry = table.get(id(old))
            if entry is not None and entry[0] is old:
                table.setdefault(id(new), (new, *entry[1:]))

    # -- nodes ----------------------------------------------------------------------
    def copied(self, new: cst.CSTNode, original: cst.CSTNode) -> None:
        """``new`` is ``original``'s code (renamed, holes replaced), or stands for it when it
        is another kind of node; the first record wins."""
        if new is not original:
            root, kind = self._root(original)
            kind = Kind.COPY if kind is Kind.COPY and type(new) is type(root) else Kind.STANDS_FOR
            self.provenance.setdefault(id(new), (new, root, kind))

    def _root(self, node: cst.CSTNode) -> tuple[cst.CSTNode, Kind]:
        record = self.provenance.get(id(node))
        return (record[1], record[2]) if record is not None and record[0] is node else (node, Kind.COPY)

    # -- frames ---------------------------------------------------------------------
    def frame_index(self, frame: object) -> int:
        """The index of an emitter frame (``session.Frame``); -1 for a physical one."""
        entry = self._frame_ids.get(id(frame))
        return entry[1] if entry is not None and entry[0] is frame else -1

    def open_frame(
        self,
        frame: Frame,
        parent: Frame,
        callee: CalleeInfo,
        site: cst.CSTNode,
        local_names: dict[str, str],
        constants: dict[str, cst.BaseExpression],
        borrowed: Collection[str],
    ) -> int:
        """Register the inlined frame ``frame`` (a callee inlined at ``site`` in ``parent``).

        Code of another module runs at the line of the await it was inlined at, in this
        file: its frame is listed (name, file, first line), its lines are not."""
        index = len(self.frames)
        parent_index = self.frame_index(parent)
        position = self.index.position(site)
        if position is not None:
            where = position
        else:  # a site in code of another module: where that code runs in this file
            assert parent_index >= 0, "an await of the original module"
            where = self.frames[parent_index].site
        code = frame.plan.facts
        self.frames.append(
            InlinedFrame(
                parent=parent_index,
                name=callee.name,
                first_line=code.index.line(callee.node),
                site=where,
                local_names=tuple(sorted(local_names.items())),
                params=tuple(p.name for p in callee.params),
                path=code.path if frame.plan.foreign else None,
                constants=tuple(sorted((name, cst.Module([]).code_for_node(value)) for name, value in constants.items())),
                borrowed=frozenset(borrowed),
            )
        )
        self._frame_ids[id(frame)] = (frame, index)
        return index

    def frame(self, nodes: Sequence[cst.CSTNode], frame: object) -> None:
        """``nodes`` (and what they hold, unless claimed before) run in the inlined ``frame``."""
        index = self.frame_index(frame)
        for node in nodes:
            self.frame_marks.setdefault(id(node), (node, index))

    # -- after emission ---------------------------------------------------------------
    def sealed(self, node: cst.CSTNode, indent: Sequence[str]) -> Range | None:
        """The original range of ``node`` if the layout can leave out its insides: an
        original statement of this module (emitted unchanged: the emitter keeps unchanged
        subtrees as they are) generated at its original indentation, so with its original
        text (``place`` checks the lines)."""
        if not is_statement_line(node):
            return None
        original = self.index.indentation(node)
        return self.index.position(node) if original is not None and original == "".join(indent) else None

    def positions(self, layout: Layout) -> PositionMap:
        """Every node occurrence's origin and frame, from the layout of the emitted module
        (``lay_out(module, occurrences=True)``: the output shares expression objects
        between places)."""
        occurrences = layout.occurrences
        assert occurrences is not None, "laid out without occurrences"
        spans: list[Span] = []
        original = self.index.module
        sealed = layout.sealed_at
        for at, (node, out, parent) in enumerate(occurrences):
            up = spans[parent] if parent >= 0 else None
            kind, origin = self._origin(node, original)
            mark = self.frame_marks.get(id(node))
            frame = mark[1] if mark is not None and mark[0] is node else (up.frame if up is not None else -1)
            verbatim = at in sealed and kind is Kind.COPY and origin is not None
            spans.append(Span(out, parent, kind, origin, frame, verbatim=verbatim))
            if up is not None:
                up.children.append(len(spans) - 1)
        _place_unmarked_statements(spans, occurrences)
        return PositionMap(spans, self.frames)

    def _origin(self, node: cst.CSTNode, original: cst.Module) -> tuple[Kind, Range | None]:
        source, kind = self._root(node)
        if source is original:
            return kind, (1, 0, 1, 0)
        position = self.index.position(source)
        if position is not None:
            return kind, position
        line = self.origins.get(id(node))
        if line is not None and line[0] is node:
            return Kind.SCAFFOLD, (line[1], -1, line[1], -1)
        return Kind.GENERATED, None


def _statements(node: cst.CSTNode, skip: Callable[[cst.CSTNode], bool]) -> Iterator[cst.CSTNode]:
    """The statements in ``node`` (``node`` first), not descending into those ``skip`` names."""
    stack = [node]
    while stack:
        current = stack.pop()
        if is_statement_line(current):
            if skip(current):
                continue
            yield current
            if isinstance(current, cst.SimpleStatementLine):
                continue
        stack.extend(c for c in children(current) if is_statement_level(c))


def _place_unmarked_statements(spans: list[Span], occurrences: list[Occurrence]) -> None:
    """A generated statement nobody marked (``_ai_ref_f = f`` after ``async def f``, the
    runtime import, a ``global`` declaration) runs at the first line of the statement
    before it (a function's ``def`` line, a docstring's first line: where that statement's
    line event is), or at the first line of the statement after it: lines that run
    anyway, so it creates no false coverage (the last line of a multi-line docstring, or
    of a compound statement's body, may have no line event of its own)."""
    for parent in spans:
        siblings = [i for i in parent.children if is_statement_line(occurrences[i][0])]
        for k, i in enumerate(siblings):
            if spans[i].kind is not Kind.GENERATED:
                continue
            before = [j for j in siblings[:k] if spans[j].origin is not None]
            after = [j for j in siblings[k + 1 :] if spans[j].origin is not None]
            line: int | None = None
            if before:
                origin = spans[before[-1]].origin
                assert origin is not None
                # A definition's span starts at ``def``/``class`` (decorators run before it).
                line = origin[0]
            elif after:
                origin = spans[after[0]].origin
                assert origin is not None
                line = origin[0]
            if line is not None:
                spans[i].kind, spans[i].origin = Kind.SCAFFOLD, (line, -1, line, -1)


__all__ = ["InlinedFrame", "Kind", "OriginMarks", "PositionMap", "Span"]
