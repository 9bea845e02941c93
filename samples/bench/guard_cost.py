"""What the run-time guards of inlined code cost, in ns per call, against the bare inlined
body and against the real call they replace.

Three guards are emitted by default (docs/methods.md):

* method: ``_t = self.m`` then ``type(_t) is MethodType and _t.__func__ is REF``, the
  inlined body reading its ``self`` from ``_t.__self__`` (emitted for classmethods,
  runtime-async methods and with ``Options(costly_guards=True)``; plain coroutine methods
  stay calls by default, ``guard-cost``, because of what this table shows);
* plain function: ``f is REF`` (a module-level function, or one imported by name);
* module attribute: ``_t = mod.f`` then ``_t is REF`` (``import pkg.x as mod; mod.f()``).

A classmethod row shows the method guard where the original call makes the same bound
method (``C.cm()``: CPython has no call shortcut past a classmethod's binding), which is
why classmethods are inlined by default. Two more rows show the same guards on other
lookups: ``C.m(self)`` (a function looked up on its class: ``_t is REF``, no bound method)
and ``super().m()`` (the method guard after making the ``super`` object; under
``class-methods``, the test of what ``super()`` reads and of the class its lookup starts
at: ``super is SUPER and type(self) is __class__ and __class__.__mro__ is ORDER and
ORDER[1].m is REF``, in a
``try``). And two guards the default design rejects for methods, measured
so the docs can compare:

* exact type: ``type(self) is C and C.m is REF and "m" not in self.__dict__`` (what a
  JIT's guarded devirtualization does; misses subclasses that inherit ``m``, needs a
  ``__dict__`` (reading it makes CPython 3.11+ give up the instance's inline attribute
  values), and skips the lookup the original performs, so a ``__getattribute__`` is not
  run);
* class attribute: ``type(self).m is REF`` in a ``try`` whose ``except AttributeError``
  makes a class without the attribute fail the test (misses instance attributes and
  ``__getattribute__``: not exact; the guard of the opt-in assumption ``class-methods``),
  and the same test written ``getattr(type(self), "m", None) is REF``, its form until
  2026-12-05 (a builtin call with three arguments: dearer).

Each variant is a coroutine looping ``n`` times over one site whose callee is
``return x + <one attribute or constant>``; the variants run round-robin, each timed
``--rounds`` times, and the best time counts (least disturbed by other load). The guard's
cost is guarded minus bare, the call's cost is call minus bare. Before timing, the script
checks that the guards it times are the ones the rewriter emits for the same sites, and
that every variant computes the same total.
Run: python samples/bench/guard_cost.py [-n N] [--rounds R]
"""

from __future__ import annotations

import argparse
import re
import sys
import time
import types
from collections.abc import Callable, Coroutine
from typing import Any

from async_inline import Options, rewrite_source
from async_inline.api import rewrite_program

CALLEES = '''
async def f(x):
    return x + 1
'''

