"""Facts about one module that the planner and the emitter share, each computed once."""

from __future__ import annotations

import dataclasses
import types
import unicodedata
from collections.abc import Callable, Container, Iterator, Sequence
from functools import cached_property
from typing import TYPE_CHECKING, Any, TypeVar, cast, get_args

import libcst as cst
import libcst.matchers as m
from libcst.metadata import BuiltinScope, ComprehensionScope, GlobalScope, Scope
from libcst.metadata.scope_provider import AnnotationScope

from ..options import noinline_matches
from ..pyast import QUIET_FILE, compile_quietly
from ..tree import children, future_features, statements_of, walk
from .callee import CalleeInfo, Owner, alias_of, analyze_callee, is_private_name, mangle, names_an_exception
from .classes import UNKNOWN, ClassInfo, analyze_class, is_overload_stub, module_classes
from .comprehensions import ComprehensionNames, comprehension_names
from .definite_assignment import UnsupportedStatement, maybe_unassigned_locals
from .deletions import may_delete_its_globals, read_by_a_builtin
from .imports import ImportBinding, import_bindings, own_submodules
from .refusals import Refusal, RefusalCode
from .returns import ReturnPlan, plan_returns
from .scopes import Role, ScopeIndex

_T = TypeVar("_T")

if TYPE_CHECKING:
    from .program import Program


#: The globals the import system sets in every module it runs (``__file__``,
#: ``__cached__`` and ``__path__`` only in some).
_ALWAYS_SET_DUNDERS = frozenset({"__name__", "__doc__", "__package__", "__spec__", "__loader__", "__builtins__"})


def _global_spellings(index: ScopeIndex) -> Iterator[str]:
    """The names code of the module reads as globals, builtins or type parameters, or
    declares ``global``, as the module's namespace spells them: a private name in a class
    also as the class mangles it (``__z`` in a method of ``A`` reads ``_A__z``, which a
    callee's local of that spelling inlined beside it would shadow: review R23a F1)."""
    for node, role in index.roles.items():
        if role is Role.DECL or (role.reads and isinstance(index.use_scope(node), (GlobalScope, BuiltinScope, AnnotationScope))):
            yield node.value
            scope = index.scope_of(node) if is_private_name(node.value) else None
            mangling = index.mangling_class(scope) if scope is not None else None
            spelled = mangle(mangling, node.value) if mangling is not None else None
            if spelled is not None:
                yield spelled


