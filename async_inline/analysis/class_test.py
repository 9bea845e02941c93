"""Whether the class test of ``--assume class-methods`` sees what the original lookup does.

Under the assumption a method site ``obj.m()`` is guarded by ``type(obj).m is REF`` (in a
``try``: a class without ``m`` fails it): the class's answer, without the bound method
(docs/methods.md). That is exact for everything a class decides, and the user promises the
rest: that no instance attribute shadows ``m`` and that no lookup runs code. The promise is
needed only for code the rewrite cannot see. Where the modules it reads (the site's, the
method's, the receiver class's) show the class test would differ from the lookup, the site
keeps the exact guard, and the report says why (``ClassTest.hazard``).
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator
from dataclasses import dataclass, replace
from functools import cached_property
from typing import cast

import libcst as cst
import libcst.matchers as m

from ..tree import statements_of, walk
from .callee import alias_of, calls_frame_introspection, is_private_name
from .classes import (
    UNKNOWN,
    ClassInfo,
    MethodKind,
    bound_names,
    caller_method_kind,
    class_scope_nodes,
    class_scope_walrus_targets,
    method_kind,
    names_only_by_import,
    small_targets,
)
from .module import ANY_ATTRIBUTE, METACLASSES, AttributeStore, ModuleFacts, positional_argument
from .references import ClassOrder, RefKind, class_order, facts_of, reference
from .scopes import ScopeIndex
from .stdlib import STDLIB_MODULE_NAMES
from .types import Known, TypeContext, instance_of


@dataclass(frozen=True, eq=False)
class ClassTest:
    """The class test of a method site: looked into only when the assumption is made (the
    analysis walks whole modules)."""

    order: ClassOrder
    name: str
    #: The site's module first, then the method's, then those of the code it is inlined
    #: into (the physical caller's first).
    modules: tuple[ModuleFacts, ...]
    #: A ``super()`` site's: ``runtime.super_order`` vouches at run time that no class of
    #: the order is a metaclass, and the test admits no subclass.
    vouched: bool = False

    @cached_property
    def hazard(self) -> str | None:
        return class_test_hazard(self.order, self.name, self.modules, self.vouched)

    @cached_property
    def overriding_subclass(self) -> ClassInfo | None:
        """A subclass of the receiver's class, in the modules read, that defines the
        method's name again: the guard fails for its instances (review R20d F4, F6)."""
        top = self.order.classes[0]
        if top is UNKNOWN:
            return None
        return next((sub for sub in self.subclasses_of(top) if sub.defines(self.name)), None)

    def subclasses_of(self, cls: ClassInfo) -> Iterator[ClassInfo]:
        """The subclasses of ``cls`` in the modules read."""
        for module in _modules_read(self.modules, cls):
            yield from module.subclasses.get(id(cls), [])


def class_test_hazard(order: ClassOrder, name: str, modules: tuple[ModuleFacts, ...], vouched: bool = False) -> str | None:
    """Why the class test of ``name`` could differ from the original lookup, for a receiver
    whose class's order is ``order``, as far as ``modules`` show (``modules[0]`` is the
    site's):

    * the method is private (``__m``): code names its attribute ``_K__m``;
    * a class of the order is a metaclass (derives from ``type``, ``abc.ABCMeta``, ``enum.EnumMeta``):
      its instances are classes, and a class's own attributes, of any class of its order,
      come before the metaclass's methods in a lookup on it (review R19 z2: a class made by
      code not read defining the method's name, an everyday thing for a metaclass, passed
      the class test);
    * a class of the order, or a subclass of the receiver's class, customizes lookups
      (``ClassInfo.customizes_lookup``), or the code assigns ``__getattribute__`` on any
      object (a class decorator or ``__init_subclass__`` installing one): the class test
      would run code the lookup does not, or skip code it runs;
    * such a subclass binds ``name`` to something other than a ``def``: the class test runs
      its ``__get__(None, cls)``, which may have effects, once more than the call;
    * the code assigns attribute ``name`` on an object the analysis types to a class an
      instance of which may be the receiver (``x.m = ...``, ``setattr``,
      ``mock.patch.object``): an instance attribute shadowing the method. A store on an
      object of unknown class is the user's promise, as is the code of other modules;
    * on an instance of a class unrelated by inheritance whose class may hold the method
      too (``m = K.m`` in its body, a store on it): such an object passed as a receiver
      (duck typing) passes the class test;
    * the code assigns ``name`` on such a class (``Sub.m = D(...)``, ``setattr(K, "m",
      ...)``, also on ``cls`` of a classmethod or ``__init_subclass__``, on a class
      decorator's class, on the owner a descriptor's ``__set_name__`` is given) a value that may not be a plain function: a descriptor's
      ``__get__(None, cls)`` may have effects, and ``staticmethod(K.m)`` gives the class
      test the function while the call passes no instance; a ``staticmethod`` or
      ``classmethod`` stored on an object the analysis cannot tell is taken for such a
      store (it means nothing on an instance);
    * a base of the order, or of a subclass, is one the analysis cannot resolve, and a
      class of the code read customizes lookups: the base may be made from it;
    * the code assigns ``__bases__`` or ``__class__`` on any object: the orders read are
      not those the program runs with;
    * a call may make a subclass the analysis does not see (``type("X", (K,), ns)``,
      ``types.new_class``, ``make_dataclass``, a metaclass called): its namespace may hold
      ``__getattribute__`` or a descriptor. Only ``type()`` with a dictionary display not
      binding either, on bases the analysis knows, is read."""
    if is_private_name(name):
        # Its attribute is the mangled name (``_K__m``), which stores, patches and bindings
        # name that way while the scan below reads ``__m`` (review R24a F1).
        return f"'{name}' is a private method, whose attribute other code names otherwise"
    for cls in order.classes:
        if cls is not UNKNOWN and cls.customizes_lookup:
            return f"class '{cls.qualname}' customizes attribute lookup"
        if cls is not UNKNOWN and _metaclass(facts_of(modules[0], cls), cls):
            return (
                f"class '{cls.qualname}' is a metaclass: its instances are classes, whose own attributes "
                "come before its methods in a lookup"
            )
    top = order.classes[0]
    if top is UNKNOWN:
        return None
    seen = _modules_read(modules, top)
    for module in seen:
        # Installed after a class body (by a class decorator, ``__init_subclass__``, a
        # store on the class): on which class the analysis cannot always tell.
        for attribute in ("__getattribute__", *_REPARENTING):
            stores = module.attribute_stores.get(attribute)
            if stores:
                where = "" if module is modules[0] else f"{module.name}, "
                return f"'{attribute}' is assigned at {where}line {module.index.line(stores[0].obj)}"
    # Any instance whose class test may give the method: of the receiver's class or a
    # subclass, of a subclass of the class defining it (``S.run(T())`` for a sibling ``T``),
    # of a class whose base the analysis cannot resolve but may be one of those (``K[int]``,
    # ``Base = K``).
    owner = next((cls for cls in order.classes if cls is not UNKNOWN and cls.defines(name)), top)
    covered = _ancestry(modules[0], owner)
    unread = _unread_bases(modules[0], order.classes, covered) if not vouched else None
    if unread is not None:
        cls, base = unread
        return f"class '{cls.qualname}' derives from '{base}', which the rewrite does not read: it may be a metaclass"
    related = [top]
    #: Those known to derive from the receiver's class or the method's (not merely maybe).
    deriving: set[int] = set()
    for module in seen:
        known = (*module.subclasses.get(id(top), []), *module.subclasses.get(id(owner), []), *_past_an_unknown_base(module, (top, owner)))
        deriving.update(id(cls) for cls in known)
        for cls in (*known, *_maybe_ours(module)):
            if cls not in related:
                related.append(cls)
    # Past a base the analysis cannot resolve too (``class Job(Exception, Base)``).
    orders = [
        _beyond_unknown_bases(modules[0], order.classes),
        *(_beyond_unknown_bases(modules[0], class_order(modules[0], sub).classes) for sub in related[1:]),
    ]
    if any(UNKNOWN in classes for classes in orders):
        # A base it cannot resolve (``A = remade(A)``, ``class B(make())``) may be made
        # from any class of the code read (fuzz seed 16000138), or by a call that makes
        # classes (``type("Base", (), {"__getattribute__": ...})``, review R11 f4).
        for module in seen:
            where = "" if module is modules[0] else f"{module.name}, "
            for cls in module.every_class:
                if cls.customizes_lookup:
                    return f"a base the analysis cannot resolve may be made from class '{cls.qualname}', which customizes attribute lookup"
            if module.class_calls:
                line = module.index.line(module.class_calls[0])
                return f"a base the analysis cannot resolve may be a class made by the call at {where}line {line}"
    scan = _Scan(name, top, related, orders, seen)
    for module in seen:
        where = "" if module is modules[0] else f"{module.name}, "
        for store, named in _stores_of(module, name):
            why = scan.store(module, store, named=named)
            if why is not None:
                return f"{why} at {where}line {module.index.line(store.obj)}"
        for call in module.class_calls:
            if scan.makes_subclass(module, call):
                return f"a call may make a subclass of '{top.qualname}' at {where}line {module.index.line(call)}"
    for sub, classes in zip(related[1:], orders[1:], strict=True):
        if any(c is not UNKNOWN and _metaclass(facts_of(modules[0], c), c) for c in classes):
            # ``class Meta(Mixin, type)``: the mixin's method is a metaclass's there (review
            # R19 s4); the reference's own check sees only that the mixin is no metaclass.
            return f"subclass '{sub.qualname}' is a metaclass: its instances are classes, whose own attributes come first"
        unread = _unread_bases(modules[0], classes, covered, lenient=id(sub) not in deriving) if not vouched else None
        if unread is not None:
            return f"subclass '{sub.qualname}' derives from '{unread[1]}', which the rewrite does not read: it may be a metaclass"
        if sub.customizes_lookup:
            return f"subclass '{sub.qualname}' customizes attribute lookup"
        if sub.binds_otherwise_than_by_def(name):
            return f"subclass '{sub.qualname}' binds '{name}' to an object other than a function"
    why = _instance_fields(name, related, orders, seen, modules[0])
    if why is not None:
        return why
    for module in seen:
        for cls in module.every_class:
            classes = class_order(module, cls).classes
            if scan.holder(classes) is not None and any(c is not UNKNOWN and c.customizes_lookup for c in classes):
                # An instance passed where the receiver is expected (duck typing, or
                # ``obj.__class__ = Proxy``) passes the class test; its lookup runs code.
                return f"class '{cls.qualname}' may hold the method as '{name}' and customizes attribute lookup"
    return None


