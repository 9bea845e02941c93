"""Small constructors for the nodes the inliner generates, so the generator reads like the code it emits."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence

import libcst as cst

from ..tree import breaks_line

Statement = cst.BaseStatement
Small = cst.BaseSmallStatement


def name(value: str) -> cst.Name:
    return cst.Name(value)


def assign(target: str | cst.BaseAssignTargetExpression, value: cst.BaseExpression) -> cst.Assign:
    if isinstance(target, str):
        target = cst.Name(target)
    return cst.Assign(targets=[cst.AssignTarget(target=target)], value=standalone(value))


def assign_many(targets: Sequence[str], value: cst.BaseExpression) -> cst.Assign:
    return cst.Assign(targets=[cst.AssignTarget(target=cst.Name(t)) for t in targets], value=standalone(value))


def standalone(expr: cst.BaseExpression) -> cst.BaseExpression:
    """``expr`` able to stand as a statement's value: an argument or an element may span
    lines because of the brackets around it (``f(a or<newline> b)``); taken out of them,
    it needs its own (asyncssh 2.24.1's ``sftp.py``)."""
    if type(expr) in _ONE_LINE or expr.lpar:
        return expr
    if type(expr) in _BARE_ONLY_AS_ARGUMENT or breaks_line(expr):
        return parenthesize_always(expr)
    return expr


#: Expressions without inner whitespace: nothing to look for.
_ONE_LINE = frozenset({cst.Name, cst.Integer, cst.Float, cst.Imaginary, cst.SimpleString})


def delete(names: Sequence[str]) -> cst.Del:
    if len(names) == 1:
        return cst.Del(target=cst.Name(names[0]))
    return cst.Del(target=cst.Tuple([cst.Element(cst.Name(n)) for n in names], lpar=[], rpar=[]))


def line(*smalls: Small) -> cst.SimpleStatementLine:
    return cst.SimpleStatementLine(body=list(smalls))


def as_statements(items: Iterable[Small | Statement]) -> list[Statement]:
    """Wrap small statements in lines, grouping consecutive ones onto one line only if asked."""
    out: list[Statement] = []
    for item in items:
        out.append(line(item) if isinstance(item, cst.BaseSmallStatement) else item)
    return out


def block(stmts: Sequence[Small | Statement]) -> cst.IndentedBlock:
    body = as_statements(stmts)
    return cst.IndentedBlock(body=body or [line(cst.Pass())])


def if_(test: cst.BaseExpression, body: Sequence[Small | Statement], orelse: Sequence[Small | Statement] | None = None) -> cst.If:
    return cst.If(
        test=standalone(test),
        body=block(body),
        orelse=cst.Else(body=block(orelse)) if orelse is not None else None,
    )


def not_(expr: cst.BaseExpression) -> cst.UnaryOperation:
    return cst.UnaryOperation(operator=cst.Not(), expression=parenthesize(expr))


def parenthesize(expr: cst.BaseExpression) -> cst.BaseExpression:
    if isinstance(expr, (cst.Name, cst.Integer, cst.SimpleString, cst.Call, cst.Attribute, cst.Subscript)) or expr.lpar:
        return expr
    return expr.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])


def parenthesize_always(expr: cst.BaseExpression) -> cst.BaseExpression:
    return expr.with_changes(lpar=[cst.LeftParen(), *expr.lpar], rpar=[*expr.rpar, cst.RightParen()])


def is_(left: cst.BaseExpression, right: cst.BaseExpression) -> cst.Comparison:
    return cst.Comparison(left=left, comparisons=[cst.ComparisonTarget(operator=cst.Is(), comparator=right)])


def attr(value: cst.BaseExpression, attribute: str) -> cst.Attribute:
    return cst.Attribute(value=value, attr=cst.Name(attribute))


def subscript(value: cst.BaseExpression, key: cst.BaseExpression) -> cst.Subscript:
    return cst.Subscript(value=value, slice=[cst.SubscriptElement(slice=cst.Index(value=key))])


def keyword_arg(name: str, value: cst.BaseExpression) -> cst.Arg:
    """``name=value``, as generated code writes keyword arguments."""
    no_space = cst.SimpleWhitespace("")
    return cst.Arg(value, keyword=cst.Name(name), equal=cst.AssignEqual(whitespace_before=no_space, whitespace_after=no_space))


def string(value: str, avoid: Collection[str] = ()) -> cst.SimpleString:
    """A literal of ``value`` (an identifier, a message: no quote or backslash in it) in a
    quote character not in ``avoid`` (those of the f-strings around it)."""
    if not avoid:
        return cst.SimpleString(repr(value))
    quote = '"' if "'" in avoid else "'"
    assert quote not in avoid and quote not in value and "\\" not in value, (value, avoid)
    return cst.SimpleString(f"{quote}{value}{quote}")


def integer(value: int) -> cst.BaseExpression:
    """A literal of ``value``; a negative one is ``-`` applied to it."""
    if value < 0:
        return cst.UnaryOperation(operator=cst.Minus(), expression=cst.Integer(str(-value)))
    return cst.Integer(str(value))


def tuple_(items: Sequence[cst.BaseExpression]) -> cst.Tuple:
    return cst.Tuple([cst.Element(element(i)) for i in items])


def element(expr: cst.BaseExpression) -> cst.BaseExpression:
    """``expr`` able to stand as an element of a display or as the value of a ``:=``: a
    tuple without brackets would merge into the display (``return x, y`` as the last
    element), a generator expression or a ``:=`` may stand bare only as a call's argument
    (``(t := x for x in y)`` is a generator whose elements assign ``t``)."""
    if type(expr) in _NOT_BARE_IN_A_DISPLAY and not expr.lpar:
        return parenthesize_always(expr)
    return expr


#: What a call's argument may be without brackets, and a statement's value may not.
_BARE_ONLY_AS_ARGUMENT = frozenset({cst.GeneratorExp, cst.NamedExpr})
_NOT_BARE_IN_A_DISPLAY = _BARE_ONLY_AS_ARGUMENT | {cst.Tuple}


def dict_(items: Sequence[tuple[str, cst.BaseExpression]]) -> cst.Dict:
    return cst.Dict([cst.DictElement(string(k), v) for k, v in items])


def while_true(body: Sequence[Small | Statement]) -> cst.While:
    return cst.While(test=cst.Name("True"), body=block(body))


NONE = cst.Name("None")
TRUE = cst.Name("True")
FALSE = cst.Name("False")