class ModuleFacts:
    def __init__(
        self,
        index: ScopeIndex,
        name: str | None = None,
        noinline: Sequence[str] = (),
        *,
        program: Program | None = None,
        is_package: bool = False,
        path: str | None = None,
        encoding: str = "utf-8",
        code: types.CodeType | None = None,
    ) -> None:
        self.index = index
        self._code = code
        #: The encoding of the module's file (its coding declaration): what the rewritten
        #: file can hold, so what text of other modules may be inlined into it.
        self.encoding = encoding
        #: The module's dotted name, when known.
        self.name = name
        #: The other modules this one may inline from (None: this module alone).
        self.program = program
        self.is_package = is_package
        #: The package its relative imports resolve against (``__package__``), when known.
        self.package = (name if is_package else name.rpartition(".")[0]) if name is not None else None
        self.path = path
        self._noinline = tuple(noinline)
        #: Module-level function definitions by name, in source order (in ``if``, ``try``
        #: and ``with`` blocks too: conditionally defined functions).
        self._function_defs: dict[str, list[cst.FunctionDef]] = {}
        for fdef in module_level_definitions(index.module.body):
            self._function_defs.setdefault(fdef.name.value, []).append(fdef)
        self._functions: dict[str, CalleeInfo] = {}
        #: Module-level classes by name (their methods are callees too).
        self.classes: dict[str, ClassInfo] = module_classes(index, name)
        #: Module-level names bound once by a top-level import statement.
        self.imports: dict[str, ImportBinding] = import_bindings(index, name, is_package)
        #: Names a package binds only to its own submodule of that name (``from . import x``).
        self.own_submodules = own_submodules(module_level_statements(index.module.body), index, name, is_package)
        self._methods: dict[tuple[str, str], CalleeInfo] = {}
        #: Names code of this module reads as globals, builtins or type parameters of a
        #: class, or declares ``global``: no callee local may take them (inlined code could
        #: read them; a callee inlined beside it may declare the name global in the whole
        #: caller, review R13 f1). Generated code reads builtins by aliases.
        self.reserved_free = index.declared_global() | frozenset(_global_spellings(index))
        self._returns: dict[str, ReturnPlan] = {}
        self._per_function: dict[tuple[str, int], Any] = {}
        self._stable: dict[Scope, frozenset[str]] = {}
        self._local_bindings: dict[Scope, dict[str, list[cst.Name]]] = {}
        self._expression: dict[str, bool] = {}

    @cached_property
    def code(self) -> types.CodeType | None:
        """The module as CPython compiles it (None where it does not): a function's code
        object gives the order its frame releases its variables (``release.release_order``).
        The rewritten module's is the one its check compiled; another's is compiled here."""
        if self._code is not None:
            return self._code
        try:
            return compile_quietly(self.index.module.code, QUIET_FILE)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return None

    def function(self, name: str) -> CalleeInfo | None:
        """The callee for module-level function ``name``, if the module defines one."""
        if name not in self._functions:
            defs = self._function_defs.get(name)
            if not defs:
                return None
            fdef = defs[-1]
            # Bound once, or by ``@overload`` stubs and then this definition.
            stubs = defs[:-1]
            bindings = self.index.global_binding_counts.get(name, 0)
            rebound = not all(is_overload_stub(d) for d in stubs) or bindings != len(defs) or is_overload_stub(fdef)
            self._functions[name] = self._listed(analyze_callee(self.index, fdef, key=self.qualified(name), rebound=rebound))
        return self._functions[name]

    @cached_property
    def conditional_functions(self) -> frozenset[str]:
        """Module-level functions defined in a block of a top-level ``if``, ``try`` or
        ``with``: a block that may not run. Then the name is not the function (a builtin,
        or unbound), though nothing rebinds it: the reference the guard compares with must
        exist before the block runs (``rewriter._add_runtime_import``)."""
        top = {id(stmt) for stmt in self.index.module.body}
        return frozenset(name for name, defs in self._function_defs.items() if id(defs[-1]) not in top)

    @cached_property
    def unsure_functions(self) -> frozenset[str]:
        """Module-level functions whose name may not hold them when a site runs, though no
        binding the analysis counts replaces them: those defined in a block that may not
        run, and those a later ``from x import *`` may rebind (it binds names the analysis
        does not see). Their sites keep the guard, under ``no-rebinding`` too: the promise
        is about the program rebinding functions, and this is the module's own code."""
        defined: list[str] = []
        starred: set[str] = set()
        for stmt in module_level_statements(self.index.module.body):
            if isinstance(stmt, cst.FunctionDef):
                defined.append(stmt.name.value)
            elif isinstance(stmt, cst.SimpleStatementLine) and any(
                isinstance(small, cst.ImportFrom) and isinstance(small.names, cst.ImportStar) for small in stmt.body
            ):
                starred.update(defined)
        return self.conditional_functions | starred

    def _listed(self, info: CalleeInfo) -> CalleeInfo:
        if info.refusal is None and noinline_matches(info.key, self._noinline):
            return dataclasses.replace(info, refusal=Refusal(RefusalCode.NOINLINE, "listed in the noinline option"))
        return info

    def method(self, cls: ClassInfo, name: str) -> CalleeInfo:
        """The callee for method ``name`` of ``cls`` (which must define it)."""
        key = (cls.qualname, name)
        if key not in self._methods:
            method = cls.methods[name]
            owner = Owner(cls.qualname, method.kind)
            qualname = f"{cls.qualname}.{name}"
            self._methods[key] = self._listed(analyze_callee(self.index, method.node, key=self.qualified(qualname), owner=owner))
        return self._methods[key]

    @cached_property
    def every_class(self) -> tuple[ClassInfo, ...]:
        """Every class statement of the module, those in functions and classes too: a
        subclass defined in a function still has instances."""
        top = {id(c.node): c for c in self.classes.values()}
        return tuple(
            top.get(id(node)) or analyze_class(node, node.name.value, False, self.name, self.index) for node in self._scanned[0]
        )

    @cached_property
    def subclasses(self) -> dict[int, list[ClassInfo]]:
        """The classes of ``every_class`` by the id of each class in the known part of
        their method-resolution order (bases of other modules included)."""
        from .references import class_order  # (references reads this module's facts)

        table: dict[int, list[ClassInfo]] = {}
        for sub in self.every_class:
            for base in class_order(self, sub).classes[1:]:
                if base is not UNKNOWN:
                    table.setdefault(id(base), []).append(sub)
        return table

    @cached_property
    def attribute_stores(self) -> dict[str, list[AttributeStore]]:
        """Where the module's code assigns each attribute name (``x.name = ...``, and the
        calls of ``_named_attribute_sets``), on which object and what value: where an
        instance attribute may shadow a method of that name, or a class attribute replace
        it."""
        return self._scanned[1]

    @cached_property
    def class_calls(self) -> list[cst.Call]:
        """Calls that may make a class (``type(name, bases, ns)``, ``types.new_class``,
        ``dataclasses.make_dataclass``, a metaclass called as ``Meta(name, (B,), ns)``):
        subclasses ``every_class`` does not see."""
        return self._scanned[2]

    @cached_property
    def _scanned(self) -> tuple[list[cst.ClassDef], dict[str, list[AttributeStore]], list[cst.Call]]:
        """One walk of the module for ``every_class``, ``attribute_stores`` and ``class_calls``."""
        classes: list[cst.ClassDef] = []
        stores: dict[str, list[AttributeStore]] = {}
        calls: list[cst.Call] = []
        parent = self.index.parent
        for node in walk(self.index.module):
            kind = type(node)
            if kind is cst.ClassDef:
                classes.append(cast(cst.ClassDef, node))
            elif kind in _STORE_TARGETS:
                # The value, where one expression is stored as it is (``a.m = b.m = v``,
                # not ``a.m, b.n = v``).
                target = cast(_StoreTarget, node).target
                up = parent(node) if kind is cst.AssignTarget else node
                value = None
                if type(up) in (cst.Assign, cst.AnnAssign) and type(target) in (cst.Attribute, cst.Subscript):
                    value = cast(cst.Assign | cst.AnnAssign, up).value
                for obj, name in _attributes_of(target):
                    stores.setdefault(name, []).append(AttributeStore(obj, value))
                if kind is cst.AugAssign and (mapping := _instance_dict_of(target)) is not None:  # x.__dict__ |= {...}
                    for found in _dict_items(mapping, cast(cst.AugAssign, node).value):
                        stores.setdefault(found[1], []).append(AttributeStore(found[0], found[2], found[3]))
            elif kind is cst.WithItem and (asname := cast(cst.WithItem, node).asname) is not None:
                for obj, name in _attributes_of(asname.name):
                    stores.setdefault(name, []).append(AttributeStore(obj, None))
            elif kind is cst.Call:
                call = cast(cst.Call, node)
                for store in _named_attribute_sets(call):
                    stores.setdefault(store[1], []).append(AttributeStore(store[0], store[2], store[3], store[4]))
                if _may_make_class(call) or _calls_an_alias_of_type(self.index, call) or _calls_a_metaclass(self.index, call):
                    calls.append(call)
                func = call.func
                if (
                    call.args
                    and (func.attr.value if type(func) is cst.Attribute else func.value if type(func) is cst.Name else None) == "update_wrapper"
                    and self.index.qualified_names(func) & _UPDATING_AN_OBJECTS_DICT
                ):
                    stores.setdefault(ANY_ATTRIBUTE, []).append(AttributeStore(call.args[0].value, None))
            if kind in (cst.Attribute, cst.Call) and (owner := _instance_dict_of(cast(cst.BaseExpression, node))) is not None:
                if self._dict_escapes(node):
                    stores.setdefault(ANY_ATTRIBUTE, []).append(AttributeStore(owner, None))
        return classes, stores, calls

    def _dict_escapes(self, mapping: cst.CSTNode) -> bool:
        """``x.__dict__`` (or ``vars(x)``) is replaced, or handed on where the code may
        write it under names the source does not show: bound to a name (``d =
        self.__dict__``), passed to a function (``operator.setitem(vars(self), ...)``,
        ``exec(code, self.__dict__)``; not to a builtin that only reads it), returned,
        yielded, put in a display (review R15 m3: ``self.__dict__ = self``, the AttrDict
        idiom). Read in place (``x.__dict__["m"]``, ``"m" in vars(x)``, a method called on
        it, which ``_named_attribute_sets`` reads) it is not."""
        up = self.index.parent(mapping)
        if isinstance(up, cst.Arg):
            return not read_by_a_builtin(self.index, up)
        return isinstance(
            up, (cst.AssignTarget, cst.Assign, cst.AnnAssign, cst.AugAssign, cst.NamedExpr, cst.Return, cst.Yield, cst.Element, cst.StarredElement, cst.DictElement)
        )

    @cached_property
    def binding_names(self) -> dict[tuple[Scope, str], list[cst.Name]]:
        """The Names binding each variable, by the scope it is bound in and its name."""
        found: dict[tuple[Scope, str], list[cst.Name]] = {}
        index = self.index
        for node, role in index.roles.items():
            if role.binds and (scope := index.use_scope(node)) is not None:
                found.setdefault((scope, node.value), []).append(node)
        return found

    @cached_property
    def unnormalized_identifier(self) -> str | None:
        """An identifier the module spells otherwise than Python reads it, if any. The
        parser takes identifiers in NFKC form (PEP 3131: ``𝐱`` and ``ｘ`` are ``x``, ``ﬁx``
        is ``fix``); the analysis compares names as written (hygiene, bindings, the keys of
        another module's namespace), so no site of such a module is inlined, and nothing
        is inlined from it. Every Name has a role; an ASCII name is in NFKC form."""
        for node in self.index.roles:
            text = node.value
            if not text.isascii() and not unicodedata.is_normalized("NFKC", text):
                return text
        return None

    @cached_property
    def private_spelled_twice(self) -> tuple[str, str] | None:
        """``(__x, _C__x)`` where the module writes both a private identifier in the code of
        class ``C`` (a variable or an attribute) and the name ``C`` mangles it to, or binds
        ``__x`` at its top level while class code reads it (``_C__x`` there). One variable
        or attribute then has two spellings, or two have one, and the analysis's scopes,
        aliases, handlers and stores compare names as written: no site of such a module is
        inlined, and nothing is inlined from it (reviews R24a, R25a)."""
        written: set[str] = set()
        private: dict[str, str] = {}
        stack: list[tuple[cst.CSTNode, str | None]] = [(self.index.module, None)]
        while stack:
            node, cls = stack.pop()
            if type(node) is cst.Name:
                written.add(node.value)
                spelled = mangle(cls, node.value) if cls is not None and is_private_name(node.value) else None
                if spelled is not None:
                    private.setdefault(spelled, node.value)
            # Only a class's body is its code: its name, bases and decorators are the outer code's.
            if isinstance(node, cst.ClassDef):
                stack.extend((child, node.name.value if child is node.body else cls) for child in children(node))
            else:
                stack.extend((child, cls) for child in children(node))
        for spelled, name in sorted(private.items()):
            if spelled in written or name in self.module_globals:
                return name, spelled
        return None

    @cached_property
    def postponed_annotations(self) -> bool:
        """``from __future__ import annotations``: the compiler refuses ``:=``, ``await``
        and ``yield`` in the module's annotations (PEP 563)."""
        return "annotations" in future_features(self.index.module.body)

    @cached_property
    def module_globals(self) -> frozenset[str]:
        """Names the module binds at its top level."""
        return self.index.bindings(self.index.global_scope)

    @cached_property
    def always_bound(self) -> frozenset[str]:
        """Globals the module holds once its code has run, whichever branches that took,
        and never deletes: code inlined from it reads them from its namespace directly.
        Others (``if sys.version_info < (3, 11): from exceptiongroup import
        BaseExceptionGroup``) may be missing there, and Python then reads the builtins or
        raises NameError (``runtime.global_value``). An ``except E as name`` deletes
        ``name`` when its handler ends, at top level or under ``global name``, like ``del``;
        code that may delete a global otherwise may delete any (``deletions.may_delete_its_globals``)."""
        index = self.index
        if may_delete_its_globals(index, self.module_globals):
            return _ALWAYS_SET_DUNDERS
        deleted = {
            n.value
            for n, role in index.roles.items()
            if (role is Role.DEL or (role is Role.STORE and names_an_exception(index, n))) and index.use_scope(n) is index.global_scope
        }
        return frozenset((_bound_on_every_path(index, index.module.body) | _ALWAYS_SET_DUNDERS) - deleted)

    def qualified(self, qualname: str) -> str:
        """``pkg.mod.qualname``, or the bare qualname when the module's name is unknown."""
        return f"{self.name}.{qualname}" if self.name else qualname

    def once_per_function(self, what: str, fdef: cst.FunctionDef, compute: Callable[[], _T]) -> _T:
        """``compute()``, the fact ``what`` of ``fdef``, a function of this module, found
        once: every inlined copy of a callee, and every site of a caller, asks again."""
        key = (what, id(fdef))
        if key not in self._per_function:
            self._per_function[key] = compute()
        return cast("_T", self._per_function[key])

    def comprehension_names(self, fdef: cst.FunctionDef) -> ComprehensionNames:
        return self.once_per_function("comprehension names", fdef, lambda: comprehension_names(self.index, fdef))

    def return_plan(self, callee: CalleeInfo) -> ReturnPlan:
        if callee.key not in self._returns:
            self._returns[callee.key] = plan_returns(callee.body)
        return self._returns[callee.key]

    def expression_callee(self, callee: CalleeInfo, _seen: frozenset[str] = frozenset()) -> bool:
        """True when ``callee`` can be inlined as an expression, and so can every callee it
        awaits that could itself be inlined (an expression cannot hold statements)."""
        if callee.key in self._expression:
            return self._expression[callee.key]
        ok = (
            callee.refusal is None
            and callee.return_expr is not None
            and callee.owner is None  # a method's guard needs its lookup as a statement
            and not callee.is_runtime_async  # its frame needs the runtime's entry and exit
            and callee.key not in _seen
        )
        if ok:
            assert callee.return_expr is not None
            ok = all(self._inner_expression_ok(node, callee.key, _seen) for node in walk(callee.return_expr))
        if not _seen:
            self._expression[callee.key] = ok
        return ok

    def _inner_expression_ok(self, node: cst.CSTNode, outer: str, seen: frozenset[str]) -> bool:
        if not (isinstance(node, cst.Await) and isinstance(node.expression, cst.Call)):
            return True
        func = node.expression.func
        inner = self.function(func.value) if isinstance(func, cst.Name) else None
        if inner is None or inner.refusal is not None or self.index.use_scope(cast(cst.Name, func)) is not self.index.global_scope:
            return True
        return self.expression_callee(inner, seen | {outer})

    def local_bindings(self, scope: Scope, root: cst.FunctionDef) -> dict[str, list[cst.Name]]:
        """Where ``root``'s code binds each local of ``scope`` (its body's), in source order."""
        if scope not in self._local_bindings:
            index = self.index
            found: dict[str, list[cst.Name]] = {}
            for n in index.variables_in(root):
                if index.role(n).binds and index.use_scope(n) is scope:
                    found.setdefault(n.value, []).append(n)
            self._local_bindings[scope] = found
        return self._local_bindings[scope]

    # -- stability (see stability.py) ----------------------------------------------------
    def stable_locals(self, scope: Scope, root: cst.FunctionDef) -> frozenset[str]:
        """Locals of ``scope`` (the body of ``root``) that no nested scope uses and that
        every read finds assigned: their reads may be moved or dropped."""
        if scope not in self._stable:
            index = self.index
            touched = {n.value for n in index.variables_in(root) if index.scope_of(n) is not scope and index.use_scope(n) is scope}
            self._stable[scope] = index.bindings(scope) - touched - self._maybe_unassigned(scope, root)
        return self._stable[scope]

    def _maybe_unassigned(self, scope: Scope, fdef: cst.FunctionDef) -> frozenset[str]:
        index = self.index
        params = frozenset(n.value for n in walk(fdef.params) if isinstance(n, cst.Name) and index.role(n) is Role.PARAM)

        def is_local(node: cst.Name) -> bool:
            return index.role(node) is not Role.OTHER and index.use_scope(node) is scope

        try:
            return frozenset(maybe_unassigned_locals(statements_of(fdef.body), params, is_local))
        except UnsupportedStatement:
            return index.bindings(scope)  # not modelled: no local is known to be assigned

    def name_stability(
        self, scope: Scope, root: cst.FunctionDef, walrus: frozenset[str], substituted: Container[cst.Name] = ()
    ) -> Callable[[cst.Name], bool]:
        """The stability of names in one statement of a frame emitting ``root``'s body in
        ``scope``; ``substituted`` are the parameters of an expression-form frame."""
        index = self.index

        def stable(node: cst.Name) -> bool:
            if node in substituted:
                return True
            use = index.use_scope(node)
            if isinstance(use, ComprehensionScope):
                return True
            if node.value in walrus or use is not scope:
                return False
            return node.value in self.stable_locals(scope, root)

        return stable


