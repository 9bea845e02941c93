"""Whether a callee would handle the ``GeneratorExit`` that ``close()`` raises where it
suspends otherwise inlined than as a coroutine of its own.

``close()`` of a coroutine suspended (through ``await``) in another one closes the inner
coroutine first, then raises ``GeneratorExit`` in the outer frame at its await, whatever
the inner one did with it (CPython's ``gen_close``; ``_gen_throw`` for
``throw(GeneratorExit)``): a callee that catches it and returns still leaves its caller
closing; one that suspends again while handling it fails its own close, and the caller
gets that RuntimeError ("coroutine ignored GeneratorExit") at its await, where its
handlers and ``finally`` blocks run. Inlined, the callee's code is the caller's frame:
swallowing the exception there lets the caller go on, suspending there suspends the
caller, whose ``close()`` then fails with the caller left suspended, its ``finally``
blocks not run. CPython closes a pending coroutine when it is garbage-collected (an
abandoned task), so this is reachable.

Only suspension points matter (an ``await``, ``async for``, ``async with``, async
comprehension): ``GeneratorExit`` is raised nowhere else, so a ``try`` whose body cannot
suspend never sees it.
"""

from __future__ import annotations

import builtins
from collections.abc import Iterable
from dataclasses import dataclass

import libcst as cst
from libcst.metadata import BuiltinScope, GlobalScope

from ..tree import children, statements_of, walk
from .scopes import ScopeIndex
from .stdlib import STDLIB_MODULE_NAMES

#: The classes whose ``except`` clause matches ``GeneratorExit``: matching walks the MRO
#: of the raised class (no ``__subclasscheck__``), ``GeneratorExit, BaseException,
#: object`` (``except object`` is a TypeError when an exception is matched, inlined or not).
CATCHES_CLOSE = frozenset({"BaseException", "GeneratorExit"})


@dataclass(frozen=True)
class CloseHazard:
    """Code of the callee that may swallow the ``GeneratorExit`` raised where it suspends,
    or suspend while handling it."""

    #: What it is and does, for the report (```except BaseException:` may catch it and go on``).
    what: str
    #: Exception types of an ``except`` clause that only the program's modules can tell
    #: (``except ConnectionClosed:``, imported): it cannot match ``GeneratorExit`` if
    #: each is a class statement (``site``). Empty: it may swallow, whatever they hold.
    names: tuple[cst.Name | cst.Attribute, ...] = ()


def close_hazards(index: ScopeIndex, body: cst.BaseSuite, nodes: Iterable[cst.CSTNode]) -> tuple[CloseHazard, ...]:
    """What in the function body ``body`` (``nodes``: all of it, in order) may swallow
    a ``GeneratorExit`` raised at one of its suspension points, or suspend while handling
    it: an ``except`` (or ``except*``) clause that may match it and does not end by
    raising, or suspends; a ``finally`` block that may end in a ``return`` (or leave a loop
    around it), or suspends; a ``with`` whose exit may return true. (An ``async with``
    exit that suspends is not looked for: docs/user-guide.md.) Each construct once,
    innermost first for each suspension point."""
    around: dict[cst.CSTNode, tuple[CloseHazard, ...]] = {body: ()}

    def hazards(node: cst.CSTNode) -> tuple[CloseHazard, ...]:
        """What may swallow an exception raised anywhere in ``node``, or suspend while it propagates."""
        path: list[cst.CSTNode] = []
        while node not in around:
            path.append(node)
            parent = index.parent(node)
            assert parent is not None, "a node outside the body"
            node = parent
        found = around[node]
        for child in reversed(path):
            found = (*_protection(index, node, child), *found)
            around[child] = found
            node = child
        return found

    out: dict[CloseHazard, None] = {}
    for node in nodes:
        kind = type(node)
        if kind is cst.Await:
            found = hazards(node)
        elif kind in (cst.For, cst.CompFor) and node.asynchronous is not None:  # type: ignore[attr-defined]
            found = hazards(node)  # each step awaits __anext__, outside the loop's body
        elif kind is cst.With and node.asynchronous is not None:  # type: ignore[attr-defined]
            # Each item's __aenter__ and __aexit__ await inside the items before it.
            items = node.items[:-1]  # type: ignore[attr-defined]
            found = (*(s for item in reversed(items) if (s := _exit_hazard(index, item)) is not None), *hazards(node))
        else:
            continue
        out.update(dict.fromkeys(found))
    return tuple(out)


