"""Decide every await site of a module, before any code is produced.

The planner walks each physical caller's body, and each callee body it decides to inline,
in the order the emitter will produce them (statements inside a compound statement before
its header; the awaits of one statement innermost first, the bodies of its statement-form
sites in evaluation order). That order only matters for the growth budget, the stress
mode's random choices and the numbering of fresh names; every decision is a pure
function of what came before it.
"""

from __future__ import annotations

import os
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import libcst as cst
from libcst.metadata import ComprehensionScope, Scope

from ..analysis.binding import ParamSource, tests_defaults_tuple
from ..analysis.callee import CalleeInfo, ParamKind
from ..analysis.caller import CallerInfo, analyze_caller
from ..analysis.classes import ClassInfo, analyze_class
from ..analysis.comprehensions import ComprehensionNames
from ..analysis.evaluation import (
    FRAME_BLOCKS,
    awaits_in,
    block_cost,
    blocks_around,
    evaluation_order,
    header_expressions,
    statement_position_problem,
)
from ..analysis.guards import Guard, GuardPolicy, opening_site, takes_nested_guards
from ..analysis.module import ModuleFacts
from ..analysis.references import brought_in_by, imports_transitively
from ..analysis.refusals import Refusal, RefusalCode
from ..analysis.resolve import Lookup, MethodContext, SiteScope, Target, resolve
from ..analysis.scopes import ScopeIndex
from ..analysis.site import Inlinable, Limits, SiteCall, SiteContext, budget_refusal, check_site, site_call
from ..analysis.stability import is_constant, is_literal, is_stable
from ..analysis.unresolved import UnresolvedShape
from ..options import Options
from ..tree import children, contains, is_statement_level, statements_of, walk, walrus_targets
from .model import CallerPlan, Form, FramePlan, Inlining, ModulePlan, SitePlan
from .names import FreshNames

#: Compound statements whose header the inliner rewrites (others hold no inlinable await).
_HEADED = (cst.If, cst.While, cst.For, cst.With, cst.Match, cst.Try, cst.TryStar)
#: Statements whose header the emitter leaves as it is (an except clause's type, a nested
#: definition's decorators, defaults, annotations and bases): their awaits stay calls.
_HEADER_KEPT = (cst.Try, cst.TryStar, cst.FunctionDef, cst.ClassDef)
_HANDLERS = (cst.ExceptHandler, cst.ExceptStarHandler, cst.Finally)
_OBSERVERS = (cst.Try, cst.TryStar, cst.With)


class Stress:
    """Stress mode (like .NET's JitStress): a seeded random subset of the eligible sites.

    Seeded by the file's name too, so that modules do not all make the same choices,
    while a tree gives the same choices wherever it is.
    """

    def __init__(self, seed: int, path: str) -> None:
        self._rng = random.Random(f"{seed}:{os.path.basename(path)}".encode("utf-8", "surrogateescape"))

    def picks(self, depth: int) -> bool:
        """Inline with a probability that halves with each level of depth."""
        return self._rng.random() < 0.9 / 2.0 ** (depth - 1)


@dataclass(eq=False)
class _Frame:
    """A body being planned, and the decisions made for it so far."""

    caller: CallerInfo
    depth: int
    stack: tuple[str, ...]
    callee: CalleeInfo | None
    scope: Scope
    #: The module whose code this frame is.
    facts: ModuleFacts
    #: The method the code is, for ``self``, ``cls`` and ``super()`` sites.
    method: MethodContext | None
    #: For code of another module: the top-level import statement of the module being
    #: rewritten after which that module's namespace can be read.
    via: cst.SimpleStatementLine | None = None
    #: The modules of the frames around this one, the physical caller's first: the rewrite
    #: read them to inline this code (``SiteScope.read_along``).
    along: tuple[ModuleFacts, ...] = ()
    #: Emitted local names of this frame and the frames around it.
    active_names: frozenset[str] = frozenset()
    #: Names the comprehensions around this frame's code bind (in the frames around it): an
    #: expression-form frame inside a comprehension reads its names there.
    around: frozenset[str] = frozenset()
    #: For each local of an inlined frame, the names the code standing for it reads once
    #: emitted (its own emitted name, or what its argument reads); none for a temporary.
    reads: Mapping[str, frozenset[str]] = field(default_factory=dict)
    #: Line of the physical caller's statement this frame's code lands in (depth >= 1).
    placement_line: int = 0
    observed: bool = False
    base_blocks: int = 0
    in_handler: bool = False
    in_star_handler: bool = False
    #: An expression-form frame: its parameters stand for stable expressions.
    expression: bool = False
    #: Parameters of a statement-form frame that stand for a literal (see ``Inlining.constants``).
    constants: Mapping[str, cst.BaseExpression] = field(default_factory=dict)
    #: The site opening this frame's body when the frame's guard can test its name
    #: (``guards.takes_nested_guards``).
    opening: cst.Await | None = None
    sites: dict[cst.Await, SitePlan] = field(default_factory=dict)

    @property
    def root(self) -> cst.FunctionDef:
        return self.callee.node if self.callee is not None else self.caller.node

    def frozen(self) -> FramePlan:
        return FramePlan(self.caller, self.depth, self.stack, self.callee, self.facts, dict(self.sites), self.via, self.placement_line)


