"""What the inliner needs to know about a candidate callee, and whether it may be inlined at all.

Everything here depends on the callee alone; what depends on the call site is in ``site``.
"""

from __future__ import annotations

import dataclasses
import weakref
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum

import libcst as cst
import libcst.matchers as m
from libcst.metadata import BuiltinScope, ClassScope, ComprehensionScope, FunctionScope, GlobalScope, Scope
from libcst.metadata.scope_provider import AnnotationScope

from ..tree import import_top_name, is_statement, is_statement_line, starts_with_docstring, statements_of, walk
from .classes import MethodKind
from .closing import CloseHazard, cleanup_at_suspension, close_hazards, is_suspension_point, leaves_loop
from .definite_assignment import UnsupportedStatement, maybe_unassigned_locals
from .evaluation import blocks_around
from .refusals import Refusal, RefusalCode
from .returns import swallowable_returns
from .scopes import Role, ScopeIndex

#: Calls whose result depends on which frame they run in.
FRAME_INTROSPECTION = frozenset(
    {
        "builtins.locals",
        "builtins.eval",
        "builtins.exec",
        "builtins.breakpoint",
        "sys._getframe",
        "sys._getframemodulename",
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
#: Calls whose result depends on which module's code they run in: code of another module
#: inlined into the caller would see the caller's module (its dictionary; its ``__future__``
#: imports, which ``compile`` inherits; the ``__module__`` that the classes and type
#: variables these make take from the calling frame, which pickling and reprs use; the
#: module a warning is attributed to, which filters select by: ``-W error::UserWarning:pkg.lib``,
#: and the default filters that show a DeprecationWarning only in ``__main__``).
MODULE_INTROSPECTION = frozenset(
    {
        "builtins.globals",
        "builtins.compile",
        "warnings.warn",
        "collections.namedtuple",
        "dataclasses.make_dataclass",
        *(f"enum.{name}" for name in ("Enum", "IntEnum", "Flag", "IntFlag", "StrEnum")),
        *(
            f"{module}.{name}"
            for module in ("typing", "typing_extensions")
            for name in ("NamedTuple", "TypedDict", "TypeVar", "ParamSpec", "TypeVarTuple", "NewType", "TypeAliasType")
        ),
    }
)
#: Without arguments (or with ``None`` for each) these find their calling module by its
#: frame (Python 3.12+: the package ``files()`` reads the resources of).
MODULE_INTROSPECTION_WITHOUT_ARGS = frozenset({"importlib.resources.files", "importlib_resources.files"})
_MODULE_INTROSPECTION_TAILS = frozenset(
    n.rpartition(".")[2] for n in MODULE_INTROSPECTION | MODULE_INTROSPECTION_WITHOUT_ARGS | {"builtins.type"}
)

_INTROSPECTION_TAILS = frozenset(n.rpartition(".")[2] for n in FRAME_INTROSPECTION | LOCALS_WITHOUT_ARGS)
#: With three arguments ``type`` makes a class, whose ``__module__`` it takes from the
#: calling frame's globals, as the makers of ``MODULE_INTROSPECTION`` do.
MODULE_INTROSPECTION_THREE_ARGS = frozenset({"builtins.type"})
_WATCHED = (
    FRAME_INTROSPECTION | LOCALS_WITHOUT_ARGS | MODULE_INTROSPECTION | MODULE_INTROSPECTION_WITHOUT_ARGS | MODULE_INTROSPECTION_THREE_ARGS
    | {"builtins.super", "builtins.anext"}
)
_ALIASES: weakref.WeakKeyDictionary[ScopeIndex, dict[str, str]] = weakref.WeakKeyDictionary()

#: Every name the generated code makes starts with it (``plan.names``). A callee local of
#: another module is not among the rewritten module's identifiers, so a name made later
#: could equal it: such locals are always renamed (``check_site``).
GENERATED_PREFIX = "_ai"

#: The names ``async_method``'s wrappers use themselves (``runtime._frames._INTERNAL_NAMES``;
#: a unit test holds the two equal): a function with a parameter of one of these names gets
#: a wrapper taking ``*args, **kwargs``.
ASYNC_METHOD_WRAPPER_NAMES = frozenset({"__builtins__", "_ai_fn", "_ai_get", "_ai_leave_frame", "_ai_rec", "_ai_s", "_ai_try_leave_frame"})

MARKER_INLINE = "runtime.inline"
MARKER_NOINLINE = "runtime.noinline"
MARKER_ASYNC_METHOD = "runtime.async_method"
#: Decorators for type checkers that return the function itself (after setting an
#: attribute on it): the function stays what it is.
TYPING_DECORATORS = frozenset(
    {f"{module}.{name}" for module in ("typing", "typing_extensions") for name in ("final", "override")}
)


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
    #: Index into ``__defaults__`` counted from its end (negative: a call fills the last
    #: positional parameters from the end of the tuple, whatever its length), or key of
    #: ``__kwdefaults__`` (keyword-only).
    default: int | str | None = None
    #: The default when it is an immutable literal (``10``, ``"x"``, ``None``, ``(1, 2)``):
    #: the assumption ``frozen-defaults`` folds it in instead of reading ``__defaults__``.
    literal: cst.BaseExpression | None = None


@dataclass(frozen=True)
class Owner:
    """The class a method is defined in."""

    #: Qualified name of the class in its module.
    qualname: str
    kind: MethodKind

    @property
    def class_name(self) -> str:
        """The class's own name: the one its body mangles private names with."""
        return self.qualname.rpartition(".")[2]


@dataclass(frozen=True)
class CalleeInfo:
    #: The function's name.
    name: str
    node: cst.FunctionDef
    scope: Scope
    #: Qualified name in its module (``f``, ``Class.m``).
    qualname: str = ""
    #: Unique key of the callee in the program (``pkg.mod.Class.m``; the qualname when
    #: the module's name is unknown).
    key: str = ""
    #: The class of a method; None for a module-level function.
    owner: Owner | None = None
    #: Statements, docstring excluded.
    body: tuple[cst.BaseStatement, ...] = ()
    #: Size measure for the limits: small statements plus compound statements.
    size: int = 0
    params: tuple[Parameter, ...] = ()
    #: Callee locals in CPython's co_varnames order: parameters first (positional,
    #: keyword-only, ``*``, ``**``), then by first binding. A frame releases them in it.
    locals: tuple[str, ...] = ()
    #: Every Name node of the parameters and body that is a use of a callee local.
    local_uses: dict[cst.Name, str] = field(default_factory=dict)
    #: Per local used inside nested scopes of the body (comprehensions), the names those
    #: scopes bind around its uses: an argument reading one cannot stand for the parameter.
    nested_bindings: Mapping[str, frozenset[str]] = field(default_factory=dict)
    #: Names the body reads or binds in the module or builtin scope.
    free_names: frozenset[str] = frozenset()
    #: Every Name node of the body that is a use of a global or builtin.
    global_uses: dict[cst.Name, str] = field(default_factory=dict)
    #: Global-declared names the body binds: the caller needs a `global` declaration.
    assigned_globals: frozenset[str] = frozenset()
    #: Non-local identifiers a class body would mangle (attribute names included).
    private_names: frozenset[str] = frozenset()
    #: A method's own private names (globals it reads, attribute names), each Name node
    #: with the name the method's class mangles it to: emitted mangled, so that no other
    #: class mangles them again.
    mangled: dict[cst.Name, str] = field(default_factory=dict)
    #: The identifiers of the definition that start with an underscore: two of them may be
    #: one variable in a class (``__y`` and ``_A__y`` in class ``A``).
    underscored: frozenset[str] = frozenset()
    #: Private variables of scopes nested in the body (a lambda's parameter, a
    #: comprehension's variable): the class around the code mangles them, so they are
    #: other variables (other keyword parameters) under another class.
    nested_private_names: frozenset[str] = frozenset()
    #: Zero-argument ``super()`` calls and ``__class__`` reads of a method: emitted with
    #: the method's own class (``super(cls, first_param)``).
    class_cell_uses: tuple[cst.Name, ...] = ()
    #: Locals that some read may see unassigned: they must keep their names when inlined.
    maybe_unassigned: frozenset[str] = frozenset()
    #: Parameters the body binds again (assignment, del, augmented assignment ...).
    rebound_params: frozenset[str] = frozenset()
    #: Locals bound by `import a.b` (binds `a`): they cannot be renamed.
    dotted_import_locals: frozenset[str] = frozenset()
    #: Type parameters of its class the body reads (``class K[T]``), with the scope that
    #: binds them: only code in that scope (methods of ``K``) sees them.
    type_parameters: Mapping[str, Scope] = field(default_factory=dict)
    #: Names in its imports that a class body mangles (``import __m``, ``from __m import x``,
    #: ``from m import __x``): what is imported depends on the class the code lands in.
    private_imports: frozenset[str] = frozenset()
    #: The relative imports of the body (``from ..x import y``: ``(2, "x")``), which resolve
    #: against the package of the module the code runs in.
    relative_imports: tuple[tuple[int, str], ...] = ()
    #: A call in the body that depends on the module the code runs in (``globals()``), if any.
    module_introspection: str | None = None
    #: What an annotation in the body holds that ``from __future__ import annotations``
    #: makes a SyntaxError (``x: (y := int) = v``: ":=", "await", "yield"), if anything.
    annotation_syntax: str | None = None
    #: The body holds an ``assert`` statement, whose message pytest's assertion rewriting
    #: (applied per module) changes: a reference into another module says so
    #: (``runtime.function_at(..., asserts=True)``).
    asserts: bool = False
    #: Locals read inside f-strings (a string literal cannot stand for them there before 3.12).
    fstring_locals: frozenset[str] = frozenset()
    #: Locals read where CPython's compiler warns about a constant (``x is 0.5``: "is" with
    #: a literal; ``x()``; ``x[i]``; ``s[x]``): no literal argument or default stands for
    #: them, or the rewrite would add SyntaxWarnings (errors under ``-W error``).
    literal_unsafe_locals: frozenset[str] = frozenset()
    #: Of those, the locals read where even ``None``, ``True``, ``False`` or ``...`` warns
    #: (all but a plain operand of ``is``/``is not``: ``x is None`` is the idiom).
    singleton_unsafe_locals: frozenset[str] = frozenset()
    #: Globals read inside f-strings, with the quote characters of the f-strings around
    #: them: code reading them from another module's namespace quotes the key with another.
    fstring_globals: dict[cst.Name, frozenset[str]] = field(default_factory=dict)
    #: Deepest nesting of compiler blocks inside the body (see evaluation.MAX_BLOCKS).
    max_blocks: int = 0
    #: EXPR when the body is just ``return EXPR`` over the parameters: such a callee can
    #: be inlined as an expression, in place (see the planner's expression form).
    return_expr: cst.BaseExpression | None = None
    inline_marker: bool = False
    is_runtime_async: bool = False
    #: The body holds an await, ``async for``, ``async with`` or async comprehension: it may suspend. A
    #: runtime-async callee that cannot suspend gets only the I2 machinery (rule I6).
    may_suspend: bool = True
    #: The body has an ``except``, a ``finally`` or a ``with``: code that may raise while
    #: an exception of the callee's own is being handled (see ``site``, gh-108668).
    handles_exceptions: bool = False
    #: The body may suspend somewhere other than in a sleep: awaiting a coroutine, which
    #: may catch what ``throw()`` delivers and return (see ``site``, gh-108668).
    awaits_beyond_sleeps: bool = True
    #: The body has a ``raise`` with no exception (see ``site``: ``except*`` clauses).
    bare_raise: bool = False
    #: What may swallow the ``GeneratorExit`` that ``close()`` raises where the body
    #: suspends (``except BaseException:``, a ``finally`` with ``return`` ...; ``closing``).
    close_hazards: tuple[CloseHazard, ...] = ()
    #: A ``finally`` block or ``with`` around a point where the body suspends, if any
    #: (``closing.cleanup_at_suspension``: async generator callers).
    cleanup_at_suspension: str | None = None
    refusal: Refusal | None = None

    @property
    def unbound_on_entry(self) -> tuple[str, ...]:
        """Locals, not parameters, that a read may see unassigned: every inlined frame
        unbinds them on entry (a fresh frame), a store the planner must know of too."""
        params = {p.name for p in self.params}
        return tuple(local for local in self.locals if local in self.maybe_unassigned and local not in params)

    @property
    def positional_defaults(self) -> int:
        """How many defaults the ``def`` gives positional parameters: ``len(__defaults__)``
        until the program replaces the tuple."""
        return sum(isinstance(p.default, int) for p in self.params)

    def warns_for(self, local: str, constant: cst.BaseExpression) -> bool:
        """Would CPython's compiler warn where ``local`` is read if ``constant`` stood there?"""
        singleton = m.matches(constant, m.Name("None") | m.Name("True") | m.Name("False") | m.Ellipsis())
        return local in (self.singleton_unsafe_locals if singleton else self.literal_unsafe_locals)

    def folds_default(self, param: Parameter, frozen_defaults: bool) -> bool:
        """Under ``frozen-defaults``, is ``param``'s default pasted as its literal (rather
        than read from ``__defaults__`` at call time)?"""
        return frozen_defaults and param.literal is not None and not self.warns_for(param.name, param.literal)

    def identical_default(self, param: Parameter) -> cst.BaseExpression | None:
        """The literal that *is* ``param``'s positional default object while the function
        holds its ``def``'s tuple, where it can stand for it: one of the objects CPython
        keeps a single copy of (``is_unique_literal``), not read where the compiler warns
        about a literal."""
        if not isinstance(param.default, int) or param.literal is None or self.warns_for(param.name, param.literal):
            return None
        return param.literal if is_unique_literal(param.literal) else None

    @property
    def identical_defaults(self) -> tuple[tuple[int, cst.BaseExpression], ...]:
        """Each positional default ``identical_default`` gives, with its index from the
        front of ``__defaults__``: ``runtime.defaults_of`` checks them."""
        count = self.positional_defaults
        found = ((p, self.identical_default(p)) for p in self.params)
        return tuple((count + p.default, literal) for p, literal in found if literal is not None and isinstance(p.default, int))


def statement_count(stmts: Sequence[cst.CSTNode]) -> int:
    """Size measure for the inlining limit: small statements plus compound statements."""
    return sum(is_statement(inner) for node in stmts for inner in walk(node))


def body_statements(fdef: cst.FunctionDef) -> list[cst.BaseStatement]:
    """The statements a call executes: the docstring is not executed."""
    stmts = statements_of(fdef.body)
    return stmts[1:] if starts_with_docstring(stmts) else stmts


def parameters(fdef: cst.FunctionDef) -> tuple[Parameter, ...]:
    p = fdef.params
    out: list[Parameter] = []
    positional = [(ParamKind.POSONLY, x) for x in p.posonly_params] + [(ParamKind.POS, x) for x in p.params]
    for i, (kind, x) in enumerate(positional):
        out.append(Parameter(x.name.value, kind, i - len(positional) if x.default is not None else None, _literal(x.default)))
    if isinstance(p.star_arg, cst.Param):
        out.append(Parameter(p.star_arg.name.value, ParamKind.VARARGS))
    for x in p.kwonly_params:
        out.append(Parameter(x.name.value, ParamKind.KWONLY, x.name.value if x.default is not None else None, _literal(x.default)))
    if p.star_kwarg is not None:
        out.append(Parameter(p.star_kwarg.name.value, ParamKind.VARKW))
    return tuple(out)


def _literal(default: cst.BaseExpression | None) -> cst.BaseExpression | None:
    """``default`` when evaluating it again gives an equal immutable object."""
    return default if default is not None and is_immutable_literal(default) else None


#: The ints CPython makes once and shares (``_PyLong_SMALL_INTS``, 3.10-3.13).
SHARED_INTS = range(-5, 257)


def is_unique_literal(node: cst.BaseExpression) -> bool:
    """A literal whose value is one object in the whole interpreter: ``None``, ``True``,
    ``False``, ``...``, or a small int. Pasted anywhere, it is identical to the object any
    other code computed from the same literal, so nothing can tell the two apart."""
    if isinstance(node, cst.Name):
        return node.value in ("True", "False", "None")
    if isinstance(node, cst.Ellipsis):
        return True
    sign = 1
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, (cst.Minus, cst.Plus)):
        sign, node = (-1 if isinstance(node.operator, cst.Minus) else 1), node.expression
    return isinstance(node, cst.Integer) and sign * int(node.evaluated_value) in SHARED_INTS


def is_immutable_literal(node: cst.BaseExpression) -> bool:
    if isinstance(node, (cst.Integer, cst.Float, cst.Imaginary, cst.SimpleString, cst.Ellipsis)):
        return True
    if isinstance(node, cst.Name):
        return node.value in ("True", "False", "None")
    if isinstance(node, cst.ConcatenatedString):
        return is_immutable_literal(node.left) and is_immutable_literal(node.right)
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, (cst.Minus, cst.Plus)):
        return isinstance(node.expression, (cst.Integer, cst.Float, cst.Imaginary))
    if isinstance(node, cst.Tuple):
        return all(isinstance(e, cst.Element) and is_immutable_literal(e.value) for e in node.elements)
    return False


