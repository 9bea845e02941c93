"""Shapes the rest of the generator never made although the rewriter handles them (a
review's list of the fuzzer's blind spots): literals other than small ints pasted where
precedence matters, defaults other than small ints, augmented stores to attributes and
subscripts with an await in the value, ``global`` beyond ``G = G + ...``, mutual and
expression-form recursion, returns in ``while``/``try``/``async for`` with ``else``, and
methods whose receivers are not named ``self``/``cls``.

Each family is a few callees of its own (named by family: ``lit0``, ``dflt0``, ``aug_val``,
``glob_make``, ``rec_even``, ``ret_while``, ``Recv``) and the sites of ``gaps()``, which
``main`` awaits (after ``lifetimes()``). Every site is under a ``try`` that prints what it
raised: a literal of the wrong type raises, the same way in both forms. Output goes through
``print`` (``t`` logs), so the rest of the program keeps its fuel.

Drawn from a generator of its own (``random.Random(f"gap shapes {seed}")``), so that the
rest of a seed's program stays as it was. Python 3.10 syntax only (no ``except*``: the
generator has no notion of the target version).
"""

from __future__ import annotations

import random
from collections.abc import Callable

from .more_gaps import MoreGapShapes

#: Of the programs, those that get the gap shapes; of those, each family's share.
P_GAPS = 0.5
P_FAMILY = 0.5

#: Literals an argument or a default may be (pasted in place of a parameter, they need
#: brackets after ``-``, before ``.`` and ``**``, and warn as ``1()`` or ``1 is None``).
LITERALS = (
    "-1", "-7", "0", "3", "1.5", "-0.5", "2j", "-2j", "1e3", "'ab'", "''", '"q"', "True", "False",
    "None", "(1, 2)", "()", "(3,)", "not 1", "...", "b'x'",
)
#: Literals generic arguments may be: numbers the generated bodies mostly compute with.
NUMERIC_LITERALS = ("-1", "-9", "-3", "True", "False", "-1", "True", "1.5", "-0.5", "'ab'", "None", "2j")
#: ``~`` of a parameter, never of a bool (``~True`` is deprecated from 3.12 and warns where
#: the original runs; a constant is not pasted under ``~`` either way).
INVERT = "(~@ if type(@) is not bool else 'bool')"
#: Expressions of a parameter (``@``) where a pasted literal needs brackets or warns.
OPERATIONS = (
    "@.real", "@.imag", "@ ** 2", "2 ** @", "-@", "+@", INVERT, "not @", "@[0]", "@[1:]", "@ is None",
    "@ is not None", "@()", "(@, 1)[0]", "[@][0]", "@ * 2", "@ + @", "@ == 1", "@.__class__.__name__",
    "str(@)", "len(@)", "@ % 3", "@ if @ else 'no'", "f'{@!r}'", "(@,)", "abs(@)", "@ < 2", "[1, 2][@]",
)
#: Statements of a parameter that raise for every literal (stores into immutable values).
STORES = ("@[0] = 1", "del @[0]", "@.attr = 1", "@[0] += 1")


def _op(template: str, name: str) -> str:
    return template.replace("@", name)


def _guarded(lines: list[str], label: str, indent: str = "    ") -> list[str]:
    """``lines`` under a ``try`` that prints what they raised (with its chain)."""
    inner = indent + "    "
    return [f"{indent}try:", *(inner + line for line in lines), f"{indent}except Exception as e:",
            f"{inner}print({label!r}, chain(e))"]


