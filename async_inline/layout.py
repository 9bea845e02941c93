"""Positions of LibCST nodes from one code-generation pass: LibCST's ``PositionProvider``
semantics, a few times faster.

The provider's code-generation state spends most of its time on things the rewriter does
not need: a ``CodePosition`` dataclass per node, dictionaries keyed by nodes (whose
``__hash__`` is Python code), a generator-based context manager per syntactic position,
and a regular expression per token. ``Layout`` computes the same ranges (same rules:
the whitespace-inclusive range unless the node records its syntactic range) as plain
tuples keyed by ``id``, valid while the laid-out tree is alive. It also keeps the text
it generated, and optionally every *occurrence* of every node other than formatting
(an emitted tree shares node objects between places; the provider keeps one range per
object). A caller may *seal* a node (``sealed``, which gives the node's range in the
original): its occurrence is recorded, those of the nodes inside it are not, and its
insides are generated as plainly as ``Module.code`` does (the import hook seals original
statements emitted as they were, generated at their original indentation: their text is
the original's, so their range is the original's moved to the line they start on).

Private LibCST API: the code generator's state (``_codegen``, ``before_codegen``,
``record_syntactic_position``). Pinned by tests/unit/test_scope_tree_and_positions.py,
which compares the ranges with the provider's on every node of a corpus.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from types import TracebackType

import libcst as cst
from libcst.metadata.position_provider import PositionProvidingCodegenState

from .tree import is_syntax

#: (start line, start column, end line, end column); 1-based lines, columns in characters.
Range = tuple[int, int, int, int]
#: An occurrence: the node, its range, the index of the enclosing occurrence (-1: none).
Occurrence = tuple[cst.CSTNode, Range, int]

_NEWLINE = re.compile(r"\r\n?|\n")


class Layout(PositionProvidingCodegenState):
    """The code-generation state: ``ranges`` (by ``id``) and, when asked, ``occurrences``."""

    def __init__(
        self, module: cst.Module, *, occurrences: bool = False, sealed: Callable[[cst.CSTNode, Sequence[str]], Range | None] | None = None
    ) -> None:
        super().__init__(default_indent=module.default_indent, default_newline=module.default_newline, provider=None)  # type: ignore[arg-type]
        self.ranges: dict[int, Range] = {}
        self.occurrences: list[Occurrence] | None = [] if occurrences else None
        #: The original range of a node whose insides are left out (given the indentation
        #: it is generated at), or None; ``sealed_at`` holds the indexes of those occurrences.
        self._sealed = sealed
        self.sealed_at: set[int] = set()
        #: How deep the node being generated is inside a sealed occurrence (0: not inside;
        #: 1: the sealed node itself). Inside, ``line`` and ``column`` lag behind the tokens
        #: from index ``_counted`` on, until ``_catch_up``.
        self._inside_sealed = 0
        self._counted = 0
        self._sealed_origin: Range = (0, 0, 0, 0)
        self._sealed_start: tuple[int, int] | None = None
        #: Per node being generated: where it starts, and its occurrence's index (-1: none).
        self._starts: list[tuple[int, int, int]] = []
        #: The indexes of the occurrences being generated, innermost last.
        self._open: list[int] = []

    # -- text ---------------------------------------------------------------------
    def add_indent_tokens(self) -> None:
        self.tokens.extend(self.indent_tokens)
        if not self._inside_sealed:
            for token in self.indent_tokens:  # indentation holds no newline
                self.column += len(token)

    def add_token(self, value: str) -> None:
        self.tokens.append(value)
        if not self._inside_sealed:
            self._advance(value)

    def _catch_up(self) -> None:
        """Count the lines and columns of the tokens added inside a sealed node so far."""
        text = "".join(self.tokens[self._counted :])
        self._counted = len(self.tokens)
        self._advance(text)

    def _advance(self, text: str) -> None:
        """Move ``line`` and ``column`` past ``text``, just generated."""
        if "\n" in text or "\r" in text:
            segments = _NEWLINE.split(text)
            self.line += len(segments) - 1
            self.column = len(segments[-1])
        else:
            self.column += len(text)

    # -- positions ------------------------------------------------------------------
    def before_codegen(self, node: cst.CSTNode) -> None:
        if self._inside_sealed:
            self._inside_sealed += 1
            return
        occurrences = self.occurrences
        at = -1
        if occurrences is not None and is_syntax(node):
            self.ranges.pop(id(node), None)  # a shared node: its range is this occurrence's
            opened = self._open
            at = len(occurrences)
            occurrences.append((node, (0, 0, 0, 0), opened[-1] if opened else -1))
            opened.append(at)
            origin = self._sealed(node, self.indent_tokens) if self._sealed is not None else None
            if origin is not None:
                self.sealed_at.add(at)
                self._inside_sealed, self._counted = 1, len(self.tokens)
                self._sealed_origin, self._sealed_start = origin, None
        self._starts.append((self.line, self.column, at))

    def after_codegen(self, node: cst.CSTNode) -> None:
        if self._inside_sealed > 1:
            self._inside_sealed -= 1
            return
        if self._inside_sealed:  # the sealed node: its range is its original's, moved
            self._catch_up()
            self._inside_sealed = 0
            if self._sealed_start is not None:
                line, column = self._sealed_start
                origin = self._sealed_origin
                self.ranges[id(node)] = (line, column, line + origin[2] - origin[0], origin[3])
        line, column, at = self._starts.pop()
        key = id(node)
        found = self.ranges.get(key)
        if found is None:  # the provider's rule: a syntactic range recorded inside wins
            found = self.ranges[key] = (line, column, self.line, self.column)
        if at >= 0:
            self._open.pop()
            occurrences = self.occurrences
            assert occurrences is not None
            occurrences[at] = (node, found, occurrences[at][2])

    def record_syntactic_position(  # type: ignore[override]
        self, node: cst.CSTNode, *, start_node: cst.CSTNode | None = None, end_node: cst.CSTNode | None = None
    ) -> _Syntactic | _Unrecorded:
        if self._inside_sealed:
            if self._inside_sealed == 1:  # the sealed node's own (statements have no start_node)
                self._catch_up()
                self._sealed_start = (self.line, self.column)
            return _UNRECORDED
        return _Syntactic(self, node, start_node, end_node)

    @property
    def code(self) -> str:
        return "".join(self.tokens)


class _Syntactic:
    """``with state.record_syntactic_position(node, ...)``: the range of the code generated
    inside, or from ``start_node``'s start to ``end_node``'s end (always recorded)."""

    __slots__ = ("layout", "node", "start_node", "end_node", "line", "column")

    def __init__(self, layout: Layout, node: cst.CSTNode, start_node: cst.CSTNode | None, end_node: cst.CSTNode | None) -> None:
        self.layout, self.node, self.start_node, self.end_node = layout, node, start_node, end_node
        self.line, self.column = layout.line, layout.column

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None) -> None:
        layout = self.layout
        ranges = layout.ranges
        start = ranges[id(self.start_node)][:2] if self.start_node is not None else (self.line, self.column)
        end = ranges[id(self.end_node)][2:] if self.end_node is not None else (layout.line, layout.column)
        ranges[id(self.node)] = (*start, *end)


class _Unrecorded:
    """A syntactic position inside a sealed node: nothing to record."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None) -> None:
        return None


_UNRECORDED = _Unrecorded()


def lay_out(
    module: cst.Module, *, occurrences: bool = False, sealed: Callable[[cst.CSTNode, Sequence[str]], Range | None] | None = None
) -> Layout:
    """Generate ``module``'s code, recording the range of every node (see ``Layout``)."""
    layout = Layout(module, occurrences=occurrences, sealed=sealed)
    module._codegen(layout)
    return layout


__all__ = ["Layout", "Occurrence", "Range", "lay_out"]