_StoreTarget = cst.AssignTarget | cst.AugAssign | cst.AnnAssign | cst.For | cst.CompFor
_STORE_TARGETS = frozenset(get_args(_StoreTarget))


@dataclasses.dataclass(frozen=True)
class AttributeStore:
    """An attribute assigned by the module's code (``ModuleFacts.attribute_stores``)."""

    #: The object whose attribute is set.
    obj: cst.BaseExpression
    #: The value stored, when the source shows it as one expression (None: computed, as by
    #: ``+=`` or a ``for`` target).
    value: cst.BaseExpression | None
    #: ``mock.patch.object(x, "name")`` without a new value: a mock is stored.
    mock: bool = False
    #: For a target named by a string (``mock.patch("pkg.mod.K.m")``, ``obj`` is that
    #: string): the dotted name of the object (``pkg.mod.K``).
    path: str | None = None


#: The name under which ``attribute_stores`` keeps stores of attributes whose names the
#: source does not show (``setattr(x, name, v)``, ``x.__dict__.update(pairs)``).
ANY_ATTRIBUTE = "*"


#: What ``_named_attribute_sets`` yields: the object, the name, the value, a mock, and
#: the dotted name of an object a string names.
_NamedSet = tuple[cst.BaseExpression, str, "cst.BaseExpression | None", bool, "str | None"]


