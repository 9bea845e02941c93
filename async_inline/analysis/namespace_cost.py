"""The ``namespace-cost`` rule: is code of another module worth inlining here?

Inlined into another module, a callee reads its globals and builtins through its own
module's namespace (``ns["X"]``, ``ns.get("len", BUILTINS["len"])``), each read dearer than
the plain name the original reads with a specialised ``LOAD_GLOBAL``. Where those reads
would cost more than the coroutine call saves, the site stays a call (review R20d F1: a
callee with four builtin reads ran 1.3-1.6x slower than the call, one with reads in a loop
2.5-3x). The cost is counted along the dearest path of one run of the body: the branches
of an ``if`` are alternatives, and code that runs only where something far dearer happens
(a ``raise``, an ``except`` clause, a ``warnings.warn``) does not count.
"""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING

import libcst as cst

from ..tree import children
from .builtin_names import BUILTIN_NAMES, NEWER_BUILTIN_NAMES
from .guards import Guard
from .refusals import Refusal, RefusalCode
from .scopes import Role

if TYPE_CHECKING:
    from .callee import CalleeInfo
    from .module import ModuleFacts
    from .resolve import Target


class NamespaceRead(Enum):
    """How code of another module inlined elsewhere reaches one of its globals or builtins
    (``FrameBuilder._namespace_reads`` emits it; docs/methods.md, "Code of another module")."""

    #: ``ns["X"]``: a store, or a load of a global its module binds on every path.
    ITEM = "item"
    #: ``ns.get("len", BUILTINS["len"])``: a builtin every interpreter has, read after the module.
    BUILTIN = "builtin"
    #: ``runtime.global_value(ns, "X")``: a global the module may lack, or a newer builtin.
    LOOKUP = "lookup"


def namespace_read(home: ModuleFacts, node: cst.Name, name: str) -> NamespaceRead:
    """How the global or builtin ``name`` (``node``, of a callee of module ``home``) is read
    or written once that callee is inlined into another module."""
    builtin = name in BUILTIN_NAMES and name not in NEWER_BUILTIN_NAMES
    load = home.index.role(node) is Role.LOAD
    if not load or (name in home.always_bound and not builtin):
        return NamespaceRead.ITEM
    return NamespaceRead.BUILTIN if builtin else NamespaceRead.LOOKUP


#: What each read costs more than the plain name's, in units of about 12 ns (best of paired
#: rounds, 3.11-3.13; docs/methods.md, "What it costs"): a subscript of the namespace about
#: 10-12 ns more than LOAD_GLOBAL, ``ns.get(k, B[k])`` about 25 ns, the Python call of
#: ``global_value`` about as much as the coroutine call inlining saves.
_READ_WEIGHT = {NamespaceRead.ITEM: 1, NamespaceRead.BUILTIN: 2, NamespaceRead.LOOKUP: 4}
#: Inlining a function of another module saves the coroutine call, 55-65 ns on 3.11-3.13
#: (docs/methods.md, "What it costs"), less its guard (8-10 ns): reads weighing more than
#: this would leave less than a sixth of the saving (measured: 3 globals 0.87-0.91x of the
#: call's time, a builtin and a global 0.86-0.90x; 4 globals 0.94-0.99x, 2 builtins
#: 0.98-1.11x).
NAMESPACE_COST_LIMIT = 3
#: The same where the guard makes a bound method (a classmethod of another module): it
#: costs more, and the call saves about 30 ns (review R21b 1: 2-3 weighed 1.02-1.28x).
BOUND_METHOD_COST_LIMIT = 1
#: Comprehensions and lambdas: their parts (but a comprehension's first iterable) may run
#: any number of times.
_REPEATING = (cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp, cst.Lambda)


class _InLoop(Exception):
    """A read that runs on every iteration of a loop: the cost has no bound."""

    def __init__(self, node: cst.Name) -> None:
        super().__init__(node.value)
        self.node = node


