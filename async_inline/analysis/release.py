"""Which variables of an inlined frame hold only values whose release nobody can see.

The original frame releases its locals when the callee returns; the inlined frame does it
with ``x = y = None`` on its normal exit (``frame_builder``), so that a ``__del__`` or a
weak reference's callback runs at the same moment. Those stores cost time on every call,
and for some values they buy nothing: an object of an exact builtin type without
references to user objects (``int``, ``float``, ``complex``, ``bool``, ``str``, ``bytes``,
``None``, ``...``, and tuples of them) has no finaliser and takes no weak reference, so no
program can tell when it goes. A variable every binding of which gives such a value
(*silent*) is left holding it.

A value is silent when the expression making it is:

* a literal, ``True``, ``False``, ``None``, or a tuple display of silent values;
* ``not x``, or a comparison whose every operator gives a ``bool`` whatever its operands
  (``is``, ``is not``, ``in``, ``not in``), or compares two silent values;
* an operator applied to silent values (``+``, ``-x``, ``and`` ...): between builtin
  numbers, strings, bytes and tuples of them the result is one of those, or an exception;
* a conditional expression of silent values;
* a variable of the frame that is itself silent (a parameter if its argument is).

(A default read from the tuple the module holds is not silent, though the variable holding
it need not be cleared: the tuple keeps it alive. Its value is any object, and an operator
on it may make a new one: review N3's fuzzing.)

Calls are never silent, builtins included: ``builtins.len`` may be replaced at run time.
Whether the variable may be read unassigned on a later run is another question, answered
by ``CalleeInfo.maybe_unassigned`` (such locals start unbound on every run).
"""

from __future__ import annotations

import inspect
import types
from collections.abc import Callable, Collection, Iterable

import libcst as cst

from ..tree import walk
from .callee import CalleeInfo, as_mangled
from .module import ModuleFacts
from .scopes import Role, ScopeIndex

#: Operators whose result is a ``bool`` whatever the operands (``in`` converts).
_BOOL_COMPARISONS = (cst.Is, cst.IsNot, cst.In, cst.NotIn)
_LITERALS = (cst.Integer, cst.Float, cst.Imaginary, cst.SimpleString, cst.Ellipsis)


def is_silent(expr: cst.BaseExpression, silent_name: Callable[[cst.Name], bool] = lambda _: False) -> bool:
    """The rule of the module docstring; ``silent_name`` answers for variables."""
    if isinstance(expr, _LITERALS):
        return True
    if isinstance(expr, cst.ConcatenatedString):
        return is_silent(expr.left) and is_silent(expr.right)
    if isinstance(expr, cst.Name):
        return expr.value in ("True", "False", "None") or silent_name(expr)
    if isinstance(expr, cst.UnaryOperation):
        return isinstance(expr.operator, cst.Not) or is_silent(expr.expression, silent_name)
    if isinstance(expr, (cst.BinaryOperation, cst.BooleanOperation)):
        return is_silent(expr.left, silent_name) and is_silent(expr.right, silent_name)
    if isinstance(expr, cst.Comparison):
        left, all_silent = expr.left, True
        for target in expr.comparisons:
            operands = is_silent(left, silent_name) and is_silent(target.comparator, silent_name)
            all_silent = all_silent and (operands or isinstance(target.operator, _BOOL_COMPARISONS))
            left = target.comparator
        return all_silent
    if isinstance(expr, cst.IfExp):
        return is_silent(expr.body, silent_name) and is_silent(expr.orelse, silent_name)
    if isinstance(expr, cst.Tuple):
        return all(isinstance(e, cst.Element) and is_silent(e.value, silent_name) for e in expr.elements)
    return False


def silent_locals(callee: CalleeInfo, index: ScopeIndex, silent_params: Collection[str]) -> frozenset[str]:
    """The callee's locals every binding of which is silent. A parameter counts only if
    the value it is bound to is (``silent_params``). The largest such set: every local is
    assumed silent, and one with a binding that is not is dropped until none is left."""
    params = {p.name for p in callee.params}
    bindings: dict[str, list[cst.Name]] = {}
    for node, local in callee.local_uses.items():
        role, parent = index.role(node), index.parent(node)
        if isinstance(parent, cst.AnnAssign) and parent.value is None:
            continue  # ``x: int`` declares, binds nothing
        if role.binds and role is not Role.PARAM and role is not Role.DEL:
            bindings.setdefault(local, []).append(node)
    silent = {local for local in callee.locals if local not in params or local in silent_params}

    def silent_name(node: cst.Name) -> bool:
        return callee.local_uses.get(node) in silent

    changed = True
    while changed:
        changed = False
        for local in sorted(silent):
            value = (_bound_value(index, node) for node in bindings.get(local, ()))
            if not all(v is not None and is_silent(v, silent_name) for v in value):
                silent.discard(local)
                changed = True
    return frozenset(silent)


