"""Static binding of a call's arguments to the callee's parameters, by Python's rules.

A call that would raise TypeError when binding is refused, so that the real call still
raises it with CPython's own message.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import libcst as cst

from .callee import CalleeInfo, Parameter, ParamKind
from .refusals import Refusal, RefusalCode


@dataclass(frozen=True)
class ParamSource:
    """Where one parameter's value comes from."""

    param: Parameter
    #: Index of the call argument bound to it (plain parameters).
    arg: int | None = None
    #: Argument indices collected into ``*args``.
    varargs: tuple[int, ...] = ()
    #: (keyword, argument index) pairs collected into ``**kwargs``, in call order.
    varkw: tuple[tuple[str, int], ...] = ()
    #: True when the function's own default object is used.
    default: bool = False


@dataclass
class _Slot:
    arg: int | None = None
    varargs: list[int] = field(default_factory=list)
    varkw: list[tuple[str, int]] = field(default_factory=list)


def bind_arguments(args: Sequence[cst.Arg], params: Sequence[Parameter]) -> tuple[ParamSource, ...] | Refusal:
    """Where each parameter's value comes from, or why the call raises TypeError."""
    if any(a.star for a in args):
        return Refusal(RefusalCode.CALL_UNPACKING, "the call unpacks arguments with * or **")
    slots = {p.name: _Slot() for p in params}
    positional = [p for p in params if p.kind in (ParamKind.POSONLY, ParamKind.POS)]
    varargs = next((p for p in params if p.kind is ParamKind.VARARGS), None)
    varkw = next((p for p in params if p.kind is ParamKind.VARKW), None)
    by_keyword = {p.name: p for p in params if p.kind in (ParamKind.POS, ParamKind.KWONLY)}

    n_positional = 0
    for i, arg in enumerate(args):
        if arg.keyword is not None:
            continue
        if n_positional < len(positional):
            slots[positional[n_positional].name].arg = i
        elif varargs is not None:
            slots[varargs.name].varargs.append(i)
        else:
            return Refusal(RefusalCode.BINDING, "too many positional arguments (TypeError at run time)")
        n_positional += 1
    for i, arg in enumerate(args):
        if arg.keyword is None:
            continue
        key = arg.keyword.value
        target = by_keyword.get(key)
        if target is not None:
            if slots[target.name].arg is not None:
                return Refusal(RefusalCode.BINDING, f"multiple values for argument '{key}' (TypeError at run time)")
            slots[target.name].arg = i
        elif varkw is not None:
            slots[varkw.name].varkw.append((key, i))
        else:
            return Refusal(RefusalCode.BINDING, f"unexpected keyword argument '{key}' (TypeError at run time)")
    sources = []
    for p in params:
        slot = slots[p.name]
        missing = p.kind not in (ParamKind.VARARGS, ParamKind.VARKW) and slot.arg is None
        if missing and p.default is None:
            return Refusal(RefusalCode.BINDING, f"missing argument '{p.name}' (TypeError at run time)")
        sources.append(ParamSource(p, slot.arg, tuple(slot.varargs), tuple(slot.varkw), default=missing))
    return tuple(sources)


def tests_defaults_tuple(callee: CalleeInfo, binding: Sequence[ParamSource], frozen_defaults: bool, configured: bool) -> bool:
    """Does a statement-form site of this binding read its defaults from the tuple the
    module found, behind the test that the function still holds it (``frame_builder``'s
    ``default_reads``)? Where it reads some default (one not folded under
    ``frozen-defaults``), all of them positional: ``__kwdefaults__`` is a dict, which may
    change in place, so an identity test says nothing about its items. Not where
    ``configure_await`` wraps the call (``configured``): the call made where the test
    fails would lose it."""
    if configured:
        return False
    read = [s.param for s in binding if s.default and not callee.folds_default(s.param, frozen_defaults)]
    return bool(read) and all(isinstance(p.default, int) for p in read)