class _Cost:
    """The weighted reads of one callee along the dearest path of its body."""

    def __init__(self, home: ModuleFacts, callee: CalleeInfo) -> None:
        self.home = home
        self.reads = callee.global_uses

    def of(self, node: cst.CSTNode, repeated: bool = False) -> int:
        if type(node) is cst.Name:
            if node not in self.reads:
                return 0
            if repeated:
                raise _InLoop(node)
            return _READ_WEIGHT[namespace_read(self.home, node, self.reads[node])]
        if isinstance(node, (cst.Raise, cst.ExceptHandler, cst.ExceptStarHandler)) or self._warns(node):
            # A raise, a warning, an exception caught cost far more than a read or two,
            # each time they run (in a loop too); but a loop of their own may run on a
            # path that is common (a cache miss: R21b 2).
            for child in children(node):
                self._loops_in(child)
            return 0
        if isinstance(node, cst.Call) and type(node.func) is cst.Name and isinstance(self.home.index.parent(node), cst.Await):
            # The name of an awaited call: the nested frame's guard, or the call, replaces
            # it and costs far more (or saves a call of its own).
            return sum(self.of(arg, repeated) for arg in node.args)
        if isinstance(node, (cst.If, cst.IfExp)):
            orelse = node.orelse
            return self.of(node.test, repeated) + max(self.of(node.body, repeated), self.of(orelse, repeated) if orelse is not None else 0)
        if isinstance(node, (cst.For, cst.While)):
            once = [node.iter] if isinstance(node, cst.For) else []
            again = [node.body, node.target] if isinstance(node, cst.For) else [node.test, node.body]
            cost = sum(self.of(part, repeated) for part in once) + sum(self.of(part, True) for part in again)
            return cost + (self.of(node.orelse, repeated) if node.orelse is not None else 0)
        if isinstance(node, _REPEATING):
            first = node.for_in.iter if not isinstance(node, cst.Lambda) else None
            return sum(self._again(child, first, repeated) for child in children(node))
        return sum(self.of(child, repeated) for child in children(node))

    def _loops_in(self, node: cst.CSTNode) -> None:
        """Raise ``_InLoop`` for a read in a loop in ``node``, whose other reads do not count."""
        if isinstance(node, (cst.For, cst.While, *_REPEATING)):
            self.of(node)
            return
        for child in children(node):
            self._loops_in(child)

    def _again(self, node: cst.CSTNode, first: cst.CSTNode | None, repeated: bool) -> int:
        """Every read of ``node`` (part of a comprehension, but its first iterable, which
        runs as often as the comprehension) repeats."""
        if node is first:
            return self.of(node, repeated)
        if isinstance(node, cst.CompFor):
            return sum(self._again(child, first, repeated) for child in children(node))
        return self.of(node, True)

    def _warns(self, node: cst.CSTNode) -> bool:
        return isinstance(node, cst.Call) and "warnings.warn" in self.home.index.qualified_names(node.func)


def namespace_cost(home: ModuleFacts, callee: CalleeInfo) -> tuple[int, cst.Name | None]:
    """The weighted count of the namespace reads of one run of ``callee``'s body along its
    dearest path (``_READ_WEIGHT``), or the first read paid on every iteration of a loop (a
    ``for`` or ``while`` body or test, a comprehension past its first iterable, a lambda)."""
    try:
        return _Cost(home, callee).of(callee.node.body), None
    except _InLoop as found:
        return 0, found.node


def namespace_cost_refusal(target: Target, guard: Guard) -> Refusal | None:
    """Where a callee of another module's namespace reads would cost more than the call
    saves, less its ``guard``, the site stays a call (``namespace-cost``). A runtime-async
    callee is exempt: its call costs far more (``guards.py``); so are sites where the
    options lift cost rules."""
    total, in_loop = namespace_cost(target.facts, target.callee)
    limit = BOUND_METHOD_COST_LIMIT if guard is Guard.BOUND_METHOD else NAMESPACE_COST_LIMIT
    if in_loop is not None:
        return Refusal(
            RefusalCode.NAMESPACE_COST,
            f"a function of another module reading its module's '{in_loop.value}' in a loop: inlined, every read goes "
            "through that module's namespace (a dict read, dearer than the plain name's), paid on each iteration",
        )
    if total > limit:
        kind = "a classmethod" if guard is Guard.BOUND_METHOD else "a function"
        return Refusal(
            RefusalCode.NAMESPACE_COST,
            f"{kind} of another module whose reads of its module's globals and builtins would cost more inlined than the "
            f"call saves (weight {total}, over {limit}: a global 1, a builtin 2, a global its module may lack 4)",
        )
    return None
