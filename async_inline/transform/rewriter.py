"""Rewrite one parsed module: analysis, expansion of the await sites, and the line map."""

from __future__ import annotations

from collections.abc import Callable

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from ..analysis.scopes import ScopeIndex, children_cache
from ..options import Options
from ..report import FileReport
from . import build as b
from .expander import Expander
from .frame import Session


def rewrite_module(
    module: cst.Module, *, report: FileReport, options: Options
) -> tuple[cst.Module, Callable[[], list[int]] | None]:
    """Inline what can be inlined; decisions go to ``report``.

    Returns the new module and, when it changed, a function computing its
    ``origin_lines`` (see RewriteResult), which costs a pass of its own.
    """
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)  # the caller parsed it for us alone
    with children_cache():
        session = Session(ScopeIndex(wrapper), options, report)
        new_module = wrapper.module.visit(Expander(session))
    report.inlined.sort(key=lambda d: (d.line, d.depth))
    report.skipped.sort(key=lambda d: d.line)
    if not report.inlined:
        return module, None
    new_module = _add_function_aliases(new_module, session.ref_aliases)
    if session._runtime_alias is not None:
        new_module = _add_runtime_import(new_module, session._runtime_alias)
    return new_module, lambda: _origin_lines(new_module, session)


def _add_function_aliases(module: cst.Module, aliases: dict[str, str]) -> cst.Module:
    """``_ai_ref_f = f`` right after ``async def f``: the object guards compare against."""
    body: list[cst.BaseStatement] = []
    for stmt in module.body:
        body.append(stmt)
        if isinstance(stmt, cst.FunctionDef) and stmt.name.value in aliases:
            body.append(b.line(b.assign(aliases[stmt.name.value], b.name(stmt.name.value))))
    return module.with_changes(body=body)


def _add_runtime_import(module: cst.Module, alias: str) -> cst.Module:
    """``import runtime as _ai_rt`` after the docstring and ``__future__`` imports."""
    body = list(module.body)
    at = 0
    for i, stmt in enumerate(body):
        if isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1:
            small = stmt.body[0]
            if i == 0 and isinstance(small, cst.Expr) and isinstance(small.value, (cst.SimpleString, cst.ConcatenatedString)):
                at = i + 1
                continue
            if isinstance(small, cst.ImportFrom) and isinstance(small.module, cst.Name) and small.module.value == "__future__":
                at = i + 1
                continue
        break
    imported = cst.Import(names=[cst.ImportAlias(name=cst.Name("runtime"), asname=cst.AsName(name=cst.Name(alias)))])
    body.insert(at, b.line(imported))
    return module.with_changes(body=body)


def _origin_lines(module: cst.Module, session: Session) -> list[int]:
    """For each output line, the input line it comes from (see RewriteResult.origin_lines)."""
    positions = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    n_lines = module.code.count("\n") + 1
    origin: list[int | None] = [None] * (n_lines + 1)
    # Outer statements first, so that the statements inside them override their lines.
    marked = sorted(
        ((positions[node], line, node) for node, line in session.origins.values() if node in positions),
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
