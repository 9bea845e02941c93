"""Rule table: evaluation-order hoisting (``transform/linearize.py``).

Each row is one statement of ``async def main(a, b, c, d)`` whose awaits of ``f`` and
``g`` are inlined as statements, and the statements the linearizer produces: an inlined
frame shows as ``rN = INLINE_f(args)`` (the arguments it receives), hoisted operands as
``tN = ...``, and the last line is what remains of the statement. The rule: everything
Python evaluates before an inlined await is evaluated first, into a temporary unless it
is stable (``analysis/stability.py``: literals, and parameters and locals nothing else
can change); what it evaluates after stays in place; operands evaluated only sometimes
become ``if`` statements. The differential tests check the same rule by running code.
"""

from __future__ import annotations

import re
import textwrap

import libcst as cst
import pytest

from async_inline.analysis.evaluation import awaits_in, header_expressions
from async_inline.analysis.module import ModuleFacts
from async_inline.analysis.scopes import ScopeIndex
from async_inline.analysis.site import site_call
from async_inline.plan.model import SitePlan
from async_inline.plan.names import FreshNames
from async_inline.transform import build as b
from async_inline.transform.linearize import Emitted, EvaluatedCall, Linearizer
from async_inline.transform.renaming import Replacements, copy
from async_inline.tree import walk, walrus_targets

N = cst.CSTNode


class _Host:
    """Stands in for the statement rewriter: an inlined frame is one assignment."""

    guards = True

    def __init__(self, index: ScopeIndex, names: FreshNames) -> None:
        self.index = index
        self.names = names

    def emit(self, node: N, repl: Replacements) -> N:
        return copy(node, repl, {})

    def parent(self, node: cst.CSTNode) -> cst.CSTNode | None:
        return self.index.parent(node)

    def inline(self, site: SitePlan, call: EvaluatedCall) -> tuple[list[Emitted], str | None]:
        result = self.names.make("ai_r")
        args = ", ".join(cst.Module([]).code_for_node(a) for a in call.args)
        return [*call.arg_code, b.assign(result, cst.parse_expression(f"INLINE_{site.site.label}({args})"))], result


def linearize(statement: str) -> list[str]:
    source = "async def main(a, b, c, d):\n" + textwrap.indent(statement, "    ") + "\n"
    index = ScopeIndex(cst.parse_module(source))
    fdef = index.module.body[0]
    assert isinstance(fdef, cst.FunctionDef) and isinstance(fdef.body, cst.IndentedBlock)
    line = fdef.body.body[0]
    stmt: cst.CSTNode = line.body[0] if isinstance(line, cst.SimpleStatementLine) else line
    first, other = header_expressions(stmt)
    sites = {}
    for node in awaits_in([*first, *other]):
        call = site_call(index, node)
        if call is not None and call.label in ("f", "g"):
            sites[node] = SitePlan(call, "main", 2, 1, observed=False)
    facts = ModuleFacts(index)
    names = FreshNames(n.value for n in walk(index.module) if isinstance(n, cst.Name))
    lin = Linearizer(_Host(index, names), sites, {}, facts.name_stability(index.function_scope(fdef), fdef, walrus_targets(stmt)))
    if isinstance(stmt, cst.If):
        lin.lin(stmt.test)
        rest = f"if {cst.Module([]).code_for_node(lin.emit(stmt.test))}:"
    else:
        assert isinstance(stmt, cst.Assign)
        lin.sequence(list(first))
        rest = cst.Module([b.line(lin.emit(stmt))]).code.strip()
    lines = [*cst.Module(b.as_statements(lin.out)).code.rstrip("\n").splitlines(), rest]
    # Generated names read as t1, t2 ... and r1, r2 ... (their order of creation).
    lines = [re.sub(r"\b_ai_t(\d+)\b", r"t\1", x) for x in lines]
    return [re.sub(r"\b_ai_r(?:_(\d+))?\b", lambda m: "r" + (m.group(1) or "1"), x) for x in lines]


