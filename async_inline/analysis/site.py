"""The rules for one ``await f(...)``: can it be inlined where it stands, and if not, why not.

Pure functions of the original tree and of the site's context (``SiteContext``): the
planner asks, and records the answer; nothing here allocates names or emits code.
"""

from __future__ import annotations

import codecs
import importlib.util
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING

import libcst as cst
from libcst.metadata import BuiltinScope, GlobalScope

from .binding import ParamSource, bind_arguments
from .builtin_names import BUILTIN_NAMES
from .callee import (
    GENERATED_PREFIX,
    CalleeInfo,
    ParamKind,
    is_immutable_literal,
    is_private_name,
    mangling_prefix,
    other_spelling,
    spelled_twice,
)
from .caller import CallerInfo
from .classes import ClassInfo, MethodKind
from .evaluation import FRAME_BLOCKS, MAX_BLOCKS
from .guards import Guard, GuardPolicy, SuperSite, choose_guard
from .namespace_cost import namespace_cost_refusal
from .references import RefKind, reference
from .refusals import Refusal, RefusalCode
from .resolve import Lookup, Shape, Target
from .scopes import Role, ScopeIndex

if TYPE_CHECKING:
    from .module import ModuleFacts



@dataclass(frozen=True)
class SiteCall:
    """An await of a call: what is called, and with what."""

    await_node: cst.Await
    #: The call of the callee (inside ``configure_await(...)`` for an I7 site).
    call: cst.Call
    #: The callee as written (``f``, ``self.m``), for the report.
    label: str
    #: The flag of ``await configure_await(call, flag)`` (rule I7), else None.
    configure: cst.BaseExpression | None = None
    #: ``configure_await`` as the site spells it (I7), else None: the guard tests it too.
    configure_func: cst.BaseExpression | None = None


def site_call(index: ScopeIndex, await_node: cst.Await) -> SiteCall | None:
    """The call an await awaits; None for ``await task`` (not a call site at all)."""
    call = await_node.expression
    if not isinstance(call, cst.Call):
        return None
    configure = configure_func = None
    inner = _configure_await_parts(index, call)
    if inner is not None:
        configure_func = call.func
        call, configure = inner
    return SiteCall(await_node, call, cst.Module([]).code_for_node(call.func), configure, configure_func)


def _configure_await_parts(index: ScopeIndex, call: cst.Call) -> tuple[cst.Call, cst.BaseExpression] | None:
    """(inner call, flag) for ``runtime.configure_await(inner(...), flag)``, else None."""
    if len(call.args) != 2 or any(a.star for a in call.args):
        return None
    first, second = call.args
    if first.keyword is not None or not isinstance(first.value, cst.Call):
        return None
    if second.keyword is not None and second.keyword.value != "continue_on_captured_context":
        return None
    if index.qualified_names(call.func) != {"runtime.configure_await"}:  # every binding the name may have
        return None
    return first.value, second.value


@dataclass(frozen=True)
class Limits:
    """The limits the planner applies (stress mode lifts the size limit)."""

    max_depth: int
    recursion_unroll: int
    #: None: no size limit (stress mode).
    max_callee_size: int | None
    max_caller_growth: int
    guards: GuardPolicy = GuardPolicy()
    #: Callees of other modules may be inlined (``Options.cross_module``).
    cross_module: bool = True


@dataclass(frozen=True)
class SiteContext:
    """Where one await sits: everything the rules below depend on besides the site itself."""

    caller: CallerInfo
    #: Depth the callee would be inlined at (1: directly into the physical caller).
    depth: int
    #: Callees of the inlined frames around the site, outermost first.
    stack: tuple[str, ...]
    #: Emitted local names of the frames around the site, and names the comprehensions around
    #: it bind: a callee local must avoid them, a name the callee reads must not be one.
    active_names: frozenset[str]
    #: Line of the physical caller's statement the inlined code lands in.
    placement_line: int
    #: Compiler blocks around the site in the physical caller, inlined frames included.
    blocks: int
    #: The physical caller is handling an exception at the site.
    in_handler: bool
    #: ... in an ``except*`` clause.
    in_star_handler: bool
    #: Statements already inlined into the physical caller (its growth budget).
    growth: int


