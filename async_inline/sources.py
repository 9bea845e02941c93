"""Where the sources of other modules come from, for a rewrite that inlines across modules.

Two providers: one over files the caller names (the CLI's inputs and read-only roots, a
program given as text), one over importlib's path finder for configured packages (the
import hook: it locates a module's file the way the import system would, without
importing anything).
"""

from __future__ import annotations

import dataclasses
import importlib.machinery
import os
import sys
import zipimport
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from . import unpatched
from .analysis.program import ModuleSource, SourceProvider
from .analysis.stdlib import STDLIB_MODULE_NAMES
from .api import decode_source, has_header, has_skip_marker
from .errors import SourceError
from .hook.cache import changed_since_import, read_bytes
from .module_names import module_name_for_file, module_name_of

__all__ = ["module_name_for_file", "module_name_of"]  # their home is module_names.py (no LibCST)


def text_provider(files: Mapping[str, str]) -> SourceProvider:
    """Modules given as text, by relative path (``pkg/x.py`` -> source)."""
    by_name: dict[str, ModuleSource] = {}
    for relative, text in files.items():
        name, is_package = module_name_of(relative)
        if name in by_name and by_name[name].is_package:
            continue  # ``pkg/b/__init__.py`` beside ``pkg/b.py``: the import system finds the package
        by_name[name] = ModuleSource(name, relative, text, is_package, _withheld(text, text.encode()))
    return by_name.get


class FileSources:
    """Modules of the given files (named by their packages), then of ``roots``: source
    directories searched like ``sys.path`` entries (read-only: callees only).

    Invariant (what makes a guard's reference the function whose body was inlined): the
    file a module name is read from is the file the program imports under that name. The
    references are found at run time by module name and qualified name only, so a name
    two files may answer to is refused (``claimants``): two inputs named alike
    (``scripts/utils.py``, ``tools/utils.py``: which one ``import utils`` finds depends on
    ``sys.path``), an input and a root disagreeing, or an input module outside any package
    whose name the standard library or this interpreter's ``sys.path`` also provides."""

    def __init__(self, paths: Iterable[str], roots: Iterable[str] = ()) -> None:
        self._known: dict[str, tuple[str, bool]] = {}
        self._claims: dict[str, set[str]] = {}
        self._roots = [str(r) for r in roots]
        #: Packages above inputs that have no ``__init__.py``: namespace packages.
        self._namespaces: dict[str, str] = {}
        #: Regular packages holding inputs, and their directories: the program imports
        #: their submodules from there, whatever a root holds under the same names.
        self._packages: dict[str, str] = {}
        for path in paths:
            name, is_package = module_name_for_file(path, self._roots)
            self._known.setdefault(name, (path, is_package))
            self._claims.setdefault(name, set()).add(unpatched.realpath(path))
            if is_package and name:
                self._packages.setdefault(name, os.path.dirname(unpatched.realpath(path)))
            parts = name.split(".")
            above = Path(path).resolve().parents[1 if is_package else 0 :]
            for length, directory in zip(range(len(parts) - 1, 0, -1), above, strict=False):
                known = self._packages if (directory / "__init__.py").is_file() else self._namespaces
                known.setdefault(".".join(parts[:length]), str(directory))
        self._others: dict[str, tuple[str, ...]] = {}

    def __call__(self, name: str) -> ModuleSource | None:
        if self.claimants(name):
            return None
        found = self._known.get(name) or in_roots(name, self._roots)
        if found is None:
            namespace = self._namespaces.get(name) or _namespace_in_roots(name, self._roots)
            return _namespace(name, namespace) if namespace is not None else None
        return _read(name, *found)

    def claimants(self, name: str) -> tuple[str, ...]:
        """The files that may be module ``name`` at run time, when there is more than one."""
        if name not in self._others:
            self._others[name] = self._find_claimants(name)
        return self._others[name]

    def _find_claimants(self, name: str) -> tuple[str, ...]:
        claims = set(self._claims.get(name, ()))
        if not claims:
            return self._root_copy_claimants(name)
        in_root = in_roots(name, self._roots)
        if in_root is not None:
            claims.add(unpatched.realpath(in_root[0]))
        path, is_package = self._known[name]
        if not is_package:
            # A package directory beside the file (``b/__init__.py`` beside ``b.py``) is
            # what the import system finds first (review R14 f3).
            beside = _package_init(os.path.splitext(path)[0])
            if beside is not None:
                claims.add(unpatched.realpath(beside))
        top = name.partition(".")[0]
        if top in STDLIB_MODULE_NAMES or top in sys.builtin_module_names:
            claims.add(f"the standard library's {top}")
        elif "." not in name and not self._known[name][1]:
            # A module outside any package: its name assumes its directory is on sys.path.
            spec = importlib.machinery.PathFinder.find_spec(name)
            if spec is not None:
                claims.add(unpatched.realpath(spec.origin) if spec.origin else f"a namespace package {name}")
        return tuple(sorted(claims)) if len(claims) > 1 else ()

    def _root_copy_claimants(self, name: str) -> tuple[str, ...]:
        """A module of no input, inside a regular package holding inputs (``pkg.b`` beside
        the input ``pkg/a.py``): the program finds it in that package's directory, and a
        root holding another copy of the package (an older install of the project in
        site-packages) would have its copy read (review R17 u2)."""
        parts = name.split(".")
        end = next((end for end in range(len(parts), 0, -1) if ".".join(parts[:end]) in self._packages), 0)
        if not end:
            return ()
        in_root = in_roots(name, self._roots)
        elsewhere = in_root[0] if in_root is not None else _namespace_in_roots(name, self._roots)
        if elsewhere is None:
            return ()
        base = os.path.join(self._packages[".".join(parts[:end])], *parts[end:])
        # As the import system looks in a package's directory: a package, a module, a
        # directory without __init__.py (a namespace package), else nothing.
        here = next((p for p in (os.path.join(base, "__init__.py"), base + ".py") if unpatched.isfile(p)), base)
        here = unpatched.realpath(here) if unpatched.exists(here) else f"no module {name} in {os.path.dirname(base)}"
        there = unpatched.realpath(elsewhere)
        return tuple(sorted({here, there})) if here != there else ()