#: Stores that change, at run time, a class's bases or an object's class: the orders the
#: scan below relies on (which classes are related, which customize lookup, which store
#: the name on their instances) are then not the ones written (review R22d F2).
_REPARENTING = ("__bases__", "__class__")


def _modules_read(modules: tuple[ModuleFacts, ...], top: ClassInfo) -> list[ModuleFacts]:
    """``modules`` and the module of the receiver's class ``top``, each once."""
    home = facts_of(modules[0], top)
    return list({id(module): module for module in (*modules, home) if module is not None}.values())


def _instance_fields(
    name: str, related: list[ClassInfo], orders: list[list[ClassInfo | None]], seen: list[ModuleFacts], site: ModuleFacts
) -> str | None:
    """Why an instance of a class of ``related`` (whose orders are ``orders``) may get an
    attribute ``name`` from code the source shows only as a declaration, in any class of
    those orders, a mixin too (review R20e F1): a field of a dataclass-like class
    (``_field_maker``), which its generated ``__init__`` sets on the instance, or a base
    ``types.SimpleNamespace`` whose ``__init__`` takes ``name=`` as a keyword the modules
    read pass somewhere (``super().__init__(m=f)``). A subclass binding ``name`` in its body
    is seen already (``binds_otherwise_than_by_def``)."""
    done: set[int] = set()
    keywords: bool | None = None
    for sub, classes in zip(related, orders, strict=True):
        for cls in classes:
            if cls is UNKNOWN or id(cls) in done:
                continue
            done.add(id(cls))
            home = facts_of(site, cls)
            if home is None:
                continue
            maker = _field_maker(home, cls)
            if maker is not None and _declares_field(home, cls, name):
                shown = "" if cls is sub else f" (in the order of '{sub.qualname}')"
                return f"class '{cls.qualname}'{shown} declares '{name}' a field of {maker}: instances hold it as an attribute"
            if any(home.index.qualified_names(base) & _NAMESPACE_BASES for base in cls.bases):
                if keywords is None:
                    keywords = any(_passes_keyword(module, name) for module in seen)
                if keywords:
                    shown = "" if cls is sub else f" (in the order of '{sub.qualname}')"
                    return f"class '{cls.qualname}'{shown} is a namespace whose '__init__' takes '{name}=' as an attribute, and the code passes it"
    return None


#: Class decorators making the annotations of a class body fields its generated
#: ``__init__`` sets on instances (``@dataclass``, ``@dataclass(...)``, any spelling the
#: imports tell).
_FIELD_DECORATORS = frozenset(
    {
        "dataclasses.dataclass",
        "pydantic.dataclasses.dataclass",
        *(f"{package}.{name}" for package in ("attr", "attrs") for name in ("s", "attrs", "define", "mutable", "frozen", "dataclass")),
    }
)
#: Bases whose subclasses' annotations are such fields (their order holding one).
_FIELD_BASES = frozenset({"pydantic.BaseModel", "pydantic.main.BaseModel"})
#: What ``attrs`` declares a field by without an annotation (``m = attr.ib()``).
_FIELD_CALLS = frozenset({"attr.ib", "attr.attrib", "attr.field", "attrs.field"})
#: Annotations that declare no field of an instance.
_NOT_FIELDS = frozenset({"typing.ClassVar", "typing_extensions.ClassVar", "dataclasses.InitVar"})
#: Bases whose ``__init__`` sets its keyword arguments as instance attributes.
_NAMESPACE_BASES = frozenset({"types.SimpleNamespace", "argparse.Namespace"})


def _field_maker(module: ModuleFacts, cls: ClassInfo) -> str | None:
    """What makes the annotations of ``cls``'s body instance attributes, if anything: a
    dataclass-like decorator of its own, or a model base in its order (pydantic)."""
    index = module.index
    for decorator in cls.node.decorators:
        expr = decorator.decorator
        names = index.qualified_names(expr.func if type(expr) is cst.Call else expr)
        if names & _FIELD_DECORATORS:
            return f"'@{min(names & _FIELD_DECORATORS)}'"
    for known in class_order(module, cls).classes:
        home = facts_of(module, known) if known is not UNKNOWN else None
        if known is not UNKNOWN and home is not None and any(home.index.qualified_names(base) & _FIELD_BASES for base in known.bases):
            return "a 'pydantic' model"
    return None


