"""What the inliner needs to know about a candidate callee, and whether it may be inlined at all.

Everything here depends on the callee alone; what depends on the call site is in ``site``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import Enum

import libcst as cst
from libcst.metadata import BuiltinScope, ClassScope, ComprehensionScope, FunctionScope, GlobalScope, Scope

from ..tree import import_top_name, starts_with_docstring, statements_of, walk
from .definite_assignment import UnsupportedStatement, maybe_unassigned_locals
from .evaluation import blocks_around
from .refusals import Refusal, RefusalCode
from .scopes import Role, ScopeIndex

#: Calls whose result depends on which frame they run in.
FRAME_INTROSPECTION = frozenset(
    {
        "builtins.locals",
        "builtins.eval",
        "builtins.exec",
        "builtins.breakpoint",
        "sys._getframe",
        "sys._current_frames",
        "sys.exc_info_frames",
        "inspect.currentframe",
        "inspect.stack",
        "inspect.getouterframes",
        "inspect.trace",
        "traceback.extract_stack",
        "traceback.format_stack",
        "traceback.print_stack",
        "traceback.walk_stack",
    }
)
#: Without arguments these read the current frame's locals.
LOCALS_WITHOUT_ARGS = frozenset({"builtins.vars", "builtins.dir"})

_INTROSPECTION_TAILS = frozenset(n.rpartition(".")[2] for n in FRAME_INTROSPECTION | LOCALS_WITHOUT_ARGS)

MARKER_INLINE = "runtime.inline"
MARKER_NOINLINE = "runtime.noinline"
MARKER_ASYNC_METHOD = "runtime.async_method"


def is_private_name(name: str) -> bool:
    """A name a class body would mangle: ``__x`` but not ``__x__``."""
    return name.startswith("__") and not name.endswith("__")


class ParamKind(Enum):
    POSONLY = "posonly"
    POS = "pos"
    VARARGS = "varargs"
    KWONLY = "kwonly"
    VARKW = "varkw"


@dataclass(frozen=True)
class Parameter:
    name: str
    kind: ParamKind
    #: Index into ``__defaults__`` (positional) or key of ``__kwdefaults__`` (keyword-only).
    default: int | str | None = None


@dataclass(frozen=True)
class CalleeInfo:
    #: Key of the callee in its module (the function's name).
    name: str
    node: cst.FunctionDef
    scope: Scope
    #: Statements, docstring excluded.
    body: tuple[cst.BaseStatement, ...] = ()
    #: Size measure for the limits: small statements plus compound statements.
    size: int = 0
    params: tuple[Parameter, ...] = ()
    #: Callee locals, parameters first, then by first binding (CPython's co_varnames order).
    locals: tuple[str, ...] = ()
    #: Every Name node of the parameters and body that is a use of a callee local.
    local_uses: dict[cst.Name, str] = field(default_factory=dict)
    #: Names the body reads or binds in the module or builtin scope.
    free_names: frozenset[str] = frozenset()
    #: Global-declared names the body binds: the caller needs a `global` declaration.
    assigned_globals: frozenset[str] = frozenset()
    #: Non-local identifiers a class body would mangle (attribute names included).
    private_names: frozenset[str] = frozenset()
    #: Locals that some read may see unassigned: they must keep their names when inlined.
    maybe_unassigned: frozenset[str] = frozenset()
    #: Parameters the body binds again (assignment, del, augmented assignment ...).
    rebound_params: frozenset[str] = frozenset()
    #: Locals bound by `import a.b` (binds `a`): they cannot be renamed.
    dotted_import_locals: frozenset[str] = frozenset()
    #: Deepest nesting of compiler blocks inside the body (see evaluation.MAX_BLOCKS).
    max_blocks: int = 0
    #: EXPR when the body is just ``return EXPR`` over the parameters: such a callee can
    #: be inlined as an expression, in place (see the planner's expression form).
    return_expr: cst.BaseExpression | None = None
    inline_marker: bool = False
    is_runtime_async: bool = False
    #: The body holds an await, ``async for`` or ``async with``: it may suspend. A
    #: runtime-async callee that cannot suspend gets only the I2 machinery (rule I6).
    may_suspend: bool = True
    #: The body has an ``except``, a ``finally`` or a ``with``: code that may raise while
    #: an exception of the callee's own is being handled (see ``site``, gh-108668).
    handles_exceptions: bool = False
    refusal: Refusal | None = None


def statement_count(stmts: Sequence[cst.CSTNode]) -> int:
    """Size measure for the inlining limit: small statements plus compound statements."""
    return sum(
        isinstance(inner, (cst.BaseSmallStatement, cst.BaseCompoundStatement)) for node in stmts for inner in walk(node)
    )


def body_statements(fdef: cst.FunctionDef) -> list[cst.BaseStatement]:
    """The statements a call executes: the docstring is not executed."""
    stmts = statements_of(fdef.body)
    return stmts[1:] if starts_with_docstring(stmts) else stmts


def parameters(fdef: cst.FunctionDef) -> tuple[Parameter, ...]:
    p = fdef.params
    out: list[Parameter] = []
    positional = [(ParamKind.POSONLY, x) for x in p.posonly_params] + [(ParamKind.POS, x) for x in p.params]
    n_defaults = sum(1 for _, x in positional if x.default is not None)
    first_default = len(positional) - n_defaults
    for i, (kind, x) in enumerate(positional):
        out.append(Parameter(x.name.value, kind, i - first_default if x.default is not None else None))
    if isinstance(p.star_arg, cst.Param):
        out.append(Parameter(p.star_arg.name.value, ParamKind.VARARGS))
    for x in p.kwonly_params:
        out.append(Parameter(x.name.value, ParamKind.KWONLY, x.name.value if x.default is not None else None))
    if p.star_kwarg is not None:
        out.append(Parameter(p.star_kwarg.name.value, ParamKind.VARKW))
    return tuple(out)


def calls_frame_introspection(index: ScopeIndex, root: cst.CSTNode) -> str | None:
    """The first call in ``root`` that looks at the running frame (``locals()`` ...), if any."""
    for node in walk(root):
        if isinstance(node, cst.Call):
            func = node.func
            tail = func.attr.value if isinstance(func, cst.Attribute) else func.value if isinstance(func, cst.Name) else None
            if tail not in _INTROSPECTION_TAILS:
                continue  # asking the scopes is costly: only for names that could match
            names = {q.name for q in index.qualified_names(func)}
            if names & FRAME_INTROSPECTION or (names & LOCALS_WITHOUT_ARGS and not node.args):
                return sorted(names)[0].removeprefix("builtins.") + "()"
    return None


@dataclass(frozen=True)
class _Markers:
    refusal: Refusal | None = None
    inline: bool = False
    runtime_async: bool = False


def _markers(index: ScopeIndex, fdef: cst.FunctionDef) -> _Markers:
    """What the decorators say: only the runtime's markers keep the function what it is."""
    inline = runtime_async = False
    for deco in fdef.decorators:
        names = {q.name for q in index.qualified_names(deco.decorator)}
        if MARKER_NOINLINE in names:
            return _Markers(Refusal(RefusalCode.NOINLINE, "marked @runtime.noinline"))
        if MARKER_INLINE in names:
            inline = True
        elif MARKER_ASYNC_METHOD in names:
            runtime_async = True
        else:
            shown = cst.Module([]).code_for_node(deco.decorator)
            return _Markers(Refusal(RefusalCode.DECORATOR, f"decorated with @{shown}, which may replace the function"))
    return _Markers(None, inline, runtime_async)