@dataclass(frozen=True)
class _Here:
    """A statement's surroundings in the physical caller."""

    placement_line: int
    blocks: int
    in_handler: bool
    in_star_handler: bool
    observed: bool


class Planner:
    def __init__(self, facts: ModuleFacts, options: Options, names: FreshNames, path: str) -> None:
        self.facts = facts
        self.options = options
        self.index = facts.index
        self.names = names
        self.stress = Stress(options.stress_seed, path) if options.stress_seed is not None else None
        self.limits = Limits(
            max_depth=options.max_depth,
            recursion_unroll=options.recursion_unroll,
            max_callee_size=None if self.stress is not None else options.max_callee_size,
            max_caller_growth=options.max_caller_growth,
            guards=GuardPolicy(options.guards, "class-methods" in options.assume, costly=self.stress is not None or options.costly_guards),
            cross_module=options.cross_module,
        )
        self._callers: dict[cst.FunctionDef, CallerPlan] = {}
        self._decided: list[SitePlan | None] = []
        self._growth: dict[cst.FunctionDef, int] = {}
        self._globals: dict[cst.FunctionDef, frozenset[str]] = {}
        #: The comprehension names of each physical caller's code, inlined code included.
        self._comprehensions: dict[cst.FunctionDef, ComprehensionNames] = {}

    def plan(self) -> ModulePlan:
        self._statements(self.index.module.body, None, ())
        decided = tuple(site for site in self._decided if site is not None)
        return ModulePlan(self._callers, decided)

    # -- walking the statements -------------------------------------------------------
    def _statements(
        self, stmts: Sequence[cst.CSTNode], frame: _Frame | None, qualname: tuple[str, ...], owner: ClassInfo | None = None
    ) -> None:
        for stmt in stmts:
            self._statement(stmt, frame, qualname, owner)

    def _statement(self, node: cst.CSTNode, frame: _Frame | None, qualname: tuple[str, ...], owner: ClassInfo | None) -> None:
        if frame is not None and isinstance(node, (cst.FunctionDef, cst.ClassDef)):
            self._decide(frame, node)  # its decorators, defaults and bases are the frame's
        if isinstance(node, cst.FunctionDef):
            self._function(node, qualname, owner)
        elif isinstance(node, cst.ClassDef):
            name = (*qualname, node.name.value)
            module_level = self.facts.classes.get(node.name.value)
            cls = module_level if module_level is not None and module_level.node is node else analyze_class(node, ".".join(name), False, self.facts.name)
            self._statements(statements_of(node.body), None, name, cls)
        elif isinstance(node, (cst.SimpleStatementLine, cst.SimpleStatementSuite)):
            if frame is not None:
                for small in node.body:
                    self._decide(frame, small)
        else:
            self._statements(_children_statements(node), frame, qualname)
            if frame is not None and isinstance(node, _HEADED):
                self._decide(frame, node)

    def _function(self, fdef: cst.FunctionDef, qualname: tuple[str, ...], owner: ClassInfo | None) -> None:
        name = (*qualname, fdef.name.value)
        inner = (*name, "<locals>")
        if fdef.asynchronous is None:
            self._statements(statements_of(fdef.body), None, inner)
            return
        caller = analyze_caller(self.index, fdef, ".".join(name), self._callee_key(fdef, owner), owner)
        frame = _Frame(
            caller=caller, depth=0, stack=(), callee=None, scope=caller.scope, facts=self.facts, method=MethodContext.of_caller(caller)
        )
        self._growth[fdef] = 0
        self._globals[fdef] = frozenset()
        self._comprehensions[fdef] = self.facts.comprehension_names(fdef)
        self._statements(statements_of(fdef.body), frame, inner)
        self._callers[fdef] = CallerPlan(caller, frame.frozen(), self._globals[fdef])

    def _callee_key(self, fdef: cst.FunctionDef, owner: ClassInfo | None) -> str | None:
        """The caller's key as a callee, if sites can resolve to it (recursion)."""
        name = fdef.name.value
        if owner is None:
            callee = self.facts.function(name)
            return callee.key if callee is not None and callee.node is fdef else None
        method = owner.methods.get(name)
        if owner.stable and method is not None and method.node is fdef:
            return self.facts.qualified(f"{owner.qualname}.{name}")
        return None

    # -- one statement ------------------------------------------------------------------
    def _decide(self, frame: _Frame, stmt: cst.CSTNode) -> None:
        """Decide every await in ``stmt``'s header: in place as an expression, as statements
        before ``stmt``, or kept as a call."""
        first, other = header_expressions(stmt)
        awaits = awaits_in([*first, *other])
        if not awaits:
            return
        statement_here = self._here(frame, stmt)
        walrus = walrus_targets(stmt)
        left_as_written = set(awaits_in(_left_as_written(stmt)))
        pending: dict[cst.Await, tuple[SiteCall, Inlinable, _Here]] = {}
        # Inner awaits first: whether a site can be an expression depends on its arguments.
        for node in reversed(awaits):
            site = site_call(frame.facts.index, node)
            if site is None:
                continue
            here = _in_later_with_item(frame.facts.index, stmt, node, statement_here)
            check = self._check(frame, here, site)
            if isinstance(check, Inlinable) and isinstance(stmt, _HEADER_KEPT):
                check = Refusal(RefusalCode.POSITION, statement_position_problem(stmt, node) or "")
            if isinstance(check, Inlinable) and node in left_as_written:
                check = Refusal(RefusalCode.POSITION, "in a `for` target or a `case` pattern or guard, which the rewrite leaves as written")
            if (
                isinstance(check, Inlinable)
                and not self._binds_in_statements(frame, stmt, node, site, check, walrus)
                and self._expression_ok(frame, here, stmt, site, check, walrus, pending)
            ):
                frame.sites[node] = self._expression_site(frame, here, site, check, walrus)
                continue
            if isinstance(check, Inlinable):
                problem = statement_position_problem(stmt, node)
                check = check if problem is None else Refusal(RefusalCode.POSITION, problem)
            if isinstance(check, Refusal):
                frame.sites[node] = self._refused(frame, here, site, check)
            else:
                pending[node] = (site, check, here)
        # A site's parts, in the order Python evaluates them: the callee (a method's receiver
        # may hold a site: ``await (await db.execute(q)).fetchall()``, review R28a F2), then
        # the arguments.
        parts = {node: [site.call.func, *(a.value for a in site.call.args), *_configure(site)] for node, (site, _, _) in pending.items()}
        for node in evaluation_order(first, parts):
            site, check, here = pending[node]
            over = budget_refusal(check.target.callee, self._growth[frame.caller.node], self.limits)
            frame.sites[node] = self._refused(frame, here, site, over) if over else self._statement_site(frame, here, site, check, stmt)

    def _here(self, frame: _Frame, stmt: cst.CSTNode) -> _Here:
        caller_observes = frame.depth == 0 and frame.caller.is_async_generator
        index = frame.facts.index
        return _Here(
            placement_line=index.line(stmt) if frame.depth == 0 else frame.placement_line,
            blocks=frame.base_blocks + blocks_around(stmt, frame.root.body, index.parent),
            in_handler=frame.in_handler or _inside(index, stmt, frame.root, _HANDLERS),
            in_star_handler=frame.in_star_handler or _inside(index, stmt, frame.root, (cst.ExceptStarHandler,)),
            observed=frame.observed or caller_observes or _inside(index, stmt, frame.root, _OBSERVERS),
        )

    def _check(self, frame: _Frame, here: _Here, site: SiteCall) -> Inlinable | Refusal:
        ctx = SiteContext(
            caller=frame.caller,
            depth=frame.depth + 1,
            stack=frame.stack,
            active_names=frame.active_names | self._around(frame, site.await_node),
            placement_line=here.placement_line,
            blocks=here.blocks,
            in_handler=here.in_handler,
            in_star_handler=here.in_star_handler,
            growth=self._growth[frame.caller.node],
        )
        target = resolve(SiteScope(frame.facts, frame.root, frame.scope, frame.method, (*frame.along, frame.facts)), site.call)
        if isinstance(target, Refusal):
            return target
        if target.facts is not self.facts and self._via(frame, target) is None:
            # Reached through the class of an object, not through an import of this module
            # (a method of a subclass defined elsewhere, inherited code calling it), or, in
            # code of another module, of a module that no known import of this one brings in
            # (its reference would be read before the module exists).
            reason = "a function of another module that this module does not import at its top level"
            return Refusal(RefusalCode.UNRESOLVED, reason, UnresolvedShape.UNKNOWN.value)
        check = check_site(self.facts, self.limits, ctx, site, target)
        if isinstance(check, Inlinable):
            names = self._callee_names(frame, check, site.await_node)
            refusal = self._comprehension_refusal(frame, names)
            if refusal is not None:
                return refusal
            # The callee's code will sit in the physical caller: recorded now, not when the
            # site is planned, since the sites of one statement are all checked first (the
            # last one first), and each must see the others' names (R12 f2).
            self._comprehensions[frame.caller.node] |= names
        if isinstance(check, Inlinable) and self.stress is not None and not self.stress.picks(ctx.depth):
            return Refusal(RefusalCode.STRESS, "not picked by the stress mode's random choice")
        return check

    def _comprehension_refusal(self, frame: _Frame, names: ComprehensionNames) -> Refusal | None:
        """Would the callee's code (``names``), placed beside the physical caller's (and what
        is already inlined there), make or undo a pair of comprehensions CPython resolves
        wrongly (``analysis/comprehensions.py``)?"""
        own = self.facts.comprehension_names(frame.caller.node).shared
        if own:
            return Refusal(
                RefusalCode.UNSUPPORTED,
                f"'{sorted(own)[0]}' is bound by one comprehension of the caller and read from outside the function by "
                "another, which CPython 3.12+ compiles by their order (UnboundLocalError or NameError; gh-118513, gh-156664): "
                "the rewrite could change it",
            )
        combined = self._comprehensions[frame.caller.node] | names
        hit = sorted(combined.shared & names.mentioned)
        if not hit:
            return None
        return Refusal(
            RefusalCode.UNSUPPORTED,
            f"'{hit[0]}' would be bound by one comprehension and read from outside the function by another in the same "
            "function, which CPython 3.12+ compiles wrongly (UnboundLocalError or NameError; gh-118513, gh-156664)",
        )

    @staticmethod
    def _callee_names(frame: _Frame, check: Inlinable, node: cst.Await) -> ComprehensionNames:
        """The callee's comprehension names as its code inlined at ``node`` has them: a site
        inside a comprehension (the expression form) puts every read of the callee there."""
        names = check.target.facts.comprehension_names(check.target.callee.node)
        # (An expression frame may itself stand inside a comprehension, whatever its target
        # binds: ``for d[0] in`` binds no name, R12 f1.)
        inside = frame.expression or isinstance(frame.facts.index.scope_of(node), ComprehensionScope)
        return names.inlined if inside else names

    @staticmethod
    def _around(frame: _Frame, node: cst.Await) -> frozenset[str]:
        """The names bound by the comprehensions around ``node`` in the code ``frame``
        emits, and around that code: the inlined code placed there would read them instead
        of the callee's globals and builtins (names the callee reads must not be them)."""
        names = set(frame.around)
        index = frame.facts.index
        scope = index.scope_of(node)
        while isinstance(scope, ComprehensionScope):
            names |= index.bindings(scope)
            scope = scope.parent
        return frozenset(names)

    def _stable(self, frame: _Frame, walrus: frozenset[str]) -> Callable[[cst.CSTNode], bool]:
        substituted = frame.callee.local_uses if frame.expression and frame.callee is not None else ()
        stable_name = frame.facts.name_stability(frame.scope, frame.root, walrus, substituted)
        return lambda node: is_stable(node, stable_name)

    # -- the three outcomes -------------------------------------------------------------
    def _refused(self, frame: _Frame, here: _Here, site: SiteCall, refusal: Refusal) -> SitePlan:
        line = frame.facts.index.line(site.await_node)
        plan = SitePlan(site, frame.caller.qualname, line, frame.depth + 1, here.observed, refusal=refusal, local=frame.facts is self.facts)
        self._decided.append(plan)
        return plan

    def _expression_ok(
        self,
        frame: _Frame,
        here: _Here,
        stmt: cst.CSTNode,
        site: SiteCall,
        check: Inlinable,
        walrus: frozenset[str],
        statement_sites: Mapping[cst.Await, object],
    ) -> bool:
        """Can this site be replaced in place by ``(EXPR if f is ref else await f(...))``?

        Needs a single-``return`` callee, no observer of a StopIteration before the
        coroutine boundary (no conversion is emitted), no generator expression or f-string
        around the site, no parameter read in an f-string (its value, pasted in place,
        could hold the f-string's quote or a backslash before Python 3.12), and arguments
        (and defaults read from the function) that are stable or can be bound with ``:=``
        (not inside a comprehension's iterable, where ``:=`` is illegal).
        """
        target = check.target
        if here.observed or target.lookup is not Lookup.NAME or not target.facts.expression_callee(target.callee):
            return False
        if target.callee.fstring_locals:
            return False
        in_iterable = False
        parent = frame.facts.index.parent
        child: cst.CSTNode = site.await_node
        node = parent(child)
        while node is not None and child is not stmt:
            if isinstance(node, (cst.GeneratorExp, cst.FormattedString)):
                # A generator converts a StopIteration with its own message; inside an
                # f-string, pasted code could clash with its quotes before Python 3.12.
                return False
            if isinstance(node, cst.CompFor) and child is node.iter:
                in_iterable = True
            child, node = node, parent(node)
        pasted = self._pasted(frame, site, check, walrus)
        for i, arg in enumerate(site.call.args):
            if pasted(i):
                continue
            if in_iterable or any(contains(arg.value, a) for a in statement_sites):
                return False
        frozen = "frozen-defaults" in self.options.assume
        # A default read from the function is bound with ``:=`` too, when the call binds it.
        return not in_iterable or all(not s.default or target.callee.folds_default(s.param, frozen) for s in check.binding)

    def _binds_in_statements(self, frame: _Frame, stmt: cst.CSTNode, node: cst.Await, site: SiteCall, check: Inlinable, walrus: frozenset[str]) -> bool:
        """Should a one-line callee whose arguments cannot all be pasted, or that reads a
        keyword-only default from the function, take the statement form where it can? The
        expression form binds them with ``:=`` in a tuple tested for truth and returns its
        value through another tuple, so that it may clear them: more than the call it
        replaces costs (reviews R20d F3, R21b 3); statements bind them plainly."""
        if frame.expression or statement_position_problem(stmt, node) is not None:
            return False
        callee = check.target.callee
        frozen = "frozen-defaults" in self.options.assume
        if any(s.default and s.param.kind is ParamKind.KWONLY and not callee.folds_default(s.param, frozen) for s in check.binding):
            return True
        pasted = self._pasted(frame, site, check, walrus)
        return not all(pasted(i) for i in range(len(site.call.args)))

    def _expression_site(self, frame: _Frame, here: _Here, site: SiteCall, check: Inlinable, walrus: frozenset[str]) -> SitePlan:
        callee = check.target.callee
        assert callee.return_expr is not None
        slot = self._reserve()
        self._growth[frame.caller.node] += 1
        pasted = self._pasted(frame, site, check, walrus)
        args = site.call.args
        reads = {
            source.param.name: frozenset().union(*(self._reads(frame, args[i].value) for i in _arguments(source) if pasted(i)))
            for source in check.binding
        }
        child = self._enter(
            frame,
            here,
            check.target,
            active_names=frame.active_names,
            around=self._around(frame, site.await_node),
            placement_line=here.placement_line,
            base_blocks=here.blocks,  # an expression adds no compiler block
            expression=True,
            reads=reads,
            opening=self._opening(site, check, self._stable(frame, walrus), check.target.implicit_first or not all(map(pasted, range(len(args))))),
        )
        inner = self._here(child, callee.return_expr)
        for node in reversed(awaits_in([callee.return_expr])):
            nested = site_call(child.facts.index, node)
            if nested is None:
                continue
            check_nested = self._check(child, inner, nested)
            if isinstance(check_nested, Inlinable) and self._expression_ok(child, inner, callee.return_expr, nested, check_nested, frozenset(), {}):
                child.sites[node] = self._expression_site(child, inner, nested, check_nested, frozenset())
                continue
            if isinstance(check_nested, Inlinable):
                check_nested = Refusal(RefusalCode.POSITION, "inside a callee inlined as an expression, where statements cannot go")
            child.sites[node] = self._refused(child, inner, nested, check_nested)
        in_place = frozenset(i for i in range(len(site.call.args)) if pasted(i))
        inlining = Inlining(
            Form.EXPRESSION, check.target, check.binding, {}, frozenset(), in_place, child.frozen(), guard=check.guard,
            merged_guard=self._merged(frame, site, check), tests_defaults=self._tests_defaults(site, check),
        )
        line = frame.facts.index.line(site.await_node)
        local = frame.facts is self.facts
        return self._fill(slot, SitePlan(site, frame.caller.qualname, line, child.depth, here.observed, inlining, local=local))

    def _pasted(self, frame: _Frame, site: SiteCall, check: Inlinable, walrus: frozenset[str]) -> Callable[[int], bool]:
        """Which arguments the expression form pastes where their parameters are read: the
        stable ones, except a constant for a parameter read where the compiler warns about
        one (``CalleeInfo.literal_unsafe_locals``); inside another expression frame a name
        may itself stand for a constant, so such parameters always get a ``:=`` there."""
        stable = self._stable(frame, walrus)
        callee = check.target.callee
        args = site.call.args
        # Inside another expression frame a name may stand for any constant; in a statement
        # frame, for the literal it was given (``_constant_of``: review R21a F2).
        def constant(value: cst.BaseExpression) -> cst.BaseExpression | None:
            return value if is_constant(value) else self._constant_of(frame, value)

        warned = {
            s.arg
            for s in check.binding
            if s.arg is not None
            and s.param.name in callee.literal_unsafe_locals
            and (frame.expression or ((c := constant(args[s.arg].value)) is not None and callee.warns_for(s.param.name, c)))
        }
        captured = {i for source in check.binding for i in _arguments(source) if self._captured(frame, check, source, site.call.args[i].value)}
        return lambda i: stable(args[i].value) and i not in captured and i not in warned

    @staticmethod
    def _reads(frame: _Frame, expr: cst.CSTNode) -> frozenset[str]:
        """The names ``expr``, code of ``frame``, reads once emitted: a local of an inlined
        frame reads what stands for it there."""
        callee = frame.callee
        out: set[str] = set()
        for node in frame.facts.index.variables_in(expr):
            local = callee.local_uses.get(node) if callee is not None else None
            out |= frame.reads.get(local, frozenset()) if local is not None else {node.value}
        return frozenset(out)

    def _captured(self, frame: _Frame, check: Inlinable, source: ParamSource, arg: cst.CSTNode) -> bool:
        """Would a comprehension of the callee around a read of ``source``'s parameter bind
        a name ``arg`` reads? Then the argument cannot stand for the parameter there (it
        must be bound to a variable)."""
        around = check.target.callee.nested_bindings.get(source.param.name)
        return around is not None and not around.isdisjoint(self._reads(frame, arg))

    def _statement_site(self, frame: _Frame, here: _Here, site: SiteCall, check: Inlinable, stmt: cst.CSTNode) -> SitePlan:
        callee = check.target.callee
        local_names = {local: self.names.make(f"ai_{local}") if local in check.clashing else local for local in callee.locals}
        constants = self._constants(frame, site, check)
        aliased = frozenset(
            source.param.name
            for source in check.binding
            if source.arg is not None
            and source.param.name not in callee.rebound_params
            and source.param.name not in constants
            and _ends_as_plain_name(site.call.args[source.arg].value)
            and self._constant_of(frame, site.call.args[source.arg].value) is None  # emitted as a literal
            and not (is_constant(site.call.args[source.arg].value) and callee.warns_for(source.param.name, site.call.args[source.arg].value))
            and not self._captured(frame, check, source, site.call.args[source.arg].value)
        )
        guard = check.guard
        first = callee.params[0] if callee.params else None
        if guard is Guard.CLASS_ATTRIBUTE and first is not None and first.name not in callee.rebound_params:
            receiver = site.call.func.value if isinstance(site.call.func, cst.Attribute) else site.call.func
            if not self._captured(frame, check, ParamSource(first), receiver):
                aliased |= {first.name}  # the receiver: a temporary or a stable name
        reads = {local: frozenset() if local in constants else frozenset({local_names[local]}) for local in callee.locals}
        for source in check.binding:
            if source.param.name in aliased and source.arg is not None:
                reads[source.param.name] = self._reads(frame, site.call.args[source.arg].value)
        if first is not None and first.name in aliased and isinstance(site.call.func, cst.Attribute):
            reads[first.name] = self._reads(frame, site.call.func.value)
        slot = self._reserve()
        caller = frame.caller.node
        self._growth[caller] += max(callee.size, 1)
        if check.target.facts is self.facts:  # another module's globals are written through its namespace
            self._globals[caller] |= callee.assigned_globals
        line = frame.facts.index.line(site.await_node)
        child = self._enter(
            frame,
            here,
            check.target,
            active_names=frame.active_names | frozenset(local_names[local] for local in callee.locals if local not in aliased),
            around=self._around(frame, site.await_node),
            placement_line=frame.placement_line if frame.depth else line,
            base_blocks=here.blocks + FRAME_BLOCKS,
            constants=constants,
            reads=reads,
            opening=self._opening(
                site,
                check,
                self._stable(frame, walrus_targets(stmt)),
                self._stores_on_entry(check, constants, aliased) or _result_set_up_front(stmt, site, check),
            ),
        )
        self._statements(callee.body, child, ())
        direct = self._direct_result(frame, stmt, site, check)
        inlining = Inlining(
            Form.STATEMENTS,
            check.target,
            check.binding,
            local_names,
            aliased,
            frozenset(),
            child.frozen(),
            direct,
            frozenset(constants),
            guard,
            self._merged(frame, site, check),
            self._tests_defaults(site, check),
            check.super_site,
        )
        local = frame.facts is self.facts
        return self._fill(slot, SitePlan(site, frame.caller.qualname, line, child.depth, here.observed, inlining, local=local))

    def _opening(self, site: SiteCall, check: Inlinable, stable: Callable[[cst.CSTNode], bool], stores: bool) -> cst.Await | None:
        """The site of the callee's body whose guard this site's guard can make. Not where the
        frame's entry stores a variable (``stores``): the variable may still hold what an
        earlier run left there (one that raised, or a header's result, which lives until
        the statement runs again), whose ``__del__`` could rebind the name after a merged
        test passed (reviews R13 d1, R15 o1)."""
        if stores:
            return None
        callee = check.target.callee
        frozen = "frozen-defaults" in self.options.assume
        merges = takes_nested_guards(check.guard, callee, check.binding, site.call.args, stable, frozen)
        return opening_site(callee.body) if merges else None

    @staticmethod
    def _stores_on_entry(check: Inlinable, constants: Mapping[str, cst.BaseExpression], aliased: frozenset[str]) -> bool:
        """Whether a statement frame's entry stores a variable: a parameter that neither
        stands for a literal nor aliases a name, the instance of a method, a local unbound
        for a fresh frame (``FrameBuilder._with_exits``)."""
        callee = check.target.callee
        first = callee.params[0] if callee.params else None
        return (
            any(source.param.name not in constants and source.param.name not in aliased for source in check.binding)
            or (check.target.implicit_first and (first is None or first.name not in aliased))
            or bool(callee.unbound_on_entry)
        )

    @staticmethod
    def _merged(frame: _Frame, site: SiteCall, check: Inlinable) -> bool:
        return frame.opening is site.await_node and check.guard is Guard.IDENTITY

    def _constants(self, frame: _Frame, site: SiteCall, check: Inlinable) -> dict[str, cst.BaseExpression]:
        """Parameters that stand for a literal: bound to a literal argument (or to a
        parameter of the frame around that stands for one), or to a literal default under
        the assumption ``frozen-defaults`` or to a default that is its literal's very object
        where the site tests the defaults tuple (``CalleeInfo.identical_default``), and
        never rebound by the body. Their uses read
        the literal itself; no variable holds them. (A string is not pasted into an
        f-string: its quotes could end the f-string's before Python 3.12, nor one written
        over lines or with a comment, ``_fits_an_fstring_field``; no literal is pasted
        where the compiler warns about one, ``CalleeInfo.literal_unsafe_locals``.)"""
        callee = check.target.callee
        frozen = "frozen-defaults" in self.options.assume
        found_tuple = self._tests_defaults(site, check)
        out: dict[str, cst.BaseExpression] = {}
        for source in check.binding:
            param = source.param
            if param.name in callee.rebound_params or param.kind in (ParamKind.VARARGS, ParamKind.VARKW):
                continue
            value: cst.BaseExpression | None = None
            if source.arg is not None:
                arg = site.call.args[source.arg].value
                value = arg if is_literal(arg) else self._constant_of(frame, arg)
            elif source.default and callee.folds_default(param, frozen):
                value = param.literal
            elif source.default and found_tuple:
                value = callee.identical_default(param)
            if value is None or callee.warns_for(param.name, value):
                continue
            if param.name in callee.fstring_locals and not _fits_an_fstring_field(value):
                continue
            out[param.name] = value
        return out

    def _tests_defaults(self, site: SiteCall, check: Inlinable) -> bool:
        frozen = "frozen-defaults" in self.options.assume
        return tests_defaults_tuple(check.target.callee, check.binding, frozen, configured=site.configure is not None)

    @staticmethod
    def _constant_of(frame: _Frame, arg: cst.BaseExpression) -> cst.BaseExpression | None:
        """The literal a name of ``frame`` stands for, if it is a parameter standing for one."""
        if not isinstance(arg, cst.Name) or frame.callee is None or frame.expression:
            return None
        return frame.constants.get(frame.callee.local_uses.get(arg, ""))

    def _direct_result(self, frame: _Frame, stmt: cst.CSTNode, site: SiteCall, check: Inlinable) -> bool:
        """Can ``x = await f()`` assign ``x`` at each lowered return of ``f``, without a
        result temporary? Only where nothing can tell the difference: ``x`` is a plain local
        of the frame's function (no nested scope sees it), bound by this statement only and
        not in a loop (so assigning it releases no previous value, as after the call), and
        nothing of ``f`` runs after a return computes its value (no ``finally`` or ``with``
        exit, no runtime-async exit transition)."""
        if not (isinstance(stmt, cst.Assign) and len(stmt.targets) == 1 and stmt.value is site.await_node):
            return False
        target = stmt.targets[0].target
        callee = check.target.callee
        if not isinstance(target, cst.Name) or callee.is_runtime_async or check.target.facts.return_plan(callee).protected:
            return False
        index = frame.facts.index
        if index.use_scope(target) is not frame.scope or target.value not in frame.facts.stable_locals(frame.scope, frame.root):
            return False
        bindings = [n for n in index.variables_in(frame.root) if n.value == target.value and index.role(n).binds and index.use_scope(n) is frame.scope]
        return len(bindings) == 1 and bindings[0] is target and not _inside(index, stmt, frame.root, (cst.For, cst.While))

    def _via(self, frame: _Frame, target: Target) -> cst.SimpleStatementLine | None:
        """The top-level import of this module after which ``target``'s module is read
        (None for this module's own code, and where no import is known to bring it in):
        the site's own import; inside code of another module, the import that brought that
        code in, if the target is that module's or one its imports bring in.

        Else the target was reached through the class of ``self`` that the frames around
        made known (``super()`` in ``B.c`` inlined into ``D.c``, where ``class D(B, C)``),
        which that module need not import: the later of that import and the one of this
        module that brings the target's class or module in (``from .c import C``); or the
        former, if what it imports imports the target's module; else None (the site is
        kept as a call). Until 2026-12-06 it was the former alone, even when read before
        ``from .c import C`` ran: the reference was never found, and the code the report
        called inlined never ran (review O, f3)."""
        if target.facts is self.facts:
            return None
        if frame.facts is self.facts:
            return target.via
        if target.facts is frame.facts or target.via is not None:
            return frame.via
        if frame.via is None or target.facts.name is None:
            return None
        owner = target.callee.owner
        cls = target.facts.classes.get(owner.qualname) if owner is not None else None
        receiver = frame.method.self_class if frame.method is not None else None
        found = brought_in_by(self.facts, target.facts, cls, receiver)
        if found is not None:
            return self._later(frame.via, found)
        return frame.via if imports_transitively(self.facts, frame.via, target.facts.name) else None

    def _later(self, a: cst.SimpleStatementLine, b: cst.SimpleStatementLine) -> cst.SimpleStatementLine:
        """The later of two top-level statements of this module."""
        for stmt in self.facts.index.module.body:
            if stmt is a:
                return b
            if stmt is b:
                return a
        raise AssertionError("an import statement that brings a module in is not at the top level")

    def _enter(self, frame: _Frame, here: _Here, target: Target, **where: Any) -> _Frame:
        """The frame of a callee inlined at a site of ``frame`` (``where``: how it is placed)."""
        callee = target.callee
        return _Frame(
            caller=frame.caller,
            depth=frame.depth + 1,
            stack=(*frame.stack, callee.key),
            callee=callee,
            scope=callee.scope,
            facts=target.facts,
            method=MethodContext.of_callee(target),
            via=self._via(frame, target),
            along=(*frame.along, frame.facts),
            observed=here.observed,
            in_handler=here.in_handler,
            in_star_handler=here.in_star_handler,
            **where,
        )

    def _reserve(self) -> int:
        """A place in the decision order for a site decided before its body is planned."""
        self._decided.append(None)
        return len(self._decided) - 1

    def _fill(self, slot: int, plan: SitePlan) -> SitePlan:
        self._decided[slot] = plan
        return plan