def _declares_field(module: ModuleFacts, cls: ClassInfo, name: str) -> bool:
    """``cls``'s body annotates ``name`` (with or without a value: a dataclass's
    ``__init__`` sets a field that has a default too), other than as a ``ClassVar`` or an
    ``InitVar``, or assigns it an ``attrs`` field (``attr.ib()``)."""
    if name not in cls.attributes:
        return False
    for stmt in statements_of(cls.node.body):
        if not isinstance(stmt, cst.SimpleStatementLine):
            continue
        for small in stmt.body:
            if type(small) is cst.AnnAssign and m.matches(small.target, m.Name(name)):
                if not _not_a_field(module, small.annotation.annotation):
                    return True
            elif type(small) is cst.Assign and type(small.value) is cst.Call and name in small_targets(small):
                if module.index.qualified_names(small.value.func) & _FIELD_CALLS:
                    return True
    return False


def _not_a_field(module: ModuleFacts, annotation: cst.BaseExpression) -> bool:
    """``annotation`` is ``ClassVar[...]`` or ``InitVar[...]`` (bare too), also as a string."""
    if isinstance(annotation, cst.SimpleString):
        text = annotation.evaluated_value
        head = (text if isinstance(text, str) else "").split("[")[0].strip()
        return head.rpartition(".")[2] in ("ClassVar", "InitVar")
    if type(annotation) is cst.Subscript:
        annotation = annotation.value
    return bool(module.index.qualified_names(annotation) & _NOT_FIELDS)


def _passes_keyword(module: ModuleFacts, name: str) -> bool:
    """A call of ``module`` passes a keyword argument ``name=``."""
    return any(type(node) is cst.Arg and node.keyword is not None and node.keyword.value == name for node in walk(module.index.module))


def _stores_of(module: ModuleFacts, name: str) -> list[tuple[AttributeStore, bool]]:
    """The stores of ``module`` that may set attribute ``name``: of that name (True), of
    the private name it may be mangled from (``self.__m`` in code of class ``A`` sets
    ``_A__m``; stores are kept as written: review R26a F1), or of a name the source does
    not show (False)."""
    return [
        *((store, True) for spelled in (name, _unmangled(name)) if spelled is not None for store in module.attribute_stores.get(spelled, ())),
        *((store, False) for store in module.attribute_stores.get(ANY_ATTRIBUTE, ())),
    ]


def _unmangled(name: str) -> str | None:
    """``__m`` for ``_A__m`` (what class ``A`` mangles ``__m`` to), else None."""
    at = name.find("__", 1)
    rest = name[at:] if name.startswith("_") and at > 1 else ""
    return rest if is_private_name(rest) else None


@dataclass(frozen=True, eq=False)
class _Scan:
    """What the stores and calls of the modules read mean for one class test."""

    name: str
    #: The receiver's class.
    top: ClassInfo
    #: It and its visible subclasses, and their orders.
    related: list[ClassInfo]
    orders: list[list[ClassInfo | None]]
    #: The modules read.
    seen: list[ModuleFacts]

    def store(self, module: ModuleFacts, store: AttributeStore, named: bool = True) -> str | None:
        """Why ``store`` (of attribute ``name``, or, not ``named``, of one the source does
        not show) may make the class test differ."""
        name = self.name
        known = _stored_on(module, store.obj)
        if known is not None:
            if _may_be_one_of(known, self.related, self.orders):
                return f"an attribute '{name}' is assigned on an instance of '{known.cls.qualname}'"
            holder = self.holder(class_order(known.facts, known.cls).classes)
            if holder is not None:
                return f"an attribute '{name}' is assigned on an instance of '{known.cls.qualname}' (unrelated, but '{holder}' may hold the method as '{name}')"
            # An unrelated class rules nothing out below: a constructor's ``__new__``, a
            # ``self`` given another object or rebound, an attribute assigned elsewhere,
            # an annotation may all make the object another (review R28a F1, R29b F1).
        classes = _classes_at(module, store.path) if store.path is not None else _classes_stored_on(module, store.obj, named)
        for cls in classes:
            if _may_be_one_of(cls, self.related, self.orders) and not _plain_function(module, store):
                return f"'{name}' of class '{cls.cls.qualname}' is set to an object other than a function"
        classes = [cls for cls in classes if not cls.guessed]
        # On an object the analysis cannot tell, a staticmethod, a classmethod or an
        # instance of a descriptor class of the program means something only on a class: a
        # class decorator, or a helper ``__init_subclass__`` hands ``cls``, rewrapping
        # methods, under this name or one it computes. The reference's own check
        # (``function_of``'s kind) sees that only on the class defining the method, not on
        # a subclass inheriting it (review R19 c1, c2). Other stores there remain the
        # user's promise, as stores of unknown code are.
        wrapper = store.value is not None and (_wrapper_call(module, store.value) or _makes_descriptor(module, store.value))
        if wrapper and not classes and not _holds_a_class(module, store.obj):
            shown = f"as '{name}'" if named else "under a name the source does not show"
            return f"a staticmethod, classmethod or descriptor is stored {shown} on an object the analysis cannot tell"
        return None

    @cached_property
    def _held(self) -> set[int]:
        """The classes the code sets attribute ``name`` on to what may be a function (an
        alias of the method is one), by id."""
        return {
            id(cls.cls)
            for module in self.seen
            for store, named in _stores_of(module, self.name)
            if store.value is None or not _literal(store.value)
            for cls in (_classes_at(module, store.path) if store.path is not None else _classes_stored_on(module, store.obj, named))
        }

    def holder(self, order: list[ClassInfo | None]) -> str | None:
        """The class of ``order`` that may hold the method under ``name``: one whose body
        binds it otherwise than by a ``def`` of its own (which is another function) and
        than to a literal (``m = K.m``, not ``m = None``), or that the code sets it on."""
        for cls in order:
            if cls is not UNKNOWN and (_may_hold_function(cls, self.name, facts_of(self.seen[0], cls)) or id(cls) in self._held):
                return cls.qualname
        return None

    def _names_related(self, module: ModuleFacts, expr: cst.BaseExpression) -> bool:
        """``expr`` names the receiver's class or one of its visible subclasses."""
        for node in walk(expr):
            ref = reference(module, node) if isinstance(node, (cst.Name, cst.Attribute)) else None
            if ref is not None and ref.kind is RefKind.CLASS and any(ref.cls is c for c in self.related):
                return True
        return False

    def makes_subclass(self, module: ModuleFacts, call: cst.Call) -> bool:
        """``call`` (one of ``ModuleFacts.class_calls``) may make a subclass of the
        receiver's class whose namespace or other bases change lookups. The class
        factories' bases must be a tuple display of classes the analysis knows; any other
        call counts when its second argument names such a subclass."""
        qualified = module.index.qualified_names(call.func)
        args = call.args
        is_type = "builtins.type" in qualified or (type(call.func) is cst.Name and alias_of(module.index, call.func.value) == "builtins.type")
        # A metaclass called (``abc.ABCMeta(name, bases, ns)``, ``cls.__class__(...)``)
        # makes a class as ``type`` does (review R34b F3, F4).
        metaclass_call = bool(qualified & METACLASSES) or (type(call.func) is cst.Attribute and call.func.attr.value == "__class__")
        factory = is_type or metaclass_call or bool(qualified & _CLASS_FACTORIES)
        if any(a.star for a in args):
            return True  # ``type(*spec)``: the bases cannot be told (review R32b F4)
        bases = next((a.value for a in args if a.keyword is not None and a.keyword.value == "bases"), None)
        if bases is not None:
            pass  # ``Meta("X", bases=(K,), ns={})``, ``make_dataclass(..., bases=...)``
        elif _new_method(call):
            bases = positional_argument(args, 2)  # ``type.__new__(mcs, name, bases, ns)``
        elif is_type or metaclass_call:
            bases = positional_argument(args, 1) if len(args) >= 3 else None  # not ``type(x)``
        elif "types.new_class" in qualified:
            bases = positional_argument(args, 1)
        elif not factory and len(args) >= 3 and type(args[1].value) is cst.Tuple:
            bases = args[1].value  # a metaclass, or any function taking a tuple
        if bases is None:
            return False
        if type(bases) is not cst.Tuple:
            # ``(Mixin,) + bases`` in a metaclass's ``__new__``, or ``bases`` rebound so
            # first (reviews R32b F4, R33b F1): any bases but those the class statement gave
            return factory or not (_new_method(call) and _given_bases(module, call, bases))
        if any(type(e) is cst.StarredElement for e in bases.elements):
            return True  # ``(*EXTRA, *bases)`` (review R33b F1)
        orders: list[list[ClassInfo | None]] = []
        metaclass = False
        for element in bases.elements:
            ref = reference(module, element.value) if type(element) is cst.Element else None
            if ref is None or ref.kind is not RefKind.CLASS or ref.cls is None:
                if factory and not _builtin(module, element):
                    return True
                metaclass = metaclass or (type(element) is cst.Element and bool(module.index.qualified_names(element.value) & METACLASSES))
                continue
            orders.append(class_order(ref.facts, ref.cls).classes)
        if not any(self.top in o for o in orders):
            return False
        if not is_type or metaclass:
            # Another factory's namespace is made otherwise (``types.new_class``'s
            # ``exec_body``; its third argument is ``kwds``: review R31b F5); ``type`` among
            # the bases makes a metaclass, whose instances are classes (R31b F4).
            return True
        namespace = args[2]
        return not (
            namespace.keyword is None
            and not namespace.star
            and all(cls is UNKNOWN or not cls.customizes_lookup for o in orders for cls in o)
            and _plain_namespace(namespace.value, (self.name, "__getattribute__"))
        )