PROGRAM = '''
from types import MethodType as _MT
import _guard_cost_callees as mod

async def f(x):
    return x + 1


class C:
    kc = 1

    def __init__(self):
        self.k = 1

    async def m(self, x):
        return x + self.k

    @classmethod
    async def cm(cls, x):
        return x + cls.kc

    # -- method sites -------------------------------------------------------------------
    async def method_bare(self, n):
        t = 0
        for i in range(n):
            s = self
            t += i + s.k
        return t

    async def method_guard(self, n):
        t = 0
        for i in range(n):
            _t = self.m
            if type(_t) is _MT and _t.__func__ is REF_M:
                s = _t.__self__
                t += i + s.k
            else:
                t += await _t(i)
        return t

    async def method_exact_type(self, n):
        t = 0
        for i in range(n):
            if type(self) is C and C.m is REF_M and "m" not in self.__dict__:
                s = self
                t += i + s.k
            else:
                t += await self.m(i)
        return t

    async def method_class_attribute(self, n):
        t = 0
        for i in range(n):
            if getattr(type(self), "m", None) is REF_M:
                s = self
                t += i + s.k
            else:
                t += await self.m(i)
        return t

    async def method_class_probe(self, n):
        t = 0
        for i in range(n):
            try:
                on_class = type(self).m is REF_M
            except AttributeError:
                on_class = False
            if on_class:
                s = self
                t += i + s.k
            else:
                t += await self.m(i)
        return t

    async def method_call(self, n):
        t = 0
        for i in range(n):
            t += await self.m(i)
        return t

    # -- classmethod sites: C.cm() makes a bound method in the call too --------------------
    async def classmethod_bare(self, n):
        t = 0
        for i in range(n):
            c = C
            t += i + c.kc
        return t

    async def classmethod_guard(self, n):
        t = 0
        for i in range(n):
            _t = C.cm
            if type(_t) is _MT and _t.__func__ is REF_CM:
                c = _t.__self__
                t += i + c.kc
            else:
                t += await _t(i)
        return t

    async def classmethod_call(self, n):
        t = 0
        for i in range(n):
            t += await C.cm(i)
        return t

    # -- class lookup sites: C.m(self) (the function itself, no bound method) ---------------
    async def class_guard(self, n):
        t = 0
        for i in range(n):
            _t = C.m
            if _t is REF_M:
                s = self
                t += i + s.k
            else:
                t += await _t(self, i)
        return t

    async def class_call(self, n):
        t = 0
        for i in range(n):
            t += await C.m(self, i)
        return t


class D(C):
    # -- super().m(): a super object, then the method guard -------------------------------
    async def super_guard(self, n):
        t = 0
        for i in range(n):
            _t = super().m
            if type(_t) is _MT and _t.__func__ is REF_M:
                s = _t.__self__
                t += i + s.k
            else:
                t += await _t(i)
        return t

    async def super_class_probe(self, n):
        t = 0
        for i in range(n):
            try:
                on_class = super is _SUPER and type(self) is __class__ and __class__.__mro__ is ORDER_D and ORDER_D[1].m is REF_M
            except (AttributeError, NameError):
                on_class = False
            if on_class:
                s = self
                t += i + s.k
            else:
                t += await super().m(i)
        return t

    async def super_call(self, n):
        t = 0
        for i in range(n):
            t += await super().m(i)
        return t


REF_M = C.m
_SUPER = super
ORDER_D = D.__mro__
REF_CM = C.cm.__func__
REF_F = f
REF_MOD_F = mod.f


# -- plain function sites ---------------------------------------------------------------
async def function_bare(n):
    t = 0
    for i in range(n):
        t += i + 1
    return t

async def function_guard(n):
    t = 0
    for i in range(n):
        t += ((i + 1) if f is REF_F else await f(i))
    return t

async def function_call(n):
    t = 0
    for i in range(n):
        t += await f(i)
    return t


# -- module attribute sites -------------------------------------------------------------
async def module_guard(n):
    t = 0
    for i in range(n):
        _t = mod.f
        if _t is REF_MOD_F:
            t += i + 1
        else:
            t += await _t(i)
    return t

async def module_call(n):
    t = 0
    for i in range(n):
        t += await mod.f(i)
    return t
'''

#: (row, variants: label -> entry point); each row's bare variant comes first.
ROWS = [
    ("method self.m()", {
        "bare": "C().method_bare",
        "guard": "C().method_guard",
        "rejected: exact type": "C().method_exact_type",
        "class-methods until 12-05: getattr": "C().method_class_attribute",
        "class-methods: in a try": "C().method_class_probe",
        "call": "C().method_call",
    }),
    ("classmethod C.cm()", {"bare": "C().classmethod_bare", "guard": "C().classmethod_guard", "call": "C().classmethod_call"}),
    ("class lookup C.m(self)", {"bare": "C().method_bare", "guard": "C().class_guard", "call": "C().class_call"}),
    ("super().m()", {
        "bare": "D().method_bare",
        "guard": "D().super_guard",
        "class-methods: in a try": "D().super_class_probe",
        "call": "D().super_call",
    }),
    ("function f()", {"bare": "function_bare", "guard": "function_guard", "call": "function_call"}),
    ("module attribute mod.f()", {"bare": "function_bare", "guard": "module_guard", "call": "module_call"}),
]