def spec_provider(packages: Iterable[str], on_changed: Callable[[str], None] | None = None) -> SourceProvider:
    """Modules of ``packages`` (and their submodules), located as the import system would
    locate them on ``sys.path``, without importing them.

    A module already imported whose file is known to have changed since (``changed_since_import``)
    is withheld: its functions hold the code imported, not the file's; ``on_changed(name)``
    is told (the hook then does not cache the caller's code, which keeps those calls)."""
    wanted = tuple(packages)

    def provide(name: str) -> ModuleSource | None:
        if not any(name == p or name.startswith(p + ".") for p in wanted):
            return None
        imported = sys.modules.get(name)
        # A module already imported is what an import of its name returns, wherever sys.path
        # now points.
        spec = _attribute_of(imported, "__spec__") if imported is not None else _find_spec(name)
        if spec is not None and spec.name != name:
            # Another module put under this name (``sys.modules[__name__] = fast``): its
            # source is not this name's (its relative imports, its qualified names).
            origin: str | None = spec.origin
            data = read_bytes(origin) if origin else None
            if origin is None or data is None:
                return None
            reason = f"which is module {spec.name} put in sys.modules under this name"
            return ModuleSource(name, origin, "", spec.submodule_search_locations is not None, reason, data)
        if spec is not None and spec.origin is None and spec.submodule_search_locations:
            return _namespace(name, next(iter(spec.submodule_search_locations)))
        unreadable = _unreadable(name, spec, imported)
        if unreadable is not None:
            return unreadable
        assert spec is not None and spec.origin is not None
        source = _read(name, spec.origin, spec.submodule_search_locations is not None)
        if source is None:
            return _withheld_unreadable(name, spec, f"its file {spec.origin} cannot be read or decoded")
        if imported is not None and source.withheld is None and changed_since_import(spec, source.data):
            if on_changed is not None:
                on_changed(name)
            return dataclasses.replace(source, withheld="whose file changed since the module was imported (it runs the code imported)")
        return source

    return provide


#: How a configured module the hook cannot read is named in a skip reason (review R20f 4:
#: it was "a module outside the program", whose documented fix is to configure it).
_UNREADABLE = "a module of the configured packages whose source the hook cannot read: {why}"


def _unreadable(name: str, spec: importlib.machinery.ModuleSpec | None, imported: object) -> ModuleSource | None:
    """A withheld source for a configured module that has no ``.py`` file the hook reads
    (``spec`` None: not found), saying why; None when it has one."""
    loader: object = spec.loader if spec is not None else None
    if spec is not None and spec.origin and spec.origin.endswith(".py") and not isinstance(loader, zipimport.zipimporter):
        return None
    if spec is None:
        why = "it was imported without a module spec" if imported is not None else "not found on sys.path (nor by an editable install's finder)"
        return _withheld_unreadable(name, spec, why)
    if isinstance(loader, zipimport.zipimporter):
        return _withheld_unreadable(name, spec, f"it is imported from the zip file {loader.archive}")
    if not spec.origin or spec.origin in ("built-in", "frozen"):
        return _withheld_unreadable(name, spec, "it has no source file")
    return _withheld_unreadable(name, spec, f"it is imported from {spec.origin}, not from a .py file")


def _withheld_unreadable(name: str, spec: importlib.machinery.ModuleSpec | None, why: str) -> ModuleSource:
    """A source with nothing to read (no path: no cache entry depends on it)."""
    is_package = spec is not None and spec.submodule_search_locations is not None
    return ModuleSource(name, "", "", is_package, _UNREADABLE.format(why=why))


