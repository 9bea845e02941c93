"""A method a subclass in sight overrides stays a call where its guard is cheap (review
R20d F4, F6): for the subclass's instances the guard fails every time and its cost comes
on top of the call (a classmethod reached through ``self`` or ``cls``, by default: 1.2-1.37x
the original's time; a base class's hook under ``class-methods``: 1.1-1.35x), while the
inlined body pays only for the others. ``analysis/guards.py``, ``_unless_overridden``.
Receivers whose class is the one named (``C.m()``, ``C().m()``) and ``super().m()`` are not
affected, nor are runtime-async callees, nor sites under ``costly_guards``."""

from __future__ import annotations

import pytest

from async_inline import Options
from tests.differential.harness import assert_same_behaviour
from tests.differential.test_exception_context import skipped_codes

pytestmark = pytest.mark.decisions

CLASS_METHODS = Options(assume=frozenset({"class-methods"}))

FACTORY = '''
class Base:
    k = 1

    @classmethod
    async def make(cls, x):
        return x + cls.k

    @classmethod
    async def build(cls, x):
        return await cls.make(x)

    async def run(self, n):
        t = 0
        for i in range(n):
            t += await self.make(i)
        return t

    async def named(self, x):
        return await Base.make(x)


class Sub(Base):
    @classmethod
    async def make(cls, x):
        return x + 2


async def main():
    out = []
    for obj in (Base(), Sub()):
        out += [await obj.run(3), await type(obj).build(1), await obj.named(1)]
    return out
'''

HOOKS = '''
class Handler:
    async def on_item(self, x):
        return x

    async def on_done(self, t):
        return t

    async def run(self, n):
        t = 0
        for i in range(n):
            t += await self.on_item(i)
        return await self.on_done(t)


class Doubler(Handler):
    async def on_item(self, x):
        return x * 2


class Tripler(Handler):
    async def on_item(self, x):
        return await super().on_item(x) * 3


async def main():
    return [await h.run(4) for h in (Handler(), Doubler(), Tripler())]
'''


def test_a_classmethod_a_subclass_overrides_stays_a_call_through_self_and_cls():
    result = assert_same_behaviour(FACTORY, inlined={"Base.make"})
    kept = {(s.caller, s.code) for s in result.report.skipped if s.callee in ("self.make", "cls.make")}
    assert kept == {("Base.run", "guard-cost"), ("Base.build", "guard-cost")}, result.report.skipped
    assert all("subclass 'Sub' overrides 'make'" in s.reason for s in result.report.skipped if s.callee in ("self.make", "cls.make"))
    # Named on the class: the receiver is that class, whatever subclasses do.
    assert any(d.caller == "Base.named" and d.callee == "Base.make" for d in result.report.inlined), result.report.inlined


def test_a_hook_subclasses_override_stays_a_call_under_class_methods():
    result = assert_same_behaviour(HOOKS, options=CLASS_METHODS, inlined={"Handler.on_done"})
    codes = {(s.caller, s.callee): s.code for s in result.report.skipped}
    assert codes[("Handler.run", "self.on_item")] == "guard-cost", result.report.skipped
    # Not overridden: class-tested and inlined.
    assert ("Handler.run", "self.on_done") in {(d.caller, d.callee) for d in result.report.inlined}
    # A super() lookup is class-tested on the class it starts at (no subclass of Tripler).
    assert ("Tripler.on_item", "super().on_item") in {(d.caller, d.callee) for d in result.report.inlined}
    assert "_ai_mro_Tripler[1].on_item is" in result.code


@pytest.mark.parametrize("source, options", [(FACTORY, Options()), (HOOKS, CLASS_METHODS)], ids=["classmethod", "class-methods"])
def test_costly_guards_inline_them_and_the_guard_fails_for_the_subclass(source, options):
    from dataclasses import replace

    result = assert_same_behaviour(source, options=replace(options, costly_guards=True))
    assert "guard-cost" not in skipped_codes(result).values()