def _new_method(call: cst.Call) -> bool:
    """``type.__new__(mcs, name, bases, ns)``, ``type.__call__(type, name, bases, ns)``."""
    return type(call.func) is cst.Attribute and call.func.attr.value in ("__new__", "__call__")


def _given_bases(module: ModuleFacts, call: cst.Call, bases: cst.BaseExpression) -> bool:
    """``bases`` is the parameter of the metaclass ``__new__`` the call is in, never rebound
    there: the class statement's own bases, which the analysis reads where it is written."""
    if type(bases) is not cst.Name:
        return False
    function = module.index.parent(call)
    while function is not None and type(function) is not cst.FunctionDef:
        function = module.index.parent(function)
    if function is None or function.name.value != "__new__":
        return False
    params = [*function.params.posonly_params, *function.params.params]
    if len(params) < 3 or params[2].name.value != bases.value:
        return False
    return not any(
        type(n) is cst.Name and n.value == bases.value and module.index.role(n).binds and n is not params[2].name for n in walk(function)
    )


def _maybe_ours(module: ModuleFacts) -> list[ClassInfo]:
    """The classes of ``module`` with a base the analysis cannot resolve that may still be
    a class of the program, or one made from it: ``K[int]``, an alias ``Base = K``, a call.
    A base named by an import from outside the program, or a builtin, is not."""
    found = []
    for cls in module.every_class:
        for known in class_order(module, cls).classes:
            if known is UNKNOWN:
                continue
            home = facts_of(module, known)
            if home is not None and any(_unresolved_but_maybe_ours(home, base) for base in known.bases):
                found.append(cls)
                break
    return found


def _beyond_unknown_bases(site: ModuleFacts, classes: list[ClassInfo | None]) -> list[ClassInfo | None]:
    """``classes``, an order the analysis knows up to a base it cannot resolve, followed by
    the known orders of the other bases of its classes (``class Job(types.SimpleNamespace,
    Base)``: ``[Job, UNKNOWN, Base]``): classes an instance is an instance of, though where
    they come in its real order is unknown (review R20e F1)."""
    if UNKNOWN not in classes:
        return classes
    out = list(classes)
    at = 0
    while at < len(out):
        cls = out[at]
        at += 1
        home = facts_of(site, cls) if cls is not UNKNOWN else None
        if cls is UNKNOWN or home is None:
            continue
        for base in cls.bases:
            ref = reference(home, base)
            if ref is None or ref.kind is not RefKind.CLASS or ref.cls is None or not ref.cls.stable or ref.cls in out:
                continue
            out += [c for c in class_order(ref.facts, ref.cls).classes if c is not UNKNOWN and c not in out]
    return out


def _past_an_unknown_base(module: ModuleFacts, targets: tuple[ClassInfo, ...]) -> list[ClassInfo]:
    """The classes of ``module`` deriving from one of ``targets`` through a base that comes
    after one the analysis cannot resolve (``class Job(Exception, Base)``: the known part of
    ``Job``'s order stops before ``Base``, and ``subclasses`` does not list it)."""
    found = []
    for cls in module.every_class:
        classes = class_order(module, cls).classes
        if UNKNOWN in classes and not any(t in classes for t in targets):
            if any(t in _beyond_unknown_bases(module, classes) for t in targets):
                found.append(cls)
    return found


def _unresolved_but_maybe_ours(module: ModuleFacts, base: cst.BaseExpression) -> bool:
    if m.matches(base, m.Name("object")):
        return False
    if _resolved(module, base):
        return False
    while type(base) is cst.Subscript:
        inner = _passed_through(module, base)  # ``Annotated[K, "doc"]`` is ``K`` (reviews R31b F2, R32b F1)
        if inner is not None:
            return not inner or any(_resolved(module, e) or _unresolved_but_maybe_ours(module, e) for e in inner)
        base = base.value  # ``Generic[T]``: what is subscripted
    if not _dotted(base):
        return True  # ``globals()["Mixin"]``: a call's names are its callee's (review R33b F3)
    names = module.index.qualified_names(base)
    return not names or not all(_outside(module, name) for name in names)


def _resolved(module: ModuleFacts, base: cst.BaseExpression) -> bool:
    ref = reference(module, base)
    return ref is not None and ref.kind is RefKind.CLASS and ref.cls is not None and ref.cls.stable


def _outside(module: ModuleFacts, qualified: str) -> bool:
    """``qualified`` (``typing.Generic``) names an object of a module the program does not
    hold, or a builtin."""
    if qualified.startswith(("<local>.", ".")):
        return False
    top = qualified.partition(".")[0]
    return top == "builtins" or module.program is None or module.program.facts(top) is None