def _definition_refusal(index: ScopeIndex, fdef: cst.FunctionDef) -> Refusal | None:
    """Is ``fdef`` an ``async def`` whose name the module binds once, at its top level?"""
    if fdef.asynchronous is None:
        return Refusal(RefusalCode.NOT_ASYNC, "not an async def")
    if fdef.type_parameters is not None:
        return Refusal(RefusalCode.UNSUPPORTED, "has type parameters")
    name = fdef.name.value
    bindings = [n for n, role in index.roles.items() if n.value == name and role.binds and index.use_scope(n) is index.global_scope]
    if len(bindings) != 1 or index.parent(fdef) is not index.module:
        return Refusal(RefusalCode.REBOUND, f"'{name}' is bound more than once in the module, or not at its top level")
    return None


def _body_refusal(index: ScopeIndex, fdef: cst.FunctionDef) -> Refusal | None:
    """Constructs of the body that inlining cannot keep as they are."""
    for node in walk(fdef.body):
        if isinstance(node, cst.Yield):
            return Refusal(RefusalCode.GENERATOR, "async generator (contains yield)")
        if isinstance(node, (cst.FunctionDef, cst.ClassDef)):
            kind = "function" if isinstance(node, cst.FunctionDef) else "class"
            return Refusal(
                RefusalCode.NESTED_SCOPE, f"defines a nested {kind} ('{node.name.value}'), whose identity and name would change"
            )
        if isinstance(node, cst.Nonlocal):
            return Refusal(RefusalCode.NONLOCAL, "uses nonlocal")
        if isinstance(node, cst.Match):
            # Capture patterns work, but the statement is rare in coroutines and its binding
            # rules (partial binds on failure) are easy to get wrong: keep it a call.
            return Refusal(RefusalCode.UNSUPPORTED, "contains a match statement")
    introspection = calls_frame_introspection(index, fdef.body)
    if introspection:
        return Refusal(RefusalCode.FRAME_INTROSPECTION, f"calls {introspection}, which would see the caller's frame")
    return None


