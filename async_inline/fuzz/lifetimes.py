"""Lifetime shapes: callees whose frames hold objects that print when finalized.

An inlined frame must let go of its values when and in the order the original frame does
(user guide, "object lifetimes"): locals in ``co_varnames`` order when the callee returns,
an argument with the parameter holding it, a temporary receiver with ``self``. The rest of
the generator binds ints, strings and ``Box``es, whose release nobody sees; these shapes
bind the prelude's ``Tracked`` (its ``__del__`` prints), next to silent values, in
arguments, receivers, defaults (replaced at run time), rebound and deleted parameters,
``*args``/``**kwargs``, locals read before they are bound, comprehension ``:=`` targets.

What the user guide documents as different is left out, so that every difference is a
finding: nothing here raises (an exception keeps the locals of a real frame in its
traceback, of an inlined one in the caller), no await is in an ``if``/``while``/``for``/
``with`` header, no ``Tracked`` is a global or in a cycle (the garbage collector would
decide when it goes), a def's own defaults are quiet (``Tracked(name, False)``: the module
keeps the def's tuple alive), and a replaced ``__defaults__`` is put back within the same
function. The prints do not spend ``log``'s fuel (a finalizer must not raise), and every
object made here is released before ``lifetimes()`` returns or with its frame.

Drawn from generators of their own (``random.Random(f"lifetimes {seed}")``), so that the
rest of a seed's program stays as it was.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

#: Of the programs, those that get the lifetime shapes.
P_LIFETIMES = 0.4


@dataclass
class _Param:
    name: str
    kind: str  # "posonly", "normal", "kwonly", "star", "starstar"
    default: str | None = None


@dataclass
class _Callee:
    name: str  # ``lt0`` or ``TrackedSvc.m``
    params: list[_Param] = field(default_factory=list)
    method: bool = False

    def positional_defaults(self) -> list[_Param]:
        return [p for p in self.params if p.kind in ("posonly", "normal") and p.default is not None]

    def keyword_defaults(self) -> list[_Param]:
        return [p for p in self.params if p.kind == "kwonly" and p.default is not None]


class LifetimeShapes:
    def __init__(self, seed: int, runtime_async: bool, mutable_defaults: bool) -> None:
        self.rng = random.Random(f"lifetimes {seed}")
        self.runtime_async = runtime_async
        self.mutable_defaults = mutable_defaults
        self._labels = 0
        self.callees: list[_Callee] = []

    def drawn(self) -> bool:
        return self.rng.random() < P_LIFETIMES

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def label(self, prefix: str) -> str:
        self._labels += 1
        return f"{prefix}{self._labels}"

    def tracked(self, prefix: str) -> str:
        return f"Tracked('{self.label(prefix)}')"

    def silent(self) -> str:
        """An int: arguments and replaced defaults take ``+ 1`` (see ``callee``)."""
        return self.rng.choice(["1", "2", "7", "-3", "300000"])

    # -- callees ---------------------------------------------------------------------------
    def signature(self, callee: _Callee) -> str:
        parts: list[str] = ["self"] if callee.method else []
        star = any(p.kind == "star" for p in callee.params)
        for p in callee.params:
            if p.kind == "star":
                parts.append(f"*{p.name}")
            elif p.kind == "starstar":
                parts.append(f"**{p.name}")
            else:
                if p.kind == "kwonly" and not star:
                    parts.append("*")
                parts.append(p.name + (f"={p.default}" if p.default is not None else ""))
            if p.kind == "posonly":
                parts.append("/")
        return ", ".join(parts)

    def make_params(self, name: str) -> list[_Param]:
        count = self.rng.randint(1, 3)
        params: list[_Param] = []
        first_default = self.rng.randint(1, count) if self.chance(0.5) else count
        for i, n in enumerate(["a", "b", "c"][:count]):
            kind = "posonly" if i == 0 and self.chance(0.15) else "normal"
            default = self.rng.choice([f"Tracked('{name}.{n}', False)", "5", "'d'", "None"]) if i >= first_default else None
            params.append(_Param(n, kind, default))
        if self.chance(0.3):
            params.append(_Param("rest", "star"))
        if self.chance(0.4):
            params.append(_Param("k", "kwonly", self.rng.choice([None, f"Tracked('{name}.k', False)", "0"])))
        if self.chance(0.25):
            params.append(_Param("kw", "starstar"))
        return params

    def callee(self, index: int, method: bool = False) -> list[str]:
        """One callee's lines. Arguments are ``Tracked`` objects or ints (so are the values
        replacing defaults); ``numeric`` are the names whose value takes ``+ 1``, ``-`` and
        ``< 1`` (a ``Tracked``, an int or a bool), so that nothing raises."""
        name = "m" if method else f"lt{index}"
        callee = _Callee("TrackedSvc.m" if method else name, self.make_params(name), method)
        self.callees.append(callee)
        head = ["@async_method"] if self.runtime_async and self.chance(0.5) else []
        lines = [*head, f"async def {name}({self.signature(callee)}):"]
        named = [p for p in callee.params if p.kind in ("posonly", "normal", "kwonly")]
        params = (["self"] if method else []) + [p.name for p in named]
        numeric = {"self"} | {p.name for p in named if p.default is None or "Tracked" in p.default or p.default.isdigit()}
        if self.chance(0.25) and not method:  # one return: the expression form
            a, b = self.rng.choice(params), self.rng.choice(params)
            shapes = [f"{a} is not {b}", f"[{a}][0] and 0", f"({a}, {b})", f"[{a}, {b}][1]", "0", *([f"{a} + 1"] if a in numeric else [])]
            return lines + [f"    return {self.rng.choice(shapes)}"]
        body: list[str] = []
        bound: list[str] = []  # locals bound on every path, readable
        later: list[tuple[str, str]] = []
        if self.chance(0.3):  # a local read (never run) before its first binding: first in co_varnames
            local = self.rng.choice(["z", "y"])
            body += [f"    if {params[0]} is None:", f"        print('never', {local})"]
            later.append((local, f"    {local} = {self.tracked(local)}"))
        star = next((p.name for p in callee.params if p.kind == "star"), None)
        starstar = next((p.name for p in callee.params if p.kind == "starstar"), None)

        def bind(local: str, is_numeric: bool) -> None:
            if local not in bound:
                bound.append(local)
            (numeric.add if is_numeric else numeric.discard)(local)

        for _ in range(self.rng.randint(1, 5)):
            if later and self.chance(0.4):
                local, line = later.pop()
                body.append(line)
                bind(local, True)
                continue
            pool = params + bound
            p = self.rng.choice(pool) if pool else self.tracked("v")
            num = p in numeric or p.startswith("Tracked(")
            local = self.rng.choice(["x", "y", "n", "s", "t"])  # (never a parameter's name, nor the comprehensions' w)
            r = self.rng.random()
            if r < 0.15:
                body.append(f"    {local} = {self.tracked(local)}")
                bind(local, True)
            elif r < 0.3:
                value = self.rng.choice(["3", "len('ab')", "'v' * 2", "not 1", "(1, 'u')"])
                body.append(f"    {local} = {value}")
                bind(local, value in ("3", "len('ab')", "not 1"))
            elif r < 0.5:
                same = ["0 or {p}", "{p} if True else 0", "[{p}][0]", "{p}"]
                made = ["{p} + 1", "-{p}", "{p} < 1"] if num else []
                op = self.rng.choice([*same, *made, "{p} == 2", "(1, {p})"])
                body.append(f"    {local} = {op.format(p=p)}")
                bind(local, num if op in same or op in made else op == "{p} == 2")
            elif r < 0.6:
                body.append(f"    {local} = [(w := v) for v in ({p}, {self.tracked('v')})]")
                bind(local, False)
                bind("w", True)
            elif r < 0.65 and star:
                body.append(f"    {local} = [(w2 := v) for v in {star}]")  # w2 unbound where rest is empty: never read
                bind(local, False)
            elif r < 0.7 and starstar:
                body.append(f"    {local} = {starstar}.get('q', {p})")
                bind(local, num)
            elif r < 0.75 and bound:
                gone = self.rng.choice(bound)
                body.append(f"    del {gone}")
                bound.remove(gone)
            elif r < 0.8 and num and any(b in numeric for b in bound):
                body.append(f"    {self.rng.choice([b for b in bound if b in numeric])} += {p}")
            elif r < 0.85:
                body += [f"    for {local} in ({p}, {self.silent()}):", "        pass"]
                bind(local, True)
            elif r < 0.9:
                body.append(f"    print('{name}', {self.silent()}, {self.rng.choice(['len(str(3))', repr(local)])})")
            else:
                body.append(f"    {local} = {self.tracked(local)}")
                body.append(f"    {local} = {self.rng.choice([self.tracked(local), self.silent()])}")
                bind(local, True)
        for local, line in later:
            body.append(line)
            bind(local, True)
        # Rebound or deleted parameters (``self`` too), ``*args`` and ``**kwargs``; in a
        # runtime-async callee the wrapper keeps the arguments until its exit (found by
        # these shapes, fixed: test_a_runtime_async_frame_keeps_its_arguments_until_after_its_exit).
        for param in [*params, *(n for n in (star, starstar) if n)]:
            r = self.rng.random()
            if r < 0.12:
                body.append(f"    {param} = {self.rng.choice([self.silent(), self.tracked(param)])}")
                numeric.add(param)
            elif r < 0.22:
                body.append(f"    del {param}")
                params = [p for p in params if p != param]
        body.append(f"    print('{name}', 'body end')")
        pool = params + bound
        value = self.rng.choice(["0", self.silent(), self.tracked("r"), *(pool * 2)])
        if value in pool and self.chance(0.3):
            value = f"({value}, {self.silent()})"
        return lines + body + [f"    return {value}"]

    # -- calls -----------------------------------------------------------------------------
    def arguments(self, callee: _Callee, omit_defaults: bool = False) -> str:
        args: list[str] = []
        keywords: list[str] = []

        def value(p: str) -> str:
            return self.tracked(p) if self.chance(0.7) else self.silent()
        positional = True
        for p in callee.params:
            if p.kind in ("posonly", "normal"):
                if p.default is not None and (omit_defaults or self.chance(0.5)):
                    positional = False
                    continue
                if p.kind == "normal" and (not positional or self.chance(0.2)):
                    positional = False
                    keywords.append(f"{p.name}={value(p.name)}")
                else:
                    args.append(value(p.name))
            elif p.kind == "star" and positional:
                args += [value("r") for _ in range(self.rng.randint(0, 2))]
            elif p.kind == "kwonly":
                if p.default is None or not (omit_defaults or self.chance(0.5)):
                    keywords.append(f"{p.name}={value(p.name)}")
            elif p.kind == "starstar":
                keywords += [f"q={value('q')}" for _ in range(self.rng.randint(0, 1))]
        self.rng.shuffle(keywords)
        return ", ".join(args + keywords)

    def call(self, callee: _Callee, omit_defaults: bool = False) -> str:
        if callee.method:
            return f"TrackedSvc('{self.label('o')}').m({self.arguments(callee, omit_defaults)})"
        return f"{callee.name}({self.arguments(callee, omit_defaults)})"

    def site(self, n: int, indent: str = "    ") -> list[str]:
        callee = self.rng.choice(self.callees)
        r = self.rng.random()
        if r < 0.35:
            return [f"{indent}print('lt', {n}, await {self.call(callee)})"]
        if r < 0.45:  # (no other Tracked in the statement: a hoisted operand and an inlined result live to its end)
            return [f"{indent}print('lt', {n}, {self.silent()}, await {self.call(callee)}, {self.silent()})"]
        if r < 0.7:
            lines = [f"{indent}r = await {self.call(callee)}", f"{indent}print('lt got', {n}, r)"]
            if self.chance(0.6):
                lines += [f"{indent}{self.rng.choice(['del r', 'r = None', 'r = 0'])}", f"{indent}print('lt after', {n})"]
            return lines
        if r < 0.8:
            return [f"{indent}for i in range(2):", f"{indent}    print('lt', {n}, i, await {self.call(callee)})"]
        if r < 0.9 and callee.method:
            return [f"{indent}o = TrackedSvc('{self.label('o')}')", f"{indent}print('lt', {n}, await o.m({self.arguments(callee)}))",
                    f"{indent}del o", f"{indent}print('lt after', {n})"]
        swaps: list[tuple[str, str]] = []
        target = "TrackedSvc.m" if callee.method else callee.name
        if self.mutable_defaults and callee.positional_defaults():
            fresh = ", ".join(self.rng.choice([self.tracked("e"), self.silent()]) for _ in callee.positional_defaults())
            swaps.append(("__defaults__", f"({fresh},)"))
        if self.mutable_defaults and callee.keyword_defaults():
            swaps.append(("__kwdefaults__", "{" + ", ".join(f"'{p.name}': {self.tracked('e')}" for p in callee.keyword_defaults()) + "}"))
        if not swaps:
            return [f"{indent}print('lt', {n}, await {self.call(callee)})"]
        lines = []
        for attr, fresh in swaps:  # the def's tuple (or dict) kept here, put back below
            lines += [f"{indent}old{attr} = {target}.{attr}", f"{indent}{target}.{attr} = {fresh}"]
        if callee.method:
            # The site makes the call instead (the def's tuple is gone): a temporary holding
            # the receiver lives to the statement's end (documented), a local does not matter.
            lines += [f"{indent}o = TrackedSvc('{self.label('o')}')",
                      f"{indent}print('lt', {n}, await o.m({self.arguments(callee, omit_defaults=True)}))", f"{indent}del o"]
        else:
            lines.append(f"{indent}print('lt', {n}, await {self.call(callee, omit_defaults=True)})")
        for attr, _ in swaps:
            lines += [f"{indent}{target}.{attr} = old{attr}", f"{indent}print('lt restored', {n})"]
        return lines

    def source(self) -> list[str]:
        """The callees, a class deriving from ``Tracked`` with a method, and ``lifetimes()``,
        which ``main`` awaits first."""
        out: list[str] = []
        for i in range(self.rng.randint(1, 3)):
            out += self.callee(i) + ["", ""]
        out += ["class TrackedSvc(Tracked):", *("    " + line for line in self.callee(0, method=True)), "", ""]
        body = ["async def lifetimes():", "    print('lt start')"]
        for n in range(self.rng.randint(2, 6)):
            body += self.site(n)
        body += ["    print('lt end')", "    return 0"]
        return out + body + ["", ""]

    @staticmethod
    def main_call(indent: str = "    ") -> list[str]:
        """``main``'s call of ``lifetimes()``, first, while the fuel lasts."""
        return [f"{indent}try:", f"{indent}    log('lifetimes', await lifetimes())", f"{indent}except Exception as error:",
                f"{indent}    log('lifetimes', chain(error))"]