def _metaclass(module: ModuleFacts | None, cls: ClassInfo) -> bool:
    return module is not None and any(module.index.qualified_names(base) & METACLASSES for base in cls.bases)


#: The standard library's public metaclasses, under every public name of the modules of
#: 3.10-3.13 (``typing.ABCMeta``, ``numbers.ABCMeta`` ...: found by importing every
#: public module and looking for subclasses of ``type``).
#: ``typing.Type`` is none, but a base naming it makes ``type`` one (``__mro_entries__``).
_STDLIB_METACLASSES = frozenset({"type", "ABCMeta", "EnumMeta", "EnumType", "NamedTupleMeta", "Type"})


def _ancestry(site: ModuleFacts, owner: ClassInfo) -> frozenset[int]:
    """The classes of the code read in the order of the class defining the method (by id).
    One of them, or a base of theirs the rewrite does not read, being a metaclass makes
    that class one, which the reference's own check refuses (``function_of``'s
    ``class_test``), however it became one."""
    home = facts_of(site, owner)
    if home is None:
        return frozenset({id(owner)})
    return frozenset(id(cls) for cls in class_order(home, owner).classes if cls is not UNKNOWN)


def _unread_bases(site: ModuleFacts, order: list[ClassInfo | None], covered: frozenset[int], lenient: bool = False) -> tuple[ClassInfo, str] | None:
    """A class of ``order`` outside ``covered`` with a base that may be a metaclass the
    analysis cannot see (``_unread_base``): ``class ModelMeta(Describing, LibMeta)``
    makes ``Describing``'s methods a metaclass's there, which no check at run time sees
    (review R28b F2b, R19 z2). ``lenient``: for a class that may derive from the receiver's
    class only through a base the analysis cannot resolve but may be the program's
    (``_maybe_ours``), that base does not count (it is the unknown the other rules take);
    a base of another package still does (review R31b F3)."""
    for cls in order:
        if cls is not UNKNOWN and id(cls) not in covered:
            base = _unread_base(facts_of(site, cls), cls, covered, lenient)
            if base is not None:
                return cls, base
    return None


def _unread_base(module: ModuleFacts | None, cls: ClassInfo, skip: frozenset[int], lenient: bool = False) -> str | None:
    """A base of ``cls``, or of a class of the code read it derives from and not in
    ``skip``, that may be a metaclass the analysis cannot see (``_unread_in``), as written."""
    if module is None:
        return "?"
    excused = False
    for base in cls.bases:
        # Leniency excuses the one base through which the class may derive from the
        # receiver's, not a second (``class Meta(Base, MetaBase)``: review R33b F5).
        excuse = lenient and not excused and _program_import(module, base) and not _resolved(module, base)
        found = _unread_in(module, base, skip | {id(cls)}, lenient and not excused)
        excused = excused or excuse
        if found is not None:
            return found
    return None


#: Subscripts whose first element is the base (``Annotated[K, "doc"]``'s ``__mro_entries__``).
_ANNOTATED = frozenset({"typing.Annotated", "typing_extensions.Annotated"})
#: Those, and ``Union``, whose subscript of one class is that class.
_PASSED_THROUGH = _ANNOTATED | {"typing.Union", "typing_extensions.Union"}


def _unread_in(module: ModuleFacts, base: cst.BaseExpression, skip: frozenset[int], lenient: bool) -> str | None:
    """``base``, a base expression, as written, if it may be a metaclass the analysis
    cannot see: a class of another package, a private class or a metaclass of the standard
    library (``typing.Type``, whose ``__mro_entries__`` gives ``type``), what a class of
    the program's ``__class_getitem__`` makes (``Pick[type]``), or such a base of a class
    of the program it names (also through ``K[int]`` and ``Annotated[K, ...]``). A public
    class of the standard library other than its metaclasses, and a builtin other than
    ``type``, are not (review R31b F1)."""
    shown = cst.Module([]).code_for_node(base)
    named = base
    if type(base) is cst.Subscript:
        inner = _passed_through(module, base)
        if inner is not None:
            if not inner:
                return shown
            for element in inner:
                found = _unread_in(module, element, skip, lenient)
                if found is not None:
                    return found
            return None
        named = base.value
    ref = reference(module, named)
    if ref is not None and ref.kind is RefKind.CLASS and ref.cls is not None:
        if named is not base and _may_get_item_otherwise(ref.facts, ref.cls, module):
            return shown
        if id(ref.cls) in skip:
            return None
        if _metaclass(ref.facts, ref.cls):
            return shown
        return _unread_base(ref.facts, ref.cls, skip, lenient)
    if lenient and _program_import(module, named):
        return None
    return None if _stdlib_class(module, named) else shown


def _passed_through(module: ModuleFacts, subscript: cst.Subscript) -> list[cst.BaseExpression] | None:
    """The elements a base ``Annotated[K, "doc"]`` (its first) or ``Union[K]`` (each: a
    union of one class is that class; review R32b F1) may stand for; None for another
    subscript; an empty list where an element is not an expression."""
    names = module.index.qualified_names(subscript.value)
    if not names & _PASSED_THROUGH:
        return None
    elements = [e.slice.value if type(e.slice) is cst.Index else None for e in subscript.slice]
    if names & _ANNOTATED:
        elements = elements[:1]
    return [e for e in elements if e is not None] if all(e is not None for e in elements) and elements else []


def _may_get_item_otherwise(facts: ModuleFacts, cls: ClassInfo, site: ModuleFacts) -> bool:
    """``K[...]`` may be something other than ``K`` as a base: a class of ``K``'s order
    defines ``__class_getitem__``, the site's or ``K``'s module stores an attribute of that
    name, or one the source does not show on what may be ``K`` (review R32b F3)."""
    order = class_order(facts, cls).classes
    if any(c is not UNKNOWN and c.defines("__class_getitem__") for c in order):
        return True
    for module in (facts, site):
        if module.attribute_stores.get("__class_getitem__"):
            return True
        for store in module.attribute_stores.get(ANY_ATTRIBUTE, ()):
            targets = _classes_at(module, store.path) if store.path is not None else _classes_stored_on(module, store.obj, False)
            if any(any(known.cls is c for c in order) for known in targets):
                return True
    return False


def _program_import(module: ModuleFacts, base: cst.BaseExpression) -> bool:
    """``base`` names, by an import, a class of a module of the program the analysis could
    not follow (a conditional or lazy import: anyio's ``abc.TaskStatus``): not an alias,
    a parameter or an attribute of a class of its own (review R32b F2)."""
    while type(base) is cst.Subscript:
        base = base.value
    names = module.index.qualified_names(base) if _dotted(base) else set()
    return bool(names) and all(name.startswith(".") or _of_the_program(module, name.partition(".")[0]) for name in names)


def _stdlib_class(module: ModuleFacts, base: cst.BaseExpression) -> bool:
    """``base`` names a public class of the standard library (or a builtin) that is no
    metaclass: a name or a dotted name, not a call (whose names are its callee's:
    ``typing.cast(type, LibMeta)``, review R33b F2)."""
    names = module.index.qualified_names(base) if _dotted(base) else set()
    if not names:
        return False
    for name in names:
        parts = name.split(".")
        if parts[-1] in _STDLIB_METACLASSES or any(part.startswith("_") for part in parts):
            return False
        if parts[0] != "builtins" and (parts[0] not in STDLIB_MODULE_NAMES or _of_the_program(module, parts[0])):
            return False
    return True