def cleanup_at_suspension(index: ScopeIndex, body: cst.BaseSuite, nodes: Iterable[cst.CSTNode]) -> str | None:
    """What cleanup of the function body ``body`` (``nodes``: all of it) encloses one of
    its suspension points, if any: a ``finally`` block, an ``except`` clause that may
    match ``GeneratorExit`` (even one that re-raises it), a ``with``/``async with`` exit
    (the earlier items of a multi-item ``async with`` around a later item's ``__aenter__``).

    It matters where the caller is an async generator: one abandoned while suspended (the
    task running its ``asend`` garbage-collected while pending) may have its ``aclose()``
    fail as "already running", and then its frame is cleared without running its cleanup.
    A separate callee coroutine is still closed when it is collected, which runs its own
    ``finally`` blocks and exits; inlined, they are the generator's and are skipped."""
    for node in nodes:
        if not is_suspension_point(node):
            continue
        if type(node) is cst.With and len(node.items) > 1:
            return "a multi-item `async with` block"
        child, parent = node, index.parent(node)
        while parent is not None and child is not body:
            if isinstance(parent, (cst.Try, cst.TryStar)) and parent.finalbody is not None and child is not parent.finalbody:
                return "a `finally` block"
            if isinstance(parent, (cst.Try, cst.TryStar)) and child is parent.body:
                for handler in parent.handlers:
                    if unknown_types(index, handler.type) != ():
                        return "an `except` clause that may catch `GeneratorExit`"
            if isinstance(parent, cst.With) and (child is parent.body or child in parent.items[1:]):
                return f"a `{'async ' if parent.asynchronous else ''}with` block"
            child, parent = parent, index.parent(parent)
    return None


def _protection(index: ScopeIndex, parent: cst.CSTNode, child: cst.CSTNode) -> list[CloseHazard]:
    """What of ``parent`` may swallow an exception raised in its part ``child``, or
    suspend while it propagates, innermost first."""
    found: list[CloseHazard | None] = []
    if isinstance(parent, (cst.Try, cst.TryStar)):
        if child is parent.body:
            found.extend(_handler_hazard(index, h) for h in parent.handlers)
        if child is not parent.finalbody:  # the body, a handler, the else block
            found.append(_finally_hazard(parent))
    elif isinstance(parent, cst.With):
        items = parent.items if child is parent.body else parent.items[: next((i for i, item in enumerate(parent.items) if item is child), None)]
        found.extend(_exit_hazard(index, item) for item in reversed(items))
    return [f for f in found if f is not None]


def _handler_hazard(index: ScopeIndex, handler: cst.ExceptHandler | cst.ExceptStarHandler) -> CloseHazard | None:
    names = unknown_types(index, handler.type)
    if names == ():
        return None
    star = "*" if isinstance(handler, cst.ExceptStarHandler) else ""
    shown = "" if handler.type is None else " " + cst.Module([]).code_for_node(handler.type)
    if not _ends_raising(handler.body):
        return CloseHazard(f"`except{star}{shown}:` may catch it and go on", names or ())
    if suspends(handler.body):
        return CloseHazard(f"`except{star}{shown}:` may catch it and suspend", names or ())
    if _raises_a_new_generator_exit(index, handler):
        # A separate coroutine's close() takes a GeneratorExit it raises for done, and its
        # caller gets the one close() makes; inlined, the caller gets the new one (its
        # message, its __context__; review R3).
        return CloseHazard(f"`except{star}{shown}:` may catch it and raise another `GeneratorExit`", names or ())
    return None


