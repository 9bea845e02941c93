"""More shapes the rest of the generator never made although the rewriter handles them
(the review's gaps 4, 5, 7, 8, 11, 16, 17 and 19; ``gaps.py`` has the others): statement
shapes around a site, unpackings evaluated before an await, comprehensions of two ``for``
clauses and generator expressions, ``:=`` in callee bodies, parameters rebound by ``except
as``/``with as``/``for``/tuple targets, ``configure_await(c(), True)``, a nested caller
whose own nested scopes read a name a callee has as a local, and arguments used zero times
or twice, passed by keyword out of order.

Each family is drawn from a ``random.Random`` of its own (``f"gap {family} {seed}"``), so
that adding one leaves every other draw of a seed as it was. A family is a few callees named
by its prefix (``st_``, ``unp_``, ``cmp_``, ``wal_``, ``reb_``, ``cfg_``, ``hyg_``,
``use_``) and sites in ``more_gaps()``, which ``main`` awaits after ``gaps()``. Every site
is under a ``try`` that prints what it raised (its label names the shape: a campaign can
count the sites of each shape); output goes through ``print`` and ``say``, so the rest of
the program keeps its fuel.
"""

from __future__ import annotations

import random
from collections.abc import Callable

#: Of the programs, those that get these shapes; of those, each family's share.
P_MORE = 0.6
P_FAMILY = 0.3

Family = Callable[["Draws"], "tuple[list[str], list[str]]"]


def guarded(lines: list[str], label: str) -> list[str]:
    """``lines`` (of ``more_gaps``'s body) under a ``try`` that prints what they raised."""
    return ["    try:", *("        " + line for line in lines), "    except Exception as e:", f"        print({label!r}, chain(e))"]


class Draws:
    """One family's draws: a generator of its own, and what the program allows."""

    def __init__(self, family: str, seed: int, runtime_async: bool, mutable_defaults: bool) -> None:
        self.rng = random.Random(f"gap {family} {seed}")
        self.runtime_async = runtime_async
        self.mutable_defaults = mutable_defaults

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def picker(self, options: list[str]) -> Callable[[], str]:
        """A draw among ``options``, made anew at each call."""
        return lambda: self.rng.choice(options)

    def n(self, low: int = 0, high: int = 4) -> int:
        return self.rng.randint(low, high)

    def head(self) -> list[str]:
        """``@async_method`` on half the callees of runtime-async programs."""
        return ["@async_method"] if self.runtime_async and self.chance(0.5) else []

    def sites(self, shapes: list[Callable[[], tuple[str, list[str]]]], low: int = 2, high: int = 5) -> list[str]:
        """A few sites, each a shape drawn among ``shapes`` (label and lines), guarded."""
        out: list[str] = []
        for _ in range(self.rng.randint(low, high)):
            label, lines = self.rng.choice(shapes)()
            out += guarded(lines, label)
        return out


def callee(d: Draws, head: str, body: list[str]) -> list[str]:
    """An ``async def`` (``@async_method`` half the time in runtime-async programs)."""
    return [*d.head(), f"async def {head}:", *("    " + line for line in body), "", ""]