def calls_frame_introspection(index: ScopeIndex, nodes: Iterable[cst.CSTNode]) -> str | None:
    """The first call among ``nodes`` (e.g. ``walk(body)``) that looks at the running
    frame (``locals()`` ...), if any. A read of ``__builtins__`` counts as one: a key or an
    attribute of it (a dict in an imported module, the builtins module in a script) reaches
    ``locals`` and ``vars`` (review R22c F5)."""
    nodes = list(nodes)
    if any(type(node) is cst.Name and node.value == "__builtins__" and index.role(node) is not Role.OTHER for node in nodes):
        return "a builtin through __builtins__"
    return _first_call(index, nodes, FRAME_INTROSPECTION, _INTROSPECTION_TAILS, LOCALS_WITHOUT_ARGS)


def _first_call(
    index: ScopeIndex,
    nodes: Iterable[cst.CSTNode],
    calls: frozenset[str],
    tails: frozenset[str],
    without_args: frozenset[str] = frozenset(),
    three_args: frozenset[str] = frozenset(),
) -> str | None:
    """The first call among ``nodes`` of a function named in ``calls`` (or in
    ``without_args``, called without arguments or with ``None`` for each; or in ``three_args``, with three or more,
    or unpacked ones), shown as ``name()``; ``tails`` are the last parts of those names."""
    aliases = _aliases(index)

    def matches(names: Collection[str], call: cst.Call) -> bool:
        return any(
            (name in calls and not (name in _AT_ANOTHER_STACK_LEVEL and _stack_level_above_one(call)))
            or (name in without_args and all(m.matches(arg, m.Arg(value=m.Name("None"), star="")) for arg in call.args))
            or (name in three_args and (len(call.args) >= 3 or any(arg.star for arg in call.args)))
            for name in names
        )

    for node in nodes:
        if type(node) is cst.Call:
            func = node.func
            while isinstance(func, cst.Attribute) and func.attr.value == "__call__":  # ``locals.__call__()`` (review R10 f3)
                func = func.value
            tail = func.attr.value if isinstance(func, cst.Attribute) else func.value if isinstance(func, cst.Name) else None
            if tail in tails:  # asking the scopes is costly: only for names that could match
                names = index.qualified_names(func)
                if matches(names, node):
                    return sorted(names)[0].removeprefix("builtins.") + "()"
            aliased = aliases.get(tail) if tail is not None else None
            if aliased is not None and matches((aliased,), node):
                return f"{tail}() ({aliased.removeprefix('builtins.')})"
    return None


