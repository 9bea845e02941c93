"""Random, terminating async programs for differential testing (seeded, standard ``random``).

A program is a module of coroutine functions ``f0 .. fN`` where ``fi`` awaits ``fj`` only
for ``j > i`` (acyclic), plus bounded self-recursion through a ``depth`` parameter, and a
``main()`` that calls the first ones. Most awaits are plain-name awaits of those module-level
functions, because only those reach the inliner; they sit in every position an inliner must
get right (operands, call arguments, conditions of ``if``/``elif``/``while``, short-circuit
operands, conditional expressions, f-strings, comprehensions, subscripts, ``with`` items, loop
iterables, return values, raised values) inside control flow with early returns, loops with
break/continue/else, try/except/else/finally, re-raise, with/async with. Names clash on
purpose across functions (callee locals named like caller locals, like globals, like the
inliner's own names), and some functions and sites are ones the inliner must refuse or guard
(closures, ``locals()``, decorators, call-site unpacking, maybe-unassigned locals, shadowed
globals, run-time rebinding to a mock).

Runtime-async programs (``runtime_async=True``) decorate most functions with
``@async_method`` and add ``AsyncLocal`` writes and reads, synchronization-context
switches, ``yield_()``, custom awaiters that suspend (resuming on the pool or on another
context), ``configure_await`` and started tasks; they run under the runtime's
deterministic scheduler (see ``oracle``).

Every program prints a trace of what it does through ``log`` (see ``prelude``); loops,
recursion and output are bounded, so it terminates quickly.
"""

from __future__ import annotations

import contextlib
import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TypeVar

from .gaps import NUMERIC_LITERALS, GapShapes
from .lifetimes import LifetimeShapes
from .prelude import prelude

#: Local names, few on purpose: caller and callee locals clash, and the inliner must rename.
LOCALS = ("x", "y", "z", "n", "r", "s")
#: Rarely used local names: like the inliner's generated ones, or mangled inside a class.
ODD_LOCALS = ("_ai_t1", "_ai1_ret", "_ai_x", "_ai_ref_f1", "_ai_rt", "__v")
#: ``__v`` and the names the classes of object programs compile it to: in a method of
#: ``B``, ``__v`` and ``_B__v`` are one variable (``mangling``).
MANGLED_SPELLINGS = ("__v", "_A__v", "_B__v", "_C__v")
#: Globals a function may shadow with a local of the same name (``shadowed`` refusals,
#: and callee locals that must not capture the caller's use of the global).
SHADOWABLE = ("t", "cv", "G", "len", "abs")
#: Builtins generated code uses (guards, the PEP 479 conversion), bound by a function to a
#: stand-in of the prelude that works for the function's own code but prints or differs.
BUILTIN_STANDINS = {
    "type": "spy_type", "getattr": "spy_getattr", "super": "spy_super", "StopIteration": "Halt", "RuntimeError": "Fault",
}

PLAIN_HANDLED = "(Boom, ValueError, ZeroDivisionError)"

T = TypeVar("T")


@dataclass
class Param:
    name: str
    #: "posonly", "normal", "kwonly", "star" (``*rest``) or "starstar" (``**kw``).
    kind: str
    default: str | None = None


@dataclass
class Function:
    """A coroutine function, or (``objects``) one implementation of a method."""

    name: str
    #: Its rank: a function awaits only functions of a higher rank (and itself, bounded).
    index: int
    runtime_async: bool = False
    decorators: list[str] = field(default_factory=list)
    params: list[Param] = field(default_factory=list)
    recursive: bool = False
    uses_global: bool = False
    shadows: set[str] = field(default_factory=set)
    #: "function", "method", "classmethod" or "staticmethod".
    kind: str = "function"
    #: The class whose body defines it (methods).
    owner: str | None = None
    #: Index of its module in a package (0: the main module).
    module: int = 0

    def param(self, kind: str) -> Param | None:
        return next((p for p in self.params if p.kind == kind), None)

    def has(self, name: str) -> bool:
        return any(p.name == name for p in self.params)

    @property
    def receiver(self) -> str | None:
        """The implicit first parameter: ``self``, ``cls``, or none."""
        return {"method": "self", "classmethod": "cls"}.get(self.kind)

    def signature(self) -> str:
        parts: list[str] = [self.receiver] if self.receiver else []
        kinds = [p.kind for p in self.params]
        for p in self.params:
            if p.kind == "kwonly" and "star" not in kinds and "*" not in parts:
                parts.append("*")
            text = {"star": f"*{p.name}", "starstar": f"**{p.name}"}.get(p.kind, p.name)
            if p.default is not None:
                text += f"={p.default}"
            parts.append(text)
            at = self.params.index(p)
            if p.kind == "posonly" and (at + 1 == len(self.params) or self.params[at + 1].kind != "posonly"):
                parts.append("/")
        return ", ".join(parts)


@dataclass
class Config:
    """The shape of one program: drawn from the seed, so one seed is one program."""

    runtime_async: bool
    functions: int
    #: Rebinding through ``rebind()``/``Fake`` (guards); off when the rewrite drops guards.
    rebinding: bool
    #: Sites and functions the inliner must refuse.
    bait: bool


#: Coroutine functions defined in blocks of top-level statements: one whose block never
#: runs on Python 3.10+ (a fallback for the builtin ``anext``: calls reach the builtin) and
#: one whose block always runs. Found by graphql-core's suite: the reference of the first
#: was bound only in its block, so the guard raised NameError.
CONDITIONAL_DEFINITIONS = [
    "try:",
    "    anext",
    "except NameError:  # never taken on 3.10+: calls reach the builtin",
    "    async def anext(x):",
    "        log('the fallback anext', x)",
    "        return x + 1",
    "",
    "if sys.version_info >= (3, 0):",
    "    async def defined_under_if(x):",
    "        y = x * 3",
    "        return y - 1",
]


#: Functions a review found inlined where they must not be, or inlined wrong: introspection
#: through other names (``from sys import _getframe as here``, ``loc = locals``, a default,
#: a tuple assignment), and a private local maybe unassigned (inlined into a method of a
#: class, the error named the mangled ``_Service__value``). Each bait is picked now and
#: then, from the generator of ``ProgramGenerator.shapes``.
REVIEW_BAITS = {
    "here_name": [
        "from sys import _getframe as here  # noqa: E402",
        "",
        "",
        "async def here_name(x):",
        "    y = x + 1",
        "    return here().f_code.co_name, sorted(here().f_locals)",
    ],
    "loc_alias": ["loc = locals", "", "", "async def loc_alias(x):", "    y = x * 2", "    return sorted(loc())"],
    "frame_default": ["async def frame_default(x, grab=sys._getframe):", "    y = x - 1", "    return grab().f_code.co_name, y"],
    "frame_tuple": [
        "(peek, peek_depth), peek_n = (sys._getframe, 0), 1",
        "",
        "",
        "async def frame_tuple(x):",
        "    return peek(peek_depth).f_code.co_name, x + peek_n",
    ],
    "private_maybe": ["async def private_maybe(x):", "    if x % 2:", "        __value = x", "    return __value"],
}
#: A runtime-async callee whose only suspension is an async comprehension (a review found
#: it given the exit of a callee that never suspends: the runtime raised its I6 error).
ASYNC_COMPREHENSION_CALLEE = [
    "async def ticks(n):",
    "    for i in range(n):",
    "        await yield_()",
    "        yield i",
    "",
    "",
    "@async_method",
    "async def collect(x):",
    "    al.value = x",
    "    return [v async for v in ticks(x % 3 + 1)]",
]


