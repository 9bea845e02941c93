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
from typing import Optional, Protocol

from ..options import Options
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
    report: Optional[FileReport]
    #: Why the module was imported unchanged although the rewriter was asked to run.
    failure: Optional[str] = None
    #: Files other than the module itself that the code depends on (see cache.py).
    dependencies: tuple[str, ...] = ()


_LINE_END = re.compile(r"\r\n|\r|\n")


def compile_original(source: bytes, path: str, transform: Optional[Transform] = None) -> types.CodeType:
    """What the interpreter (or pytest, with ``transform``) would compile for this file."""
    if transform is None:
        return compile(source, path, "exec", dont_inherit=True)
    tree = ast.parse(source, filename=path)
    transform(tree, source, path)
    return compile(tree, path, "exec", dont_inherit=True)


def build(source: bytes, path: str, options: Options, transform: Optional[Transform] = None) -> Built:
    """Compile ``source`` (the bytes of ``path``) with its awaited calls inlined, when possible."""
    if has_skip_marker(source):
        return Built(compile_original(source, path, transform), None)
    from ..api import rewrite_source  # the rewriter (and libcst) only when something is rewritten

    # Fallbacks compile outside the ``except`` blocks, so that a genuine SyntaxError is the
    # interpreter's own, not one raised "during handling of" the rewriter's error.
    try:
        result = rewrite_source(source, filename=path, options=options.replace(header=False))
    except Exception as exc:  # SourceError, InternalError, or a bug: the module must still import
        failure = f"{type(exc).__name__}: {exc}"
    else:
        if not result.changed:
            return Built(compile_original(source, path, transform), result.report)
        try:
            tree = ast.parse(result.code, filename=path)
            if result.origin_lines is not None:
                _map_lines(tree, result.code, _decoded(source, result.encoding), result.origin_lines)
            if transform is not None:
                transform(tree, source, path)
            return Built(compile(tree, path, "exec", dont_inherit=True), result.report)
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

    Columns are kept (shifted by the change of indentation) when the generated line is the
    original line re-indented; otherwise they are dropped (-1: no caret in tracebacks),
    because they would point into text that is not on the user's line.
    """
    new_lines = _LINE_END.split(new_text)
    old_lines = _LINE_END.split(old_text)
    last = len(origin_lines)
    shifts: dict[int, Optional[int]] = {}

    def origin(line: int) -> int:
        return origin_lines[min(max(line, 1), last) - 1] if last else line

    def shift(line: int) -> Optional[int]:
        if line not in shifts:
            target = origin(line)
            new = new_lines[line - 1] if 0 < line <= len(new_lines) else None
            old = old_lines[target - 1] if 0 < target <= len(old_lines) else None
            if new is None or old is None or new.lstrip() != old.lstrip():
                shifts[line] = None
            else:
                shifts[line] = (len(old) - len(old.lstrip())) - (len(new) - len(new.lstrip()))
        return shifts[line]

    for node in ast.walk(tree):
        if "lineno" not in node._attributes or not hasattr(node, "lineno"):
            continue
        line, end = node.lineno, getattr(node, "end_lineno", None) or node.lineno
        start_shift, end_shift = shift(line), shift(end)
        node.lineno = origin(line)
        node.end_lineno = origin(end)
        if node.end_lineno < node.lineno:  # a construct spanning generated and callee lines
            node.end_lineno = node.lineno
            start_shift = end_shift = None
        if start_shift is None or end_shift is None or node.col_offset < 0:
            node.col_offset = node.end_col_offset = -1
        else:
            node.col_offset += start_shift
            node.end_col_offset = (node.end_col_offset or 0) + end_shift
            if node.end_lineno == node.lineno and node.end_col_offset < node.col_offset:
                node.col_offset = node.end_col_offset = -1