#: Calls that look at the frame ``stacklevel`` frames up: at 2 or more, a physical frame
#: either way (documented), not the callee's module.
_AT_ANOTHER_STACK_LEVEL = frozenset({"warnings.warn"})


def _stack_level_above_one(call: cst.Call) -> bool:
    """``warnings.warn(message, category, stacklevel)`` with a literal ``stacklevel`` of 2
    or more (R15 m7: anyio's ``to_thread.run_sync`` warns so, and lost its sites)."""
    level = next((arg.value for arg in call.args if arg.keyword is not None and arg.keyword.value == "stacklevel"), None)
    if level is None and len(call.args) >= 3 and all(arg.keyword is None and not arg.star for arg in call.args[:3]):
        level = call.args[2].value
    return isinstance(level, cst.Integer) and int(level.value, 0) >= 2


def alias_of(index: ScopeIndex, name: str) -> str | None:
    """What a name of the module is bound to among the functions watched for frame and
    module introspection, ``type`` and ``super`` (``mk = type``), if anything."""
    return _aliases(index).get(name)


def _aliases(index: ScopeIndex) -> dict[str, str]:
    """Names the module binds anywhere to a function ``_first_call`` looks for, with the
    function: by an import (``from sys import _getframe as here``), or by a plain
    assignment, a ``:=`` or a parameter default whose value names one (or such a name):
    ``lo = locals``, ``self.lo = locals`` (then any call of ``lo`` or of an attribute
    ``lo`` counts, wherever it is bound). A value computed otherwise (a call, a container)
    is not followed."""
    found = _ALIASES.get(index)
    if found is not None:
        return found
    found = {}
    for name, targets in index.imported_names():
        for target in sorted(targets & _WATCHED):
            found.setdefault(name, target)
    bound: list[tuple[str, cst.BaseExpression]] = []
    for node, role in index.roles.items():
        value = _bound_value(index, node, role)
        if value is not None:
            bound.append((node.value, value))
    changed = True
    while changed:  # through assignments of assigned names, to a fixed point
        changed = False
        for name, value in bound:
            if name in found:
                continue
            named = sorted(index.qualified_names(value) & _WATCHED)
            if not named and isinstance(value, (cst.Name, cst.Attribute)):
                tail = value.attr.value if isinstance(value, cst.Attribute) else value.value
                named = [found[tail]] if tail in found else []
            if named:
                found[name] = named[0]
                changed = True
    _ALIASES[index] = found
    return found