@dataclass
class _Names:
    """How the callee's body uses names (collected, then frozen into CalleeInfo)."""

    local_uses: dict[cst.Name, str] = field(default_factory=dict)
    order: dict[str, None] = field(default_factory=dict)
    rebound_params: set[str] = field(default_factory=set)
    free_names: set[str] = field(default_factory=set)
    assigned_globals: set[str] = field(default_factory=set)
    private_names: set[str] = field(default_factory=set)


def _classify_names(index: ScopeIndex, fdef: cst.FunctionDef, scope: Scope, params: Sequence[Parameter]) -> _Names | Refusal:
    """Sort every variable of the body: a local of the callee, or a global or builtin."""
    out = _Names(order={p.name: None for p in params})
    param_names = {p.name for p in params}
    for param in _all_params(fdef):
        out.local_uses[param.name] = param.name.value
    for name in index.variables_in(fdef.body):
        role = index.role(name)
        target = index.use_scope(name)
        if name.value == "__class__" or (name.value == "super" and _is_zero_arg_super(index, name)):
            return Refusal(RefusalCode.SUPER, "uses zero-argument super() or __class__, which would bind to the caller's class")
        if target is scope:
            if role is Role.DECL:
                continue
            out.local_uses[name] = name.value
            if role.binds:
                out.order.setdefault(name.value, None)
                if role is not Role.PARAM and name.value in param_names:
                    out.rebound_params.add(name.value)
            if _inside_deferred(index, name, scope):
                return Refusal(RefusalCode.CLOSURE, f"a lambda or generator expression captures the local '{name.value}'")
        elif isinstance(target, (GlobalScope, BuiltinScope)):
            out.free_names.add(name.value)
            if role.binds and role is not Role.DECL:
                out.assigned_globals.add(name.value)
            if is_private_name(name.value):
                out.private_names.add(name.value)
        elif target is not None and not _within(target, scope):
            return Refusal(RefusalCode.UNSUPPORTED, f"'{name.value}' resolves to an enclosing non-module scope")
    return out


