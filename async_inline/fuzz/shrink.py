"""Shrink a divergent program: remove statements and functions while the divergence persists.

Greedy one-at-a-time deletion over the LibCST tree (in the spirit of delta debugging),
repeated until no single deletion keeps the failure. A body left empty gets ``pass``.
"""

from __future__ import annotations

from typing import Callable

import libcst as cst


def _removable(module: cst.Module) -> list[cst.CSTNode]:
    """Statements that could go, largest first (whole functions before their statements)."""
    found: list[cst.CSTNode] = []

    class Collect(cst.CSTVisitor):
        def on_visit(self, node: cst.CSTNode) -> bool:
            if isinstance(node, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
                found.append(node)
            return True

    module.visit(Collect())
    return found


class _Remove(cst.CSTTransformer):
    def __init__(self, target: cst.CSTNode) -> None:
        self.target = target

    def on_leave(self, original, updated):  # type: ignore[override]
        if original is self.target:
            return cst.RemovalSentinel.REMOVE
        if isinstance(updated, cst.IndentedBlock) and not updated.body:
            return updated.with_changes(body=[cst.SimpleStatementLine([cst.Pass()])])
        return updated


def _without(source: str, index: int) -> str | None:
    module = cst.parse_module(source)
    candidates = _removable(module)
    if index >= len(candidates):
        return None
    try:
        code = module.visit(_Remove(candidates[index])).code
        compile(code, "<shrink>", "exec")
    except Exception:  # noqa: BLE001 - a deletion that breaks the program is just not taken
        return ""
    return code


def shrink(source: str, still_fails: Callable[[str], bool], budget: int = 400) -> str:
    """The smallest program found that still fails, within ``budget`` attempts."""
    attempts = 0
    changed = True
    while changed and attempts < budget:
        changed = False
        index = 0
        while attempts < budget:
            candidate = _without(source, index)
            if candidate is None:
                break
            attempts += 1
            if candidate and still_fails(candidate):
                source = candidate  # keep the deletion; the same index now names the next one
                changed = True
            else:
                index += 1
    return source
