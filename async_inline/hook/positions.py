"""Positions and logical frames of the code the hook compiles.

``place`` gives every node of the rewritten module's AST the position of the original code
it comes from, read off the emitter's ``PositionMap`` (``transform/lines.py``): original
code keeps its exact lines and columns (a statement emitted as it was, a verbatim span, is
moved to its lines in one go), inlined callee code the callee's, scaffolding the line of
the await it serves and no columns.

``attach_frames`` records, in each code object holding inlined code, which inlined frame
every instruction belongs to: the *source map* that ``async_inline.debug`` reads to list
the frames the original program would have had. The compiler says which instruction comes
from which node only through positions, so the module is compiled a second time with each
node's column set to its frame's number (lines unchanged, so the bytecode is the same: the
code is checked to be, but for the numbering of constants, as equal nested code objects
are merged into one constant in the real compilation only) and the columns are read back
with ``co_positions``. The map is
stored as the last constant of the code object: constants no instruction loads change
nothing at run time, and the map then travels with the code through ``marshal`` (the
hook's cache) without any registry. On Python 3.10 (no ``co_positions``) no map is made.
"""

from __future__ import annotations

import ast
import bisect
import dis
import re
import sys
import types
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from ..pyast import child_nodes, compile_quietly, walk

if TYPE_CHECKING:
    from ..transform.lines import InlinedFrame, Kind, PositionMap, Span

#: First element of the constant holding a code object's map; bump the version with the format.
MARKER = "async_inline.frames/1"
_LINE_END = re.compile(r"\r\n|\r|\n")
_IDENTIFIER = re.compile(r"[^\W\d]\w*")
#: (line, column, end line, end column); -1 columns: none.
Position = tuple[int, int, int, int]


class _Text:
    """Lines of one text, with character <-> UTF-8 byte column conversions."""

    def __init__(self, text: str) -> None:
        self.lines = _LINE_END.split(text)
        self._encoded: dict[int, bytes] = {}
        #: Byte and character columns are the same everywhere (most source code).
        self._ascii = text.isascii()

    def line(self, number: int) -> str:
        return self.lines[number - 1] if 0 < number <= len(self.lines) else ""

    def _bytes(self, number: int) -> bytes:
        if number not in self._encoded:
            self._encoded[number] = self.line(number).encode("utf-8")
        return self._encoded[number]

    def to_chars(self, number: int, col: int) -> int:
        if self._ascii:
            return col
        data = self._bytes(number)
        return col if len(data) == len(self.line(number)) else len(data[:col].decode("utf-8", "replace"))

    def to_bytes(self, number: int, col: int) -> int:
        if self._ascii:
            return col
        text = self.line(number)
        return col if len(self._bytes(number)) == len(text) else len(text[:col].encode("utf-8"))


def place(tree: ast.Module, positions: PositionMap, new_text: str, old_text: str) -> dict[int, int]:
    """Position every node of ``tree`` (parsed from ``new_text``) in ``old_text``.

    Returns the logical frame of each node, by ``id``: the index of its inlined frame in
    ``positions.frames``, or -1 for the physical function's own code.
    """
    from ..transform.lines import Kind  # the rewriter (and libcst) is loaded when this runs

    new, old = _Text(new_text), _Text(old_text)
    spans = positions.spans
    starts: dict[int, list[tuple[int, int]]] = {}
    frames: dict[int, int] = {}
    stack: list[tuple[Any, int]] = [(tree, 0)]  # Any: the located nodes (stmt, expr, arg ...)
    while stack:
        node, at = stack.pop()
        if "lineno" in node._attributes and hasattr(node, "lineno"):
            line, end = node.lineno, getattr(node, "end_lineno", None) or node.lineno
            col, end_col = node.col_offset, getattr(node, "end_col_offset", None)
            if end_col is None or col < 0 or end_col < 0:
                wanted = (line, 0, end, 0)
            else:
                wanted = (line, new.to_chars(line, col), end, new.to_chars(end, end_col))
            at, exact = _innermost(spans, at, wanted, starts)
            if exact is not None and spans[exact].verbatim and _shifted(node, spans[exact], wanted, new, old, frames):
                continue
            position = _map(spans, at, exact, wanted, new, old, Kind)
            node.lineno, node.end_lineno = position[0], max(position[0], position[2])
            node.col_offset, node.end_col_offset = position[1], position[3]
            frames[id(node)] = spans[at].frame
        stack.extend((child, at) for child in child_nodes(node))
    return frames