@dataclass(frozen=True)
class Inlinable:
    target: Target
    #: Where each parameter's value comes from (without the first one of a BOUND lookup).
    binding: tuple[ParamSource, ...]
    #: Callee locals whose names are taken at the site: they need fresh names.
    clashing: frozenset[str]
    guard: Guard = Guard.IDENTITY
    #: ``Guard.SUPER_CLASS``: the method that calls ``super()``.
    super_site: SuperSite | None = None


def check_site(facts: ModuleFacts, limits: Limits, ctx: SiteContext, site: SiteCall, target: Target) -> Inlinable | Refusal:
    """Every rule a resolved site of the module of ``facts`` must pass, in order; the first
    that fails is the reason."""
    callee, index, reserved_free = target.callee, facts.index, facts.reserved_free
    foreign = target.facts.index is not index
    refusal = _spelling_refusal(facts, target) or callee.refusal or _context_refusal(callee, ctx, site, target.facts) or _limit_refusal(callee, ctx, limits)
    if refusal is None and not limits.cross_module and foreign:
        refusal = Refusal(
            RefusalCode.OTHER_MODULE,
            "a function of another module, and cross-module inlining is off (the import hook turns it off while "
            "coverage.py measures: the callee's lines would not be counted)",
        )
    if refusal is None and foreign:
        refusal = _module_refusal(facts, target)
    if refusal is not None:
        return refusal
    unsure = foreign or (callee.owner is None and callee.name in target.facts.unsure_functions)
    super_from = _super_from(facts, ctx, target)
    guard = choose_guard(target, limits.guards, unsure, super_from)
    if isinstance(guard, Refusal):
        return guard
    params = callee.params[1:] if target.implicit_first else callee.params
    if target.implicit_first:
        first = callee.params[0] if callee.params else None
        if first is None or first.kind not in (ParamKind.POSONLY, ParamKind.POS):
            # ``*args`` takes the instance in a tuple; ``**kw`` or keyword-only ones leave it unbound.
            return Refusal(RefusalCode.BINDING, "the method takes no positional parameter for the instance")
        if first.kind is ParamKind.POS and any(arg.keyword is not None and arg.keyword.value == first.name for arg in site.call.args):
            return Refusal(RefusalCode.BINDING, f"'{first.name}' is given by keyword too (TypeError at run time)")
    binding = bind_arguments(site.call.args, params)
    if isinstance(binding, Refusal):
        return binding
    refusal = _names_refusal(index, target, ctx, reserved_free, foreign)
    if refusal is not None:
        return refusal
    taken = ctx.caller.identifiers | reserved_free | ctx.active_names
    # In a method, ``__x`` and ``_C__x`` are one variable: two names that differ may clash.
    clashing = frozenset(
        local for local in callee.locals if local in taken or _always_renamed(local) or other_spelling(local, ctx.caller.mangled_by) in taken
    )
    for local in callee.locals:
        if local not in clashing:
            continue
        if local in callee.maybe_unassigned:
            return Refusal(
                RefusalCode.MAYBE_UNASSIGNED,
                f"local '{local}' may be read before assignment and must be renamed here, which would change the error message",
            )
        if local in callee.dotted_import_locals:
            return Refusal(RefusalCode.DOTTED_IMPORT, f"local '{local}' is bound by a dotted import and must be renamed here")
    if foreign and not limits.guards.costly and not callee.is_runtime_async:
        refusal = namespace_cost_refusal(target, guard)
        if refusal is not None:
            return refusal
    return Inlinable(target, binding, clashing, guard, super_from if guard is Guard.SUPER_CLASS and isinstance(super_from, SuperSite) else None)


def _super_from(facts: ModuleFacts, ctx: SiteContext, target: Target) -> SuperSite | str | None:
    """For a ``super().m()`` site, the method whose own code holds it, where the test of
    ``Guard.SUPER_CLASS`` can read what ``super()`` reads, or why not: the name of its
    first parameter, which nothing but the call binds (``super()`` reads the variable, and
    a test reading another would not see it rebound), and the ``__class__`` cell, which
    the method does not name itself (a local ``__class__`` is not the cell). Its class is
    a module-level class of one base (``_starts_at_its_base``)."""
    caller = ctx.caller
    if target.shape is not Shape.SUPER:
        return None
    first, owner = caller.first_param, caller.owner
    if ctx.depth != 1 or owner is None or caller.method_kind is not MethodKind.INSTANCE or first is None:
        return "--assume class-methods tests super().m(...) only in the code of the method that calls it"
    if "__class__" in caller.identifiers or len(facts.local_bindings(caller.scope, caller.node).get(first, [])) != 1:
        return f"--assume class-methods tests super().m(...) only where the method binds '{first}' by its call alone and names no __class__"
    if not owner.stable or "." in owner.qualname or not _starts_at_its_base(owner):
        return (
            "--assume class-methods tests super().m(...) only in a module-level class of one base whose metaclass "
            f"computes no order of its own: not '{owner.qualname}'"
        )
    return SuperSite(first, owner)