def _bound_value(index: ScopeIndex, node: cst.Name, role: Role) -> cst.BaseExpression | None:
    """The value ``node`` is bound to, when it is the whole target of an assignment
    (``x = v``, ``o.x = v``, ``x: T = v``, ``x := v``), an element of a tuple target
    assigned a tuple written out (``x, n = v, 0``), or a parameter with a default."""
    target: cst.CSTNode = node
    parent = index.parent(node)
    if role is Role.OTHER and isinstance(parent, cst.Attribute) and parent.attr is node:
        target, parent = parent, index.parent(parent)
    elif not role.binds:
        return None
    path: list[int] = []  # an element of tuple targets (``here, depth = sys._getframe, 0``)
    while isinstance(parent, cst.Element) and isinstance(holder := index.parent(parent), (cst.Tuple, cst.List)):
        path.append(next(i for i, element in enumerate(holder.elements) if element is parent))
        target, parent = holder, index.parent(holder)
    if isinstance(parent, cst.AssignTarget):
        assign = index.parent(parent)
        value = assign.value if isinstance(assign, cst.Assign) else None
        for i in reversed(path):  # the value's element at the same place, if it is written out
            if not isinstance(value, (cst.Tuple, cst.List)) or i >= len(value.elements) or any(
                isinstance(e, cst.StarredElement) for e in value.elements
            ):
                return None
            value = value.elements[i].value
        return value
    if path:
        return None
    if isinstance(parent, (cst.AnnAssign, cst.NamedExpr)) and parent.target is target:
        return parent.value
    if isinstance(parent, cst.Param) and parent.name is target:
        return parent.default
    return None


@dataclass(frozen=True)
class _Markers:
    refusal: Refusal | None = None
    inline: bool = False
    runtime_async: bool = False


def _markers(index: ScopeIndex, fdef: cst.FunctionDef, kind: MethodKind | None) -> _Markers:
    """What the decorators say: only the runtime's markers, ``typing``'s ``final`` and
    ``override`` (and, first on a method, ``classmethod`` or ``staticmethod``) keep the
    function what it is, and only when every binding the decorator's name may have is
    one of them (``async_method`` may be a plain function's name when some setting is off)."""
    inline = runtime_async = False
    decorators = fdef.decorators[1:] if kind in (MethodKind.CLASS, MethodKind.STATIC) else fdef.decorators
    for deco in decorators:
        names = index.qualified_names(deco.decorator)
        if MARKER_NOINLINE in names:
            return _Markers(Refusal(RefusalCode.NOINLINE, "marked @runtime.noinline"))
        if names == {MARKER_INLINE}:
            inline = True
        elif names == {MARKER_ASYNC_METHOD}:
            runtime_async = True
        elif not (names and names <= TYPING_DECORATORS):  # every binding the name may have
            shown = cst.Module([]).code_for_node(deco.decorator)
            return _Markers(Refusal(RefusalCode.DECORATOR, f"decorated with @{shown}, which may replace the function"))
    return _Markers(None, inline, runtime_async)


def _definition_refusal(fdef: cst.FunctionDef, owner: Owner | None, rebound: bool) -> Refusal | None:
    """Is ``fdef`` an ``async def`` whose name nothing else binds? (``rebound``: the
    module binds it otherwise too; a method's class body binding it once is checked in
    classes.py.)"""
    if fdef.asynchronous is None:
        return Refusal(RefusalCode.NOT_ASYNC, "not an async def")
    if fdef.type_parameters is not None:
        return Refusal(RefusalCode.UNSUPPORTED, "has type parameters")
    if owner is None and rebound:
        return Refusal(RefusalCode.REBOUND, f"'{fdef.name.value}' is bound more than once in the module")
    return None


_RAISE_NOT_IMPLEMENTED = m.SimpleStatementLine(
    body=[m.Raise(exc=m.Name("NotImplementedError") | m.Call(func=m.Name("NotImplementedError")))]
)


def _placeholder_refusal(owner: Owner | None, body: Sequence[cst.BaseStatement]) -> Refusal | None:
    """A method whose whole body is ``raise NotImplementedError``: an interface's
    placeholder that the classes of the objects override, so its guard would nearly always
    fail and the site would pay the guard on top of the call (httpcore's
    ``AsyncNetworkStream.read``)."""
    if owner is not None and len(body) == 1 and m.matches(body[0], _RAISE_NOT_IMPLEMENTED):
        return Refusal(RefusalCode.ABSTRACT, "its body only raises NotImplementedError: subclasses override it")
    return None