def _calls_an_alias_of_type(index: ScopeIndex, call: cst.Call) -> bool:
    """``mk(name, bases, ns)`` or ``mk(*spec)`` where ``mk = type`` (review R33b F4)."""
    return (
        type(call.func) is cst.Name
        and (len(call.args) >= 3 or any(a.star for a in call.args))
        and alias_of(index, call.func.value) == "builtins.type"
    )


#: Bases that make a class a metaclass (others of the program derive from these in turn);
#: called, they make classes (``abc.ABCMeta(name, BASES, ns)``: review R34b F3).
METACLASSES = frozenset({"builtins.type", "abc.ABCMeta", "enum.EnumMeta", "enum.EnumType"})


def _calls_a_metaclass(index: ScopeIndex, call: cst.Call) -> bool:
    func = call.func
    tail = func.value if type(func) is cst.Name else func.attr.value if type(func) is cst.Attribute else None
    if tail not in _METACLASS_TAILS or not (len(call.args) >= 3 or any(a.star for a in call.args)):
        return False  # asking the scopes is costly: only for names that could match
    return bool(index.qualified_names(func) & METACLASSES)


_METACLASS_TAILS = frozenset(name.rpartition(".")[2] for name in METACLASSES)


def _may_make_class(call: cst.Call) -> bool:
    """``call`` may make a class: ``type`` with three arguments (or unpacked ones),
    ``new_class``, ``make_dataclass``, a ``__new__`` given a name, bases and a namespace
    (``type.__new__(type, name, bases, ns)``, a metaclass's ``super().__new__``), a
    ``__call__`` given four (``type.__call__(type, name, bases, ns)``), a call given
    ``bases=``, or anything called with a tuple second (``Meta(name, (B,), ns)``; reviews
    R32b F4, R33b F4)."""
    func, args = call.func, call.args
    last = func.value if type(func) is cst.Name else func.attr.value if type(func) is cst.Attribute else None
    if last in ("new_class", "make_dataclass") or (last == "__new__" and len(args) >= 3) or (last == "__call__" and len(args) >= 4):
        return True
    if any(a.keyword is not None and a.keyword.value == "bases" for a in args) or (last == "type" and any(a.star for a in args)):
        return True
    if len(args) < 3 or args[0].keyword is not None or args[1].keyword is not None or args[1].star:
        return False
    return last == "type" or type(args[1].value) is cst.Tuple


