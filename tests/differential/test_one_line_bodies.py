"""Callees whose body is on the ``def`` line (``async def f(x): y = x; return y``).

LibCST gives such a body as one suite of small statements, not as lines; the rewriter makes
a line of them (``tree.statements_of``), which must be mapped to its source line and
descended into like any other statement. Found while fixing the fuzz finding on ``super()``
in nested scopes: every such callee in statement form was an internal error.
"""

from __future__ import annotations

from tests.differential.harness import assert_same_behaviour
from tests.differential.test_methods import EXACT


def test_one_line_bodies_in_statement_form():
    assert_same_behaviour('''
LIMIT = 3
async def f(x, y=2): z = x * y; x += LIMIT; return x + z

async def g(x):
    z = 1
    return await f(x) + await f(z, 3)

async def main():
    try:
        print(await g(5))
        return await f(1)
    except ValueError:
        pass
''', inlined={"f", "g"})


def test_one_line_method_with_super():
    """``super()`` in a one-line body still names the method's class explicitly."""
    assert_same_behaviour('''
class A:
    def n(self): return 1

class B(A):
    async def k(self, x): y = x; return super().n() + y
    async def run(self): return await B.k(self, 4), await self.k(5)

async def main():
    return await B().run()
''', options=EXACT, inlined={"B.k"})
