"""Property: the inliner's idea of which names are local to a function is CPython's.

``ScopeIndex.bindings`` is checked against ``symtable`` (the compiler's own analysis) on
random functions mixing every binding form. From 3.12 symtable folds a comprehension's
own variables into the function (PEP 709); they are set aside there.
"""

from __future__ import annotations

import symtable
import sys

import libcst as cst
from hypothesis import given, settings
from hypothesis import strategies as st

from async_inline.analysis.scopes import ScopeIndex

NAMES = ["a", "b", "c", "d", "e"]
name = st.sampled_from(NAMES)

STATEMENTS = [
    lambda n, m: f"{n} = {m}",
    lambda n, m: f"{n} += 1",
    lambda n, m: f"{n}: int",
    lambda n, m: f"{n}: int = {m}",
    lambda n, m: f"for {n} in range(2):\n    pass",
    lambda n, m: f"for {n}, {m} in []:\n    pass",
    lambda n, m: f"with open('x') as {n}:\n    pass",
    lambda n, m: f"try:\n    pass\nexcept E as {n}:\n    pass",
    lambda n, m: f"import {n}",
    lambda n, m: f"import {n}.sub",
    lambda n, m: f"import os as {n}",
    lambda n, m: f"from os import {n}",
    lambda n, m: f"from os import path as {n}",
    lambda n, m: f"del {n}",
    lambda n, m: f"print({n})",
    lambda n, m: f"({n} := {m})",
    lambda n, m: f"[({n} := x) for x in {m}]",
    lambda n, m: f"[{n} for {n} in {m}]",
    lambda n, m: f"print(lambda {n}: {m})",
    lambda n, m: f"global {n}",
    lambda n, m: f"match {m}:\n    case [{n}, *rest]:\n        pass",
    lambda n, m: f"match {m}:\n    case {{'k': {n}, **kw}}:\n        pass",
    lambda n, m: f"def {n}():\n    nonlocal {m}",
    lambda n, m: f"class {n}:\n    {m} = 1",
]
if sys.version_info >= (3, 12):  # a type alias binds its name; a type parameter binds in its own scope
    STATEMENTS += [
        lambda n, m: f"type {n} = list[{m}]",
        lambda n, m: f"type {n}[{m}] = list[{m}]",
        lambda n, m: f"def {n}[{m}](x: {m}) -> {m}:\n    return x",
        lambda n, m: f"class {n}[{m}]:\n    def g(self) -> {m}:\n        return {m}",
    ]


@st.composite
def functions(draw) -> str:
    params = draw(st.lists(name, unique=True, max_size=2))
    body = []
    declared: set[str] = set()
    for _ in range(draw(st.integers(1, 6))):
        make = draw(st.sampled_from(STATEMENTS))
        n, m = draw(name), draw(name)
        stmt = make(n, m)
        if stmt.startswith("global"):
            if n in params or n in declared:
                continue
            # `global` must precede every use of the name: put it first.
            body.insert(0, stmt)
            declared.add(n)
            continue
        if "nonlocal" in stmt:
            # nonlocal needs a binding in this function: give it one.
            body.append(f"{m} = 0")
            if m in declared:
                continue
        body.append(stmt)
    text = "\n".join(body).replace("\n", "\n    ")
    return f"def f({', '.join(params)}):\n    {text}\n"


def _symtable_locals(source: str) -> set[str]:
    table = symtable.symtable(source, "<f>", "exec").get_children()[0]
    comprehension_vars: set[str] = set()
    if sys.version_info >= (3, 12):
        tree = cst.parse_module(source)
        for node in _walk(tree):
            if isinstance(node, cst.CompFor):
                comprehension_vars |= {n.value for n in _walk(node.target) if isinstance(n, cst.Name)}
    locals_ = {s.get_name() for s in table.get_symbols() if s.is_local() and not s.get_name().startswith(".")}
    return locals_ - comprehension_vars


def _walk(node):
    yield node
    for child in node.children:
        yield from _walk(child)


def _our_locals(source: str) -> set[str]:
    index = ScopeIndex(cst.parse_module(source))
    fdef = index.module.body[0]
    return set(index.bindings(index.function_scope(fdef)))


@settings(max_examples=300, deadline=None)
@given(functions())
def test_function_locals_match_symtable(source: str) -> None:
    try:
        compile(source, "<f>", "exec")
    except SyntaxError:
        return  # a combination Python rejects (e.g. global after use): nothing to compare
    expected = _symtable_locals(source)
    ours = _our_locals(source)
    if sys.version_info >= (3, 12):
        ours -= {n.value for n in _walk(cst.parse_module(source)) if isinstance(n, cst.CompFor) for n in _walk(n.target) if isinstance(n, cst.Name)} - expected
    assert ours == expected, source


def test_known_tricky_forms() -> None:
    source = "def f(p):\n    [(w := x) for x in p]\n    match p:\n        case [c, *r]:\n            pass\n    del q\n    z: int\n    import a.b\n"
    assert _our_locals(source) == {"p", "w", "c", "r", "q", "z", "a"} == _symtable_locals(source)