def _named_attribute_sets(call: cst.Call) -> Iterator[_NamedSet]:
    """``(x, "name", value, mock, path)`` for the calls that set attribute ``name`` of ``x``:
    ``setattr(x, "name", ...)`` and any ``setattr`` method (pytest's
    ``monkeypatch.setattr(x, "name", ...)`` and ``monkeypatch.setattr("pkg.mod.K.name",
    ...)``), ``object.__setattr__(x, "name", ...)`` and ``x.__setattr__("name", ...)``
    (``super().__setattr__``), ``mock.patch.object(x, "name")``, ``mock.patch("pkg.mod.K.name")``,
    ``mock.patch.multiple(x, name=...)``, ``mock.patch.dict`` and updates of ``x.__dict__``
    or ``vars(x)``. A name the source does not show is ``ANY_ATTRIBUTE``."""
    func = call.func
    args = call.args
    if type(func) is cst.Name:
        if func.value == "setattr" and len(args) >= 2:
            yield from _named(args[0].value, args[1].value, positional_argument(args, 2))
        elif func.value == "patch" and args:
            yield from _patched(args)
        return
    if type(func) is not cst.Attribute:
        return
    attr = func.attr.value
    on_patch = m.matches(func.value, m.Name("patch") | m.Attribute(attr=m.Name("patch")))
    if attr == "__setattr__" and len(args) == 2 and not args[0].keyword:
        yield from _named(func.value, args[0].value, positional_argument(args, 1))
    elif attr == "object" and on_patch and len(args) >= 2:
        # Without a new value (``new``, or made by ``new_callable``) the patch stores a mock.
        new = positional_argument(args, 2) or _keyword(args, "new")
        yield from _named(args[0].value, args[1].value, new, _makes_a_mock(args, new))
    elif attr == "patch" and args:
        yield from _patched(args)
    elif attr in ("setattr", "__setattr__") and len(args) >= 2:
        target = args[0].value
        if len(args) == 2 and (dotted := _string_value(target)) is not None and "." in dotted:
            owner, _, name = dotted.rpartition(".")  # monkeypatch.setattr("pkg.mod.K.m", value)
            yield target, name, args[1].value, False, owner
        else:
            yield from _named(target, args[1].value, positional_argument(args, 2))
    elif attr == "multiple" and on_patch and args and args[0].keyword is None:
        target = args[0].value
        yield from ((target, arg.keyword.value, arg.value, False, _string_value(target)) for arg in args[1:] if arg.keyword is not None)
    elif attr == "dict" and on_patch and args and (obj := _instance_dict_of(args[0].value)) is not None:
        # mock.patch.dict(x.__dict__, {"m": ...}, m=...)
        yield from _dict_items(obj, positional_argument(args, 1), args[1:])
    elif attr in ("update", "setdefault", "__setitem__", "__ior__") and (obj := _instance_dict_of(func.value)) is not None:
        # ``x.__dict__.update(m=...)``, ``vars(x).update({"m": ...})``, ``x.__dict__.setdefault("m", ...)``
        if attr in ("setdefault", "__setitem__"):
            if args:
                yield from _named(obj, args[0].value, positional_argument(args, 1))
        else:
            yield from _dict_items(obj, positional_argument(args, 0), args)


