"""State shared while one module is rewritten (``Session``) and per emitted frame (``Frame``)."""

from __future__ import annotations

import os
import random
from dataclasses import dataclass, field

import libcst as cst
from libcst.metadata import Scope

from ..analysis.callee import CalleeInfo, analyze_callee
from ..analysis.definite_assignment import UnsupportedStatement, maybe_unassigned_locals
from ..analysis.returns import ReturnPlan, plan_returns
from ..analysis.scopes import Role, ScopeIndex, children, walk
from ..analysis.site import SCAFFOLDING_NAMES, CallerInfo
from ..options import Options
from ..report import FileReport
from .names import FreshNames

_STATEMENT_LEVEL = (
    cst.BaseStatement,
    cst.BaseSuite,
    cst.Else,
    cst.ExceptHandler,
    cst.Finally,
    cst.MatchCase,
)


_STATEMENT_TYPES: dict[type, bool] = {}


def is_statement_level(node: cst.CSTNode) -> bool:
    """Statements, suites and clauses; cached per type (ABC isinstance checks are slow)."""
    kind = type(node)
    known = _STATEMENT_TYPES.get(kind)
    if known is None:
        known = _STATEMENT_TYPES[kind] = issubclass(kind, _STATEMENT_LEVEL)
    return known


@dataclass
class Frame:
    """One function body being emitted: the physical caller's own (depth 0) or an inlined one."""

    caller: CallerInfo
    depth: int
    #: Names of the inlined callees around this frame, outermost first.
    stack: tuple[str, ...]
    #: Scope of the original code this frame emits.
    scope: Scope
    #: Original Name node -> emitted identifier (locals that had to be renamed, parameters
    #: aliasing their argument) or expression (parameters of an expression-form frame).
    rename: dict[cst.Name, str | cst.BaseExpression] = field(default_factory=dict)
    #: Emitted local names of this frame and the frames around it (nested frames avoid them).
    active_names: frozenset[str] = frozenset()
    #: How returns are lowered; None for the physical caller, whose returns stay returns.
    plan: ReturnPlan | None = None
    #: Variable receiving the result, or None when the await's value is discarded.
    result: str | None = None
    #: Flag set by a return inside a loop of the callee (see ``ReturnPlan``).
    done_flag: str | None = None
    #: Line of the physical caller's statement this frame's code lands in.
    placement_line: int = 0
    #: Whether an exception leaving this frame could be observed (by an `except`, a
    #: `finally` or a `with` exit) before the physical caller's coroutine boundary. If not,
    #: a StopIteration needs no conversion here: the boundary converts it the same way.
    observed: bool = False
    #: Compiler blocks around this frame's body in the physical caller.
    base_blocks: int = 0
    #: The physical caller handles an exception wherever this frame's code runs.
    in_handler: bool = False
    #: The nodes the expander must descend into for this frame (ancestors of what it
    #: rewrites); None: every node. Visiting a LibCST node costs tens of microseconds.
    visit: frozenset | None = None

    @property
    def inlined(self) -> bool:
        return self.plan is not None


