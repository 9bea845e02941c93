"""The transformer that expands inlinable await sites, statement by statement.

One class serves two roles:

* over the whole module (``frame`` None at the start): each ``async def`` is a physical
  caller, whose statements are expanded at depth 0;
* over a callee's body when it is inlined (``frame`` given): the body is emitted for one
  site, with its locals renamed where needed, its returns lowered, and its own await
  sites expanded one level deeper.

All analysis works on *original* nodes (LibCST rebuilds every node it visits, and
metadata is keyed by identity): headers are re-emitted from the original node through
``emit``, bodies are taken from the updated node.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Union

import libcst as cst
import libcst.matchers as m
from libcst.metadata import ComprehensionScope

from ..analysis.callee import Refusal
from ..analysis.evaluation import FRAME_BLOCKS, awaits_in, blocks_around, contains, header_expressions, statement_position_problem
from ..analysis.scopes import children
from ..analysis.site import SiteDecision, analyze_caller, decide_site
from ..report import Inlined, Skipped
from . import build as b
from .frame import Frame, Session, is_statement_level
from .linearize import Linearizer

Emitted = Union[cst.BaseStatement, cst.BaseSmallStatement]

STOP_ITERATION_MESSAGE = "coroutine raised StopIteration"
_CONSTANTS = (cst.Integer, cst.Float, cst.Imaginary, cst.SimpleString, cst.Ellipsis)


@dataclass
class _Plan:
    """The inlined awaits of one statement."""

    #: Sites inlined as statements, before the statement (see Linearizer).
    sites: dict[cst.Await, SiteDecision] = field(default_factory=dict)
    #: Sites inlined in place, as expressions: await node -> its replacement.
    repl: dict[cst.CSTNode, cst.CSTNode] = field(default_factory=dict)
    #: Whether an exception from the statement could be observed in this function.
    observed: bool = False

    def __bool__(self) -> bool:
        return bool(self.sites or self.repl)


def _walrus_targets(stmt: cst.CSTNode) -> frozenset[str]:
    names = set()
    stack = [stmt]
    while stack:
        node = stack.pop()
        if isinstance(node, cst.NamedExpr) and isinstance(node.target, cst.Name):
            names.add(node.target.value)
        stack.extend(children(node))
    return frozenset(names)


class _Emit(cst.CSTTransformer):
    """Copy original code into the output: apply replacements and renames."""

    def __init__(self, repl: dict[cst.CSTNode, cst.CSTNode], rename: dict[cst.Name, str]) -> None:
        self.repl = repl
        self.rename = rename

    def on_visit(self, node: cst.CSTNode) -> bool:
        return node not in self.repl

    def on_leave(self, original: cst.CSTNode, updated: cst.CSTNode):  # type: ignore[override]
        if original in self.repl:
            return self.repl[original]
        if isinstance(original, cst.Name) and original in self.rename:
            return _renamed(updated, self.rename[original])
        if isinstance(original, cst.ImportAlias):
            return _rename_import_alias(original, updated, self.rename)
        return updated


def _renamed(node: cst.Name, to: str | cst.BaseExpression) -> cst.BaseExpression:
    """A Name after renaming: another identifier, or the expression a parameter stands for."""
    if isinstance(to, str):
        return node.with_changes(value=to)
    return to.with_changes(lpar=[*node.lpar, *to.lpar], rpar=[*to.rpar, *node.rpar]) if node.lpar else to


def _rename_import_alias(original: cst.ImportAlias, updated: cst.ImportAlias, rename: dict[cst.Name, str]) -> cst.ImportAlias:
    """``import os`` with ``os`` renamed binds the new name with ``as``, not another module."""
    if original.asname is None and isinstance(original.name, cst.Name) and original.name in rename:
        return updated.with_changes(name=original.name, asname=cst.AsName(name=cst.Name(rename[original.name])))
    return updated


class Expander(cst.CSTTransformer):
    def __init__(self, session: Session, frame: Frame | None = None) -> None:
        self.session = session
        self._frames: list[Frame | None] = [frame]
        self._qualname: list[str] = []

    @property
    def frame(self) -> Frame | None:
        return self._frames[-1]

    def on_visit(self, node: cst.CSTNode) -> bool:
        """Descend only where something may be rewritten: unchanged subtrees are kept as
        they are (LibCST then calls the leave methods with the original node)."""
        proceed = super().on_visit(node)
        frame = self._frames[0]
        wanted = self.session.module_visit if frame is None else frame.visit
        return proceed and (wanted is None or node in wanted)

    # -- scopes of the module pass ------------------------------------------------------
    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        qualname = ".".join(self._qualname + [node.name.value])
        self._qualname += [node.name.value, "<locals>"]
        if node.asynchronous is None:
            self._frames.append(None)
            return
        caller = analyze_caller(self.session.index, node, qualname)
        self._frames.append(Frame(caller=caller, depth=0, stack=(), scope=caller.scope))

    def leave_FunctionDef(self, original: cst.FunctionDef, updated: cst.FunctionDef) -> cst.FunctionDef:
        frame = self._frames.pop()
        del self._qualname[-2:]
        if frame is not None and frame.caller.required_globals:
            updated = _add_global_declaration(updated, sorted(frame.caller.required_globals))
        return updated

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self._qualname.append(node.name.value)
        self._frames.append(None)

    def leave_ClassDef(self, original: cst.ClassDef, updated: cst.ClassDef) -> cst.ClassDef:
        self._frames.pop()
        self._qualname.pop()
        return updated

    # -- renaming inside an inlined frame -------------------------------------------------
    def leave_Name(self, original: cst.Name, updated: cst.Name) -> cst.BaseExpression:
        frame = self.frame
        if frame is not None and original in frame.rename:
            return _renamed(updated, frame.rename[original])
        return updated

    def leave_ImportAlias(self, original: cst.ImportAlias, updated: cst.ImportAlias) -> cst.ImportAlias:
        frame = self.frame
        return _rename_import_alias(original, updated, frame.rename) if frame is not None else updated

    def emit(self, node: cst.CSTNode, repl: dict[cst.CSTNode, cst.CSTNode] | None = None, frame: Frame | None = None) -> cst.CSTNode:
        frame = frame or self.frame
        return node.visit(_Emit(repl or {}, frame.rename if frame is not None else {}))

    def is_stable_local(self, node: cst.Name, frame: Frame | None = None) -> bool:
        """A local of the frame that nothing but the frame's own statements can change."""
        frame = frame or self.frame
        index = self.session.index
        if frame is None:
            return False
        if node in frame.rename and not isinstance(frame.rename[node], str):
            return True  # an expression frame's parameter: a name, constant or default read
        if index.use_scope(node) is not frame.scope:
            return False
        return node.value in self.session.stable_locals(frame.scope, self._frame_root(frame))

    def _frame_root(self, frame: Frame) -> cst.FunctionDef:
        return frame.caller.node if frame.depth == 0 else self.session.callees[frame.stack[-1]].node

    def _inside(self, stmt: cst.CSTNode, frame: Frame, kinds: tuple[type, ...]) -> bool:
        """Is ``stmt`` within a node of one of ``kinds`` in the frame's own body?"""
        root = self._frame_root(frame)
        node = self.session.index.parent(stmt)
        while node is not None and node is not root:
            if isinstance(node, kinds):
                return True
            node = self.session.index.parent(node)
        return False

    def _in_handler(self, stmt: cst.CSTNode, frame: Frame) -> bool:
        """Is the physical caller handling an exception when ``stmt`` runs?"""
        return frame.in_handler or self._inside(stmt, frame, (cst.ExceptHandler, cst.ExceptStarHandler, cst.Finally))

    def _observed_at(self, stmt: cst.CSTNode) -> bool:
        """Could an exception raised in ``stmt`` be seen before the coroutine boundary?"""
        frame = self.frame
        assert frame is not None
        if frame.observed or (frame.depth == 0 and frame.caller.is_async_generator):
            return True
        return self._inside(stmt, frame, (cst.Try, cst.TryStar, cst.With))

    # -- deciding the sites of one statement ------------------------------------------------
    def _decide(self, stmt: cst.CSTNode) -> _Plan:
        """Decide every await in ``stmt``'s header: inlined in place as an expression,
        inlined as statements (linearized), or kept as a call (reported)."""
        frame = self.frame
        plan = _Plan()
        if frame is None:
            return plan
        first, other = header_expressions(stmt)
        awaits = awaits_in(first + other)
        if not awaits:
            return plan
        plan.observed = self._observed_at(stmt)
        walrus = _walrus_targets(stmt)
        placement = self.session.index.line(stmt) if frame.depth == 0 else frame.placement_line
        # Inner awaits first: whether a site can be an expression depends on its arguments.
        for node in reversed(awaits):
            decision = self._decide_one(node, stmt, frame, placement, check_position=False)
            if decision is None:
                continue
            if decision.inlined and self._expression_form_ok(decision, stmt, frame, plan, walrus):
                plan.repl[node] = self._expression_site(decision, frame, plan.observed, placement, walrus, plan.repl)
                continue
            if decision.inlined:
                problem = statement_position_problem(stmt, node)
                if problem is not None:
                    decision.refusal = Refusal("position", problem)
            self._record(decision, frame)
            if decision.inlined:
                plan.sites[node] = decision
        return plan

    def _decide_one(self, node: cst.Await, stmt: cst.CSTNode, frame: Frame, placement: int, check_position: bool) -> SiteDecision | None:
        session = self.session
        decision = decide_site(
            index=session.index,
            options=session.options,
            callees=session.callees,
            reserved_free=session.reserved_free,
            caller=frame.caller,
            stmt=stmt,
            await_node=node,
            depth=frame.depth + 1,
            stack=frame.stack,
            active_names=frame.active_names,
            fresh=lambda local: session.names.make(f"ai_{local}"),
            placement_line=placement,
            blocks=frame.base_blocks + blocks_around(stmt, self._frame_root(frame).body, session.index.parent),
            in_handler=self._in_handler(stmt, frame),
            limits_apply=session.rng is None,
            check_position=check_position,
        )
        if decision is not None and decision.inlined and session.rng is not None and not self._stress_pick(frame.depth + 1):
            decision.refusal = Refusal("stress", "not picked by the stress mode's random choice")
        return decision

    def _record(self, decision: SiteDecision, frame: Frame) -> None:
        """Report a kept call (inlined sites are reported when they are built)."""
        if decision.refusal is not None:
            line = self.session.index.line(decision.await_node)
            self.session.report.skipped.append(
                Skipped(frame.caller.qualname, decision.callee_name, line, decision.refusal.reason, decision.refusal.code)
            )

    def _stable_in(self, node: cst.CSTNode, frame: Frame, walrus: frozenset[str]) -> bool:
        """True when ``node`` may be evaluated again later, with the same value and no effect."""
        if isinstance(node, _CONSTANTS):
            return True
        if isinstance(node, cst.Name):
            if node.value in ("True", "False", "None"):
                return True
            if node in frame.rename:
                return self.is_stable_local(node, frame)
            # A comprehension's own variable changes only between its iterations (binding
            # it with := is a SyntaxError).
            if isinstance(self.session.index.use_scope(node), ComprehensionScope):
                return True
            return node.value not in walrus and self.is_stable_local(node, frame)
        return False

    def _expression_form_ok(self, decision: SiteDecision, stmt: cst.CSTNode, frame: Frame, plan: _Plan, walrus: frozenset[str]) -> bool:
        """Can this site be replaced in place by ``(EXPR if f is ref else await f(...))``?

        Needs a single-``return`` callee, no observer of a StopIteration before the
        coroutine boundary (no conversion is emitted), no generator expression or f-string
        around the site, and arguments that are stable or can be bound with ``:=`` (not
        inside a comprehension's iterable, where ``:=`` is illegal).
        """
        callee = decision.callee
        if plan.observed or callee is None or not self.session.expression_callee(callee.name):
            return False
        in_iterable = False
        child: cst.CSTNode = decision.await_node
        node = self.session.index.parent(child)
        while node is not None and child is not stmt:
            if isinstance(node, (cst.GeneratorExp, cst.FormattedString)):
                # A generator converts a StopIteration with its own message; inside an
                # f-string, pasted code could clash with its quotes before Python 3.12.
                return False
            if isinstance(node, cst.CompFor) and child is node.iter:
                in_iterable = True
            child, node = node, self.session.index.parent(node)
        for arg in decision.call.args:
            if self._stable_in(arg.value, frame, walrus):
                continue
            if in_iterable or any(contains(arg.value, a) for a in plan.sites):
                return False
        return True

    def _expression_site(
        self,
        decision: SiteDecision,
        frame: Frame,
        observed: bool,
        placement: int,
        walrus: frozenset[str],
        repl: dict[cst.CSTNode, cst.CSTNode],
    ) -> cst.BaseExpression:
        """``(EXPR' if f is ref else await f(args))``: the callee's return expression with its
        parameters standing for the arguments. Arguments that are not stable are bound
        with ``:=`` in the inlined branch, in argument order, after the callee's name was
        read: the order of a call."""
        session = self.session
        callee = decision.callee
        assert callee is not None and callee.return_expr is not None and decision.binding is not None
        call = decision.call
        binds: list[cst.BaseExpression] = []
        values: list[cst.BaseExpression] = []
        for arg in call.args:
            emitted = self.emit(arg.value, repl, frame)
            if self._stable_in(arg.value, frame, walrus):
                values.append(emitted if isinstance(emitted, cst.Name) else b.parenthesize_always(emitted))
            else:
                temp = session.names.temp()
                binds.append(cst.NamedExpr(target=b.name(temp), value=emitted, lpar=[cst.LeftParen()], rpar=[cst.RightParen()]))
                values.append(b.name(temp))
        subst: dict[str, cst.BaseExpression] = {}
        for source in decision.binding:
            param = source.param
            if source.arg is not None:
                subst[param.name] = values[source.arg]
            else:
                field = "__defaults__" if isinstance(param.default, int) else "__kwdefaults__"
                key = b.integer(param.default) if isinstance(param.default, int) else b.string(param.name)
                subst[param.name] = b.subscript(b.attr(b.name(session.ref_alias(callee.name)), field), key)
        child = Frame(
            caller=frame.caller,
            depth=frame.depth + 1,
            stack=frame.stack + (callee.name,),
            scope=callee.scope,
            rename={node: subst[local] for node, local in callee.local_uses.items()},
            active_names=frame.active_names,
            placement_line=placement,
            observed=observed,
            base_blocks=decision.blocks,  # an expression adds no compiler block
            in_handler=decision.in_handler,
        )
        line = session.index.line(decision.await_node)
        session.report.inlined.append(
            Inlined(
                frame.caller.qualname,
                callee.name,
                line,
                child.depth,
            )
        )
        frame.caller.inlined_size += 1
        inner_repl: dict[cst.CSTNode, cst.CSTNode] = {}
        for node in reversed(awaits_in([callee.return_expr])):
            nested = self._decide_one(node, callee.return_expr, child, placement, check_position=False)
            if nested is None:
                continue
            if nested.inlined and not self._expression_form_ok(nested, callee.return_expr, child, _Plan(observed=observed), frozenset()):
                nested.refusal = Refusal("position", "inside a callee inlined as an expression, where statements cannot go")
            if nested.inlined:
                inner_repl[node] = self._expression_site(nested, child, observed, placement, frozenset(), inner_repl)
            else:
                self._record(nested, child)
        body = self.emit(callee.return_expr, inner_repl, child)
        if binds:
            index = cst.SubscriptElement(slice=cst.Index(value=cst.UnaryOperation(operator=cst.Minus(), expression=b.integer(1))))
            inlined = cst.Subscript(value=b.tuple_([*binds, body]), slice=[index])
        else:
            inlined = body
        if not session.options.guards:
            return b.parenthesize_always(inlined)
        fallback = cst.Await(expression=self.emit(call, repl, frame))
        test = b.is_(self.emit(call.func, repl, frame), b.name(session.ref_alias(callee.name)))
        return cst.IfExp(
            test=test,
            body=b.parenthesize_always(inlined),
            orelse=fallback,
            lpar=[cst.LeftParen()],
            rpar=[cst.RightParen()],
        )

    def _stress_pick(self, depth: int) -> bool:
        """Stress mode: inline with a probability that halves with each level of depth."""
        assert self.session.rng is not None
        return self.session.rng.random() < 0.9 / (2 ** (depth - 1))

    # -- building one inlined call ------------------------------------------------------------
    def inline_call(
        self,
        decision: SiteDecision,
        args: list[cst.BaseExpression],
        frame_temps: list[str],
        fn: cst.Name | None,
        fallback: cst.BaseExpression,
        want_result: bool,
        observed: bool,
        leave_flag: cst.BaseExpression | None = None,
    ) -> tuple[list[Emitted], str | None]:
        """The statements replacing ``await callee(args)`` (arguments already evaluated).

        ``args`` are the evaluated arguments (temporaries or stable expressions), ``fn`` the
        temporary holding the callee when it had to be evaluated before them, ``fallback``
        what the guard awaits when the name no longer holds the callee, ``leave_flag`` the
        flag of an enclosing ``configure_await`` (rule I7).
        """
        session = self.session
        frame = self.frame
        assert frame is not None and decision.callee is not None and decision.binding is not None
        callee = decision.callee
        number = session.names.new_frame()
        result = session.names.make(f"ai{number}_ret") if want_result else None
        plan = session.plan_for(callee)
        line = session.index.line(decision.await_node)
        names = dict(decision.local_names)
        # A parameter the body never rebinds can alias its evaluated argument when that is a
        # name (a temporary, or a local nothing can change while the body runs): no copy.
        aliased: set[str] = set()
        for source in decision.binding:
            value = args[source.arg] if source.arg is not None else None
            if isinstance(value, cst.Name) and not value.lpar and source.param.name not in callee.rebound_params:
                names[source.param.name] = value.value
                aliased.add(source.param.name)
        rename = {node: names[local] for node, local in callee.local_uses.items() if names[local] != local}
        child = Frame(
            caller=frame.caller,
            depth=frame.depth + 1,
            stack=frame.stack + (callee.name,),
            scope=callee.scope,
            rename=rename,
            active_names=frame.active_names | frozenset(names[l] for l in callee.locals if l not in aliased),
            plan=plan,
            result=result,
            done_flag=session.names.make(f"ai{number}_done") if plan.in_loop else None,
            placement_line=frame.placement_line if frame.depth else session.index.line(decision.await_node),
            observed=observed,
            visit=session.body_visit(callee, rename),
            base_blocks=decision.blocks + FRAME_BLOCKS,
            in_handler=decision.in_handler,
        )
        session.report.inlined.append(
            Inlined(
                frame.caller.qualname,
                callee.name,
                line,
                child.depth,
                never_suspends=not callee.may_suspend if callee.is_runtime_async else None,
            )
        )
        frame.caller.required_globals |= callee.assigned_globals
        frame.caller.inlined_size += max(callee.size, 1)
        body = self._expand_body(child)

        bindings: list[Emitted] = []
        for source in decision.binding:
            param = source.param
            if param.name in aliased:
                continue
            if source.arg is not None:
                value: cst.BaseExpression = args[source.arg]
            elif source.default:
                field = "__defaults__" if isinstance(param.default, int) else "__kwdefaults__"
                key = b.integer(param.default) if isinstance(param.default, int) else b.string(param.name)
                value = b.subscript(b.attr(b.name(session.ref_alias(callee.name)), field), key)
            elif param.kind == "varargs":
                value = b.tuple_([args[i] for i in source.varargs])
            else:
                value = b.dict_([(k, args[i]) for k, i in source.varkw])
            bindings.append(b.assign(names[param.name], value))
        inner: list[Emitted] = []
        if result is not None and plan.may_fall_off:
            inner.append(b.assign(result, b.NONE))
        if child.done_flag is not None:
            inner.append(b.assign(child.done_flag, b.FALSE))
        inner += [b.while_true([*body, cst.Break()])] if plan.needs_wrapper else body

        released = [names[local] for local in callee.locals if local not in aliased] + frame_temps
        unbound = [names[local] for local in callee.locals if local in callee.maybe_unassigned]
        cleanup: list[Emitted] = [b.assign_many(released, b.NONE)] if released else []
        if unbound:
            cleanup.append(b.delete(unbound))  # a fresh frame starts with them unbound
        handlers = []
        if observed:
            # PEP 479: a StopIteration leaving a coroutine becomes a RuntimeError. Where no
            # code could see the exception before the caller's own coroutine boundary, that
            # boundary does the same conversion and none is needed here.
            exc = session.names.make(f"ai{number}_exc")
            converted = cst.Raise(
                exc=cst.Call(func=b.name("RuntimeError"), args=[cst.Arg(b.string(STOP_ITERATION_MESSAGE))]),
                cause=cst.From(item=b.name(exc)),
            )
            handlers = [cst.ExceptHandler(body=b.block([converted]), type=b.name("StopIteration"), name=cst.AsName(name=b.name(exc)))]
        entry: list[Emitted] = []
        if callee.is_runtime_async:
            # The runtime's frame protocol (docs/runtime-inlining-protocol.md): entry snapshot
            # after the arguments (F1, I2); on every exit, F2 or the I4 transition, which
            # may itself suspend. A callee that cannot suspend exits synchronously (I6).
            rt = b.name(session.runtime_alias())
            snapshot = session.names.make(f"ai{number}_frame")
            entry.append(
                cst.SimpleStatementLine(
                    body=[b.assign(snapshot, cst.Call(func=b.attr(rt, "enter")))],
                    trailing_whitespace=cst.TrailingWhitespace(
                        whitespace=cst.SimpleWhitespace("  "), comment=cst.Comment(f"# inlined {callee.name}")
                    ),
                )
            )
            if callee.may_suspend:
                leave_args = [cst.Arg(b.name(snapshot))] + ([cst.Arg(leave_flag)] if leave_flag is not None else [])
                exit_call: Emitted = cst.Expr(cst.Await(expression=cst.Call(func=b.attr(rt, "leave"), args=leave_args)))
            else:
                exit_call = cst.Expr(cst.Call(func=b.attr(rt, "leave_sync"), args=[cst.Arg(b.name(snapshot))]))
            changed = cst.Comparison(
                left=cst.Call(func=b.attr(rt, "state")),
                comparisons=[cst.ComparisonTarget(operator=cst.IsNot(), comparator=b.name(snapshot))],
            )
            cleanup.append(b.if_(changed, [exit_call]))
        frame_code: list[Emitted]
        if handlers or cleanup:
            frame_code = [
                *bindings,
                *entry,
                cst.Try(
                    body=b.block(inner),
                    handlers=handlers,
                    finalbody=cst.Finally(body=b.block(cleanup)) if cleanup else None,
                ),
            ]
        else:
            frame_code = bindings + inner
        stmts: list[Emitted]
        if session.options.guards:
            awaited = cst.Await(expression=fallback)
            call_it = b.assign(result, awaited) if result is not None else cst.Expr(awaited)
            test = b.is_(fn if fn is not None else self.emit(decision.call.func), b.name(session.ref_alias(callee.name)))
            stmts = [b.if_(test, frame_code, [call_it])]
        else:
            stmts = frame_code
        for stmt in stmts:
            session.mark_tree(stmt, line)
        return stmts, result

    def _expand_body(self, frame: Frame) -> list[cst.BaseStatement]:
        callee = self.session.callees[frame.stack[-1]]
        expander = Expander(self.session, frame)
        out: list[cst.BaseStatement] = []
        for stmt in callee.body:
            result = stmt.visit(expander)
            if isinstance(result, cst.FlattenSentinel):
                out.extend(result.nodes)
            elif isinstance(result, cst.BaseStatement):
                out.append(result)
        return out

    # -- statements -------------------------------------------------------------------------
    def _mark(self, node: cst.CSTNode, original: cst.CSTNode) -> cst.CSTNode:
        self.session.mark_tree(node, self.session.index.line(original))
        return node

    def on_leave(self, original: cst.CSTNode, updated: cst.CSTNode):  # type: ignore[override]
        """Every statement left keeps a record of its original line (see ``origin_lines``)."""
        result = super().on_leave(original, updated)
        if result is original and updated is original:
            if is_statement_level(original):
                self.session.mark_original_tree(original)  # not descended into: marks inside too
        elif isinstance(original, (cst.SimpleStatementLine, cst.BaseCompoundStatement)) and isinstance(
            result, (cst.SimpleStatementLine, cst.BaseCompoundStatement)
        ):
            self.session.mark(result, self.session.index.line(original))
        return result

    def _small(self, original: cst.BaseSmallStatement, updated: cst.BaseSmallStatement) -> list[Emitted] | None:
        """The statements replacing one small statement, or None when it stays as it is."""
        frame = self.frame
        if frame is None:
            return None
        if frame.inlined and isinstance(original, cst.Global):
            return []  # the declaration moves to the physical caller (required_globals)
        plan = self._decide(original)
        if plan:
            lin = Linearizer(self, plan, original)
            residual = self._linearize_small(lin, original)
            stmts: list[Emitted] = list(lin.out)
        else:
            lin, residual, stmts = None, updated, []
        if frame.inlined and isinstance(original, cst.Return):
            value = residual.value if isinstance(residual, cst.Return) else None
            stmts += self._lower_return(original, value, lin.temps if lin is not None else [])
        elif plan:
            if residual is not None:
                stmts.append(residual)
            if lin is not None and lin.temps and not isinstance(residual, (cst.Return, cst.Raise)):
                stmts.append(b.assign_many(lin.temps, b.NONE))  # do not keep results alive
        else:
            return None
        for stmt in stmts:
            self._mark(stmt, original)
        return stmts

    def _linearize_small(self, lin: Linearizer, stmt: cst.BaseSmallStatement) -> cst.BaseSmallStatement | None:
        if isinstance(stmt, cst.Expr):
            lin.lin(stmt.value, discard=True)
            value = lin.repl.get(stmt.value)
            if stmt.value in lin.sites or (isinstance(value, cst.Name) and value.value in lin.temps):
                return None  # nothing left to evaluate
            return lin.emit(stmt)  # type: ignore[return-value]
        if isinstance(stmt, cst.AugAssign):
            return self._linearize_augassign(lin, stmt)
        first, _ = header_expressions(stmt)
        lin.sequence(list(first))
        return lin.emit(stmt)  # type: ignore[return-value]

    def _linearize_augassign(self, lin: Linearizer, stmt: cst.AugAssign) -> cst.BaseSmallStatement:
        """``target op= value``: the target is read before the value is evaluated."""
        names = self.session.names
        target = stmt.target
        if isinstance(target, cst.Name) and lin.is_stable(target):
            lin.lin(stmt.value)
            return lin.emit(stmt)  # type: ignore[return-value]
        current = names.temp()
        lin.temps.append(current)
        store: cst.BaseAssignTargetExpression
        if isinstance(target, cst.Name):
            lin.out.append(b.assign(current, lin.emit(target)))
            store = lin.emit(target)  # type: ignore[assignment]
        else:
            obj = names.temp()
            lin.temps.append(obj)
            lin.out.append(b.assign(obj, lin.emit(target.value)))  # type: ignore[attr-defined]
            if isinstance(target, cst.Attribute):
                store = target.with_changes(value=b.name(obj), attr=cst.Name(target.attr.value))
            else:
                assert isinstance(target, cst.Subscript)
                elements = []
                for element in target.slice:
                    key = names.temp()
                    lin.temps.append(key)
                    lin.out.append(b.assign(key, lin.emit(element.slice.value)))  # type: ignore[attr-defined]
                    elements.append(element.with_changes(slice=cst.Index(value=b.name(key))))
                store = cst.Subscript(value=b.name(obj), slice=elements)
            lin.out.append(b.assign(current, store))
        lin.lin(stmt.value)
        lin.out.append(cst.AugAssign(target=b.name(current), operator=stmt.operator, value=lin.emit(stmt.value)))
        return b.assign(store, b.name(current))

    def _lower_return(self, original: cst.Return, value: cst.BaseExpression | None, temps: list[str]) -> list[Emitted]:
        """``return value`` inside an inlined frame: set the result, then leave the body."""
        frame = self.frame
        assert frame is not None and frame.plan is not None
        out: list[Emitted] = []
        if frame.result is not None:
            out.append(b.assign(frame.result, value if value is not None else b.NONE))
        elif value is not None and not m.matches(value, m.Name("None") | m.Integer() | m.SimpleString()):
            out.append(cst.Expr(value))  # evaluated for its effects, result unused
        if temps:
            out.append(b.assign_many(temps, b.NONE))
        if original not in frame.plan.tail:
            if original in frame.plan.in_loop:
                assert frame.done_flag is not None
                out.append(b.assign(frame.done_flag, b.TRUE))
            out.append(cst.Break())
        return out

    def _regroup(self, items: list[Emitted], original: cst.SimpleStatementLine) -> list[cst.BaseStatement]:
        stmts = b.as_statements(items)
        if stmts:
            stmts[0] = stmts[0].with_changes(leading_lines=original.leading_lines)
        for stmt in stmts:
            self._mark(stmt, original)
        return stmts

    def _smalls(self, original: cst.SimpleStatementLine | cst.SimpleStatementSuite, updated) -> list[Emitted] | None:
        """What the small statements of a line or suite become; None when none changed."""
        items: list[Emitted] = []
        changed = False
        for o, u in zip(original.body, updated.body):
            expansion = self._small(o, u)
            if expansion is None:
                items.append(u)
            else:
                items.extend(expansion)
                changed = True
        return items if changed else None

    @staticmethod
    def _plain_smalls(items: list[Emitted]) -> list[cst.BaseSmallStatement] | None:
        """``items`` when they are all small statements, their separators reset."""
        if not all(isinstance(i, cst.BaseSmallStatement) for i in items):
            return None
        return [i.with_changes(semicolon=cst.MaybeSentinel.DEFAULT) for i in items]  # type: ignore[union-attr]

    def leave_SimpleStatementLine(self, original: cst.SimpleStatementLine, updated: cst.SimpleStatementLine):
        items = self._smalls(original, updated)
        if items is None:
            return self._mark(updated, original)
        if not items:
            return cst.RemovalSentinel.REMOVE
        smalls = self._plain_smalls(items)
        if smalls is not None and len(smalls) == len(updated.body):
            # Same shape (e.g. a return lowered to an assignment): keep the line's layout.
            return self._mark(updated.with_changes(body=smalls), original)
        return cst.FlattenSentinel(self._regroup(items, original))

    def leave_SimpleStatementSuite(self, original: cst.SimpleStatementSuite, updated: cst.SimpleStatementSuite):
        items = self._smalls(original, updated)
        if items is None:
            return updated
        smalls = self._plain_smalls(items)
        if smalls is not None:
            return updated.with_changes(body=smalls or [cst.Pass()])
        return b.block(items)

    def leave_IndentedBlock(self, original: cst.IndentedBlock, updated: cst.IndentedBlock) -> cst.IndentedBlock:
        if not updated.body:
            return updated.with_changes(body=[b.line(cst.Pass())])
        return updated

    # -- compound statements ---------------------------------------------------------
    def _loop_exit_check(self, original: cst.CSTNode, stmts: list[cst.BaseStatement]) -> list[cst.BaseStatement]:
        """After a callee loop holding a lowered return: leave the next loop out too."""
        frame = self.frame
        if frame is not None and frame.plan is not None and original in frame.plan.loops:
            assert frame.done_flag is not None
            stmts.append(b.if_(b.name(frame.done_flag), [cst.Break()]))
        return stmts

    def _flatten(self, stmts: list[Emitted], original: cst.BaseCompoundStatement):
        """Statements replacing a compound statement; comments above it stay above the first."""
        out = b.as_statements(stmts)
        out[0] = out[0].with_changes(leading_lines=original.leading_lines)
        for stmt in out:
            self._mark(stmt, original)
        return out[0] if len(out) == 1 else cst.FlattenSentinel(out)

    def leave_If(self, original: cst.If, updated: cst.If):
        plan = self._decide(original)
        if not plan:
            return self._mark(updated, original)
        lin = Linearizer(self, plan, original)
        lin.lin(original.test)
        new = updated.with_changes(test=lin.emit(original.test))
        if not lin.out:
            return self._mark(new, original)
        parent = self.session.index.parent(original)
        if isinstance(parent, cst.If) and parent.orelse is original:  # an `elif`
            return cst.Else(body=b.block([*lin.out, new]))
        return self._flatten([*lin.out, new.with_changes(leading_lines=())], original)

    def leave_While(self, original: cst.While, updated: cst.While):
        plan = self._decide(original)
        loop: cst.BaseStatement = updated
        stmts: list[cst.BaseStatement] = [loop]
        if plan.sites:
            # while <test>: body else: E   ->
            #     f = False; while True: <test>; if not t: f = True; break; body; if f: E
            # E stays after the loop, so that its break, continue and lowered returns
            # leave the loops they left before.
            lin = Linearizer(self, plan, original)
            lin.lin(original.test)
            flag = self.session.names.make("ai_else") if updated.orelse is not None else None
            leave: list[Emitted] = [cst.Break()] if flag is None else [b.assign(flag, b.TRUE), cst.Break()]
            check = b.if_(b.not_(lin.emit(original.test)), leave)
            loop = updated.with_changes(test=b.TRUE, orelse=None, body=b.block([*lin.out, check, *updated.body.body]))
            stmts = [loop]
            if flag is not None:
                assert updated.orelse is not None
                stmts = [b.line(b.assign(flag, b.FALSE)), loop, b.if_(b.name(flag), list(updated.orelse.body.body))]
        elif plan:
            loop = updated.with_changes(test=Linearizer(self, plan, original).emit(original.test))
            stmts = [loop]
        stmts = self._loop_exit_check(original, stmts)
        return self._flatten(stmts, original) if len(stmts) > 1 else self._mark(loop, original)

    def leave_For(self, original: cst.For, updated: cst.For):
        plan = self._decide(original)
        stmts: list[Emitted] = []
        loop: cst.BaseStatement = updated
        if plan:
            lin = Linearizer(self, plan, original)
            lin.lin(original.iter)
            stmts += lin.out
            loop = updated.with_changes(iter=lin.emit(original.iter), leading_lines=() if lin.out else updated.leading_lines)
        stmts.append(loop)
        stmts = self._loop_exit_check(original, stmts)  # type: ignore[arg-type]
        return self._flatten(stmts, original) if len(stmts) > 1 else self._mark(loop, original)

    def leave_Match(self, original: cst.Match, updated: cst.Match):
        plan = self._decide(original)
        if not plan:
            return self._mark(updated, original)
        lin = Linearizer(self, plan, original)
        lin.lin(original.subject)
        new = updated.with_changes(subject=lin.emit(original.subject))
        if not lin.out:
            return self._mark(new, original)
        return self._flatten([*lin.out, new.with_changes(leading_lines=())], original)

    def leave_With(self, original: cst.With, updated: cst.With):
        plan = self._decide(original)
        if not plan:
            return self._mark(updated, original)
        if not plan.sites:
            lin = Linearizer(self, plan, original)
            return self._mark(updated.with_changes(items=[lin.emit(i) for i in original.items]), original)
        stmts = self._split_with(original, list(original.items), updated.body, plan)
        return self._flatten(stmts, original)

    def _split_with(self, original: cst.With, items: list[cst.WithItem], body: cst.BaseSuite, plan: _Plan) -> list[Emitted]:
        """``with a, b:`` is ``with a: with b:``; an await in an item runs after the items before it."""
        lin = Linearizer(self, plan, original)
        first = next((i for i, item in enumerate(items) if lin.has_site(item.item)), None)

        def group(part: list[cst.WithItem], inner: cst.BaseSuite) -> cst.With:
            emitted = [lin.emit(i) for i in part]
            emitted[-1] = emitted[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)  # type: ignore[union-attr]
            return original.with_changes(items=emitted, body=inner, leading_lines=())

        if first is None:
            return [group(items, body)]
        if first > 0:
            inner = b.block(self._split_with(original, items[first:], body, plan))
            return [group(items[:first], inner)]
        lin.lin(items[0].item)
        inner_body = b.block(self._split_with(original, items[1:], body, plan)) if len(items) > 1 else body
        return [*lin.out, group(items[:1], inner_body)]


def _add_global_declaration(fdef: cst.FunctionDef, names: list[str]) -> cst.FunctionDef:
    """``global`` for names inlined code assigns, after the docstring (before any use)."""
    decl = b.line(cst.Global(names=[cst.NameItem(name=cst.Name(n)) for n in names]))
    body = fdef.body
    if isinstance(body, cst.SimpleStatementSuite):
        body = b.block(list(body.body))
    stmts = list(body.body)
    at = 1 if stmts and m.matches(stmts[0], m.SimpleStatementLine(body=[m.Expr(value=m.SimpleString() | m.ConcatenatedString())])) else 0
    stmts.insert(at, decl)
    return fdef.with_changes(body=body.with_changes(body=stmts))
