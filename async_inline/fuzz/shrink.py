"""Shrink a failing program: simplify it while the failure persists (greedy delta debugging).

Edits, tried biggest first: remove a statement (a whole function or class included),
replace a compound statement by its body, drop an ``else``/``finally`` clause or an
``except`` handler, drop a decorator, replace an operation by one of its operands. Each
edit that leaves a program that compiles and still fails is kept; the passes repeat until
no edit helps or the budget (attempts, seconds) is spent. Works on any program, not only
generated ones. A package is shrunk one file at a time, the others fixed (``shrink_files``).
"""

from __future__ import annotations

import functools
import re
import time
from collections.abc import Callable, Iterator
from typing import Any, TypeAlias

import libcst as cst

_COMPOUND_WITH_BODY = (cst.If, cst.For, cst.While, cst.With, cst.Try)


#: What an edit puts in the place of a node.
Replacement: TypeAlias = "cst.CSTNode | cst.RemovalSentinel | cst.FlattenSentinel[cst.BaseStatement]"


def _statements(body: cst.BaseSuite) -> list[cst.BaseStatement]:
    if isinstance(body, cst.IndentedBlock):
        return list(body.body)
    assert isinstance(body, cst.SimpleStatementSuite)
    return [cst.SimpleStatementLine(list(body.body))]


def _edits(node: cst.CSTNode) -> Iterator[Replacement]:
    """What may replace ``node``: REMOVE, a statement list, or a simpler node."""
    if isinstance(node, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
        yield cst.RemovalSentinel.REMOVE
    if isinstance(node, _COMPOUND_WITH_BODY):
        yield cst.FlattenSentinel(_statements(node.body))
    if isinstance(node, (cst.If, cst.For, cst.While)) and node.orelse is not None:
        yield node.with_changes(orelse=None)
    if isinstance(node, cst.Try):
        if node.orelse is not None:
            yield node.with_changes(orelse=None)
        if node.finalbody is not None and node.handlers:
            yield node.with_changes(finalbody=None)
        for i in range(len(node.handlers)):
            # The last handler may go only where a finally stays and no else needs one.
            if len(node.handlers) > 1 or (node.finalbody is not None and node.orelse is None):
                yield node.with_changes(handlers=[*node.handlers[:i], *node.handlers[i + 1:]])
    if isinstance(node, (cst.FunctionDef, cst.ClassDef)):
        for i in range(len(node.decorators)):
            yield node.with_changes(decorators=[*node.decorators[:i], *node.decorators[i + 1:]])
    if isinstance(node, (cst.BinaryOperation, cst.BooleanOperation)):
        yield node.left
        yield node.right
    if isinstance(node, cst.IfExp):
        yield node.body
        yield node.orelse
    if isinstance(node, cst.Call) and node.args:
        for i in range(len(node.args)):  # (an argument that is needed makes the program fail differently)
            args = [*node.args[:i], *node.args[i + 1:]]
            if args:
                args[-1] = args[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
            yield node.with_changes(args=args)


def _nodes(module: cst.Module) -> list[cst.CSTNode]:
    """Every node: the module's statements last one first (uses go before the definitions
    they keep alive), each one's nodes outermost first (pre-order)."""
    found: list[cst.CSTNode] = []

    class Collect(cst.CSTVisitor):
        def on_visit(self, node: cst.CSTNode) -> bool:
            found.append(node)
            return True

    for statement in reversed(module.body):
        statement.visit(Collect())
    return found


class _Replace(cst.CSTTransformer):
    def __init__(self, target: cst.CSTNode, replacement: Replacement) -> None:
        self.target = target
        self.replacement = replacement

    def on_leave(self, original_node: cst.CSTNode, updated_node: cst.CSTNode) -> Any:
        if original_node is self.target:
            return self.replacement
        if isinstance(updated_node, cst.IndentedBlock) and not updated_node.body:
            return updated_node.with_changes(body=[cst.SimpleStatementLine([cst.Pass()])])
        return updated_node


def _apply(module: cst.Module, node: cst.CSTNode, replacement: Replacement, source: str) -> str | None:
    """``module`` with ``node`` replaced, if that compiles and changes something."""
    try:
        code = module.visit(_Replace(node, replacement)).code
        compile(code, "<shrink>", "exec", dont_inherit=True)
    except Exception:
        return None
    return code if code != source else None


def shrink(source: str, still_fails: Callable[[str], bool], *, attempts: int = 1000, seconds: float = 300.0) -> str:
    """The smallest program found that still fails, within ``attempts`` tries and ``seconds``.

    After a kept edit the search goes on from the same place in the new program (what
    comes before was tried already); a pass that kept something is followed by another.
    """
    deadline = time.monotonic() + seconds
    tried = 0
    seen: set[str] = set()
    position = 0
    changed = False
    while True:
        module = cst.parse_module(source)
        nodes = _nodes(module)
        kept = False
        for index in range(position, len(nodes)):
            for replacement in _edits(nodes[index]):
                candidate = _apply(module, nodes[index], replacement, source)
                if candidate is None or candidate in seen:
                    continue
                if tried >= attempts or time.monotonic() > deadline:
                    return _tidy(source, still_fails)
                seen.add(candidate)
                tried += 1
                if still_fails(candidate):
                    source, position, kept = candidate, index, True
                    break
            if kept:
                break
        if kept:
            changed = True
            continue
        if not changed:
            return _tidy(source, still_fails)
        changed, position = False, 0


def _tidy(source: str, still_fails: Callable[[str], bool]) -> str:
    """Removed statements leave their neighbours' blank lines behind: squeeze them, if the
    failure does not depend on line numbers."""
    tidy = re.sub(r"\n{4,}", "\n\n\n", source).lstrip("\n")
    return tidy if tidy == source or still_fails(tidy) else source


def shrink_files(
    files: dict[str, str], still_fails: Callable[[dict[str, str]], bool], *, attempts: int = 1000, seconds: float = 300.0
) -> dict[str, str]:
    """``shrink`` for a package: each file in turn (largest first), the others as they are,
    in rounds until a round changes nothing; ``attempts`` and ``seconds`` bound it all."""
    deadline = time.monotonic() + seconds
    tried = 0

    def fails_with(path: str, source: str) -> bool:
        nonlocal tried
        tried += 1
        return still_fails({**files, path: source})

    changed = True
    while changed:
        changed = False
        for path in sorted(files, key=lambda p: -len(files[p])):
            left = deadline - time.monotonic()
            if left <= 0 or tried >= attempts:
                return files
            smaller = shrink(files[path], functools.partial(fails_with, path), attempts=attempts - tried, seconds=left)
            if smaller != files[path]:
                files, changed = {**files, path: smaller}, True
    return files
