"""Turning the bytes of one module into the code object the hook executes.

Inline with the library (``rewrite_source``), map every line of the rewritten code back
to the user's file (``origin_lines``), let an optional transform edit the tree (pytest's
assertion rewriting), and compile under the original filename: tracebacks, ``inspect``,
coverage and pytest all point at the user's file and lines.

Invariant: whatever happens to the rewrite, the module still compiles exactly as the
interpreter would compile it (``compile_original``); a genuine syntax error surfaces as
the interpreter's own SyntaxError for the original file.
"""

from __future__ import annotations

import ast
import re
import types
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, cast

from ..options import Options

if TYPE_CHECKING:
    from ..analysis.program import SourceProvider
from ..report import FileReport
from .policy import has_skip_marker


class Transform(Protocol):
    """An extra AST pass applied after inlining (e.g. pytest's assertion rewriting)."""

    #: Names everything the pass's output depends on; part of the cache key.
    salt: str

    def __call__(self, tree: ast.Module, source: bytes, path: str) -> None: ...


@dataclass
class Built:
    code: types.CodeType
    #: The rewrite's decisions; None when the rewriter did not run (opt-out marker, failure).
    report: FileReport | None
    #: Why the module was imported unchanged although the rewriter was asked to run.
    failure: str | None = None
    #: Files other than the module itself that the code depends on (see cache.py).
    dependencies: tuple[str, ...] = ()


class _Located(Protocol):
    """The position attributes of the nodes that have them (statements, expressions ...)."""

    lineno: int
    end_lineno: int | None
    col_offset: int
    end_col_offset: int | None


_LINE_END = re.compile(r"\r\n|\r|\n")


def compile_original(source: bytes, path: str, transform: Transform | None = None) -> types.CodeType:
    """What the interpreter (or pytest, with ``transform``) would compile for this file."""
    if transform is None:
        return compile(source, path, "exec", dont_inherit=True)
    tree = ast.parse(source, filename=path)
    transform(tree, source, path)
    return compile(tree, path, "exec", dont_inherit=True)


def build(
    source: bytes,
    path: str,
    options: Options,
    transform: Transform | None = None,
    module: str | None = None,
    sources: SourceProvider | None = None,
) -> Built:
    """Compile ``source`` (the bytes of ``path``, module ``module``) with its awaited calls
    inlined, when possible; ``sources`` finds the modules it may inline from."""
    if has_skip_marker(source):
        return Built(compile_original(source, path, transform), None)
    from ..api import rewrite_source  # the rewriter (and libcst) only when something is rewritten

    # Fallbacks compile outside the ``except`` blocks, so that a genuine SyntaxError is the
    # interpreter's own, not one raised "during handling of" the rewriter's error.
    try:
        result = rewrite_source(source, filename=path, options=options.replace(header=False), module=module, sources=sources)
    except Exception as exc:  # SourceError, InternalError, or a bug: the module must still import
        failure = f"{type(exc).__name__}: {exc}"
    else:
        depends = tuple(result.dependencies.values())
        if not result.changed:
            return Built(compile_original(source, path, transform), result.report, dependencies=depends)
        try:
            tree = ast.parse(result.code, filename=path)
            if result.origin_lines is not None:
                _map_lines(tree, result.code, _decoded(source, result.encoding), result.origin_lines)
            if transform is not None:
                transform(tree, source, path)
            return Built(compile(tree, path, "exec", dont_inherit=True), result.report, dependencies=depends)
        except Exception as exc:  # the rewriter promised compilable code; fall back all the same
            failure = f"{type(exc).__name__}: {exc}"
    return Built(compile_original(source, path, transform), None, failure=failure)


def _decoded(source: bytes, encoding: str) -> str:
    try:
        text = source.decode(encoding)
    except (LookupError, UnicodeDecodeError):
        return ""
    return text[1:] if text.startswith("\ufeff") else text


def _map_lines(tree: ast.Module, new_text: str, old_text: str, origin_lines: list[int]) -> None:
    """Give every node the position of the original line its line comes from.

    Columns (UTF-8 byte offsets) are kept where they can point at the same text on the
    user's line: shifted by the change of indentation when the generated line is the
    original one re-indented, or moved to the one place the node's text occurs on the
    original line (``return x`` became ``_ret = x``). Otherwise they are dropped (-1:
    no carets in tracebacks), because they would point into other text.
    """
    new_lines = [line.encode("utf-8") for line in _LINE_END.split(new_text)]
    old_lines = [line.encode("utf-8") for line in _LINE_END.split(old_text)]
    last = len(origin_lines)
    shifts: dict[int, int | None] = {}

    def origin(line: int) -> int:
        return origin_lines[min(max(line, 1), last) - 1] if last else line

    def text(lines: list[bytes], line: int) -> bytes | None:
        return lines[line - 1] if 0 < line <= len(lines) else None

    def shift(line: int) -> int | None:
        if line not in shifts:
            new, old = text(new_lines, line), text(old_lines, origin(line))
            if new is None or old is None or new.lstrip() != old.lstrip():
                shifts[line] = None
            else:
                shifts[line] = (len(old) - len(old.lstrip())) - (len(new) - len(new.lstrip()))
        return shifts[line]

    def relocate(line: int, col: int, end_col: int) -> int | None:
        """Where the node's text (on one line) sits on the original line, if exactly once."""
        new, old = text(new_lines, line), text(old_lines, origin(line))
        if new is None or old is None or not 0 <= col < end_col <= len(new):
            return None
        segment = new[col:end_col]
        return old.find(segment) if old.count(segment) == 1 else None

    for any_node in ast.walk(tree):
        if "lineno" not in any_node._attributes or not hasattr(any_node, "lineno"):
            continue
        node = cast(_Located, any_node)
        line, end = node.lineno, getattr(node, "end_lineno", None) or node.lineno
        col, end_col = node.col_offset, getattr(node, "end_col_offset", None)
        node.lineno, node.end_lineno = origin(line), origin(end)
        start_shift, end_shift = shift(line), shift(end)
        if col is None or col < 0 or end_col is None or node.end_lineno < node.lineno:
            new_col = new_end = None
        elif start_shift is not None and end_shift is not None:
            new_col, new_end = col + start_shift, end_col + end_shift
        elif line == end and (found := relocate(line, col, end_col)) is not None:
            new_col, new_end = found, found + (end_col - col)
        else:
            new_col = new_end = None
        if node.end_lineno < node.lineno:  # a construct spanning generated and callee lines
            node.end_lineno = node.lineno
        if new_col is None or new_end is None or (node.end_lineno == node.lineno and new_end < new_col):
            node.col_offset = node.end_col_offset = -1
        else:
            node.col_offset, node.end_col_offset = new_col, new_end
