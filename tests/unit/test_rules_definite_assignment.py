"""Rule table: which locals a read may find unassigned (``analysis/definite_assignment.py``).

Each row is a function body and the set of locals the analysis reports as "may be read
unassigned". The inliner relies on that set twice: such a callee local keeps its own name
and is deleted when the inlined body ends (so the next inlined run raises
UnboundLocalError, with the right name, instead of seeing an old value), and such a
caller local is never treated as a stable operand. Missing a name is a miscompile;
reporting one too many only costs an optimisation.

Every row is also run by CPython over the parameter values of ``rule_tables.DOMAINS``:
each name CPython raises UnboundLocalError for must be in the row's set (the table is
sound), and each name in the set must be raised for by some run unless the row lists it
as ``conservative`` (the analysis cannot know, e.g. whether a ``with`` swallows exceptions).
Rows marked ``bug`` are where the analysis today disagrees with CPython: the analysis
check is an expected failure there, and CPython's check shows the row is right.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import libcst as cst
import pytest

from async_inline.analysis.definite_assignment import UnsupportedStatement, maybe_unassigned_locals
from async_inline.analysis.scopes import Role
from tests.unit.rule_tables import Parsed, combinations, function_source, param_names, parse_function, requires, run_function

UNSUPPORTED = "unsupported"


@dataclass(frozen=True)
class Row:
    id: str
    body: str
    #: Locals some read may find unassigned, space-separated, or UNSUPPORTED.
    unassigned: str = ""
    #: Parameters, each run over its values in rule_tables.DOMAINS.
    params: str = ""
    #: Reported names CPython never raises for on these inputs (the analysis cannot know).
    conservative: str = ""
    #: Why the analysis disagrees with CPython today (the analysis check is xfail).
    bug: str | None = None
    #: Oldest Python that compiles the snippet (the CPython check is skipped before it).
    python: tuple[int, int] = (3, 10)

    def expected(self) -> frozenset[str] | str:
        return UNSUPPORTED if self.unassigned == UNSUPPORTED else frozenset(self.unassigned.split())


def analyse(parsed: Parsed, params: str) -> dict[str, cst.Name]:
    """The analysis on a parsed snippet: locals are decided as the inliner decides them."""
    index = parsed.index
    scope = index.function_scope(parsed.fdef)

    def is_local(node: cst.Name) -> bool:
        return index.role(node) is not Role.OTHER and index.use_scope(node) is scope

    return maybe_unassigned_locals(parsed.body, frozenset(param_names(params)), is_local)


def maybe_unassigned(body: str, params: str = "") -> frozenset[str] | str:
    try:
        return frozenset(analyse(parse_function(body, params), params))
    except UnsupportedStatement:
        return UNSUPPORTED


#: UnboundLocalError, or before 3.12 (comprehensions were functions) the NameError of a free variable.
_UNBOUND = re.compile(r"(?:local|free) variable '(\w+)'")


def cpython_unbound(row: Row) -> frozenset[str]:
    """The locals CPython raises UnboundLocalError for, over every combination of inputs."""
    source = function_source(row.body, row.params)
    found = set()
    for args in combinations(row.params):
        error = run_function(source, args).error
        if error is not None and error[0] in ("UnboundLocalError", "NameError"):
            match = _UNBOUND.search(error[1])
            if match:
                found.add(match.group(1))
    return frozenset(found)


ROWS = [
    # -- straight-line code ---------------------------------------------------------------
    Row("assign-then-read", "x = 1\nlog(x)"),
    Row("read-before-assign", "log(x)\nx = 1", "x"),
    Row("parameters-are-assigned", "log(c)", params="c"),
    Row("augmented-assignment-reads-first", "x += 1", "x"),
    Row("annotation-alone-binds-nothing", "x: int\nlog(x)", "x"),
    Row("annotated-assignment-binds", "x: int = 1\nlog(x)"),
    Row("unpacking-binds-every-target", "x, *y = [1, 2]\nlog((x, y))"),
    Row("chained-assignment", "x = y = 1\nlog((x, y))"),
    Row("import-binds", "import os.path\nfrom os import sep as s\nlog((os, s))"),
    Row("reads-in-evaluation-order", "log((x, (x := 1)))", "x"),
    Row("unreachable-code-is-not-checked", "return\nlog(x)"),
    Row("a-raise-ends-the-path", "raise E\nlog(x)"),
    Row("a-global-is-not-a-local", "global x\nx = 1\nlog(x)"),
    Row("comprehension-variables-are-not-locals", "log([y for y in [1]])"),
    Row(
        "assert-binds-nothing",
        "assert (x := 1)\nlog(x)",
        "x",
        conservative="x",  # python -O drops the assert, and the walrus with it
    ),
    # -- nested functions and lambdas: evaluated now vs later --------------------------------
    Row("a-def-binds-its-name", "def h():\n    return later\nlater = 1\nlog(h())"),
    Row("defaults-are-evaluated-at-the-def", "def h(p=x):\n    pass\nx = 1", "x"),
    Row("decorators-are-evaluated-at-the-def", "@x\ndef h():\n    pass\nx = 1", "x"),
    Row("a-lambda-body-runs-later", "h = lambda: x\nx = 1\nlog(h())"),
    Row(
        "lambda-defaults-are-evaluated-now",
        "h = lambda p=x: p\nx = 1",
        "x",
    ),
    Row(
        "def-annotations-are-evaluated-now",
        "def h(p: t):\n    pass\nt = int",
        "t",
    ),
    Row(
        "class-keywords-are-evaluated-now",
        "class C(metaclass=m):\n    pass\nm = type",
        "m",
    ),
    # -- del --------------------------------------------------------------------------------
    Row("read-after-del", "x = 1\ndel x\nlog(x)", "x"),
    Row("del-reads-the-name", "del x", "x"),
    Row("del-on-one-branch", "x = 1\nif c:\n    del x\nlog(x)", "x", "c"),
    Row("del-then-assign-again", "x = 1\ndel x\nx = 2\nlog(x)"),
    # -- if -----------------------------------------------------------------------------------
    Row("assigned-on-one-branch", "if c:\n    x = 1\nlog(x)", "x", "c"),
    Row("assigned-on-both-branches", "if c:\n    x = 1\nelse:\n    x = 2\nlog(x)", params="c"),
    Row("elif-without-else", "if c:\n    x = 1\nelif d:\n    x = 2\nlog(x)", "x", "c, d"),
    Row("a-branch-that-leaves-does-not-count", "if c:\n    x = 1\nelif d:\n    x = 2\nelse:\n    return\nlog(x)", params="c, d"),
    Row("a-branch-that-raises-does-not-count", "if c:\n    x = 1\nelse:\n    raise E\nlog(x)", params="c"),
    # -- walrus -------------------------------------------------------------------------------
    Row("walrus-in-a-condition", "if (x := g()):\n    pass\nlog(x)"),
    Row("walrus-right-of-and-is-conditional", "if c and (x := g()):\n    pass\nlog(x)", "x", "c"),
    Row("walrus-in-a-conditional-expression-branch", "y = 1 if c else (x := 2)\nlog(x)", "x", "c"),
    Row("walrus-in-a-comparison-chain", "log(a < (x := 2) < (y := 3))\nlog((x, y))", "y", "a"),
    Row("walrus-in-a-comprehension-condition", "log([(x := i) for i in xs])\nlog(x)", "x", "xs"),
    Row("the-first-iterable-is-read-now", "log([i for i in x])\nx = 1", "x"),
    Row("the-rest-of-a-comprehension-may-not-run", "log([x for i in xs])\nx = 1", "x", "xs"),
    # -- while ---------------------------------------------------------------------------------
    Row("while-body-may-not-run", "while n:\n    n -= 1\n    x = 1\nlog(x)", "x", "n"),
    Row("while-true-leaves-only-by-break", "while True:\n    x = 1\n    break\nlog(x)"),
    Row("break-before-the-assignment", "while True:\n    if c:\n        break\n    x = 1\n    break\nlog(x)", "x", "c"),
    Row(
        "while-else-runs-when-the-test-fails",
        "while n:\n    n -= 1\n    if c:\n        x = 1\n        break\nelse:\n    x = 2\nlog(x)",
        params="n, c",
    ),
    Row("while-test-walrus", "while (x := g()) is None:\n    pass\nlog(x)"),
    Row("del-carried-to-the-next-iteration", "x = 1\nwhile n:\n    n -= 1\n    log(x)\n    del x", "x", "n"),
    Row(
        "continue-carries-its-state-to-the-test",
        "x = 1\nwhile n:\n    n -= 1\n    del x\n    if c:\n        continue\n    x = 2\nlog(x)",
        "x",
        "n, c",
    ),
    # -- for -------------------------------------------------------------------------------------
    Row("for-target-unbound-when-empty", "for i in xs:\n    pass\nlog(i)", "i", "xs"),
    Row("for-else-always-runs-without-break", "for i in xs:\n    x = 1\nelse:\n    x = 2\nlog(x)", params="xs"),
    Row("break-skips-the-for-else", "for i in xs:\n    if i:\n        break\n    x = 1\nelse:\n    x = 2\nlog(x)", "x", "xs"),
    Row("the-iterable-is-evaluated-first", "for i in (x := xs):\n    pass\nlog(x)", params="xs"),
    Row("async-for", "async for i in aiter_(xs):\n    pass\nlog(i)", "i", "xs"),
    # -- try ---------------------------------------------------------------------------------------
    Row("a-handler-may-start-before-any-assignment", "try:\n    x = g(c)\nexcept E:\n    pass\nlog(x)", "x", "c"),
    Row("a-handler-that-reraises", "try:\n    x = g(c)\nexcept E:\n    raise\nlog(x)", params="c"),
    Row("a-handler-that-assigns", "try:\n    x = g(c)\nexcept E:\n    x = 2\nlog(x)", params="c"),
    Row("try-else-runs-after-the-whole-body", "try:\n    x = g(c)\nexcept E:\n    return\nelse:\n    y = x\nlog((x, y))", params="c"),
    Row("a-handler-sees-deletions-of-the-body", "x = 1\ntry:\n    del x\n    g(c)\nexcept E:\n    log(x)", "x", "c"),
    Row(
        "del-of-an-item-or-attribute-unbinds-nothing",  # fuzz seed 711124: del self.m4 in a finally
        "x = [1, 2]\ntry:\n    g(c)\nfinally:\n    del x[0], x[:0]\nlog(x)",
        params="c",
    ),
    Row("the-as-name-is-unbound-after-the-handler", "try:\n    g(c)\nexcept E as e:\n    pass\nlog(e)", "e", "c"),
    Row("finally-assigns-for-what-follows", "try:\n    g(c)\nfinally:\n    x = 1\nlog(x)", params="c"),
    Row("finally-cannot-rely-on-the-body", "try:\n    x = g(c)\nfinally:\n    log(x)", "x", "c"),
    Row("return-in-the-body-with-finally", "try:\n    return\nfinally:\n    x = 1\nlog(x)"),
    Row("except-star", "try:\n    x = g(c)\nexcept* E:\n    pass\nlog(x)", "x", "c", python=(3, 11)),
    Row(
        "as-name-deleted-before-finally",
        "e = 0\ntry:\n    g(c)\nexcept E as e:\n    pass\nfinally:\n    log(e)",
        "e",
        "c",
    ),
    Row(
        "as-name-deleted-when-break-leaves-the-handler",
        "e = 0\nfor i in xs:\n    try:\n        g(True)\n    except E as e:\n        break\nlog(e)",
        "e",
        "xs",
    ),
    Row(
        "as-name-deleted-when-continue-leaves-the-handler",
        "e = 0\nfor i in xs:\n    log(e)\n    try:\n        g(True)\n    except E as e:\n        continue",
        "e",
        "xs",
    ),
    Row(
        "as-name-of-a-nested-handler-seen-by-an-outer-handler",
        "e = 0\ntry:\n    try:\n        g(True)\n    except E as e:\n        pass\n    g(c)\nexcept E:\n    log(e)",
        "e",
        "c",
    ),
    Row(
        "as-name-deleted-inside-finally",
        "e = 0\ntry:\n    pass\nfinally:\n    try:\n        g(c)\n    except E as e:\n        pass\nlog(e)",
        "e",
        "c",
    ),
    # A break or continue runs the finally blocks it passes through; what they unbind is
    # unbound where it lands.
    Row(
        "break-through-a-finally-that-unbinds",
        "while True:\n    try:\n        y = 1\n        break\n    finally:\n        try:\n            g(c)\n        except E as y:\n            pass\nlog(y)",
        "y",
        "c",
    ),
    Row(
        "continue-through-a-finally-that-unbinds",
        "y = 0\nfor i in xs:\n    log(y)\n    try:\n        continue\n    finally:\n        try:\n            g(c)\n        except E as y:\n            pass",
        "y",
        "xs, c",
    ),
    Row(
        "break-through-two-finally-blocks",
        "y = 0\nfor i in xs:\n    try:\n        try:\n            break\n        finally:\n            pass\n"
        "    finally:\n        try:\n            g(c)\n        except E as y:\n            pass\nlog(y)",
        "y",
        "xs, c",
    ),
    Row(
        "a-break-inside-a-finally-does-not-pass-through-it",
        "y = 0\nwhile True:\n    try:\n        pass\n    finally:\n        try:\n            g(c)\n        except E as y:\n            pass\n"
        "        y = 1\n        break\nlog(y)",
        params="c",
    ),
    Row(
        "a-break-through-a-finally-that-never-ends-never-lands",
        "x = 1\nwhile n:\n    n -= 1\n    try:\n        del x\n        break\n    finally:\n        raise E\nlog(x)",
        params="n",
    ),
    Row(
        "a-handler-left-after-the-finally-unbinds-what-it-assigns",
        "e = 0\nfor i in xs:\n    try:\n        g(True)\n    except E as e:\n        try:\n            del e\n            break\n"
        "        finally:\n            e = 1\nlog(e)",
        "e",
        "xs",
    ),
    Row(
        "a-finally-assignment-is-not-credited-to-a-break",
        "for i in xs:\n    try:\n        break\n    finally:\n        x = 1\nelse:\n    x = 2\nlog(x)",
        "x",
        "xs",
        conservative="x",  # the block may end by leaving a handler whose name it assigned
    ),
    # -- with -------------------------------------------------------------------------------------------
    Row("with-may-swallow-an-exception-of-the-body", "with suppress(E):\n    x = g(c)\nlog(x)", "x", "c"),
    Row(
        "any-with-may-swallow",
        "with nullcontext():\n    x = 1\nlog(x)",
        "x",
        conservative="x",  # nullcontext never swallows, but a with statement does not say so
    ),
    Row("with-as-binds", "with nullcontext(1) as x:\n    pass\nlog(x)"),
    Row("async-with-as-binds", "async with acm(1) as x:\n    pass\nlog(x)"),
    # The first manager's exit covers the store of its target and the later items
    # (`with a, b:` is `with a: with b:`): only a name's store cannot fail.
    Row("with-as-unpacking-may-fail-and-be-swallowed", "with suppress(TypeError) as [x]:\n    pass\nlog(x)", "x"),
    Row("a-later-item-may-fail-and-be-swallowed", "with suppress(E), nullcontext(g(c)) as x:\n    pass\nlog(x)", "x", "c"),
    Row("a-walrus-in-a-later-item-may-be-swallowed", "with suppress(E), nullcontext(g(c) + (x := 1)):\n    pass\nlog(x)", "x", "c"),
    Row("the-first-item-is-evaluated-before-any-exit-covers", "with nullcontext((x := 1)) as y, nullcontext(y):\n    pass\nlog((x, y))"),
    Row(
        "any-earlier-item-may-swallow",
        "with nullcontext(), nullcontext(1) as x:\n    pass\nlog(x)",
        "x",
        conservative="x",  # nullcontext never swallows, but a with statement does not say so
    ),
    Row("with-body-deletions", "x = 1\nwith suppress(E):\n    del x\n    g(c)\n    x = 2\nlog(x)", "x", "c"),
    Row(
        "as-name-of-a-handler-inside-a-swallowing-with",
        "e = 0\nwith suppress(E):\n    try:\n        g(True)\n    except E as e:\n        pass\n    g(c)\n    e = 1\nlog(e)",
        "e",
        "c",
    ),
    # -- match -------------------------------------------------------------------------------------------
    Row("a-capture-binds-when-its-case-matches", "match v:\n    case [x]:\n        pass\nlog(x)", "x", "v"),
    Row("a-guard-sees-the-captures", "match v:\n    case [x] if x:\n        log(x)", params="v"),
    Row(
        "no-case-matched-is-always-assumed-possible",
        "match v:\n    case [x]:\n        pass\n    case x:\n        pass\nlog(x)",
        "x",
        "v",
        conservative="x",  # the last case is irrefutable
    ),
    Row(
        "value-patterns-read-their-name",
        "match v:\n    case k.attr:\n        pass\nk = 1",
        "k",
        "v",
    ),
    # -- statements the analysis does not model ---------------------------------------------------------
    Row("type-alias", "type X = int", UNSUPPORTED, python=(3, 12)),
]


def _param(row: Row, check_analysis: bool) -> object:
    marks = [pytest.mark.xfail(strict=True, reason=row.bug)] if check_analysis and row.bug else []
    return pytest.param(row, id=row.id, marks=marks)


@pytest.mark.parametrize("row", [_param(row, True) for row in ROWS])
def test_rule(row: Row) -> None:
    assert maybe_unassigned(row.body, row.params) == row.expected()


@pytest.mark.parametrize("row", [_param(row, False) for row in ROWS])
def test_row_against_cpython(row: Row) -> None:
    if not requires(row.python):
        pytest.skip(f"needs Python {row.python[0]}.{row.python[1]}")
    expected = row.expected()
    if expected == UNSUPPORTED:
        return  # nothing is claimed about reads: the callee is refused
    assert isinstance(expected, frozenset)
    raised = cpython_unbound(row)
    assert raised <= expected, f"CPython raises UnboundLocalError for {sorted(raised - expected)}, the table does not say so"
    witnessed = expected - frozenset(row.conservative.split())
    assert witnessed <= raised, f"no run raises UnboundLocalError for {sorted(witnessed - raised)}: mark them conservative"


def test_the_first_read_is_reported() -> None:
    """The analysis names the read it found, so a refusal can point at the line."""
    parsed = parse_function("log(1)\nif c:\n    x = 1\nlog(x)\nlog(x)", "c")
    found = analyse(parsed, "c")
    assert list(found) == ["x"]
    assert parsed.index.line(found["x"]) == 5  # line 1 is the def