class Session:
    """Everything known about one module while it is rewritten."""

    def __init__(self, index: ScopeIndex, options: Options, report: FileReport) -> None:
        self.index = index
        self.options = options
        self.report = report
        self.callees: dict[str, CalleeInfo] = {}
        for stmt in index.module.body:
            if isinstance(stmt, cst.FunctionDef):
                self.callees.setdefault(stmt.name.value, analyze_callee(index, stmt))
        free: set[str] = set(SCAFFOLDING_NAMES)
        for info in self.callees.values():
            free |= info.free_names
        #: Names inlined code reads as globals or builtins: no callee local may take them.
        self.reserved_free = frozenset(free)
        self.names = FreshNames(n.value for n in walk(index.module) if isinstance(n, cst.Name))
        #: Callee name -> module-level alias holding the original function object (guards, defaults).
        self.ref_aliases: dict[str, str] = {}
        self._plans: dict[str, ReturnPlan] = {}
        self._stable: dict[Scope, frozenset[str]] = {}
        self._expression: dict[str, bool] = {}
        self._runtime_alias: str | None = None
        self._module_visit: frozenset | None = None
        self._body_visit: dict[str, frozenset] = {}
        # Seeded by the file's name too, so that modules do not all make the same choices,
        # while a tree gives the same choices wherever it is.
        name = os.path.basename(report.path)
        self.rng = random.Random(f"{options.stress_seed}:{name}") if options.stress_seed is not None else None
        #: id(emitted statement) -> (statement, original line), for ``origin_lines``.
        self.origins: dict[int, tuple[cst.CSTNode, int]] = {}

    def expression_callee(self, name: str, _seen: frozenset[str] = frozenset()) -> bool:
        """True when ``name`` can be inlined as an expression, and so can every callee it
        awaits that could itself be inlined (an expression cannot hold statements)."""
        if name in self._expression:
            return self._expression[name]
        callee = self.callees.get(name)
        ok = (
            callee is not None
            and callee.refusal is None
            and callee.return_expr is not None
            and not callee.is_runtime_async  # its frame needs the runtime's entry and exit
            and name not in _seen
        )
        if ok:
            for node in walk(callee.return_expr):  # type: ignore[arg-type]
                if isinstance(node, cst.Await) and isinstance(node.expression, cst.Call):
                    func = node.expression.func
                    inner = self.callees.get(func.value) if isinstance(func, cst.Name) else None
                    if (
                        inner is not None
                        and inner.refusal is None
                        and self.index.use_scope(func) is self.index.global_scope
                        and not self.expression_callee(inner.name, _seen | {name})
                    ):
                        ok = False
                        break
        if not _seen:
            self._expression[name] = ok
        return ok

    def ancestors_of(self, targets: list[cst.CSTNode], stop: cst.CSTNode | None = None) -> frozenset:
        """``targets`` and every node above them (up to ``stop``, included)."""
        found: set[cst.CSTNode] = set()
        for node in targets:
            current: cst.CSTNode | None = node
            while current is not None and current not in found:
                found.add(current)
                if current is stop:
                    break
                current = self.index.parent(current)
        return frozenset(found)

    @property
    def module_visit(self) -> frozenset:
        """What the module pass must descend into: the ancestors of every await."""
        if self._module_visit is None:
            awaits = [n for n in walk(self.index.module) if isinstance(n, cst.Await)]
            self._module_visit = self.ancestors_of(awaits)
        return self._module_visit

    def body_visit(self, callee: CalleeInfo, rename: dict) -> frozenset:
        """What an inlined body of ``callee`` must descend into: the ancestors of its
        awaits, renamed names, returns, ``global`` statements and import aliases; and every
        statement, always rebuilt: a statement object shared with the callee's own
        definition would have two places in the output, and one line in origin_lines.
        Expressions may be shared."""
        fixed = self._body_visit.get(callee.name)
        if fixed is None:
            targets: list[cst.CSTNode] = []
            statements: list[cst.CSTNode] = []
            for node in walk(callee.node.body):
                if isinstance(node, (cst.Await, cst.Return, cst.Global, cst.ImportAlias)):
                    targets.append(node)
                elif is_statement_level(node):
                    statements.append(node)
            fixed = self._body_visit[callee.name] = self.ancestors_of(targets, stop=callee.node.body) | frozenset(statements)
        return fixed | self.ancestors_of(list(rename), stop=callee.node.body) if rename else fixed

    def plan_for(self, callee: CalleeInfo) -> ReturnPlan:
        if callee.name not in self._plans:
            self._plans[callee.name] = plan_returns(callee.body)
        return self._plans[callee.name]

    def runtime_alias(self) -> str:
        """The name generated code reaches ``runtime`` by (``import runtime as _ai_rt``)."""
        if self._runtime_alias is None:
            self._runtime_alias = self.names.make("ai_rt")
        return self._runtime_alias

    def ref_alias(self, callee: str) -> str:
        """The module-level alias of ``callee`` that guards compare against and defaults are
        read from; made on first use, so code that needs neither gets no alias."""
        if callee not in self.ref_aliases:
            self.ref_aliases[callee] = self.names.make(f"ai_ref_{callee}")
        return self.ref_aliases[callee]

    def stable_locals(self, scope: Scope, root: cst.FunctionDef) -> frozenset[str]:
        """Locals of ``scope`` whose read may be moved or dropped: nothing but the
        function's own statements can change them, and every read finds them assigned.

        A local also used from a nested scope could be rebound by it (a walrus in a
        comprehension, a closure); a local some read may find unassigned raises
        UnboundLocalError where it is read, so the read must stay where it was. Both are
        read into a temporary before an inlined body runs, like any other operand.
        """
        if scope not in self._stable:
            index = self.index
            touched = {
                n.value
                for n in index.variables_in(root)
                if index.scope_of(n) is not scope and index.use_scope(n) is scope
            }
            self._stable[scope] = index.bindings(scope) - touched - self._maybe_unassigned(scope, root)
        return self._stable[scope]

    def _maybe_unassigned(self, scope: Scope, fdef: cst.FunctionDef) -> frozenset[str]:
        index = self.index
        params = frozenset(n.value for n in walk(fdef.params) if isinstance(n, cst.Name) and index.role(n) is Role.PARAM)

        def is_local(node: cst.Name) -> bool:
            return index.role(node) is not Role.OTHER and index.use_scope(node) is scope

        body = fdef.body.body if isinstance(fdef.body, cst.IndentedBlock) else [cst.SimpleStatementLine(fdef.body.body)]
        try:
            return frozenset(maybe_unassigned_locals(body, params, is_local))
        except UnsupportedStatement:
            return index.bindings(scope)  # not modelled: no local is known to be assigned

    def mark(self, node: cst.CSTNode, line: int) -> cst.CSTNode:
        """Remember the original line an emitted statement comes from (the first mark wins)."""
        self.origins.setdefault(id(node), (node, line))
        return node

    def mark_original_tree(self, node: cst.CSTNode) -> None:
        """Mark an unchanged original subtree: each statement with its own line."""
        stack = [node]
        while stack:
            current = stack.pop()
            if isinstance(current, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
                self.mark(current, self.index.line(current))
                if isinstance(current, cst.SimpleStatementLine):
                    continue
            stack.extend(c for c in children(current) if is_statement_level(c))

    def mark_tree(self, node: cst.CSTNode, line: int) -> None:
        """Mark the statements inside ``node`` not marked yet: generated code maps to ``line``.

        A statement already marked had its own statements marked with it: not walked again.
        """
        stack = [node]
        while stack:
            current = stack.pop()
            if isinstance(current, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
                if id(current) in self.origins and current is not node:
                    continue
                self.mark(current, line)
                if isinstance(current, cst.SimpleStatementLine):
                    continue
            for child in children(current):
                if isinstance(child, (cst.BaseStatement, cst.BaseSuite, cst.ExceptHandler, cst.Else, cst.Finally, cst.MatchCase)) or type(child).__name__ == "ExceptStarHandler":
                    stack.append(child)
                elif isinstance(child, cst.If):  # an elif
                    stack.append(child)
