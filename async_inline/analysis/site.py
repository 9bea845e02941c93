"""Decide, for one ``await f(...)``, whether it is inlined, and if not, why not."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import libcst as cst
from libcst.metadata import BuiltinScope, ClassScope, GlobalScope, Scope

from ..options import Options
from .binding import ParamSource, bind_arguments
from .callee import CalleeInfo, Refusal, calls_frame_introspection
from .evaluation import FRAME_BLOCKS, MAX_BLOCKS, statement_position_problem
from .scopes import ScopeIndex, children, walk

#: Names the generated code itself reads (the StopIteration conversion of PEP 479).
SCAFFOLDING_NAMES = frozenset({"RuntimeError", "StopIteration"})


@dataclass
class CallerInfo:
    """The physical function that inlined code ends up in."""

    node: cst.FunctionDef
    qualname: str
    scope: Scope
    #: Every identifier written anywhere in the caller (nested functions included):
    #: a callee local may keep its own name only if it is none of these.
    identifiers: frozenset[str]
    #: Code in a class body is subject to name mangling.
    in_class: bool
    #: The caller inspects its own frame (``locals()`` ...): inlined names would show.
    introspection: str | None
    #: Module-level name of the caller when it is itself a candidate callee (recursion).
    module_level_name: str | None = None
    #: An async generator converts a StopIteration with its own message (PEP 479).
    is_async_generator: bool = False
    #: Global declarations the inlined code needs in the caller.
    required_globals: set[str] = field(default_factory=set)
    #: Statements inlined into this caller so far (see Options.max_caller_growth).
    inlined_size: int = 0


def analyze_caller(index: ScopeIndex, fdef: cst.FunctionDef, qualname: str) -> CallerInfo:
    scope = index.function_scope(fdef)
    identifiers = frozenset(n.value for n in walk(fdef) if isinstance(n, cst.Name))
    in_class = False
    current: Scope | None = scope
    while current is not None and not isinstance(current, (GlobalScope, BuiltinScope)):
        if isinstance(current, ClassScope):
            in_class = True
        current = current.parent
    return CallerInfo(
        node=fdef,
        qualname=qualname,
        scope=scope,
        identifiers=identifiers,
        in_class=in_class,
        introspection=calls_frame_introspection(index, fdef.body),
        module_level_name=fdef.name.value if index.parent(fdef) is index.module else None,
        is_async_generator=_yields(fdef),
    )


def _yields(fdef: cst.FunctionDef) -> bool:
    """True when ``fdef`` itself (not a nested scope) contains a yield."""
    stack = list(children(fdef.body))
    while stack:
        node = stack.pop()
        if isinstance(node, cst.Yield):
            return True
        if not isinstance(node, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
            stack.extend(children(node))
    return False


@dataclass
class SiteDecision:
    await_node: cst.Await
    #: The call of the callee (inside ``configure_await(...)`` for an I7 site).
    call: cst.Call
    callee_name: str
    #: The flag of ``await configure_await(call, flag)`` (rule I7), else None.
    configure: cst.BaseExpression | None = None
    #: Compiler blocks around the site in the physical caller, inlined frames included.
    blocks: int = 0
    #: The physical caller is handling an exception at the site (an ``except`` or
    #: ``finally`` body around it, in its own code or in an inlined frame's).
    in_handler: bool = False
    callee: CalleeInfo | None = None
    binding: list[ParamSource] | None = None
    #: Emitted name of each callee local (equal to the original where it can be kept).
    local_names: dict[str, str] = field(default_factory=dict)
    refusal: Refusal | None = None

    @property
    def inlined(self) -> bool:
        return self.refusal is None


def _configure_await_parts(index: ScopeIndex, call: cst.Call) -> tuple[cst.Call, cst.BaseExpression] | None:
    """(inner call, flag) for ``runtime.configure_await(inner(...), flag)``, else None."""
    if len(call.args) != 2 or any(a.star for a in call.args):
        return None
    first, second = call.args
    if first.keyword is not None or not isinstance(first.value, cst.Call):
        return None
    if second.keyword is not None and second.keyword.value != "continue_on_captured_context":
        return None
    if "runtime.configure_await" not in {q.name for q in index.qualified_names(call.func)}:
        return None
    return first.value, second.value


def _callee_label(call: cst.Call) -> str:
    return cst.Module([]).code_for_node(call.func)


def decide_site(
    *,
    index: ScopeIndex,
    options: Options,
    callees: dict[str, CalleeInfo],
    reserved_free: frozenset[str],
    caller: CallerInfo,
    stmt: cst.CSTNode,
    await_node: cst.Await,
    depth: int,
    stack: tuple[str, ...],
    active_names: frozenset[str],
    fresh: Callable[[str], str],
    placement_line: int,
    blocks: int = 0,
    in_handler: bool = False,
    limits_apply: bool = True,
    check_position: bool = True,
) -> SiteDecision | None:
    """The decision for ``await_node`` (inside ``stmt``), at inline depth ``depth`` (1 = direct).

    ``placement_line`` is the line of the physical caller's statement the code lands in.
    ``check_position`` is False for a site inlined in place, as an expression.

    Returns None when the await is not a call (``await task``): not a call site at all.
    ``fresh`` makes a new hygienic name; it is only called for an inlined site.
    """
    call = await_node.expression
    if not isinstance(call, cst.Call):
        return None
    configure = None
    inner = _configure_await_parts(index, call)
    if inner is not None:
        call, configure = inner
    decision = SiteDecision(await_node, call, _callee_label(call), configure, blocks, in_handler)

    def refuse(code: str, reason: str) -> SiteDecision:
        decision.refusal = Refusal(code, reason)
        return decision

    func = call.func
    if not isinstance(func, cst.Name):
        return refuse("unresolved", "the callee is an attribute or expression, not a name resolvable statically")
    target = index.use_scope(func)
    callee = callees.get(func.value)
    if target is not index.global_scope or callee is None:
        where = "a local variable" if target is not None and not isinstance(target, (GlobalScope, BuiltinScope)) else "not an async def of this module"
        return refuse("unresolved", f"'{func.value}' is {where}")
    decision.callee = callee
    if callee.refusal is not None:
        return refuse(callee.refusal.code, callee.refusal.reason)
    if configure is not None and not callee.is_runtime_async:
        return refuse("configure-await", "configure_await around a plain coroutine: kept as a call")
    problem = statement_position_problem(stmt, await_node) if check_position else None
    if problem is not None:
        return refuse("position", problem)
    if in_handler and callee.may_suspend and callee.handles_exceptions:
        # CPython bug gh-108668: a coroutine resumed by throw() that raises while handling
        # an exception of its own gives the new exception the __context__ of the frame
        # awaiting it (the caller's handled exception) instead. Inlined, the chain would be
        # the correct one: an observable difference.
        return refuse(
            "throw-context",
            "awaited while the caller handles an exception, and the callee may be resumed by throw() "
            "and raise inside its own except/finally/with: as a separate coroutine, CPython gives that "
            "exception a different __context__ (gh-108668)",
        )
    if caller.introspection:
        return refuse("caller-introspection", f"the caller calls {caller.introspection}, which would see the inlined names")
    if depth > options.max_depth:
        return refuse("depth", f"inline depth {depth} exceeds the limit ({options.max_depth})")
    chain = stack + ((caller.module_level_name,) if caller.module_level_name else ())
    if chain.count(callee.name) > options.recursion_unroll:
        return refuse("recursion", f"recursive call unrolled {options.recursion_unroll} time(s) already")
    if limits_apply and callee.size > options.max_callee_size and not callee.inline_marker:
        return refuse("size", f"callee has {callee.size} statements, over the limit ({options.max_callee_size}); use @runtime.inline to force")
    if blocks + FRAME_BLOCKS + callee.max_blocks > MAX_BLOCKS:
        return refuse("nesting", f"the inlined code would nest more than {MAX_BLOCKS} blocks, CPython's limit")
    if caller.inlined_size + max(callee.size, 1) > options.max_caller_growth:
        return refuse("budget", f"the caller's inlining budget ({options.max_caller_growth} statements) is spent")
    binding = bind_arguments(call.args, callee.params)
    if isinstance(binding, Refusal):
        return refuse(binding.code, binding.reason)
    decision.binding = binding
    for free in sorted(callee.free_names | SCAFFOLDING_NAMES):
        if not isinstance(index.resolve(free, caller.scope), (GlobalScope, BuiltinScope)):
            return refuse("shadowed", f"'{free}' is a variable of the caller, so the inlined code would not see the global")
    for used in sorted(callee.free_names | SCAFFOLDING_NAMES | {callee.name}):
        declared = index.declaration_line(caller.scope, used)
        if declared is not None and declared >= placement_line:
            return refuse("position", f"the caller declares '{used}' global after this await, and the inlined code would use it first")
    if caller.in_class and callee.private_names:
        shown = ", ".join(sorted(callee.private_names))
        return refuse("private-name", f"the caller is in a class, which would mangle {shown}")
    taken = caller.identifiers | reserved_free | active_names
    for local in callee.locals:
        if local not in taken:
            decision.local_names[local] = local
            continue
        if local in callee.maybe_unassigned:
            return refuse("maybe-unassigned", f"local '{local}' may be read before assignment and must be renamed here, which would change the error message")
        if local in callee.dotted_import_locals:
            return refuse("dotted-import", f"local '{local}' is bound by a dotted import and must be renamed here")
        decision.local_names[local] = ""  # filled below, once the site is known to be inlined
    for local, emitted in decision.local_names.items():
        if not emitted:
            decision.local_names[local] = fresh(local)
    return decision