class GapShapes:
    def __init__(self, seed: int, runtime_async: bool, mutable_defaults: bool) -> None:
        self.rng = random.Random(f"gap shapes {seed}")
        self.runtime_async = runtime_async
        self.mutable_defaults = mutable_defaults
        self.drawn = self.rng.random() < P_GAPS
        self.families = [name for name in FAMILIES if self.rng.random() < P_FAMILY] if self.drawn else []
        if self.drawn and not self.families:
            self.families = [self.rng.choice(list(FAMILIES))]
        #: Gaps 4, 5, 7, 8, 11, 16, 17 and 19 (``more_gaps.py``), from draws of their own.
        self.more = MoreGapShapes(seed, runtime_async, mutable_defaults)

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def literal(self) -> str:
        return self.rng.choice(LITERALS)

    def head(self) -> list[str]:
        """``@async_method`` on half the callees of runtime-async programs."""
        return ["@async_method"] if self.runtime_async and self.chance(0.5) else []

    # -- gap 1 and 2: literals pasted, defaults folded --------------------------------------
    def literal_callee(self, name: str, params: list[str]) -> list[str]:
        """A callee computing with its parameters where a pasted literal needs brackets:
        one ``return`` (the expression form) or a few statements."""
        head = [*self.head(), f"async def {name}({', '.join(params)}):"]
        names = [p.split("=")[0] for p in params if p != "*"]
        if self.chance(0.4):
            ops = [_op(self.rng.choice(OPERATIONS), self.rng.choice(names)) for _ in range(self.rng.randint(1, 2))]
            return head + [f"    return {', '.join(ops)}"]
        body: list[str] = []
        for _ in range(self.rng.randint(1, 3)):
            p, r = self.rng.choice(names), self.rng.random()
            if r < 0.4:
                body.append(f"    v = {_op(self.rng.choice(OPERATIONS), p)}")
            elif r < 0.7:
                body.append(f"    print('{name}', {_op(self.rng.choice(OPERATIONS), p)})")
            else:
                body += ["    try:", f"        {_op(self.rng.choice(STORES), p)}", "    except (TypeError, AttributeError) as e:",
                         f"        print('{name}', chain(e))"]
        value = "v" if any(line.startswith("    v = ") for line in body) and self.chance(0.5) else _op(self.rng.choice(OPERATIONS), names[0])
        return head + body + [f"    return {value}"]

    def literals(self) -> tuple[list[str], list[str]]:
        """Gap 1: literal arguments of every type, by position, by keyword, or through a
        caller's variable (then not pasted)."""
        defs: list[str] = []
        sites: list[str] = []
        for i in range(self.rng.randint(1, 3)):
            name = f"lit{i}"
            defs += self.literal_callee(name, ["x", f"y={self.literal()}"]) + ["", ""]
            for _ in range(self.rng.randint(2, 4)):
                a, b = self.literal(), self.literal()
                call = self.rng.choice([f"{name}({a})", f"{name}({a}, {b})", f"{name}(y={b}, x={a})", f"{name}(x={a})"])
                if self.chance(0.2):
                    sites += _guarded([f"v = {a}", f"print('lit', await {name}(v), v)"], "lit")
                else:
                    sites += _guarded([f"print('lit', await {call})"], "lit")
        return defs, sites

    def defaults(self) -> tuple[list[str], list[str]]:
        """Gap 2: defaults of every literal type (``frozen-defaults`` folds them), left out at
        most sites; now and then ``__defaults__`` replaced around a call (not when the case
        assumes ``frozen-defaults``)."""
        defs: list[str] = []
        sites: list[str] = []
        for i in range(self.rng.randint(1, 2)):
            name = f"dflt{i}"
            params = ["x", f"a={self.literal()}", f"b={self.literal()}", "*", f"k={self.literal()}"]
            defs += self.literal_callee(name, params) + ["", ""]
            for _ in range(self.rng.randint(2, 3)):
                x = self.rng.choice(["1", "-2", "'s'", "(4,)"])
                call = self.rng.choice([f"{name}({x})", f"{name}({x})", f"{name}({x}, k={self.literal()})", f"{name}({x}, {self.literal()})"])
                if self.mutable_defaults and self.chance(0.2):
                    fresh = f"({self.literal()}, {self.literal()})"
                    sites += _guarded([f"old = {name}.__defaults__", f"{name}.__defaults__ = {fresh}", "try:",
                                       f"    print('dflt', await {name}({x}))", "finally:", f"    {name}.__defaults__ = old"], "dflt")
                else:
                    sites += _guarded([f"print('dflt', await {call})"], "dflt")
        return defs, sites

    # -- gap 3: augmented stores with an await in the value ----------------------------------
    def augmented(self) -> tuple[list[str], list[str]]:
        """Gap 3: ``cells[t(...)] += await ...``, ``t(..., box).v -= await ...``, a property
        target, an await in the index too, an index that raises before the value is awaited,
        and the same inside a callee (inlined as well)."""
        defs = [
            *self.head(), "async def aug_val(x):", "    print('aug_val', x)", "    return x + 1", "", "",
            *self.head(), "async def aug_in(box, x):", f"    box.v {self.rng.choice(['+=', '*=', '-='])} await aug_val(x)",
            "    return box.v", "", "",
            "class LoggedBox:", "    def __init__(self, v):", "        self._v = v", "", "    def __repr__(self):",
            "        return 'LoggedBox(' + repr(self._v) + ')'", "", "    @property", "    def v(self):",
            "        print('get v', self._v)", "        return self._v", "", "    @v.setter", "    def v(self, value):",
            "        print('set v', value)", "        self._v = value", "", "",
        ]
        sites = ["    cells = [0, 10, 20]", "    box = Box(1)", "    d = {'a': 1}", "    lb = LoggedBox(3)"]

        def op() -> str:
            return self.rng.choice(["+=", "-=", "*=", "+=", "//=", "|="])

        shapes: list[Callable[[], str]] = [
            lambda: f"cells[t('k', {self.rng.randint(-3, 3)})] {op()} await aug_val({self.rng.randint(0, 5)})",
            lambda: f"t('o', box).v {op()} await aug_val({self.rng.randint(0, 5)})",
            lambda: f"d[t('k', {self.rng.choice(['a', 'b'])!r})] {op()} await aug_val(2)",
            lambda: f"cells[await aug_val({self.rng.randint(-2, 1)})] {op()} await aug_val(1)",
            lambda: f"t('lb', lb).v {op()} await aug_val({self.rng.randint(0, 5)})",
            lambda: f"print('aug_in', await aug_in(t('b', box), {self.rng.randint(0, 4)}))",
            lambda: f"t('c', cells)[1:] {self.rng.choice(['+=', '*='])} [await aug_val(0)]",
        ]
        for _ in range(self.rng.randint(2, 5)):
            sites += _guarded([self.rng.choice(shapes)()], "aug")
        sites.append("    print('aug', cells, box, d, lb.v)")
        return defs, sites

    # -- gap 10: global beyond G = G + ... ---------------------------------------------------
    def globals_(self) -> tuple[list[str], list[str]]:
        """Gap 10: ``+=`` on a global, a global only a callee creates (a sibling callee
        inlined into the same caller has a local of that name), and ``del`` of a global."""
        defs = [
            "GCOUNT = 0", "", "",
            *self.head(), "async def glob_inc(x):", "    global GCOUNT", f"    GCOUNT {self.rng.choice(['+=', '-=', '*='])} x",
            "    return GCOUNT", "", "",
            *self.head(), "async def glob_make(x):", "    global gnew", "    gnew = x * 2", "    return gnew", "", "",
            *self.head(), "async def glob_local(x):", "    gnew = x + 1", "    return gnew * 10", "", "",
            *self.head(), "async def glob_del(x):", "    global gnew", "    del gnew", "    return x", "", "",
            *self.head(), "async def glob_read(x):", "    return gnew + x", "", "",
        ]
        shapes: list[Callable[[], str]] = [
            lambda: f"print('glob', await glob_inc({self.rng.randint(-2, 3)}), GCOUNT)",
            lambda: f"print('glob', await glob_make({self.rng.randint(0, 5)}), await glob_local(4), gnew)",
            lambda: f"print('glob', await glob_local({self.rng.randint(0, 5)}), await glob_read(1))",
            lambda: "print('glob', await glob_del(1))",
            lambda: f"gnew = await glob_local({self.rng.randint(0, 5)})",
        ]
        sites: list[str] = ["    global gnew"] if self.chance(0.3) else []
        for _ in range(self.rng.randint(3, 6)):
            sites += _guarded([self.rng.choice(shapes)()], "glob")
        return defs, sites

    # -- gap 12: mutual and expression-form recursion -----------------------------------------
    def recursion(self) -> tuple[list[str], list[str]]:
        """Gap 12: ``rec_even``/``rec_odd`` bounded by a depth, ``rec_fib`` and ``rec_ping``/
        ``rec_pong`` in the expression form."""
        if self.chance(0.5):
            even_odd = [
                *self.head(), "async def rec_even(n, depth):", "    if n <= 0 or depth <= 0:", "        return True",
                "    print('even', n)", "    return await rec_odd(n - 1, depth - 1)", "", "",
                *self.head(), "async def rec_odd(n, depth):", "    if n <= 0 or depth <= 0:", "        return False",
                "    return not await rec_even(n - 1, depth - 1)" if self.chance(0.3) else "    return await rec_even(n - 1, depth - 1)",
                "", "",
            ]
        else:
            even_odd = [
                *self.head(), "async def rec_even(n, depth):", "    return True if n <= 0 or depth <= 0 else await rec_odd(n - 1, depth - 1)", "", "",
                *self.head(), "async def rec_odd(n, depth):", "    return False if n <= 0 or depth <= 0 else await rec_even(n - 1, depth - 1)", "", "",
            ]
        defs = even_odd + [
            *self.head(), "async def rec_fib(n):", "    return n if n < 2 else await rec_fib(n - 1) + await rec_fib(n - 2)", "", "",
            *self.head(), "async def rec_ping(n):", "    return 0 if n <= 0 else 1 + await rec_pong(n - 1)", "", "",
            *self.head(), "async def rec_pong(n):", "    return 0 if n <= 0 else 2 * await rec_ping(n - 1)", "", "",
        ]
        shapes: list[Callable[[], str]] = [
            lambda: f"print('rec', await rec_even({self.rng.randint(0, 6)}, {self.rng.randint(1, 6)}))",
            lambda: f"print('rec', await rec_odd({self.rng.randint(0, 6)}, depth={self.rng.randint(1, 6)}))",
            lambda: f"print('rec', await rec_fib({self.rng.randint(0, 7)}))",
            lambda: f"print('rec', await rec_ping({self.rng.randint(0, 6)}), [await rec_pong(i) for i in range(3)])",
        ]
        sites: list[str] = []
        for _ in range(self.rng.randint(2, 4)):
            sites += _guarded([self.rng.choice(shapes)()], "rec")
        return defs, sites

    # -- gap 15: returns in loops' and try's else -------------------------------------------
    def returns(self) -> tuple[list[str], list[str]]:
        """Gap 15: ``return`` in ``while ... else``, in ``try/except/else`` (with or without a
        ``finally``), and in ``async for ... else`` over an async generator."""
        stop = self.rng.randint(1, 3)
        fin = ["    finally:", "        print('ret_try finally', n)"] if self.chance(0.5) else []
        defs = [
            *self.head(), "async def ret_while(n):", "    i = 0", "    while i < n:", "        i += 1",
            f"        if i == {stop}:", "            return 'broke', i", "    else:", "        print('ret_while else', i)",
            "        return 'else', i", "    return 'never'", "", "",
            *self.head(), "async def ret_try(n):", "    try:", "        v = 12 // n", "    except ZeroDivisionError:",
            "        return 'zero'", "    else:", "        if v > 4:", "            return 'big', v", "        print('ret_try else', v)",
            *fin, "    return 'tail', n", "", "",
            "async def ret_items(n):", "    for i in range(n):", "        yield i * 2", "", "",
            *self.head(), "async def ret_afor(n):", "    async for v in ret_items(n):", f"        if v == {2 * stop}:",
            "            return 'found', v", "    else:", "        print('ret_afor else', n)", "        return 'else', n",
            "    return 'never'", "", "",
        ]
        sites: list[str] = []
        for _ in range(self.rng.randint(2, 4)):
            callee = self.rng.choice(["ret_while", "ret_try", "ret_afor"])
            n = self.rng.randint(0, 4)
            if self.chance(0.3):
                sites += _guarded([f"for n in range({n}):", f"    print('ret', n, await {callee}(n))"], "ret")
            else:
                sites += _guarded([f"print('ret', await {callee}({n}))"], "ret")
        return defs, sites

    # -- gap 13: receivers named otherwise, super() to a classmethod ------------------------
    def receivers(self) -> tuple[list[str], list[str]]:
        """Gap 13: receivers ``this``/``klass``; ``super().cm()`` and ``super().sm()`` from an
        instance method reaching the base's classmethod and staticmethod; ``super().cm()``
        in a classmethod."""
        def method(decorator: str | None, head: str, body: list[str]) -> list[str]:
            runtime = ["    @async_method"] if self.runtime_async and self.chance(0.5) else []
            return [*([f"    @{decorator}"] if decorator else []), *runtime, f"    async def {head}:", *("        " + line for line in body), ""]

        defs = [
            "class Recv:", "    def __init__(this, v):", "        this.v = v", "",
            *method(None, "m(this, x)", ["print('Recv.m', type(this).__name__, x)", "return this.v + x"]),
            *method("classmethod", "cm(klass, x=-3)", ["print('Recv.cm', klass.__name__, x)", "return x * 2"]),
            *method("staticmethod", "sm(x, *, k=None)", ["return x - 1, k"]),
            "",
            "class RecvSub(Recv):",
            *method(None, "m(this, x)", [f"a = await super().{self.rng.choice(['m', 'cm'])}(x)", "b = await super().cm(x + 1)",
                                         "c = await super().sm(x, k=type(this).__name__)", "return a, b, c"]),
            *method("classmethod", "cm(klass, x=5)", ["r = await super().cm(x)", "return r + 100"]),
            *method(None, "n(this, x)", [f"return await this.{self.rng.choice(['m', 'cm', 'sm'])}(x)"]),
            "",
        ]
        shapes: list[Callable[[], str]] = [
            lambda: f"print('recv', await RecvSub({self.rng.randint(0, 5)}).m({self.rng.randint(0, 5)}))",
            lambda: f"print('recv', await o.m({self.rng.randint(0, 5)}), await o.n(1))",
            lambda: f"print('recv', await RecvSub.cm({self.rng.choice(['', '2', '-1'])}))",
            lambda: f"print('recv', await Recv.m(o, {self.rng.randint(0, 5)}), await Recv.cm())",
        ]
        sites = [f"    o = {self.rng.choice(['RecvSub', 'Recv'])}({self.rng.randint(0, 5)})"]
        for _ in range(self.rng.randint(2, 4)):
            sites += _guarded([self.rng.choice(shapes)()], "recv")
        return defs, sites

    def source(self) -> list[str]:
        """The families' callees, ``gaps()`` and ``more_gaps()``, which ``main`` awaits."""
        return self.own_source() + self.more.source()

    def own_source(self) -> list[str]:
        """The families' callees and ``gaps()``; empty when not drawn."""
        if not self.drawn:
            return []
        defs: list[str] = []
        body = ["async def gaps():", "    print('gaps start')"]
        for family in self.families:
            more, sites = FAMILIES[family](self)
            defs += more
            body += sites
        return defs + body + ["    print('gaps end')", "    return 0", "", ""]

    def main_call(self, indent: str = "    ") -> list[str]:
        """``main``'s calls of ``gaps()`` and ``more_gaps()`` (none of what is not drawn)."""
        own = [f"{indent}try:", f"{indent}    log('gaps', await gaps())", f"{indent}except Exception as error:",
               f"{indent}    log('gaps', chain(error))"] if self.drawn else []
        return own + self.more.main_call(indent)

    # -- draws for the generic generator ------------------------------------------------------
    def numeric_literal(self) -> str:
        return self.rng.choice(NUMERIC_LITERALS)


FAMILIES: dict[str, Callable[[GapShapes], tuple[list[str], list[str]]]] = {
    "literals": GapShapes.literals,
    "defaults": GapShapes.defaults,
    "augmented": GapShapes.augmented,
    "globals": GapShapes.globals_,
    "recursion": GapShapes.recursion,
    "returns": GapShapes.returns,
    "receivers": GapShapes.receivers,
}