# -- gap 4: statement shapes around a site ------------------------------------------------
def statements(d: Draws) -> tuple[list[str], list[str]]:
    """Chained, starred, annotated and swapping assignments, ``raise ... from ...`` of two
    awaits, slices, ``match``, and stores whose target is evaluated after the value."""
    defs = [
        *callee(d, "st_val(x)", ["print('st_val', x)", "return x + 1"]),
        *callee(d, "st_seq(n)", ["return [n * 10 + i for i in range(n)]"]),
        *callee(d, "st_exc(x)", ["return Boom('st ' + str(x))"]),
        *callee(d, "st_ann(x)", ["y: int = x * 2", "z: say('never', int)", f"y: int = y + await st_val({d.n()})", "return y"]),
    ]
    op = d.picker(["+", "*", "-"])
    shapes: list[Callable[[], tuple[str, list[str]]]] = [
        lambda: ("st chained", [f"a = b = await st_val({d.n()})", "print('st', a, b)"]),
        lambda: ("st chained", [f"d['k'] = box.v = a = await st_val({d.n()})", "print('st', a, d, box)"]),
        lambda: ("st starred", [f"{d.rng.choice(['p, *q', '*q, p', '[p, *q]', 'p, *q, r'])} = await st_seq({d.n()})", "print('st', p, q)"]),
        lambda: ("st starred", [f"p, *q = await st_val({d.n()}), await st_val(1), 3", "print('st', p, q)"]),
        lambda: ("st annotated", [f"a: int = await st_val({d.n()})", "print('st', a)"]),
        lambda: ("st annotated", [f"say('obj', box).v: int = await st_val({d.n()})", "print('st', box)"]),
        lambda: ("st annotated", [f"print('st', await st_ann({d.n()}))"]),
        lambda: ("st swap", ["a, b = b, await st_val(a)", "print('st', a, b)"]),
        lambda: ("st swap", [f"a, b = await st_val(b), a {op()} 1", "print('st', a, b)"]),
        lambda: ("st raise", [f"raise await st_exc({d.n()}) from await st_exc({d.n()})"]),
        lambda: ("st raise", [f"raise await st_exc({d.n()}) from {d.rng.choice(['None', 'ValueError(1)'])}"]),
        lambda: ("st slice", [f"print('st', s[{d.n(-2, 2)}:await st_val({d.n(-2, 4)})])"]),
        lambda: ("st slice", [f"print('st', s[await st_val({d.n(-3, 1)}):{d.n()}:await st_val({d.n(-2, 1)})])"]),
        lambda: ("st slice", [f"s[say('lo', {d.n(0, 2)}):await st_val({d.n()})] = [{d.n()}]", "print('st', s)"]),
        lambda: ("st later target", [f"say('tgt', d)[say('key', 'k')] = say('v', {d.n()}) {op()} await st_val({d.n()})", "print('st', d)"]),
        lambda: ("st later target", [f"say('obj', box).v = say('v', {d.n()}) {op()} await st_val({d.n()})", "print('st', box)"]),
        lambda: ("st later target", [f"d[say('k', 'a')], say('b', box).v = await st_val({d.n()}), await st_val({d.n()})", "print('st', d, box)"]),
        lambda: ("st later target", [f"say('tgt', s)[say('i', {d.n(-1, 6)})] = await st_val({d.n()})", "print('st', s)"]),
        lambda: ("st match", [f"match await st_val({d.n()}):", "    case 1 | 2:", "        print('st small')",
                              "    case n if n > 3:", "        print('st big', n)", "    case _:", "        print('st other')"]),
    ]
    sites = ["    a, b = 1, 2", "    s = list(range(6))", "    d = {'k': 0}", "    box = Box(0)", *d.sites(shapes, 3, 7)]
    return defs, sites


# -- gap 5: unpackings evaluated before an await ------------------------------------------
def unpacking(d: Draws) -> tuple[list[str], list[str]]:
    """``h(**m, x=await f())``, ``{**m, 'x': await f()}``, ``h(*q, x=await f())``, starred
    displays, with a mapping and an iterable that print what is asked of them (the rewriter
    keeps these as calls, ``position``: what the oracle checks is that nothing moved)."""
    defs = [
        "class UnpMap:", "    def __init__(self, data):", "        self.data = data", "",
        "    def keys(self):", "        print('unp keys')", "        return list(self.data)", "",
        "    def __getitem__(self, key):", "        print('unp get', key)", "        return self.data[key]", "", "",
        "class UnpSeq:", "    def __init__(self, items):", "        self.items = items", "",
        "    def __iter__(self):", "        print('unp iter')", "        return iter(self.items)", "", "",
        "def unp_h(*args, **kwargs):", "    return args, sorted(kwargs.items())", "", "",
        *callee(d, "unp_val(x)", ["print('unp_val', x)", "return x * 2"]),
        *callee(d, "unp_mutate(m, q, x)", ["m.data['late'] = x", "q.items.append(x)", "return x"]),
    ]
    key = d.picker(["x", "x", "a"])  # ('a' collides with um's key: TypeError)
    shapes: list[Callable[[], tuple[str, list[str]]]] = [
        lambda: ("unp call **", [f"print('unp', unp_h(**um, {key()}=await unp_val({d.n()})))"]),
        lambda: ("unp call **", [f"print('unp', unp_h({d.n()}, **um, **{{'y': await unp_val({d.n()})}}))"]),
        lambda: ("unp dict **", [f"print('unp', {{**um, {key()!r}: await unp_val({d.n()})}})"]),
        lambda: ("unp call *", [f"print('unp', unp_h(*uq, x=await unp_val({d.n()})))"]),
        lambda: ("unp call *", [f"print('unp', unp_h(*uq, await unp_val({d.n()}), *uq))"]),
        lambda: ("unp display *", [f"print('unp', {d.rng.choice(['[*uq, await unp_val(@)]', '(*uq, await unp_val(@))', 'sorted({*uq, await unp_val(@)})'])})"
                                   .replace("@", str(d.n()))]),
        lambda: ("unp mutated", [f"print('unp', unp_h(*uq, **um, x=await unp_mutate(um, uq, {d.n()})), um.data, uq.items)"]),
    ]
    sites = [f"    um = UnpMap({{'a': {d.n()}, 'b': 2}})", f"    uq = UnpSeq([{d.n()}, 1])", *d.sites(shapes, 2, 5)]
    return defs, sites