def _starts_at_its_base(cls: ClassInfo) -> bool:
    """The class statement names one base ``B``, no type parameters (which add
    ``Generic``) and a metaclass that computes no order of its own: C3 then makes
    ``B.__mro__`` the rest of its order (checked again at run time:
    ``runtime.super_order``)."""
    args = cls.node.bases
    return (
        len(args) == 1
        and args[0].keyword is None
        and not args[0].star
        and cls.plain_metaclass
        and getattr(cls.node, "type_parameters", None) is None
    )


def _spelling_refusal(facts: ModuleFacts, target: Target) -> Refusal | None:
    """Names are compared as written, Python compares them in NFKC form, and mangled in
    class code: a module with an identifier whose forms differ
    (``ModuleFacts.unnormalized_identifier``), or writing a private name of a class's code
    and its mangled spelling (``ModuleFacts.private_spelled_twice``), is neither inlined
    into nor inlined from."""
    for whose, module in (("the caller's module", facts), ("the callee's module", target.facts)):
        spelled = module.unnormalized_identifier
        if spelled is not None:
            read = unicodedata.normalize("NFKC", spelled)
            return Refusal(
                RefusalCode.UNSUPPORTED,
                f"{whose} spells the identifier {spelled!r}, which Python reads as {read!r} (NFKC): the inliner compares names as written",
            )
        twice = module.private_spelled_twice
        if twice is not None:
            return Refusal(
                RefusalCode.PRIVATE_NAME,
                f"{whose} writes both {twice[0]!r} in a class and {twice[1]!r}, or a global {twice[0]!r}: one name for the class's code, "
                "two for the inliner, which compares names as written",
            )
    return None


def _context_refusal(callee: CalleeInfo, ctx: SiteContext, site: SiteCall, home: ModuleFacts) -> Refusal | None:
    """Rules of the site's context; ``home``: the facts of the callee's module."""
    if site.configure is not None and not callee.is_runtime_async:
        return Refusal(RefusalCode.CONFIGURE_AWAIT, "configure_await around a plain coroutine: kept as a call")
    if site.configure is not None and not is_immutable_literal(site.configure):
        # The original evaluates the flag after the call, then tests its truth once, before
        # the body runs (either may run code or raise, leaving the coroutine never awaited);
        # inlined, the flag's value is tested at the frame's exits. A literal's test is
        # neither code nor an error, whenever and however often it is made.
        return Refusal(
            RefusalCode.CONFIGURE_AWAIT,
            "configure_await's flag is not a literal: its evaluation and truth test would move from before the callee's body to its exits",
        )
    if ctx.in_star_handler and callee.bare_raise:
        # ``except*`` tells a re-raise of the group it split from a new exception by the
        # traceback: a bare ``raise`` adds no entry in the frame it runs in, and an entry
        # where it leaves the callee's frame. Inlined into the clause, it would re-raise.
        return Refusal(
            RefusalCode.UNSUPPORTED,
            "awaited in an except* clause, and the callee has a bare `raise`: inlined into the clause it would be "
            "a re-raise of the split group, not a new exception",
        )
    if ctx.in_handler and callee.may_suspend and (callee.handles_exceptions or callee.is_runtime_async or callee.awaits_beyond_sleeps):
        # CPython bug gh-108668: a coroutine resumed by throw() that raises while handling
        # an exception of its own gives the new exception the __context__ of the frame
        # awaiting it (the caller's handled exception) instead. Inlined, the chain would be
        # the correct one: an observable difference. A runtime-async callee's real call
        # always runs a handler: its wrapper's ``finally``, which awaits the exit protocol
        # (switching back to the caller's synchronization context may raise there). A
        # callee resumed after a coroutine it awaits caught what throw() delivered runs
        # without the caller's exception in its state (``sys.exc_info()``, a bare
        # ``raise``), and an exception leaving it gets that one as __context__ (R20b 1).
        return Refusal(
            RefusalCode.THROW_CONTEXT,
            "awaited while the caller handles an exception, and the callee may be resumed by throw() "
            "and raise inside its own except/finally/with (a runtime-async callee's wrapper has a finally), "
            "or after a coroutine it awaits caught what throw() delivered: as a separate coroutine, CPython "
            "runs it without the caller's exception and gives what it raises a different __context__ (gh-108668)",
        )
    hazard = next((h for h in callee.close_hazards if not h.names or not all(_is_made_class(home, n) for n in h.names)), None)
    if hazard is not None:
        # close() of the caller closes a separate callee coroutine first, then raises
        # GeneratorExit at the caller's await whatever the callee did with it (CPython's
        # gen_close), or the RuntimeError of the callee's failed close if it suspended
        # again; inlined, a callee that swallows it lets the caller go on, one that
        # suspends leaves the caller suspended and its close() failing.
        return Refusal(
            RefusalCode.GENERATOR_EXIT,
            f"close() raises GeneratorExit where the callee suspends, and {hazard.what}: as a separate coroutine "
            "it hands its caller a GeneratorExit of close()'s (or the RuntimeError of its own failed close) at the await whatever it does, "
            "inlined the caller would go on, stay suspended or get the callee's exception",
        )
    if ctx.caller.is_async_generator and callee.may_suspend and (callee.cleanup_at_suspension or callee.is_runtime_async):
        # An async generator abandoned while suspended here may be cleared without running
        # its frame's cleanup (closing.cleanup_at_suspension); a separate callee coroutine
        # is closed when collected, which runs its own (a runtime-async wrapper's exit too).
        what = callee.cleanup_at_suspension or "its runtime-async exit"
        return Refusal(
            RefusalCode.GENERATOR_EXIT,
            f"the caller is an async generator and the callee suspends inside {what}: a generator abandoned there "
            "may be cleared without running its cleanup, while a separate coroutine would still run the callee's",
        )
    if ctx.caller.introspection:
        return Refusal(RefusalCode.CALLER_INTROSPECTION, f"the caller calls {ctx.caller.introspection}, which would see the inlined names")
    return None


