"""Rewrite one parsed module: analyse, plan, then emit the plan, with the line map."""

from __future__ import annotations

import ast
import os
import types
from collections.abc import Callable, Sequence
from typing import TypeVar, cast

import libcst as cst

from ..analysis.callee import CalleeInfo, is_private_name, mangle
from ..analysis.module import ModuleFacts
from ..analysis.program import Program
from ..analysis.scopes import ScopeIndex
from ..options import Options
from ..plan.names import FreshNames, generated_like, mangled_like_generated
from ..plan.planner import Planner
from ..report import FileReport
from ..tree import children_cache, is_future_import
from . import build as b
from .lines import OriginMarks
from .session import Emission, FunctionRef, Namespace
from .statements import emit_module


def rewrite_module(
    module: cst.Module,
    *,
    path: str,
    source: str | None = None,
    syntax: ast.Module | None = None,
    options: Options,
    module_name: str | None = None,
    program: Program | None = None,
    encoding: str = "utf-8",
    code: types.CodeType | None = None,
) -> tuple[cst.Module, FileReport, OriginMarks | None]:
    """Inline what the plan inlines.

    Returns the new module, the report (read off the plan), and, when the module changed,
    the marks its positions are computed from once it is laid out
    (``OriginMarks.positions``, see RewriteResult).
    """
    with children_cache():
        index = ScopeIndex(module, source, syntax)
        program = program or Program(None, options.noinline)
        is_package = os.path.basename(path) == "__init__.py"
        facts = ModuleFacts(index, module_name, options.noinline, program=program, is_package=is_package, path=path, encoding=encoding, code=code)
        program.add(facts)
        names = FreshNames(generated_like(source if source is not None else module.code) | mangled_like_generated(module))
        plan = Planner(facts, options, names, path).plan()
        report = plan.report(path)
        if not plan.inlines_anything:
            return module, report, None
        emission = Emission(facts, options, names, OriginMarks(index))
        new_module = emit_module(emission, plan)
    new_module = _add_aliases(new_module, emission)
    if emission.runtime_alias is not None:
        new_module = _add_runtime_import(new_module, emission)
    return new_module, report, emission.marks


def _add_aliases(module: cst.Module, emission: Emission) -> cst.Module:
    """The objects guards compare against, each bound right after the statement that
    makes it exist: ``_ai_ref_f = f`` after ``async def f``; after ``class K``, a method's
    function (``function_of``), for a method using ``super()``, its ``__class__`` cell, and
    for a class whose methods' ``super().m()`` sites are tested on it, its order; after
    the import that brings another module in, its namespace and its functions."""
    rt = emission.runtime_alias
    after_definition: dict[str, list[cst.BaseStatement]] = {}
    after_import: dict[int, list[cst.BaseStatement]] = {}
    for ns in emission.namespaces.values():
        assert rt is not None
        read = cst.Call(b.attr(b.name(rt), "module_globals"), [cst.Arg(b.string(ns.module))])
        after_import.setdefault(id(ns.via), []).append(b.line(b.assign(ns.alias, read)))
    for ref in emission.refs.values():
        if ref.namespace is not None:
            stmts = after_import.setdefault(id(ref.namespace.via), [])
        else:
            stmts = after_definition.setdefault(ref.callee.owner.qualname if ref.callee.owner else ref.callee.name, [])
        key = ref.callee.key
        stmts += _ref_statements(ref, rt, emission.class_cells.get(key), emission.defaults.get(key), key in emission.class_tested)
    for cls, order in emission.super_orders.items():
        assert rt is not None
        found = cst.Call(b.attr(b.name(rt), "super_order"), [cst.Arg(b.name(cls))])
        after_definition.setdefault(cls, []).append(b.line(b.assign(order, found)))
    body = _insert_after(module.body, after_definition, after_import, emission.marks.copied)
    assert not after_import, "an import statement that brought a callee's module in is not at the top level"
    assert not after_definition, "a definition inlined from is not at the module's top level"
    return module.with_changes(body=body)