def _body_refusal(index: ScopeIndex, fdef: cst.FunctionDef, nodes: Sequence[cst.CSTNode]) -> Refusal | None:
    """Constructs of the body (``nodes``: all of it) that inlining cannot keep as they are."""
    for node in nodes:
        if type(node) not in _REFUSED_FORMS:
            continue
        if isinstance(node, cst.Yield):
            return Refusal(RefusalCode.GENERATOR, "async generator (contains yield)")
        if isinstance(node, (cst.FunctionDef, cst.ClassDef)):
            kind = "function" if isinstance(node, cst.FunctionDef) else "class"
            return Refusal(
                RefusalCode.NESTED_SCOPE, f"defines a nested {kind} ('{node.name.value}'), whose identity and name would change"
            )
        if isinstance(node, cst.Nonlocal):
            return Refusal(RefusalCode.NONLOCAL, "uses nonlocal")
        if isinstance(node, cst.FormattedStringExpression):
            if node.equal is not None:
                return Refusal(RefusalCode.UNSUPPORTED, "an f-string with '=' prints the text of its field, which inlining renames")
            continue
        if isinstance(node, cst.Match):
            # Capture patterns work, but the statement is rare in coroutines and its binding
            # rules (partial binds on failure) are easy to get wrong: keep it a call.
            return Refusal(RefusalCode.UNSUPPORTED, "contains a match statement")
        if isinstance(node, (cst.Try, cst.TryStar)) and node.finalbody is not None:
            # Such a jump discards the return (or exception) pending when the ``finally``
            # runs, and the function goes on after the loop. An inlined ``return`` is an
            # assignment of the result followed by a jump, so the result stays set although
            # the original discarded it (fuzz seeds 740643, 740727). A ``return`` in the
            # ``finally`` is fine: its own assignment comes later and wins, as its value does.
            jump = leaves_loop(node.finalbody.body)
            if jump is not None:
                return Refusal(RefusalCode.UNSUPPORTED, f"a finally block leaves its loop with {jump}, which discards a pending return")
    if any(swallowable_returns(statements_of(fdef.body)).values()):
        return Refusal(RefusalCode.UNSUPPORTED, "a return in a loop is followed by a finally block or with exit whose exception can be swallowed, which discards the return")
    introspection = calls_frame_introspection(index, nodes)
    if introspection:
        return Refusal(RefusalCode.FRAME_INTROSPECTION, f"calls {introspection}, which would see the caller's frame")
    aliased_super = _calls_super_by_another_name(index, nodes)
    if aliased_super:
        return Refusal(RefusalCode.SUPER, f"calls {aliased_super} with no arguments, which reads the __class__ cell and first argument of the frame it runs in")
    return None


def _calls_super_by_another_name(index: ScopeIndex, nodes: Iterable[cst.CSTNode]) -> str | None:
    """A zero-argument call of the builtin ``super`` other than ``super()`` itself (which
    the inliner emits explicitly): ``builtins.super()``, ``sup()`` after ``from builtins
    import super as sup``, ``S()`` after ``S = super`` or with a default ``s=super``
    (review R18 w1). Only the callee's: the caller's own ``super()`` keeps its frame."""

    def emitted_explicitly(node: cst.CSTNode) -> bool:
        func = node.func if type(node) is cst.Call else None
        return type(func) is cst.Name and func.value == "super" and isinstance(index.use_scope(func), BuiltinScope)

    return _first_call(index, (n for n in nodes if not emitted_explicitly(n)), frozenset(), frozenset({"super"}), frozenset({"builtins.super"}))


#: What ``_body_refusal`` looks at (a test by type: isinstance on LibCST's classes is slow).
_REFUSED_FORMS = frozenset({cst.Yield, cst.FunctionDef, cst.ClassDef, cst.Nonlocal, cst.FormattedStringExpression, cst.Match, cst.Try, cst.TryStar})


@dataclass
class _Names:
    """How the callee's body uses names (collected, then frozen into CalleeInfo)."""

    local_uses: dict[cst.Name, str] = field(default_factory=dict)
    order: dict[str, None] = field(default_factory=dict)
    rebound_params: set[str] = field(default_factory=set)
    free_names: set[str] = field(default_factory=set)
    global_uses: dict[cst.Name, str] = field(default_factory=dict)
    assigned_globals: set[str] = field(default_factory=set)
    private_names: set[str] = field(default_factory=set)
    class_cell_uses: list[cst.Name] = field(default_factory=list)
    #: Name nodes of private globals.
    private_nodes: list[cst.Name] = field(default_factory=list)
    nested_private_names: set[str] = field(default_factory=set)
    #: Type parameters of the method's class the body reads, with their scope.
    type_parameters: dict[str, Scope] = field(default_factory=dict)
    nested_bindings: dict[str, frozenset[str]] = field(default_factory=dict)
    #: Locals the body unbinds: ``del``, or the name of an ``except ... as`` (deleted at
    #: the end of the handler).
    unbound_locals: set[str] = field(default_factory=set)


def _class_cell_refusal(owner: Owner | None, params: Sequence[Parameter]) -> Refusal | None:
    """``super()`` and ``__class__`` mean the method's own class: emitted explicitly, they
    keep that meaning in any caller, given a first parameter the body does not rebind."""
    if owner is None:
        return Refusal(RefusalCode.SUPER, "uses zero-argument super() or __class__ outside a class")
    if owner.kind is MethodKind.STATIC or not params or params[0].kind not in (ParamKind.POSONLY, ParamKind.POS):
        return Refusal(RefusalCode.SUPER, "uses zero-argument super() without a first positional parameter")
    return None


