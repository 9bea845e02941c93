"""Emission state: per module (``Emission``) and per emitted frame (``Frame``).

Nothing here decides what is inlined (that is the plan); this is the bookkeeping of
producing the code: generated names, the module-level aliases the code refers to, and
which nodes the transformer must descend into.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst

from ..analysis.callee import CalleeInfo
from ..analysis.classes import ClassInfo
from ..analysis.module import ModuleFacts
from ..analysis.returns import ReturnPlan
from ..analysis.scopes import ScopeIndex
from ..options import Options
from ..plan.model import FramePlan
from ..plan.names import FreshNames
from ..tree import is_statement_level, walk
from .lines import OriginMarks
from .renaming import Rename, Replacements


@dataclass(frozen=True)
class Namespace:
    """Another module's namespace, read by code inlined from it."""

    module: str
    alias: str
    #: The rewritten module's import statement after which the namespace is read.
    via: cst.SimpleStatementLine
    #: The file the module's source was read from, when references must name it
    #: (``Options.reference_files``).
    file: str | None = None


@dataclass(frozen=True)
class FunctionRef:
    callee: CalleeInfo
    alias: str
    #: The callee's module namespace, when it is another module.
    namespace: Namespace | None


@dataclass(eq=False)
class Frame:
    """One function body being emitted: the physical caller's own (depth 0) or an inlined one."""

    plan: FramePlan
    rename: Rename = field(default_factory=dict)
    #: How returns are lowered; None for the physical caller, whose returns stay returns.
    returns: ReturnPlan | None = None
    #: Variable receiving the result, or None when the await's value is discarded.
    result: str | None = None
    #: Flag set by a return inside a loop of the callee (see ``ReturnPlan``).
    done_flag: str | None = None
    #: Original nodes replaced wherever they are emitted: a method's zero-argument
    #: ``super()`` calls, made explicit (``super(its class, its first parameter)``).
    replaced: Replacements = field(default_factory=dict)
    #: The nodes the transformer must descend into (ancestors of what it rewrites); None:
    #: every node. Visiting a LibCST node costs tens of microseconds.
    visit: frozenset[cst.CSTNode] | None = None
    #: The tests of the sites whose guard this frame's guard makes (``Inlining.merged_guard``),
    #: added while its body is emitted.
    merged_guards: list[cst.BaseExpression] = field(default_factory=list)

    @property
    def inlined(self) -> bool:
        return self.returns is not None