def _is_made_class(home: ModuleFacts, name: cst.Name | cst.Attribute) -> bool:
    """``name``, read in module ``home``, is a class that a class statement of the program
    made: a module-level one whose name its module binds once, with no decorator and a
    ``metaclass=`` of ``type`` or ``abc.ABCMeta`` if any, so a new class, never a
    superclass of GeneratorExit (a base's metaclass whose ``__new__`` returns an old class
    is not looked for). A star import in either module may bind the name otherwise."""
    found = reference(home, name)
    if found is None or found.kind is not RefKind.CLASS or found.cls is None:
        return False
    cls = found.cls
    return not cls.node.decorators and cls.plain_metaclass and not (home.index.has_star_import or found.facts.index.has_star_import)


def _limit_refusal(callee: CalleeInfo, ctx: SiteContext, limits: Limits) -> Refusal | None:
    if ctx.depth > limits.max_depth:
        return Refusal(RefusalCode.DEPTH, f"inline depth {ctx.depth} exceeds the limit ({limits.max_depth})")
    chain = ctx.stack + ((ctx.caller.key,) if ctx.caller.key else ())
    if chain.count(callee.key) > limits.recursion_unroll:
        return Refusal(RefusalCode.RECURSION, f"recursive call unrolled {limits.recursion_unroll} time(s) already")
    size_limit = limits.max_callee_size
    if size_limit is not None and callee.size > size_limit and not callee.inline_marker:
        return Refusal(
            RefusalCode.SIZE, f"callee has {callee.size} statement{'' if callee.size == 1 else 's'}, over the limit ({size_limit}); use @runtime.inline to force"
        )
    if ctx.blocks + FRAME_BLOCKS + callee.max_blocks > MAX_BLOCKS:
        return Refusal(RefusalCode.NESTING, f"the inlined code would nest more than {MAX_BLOCKS} blocks, CPython's limit")
    return budget_refusal(callee, ctx.growth, limits)


def budget_refusal(callee: CalleeInfo, growth: int, limits: Limits) -> Refusal | None:
    """The caller's growth budget, with ``growth`` statements inlined into it already.
    Asked again when a site of a statement is planned, after the statement's other sites
    (and what they inline) took their share (review R13 d2)."""
    if growth + max(callee.size, 1) > limits.max_caller_growth:
        return Refusal(RefusalCode.BUDGET, f"the caller's inlining budget ({limits.max_caller_growth} statements) is spent")
    return None