def _raises_a_new_generator_exit(index: ScopeIndex, handler: cst.ExceptHandler | cst.ExceptStarHandler) -> bool:
    """The handler may hand on a ``GeneratorExit`` other than the one it caught, as it was
    thrown in: a new one (any ``raise`` but a bare one, its unchanged ``as`` name, or a
    class known not to derive from ``GeneratorExit``), or the caught one changed (its
    attributes, notes or cause; rebound; reached through ``sys.exc_info()``). (A function
    it passes the exception to may change it too: not looked for; docs/user-guide.md.)"""
    caught = handler.name.name.value if handler.name is not None and isinstance(handler.name.name, cst.Name) else None
    for node in walk(handler.body):
        if isinstance(node, cst.Name) and node.value == caught:
            parent = index.parent(node)
            if index.role(node).binds or (type(parent) is cst.Attribute and parent.value is node):
                return True
        elif isinstance(node, cst.Call) and index.qualified_names(node.func) & {"sys.exc_info", "sys.exception"}:
            return True
        elif isinstance(node, cst.Raise) and node.exc is not None:
            exc = node.exc
            if type(exc) is cst.Name and exc.value == caught:
                if node.cause is not None:
                    return True
            elif not _not_a_generator_exit(index, exc.func if isinstance(exc, cst.Call) else exc, 0):
                return True
    return False


def _not_a_generator_exit(index: ScopeIndex, raised: cst.BaseExpression, depth: int) -> bool:
    """``raised`` names an exception class that is not ``GeneratorExit`` nor derives from
    it: a builtin one, or a class statement of the module deriving from such."""
    if type(raised) is not cst.Name:
        return False
    scope = index.use_scope(raised)
    if isinstance(scope, BuiltinScope):
        value = getattr(builtins, raised.value, None)
        return isinstance(value, type) and issubclass(value, BaseException) and not issubclass(value, GeneratorExit)
    return _plain_exception_class(index, raised, depth)


def _plain_exception_class(index: ScopeIndex, name: cst.Name, depth: int) -> bool:
    """``name`` is the module's only binding of a class statement, undecorated, without
    keywords (a metaclass) or a ``__new__`` of its own, whose bases are builtin
    exceptions other than ``GeneratorExit`` or such classes, in a module that assigns no
    class's ``__bases__``: not a ``GeneratorExit``."""
    if depth > 8 or not isinstance(index.use_scope(name), GlobalScope) or name.value not in index.globals_bound_once:
        return False
    node = next((s for s in index.module.body if type(s) is cst.ClassDef and s.name.value == name.value), None)
    if node is None or node.decorators or any(arg.keyword is not None or arg.star for arg in node.bases) or not node.bases:
        return False
    if any(type(n) is cst.FunctionDef and n.name.value == "__new__" for n in walk(node.body)) or _assigns_bases(index):
        return False
    return all(_not_a_generator_exit(index, base.value, depth + 1) for base in node.bases)


def _assigns_bases(index: ScopeIndex) -> bool:
    """Somewhere in the module, ``X.__bases__ = ...`` (or ``__class__``): a class's bases
    changed at run time."""
    return any(
        type(n) is cst.Attribute and n.attr.value in ("__bases__", "__class__") and _stored(index, n)
        for n in walk(index.module)
    )


def _stored(index: ScopeIndex, node: cst.Attribute) -> bool:
    parent = index.parent(node)
    if type(parent) is cst.AssignTarget or type(parent) is cst.AugAssign:
        return True
    return type(parent) is cst.Element and type(index.parent(parent)) in (cst.Tuple, cst.List)


def _finally_hazard(node: cst.Try | cst.TryStar) -> CloseHazard | None:
    if node.finalbody is None:
        return None
    if any(isinstance(inner, cst.Return) for inner in walk(node.finalbody)):
        return CloseHazard("a `finally` block with `return` may discard it")
    jump = leaves_loop(node.finalbody.body)
    if jump is not None:
        return CloseHazard(f"a `finally` block with `{jump}` may discard it")
    return CloseHazard("a `finally` block may suspend while it propagates") if suspends(node.finalbody) else None


def is_suspension_point(node: cst.CSTNode) -> bool:
    """An ``await``, ``async for``, ``async with`` or async comprehension: where a
    coroutine may suspend."""
    return type(node) is cst.Await or (type(node) in (cst.For, cst.With, cst.CompFor) and node.asynchronous is not None)  # type: ignore[attr-defined]


def suspends(root: cst.CSTNode) -> bool:
    """``root`` holds a suspension point."""
    return any(is_suspension_point(node) for node in walk(root))