def _insert_after(
    stmts: Sequence[cst.BaseStatement],
    after_definition: dict[str, list[cst.BaseStatement]],
    after_import: dict[int, list[cst.BaseStatement]],
    copied: Callable[[cst.CSTNode, cst.CSTNode], None],
) -> list[cst.BaseStatement]:
    """``stmts`` with the aliases after their statements, also in the blocks of top-level
    ``if``, ``try`` and ``with`` statements (conditionally defined functions)."""
    out: list[cst.BaseStatement] = []
    for stmt in stmts:
        if isinstance(stmt, (cst.If, cst.Try, cst.With)) and after_definition:
            stmt = _in_blocks(stmt, lambda block: _insert_after(block, after_definition, after_import, copied), copied)
        out.append(stmt)
        if isinstance(stmt, (cst.FunctionDef, cst.ClassDef)):
            out += after_definition.pop(stmt.name.value, [])
        out += after_import.pop(id(stmt), [])
    return out


def _in_blocks(
    stmt: cst.If | cst.Try | cst.With,
    change: Callable[[Sequence[cst.BaseStatement]], list[cst.BaseStatement]],
    copied: Callable[[cst.CSTNode, cst.CSTNode], None],
) -> cst.BaseCompoundStatement:
    """``stmt`` with ``change`` applied to the statements of each of its indented blocks.

    The rebuilt statement and clauses are the original code (``copied``): unrecorded, the
    statement took the position of a generated one (the line of the ``def`` before it),
    losing its line event and misplacing errors of its header (``except NotAnError:``)."""

    def rebuilt(node: _Node, **changes: object) -> _Node:
        new = node.with_changes(**changes)
        copied(new, node)
        return new

    def block(suite: cst.BaseSuite) -> cst.BaseSuite:
        return rebuilt(suite, body=change(suite.body)) if isinstance(suite, cst.IndentedBlock) else suite

    if isinstance(stmt, cst.If):
        orelse = stmt.orelse
        if isinstance(orelse, cst.If):
            orelse = cast(cst.If, _in_blocks(orelse, change, copied))
        elif orelse is not None:
            orelse = rebuilt(orelse, body=block(orelse.body))
        return rebuilt(stmt, body=block(stmt.body), orelse=orelse)
    if isinstance(stmt, cst.Try):
        return rebuilt(
            stmt,
            body=block(stmt.body),
            handlers=[rebuilt(h, body=block(h.body)) for h in stmt.handlers],
            orelse=rebuilt(stmt.orelse, body=block(stmt.orelse.body)) if stmt.orelse else None,
            finalbody=rebuilt(stmt.finalbody, body=block(stmt.finalbody.body)) if stmt.finalbody else None,
        )
    return rebuilt(stmt, body=block(stmt.body))


_Node = TypeVar("_Node", bound=cst.CSTNode)


