"""What the inliner needs to know about a candidate callee, and whether it may be inlined at all.

Everything here depends on the callee alone; what depends on the call site is in ``site``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import libcst as cst
import libcst.matchers as m
from libcst.metadata import ClassScope, ComprehensionScope, FunctionScope, GlobalScope, Scope

from .definite_assignment import UnsupportedStatement, maybe_unassigned_locals
from .evaluation import blocks_around
from .scopes import Role, ScopeIndex, walk

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


@dataclass(frozen=True)
class ParamSpec:
    name: str
    #: "posonly", "pos", "varargs", "kwonly" or "varkw".
    kind: str
    #: Index into ``__defaults__`` (positional) or key of ``__kwdefaults__`` (keyword-only).
    default: int | str | None = None


@dataclass(frozen=True)
class Refusal:
    code: str
    reason: str


@dataclass
class CalleeInfo:
    name: str
    node: cst.FunctionDef
    scope: Scope
    params: list[ParamSpec] = field(default_factory=list)
    #: Callee locals, parameters first, then by first binding (CPython's co_varnames order).
    locals: list[str] = field(default_factory=list)
    #: Every Name node of the parameters and body that is a use of a callee local.
    local_uses: dict[cst.Name, str] = field(default_factory=dict)
    #: Names the body reads or binds in the module or builtin scope.
    free_names: set[str] = field(default_factory=set)
    #: Global-declared names the body binds: the caller needs a `global` declaration.
    assigned_globals: set[str] = field(default_factory=set)
    #: Non-local identifiers a class body would mangle (attribute names included).
    private_names: set[str] = field(default_factory=set)
    #: Locals that some read may see unassigned: they must keep their names when inlined.
    maybe_unassigned: set[str] = field(default_factory=set)
    #: Parameters the body binds again (assignment, del, augmented assignment ...).
    rebound_params: set[str] = field(default_factory=set)
    #: Locals bound by `import a.b` (binds `a`): they cannot be renamed.
    dotted_import_locals: set[str] = field(default_factory=set)
    #: Statements, docstring excluded.
    body: list[cst.BaseStatement] = field(default_factory=list)
    #: Deepest nesting of compiler blocks inside the body (see evaluation.MAX_BLOCKS).
    max_blocks: int = 0
    #: EXPR when the body is just ``return EXPR`` over the parameters: such a callee can
    #: be inlined as an expression, in place (see transform.expander, expression form).
    return_expr: cst.BaseExpression | None = None
    size: int = 0
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
    count = 0
    for node in stmts:
        for inner in walk(node):
            if isinstance(inner, (cst.BaseSmallStatement, cst.BaseCompoundStatement)):
                count += 1
    return count


def _body_statements(fdef: cst.FunctionDef) -> list[cst.BaseStatement]:
    body = fdef.body
    if isinstance(body, cst.SimpleStatementSuite):
        stmts: list[cst.BaseStatement] = [cst.SimpleStatementLine(body=body.body)]
    else:
        stmts = list(body.body)
    if stmts and m.matches(stmts[0], m.SimpleStatementLine(body=[m.Expr(value=m.SimpleString() | m.ConcatenatedString())])):
        stmts = stmts[1:]  # the docstring is not executed
    return stmts


def _params(fdef: cst.FunctionDef) -> list[ParamSpec]:
    p = fdef.params
    out: list[ParamSpec] = []
    positional = [("posonly", x) for x in p.posonly_params] + [("pos", x) for x in p.params]
    n_defaults = sum(1 for _, x in positional if x.default is not None)
    first_default = len(positional) - n_defaults
    for i, (kind, x) in enumerate(positional):
        out.append(ParamSpec(x.name.value, kind, i - first_default if x.default is not None else None))
    if isinstance(p.star_arg, cst.Param):
        out.append(ParamSpec(p.star_arg.name.value, "varargs"))
    for x in p.kwonly_params:
        out.append(ParamSpec(x.name.value, "kwonly", x.name.value if x.default is not None else None))
    if p.star_kwarg is not None:
        out.append(ParamSpec(p.star_kwarg.name.value, "varkw"))
    return out


def _decorator_names(index: ScopeIndex, fdef: cst.FunctionDef) -> list[tuple[cst.Decorator, set[str]]]:
    return [(d, {q.name for q in index.qualified_names(d.decorator)}) for d in fdef.decorators]


def _is_deferred_scope(scope: Scope) -> bool:
    """Scopes whose code runs later than where they appear: lambdas and generator expressions."""
    if isinstance(scope, FunctionScope):
        return isinstance(scope.node, cst.Lambda)
    if isinstance(scope, ComprehensionScope):
        return isinstance(scope.node, cst.GeneratorExp)
    return False


def calls_frame_introspection(index: ScopeIndex, root: cst.CSTNode) -> str | None:
    """The first call in ``root`` that looks at the running frame (``locals()`` ...), if any."""
    for node in walk(root):
        if isinstance(node, cst.Call):
            tail = node.func.attr.value if isinstance(node.func, cst.Attribute) else getattr(node.func, "value", None)
            if tail not in _INTROSPECTION_TAILS:
                continue  # asking the scopes is costly: only for names that could match
            names = {q.name for q in index.qualified_names(node.func)}
            if names & FRAME_INTROSPECTION or (names & LOCALS_WITHOUT_ARGS and not node.args):
                return sorted(names)[0].removeprefix("builtins.") + "()"
    return None


def analyze_callee(index: ScopeIndex, fdef: cst.FunctionDef) -> CalleeInfo:
    """Describe a module-level ``async def``; ``refusal`` says why it can never be inlined."""
    scope = index.function_scope(fdef)
    info = CalleeInfo(name=fdef.name.value, node=fdef, scope=scope)
    info.body = _body_statements(fdef)
    info.size = statement_count(info.body)

    def refuse(code: str, reason: str) -> CalleeInfo:
        info.refusal = Refusal(code, reason)
        return info

    for deco, names in _decorator_names(index, fdef):
        if MARKER_NOINLINE in names:
            return refuse("noinline", "marked @runtime.noinline")
        if MARKER_INLINE in names:
            info.inline_marker = True
        elif MARKER_ASYNC_METHOD in names:
            info.is_runtime_async = True
        else:
            shown = cst.Module([]).code_for_node(deco.decorator)
            return refuse("decorator", f"decorated with @{shown}, which may replace the function")
    if fdef.asynchronous is None:
        return refuse("not-async", "not an async def")
    if getattr(fdef, "type_parameters", None) is not None:
        return refuse("unsupported", "has type parameters")

    bindings = [
        n for n, role in index.roles.items()
        if n.value == info.name and role.binds and index.use_scope(n) is index.global_scope
    ]
    if len(bindings) != 1 or index.parent(fdef) is not index.module:
        return refuse("rebound", f"'{info.name}' is bound more than once in the module, or not at its top level")

    info.params = _params(fdef)
    body_root = fdef.body
    info.may_suspend = any(
        isinstance(node, cst.Await) or (isinstance(node, (cst.For, cst.With)) and node.asynchronous is not None)
        for node in walk(body_root)
    )
    info.handles_exceptions = any(isinstance(node, (cst.Try, cst.TryStar, cst.With)) for node in walk(body_root))
    for node in walk(body_root):
        if isinstance(node, (cst.Yield,)):
            return refuse("generator", "async generator (contains yield)")
        if isinstance(node, (cst.FunctionDef, cst.ClassDef)):
            kind = "function" if isinstance(node, cst.FunctionDef) else "class"
            return refuse("nested-scope", f"defines a nested {kind} ('{node.name.value}'), whose identity and name would change")
        if isinstance(node, cst.Nonlocal):
            return refuse("nonlocal", "uses nonlocal")
        if isinstance(node, (cst.Match,)):
            # Capture patterns work, but the statement is rare in coroutines and its binding
            # rules (partial binds on failure) are easy to get wrong: keep it a call.
            return refuse("unsupported", "contains a match statement")
    introspection = calls_frame_introspection(index, body_root)
    if introspection:
        return refuse("frame-introspection", f"calls {introspection}, which would see the caller's frame")

    order: dict[str, None] = {p.name: None for p in info.params}
    for param in _all_params(fdef):
        info.local_uses[param.name] = param.name.value
    for name in index.variables_in(body_root):
        role = index.role(name)
        target = index.use_scope(name)
        if name.value == "__class__" or (name.value == "super" and _is_zero_arg_super(index, name)):
            return refuse("super", "uses zero-argument super() or __class__, which would bind to the caller's class")
        if target is scope:
            if role is Role.DECL:
                continue
            info.local_uses[name] = name.value
            if role.binds:
                order.setdefault(name.value, None)
                if role is not Role.PARAM and any(p.name == name.value for p in info.params):
                    info.rebound_params.add(name.value)
            if _inside_deferred(index, name, scope):
                return refuse("closure", f"a lambda or generator expression captures the local '{name.value}'")
        elif isinstance(target, (GlobalScope, type(index.global_scope.parent))):
            info.free_names.add(name.value)
            if role.binds and role is not Role.DECL:
                info.assigned_globals.add(name.value)
            if is_private_name(name.value):
                info.private_names.add(name.value)
        elif target is not None and not _within(target, scope):
            return refuse("unsupported", f"'{name.value}' resolves to an enclosing non-module scope")
    for node in walk(body_root):
        if isinstance(node, cst.Attribute) and is_private_name(node.attr.value):
            info.private_names.add(node.attr.value)
        if isinstance(node, cst.Import):
            for alias in node.names:
                if alias.asname is None and isinstance(alias.name, cst.Attribute):
                    top = alias.name
                    while isinstance(top, cst.Attribute):
                        top = top.value
                    info.dotted_import_locals.add(top.value)  # type: ignore[union-attr]
    info.locals = list(order)

    local_names = set(info.locals)

    def is_local(node: cst.Name) -> bool:
        return node.value in local_names and info.local_uses.get(node) == node.value

    try:
        unassigned = maybe_unassigned_locals(info.body, frozenset(p.name for p in info.params), is_local)
    except UnsupportedStatement as exc:
        return refuse("unsupported", f"contains a {exc} statement")
    info.maybe_unassigned = set(unassigned)
    info.max_blocks = max(
        (blocks_around(node, fdef.body, index.parent) for node in walk(fdef.body) if isinstance(node, cst.BaseStatement)),
        default=0,
    )
    only = info.body[0] if len(info.body) == 1 else None
    if (
        m.matches(only, m.SimpleStatementLine(body=[m.Return(value=m.DoNotCare())]))
        and only.body[0].value is not None  # type: ignore[union-attr]
        and set(info.locals) == {p.name for p in info.params}
        and all(p.kind not in ("varargs", "varkw") for p in info.params)
        and not info.rebound_params
    ):
        info.return_expr = only.body[0].value  # type: ignore[union-attr]
    return info


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


def _inside_deferred(index: ScopeIndex, name: cst.Name, callee_scope: Scope) -> bool:
    """True when ``name`` sits in a lambda or generator expression nested in the callee."""
    current = index.scope_of(name)
    while current is not None and current is not callee_scope and not isinstance(current, (GlobalScope, ClassScope)):
        if _is_deferred_scope(current):
            return True
        current = current.parent
    return False