def _always_renamed(local: str) -> bool:
    """Callee locals renamed whatever the site: the names generated code makes, and builtins'
    names. Each inlined frame's locals become locals of the whole physical caller, and code
    inlined beside them may read that builtin as a plain name (a callee of this module, whose
    builtins the caller need not read itself): kept as ``abs``, a callee's ``abs = 9`` would
    shadow its sibling's ``abs(x)``. And ``__class__``: a method caller's zero-argument
    ``super()`` reads its implicit cell of that name, which a local of the caller would
    replace (review R13 f5)."""
    return local.startswith(GENERATED_PREFIX) or local in BUILTIN_NAMES or local == "__class__"


def _subscript_may_stand_for(index: ScopeIndex, name: cst.Name) -> bool:
    """Whether a store to ``name`` is an assignment target (``=``, annotated, ``for``, a
    ``with``'s ``as``, inside tuples, lists and starred ones), where code of another module
    writes ``ns["name"]`` instead; an import's name, ``except ... as`` and ``:=`` take only
    a plain name."""
    node: cst.CSTNode = name
    parent = index.parent(node)
    while isinstance(parent, (cst.Tuple, cst.List, cst.StarredElement, cst.Element)):
        node, parent = parent, index.parent(parent)
    if isinstance(parent, (cst.AssignTarget, cst.AnnAssign, cst.For, cst.CompFor)):
        return parent.target is node
    return isinstance(parent, cst.AsName) and isinstance(index.parent(parent), cst.WithItem)


def _module_refusal(facts: ModuleFacts, target: Target) -> Refusal | None:
    """What code of another module does differently in the caller's module, besides reading
    its globals (which it does in its own namespace)."""
    callee = target.callee
    if callee.module_introspection is not None:
        return Refusal(RefusalCode.FRAME_INTROSPECTION, f"calls {callee.module_introspection}, which would see the caller's module")
    if callee.annotation_syntax is not None and facts.postponed_annotations:
        # A local's annotation is never evaluated, but the caller's module compiles
        # annotations under PEP 563, where such an expression is a SyntaxError.
        return Refusal(
            RefusalCode.UNSUPPORTED,
            f"an annotation of its body holds {callee.annotation_syntax!r}, which the caller's module "
            "(from __future__ import annotations) does not allow in annotations",
        )
    if "__builtins__" in target.facts.module_globals:
        return Refusal(
            RefusalCode.UNSUPPORTED, "its module binds __builtins__, where its code reads builtins: the inlined code would read the caller's"
        )
    if not _can_hold(facts.encoding, target):
        return Refusal(
            RefusalCode.UNSUPPORTED, f"its text has characters that the caller's file, encoded in {facts.encoding}, cannot hold"
        )
    for level, module in callee.relative_imports:
        own = _absolute_module(target.facts.package, level, module)
        if own is None or own != _absolute_module(facts.package, level, module):
            shown = "." * level + module
            return Refusal(
                RefusalCode.UNSUPPORTED,
                f"a relative import (`from {shown} import ...`), which would resolve against the package of the caller's module, not of its own",
            )
    return None


def _can_hold(encoding: str, target: Target) -> bool:
    """Whether a file in ``encoding`` can hold the callee's text and its module's name. A
    UTF-8 file (most) holds anything: the text is generated only for the others."""
    if codecs.lookup(encoding).name in ("utf-8", "utf-8-sig"):
        return True
    text = target.facts.index.module.code_for_node(target.callee.node) + (target.facts.name or "")
    try:
        text.encode(encoding)
    except UnicodeEncodeError:
        return False
    return True


def _absolute_module(package: str | None, level: int, module: str) -> str | None:
    """The module ``from <level dots><module> import ...`` imports in code of ``package``;
    None if unknown or beyond the top-level package."""
    if package is None:
        return None
    try:
        return importlib.util.resolve_name("." * level + module, package)
    except ImportError:
        return None


