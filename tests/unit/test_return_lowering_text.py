"""The text an early return lowered into ``if``/``else`` becomes (``transform/breaks.py``).

A lowered return that emits no code of its own stays a ``pass`` on its line, so tracers
see it run (review R19 v1); one whose value is assigned runs on its line already, and a
``pass`` after it would be clutter (and a NOP of its own in the command line's output).
Line events of both shapes are checked against plain Python by ``tests/debug``.
"""

from __future__ import annotations

import pytest

from async_inline import Options, rewrite_source

pytestmark = pytest.mark.skipif(Options().stress_seed is not None, reason="stress mode decides sites at random")

CALLEES = '''
async def pick(n):
    if n > 5:
        return n
    return n + 1


async def early(n):
    if n:
        print("early")
        return
    print("late")
'''


def _main_of(code: str) -> str:
    return code[code.index("async def main") :]


def test_a_lowered_return_with_a_value_is_its_assignment_alone() -> None:
    code = _main_of(rewrite_source(CALLEES + "\n\nasync def main(n):\n    x = await pick(n)\n    return x\n").code)
    assert "while True" not in code
    assert "pass" not in code, code


def test_a_lowered_bare_return_stays_a_pass_on_its_line() -> None:
    code = _main_of(rewrite_source(CALLEES + "\n\nasync def main(n):\n    await early(n)\n").code)
    assert "while True" not in code
    lines = [line.strip() for line in code.splitlines()]
    assert lines[lines.index('print("early")') + 1] == "pass", code
