"""Where the statements and awaits of a module are, without laying the whole module out.

Laying a module out (generating its code while counting lines and columns, as LibCST's
``PositionProvider`` does) costs more than parsing it, while the rewriter asks for the
positions of statements and awaits nearly always and of other nodes only for the import
hook's position maps. CPython's parser gives statements and awaits their positions almost
for free, so those are paired with the LibCST nodes: both lists in source order, checked
to agree (same count, same kinds, same callees). Another node is placed by laying out the
statement that holds it, alone, at its indentation (the hook asks for the nodes of the
callees it inlined, a small part of a module), checked to generate the original's text;
where the parsers disagree, or the check fails, the module is laid out after all, once
(``layout.lay_out``). Positions are
LibCST's: 1-based lines, columns in characters (``ast`` counts UTF-8 bytes).
tests/unit/test_scope_tree_and_positions.py checks them against the provider's node by
node.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from typing import cast

import libcst as cst

from ..layout import Layout, Range, lay_out
from ..pyast import parse_quietly, walk
from ..tree import children, is_statement_line, type_test

#: Fields of the nodes whose dataclass order is not their order in the source.
_SOURCE_ORDER: dict[type, tuple[str, ...]] = {
    cst.FunctionDef: ("decorators", "name", "type_parameters", "params", "returns", "body"),
    cst.ClassDef: ("decorators", "name", "type_parameters", "bases", "keywords", "body"),
    cst.IfExp: ("body", "test", "orelse"),
    cst.MatchCase: ("pattern", "guard", "body"),
    cst.ExceptHandler: ("type", "name", "body"),
    cst.ExceptStarHandler: ("type", "name", "body"),
    cst.Parameters: ("posonly_params", "posonly_ind", "params", "star_arg", "kwonly_params", "star_kwarg"),
    cst.TypeAlias: ("name", "type_parameters", "value"),
}

#: LibCST statement class -> the ``ast`` class names it may be.
_STATEMENT_KINDS: dict[str, tuple[str, ...]] = {
    "FunctionDef": ("FunctionDef", "AsyncFunctionDef"),
    "For": ("For", "AsyncFor"),
    "With": ("With", "AsyncWith"),
    "Del": ("Delete",),
}

#: The kinds of node this module places itself (all of them, once paired).
_is_paired = type_test(cst.BaseSmallStatement, cst.BaseCompoundStatement, cst.Await, cst.SimpleStatementLine)

_NEWLINE = re.compile(r"\r\n|\r|\n")
#: Statements whose header is laid out alone first (``ModulePositions._lay_out_statement``).
_HEADED = (cst.FunctionDef, cst.ClassDef)


_STATEMENT, _AWAIT, _LINE, _OTHER = "statement", "await", "line", "other"
_KINDS: dict[type, str] = {}


def _kind(node: cst.CSTNode) -> str:
    """Which list a node goes to, by type (the statement bases are ABCs: slow isinstance)."""
    found = _KINDS.get(type(node))
    if found is None:
        if isinstance(node, (cst.BaseSmallStatement, cst.BaseCompoundStatement)):
            found = _STATEMENT
        elif isinstance(node, cst.Await):
            found = _AWAIT
        else:
            found = _LINE if isinstance(node, cst.SimpleStatementLine) else _OTHER
        _KINDS[type(node)] = found
    return found


def _source_children(node: cst.CSTNode) -> list[cst.CSTNode]:
    fields = _SOURCE_ORDER.get(type(node))
    if fields is None:
        return children(node)
    out: list[cst.CSTNode] = []
    for name in fields:
        value = getattr(node, name)
        if isinstance(value, cst.CSTNode):
            out.append(value)
        elif isinstance(value, (list, tuple)):
            out.extend(v for v in value if isinstance(v, cst.CSTNode))
    return out


def _cst_nodes(module: cst.Module) -> tuple[list[cst.CSTNode], list[cst.Await], list[cst.SimpleStatementLine]]:
    """Statements (small and compound) and awaits, each in source order; statement lines."""
    statements: list[cst.CSTNode] = []
    awaits: list[cst.Await] = []
    lines: list[cst.SimpleStatementLine] = []
    stack: list[cst.CSTNode] = [module]
    while stack:
        node = stack.pop()
        kind = _kind(node)
        if kind is _STATEMENT:
            statements.append(node)
        elif kind is _AWAIT:
            awaits.append(cast(cst.Await, node))
        elif kind is _LINE:
            lines.append(cast(cst.SimpleStatementLine, node))
        stack.extend(reversed(_source_children(node)))
    return statements, awaits, lines


def _ast_nodes(tree: ast.AST) -> tuple[list[ast.stmt], list[ast.Await]]:
    """Statements and awaits in source order."""
    statements: list[ast.stmt] = []
    awaits: list[ast.Await] = []
    for node in walk(tree):
        if isinstance(node, ast.stmt):
            statements.append(node)
        elif type(node) is ast.Await:
            awaits.append(node)
    statements.sort(key=lambda n: (n.lineno, n.col_offset))
    awaits.sort(key=lambda n: (n.lineno, n.col_offset))
    return statements, awaits


def _callee(node: cst.BaseExpression) -> str | None:
    """The dotted callee of an awaited call, the same way for both trees."""
    if isinstance(node, cst.Call):
        node = node.func
    parts: list[str] = []
    while isinstance(node, cst.Attribute):
        parts.append(node.attr.value)
        node = node.value
    return ".".join([node.value, *reversed(parts)]) if isinstance(node, cst.Name) else None


def _ast_callee(node: ast.expr) -> str | None:
    if isinstance(node, ast.Call):
        node = node.func
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    return ".".join([node.id, *reversed(parts)]) if isinstance(node, ast.Name) else None


def _agree(cst_statements: list[cst.CSTNode], ast_statements: list[ast.stmt], cst_awaits: list[cst.Await], ast_awaits: list[ast.Await]) -> bool:
    if len(cst_statements) != len(ast_statements) or len(cst_awaits) != len(ast_awaits):
        return False
    for mine, theirs in zip(cst_statements, ast_statements, strict=True):
        kind = type(mine).__name__
        if type(theirs).__name__ not in _STATEMENT_KINDS.get(kind, (kind,)):
            return False
    return all(_callee(a.expression) == _ast_callee(b.value) for a, b in zip(cst_awaits, ast_awaits, strict=True))


class ModulePositions:
    """The LibCST positions of a module's nodes: statements and awaits from CPython's
    parser, the rest (or everything, where the two parsers' lists disagree) from one
    layout of the module (``layout.lay_out``: the provider's ranges). Keyed by ``id``:
    the module keeps its nodes alive, and a node of another tree has no range here."""

    def __init__(
        self,
        module: cst.Module,
        source: str | None = None,
        syntax: ast.Module | None = None,
        parent: Callable[[cst.CSTNode], cst.CSTNode | None] | None = None,
    ) -> None:
        """``syntax``: CPython's tree of ``source`` when the caller has it; ``parent``: the
        parent of each node of the module but the module itself (else other nodes take a
        layout of the whole module)."""
        self._module = module
        self._source = source if source is not None else module.code
        self._known: dict[int, Range] = {}
        self._parent = parent
        #: Ranges of the nodes of the statements laid out alone (``_lay_out_statement``).
        self._partial: dict[int, Range] = {}
        self._laid_out_alone: set[tuple[int, bool]] = set()
        self._stubs: list[cst.CSTNode] = []
        self._laid_out: dict[int, Range] | None = None
        self._lines: list[str] | None = None
        if syntax is not None and source is not None:
            tree = syntax
        else:
            try:
                tree = parse_quietly(self._source)
            except (SyntaxError, ValueError):
                self._lay_out()
                return
        cst_statements, cst_awaits, lines = _cst_nodes(module)
        ast_statements, ast_awaits = _ast_nodes(tree)
        if not _agree(cst_statements, ast_statements, cst_awaits, ast_awaits):
            self._lay_out()
            return
        known = self._known
        for mine, theirs in zip(cst_statements, ast_statements, strict=True):
            known[id(mine)] = self._range(theirs)
        for await_, node in zip(cst_awaits, ast_awaits, strict=True):
            known[id(await_)] = self._range(node)
        for line in lines:
            first, last = known.get(id(line.body[0])), known.get(id(line.body[-1]))
            if first is not None and last is not None:
                known[id(line)] = (*first[:2], *last[2:])

    @property
    def laid_out(self) -> bool:
        """Whether the whole module was laid out (the parsers disagreed, or a node other
        than a statement or await was asked for)."""
        return self._laid_out is not None

    def _lay_out(self) -> dict[int, Range]:
        if self._laid_out is None:
            self._laid_out = lay_out(self._module).ranges
            self._known = {}
        return self._laid_out

    def _column(self, line: int, offset: int) -> int:
        """Characters before byte ``offset`` of ``line``."""
        if self._lines is None:
            self._lines = _NEWLINE.split(self._source)
        text = self._lines[line - 1]
        if text.isascii():
            return offset
        return len(text.encode("utf-8")[:offset].decode("utf-8", "replace"))

    def _range(self, node: ast.stmt | ast.Await) -> Range:
        end_line = node.end_lineno if node.end_lineno is not None else node.lineno
        end_col = node.end_col_offset if node.end_col_offset is not None else node.col_offset
        return (node.lineno, self._column(node.lineno, node.col_offset), end_line, self._column(end_line, end_col))

    def indentation(self, node: cst.CSTNode) -> str | None:
        """The text before a statement on its first line, if the statement's position came
        from the pairing (without laying the module out)."""
        found = self._known.get(id(node))
        if found is None:
            return None
        if self._lines is None:
            self._lines = _NEWLINE.split(self._source)
        return self._lines[found[0] - 1][: found[1]]

    def get(self, node: cst.CSTNode) -> Range | None:
        """Where ``node`` is; None for a node of another tree (without laying the module
        out for a statement or await)."""
        found = self._known.get(id(node))
        if found is not None:
            return found
        if self._laid_out is None:
            if _is_paired(node):
                return None
            found = self._partial.get(id(node))
            if found is None and self._parent is not None:
                if node is not self._module and self._parent(node) is None:
                    return None  # not a node of this module
                found = self._alone(node)
            if found is not None:
                return found
        return self._lay_out().get(id(node))

    def _alone(self, node: cst.CSTNode) -> Range | None:
        """``node``'s range without laying the module out (None: not found so)."""
        if type(node) is cst.IndentedBlock and node.body:
            # From its first statement to its last (the provider's rule).
            first, last = self._known.get(id(node.body[0])), self._known.get(id(node.body[-1]))
            if first is not None and last is not None:
                return (*first[:2], *last[2:])
        assert self._parent is not None
        statement = self._parent(node)
        while statement is not None and not (is_statement_line(statement) and id(statement) in self._known):
            statement = self._parent(statement)
        if statement is None:
            return None
        # A definition's header first: its body may be long, and is rarely asked for.
        for header in (True, False) if type(statement) in _HEADED else (False,):
            if self._lay_out_statement(statement, header):
                found = self._partial.get(id(node))
                if found is not None:
                    return found
        return None

    def _lay_out_statement(self, statement: cst.CSTNode, header: bool) -> bool:
        """Lay ``statement`` (with ``header``, a definition's decorators and header only) out
        alone, at its indentation, and keep the ranges of the nodes in it, if it generates
        the original's text where the pairing put it."""
        if (id(statement), header) in self._laid_out_alone:
            return False  # done before: what it placed is in ``_partial``
        self._laid_out_alone.add((id(statement), header))
        known = self._known[id(statement)]
        indent = self.indentation(statement)
        if indent is None or indent.strip():
            return False  # not first on its line (``a; b``): laid out with the module
        generated: cst.CSTNode = statement
        temporary: tuple[cst.CSTNode, ...] = ()
        if header:
            body = getattr(statement, "body", None)
            if not isinstance(body, cst.IndentedBlock):
                return False
            # The header's comment and newline kept; the body one line (``pass``), not compared.
            stub_pass = cst.Pass()
            stub_line = cst.SimpleStatementLine([stub_pass])
            stub_body = body.with_changes(body=[stub_line], footer=[])
            generated = statement.with_changes(body=stub_body)
            temporary = (generated, stub_body, stub_line, stub_pass)
            self._stubs.extend(temporary)  # alive as long as the module: ids stay unique
        layout = Layout(self._module)
        layout.indent_tokens = [indent] if indent else []
        generated._codegen(layout)
        start = layout.ranges.get(id(generated))
        if start is None or start[1] != known[1]:
            return False
        delta = known[0] - start[0]
        text = _NEWLINE.split(layout.code)
        assert self._lines is not None  # set by indentation()
        compared = len(text) - (2 if header else 1)  # the final "" (and the stub body)
        # Generated line 1 is original line 1 + delta: index ``delta`` of the original's lines.
        if delta < 0 or text[-1] != "" or text[:compared] != self._lines[delta : delta + compared]:
            return False
        partial = self._partial
        for key, (line, column, end_line, end_column) in layout.ranges.items():
            partial.setdefault(key, (line + delta, column, end_line + delta, end_column))
        for stub in temporary:  # the stub's own range and its body's are not the original's
            partial.pop(id(stub), None)
        return True


__all__ = ["ModulePositions"]