def _configure(site: SiteCall) -> list[cst.CSTNode]:
    return [site.configure] if site.configure is not None else []


def _arguments(source: ParamSource) -> tuple[int, ...]:
    """The indices of the call's arguments a parameter's value is made of."""
    return (*(() if source.arg is None else (source.arg,)), *source.varargs, *(i for _, i in source.varkw))


def _fits_an_fstring_field(value: cst.BaseExpression) -> bool:
    """Can this literal be pasted into an f-string's replacement field on every version?
    Not a string (its quotes), nor code over several lines or with a comment (inside its
    parentheses, or after a comma of a tuple): before Python 3.12 a field is one line
    without comments."""
    if any(isinstance(n, cst.SimpleString) for n in walk(value)):
        return False
    code = cst.Module([]).code_for_node(value)
    return not any(c in code for c in "\n\r#\\")


def _ends_as_plain_name(arg: cst.BaseExpression) -> bool:
    """Whether an argument reaches the inlined body as an unparenthesized name: a stable
    name, or a temporary holding its value; literals stay literals."""
    return not is_literal(arg) and not arg.lpar


def _in_later_with_item(index: ScopeIndex, stmt: cst.CSTNode, node: cst.Await, here: _Here) -> _Here:
    """The surroundings of a site of ``stmt``'s header: a site in a ``with``'s second item
    or a later one runs inside the items before it (the rewrite nests its code in them), so
    their exits see what it raises (a StopIteration must be converted first: review R13
    b1) and their blocks count (R13 b2)."""
    if not isinstance(stmt, cst.With):
        return here
    item: cst.CSTNode | None = node
    while item is not None and not isinstance(item, cst.WithItem):
        item = index.parent(item)
    if item is None or item is stmt.items[0]:
        return here
    return replace(here, observed=True, blocks=here.blocks + block_cost(stmt, item))