def _dict_items(obj: cst.BaseExpression, mapping: cst.BaseExpression | None, args: Sequence[cst.Arg] = ()) -> Iterator[_NamedSet]:
    """The attributes of ``obj`` that storing ``mapping`` (and keyword arguments ``args``)
    into its ``__dict__`` sets; ``ANY_ATTRIBUTE`` where the source does not show them."""
    if mapping is not None:
        if type(mapping) is cst.Dict:
            for element in mapping.elements:
                if isinstance(element, cst.DictElement):
                    yield from _named(obj, element.key, element.value)
                else:
                    yield obj, ANY_ATTRIBUTE, None, False, None  # **other
        else:
            yield obj, ANY_ATTRIBUTE, None, False, None  # pairs, dict(m=...), a variable
    for arg in args:
        if arg.keyword is not None:
            yield obj, arg.keyword.value, arg.value, False, None
        elif arg.star:
            yield obj, ANY_ATTRIBUTE, None, False, None


def _patched(args: Sequence[cst.Arg]) -> Iterator[_NamedSet]:
    """``mock.patch("pkg.mod.K.m", new)``: attribute ``m`` of the object ``pkg.mod.K``."""
    target = args[0].value if args[0].keyword is None else _keyword(args, "target")
    path = _string_value(target) if target is not None else None
    if target is None or path is None or "." not in path:
        return
    obj, _, name = path.rpartition(".")
    new = positional_argument(args, 1) or _keyword(args, "new")
    yield target, name, new, _makes_a_mock(args, new), obj