def _classify_names(
    index: ScopeIndex, fdef: cst.FunctionDef, scope: Scope, params: Sequence[Parameter], owner: Owner | None
) -> _Names | Refusal:
    """Sort every variable of the body: a local of the callee, or a global or builtin."""
    # CPython's co_varnames: positional parameters, keyword-only ones, then ``*`` and ``**``.
    by_kind = sorted(params, key=lambda p: (p.kind is ParamKind.VARARGS or p.kind is ParamKind.VARKW, p.kind is ParamKind.VARKW))
    out = _Names(order={p.name: None for p in by_kind})
    param_names = {p.name for p in params}
    for param in _all_params(fdef):
        out.local_uses[param.name] = param.name.value
    for name in index.variables_in(fdef.body):
        role = index.role(name)
        target = index.use_scope(name)
        frame_bound = _frame_bound_class_name(index, name, role, target)
        if frame_bound is not None:
            return Refusal(RefusalCode.SUPER, frame_bound)
        if (name.value == "__class__" and target is not scope) or (
            name.value == "super" and isinstance(target, BuiltinScope) and _is_zero_arg_super(index, name)
        ):  # (a local or global called super is called like any other)
            if index.scope_of(name) is not scope:
                # In a comprehension or generator expression, zero-argument super() takes
                # that scope's first argument (the iterator) and fails; explicit, it would not.
                return Refusal(RefusalCode.SUPER, "uses zero-argument super() or __class__ inside a nested scope")
            refusal = _class_cell_refusal(owner, params)
            if refusal is not None:
                return refusal
            if name.value == "super" and index.has_star_import:
                # The explicit form calls the builtin; a star import may bind ``super``.
                return Refusal(RefusalCode.SUPER, "uses zero-argument super() in a module with a star import, which may bind super")
            out.class_cell_uses.append(name)
            continue
        if target is scope:
            if role is Role.DECL:
                continue
            out.local_uses[name] = name.value
            if role.binds:
                out.order.setdefault(name.value, None)
                if role is not Role.PARAM and name.value in param_names:
                    out.rebound_params.add(name.value)
                if role is Role.DEL or names_an_exception(index, name):
                    out.unbound_locals.add(name.value)
            if _inside_deferred(index, name, scope):
                return Refusal(RefusalCode.CLOSURE, f"a lambda or generator expression captures the local '{name.value}'")
            around = _bound_between(index, name, scope)
            if around:
                out.nested_bindings[name.value] = out.nested_bindings.get(name.value, frozenset()) | around
        elif isinstance(target, (GlobalScope, BuiltinScope)):
            # A method's private global is its class's mangled name in the module: checked,
            # read and declared ``global`` under that spelling (review R22c F1, F2).
            spelled = as_mangled(owner, name.value)
            out.free_names.add(spelled)
            if role is not Role.DECL:
                out.global_uses[name] = spelled
            if role.binds and role is not Role.DECL:
                out.assigned_globals.add(spelled)
            if is_private_name(name.value):
                out.private_names.add(name.value)
                out.private_nodes.append(name)
        elif isinstance(target, AnnotationScope) and not role.binds:
            out.type_parameters[name.value] = target
        elif target is not None and not _within(target, scope):
            return Refusal(RefusalCode.UNSUPPORTED, f"'{name.value}' resolves to an enclosing non-module scope")
        elif is_private_name(name.value):
            out.nested_private_names.add(name.value)
    if out.class_cell_uses and "__class__" in out.order:
        # The method's own __class__ takes the cell's place: its zero-argument super()
        # raises RuntimeError ("__class__ cell not found"), the explicit form reads an empty cell.
        return Refusal(RefusalCode.SUPER, "uses zero-argument super() and binds __class__ itself")
    if out.class_cell_uses and params and params[0].name in out.unbound_locals:
        # Zero-argument super() then raises RuntimeError ("arg[0] deleted"); its explicit
        # form, an UnboundLocalError.
        return Refusal(RefusalCode.SUPER, f"uses zero-argument super() or __class__ and may unbind '{params[0].name}'")
    return out


def analyze_callee(
    index: ScopeIndex, fdef: cst.FunctionDef, *, key: str | None = None, owner: Owner | None = None, rebound: bool = False
) -> CalleeInfo:
    """Describe an ``async def`` (module-level, or a method of ``owner``); ``refusal`` says
    why it can never be inlined."""
    body = tuple(body_statements(fdef))
    nodes = tuple(walk(fdef.body))  # every analysis below looks at all of the body
    qualname = f"{owner.qualname}.{fdef.name.value}" if owner is not None else fdef.name.value
    markers = _markers(index, fdef, owner.kind if owner is not None else None)
    base = CalleeInfo(
        name=fdef.name.value,
        node=fdef,
        scope=index.function_scope(fdef),
        qualname=qualname,
        key=key or qualname,
        owner=owner,
        body=body,
        size=statement_count(body),
        inline_marker=markers.inline,
        is_runtime_async=markers.runtime_async,
    )
    refusal = markers.refusal or _definition_refusal(fdef, owner, rebound)
    refusal = refusal or _placeholder_refusal(owner, body) or _body_refusal(index, fdef, nodes)
    if refusal is not None:
        return dataclasses.replace(base, refusal=refusal)
    params = parameters(fdef)
    clashing = sorted(p.name for p in params if p.name in ASYNC_METHOD_WRAPPER_NAMES)
    if markers.runtime_async and clashing:
        # ``async_method`` gives such a function a wrapper taking ``*args, **kwargs``, with
        # none of the defaults the inlined code reads from it.
        return dataclasses.replace(
            base, refusal=Refusal(RefusalCode.UNSUPPORTED, f"a runtime-async function with a parameter named like a variable of the runtime's wrapper ({', '.join(clashing)})")
        )
    names = _classify_names(index, fdef, base.scope, params, owner)
    if isinstance(names, Refusal):
        return dataclasses.replace(base, refusal=names)
    mangled = _mangled(nodes, owner, names, params)
    if isinstance(mangled, Refusal):
        return dataclasses.replace(base, refusal=mangled)
    locals_ = tuple(names.order)
    in_fstrings = _names_in_fstrings(nodes)
    try:
        unassigned = maybe_unassigned_locals(body, frozenset(p.name for p in params), _is_local_of(names, locals_))
    except UnsupportedStatement as exc:
        return dataclasses.replace(base, refusal=Refusal(RefusalCode.UNSUPPORTED, f"contains a {exc} statement"))
    return dataclasses.replace(
        base,
        params=params,
        locals=locals_,
        local_uses=names.local_uses,
        nested_bindings=names.nested_bindings,
        free_names=frozenset(names.free_names),
        global_uses=names.global_uses,
        assigned_globals=frozenset(names.assigned_globals),
        private_names=frozenset() if owner is not None else frozenset(names.private_names | _private_attributes(nodes)),
        mangled=mangled,
        nested_private_names=frozenset(names.nested_private_names),
        underscored=frozenset(n.value for n in walk(fdef) if type(n) is cst.Name and n.value.startswith("_")),
        class_cell_uses=tuple(names.class_cell_uses),
        maybe_unassigned=frozenset(unassigned),
        rebound_params=frozenset(names.rebound_params),
        dotted_import_locals=_dotted_import_locals(nodes),
        private_imports=_private_imports(nodes),
        type_parameters=names.type_parameters,
        relative_imports=tuple(
            (len(node.relative), "" if node.module is None else cst.Module([]).code_for_node(node.module))
            for node in nodes
            if type(node) is cst.ImportFrom and node.relative
        ),
        module_introspection=_first_call(
            index,
            nodes,
            MODULE_INTROSPECTION,
            _MODULE_INTROSPECTION_TAILS,
            without_args=MODULE_INTROSPECTION_WITHOUT_ARGS,
            three_args=MODULE_INTROSPECTION_THREE_ARGS,
        ),
        annotation_syntax=_annotation_syntax(nodes),
        asserts=any(type(node) is cst.Assert for node in nodes),
        fstring_locals=frozenset(names.local_uses[n] for n in in_fstrings if n in names.local_uses),
        fstring_globals={n: quotes for n, quotes in in_fstrings.items() if n in names.global_uses},
        literal_unsafe_locals=frozenset(local for n, local in names.local_uses.items() if _warns_for_a_constant(index, n)),
        singleton_unsafe_locals=frozenset(local for n, local in names.local_uses.items() if _warns_for_a_constant(index, n, singleton=True)),
        max_blocks=max(
            (blocks_around(node, fdef.body, index.parent) for node in nodes if is_statement_line(node)),
            default=0,
        ),
        return_expr=_single_return(body, params, locals_, names.rebound_params) if not names.class_cell_uses else None,
        may_suspend=_may_suspend(nodes),
        awaits_beyond_sleeps=_awaits_beyond_sleeps(index, nodes),
        handles_exceptions=any(isinstance(node, (cst.Try, cst.TryStar, cst.With)) for node in nodes),
        bare_raise=any(type(node) is cst.Raise and node.exc is None for node in nodes),
        close_hazards=close_hazards(index, fdef.body, nodes),
        cleanup_at_suspension=cleanup_at_suspension(index, fdef.body, nodes) or _async_iterator_step(index, fdef, nodes),
    )