def _exit_hazard(index: ScopeIndex, item: cst.WithItem) -> CloseHazard | None:
    """``with contextlib.suppress(...)``, whose exit returns true for the exception types
    it is given. Other context managers are taken not to swallow ``GeneratorExit``
    (docs/user-guide.md: a known gap; refusing every ``with`` around an await would keep
    43 of the 500 sites the real libraries inline as calls, for exits that return true only
    for exceptions of their own, cancel scopes and timeouts, or never, locks)."""
    call = item.item
    if not isinstance(call, cst.Call) or "contextlib.suppress" not in (found := index.qualified_names(call.func)):
        return None
    shown = f"`with {cst.Module([]).code_for_node(call)}` may suppress it"
    if len(found) > 1:  # the name may be bound to something else too
        return CloseHazard(shown)
    names: list[cst.Name | cst.Attribute] = []
    for arg in call.args:
        types = unknown_types(index, arg.value) if not arg.star and arg.keyword is None else None
        if types is None:
            return CloseHazard(shown)
        names.extend(types)
    return CloseHazard(shown, tuple(names)) if names else None


def unknown_types(index: ScopeIndex, exc_type: cst.BaseExpression | None) -> tuple[cst.Name | cst.Attribute, ...] | None:
    """Whether an ``except`` clause of type ``exc_type`` (None: a bare ``except:``) may
    match ``GeneratorExit``: None if it may, whatever the program's other modules hold;
    else the names whose meaning only they can tell (empty: it cannot match). Known not
    to match: a builtin no code of the module rebinds, other than ``BaseException`` and
    ``GeneratorExit``; an attribute of a standard-library module."""
    if exc_type is None or index.has_star_import:  # a star import may bind any name
        return None
    if isinstance(exc_type, cst.Tuple):
        names: list[cst.Name | cst.Attribute] = []
        for element in exc_type.elements:
            found = unknown_types(index, element.value) if isinstance(element, cst.Element) else None
            if found is None:
                return None
            names.extend(found)
        return tuple(names)
    if not isinstance(exc_type, (cst.Name, cst.Attribute)):
        return None
    if isinstance(exc_type, cst.Name) and isinstance(index.use_scope(exc_type), BuiltinScope):
        return None if exc_type.value in CATCHES_CLOSE else ()
    qualified = index.qualified_names(exc_type)
    if len(qualified) == 1:
        [name] = qualified
        top, last = name.partition(".")[0], name.rpartition(".")[2]
        if top in STDLIB_MODULE_NAMES and top != "builtins":
            # ``asyncio.CancelledError``, imported or reached through its module: no module
            # of the standard library binds BaseException or GeneratorExit to another name
            # (tests/unit/test_rules_generator_exit.py checks the interpreter's). A module of
            # the program named like one of the standard library is not looked for.
            return None if last in CATCHES_CLOSE else ()
    root: cst.BaseExpression = exc_type
    while isinstance(root, cst.Attribute):
        root = root.value
    if isinstance(root, cst.Name) and isinstance(index.use_scope(root), GlobalScope):
        return (exc_type,)
    return None


def _ends_raising(body: cst.BaseSuite) -> bool:
    """The handler ``body`` ends by raising, when nothing raised earlier: its last
    statement is a ``raise`` (bare or not: another exception reaches the caller in both
    forms), and no ``return``, ``break`` or ``continue`` leaves it."""
    last = statements_of(body)[-1]
    if not (isinstance(last, cst.SimpleStatementLine) and isinstance(last.body[-1], cst.Raise)):
        return False
    return not any(isinstance(node, cst.Return) for node in walk(body)) and leaves_loop(body) is None


def leaves_loop(block: cst.CSTNode) -> str | None:
    """``break``/``continue`` in ``block`` of a loop around it, if any (a loop of its
    own holds its body's; its ``else`` block does not)."""
    stack: list[tuple[cst.CSTNode, bool]] = [(block, False)]
    while stack:
        node, in_loop = stack.pop()
        if isinstance(node, (cst.Break, cst.Continue)) and not in_loop:
            return "break" if isinstance(node, cst.Break) else "continue"
        if isinstance(node, (cst.For, cst.While)):
            stack.extend((child, in_loop or child is node.body) for child in children(node))
        else:
            stack.extend((child, in_loop) for child in children(node))
    return None
