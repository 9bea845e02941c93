"""Which expressions may be evaluated later, or again, without anyone noticing.

The inliner moves reads. A parameter of an inlined body that aliases its argument reads
the argument where the body uses it, not once at the call; an operand evaluated before an
inlined await is left where it is only if evaluating it after the inlined body gives the
same value with no effect. Both ask one question, answered here. An expression is
*stable* at a statement when it is:

* a literal (number, string, ``...``, implicitly concatenated strings), ``True``,
  ``False`` or ``None``: no effect, always the same value;
* a parameter of an expression-form frame: it already stands for a stable expression;
* a comprehension's own variable: only the comprehension's iteration rebinds it (``:=``
  cannot bind it);
* a *stable local* of the function being emitted, not bound by ``:=`` in the statement
  itself. A local is stable when nothing but the function's own statements can change it
  (no nested scope uses it: a closure or a ``:=`` in a comprehension could rebind it) and
  every read finds it assigned (reading an unassigned local raises UnboundLocalError
  where it stands, so that read must stay where it is).

Attribute reads, subscripts and calls are never stable: they may run user code.
"""

from __future__ import annotations

from collections.abc import Callable

import libcst as cst

#: Literal nodes: evaluating them has no effect and always gives the same value.
LITERALS = (cst.Integer, cst.Float, cst.Imaginary, cst.SimpleString, cst.Ellipsis)
CONSTANT_NAMES = frozenset({"True", "False", "None"})


def is_stable(node: cst.CSTNode, stable_name: Callable[[cst.Name], bool]) -> bool:
    """The rule above; ``stable_name`` answers for names that are not constants."""
    if isinstance(node, LITERALS):
        return True
    if isinstance(node, cst.ConcatenatedString):
        return is_stable(node.left, stable_name) and is_stable(node.right, stable_name)
    if isinstance(node, cst.Name):
        return node.value in CONSTANT_NAMES or stable_name(node)
    return False


def is_constant(node: cst.CSTNode) -> bool:
    """A literal or ``True``/``False``/``None``: what CPython's compiler warns about in
    some positions (``CalleeInfo.literal_unsafe_locals``)."""
    return is_literal(node) or (isinstance(node, cst.Name) and node.value in CONSTANT_NAMES)


def is_literal(node: cst.CSTNode) -> bool:
    """A stable expression that is not a name: it stays an expression where it is used."""
    return isinstance(node, LITERALS) or (
        isinstance(node, cst.ConcatenatedString) and is_literal(node.left) and is_literal(node.right)
    )