def _result_set_up_front(stmt: cst.CSTNode, site: SiteCall, check: Inlinable) -> bool:
    """The frame's entry sets its result to None (``FrameBuilder.statement_frame``: the
    callee may fall off its end): a store, unless the result is discarded (``await f()``
    as a statement). It may free what an earlier run left there (review R15 o1)."""
    returns = check.target.facts.return_plan(check.target.callee)
    discarded = isinstance(stmt, cst.Expr) and stmt.value is site.await_node
    return returns.may_fall_off and not returns.swallowable and not discarded


def _left_as_written(stmt: cst.CSTNode) -> list[cst.CSTNode]:
    """Parts of a header the emitter does not rewrite: each runs at a time of its own (a
    ``for`` target per item, a ``case`` guard after its pattern matched), so an await
    there is kept as a call."""
    if isinstance(stmt, cst.For):
        return [stmt.target]
    if isinstance(stmt, cst.Match):
        return [*(case.pattern for case in stmt.cases), *(case.guard for case in stmt.cases if case.guard is not None)]
    return []


def _inside(index: ScopeIndex, stmt: cst.CSTNode, root: cst.FunctionDef, kinds: tuple[type, ...]) -> bool:
    """Is ``stmt`` within a node of one of ``kinds`` in ``root``'s own body?"""
    node = index.parent(stmt)
    while node is not None and node is not root:
        if isinstance(node, kinds):
            return True
        node = index.parent(node)
    return False


def _children_statements(node: cst.CSTNode) -> list[cst.CSTNode]:
    """The statements directly inside a compound statement, through its suites and clauses."""
    out: list[cst.CSTNode] = []
    stack = [c for c in reversed(children(node)) if is_statement_level(c)]
    while stack:
        current = stack.pop()
        if isinstance(current, cst.BaseStatement):
            out.append(current)
        elif isinstance(current, cst.SimpleStatementSuite):
            out.append(current)
        else:
            stack.extend(c for c in reversed(children(current)) if is_statement_level(c))
    return out