def _keyword(args: Sequence[cst.Arg], name: str) -> cst.BaseExpression | None:
    return next((a.value for a in args if a.keyword is not None and a.keyword.value == name), None)


def _makes_a_mock(args: Sequence[cst.Arg], new: cst.BaseExpression | None) -> bool:
    """A patch without a new value (``new``, or made by ``new_callable``) stores a mock."""
    return new is None and not any(a.keyword is not None and a.keyword.value == "new_callable" or a.star for a in args)


def _string_value(expr: cst.BaseExpression) -> str | None:
    if isinstance(expr, (cst.SimpleString, cst.ConcatenatedString)) and isinstance(value := expr.evaluated_value, str):
        return value
    return None


def positional_argument(args: Sequence[cst.Arg], i: int) -> cst.BaseExpression | None:
    """The ``i``-th argument, when the call passes it by position."""
    return args[i].value if len(args) > i and args[i].keyword is None and not args[i].star else None


def _named(
    obj: cst.BaseExpression, name: cst.BaseExpression, stored: cst.BaseExpression | None, mock: bool = False
) -> Iterator[_NamedSet]:
    """Attribute ``name`` of ``obj``: a string literal's, else ``ANY_ATTRIBUTE``."""
    value = _string_value(name)
    yield obj, ANY_ATTRIBUTE if value is None else value, stored, mock, None


#: Functions that update an object's ``__dict__`` from another's.
_UPDATING_AN_OBJECTS_DICT = frozenset({"functools.update_wrapper"})


def _instance_dict_of(expr: cst.BaseExpression) -> cst.BaseExpression | None:
    """``x`` for ``x.__dict__``, ``vars(x)``, ``getattr(x, "__dict__")`` and
    ``object.__getattribute__(x, "__dict__")``: an object's own attributes as a dict."""
    if isinstance(expr, cst.Attribute) and expr.attr.value == "__dict__":
        return expr.value
    if m.matches(expr, m.Call(func=m.Name("vars"), args=[m.Arg(keyword=None, star="")])):
        return cast(cst.Call, expr).args[0].value
    if m.matches(
        expr,
        m.Call(
            func=m.Name("getattr") | m.Attribute(value=m.Name("object"), attr=m.Name("__getattribute__")),
            args=[m.Arg(keyword=None, star=""), m.Arg(value=m.SimpleString(), keyword=None, star="")],
        ),
    ) and cast(cst.SimpleString, cast(cst.Call, expr).args[1].value).evaluated_value == "__dict__":
        return cast(cst.Call, expr).args[0].value
    return None