#: What an inlinable callee does around its suspension when the coroutine awaiting it is
#: closed or thrown into there (``closing_functions``): handlers that swallow GeneratorExit,
#: replace it, see it or suspend while it propagates (reviews K, M and S found inlined bodies
#: resuming their caller, or suspending inside close()). ``{s}`` is the suspension.
CLOSING_HANDLERS = {
    "except BaseException": ["    except BaseException:", "        log('closing: handled', exc_name())", "        return -1"],
    "bare except": ["    except:  # noqa: E722", "        log('closing: handled', exc_name())", "        return -2"],
    "except GeneratorExit": ["    except GeneratorExit:", "        log('closing: handled', exc_name())", "        return -3"],
    "except Stop": ["    except Stop:", "        log('closing: handled Stop')", "        return -4"],
    "finally return": ["    finally:", "        log('closing: finally', exc_name())", "        return -5"],
    "replaced": ["    except BaseException as e:", "        raise Boom('replaced') from e"],
    "suspends in finally": ["    finally:", "        log('closing: finally', exc_name())", "        {s}", "        log('closing: finally after')"],
    "except Exception": ["    except Exception:", "        log('closing: handled', exc_name())", "        return -6"],
    "reraises": ["    except BaseException:", "        log('closing: handled', exc_name())", "        raise"],
}


