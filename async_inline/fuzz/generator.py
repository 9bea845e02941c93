"""Random, terminating async programs for differential testing (seeded, standard ``random``).

A program is a module of several coroutine functions ``f0 .. fN`` where ``fi`` may await
``fj`` only for ``j > i`` (acyclic), plus bounded self-recursion through a ``depth``
parameter. Bodies mix the control flow an inliner must get right (early returns in every
position, loops with break/continue/else, try/except/else/finally, with/async with,
raise and re-raise) with awaits in every expression position. Every program prints a
trace of what it does; loops and recursion are bounded, so it terminates quickly.

Runtime-async programs (``runtime_async=True``) also decorate functions with
``@async_method`` and use ``AsyncLocal``, synchronization contexts, ``yield_()``, a
custom awaiter and ``configure_await``; they run under the runtime's deterministic
scheduler.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

PRELUDE_PLAIN = '''\
import asyncio
import contextvars

cv = contextvars.ContextVar("cv", default=0)
G = 0


class Boom(Exception):
    pass


def t(tag, value):
    print("t", tag, value)
    return value


class CM:
    def __init__(self, name, suppress=False):
        self.name, self.suppress = name, suppress

    def __enter__(self):
        print("enter", self.name)
        return self.name

    def __exit__(self, et, ev, tb):
        print("exit", self.name, et.__name__ if et else None)
        return self.suppress


class ACM(CM):
    async def __aenter__(self):
        await asyncio.sleep(0)
        return self.__enter__()

    async def __aexit__(self, et, ev, tb):
        return self.__exit__(et, ev, tb)
'''

PRELUDE_RUNTIME = '''\
import contextvars

import runtime
from runtime import AsyncLocal, Awaiter, SynchronizationContext, ThreadPool, async_method, configure_await, yield_

cv = contextvars.ContextVar("cv", default=0)
al = AsyncLocal(0)
G = 0
CTX = []  # filled by the harness: QueueContext objects named c0, c1


class Boom(Exception):
    pass


def t(tag, value):
    print("t", tag, value)
    return value


def sc():
    current = SynchronizationContext.current()
    return None if current is None else current.name


class PoolAwaiter(Awaiter):
    """Never completed: resumes its awaiter from the thread pool (rule A5)."""

    is_completed = False

    def on_completed(self, continuation):
        ThreadPool.queue(continuation)

    def get_result(self):
        return 7


class CM:
    def __init__(self, name, suppress=False):
        self.name, self.suppress = name, suppress

    def __enter__(self):
        print("enter", self.name)
        return self.name

    def __exit__(self, et, ev, tb):
        print("exit", self.name, et.__name__ if et else None)
        return self.suppress
'''


@dataclass
class Function:
    index: int
    runtime_async: bool
    recursive: bool
    params: list[str] = field(default_factory=list)
    #: Parameters with defaults: name -> default source.
    defaults: dict[str, str] = field(default_factory=dict)
    kwonly: list[str] = field(default_factory=list)
    #: Declares ``global G`` and writes it.
    uses_global: bool = False

    @property
    def name(self) -> str:
        return f"f{self.index}"


class ProgramGenerator:
    def __init__(self, seed: int, runtime_async: bool = False) -> None:
        self.rng = random.Random(seed)
        self.runtime_async = runtime_async
        self.functions: list[Function] = []
        self._locals: list[str] = []
        self._counter = 0
        self._loop_depth = 0
        self._current: Function | None = None

    # -- helpers --------------------------------------------------------------------------
    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def fresh(self, base: str = "v") -> str:
        self._counter += 1
        return f"{base}{self._counter}"

    def tag(self) -> str:
        self._counter += 1
        return f"'{self._current.name if self._current else 'main'}.{self._counter}'"

    # -- expressions (integers) ------------------------------------------------------------
    def atom(self) -> str:
        choices = ["lit", "lit"]
        if self._locals:
            choices += ["local"] * 4
        if self.runtime_async:
            choices.append("al")
        choices.append("cv")
        kind = self.rng.choice(choices)
        if kind == "lit":
            return str(self.rng.randint(0, 9))
        if kind == "local":
            return self.rng.choice(self._locals)
        if kind == "al":
            return "al.value"
        return "cv.get()"

    def call_args(self, callee: Function, depth_expr: str | None = None, depth: int = 0) -> str:
        """Arguments for ``callee``: positional until the first keyword, defaults sometimes left out."""
        parts = []
        keywords = False
        for p in callee.params:
            if p == "depth":
                value = depth_expr if depth_expr is not None else str(self.rng.randint(0, 2))
            elif p == "acc" or (p in callee.defaults and self.chance(0.4)):
                # `acc` always keeps its default list (its identity across calls is the point)
                keywords = True  # a skipped default: what follows must be passed by keyword
                continue
            else:
                value = self.expr(depth)
            if p in callee.defaults and self.chance(0.3):
                keywords = True
            parts.append(f"{p}={value}" if keywords else value)
        for k in callee.kwonly:
            if self.chance(0.5):
                parts.append(f"{k}={self.expr(depth)}")
        return ", ".join(parts)

    def await_call(self, depth: int = 1) -> str | None:
        me = self._current
        start = me.index + 1 if me else 0
        targets = self.functions[start:]
        if me is not None and me.recursive and self.chance(0.3):
            return f"(await {me.name}({self.call_args(me, 'depth - 1', depth - 1)}) if depth > 0 else 0)"
        if not targets:
            return None
        callee = self.rng.choice(targets)
        call = f"{callee.name}({self.call_args(callee, None, depth - 1)})"
        if self.runtime_async and callee.runtime_async and self.chance(0.15):
            return f"await configure_await({call}, False)"
        return f"await {call}"

    def expr(self, depth: int = 2) -> str:
        if depth <= 0:
            return self.atom()
        r = self.rng.random()
        if r < 0.12:
            a = self.await_call(depth)
            if a is not None:
                return a
        if r < 0.45:
            op = self.rng.choice(["+", "-", "*"])
            return f"({self.expr(depth - 1)} {op} {self.expr(depth - 1)}) % 1000"
        if r < 0.53:
            return f"({self.expr(depth - 1)} if {self.cond(depth - 1)} else {self.expr(depth - 1)})"
        if r < 0.60:
            op = self.rng.choice(["and", "or"])
            return f"({self.expr(depth - 1)} {op} {self.expr(depth - 1)})"
        if r < 0.65:
            return f"t({self.tag()}, {self.expr(depth - 1)})"
        if r < 0.70:
            var = self.fresh("c")
            saved = list(self._locals)
            self._locals.append(var)
            body = self.expr(depth - 1)
            self._locals = saved
            cond = f" if {var} % 2" if self.chance(0.3) else ""
            return f"sum([{body} for {var} in range({self.rng.randint(0, 3)}){cond}])"
        if r < 0.74:
            return f"len([{self.expr(depth - 1)}, {self.expr(depth - 1)}][{self.rng.randint(0, 1)}:])"
        if r < 0.78:
            return f"[{self.expr(depth - 1)}, {self.expr(depth - 1)}][{self.expr(0)} % 2]"
        if r < 0.82:
            return f"{{0: {self.expr(depth - 1)}}}.get({self.expr(depth - 1)} % 2, -1)"
        return self.atom()

    def cond(self, depth: int = 1) -> str:
        op = self.rng.choice(["<", ">", "==", "!=", "<="])
        if self.chance(0.15):
            return f"{self.expr(depth)} < {self.expr(depth)} < {self.expr(depth)}"
        return f"{self.expr(depth)} {op} {self.expr(depth)}"

    # -- statements ----------------------------------------------------------------------
    def block(self, depth: int, indent: str, size: int | None = None, extra: list[list[str]] | None = None) -> list[str]:
        """Lines of a block of ``size`` statements; ``extra`` statements go in at random places."""
        size = size if size is not None else self.rng.randint(1, 4)
        units = [self.statement(depth, indent) for _ in range(size)]
        for unit in extra or []:
            units.insert(self.rng.randint(0, len(units)), unit)
        lines = [line for unit in units for line in unit]
        return lines or [indent + "pass"]

    def statement(self, depth: int, indent: str) -> list[str]:  # noqa: C901 - one branch per form
        me = self._current
        r = self.rng.random()
        nested = depth > 0
        if r < 0.16 or not self._locals:
            var = self.fresh()
            line = f"{indent}{var} = {self.expr()}"
            self._locals.append(var)
            return [line]
        if r < 0.22:
            return [f"{indent}{self.rng.choice(self._locals)} += {self.expr()}"]
        if r < 0.32:
            return [f"{indent}print({self.tag()}, {self.expr()})"]
        if r < 0.36:
            return [f'{indent}print(f"{{({self.expr(1)})}}-{{({self.expr(1)})!r:>4}}")']
        if r < 0.40 and me is not None:
            return [f"{indent}return {self.expr()}"]
        if r < 0.44:
            return [f"{indent}cv.set({self.expr(1)})"]
        if r < 0.46 and me is not None and me.uses_global:
            return [f"{indent}G = (G + {self.expr(1)}) % 1000"]
        if r < 0.48 and me is not None and "acc" in me.params:
            return [f"{indent}acc.append({self.expr(1)})"]
        if self.runtime_async and r < 0.56:
            kind = self.rng.choice(["al", "al", "yield", "pool", "sc", "print"])
            if kind == "al":
                return [f"{indent}al.value = {self.expr(1)}"]
            if kind == "yield":
                return [f"{indent}await yield_()"]
            if kind == "pool":
                return [f"{indent}print({self.tag()}, await PoolAwaiter())"]
            if kind == "sc":
                return [f"{indent}SynchronizationContext.set_current(CTX[{self.rng.randint(0, 1)}])"]
            return [f"{indent}print({self.tag()}, al.value, sc())"]
        if not nested:
            return [f"{indent}print({self.tag()}, {self.expr()})"]
        inner = indent + "    "
        saved = list(self._locals)
        if r < 0.64:
            lines = [f"{indent}if {self.cond()}:", *self.block(depth - 1, inner)]
            if self.chance(0.4):
                lines += [f"{indent}elif {self.cond()}:", *self.block(depth - 1, inner)]
            if self.chance(0.5):
                lines += [f"{indent}else:", *self.block(depth - 1, inner)]
        elif r < 0.72:
            var = self.fresh("i")
            self._locals.append(var)
            self._loop_depth += 1
            jump = [[f"{inner}if {self.cond(0)}:", f"{inner}    {self.rng.choice(['break', 'continue'])}"]] if self.chance(0.5) else []
            body = self.block(depth - 1, inner, extra=jump)
            self._loop_depth -= 1
            lines = [f"{indent}for {var} in range({self.rng.randint(0, 3)}):", *body]
            if self.chance(0.3):
                lines += [f"{indent}else:", *self.block(depth - 1, inner, 1)]
        elif r < 0.77:
            w = self.fresh("w")
            self._loop_depth += 1
            body = self.block(depth - 1, inner)
            self._loop_depth -= 1
            lines = [f"{indent}{w} = 0", f"{indent}while {w} < {self.rng.randint(1, 3)}:", f"{inner}{w} += 1", *body]
            if self.chance(0.3):
                lines += [f"{indent}else:", *self.block(depth - 1, inner, 1)]
        elif r < 0.88:
            ex = self.fresh("e")
            throw = [[f"{inner}if {self.cond(0)}:", f"{inner}    raise Boom({self.expr(0)})"]] if self.chance(0.5) else []
            lines = [f"{indent}try:", *self.block(depth - 1, inner, extra=throw)]
            lines += [f"{indent}except Boom as {ex}:", f"{inner}print({self.tag()}, repr({ex}))"]
            if self.chance(0.3):
                lines.append(f"{inner}raise")
            elif self.chance(0.2):
                lines.append(f"{inner}raise ValueError({self.expr(0)}) from {ex}")
            else:
                lines += self.block(depth - 1, inner, 1)
            if self.chance(0.3):
                lines += [f"{indent}else:", *self.block(depth - 1, inner, 1)]
            if self.chance(0.4):
                lines += [f"{indent}finally:", *self.block(depth - 1, inner, 1)]
        elif r < 0.94:
            name = self.fresh("m")
            kind = "async with ACM" if not self.runtime_async and self.chance(0.4) else "with CM"
            lines = [f"{indent}{kind}('{name}', {self.chance(0.3)}):", *self.block(depth - 1, inner)]
        else:
            lines = [f"{indent}if {self.cond(0)}:", f"{inner}raise Boom({self.expr(0)})", *self.block(depth - 1, indent, 1)]
        self._locals = saved  # names bound in a branch may be unbound after it: not reused
        return lines

    # -- functions and module ---------------------------------------------------------------
    def make_function(self, index: int) -> Function:
        fn = Function(index, runtime_async=self.runtime_async and self.chance(0.7), recursive=self.chance(0.15))
        pool = ["a", "b", "c"]
        fn.params = pool[: self.rng.randint(0, 3)]
        if fn.recursive:
            fn.params.append("depth")
        if self.chance(0.4):
            fn.params.append("d")
            fn.defaults["d"] = str(self.rng.randint(0, 9))
        if self.chance(0.25):
            fn.params.append("acc")
            fn.defaults["acc"] = "[]"
        if self.chance(0.3):
            fn.kwonly.append("k")
            fn.defaults["k"] = str(self.rng.randint(0, 9))
        fn.uses_global = self.chance(0.2)
        return fn

    def function_source(self, fn: Function) -> list[str]:
        self._current = fn
        self._locals = [p for p in fn.params if p not in ("depth", "acc")]
        params = []
        for p in fn.params:
            params.append(f"{p}={fn.defaults[p]}" if p in fn.defaults else p)
        if fn.kwonly:
            params.append("*")
            params += [f"{k}={fn.defaults[k]}" for k in fn.kwonly]
        head = [f"async def {fn.name}({', '.join(params)}):"]
        if fn.runtime_async:
            head.insert(0, "@async_method")
        body = self.block(2, "    ", self.rng.randint(1, 5))
        if fn.uses_global:
            body.insert(0, "    global G")
        if "acc" in fn.params:
            body.insert(0, f"    acc.append({self.expr(0)})")
            body.insert(1, "    print('acc', len(acc))")
        body.append(f"    return {self.expr()}")
        self._current = None
        return head + body

    def generate(self) -> str:
        n = self.rng.randint(2, 6)
        self.functions = [self.make_function(i) for i in range(n)]
        out = [PRELUDE_RUNTIME if self.runtime_async else PRELUDE_PLAIN, ""]
        for fn in reversed(self.functions):  # callees first, as in most modules
            out += self.function_source(fn) + ["", ""]
        extras = self.refusal_bait()
        out += extras
        out += self.main_source()
        return "\n".join(out) + "\n"

    def refusal_bait(self) -> list[str]:
        """Sites the inliner must keep as calls: they must still behave the same."""
        lines: list[str] = []
        if self.chance(0.3):
            lines += ["async def closure(x):", "    return lambda: x", "", ""]
        if self.chance(0.3):
            lines += ["async def looks(x):", "    y = x", "    return sorted(locals())", "", ""]
        if self.chance(0.3):
            lines += ["async def maybe(flag):", "    if flag:", "        value = 1", "    return value", "", ""]
        if self.chance(0.3):
            lines += ["async def replacement(*args, **kwargs):", "    print('replacement', args, kwargs)", "    return -1", "", ""]
        return lines

    def main_source(self) -> list[str]:
        self._current = None
        self._locals = []
        deco = ["@async_method"] if self.runtime_async else []
        lines = [*deco, "async def main():"]
        if self.runtime_async:
            lines.append("    SynchronizationContext.set_current(CTX[0])")
        tops = self.functions[: max(1, len(self.functions) // 2 + 1)]
        for call_no in range(self.rng.randint(2, 5)):
            callee = self.rng.choice(tops)
            args = self.call_args(callee)
            lines += [
                "    try:",
                f"        print('result', {call_no}, await {callee.name}({args}))",
                "    except (Boom, ValueError, ZeroDivisionError, UnboundLocalError, RuntimeError) as error:",
                f"        print('error', {call_no}, type(error).__name__, error, type(error.__cause__).__name__)",
            ]
            if self.runtime_async:
                lines.append(f"    print('ctx', {call_no}, al.value, sc())")
        lines += [
            "    for name in ('closure', 'looks', 'maybe'):",
            "        fn = globals().get(name)",
            "        if fn is not None:",
            "            try:",
            "                value = await fn(1) if name != 'maybe' else await fn(False)",
            "                print(name, value() if callable(value) else value)",
            "            except UnboundLocalError as error:",
            "                print(name, 'UnboundLocalError', error)",
        ]
        target = self.rng.choice(self.functions)
        lines += [
            "    if 'replacement' in globals():",
            f"        globals()['{target.name}'] = replacement",
            "        try:",
            f"            print('rebound', await {target.name}({self.call_args(target)}))",
            "        except Exception as error:",
            "            print('rebound error', type(error).__name__, error)",
            "    print('end', cv.get(), G)",
            "    return 'done'",
        ]
        return lines


def generate(seed: int, runtime_async: bool = False) -> str:
    """The program for ``seed``: the same source for the same seed, on every machine."""
    return ProgramGenerator(seed, runtime_async).generate()
