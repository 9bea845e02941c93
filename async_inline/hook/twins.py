"""The original code of rewritten modules, kept beside the inlined code, to run either.

Inlining changes only the bodies of ``async def`` functions, never what a module's top
level does; so "running the original program" in the same process means giving every
function created from an inlined code object the code compiled from the original source
(``function.__code__``), and giving the inlined code back afterwards. Module state,
fixtures and objects stay shared. Functions created while original code runs (closures,
nested definitions) come from the original code's constants, so they are original too.
A module first imported while original code runs makes its functions from their original
code at once (the loader asks ``add``), so what its top level calls is original too; its
functions get the inlined code when that run ends.

The original source of a module is compiled the first time ``original()`` is used after
its import (at once when imported during ``original()``); code objects are matched by
qualified name (and first line, for a name defined twice), and the functions to swap are
found through their code objects (``gc``).
"""

from __future__ import annotations

import contextlib
import gc
import inspect
import threading
import types
from collections.abc import Iterator

from .build import Transform, compile_original

_Key = tuple[str, int]


def _walk(code: types.CodeType, prefix: str = "") -> Iterator[tuple[_Key, types.CodeType]]:
    """Every code object nested in ``code`` with its (qualified name, first line)."""
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            qualname = prefix + const.co_name
            yield (qualname, const.co_firstlineno), const
            is_function = bool(const.co_flags & inspect.CO_NEWLOCALS)
            yield from _walk(const, qualname + (".<locals>." if is_function else "."))


def _pairs(inlined: types.CodeType, original: types.CodeType) -> Iterator[tuple[types.CodeType, types.CodeType]]:
    """Matching code objects of the two compilations of one module.

    By qualified name; a name defined more than once (conditional definitions) is matched
    by first line among its namesakes, and left out when that is still ambiguous.
    """
    def group(code: types.CodeType) -> dict[str, list[tuple[int, types.CodeType]]]:
        groups: dict[str, list[tuple[int, types.CodeType]]] = {}
        for (qualname, line), const in _walk(code):
            groups.setdefault(qualname, []).append((line, const))
        return groups

    originals = group(original)
    for qualname, candidates in group(inlined).items():
        twins = originals.get(qualname, [])
        if len(candidates) == 1 and len(twins) == 1:
            yield candidates[0][1], twins[0][1]
            continue
        by_line = {}
        for line, const in twins:
            by_line[line] = None if line in by_line else const
        lines = [line for line, _ in candidates]
        for line, const in candidates:
            twin = by_line.get(line)
            if twin is not None and lines.count(line) == 1:
                yield const, twin


def _making_originals(code: types.CodeType, twins: dict[int, types.CodeType]) -> types.CodeType:
    """``code`` whose functions are made from their original twins (``twins``: by id of
    the inlined code; a twin with other free variables cannot be used), through class
    bodies. The module's own code stays the inlined one: it defines the globals the
    inlined code reads (the guards' references), and is otherwise the original's."""
    consts = []
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            if not const.co_flags & inspect.CO_NEWLOCALS:  # a class body
                const = _making_originals(const, twins)
            elif id(const) in twins and twins[id(const)].co_freevars == const.co_freevars:
                const = twins[id(const)]
        consts.append(const)
    return code.replace(co_consts=tuple(consts))