def silent_temporaries(temps: Iterable[str], code: Iterable[cst.CSTNode]) -> frozenset[str]:
    """The temporaries among ``temps`` that ``code`` (the statements evaluating a call's
    arguments) binds only by plain assignments of silent values, and uses nowhere else."""
    wanted = set(temps)
    uses: dict[str, int] = {}
    silent_stores: dict[str, int] = {}
    for root in code:
        for node in walk(root):
            if isinstance(node, cst.Name) and node.value in wanted:
                uses[node.value] = uses.get(node.value, 0) + 1
            elif isinstance(node, cst.Assign) and is_silent(node.value):
                for target in node.targets:
                    if isinstance(target.target, cst.Name) and target.target.value in wanted:
                        silent_stores[target.target.value] = silent_stores.get(target.target.value, 0) + 1
    return frozenset(t for t in wanted if uses.get(t, 0) and silent_stores.get(t, 0) == uses[t])


def _bound_value(index: ScopeIndex, node: cst.Name) -> cst.BaseExpression | None:
    """The expression a binding of a variable stores, for the plain forms (``x = v``,
    ``x: T = v``, ``x += v``, ``x := v``); None for any other (a loop's target ...)."""
    parent = index.parent(node)
    if isinstance(parent, cst.AssignTarget) and parent.target is node:
        statement = index.parent(parent)
        return statement.value if isinstance(statement, cst.Assign) else None
    if isinstance(parent, (cst.AnnAssign, cst.AugAssign, cst.NamedExpr)) and parent.target is node:
        return parent.value
    return None


def release_order(facts: ModuleFacts, callee: CalleeInfo) -> tuple[str, ...]:
    """The callee's locals in the order its frame releases them: CPython clears a frame's
    variables in the order of its code object's ``co_varnames`` (parameters, then each
    other name at its first occurrence in the compiled code, a read included), then its
    cells (``co_cellvars``: names a closure captures, a ``:=`` target of a comprehension
    before 3.12). Taken from the module compiled by the running interpreter; where it
    does not compile, ``callee.locals``, the order of first binding. Found once per
    function (``facts.once_per_function``)."""
    return facts.once_per_function("release order", callee.node, lambda: _release_order(facts, callee))


def _release_order(facts: ModuleFacts, callee: CalleeInfo) -> tuple[str, ...]:
    code = _code_of(facts, callee)
    if code is None:
        return callee.locals
    place = {name: i for i, name in enumerate((*code.co_varnames, *code.co_cellvars)) if name}
    # A method's private local is its class's mangled name there (review R23a F3).
    at = {local: i for local in callee.locals if (i := place.get(as_mangled(callee.owner, local))) is not None}
    return (*sorted(at, key=at.__getitem__), *(local for local in callee.locals if local not in at))


def _code_of(facts: ModuleFacts, callee: CalleeInfo) -> types.CodeType | None:
    """The code object of the callee's function: of that name and parameters, starting
    where the ``def`` does (at its first decorator, if any: the nearest start at or above
    the ``def``'s line; a function of the same name nested in it starts below)."""
    if facts.code is None:
        return None
    params = sorted(p.name for p in callee.params)
    line = facts.index.line(callee.node)
    found: list[types.CodeType] = []
    stack = [facts.code]
    while stack:
        code = stack.pop()
        stack.extend(const for const in code.co_consts if isinstance(const, types.CodeType))
        arguments = code.co_argcount + code.co_kwonlyargcount + bool(code.co_flags & inspect.CO_VARARGS) + bool(code.co_flags & inspect.CO_VARKEYWORDS)
        if code.co_name == callee.name and sorted(code.co_varnames[:arguments]) == params and code.co_firstlineno <= line:
            found.append(code)
    return max(found, key=lambda code: code.co_firstlineno, default=None)