def _dotted(expr: cst.BaseExpression) -> bool:
    """A name or a dotted name: what qualified names describe (a call's are its callee's,
    ``importlib.import_module("lib").Meta``'s the call's; review R33b F2, F3)."""
    while type(expr) is cst.Attribute:
        expr = expr.value
    return type(expr) is cst.Name


def _of_the_program(module: ModuleFacts, top: str) -> bool:
    return module.program is not None and module.program.facts(top) is not None


#: Functions of the standard library that make a class from bases (besides ``type``).
_CLASS_FACTORIES = frozenset({"types.new_class", "dataclasses.make_dataclass"})


def _builtin(module: ModuleFacts, element: cst.BaseElement) -> bool:
    """``element`` of a tuple display names a builtin (``object``, ``Exception``): no
    subclass of a class of the program."""
    names = module.index.qualified_names(element.value) if type(element) is cst.Element else set()
    return bool(names) and all(name.startswith("builtins.") for name in names)


def _plain_namespace(namespace: cst.BaseExpression, names: tuple[str, ...]) -> bool:
    """``namespace`` is a dictionary display binding none of ``names``."""
    if type(namespace) is not cst.Dict:
        return False
    for element in namespace.elements:
        if type(element) is not cst.DictElement or not isinstance(element.key, (cst.SimpleString, cst.ConcatenatedString)):
            return False
        if element.key.evaluated_value in names:
            return False
    return True


def _wrapper_call(module: ModuleFacts, value: cst.BaseExpression) -> bool:
    """``value`` is a call of the builtin ``staticmethod`` or ``classmethod``."""
    return type(value) is cst.Call and bool(
        module.index.qualified_names(value.func) & {"builtins.staticmethod", "builtins.classmethod"}
    )


def _makes_descriptor(module: ModuleFacts, value: cst.BaseExpression) -> bool:
    """``value`` calls a class of the program defining ``__get__``: its ``__get__(None,
    cls)``, which the class test runs, may have effects, and may give the function."""
    if type(value) is not cst.Call:
        return False
    ref = reference(module, value.func)
    return ref is not None and ref.kind is RefKind.CLASS and ref.cls is not None and any(
        cls is not UNKNOWN and cls.defines("__get__") for cls in class_order(ref.facts, ref.cls).classes
    )


def _literal(value: cst.BaseExpression) -> bool:
    """``value`` makes or names an object that is no function: a literal, a display,
    ``None``, ``True``, ``False``."""
    if isinstance(value, (cst.BaseNumber, cst.BaseString, cst.List, cst.Tuple, cst.Dict, cst.Set)):
        return True
    return type(value) is cst.Name and value.value in ("None", "True", "False")


def _may_hold_function(cls: ClassInfo, name: str, module: ModuleFacts | None) -> bool:
    """``cls``'s body binds ``name`` otherwise than by a plain ``def`` (possibly made a
    classmethod or staticmethod), to what may be a function: not a literal, not a bare
    annotation (which binds nothing), not a property (``module``: ``cls``'s, if read)."""
    if not cls.binds_otherwise_than_by_def(name):
        return False
    properties = _property_defs(module, cls) if module is not None else set()
    for stmt in statements_of(cls.node.body):
        if name in class_scope_walrus_targets(stmt):
            return True  # ``(m := K.m)``, in a property's default too (reviews R31a F1, R32a F1)
        if id(stmt) in properties:
            continue
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                if name not in small_targets(small):
                    continue
                if isinstance(small, cst.Assign) and all(type(t.target) is cst.Name for t in small.targets):
                    if not _literal(small.value):
                        return True
                elif isinstance(small, cst.AnnAssign) and type(small.target) is cst.Name:
                    if small.value is not None and not _literal(small.value):
                        return True
                else:
                    return True  # an unpacking, an import, an augmented assignment, a del
        elif isinstance(stmt, cst.FunctionDef):
            if stmt.name.value == name and method_kind(stmt) is None:
                return True
        elif any(isinstance(n, cst.Name) and n.value == name for n in walk(stmt)):
            return True  # bound under if/try/for, a nested class ...
    return False


#: Decorators that make a descriptor, never a function: the class test never passes on it.
_PROPERTY_MAKERS = frozenset({"builtins.property", "functools.cached_property"})
#: What a property's ``@p.setter`` (and the like) returns: another property.
_PROPERTY_COPIES = frozenset({"setter", "getter", "deleter"})


def _property_defs(module: ModuleFacts, cls: ClassInfo) -> set[int]:
    """The ``def`` statements of ``cls``'s body (by id) that bind a property: decorated
    last by the builtin ``property`` or ``functools.cached_property``, or by ``p.setter``
    (``getter``, ``deleter``) where the body bound ``p`` last by such a ``def``. httpx's
    ``Response.request`` (a property and its setter) made ``Response`` a possible holder
    of ``AsyncClient.request``, and kept ``self.request(...)`` a call. None where the
    namespace may hold something else (``_namespace_as_written``)."""
    properties: set[str] = set()
    found: set[int] = set()
    if not _namespace_as_written(module, cls):
        return found
    for stmt in statements_of(cls.node.body):
        if type(stmt) is cst.FunctionDef and stmt.decorators and _makes_property(module, stmt.decorators[0].decorator, properties):
            properties.difference_update(class_scope_walrus_targets(stmt))
            properties.add(stmt.name.value)
            found.add(id(stmt))
            continue
        properties.difference_update(bound_names(stmt))
    return found


#: Decorators of a class body's ``def`` that run no code of the program's (and the
#: property makers, checked apart).
_PLAIN_DECORATORS = frozenset(
    {
        "builtins.staticmethod", "builtins.classmethod", "abc.abstractmethod", "typing.overload", "typing.final",
        "typing.override", "typing_extensions.overload", "typing_extensions.final", "typing_extensions.override",
    }
)


_FRAMES_SEEN: weakref.WeakKeyDictionary[ScopeIndex, bool] = weakref.WeakKeyDictionary()


def _looks_at_frames(index: ScopeIndex) -> bool:
    """The module calls what looks at frames, or reads a frame's ``f_locals`` (once per module)."""
    found = _FRAMES_SEEN.get(index)
    if found is None:
        nodes = list(walk(index.module))
        found = any(type(n) is cst.Attribute and n.attr.value == "f_locals" for n in nodes) or calls_frame_introspection(index, nodes) is not None
        _FRAMES_SEEN[index] = found
    return found


def _namespace_as_written(module: ModuleFacts, cls: ClassInfo) -> bool:
    """The class statement's namespace holds what its body binds (``_property_defs``): no
    class decorator (which may remake the class: ``six.add_metaclass``), plain metaclasses
    along its order (their ``__prepare__`` or ``__new__``), a module that looks at no frame
    (``locals()``, ``f_locals`` of a frame found however), no call in the body's own scope
    and no decorator other than the plain ones and the property makers (a function run
    there may write the namespace through its caller's frame), and bases of the program
    or public classes of the standard library (reviews R31a F4, F6, R32a F2, F3, R33a F2,
    R34b F1, F2)."""
    if cls.node.decorators or _looks_at_frames(module.index):
        return False
    if any(c is not UNKNOWN and not c.plain_metaclass for c in class_order(module, cls).classes):
        return False
    for node in class_scope_nodes(cls.node.body):
        if type(node) is cst.Call:
            return False
        if type(node) is cst.Decorator and not _plain_decorator(module, node.decorator):
            return False
    return _unread_base(module, cls, frozenset()) is None