def _shifted(node: Any, span: Span, wanted: Position, new: _Text, old: _Text, frames: dict[int, int]) -> bool:
    """Position ``node`` and everything inside it, the output of a verbatim span
    (``Span.verbatim``), by moving it to the original lines, if the lines are indeed the
    same text (then so are the columns, in bytes as in characters)."""
    origin = span.origin
    assert origin is not None
    if wanted != span.out or origin[1] != wanted[1] or origin[3] != wanted[3] or origin[2] - origin[0] != wanted[2] - wanted[0]:
        return False
    if new.lines[wanted[0] - 1 : wanted[2]] != old.lines[origin[0] - 1 : origin[2]]:
        return False
    delta, frame = origin[0] - wanted[0], span.frame
    located: Any
    for located in walk(node):
        if "lineno" in located._attributes and hasattr(located, "lineno"):
            located.lineno += delta
            if getattr(located, "end_lineno", None) is not None:
                located.end_lineno += delta
            frames[id(located)] = frame
    return True


def _contains(outer: Position, inner: Position) -> bool:
    return outer[:2] <= inner[:2] and outer[2:] >= inner[2:]


def _innermost(spans: list[Span], at: int, wanted: Position, starts: dict[int, list[tuple[int, int]]]) -> tuple[int, int | None]:
    """The deepest span below ``at`` containing ``wanted``, and the deepest one with an
    origin whose range is exactly ``wanted`` (None if there is none)."""
    exact = at if spans[at].out == wanted and spans[at].origin is not None else None
    while True:
        kids = spans[at].children
        if at not in starts:
            starts[at] = [spans[k].out[:2] for k in kids]
        i = bisect.bisect_right(starts[at], wanted[:2]) - 1
        found = None
        while i >= 0 and found is None:
            candidate = spans[kids[i]].out
            if _contains(candidate, wanted) and candidate[:2] != candidate[2:]:
                found = kids[i]
            elif candidate[2:] <= wanted[:2] and candidate[:2] != candidate[2:]:
                break  # siblings do not overlap: nothing earlier contains it
            i -= 1
        if found is None:
            return at, exact
        at = found
        if spans[at].out == wanted and spans[at].origin is not None:
            exact = at


def _map(spans: list[Span], at: int, exact: int | None, wanted: Position, new: _Text, old: _Text, Kind: type[Kind]) -> Position:
    """The original position of the node at ``wanted``, innermost span ``at``."""
    if exact is not None:
        origin = spans[exact].origin
        assert origin is not None
        if spans[exact].kind is Kind.SCAFFOLD or origin[1] < 0:
            return origin[0], -1, origin[0], -1
        return origin[0], old.to_bytes(origin[0], origin[1]), origin[2], old.to_bytes(origin[2], origin[3])
    span = spans[at]
    while span.origin is None and span.parent >= 0:
        span = spans[span.parent]
    origin = span.origin
    if origin is None:
        return 1, -1, 1, -1
    if span.kind is not Kind.COPY or origin[1] < 0:
        return origin[0], -1, origin[0], -1
    # Inside original code, on a node the emitter did not see (``arg``, ``keyword``, a
    # lowered ``return``'s assignment): the same offsets from the enclosing original node.
    out = span.out
    line = min(max(origin[0] + wanted[0] - out[0], origin[0]), origin[2])
    end = min(max(origin[0] + wanted[2] - out[0], line), origin[2])
    if wanted[0] != wanted[2]:
        return line, -1, end, -1
    text = new.line(wanted[0])[wanted[1] : wanted[3]]
    target = old.line(line)
    col = origin[1] + wanted[1] - out[1] if wanted[0] == out[0] else wanted[1]
    if not text or target[col : col + len(text)] != text:
        col = target.find(text) if text and target.count(text) == 1 else -1
    if col < 0:
        return line, -1, line, -1
    return line, old.to_bytes(line, col), line, old.to_bytes(line, col + len(text))


# -- the source map ---------------------------------------------------------------------