_POSTPONED_ILLEGAL = {cst.NamedExpr: ":=", cst.Await: "await", cst.Yield: "yield"}


def _annotation_syntax(nodes: Sequence[cst.CSTNode]) -> str | None:
    """The first ``:=``, ``await`` or ``yield`` inside an annotation of the body (see
    ``CalleeInfo.annotation_syntax``)."""
    for node in nodes:
        if isinstance(node, cst.Annotation):
            for inner in walk(node.annotation):
                shown = _POSTPONED_ILLEGAL.get(type(inner))
                if shown is not None:
                    return shown
    return None


def _may_suspend(nodes: Sequence[cst.CSTNode]) -> bool:
    """Statically: an await, ``async for``, ``async with`` or async comprehension
    (``[x async for x in g()]``: each step awaits ``__anext__``) anywhere in the body.
    An async generator expression suspends only where it is iterated, but counts too:
    erring towards "may suspend" costs an awaited exit, the other way a broken I6."""
    return any(is_suspension_point(node) for node in nodes)


#: Methods whose awaitable steps an async iterator (an async generator's ``asend``).
_STEP_METHODS = frozenset({"__anext__", "asend", "athrow"})


def _async_iterator_step(index: ScopeIndex, fdef: cst.FunctionDef, nodes: Sequence[cst.CSTNode]) -> str | None:
    """Where the body may suspend at an async iterator's step, what that step is: an
    ``async for`` or async comprehension, ``anext`` by any name, ``.asend``, ``.athrow``,
    ``.__anext__``, and what may hold one, an awaited value that is no call or a call of a
    local. Closing the real callee closes the step's awaitable, which from Python 3.13
    closes an async generator it steps (its ``finally`` runs); inlined into an async
    generator that is abandoned, the awaitable is dropped (reviews R20a F2, R21a F1)."""
    aliases = _aliases(index)
    # Locals the body binds itself: what it awaits through them it may have made a step.
    made_here = index.bindings(index.function_scope(fdef)) - {p.name.value for p in _all_params(fdef)}
    for node in nodes:
        if type(node) in (cst.For, cst.CompFor) and node.asynchronous is not None:  # type: ignore[attr-defined]
            return "an async iterator's step (`async for`)"
        if type(node) is not cst.Await:
            continue
        awaited = node.expression
        func = awaited.func if type(awaited) is cst.Call else None
        if isinstance(func, cst.Attribute) and func.attr.value in _STEP_METHODS:
            return f"an async iterator's step (`.{func.attr.value}()`)"
        if isinstance(func, (cst.Name, cst.Attribute)):
            tail = func.attr.value if isinstance(func, cst.Attribute) else func.value
            if "builtins.anext" in index.qualified_names(func) or aliases.get(tail) == "builtins.anext":
                return "an async iterator's step (`anext`)"
        held = func if func is not None else awaited
        if type(held) is cst.Name and held.value in made_here:
            return "a value the callee made, which may be an async iterator's step (`anext(...)`, `.asend` held)"
    return None


#: Coroutines that never catch what ``throw()`` delivers: the exception leaves them.
_SLEEPS = frozenset({"asyncio.sleep", "asyncio.tasks.sleep", "anyio.sleep", "trio.sleep"})


def _awaits_beyond_sleeps(index: ScopeIndex, nodes: Sequence[cst.CSTNode]) -> bool:
    """``_may_suspend`` at a point other than ``await asyncio.sleep(...)`` (or anyio's,
    trio's): any other coroutine may catch a cancellation or a timeout and return."""
    return any(is_suspension_point(node) and not _sleeps(index, node) for node in nodes)


def _sleeps(index: ScopeIndex, node: cst.CSTNode) -> bool:
    """``node`` is ``await asyncio.sleep(...)`` (or anyio's, trio's)."""
    call = node.expression if type(node) is cst.Await else None
    names = index.qualified_names(call.func) if type(call) is cst.Call else set()
    return bool(names) and names <= _SLEEPS


def _names_in_fstrings(nodes: Sequence[cst.CSTNode]) -> dict[cst.Name, frozenset[str]]:
    """Each name read inside f-strings, with the quote characters of the f-strings around
    it: before Python 3.12 code pasted there may use neither them nor a backslash."""
    out: dict[cst.Name, frozenset[str]] = {}
    for f in nodes:
        if type(f) is cst.FormattedString:
            quote = frozenset(f.end[0])
            for n in walk(f):
                if type(n) is cst.Name:
                    out[n] = out.get(n, frozenset()) | quote
    return out


def _warns_for_a_constant(index: ScopeIndex, name: cst.Name, singleton: bool = False) -> bool:
    """Would CPython's compiler warn if a constant stood where ``name`` is read: an operand
    of ``is``/``is not`` or of ``~``, called, subscripted, or an index? Also where an operation the
    compiler folds into a constant with it (``-d``, ``not d``, ``d + 1``, ``(d, 1)``) stands
    there (review R9 f1: ``(-d)()`` warned once ``d`` was pasted). A ``singleton``
    (``None``, ``True``, ``False``, ``...``) as a plain operand of ``is`` never warns
    (review R20d F2)."""
    node: cst.CSTNode = name
    while True:
        parent = index.parent(node)
        if type(parent) is cst.UnaryOperation and type(parent.operator) is cst.BitInvert:
            return True  # ``~True`` folded: 3.12+ warns (DeprecationWarning) where ``~d`` warned when run
        if type(parent) is cst.Call:
            return parent.func is node
        if type(parent) is cst.Subscript:
            return parent.value is node
        if type(parent) is cst.Index:
            return True
        if type(parent) is cst.ComparisonTarget:
            parent = index.parent(parent)
        if type(parent) is cst.Comparison:
            return not (singleton and node is name) and any(type(t.operator) in (cst.Is, cst.IsNot) for t in parent.comparisons)
        if type(parent) is cst.Element:
            parent = index.parent(parent)
        if parent is None or type(parent) not in _FOLDED:
            return False
        node = parent