def _names_refusal(
    index: ScopeIndex, target: Target, ctx: SiteContext, reserved_free: frozenset[str], foreign: bool
) -> Refusal | None:
    """The callee's globals and builtins must mean the same from the caller. A ``foreign``
    callee reads every one of them in its module's namespace (and then the builtins), so
    only the reads of a callee of this module can be shadowed."""
    caller = ctx.caller
    callee = target.callee
    plain = set() if foreign else set(callee.free_names)
    if foreign:
        facts = target.facts
        for node, name in callee.global_uses.items():
            role = facts.index.role(node)
            if role in (Role.AUGSTORE, Role.DEL) and name not in facts.always_bound:
                verb = "deletes" if role is Role.DEL else "updates"
                return Refusal(
                    RefusalCode.UNSUPPORTED, f"{verb} its module's global '{name}', which may be unbound there (not bound on every path, or deleted by its module's code: a NameError the namespace would not raise)"
                )
            if role in (Role.STORE, Role.WALRUS) and not _subscript_may_stand_for(facts.index, node):
                return Refusal(
                    RefusalCode.UNSUPPORTED,
                    f"binds its module's global '{name}' where only a plain name may stand (an import, `except ... as`, `:=`), "
                    "not the namespace's item the inlined code writes",
                )
        for node, quotes in callee.fstring_globals.items():
            if len(quotes) > 1:
                return Refusal(
                    RefusalCode.UNSUPPORTED,
                    f"reads its module's '{node.value}' inside f-strings quoted with both ' and \", where the read's key cannot be quoted",
                )
    for free in sorted(plain):
        resolved = index.resolve(free, caller.scope)
        if free in ctx.active_names or not isinstance(resolved, (GlobalScope, BuiltinScope)):
            return Refusal(RefusalCode.SHADOWED, f"'{free}' is a variable of the caller, so the inlined code would not see the global")
        twin = other_spelling(free, caller.mangled_by)
        if twin is not None and (twin in ctx.active_names or not isinstance(index.resolve(twin, caller.scope), (GlobalScope, BuiltinScope))):
            return Refusal(
                RefusalCode.SHADOWED,
                f"the caller's variable '{twin}' is '{free}' once its class mangles it, so the inlined code would not see the global",
            )
    for name, scope in callee.type_parameters.items():
        if foreign or name in ctx.active_names or index.resolve(name, caller.scope) is not scope:
            return Refusal(RefusalCode.UNSUPPORTED, f"reads '{name}', a type parameter of its class, which the caller does not see")
    guard_reads = {callee.name} if target.lookup is Lookup.NAME and not foreign else set()
    for used in sorted(plain | guard_reads):
        # (The caller's class may spell a name the callee's class mangled, or the reverse.)
        twin = other_spelling(used, caller.mangled_by)
        declared = max((line for n in (used, twin) if n is not None and (line := index.declaration_line(caller.scope, n)) is not None), default=None)
        if declared is not None and declared >= ctx.placement_line:
            return Refusal(
                RefusalCode.POSITION, f"the caller declares '{used}' global after this await, and the inlined code would use it first"
            )
    # (Code of a class writing both spellings keeps its module out: ``_spelling_refusal``.)
    twice = spelled_twice(callee.underscored, caller.mangled_by)
    if twice is not None:
        return Refusal(
            RefusalCode.PRIVATE_NAME,
            f"it names '{twice}' also as '{other_spelling(twice, caller.mangled_by)}', one variable in class {caller.mangled_by}",
        )
    if caller.mangled_by is not None and callee.private_names:
        shown = ", ".join(sorted(callee.private_names))
        return Refusal(RefusalCode.PRIVATE_NAME, f"the caller is in a class, which would mangle {shown}")
    own_class = callee.owner.class_name if callee.owner is not None else None
    if mangling_prefix(own_class) == mangling_prefix(caller.mangled_by):
        return None
    if callee.nested_private_names:
        shown = ", ".join(sorted(callee.nested_private_names))
        return Refusal(
            RefusalCode.PRIVATE_NAME, f"a scope nested in it binds {shown}, which the caller's class would mangle otherwise than the callee's"
        )
    if callee.private_imports:
        shown = ", ".join(sorted(callee.private_imports))
        return Refusal(RefusalCode.PRIVATE_NAME, f"its imports name {shown}, which the caller's class would mangle otherwise than the callee's")
    # A private local is another variable once mangled otherwise; only an error message
    # tells (UnboundLocalError names the variable): where a read may find it unassigned.
    unassigned = sorted(local for local in callee.maybe_unassigned if is_private_name(local))
    if unassigned:
        return Refusal(
            RefusalCode.PRIVATE_NAME,
            f"its local {', '.join(unassigned)} may be read unassigned, and the caller's class would mangle it otherwise "
            "than the callee's: the error would name it so",
        )
    return None
