"""Definite assignment: which locals some read may find unassigned.

Why it matters: inlined locals live in the caller's frame, so a local the callee reads
before assigning would see a stale value from an earlier inlined run (say, the previous
loop iteration) instead of raising UnboundLocalError. Such a local is unbound again when
the inlined frame ends, and keeps its own name (the error message names it), or the site
is refused where it would need renaming. In a caller, such a local is never "stable": its
read stays where it is (see stability.py). The analysis is conservative: when unsure, "may
be unassigned". Python unbinds by itself too: ``del``, and an ``except ... as e`` name
whenever its handler is left.

Control flow is structured, so a recursive walk over statements suffices: the state is
the frozenset of names definitely assigned; ``None`` means "this point is unreachable".
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

import libcst as cst
import libcst.matchers as m

from ..tree import children, import_top_name, walk

Names = frozenset[str]
State = Names | None  # None: unreachable


class UnsupportedStatement(Exception):
    """A statement the analysis does not model: the caller must assume the worst."""


def _meet(*states: State) -> State:
    reachable = [s for s in states if s is not None]
    if not reachable:
        return None
    out = reachable[0]
    for s in reachable[1:]:
        out = out & s
    return out


@dataclass
class _Loop:
    #: How many handler ``as`` names were active when the loop started (see ``_leaving``).
    handlers: int = 0
    breaks: list[Names] = field(default_factory=list)
    continues: list[Names] = field(default_factory=list)


class DefiniteAssignment:
    """Collects the locals that some read may see unassigned (``maybe_unassigned``).

    Raises UnsupportedStatement for a statement form it does not model.
    """

    def __init__(self, is_local: Callable[[cst.Name], bool]) -> None:
        #: Whether a Name node is a use of one of the analysed function's locals.
        self.is_local = is_local
        self._loops: list[_Loop] = []
        #: ``as`` names of the handlers being analysed, outermost first: any way out of a
        #: handler unbinds its name, a break or continue too.
        self._handlers: list[str] = []
        self._check = True
        #: Each local some read may see unassigned, with the first such read.
        self.maybe_unassigned: dict[str, cst.Name] = {}

    # -- entry point -----------------------------------------------------------------
    def run(self, body: Sequence[cst.BaseStatement] | Sequence[cst.BaseSmallStatement], params: Names) -> State:
        return self.block(body, params)

    # -- statements --------------------------------------------------------------------
    def block(self, stmts: Sequence[cst.CSTNode], state: State) -> State:
        for stmt in stmts:
            if state is None:
                # Unreachable code cannot read anything at run time.
                return None
            state = self.stmt(stmt, state)
        return state

    def suite(self, suite: cst.BaseSuite, state: State) -> State:
        return self.block(suite.body, state)

    def stmt(self, node: cst.CSTNode, s: Names) -> State:
        """The state after ``node``; raises UnsupportedStatement for forms not modelled."""
        if isinstance(node, cst.SimpleStatementLine):
            return self.block(node.body, s)
        if isinstance(node, cst.BaseSmallStatement):
            return self.small(node, s)
        if isinstance(node, cst.If):
            return self.if_(node, s)
        if isinstance(node, cst.While):
            return self.while_(node, s)
        if isinstance(node, cst.For):
            return self.for_(node, s)
        if isinstance(node, cst.With):
            return self.with_(node, s)
        if isinstance(node, (cst.Try, cst.TryStar)):
            return self.try_(node, s)
        if isinstance(node, cst.Match):
            return self.match(node, s)
        if isinstance(node, (cst.FunctionDef, cst.ClassDef)):
            return self.definition(node, s)
        raise UnsupportedStatement(type(node).__name__)

    def small(self, node: cst.BaseSmallStatement, s: Names) -> State:  # an isinstance dispatch table
        if isinstance(node, cst.Expr):
            return self.expr(node.value, s)
        if isinstance(node, cst.Assign):
            s = self.expr(node.value, s)
            for target in node.targets:
                s = self.target(target.target, s)
            return s
        if isinstance(node, cst.AnnAssign):
            if node.value is None:
                return s  # `x: int` binds nothing
            return self.target(node.target, self.expr(node.value, s))
        if isinstance(node, cst.AugAssign):
            s = self.expr(node.target, s)  # read first
            return self.target(node.target, self.expr(node.value, s))
        if isinstance(node, cst.Return):
            if node.value is not None:
                self.expr(node.value, s)
            return None
        if isinstance(node, cst.Raise):
            for part in (node.exc, node.cause.item if node.cause is not None else None):
                if part is not None:
                    s = self.expr(part, s)
            return None
        if isinstance(node, cst.Assert):
            self.expr(node.test, s)
            if node.msg is not None:
                self.expr(node.msg, s)
            return s  # asserts vanish under -O: nothing they bind counts
        if isinstance(node, cst.Del):
            return self.delete(node.target, s)
        if isinstance(node, (cst.Import, cst.ImportFrom)):
            return self.import_(node, s)
        if isinstance(node, cst.Break):
            self._loops[-1].breaks.append(self._leaving(s))
            return None
        if isinstance(node, cst.Continue):
            self._loops[-1].continues.append(self._leaving(s))
            return None
        if isinstance(node, (cst.Pass, cst.Global, cst.Nonlocal)):
            return s
        raise UnsupportedStatement(type(node).__name__)

    def import_(self, node: cst.Import | cst.ImportFrom, s: Names) -> Names:
        if isinstance(node.names, cst.ImportStar):
            return s
        for alias in node.names:
            # `import a.b` binds `a`
            bound = alias.asname.name if alias.asname else import_top_name(alias)
            if isinstance(bound, cst.Name) and self.is_local(bound):
                s = s | {bound.value}
        return s

    def if_(self, node: cst.If, s: Names) -> State:
        s = self.expr(node.test, s)
        then = self.suite(node.body, s)
        if node.orelse is None:
            other: State = s
        elif isinstance(node.orelse, cst.If):
            other = self.stmt(node.orelse, s)
        else:
            other = self.suite(node.orelse.body, s)
        return _meet(then, other)

    def definition(self, node: cst.FunctionDef | cst.ClassDef, s: Names) -> Names:
        """Decorators, defaults, bases and annotations are evaluated here; the body runs
        later (its reads are not this function's business); then the name is bound."""
        for deco in node.decorators:
            s = self.expr(deco.decorator, s)
        if isinstance(node, cst.FunctionDef):
            s = self._defaults(node.params, s)
            annotations = [p.annotation for p in _all_params(node.params)] + [node.returns]
            for annotation in annotations:
                if annotation is not None:
                    s = self.expr(annotation.annotation, s)
        else:
            for arg in [*node.bases, *node.keywords]:
                s = self.expr(arg.value, s)
        return self.target(node.name, s)

    def _leaving(self, s: Names) -> Names:
        """The state after jumping out of the handlers entered inside the current loop."""
        return s - frozenset(self._handlers[self._loops[-1].handlers :])

    def _loop_fixpoint(self, run_body: Callable[[Names], State], head: Names) -> tuple[Names, _Loop]:
        """Iterate the loop body until the head state is stable (sets only shrink)."""
        check, self._check = self._check, False
        try:
            while True:
                loop = _Loop(len(self._handlers))
                self._loops.append(loop)
                try:
                    end = run_body(head)
                finally:
                    self._loops.pop()
                new_head = _meet(head, end, *loop.continues)
                assert new_head is not None
                if new_head == head:
                    break
                head = new_head
        finally:
            self._check = check
        loop = _Loop(len(self._handlers))
        self._loops.append(loop)
        try:
            run_body(head)  # the checking pass, against the stable head state
        finally:
            self._loops.pop()
        return head, loop

    def while_(self, node: cst.While, s: Names) -> State:
        def body(head: Names) -> State:
            return self.suite(node.body, self.expr(node.test, head))

        head, loop = self._loop_fixpoint(body, s)
        after_test = self.expr(node.test, head)
        always_true = m.matches(node.test, m.Name("True"))
        if always_true:
            exit_state: State = None
        elif node.orelse is not None:
            exit_state = self.suite(node.orelse.body, after_test)
        else:
            exit_state = after_test
        return _meet(exit_state, *loop.breaks)

    def for_(self, node: cst.For, s: Names) -> State:
        s = self.expr(node.iter, s)

        def body(head: Names) -> State:
            return self.suite(node.body, self.target(node.target, head))

        head, loop = self._loop_fixpoint(body, s)
        exit_state = self.suite(node.orelse.body, head) if node.orelse is not None else head
        return _meet(exit_state, *loop.breaks)

    def with_(self, node: cst.With, s: Names) -> State:
        """The first manager's exit covers all that follows its ``__enter__`` (PEP 343): the
        store of its ``as`` target, the later items (``with a, b:`` is ``with a: with b:``,
        whose expressions, ``__enter__`` and stores may raise) and the body. It may suppress
        an exception raised anywhere there, so afterwards only what held once the first
        manager was entered is certain: with its target if that is a name, whose store
        cannot fail (an unpacking can, and an attribute or subscript store runs code)."""
        first, *rest = node.items
        s = self.expr(first.item, s)
        target = first.asname.name if first.asname is not None else None
        if isinstance(target, cst.Name):
            s = self.target(target, s)
        certain = s
        if target is not None and not isinstance(target, cst.Name):
            s = self.target(target, s)
        for item in rest:
            s = self.expr(item.item, s)
            if item.asname is not None:
                s = self.target(item.asname.name, s)
        end = self.suite(node.body, s)
        return _meet(end, certain - _deleted_in(node.body, self.is_local))

    def try_(self, node: cst.Try | cst.TryStar, s: Names) -> State:
        # The breaks and continues of the innermost loop recorded from here until the
        # finally block pass through it (those of loops inside the try have their _Loop).
        jumps: list[tuple[list[Names], int]] = []
        if self._loops:
            jumps = [(states, len(states)) for states in (self._loops[-1].breaks, self._loops[-1].continues)]
        deleted = _deleted_in(node.body, self.is_local)
        body_end = self.suite(node.body, s)
        at_raise = s - deleted  # an exception can leave the body at any point
        outs: list[State] = []
        normal = self.suite(node.orelse.body, body_end) if node.orelse is not None and body_end is not None else body_end
        outs.append(normal)
        for handler in node.handlers:
            hs = at_raise
            if handler.type is not None:
                hs = self.expr(handler.type, hs)
            name = handler.name.name if handler.name is not None else None
            if isinstance(name, cst.Name) and self.is_local(name):
                hs = hs | {name.value}
            out = self._handler_body(handler.body, hs, name.value if isinstance(name, cst.Name) else None)
            outs.append(out)
        result = _meet(*outs)
        if node.finalbody is None:
            return result
        removed = deleted | _deleted_in(node, self.is_local)
        fin_in = s - removed
        ends = [len(states) for states, _ in jumps]  # the finally block's own jumps do not pass through it
        fin_out = self.suite(node.finalbody.body, fin_in)
        unbound = _deleted_in(node.finalbody, self.is_local)
        # A break or continue runs the finally block on its way out: what the block unbinds
        # (del, an ``except ... as`` name) is unbound where the jump lands; if the block
        # never ends, the jump never lands. Only removals, in any order: what the block
        # assigns is not credited to the jump, as the jump may then leave a handler whose
        # name it assigns (``_leaving`` took that name out at the jump).
        for (states, start), end in zip(jumps, ends, strict=True):
            states[start:end] = [state - unbound for state in states[start:end]] if fin_out is not None else []
        if result is None or fin_out is None:
            return None
        return (result | (fin_out - fin_in)) - unbound

    def _defaults(self, params: cst.Parameters, s: Names) -> Names:
        for param in _all_params(params):
            if param.default is not None:
                s = self.expr(param.default, s)
        return s

    def _handler_body(self, body: cst.BaseSuite, s: Names, name: str | None) -> State:
        if name is None:
            return self.suite(body, s)
        self._handlers.append(name)
        try:
            out = self.suite(body, s)
        finally:
            self._handlers.pop()
        return out - {name} if out is not None else None  # the `as` name is deleted when the handler ends

    def match(self, node: cst.Match, s: Names) -> State:
        s = self.expr(node.subject, s)
        outs: list[State] = [s]  # no case matched
        for case in node.cases:
            cs = self._value_patterns(case.pattern, s) | _pattern_names(case.pattern, self.is_local)
            if case.guard is not None:
                cs = self.expr(case.guard, cs)
            outs.append(self.suite(case.body, cs))
        return _meet(*outs)

    def _value_patterns(self, pattern: cst.MatchPattern, s: Names) -> Names:
        """A value pattern (``case k.attr``) reads its dotted name when it is tried."""
        for node in walk(pattern):
            if isinstance(node, cst.MatchValue):
                self.expr(node.value, s)
        return s

    # -- targets and expressions -----------------------------------------------------
    def target(self, node: cst.BaseExpression, s: Names) -> Names:
        if isinstance(node, cst.Name):
            return s | {node.value} if self.is_local(node) else s
        if isinstance(node, (cst.Tuple, cst.List)):
            for el in node.elements:
                s = self.target(el.value, s)
            return s
        if isinstance(node, cst.StarredElement):
            return self.target(node.value, s)
        return self.expr(node, s)  # attribute/subscript targets read their parts

    def delete(self, node: cst.BaseExpression, s: Names) -> Names:
        if isinstance(node, cst.Name):
            self.read(node, s)
            return s - {node.value}
        if isinstance(node, (cst.Tuple, cst.List)):
            for el in node.elements:
                s = self.delete(el.value, s)
            return s
        return self.expr(node, s)

    def read(self, node: cst.Name, s: Names) -> None:
        if self._check and self.is_local(node) and node.value not in s:
            self.maybe_unassigned.setdefault(node.value, node)

    def expr(self, node: cst.CSTNode, s: Names, conditional: bool = False) -> Names:
        """Check the reads in ``node`` in evaluation order; return the state after it.

        Walrus bindings count only when they happen unconditionally.
        """
        if type(node) not in _EXPRESSION_FORMS:  # most nodes; by type, as isinstance on LibCST's classes is slow
            for child in children(node):
                s = self.expr(child, s, conditional)
            return s
        if isinstance(node, cst.Name):
            self.read(node, s)
            return s
        if isinstance(node, cst.NamedExpr):
            s = self.expr(node.value, s, conditional)
            return s if conditional else self.target(node.target, s)
        if isinstance(node, cst.BooleanOperation):
            s = self.expr(node.left, s, conditional)
            self.expr(node.right, s, True)
            return s
        if isinstance(node, cst.IfExp):
            s = self.expr(node.test, s, conditional)
            self.expr(node.body, s, True)
            self.expr(node.orelse, s, True)
            return s
        if isinstance(node, cst.Comparison):
            s = self.expr(node.left, s, conditional)
            for i, comp in enumerate(node.comparisons):
                s2 = self.expr(comp.comparator, s, conditional or i > 0)
                if i == 0:
                    s = s2
            return s
        if isinstance(node, cst.Lambda):
            # Its defaults are evaluated now; its body runs later (callees whose lambdas
            # capture locals are refused).
            return self._defaults(node.params, s)
        if isinstance(node, (cst.ListComp, cst.SetComp, cst.GeneratorExp, cst.DictComp)):
            s = self.expr(node.for_in.iter, s, conditional)  # evaluated in the enclosing scope, first
            for child in _comp_rest(node):
                self.expr(child, s, True)
            return s
        for child in children(node):
            s = self.expr(child, s, conditional)
        return s


_EXPRESSION_FORMS = frozenset({
    cst.Name, cst.NamedExpr, cst.BooleanOperation, cst.IfExp, cst.Comparison, cst.Lambda,
    cst.ListComp, cst.SetComp, cst.GeneratorExp, cst.DictComp,
})


def _comp_rest(node: cst.ListComp | cst.SetComp | cst.GeneratorExp | cst.DictComp) -> list[cst.CSTNode]:
    """Everything of a comprehension evaluated after its first iterable."""
    comp = node.for_in
    rest: list[cst.CSTNode] = [comp.target, *comp.ifs]
    if comp.inner_for_in is not None:
        rest.append(comp.inner_for_in)
    if isinstance(node, cst.DictComp):
        rest += [node.key, node.value]
    else:
        rest.append(node.elt)
    return rest


def _pattern_names(pattern: cst.CSTNode, is_local: Callable[[cst.Name], bool]) -> Names:
    names = set()
    for node in walk(pattern):
        if isinstance(node, cst.MatchAs) and node.name is not None and is_local(node.name):
            names.add(node.name.value)
        elif isinstance(node, cst.MatchStar) and node.name is not None and is_local(node.name):
            names.add(node.name.value)
        elif isinstance(node, cst.MatchMapping) and node.rest is not None and is_local(node.rest):
            names.add(node.rest.value)
    return frozenset(names)


def _all_params(params: cst.Parameters) -> list[cst.Param]:
    star = [params.star_arg] if isinstance(params.star_arg, cst.Param) else []
    starstar = [params.star_kwarg] if params.star_kwarg is not None else []
    return [*params.posonly_params, *params.params, *star, *params.kwonly_params, *starstar]


def _deleted_in(root: cst.CSTNode, is_local: Callable[[cst.Name], bool]) -> Names:
    """Locals some code in ``root`` may unbind: ``del`` targets, and the ``as`` names of
    exception handlers (unbound however the handler is left)."""
    out: set[str] = set()
    for node in walk(root):
        targets: list[cst.CSTNode] = []
        if isinstance(node, cst.Del):
            targets = [node.target]
        elif isinstance(node, (cst.ExceptHandler, cst.ExceptStarHandler)) and node.name is not None:
            targets = [node.name.name]
        for target in targets:
            out.update(n.value for n in _unbound_by(target) if is_local(n))
    return frozenset(out)


def _unbound_by(target: cst.CSTNode) -> Iterator[cst.Name]:
    """The names a ``del`` target unbinds: ``del x``, ``del (x, [y])``; not the names
    ``del x.a`` or ``del x[i]`` read."""
    if isinstance(target, cst.Name):
        yield target
    elif isinstance(target, (cst.Tuple, cst.List)):
        for element in target.elements:
            yield from _unbound_by(element.value)


def maybe_unassigned_locals(
    body: Sequence[cst.BaseStatement] | Sequence[cst.BaseSmallStatement], params: Names, is_local: Callable[[cst.Name], bool]
) -> dict[str, cst.Name]:
    """Each local that some read may see unassigned, with its first such read.

    Raises UnsupportedStatement when the body holds a statement the analysis does not model.
    """
    analysis = DefiniteAssignment(is_local)
    analysis.run(body, params)
    return analysis.maybe_unassigned