#: Operations CPython's compiler folds into a constant when their operands are constants.
_FOLDED = frozenset({cst.UnaryOperation, cst.BinaryOperation, cst.Tuple})


def mangle(class_name: str, name: str) -> str | None:
    """The name a class body turns a private identifier into; None if it does not
    (a class named only with underscores mangles nothing)."""
    stripped = class_name.lstrip("_")
    return f"_{stripped}{name}" if stripped else None


def mangling_prefix(class_name: str | None) -> str | None:
    """What the body of class ``class_name`` puts before a private name (``_C`` of
    ``_C__x``); None where nothing is mangled."""
    return mangle(class_name, "") if class_name is not None else None


def as_mangled(owner: Owner | None, name: str) -> str:
    """``name`` as the body of a method of ``owner`` spells it to the module."""
    if owner is None or not is_private_name(name):
        return name
    return mangle(owner.class_name, name) or name


def spelled_twice(names: Iterable[str], class_name: str | None) -> str | None:
    """A name of ``names`` whose other spelling in code of class ``class_name`` is among
    them too (``__y`` and ``_A__y``: one variable there, two elsewhere), if any. The
    analysis takes each spelling for a variable of its own, which holds where no class
    mangles them (reviews R24a F2, F3)."""
    if class_name is None:
        return None
    names = set(names)
    return next((name for name in sorted(names) if is_private_name(name) and other_spelling(name, class_name) in names), None)


def other_spelling(name: str, class_name: str | None) -> str | None:
    """The other identifier that names the same variable as ``name`` in code of class
    ``class_name`` (``_C__x`` for ``__x``, and back); None if there is none."""
    prefix = mangling_prefix(class_name)
    if prefix is None:
        return None
    if is_private_name(name):
        return prefix + name
    rest = name[len(prefix) :]
    return rest if name.startswith(prefix) and is_private_name(rest) else None


def _mangled(nodes: Sequence[cst.CSTNode], owner: Owner | None, names: _Names, params: Sequence[Parameter]) -> dict[cst.Name, str] | Refusal:
    """A method's private globals and attribute names, mangled by its own class."""
    if owner is None:
        return {}
    if any(is_private_name(p.name) for p in params):
        # CPython mangles the parameter but not a keyword argument naming it: a call by
        # keyword raises TypeError, which static binding would not see.
        return Refusal(RefusalCode.PRIVATE_NAME, "a parameter has a private name")
    class_name = owner.class_name
    nodes = names.private_nodes + [
        node.attr for node in nodes if isinstance(node, cst.Attribute) and is_private_name(node.attr.value)
    ]
    out: dict[cst.Name, str] = {}
    for node in nodes:
        mangled = mangle(class_name, node.value)
        if mangled is None:
            return Refusal(RefusalCode.PRIVATE_NAME, f"the class {class_name} does not mangle {node.value}")
        out[node] = mangled
    return out


def _is_local_of(names: _Names, locals_: Sequence[str]) -> Callable[[cst.Name], bool]:
    local_names = set(locals_)

    def is_local(node: cst.Name) -> bool:
        return node.value in local_names and names.local_uses.get(node) == node.value

    return is_local


def _private_attributes(nodes: Sequence[cst.CSTNode]) -> set[str]:
    return {node.attr.value for node in nodes if isinstance(node, cst.Attribute) and is_private_name(node.attr.value)}


def _private_imports(nodes: Sequence[cst.CSTNode]) -> frozenset[str]:
    """CPython mangles a plain module name and the names imported from a module, not a
    dotted module name (``import __a.b`` imports ``__a.b``)."""
    found: set[str] = set()
    for node in nodes:
        if isinstance(node, cst.Import):
            found.update(a.name.value for a in node.names if isinstance(a.name, cst.Name) and is_private_name(a.name.value))
        elif isinstance(node, cst.ImportFrom):
            if isinstance(node.module, cst.Name) and is_private_name(node.module.value):
                found.add(node.module.value)
            if not isinstance(node.names, cst.ImportStar):
                found.update(a.name.value for a in node.names if isinstance(a.name, cst.Name) and is_private_name(a.name.value))
    return frozenset(found)


def _dotted_import_locals(nodes: Sequence[cst.CSTNode]) -> frozenset[str]:
    return frozenset(
        import_top_name(alias).value
        for node in nodes
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


def _frame_bound_class_name(index: ScopeIndex, name: cst.Name, role: Role, target: Scope | None) -> str | None:
    """Why a use of ``super`` or ``__class__`` ties the body to its own frame beyond what
    the explicit form emits (review R17 v1, v3), or None. Any mention of ``super`` gives a
    method its ``__class__`` cell, and a zero-argument call of the builtin, under whatever
    name, reads that cell and the frame's first argument: inlined, it would read the
    caller's (``from builtins import super``, ``make = super; make()``). A call with
    arguments depends on no frame."""
    if name.value == "__class__" and role is Role.DECL:
        return "declares __class__ global or nonlocal"
    if name.value != "super" or role.binds:
        return None
    call = index.parent(name)
    if isinstance(call, cst.Call) and call.func is name and (call.args or isinstance(target, BuiltinScope)):
        return None  # explicit arguments, or the zero-argument builtin call emitted explicitly
    return "refers to super otherwise than by calling the builtin: a zero-argument super() reads the frame it runs in"


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


def names_an_exception(index: ScopeIndex, name: cst.Name) -> bool:
    """``name`` is the target of an ``except ... as name`` (unbound when the handler ends)."""
    as_name = index.parent(name)
    return isinstance(as_name, cst.AsName) and isinstance(index.parent(as_name), (cst.ExceptHandler, cst.ExceptStarHandler))


def _bound_between(index: ScopeIndex, name: cst.Name, callee_scope: Scope) -> frozenset[str]:
    """The names the scopes nested in the callee around ``name`` bind (a comprehension's
    variables): code standing for ``name`` there must not read them."""
    out: frozenset[str] = frozenset()
    current = index.scope_of(name)
    while current is not None and current is not callee_scope and not isinstance(current, GlobalScope):
        out |= index.bindings(current)
        current = current.parent
    return out


def _inside_deferred(index: ScopeIndex, name: cst.Name, callee_scope: Scope) -> bool:
    """True when ``name`` sits in a lambda or generator expression nested in the callee."""
    current = index.scope_of(name)
    while current is not None and current is not callee_scope and not isinstance(current, (GlobalScope, ClassScope)):
        if _is_deferred_scope(current):
            return True
        current = current.parent
    return False