if sys.version_info >= (3, 11):
    COLUMNS = True

    def instruction_positions(code: types.CodeType) -> list[tuple[int | None, int | None, int | None, int | None]]:
        """One position per 2-byte code unit of ``code`` (``co_positions``)."""
        return list(code.co_positions())

else:  # pragma: no cover - Python 3.10 has no columns per instruction
    COLUMNS = False

    def instruction_positions(code: types.CodeType) -> list[tuple[int | None, int | None, int | None, int | None]]:
        return []


def instruction_columns(code: types.CodeType) -> list[int | None]:
    return [position[2] for position in instruction_positions(code)]



def attach_frames(code: types.CodeType, tree: ast.Module, frames: dict[int, int], table: Sequence[InlinedFrame], old_text: str) -> types.CodeType:
    """``code`` (compiled from ``tree``) with each code object's map of inlined frames.

    ``frames`` is what ``place`` returned; nodes added since (pytest's assertion rewriting)
    take the frame of the node whose position they copied, else of their parent.
    """
    if not COLUMNS:
        return code
    by_position: dict[tuple[int, int, int | None, int | None], set[int]] | None = None
    located: list[tuple[Any, int]] = []
    for node, parent_frame in _with_parents(tree, frames):
        if "lineno" not in node._attributes or not hasattr(node, "lineno"):
            continue  # its children take its parent's frame (``_with_parents``)
        frame = frames.get(id(node))
        if frame is None:  # a node a transform added; positions are all still true here
            if by_position is None:
                by_position = _frames_by_position(tree, frames)
            same = by_position.get(_key(node), set())
            frame = frames[id(node)] = next(iter(same)) if len(same) == 1 else parent_frame
        located.append((node, frame + 1))
    for node, tag in located:
        node.col_offset = node.end_col_offset = tag
    tagged = compile_quietly(tree, code.co_filename)  # its warnings are the real compilation's
    return _attach(code, tagged, table, _Text(old_text), set(_IDENTIFIER.findall(old_text)))


def _frames_by_position(tree: ast.AST, frames: dict[int, int]) -> dict[tuple[int, int, int | None, int | None], set[int]]:
    """The frames of the placed nodes at each position (a node a transform copied a
    position to takes the frame when only one frame has nodes there)."""
    by_position: dict[tuple[int, int, int | None, int | None], set[int]] = {}
    for node in walk(tree):
        if id(node) in frames:
            by_position.setdefault(_key(node), set()).add(frames[id(node)])
    return by_position


def _key(node: ast.AST) -> tuple[int, int, int | None, int | None]:
    return (getattr(node, "lineno", 0), getattr(node, "col_offset", 0), getattr(node, "end_lineno", None), getattr(node, "end_col_offset", None))


def _with_parents(tree: ast.AST, frames: dict[int, int]) -> Iterator[tuple[ast.AST, int]]:
    stack: list[tuple[ast.AST, int]] = [(tree, -1)]
    while stack:
        node, parent_frame = stack.pop()
        yield node, parent_frame
        frame = frames.get(id(node), parent_frame)
        stack.extend((child, frame) for child in child_nodes(node))


def _attach(
    code: types.CodeType,
    tagged: types.CodeType,
    table: Sequence[InlinedFrame],
    text: _Text,
    identifiers: set[str],
    outer: frozenset[int] = frozenset(),
) -> types.CodeType:
    """``code`` and the code objects it holds, each with its map, read off ``tagged``.

    ``outer``: the frames of the code around this code object (its definition's frame and
    that frame's parents). Nodes in a nested function's body inherit them, and the loop of
    a generator expression is placed at the expression, in the code around it: in this
    code object they are no frame (its own code); only frames inlined inside it are."""
    columns = instruction_columns(tagged)
    pairs = _paired_constants(code, tagged)
    consts = list(code.co_consts)
    if pairs is not None:
        twins: dict[int, list[tuple[int, int]]] = {}
        for i, j, unit in pairs:
            twins.setdefault(i, []).append((j, unit))
        for i, uses in twins.items():
            if not isinstance(consts[i], types.CodeType):
                continue
            # Identical code objects inlined at two sites are one constant of ``code`` (the
            # compiler merges equal constants) but two of ``tagged`` (their tags differ):
            # one map if they agree, else none for that function.
            made = {
                _attach(code.co_consts[i], tagged.co_consts[j], table, text, identifiers, outer | _chain(table, (columns[unit] or 0) - 1))
                for j, unit in uses
                if isinstance(tagged.co_consts[j], types.CodeType)
            }
            if len(made) == 1:
                consts[i] = made.pop()
        runs = [run for run in _runs(columns) if run[2] not in outer]
        # A function holding generated variables but no inlined instruction (before 3.12 the
        # walrus temporaries of a site inside a comprehension are cells of the function
        # around it) gets a map too: its own locals, without them (review R9 f4).
        if runs or any(n.startswith("_ai") and n not in identifiers for n in (*code.co_varnames, *code.co_cellvars)):
            consts.append(_encode(code, runs, table, text, identifiers))
    return code.replace(co_consts=tuple(consts))


