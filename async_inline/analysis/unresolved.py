"""Why a callee cannot be found statically, in words a user can act on.

Every ``unresolved`` refusal carries a *shape* (report key ``shape``), so the summary can
tell what could never be inlined from what a hint would unlock:

* ``external``: a function of a module outside the program (the standard library, another
  package): add its sources (``--source-root``, the hook's packages) to inline it;
* ``attribute``: a method of an object whose class is not known here (``self.conn.read()``,
  a global instance): an annotation or an assignment from a constructor would tell;
* ``local``: a local variable or parameter holds the callee or its object;
* ``dynamic``: the callee is computed (a call's result, a subscript, ``getattr``);
* ``not-function``: the name refers to something other than an ``async def`` (a class, a
  plain function, a variable);
* ``unknown``: a name the module does not bind;
* ``ambiguous``: a module several files of the program may be at run time.
"""

from __future__ import annotations

from enum import Enum

import libcst as cst
from libcst.metadata import BuiltinScope, GlobalScope

from .module import ModuleFacts
from .refusals import Refusal, RefusalCode


class UnresolvedShape(str, Enum):
    EXTERNAL = "external"
    ATTRIBUTE = "attribute"
    LOCAL = "local"
    DYNAMIC = "dynamic"
    NOT_FUNCTION = "not-function"
    UNKNOWN = "unknown"
    AMBIGUOUS = "ambiguous"


def unresolved(facts: ModuleFacts, func: cst.BaseExpression, first_param: str | None) -> Refusal:
    """The refusal for a callee expression that resolution could not follow."""
    shape, reason = _explain(facts, func, first_param)
    return Refusal(RefusalCode.UNRESOLVED, reason, shape.value)


def _explain(facts: ModuleFacts, func: cst.BaseExpression, first_param: str | None) -> tuple[UnresolvedShape, str]:
    shown = cst.Module([]).code_for_node(func)
    root = func
    while isinstance(root, cst.Attribute):
        root = root.value
    if not isinstance(root, cst.Name):
        return UnresolvedShape.DYNAMIC, f"'{shown}' is computed at run time, not a name or a chain of attributes"
    scope = facts.index.use_scope(root)
    if scope is not None and not isinstance(scope, (GlobalScope, BuiltinScope)):
        if root.value == first_param and root is not func:
            return UnresolvedShape.ATTRIBUTE, f"'{shown}': the class holding this attribute is not known statically"
        return UnresolvedShape.LOCAL, f"'{root.value}' is a local variable or parameter"
    external = _outside_program(facts, root.value)
    claimants = facts.program.claimants(external) if external is not None and facts.program is not None else ()
    if external is not None and claimants:
        files = ", ".join(claimants)
        reason = f"'{shown}' comes from {external}, which more than one file may be at run time ({files}): which one depends on sys.path"
        return UnresolvedShape.AMBIGUOUS, reason
    withheld = facts.program.withheld.get(external) if external is not None and facts.program is not None else None
    if withheld is not None:
        return UnresolvedShape.EXTERNAL, f"'{shown}' comes from {external}, {withheld}"
    if external is not None:
        return UnresolvedShape.EXTERNAL, f"'{shown}' comes from {external}, a module outside the program (standard library or another package)"
    if isinstance(scope, BuiltinScope) or root.value not in facts.module_globals:
        if isinstance(scope, BuiltinScope):
            return UnresolvedShape.NOT_FUNCTION, f"'{root.value}' is a builtin"
        return UnresolvedShape.UNKNOWN, f"'{root.value}' is not bound in the module"
    if root is func:
        return UnresolvedShape.NOT_FUNCTION, f"'{shown}' is not an async def (a class, a plain function or a variable)"
    if root.value in facts.classes or root.value in facts.imports:
        return UnresolvedShape.NOT_FUNCTION, f"'{shown}' is not an async def the classes and modules visible here define"
    return UnresolvedShape.ATTRIBUTE, f"'{shown}': the class of '{root.value}' is not known statically"


def _outside_program(facts: ModuleFacts, name: str) -> str | None:
    """The module a global name was imported from (``imports.import_bindings``: also a
    package several ``import pkg.x`` statements bind), when its source is not available."""
    binding = facts.imports.get(name)
    if binding is None:
        return None
    program = facts.program
    if program is not None and program.facts(binding.module) is not None:
        return None
    return binding.module