def _ref_statements(
    ref: FunctionRef, runtime: str | None, cell: str | None, defaults: str | None, class_tested: bool = False
) -> list[cst.BaseStatement]:
    callee, namespace = ref.callee, ref.namespace
    rt = b.name(runtime) if runtime is not None else None
    if namespace is None and callee.owner is None:
        # Right after its ``def``. The defaults are bound first, so that a guard passing
        # finds them; an undecorated ``def`` just made them, a tuple of the source's length
        # (``runtime.defaults_of`` checks what a decorator returned).
        first: list[cst.BaseStatement] = []
        if defaults is not None:
            if callee.node.decorators:
                assert rt is not None
                found_defaults: cst.BaseExpression = _defaults_of(rt, b.name(callee.name), callee)
            else:
                found_defaults = b.attr(b.name(callee.name), "__defaults__")
            first.append(b.line(b.assign(defaults, found_defaults)))
        return [*first, b.line(b.assign(ref.alias, b.name(callee.name)))]
    assert rt is not None
    top = callee.owner.qualname if callee.owner is not None else callee.name
    home: cst.BaseExpression = b.name(top)
    # The body was inlined as a plain coroutine or as runtime-async: a decorator or patch
    # that gave the function the other kind (``async_method`` added, or removed) must make
    # the guards fail.
    kind = b.keyword_arg("runtime_async", b.TRUE if callee.is_runtime_async else b.FALSE)
    if namespace is not None:
        home = cst.Call(b.attr(b.name(namespace.alias), "get"), [cst.Arg(b.string(top))])
    if callee.owner is not None:
        # The class holds ``def __m`` under ``_C__m`` (its qualified name stays ``C.__m``).
        key = callee.name
        if is_private_name(key):
            key = mangle(callee.owner.class_name, key) or key
        args = [cst.Arg(home), cst.Arg(b.string(key)), cst.Arg(b.string(callee.qualname)), kind]
        if namespace is not None:  # the method's globals must be that module's
            args.append(b.keyword_arg("namespace", b.name(namespace.alias)))
        # The class must hold it as the kind of method it was inlined as: a class decorator
        # or ``__init_subclass__`` rewrapping it (``staticmethod(cls.m)``) changes what the
        # call passes, and the class test of ``class-methods`` cannot tell.
        args.append(b.keyword_arg("kind", b.string(callee.owner.kind.value)))
        if class_tested:  # a metaclass's method cannot be: only the run time tells all of them
            args.append(b.keyword_arg("class_test", b.TRUE))
        found = cst.Call(b.attr(rt, "function_of"), args + _file_keyword(namespace) + _asserts_keyword(namespace, callee))
    else:
        assert namespace is not None
        args = [cst.Arg(home), cst.Arg(b.string(namespace.module)), cst.Arg(b.string(callee.qualname)), kind]
        found = cst.Call(b.attr(rt, "function_at"), args + _file_keyword(namespace) + _asserts_keyword(namespace, callee))
    stmts: list[cst.BaseStatement] = [b.line(b.assign(ref.alias, found))]
    if defaults is not None:
        stmts.append(b.line(b.assign(defaults, _defaults_of(rt, b.name(ref.alias), callee))))
    if cell is not None:  # the cell itself: its contents are read where super() and __class__ are
        stmts.append(b.line(b.assign(cell, cst.Call(b.attr(rt, "method_cell"), [cst.Arg(b.name(ref.alias))]))))
    return stmts


def _defaults_of(rt: cst.Name, function: cst.BaseExpression, callee: CalleeInfo) -> cst.Call:
    args = [cst.Arg(function), cst.Arg(b.integer(callee.positional_defaults))]
    if callee.identical_defaults:  # pasted where the tuple is the one found: it must hold them
        args.append(cst.Arg(b.tuple_([b.tuple_([b.integer(i), literal]) for i, literal in callee.identical_defaults])))
    return cst.Call(b.attr(rt, "defaults_of"), args)


def _asserts_keyword(namespace: Namespace | None, callee: CalleeInfo) -> list[cst.Arg]:
    """``asserts=True``: the body of another module holds an ``assert``, which pytest's
    assertion rewriting, applied per module when it imports one, would treat as the
    caller's module is treated: the reference is found only where it reached neither
    module (review R13 c3, e-b, e-c, e-d)."""
    return [b.keyword_arg("asserts", b.TRUE)] if namespace is not None and callee.asserts else []


def _file_keyword(namespace: Namespace | None) -> list[cst.Arg]:
    """``file="..."``: the file another module's source was read from, when references
    name it (the import hook): a module imported from another file under the same name
    (shadowed on ``sys.path``, a changed ``__path__``, a copied project) holds other
    bodies, and the guards must fail."""
    if namespace is None or namespace.file is None:
        return []
    return [b.keyword_arg("file", cst.SimpleString(ascii(namespace.file)))]  # any encoding of the module


