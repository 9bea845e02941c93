"""Rule table: binding a call's arguments to the callee's parameters (``analysis/binding.py``).

Each row is a signature, a call, and where each parameter's value comes from: the text of
the argument bound to it, ``DEFAULT`` (the function's own default object), a tuple of
argument texts for ``*args``, a dict for ``**kwargs`` (in call order); or the refusal. A
call that would raise TypeError while binding is refused, so the real call raises it
with CPython's own message; so is a call that unpacks ``*``/``**`` (its arity is unknown).

Every row is also checked against CPython: a function with the same signature is called
the same way; CPython must raise TypeError (or reject the call at compile time) exactly
when the row is refused for "binding", and otherwise bind every parameter to the value
the row names, defaults being the very objects in ``__defaults__``/``__kwdefaults__``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import libcst as cst
import pytest

from async_inline.analysis.binding import bind_arguments
from async_inline.analysis.callee import Refusal, analyze_callee
from tests.unit.rule_tables import code_of, parse_function, plain

DEFAULT = "DEFAULT"


@dataclass(frozen=True)
class Refused:
    code: str
    #: A fragment of the reason.
    reason: str


@dataclass(frozen=True)
class Row:
    signature: str
    call: str
    expected: dict[str, Any] | Refused

    @property
    def id(self) -> str:
        return f"({self.signature})<-{self.call}"


def bind(signature: str, call: str) -> tuple[dict[str, Any] | Refused, dict[str, int | str]]:
    """The analysis on one call: each parameter's source, described by argument text; and
    for each defaulted parameter, the key of ``__defaults__`` or ``__kwdefaults__`` it reads."""
    parsed = parse_function("pass", signature)
    callee = analyze_callee(parsed.index, parsed.fdef)
    assert callee.refusal is None, callee.refusal
    expr = cst.parse_expression(call)
    assert isinstance(expr, cst.Call)
    args = expr.args
    result = bind_arguments(args, callee.params)
    if isinstance(result, Refusal):
        return Refused(str(plain(result.code)), result.reason), {}
    out: dict[str, Any] = {}
    keys: dict[str, int | str] = {}
    for source in result:
        param = source.param
        kind = plain(param.kind)
        if source.arg is not None:
            out[param.name] = code_of(args[source.arg].value)
        elif source.default:
            assert param.default is not None
            out[param.name] = DEFAULT
            keys[param.name] = param.default
        elif kind == "varargs":
            out[param.name] = tuple(code_of(args[i].value) for i in source.varargs)
        elif kind == "varkw":
            out[param.name] = {key: code_of(args[i].value) for key, i in source.varkw}
        else:  # pragma: no cover - a plain parameter must have a source
            raise AssertionError(f"no source for {param}")
    return out, keys


def missing(name: str) -> Refused:
    return Refused("binding", f"missing argument '{name}'")


def unexpected(name: str) -> Refused:
    return Refused("binding", f"unexpected keyword argument '{name}'")


def twice(name: str) -> Refused:
    return Refused("binding", f"multiple values for argument '{name}'")


TOO_MANY = Refused("binding", "too many positional arguments")
UNPACKING = Refused("call-unpacking", "unpacks arguments")
ALL_KINDS = "a, b=[20], /, c=[30], *args, d, e=[50], **kw"

ROWS = [
    # -- positional-or-keyword parameters ------------------------------------------------------
    Row("a, b", "f(1, 2)", {"a": "1", "b": "2"}),
    Row("a, b", "f(1, b=2)", {"a": "1", "b": "2"}),
    Row("a, b", "f(b=2, a=1)", {"a": "1", "b": "2"}),
    Row("a, b=[20]", "f(1)", {"a": "1", "b": DEFAULT}),
    Row("a, b", "f(1)", missing("b")),
    Row("a, b", "f()", missing("a")),
    Row("a", "f(1, 2)", TOO_MANY),
    Row("a", "f(1, a=2)", twice("a")),
    Row("a", "f(a=1, a=2)", twice("a")),  # CPython: SyntaxError, keyword argument repeated
    Row("a", "f(1, b=2)", unexpected("b")),
    # -- positional-only ---------------------------------------------------------------------------
    Row("a, /", "f(1)", {"a": "1"}),
    Row("a, /", "f(a=1)", unexpected("a")),
    Row("a, /, **kw", "f(1, a=2)", {"a": "1", "kw": {"a": "2"}}),
    Row("a, /, **kw", "f(a=2)", missing("a")),
    Row("a=[10], /, b=[20]", "f(b=2)", {"a": DEFAULT, "b": "2"}),
    # -- *args --------------------------------------------------------------------------------------
    Row("a, *args", "f(1, 2, 3)", {"a": "1", "args": ("2", "3")}),
    Row("*args", "f()", {"args": ()}),
    Row("*args", "f(args=1)", unexpected("args")),
    Row("*args, **kw", "f(args=1)", {"args": (), "kw": {"args": "1"}}),
    Row("a, *args", "f(1, 2, a=3)", twice("a")),
    # -- keyword-only ----------------------------------------------------------------------------------
    Row("*, k", "f(k=1)", {"k": "1"}),
    Row("*, k", "f(1)", TOO_MANY),
    Row("*, k", "f()", missing("k")),
    Row("*, k=[30]", "f()", {"k": DEFAULT}),
    Row("*args, k", "f(1, 2, k=3)", {"args": ("1", "2"), "k": "3"}),
    # -- **kwargs ----------------------------------------------------------------------------------------
    Row("**kw", "f(y=1, x=2)", {"kw": {"y": "1", "x": "2"}}),
    Row("a, **kw", "f(a=1, b=2)", {"a": "1", "kw": {"b": "2"}}),
    Row("**kw", "f(kw=1)", {"kw": {"kw": "1"}}),
    # -- every kind at once ------------------------------------------------------------------------------
    Row(ALL_KINDS, "f(1, d=4)", {"a": "1", "b": DEFAULT, "c": DEFAULT, "args": (), "d": "4", "e": DEFAULT, "kw": {}}),
    Row(
        ALL_KINDS,
        "f(1, 2, 3, 4, 5, d=6, e=7, z=8)",
        {"a": "1", "b": "2", "c": "3", "args": ("4", "5"), "d": "6", "e": "7", "kw": {"z": "8"}},
    ),
    Row(ALL_KINDS, "f(1, c=3, d=4, b=2)", {"a": "1", "b": DEFAULT, "c": "3", "args": (), "d": "4", "e": DEFAULT, "kw": {"b": "2"}}),
    Row(ALL_KINDS, "f(d=4)", missing("a")),
    Row(ALL_KINDS, "f(1)", missing("d")),
    # -- unpacking in the call: the arity is unknown until run time ----------------------------------------
    Row("*args", "f(*[1, 2])", UNPACKING),
    Row("a, **kw", "f(1, **{'b': 2})", UNPACKING),
]


@pytest.mark.parametrize("row", [pytest.param(row, id=row.id) for row in ROWS])
def test_rule(row: Row) -> None:
    got, _ = bind(row.signature, row.call)
    if isinstance(row.expected, Refused):
        assert isinstance(got, Refused), got
        assert got.code == row.expected.code
        assert row.expected.reason in got.reason
    else:
        assert got == row.expected
        assert list(got) == list(row.expected)  # parameters in signature order
        for key, value in row.expected.items():
            if isinstance(value, dict):
                assert list(got[key]) == list(value), "**kwargs keeps the call's order"


def _cpython_call(signature: str, call: str) -> tuple[Any, dict[str, Any] | BaseException]:
    """Call a real function with the same signature: its bound parameters, or the error."""
    ns: dict[str, Any] = {}
    exec(compile(f"def f({signature}):\n    return dict(locals())\n", "<signature>", "exec", dont_inherit=True), ns)
    try:
        code = compile(call, "<call>", "eval", dont_inherit=True)
    except SyntaxError as exc:
        return ns["f"], exc
    try:
        return ns["f"], eval(code, ns)
    except TypeError as exc:
        return ns["f"], exc


@pytest.mark.parametrize("row", [pytest.param(row, id=row.id) for row in ROWS])
def test_row_against_cpython(row: Row) -> None:
    expected = row.expected
    if isinstance(expected, Refused) and expected.code != "binding":
        return  # unpacking: refused whatever CPython would do
    function, bound = _cpython_call(row.signature, row.call)
    _, default_keys = bind(row.signature, row.call)
    if isinstance(expected, Refused):
        assert isinstance(bound, (TypeError, SyntaxError)), f"CPython binds this call: {bound}"
        return
    assert isinstance(bound, dict), f"CPython refuses this call: {bound!r}"
    assert bound.keys() == expected.keys()
    for name, source in expected.items():
        value = bound[name]
        if source == DEFAULT:
            key = default_keys[name]
            own = function.__defaults__[key] if isinstance(key, int) else function.__kwdefaults__[key]
            assert value is own, f"{name}: the analysis reads another default ({key!r})"
        elif isinstance(source, tuple):
            assert value == tuple(eval(text) for text in source)
        elif isinstance(source, dict):
            assert list(value.items()) == [(key, eval(text)) for key, text in source.items()]
        else:
            assert value == eval(source)