def _plain_decorator(module: ModuleFacts, decorator: cst.BaseExpression) -> bool:
    if _setter_of(decorator) is not None:
        return True  # ``p.setter`` of a name of the body: a property's, or else no property def
    return names_only_by_import(module.index, decorator, _PROPERTY_MAKERS | _PLAIN_DECORATORS)


def _setter_of(decorator: cst.BaseExpression) -> str | None:
    """``p`` of ``@p.setter`` (``getter``, ``deleter``)."""
    if type(decorator) is cst.Attribute and decorator.attr.value in _PROPERTY_COPIES and type(decorator.value) is cst.Name:
        return decorator.value.value
    return None


def _makes_property(module: ModuleFacts, decorator: cst.BaseExpression, properties: set[str]) -> bool:
    """``decorator`` makes a property: the builtin ``property`` or ``functools.cached_property``,
    bound by nothing but their import (review R31a F2, F3: a star import, a ``global
    property``), or ``p.setter`` of a property ``p`` of the body."""
    copied = _setter_of(decorator)
    if copied is not None:
        return copied in properties
    return names_only_by_import(module.index, decorator, _PROPERTY_MAKERS)


#: Assignments of a name followed to its value at most (``original = K.m``, then ``K.m = original``).
_MAX_HOPS = 3


def _plain_function(module: ModuleFacts, store: AttributeStore) -> bool:
    """What ``store`` stores on a class is visibly a plain function, or another object
    without ``__get__`` (a bound method, a mock): the class test sees it as the lookup
    does."""
    return store.mock or (store.value is not None and (_is_function(module, store.value, 0) or _makes_mock(module, store.value)))


#: What makes a mock (``unittest.mock`` and its backport): an object without ``__get__``.
_MOCKS = frozenset(
    f"{package}.{name}"
    for package in ("unittest.mock", "mock")
    for name in ("Mock", "MagicMock", "AsyncMock", "NonCallableMock", "NonCallableMagicMock")
)


def _makes_mock(module: ModuleFacts, value: cst.BaseExpression) -> bool:
    """``value`` is a call of a mock class (``mock.AsyncMock(return_value=6)``)."""
    if type(value) is not cst.Call:
        return False
    found = module.index.qualified_names(value.func)
    return bool(found) and found <= _MOCKS


def _is_function(module: ModuleFacts, value: cst.BaseExpression, hops: int) -> bool:
    """``value`` evaluates to a function or a bound method: a ``lambda``; a name bound only
    by undecorated ``def`` statements, or by assignments of such values; ``C.f`` of a class
    whose order binds ``f`` by a ``def`` (a function, or a classmethod's bound method)."""
    if type(value) is cst.Lambda:
        return True
    if type(value) is cst.Attribute:
        ref = reference(module, value.value)
        if ref is None or ref.kind is not RefKind.CLASS or ref.cls is None:
            return False
        attr = value.attr.value
        for cls in class_order(ref.facts, ref.cls).classes:
            if cls is UNKNOWN:
                return False
            if cls.defines(attr):  # a def, made a classmethod or staticmethod at most
                return not cls.binds_otherwise_than_by_def(attr)
        return False
    if type(value) is not cst.Name or hops > _MAX_HOPS:
        return False
    index = module.index
    scope = index.use_scope(value)
    bindings = module.binding_names.get((scope, value.value), []) if scope is not None else []
    if not bindings:
        return False
    for binding in bindings:
        parent = index.parent(binding)
        if type(parent) is cst.FunctionDef and parent.name is binding:
            if parent.decorators:
                return False
            continue
        assign = index.parent(parent) if type(parent) is cst.AssignTarget else None
        if not (type(assign) is cst.Assign and len(assign.targets) == 1 and assign.targets[0].target is binding):
            return False
        if not _is_function(module, assign.value, hops + 1):
            return False
    return True


def _classes_at(module: ModuleFacts, path: str) -> list[Known]:
    """The class a patch names by a string (``mock.patch("pkg.mod.K.m")``: ``pkg.mod.K``),
    when it is a module-level class of a module of the program."""
    module_name, _, class_name = path.rpartition(".")
    home = module if module_name == module.name else module.program.facts(module_name) if module.program is not None and module_name else None
    cls = home.classes.get(class_name) if home is not None else None
    return [Known(cls, home, None)] if cls is not None and home is not None else []


def _classes_stored_on(module: ModuleFacts, obj: cst.BaseExpression, named: bool = True) -> list[Known]:
    """The classes ``obj`` may be, when it is a class (an instance of one of them is an
    instance of it or of a subclass): a class's name, ``type(x)`` or ``x.__class__`` of an
    object whose class the analysis knows, the first parameter of a classmethod (also the
    implicit ones, ``__init_subclass__`` and ``__class_getitem__``) or of a function the
    module uses as a class decorator, and, for a store of a name the source shows
    (``named``), the owner a descriptor's ``__set_name__`` is given: any class of the
    module. (A name it computes, ``setattr(owner, "_" + name, ...)``, is most often the
    descriptor's own: the user's promise, as before review R17 v4; review R18 w4.)"""
    instance = None
    if type(obj) is cst.Attribute and obj.attr.value == "__class__":
        instance = obj.value
    elif m.matches(obj, m.Call(func=m.Name("type"), args=[m.Arg(keyword=None, star="")])):
        instance = cast(cst.Call, obj).args[0].value
    if instance is not None:
        made = reference(module, instance.func) if type(instance) is cst.Call else None  # type(K())
        known = Known(made.cls, made.facts, None) if made is not None and made.cls is not None else _stored_on(module, instance)
        # The class of an object is what the analysis believes of it, no more (review R29b F1).
        return [replace(known, guessed=True)] if known is not None else []
    ref = reference(module, obj)
    if ref is not None:
        return [Known(ref.cls, ref.facts, None)] if ref.kind is RefKind.CLASS and ref.cls is not None else []
    if type(obj) is not cst.Name:
        return []
    index = module.index
    scope = index.use_scope(obj)
    bindings = module.binding_names.get((scope, obj.value), []) if scope is not None else []
    found: list[Known] = []
    for binding in bindings:
        parent = index.parent(binding)
        if type(parent) is cst.ClassDef and parent.name is binding:  # a class defined in a function
            found += [Known(c, module, None) for c in module.every_class if c.node is parent]
            continue
        fdef = _function_of_param(module, parent)
        if fdef is None:
            continue
        up = index.parent(fdef)
        owner = index.parent(up) if type(up) is cst.IndentedBlock else None
        if type(owner) is cst.ClassDef and fdef.name.value == "__set_name__" and _param_at(fdef, parent, 1):
            # The class holding the descriptor, which may be any class of the module
            # (``owner.m = staticmethod(K.m)``: review R17 v4).
            found += [Known(c, module, None) for c in module.every_class] if named else []
            continue
        if not _param_at(fdef, parent, 0):
            continue
        # A first parameter may be given another class, or rebound (``cls = target``): what
        # it is believed to be rules out no class (review R30a F1).
        if type(owner) is cst.ClassDef:
            if caller_method_kind(fdef) is MethodKind.CLASS or _takes_class(fdef):
                found += [Known(c, module, None, guessed=True) for c in module.every_class if c.node is owner]
        elif _class_decorator(module, fdef) is not None:
            found += [Known(c, module, None, guessed=True) for c in module.every_class if _decorates(module, fdef, c.node)]
    return found


