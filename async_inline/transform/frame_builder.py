"""Build the code of one inlined frame, in either form, from its plan.

Statement form (``statement_frame``)::

    if f is _ai_ref_f:                 # the guard (Options.guards)
        a = <arg>                      # bindings: parameters that do not alias their argument
        <body, returns lowered>        # while True: ... break, where a return must jump
        a = x = None                   # released on the normal exit
    else:
        _ai1_ret = await f(<args>)

Expression form (``expression_frame``): ``(EXPR' if f is _ai_ref_f else await f(args))``,
EXPR' being the callee's return expression with its parameters standing for the arguments.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field, replace

import libcst as cst

from ..analysis.binding import ParamSource
from ..analysis.callee import CalleeInfo, Parameter, ParamKind, is_immutable_literal
from ..analysis.evaluation import awaits_in
from ..analysis.guards import Guard
from ..analysis.namespace_cost import NamespaceRead, namespace_read
from ..analysis.release import is_silent, release_order, silent_locals, silent_temporaries
from ..analysis.resolve import Lookup
from ..analysis.stability import CONSTANT_NAMES, is_literal
from ..plan.model import Form, Inlining, SitePlan
from ..tree import walk
from . import build as b
from .breaks import without_breaks
from .linearize import Emitted, EvaluatedCall
from .renaming import Replacements, copy
from .session import Emission, Frame

STOP_ITERATION_MESSAGE = "coroutine raised StopIteration"


#: Emits the statements of an inlined body (``statements.emit_body``).
BodyEmitter = Callable[["FrameBuilder", Frame], list[cst.BaseStatement]]


@dataclass(frozen=True)
class DefaultReads:
    """A site's reads of its function's defaults: ``binds`` (temporary, value) first, then
    ``held or again``, then each default from its temporary (``temps``, by attribute); or,
    for the commonest site, reading only the last positional default, ``direct``, that
    default read where its parameter is bound: ``(D[n - 1] if REF.__defaults__ is D else
    (REF.__defaults__ or again)[-1])``."""

    binds: list[tuple[str, cst.BaseExpression]]
    held: cst.BaseExpression | None
    again: cst.Call
    temps: dict[str, str]
    direct: cst.BaseExpression | None = None
    #: Positional defaults only (``Inlining.tests_defaults``): the test that the function still holds
    #: the tuple its ``def`` made (``REF.__defaults__ is D``), and each default as read
    #: from that tuple where it holds; where it does not, the site makes the call itself.
    unchanged: cst.BaseExpression | None = None
    from_found: dict[str, cst.BaseExpression] = field(default_factory=dict)

    def binds_temps(self) -> list[str]:
        return [temp for temp, _ in self.binds]


class FrameBuilder:
    def __init__(self, emission: Emission, emit_body: BodyEmitter) -> None:
        self.emission = emission
        self.names = emission.names
        self._emit_body = emit_body
        #: Ids of the site plans emitted so far (``emit_module`` checks them against the plan).
        self.emitted: set[int] = set()

    def _emitted(self, site: SitePlan) -> None:
        if id(site) in self.emitted:
            raise AssertionError("a planned inlining was emitted twice")
        self.emitted.add(id(site))

    # -- both forms ---------------------------------------------------------------------
    def bound_values(
        self, inlining: Inlining, args: Sequence[cst.BaseExpression], defaults: DefaultReads | None
    ) -> list[tuple[Parameter, cst.BaseExpression]]:
        """Each parameter with the value it is bound to: an argument, the function's own
        default object (read at call time, as a call reads it, from ``defaults``), or a
        packed ``*``/``**``."""
        return [(source.param, self._value(inlining, source, args, defaults)) for source in inlining.binding]

    def _value(
        self, inlining: Inlining, source: ParamSource, args: Sequence[cst.BaseExpression], defaults: DefaultReads | None
    ) -> cst.BaseExpression:
        param = source.param
        if source.arg is not None:
            return args[source.arg]
        if source.default:
            if inlining.callee.folds_default(param, "frozen-defaults" in self.emission.options.assume):
                assert param.literal is not None
                return param.literal.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])  # one pair: ``()`` has one of its own
            assert defaults is not None and param.default is not None
            if defaults.unchanged is not None:
                return defaults.from_found[param.name]
            if defaults.direct is not None:
                return defaults.direct
            if isinstance(param.default, int):  # counted from the end, as a call counts
                return b.subscript(b.name(defaults.temps["__defaults__"]), b.integer(param.default))
            return b.subscript(b.name(defaults.temps["__kwdefaults__"]), b.string(param.default))
        if param.kind is ParamKind.VARARGS:
            return b.tuple_([args[i] for i in source.varargs])
        return b.dict_([(k, args[i]) for k, i in source.varkw])

    def _reads_default(self, inlining: Inlining, source: ParamSource) -> bool:
        """Is the parameter bound to its default read from the function (not folded)?"""
        return source.default and not inlining.callee.folds_default(source.param, "frozen-defaults" in self.emission.options.assume)

    def default_reads(self, inlining: Inlining, again: Callable[[], cst.Call]) -> DefaultReads | None:
        """How the site reads the defaults of its function (None: it reads none).

        Where the planner chose it (``Inlining.tests_defaults``): from the tuple the module
        found (``runtime.defaults_of``) while the function holds it, a tuple being
        immutable; else by making the call again (``again()``, with the evaluated
        arguments), which binds them as the original does. Its items are the ``def``'s
        defaults, which that tuple keeps alive: variables holding them need no clearing.

        Otherwise once each attribute, then the test that they hold every default read.
        Both may have been replaced since the ``def``, by a shorter tuple or None; a call
        then raises a TypeError (a missing argument), which ``again()`` raises. The
        tuple's end holds the last parameters' defaults."""
        read = [s.param for s in inlining.binding if self._reads_default(inlining, s)]
        if not read:
            return None
        ref = b.name(self.emission.ref_alias(inlining.body))
        last = [-p.default for p in read if isinstance(p.default, int)]
        keys = [p.default for p in read if isinstance(p.default, str)]
        callee = inlining.callee
        if inlining.tests_defaults:
            found = b.name(self.emission.defaults_alias(inlining.body))
            from_found: dict[str, cst.BaseExpression] = {}
            for p in read:
                assert isinstance(p.default, int)
                same = callee.identical_default(p)
                from_found[p.name] = (
                    same.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()]) if same is not None else b.subscript(found, b.integer(callee.positional_defaults + p.default))
                )
            unchanged = b.is_(b.attr(ref, "__defaults__"), found)
            return DefaultReads([], None, again(), {}, unchanged=unchanged, from_found=from_found)
        if last == [1] and not keys:
            # One read, no temporary, no statement. While the function holds the tuple the
            # module found (``runtime.defaults_of``), its last item, indexed from the front
            # (which CPython specialises); else a tuple not empty holds it, and ``None`` or
            # ``()`` call again, which raises the call's TypeError.
            again_call = again()
            found = b.name(self.emission.defaults_alias(inlining.body))
            unchanged = b.is_(b.attr(ref, "__defaults__"), found)
            either = cst.BooleanOperation(left=b.attr(ref, "__defaults__"), operator=cst.Or(), right=again_call)
            direct = cst.IfExp(
                test=unchanged,
                body=b.subscript(found, b.integer(inlining.callee.positional_defaults - 1)),
                orelse=b.subscript(b.parenthesize_always(either), b.integer(-1)),
            )
            return DefaultReads([], None, again_call, {}, b.parenthesize_always(direct))
        temps: dict[str, str] = {}
        binds: list[tuple[str, cst.BaseExpression]] = []
        only_last = last == [1]  # the commonest case; its test, a tuple not empty, the cheapest
        for attribute, used in (("__defaults__", last), ("__kwdefaults__", keys)):
            if used:
                temps[attribute] = self.names.temp()
                value: cst.BaseExpression = b.attr(ref, attribute)
                if not (only_last and attribute == "__defaults__"):  # ``None or ()``: no default at all
                    value = cst.BooleanOperation(left=value, operator=cst.Or(), right=cst.Tuple([]))
                binds.append((temps[attribute], value))
        tests: list[cst.BaseExpression] = []
        if only_last:
            tests.append(b.name(temps["__defaults__"]))
        elif last:
            length = cst.Call(func=self.emission.builtin("len"), args=[cst.Arg(b.name(temps["__defaults__"]))])
            tests.append(cst.Comparison(left=length, comparisons=[cst.ComparisonTarget(cst.GreaterThanEqual(), b.integer(max(last)))]))
        for key in keys:
            tests.append(cst.Comparison(left=b.string(key), comparisons=[cst.ComparisonTarget(cst.In(), b.name(temps["__kwdefaults__"]))]))
        held = tests[0]
        for more in tests[1:]:
            held = cst.BooleanOperation(left=held, operator=cst.And(), right=more)
        return DefaultReads(binds, held, again(), temps)

    @staticmethod
    def _call_again(func: cst.BaseExpression, first: cst.BaseExpression | None, call: cst.Call, args: Sequence[cst.BaseExpression]) -> cst.Call:
        """``func(first, args)``: the call of the site with its evaluated arguments."""
        values = [cst.Arg(first)] if first is not None else []
        values += [
            b.keyword_arg(arg.keyword.value, b.element(value)) if arg.keyword else cst.Arg(b.element(value))
            for arg, value in zip(call.args, args, strict=True)
        ]
        return cst.Call(func=func, args=values)

    def guard(self, inlining: Inlining, child: Frame, func: cst.BaseExpression) -> cst.BaseExpression:
        """True exactly when the original's evaluation of the callee (``func``: a name, or
        the value of a lookup) reached the function that was inlined (docs/methods.md),
        and, for the sites whose guards it makes (``child.merged_guards``), theirs. (The
        ``class-methods`` test is made in statements: ``_class_attribute_probe``.)"""
        return self._with_merged(self._own_test(inlining, func), child)

    def _configured(self, site: SitePlan, parent: Frame, call: EvaluatedCall, test: cst.BaseExpression) -> cst.BaseExpression:
        """``configure_await is REAL and TEST`` at an I7 site: the inlined frame's exits stand
        for the call of ``configure_await``, which the original makes, patched or not
        (review R22a F1). The name is read first, as the original reads it (before the
        callee's lookup: ``call.configure``)."""
        configured = self._configure_test(site, parent, call)
        return test if configured is None else cst.BooleanOperation(left=configured, operator=cst.And(), right=test)

    def _configure_test(self, site: SitePlan, parent: Frame, call: EvaluatedCall) -> cst.BaseExpression | None:
        written = site.site.configure_func
        if written is None:
            return None
        read = call.configure if call.configure is not None else copy(written, {}, parent.rename, self.emission.marks)
        return b.is_(read, self.emission.configure_await())

    @staticmethod
    def _with_merged(test: cst.BaseExpression, child: Frame) -> cst.BaseExpression:
        for merged in child.merged_guards:
            test = cst.BooleanOperation(left=test, operator=cst.And(), right=merged)
        return test

    def _own_test(self, inlining: Inlining, func: cst.BaseExpression) -> cst.BaseExpression:
        ref = b.name(self.emission.ref_alias(inlining.body))
        if inlining.guard is Guard.IDENTITY:
            return b.is_(func, ref)
        builtin = self.emission.builtin
        assert inlining.guard is Guard.BOUND_METHOD
        is_method = b.is_(cst.Call(func=builtin("type"), args=[cst.Arg(func)]), b.name(self.emission.method_type()))
        return cst.BooleanOperation(left=is_method, operator=cst.And(), right=b.is_(b.attr(func, "__func__"), ref))

    # -- expression form ----------------------------------------------------------------
    def expression_frame(self, parent: Frame, site: SitePlan, repl: Replacements) -> cst.BaseExpression:
        """``(EXPR' if f is ref else await f(args))``. Arguments used in place are stable; the
        others are bound with ``:=`` in the inlined branch, in argument order, after the
        callee's name was read: the order of a call."""
        inlining = site.inlining
        assert inlining is not None and inlining.form is Form.EXPRESSION
        self._emitted(site)
        callee = inlining.callee
        assert callee.return_expr is not None
        call = site.site.call
        binds: list[cst.BaseExpression] = []
        values: list[cst.BaseExpression] = []
        temps: list[str] = []  # the frame's variables, released after its body
        borrowed: set[str] = set()  # variables of the frames around, arguments used in place
        for i, arg in enumerate(call.args):
            emitted = copy(arg.value, repl, parent.rename, self.emission.marks)
            if i in inlining.in_place_args:
                if isinstance(emitted, cst.Name):
                    borrowed.add(emitted.value)
                values.append(emitted if isinstance(emitted, cst.Name) else b.parenthesize_always(emitted))
            else:
                temp = self.names.temp()
                binds.append(_walrus(temp, b.element(emitted)))
                values.append(b.name(temp))
                if not is_silent(emitted):
                    temps.append(temp)
        defaults = self.default_reads(inlining, lambda: self._call_again(b.name(self.emission.ref_alias(inlining.body)), None, call, values))
        if defaults is not None and defaults.held is not None:
            binds += [_walrus(temp, value) for temp, value in defaults.binds]
            temps += defaults.binds_temps()
            binds.append(b.parenthesize_always(cst.BooleanOperation(left=defaults.held, operator=cst.Or(), right=defaults.again)))
        unchanged = defaults.unchanged if defaults is not None else None
        late: list[cst.BaseExpression] = []  # bound once ``unchanged`` holds
        subst: dict[str, cst.BaseExpression] = {}
        for source, (param, value) in zip(inlining.binding, self.bound_values(inlining, values, defaults), strict=True):
            # Read once, when the call binds it (code of the body may replace the defaults,
            # or, run again, the module's own names); a literal the tested tuple holds is
            # pasted where it is read. An item of that tuple, which keeps it alive, is not
            # released.
            if self._reads_default(inlining, source) and (unchanged is None or type(value) is cst.Subscript):
                temp = self.names.temp()
                (binds if unchanged is None else late).append(_walrus(temp, value))
                value = b.name(temp)
                if unchanged is None:
                    temps.append(temp)
            subst[param.name] = value
        rename: dict[cst.Name, str | cst.BaseExpression] = {node: subst[local] for node, local in callee.local_uses.items()}
        rename.update(self._namespace_reads(inlining))
        child = Frame(plan=inlining.body, rename=rename)
        marks = self.emission.marks
        shown, pasted = _shown(subst)
        marks.open_frame(child, parent, callee, site.await_node, shown, pasted, borrowed)
        inner: dict[cst.CSTNode, cst.CSTNode] = {}
        for node in reversed(awaits_in([callee.return_expr])):
            nested = child.plan.sites.get(node)
            if nested is not None and nested.inlining is not None:
                inner[node] = self.expression_frame(child, nested, inner)
        body = copy(callee.return_expr, inner, child.rename, marks)
        marks.frame([body], child)
        inlined: cst.BaseExpression = body
        if binds or unchanged is not None:
            # A tuple body is bracketed to be an element: the bracketed copy is the body
            # (unrecorded, the frame had no instruction, and no logical frame was listed).
            released = [_walrus(temp, b.NONE) for temp in self._in_release_order(inlining, subst, temps)]
            if released or unchanged is not None:
                # ``(BODY if (binds) else None, (t := None) ...)[0]``: the tuple of the binds,
                # which holds the arguments too, goes once tested (a tuple that is not empty
                # is true), before the body; the temporaries let go of them after it. Where
                # the defaults come from the tuple the module found, the test that the
                # function holds it follows the binds, and where it fails the site makes the
                # call: ``await (CALL, (t := None) ...)[0]``, the temporaries letting go
                # of the arguments once the call has bound them, as ``_call_instead`` does.
                shown_body = b.parenthesize_always(body)
                test: cst.BaseExpression = b.tuple_(binds)
                orelse: cst.BaseExpression = b.NONE
                if unchanged is not None:
                    assert defaults is not None
                    if late:
                        unchanged = cst.BooleanOperation(left=unchanged, operator=cst.And(), right=b.tuple_(late))
                    test = cst.BooleanOperation(left=test, operator=cst.And(), right=unchanged) if binds else unchanged
                    called = b.subscript(b.tuple_([defaults.again, *released]), b.integer(0)) if released else defaults.again
                    orelse = cst.Await(expression=called)
                bound: cst.BaseExpression = cst.IfExp(test=test, body=shown_body, orelse=orelse)
                first = cst.SubscriptElement(slice=cst.Index(value=b.integer(0)))
                inlined = cst.Subscript(value=b.tuple_([bound, *released]), slice=[first]) if released else b.parenthesize_always(bound)
            else:
                shown_body = b.element(body)
                last = cst.SubscriptElement(slice=cst.Index(value=b.integer(-1)))
                inlined = cst.Subscript(value=b.tuple_([*binds, shown_body]), slice=[last])
            marks.replaced(shown_body, body)
        parenthesized = b.parenthesize_always(inlined)
        marks.copied(parenthesized, inlined)
        if inlined is body:
            marks.frame([parenthesized], child)
        if inlining.guard is Guard.NONE:
            return parenthesized
        test = self.guard(inlining, child, copy(call.func, repl, parent.rename, marks))
        if inlining.merged_guard:
            self._merge(test, parent)
            return parenthesized
        return cst.IfExp(
            test=test,
            body=parenthesized,
            orelse=cst.Await(expression=copy(call, repl, parent.rename, marks)),
            lpar=[cst.LeftParen()],
            rpar=[cst.RightParen()],
        )

    @staticmethod
    def _in_release_order(inlining: Inlining, subst: dict[str, cst.BaseExpression], temps: list[str]) -> list[str]:
        """An expression-form frame's variables, released right after its body (``(t :=
        None)``), as the original frame releases its locals when the callee returns: those
        standing for parameters in the order of the frame's locals, then the others."""
        order = {local: i for i, local in enumerate(release_order(inlining.body.facts, inlining.callee))}
        position = {value.value: order[name] for name, value in subst.items() if isinstance(value, cst.Name)}
        return sorted(temps, key=lambda temp: position.get(temp, len(order)))

    # -- statement form -----------------------------------------------------------------
    def statement_frame(self, parent: Frame, site: SitePlan, call: EvaluatedCall) -> tuple[list[Emitted], str | None]:
        """The statements replacing ``await callee(args)``, the arguments already evaluated."""
        inlining = site.inlining
        assert inlining is not None and inlining.form is Form.STATEMENTS
        self._emitted(site)
        callee = inlining.callee
        number = self.names.new_frame()
        result = call.into.value if call.into is not None else self.names.make(f"ai{number}_ret") if call.want_result else None
        returns = inlining.body.facts.return_plan(callee)
        defaults = self.default_reads(inlining, lambda: self._again(inlining, call, site.site.call))
        values = self.bound_values(inlining, call.args, defaults)
        constants = {param.name: _pasted(value) for param, value in values if param.name in inlining.constants}
        names = self._local_names(inlining, call.args, call.receiver)
        rename: dict[cst.Name, str | cst.BaseExpression] = {
            node: constants.get(local) or names[local] for node, local in callee.local_uses.items() if local in constants or names[local] != local
        }
        rename.update(callee.mangled)
        rename.update(self._namespace_reads(inlining))
        child = Frame(
            plan=inlining.body,
            rename=rename,
            replaced=self._class_cell(inlining, names, rename),
            returns=returns,
            result=result,
            done_flag=self.names.make(f"ai{number}_done") if returns.in_loop else None,
            visit=self.emission.body_visit(inlining.body, rename),
        )
        marks = self.emission.marks
        shown, pasted = _shown({local: constants.get(local) or b.name(name) for local, name in names.items()})
        marks.open_frame(child, parent, callee, site.await_node, shown, pasted, {names[p] for p in inlining.aliased})
        body = self._emit_body(self, child)
        inner: list[Emitted] = []
        # Falling off the end makes the result None: set up front, unless a return's value
        # may be discarded and the body go on (``swallowable``): then where it happens.
        falls_off = [b.assign(result, b.NONE)] if result is not None and returns.may_fall_off else []
        if not returns.swallowable:
            inner += falls_off
        if child.done_flag is not None:
            inner.append(b.assign(child.done_flag, b.FALSE))
        if returns.swallowable:
            assert returns.needs_wrapper, "swallowable returns leave by break"
            inner.append(b.while_true([*body, *falls_off, cst.Break()]))
        elif returns.needs_wrapper:
            lowered = without_breaks(body, marks)
            inner += lowered if lowered is not None else [b.while_true([*body, cst.Break()])]
        else:
            inner += body
        marks.frame(inner, child)
        bindings: list[Emitted] = []
        if defaults is not None and defaults.held is not None:
            bindings += [b.assign(temp, value) for temp, value in defaults.binds]
            bindings.append(b.if_(b.not_(defaults.held), [cst.Expr(defaults.again)]))
            call = replace(call, frame_temps=[*call.frame_temps, *defaults.binds_temps()])
        if call.receiver is None and inlining.target.lookup is not Lookup.BOUND:
            call = replace(call, lookup_temps=[])  # a function read off a class or module: not passed on
        first = callee.params[0].name if callee.params else None
        if call.receiver is not None:
            assert first is not None
            if first not in inlining.aliased:
                bindings.append(b.assign(names[first], call.receiver))
        elif inlining.target.lookup is Lookup.BOUND:
            assert call.fn is not None and first is not None
            bindings.append(b.assign(names[first], b.attr(call.fn, "__self__")))
        kept = inlining.aliased | inlining.constants  # no variable of their own
        bindings += [b.assign(names[param.name], value) for param, value in values if param.name not in kept]
        silent_params = {param.name for param, value in values if is_silent(value)}
        unreleased = {names[local] for local in silent_locals(callee, inlining.body.facts.index, silent_params)}
        unreleased |= silent_temporaries(call.frame_temps, call.arg_code)
        if defaults is not None:  # a default from the tuple the module holds, which keeps it alive
            unreleased |= {names[p] for p in defaults.from_found if p not in callee.rebound_params and p not in kept}
        arguments = self._argument_temps(inlining, names, values, call, first, unreleased)
        silent = frozenset(unreleased)  # (the call made instead lets go of every other temporary)
        if not callee.is_runtime_async:
            # A call moves its arguments into the new frame: a temporary whose value a
            # parameter with a variable of its own (or a ``*``/``**`` parameter's display, or
            # ``self``) now holds lets go of it there, so that the value goes when the
            # parameter does. (A runtime-async function's wrapper keeps its own reference to
            # its arguments until after its exit: ``_with_exits``.)
            moved = [temp for param, temps in arguments.items() if param not in inlining.aliased for temp in temps]
            if moved:
                bindings.append(b.assign_many(moved, b.NONE))
                unreleased |= set(moved)
        frame_code = self._with_exits(inlining, names, unreleased, arguments, number, bindings, inner, call)
        if defaults is not None and defaults.unchanged is not None:
            passed = [*call.frame_temps, *call.lookup_temps]
            frame_code = [b.if_(defaults.unchanged, frame_code, self._call_instead(defaults.again, passed, silent, result, number))]
        frame_code = [*call.arg_code, *frame_code]
        stmts: list[Emitted] = frame_code
        probe: list[Emitted] = []
        test: cst.BaseExpression | None = None
        if inlining.guard is not Guard.NONE:
            func = call.fn if call.fn is not None else copy(site.site.call.func, {}, parent.rename, marks)
            if inlining.merged_guard:  # (identity guards only: planner._merged)
                self._merge(self._configured(site, parent, call, self.guard(inlining, child, func)), parent)
            elif inlining.guard in (Guard.CLASS_ATTRIBUTE, Guard.SUPER_CLASS):
                probe, found = self._class_attribute_probe(inlining, func, call.receiver, number)
                test = self._configured(site, parent, call, self._with_merged(found, child))
            else:
                test = self._configured(site, parent, call, self.guard(inlining, child, func))
        elif site.site.configure_func is not None:
            # No-rebinding promises the callee, not configure_await (review R23a F4).
            test = self._configure_test(site, parent, call)
        if test is not None:
            awaited = cst.Await(expression=call.fallback)
            call_it = b.assign(result, awaited) if result is not None else cst.Expr(awaited)
            stmts = [*probe, b.if_(test, frame_code, [call_it])]
        for stmt in stmts:
            marks.mark_tree(stmt, site.line)
        return stmts, result if call.into is None else None

    @staticmethod
    def _argument_temps(
        inlining: Inlining,
        names: dict[str, str],
        values: list[tuple[Parameter, cst.BaseExpression]],
        call: EvaluatedCall,
        first: str | None,
        unreleased: Collection[str],
    ) -> dict[str, list[str]]:
        """Each parameter's argument as the temporaries holding it (the value of a
        parameter aliasing a temporary is that temporary; ``self``'s, the receiver or bound
        method of the lookup): what the original call hands to the new frame."""
        temps = {*call.frame_temps, *call.lookup_temps} - set(unreleased)
        out: dict[str, list[str]] = {}
        for param, value in values:
            if param.name in inlining.aliased:
                out[param.name] = [names[param.name]] if names[param.name] in temps else []
            elif param.name not in inlining.constants:
                held = list(dict.fromkeys(n.value for n in walk(value) if isinstance(n, cst.Name) and n.value in temps))
                # A tuple lets go of its items from the last (``*args``); a dict in order.
                out[param.name] = held[::-1] if param.kind is ParamKind.VARARGS else held
        if first is not None and first not in out:
            out[first] = [temp for temp in call.lookup_temps if temp in temps]
        return out

    def _call_instead(self, again: cst.Call, temps: Sequence[str], silent: Collection[str], result: str | None, number: int) -> list[Emitted]:
        """The site's call, made with the evaluated arguments where the inlined body cannot
        stand for it. Made in two steps, as the original call is: the call binds the
        arguments into the coroutine's frame, and only that frame holds them while it runs,
        so the temporaries let go of them before the await (their values go in the order
        the frame releases its locals)."""
        coroutine = self.names.make(f"ai{number}_call")
        released = [temp for temp in temps if temp not in silent]
        awaited = cst.Await(expression=b.name(coroutine))
        return [
            b.assign(coroutine, again),
            *([b.assign_many(released, b.NONE)] if released else []),
            b.assign(result, awaited) if result is not None else cst.Expr(awaited),
            b.assign(coroutine, b.NONE),
        ]

    def _again(self, inlining: Inlining, call: EvaluatedCall, original: cst.Call) -> cst.Call:
        """The call of a statement-form site with its evaluated arguments (and receiver)."""
        ref = b.name(self.emission.ref_alias(inlining.body))
        if inlining.target.lookup is Lookup.BOUND:
            if call.receiver is not None:
                return self._call_again(ref, call.receiver, original, call.args)
            assert call.fn is not None
            return self._call_again(call.fn, None, original, call.args)
        return self._call_again(ref, None, original, call.args)

    def _class_attribute_probe(
        self, inlining: Inlining, func: cst.BaseExpression, receiver: cst.Name | None, number: int
    ) -> tuple[list[Emitted], cst.Name]:
        """The ``class-methods`` test, ``type(obj).m is REF`` (``obj`` the receiver), made
        false by a class that lacks ``m`` (a Mock, a ``__getattr__`` proxy), whose original
        call then looks it up its own way: the meaning of ``getattr(type(obj), "m", None)
        is REF`` at half its cost on 3.12+ (a builtin call with three arguments against an
        attribute read; ``samples/bench/guard_cost.py``). Statements, so method sites,
        which always take the statement form, have room for them. The flag is a bool: it
        keeps nothing alive."""
        assert isinstance(func, cst.Attribute) and receiver is not None
        assert inlining.body.callee is not None
        self.emission.class_tested.add(inlining.body.callee.key)
        flag = self.names.make(f"ai{number}_on_class")
        of_type = cst.Call(func=self.emission.builtin("type"), args=[cst.Arg(receiver)])
        ref = b.name(self.emission.ref_alias(inlining.body))
        caught: cst.BaseExpression = self.emission.builtin("AttributeError")
        if inlining.guard is Guard.SUPER_CLASS:
            # What ``super()`` reads (the builtin, the cell, the first parameter), then the
            # class its lookup starts at (guards._super_class_test); a NameError is that of
            # an empty cell: the call raises super()'s error.
            assert inlining.super_site is not None
            cell, order = b.name("__class__"), b.name(self.emission.super_order_alias(inlining.super_site.owner))
            start = b.subscript(order, b.integer(1))
            test: cst.BaseExpression = b.is_(b.name("super"), self.emission.builtin("super"))
            for more in (b.is_(of_type, cell), b.is_(b.attr(cell, "__mro__"), order), b.is_(b.attr(start, func.attr.value), ref)):
                test = cst.BooleanOperation(left=test, operator=cst.And(), right=more)
            caught = b.tuple_([caught, self.emission.builtin("NameError")])
        else:
            test = b.is_(b.attr(of_type, func.attr.value), ref)
        probe = cst.Try(
            body=b.block([b.assign(flag, test)]),
            handlers=[cst.ExceptHandler(body=b.block([b.assign(flag, b.FALSE)]), type=caught)],
        )
        return [probe], b.name(flag)

    def _merge(self, test: cst.BaseExpression, frame: Frame) -> None:
        """Hand a site's test to the guard of ``frame``, the inlined frame whose body the
        site opens. The test still reads the site's name where the site is, in ``frame``:
        line events, coverage and tracebacks see that line run in that frame, as they do
        when the original's call reads the name."""
        self.emission.marks.frame([test], frame)
        frame.merged_guards.append(test)

    def _namespace_reads(self, inlining: Inlining) -> dict[cst.Name, cst.BaseExpression]:
        """Code of another module reads and writes its globals in that module's namespace,
        as it would running there: live values, that module's ``__name__``, its ``global``
        statements' targets (``_ai_g_x["LIMIT"]``, for a global bound on every path of the
        module's top-level code). A builtin is read after that namespace, where a star
        import or ``mock.patch("pkg.x.open")`` may have put one of the same name, and where
        a global named like a builtin may have been deleted since
        (``_ai_g_x.get("len", _ai_builtins["len"])``); any other global, and a builtin
        that Python 3.10 lacks, through ``runtime.global_value``, which falls back to the
        builtins or raises NameError."""
        namespace = self.emission.namespace(inlining.body)
        if namespace is None:
            return {}
        callee, facts = inlining.callee, inlining.body.facts
        reads: dict[cst.Name, cst.BaseExpression] = {}
        for node, name in callee.global_uses.items():
            text, quotes = callee.mangled.get(node, name), callee.fstring_globals.get(node, frozenset())
            read = namespace_read(facts, node, name)  # (what the planner's namespace-cost rule weighs)
            if read is NamespaceRead.ITEM:
                reads[node] = b.subscript(b.name(namespace.alias), b.string(text, avoid=quotes))
            elif read is NamespaceRead.BUILTIN:  # (a node of its own for each use of the key; bound on every path or not, `del x.len` may unbind it)
                builtin = b.subscript(self.emission.builtin_namespace(), b.string(text, avoid=quotes))
                reads[node] = cst.Call(b.attr(b.name(namespace.alias), "get"), [cst.Arg(b.string(text, avoid=quotes)), cst.Arg(builtin)])
            else:
                call = b.attr(self.emission.runtime(), "global_value")
                reads[node] = cst.Call(call, [cst.Arg(b.name(namespace.alias)), cst.Arg(b.string(text, avoid=quotes))])
        return reads

    def _class_cell(self, inlining: Inlining, names: dict[str, str], rename: dict[cst.Name, str | cst.BaseExpression]) -> Replacements:
        """A method's ``__class__`` and zero-argument ``super()`` name its class explicitly:
        ``super()`` reads the class cell and the first parameter of the frame it runs in.
        The cell is read where they are, as the method reads it when it runs (it may have
        been pointed at another class since the class statement). ``super`` itself is
        reached by its alias: the caller may bind the name. (So ``builtins.super`` patched
        at run time, or a global ``super`` set by ``globals()``, is not called here: a known
        difference, docs/user-guide.md. The explicit form must not call another ``super``,
        which the original calls with no arguments, and a bare ``super`` read would give a
        method caller a ``__class__`` cell of its own.)"""
        callee = inlining.callee
        if not callee.class_cell_uses:
            return {}
        cell = self.emission.class_cell_alias(inlining.body)
        first = b.name(names[callee.params[0].name])
        replaced: dict[cst.CSTNode, cst.CSTNode] = {}
        for node in callee.class_cell_uses:
            contents = b.attr(b.name(cell), "cell_contents")
            if node.value == "__class__":
                rename[node] = contents
                continue
            call = inlining.body.facts.index.parent(node)
            assert isinstance(call, cst.Call)
            replaced[call] = call.with_changes(func=self.emission.builtin("super"), args=[cst.Arg(contents), cst.Arg(first)])
        return replaced

    def _local_names(self, inlining: Inlining, args: Sequence[cst.BaseExpression], receiver: cst.Name | None) -> dict[str, str]:
        """Emitted name of each callee local; a parameter aliasing its argument (or the
        receiver) takes its name (a temporary, or a local nothing can change while the
        body runs)."""
        names = dict(inlining.local_names)
        first = inlining.callee.params[0].name if inlining.callee.params else None
        if receiver is not None and first in inlining.aliased:
            names[first] = receiver.value
        for source in inlining.binding:
            if source.param.name in inlining.aliased:
                assert source.arg is not None
                value = args[source.arg]
                assert isinstance(value, cst.Name) and not value.lpar, "the plan's aliasing disagrees with the arguments"
                names[source.param.name] = value.value
        return names

    def _with_exits(
        self,
        inlining: Inlining,
        names: dict[str, str],
        unreleased: Collection[str],
        arguments: dict[str, list[str]],
        number: int,
        bindings: list[Emitted],
        inner: list[Emitted],
        call: EvaluatedCall,
    ) -> list[Emitted]:
        """The body with the frame's entry and exits.

        A fresh frame on every run: locals a read may see unassigned are unbound on entry,
        after the bindings (an argument may run another inlined copy of the same callee).
        The normal exit releases the locals (the original frame is freed when the callee
        returns), in its order, but for ``unreleased`` variables (silent ones, whose release
        nobody can see, ``release.py``, and temporaries already let go of); an exception
        leaves them as they are, for post-mortem debuggers, as the original frame stays
        alive in the traceback. The runtime's exit check runs on every exit."""
        callee = inlining.callee
        params = {p.name for p in callee.params}
        order = release_order(inlining.body.facts, callee)
        # The variables of the frame's locals (a parameter standing for a constant, or
        # aliasing a caller's variable or an argument's temporary, has none of its own), and
        # the temporaries holding each parameter's argument, in the frame's order.
        own = {local: names[local] for local in order if local not in inlining.constants and local not in inlining.aliased}
        own = {local: name for local, name in own.items() if name not in unreleased}
        argument_temps = [temp for local in order if local in params for temp in arguments.get(local, ()) if temp not in unreleased]
        temps = [*call.frame_temps, *call.lookup_temps]
        others = [temp for temp in temps if temp not in argument_temps and temp not in own.values() and temp not in unreleased]  # (the I7 flag)
        released = [name for local in order for name in ([own[local]] if local in own else [t for t in arguments.get(local, ()) if t not in unreleased])]
        released += others
        unbound = [names[local] for local in callee.unbound_on_entry]
        fresh: list[Emitted] = [b.assign_many(unbound, b.NONE), b.delete(unbound)] if unbound else []
        handlers = [self._stop_iteration_handler(number)] if call.observed else []
        entry: list[Emitted] = []
        every_exit: list[Emitted] = []
        if callee.is_runtime_async:
            snapshot, enter, exit_check = self._runtime_frame(callee, number, call.leave_flag)
            entry.append(enter)
            every_exit.append(exit_check)
            # The body's variables (its parameters' included) go when its coroutine returns,
            # before the wrapper's exit restores the caller's context (a finaliser sees the
            # callee's values); the wrapper holds the arguments, and the snapshot of the
            # caller's context, until after it.
            if own:
                inner = [*inner, b.assign_many(list(own.values()), b.NONE)]
            released = [*argument_temps, *others, snapshot]
        release: list[Emitted] = [b.assign_many(released, b.NONE)] if released else []
        if not (handlers or every_exit):
            return [*bindings, *fresh, *inner, *release]
        frame = cst.Try(
            body=b.block(inner),
            handlers=handlers,
            finalbody=cst.Finally(body=b.block(every_exit)) if every_exit else None,
        )
        return [*bindings, *fresh, *entry, frame, *release]

    def _stop_iteration_handler(self, number: int) -> cst.ExceptHandler:
        """PEP 479: a StopIteration leaving a coroutine becomes a RuntimeError. Where no code
        could see the exception before the caller's own coroutine boundary, that boundary
        does the same conversion and no handler is needed. Both classes are reached by
        their aliases: the caller may bind either name."""
        exc = self.names.make(f"ai{number}_exc")
        builtin = self.emission.builtin
        converted = cst.Raise(
            exc=cst.Call(func=builtin("RuntimeError"), args=[cst.Arg(b.string(STOP_ITERATION_MESSAGE))]),
            cause=cst.From(item=b.name(exc)),
        )
        return cst.ExceptHandler(body=b.block([converted]), type=builtin("StopIteration"), name=cst.AsName(name=b.name(exc)))

    def _runtime_frame(
        self, callee: CalleeInfo, number: int, leave_flag: cst.BaseExpression | None
    ) -> tuple[str, cst.SimpleStatementLine, cst.If]:
        """The runtime's frame protocol 2 (docs/runtime-inlining-protocol.md): the entry
        snapshot after the arguments (F1, I2, through ``hooks.enter``, which the tracer
        switches); on every exit where the state changed, F2 or the I4 transition, done
        synchronously by ``try_leave`` unless it must suspend to switch the synchronization
        context (then ``await leave``). A callee that cannot suspend exits synchronously (I6).
        Returns the snapshot's variable, the entry and the exit."""
        rt = self.emission.runtime()
        snapshot = self.names.make(f"ai{number}_frame")
        entry = cst.SimpleStatementLine(
            body=[b.assign(snapshot, cst.Call(func=b.attr(b.name(self.emission.hooks()), "enter")))],
            trailing_whitespace=cst.TrailingWhitespace(
                whitespace=cst.SimpleWhitespace("  "), comment=cst.Comment(f"# inlined {callee.name}")
            ),
        )
        args = [cst.Arg(b.name(snapshot))] + ([cst.Arg(leave_flag)] if leave_flag is not None else [])
        changed: cst.BaseExpression = cst.Comparison(
            left=cst.Call(func=self.emission.state()),
            comparisons=[cst.ComparisonTarget(operator=cst.IsNot(), comparator=b.name(snapshot))],
        )
        exit_call: Emitted
        if callee.may_suspend:
            exit_call = cst.Expr(cst.Await(expression=cst.Call(func=b.attr(rt, "leave"), args=args)))
            done = cst.Call(func=b.attr(rt, "try_leave"), args=args)
            changed = cst.BooleanOperation(left=changed, operator=cst.And(), right=b.not_(done))
        else:
            exit_call = cst.Expr(cst.Call(func=b.attr(rt, "leave_sync"), args=[cst.Arg(b.name(snapshot))]))
        return snapshot, entry, b.if_(changed, [exit_call])



def _shown(subst: dict[str, cst.BaseExpression]) -> tuple[dict[str, str], dict[str, cst.BaseExpression]]:
    """What a debugger shows for each local of an inlined frame (``lines.InlinedFrame``):
    the variable standing for it, or the value pasted where it is read (``None``, ``True``
    and ``False`` are names, but no variable)."""
    variables = {local: value.value for local, value in subst.items() if isinstance(value, cst.Name) and value.value not in CONSTANT_NAMES}
    return variables, {local: value for local, value in subst.items() if local not in variables}


def _walrus(temp: str, value: cst.BaseExpression) -> cst.NamedExpr:
    return cst.NamedExpr(target=b.name(temp), value=value, lpar=[cst.LeftParen()], rpar=[cst.RightParen()])


def _pasted(value: cst.BaseExpression) -> cst.BaseExpression:
    """A literal standing for a parameter where it is used: an argument's literal, or under
    ``frozen-defaults`` a default's (``-1``, ``(1, 2)`` too). ``renaming.renamed`` adds the
    parentheses its position may need."""
    assert is_literal(value) or is_immutable_literal(value), "the plan's constants disagree with the arguments"
    return value