def _find_spec(name: str) -> importlib.machinery.ModuleSpec | None:
    """``PathFinder`` step by step down the packages: no parent package is imported. A
    package already imported is searched through its ``__path__``, as the import system
    does: another finder may have found it (setuptools' editable installs put one on
    ``sys.meta_path``, and then ``sys.path`` does not lead to it: review R17 u4)."""
    path: list[str] | None = None
    spec = None
    parts = name.split(".")
    for i in range(len(parts)):
        prefix = ".".join(parts[: i + 1])
        if i + 1 < len(parts):
            search = _imported_path(prefix)
            if search is not None:
                path = search
                continue
        spec = _path_finder_spec(prefix, path)
        if spec is None and path is None:
            spec = _editable_spec(prefix)
        if spec is None:
            return None
        if i + 1 < len(parts):
            if spec.submodule_search_locations is None:
                return None
            path = list(spec.submodule_search_locations)
    return spec


def _imported_path(package: str) -> list[str] | None:
    """The ``__path__`` of ``package`` if it is imported, as a list of directories."""
    module = sys.modules.get(package)
    search = _attribute_of(module, "__path__") if module is not None else None
    try:
        return [p for p in search if isinstance(p, str)] if search is not None else None
    except TypeError:  # not iterable: not a package the import system could search either
        return None


def _attribute_of(module: object, name: str) -> Any:
    """``module.name`` as its namespace holds it, without running code: reading an
    attribute of a module ``importlib.util.LazyLoader`` made executes the module, which
    the program does later, at its first use (review R18 w2)."""
    try:
        namespace = object.__getattribute__(module, "__dict__")
    except AttributeError:
        return getattr(module, name, None)
    return namespace.get(name) if isinstance(namespace, dict) else None


def _editable_spec(name: str) -> importlib.machinery.ModuleSpec | None:
    """The spec of a top-level ``name`` from setuptools' editable finders on
    ``sys.meta_path`` (``__editable___PROJECT_finder._EditableFinder``, which
    ``pip install -e`` puts there and ``sys.path`` does not lead to). Only those: their
    ``find_spec`` looks up a mapping and the files, importing nothing; other finders may
    run anything (review R20f 4)."""
    for finder in list(sys.meta_path):
        kind = type(finder) if not isinstance(finder, type) else finder
        if not (kind.__module__.startswith("__editable___") and kind.__module__.endswith("_finder")):
            continue
        try:
            spec = finder.find_spec(name, None)
        except Exception:  # a finder of another version: nothing found
            continue
        if isinstance(spec, importlib.machinery.ModuleSpec):
            return spec
    return None


def _path_finder_spec(name: str, path: list[str] | None) -> importlib.machinery.ModuleSpec | None:
    try:
        return importlib.machinery.PathFinder.find_spec(name, path)
    except KeyError:
        # A namespace package in a namespace package: the ``_NamespacePath`` PathFinder
        # makes reads ``sys.modules[parent]``, not imported. PathFinder found no module or
        # regular package of that name on ``path`` (it returns those first): the portions
        # are the directories of that name.
        tail = name.rpartition(".")[2]
        portions = [os.path.join(p, tail) for p in path or () if unpatched.isdir(os.path.join(p, tail))]
        if not portions:
            return None
        spec = importlib.machinery.ModuleSpec(name, None, is_package=True)
        spec.submodule_search_locations = portions
        return spec


def _resolved(root: str) -> Path:
    return Path(root).resolve()


def in_roots(name: str, roots: list[str]) -> tuple[str, bool] | None:
    relative = os.path.join(*name.split("."))
    for root in roots:
        package = os.path.join(root, relative, "__init__.py")
        if unpatched.isfile(package):
            return package, True
        module = os.path.join(root, relative + ".py")
        if unpatched.isfile(module):
            return module, False
    return None


def _package_init(directory: str) -> str | None:
    """The ``__init__`` file that makes ``directory`` a regular package, if any (of any
    suffix the import system loads: ``__init__.pyc`` without a source too)."""
    for suffix in importlib.machinery.all_suffixes():
        init = os.path.join(directory, "__init__" + suffix)
        if unpatched.isfile(init):
            return init
    return None


def _namespace_in_roots(name: str, roots: list[str]) -> str | None:
    """A namespace package's first directory: ``roots`` have no module or regular package
    of that name (``_in_roots``: those come first, as on sys.path), but a directory."""
    relative = os.path.join(*name.split("."))
    return next((os.path.join(r, relative) for r in roots if unpatched.isdir(os.path.join(r, relative))), None)


def _namespace(name: str, directory: str) -> ModuleSource:
    """A namespace package: a package with no code, whose attributes are its submodules.
    (Its directory stands for the file: a cache entry depending on it depends on the
    directory having no ``__init__.py``, ``hook.cache.dependency``.)"""
    return ModuleSource(name, directory, "", True)


def _read(name: str, path: str, is_package: bool) -> ModuleSource | None:
    data = read_bytes(path)
    if data is None:
        return None
    try:
        text, _ = decode_source(data, path)
    except SourceError:
        return None
    return ModuleSource(name, path, text, is_package, _withheld(text, data), data)


def _withheld(text: str, data: bytes) -> str | None:
    if has_header(text):
        return "whose file is async-inline's output: rewrite the original sources together"
    if has_skip_marker(data):
        return "which opts out (# async_inline: skip-file)"
    return None