def analyze_callee(index: ScopeIndex, fdef: cst.FunctionDef) -> CalleeInfo:
    """Describe a module-level ``async def``; ``refusal`` says why it can never be inlined."""
    body = tuple(body_statements(fdef))
    base = CalleeInfo(name=fdef.name.value, node=fdef, scope=index.function_scope(fdef), body=body, size=statement_count(body))
    markers = _markers(index, fdef)
    refusal = markers.refusal or _definition_refusal(index, fdef) or _body_refusal(index, fdef)
    if refusal is not None:
        return dataclasses.replace(base, refusal=refusal, is_runtime_async=markers.runtime_async)
    params = parameters(fdef)
    names = _classify_names(index, fdef, base.scope, params)
    if isinstance(names, Refusal):
        return dataclasses.replace(base, refusal=names, is_runtime_async=markers.runtime_async)
    locals_ = tuple(names.order)
    try:
        unassigned = maybe_unassigned_locals(body, frozenset(p.name for p in params), _is_local_of(names, locals_))
    except UnsupportedStatement as exc:
        return dataclasses.replace(base, refusal=Refusal(RefusalCode.UNSUPPORTED, f"contains a {exc} statement"))
    return dataclasses.replace(
        base,
        params=params,
        locals=locals_,
        local_uses=names.local_uses,
        free_names=frozenset(names.free_names),
        assigned_globals=frozenset(names.assigned_globals),
        private_names=frozenset(names.private_names | _private_attributes(fdef)),
        maybe_unassigned=frozenset(unassigned),
        rebound_params=frozenset(names.rebound_params),
        dotted_import_locals=_dotted_import_locals(fdef),
        max_blocks=max(
            (blocks_around(node, fdef.body, index.parent) for node in walk(fdef.body) if isinstance(node, cst.BaseStatement)),
            default=0,
        ),
        return_expr=_single_return(body, params, locals_, names.rebound_params),
        inline_marker=markers.inline,
        is_runtime_async=markers.runtime_async,
        may_suspend=any(
            isinstance(node, cst.Await) or (isinstance(node, (cst.For, cst.With)) and node.asynchronous is not None)
            for node in walk(fdef.body)
        ),
        handles_exceptions=any(isinstance(node, (cst.Try, cst.TryStar, cst.With)) for node in walk(fdef.body)),
    )


def _is_local_of(names: _Names, locals_: Sequence[str]) -> Callable[[cst.Name], bool]:
    local_names = set(locals_)

    def is_local(node: cst.Name) -> bool:
        return node.value in local_names and names.local_uses.get(node) == node.value

    return is_local


def _private_attributes(fdef: cst.FunctionDef) -> set[str]:
    return {node.attr.value for node in walk(fdef.body) if isinstance(node, cst.Attribute) and is_private_name(node.attr.value)}


def _dotted_import_locals(fdef: cst.FunctionDef) -> frozenset[str]:
    return frozenset(
        import_top_name(alias).value
        for node in walk(fdef.body)
        if isinstance(node, cst.Import)
        for alias in node.names
        if alias.asname is None and isinstance(alias.name, cst.Attribute)
    )


def _single_return(
    body: Sequence[cst.BaseStatement], params: Sequence[Parameter], locals_: Sequence[str], rebound: set[str]
) -> cst.BaseExpression | None:
    """EXPR when the body is exactly ``return EXPR`` over plain parameters (the expression form)."""
    only = body[0] if len(body) == 1 else None
    if not (isinstance(only, cst.SimpleStatementLine) and len(only.body) == 1 and isinstance(only.body[0], cst.Return)):
        return None
    value = only.body[0].value
    if (
        value is None
        or set(locals_) != {p.name for p in params}
        or any(p.kind in (ParamKind.VARARGS, ParamKind.VARKW) for p in params)
        or rebound
    ):
        return None
    return value


def _all_params(fdef: cst.FunctionDef) -> list[cst.Param]:
    p = fdef.params
    out = [*p.posonly_params, *p.params, *p.kwonly_params]
    if isinstance(p.star_arg, cst.Param):
        out.append(p.star_arg)
    if p.star_kwarg is not None:
        out.append(p.star_kwarg)
    return out


def _is_zero_arg_super(index: ScopeIndex, name: cst.Name) -> bool:
    call = index.parent(name)
    return isinstance(call, cst.Call) and call.func is name and not call.args


def _within(scope: Scope, outer: Scope) -> bool:
    current: Scope | None = scope
    while current is not None and not isinstance(current, GlobalScope):
        if current is outer:
            return True
        current = current.parent
    return False


def _is_deferred_scope(scope: Scope) -> bool:
    """Scopes whose code runs later than where they appear: lambdas and generator expressions."""
    if isinstance(scope, FunctionScope):
        return isinstance(scope.node, cst.Lambda)
    if isinstance(scope, ComprehensionScope):
        return isinstance(scope.node, cst.GeneratorExp)
    return False


def _inside_deferred(index: ScopeIndex, name: cst.Name, callee_scope: Scope) -> bool:
    """True when ``name`` sits in a lambda or generator expression nested in the callee."""
    current = index.scope_of(name)
    while current is not None and current is not callee_scope and not isinstance(current, (GlobalScope, ClassScope)):
        if _is_deferred_scope(current):
            return True
        current = current.parent
    return False
