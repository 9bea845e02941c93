"""Shared helpers of the rule tables (``test_rules_*.py``).

Each table row is a snippet of source and the result one analysis gives for it. The
helpers here parse a snippet with LibCST and call the analysis directly, so a row is a
statement about the rule, independent of the code the inliner generates; and they run
the same snippet with CPython, so a row can also be checked against the interpreter.

Analyses may turn their string kinds and codes into enums: ``plain`` is the one place
that reads them, by ``.value`` when there is one.
"""

from __future__ import annotations

import contextlib
import itertools
import sys
import textwrap
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import libcst as cst

from async_inline.analysis.scopes import ScopeIndex


def plain(value: object) -> object:
    """A kind or code as its string, whether the analysis uses strings or enums."""
    return getattr(value, "value", value)


def code_of(node: cst.CSTNode) -> str:
    return cst.Module([]).code_for_node(node)


def function_source(body: str, params: str = "") -> str:
    """``async def f(params):`` around ``body`` (a dedented snippet)."""
    return f"async def f({params}):\n" + textwrap.indent(textwrap.dedent(body).strip("\n"), "    ") + "\n"


@dataclass
class Parsed:
    """A snippet parsed as the body of ``async def f``, with its scopes resolved."""

    index: ScopeIndex
    fdef: cst.FunctionDef

    @property
    def body(self) -> list[cst.BaseStatement]:
        block = self.fdef.body
        assert isinstance(block, cst.IndentedBlock)
        return list(block.body)


def parse_function(body: str, params: str = "") -> Parsed:
    index = ScopeIndex(cst.parse_module(function_source(body, params)))
    fdef = index.module.body[0]
    assert isinstance(fdef, cst.FunctionDef)
    return Parsed(index, fdef)


# -- running snippets with CPython ------------------------------------------------------------


class Boom(Exception):
    """The exception snippets raise on purpose (``g(True)``)."""


def g(fail: bool = False) -> int:
    """A call that may raise: ``g(c)`` raises Boom when ``c`` is true, else returns 1."""
    if fail:
        raise Boom("g failed")
    return 1


@contextlib.asynccontextmanager
async def acm(value: object = None) -> AsyncIterator[object]:
    yield value


@contextlib.contextmanager
def exit_raises(fail: bool = True) -> Iterator[None]:
    """A context manager whose exit after a normal end of its body (a return too) raises
    Boom when ``fail`` is true: an exception an earlier ``with`` may swallow."""
    yield
    g(fail)


async def aiter_(items: Sequence[object]) -> AsyncIterator[object]:
    for item in items:
        yield item


#: Values each parameter name takes when a snippet runs: a row runs for every combination.
DOMAINS: dict[str, tuple[Any, ...]] = {
    "c": (False, True),
    "d": (False, True),
    "n": (0, 1, 2),
    "xs": ([], [0], [1], [0, 1]),
    "v": ([1], [0], 2),
    "a": (1, 5),
}


def namespace(log: list[object]) -> dict[str, Any]:
    """The globals a snippet runs with."""
    return {
        "g": g,
        "E": Boom,
        "log": log.append,
        "suppress": contextlib.suppress,
        "nullcontext": contextlib.nullcontext,
        "acm": acm,
        "exit_raises": exit_raises,
        "aiter_": aiter_,
    }


def drive(coroutine: Any) -> Any:
    """Run a coroutine that never suspends to its end (snippets await nothing that waits)."""
    try:
        coroutine.send(None)
    except StopIteration as stop:
        return stop.value
    coroutine.close()
    raise AssertionError("the snippet suspended")


@dataclass(frozen=True)
class Run:
    """What one run of a snippet did: its result, what it logged, what it raised."""

    result: Any
    log: tuple[object, ...]
    error: tuple[str, str] | None


def param_names(params: str) -> list[str]:
    return [p.strip() for p in params.split(",") if p.strip()]


def combinations(params: str) -> Iterator[dict[str, Any]]:
    names = param_names(params)
    for values in itertools.product(*(DOMAINS[name] for name in names)):
        yield dict(zip(names, values, strict=True))


def run_function(source: str, args: Mapping[str, Any], name: str = "f") -> Run:
    """Define ``source`` (an ``async def``) in a fresh namespace and run it with ``args``."""
    log: list[object] = []
    ns = namespace(log)
    # dont_inherit: this module's `from __future__ import annotations` must not leak in.
    exec(compile(source, "<snippet>", "exec", dont_inherit=True), ns)
    function: Callable[..., Any] = ns[name]
    try:
        # Fresh lists: a run must not see what an earlier run did to its arguments.
        result = drive(function(**{k: list(v) if isinstance(v, list) else v for k, v in args.items()}))
    except Exception as exc:
        return Run(None, tuple(log), (type(exc).__name__, str(exc)))
    return Run(result, tuple(log), None)


def requires(version: tuple[int, int]) -> bool:
    """Whether this interpreter can compile snippets using syntax of ``version``."""
    return sys.version_info >= version
