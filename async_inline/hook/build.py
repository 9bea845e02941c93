"""Turning the bytes of one module into the code object the hook executes.

Inline with the library (``rewrite_source``), give every node of the rewritten code the
position of the original code it comes from (``positions.place``), let an optional
transform edit the tree (pytest's assertion rewriting), compile under the original
filename, and attach the map of inlined frames to the code objects
(``positions.attach_frames``): tracebacks, ``inspect``, coverage, pytest and debuggers
all point at the user's file and lines.

Invariant: whatever happens to the rewrite, the module still compiles exactly as the
interpreter would compile it (``compile_original``); a genuine syntax error surfaces as
the interpreter's own SyntaxError for the original file. Compile-time warnings are the
original's, issued once: by the rewriter's compilation of the original (``api``), else by
``compile_original``; every other parse and compilation here is quiet
(``pyast.compile_quietly``).
"""

from __future__ import annotations

import ast
import types
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from .. import collector
from ..api import has_skip_marker
from ..errors import SourceError
from ..options import Options
from ..pyast import compile_quietly, parse_quietly
from ..report import FileReport
from .positions import attach_frames, place

if TYPE_CHECKING:
    from ..analysis.program import SourceProvider


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


def compile_original(source: bytes, path: str, transform: Transform | None = None, *, quiet: bool = False) -> types.CodeType:
    """What the interpreter (or pytest, with ``transform``) would compile for this file;
    ``quiet``: without its warnings (issued already)."""
    if transform is None:
        return compile_quietly(source, path) if quiet else compile(source, path, "exec", dont_inherit=True)
    tree = parse_quietly(source) if quiet else ast.parse(source, filename=path)
    transform(tree, source, path)
    return compile_quietly(tree, path) if quiet else compile(tree, path, "exec", dont_inherit=True)


def _recompile_original(source: bytes, path: str, transform: Transform | None, error: SourceError) -> types.CodeType:
    """``compile_original`` after the rewriter refused the source (``error``), with the
    original's warnings issued once."""
    failed = error.__cause__
    if isinstance(failed, (SyntaxError, ValueError)):
        # The rewriter's compilation of the original failed, after issuing the warnings
        # before the error: the interpreter's own error (under ``-W error``, the first warning).
        raise failed.with_traceback(None)
    try:  # compiled by the rewriter before it refused it (LibCST's grammar lags behind)
        return compile_original(source, path, transform, quiet=True)
    except SyntaxError:
        pass
    return compile_original(source, path, transform)  # not compiled (undecodable): the interpreter's error


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
    with collector.paused():
        return _build(source, path, options, transform, module, sources)


def _build(
    source: bytes, path: str, options: Options, transform: Transform | None, module: str | None, sources: SourceProvider | None
) -> Built:
    from ..api import rewrite_source  # the rewriter (and libcst) only when something is rewritten

    # Fallbacks compile outside the ``except`` blocks, so that a genuine SyntaxError is the
    # interpreter's own, not one raised "during handling of" the rewriter's error.
    refused: SourceError | None = None
    try:
        # Not checked by compiling: it is compiled below, with the same fallback.
        result = rewrite_source(
            source, filename=path, options=options.replace(header=False, reference_files=True), module=module, sources=sources, positions=True, check=False
        )
    except Exception as exc:  # SourceError, InternalError, or a bug: the module must still import
        failure = f"{type(exc).__name__}: {exc}"
        refused = exc if isinstance(exc, SourceError) else None
    else:
        if not result.changed:
            if result.input_code is None:  # not compiled (the file carries the header)
                return Built(compile_original(source, path, transform), result.report)
            code = result.input_code if transform is None else compile_original(source, path, transform, quiet=True)
            return Built(code, result.report)
        try:
            tree = parse_quietly(result.code)
            original = _decoded(source, result.encoding)
            frames: dict[int, int] = {}
            if result.positions is not None:
                frames = place(tree, result.positions, result.code, original)
            if transform is not None:
                transform(tree, source, path)
            code = compile_quietly(tree, path)
            if result.positions is not None and result.positions.frames:
                code = attach_frames(code, tree, frames, result.positions.frames, original)
            return Built(code, result.report)
        except Exception as exc:  # the rewriter promised compilable code; fall back all the same
            failure = f"{type(exc).__name__}: {exc}"
    if refused is not None:
        return Built(_recompile_original(source, path, transform, refused), None, failure=failure)
    # The rewriter compiled the original (with its warnings) before it failed.
    return Built(compile_original(source, path, transform, quiet=True), None, failure=failure)


def _decoded(source: bytes, encoding: str) -> str:
    try:
        text = source.decode(encoding)
    except (LookupError, UnicodeDecodeError):
        return ""
    return text[1:] if text.startswith("\ufeff") else text
