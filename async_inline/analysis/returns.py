"""How the ``return`` statements of a callee body must be lowered when it is inlined.

A return in *tail position* (nothing of the callee runs after it but ``finally`` blocks
and ``with`` exits, which run on a real return too) becomes an assignment of the result.
Any other return also leaves the inlined body: by ``break`` out of a ``while True:``
block that wraps the body, and, when it sits inside the callee's own loops, by a flag
checked after each such loop (``break`` only leaves the innermost loop). A return whose
only enclosing loop is the body's last statement needs neither: its ``break`` ends the body.

A lowered return has set the result before the ``finally`` blocks and ``with`` exits
after it run. If one of them raises and a ``try`` or ``with`` of the callee around it
swallows that exception, the callee goes on with its value discarded, as Python discards
it, and may fall off its end (an earlier item of the same ``with`` counts: ``with a, b:``
is ``with a: with b:``). When a callee has such returns (``swallowable``), every
return of it leaves by ``break``, and falling off the end sets the result to None where
it happens (not up front).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import cast

import libcst as cst
import libcst.matchers as m

from ..tree import NEW_SCOPES, children

Loops = tuple[cst.CSTNode, ...]


@dataclass(frozen=True)
class ReturnPlan:
    tail: frozenset[cst.Return] = frozenset()
    #: Returns lowered to ``result = value; break``: the one loop around them is in tail
    #: position, so leaving it ends the body (no wrapper, no flag).
    loop_exits: frozenset[cst.Return] = frozenset()
    #: Returns inside a loop body of the callee: they need the flag.
    in_loop: frozenset[cst.Return] = frozenset()
    #: Loops whose body holds a return: a flag check follows each.
    loops: frozenset[cst.CSTNode] = frozenset()
    #: Any non-tail return: the body is wrapped in ``while True: ... break``.
    needs_wrapper: bool = False
    #: The body may end without a return (result None).
    may_fall_off: bool = True
    #: Some return runs a ``finally`` block or a ``with`` exit after its value is computed.
    protected: bool = False
    #: Some return's ``finally`` or ``with`` exit may raise into a ``try`` or ``with`` of the
    #: callee that swallows it, discarding the value (see the module docstring).
    swallowable: bool = False


@dataclass
class _Found:
    tail: set[cst.Return] = field(default_factory=set)
    loop_exits: set[cst.Return] = field(default_factory=set)
    in_loop: set[cst.Return] = field(default_factory=set)
    loops: set[cst.CSTNode] = field(default_factory=set)
    needs_wrapper: bool = False


def plan_returns(body: Sequence[cst.BaseStatement]) -> ReturnPlan:
    plan = _Found()
    swallowable = swallowable_returns(body)

    # `tail`: nothing of the body runs after this statement; `exits`: a `break` here leaves
    # the one loop around it, which is in tail position (then a break ends the body).
    def block(stmts: Sequence[cst.CSTNode], tail: bool, loops: Loops, exits: bool = False) -> None:
        for i, stmt in enumerate(stmts):
            statement(stmt, tail and i == len(stmts) - 1, loops, exits)

    def suite(s: cst.BaseSuite | None, tail: bool, loops: Loops, exits: bool = False) -> None:
        if s is not None:
            block(s.body, tail, loops, exits)

    def statement(stmt: cst.CSTNode, tail: bool, loops: Loops, exits: bool) -> None:
        if isinstance(stmt, cst.SimpleStatementLine):
            block(stmt.body, tail, loops, exits)
        elif isinstance(stmt, cst.Return):
            if tail and not swallowable:
                plan.tail.add(stmt)
            elif exits and not swallowable:
                plan.loop_exits.add(stmt)
            else:
                plan.needs_wrapper = True
                if loops:
                    plan.in_loop.add(stmt)
                    plan.loops.update(loops)
        elif isinstance(stmt, cst.If):
            suite(stmt.body, tail, loops, exits)
            if isinstance(stmt.orelse, cst.If):
                statement(stmt.orelse, tail, loops, exits)
            elif stmt.orelse is not None:
                suite(stmt.orelse.body, tail, loops, exits)
        elif isinstance(stmt, (cst.For, cst.While)):
            # A return skips the loop's `else` as a `break` does.
            suite(stmt.body, False, loops + (stmt,), tail and not loops)
            if stmt.orelse is not None:
                suite(stmt.orelse.body, tail, loops, exits)  # `break` there leaves the enclosing loop
        elif isinstance(stmt, (cst.Try, cst.TryStar)):
            # With an `else`, a return in the body skips it: not a tail then.
            suite(stmt.body, tail and stmt.orelse is None, loops, exits and stmt.orelse is None)
            for handler in stmt.handlers:
                suite(handler.body, tail, loops, exits)
            if stmt.orelse is not None:
                suite(stmt.orelse.body, tail, loops, exits)
            if stmt.finalbody is not None:
                # A return in `finally` discards an exception in flight: it must jump.
                suite(stmt.finalbody.body, False, loops)
        elif isinstance(stmt, cst.With):
            suite(stmt.body, tail, loops, exits)
        elif isinstance(stmt, cst.BaseSuite):
            suite(stmt, tail, loops, exits)

    block(body, True, ())
    protected = any(_protected_returns(stmt, False) for stmt in body)
    sets = (frozenset(plan.tail), frozenset(plan.loop_exits), frozenset(plan.in_loop), frozenset(plan.loops))
    return ReturnPlan(*sets, plan.needs_wrapper, not _never_falls_off(body), protected, bool(swallowable))


def _never_falls_off(body: Sequence[cst.BaseStatement]) -> bool:
    """The body certainly leaves by a return or a raise: it ends with one, or with a
    ``while True:`` loop that no ``break`` of its own leaves."""
    if not body:
        return False
    last = body[-1]
    if isinstance(last, cst.SimpleStatementLine):
        return bool(last.body) and isinstance(last.body[-1], (cst.Return, cst.Raise))
    return m.matches(last, m.While(test=m.Name("True"))) and not _breaks_out(cast(cst.While, last).body)


def _breaks_out(node: cst.CSTNode) -> bool:
    """A ``break`` in ``node`` that leaves the loop whose body ``node`` is."""
    if isinstance(node, cst.Break):
        return True
    if isinstance(node, (cst.For, cst.While)):
        return node.orelse is not None and _breaks_out(node.orelse)
    if isinstance(node, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
        return False
    return any(_breaks_out(child) for child in children(node))


def swallowable_returns(body: Sequence[cst.BaseStatement]) -> dict[cst.Return, bool]:
    """The returns followed by a ``finally`` block or ``with`` exit that is itself inside
    the body of a ``try`` with handlers or of a ``with`` (or follows an earlier item of its
    own ``with``), where an exception raised after
    the return can be caught and the callee go on; for each, whether it is inside a loop
    of the callee (then the lowered return's flag would stay set: ``callee._body_refusal``
    refuses those)."""
    out: dict[cst.Return, bool] = {}
    for stmt in body:
        _swallowable(stmt, False, False, False, out)
    return out


def _swallowable(node: cst.CSTNode, protected: bool, swallowing: bool, in_loop: bool, out: dict[cst.Return, bool]) -> None:
    """``protected``: a ``finally`` or ``with`` exit that such a ``try``/``with`` encloses
    runs after a return here; ``swallowing``: an exception raised here can be caught."""
    kind = type(node)
    if kind not in _SWALLOW_FORMS:  # most nodes; by type, as isinstance on LibCST's classes is slow
        for child in children(node):
            _swallowable(child, protected, swallowing, in_loop, out)
        return
    if isinstance(node, cst.Return):
        if protected:
            out[node] = in_loop
        return
    if kind in NEW_SCOPES:
        return
    if isinstance(node, (cst.Try, cst.TryStar)):
        inner = protected or (swallowing and node.finalbody is not None)
        _swallowable(node.body, inner, swallowing or bool(node.handlers), in_loop, out)
        for part in (*node.handlers, node.orelse):
            if part is not None:
                _swallowable(part, inner, swallowing, in_loop, out)
        if node.finalbody is not None:
            _swallowable(node.finalbody, protected, swallowing, in_loop, out)
        return
    if isinstance(node, cst.With):
        # `with a, b:` is `with a: with b:`: b's exit, after a return in the body, may
        # raise into a's exit, which may swallow it.
        _swallowable(node.body, protected or swallowing or len(node.items) > 1, True, in_loop, out)
        return
    if isinstance(node, (cst.For, cst.While)):
        _swallowable(node.body, protected, swallowing, True, out)
        if node.orelse is not None:
            _swallowable(node.orelse, protected, swallowing, in_loop, out)


_SWALLOW_FORMS = frozenset({cst.Return, cst.Try, cst.TryStar, cst.With, cst.For, cst.While, *NEW_SCOPES})


def _protected_returns(node: cst.CSTNode, protected: bool) -> bool:
    """Is there a return that a ``finally`` block or a ``with`` exit follows (code that
    may raise, or swallow an exception, after the returned value is computed)?"""
    kind = type(node)
    if kind is cst.Return:
        return protected
    if kind in (cst.Try, cst.TryStar) and cast(cst.Try, node).finalbody is not None:
        protected = True
    elif kind is cst.With:
        protected = True
    if kind in NEW_SCOPES:
        return False
    return any(_protected_returns(child, protected) for child in children(node))
