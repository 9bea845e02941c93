"""Rewrite one parsed module: analyse, plan, then emit the plan, with the line map."""

from __future__ import annotations

from collections.abc import Callable

import libcst as cst
from libcst.metadata import MetadataWrapper

from ..analysis.module import ModuleFacts
from ..analysis.scopes import ScopeIndex
from ..options import Options
from ..plan.names import FreshNames
from ..plan.planner import Planner
from ..report import FileReport
from ..tree import children_cache, starts_with_docstring, walk
from . import build as b
from .lines import OriginMarks, PositionMap
from .session import Emission
from .statements import emit_module


def rewrite_module(
    module: cst.Module, *, path: str, options: Options, module_name: str | None = None
) -> tuple[cst.Module, FileReport, Callable[[], PositionMap] | None]:
    """Inline what the plan inlines.

    Returns the new module, the report (read off the plan), and, when the module changed,
    a function computing its ``positions`` (see RewriteResult), which costs a pass of
    its own.
    """
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)  # the caller parsed it for us alone
    with children_cache():
        index = ScopeIndex(wrapper)
        facts = ModuleFacts(index, module_name, options.noinline)
        names = FreshNames(n.value for n in walk(index.module) if isinstance(n, cst.Name))
        plan = Planner(facts, options, names, path).plan()
        report = plan.report(path)
        if not plan.inlines_anything:
            return module, report, None
        emission = Emission(facts, options, names, OriginMarks(index))
        new_module = emit_module(emission, plan)
    new_module = _add_function_aliases(new_module, emission.ref_aliases)
    if emission.runtime_alias is not None:
        new_module = _add_runtime_import(new_module, emission.runtime_alias)
    return new_module, report, lambda: emission.marks.positions(new_module)


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
    at = 1 if starts_with_docstring(body) else 0
    while at < len(body) and _is_future_import(body[at]):
        at += 1
    imported = cst.Import(names=[cst.ImportAlias(name=cst.Name("runtime"), asname=cst.AsName(name=cst.Name(alias)))])
    body.insert(at, b.line(imported))
    return module.with_changes(body=body)


def _is_future_import(stmt: cst.BaseStatement) -> bool:
    return (
        isinstance(stmt, cst.SimpleStatementLine)
        and len(stmt.body) == 1
        and isinstance(stmt.body[0], cst.ImportFrom)
        and isinstance(stmt.body[0].module, cst.Name)
        and stmt.body[0].module.value == "__future__"
    )
