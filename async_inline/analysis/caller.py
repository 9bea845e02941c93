"""What the inliner needs to know about a physical caller: the function inlined code lands in."""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst
from libcst.metadata import Scope

from ..tree import children, walk
from .callee import calls_frame_introspection
from .classes import ClassInfo, MethodKind, caller_method_kind
from .scopes import ScopeIndex


@dataclass(frozen=True)
class CallerInfo:
    node: cst.FunctionDef
    qualname: str
    scope: Scope
    #: Every identifier written anywhere in the caller (nested functions included):
    #: a callee local may keep its own name only if it is none of these.
    identifiers: frozenset[str]
    #: The innermost class around the caller, if any: CPython mangles the private names
    #: (``__x``, not ``__x__``) of its code with that class's name.
    mangled_by: str | None
    #: The caller inspects its own frame (``locals()`` ...): inlined names would show.
    introspection: str | None
    #: The caller's key when it is itself a candidate callee (recursion).
    key: str | None = None
    #: The class whose body defines the caller (a method), and the method's kind.
    owner: ClassInfo | None = None
    method_kind: MethodKind | None = None
    #: The first parameter (``self``, ``cls``) of a method that has one.
    first_param: str | None = None
    #: An async generator converts a StopIteration with its own message (PEP 479).
    is_async_generator: bool = False


def analyze_caller(index: ScopeIndex, fdef: cst.FunctionDef, qualname: str, key: str | None, owner: ClassInfo | None) -> CallerInfo:
    """``key``: the caller's key as a callee (module-level functions and methods of
    module-level classes); ``owner``: the class whose body holds ``fdef``, if any."""
    scope = index.function_scope(fdef)
    kind = caller_method_kind(fdef) if owner is not None else None
    params = [*fdef.params.posonly_params, *fdef.params.params]
    return CallerInfo(
        node=fdef,
        qualname=qualname,
        scope=scope,
        identifiers=frozenset(n.value for n in walk(fdef) if type(n) is cst.Name),
        mangled_by=index.mangling_class(scope),
        introspection=calls_frame_introspection(index, walk(fdef.body)),
        key=key,
        owner=owner,
        method_kind=kind,
        first_param=params[0].name.value if params and kind in (MethodKind.INSTANCE, MethodKind.CLASS) else None,
        is_async_generator=_yields(fdef),
    )


def _yields(fdef: cst.FunctionDef) -> bool:
    """True when ``fdef`` itself contains a yield: in its body, outside nested scopes but
    in their headers too (a default, an annotation, a decorator, a base class is evaluated
    by ``fdef``: review R20a F1)."""
    stack = list(children(fdef.body))
    while stack:
        node = stack.pop()
        if type(node) is cst.Yield:
            return True
        if isinstance(node, cst.Lambda):
            stack.append(node.params)
        elif isinstance(node, (cst.FunctionDef, cst.ClassDef)):
            stack.extend(child for child in children(node) if child is not node.body)
        else:
            stack.extend(children(node))
    return False