# -- gap 7: comprehensions of two for clauses, generator expressions ------------------------
def comprehensions(d: Draws) -> tuple[list[str], list[str]]:
    """Sites in comprehensions of two ``for`` clauses (in the element, the first iterable,
    a later iterable, a later condition) and in generator expressions; callees whose bodies
    have such comprehensions and generator expressions reading their parameters."""
    defs = [
        *callee(d, "cmp_seq(n)", ["print('cmp_seq', n)", "return list(range(n))"]),
        *callee(d, "cmp_val(x)", ["return x * 3 - 2"]),
        *callee(d, "cmp_pairs(x)", ["return [(i, j) for i in range(x) for j in range(i)]"]),
        *callee(d, "cmp_gen(x, ys)", ["total = sum(v * 2 for v in ys if v)", "return total, list(i + j for i in range(x) for j in range(2))"]),
        *callee(d, "cmp_scaled(x, ys)", ["return sum(v * x for v in ys)"]),  # (a closure: kept)
        *callee(d, "cmp_rows(x)", ["rows = [[i * j for j in range(x)] for i in range(x)]", "return rows, sum(sum(r) for r in rows)"]),
    ]
    n = d.n
    shapes: list[Callable[[], tuple[str, list[str]]]] = [
        lambda: ("cmp later iterable", [f"print('cmp', [(i, j) for i in range({n(1, 3)}) for j in await cmp_seq(i + {n(0, 2)})])"]),
        lambda: ("cmp element", [f"print('cmp', [await cmp_val(i + j) for i in range({n(1, 3)}) for j in range({n(1, 2)})])"]),
        lambda: ("cmp first iterable", [f"print('cmp', [v * w for v in await cmp_seq({n()}) for w in range(v)])"]),
        lambda: ("cmp later condition", [f"print('cmp', [(v, w) for v in range({n(1, 3)}) for w in range(v + 1) if await cmp_val(w) > 0])"]),
        lambda: ("cmp genexp", [f"print('cmp', sum(v for v in await cmp_seq({n()})), list(v + 1 for v in await cmp_seq({n(0, 2)})))"]),
        lambda: ("cmp set and dict", [f"print('cmp', sorted({{i * j for i in await cmp_seq({n(0, 3)}) for j in range(3)}}), "
                                      f"{{i: j for i in range(2) for j in await cmp_seq(i + 1)}})"]),
        lambda: ("cmp async genexp", [f"print('cmp', [v async for v in (await cmp_val(i) for i in range({n(1, 3)}))])"]),
        lambda: ("cmp callee", [f"print('cmp', await cmp_pairs({n()}), await cmp_gen({n()}, [0, {n()}, 2]))"]),
        lambda: ("cmp callee", [f"print('cmp', await cmp_scaled({n()}, [1, {n()}]))"]),
        lambda: ("cmp callee", [f"print('cmp', await cmp_rows({n(0, 3)}), [await cmp_pairs(i) for i in range({n(1, 3)})])"]),
    ]
    return defs, d.sites(shapes, 2, 5)