def _chain(table: Sequence[InlinedFrame], frame: int) -> frozenset[int]:
    """``frame`` and its parents."""
    out: set[int] = set()
    while frame >= 0:
        out.add(frame)
        frame = table[frame].parent
    return frozenset(out)


_EXTENDED_ARG = dis.opmap["EXTENDED_ARG"]
_HAS_CONST = frozenset(dis.hasconst)


def _paired_constants(code: types.CodeType, tagged: types.CodeType) -> list[tuple[int, int, int]] | None:
    """(constant of ``code``, constant of ``tagged``, code unit) for each instruction loading
    a constant, if the two have the same instructions (constants aside: equal ones may be
    merged in one and not the other); None if they differ otherwise."""
    mine, theirs = code.co_code, tagged.co_code
    if len(mine) != len(theirs):
        return None
    pairs: list[tuple[int, int, int]] = []
    extended_mine = extended_theirs = 0
    for offset in range(0, len(mine), 2):
        op = mine[offset]
        if op != theirs[offset]:
            return None
        arg_mine, arg_theirs = extended_mine | mine[offset + 1], extended_theirs | theirs[offset + 1]
        if op == _EXTENDED_ARG:
            extended_mine, extended_theirs = arg_mine << 8, arg_theirs << 8
            continue
        extended_mine = extended_theirs = 0
        if op in _HAS_CONST:
            pairs.append((arg_mine, arg_theirs, offset // 2))
        elif arg_mine != arg_theirs:
            return None
    return pairs


def _runs(tags: list[int | None]) -> list[tuple[int, int, int]]:
    """(start offset, end offset, frame) for each run of instructions in one inlined frame."""
    runs: list[tuple[int, int, int]] = []
    for unit, tag in enumerate(tags):
        frame = (tag or 0) - 1
        if frame < 0:
            continue
        if runs and runs[-1][1] == 2 * unit and runs[-1][2] == frame:
            runs[-1] = (runs[-1][0], 2 * unit + 2, frame)
        else:
            runs.append((2 * unit, 2 * unit + 2, frame))
    return runs


def _encode(
    code: types.CodeType, runs: list[tuple[int, int, int]], table: Sequence[InlinedFrame], text: _Text, identifiers: set[str]
) -> tuple[object, ...]:
    """The constant: (MARKER, frames, runs, own locals), frames renumbered to those the runs
    need; a frame is (parent, name, def line, await site, (source name, emitted name)...,
    parameters, file of a callee of another module or None, (source name, pasted code)...).
    Own locals: the function's own, neither an inlined callee's (a variable a parameter
    aliases stays the frame's around too) nor generated (generated names are never
    identifiers of the module)."""
    needed: set[int] = set()
    for _, _, frame in runs:
        while frame >= 0 and frame not in needed:
            needed.add(frame)
            frame = table[frame].parent
    order = sorted(needed)
    number = {old: new for new, old in enumerate(order)}
    frames = []
    for old in order:
        entry = table[old]
        line, col, end, end_col = entry.site
        site = (line, text.to_bytes(line, col), end, text.to_bytes(end, end_col))
        frames.append((number.get(entry.parent, -1), entry.name, entry.first_line, site, entry.local_names, entry.params, entry.path, entry.constants))
    emitted = {name for old in order for _, name in table[old].local_names if name not in table[old].borrowed}
    own = tuple(n for n in (*code.co_varnames, *code.co_cellvars) if n in identifiers and n not in emitted)
    return (MARKER, tuple(frames), tuple((start, stop, number[frame]) for start, stop, frame in runs), own)