def _attributes_of(target: cst.BaseExpression) -> Iterator[tuple[cst.BaseExpression, str]]:
    """The attributes a binding target stores (``a.x``, ``(a.x, b.y)``, ``*a.x``,
    ``a.__dict__["x"]``, ``vars(a)["x"]``)."""
    if isinstance(target, cst.Attribute):
        yield target.value, target.attr.value
    elif isinstance(target, cst.Subscript) and (obj := _instance_dict_of(target.value)) is not None and len(target.slice) == 1:
        index = target.slice[0].slice
        if isinstance(index, cst.Index):
            yield from (found[:2] for found in _named(obj, index.value, None))
    elif isinstance(target, (cst.Tuple, cst.List)):
        for element in target.elements:
            yield from _attributes_of(element.value)
    elif isinstance(target, cst.StarredElement):
        yield from _attributes_of(target.value)


def _bound_on_every_path(index: ScopeIndex, stmts: Sequence[cst.CSTNode]) -> set[str]:
    """Module globals that running ``stmts`` to their end binds, whichever branches run.
    A top-level statement that raises stops the import, so only branches count: what both
    arms of an ``if`` bind, and what a ``try``'s body with its ``else`` and each of its
    handlers all bind. Loops, ``with`` (its manager may suppress an exception) and
    ``match`` bind nothing for sure."""
    bound: set[str] = set()
    for stmt in stmts:
        if isinstance(stmt, (cst.FunctionDef, cst.ClassDef)):
            bound.add(stmt.name.value)
        elif isinstance(stmt, (cst.SimpleStatementLine, cst.SimpleStatementSuite, cst.IndentedBlock)):
            bound |= _bound_on_every_path(index, stmt.body)
        elif isinstance(stmt, (cst.Assign, cst.AugAssign, cst.Import, cst.ImportFrom)) or (
            isinstance(stmt, cst.AnnAssign) and stmt.value is not None
        ):
            bound.update(
                n.value
                for n in walk(stmt)
                if isinstance(n, cst.Name) and index.role(n) in (Role.STORE, Role.AUGSTORE) and index.binding_scope(n) is index.global_scope
            )
        elif isinstance(stmt, cst.If):
            otherwise: set[str] = set()
            if isinstance(stmt.orelse, cst.If):
                otherwise = _bound_on_every_path(index, [stmt.orelse])
            elif stmt.orelse is not None:
                otherwise = _bound_on_every_path(index, [stmt.orelse.body])
            bound |= _bound_on_every_path(index, [stmt.body]) & otherwise
        elif isinstance(stmt, (cst.Try, cst.TryStar)):
            completed = _bound_on_every_path(index, [stmt.body, *([stmt.orelse.body] if stmt.orelse else [])])
            for handler in stmt.handlers:
                completed &= _bound_on_every_path(index, [handler.body])
            bound |= completed | (_bound_on_every_path(index, [stmt.finalbody.body]) if stmt.finalbody else set())
    return bound


def module_level_definitions(stmts: Sequence[cst.BaseStatement]) -> list[cst.FunctionDef]:
    """The function definitions a module's own code runs: top-level ones, and those in
    the blocks of top-level ``if``, ``try`` and ``with`` statements."""
    return [stmt for stmt in module_level_statements(stmts) if isinstance(stmt, cst.FunctionDef)]


def module_level_statements(stmts: Sequence[cst.BaseStatement]) -> Iterator[cst.BaseStatement]:
    """The statements a module's own code runs: top-level ones, and those in the blocks of
    top-level ``if``, ``try`` and ``with`` statements (not in definitions)."""
    for stmt in stmts:
        yield stmt
        if isinstance(stmt, (cst.If, cst.Try, cst.With)):
            for block in _blocks(stmt):
                yield from module_level_statements(block)


def _blocks(stmt: cst.If | cst.Try | cst.With) -> list[Sequence[cst.BaseStatement]]:
    suites: list[cst.BaseSuite] = [stmt.body]
    if isinstance(stmt, cst.If) and stmt.orelse is not None:
        return [*_blocks_of(suites), *(_blocks(stmt.orelse) if isinstance(stmt.orelse, cst.If) else _blocks_of([stmt.orelse.body]))]
    if isinstance(stmt, cst.Try):
        suites += [h.body for h in stmt.handlers]
        suites += [s.body for s in (stmt.orelse, stmt.finalbody) if s is not None]
    return _blocks_of(suites)


def _blocks_of(suites: list[cst.BaseSuite]) -> list[Sequence[cst.BaseStatement]]:
    return [s.body for s in suites if isinstance(s, cst.IndentedBlock)]