# -- gap 8: := in callee bodies -----------------------------------------------------------
def walrus(d: Draws) -> tuple[list[str], list[str]]:
    """``:=`` in callee bodies: the expression form ``return (y := x + 1) * y``, tests, a
    callee comprehension and ``any((hit := v) > 2 for v in xs)``, binding callee locals
    named like the caller's."""
    def first(line: str) -> list[str]:
        """The comprehension's target bound before it (inlined), or not (maybe unassigned)."""
        return [line] if d.chance(0.6) else []

    defs = [
        *callee(d, "wal_expr(x)", ["return (y := x + 1) * y"]),
        *callee(d, "wal_arg(x)", ["return max((z := x * 2), z + 1), z"]),
        *callee(d, "wal_stmt(x)", ["if (n := x * 2) > 3:", "    return n", "y = (n := n + 1)", "return -n, y"]),
        *callee(d, "wal_comp(xs)", [*first("w = 0"), "return [(w := v) * 2 for v in xs], w"]),
        *callee(d, "wal_any(xs)", [*first("hit = None"), "return any((hit := v) > 2 for v in xs), hit"]),  # (a closure: kept)
        *callee(d, "wal_cond(xs)", [*first("m = -1"), "kept = [v for v in xs if (m := v % 3)]", "return kept, m"]),
    ]
    xs = d.picker(["[]", "[1]", "[3, 1]", "[0, 5, 2]", "range(4)"])
    shapes: list[Callable[[], tuple[str, list[str]]]] = [
        lambda: ("wal expression form", [f"y = {d.n()}", "print('wal', await wal_expr(y), y)"]),
        lambda: ("wal expression form", [f"z = {d.n()}", f"print('wal', await wal_arg(z), await wal_expr(z + {d.n()}), z)"]),
        lambda: ("wal expression form", [f"print('wal', [await wal_expr(i) for i in range({d.n(1, 3)})])"]),
        lambda: ("wal statements", [f"n = {d.n()}", f"print('wal', await wal_stmt(n), await wal_stmt({d.n()}), n)"]),
        lambda: ("wal comprehension", ["w = 'caller'", f"print('wal', await wal_comp({xs()}), w)"]),
        lambda: ("wal genexp", ["hit = 'caller'", f"print('wal', await wal_any({xs()}), hit)"]),
        lambda: ("wal comprehension", ["m = 'caller'", f"print('wal', await wal_cond({xs()}), m)"]),
    ]
    return defs, d.sites(shapes, 2, 5)


# -- gap 11: parameters rebound by other statements ----------------------------------------
def rebinding(d: Draws) -> tuple[list[str], list[str]]:
    """Parameters rebound by ``except ... as a``, ``with ... as a``, ``for a in``, ``import
    ... as a``, nested tuple targets and ``+=``, where the argument is a caller's variable,
    a list that may be aliased (an inlined parameter that aliased it would change it)."""
    # ``a`` read after the handler unbound it (kept: maybe-unassigned), or not read
    after_except = ["try:", "    return a", "except NameError as e:", "    return type(e).__name__, b"] if d.chance(0.3) else ["return b"]
    defs = [
        "class RebCM:", "    def __init__(self, v):", "        self.v = v", "",
        "    def __enter__(self):", "        print('reb enter', self.v)", "        return self.v", "",
        "    def __exit__(self, *exc):", "        print('reb exit', self.v)", "        return False", "", "",
        *callee(d, "reb_except(a, b)", ["print('reb_except', a)", "try:", "    raise Boom(b)", "except Boom as a:",
                                        "    print('reb_except', chain(a))", *after_except]),
        *callee(d, "reb_with(a, b)", ["a.append(b)", "with RebCM(b) as a:", "    print('reb_with', a)", "return a, b"]),
        *callee(d, "reb_for(a, b)", ["print('reb_for', a)", "for a in range(b):", "    a += 1", "return a"]),
        *callee(d, "reb_tuple(a, b)", ["(a, (b, c)) = b, (a, len(a))", "return a, b, c"]),
        *callee(d, "reb_loop(a, b)", ["for a, (b, c) in [(b, (a, 3))]:", "    print('reb_loop', a, b, c)", "return a, b"]),
        *callee(d, "reb_import(a)", ["print('reb_import', a)", "import math as a", "return a.__name__"]),
        *callee(d, "reb_iadd(a, b)", ["a += [b]", "a = a * 2", "return a"]),
    ]
    arg = d.picker(["xs", "ys", "a", "tp"])

    def call(name: str) -> str:
        first, second = arg(), d.n()
        return d.rng.choice([f"{name}({first}, {second})", f"{name}(b={second}, a={first})"])

    shapes: list[Callable[[], tuple[str, list[str]]]] = [
        lambda: ("reb except as", [f"print('reb', await {call('reb_except')}, xs, ys, a)"]),
        lambda: ("reb with as", [f"print('reb', await {call('reb_with')}, xs, ys, a)"]),
        lambda: ("reb for", [f"print('reb', await {call('reb_for')}, xs, ys, a)"]),
        lambda: ("reb tuple target", [f"print('reb', await {call(d.rng.choice(['reb_tuple', 'reb_loop']))}, xs, ys, a)"]),
        lambda: ("reb import as", [f"print('reb', await reb_import({arg()}), xs, a)"]),
        lambda: ("reb augmented", [f"print('reb', await {call('reb_iadd')}, xs, ys, a, tp)"]),
    ]
    sites = ["    xs = [1]", f"    ys = {d.rng.choice(['xs', 'xs', '[1]'])}", "    a = [0]", "    tp = (5,)", *d.sites(shapes, 2, 5)]
    return defs, sites


