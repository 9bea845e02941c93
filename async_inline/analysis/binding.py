"""Static binding of a call's arguments to the callee's parameters, by Python's rules.

A call that would raise TypeError when binding is refused, so that the real call still
raises it with CPython's own message.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import libcst as cst

from .callee import ParamSpec, Refusal


@dataclass
class ParamSource:
    """Where one parameter's value comes from."""

    param: ParamSpec
    #: Index of the call argument bound to it (plain parameters).
    arg: int | None = None
    #: Argument indices collected into ``*args``.
    varargs: list[int] = field(default_factory=list)
    #: (keyword, argument index) pairs collected into ``**kwargs``, in call order.
    varkw: list[tuple[str, int]] = field(default_factory=list)
    #: True when the function's own default object is used.
    default: bool = False


def bind_arguments(args: Sequence[cst.Arg], params: Sequence[ParamSpec]) -> list[ParamSource] | Refusal:
    if any(a.star for a in args):
        return Refusal("call-unpacking", "the call unpacks arguments with * or **")
    sources = {p.name: ParamSource(p) for p in params}
    positional = [p for p in params if p.kind in ("posonly", "pos")]
    varargs = next((p for p in params if p.kind == "varargs"), None)
    varkw = next((p for p in params if p.kind == "varkw"), None)
    by_keyword = {p.name: p for p in params if p.kind in ("pos", "kwonly")}

    n_positional = 0
    for i, arg in enumerate(args):
        if arg.keyword is not None:
            continue
        if n_positional < len(positional):
            sources[positional[n_positional].name].arg = i
        elif varargs is not None:
            sources[varargs.name].varargs.append(i)
        else:
            return Refusal("binding", "too many positional arguments (TypeError at run time)")
        n_positional += 1
    for i, arg in enumerate(args):
        if arg.keyword is None:
            continue
        key = arg.keyword.value
        target = by_keyword.get(key)
        if target is not None:
            if sources[target.name].arg is not None:
                return Refusal("binding", f"multiple values for argument '{key}' (TypeError at run time)")
            sources[target.name].arg = i
        elif varkw is not None:
            sources[varkw.name].varkw.append((key, i))
        else:
            return Refusal("binding", f"unexpected keyword argument '{key}' (TypeError at run time)")
    for src in sources.values():
        if src.param.kind in ("varargs", "varkw") or src.arg is not None:
            continue
        if src.param.default is None:
            return Refusal("binding", f"missing argument '{src.param.name}' (TypeError at run time)")
        src.default = True
    return [sources[p.name] for p in params]