def _add_runtime_import(module: cst.Module, emission: Emission) -> cst.Module:
    """``import runtime as _ai_rt`` after the docstring and ``__future__`` imports."""
    body, at = _after_header(module.body, emission.marks.copied)
    alias = emission.runtime_alias
    assert alias is not None
    imported = cst.Import(names=[cst.ImportAlias(name=cst.Name("runtime"), asname=cst.AsName(name=cst.Name(alias)))])
    body.insert(at, b.line(imported))
    aliases = (
        (emission.method_type_alias, "METHOD_TYPE"),
        (emission.hooks_alias, "hooks"),
        (emission.state_alias, "state"),
        (emission.builtin_namespace_alias, "BUILTIN_NAMESPACE"),
        (emission.configure_await_alias, "CONFIGURE_AWAIT"),
    )
    for generated, attribute in aliases:
        if generated is not None:
            at += 1
            body.insert(at, b.line(b.assign(generated, b.attr(b.name(alias), attribute))))
    for name, generated in emission.builtin_aliases.items():
        at += 1
        # (``super``: the interpreter's, whatever ``builtins.super`` holds now: review R28b F3)
        value = b.attr(b.name(alias), "SUPER") if name == "super" else b.attr(b.attr(b.name(alias), "BUILTINS"), name)
        body.insert(at, b.line(b.assign(generated, value)))
    for generated in emission.super_orders.values():
        at += 1
        body.insert(at, b.line(b.assign(generated, b.tuple_([]))))
    # A reference exists before the statement that binds it: guards fail until then. It
    # may be bound in a block that does not run (a function defined under ``if``), and
    # code may run before the statement after its class or import: class decorators,
    # ``__init_subclass__`` and metaclasses run methods inside the class statement, and
    # a decorator may copy a method with a snapshot of the module's globals.
    for ref in emission.refs.values():
        if ref.namespace is not None or ref.callee.owner is not None or emission.defined_conditionally(ref.callee):
            for unbound in (ref.alias, emission.defaults.get(ref.callee.key)):
                if unbound is not None:
                    at += 1
                    body.insert(at, b.line(b.assign(unbound, b.attr(b.name(alias), "NOT_FOUND"))))
    return module.with_changes(body=body)


def _after_header(
    stmts: Sequence[cst.BaseStatement], copied: Callable[[cst.CSTNode, cst.CSTNode], None]
) -> tuple[list[cst.BaseStatement], int]:
    """The module's lines, and the index after its docstring and ``__future__`` imports,
    where code may be inserted. A line holding them and other statements
    (``'doc'; import sys``) is split after them: inserting before it would take the
    docstring's place (``__doc__`` None) or put code before a future import (a
    SyntaxError). Both halves are the original line's code (``copied``): same line."""
    body = list(stmts)
    at = 0
    while at < len(body):
        line = body[at]
        if not isinstance(line, cst.SimpleStatementLine):
            break
        header = 0
        while header < len(line.body) and (is_future_import(line.body[header]) or (at == header == 0 and _is_docstring(line.body[0]))):
            header += 1
        if header == 0:
            break
        if header < len(line.body):
            last = line.body[header - 1]
            kept = last.with_changes(semicolon=cst.MaybeSentinel.DEFAULT)
            first = line.with_changes(body=[*line.body[: header - 1], kept], trailing_whitespace=cst.TrailingWhitespace())
            rest = cst.SimpleStatementLine(body=line.body[header:], trailing_whitespace=line.trailing_whitespace)
            for new, old in ((kept, last), (first, line), (rest, line)):
                copied(new, old)
            body[at : at + 1] = [first, rest]
            return body, at + 1
        at += 1
    return body, at


def _is_docstring(small: cst.BaseSmallStatement) -> bool:
    return cst.Module([cst.SimpleStatementLine([small])]).get_docstring(clean=False) is not None