# -- gap 16: configure_await(c(), True) -----------------------------------------------------
def configured(d: Draws) -> tuple[list[str], list[str]]:
    """``configure_await(c(), True)`` with a literal ``True`` on runtime-async callees that
    switch context and suspend (runtime-async programs only)."""
    defs = [
        "@async_method", "async def cfg_switch(x):", f"    SynchronizationContext.set_current(CTX[{d.n(0, 1)}])", "    await yield_()",
        "    al.value = x", "    return x, sc(), where()", "", "",
        "@async_method", "async def cfg_pool(x):", "    r = await PoolAwaiter()", "    return x, r, where()", "", "",
        "async def cfg_plain(x):", "    await yield_()", "    return x + 1", "", "",
        *callee(d, "cfg_nested(x)", ["r = await configure_await(cfg_switch(x), True)", "return r, sc(), where(), al.value"]),
    ]
    name = d.picker(["cfg_switch", "cfg_pool", "cfg_plain", "cfg_nested"])
    shapes: list[Callable[[], tuple[str, list[str]]]] = [
        lambda: ("cfg true", [f"print('cfg', await configure_await({name()}({d.n()}), True), sc(), where(), al.value)"]),
        lambda: ("cfg true", [f"r = await configure_await({name()}({d.n()}), True)", "print('cfg', r, sc(), where())"]),
        lambda: ("cfg true", [f"print('cfg', await configure_await({name()}({d.n()}), True), await {name()}({d.n()}), where())"]),
    ]
    return defs, [*d.sites(shapes, 2, 4), "    SynchronizationContext.set_current(CTX[0])"]


# -- gap 17: hygiene across the scopes of a nested caller ----------------------------------
def hygiene(d: Draws) -> tuple[list[str], list[str]]:
    """A nested coroutine caller whose own lambda, def, comprehension, generator expression or
    class reads (or, ``nonlocal``, writes) the enclosing function's ``base``, and awaits a
    callee with a local ``base``; and the enclosing function awaiting it too."""
    readers = [
        ["f = lambda: base + y", "seen.append(f())"],
        ["def g():", "    return base * 2", "seen.append(g())"],
        ["seen.append([base + i for i in range(2)])"],
        ["seen.append(list(base for _ in range(1)))"],
        ["class K:", "    v = base", "seen.append(K.v)"],
    ]
    sites = [
        ["r = await hyg_callee(y)"],
        ["r = [await hyg_callee(i) for i in range(2)]"],
        ["r = (await hyg_callee(y), base)"],
        ["nonlocal base", "r = await hyg_callee(y)", "base = base + r[0]"],
    ]
    site = d.rng.choice(sites)
    chosen = d.rng.sample(readers, d.rng.randint(1, 3))
    body = [*(["nonlocal base"] if site[0] == "nonlocal base" else []), "seen = []"]
    late = d.chance(0.5)  # the readers after the site, or before it
    site_lines = site[1:] if site[0] == "nonlocal base" else site
    body += [line for part in ([site_lines, *chosen] if late else [*chosen, site_lines]) for line in part]
    outer_site = ["    r0 = await hyg_callee(x)"] if d.chance(0.5) else []
    defs = [
        *callee(d, "hyg_callee(x)", ["base = x * 3", "y = base + 1", "return base, y"]),
        *d.head(), "async def hyg_outer(x):", "    base = x * 2", *outer_site, "",
        "    async def hyg_inner(y):", *("        " + line for line in body), "        return r, seen, base", "",
        f"    return await hyg_inner(x), {'r0' if outer_site else 'None'}, base", "", "",
    ]
    shapes: list[Callable[[], tuple[str, list[str]]]] = [
        lambda: ("hyg nested caller", [f"print('hyg', await hyg_outer({d.n()}))"]),
        lambda: ("hyg nested caller", [f"base = {d.n()}", "print('hyg', await hyg_outer(base), await hyg_callee(base), base)"]),
    ]
    return defs, d.sites(shapes, 1, 3)


