"""Rule table: how the ``return`` statements of a callee are lowered (``analysis/returns.py``).

An inlined body cannot ``return``: that would return from the caller. A return in *tail
position* (nothing of the callee runs after it but ``finally`` blocks and ``with`` exits)
becomes an assignment of the result. Every other return must *jump*: the body is wrapped
in ``while True: ... break`` and the return becomes ``break``; a return inside one of the
callee's own loops also sets a flag, checked after each loop around it, since ``break``
only leaves the innermost loop. A return whose one enclosing loop is the body's last
statement is a *loop exit*: ``result = value; break`` ends the body, with no wrapper and no
flag. ``may_fall_off`` says whether the body may end without a
return (the result then starts as None).

Each row names the returns by the code of their value (``None`` for a bare return) and the
loops by their header. Rows are also checked against CPython, over the parameter values of
``rule_tables.DOMAINS``: turning every tail return into ``_result = value`` (and returning
``_result`` at the end) changes nothing, nor does turning every loop exit into ``_result = value; break``; turning
any one jump return into an assignment
changes something on some input (so the jump is needed), unless the row says
``no_witness``; and a body said not to fall off never does.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import libcst as cst
import pytest

from async_inline.analysis.callee import analyze_callee
from async_inline.analysis.returns import ReturnPlan, plan_returns
from async_inline.analysis.scopes import walk
from tests.unit.rule_tables import Parsed, Run, code_of, combinations, parse_function, plain, run_function

RESULT = "_result"
FELL_OFF = "fell off the end"


@dataclass(frozen=True)
class Row:
    id: str
    body: str
    tail: tuple[str, ...] = ()
    #: Non-tail returns that need the ``while True`` wrapper.
    jump: tuple[str, ...] = ()
    #: Returns lowered to ``result = value; break`` out of the body's last statement, a loop.
    loop_exit: tuple[str, ...] = ()
    #: Jump returns inside a loop of the callee: they set the flag.
    in_loop: tuple[str, ...] = ()
    #: Loops followed by a flag check.
    loops: tuple[str, ...] = ()
    may_fall_off: bool = True
    params: str = ""
    #: Jump returns that no input shows to need the jump.
    no_witness: tuple[str, ...] = ()
    #: Why the analysis disagrees with the row today (the analysis check is xfail).
    bug: str | None = None


def _label(ret: cst.Return) -> str:
    return "None" if ret.value is None else code_of(ret.value)


def _loop_label(loop: cst.CSTNode) -> str:
    if isinstance(loop, cst.For):
        prefix = "async " if loop.asynchronous is not None else ""
        return f"{prefix}for {code_of(loop.target)} in {code_of(loop.iter)}"
    assert isinstance(loop, cst.While)
    return f"while {code_of(loop.test)}"


def callee_returns(parsed: Parsed) -> list[cst.Return]:
    """The returns of ``f`` itself, not of functions defined inside it."""
    nested = [n for n in walk(parsed.fdef.body) if isinstance(n, (cst.FunctionDef, cst.Lambda))]
    inner = {r for n in nested for r in walk(n) if isinstance(r, cst.Return)}
    return [r for r in walk(parsed.fdef.body) if isinstance(r, cst.Return) and r not in inner]


@dataclass(frozen=True)
class Classified:
    tail: frozenset[str]
    jump: frozenset[str]
    loop_exit: frozenset[str]
    in_loop: frozenset[str]
    loops: frozenset[str]
    needs_wrapper: bool
    may_fall_off: bool


def classify(parsed: Parsed, plan: ReturnPlan) -> Classified:
    returns = callee_returns(parsed)
    return Classified(
        tail=frozenset(_label(r) for r in returns if r in plan.tail),
        jump=frozenset(_label(r) for r in returns if r not in plan.tail and r not in plan.loop_exits),
        loop_exit=frozenset(_label(r) for r in plan.loop_exits),
        in_loop=frozenset(_label(r) for r in plan.in_loop),
        loops=frozenset(_loop_label(loop) for loop in plan.loops),
        needs_wrapper=plan.needs_wrapper,
        may_fall_off=plan.may_fall_off,
    )


ROWS = [
    Row("the-last-statement", "log(1)\nreturn 2", tail=("2",), may_fall_off=False),
    Row("no-return-falls-off", "log(1)"),
    Row("a-raise-at-the-end-does-not-fall-off", "if c:\n    return 1\nraise E", jump=("1",), may_fall_off=False, params="c"),
    # Only the last simple statement is looked at: a final if/else that returns on both
    # branches still counts as "may fall off" (the result is set to None first, harmlessly).
    Row("both-branches-of-the-last-if", "if c:\n    return 1\nelse:\n    return 2", tail=("1", "2"), params="c"),
    Row("early-return", "if c:\n    return 1\nlog(2)\nreturn 3", tail=("3",), jump=("1",), may_fall_off=False, params="c"),
    Row("elif-chain-at-the-end", "if c:\n    return 1\nelif d:\n    return 2", tail=("1", "2"), params="c, d"),
    Row("bare-return", "if c:\n    return\nlog(1)", jump=("None",), params="c"),
    Row("one-line-suite", "if c: return 1", tail=("1",), params="c"),
    Row(
        "return-in-a-loop",
        "for i in xs:\n    if i:\n        return 1\nreturn 2",
        tail=("2",),
        jump=("1",),
        in_loop=("1",),
        loops=("for i in xs",),
        may_fall_off=False,
        params="xs",
    ),
    Row(
        "every-enclosing-loop-gets-the-check",
        "for i in xs:\n    while n:\n        n -= 1\n        if i:\n            return 1\nreturn 2",
        tail=("2",),
        jump=("1",),
        in_loop=("1",),
        loops=("for i in xs", "while n"),
        may_fall_off=False,
        params="xs, n",
    ),
    Row("a-return-in-the-last-loop-leaves-it-by-break", "while n:\n    n -= 1\n    if c:\n        return 1\n    log(n)", loop_exit=("1",), params="n, c"),
    Row(
        "while-true-at-the-end-does-not-fall-off",
        "while True:\n    n -= 1\n    if n < c:\n        return n\n    if n < -3:\n        raise E",
        loop_exit=("n",),
        may_fall_off=False,
        params="n, c",
    ),
    Row(
        "a-break-of-its-own-lets-while-true-fall-off",
        "while True:\n    n -= 1\n    if n < c:\n        return n\n    if n < -3:\n        break",
        loop_exit=("n",),
        params="n, c",
    ),
    Row(
        "the-last-loop-in-a-try-with-finally",
        "try:\n    for i in xs:\n        if i:\n            return i\nfinally:\n    log(0)",
        loop_exit=("i",),
        params="xs",
    ),
    Row(
        "a-try-else-after-the-loop-is-skipped-by-a-return",
        "try:\n    for i in xs:\n        if i:\n            return i\nexcept E:\n    pass\nelse:\n    log(0)",
        jump=("i",),
        in_loop=("i",),
        loops=("for i in xs",),
        params="xs",
    ),
    Row(
        "nested-loops-at-the-end-still-need-the-flag",
        "for i in xs:\n    while n:\n        n -= 1\n        if i:\n            return 1\n    log(i)",
        jump=("1",),
        in_loop=("1",),
        loops=("for i in xs", "while n"),
        params="xs, n",
    ),
    Row(
        "a-loop-else-is-outside-its-loop",
        "for i in xs:\n    if i:\n        break\nelse:\n    return 1\nreturn 2",
        tail=("2",),
        jump=("1",),
        may_fall_off=False,
        params="xs",
    ),
    Row("a-loop-else-at-the-end-is-tail", "for i in xs:\n    log(i)\nelse:\n    return 1", tail=("1",), params="xs"),
    Row(
        "an-inner-loop-else-is-inside-the-outer-loop",
        "for i in xs:\n    while False:\n        pass\n    else:\n        return i\nreturn 9",
        tail=("9",),
        jump=("i",),
        in_loop=("i",),
        loops=("for i in xs",),
        may_fall_off=False,
        params="xs",
    ),
    Row("try-body-and-handlers-are-tail", "try:\n    return g(c)\nexcept E:\n    return 2", tail=("g(c)", "2"), params="c"),
    Row(
        "try-else-makes-a-body-return-jump",
        "try:\n    return g(c)\nexcept E:\n    return 2\nelse:\n    log(3)",
        tail=("2",),
        jump=("g(c)",),
        params="c",
    ),
    Row("finally-keeps-the-body-return-tail", "try:\n    return g(c)\nfinally:\n    log(2)", tail=("g(c)",), params="c"),
    Row("return-in-finally-jumps", "try:\n    g(c)\nfinally:\n    return 1", jump=("1",), params="c"),  # it discards an exception
    Row("with-body-is-tail", "with suppress(E):\n    return g(c)", tail=("g(c)",), params="c"),
    Row("an-exit-raising-after-a-return-is-not-swallowed-by-its-own-with", "with exit_raises(c):\n    return 1", tail=("1",), params="c"),
    # `with a, b:` is `with a: with b:`: b's exit raises after the return, a swallows it,
    # the value is discarded and the body falls off its end (None).
    Row(
        "a-later-items-exit-may-raise-into-an-earlier-item",
        "with suppress(E), exit_raises(c):\n    return 1",
        jump=("1",),
        params="c",
    ),
    Row(
        "return-in-a-with-in-a-loop",
        "for i in xs:\n    with nullcontext():\n        if i:\n            return 1\nreturn 2",
        tail=("2",),
        jump=("1",),
        in_loop=("1",),
        loops=("for i in xs",),
        may_fall_off=False,
        params="xs",
    ),
    Row(
        "async-for",
        "async for i in aiter_(xs):\n    if i:\n        return i\nreturn 2",
        tail=("2",),
        jump=("i",),
        in_loop=("i",),
        loops=("async for i in aiter_(xs)",),
        may_fall_off=False,
        params="xs",
    ),
    Row("returns-of-a-nested-def-are-its-own", "def h():\n    return 1\nreturn h()", tail=("h()",), may_fall_off=False),
    Row(
        "match-cases",
        "match v:\n    case [1]:\n        return 1\nreturn 2",
        tail=("2",),
        jump=("1",),
        may_fall_off=False,
        params="v",
        bug="plan_returns does not look inside match statements (callees with match are refused, see below)",
    ),
]


def _param(row: Row, check_analysis: bool) -> object:
    marks = [pytest.mark.xfail(strict=True, reason=row.bug)] if check_analysis and row.bug else []
    return pytest.param(row, id=row.id, marks=marks)


@pytest.mark.parametrize("row", [_param(row, True) for row in ROWS])
def test_rule(row: Row) -> None:
    parsed = parse_function(row.body, row.params)
    got = classify(parsed, plan_returns(parsed.body))
    expected = Classified(
        tail=frozenset(row.tail),
        jump=frozenset(row.jump),
        loop_exit=frozenset(row.loop_exit),
        in_loop=frozenset(row.in_loop),
        loops=frozenset(row.loops),
        needs_wrapper=bool(row.jump),
        may_fall_off=row.may_fall_off,
    )
    assert got == expected


class _AsAssignment(cst.CSTTransformer):
    """Turn the chosen returns of ``f`` into ``_result = value``; ``f`` returns ``_result``."""

    def __init__(self, chosen: Iterable[cst.Return], breaking: Iterable[cst.Return] = ()) -> None:
        self.chosen = set(chosen)
        self.breaking = set(breaking)

    def leave_Return(
        self, original: cst.Return, updated: cst.Return
    ) -> cst.BaseSmallStatement | cst.FlattenSentinel[cst.BaseSmallStatement]:
        if original not in self.chosen and original not in self.breaking:
            return updated
        assign = cst.Assign([cst.AssignTarget(cst.Name(RESULT))], updated.value or cst.Name("None"))
        return cst.FlattenSentinel([assign, cst.Break()]) if original in self.breaking else assign

    def leave_FunctionDef(self, original: cst.FunctionDef, updated: cst.FunctionDef) -> cst.FunctionDef:
        if original.name.value != "f":
            return updated
        first = cst.parse_statement(f"{RESULT} = None")
        last = cst.parse_statement(f"return {RESULT}")
        return updated.with_changes(body=updated.body.with_changes(body=[first, *updated.body.body, last]))


def _runs(source: str, params: str) -> list[Run]:
    return [run_function(source, args) for args in combinations(params)]


def _with_assignments(parsed: Parsed, chosen: Iterable[cst.Return], breaking: Iterable[cst.Return] = ()) -> str:
    return parsed.index.module.visit(_AsAssignment(chosen, breaking)).code


@pytest.mark.parametrize("row", [_param(row, False) for row in ROWS])
def test_row_against_cpython(row: Row) -> None:
    parsed = parse_function(row.body, row.params)
    original = _runs(parsed.index.module.code, row.params)
    returns = {_label(r): r for r in callee_returns(parsed)}

    tails = [returns[label] for label in row.tail]
    assert _runs(_with_assignments(parsed, tails), row.params) == original, "a tail return is not equivalent to an assignment"
    exits = [returns[label] for label in row.loop_exit]
    lowered = _with_assignments(parsed, tails, exits)
    assert _runs(lowered, row.params) == original, "a loop exit is not equivalent to an assignment and a break"

    for label in row.jump:
        if label in row.no_witness:
            continue
        changed = _runs(_with_assignments(parsed, [returns[label]]), row.params)
        assert changed != original, f"return {label}: no input shows that it must jump"

    if not row.may_fall_off:
        sentinel = parse_function(f"{row.body}\nreturn {FELL_OFF!r}", row.params).index.module.code
        assert all(run.result != FELL_OFF for run in _runs(sentinel, row.params)), "the body falls off"


def test_match_callees_are_refused() -> None:
    """plan_returns does not classify returns inside ``match``: callees with one are never inlined."""
    parsed = parse_function("match v:\n    case [1]:\n        return 1\nreturn 2", "v")
    refusal = analyze_callee(parsed.index, parsed.fdef).refusal
    assert refusal is not None and plain(refusal.code) == "unsupported"
