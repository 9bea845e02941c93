"""Programs of classes and of packages: the method and cross-module sites (issue 11).

The statements and expressions are those of ``generator`` (this generator is a subclass of
its own); what changes is who calls whom, and through what:

* **classes** with async methods: a root ``A``, subclasses ``B``, ``C`` (bases before
  subclasses), a mixin ``M`` and ``D(B, M)`` (multiple inheritance), a helper ``Conn``
  (``SubConn``) whose instance ``A.__init__`` keeps in ``self._conn`` (annotated in the class
  body or not); overrides that call
  ``super()``, classmethods, staticmethods, ``__slots__``;
* **call sites** ``self.m()``, ``type(self).m(self)``, ``A.m(self)``, ``super().m()``,
  ``cls.m()``, ``A.sm()``, ``self._conn.m()``, ``o.m()`` for a local assigned from a
  constructor, annotated with the class (``o1: A = B(3)``, or a ``Proxy`` or ``ConnMock``,
  as a test's mock lies about it) or left by a loop over a list annotated ``list[A]`` (of ``A`` and its
  subclasses), ``SHARED_B.m()`` for a module-level instance, ``B(2).m()``;
* what makes the static target of such a site wrong at run time, so that an inliner must
  guard it: subclasses overriding a method with a property, a ``Fake`` class attribute or a
  logging descriptor; ``__getattr__`` and ``__getattribute__``; metaclasses that log
  constructions or class lookups, or wrap methods; class decorators and
  ``__init_subclass__`` that wrap; a ``self._conn`` whose class lacks the methods
  (``Proxy``, ``ConnMock``); and, unless the rewrite drops its guards (``rebinding``),
  instance attributes shadowing methods (in ``__init__`` and at run time; not in a package
  under ``--assume class-methods``, which also keeps ``__getattribute__`` to root classes and
  overrides out of ``Traced`` there: a module the analysis does not read may hold them),
  class attributes and module globals rebound, ``mock.patch``, ``mock.patch.object`` and
  ``AsyncMock``;
* **holders** (one module, a third of the programs; ``holder_source``): a class ``U``
  unrelated to the hierarchy, with the instance state its methods read, whose body binds a
  method's name to the method (``m3 = A.m3``, ``(m3 := A.m3)``), makes it a ``@property``
  (with a setter, or a getter only; ``functools.cached_property``), a property then
  ``m3 = A.m3`` after it, or nothing; ``main`` makes ``u = U(4)``, sometimes stores a stand-in
  as ``u.m3`` (through the property's setter where there is one), and awaits hierarchy
  methods with ``u`` as ``self`` (``A.m2(u)``, whose body awaits ``self.m3()``): an instance
  of a class that holds the method passes the class test of ``--assume class-methods``,
  while its own attribute is what the original calls (``analysis/class_test.py``);
* **packages** (``package=True``): modules ``fzpkg.mod1`` .. ``fzpkg.mod3`` beside ``fzpkg.main``
  and ``fzpkg.prelude``, each with its own state (``G`` written under ``global``, ``LIMIT``
  reassigned from other modules at run time, ``_SCALE`` and ``_helper`` defined in every
  module with different values), reached by ``from .x import f``, ``from fzpkg.x import f``,
  ``from . import x``, ``import fzpkg.x as m``, ``import fzpkg.x``, imports inside
  functions, and re-exports of ``fzpkg/__init__.py``; classes whose bases live in another
  module; ``__name__``, ``logging.getLogger(__name__).name`` and ``__file__`` printed; import
  cycles, whose calls are made only at run time.

A method's *rank* is that of its name: every implementation of ``m3`` awaits only names of a
higher rank, itself (``depth`` decreasing) and, from an override, ``super().m3()`` (up the
MRO), so every program terminates. Top-level imports go from a module to modules of a higher
index (``main`` is index 0), except cycles back to ``mod1``, which every import path loads
first; other imports against that order are made inside functions, at run time.
"""

from __future__ import annotations

import dataclasses
import random
from dataclasses import dataclass, field

from .generator import Function, ProgramGenerator
from .prelude import OBJECT_IMPORTS, prelude

PACKAGE = "fzpkg"
#: What modules of a package import from ``fzpkg.prelude``.
PRELUDE_NAMES = (
    "ACM", "Boom", "Box", "CM", "Cond", "ConnMock", "EnterRaises", "ExitRaises", "Fake", "Fault", "Halt",
    "MetaLog", "MetaWatch", "MetaWrap", "Proxy", "Stop", "Traced", "chain", "cv", "drive", "exc_name",
    "fake_method", "log", "logged", "remade", "rewrap_static", "spy_getattr", "spy_super", "spy_type", "swap",
    "t", "Tracked", "unswap", "wrapping",
)
#: A def that an import then replaces (also written as a star import): calls of ``relay``
#: reach the prelude's.
SHADOWED_DEF = ["async def relay(x):", "    return x + 1", "", "", "from .prelude import relay  # noqa: E402, F811", "", ""]
PLAIN_NAMES = ("Suspend",)
RUNTIME_NAMES = ("CTX", "CtxAwaiter", "DoneAwaiter", "Flag", "PoolAwaiter", "al", "alt", "sc", "where")
#: What the holder class ``U`` binds a method's name to (``holder_source``): the method,
#: by ``=`` or ``:=`` (a holder), a property with a setter or a getter only, a property
#: then the method after it (a holder), a ``functools.cached_property``, nothing.
HOLDER_MODES = ("holder", "holder", "holder", "walrus", "setter", "setter", "getter", "property-then-holder", "cached", "nothing")
RUNTIME_IMPORTS = "import runtime\nfrom runtime import SynchronizationContext, async_method, configure_await, yield_\n"


@dataclass(eq=False)
class ClassSpec:
    name: str
    bases: list[ClassSpec]
    module: int = 0
    #: Methods its body defines with ``async def``, by name.
    own: dict[str, Function] = field(default_factory=dict)
    #: Methods its body overrides otherwise: ``"property"`` or ``"fake"`` (a ``Fake`` attribute).
    odd: dict[str, str] = field(default_factory=dict)
    slots: tuple[str, ...] | None = None
    metaclass: str | None = None
    #: ``watched`` (MetaWatch), ``wrapped`` (MetaWrap), ``@wrapping``, ``__init_subclass__``
    #: and ``__getattribute__``: the method name each one concerns.
    hooks: dict[str, str] = field(default_factory=dict)
    getattr: bool = False
    #: ``__init__`` of a root: instances whose ``v`` is 7 get this method shadowed.
    shadowed: str | None = None
    mro: list[ClassSpec] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.mro = _c3(self)

    def defines(self, name: str) -> bool:
        return name in self.own or name in self.odd

    def has(self, name: str) -> bool:
        return any(c.defines(name) for c in self.mro)

    @property
    def has_dict(self) -> bool:
        """Instances have a ``__dict__``: attributes can shadow methods."""
        return any(c.slots is None for c in self.mro)

    @property
    def root(self) -> ClassSpec:
        """The root of its first base's line (``A`` for ``D(B, M)``)."""
        return self if not self.bases else self.bases[0].root