# -- gap 19: arguments used zero times or twice, by keyword out of order ---------------------
def argument_uses(d: Draws) -> tuple[list[str], list[str]]:
    """Arguments the callee never reads or reads twice, calls that print among them, passed
    by keyword in another order than the parameters', in a comprehension, and with the
    callee's defaults replaced (not when the case assumes ``frozen-defaults``)."""
    defs = [
        *callee(d, "use_none(a, b, c=0)", ["return b * 2"]),
        *callee(d, "use_twice(a, b)", ["return a + a * b"]),
        *callee(d, "use_stmts(a, b, *, k=1)", ["print('use_stmts', b, b)", "return [a, a, k]"]),
        *callee(d, "use_rest(a, *rest, k)", ["return k, k"]),
        *callee(d, "use_kw(a, **kw)", ["return a, a"]),
    ]
    n = d.n
    shapes: list[Callable[[], tuple[str, list[str]]]] = [
        lambda: ("use twice", [f"print('use', await use_twice(b=say('b', {n()}), a=say('a', {n()})))"]),
        lambda: ("use twice", [f"print('use', [await use_twice(b=i, a=say('a', i)) for i in range({n(1, 3)})])"]),
        lambda: ("use zero", [f"print('use', await use_none(c=say('c', {n()}), b=say('b', {n()}), a=say('a', {n()})))"]),
        lambda: ("use zero", [f"print('use', await use_none(b={n()}, a={d.rng.choice(['missing', 'say(0, 1) // 0', '[say(1, 2)]'])}))"]),
        lambda: ("use zero", [f"print('use', await use_rest(say('a', 1), say('r', {n()}), k=say('k', {n()})))"]),
        lambda: ("use zero", [f"print('use', await use_kw(z=say('z', {n()}), a=say('a', {n()})))"]),
        lambda: ("use twice", [f"print('use', await use_stmts(k=say('k', {n()}), b=say('b', [{n()}]), a=say('a', {n()})))"]),
    ]
    if d.mutable_defaults:
        shapes += [
            lambda: ("use replaced defaults", ["old = use_none.__defaults__", f"use_none.__defaults__ = (say('d', {n()}),)", "try:",
                                               f"    print('use', await use_none(b={n()}, a=say('a', 1)))", "finally:", "    use_none.__defaults__ = old"]),
            lambda: ("use replaced defaults", ["old = use_stmts.__kwdefaults__", f"use_stmts.__kwdefaults__ = {{'k': say('kd', {n()})}}", "try:",
                                               f"    print('use', await use_stmts(b=2, a=say('a', {n()})))", "finally:", "    use_stmts.__kwdefaults__ = old"]),
        ]
    return defs, d.sites(shapes, 2, 5)


FAMILIES: dict[str, Family] = {
    "statements": statements,
    "unpacking": unpacking,
    "comprehensions": comprehensions,
    "walrus": walrus,
    "rebinding": rebinding,
    "configured": configured,
    "hygiene": hygiene,
    "argument uses": argument_uses,
}
#: Families only runtime-async programs get.
RUNTIME_ONLY = ("configured",)

SAY = ["def say(tag, value):", "    print('say', tag, value)", "    return value", "", ""]


class MoreGapShapes:
    """The families a seed draws, their callees and ``more_gaps()``."""

    def __init__(self, seed: int, runtime_async: bool, mutable_defaults: bool) -> None:
        draws = {name: Draws(name, seed, runtime_async, mutable_defaults) for name in FAMILIES}
        self.draws = draws
        gate = random.Random(f"more gap shapes {seed}").random() < P_MORE
        self.families = [
            name for name, d in draws.items() if d.chance(P_FAMILY) and gate and (runtime_async or name not in RUNTIME_ONLY)
        ]

    def source(self) -> list[str]:
        """The families' callees and ``more_gaps()``; empty when none is drawn."""
        if not self.families:
            return []
        defs: list[str] = list(SAY)
        body = ["async def more_gaps():", "    print('more gaps start')"]
        for name in self.families:
            more, sites = FAMILIES[name](self.draws[name])
            defs += more
            body += sites
        return defs + body + ["    print('more gaps end')", "    return 0", "", ""]

    def main_call(self, indent: str = "    ") -> list[str]:
        """``main``'s call of ``more_gaps()`` (none when no family is drawn)."""
        if not self.families:
            return []
        return [f"{indent}try:", f"{indent}    log('more gaps', await more_gaps())", f"{indent}except Exception as error:",
                f"{indent}    log('more gaps', chain(error))"]