ROWS = {
    "stable-operand-stays": ("x = a + await f(b)", "r1 = INLINE_f(b) | x = a + r1"),
    "literal-stays": ("x = 1 + await f(2)", "r1 = INLINE_f(2) | x = 1 + r1"),
    "call-before-is-hoisted": ("x = h() + await f(a)", "t1 = h() | r1 = INLINE_f(a) | x = t1 + r1"),
    "attribute-before-is-hoisted": ("x = a.attr + await f(a)", "t1 = a.attr | r1 = INLINE_f(a) | x = t1 + r1"),
    "subscript-before-is-hoisted": ("x = d[h()] + await f(a)", "t1 = d[h()] | r1 = INLINE_f(a) | x = t1 + r1"),
    "global-callee-is-read-before-its-arguments": ("x = h(a, await f(b))", "t1 = h | r1 = INLINE_f(b) | x = t1(a, r1)"),
    # Positional and ``*`` arguments are evaluated before keyword ones, whatever the source
    # order (review Z, f1): the keyword argument written first stays after the await.
    "keyword-argument-after-star-argument": ("x = h(k=c.attr, *[await f(a)])", "t1 = h | r1 = INLINE_f(a) | x = t1(k=c.attr, *[r1])"),
    "dict-key-before-its-value": ("x = {h(): await f(a)}", "t1 = h() | r1 = INLINE_f(a) | x = {t1: r1}"),
    "after-the-await-stays": ("x = h(await f(a)) + await g(b)", "t1 = h | r1 = INLINE_f(a) | t2 = t1(r1) | r2 = INLINE_g(b) | x = t2 + r2"),
    "kept-call-after-stays": ("x = await f(a) + await k(b)", "r1 = INLINE_f(a) | x = r1 + await k(b)"),
    # The arguments of an inlined site are evaluated in its inlined branch (after the guard
    # read the callee, as Python reads it before the arguments).
    "unstable-arguments-in-order": ("x = await f(h(), a)", "t1 = h() | r1 = INLINE_f(t1, a) | x = r1"),
    "inner-site-first": ("x = await f(await g(a))", "r1 = INLINE_g(a) | r2 = INLINE_f(r1) | x = r2"),
    "walrus-target-is-not-stable": (
        "x = (a := h()) + await f(a)",
        "t1 = (a := h()) | t2 = a | r1 = INLINE_f(t2) | x = (t1) + r1",
    ),
    "f-string-part-is-formatted-when-evaluated": (
        'x = f"{h()!r:>10}{await f(a)}"',
        't1 = f"{h()!r:>10}" | r1 = INLINE_f(a) | x = f"{t1}{r1}"',
    ),
    # Implicitly concatenated parts are one string: their fields are the operands (review Z, f2).
    "concatenated-f-string-fields": (
        'x = f"{h()}" "-" f"{await f(a)}"',
        't1 = f"{h()}" | r1 = INLINE_f(a) | x = f"{t1}" "-" f"{r1}"',
    ),
    "and-right-operand-only-if-left-is-true": ("x = c and await f(a)", "t1 = c | if t1: | r1 = INLINE_f(a) | t1 = r1 | x = t1"),
    "or-in-an-if-test": ("if c or await f(a): pass", "t1 = c | if not t1: | r1 = INLINE_f(a) | t1 = r1 | if t1:"),
    "conditional-expression-branches": (
        "x = await f(a) if c else await g(b)",
        "if c: | r1 = INLINE_f(a) | t1 = r1 | else: | r2 = INLINE_g(b) | t1 = r2 | x = t1",
    ),
    "comparison-chain-link": ("x = a < await f(b) < c", "r1 = INLINE_f(b) | x = a < r1 < c"),
}


@pytest.mark.parametrize("statement, expected", ROWS.values(), ids=ROWS.keys())
def test_rule(statement: str, expected: str) -> None:
    assert " | ".join(line.strip() for line in linearize(statement)) == expected