def _c3(cls: ClassSpec) -> list[ClassSpec]:
    """The MRO Python computes (C3 linearization)."""
    sequences = [list(base.mro) for base in cls.bases] + [list(cls.bases)]
    out = [cls]
    while any(sequences):
        sequences = [s for s in sequences if s]
        head = next(s[0] for s in sequences if not any(s[0] in other[1:] for other in sequences))
        out.append(head)
        for s in sequences:
            if s[0] is head:
                del s[0]
    return out


@dataclass(frozen=True)
class Form:
    """One way to call a callee from here: ``text`` with ``{ref}`` standing for how this
    module reaches ``target`` (module, name), and an explicit first argument, if any."""

    text: str
    target: tuple[int, str] | None = None
    first: str | None = None


class ObjectProgramGenerator(ProgramGenerator):
    def __init__(
        self,
        seed: int,
        runtime_async: bool = False,
        rebinding: bool = True,
        package: bool = False,
        class_methods: bool = False,
        mutable_defaults: bool = True,
    ) -> None:
        super().__init__(seed, runtime_async, rebinding, mutable_defaults)
        self.package = package
        #: The rewrite assumes ``class-methods`` and may not see all the code that breaks
        #: the class test: a package, whose site modules' rewrites do not read every module.
        #: Then no instance attribute shadows a method, no ``__getattribute__`` is defined
        #: where the site's class order does not show it, and no override is wrapped in a
        #: descriptor whose ``__get__`` logs (``Traced``). In one module the analysis sees
        #: all of these and keeps the exact guard (``analysis/class_test.py``), except
        #: stores on objects it mistypes: no ``self.m = ...`` in a method, where ``self``
        #: may have been rebound to another object (``__init__``'s stores stay).
        self.class_methods = class_methods
        self.class_test_blind = class_methods and package
        #: Instance attributes shadow methods.
        self.instance_patches = rebinding and not self.class_test_blind
        #: Modules ``mod1 .. modK`` besides ``main`` (index 0); none in a one-module program.
        self.modules = self.rng.randint(1, 3) if package else 0
        #: The module that lives in the subpackage ``fzpkg.sub`` (its relative imports, and
        #: those of others that reach it, resolve against another package), if any. Drawn
        #: from a generator of its own, so that seeds keep the programs they had.
        self.nested = self.modules if self.modules >= 2 and random.Random(f"nested module {seed}").random() < 0.5 else None
        #: In one module (classes), a third of the programs (packages keep theirs: the
        #: regression tests' seeds are packages).
        self.mangling = not package and self.spellings.random() < 0.3
        self.classes: list[ClassSpec] = []
        #: Module-level instances: (global name, class).
        self.shared: list[tuple[str, ClassSpec]] = []
        #: Functions ``fzpkg/__init__.py`` re-exports (``main`` imports them from the package).
        self.reexported: list[Function] = []
        #: Top-level imports each module needs (in order of first use).
        self.imports: dict[int, list[str]] = {i: [] for i in range(self.modules + 1)}
        # the function being written: instance locals made in its prologue, its imports
        self.objects: list[tuple[str, ClassSpec]] = []
        self.prologue: list[str] = []
        self.local_imports: list[str] = []
        self.first_call: list[str] = []
        #: Modules that bind a ``len`` of their own, which ``main`` deletes at run time
        #: (``builtins_patched``).
        self.own_builtins: set[int] = set()
        #: Package modules whose top level unbinds their global ``_gone`` (``except E as
        #: _gone``), which their functions read (review P: inlined elsewhere, KeyError).
        self.unbinding: set[int] = set()
        #: The holder class ``U`` and ``main``'s calls with its instance as ``self``
        #: (``holder_source``): in one module, drawn from a generator of its own, so that
        #: seeds keep the rest of their programs.
        self.holder_draws = random.Random(f"holder classes {seed}")
        self.holder = not package and self.holder_draws.random() < 0.35
        self.holder_main: list[str] = []
        #: The names an instance method's own ``self.m()`` and ``type(self).m(self)`` sites
        #: call, by (class, method): where ``A.m2(u)`` reaches ``u.m3``.
        self.self_sites: dict[tuple[str, str], set[str]] = {}

    # -- the shape ----------------------------------------------------------------------------
    def make_classes(self) -> None:
        new = self.new_class
        a = new("A", [])
        subclasses = [a]
        if self.chance(0.85):
            subclasses.append(new("B", [a]))
            if self.chance(0.45):
                subclasses.append(new("C", [self.pick(subclasses)]))
        if self.chance(0.4):
            m = new("M", [])
            if self.chance(0.75):
                new("D", [self.pick(subclasses), m])
        if self.chance(0.5):  # after A's module: A.__init__ imports them at the top
            conn = new("Conn", [], a.module)
            if self.chance(0.5):
                new("SubConn", [conn], a.module)
        if self.chance(0.3):
            a.slots = ("v", "_conn")
            for cls in subclasses[1:]:
                if self.chance(0.6):
                    cls.slots = self.pick([(), ("w",)])
        conn_root = self.class_named("Conn")
        if conn_root is not None and self.chance(0.3):
            conn_root.slots = ("v",)
        if self.chance(0.2):
            a.metaclass = self.pick(["MetaLog", "MetaWatch", "MetaWrap"])
        for cls in self.classes:
            if not cls.bases and cls.name != "M" and self.chance(0.15):
                cls.getattr = True

    def new_class(self, name: str, bases: list[ClassSpec], lowest: int = 1) -> ClassSpec:
        """A class, in a module no later than its bases' (they are imported forward) and not
        before ``lowest``."""
        module = 0
        if self.modules:
            highest = min([b.module for b in bases], default=self.modules)
            module = self.rng.randint(min(lowest, highest), highest)
        cls = ClassSpec(name, bases, module)
        self.classes.append(cls)
        return cls

    def class_named(self, name: str) -> ClassSpec | None:
        return next((c for c in self.classes if c.name == name), None)

    def make_members(self) -> None:
        """Member names with their ranks: functions ``fI`` and methods ``mI`` of a root class;
        every implementation of a name shares its signature."""
        roots = [c for c in self.classes if not c.bases]
        for i in range(self.rng.randint(4, 8)):
            fn = self.make_function(i)
            fn.kind = self.pick(["function"] * 3 + ["method"] * 5 + ["classmethod", "staticmethod"])
            if fn.kind == "function":
                fn.module = self.rng.randint(1, self.modules) if self.modules else 0
                self.functions.append(fn)
                continue
            fn.name = f"m{i}"
            self.functions.append(fn)
            self.implement(fn, self.pick(roots[:1] * len(roots) + roots))  # A's family mostly

    def implement(self, member: Function, cls: ClassSpec, traced: bool = False) -> Function:
        """``cls``'s own ``async def`` of ``member``: decorators and local shadows of its own."""
        impl = dataclasses.replace(member, owner=cls.name, module=cls.module, shadows=set(member.shadows), decorators=[])
        impl.runtime_async = self.runtime_async and self.chance(0.75)
        if impl.runtime_async:
            impl.decorators = list(member.decorators) if member.runtime_async else ["@async_method"]
        if member.kind != "method":
            impl.decorators.insert(0, f"@{member.kind}")
        if traced:
            impl.decorators.insert(0, "@Traced")
        impl.uses_global = self.chance(0.2)
        cls.own[member.name] = impl
        return impl

    def make_overrides(self) -> None:
        """Subclasses override some inherited methods: mostly with an ``async def`` (which may
        call ``super()``), sometimes with a traced one, a property or a ``Fake`` attribute."""
        methods = [f for f in self.functions if f.kind != "function"]
        for cls in self.classes:
            if not cls.bases:
                continue
            for member in methods:
                if not any(base.has(member.name) for base in cls.bases):
                    continue
                r = self.rng.random()
                if r < 0.45:
                    self.implement(member, cls)
                elif r < 0.49:  # (the class test would run __get__ once more)
                    self.implement(member, cls, traced=not self.class_test_blind)
                elif r < 0.54 and member.kind == "method":
                    cls.odd[member.name] = self.pick(["property", "fake"])

    def make_hooks(self) -> None:
        """Wrappers and lookups that make a method's class attribute differ from its def."""
        for cls in self.classes:
            plain = [n for n, f in cls.own.items() if f.kind == "method" and "@Traced" not in f.decorators]
            names = sorted(n for n in (f.name for f in self.functions) if cls.has(n))
            if not names:
                continue
            if cls.metaclass == "MetaWatch":  # (a class without names watches none)
                cls.hooks["watched"] = self.pick(names)
            if cls.metaclass == "MetaWrap" and plain:
                cls.hooks["wrapped"] = self.pick(plain)
            if cls.bases and plain and self.chance(0.1):
                cls.hooks["wrapping"] = self.pick(plain)
            # (where the analysis may not see it, only where every site's class order does)
            if self.chance(0.1) and not (self.class_test_blind and cls.bases):
                cls.hooks["getattribute"] = self.pick(names)
            if not cls.bases and self.chance(0.08):
                wrappable = [n for n in names if all(
                    sub.own[n].kind == "method" and "@Traced" not in sub.own[n].decorators
                    for sub in self.classes if cls in sub.mro[1:] and n in sub.own
                ) and not any(n in sub.odd for sub in self.classes if cls in sub.mro)]
                if wrappable:
                    cls.hooks["init_subclass"] = self.pick(wrappable)
            if not cls.bases and cls.has_dict and self.instance_patches and self.chance(0.15):
                cls.shadowed = self.pick(names)
            # Review shapes (drawn from ``shapes``): an instance method the class statement's
            # decorator holds as a staticmethod; the class remade by a call after its statement.
            # Not where the class test may not see the code (``class_test_blind``).
            if self.class_test_blind:
                continue
            if not cls.bases and plain and "wrapped" not in cls.hooks and self.review_shape(0.08):
                cls.hooks["static"] = self.shapes.choice(plain)
            if self.review_shape(0.12):
                cls.hooks["remade"] = cls.name

    # -- reaching other modules ---------------------------------------------------------------
    def ref(self, module: int, name: str, local: bool = True) -> str:
        """``name`` of ``module``, as the code being written reaches it (adding the import it
        needs, at the top of the module or, with ``local``, of the function)."""
        if module == self.module:
            return name
        mod, where, parent = module_name(module), self.dotted(module), self.relative_package(module)
        forms = []
        if self.module == 0 or module > self.module:
            forms += ["from", "from-abs", "from-as", "mod", "mod-as", "mod-abs"]
        elif module == 1:
            forms += ["mod", "mod-as"]  # a cycle back to mod1, always loaded first
        if local:
            forms += ["local-from", "local-mod"]
        if self.module == 0 and any(f.name == name for f in self.reexported):
            forms += ["package"]
        form = self.pick(forms)
        line, text = {
            "from": (f"from {self.relative(module)} import {name}", name),
            "from-abs": (f"from {where} import {name}", name),
            "from-as": (f"from {self.relative(module)} import {name} as {mod}_{name}", f"{mod}_{name}"),
            "mod": (f"from {parent} import {mod}", f"{mod}.{name}"),
            "mod-as": (f"import {where} as {mod}_mod", f"{mod}_mod.{name}"),
            "mod-abs": (f"import {where}", f"{where}.{name}"),
            "local-from": (f"from {self.relative(module)} import {name}", name),
            "local-mod": (f"from {parent} import {mod}", f"{mod}.{name}"),
            "package": (f"from {self.pick(['.', PACKAGE])} import {name}", name),
        }[form]
        self.need(line, local=form.startswith("local"))
        return text

    def module_ref(self, module: int) -> str:
        """An expression for the module object ``module`` (``sys.modules`` when it is this one)."""
        if module == self.module:
            return "sys.modules[__name__]"
        mod, where = module_name(module), self.dotted(module)
        top = self.module == 0 or module > self.module or module == 1
        form = self.pick(["sys", "mod", "mod-as"] if top else ["sys", "local"])
        if form == "sys":  # imported all the same, so that it is there
            self.need(f"import {where}", local=not top)
            return f"sys.modules['{where}']"
        if form == "mod-as":
            self.need(f"import {where} as {mod}_mod")
            return f"{mod}_mod"
        self.need(f"from {self.relative_package(module)} import {mod}", local=form == "local")
        return mod

    def dotted(self, module: int) -> str:
        """The absolute name of ``module`` (``fzpkg.mod2``, ``fzpkg.sub.mod3``)."""
        return f"{PACKAGE}.sub.{module_name(module)}" if module == self.nested else f"{PACKAGE}.{module_name(module)}"

    def relative_package(self, module: int, start: int | None = None) -> str:
        """The package of ``module`` as a relative import in module ``start`` (the one being
        written) names it: ``.``, ``..`` (from ``fzpkg.sub``), ``.sub``."""
        up = ".." if (self.module if start is None else start) == self.nested else "."
        return up + "sub" if module == self.nested else up

    def relative(self, module: int, start: int | None = None) -> str:
        """``module`` as a relative import in module ``start`` (the one being written) names it."""
        package = self.relative_package(module, start)
        return f"{package}.{module_name(module)}" if module == self.nested else f"{package}{module_name(module)}"

    def target_name(self, module: int, name: str) -> str:
        """The dotted name ``mock.patch`` takes for ``name`` of ``module``."""
        return f"__name__ + '.{name}'" if module == self.module or not self.package else f"'{self.dotted(module)}.{name}'"

    def need(self, line: str, local: bool = False) -> None:
        lines = self.local_imports if local else self.imports[self.module]
        if line not in lines:
            lines.append(line)

    # -- call sites -----------------------------------------------------------------------------
    def here(self) -> ClassSpec | None:
        """The class whose method is being written."""
        return self.class_named(self.fn.owner) if self.fn is not None and self.fn.owner else None

    def forms(self, callee: Function) -> list[Form]:
        """Every way to reach ``callee`` from the code being written."""
        if callee.kind == "function":
            return [Form("{ref}", (callee.module, callee.name))]
        name, method = callee.name, callee.kind == "method"
        me, here = self.fn, self.here()
        out: list[Form] = []
        explicit = "self" if method else None
        if here is not None and me is not None and here.has(name):
            if me.kind == "method":
                out += [Form(f"self.{name}")] * 6 + [Form(f"type(self).{name}", first=explicit)]  # the common shape
                out += [Form(f"{{ref}}.{name}", (c.module, c.name), explicit) for c in here.mro if c.has(name)][:2]
            elif me.kind == "classmethod":
                out.append(Form(f"cls({self.rng.randint(0, 9)}).{name}" if method else f"cls.{name}"))
        if here is not None and me is not None and any(c.defines(name) for c in here.mro[1:]):
            if me.kind == "method" or (me.kind == "classmethod" and not method):
                out.append(Form(f"super().{name}"))
        conn = self.class_named("Conn")
        if me is not None and me.kind == "method" and here is not None and here.root.name == "A" and conn is not None and conn.has(name):
            out += [Form(f"self._conn.{name}")] * 2
        for local, cls in self.objects:
            if cls.has(name):
                out += [Form(f"{local}.{name}")] * 2
                if method and self.chance(0.2):
                    owner = next(c for c in cls.mro if c.defines(name))
                    out.append(Form(f"{{ref}}.{name}", (owner.module, owner.name), local))
        for shared, cls in self.shared:
            if cls.has(name):
                out.append(Form(f"{{ref}}.{name}", (cls.module, shared)))
        for cls in self.classes:
            if cls.has(name):
                out.append(Form(f"{{ref}}({self.rng.randint(0, 9)}).{name}" if method else f"{{ref}}.{name}", (cls.module, cls.name)))
        return out

    def callees(self) -> list[Function]:
        """Later members reachable from here; in a method, more often those of its own class,
        most often those a subclass overrides (the ``self.m()`` sites dynamic dispatch goes
        through)."""
        rank = self.fn.index if self.fn is not None else -1
        later = [f for f in self.functions if f.index > rank]
        reachable = [f for f in (later if self.fn is not None else later[:4]) if self.forms(f)]
        here = self.here()
        if here is None:
            return reachable
        own = [f for f in reachable if f.kind != "function" and here.has(f.name)]
        overridden = [f for f in own if any(here in c.mro[1:] and c.defines(f.name) for c in self.classes)]
        return reachable + own * 2 + overridden * 3

    def hideable_functions(self) -> list[str]:
        """What a comprehension variable here may hide: the module's own globals its
        functions read (the functions are reached in too many ways to hide them)."""
        return ["LIMIT", "_SCALE", "_helper"]

    def defaults_targets(self) -> list[Function]:
        """Functions of this module (a bare name reaches them) with defaults."""
        return [f for f in super().defaults_targets() if f.kind == "function" and f.module == self.module]

    def call_text(self, callee: Function, d: int) -> str:
        form = self.pick(self.forms(callee))
        me = self.fn
        if me is not None and me.kind == "method" and me.owner and callee.kind == "method" and form.text in (f"self.{callee.name}", f"type(self).{callee.name}"):
            self.self_sites.setdefault((me.owner, me.name), set()).add(callee.name)
        target = form.text.replace("{ref}", self.ref(*form.target)) if form.target else form.text
        args = self.call_args(callee, d)
        if form.first:
            args = f"{form.first}, {args}" if args else form.first
        return f"{target}({args})"

    def self_call(self, fn: Function, d: int) -> str:
        args = self.call_args(fn, d, recursing=True)
        if fn.kind == "method":
            return self.pick([f"self.{fn.name}({args})", f"type(self).{fn.name}(self{', ' if args else ''}{args})"])
        prefix = {"classmethod": "cls.", "staticmethod": f"{fn.owner}."}.get(fn.kind, "")
        return f"{prefix}{fn.name}({args})"

    def await_expr(self, d: int) -> str | None:
        me, here = self.fn, self.here()
        if me is not None and here is not None:
            r = self.rng.random()
            if r < 0.1 and me.kind != "staticmethod" and any(c.defines(me.name) for c in here.mro[1:]):
                return f"await super().{me.name}({self.call_args(me, d, recursing=True)})"  # up the MRO
            if r < 0.13 and me.kind == "method" and any(c.getattr for c in here.mro):  # found by __getattr__
                return f"await self.dyn{self.rng.randint(0, 2)}({self.expr(d - 1)})"
        return super().await_expr(d)

    # -- expressions and statements -------------------------------------------------------------
    def atom(self) -> str:
        r = self.rng.random()
        if r < 0.05:
            return self.pick(["LIMIT", "_SCALE"])
        if r < 0.08 and self.uses("_helper"):
            return f"_helper({super().atom()})"
        if r < 0.12 and self.fn is not None and self.fn.kind == "method":
            return "self.v"
        return super().atom()

    def simple(self, indent: str) -> list[str]:
        before: list[str] = []
        if self.fn is not None and self.module in self.unbinding and self.review_shape(0.06):
            inner = indent + "    "  # a global its module's top-level except-as unbound
            before = [f"{indent}try:", f"{inner}log({self.tag()}, _gone)", f"{indent}except NameError as unbound:",
                      f"{inner}log({self.tag()}, chain(unbound))"]
        return before + self.drawn_simple(indent)

    def drawn_simple(self, indent: str) -> list[str]:
        r = self.rng.random()
        if r < 0.04:
            what = self.pick(["__name__", "logging.getLogger(__name__).name", "os.path.basename(__file__)", "LIMIT, _SCALE"])
            return [f"{indent}log({self.tag()}, {what})"]
        if r < 0.07 and self.fn is not None and self.fn.kind == "method":
            return [f"{indent}self.v = {self.expr(1)}"]
        if r < 0.075 and self.fn is not None and self.fn.kind in ("method", "classmethod") and self.objects:
            # the receiver is a local like any other: later self.m() and super() see the new one
            receiver, obj = self.fn.receiver, self.pick(self.objects)[0]
            return [f"{indent}{receiver} = {obj if receiver == 'self' else f'type({obj})'}"]
        if r < 0.10:
            return self.state_change(indent)
        return super().simple(indent)

    def state_change(self, indent: str) -> list[str]:
        """Set a module's ``LIMIT`` around a call of one of its functions, which read it live
        (data, not a callee: made with or without guards), then put it back."""
        rank = self.fn.index if self.fn is not None else -1
        functions = [f for f in self.functions if f.kind == "function" and f.index > rank]
        if not functions:
            return [f"{indent}log({self.tag()}, LIMIT)"]
        target = self.pick(functions)
        owner, old, value = self.module_ref(target.module), f"limit{self.level}", self.rng.randint(0, 9)
        setup, undo = self.swapped(owner, "LIMIT", str(value), old)
        call = f"{indent}    log({self.tag()}, await {self.call_text(target, 1)})"
        return _for_a_while(indent, setup, [call], undo)

    def swapped(self, owner: str, name: str, value: str, old: str) -> tuple[list[str], str]:
        """Statements that set ``owner.name`` to ``value``, keeping what was there in ``old``
        (by plain assignment, or through ``swap``), and the statement that puts it back."""
        if self.chance(0.5):
            return [f"{old} = {owner}.{name}", f"{owner}.{name} = {value}"], f"{owner}.{name} = {old}"
        return [f"{old} = swap({owner}, '{name}', {value})"], f"unswap({owner}, '{name}', {old})"

    def rebinding(self, d: int, indent: str) -> list[str]:
        """Point a later callee's name or attribute elsewhere for a while, as tests do with
        ``mock.patch``, and undo it: inlined sites must call the stand-in meanwhile."""
        callees = self.callees()
        if not callees:
            return [f"{indent}pass"]
        target = self.pick(callees)
        inner = indent + "    "
        item, setup, undo = self.patch(target, f"old{self.level}")
        call = [[f"{inner}log({self.tag()}, await {self.call_text(target, 1)})"]]
        body = self.block(d - 1, inner, self.rng.randint(1, 2), extra=call)
        return [f"{indent}with {item}:", *body] if item is not None else _for_a_while(indent, setup, body, undo)

    def patch(self, target: Function, old: str) -> tuple[str | None, list[str], str]:
        """A ``with`` item that patches ``target`` (or its module's state), or the statements
        that do it and the one that undoes it (``old`` keeps what was there)."""
        name, r = target.name, self.rng.random()
        stand_in = self.pick([f"Fake('{name}')", f"mock.AsyncMock(return_value={self.rng.randint(0, 9)})"]
                             + (["alt"] if self.runtime_async else []))
        if target.kind == "function":
            if r < 0.3:
                return f"mock.patch({self.target_name(target.module, name)}, {stand_in})", [], ""
            owner = self.module_ref(target.module)
            if r < 0.5:
                return f"mock.patch.object({owner}, '{name}', {stand_in})", [], ""
            return None, *self.swapped(owner, name, stand_in, old)
        cls = self.pick([c for c in self.classes if c.has(name)])
        owner = self.ref(cls.module, cls.name)
        if target.kind == "method":
            stand_in = self.pick([stand_in, f"fake_method('{cls.name}.{name}')"])
        instances = [o for o, c in self.objects if c.has(name) and c.has_dict]
        here = self.here()
        # (``self`` may have been rebound to another object, which the analysis does not
        # see: in class-methods cases the assumption excludes such a store)
        if self.fn is not None and self.fn.kind == "method" and here is not None and here.has(name) and here.has_dict and not self.class_methods:
            instances.append("self")
        if not self.instance_patches:
            instances = []
        if r < 0.3:
            return f"mock.patch.object({owner}, '{name}', {stand_in})", [], ""
        if r < 0.55 and instances:  # an instance attribute shadows the method
            obj = self.pick(instances)
            return None, [f"{obj}.{name} = Fake('{obj}.{name}')"], f"del {obj}.{name}"
        if r < 0.75 and not cls.defines(name):  # the class gets its own, then loses it
            return None, [f"{owner}.{name} = {stand_in}"], f"del {owner}.{name}"
        return None, [f"{old} = swap({owner}, '{name}', {stand_in})"], f"unswap({owner}, '{name}', {old})"

    # -- functions, classes, modules ------------------------------------------------------------
    def enter_function(self, fn: Function | None) -> None:
        """Instances the body will call methods of (locals assigned from a constructor), for
        half the functions a print of the module's state as the function sees it, and for
        half a call first thing (before the body may raise: calls go deep)."""
        self.objects, self.prologue, self.local_imports, self.first_call = [], [], [], []
        if fn is not None and self.chance(0.5):
            self.prologue.append(f"    log('{fn.name}.state', LIMIT, _helper({self.rng.randint(0, 9)}))")
        for i in range(self.rng.choice([0, 0, 1, 1, 2])):
            cls = self.pick(self.classes)
            name = f"o{i + 1}"
            r = self.rng.random()
            family = [c for c in self.classes if cls in c.mro]
            if r < 0.25:  # the variable a loop over an annotated collection leaves bound
                made = ", ".join(f"{self.ref(c.module, c.name)}({self.rng.randint(0, 9)})" for c in self.rng.choices(family, k=self.rng.randint(1, 3)))
                kind = self.ref(cls.module, cls.name)
                self.prologue += [f"    {name}_all: list[{kind}] = [{made}]", f"    for {name} in {name}_all:", "        pass"]
            elif r < 0.4:  # a local whose annotation names the class: of a subclass, or lying, as a test's mock does
                sub = self.pick(family)
                made = f"{self.ref(sub.module, sub.name)}({self.rng.randint(0, 9)})"
                if self.chance(0.2):
                    made = self.pick(["Proxy()", "ConnMock()"])
                self.prologue.append(f"    {name}: {self.ref(cls.module, cls.name)} = {made}")
            else:
                self.prologue.append(f"    {name} = {self.ref(cls.module, cls.name)}({self.rng.randint(0, 9)})")
            self.objects.append((name, cls))
        callees = self.callees() if fn is not None else []
        if callees and self.chance(0.6):  # (what it raises is logged: the body goes on)
            call, tag = self.call_text(self.pick(callees), 1), self.tag()
            self.first_call = ["    try:", f"        log({tag}, await {call})", "    except Exception as err:", f"        log({tag}, chain(err))"]

    def leave_function(self, fn: Function | None, body: list[str]) -> list[str]:
        if fn is not None:
            body = self.receiver_deleted(fn, body)
        at = 1 if body[:1] == ["    global G"] else 0  # after `global G`: the call may read G
        body = body[:at] + self.first_call + body[at:]
        return [f"    {line}" for line in self.local_imports] + self.prologue + body

    def receiver_deleted(self, fn: Function, body: list[str]) -> list[str]:
        """Now and then, before an override's last statement: its receiver deleted, then
        ``super()`` (Python raises RuntimeError; a review found inlined code raising
        UnboundLocalError)."""
        here = self.here()
        if fn.receiver is None or here is None or not any(c.defines(fn.name) for c in here.mro[1:]) or not self.review_shape(0.15):
            return body
        with self.own_draws():
            args = self.call_args(fn, 1, recursing=True)  # (never evaluated: super() raises first)
        lines = [
            f"    kept = {fn.receiver}",
            "    try:",
            f"        del {fn.receiver}",
            f"        log({self.tag()}, await super().{fn.name}({args}))",
            "    except Exception as gone:",
            f"        log({self.tag()}, chain(gone))",
            "    finally:",
            f"        {fn.receiver} = kept",
        ]
        at = len(body) - 1 if body and body[-1].startswith("    return") else len(body)
        return body[:at] + lines + body[at:]

    def class_source(self, cls: ClassSpec) -> list[str]:
        self.fn = None
        bases = [self.ref(b.module, b.name, local=False) for b in cls.bases]
        if cls.metaclass:
            bases.append(f"metaclass={cls.metaclass}")
        head = [f"@wrapping('{cls.hooks['wrapping']}')"] if "wrapping" in cls.hooks else []
        if "static" in cls.hooks:
            head.append(f"@rewrap_static('{cls.hooks['static']}')")
        head.append(f"class {cls.name}({', '.join(bases)}):" if bases else f"class {cls.name}:")
        attributes = [f"__slots__ = {cls.slots!r}"] if cls.slots is not None else []
        for hook in ("watched", "wrapped"):
            if hook in cls.hooks:
                attributes.append(f"{hook} = ('{cls.hooks[hook]}',)")
        if cls.metaclass == "MetaWatch" and "watched" not in cls.hooks:
            attributes.append("watched = ()")
        conn = self.class_named("Conn")
        if cls.name == "A" and conn is not None and self.chance(0.5):  # the class body types self._conn
            attributes.append(f"_conn: '{self.ref(conn.module, conn.name, local=False)}'")  # (Conn may come later)
        sections = [attributes]
        if not cls.bases:
            sections += [self.init_source(cls), ["def __repr__(self):", "    return type(self).__name__ + '(' + repr(self.v) + ')'"]]
        elif self.chance(0.2):
            sections.append(["def __init__(self, v=0):", f"    log('init', '{cls.name}', v)", "    super().__init__(v)"])
        if cls.getattr:
            sections.append([
                "def __getattr__(self, name):",
                "    if name.startswith('dyn'):",
                "        return Fake(type(self).__name__ + '.' + name)",
                "    raise AttributeError(name)",
            ])
        if "getattribute" in cls.hooks:
            sections.append([
                "def __getattribute__(self, name):",
                f"    if name == '{cls.hooks['getattribute']}':",
                f"        log('getattribute', '{cls.name}', name)",
                "        if object.__getattribute__(self, 'v') == 2:",
                "            return Fake('redirected.' + name)",
                "    return super().__getattribute__(name)",
            ])
        if "init_subclass" in cls.hooks:
            name = cls.hooks["init_subclass"]
            sections.append([
                "def __init_subclass__(cls, **kwargs):",
                "    super().__init_subclass__(**kwargs)",
                f"    if '{name}' in vars(cls):",
                f"        cls.{name} = logged(cls.__name__ + '.{name}', vars(cls)['{name}'])",
            ])
        functions = [f.name for f in self.functions if f.kind == "function"]
        if functions and self.chance(0.2):  # a bare name in a method is the module's, never this
            name = self.pick(functions)
            sections.append([f"async def {name}(self, *args, **kwargs):", f"    log('decoy', '{cls.name}.{name}')", "    return -1"])
        if self.chance(0.2):
            sections.append([f"LIMIT = {self.rng.randint(50, 99)}"])
        for name, how in cls.odd.items():
            if how == "fake":
                sections.append([f"{name} = Fake('{cls.name}.{name}')"])
            else:
                sections.append(["@property", f"def {name}(self):", f"    log('property', '{cls.name}.{name}')", f"    return super().{name}"])
        sections += [self.function_source(impl) for impl in cls.own.values()]
        body = [line for section in sections if section for line in ["", *section]][1:] or ["pass"]
        return head + ["    " + line if line else "" for line in body] + ["", ""]

    def init_source(self, cls: ClassSpec) -> list[str]:
        body = ["    self.v = v"]
        conn = self.class_named("Conn")
        if cls.name == "A" and conn is not None:
            sub = self.class_named("SubConn")
            made = f"{self.ref(conn.module, conn.name, local=False)}(v)"
            if sub is not None and self.chance(0.6):
                made = f"({made} if v % 2 else {self.ref(sub.module, sub.name, local=False)}(v))"
            if self.chance(0.25):  # objects whose class lacks the methods, as tests pass
                made = f"(Proxy() if v == 5 else ConnMock() if v == 6 else {made})"
            body.append(f"    self._conn = {made}")
        if cls.shadowed is not None:
            body += ["    if v == 7:", f"        self.{cls.shadowed} = Fake('shadow.{cls.shadowed}')"]
        return ["def __init__(self, v=0):", *body]

    def module_state(self, module: int) -> list[str]:
        """State of its own each module has: callees must read their module's."""
        scale, limit = self.rng.randint(2, 9), self.rng.randint(1, 5)
        lines = [] if not self.package else ["G = 0"]
        lines.append(f"LIMIT = {limit}")
        # Globals bound on some branches only (chosen without a draw: seeds keep their
        # programs): callees of other modules must read them as Python does.
        variant = (scale + limit + module) % 4 if self.package else 0
        if variant == 1:  # never taken: callees' ValueError and KeyError are the builtins
            lines += ["if sys.version_info < (3, 0):", "    from nowhere import KeyError, ValueError"]
        if variant == 2:  # bound on every path
            lines += ["try:", "    from nowhere import _SCALE", "except ImportError:", f"    _SCALE = {scale}"]
        elif variant == 3:  # bound on the branch taken only
            lines += ["if sys.version_info >= (3, 0):", f"    _SCALE = {scale}"]
        else:
            lines.append(f"_SCALE = {scale}")
        if module in self.unbinding:
            lines += ["_gone = 1", "try:", "    raise KeyError('gone')", "except KeyError as _gone:", "    pass"]
        if module in self.own_builtins:
            lines += ["", "", "def len(o):", "    import builtins", "    return builtins.len(o) + 100", "", ""]
        return lines + [
            "",
            "",
            "def _helper(v):",
            f"    return (v * _SCALE + LIMIT + {module}) % 100",
            "",
            "",
        ]

    def main_source(self) -> list[str]:
        self.module, self.fn, self.bound = 0, None, []
        self.loops = self.handlers = self.level = 0
        self.enter_function(None)
        # an instance of every class: subclasses' overrides are reached from their bases' methods
        self.objects = [(f"o{i + 1}", cls) for i, cls in enumerate(self.classes)]
        self.prologue = [f"    o{i + 1} = {self.ref(cls.module, cls.name)}({i + 1})" for i, cls in enumerate(self.classes)]
        body: list[str] = []
        if self.runtime_async:
            body.append("    SynchronizationContext.set_current(CTX[0])")
        if self.lifetime_lines:
            body += self.lifetimes.main_call()
        body += self.gap_shapes.main_call()
        body += self.holder_main
        calls = [f"await {self.call_text(f, 2)}" for f in self.callees() for _ in range(self.rng.randint(2, 3))]
        self.rng.shuffle(calls)
        calls += [f"await {bait}({n})" for n, bait in enumerate(self.baits + self.conditional)]
        calls += [f"await {bait}({n})" for n, bait in enumerate(self.review_baits, len(calls))]
        for n, call in enumerate(calls):
            body += _errors_logged([f"        log('result', {n}, {call})"], f"'error', {n}")
            if self.runtime_async:
                body.append(f"    log('ctx', {n}, al.value, sc(), where())")
        body += _errors_logged(self.state_change("        "), "'state'")
        if self.config.rebinding:
            for n in range(self.rng.randint(1, 2)):
                body += _errors_logged(self.rebinding(2, "        "), f"'patched', {n}")
                entry = self.pick(self.callees())
                body += _errors_logged([f"        log('after', {n}, await {self.call_text(entry, 1)})"], f"'after', {n}")
        body += self.builtins_patched()
        states = ["G"] + [f"{self.module_ref(i)}.G" for i in range(1, self.modules + 1)]
        body += [f"    log('end', cv.get(), {', '.join(states)})", "    return 'done'"]
        head = ["@async_method"] if self.runtime_async else []
        return [*head, "async def main():", *self.leave_function(None, body)]

    def builtins_patched(self) -> list[str]:
        """A call of another module's function while that module's ``len``, ``max`` and
        ``min`` are patched (mock patches a module's builtins without ``create``): inlined,
        its body must read them there first. Its draws come from a generator of its own,
        so that the rest of the program keeps those it had before."""
        if not self.package or not self.config.rebinding:
            return []
        main_draws, self.rng = self.rng, random.Random(f"builtins {self.seed}")
        try:
            targets = [f for f in self.callees() if f.kind == "function" and f.module > 0]
            if not targets:
                return []
            where = self.dotted(targets[0].module)
            patches = ", ".join(
                f"mock.patch('{where}.{name}', new=lambda *a, **k: {value})" for name, value in (("len", 99), ("max", -1), ("min", -2))
            )
            call = self.call_text(targets[0], 1)
            deleted: list[str] = []
            if self.review_shape(0.3):
                # The module's own global named like a builtin, deleted (monkeypatch.delattr):
                # its functions read the builtin again (a review found inlined code read a
                # missing key of the module's dict instead).
                self.own_builtins.add(targets[0].module)
                owner = self.module_ref(targets[0].module)
                deleted = [f"        log('own len', await {self.call_text(targets[0], 1)})", f"        del {owner}.len",
                           f"        log('len deleted', await {self.call_text(targets[0], 1)})"]
        finally:
            self.rng = main_draws
        patched = _errors_logged([f"        with {patches}:", f"            log('builtins', await {call})"], "'builtins'")
        return patched + (_errors_logged(deleted, "'deleted'") if deleted else [])

    # -- holders: an unrelated class passed as ``self`` ---------------------------------------------
    def holder_source(self) -> list[str]:
        """Class ``U``, unrelated to the hierarchy, after module 0's classes; and (in
        ``holder_main``) ``main``'s lines that make ``u = U(...)``, store a stand-in as one of
        its attributes now and then, and await hierarchy methods with ``u`` as ``self``,
        each under a ``try`` that logs what it raised. ``U`` binds a method's name
        (``HOLDER_MODES``): to the method (a holder, whose instances pass the class test
        ``type(self).m3 is REF``, while an attribute of the instance's own is what the
        original calls), by ``:=`` too, to a property (never a holder) or to nothing.
        Everything is drawn from ``holder_draws``; the stores are on ``u``, a local of
        ``main`` bound once from the constructor, in the module the rewrite reads: the
        analysis knows its class (docs/user-guide.md, ``class-methods``)."""
        if not self.holder:
            return []
        rng = self.holder_draws
        # (class, caller, name): an instance method whose own def awaits ``self.name()``,
        # and a class whose def of ``name`` U may hold.
        sites = [
            (cls, caller, name)
            for (owner, caller), names in sorted(self.self_sites.items())
            for cls in [self.class_named(owner)]
            if cls is not None and caller in cls.own and cls.own[caller].kind == "method"
            for name in sorted(names)
            if self._held_from(cls, name) is not None
        ]
        if not sites:  # (then the calls may not reach the name: still a duck-typed self)
            callers = [(cls, n) for cls in self.classes for n, f in cls.own.items() if f.kind == "method"]
            names = [f.name for f in self.functions if f.kind == "method" and callers and self._held_from(callers[0][0], f.name)]
            if not callers or not names:
                return []
            sites = [(*rng.choice(callers), rng.choice(names))]
        cls, caller, name = rng.choice(sites)
        chosen = [(cls, caller, name)]
        others = [site for site in sites if site[2] != name]
        if others and rng.random() < 0.3:
            chosen.append(rng.choice(others))
        modes = {n: rng.choice(HOLDER_MODES) for _, _, n in chosen}
        # the class
        init = ["def __init__(self, v=0):", "    self.v = v"]
        conn, sub = self.class_named("Conn"), self.class_named("SubConn")
        if conn is not None:  # (what ``self._conn.m()`` in A's family reads)
            init.append(f"    self._conn = {rng.choice([conn, sub]).name if sub is not None else conn.name}(v)")
        sections = [init, ["def __repr__(self):", "    return 'U(' + repr(self.v) + ')'"]]
        for site_cls, _, n in chosen:
            mode, held = modes[n], f"{n} = {self._held_from(site_cls, n)}.{n}"
            getter = ["@property", f"def {n}(self):", f"    log('holder get', 'U.{n}')", f"    return self._{n}"]
            setter = [f"@{n}.setter", f"def {n}(self, value):", f"    log('holder set', 'U.{n}')", f"    self._{n} = value"]
            if mode in ("setter", "getter", "property-then-holder"):
                init.append(f"    self._{n} = Fake('U.{n}')")
            sections += {
                "holder": [[held]],
                "walrus": [[f"({held.replace(' = ', ' := ')})"]],
                "setter": [getter, setter],
                "getter": [getter],
                "property-then-holder": [getter, setter, [held]],
                "cached": [["@functools.cached_property", f"def {n}(self):", f"    log('holder cached', 'U.{n}')", f"    return Fake('U.{n} cached')"]],
                "nothing": [],
            }[mode]
        head = ["", "", *(["import functools  # noqa: E402", "", ""] if "cached" in modes.values() else [])]
        body = [line for section in sections for line in ["", *section]][1:]
        lines = [*head, rng.choice(["class U:", "class U(object):"]), *("    " + line if line else "" for line in body), "", ""]
        # main's lines
        calls = [self._holder_call(site_cls, site_caller, n) for site_cls, site_caller, n in chosen]
        main: list[str] = [f"    u = U({rng.randint(0, 9)})"]
        count = 0

        def call(text: str, indent: str = "        ") -> list[str]:
            nonlocal count
            count += 1
            out = [f"{indent}log('holder', {count}, await {text})"]
            if self.runtime_async:
                out.append(f"{indent}log('holder ctx', {count}, al.value, sc(), where())")
            return out

        if rng.random() < 0.3:
            main += _errors_logged(call(rng.choice(calls)), f"'holder', {count}")
        # (no stand-in where the rewrite drops its guards: programs then rebind nothing)
        stored = rng.random() < 0.65 and self.config.rebinding
        how = rng.choice(["attr", "attr", "attr", "setattr", "patch"]) if stored else ""
        stand_in = rng.choice([f"Fake('u.{name}')", f"mock.AsyncMock(return_value={rng.randint(0, 9)})", f"fake_method('u.{name}')"])
        later = list(calls)
        if rng.random() < 0.4:
            later.append(f"{self._held_from(cls, name)}.{name}(u{self._holder_args(self._member(name), ', ')})")
        if rng.random() < 0.25:
            later.append(f"u.{name}({self._holder_args(self._member(name))})")
        rng.shuffle(later)
        if how == "patch":
            inner = [line for text in later for line in call(text, "            ")]
            main += _errors_logged([f"        with mock.patch.object(u, '{name}', {stand_in}):", *inner], "'holder', 'patched'")
        else:
            if how:
                store = f"u.{name} = {stand_in}" if how == "attr" else f"setattr(u, '{name}', {stand_in})"
                main += _errors_logged([f"        {store}"], "'holder', 'store'")
            for text in later:
                main += _errors_logged(call(text), f"'holder', {count}")
            if how and rng.random() < 0.3:
                main += _errors_logged([f"        del u.{name}"], "'holder', 'del'")
                main += _errors_logged(call(calls[0]), f"'holder', {count}")
        self.holder_main = main
        return lines

    def _held_from(self, cls: ClassSpec, name: str) -> str | None:
        """The class whose def of the instance method ``name`` U holds: the one the site's
        static target is in (``cls``'s order), or another class defining it."""
        target = next((c for c in cls.mro if c.defines(name)), None)
        if target is not None and name in target.own and target.own[name].kind == "method":
            return target.name
        others = [c.name for c in self.classes if name in c.own and c.own[name].kind == "method"]
        return others[0] if others else None

    def _member(self, name: str) -> Function:
        return next(f for f in self.functions if f.name == name)

    def _holder_call(self, cls: ClassSpec, caller: str, name: str) -> str:
        """``cls.caller(u, ...)``, or the same def through a subclass inheriting it."""
        heirs = [c for c in self.classes if next((k for k in c.mro if k.defines(caller)), None) is cls]
        owner = self.holder_draws.choice(heirs) if self.holder_draws.random() < 0.3 else cls
        return f"{owner.name}.{caller}(u{self._holder_args(cls.own[caller], ', ')})"

    def _holder_args(self, fn: Function, before: str = "") -> str:
        """Literal arguments that bind to ``fn`` (its defaults left out), after ``before``."""
        rng, out = self.holder_draws, []
        for p in fn.params:
            if p.kind in ("posonly", "normal") and p.default is None:
                out.append(str(rng.randint(0, 9)))
            elif p.kind == "kwonly" and p.default is None:
                out.append(f"{p.name}={rng.randint(0, 9)}")
            elif p.name == "depth" and rng.random() < 0.5:
                out.append(f"depth={rng.randint(0, 2)}")
        return before + ", ".join(out) if out else ""

    def module_items(self, module: int) -> list[str]:
        """Classes and functions of ``module``: bases before subclasses, functions anywhere."""
        items: list[ClassSpec | Function] = [c for c in self.classes if c.module == module]
        for fn in self.functions:
            if fn.kind == "function" and fn.module == module:
                items.insert(self.rng.randint(0, len(items)), fn)
        out: list[str] = []
        for item in items:
            self.module = module
            if isinstance(item, ClassSpec):
                out += self.class_source(item)
                if "remade" in item.hooks:
                    out += [f"{item.name} = remade({item.name})", "", ""]
            else:
                out += self.function_source(item) + ["", ""]
        for cls in self.classes:
            plain = [n for n, f in cls.own.items() if f.kind == "method" and "@Traced" not in f.decorators]
            if cls.module == module and plain and self.config.rebinding and self.chance(0.15):
                name = self.pick(plain)  # after the class: its attribute is no longer the def
                out += [f"{cls.name}.{name} = logged('{cls.name}.{name} (after)', vars({cls.name})['{name}'])", "", ""]
        for name, cls in self.shared:
            if cls.module == module:
                self.module = module
                out.append(f"{name} = {cls.name}({self.rng.randint(0, 9)})")
        return out

    def generate(self) -> str:
        program = self.generate_program()
        assert isinstance(program, str)
        return program

    def generate_program(self) -> str | dict[str, str]:
        """One module's source, or (``package``) the package's files by relative path."""
        self.make_classes()
        self.make_members()
        self.make_overrides()
        self.make_hooks()
        self.shared = [(f"SHARED_{c.name}", c) for c in self.classes if self.chance(0.2)]
        functions = [f for f in self.functions if f.kind == "function"]
        if self.modules and functions and self.chance(0.4):
            self.reexported = [self.pick(functions)]
        self.unbinding = {m for m in range(1, self.modules + 1) if self.review_shape(0.3)}
        code: dict[int, list[str]] = {}
        for module in range(self.modules, -1, -1):
            self.module, self.baits, self.review_baits = module, [], []  # each module calls its own
            lines = self.bait_functions() if self.config.bait else []
            if module and self.chance(0.3):
                shadowing = SHADOWED_DEF
                # Half the time a star import (its own draw: seeds keep their programs), which
                # binds names the analysis does not count.
                if random.Random(f"star import {self.seed} {module}").random() < 0.5:
                    shadowing = [line.replace("import relay  # noqa: E402, F811", "import *  # noqa: E402, F403") for line in SHADOWED_DEF]
                lines += [line.replace("from .prelude", f"from {self.relative_package(0)}prelude") for line in shadowing]
                self.baits.append("relay")
            lines += self.module_items(module)
            if module == 0:
                self.module = 0
                lines += self.holder_source()
                lines += self.lifetime_lines
                lines += self.gap_lines
                lines += self.main_source()
            code[module] = lines
        if not self.package:
            return "\n".join([prelude(self.runtime_async, objects=True), *self.module_state(0), *code[0]]) + "\n"
        files = {f"{PACKAGE}/prelude.py": prelude(self.runtime_async, objects=True)}
        init = []
        if self.reexported:
            init = ["from . import mod1", *(f"from {self.relative(f.module, 0)} import {f.name}" for f in self.reexported)]
        files[f"{PACKAGE}/__init__.py"] = "\n".join(init) + "\n" if init else ""
        if self.nested is not None:
            files[f"{PACKAGE}/sub/__init__.py"] = ""
        for module, lines in code.items():
            path = self.dotted(module).replace(".", "/")
            files[f"{path}.py"] = "\n".join(self.module_header(module) + self.module_state(module) + lines) + "\n"
        if self.modules and not self.class_test_blind and self.review_shape(0.2):
            # A module that puts a twin in its place in sys.modules, as accelerated modules'
            # shims do (review P: the rewrite inlined the body it read, not the twin's); the
            # twin is the module with other log tags. (Its import fails in an import cycle:
            # then no swap.)
            module = self.shapes.randint(1, self.modules)
            path = self.dotted(module).replace(".", "/")
            twin = f"{module_name(module)}_fast"
            files[f"{path}_fast.py"] = files[f"{path}.py"].replace("log('", "log('~")
            files[f"{path}.py"] += "\n".join(["", "", "try:", f"    from . import {twin}", "except ImportError:", "    pass",
                                              "else:", f"    sys.modules[__name__] = {twin}", ""])
        return dict(sorted(files.items()))

    def module_header(self, module: int) -> list[str]:
        names = PRELUDE_NAMES + (RUNTIME_NAMES if self.runtime_async else PLAIN_NAMES)
        head = ["import asyncio", "import contextlib", "import sys", *OBJECT_IMPORTS.splitlines()]
        if self.runtime_async:
            head += RUNTIME_IMPORTS.splitlines()
        head.append(f"from {self.relative_package(0, module)}prelude import {', '.join(sorted(names))}")
        imports = self.imports[module]
        if module == 0:  # mod1 first: cycles back to it then find it loading, never a later module
            imports = ["from . import mod1", *(line for line in imports if line != "from . import mod1")]
        return head + imports + ["", ""]


def _errors_logged(lines: list[str], label: str) -> list[str]:
    """``lines`` (of ``main``'s body) under a ``try`` whose handler logs what they raised."""
    return ["    try:", *lines, "    except Exception as error:", f"        log({label}, chain(error))"]


def _for_a_while(indent: str, setup: list[str], body: list[str], undo: str) -> list[str]:
    """``setup``, then ``body`` under a ``try`` whose ``finally`` is ``undo``."""
    return [*(indent + line for line in setup), f"{indent}try:", *body, f"{indent}finally:", f"{indent}    {undo}"]


def module_name(index: int) -> str:
    return "main" if index == 0 else f"mod{index}"


def generate_objects(
    seed: int,
    runtime_async: bool = False,
    rebinding: bool = True,
    package: bool = False,
    class_methods: bool = False,
    mutable_defaults: bool = True,
) -> str | dict[str, str]:
    """The program of ``seed``: one module with classes, or a package's files by path
    (``mutable_defaults``: functions' defaults may be replaced at run time)."""
    return ObjectProgramGenerator(seed, runtime_async, rebinding, package, class_methods, mutable_defaults).generate_program()