def check_guards_are_the_emitted_ones() -> None:
    """The guards timed here are, up to names, what the rewriter emits for these sites."""
    method = rewrite_source('''
class C:
    async def m(self, x):
        return x + self.k

    async def site(self, i):
        r = await self.m(i)
        return r

    async def by_class(self, i):
        r = await C.m(self, i)
        return r

class D(C):
    async def up(self, i):
        r = await super().m(i)
        return r
''', options=Options(costly_guards=True)).code
    for lookup in (r"self\.m", r"super\(\)\.m"):
        assert re.search(rf"(\w+) = {lookup}\n\s*if _ai_type\w*\(\1\) is \w+ and \1\.__func__ is \w+:\n\s*\w+ = \1\.__self__\n", method), method
    assert re.search(r"(\w+) = C\.m\n\s*if \1 is \w+:\n", method), method
    on_class_method = rewrite_source("class C:\n    @classmethod\n    async def cm(cls, x):\n        return x\n\n"
                                     "async def site(i):\n    r = await C.cm(i)\n    return r\n").code
    assert re.search(r"(\w+) = C\.cm\n\s*if _ai_type\w*\(\1\) is \w+ and \1\.__func__ is \w+:\n", on_class_method), on_class_method
    on_class = rewrite_source("class C:\n    async def m(self, x):\n        return x\n\n    async def site(self, i):\n"
                              "        r = await self.m(i)\n        return r\n", options=Options(assume=frozenset({"class-methods"}))).code
    assert re.search(r"try:\n\s*(\w+) = _ai_type\w*\(self\)\.m is \w+\n\s*except _ai_AttributeError\w*:\n\s*\1 = False\n\s*if \1:\n", on_class), on_class
    on_super = rewrite_source("class C:\n    async def m(self, x):\n        return x\n\nclass D(C):\n    async def site(self, i):\n"
                              "        r = await super().m(i)\n        return r\n", options=Options(assume=frozenset({"class-methods"}))).code
    assert re.search(
        r"try:\n\s*(\w+) = super is \w+ and _ai_type\w*\(self\) is __class__ and __class__\.__mro__ is (\w+) and \2\[1\]\.m is \w+\n"
        r"\s*except \(_ai_AttributeError\w*, _ai_NameError\w*\):\n\s*\1 = False\n\s*if \1:\n", on_super), on_super
    program = rewrite_program({
        "gcpkg/__init__.py": "",
        "gcpkg/callees.py": CALLEES,
        "gcpkg/app.py": "import gcpkg.callees as mod\nfrom gcpkg.callees import f\n\n"
                        "async def site(i):\n    r = await mod.f(i)\n    s = 1 + await f(i)\n    return r, s\n",
    })["gcpkg/app.py"].code
    assert re.search(r"(\w+) = mod\.f\n\s*if \1 is \w+:\n", program), program
    assert re.search(r"\(\(i \+ 1\) if f is \w+ else await f\(i\)\)", program), program


def load() -> types.ModuleType:
    callees = types.ModuleType("_guard_cost_callees")
    exec(compile(CALLEES, "<_guard_cost_callees>", "exec"), callees.__dict__)
    sys.modules[callees.__name__] = callees
    module = types.ModuleType("guard_cost_program")
    exec(compile(PROGRAM, "<guard_cost_program>", "exec"), module.__dict__)
    return module


def drive(coro: Coroutine[Any, Any, Any]) -> Any:
    """Run a coroutine that never suspends, with no event loop in the way."""
    try:
        coro.send(None)
    except StopIteration as stop:
        return stop.value
    raise RuntimeError("the benchmark coroutine suspended")


def entry(module: types.ModuleType, path: str) -> Callable[[int], Coroutine[Any, Any, Any]]:
    if path[1:4] == "().":
        return getattr(getattr(module, path[0])(), path[4:])  # type: ignore[no-any-return]
    return getattr(module, path)  # type: ignore[no-any-return]


def best_ns(variants: dict[str, Callable[[int], Coroutine[Any, Any, Any]]], n: int, rounds: int) -> dict[str, float]:
    """Best ns per iteration of each variant, the variants run round-robin."""
    best = dict.fromkeys(variants, float("inf"))
    for _ in range(rounds):
        for name, fn in variants.items():
            start = time.perf_counter()
            drive(fn(n))
            best[name] = min(best[name], time.perf_counter() - start)
    return {name: t / n * 1e9 for name, t in best.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=20_000, help="iterations per measurement")
    parser.add_argument("--rounds", type=int, default=101, help="measurements per variant, round-robin; the best counts")
    args = parser.parse_args(argv)

    check_guards_are_the_emitted_ones()
    module = load()
    print(f"Python {sys.version.split()[0]}; n={args.n}, {args.rounds} rounds round-robin, best round; ns per iteration")
    print(f"{'site':<26} {'variant':<34} {'ns':>7} {'- bare':>7}")
    for label, paths in ROWS:
        variants = {name: entry(module, path) for name, path in paths.items()}
        expected = drive(variants["bare"](1000))
        for name, fn in variants.items():
            assert drive(fn(1000)) == expected, (label, name)
        times = best_ns(variants, args.n, args.rounds)
        for name, ns in times.items():
            print(f"{label:<26} {name:<34} {ns:>7.1f} {ns - times['bare']:>7.1f}")
    print("'- bare': what the guard (or the call) adds to the inlined body alone")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
