"""How the rewrite's work grows with the input, counted in tree steps (``tree.children``
calls), never in seconds: the machines are shared and noisy."""

from __future__ import annotations

import pytest

import async_inline.analysis.evaluation as evaluation
import async_inline.transform.linearize as linearize
import async_inline.tree as tree
from async_inline import Options, rewrite_source


def _chain(n: int) -> str:
    return (
        "async def g(a):\n    b = a * 2\n    return b + 1\n\n"
        "async def main():\n    s = " + " + ".join(f"await g({i})" for i in range(n)) + "\n    return s\n"
    )


def _steps(monkeypatch: pytest.MonkeyPatch, source: str) -> int:
    count = 0
    real = tree.children

    def counting(node):  # type: ignore[no-untyped-def]
        nonlocal count
        count += 1
        return real(node)

    for module in (tree, evaluation, linearize):
        monkeypatch.setattr(module, "children", counting)
    result = rewrite_source(source, options=Options(max_caller_growth=10**6, stress_seed=None))
    assert len(result.report.inlined) == source.count("await g(")
    return count


def test_a_long_chain_of_awaits_in_one_expression_is_planned_in_quadratic_steps(monkeypatch: pytest.MonkeyPatch) -> None:
    """Review R22b F1: each await's position was checked by asking every operand on the
    way down whether it held the await (a walk each), and the linearizer asked each node
    whether it held a site (a walk per site): cubic, 200 terms took 5.5-11 s. Four times
    the terms now take about sixteen times the steps (it was 54 times)."""
    small, large = _steps(monkeypatch, _chain(25)), _steps(monkeypatch, _chain(100))
    assert large < 24 * small, (small, large)


def _rebuilt(n: int) -> str:
    """A query builder: ``q = q.where(i)`` ``n`` times, then ``await q.all()``."""
    lines = ["class Query:", "    def where(self, p):", "        return Query()", "    async def all(self):", "        return 1", "",
             "async def main(filters=(1, 3)):", "    q = Query()"]
    for i in range(n):
        lines += [f"    if {i} in filters:", f"        q = q.where({i})"]
    return "\n".join([*lines, "    return await q.all()", ""])


def test_a_local_rebound_from_its_own_method_is_typed_in_linear_steps(monkeypatch: pytest.MonkeyPatch) -> None:
    """Review R28a F3: typing ``q`` typed every binding's receiver ``q`` again, at every
    depth, with no memo: 16 bindings took 21 s. Each local is now typed once per depth."""
    import async_inline.analysis.types as types

    def calls(n: int) -> int:
        count = 0
        real = types._bound_to

        def counting(*args):  # type: ignore[no-untyped-def]
            nonlocal count
            count += 1
            return real(*args)

        with monkeypatch.context() as patched:
            patched.setattr(types, "_bound_to", counting)
            rewrite_source(_rebuilt(n), options=Options(costly_guards=True, stress_seed=None))
        return count

    small, large = calls(4), calls(16)
    assert large < 6 * small, (small, large)
