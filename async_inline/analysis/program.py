"""The modules one rewrite can see: the module rewritten, and those its callees come from.

A rewrite of module ``a`` may inline a function of module ``x`` when ``a`` imports it
(``from .x import f``, ``import pkg.x as m``): the program finds ``x``'s source through
a ``SourceProvider`` (the CLI's inputs and read-only roots, or the import hook's
importlib specs), parses and analyses it once, and records which sources a rewrite
read, so that a cache can be invalidated when any of them changes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import libcst as cst

from .module import ModuleFacts
from .scopes import ScopeIndex


@dataclass(frozen=True)
class ModuleSource:
    name: str
    #: The file it was read from.
    path: str
    text: str
    #: A package's ``__init__``: relative imports start from the module itself.
    is_package: bool
    #: Why nothing may be inlined from it, when nothing may: its file is async-inline's
    #: output (not the program's own code), or it opts out with the skip-file marker.
    withheld: str | None = None
    #: The bytes read (files only).
    data: bytes = b""


#: Finds the source of a module by dotted name; None when it has none the rewrite may use.
#: A provider may also tell which names several files may answer to at run time (a
#: ``claimants(name)`` method, as ``sources.FileSources``): those are never resolved.
SourceProvider = Callable[[str], "ModuleSource | None"]


class Program:
    def __init__(self, provider: SourceProvider | None = None, noinline: Sequence[str] = ()) -> None:
        self._provider = provider
        self._noinline = tuple(noinline)
        self._facts: dict[str, ModuleFacts | None] = {}
        #: Sources read while rewriting (their paths), beside the module itself.
        self.read: dict[str, str] = {}
        #: Modules nothing may be inlined from, and why (``ModuleSource.withheld``).
        self.withheld: dict[str, str] = {}

    def add(self, facts: ModuleFacts) -> None:
        """Register the module being rewritten (already parsed by the caller)."""
        if facts.name is not None and not self.claimants(facts.name):
            self._facts[facts.name] = facts

    def claimants(self, name: str) -> tuple[str, ...]:
        """The files (or other modules) that may be module ``name`` at run time, when the
        provider knows of more than one: its functions are then nobody's to inline."""
        claimants: Callable[[str], tuple[str, ...]] | None = getattr(self._provider, "claimants", None)
        return claimants(name) if claimants is not None else ()

    def facts(self, name: str) -> ModuleFacts | None:
        """The analysis of module ``name``, if its source is available and parses."""
        if name in self._facts:
            return self._facts[name]
        found: ModuleFacts | None = None
        source = self._provider(name) if self._provider is not None else None
        if source is not None and source.withheld is not None:
            self.read[name] = source.path  # a cache then sees the file change
            self.withheld[name] = source.withheld
        elif source is not None:
            try:
                tree = cst.parse_module(source.text)
            except cst.ParserSyntaxError:
                tree = None
            if tree is not None:
                index = ScopeIndex(tree, source.text)
                found = ModuleFacts(index, name, self._noinline, program=self, is_package=source.is_package, path=source.path)
                self.read[name] = source.path
        self._facts[name] = found
        return found