class ProgramGenerator:
    def __init__(self, seed: int, runtime_async: bool = False, rebinding: bool = True, mutable_defaults: bool = True) -> None:
        self.rng = random.Random(seed)
        self.seed = seed
        #: The shapes hand reviews found miscompiles in (``REVIEW_SHAPES``): whether to put
        #: one in is drawn from a generator of its own, and so is what goes in (``own_draws``),
        #: so that the rest of a seed's program stays as it was.
        self.shapes = random.Random(f"review shapes {seed}")
        #: Functions' ``__defaults__``/``__kwdefaults__`` may be replaced at run time (not when
        #: the rewrite assumes ``frozen-defaults``).
        self.mutable_defaults = mutable_defaults
        #: Names a comprehension variable hides where the code being generated is (``uses``).
        self.hidden: set[str] = set()
        #: Calls ``main`` makes of the callers the review shapes add (``extra_callers``).
        self.extra_calls: list[str] = []
        #: Local names are often spellings of one mangled variable (``MANGLED_SPELLINGS``);
        #: drawn with a generator of its own (``spellings``), so that the other programs of
        #: a seed stay as they were.
        self.mangling = False
        self.spellings = random.Random(f"mangled spellings {seed}")
        #: Comprehension variables named like what the code around reads, with a generator
        #: of their own as well (``comprehension``).
        self.hiding = random.Random(f"hiding comprehension variables {seed}")
        #: Draws of awaits in a later item of a swallowing ``with`` (``swallowing_with``).
        self.later_items = random.Random(f"sites in later with items {seed}")
        self.config = Config(
            runtime_async=runtime_async,
            functions=self.rng.randint(2, 5),
            rebinding=rebinding,
            bait=self.rng.random() < 0.6,
        )
        self.runtime_async = runtime_async
        self.functions: list[Function] = []
        self.baits: list[str] = []  # names of bait coroutine functions (leaves)
        #: Baits of ``REVIEW_BAITS`` (and ``collect``) the module defines: called where a bait
        #: of ``baits`` is, now and then (a draw of ``shapes``), and by ``main``.
        self.review_baits: list[str] = []
        #: Functions of ``CONDITIONAL_DEFINITIONS`` the module defines, called from ``main``.
        self.conditional: list[str] = []
        #: The module being written (0: ``main``, the only one outside packages).
        self.module = 0
        self._tags = 0
        # state of the function being generated
        self.fn: Function | None = None
        self.bound: list[str] = []  # locals definitely assigned here (readable)
        #: Locals a review shape unbinds in the function being generated: not read after
        #: the blocks that saved ``bound`` before it (they may be unbound there).
        self.gone: set[str] = set()
        self.loops = 0
        self.handlers = 0
        self.in_comprehension = False
        self.in_fstring = ""  # the quote of the f-string being generated
        self.level = 0  # block nesting, bounded below CPython's limit of 20
        #: Callees whose frames hold objects that print when finalized, and ``lifetimes()``
        #: awaiting them, which ``main`` awaits first (``lifetimes.py``; its own draws).
        self.lifetimes = LifetimeShapes(seed, runtime_async, mutable_defaults)
        self.lifetime_lines = self.lifetimes.source() if self.lifetimes.drawn() else []
        #: Shapes the rest never made (``gaps.py``): callees and ``gaps()``, which ``main``
        #: awaits after ``lifetimes()``; and, from a generator of their own (``gap_draws``),
        #: literal arguments and defaults, ``G += ...``, in the main draws' code.
        self.gap_shapes = GapShapes(seed, runtime_async, mutable_defaults)
        self.gap_lines = self.gap_shapes.source()
        self.gap_draws = random.Random(f"gap draws {seed}")

    # -- helpers ------------------------------------------------------------------------
    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def pick(self, seq: Iterable[T]) -> T:
        return self.rng.choice(list(seq))

    def tag(self) -> str:
        self._tags += 1
        quote = '"' if self.in_fstring == "'" else "'"  # inside an f-string, its quote would end it before 3.12
        return f"{quote}{self.fn.name if self.fn else 'main'}.{self._tags}{quote}"

    def uses(self, name: str) -> bool:
        """May this function use the global ``name`` (it is not shadowed by a local, nor
        hidden by the variable of the comprehension being generated)?"""
        return name not in self.hidden and (self.fn is None or name not in self.fn.shadows)

    def review_shape(self, p: float) -> bool:
        """Put a review shape here? (Drawn from ``shapes``: the main draws stay as they were.)"""
        return self.shapes.random() < p

    @contextlib.contextmanager
    def own_draws(self) -> Iterator[None]:
        """Draw from ``shapes`` meanwhile: what a review shape generates leaves the main draws,
        and so the rest of the program, as they were."""
        main_draws, self.rng = self.rng, self.shapes
        try:
            yield
        finally:
            self.rng = main_draws

    def local_name(self) -> str:
        name = self.pick(ODD_LOCALS) if self.chance(0.04) else self.pick(LOCALS)
        if self.mangling and self.spellings.random() < 0.1:
            return self.spellings.choice(MANGLED_SPELLINGS)
        return name

    def still_bound(self, saved: list[str]) -> list[str]:
        """``saved``, less the names a review shape unbound since (``gone``)."""
        return [name for name in saved if name not in self.gone]

    def bind(self, name: str) -> None:
        if name not in self.bound:
            self.bound.append(name)

    # -- expressions ------------------------------------------------------------------------
    def atom(self) -> str:
        r = self.rng.random()
        if self.bound and r < 0.5:
            return self.pick(self.bound)
        if r < 0.58 and self.uses("cv"):
            return "cv.get()"
        if r < 0.63 and self.uses("G"):
            return "G"
        if r < 0.70 and self.runtime_async and self.uses("al"):
            return "al.value"
        return str(self.rng.randint(0, 9))

    def callees(self) -> list[Function]:
        me = self.fn
        out = self.functions[me.index + 1:] if me is not None else self.functions[:3]
        return [f for f in out if f.name not in self.hidden]

    def hideable_functions(self) -> list[str]:
        """Functions a comprehension variable here may be named like: those the callees may
        call (inlined into the comprehension, their calls would reach the variable)."""
        me = self.fn
        return [f.name for f in self.functions[me.index + 2:]] if me is not None else []

    def await_expr(self, d: int) -> str | None:
        """An awaited call in expression position (mostly inlinable ones)."""
        me = self.fn
        r = self.rng.random()
        if me is not None and me.recursive and r < 0.15:
            return f"(await {self.self_call(me, d)} if depth > 0 else {self.atom()})"
        if r < 0.82 and self.callees():
            callee = self.pick(self.callees())
            call = self.call_text(callee, d)
            if self.runtime_async and self.chance(0.12):
                # now and then a flag that is no literal, whose truth tests are logged (a
                # review found it tested up to three times, or never, where Python tests it once)
                flag = self.shapes.choice(["Flag(0)", "Flag(1)", "Flag([])"]) if self.review_shape(0.3) else "False"
                return f"await configure_await({call}, {flag})"
            return f"await {call}"
        if self.baits and r < 0.88:
            bait = self.review_bait(self.pick(self.baits))
            if bait == "pair":  # a tuple, written without brackets: summed back to a number
                return f"sum(await pair({self.expr(d - 1)}))"
            return f"await {bait}({self.expr(d - 1)})"
        if self.runtime_async:
            return self.pick(["await PoolAwaiter()", "await CtxAwaiter()", "await DoneAwaiter()"])
        return self.pick([f"await Suspend({self.expr(d - 1)})", f"await asyncio.sleep(0, {self.expr(d - 1)})"])

    def expr(self, d: int = 2) -> str:
        if d <= 0:
            return self.atom()
        r = self.rng.random()
        if r < 0.20:
            a = self.await_expr(d)
            if a is not None:
                return a
        if r < 0.40:
            op = self.pick(["+", "-", "*", "+", "-", "//", "%"])
            if op in ("//", "%"):
                return f"({self.expr(d - 1)} {op} {self.expr(d - 1)})"
            return f"(({self.expr(d - 1)} {op} {self.expr(d - 1)}) % 1000)"
        if r < 0.46:
            return f"({self.expr(d - 1)} if {self.cond(d - 1)} else {self.expr(d - 1)})"
        if r < 0.52:
            return f"({self.expr(d - 1)} {self.pick(['and', 'or'])} {self.expr(d - 1)})"
        if r < 0.56 and self.uses("t"):
            return f"t({self.tag()}, {self.expr(d - 1)})"
        if r < 0.62 and not self.in_comprehension:
            return self.comprehension(d)
        if r < 0.65:
            return f"[{self.expr(d - 1)}, {self.expr(d - 1)}][{self.expr(d - 1)} % 2]"
        if r < 0.68:
            return f"{{{self.expr(d - 1)}: {self.expr(d - 1)}}}.get({self.expr(d - 1)}, -1)"
        if r < 0.71:
            return f"int({self.expr(d - 1)} < {self.expr(d - 1)} <= {self.expr(d - 1)})"
        if r < 0.74 and self.uses("abs") and self.uses("max"):
            return f"max({self.expr(d - 1)}, {self.expr(d - 1)}, key=abs)"
        if r < 0.76 and self.uses("len") and not self.in_fstring:
            return f'len({self.fstring(d - 1)})'
        if r < 0.78:
            return f"min(*[{self.expr(d - 1)}, {self.expr(d - 1)}])"
        if r < 0.80:
            return f"(lambda q: q + 1)({self.expr(d - 1)})"
        if r < 0.82:
            return f"(not {self.expr(d - 1)})"
        return self.atom()

    def fstring(self, d: int) -> str:
        """An f-string with (maybe awaiting) replacement fields, in either quote; never
        nested, so that it parses before Python 3.12 too. A field with ``=`` prints its
        own text, which inlining must neither rename nor hoist."""
        quote = self.pick("\"'")
        self.in_fstring = quote
        try:
            equal = "=" if self.chance(0.15) else ""
            return f"f{quote}{{({self.expr(d)}){equal}}}:{{({self.expr(d)})!r:>4}}{quote}"
        finally:
            self.in_fstring = ""

    def comprehension(self, d: int) -> str:
        """A comprehension: awaits in its body (position refusals, expression form), its
        condition, or its first iterable (evaluated outside, so inlinable)."""
        # Now and then a name the code around reads (the global ``G``, a local that may be
        # an argument): inside the comprehension the variable hides it, from the inlined
        # code too, and the callee's own comprehensions may capture an argument's name.
        var = self.pick(["q", "q2"])
        if self.hiding.random() < 0.2:
            var = self.hiding.choice(["G", *LOCALS])
        elif self.review_shape(0.15):
            # A builtin, a helper of the prelude or a function that inlined code reads (a
            # review's finding: inlined into the comprehension, it read the variable).
            var = self.shapes.choice(["len", "abs", "max", "t", "cv", *(["al"] if self.runtime_async else []), *self.hideable_functions()])
        saved, saved_in, saved_hidden = list(self.bound), self.in_comprehension, set(self.hidden)
        self.in_comprehension = True  # no walrus anywhere in it, the first iterable included
        iterable = f"range({self.expr(d - 1)} % 3)" if self.chance(0.4) else f"range({self.rng.randint(0, 3)})"
        self.bound.append(var)
        self.hidden.add(var)  # the comprehension's own code does not call it
        body = self.expr(d - 1)
        cond = f" if {self.cond(d - 1)}" if self.chance(0.3) else ""
        self.bound, self.in_comprehension, self.hidden = saved, saved_in, saved_hidden
        kind = self.rng.random()
        if kind < 0.5:
            return f"sum([{body} for {var} in {iterable}{cond}])"
        if kind < 0.75 and self.uses("len"):
            return f"len({{{body} for {var} in {iterable}{cond}}})"
        return f"sum({{{var}: {body} for {var} in {iterable}{cond}}}.values())"

    def cond(self, d: int = 1) -> str:
        if self.fn is not None and self.callees() and self.review_shape(0.1):
            self.drawn_cond(d)  # (made and left out: the main draws stay as they were)
            with self.own_draws():
                return self.truth_test()
        return self.drawn_cond(d)

    def drawn_cond(self, d: int) -> str:
        r = self.rng.random()
        if r < 0.12:
            return f"{self.expr(d)} < {self.expr(d)} < {self.expr(d)}"
        if r < 0.22:
            return f"{self.expr(d)} {self.pick(['and', 'or'])} {self.expr(d)} > 3"
        if r < 0.27 and not self.in_comprehension and self.fn is not None:
            name = self.pick(LOCALS)  # not added to bound: the walrus may be short-circuited away
            return f"({name} := {self.expr(d)}) % 2"
        if r < 0.31 and self.bound:  # a constant pasted here would make the compiler warn ("is" with a literal)
            return f"{self.pick(self.bound)} {self.pick(['is', 'is not'])} None"
        return f"{self.expr(d)} {self.pick(['<', '>', '==', '!=', '<=', '>='])} {self.expr(d)}"

    def truth_test(self) -> str:
        """A test whose short circuit is lowered around an inlined site, its operands ``Cond``s
        that log each truth test (reviews found the short-circuited operand, or the awaited
        result stored as a value, tested twice)."""
        a = f"Cond({self.expr(0)})"
        aw = f"await {self.call_text(self.pick(self.callees()), 1)}"
        b, c = self.expr(0), self.expr(0)
        return self.pick([
            f"{a} and {aw}",
            f"{a} or {aw}",
            f"{a} and (Cond({aw}) or {b})",
            f"{a} or (Cond({aw}) and {b})",
            f"not ({a} and {aw})",
            f"{a} and Cond({aw}) < {b} < Cond({c})",
            f"{a} < Cond({aw}) < {b}",
            f"(Cond({aw}) if {a} else Cond({b}))",
            f"{a} and (Cond({b}) if Cond({aw}) else {c})",
        ])

    def argument(self, p: Param, d: int, positional: bool = False) -> str:
        if p.name == "acc":
            return f"[{self.expr(d - 1)}]"
        if p.name == "box":
            return f"Box({self.expr(d - 1)})"
        if not self.in_fstring and self.chance(0.04):  # across lines, as only the call's brackets allow
            return f"{self.expr(d - 1)} or\n            {self.expr(d - 1)}"
        if positional and not (self.in_fstring or self.in_comprehension) and self.fn is not None and self.chance(0.03):
            # bare, as only a call's positional argument may be; not added to bound (short-circuits)
            return f"{self.pick(LOCALS)} := {self.expr(d - 1)}"
        value = self.expr(d - 1)
        if not self.in_fstring and self.gap_draws.random() < 0.05:
            # A literal other than 0-9, pasted where the callee computes with it (gap 1); the
            # expression is made and left out, so that the main draws stay as they were.
            return self.gap_draws.choice(NUMERIC_LITERALS)
        return value

    def call_text(self, callee: Function, d: int) -> str:
        """A call of ``callee`` (not awaited) as written here: its name, here."""
        return f"{callee.name}({self.call_args(callee, d)})"

    def self_call(self, fn: Function, d: int) -> str:
        """A bounded recursive call of ``fn`` from its own body (``depth`` decreases)."""
        return f"{fn.name}({self.call_args(fn, d, recursing=True)})"

    def call_args(self, fn: Function, d: int, recursing: bool = False) -> str:
        """Arguments that bind to ``fn``: positional, keyword (in any order), defaults left out,
        extra ``*rest``/``**kw`` values."""
        positional: list[str] = []
        keywords: list[tuple[str, str]] = []
        keyword_mode = False
        for p in fn.params:
            if p.kind not in ("posonly", "normal"):
                continue
            if p.default is not None and self.chance(0.35):
                keyword_mode = True  # left out: what follows goes by keyword, or is left out too
                continue
            if p.kind == "posonly" and keyword_mode:
                continue  # follows a left-out positional-only parameter: has a default
            if p.kind == "normal" and (keyword_mode or self.chance(0.2)):
                keyword_mode = True
                keywords.append((p.name, self.argument(p, d)))
            else:
                positional.append(self.argument(p, d, positional=True))
        if fn.param("star") and not keyword_mode:
            positional += [self.expr(d - 1) for _ in range(self.rng.randint(0, 2))]
        for p in fn.params:
            if p.kind != "kwonly":
                continue
            if p.name == "depth":
                if recursing:
                    keywords.append(("depth", "depth - 1"))
                elif self.chance(0.7):
                    keywords.append(("depth", str(self.rng.randint(0, 2))))
            elif p.default is None or self.chance(0.5):
                keywords.append((p.name, self.expr(d - 1)))
        if fn.param("starstar"):
            keywords += [(name, self.expr(d - 1)) for name in ("zz", "yy")[: self.rng.randint(0, 2)]]
        if self.chance(0.4):
            self.rng.shuffle(keywords)  # evaluated in source order, bound by name
        return ", ".join(positional + [f"{name}={value}" for name, value in keywords])

    # -- statements -------------------------------------------------------------------------
    def block(
        self, d: int, indent: str, size: int | None = None, extra: list[list[str]] | None = None, scoped: bool = True
    ) -> list[str]:
        """Lines of a block of ``size`` statements; ``extra`` statements go in at random places.

        Names bound in a ``scoped`` block are forgotten after it: a branch's names may be
        unbound in the next branch and after the statement."""
        size = size if size is not None else self.rng.randint(1, 3)
        saved = list(self.bound)
        units = [self.statement(d, indent) for _ in range(size)]
        if scoped:
            self.bound = self.still_bound(saved)
        for unit in extra or []:
            units.insert(self.rng.randint(0, len(units)), unit)
        lines = [line for unit in units for line in unit]
        return lines or [indent + "pass"]

    def statement(self, d: int, indent: str) -> list[str]:
        """One statement (maybe compound, up to ``d`` more levels deep)."""
        if self.fn is not None and self.mutable_defaults and self.review_shape(0.03):
            with self.own_draws():
                swap = self.defaults_swap(indent)
            if swap:
                return swap
        before: list[str] = []
        if d > 0 and self.level < 6 and self.fn is not None and self.review_shape(0.05):
            # (put before the statement the main draws make: the rest of the program keeps them)
            self.level += 1
            saved = list(self.bound)
            try:
                with self.own_draws():
                    before = self.swallowing_with(d, indent) if self.chance(0.5) else self.unbinding_jump(d, indent)
            finally:
                self.bound = self.still_bound(saved)
                self.level -= 1
        return before + self.drawn_statement(d, indent)

    def drawn_statement(self, d: int, indent: str) -> list[str]:
        """The statement of the main draws (``statement``)."""
        r = self.rng.random()
        if d > 0 and self.level < 6 and r < 0.32:
            self.level += 1
            saved = list(self.bound)
            try:
                return self.compound(d, indent)
            finally:
                self.bound = self.still_bound(saved)  # names bound in a branch may be unbound after it: not read
                self.level -= 1
        return self.simple(indent)

    def simple(self, indent: str) -> list[str]:
        fn = self.fn
        r = self.rng.random()
        if r < 0.22 or not self.bound:
            name = self.local_name()
            value = self.await_expr(2) if self.chance(0.4) else self.expr()
            line = f"{indent}{name} = {value or self.expr()}"
            self.bind(name)
            return [line]
        if r < 0.30:
            return [f"{indent}{self.await_expr(2) or 'pass'}"]
        if r < 0.35:
            return [f"{indent}{self.pick(self.bound)} {self.pick(['+=', '-='])} {self.expr()}"]
        if r < 0.45:
            return [f"{indent}log({self.tag()}, {self.expr()})"]
        if r < 0.48:
            return [f"{indent}log({self.fstring(1)})"]
        if r < 0.53 and fn is not None:
            if self.chance(0.1):
                return [f"{indent}return"]
            return [f"{indent}return {self.await_expr(2) if self.chance(0.3) else self.expr()}"]
        if r < 0.56 and self.uses("cv"):
            return [f"{indent}cv.set({self.expr(1)})"]
        if r < 0.58 and fn is not None and fn.uses_global:
            value = self.expr(1)
            if self.gap_draws.random() < 0.4:  # an augmented store of the global (gap 10)
                return [f"{indent}G += {value}", f"{indent}G %= 1000"]
            return [f"{indent}G = (G + {value}) % 1000"]
        if r < 0.60 and fn is not None and fn.has("acc"):
            return [f"{indent}acc.append({self.expr(1)})"]
        if r < 0.62 and fn is not None and fn.has("box"):
            return [f"{indent}box.v {self.pick(['=', '+='])} {self.expr(1)}"]
        if r < 0.64:
            first, second = self.local_name(), self.pick(LOCALS)
            line = f"{indent}{first}, {second} = {self.expr(1)}, {self.expr(1)}"
            self.bind(first)
            self.bind(second)
            return [line]
        if r < 0.66 and len(self.bound) > 1 and fn is not None:
            name = self.pick(self.bound)
            self.bound.remove(name)
            return [f"{indent}del {name}"]
        if r < 0.69:
            return [f"{indent}{self.raise_value()}"]
        if r < 0.71 and self.handlers and self.chance(0.5):
            return [f"{indent}raise"]
        if r < 0.73:
            return [f"{indent}log({self.tag()}, exc_name())"]
        if r < 0.75 and fn is not None and self.chance(0.3):
            return [f"{indent}assert {self.expr()} != 'never', 'never'"]
        if r < 0.78 and self.baits:
            return self.bait_call(indent)
        if self.runtime_async and r < 0.92:
            return self.runtime_statement(indent)
        if not self.runtime_async and r < 0.84:
            return [f"{indent}{self.pick(['await asyncio.sleep(0)', 'await Suspend(0)', 'await asyncio.sleep(0)'])}"]
        return [f"{indent}log({self.tag()}, {self.expr()}, {self.expr(1)})"]

    def raise_value(self) -> str:
        r = self.rng.random()
        if r < 0.5:
            return f"raise Boom({self.expr(1)})"
        if r < 0.65:
            return f"raise ValueError({self.expr(1)})"
        if r < 0.75:
            return f"raise Boom({self.expr(1)}) from None"
        if r < 0.85:
            return f"raise Boom({self.expr(1)}) from ValueError({self.expr(0)})"
        if r < 0.93 and self.fn is not None:
            return f"raise StopIteration({self.expr(0)})"  # becomes RuntimeError (PEP 479)
        return f"raise KeyError({self.expr(0)})"

    def runtime_statement(self, indent: str) -> list[str]:
        r = self.rng.random()
        if r < 0.25:
            return [f"{indent}al.value = {self.expr(1)}"]
        if r < 0.40:
            return [f"{indent}log({self.tag()}, al.value, sc(), where())"]
        if r < 0.55:
            target = self.pick(["CTX[0]", "CTX[1]", "CTX[1]", "None"])
            return [f"{indent}SynchronizationContext.set_current({target})"]
        if r < 0.70:
            return [f"{indent}await yield_()"]
        if r < 0.78:
            return [f"{indent}await configure_await(yield_(), False)"]
        if r < 0.90:
            return [f"{indent}log({self.tag()}, {self.pick(['await PoolAwaiter()', 'await CtxAwaiter()', 'await DoneAwaiter()'])}, where())"]
        return [f"{indent}log({self.tag()}, await configure_await(PoolAwaiter(), False), al.value)"]

    def review_bait(self, bait: str) -> str:
        """``bait``, or now and then one of ``review_baits`` (drawn from ``shapes``)."""
        return self.shapes.choice(self.review_baits) if self.review_baits and self.review_shape(0.3) else bait

    def bait_call(self, indent: str) -> list[str]:
        inner = indent + "    "
        return [
            f"{indent}try:",
            f"{inner}log({self.tag()}, await {self.review_bait(self.pick(self.baits))}({self.expr(1)}))",
            f"{indent}except Exception as err:",
            f"{inner}log({self.tag()}, chain(err))",
        ]

    def compound(self, d: int, indent: str) -> list[str]:
        """A compound statement of the main draws, and before a loop or a with now and then
        a review shape of the same kind (``unbinding_jump``, ``swallowing_with``)."""
        r = self.rng.random()
        before: list[str] = []
        if 0.22 <= r < 0.36 and self.fn is not None and self.review_shape(0.3):
            with self.own_draws():
                before = self.unbinding_jump(d, indent)
        elif 0.68 <= r < 0.80 and self.review_shape(0.5):
            with self.own_draws():
                before = self.swallowing_with(d, indent)
        return before + self.drawn_compound(d, indent, r)

    def drawn_compound(self, d: int, indent: str, r: float) -> list[str]:
        inner = indent + "    "
        if r < 0.22:
            lines = [f"{indent}if {self.cond()}:", *self.block(d - 1, inner)]
            for _ in range(self.rng.choice([0, 0, 1, 2])):
                lines += [f"{indent}elif {self.cond()}:", *self.block(d - 1, inner)]
            if self.chance(0.5):
                lines += [f"{indent}else:", *self.block(d - 1, inner)]
            return lines
        if r < 0.36:
            var = self.pick(["i", "j"]) if self.chance(0.8) or not self.bound else self.pick(self.bound)
            iterable = self.pick([
                f"range({self.rng.randint(0, 3)})",
                f"range({self.expr(1)} % 3)",
                f"[{self.expr(1)}, {self.expr(1)}]",
            ])
            return self.loop(f"{indent}for {var} in {iterable}:", [], d, indent, bound=var)
        if r < 0.44:
            w = f"w{self.loops}"
            limit = self.rng.randint(1, 3)
            cond = f"{w} < {limit}"
            if self.chance(0.5):
                # re-evaluated, awaits included, every iteration; parenthesized, or an `or` in
                # it would take the bound away
                cond += f" and ({self.cond(1)})"
            lines = self.loop(f"{indent}while {cond}:", [f"{inner}{w} += 1"], d, indent, bound=None)
            return [f"{indent}{w} = 0", *lines]
        if r < 0.68:
            return self.try_statement(d, indent)
        if r < 0.80:
            async_with = self.chance(0.4)
            kind = "async with ACM" if async_with else "with CM"
            name = self.expr(1) if self.chance(0.3) else f"'m{self._tags}'"
            item = f"{kind}({name}, {self.chance(0.3)})"
            if self.chance(0.3):
                item += " as cm"
            if self.chance(0.2):
                item += f", CM('n{self._tags}')"
            return [f"{indent}{item}:", *self.block(d - 1, inner)]
        if r < 0.84 and self.config.rebinding and self.fn is not None:
            return self.rebinding(d, indent)
        if r < 0.88 and self.fn is not None:
            return self.concurrency(indent)
        if r < 0.92 and self.fn is not None and self.fn.recursive:
            call = self.self_call(self.fn, 1)
            return [f"{indent}if depth > 0:", f"{inner}log({self.tag()}, await {call})"]
        return [f"{indent}if {self.cond(0)}:", f"{inner}{self.raise_value()}", *self.block(d - 1, indent, 1)]

    def loop(self, head: str, prefix: list[str], d: int, indent: str, bound: str | None) -> list[str]:
        inner = indent + "    "
        self.loops += 1
        saved = list(self.bound)
        if bound is not None:
            self.bind(bound)
        jumps = []
        for _ in range(self.rng.choice([0, 1, 1, 2])):
            jump = self.pick(["break", "continue", "break", "return"])
            if jump == "return":
                jump = f"return {self.expr(1)}"
            jumps.append([f"{inner}if {self.cond(1)}:", f"{inner}    {jump}"])
        body = prefix + self.block(d - 1, inner, extra=jumps)
        self.bound = self.still_bound(saved)
        self.loops -= 1
        lines = [head, *body]
        if self.chance(0.3):
            lines += [f"{indent}else:", *self.block(d - 1, inner, 1)]
        return lines

    def try_statement(self, d: int, indent: str) -> list[str]:
        inner = indent + "    "
        throw = [[f"{inner}if {self.cond(1)}:", f"{inner}    {self.raise_value()}"]] if self.chance(0.5) else []
        lines = [f"{indent}try:", *self.block(d - 1, inner, extra=throw)]
        handlers = self.rng.choice([0, 1, 1, 1, 2])
        has_finally = handlers == 0 or self.chance(0.35)
        for _ in range(handlers):
            kind = self.pick(["Boom", PLAIN_HANDLED, "Exception", "(RuntimeError, KeyError, TypeError)"])
            name = self.pick(["e", "err"])
            lines.append(f"{indent}except {kind} as {name}:")
            lines.append(f"{inner}log({self.tag()}, chain({name}))")
            self.handlers += 1
            if self.callees() and self.review_shape(0.3):
                # A callee awaited in the handler: what it raises has the handled exception as
                # its __context__ (a runtime-async callee's wrapper changes it, gh-108668).
                with self.own_draws():
                    lines += self.handler_call(inner)
            r = self.rng.random()
            if r < 0.2:
                lines.append(f"{inner}raise")
            elif r < 0.3:
                lines.append(f"{inner}raise ValueError({self.expr(1)}) from {name}")
            elif r < 0.38:
                lines.append(f"{inner}raise Boom({self.expr(1)})")  # implicit __context__
            else:
                lines += self.block(d - 1, inner, 1)
            self.handlers -= 1
        if handlers and self.chance(0.3):
            lines += [f"{indent}else:", *self.block(d - 1, inner, 1)]
        if has_finally:
            body = self.block(d - 1, inner, 1)
            if self.fn is not None and self.chance(0.12):
                body.append(f"{inner}return {self.expr(1)}")  # swallows the exception in flight
            elif self.loops and self.chance(0.1):
                body.append(f"{inner}{self.pick(['break', 'continue'])}")
            lines += [f"{indent}finally:", *body]
        return lines

    def read_maybe_unbound(self, indent: str, name: str) -> list[str]:
        """A read of ``name``, which may be unbound here, before an inlinable await of the same
        statement (kept in place as stable, the callee's side effects would come first)."""
        inner = indent + "    "
        callees = self.callees()
        call = f", await {self.call_text(self.pick(callees), 1)}" if callees and self.chance(0.7) else ""
        return [
            f"{indent}try:",
            f"{inner}log({self.tag()}, {name}{call})",
            f"{indent}except NameError as unbound:",
            f"{inner}log({self.tag()}, chain(unbound))",
        ]

    def swallowing_with(self, d: int, indent: str) -> list[str]:
        """A with of several items whose first manager swallows what a later one raises (its
        exit, its enter, a callee awaited in it) or what the store of an ``as`` target raises;
        a return inside, and a read of the targets after it (review K: a return's value
        delivered though an exit discarded it; targets taken as assigned after the with)."""
        inner = indent + "    "
        first = f"CM('s{self._tags}', True)"
        r = self.rng.random()
        targets: list[str] = []
        if r < 0.35:
            item = f"{first}, {self.pick(['ExitRaises', 'CM'])}('x{self._tags}'), ExitRaises('y{self._tags}')"
            if self.chance(0.5):
                item = f"{first}, ExitRaises('x{self._tags}')"
            callees = self.callees()
            if callees and self.later_items.random() < 0.3:
                # A site in a later item runs inside the first one, whose exit logs what it
                # sees: PEP 479's RuntimeError, not the callee's StopIteration (review R13
                # b1). Drawn from a stream of its own: the other programs stay as they were.
                shapes, self.rng = self.rng, self.later_items
                try:
                    item = f"{first}, CM(await {self.call_text(self.pick(callees), 1)})"
                finally:
                    self.rng = shapes
        elif r < 0.7:
            a, b = self.pick(LOCALS), self.pick(LOCALS)
            if a == b:
                b = "q" + a
            targets = [a, b]
            # CM's enter gives its name: a string of two characters unpacks, of three fails
            name = f"('ab' if {self.cond(0)} else 'xyz')"
            item = f"CM({name}, True) as ({a}, {b})"
            if self.chance(0.3):
                item = f"{first}, {item}"
        else:
            a, b = self.pick(LOCALS), self.pick(LOCALS)
            targets = [a] if a == b else [a, b]
            item = f"{first} as {a}, {self.pick(['EnterRaises', 'CM'])}('e{self._tags}') as {b}"
        body = self.block(d - 1, inner, self.rng.randint(1, 2))
        if self.fn is not None and self.chance(0.6):
            body.append(f"{inner}return {self.expr(1)}")
        lines = [f"{indent}with {item}:", *body]
        for name in targets:
            lines += self.read_maybe_unbound(indent, name)
        return lines

    def unbinding_jump(self, d: int, indent: str) -> list[str]:
        """A loop left (``while True`` ... ``break``) or continued (``for`` ... ``continue``)
        from a ``try`` whose ``finally`` unbinds a local (``except E as y``), and a read of that
        local after the loop (review K: the state at the jump did not apply the finally, so
        the local was taken as assigned where the jump lands); or the except-as alone."""
        inner, deeper = indent + "    ", indent + "        "
        name = self.pick(self.bound) if self.bound and self.chance(0.7) else self.pick(LOCALS)
        unbind = [
            f"{inner}try:",
            f"{deeper}raise Boom({self.expr(0)})",
            f"{inner}except Boom as {name}:",
            f"{deeper}log({self.tag()}, chain({name}))",
        ]
        if self.chance(0.2):
            lines = [line[4:] for line in unbind]
        else:
            loops, self.loops = self.loops, 0  # (no jump of the block's own may reach this loop)
            body = self.block(d - 1, deeper, self.rng.randint(1, 2))
            self.loops = loops
            if self.chance(0.5):
                head, jump = "while True:", "break"
            else:
                head, jump = f"for {self.pick(['i', 'j'])} in range({self.rng.randint(1, 3)}):", "continue"
            if self.chance(0.6):
                body.append(f"{deeper}{name} = {self.expr(1)}")
            lines = [
                f"{indent}{head}",
                f"{inner}try:",
                *body,
                f"{deeper}{jump}",
                f"{inner}finally:",
                *["    " + line for line in unbind],
            ]
        if name in self.bound:
            self.bound.remove(name)
        self.gone.add(name)
        return lines + self.read_maybe_unbound(indent, name)

    def handler_call(self, indent: str) -> list[str]:
        """A callee awaited where an exception is being handled; what it raises is logged with
        its chain."""
        inner = indent + "    "
        return [
            f"{indent}try:",
            f"{inner}log({self.tag()}, await {self.call_text(self.pick(self.callees()), 1)}, exc_name())",
            f"{indent}except Exception as inner_err:",
            f"{inner}log({self.tag()}, chain(inner_err), exc_name())",
        ]

    def defaults_targets(self) -> list[Function]:
        """Callees whose defaults a swap here may replace (reached by their bare name)."""
        return [f for f in self.callees() if any(p.default is not None for p in f.params)]

    def defaults_swap(self, indent: str) -> list[str]:
        """A callee's ``__defaults__`` or ``__kwdefaults__`` replaced, as some tests and
        decorators do, by a tuple of another length, other values or None, around a call,
        then put back (a review's finding: inlined code indexed the tuple from the front)."""
        targets = self.defaults_targets()
        if not targets:
            return []
        target = self.pick(targets)
        positional = [p for p in target.params if p.kind in ("posonly", "normal") and p.default is not None]
        keyword = [p for p in target.params if p.kind == "kwonly" and p.default is not None]

        def value(p: Param) -> str:
            return {"acc": "[]", "box": f"Box({self.rng.randint(0, 9)})", "depth": "0"}.get(p.name, str(self.rng.randint(0, 9)))

        if positional and (not keyword or self.chance(0.6)):
            attribute = "__defaults__"
            values = [value(p) for p in positional]
            replacement = self.pick([
                "None",
                "()",
                "(" + ", ".join([str(self.rng.randint(0, 9)), *values]) + ",)",  # one more: binds an earlier parameter
                "(" + ", ".join(values[1:]) + ",)" if len(values) > 1 else "()",  # one fewer
                "(" + ", ".join(values) + ",)",
            ])
        else:
            attribute = "__kwdefaults__"
            entries = [f"'{p.name}': {value(p)}" for p in keyword]
            replacement = self.pick(["None", "{}", "{" + ", ".join(entries) + "}", "{" + ", ".join(entries[1:]) + "}"])
        inner = indent + "    "
        saved = f"sv{self.level}"
        ref = f"{target.name}"
        return [
            f"{indent}{saved} = {ref}.{attribute}",
            f"{indent}{ref}.{attribute} = {replacement}",
            f"{indent}try:",
            f"{inner}log({self.tag()}, await {self.call_text(target, 1)})",
            f"{indent}except TypeError as swap_err:",
            f"{inner}log({self.tag()}, chain(swap_err))",
            f"{indent}finally:",
            f"{inner}{ref}.{attribute} = {saved}",
        ]

    def rebinding(self, d: int, indent: str) -> list[str]:
        """Rebind a later function at run time, as mock.patch would, and undo it: the guards
        of inlined sites (maybe several levels down) must call the stand-in meanwhile."""
        me = self.fn
        assert me is not None
        later = self.functions[me.index + 1:]
        if not later:
            return [f"{indent}pass"]
        target = self.pick(later)
        options = [f"Fake('{target.name}')"]
        options += [f.name for f in self.functions[target.index + 1:]]  # acyclic: only later ones
        if self.runtime_async:
            options.append("alt")
        inner = indent + "    "
        old = f"old{self.level}"
        return [
            f"{indent}{old} = rebind('{target.name}', {self.pick(options)})",
            f"{indent}try:",
            *self.block(d - 1, inner, self.rng.randint(1, 2), extra=[[f"{inner}log({self.tag()}, await {target.name}({self.call_args(target, 1)}))"]]),
            f"{indent}finally:",
            f"{inner}rebind('{target.name}', {old})",
        ]

    def concurrency(self, indent: str) -> list[str]:
        """Other tasks run the callees' (inlined) bodies concurrently with this one."""
        callees = self.callees()
        if not callees:
            return [f"{indent}pass"]
        a, b = self.pick(callees), self.pick(callees)
        inner = indent + "    "
        if self.runtime_async:
            return [
                f"{indent}task = runtime.start({self.call_text(a, 1)})",
                *self.block(0, indent, 1),
                f"{indent}try:",
                f"{inner}log({self.tag()}, await task, al.value, sc())",
                f"{indent}except Exception as err:",
                f"{inner}log({self.tag()}, chain(err))",
            ]
        if self.chance(0.5):
            flag = self.chance(0.5)
            return [
                f"{indent}try:",
                f"{inner}log({self.tag()}, await asyncio.gather({self.call_text(a, 1)}, "
                f"{self.call_text(b, 1)}, return_exceptions={flag}))",
                f"{indent}except Exception as err:",
                f"{inner}log({self.tag()}, chain(err))",
            ]
        return [
            f"{indent}task = asyncio.create_task({self.call_text(a, 1)})",
            f"{indent}await asyncio.sleep(0)",
            f"{indent}task.cancel()",
            f"{indent}try:",
            f"{inner}log({self.tag()}, await task)",
            f"{indent}except asyncio.CancelledError:",
            f"{inner}log({self.tag()}, 'cancelled')",
            f"{indent}except Exception as err:",
            f"{inner}log({self.tag()}, chain(err))",
        ]

    # -- functions and module ---------------------------------------------------------------
    def make_function(self, index: int) -> Function:
        fn = Function(f"f{index}", index)
        fn.runtime_async = self.runtime_async and self.chance(0.75)
        if fn.runtime_async:
            fn.decorators.append("@async_method")
            if self.chance(0.1):
                fn.decorators.insert(self.rng.randint(0, 1), self.pick(["@runtime.inline", "@runtime.noinline"]))
        params: list[Param] = []
        if self.chance(0.15):
            params.append(Param("p", "posonly"))
        for name in ("a", "b", "c")[: self.rng.choice([0, 1, 1, 2, 2, 3])]:
            params.append(Param(name, "normal"))
        for name, default in (("d", str(self.rng.randint(0, 9))), ("acc", "[]"), ("box", "Box()")):
            if self.chance(0.3 if name == "d" else 0.15):
                params.append(Param(name, "normal", self.odd_default(default) if name == "d" else default))
        if self.chance(0.1):
            params.append(Param("rest", "star"))
        if self.chance(0.25):
            params.append(Param("k", "kwonly", self.odd_default(self.pick([str(self.rng.randint(0, 9)), "G", "t('default', 4)"]))))
        if self.chance(0.1):
            params.append(Param("kr", "kwonly"))
        fn.recursive = self.chance(0.15)
        if fn.recursive:
            params.append(Param("depth", "kwonly", "0"))
        if self.chance(0.08):
            params.append(Param("kw", "starstar"))
        fn.params = params
        fn.uses_global = self.chance(0.2)
        if self.chance(0.12):
            fn.shadows.add(self.pick(SHADOWABLE))
        if self.chance(0.06):
            fn.shadows.add(self.pick(BUILTIN_STANDINS))
        if fn.uses_global:
            fn.shadows.discard("G")
        return fn

    def odd_default(self, default: str) -> str:
        """``default``, or now and then a literal of another type (gap 2: what
        ``frozen-defaults`` folds), from ``gap_draws``."""
        return self.gap_draws.choice(NUMERIC_LITERALS) if self.gap_draws.random() < 0.25 else default

    def function_source(self, fn: Function) -> list[str]:
        self.fn = fn
        self.bound = [p.name for p in fn.params if p.kind in ("posonly", "normal", "kwonly") and p.name not in ("acc", "box", "depth")]
        self.gone = set()
        self.loops = self.handlers = self.level = 0
        self.enter_function(fn)
        lines = [*fn.decorators, f"async def {fn.name}({fn.signature()}):"]
        body: list[str] = []
        if fn.uses_global:
            body.append("    global G")
        for name in sorted(fn.shadows):
            if name in BUILTIN_STANDINS:  # (not a value to print: its repr has an address)
                if name != "super" or fn.kind == "function":  # (a method's own super() needs the builtin)
                    body.append(f"    {name} = {BUILTIN_STANDINS[name]}")
            else:
                body.append(f"    {name} = {self.rng.randint(0, 9)}")
                self.bind(name)
        if fn.has("acc"):
            body += [f"    acc.append({self.expr(0)})", "    log('acc', len(acc), acc[-2:])"]
        if fn.param("star"):
            body.append(f"    log({self.tag()}, rest)")
        if fn.param("starstar"):
            body.append(f"    log({self.tag()}, sorted(kw.items()))")
        if self.chance(0.03):
            body.append(f"    log({self.tag()}, sorted(locals()))")  # the caller sees its locals: no inlining into it
        body += self.block(self.pick([1, 2, 2, 3]), "    ", self.rng.randint(1, 4), scoped=False)
        if self.chance(0.85):
            body.append(f"    return {self.expr()}")
        body = self.leave_function(fn, body)
        self.fn = None
        return lines + body

    def enter_function(self, fn: Function) -> None:
        """Called before ``fn``'s body is generated (subclasses draw its context here)."""

    def leave_function(self, fn: Function, body: list[str]) -> list[str]:
        """``fn``'s body lines, completed (subclasses put what the body needs first)."""
        return body

    def bait_functions(self) -> list[str]:
        """Coroutine functions the inliner must keep as calls (each says why in its name)."""
        out: list[str] = []
        choices = {
            "closure": ["async def closure(x):", "    y = x + 1", "    return (lambda: y * 2)()"],
            "nested": ["async def nested(x):", "    def inner(v):", "        return v + x", "    return inner(2)"],
            "introspect": ["async def introspect(x):", "    y = x", "    return sorted(locals())"],
            "frame_name": ["async def frame_name(x):", "    return sys._getframe().f_code.co_name"],
            "maybe": ["async def maybe(x):", "    if x % 2:", "        value = x", "    return value"],
            "decorated": ["@traced", "async def decorated(x):", "    return x + 100"],
            "not_async": ["def not_async(x):", "    return leaf(x)"],
            "twice": ["async def twice(x):", "    return x", "", "", "async def twice(x):", "    return x + 2"],
            # An f-string with '=' prints the text of its field: inlining would rename it.
            "debug": ["async def debug(x):", "    y = x + 1", "    return len(f'{y=} {x = }')"],
            # Not a bait: inlined as an expression, its bare tuple must stay one.
            "pair": ["async def pair(x, y=1):", "    return x, y"],
        }
        picked = [name for name in choices if self.chance(0.35)]
        review = [name for name in REVIEW_BAITS if self.review_shape(0.12)]
        if self.runtime_async and self.review_shape(0.35):
            review.append("collect")
        for name in review:
            choices[name] = REVIEW_BAITS.get(name) or ASYNC_COMPREHENSION_CALLEE
        if "not_async" in picked:
            out += ["async def leaf(x):", "    return -x", "", ""]
        if "decorated" in picked:
            out += [
                "def traced(fn):",
                "    async def wrapper(*args):",
                "        log('traced', fn.__name__, args)",
                "        return await fn(*args)",
                "    return wrapper",
                "",
                "",
            ]
        for name in picked + review:
            out += choices[name] + ["", ""]
        self.baits, self.review_baits = picked, review
        # Drawn from a generator of its own, so that seeds keep the programs they had.
        self.conditional = []
        if random.Random(f"conditional definitions {self.seed} {self.module}").random() < 0.3:
            out += [*CONDITIONAL_DEFINITIONS, "", ""]
            self.conditional = ["anext", "defined_under_if"]
        return out

    def extra_callers(self) -> list[str]:
        """Callers of unusual shapes: a method (mangled names), a nested function with a free
        variable, an async generator, call-site unpacking, and arguments that do not bind."""
        out: list[str] = []
        f = self.pick(self.functions)
        self.fn = None
        self.bound = ["x"]
        args = self.call_args(f, 1)
        out += [
            "class Service:",
            "    async def run(self, x):",
            "        __hidden = x + 1",
            f"        return (await {f.name}({args}), __hidden)",
            *([  # inlined here, its private local is mangled by this class
                "",
                "    async def private(self, x):",
                "        try:",
                "            return await private_maybe(x)",
                "        except UnboundLocalError as err:",
                "            return chain(err)",
            ] if "private_maybe" in self.review_baits else []),
            "",
            "",
            "async def outer(x):",
            "    base = x * 2",
            "",
            "    async def inner(y):",
            f"        return (await {f.name}({args}), base, y)",
            "",
            "    return await inner(x)",
            "",
            "",
        ]
        positional = [p for p in f.params if p.kind in ("posonly", "normal") and p.default is None]
        required_kw = [p for p in f.params if p.kind == "kwonly" and p.default is None]
        unpack_args = f"*{tuple(range(len(positional)))!r}" + "".join(f", {p.name}=1" for p in required_kw)
        g = self.pick(self.functions)
        self.bound = ["x", "i"]
        each, last = self.call_args(f, 1), self.call_args(g, 1)
        out += [  # an async generator: a StopIteration leaving it becomes its own RuntimeError
            "async def stream(x):",
            "    for i in range(2):",
            "        try:",
            f"            yield await {f.name}({each})",
            "        except Boom as err:",
            "            yield chain(err)",
            f"    yield await {g.name}({last})",
            "",
            "",
            "async def drain(x):",
            "    return [v async for v in stream(x)]",
            "",
            "",
        ]
        self.extra_calls = []
        if self.review_shape(0.3):
            with self.own_draws():
                out += self.closing_functions()
        if "private_maybe" in self.review_baits:
            self.extra_calls += ["await Service().private(2)", "await Service().private(3)"]
        if "loc_alias" in self.review_baits:  # a caller seeing its locals through another name
            out += ["async def peek_locals(x):", f"    y = await {f.name}({args})", "    return sorted(loc())", "", ""]
            self.extra_calls.append("await peek_locals(7)")
        out += [
            "async def unusual(x):",
            "    try:",
            f"        log('unpack', await {f.name}({unpack_args}))",
            "    except Exception as err:",
            "        log('unpack', chain(err))",
            "    try:",
            f"        log('nobind', await {f.name}(1, 2, 3, 4, 5, 6, nope=1))",
            "    except TypeError as err:",
            "        log('nobind', type(err).__name__)",
            "    return x",
            "",
            "",
        ]
        return out

    def closing_functions(self) -> list[str]:
        """A caller suspended inside an inlinable callee, closed or thrown into there by
        ``drive`` (``main`` calls it): the callee's handlers swallow, see, replace the
        GeneratorExit, or suspend while it propagates (``CLOSING_HANDLERS``)."""
        if self.runtime_async:
            suspend = self.pick(["await yield_()", "await yield_()", "await configure_await(yield_(), False)"])
            head = ["@async_method"] if self.chance(0.8) else []
            switch = ["    SynchronizationContext.set_current(ctx)"] if self.chance(0.7) else []
            params, args = "x, ctx", "x, ctx"
        else:
            suspend = self.pick(["await Suspend(x)", "await asyncio.sleep(0)"])
            head, switch, params, args = [], [], "x", "x"
        # (a runtime-async callee suspending while closed breaks rule A4 in the original)
        handler = self.pick(sorted(h for h in CLOSING_HANDLERS if not (self.runtime_async and h == "suspends in finally")))
        suspended = [f"        {suspend}"] * self.rng.randint(1, 2)
        if self.chance(0.2):  # the suppressing with of contextlib: no handler of the callee's own
            body = ["    with contextlib.suppress(BaseException):", *suspended, "        y += 1", "    log('closing: after with', y)"]
        else:  # (not an async with whose exit suspends while closed: documented, user guide)
            body = ["    try:", *suspended, "        y += 1", *(line.replace("{s}", suspend) for line in CLOSING_HANDLERS[handler])]
        callee = [*head, f"async def closing_callee({params}):", *switch, "    y = x + 1", *body, "    return y", "", ""]
        site = self.pick([f"r = await closing_callee({args})", f"r = (await closing_callee({args}), x)",
                          f"log('closing: got', await closing_callee({args}))"])
        then = [f"{suspend.replace('x', '0')}", "log('closing: caller end')"]
        inside = [site, "log('closing: caller after')", *then]
        if self.chance(0.7):
            handler_lines = ["except BaseException as e:", "    log('closing: caller sees', chain(e))", "    raise"] if self.chance(0.4) else []
            inside = ["try:", *("    " + line for line in inside), *handler_lines, "finally:", "    log('closing: caller finally', exc_name())"]
        caller = [f"async def closing_caller({params}):", *("    " + line for line in inside), "    return x", "", ""]
        # A GeneratorExit subclass thrown in: a real callee is closed with a plain one, an
        # inlined one sees the subclass (documented, user guide): only into handlers that
        # cannot tell them apart, or that the inliner keeps as calls.
        blind = handler in ("except BaseException", "bare except", "except GeneratorExit", "except Exception") or body[0] != "    try:"
        for _ in range(self.rng.randint(1, 3)):
            # (not Boom into a runtime-async callee: its exit would suspend, and closing a frame
            # suspended at its exit breaks the runtime's rule A4 in the original)
            how = self.pick(["None", "None", "GeneratorExit", *(["Stop"] if blind else []), *([] if self.runtime_async else ["Boom"])])
            if self.runtime_async:
                self.extra_calls.append(f"await drive_here({self.rng.randint(1, 5)}, {self.rng.randint(0, 2)}, {how})")
            else:
                self.extra_calls.append(f"drive(closing_caller({self.rng.randint(1, 5)}), {self.rng.randint(1, 3)}, {how})")
        driver = []
        if self.runtime_async:  # suspended by hand on c1, resumed by the scheduler meanwhile
            driver = [
                "async def drive_here(x, waits, how):",
                "    c = closing_caller(x, CTX[1])",
                "    try:",
                "        log('drive: suspended', type(c.send(None)).__name__)",
                "        for _ in range(waits):",
                "            await yield_()",
                "        if how is None:",
                "            log('drive: close ->', c.close())",
                "        else:",
                "            log('drive: throw ->', type(c.throw(how())).__name__)",
                "    except StopIteration as stop:",
                "        log('drive: returned', stop.value)",
                "    except (Exception, GeneratorExit) as e:",
                "        log('drive: raised', chain(e))",
                "    SynchronizationContext.set_current(CTX[0])",
                "    drive(c, 0, None)",
                "    await yield_()",
                "    return where()",
                "",
                "",
            ]
        return callee + caller + driver

    def main_source(self) -> list[str]:
        self.fn = None
        self.bound = []
        self.loops = self.handlers = self.level = 0
        lines = [*(["@async_method"] if self.runtime_async else []), "async def main():"]
        if self.runtime_async:
            lines.append("    SynchronizationContext.set_current(CTX[0])")
        calls = [f"await {f.name}({self.call_args(f, 2)})" for f in self.functions[:2] for _ in range(self.rng.randint(1, 2))]
        self.rng.shuffle(calls)
        calls += ["(await Service().run(3))[1]", "(await outer(4))[1:]", "await unusual(5)", "await drain(6)"]
        calls += [f"await {bait}({n})" for n, bait in enumerate(self.baits + self.conditional)]
        calls += [f"await {bait}({n})" for n, bait in enumerate(self.review_baits, len(calls))] + self.extra_calls
        if self.config.rebinding:
            target = self.pick(self.functions[1:] or self.functions)
            stand_in = self.pick([f"Fake('{target.name}')"] + (["alt"] if self.runtime_async else []))
            top = self.functions[0]
            calls += [
                f"rebind('{target.name}', {stand_in}) and 0",
                f"await {top.name}({self.call_args(top, 1)})",
                f"rebind('{target.name}', _original_{target.name}) and 0",
                f"await {top.name}({self.call_args(top, 1)})",
            ]
            lines.insert(0, f"_original_{target.name} = {target.name}")
            lines.insert(1, "")
            lines.insert(2, "")
        if self.lifetime_lines:
            lines += self.lifetimes.main_call()
        lines += self.gap_shapes.main_call()
        for n, call in enumerate(calls):
            lines += [
                "    try:",
                f"        log('result', {n}, {call})",
                "    except Exception as error:",
                f"        log('error', {n}, chain(error))",
            ]
            if self.runtime_async:
                lines.append(f"    log('ctx', {n}, al.value, sc(), where())")
        lines += ["    log('end', cv.get(), G)", "    return 'done'"]
        return lines

    def generate(self) -> str:
        self.functions = [self.make_function(i) for i in range(self.config.functions)]
        out = [prelude(self.runtime_async), ""]
        if self.config.bait:
            out += self.bait_functions()
        order = list(reversed(self.functions))  # callees first, as in most modules
        if self.chance(0.3):
            self.rng.shuffle(order)  # callers before callees: resolved at run time
        for fn in order:
            out += self.function_source(fn) + ["", ""]
        out += self.extra_callers()
        out += self.lifetime_lines
        out += self.gap_lines
        out += self.main_source()
        return "\n".join(out) + "\n"


def generate(seed: int, runtime_async: bool = False, rebinding: bool = True, mutable_defaults: bool = True) -> str:
    """The program for ``seed``: the same source for the same arguments, on every machine
    (``mutable_defaults``: functions' defaults may be replaced at run time)."""
    return ProgramGenerator(seed, runtime_async, rebinding, mutable_defaults).generate()
