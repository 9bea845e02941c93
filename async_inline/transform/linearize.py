"""Move the evaluation of an expression's inlined awaits out into statements, exactly.

Invariant: executing ``out`` and then evaluating ``emit(expr)`` does what evaluating the
original ``expr`` did, in the same order. Everything evaluated before an inlined await is
hoisted into a temporary first (unless it is stable: see ``analysis/stability.py``);
everything evaluated after it stays in the residual expression. Operands that are only
sometimes evaluated (``and``/``or``, ``x if c else y``, later links of a comparison chain)
become ``if`` statements, so they are still evaluated only when Python would.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol, TypeVar

import libcst as cst

from ..analysis.evaluation import operands
from ..analysis.guards import Guard
from ..analysis.stability import is_stable
from ..plan.model import SitePlan
from ..plan.names import FreshNames
from ..tree import children
from . import build as b
from .renaming import Replacements

Emitted = cst.BaseStatement | cst.BaseSmallStatement
N = TypeVar("N", bound=cst.CSTNode)


@dataclass(frozen=True)
class EvaluatedCall:
    """An inlined call whose arguments have been evaluated (see ``LinearizerHost.inline``)."""

    #: The evaluated arguments: temporaries or stable expressions, in call order.
    args: list[cst.BaseExpression]
    #: The statements evaluating them, which run in the inlined branch, after the guard:
    #: Python reads the callee before it evaluates the arguments, and the fallback makes
    #: the whole original call.
    arg_code: list[Emitted]
    #: Temporaries released when the inlined frame ends, like its parameters.
    frame_temps: list[str]
    #: The temporary holding the callee when it had to be evaluated before the arguments
    #: (for a method guarded on its bound method: the value of its lookup).
    fn: cst.Name | None
    #: For a method guarded on its class (``Guard.CLASS_ATTRIBUTE``): the receiver, a
    #: temporary or a stable name; for ``Guard.SUPER_CLASS``, the method's first parameter.
    receiver: cst.Name | None
    #: Which of ``fn`` and ``receiver`` are temporaries of the statement: the inlined frame
    #: lets go of them where the call would have passed them on (``self`` holds them).
    lookup_temps: list[str]
    #: What the guard awaits when the name no longer holds the callee.
    fallback: cst.BaseExpression
    want_result: bool
    #: The variable the result goes to directly (``Inlining.direct``), if any.
    into: cst.Name | None
    #: Whether an exception leaving the frame could be observed before the coroutine boundary.
    observed: bool
    #: The flag of an enclosing ``configure_await`` (rule I7).
    leave_flag: cst.BaseExpression | None
    #: The temporary holding ``configure_await`` (rule I7), read before a callee whose
    #: evaluation may run code; None where the guard reads the name itself.
    configure: cst.Name | None = None


class LinearizerHost(Protocol):
    """What the linearizer needs from the code emitting the frame it works in."""

    names: FreshNames

    def emit(self, node: N, repl: Replacements) -> N:
        """``node`` as emitted in the frame, with ``repl`` applied."""
        ...

    def parent(self, node: cst.CSTNode) -> cst.CSTNode | None: ...

    def inline(self, site: SitePlan, call: EvaluatedCall) -> tuple[list[Emitted], str | None]:
        """The statements of an inlined frame, and the variable holding its result."""
        ...


class Linearizer:
    def __init__(
        self,
        host: LinearizerHost,
        sites: Mapping[cst.Await, SitePlan],
        repl: Mapping[cst.CSTNode, cst.CSTNode],
        stable_name: Callable[[cst.Name], bool],
    ) -> None:
        self.host = host
        #: Sites inlined as statements; sites inlined as expressions are already in ``repl``.
        self.sites = sites
        self.out: list[Emitted] = []
        self.repl: dict[cst.CSTNode, cst.CSTNode] = dict(repl)
        #: Temporaries to release once the statement is done (results, hoisted operands).
        self.temps: list[str] = []
        self._stable_name = stable_name
        self._has_site: dict[cst.CSTNode, bool] = {}
        #: Expressions of which only the truth is used (``lin_test``).
        self._tested: set[cst.CSTNode] = set()

    # -- queries ---------------------------------------------------------------------
    def has_site(self, node: cst.CSTNode) -> bool:
        """Whether ``node`` holds a site: found for every node below it in one walk (asked
        node by node, with a search per site, a long chain of awaits took cubic time:
        review R22b F1)."""
        known = self._has_site
        if node not in known:
            stack: list[tuple[cst.CSTNode, bool]] = [(node, False)]
            while stack:
                current, below_done = stack.pop()
                if below_done:
                    known[current] = current in self.sites or any(known[c] for c in children(current))
                elif current not in known:
                    stack.append((current, True))
                    stack.extend((c, False) for c in children(current) if c not in known)
        return known[node]

    def is_stable(self, node: cst.CSTNode) -> bool:
        """True when evaluating ``node`` later gives the same value with no effect."""
        replaced = self.repl.get(node)
        if replaced is not None:
            return isinstance(replaced, cst.Name)
        return is_stable(node, self._stable_name)

    def emit(self, node: N) -> N:
        return self.host.emit(node, self.repl)

    # -- linearization -----------------------------------------------------------------
    def lin_test(self, node: cst.CSTNode) -> None:
        """``lin`` for a test (of an ``if``, ``elif``, ``while`` or conditional expression).

        CPython compiles a test to jumps: ``not``, ``and``, ``or``, conditional expressions
        and comparison chains inside it test each operand's truth once, and their values are
        never made. A short circuit lowered here leaves a constant of the truth it found,
        not the operand, so that testing the residual does not run that operand's
        ``__bool__`` again (in a value, ``x = a and b``, the operand is the value).
        """
        self._tested.add(node)
        self.lin(node)

    def _test_operands(self, node: cst.CSTNode) -> None:
        """A conditional expression's test is a test; inside a test, so are the operands
        a jump tests."""
        if isinstance(node, cst.IfExp):
            self._tested.add(node.test)
        if node not in self._tested:
            return
        if isinstance(node, cst.BooleanOperation):
            self._tested.update((node.left, node.right))
        elif isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Not):
            self._tested.add(node.expression)
        elif isinstance(node, cst.IfExp):
            self._tested.update((node.body, node.orelse))

    def lin(self, node: cst.CSTNode, discard: bool = False) -> None:
        """Emit statements for the parts of ``node`` that hold inlined awaits."""
        if not self.has_site(node):
            return
        self._test_operands(node)
        if isinstance(node, cst.Await) and node in self.sites:
            self.inline(node, discard)
            return
        ops = operands(node).ordered
        if any(op.conditional and self.has_site(op.node) for op in ops):
            self.lower_conditional(node)
            return
        self.sequence([op.node for op in ops])

    def sequence(self, nodes: list[cst.CSTNode]) -> None:
        """Evaluate ``nodes`` in order: all before the last one holding a site are hoisted."""
        holding = [i for i, n in enumerate(nodes) if self.has_site(n)]
        if not holding:
            return
        last = holding[-1]
        for node in nodes[:last]:
            self.lin(node)
            self.materialize(node)
        self.lin(nodes[last])

    def materialize(self, node: cst.CSTNode) -> str | None:
        """Evaluate ``node`` now, into a temporary, unless that is unobservable.

        Returns the temporary, or None when ``node`` is left where it is.
        """
        if self.is_stable(node):
            return None
        temp = self.host.names.temp()
        self.temps.append(temp)
        if isinstance(node, cst.FormattedStringExpression):
            # Formatting happens right after the expression is evaluated: hoist the
            # formatted text (conversion and format spec included), not the value.
            fstring = self.host.parent(node)
            assert isinstance(fstring, cst.FormattedString)
            text = cst.FormattedString(parts=[self.emit(node)], start=fstring.start, end=fstring.end)
            self.out.append(b.assign(temp, text))
            self.repl[node] = cst.FormattedStringExpression(expression=b.name(temp))
            return temp
        assert isinstance(node, cst.BaseExpression)
        self.out.append(b.assign(temp, self.emit(node)))
        self.repl[node] = _as_name(temp, node)
        return temp

    def lower_conditional(self, node: cst.CSTNode) -> None:
        temp = self.host.names.temp()
        self.temps.append(temp)
        tested = node in self._tested
        if isinstance(node, cst.BooleanOperation):
            is_and = isinstance(node.operator, cst.And)
            self.lin(node.left)
            if tested:
                # Only truths are used: each operand is tested once, by an ``if`` (see ``lin_test``).
                right = self.nested(lambda: self.lin(node.right), lambda: [self._truth(temp, self.emit(node.right))])
                settled = [b.assign(temp, b.FALSE if is_and else b.TRUE)]
                self.out.append(b.if_(self.emit(node.left), *((right, settled) if is_and else (settled, right))))
            else:
                self.out.append(b.assign(temp, self.emit(node.left)))
                right = self.nested(lambda: self.lin(node.right), lambda: [b.assign(temp, self.emit(node.right))])
                self.out.append(b.if_(b.name(temp) if is_and else b.not_(b.name(temp)), right))
        elif isinstance(node, cst.IfExp):
            self.lin(node.test)
            store = self._truth if tested else b.assign
            then = self.nested(lambda: self.lin(node.body), lambda: [store(temp, self.emit(node.body))])
            other = self.nested(lambda: self.lin(node.orelse), lambda: [store(temp, self.emit(node.orelse))])
            self.out.append(b.if_(self.emit(node.test), then, other))
        elif isinstance(node, cst.Comparison):
            self.lin(node.left)
            self.materialize(node.left)
            self.out.extend(self._chain(node, 0, self.emit(node.left), temp))
        else:  # pragma: no cover - operands() marks nothing else conditional
            raise AssertionError(type(node).__name__)
        self.repl[node] = _as_name(temp, node)

    @staticmethod
    def _truth(temp: str, value: cst.BaseExpression) -> cst.If:
        """``temp`` = the truth of ``value``, tested once (a value in a test is not made:
        ``a and (x or b)`` tests ``x`` once, where assigning ``x or b`` and testing the
        result would test ``x`` again)."""
        return b.if_(value, [b.assign(temp, b.TRUE)], [b.assign(temp, b.FALSE)])

    def _chain(self, node: cst.Comparison, i: int, left: cst.BaseExpression, temp: str) -> list[Emitted]:
        """``temp = left OP_i c_i`` and, if true and links remain, the rest of the chain."""
        link = node.comparisons[i]
        self.lin(link.comparator)
        if i + 1 < len(node.comparisons):
            self.materialize(link.comparator)
        right = self.emit(link.comparator)
        stmts: list[Emitted] = [b.assign(temp, cst.Comparison(left=left, comparisons=[link.with_changes(comparator=right)]))]
        if i + 1 < len(node.comparisons):
            rest = self.nested(lambda: None, lambda: self._chain(node, i + 1, right, temp))
            short = [b.assign(temp, b.FALSE)] if node in self._tested else None  # see ``lin_test``
            stmts.append(b.if_(b.name(temp), rest, short))
        return stmts

    def nested(self, lin: Callable[[], None], tail: Callable[[], list[Emitted]]) -> list[Emitted]:
        """Statements produced by ``lin`` then ``tail``, collected apart from ``out``."""
        saved, self.out = self.out, []
        try:
            lin()
            return self.out + tail()
        finally:
            self.out = saved

    def inline(self, node: cst.Await, discard: bool, into: cst.Name | None = None) -> None:
        """Inline the site ``node``: the callee is read (a method's lookup evaluated, once)
        where Python reads it, before the arguments; the guard tests it; the arguments are
        evaluated in the inlined branch, the fallback makes the whole original call."""
        site = self.sites[node]
        call = site.site.call
        configure = None
        written = site.site.configure_func
        if written is not None and not isinstance(call.func, cst.Name):
            # Python reads ``configure_await`` before it evaluates a callee whose lookup or
            # receiver may run code (review R35b F1); a name is read in the guard, in order.
            configure = b.name(self.host.names.temp())
            self.out.append(b.assign(configure.value, self.emit(written)))
            self.repl[written] = configure
            self.temps.append(configure.value)
        self.lin(call.func)  # a site in the receiver runs first (``await (await f()).m()``)
        fn: cst.Name | None = None
        receiver: cst.Name | None = None
        if site.inlining is not None and site.inlining.guard is Guard.SUPER_CLASS:
            assert site.inlining.super_site is not None
            receiver = cst.Name(site.inlining.super_site.first)  # (super() is not evaluated: its test reads what it reads)
        elif site.inlining is not None and site.inlining.guard is Guard.CLASS_ATTRIBUTE:
            assert isinstance(call.func, cst.Attribute)
            emitted = self.emit(call.func.value)
            if isinstance(emitted, cst.Name) and self.is_stable(call.func.value):
                receiver = emitted
            else:
                receiver = b.name(self.host.names.temp())
                self.out.append(b.assign(receiver.value, emitted))
                self.repl[call.func.value] = receiver
                self.temps.append(receiver.value)
        elif isinstance(call.func, cst.Attribute):  # a method: PLAIN or BOUND lookup
            fn = b.name(self.host.names.temp())
            self.out.append(b.assign(fn.value, self.emit(call.func)))
            self.repl[call.func] = fn
            self.temps.append(fn.value)
        fallback = self.emit(node.expression)
        saved, self.out = self.out, []
        frame_temps: list[str] = []
        for arg in call.args:
            self._evaluate(arg.value, frame_temps)
        flag = None
        if site.site.configure is not None:  # I7: the flag is evaluated after the arguments
            self._evaluate(site.site.configure, frame_temps)
            flag = self.emit(site.site.configure)
        arg_code, self.out = self.out, saved
        self.temps = [t for t in self.temps if t not in frame_temps]
        evaluated = EvaluatedCall(
            args=[self.emit(a.value) for a in call.args],
            arg_code=arg_code,
            frame_temps=frame_temps,
            fn=fn,
            receiver=receiver,
            lookup_temps=[name.value for name in (fn, receiver) if name is not None and name.value in self.temps],
            fallback=fallback,
            want_result=not discard,
            into=into,
            observed=site.observed,  # per site: one in a later with item is inside the earlier items (review R13 e-a)
            leave_flag=flag,
            configure=configure,
        )
        stmts, result = self.host.inline(site, evaluated)
        self.out.extend(stmts)
        if result is not None:
            self.temps.append(result)
            self.repl[node] = _as_name(result, node)

    def _evaluate(self, node: cst.CSTNode, frame_temps: list[str]) -> None:
        self.lin(node)
        temp = self.materialize(node)
        if temp is not None:
            frame_temps.append(temp)


def _as_name(value: str, like: cst.CSTNode) -> cst.Name:
    """A Name standing for ``like``, keeping its parentheses (and so its layout)."""
    return cst.Name(value, lpar=getattr(like, "lpar", ()), rpar=getattr(like, "rpar", ()))