class Emission:
    """Everything the emitter keeps while one module is rewritten."""

    def __init__(self, facts: ModuleFacts, options: Options, names: FreshNames, marks: OriginMarks) -> None:
        self.facts = facts
        self.index = facts.index
        self.options = options
        self.names = names
        self.marks = marks
        #: Callee key -> the module-level alias holding the original function object (what
        #: guards compare against, where defaults are read from).
        self.refs: dict[str, FunctionRef] = {}
        #: Callee key -> module-level alias of the function's ``__defaults__`` as the
        #: module found it (``defaults_alias``).
        self.defaults: dict[str, str] = {}
        #: Module name -> the alias of another module's namespace, and the import
        #: statement after which it is read (the earliest).
        self.namespaces: dict[str, Namespace] = {}
        #: Callee key -> module-level alias of a method's ``__class__`` cell (``super()``).
        self.class_cells: dict[str, str] = {}
        #: Module-level class name -> alias of its order as ``runtime.super_order`` vouches
        #: for it (``Guard.SUPER_CLASS``).
        self.super_orders: dict[str, str] = {}
        self.runtime_alias: str | None = None
        self.method_type_alias: str | None = None
        self.builtin_namespace_alias: str | None = None
        self.configure_await_alias: str | None = None
        #: Builtin name -> its module-level alias (``builtin``).
        self.builtin_aliases: dict[str, str] = {}
        #: Callees (by key) that some site guards with the class test of ``class-methods``.
        self.class_tested: set[str] = set()
        self.hooks_alias: str | None = None
        self.state_alias: str | None = None
        self._module_visit: frozenset[cst.CSTNode] | None = None
        self._body_visit: dict[str, frozenset[cst.CSTNode]] = {}

    def ref_alias(self, body: FramePlan) -> str:
        """The module-level alias of the function inlined as ``body`` that guards compare
        against and defaults are read from; made on first use, so code that needs neither
        gets no alias."""
        callee = body.callee
        assert callee is not None
        if callee.key not in self.refs:
            namespace = self.namespace(body)
            if callee.owner is not None or namespace is not None or self.defined_conditionally(callee):
                self.runtime()  # function_of, function_at, NOT_FOUND
            alias = self.names.make(f"ai_ref_{callee.qualname.replace('.', '_')}")
            self.refs[callee.key] = FunctionRef(callee, alias, namespace)
        return self.refs[callee.key].alias

    def defaults_alias(self, body: FramePlan) -> str:
        """The module-level alias of the defaults tuple of the function inlined as
        ``body``, bound with its reference: a default is read from it while the function
        still holds that tuple (``runtime.defaults_of``)."""
        callee = body.callee
        assert callee is not None
        self.ref_alias(body)
        if callee.node.decorators:
            self.runtime()  # defaults_of
        if callee.key not in self.defaults:
            self.defaults[callee.key] = self.names.make(f"ai_defs_{callee.qualname.replace('.', '_')}")
        return self.defaults[callee.key]

    def defined_conditionally(self, callee: CalleeInfo) -> bool:
        """A function of this module (the callers make sure) defined in a block that may
        not run: its reference is bound to ``runtime.NOT_FOUND`` at the top of the module,
        then to the function right after its ``def``, if that runs."""
        return callee.owner is None and callee.name in self.facts.conditional_functions

    def namespace(self, body: FramePlan) -> Namespace | None:
        """The alias of the namespace of ``body``'s module, if it is not the rewritten one."""
        if body.facts is self.facts:
            return None
        name, via = body.facts.name, body.via
        assert name is not None and via is not None, "the planner inlines code of other modules only through an import"
        if name not in self.namespaces:
            self.runtime()  # module_globals
            file = body.facts.path if self.options.reference_files else None
            self.namespaces[name] = Namespace(name, self.names.make(f"ai_g_{name.replace('.', '_')}"), via, file)
        return self.namespaces[name]

    def class_cell_alias(self, body: FramePlan) -> str:
        """The module-level alias of the ``__class__`` cell a method's ``super()`` reads
        (the cell: a class decorator called later may point it at another class)."""
        callee = body.callee
        assert callee is not None
        if callee.key not in self.class_cells:
            self.ref_alias(body)
            self.class_cells[callee.key] = self.names.make(f"ai_cell_{callee.qualname.replace('.', '_')}")
        return self.class_cells[callee.key]

    def super_order_alias(self, cls: ClassInfo) -> str:
        """The module-level alias of ``runtime.super_order(cls)``, bound after the class
        statement (an empty tuple before: the test fails while the statement runs)."""
        if cls.name not in self.super_orders:
            self.runtime()
            self.super_orders[cls.name] = self.names.make(f"ai_mro_{cls.name}")
        return self.super_orders[cls.name]

    def hooks(self) -> str:
        """The module-level alias of ``runtime.hooks`` (frame entries read ``enter`` from it
        each time: the tracer switches it)."""
        if self.hooks_alias is None:
            self.runtime()
            self.hooks_alias = self.names.make("ai_hooks")
        return self.hooks_alias

    def state(self) -> cst.Name:
        """The module-level alias of ``runtime.state`` (a frame's exit test): a global
        read and a call, where ``_ai_rt.state()`` also reads the attribute (about 4 ns of
        each exit; ``runtime.state`` is the state variable's ``get``, never switched)."""
        if self.state_alias is None:
            self.runtime()
            self.state_alias = self.names.make("ai_state")
        return cst.Name(self.state_alias)

    def method_type(self) -> str:
        """The module-level alias of ``types.MethodType`` (via runtime), for method guards."""
        if self.method_type_alias is None:
            self.runtime()
            self.method_type_alias = self.names.make("ai_MethodType")
        return self.method_type_alias

    def configure_await(self) -> cst.Name:
        """The module-level alias of the real ``runtime.configure_await``, for the guards of
        I7 sites."""
        if self.configure_await_alias is None:
            self.runtime()
            self.configure_await_alias = self.names.make("ai_configure_await")
        return cst.Name(self.configure_await_alias)

    def builtin_namespace(self) -> cst.Name:
        """The module-level alias of the builtins' namespace (via runtime), where code of
        another module reads the builtins its module does not shadow."""
        if self.builtin_namespace_alias is None:
            self.runtime()
            self.builtin_namespace_alias = self.names.make("ai_builtins")
        return cst.Name(self.builtin_namespace_alias)

    def builtin(self, name: str) -> cst.Name:
        """The module-level alias of the builtin ``name`` (via runtime), for generated code:
        the user's code may bind the bare name (a parameter called ``type``)."""
        alias = self.builtin_aliases.get(name)
        if alias is None:
            self.runtime()
            alias = self.builtin_aliases[name] = self.names.make(f"ai_{name}")
        return cst.Name(alias)

    def runtime(self) -> cst.Name:
        """The name generated code reaches ``runtime`` by (``import runtime as _ai_rt``)."""
        if self.runtime_alias is None:
            self.runtime_alias = self.names.make("ai_rt")
        return cst.Name(self.runtime_alias)

    def ancestors_of(
        self, targets: list[cst.CSTNode], stop: cst.CSTNode | None = None, index: ScopeIndex | None = None
    ) -> frozenset[cst.CSTNode]:
        """``targets`` and every node above them (up to ``stop``, included), in the tree
        of ``index`` (default: the rewritten module's)."""
        parent = (index or self.index).parent
        found: set[cst.CSTNode] = set()
        for node in targets:
            current: cst.CSTNode | None = node
            while current is not None and current not in found:
                found.add(current)
                if current is stop:
                    break
                current = parent(current)
        return frozenset(found)

    @property
    def module_visit(self) -> frozenset[cst.CSTNode]:
        """What the module pass must descend into: the ancestors of every await."""
        if self._module_visit is None:
            self._module_visit = self.ancestors_of([n for n in walk(self.index.module) if type(n) is cst.Await])
        return self._module_visit

    def body_visit(self, body: FramePlan, rename: Rename) -> frozenset[cst.CSTNode]:
        """What an inlined body of ``callee`` must descend into: the ancestors of its
        awaits, renamed names, returns, ``global`` statements and import aliases; and every
        statement, always rebuilt: a statement object shared with the callee's own
        definition would have two places in the output, and one line in origin_lines.
        Expressions may be shared."""
        callee = body.callee
        assert callee is not None
        index = body.facts.index
        fixed = self._body_visit.get(callee.key)
        if fixed is None:
            targets: list[cst.CSTNode] = []
            statements: list[cst.CSTNode] = []
            for node in walk(callee.node.body):
                if isinstance(node, (cst.Await, cst.Return, cst.Global, cst.ImportAlias)):
                    targets.append(node)
                elif isinstance(node, cst.Name) and (node in callee.mangled or node in callee.class_cell_uses):
                    targets.append(node)
                elif is_statement_level(node):
                    statements.append(node)
            # callee.body: a one-line body's statements are in a line made for them (tree.statements_of).
            fixed = self.ancestors_of(targets, callee.node.body, index) | frozenset(statements) | frozenset(callee.body)
            self._body_visit[callee.key] = fixed
        return fixed | self.ancestors_of(list(rename), callee.node.body, index) if rename else fixed