class Twins:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: list[tuple[types.CodeType, str, bytes, Transform | None]] = []
        #: id(inlined code) -> (inlined code, original code), for every rewritten module.
        self._by_code: dict[int, tuple[types.CodeType, types.CodeType]] = {}
        #: ``original()`` blocks entered and not left.
        self._running = 0
        #: id(original code) -> (original code, inlined code), for the modules imported
        #: while original code runs: their functions get the inlined code when it ends.
        self._imported_meanwhile: dict[int, tuple[types.CodeType, types.CodeType]] = {}
        #: Functions whose original code could not be installed (different closure), by name.
        self.unpaired: list[str] = []
        #: Modules whose original source did not compile here (path -> the error): their
        #: functions keep the inlined code in ``original()``, which the plugin reports
        #: (a module is never dropped silently: review R20f 2).
        self.uncompiled: dict[str, str] = {}

    def add(self, module: types.ModuleType, code: types.CodeType, path: str, source: bytes, transform: Transform | None) -> types.CodeType:
        """Remember a module about to execute ``code`` (compiled from ``source`` at ``path``);
        the code it executes: ``code``, or while ``original()`` runs, ``code`` making its
        functions from their original code, as if each were swapped as it is made."""
        with self._lock:
            if self._running:
                try:
                    original = compile_original(source, path, transform, quiet=True)
                except (SyntaxError, ValueError) as exc:  # the rewriter compiled it: not expected
                    self.uncompiled[path] = _describe(exc)
                else:
                    pairs = list(_pairs(code, original))
                    self._by_code.update((id(inlined), (inlined, twin)) for inlined, twin in pairs)
                    self._imported_meanwhile.update((id(twin), (twin, inlined)) for inlined, twin in pairs)
                    return _making_originals(code, {id(inlined): twin for inlined, twin in pairs})
            self._pending.append((code, path, source, transform))
            return code

    def _resolve(self) -> dict[int, tuple[types.CodeType, types.CodeType]]:
        """Compile the originals of the modules added since the last call; the full map."""
        with self._lock:
            pending, self._pending = self._pending, []
        found = {}
        failed = {}
        for code, path, source, transform in pending:
            try:
                # Quiet: its compile-time warnings were issued when it was imported; issued
                # again they would fall on the test running, or, under an error filter, make
                # the compilation fail (review R20f 2).
                original = compile_original(source, path, transform, quiet=True)
            except (SyntaxError, ValueError) as exc:  # the module compiled when imported: not expected
                failed[path] = _describe(exc)
                continue
            for inlined, twin in _pairs(code, original):
                found[id(inlined)] = (inlined, twin)
        with self._lock:
            self._by_code.update(found)
            self.uncompiled.update(failed)
            return dict(self._by_code)

    def _functions(self) -> list[tuple[types.FunctionType, types.CodeType, types.CodeType]]:
        """Every live function running inlined code that has an original twin to run instead.

        Searched anew each time (one pass over the heap): closures and decorated functions
        made since the last time are part of the program too.
        """
        by_code = self._resolve()
        if not by_code:
            return []
        pairs = []
        for obj in gc.get_referrers(*(inlined for inlined, _ in by_code.values())):
            if isinstance(obj, types.FunctionType) and id(obj.__code__) in by_code:
                inlined, original = by_code[id(obj.__code__)]
                if inlined is not obj.__code__:
                    continue
                if original.co_freevars != inlined.co_freevars:
                    if obj.__qualname__ not in self.unpaired:
                        self.unpaired.append(obj.__qualname__)
                    continue
                pairs.append((obj, inlined, original))
        return pairs

    @contextlib.contextmanager
    def original(self) -> Iterator[None]:
        """Run the body with the original code in every function of the rewritten modules,
        those imported meanwhile included (``add``)."""
        with self._lock:
            self._running += 1
        pairs = self._functions()
        for function, _, original in pairs:
            function.__code__ = original
        try:
            yield
        finally:
            for function, inlined, original in pairs:
                if function.__code__ is original:  # not one the test assigned (review R36b F5)
                    function.__code__ = inlined
            imported: dict[int, tuple[types.CodeType, types.CodeType]] = {}
            with self._lock:
                self._running -= 1
                if not self._running:
                    imported, self._imported_meanwhile = self._imported_meanwhile, {}
            _back_to_inlined(imported)


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


def _back_to_inlined(twins: dict[int, tuple[types.CodeType, types.CodeType]]) -> None:
    """Give the functions made from these original code objects (by id) their inlined twin
    (a closure whose twin has other free variables keeps its code: it cannot take it)."""
    if not twins:
        return
    for obj in gc.get_referrers(*(original for original, _ in twins.values())):
        if isinstance(obj, types.FunctionType) and id(obj.__code__) in twins:
            original, inlined = twins[id(obj.__code__)]
            if original is obj.__code__ and original.co_freevars == inlined.co_freevars:
                obj.__code__ = inlined