def _holds_a_class(module: ModuleFacts, obj: cst.BaseExpression) -> bool:
    """``obj`` is the first parameter of a module-level class decorator, direct or made by a
    factory (``_class_decorator``), whose name the module uses only so: the analysis tells
    which classes it is (``_classes_stored_on``), none when it decorates no class. (A
    function also called otherwise, ``_staticify(cls, ...)`` in an ``__init_subclass__``,
    holds what its callers pass: review R19 c1.)"""
    if type(obj) is not cst.Name:
        return False
    index = module.index
    scope = index.use_scope(obj)
    for binding in module.binding_names.get((scope, obj.value), []) if scope is not None else []:
        parent = index.parent(binding)
        fdef = _function_of_param(module, parent)
        named = _class_decorator(module, fdef) if fdef is not None and _param_at(fdef, parent, 0) else None
        if named is not None and _used_only_to_decorate_classes(module, named, factory=named is not fdef):
            return True
    return False


def _function_of_param(module: ModuleFacts, node: cst.CSTNode | None) -> cst.FunctionDef | None:
    """The function whose parameter ``node`` is, if it is one (Param < Parameters < FunctionDef)."""
    if type(node) is not cst.Param:
        return None
    parameters = module.index.parent(node)
    fdef = module.index.parent(parameters) if parameters is not None else None
    return fdef if type(fdef) is cst.FunctionDef else None


def _used_only_to_decorate_classes(module: ModuleFacts, fdef: cst.FunctionDef, factory: bool) -> bool:
    """Every other ``Name`` spelling ``fdef``'s name is ``@name`` (``@name(...)`` for a
    factory) on a class statement; any other use, a homonym included, may pass it anything."""
    index = module.index
    for node in walk(index.module):
        if type(node) is not cst.Name or node.value != fdef.name.value or node is fdef.name:
            continue
        parent = index.parent(node)
        if factory:
            if type(parent) is not cst.Call or parent.func is not node:
                return False
            parent = index.parent(parent)
        if type(parent) is not cst.Decorator or type(index.parent(parent)) is not cst.ClassDef:
            return False
    return True


def _class_decorator(module: ModuleFacts, fdef: cst.FunctionDef) -> cst.FunctionDef | None:
    """The module-level function whose name decorates classes for ``fdef``: ``fdef`` itself
    (``@deco``), or a factory returning it (``def factory(*names): def deco(cls): ...;
    return deco``, used as ``@factory("m")``)."""
    index = module.index
    up = index.parent(fdef)
    if up is index.module:
        return fdef
    factory = index.parent(up) if type(up) is cst.IndentedBlock else None
    if type(factory) is not cst.FunctionDef or index.parent(factory) is not index.module:
        return None
    returned = [
        r.value for line in statements_of(factory.body) if type(line) is cst.SimpleStatementLine for r in line.body if type(r) is cst.Return
    ]
    return factory if any(type(v) is cst.Name and v.value == fdef.name.value for v in returned) else None


#: Methods a class statement makes classmethods, or (``__new__``) a staticmethod taking the class.
_IMPLICIT_CLASS_METHODS = frozenset({"__init_subclass__", "__class_getitem__", "__new__"})


def _takes_class(fdef: cst.FunctionDef) -> bool:
    """The first parameter of ``fdef``, a method, is a class though it is not decorated so."""
    return fdef.name.value in _IMPLICIT_CLASS_METHODS


def _param_at(fdef: cst.FunctionDef, param: cst.CSTNode | None, position: int) -> bool:
    params = [*fdef.params.posonly_params, *fdef.params.params]
    return len(params) > position and params[position] is param


def _decorates(module: ModuleFacts, fdef: cst.FunctionDef, node: cst.ClassDef) -> bool:
    """``@f`` decorates the class statement ``node``, ``fdef`` being ``f`` (module level), or
    the function the factory ``f`` returns (``@f(...)``)."""
    index = module.index
    named = _class_decorator(module, fdef)
    if named is None:
        return False
    for decorator in node.decorators:
        expr: cst.BaseExpression | None = decorator.decorator
        if named is not fdef:  # the factory called: ``@rewrap("m")``
            expr = expr.func if type(expr) is cst.Call else None
        if type(expr) is cst.Name and expr.value == named.name.value:
            scope = index.use_scope(expr)
            if scope is not None and named.name in module.binding_names.get((scope, expr.value), []):
                return True
    return False


def _stored_on(module: ModuleFacts, obj: cst.BaseExpression) -> Known | None:
    """The class of ``obj``, an object a store of ``module`` sets an attribute on, when the
    function whose variable it starts from tells (``self`` of a method, a local made by a
    constructor or annotated, an attribute of those)."""
    root = obj
    while isinstance(root, cst.Attribute):
        root = root.value
    index = module.index
    if m.matches(root, m.Call(func=m.Name("super"), args=[])):  # super().__setattr__(...): self
        node = index.parent(root)
        while node is not None and type(node) is not cst.FunctionDef:
            node = index.parent(node)
        return _self_of(module, node)[1] if isinstance(node, cst.FunctionDef) else None
    if m.matches(root, m.Call(func=m.Name("super"), args=[m.Arg(keyword=None, star=""), m.Arg(keyword=None, star="")])):
        return _stored_on(module, cast(cst.Call, root).args[1].value)  # super(C, obj).__setattr__(...): obj
    if type(root) is not cst.Name:
        return None
    scope = index.use_scope(root)
    if scope is None:
        return None
    node = index.parent(root)
    while node is not None and not (type(node) is cst.FunctionDef and index.function_scope(node) is scope):
        node = index.parent(node)
    if node is None:
        return None  # a global, or no variable at all
    assert isinstance(node, cst.FunctionDef)
    ctx = TypeContext(module, node, scope, *_self_of(module, node))
    return instance_of(ctx, obj)


def _self_of(module: ModuleFacts, fdef: cst.FunctionDef) -> tuple[str | None, Known | None]:
    """The first parameter of ``fdef`` and its class, when ``fdef`` is an instance method
    (as everywhere in the analysis, ``self`` is taken for an instance of its class, even
    where the method rebinds it)."""
    params = [*fdef.params.posonly_params, *fdef.params.params]
    block = module.index.parent(fdef)
    owner = module.index.parent(block) if block is not None else None
    if not params or type(owner) is not cst.ClassDef or _takes_class(fdef) or caller_method_kind(fdef) is not MethodKind.INSTANCE:
        return None, None
    cls = next((c for c in module.every_class if c.node is owner), None)
    return params[0].name.value, Known(cls, module, None) if cls is not None else None


def _may_be_one_of(known: Known, related: list[ClassInfo], orders: list[list[ClassInfo | None]]) -> bool:
    """An instance of ``known.cls`` may be an instance of a class of ``related`` (whose
    orders are ``orders``): the class is one of them, a base of one, or a subclass of one,
    as far as the orders the analysis knows show."""
    own = class_order(known.facts, known.cls).classes
    return any(known.cls in o for o in orders) or any(r in own for r in related)
