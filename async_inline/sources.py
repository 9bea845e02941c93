"""Where the sources of other modules come from, for a rewrite that inlines across modules.

Two providers: one over files the caller names (the CLI's inputs and read-only roots, a
program given as text), one over importlib's path finder for configured packages (the
import hook: it locates a module's file the way the import system would, without
importing anything).
"""

from __future__ import annotations

import importlib.machinery
import os
from collections.abc import Iterable, Mapping
from pathlib import Path

from .analysis.program import ModuleSource, SourceProvider
from .api import decode_source
from .errors import SourceError


def module_name_of(relative: str) -> tuple[str, bool]:
    """``("pkg.x", False)`` for ``pkg/x.py``, ``("pkg", True)`` for ``pkg/__init__.py``."""
    parts = Path(relative).with_suffix("").parts
    if parts and parts[-1] == "__init__":
        return ".".join(parts[:-1]), True
    return ".".join(parts), False


def module_name_for_file(path: str) -> tuple[str, bool]:
    """The dotted name a file is imported under: its directory's packages (those holding
    an ``__init__.py``) above it, then its own name (``src/pkg/sub/mod.py`` ->
    ``pkg.sub.mod``); ``""`` when that is not a valid name."""
    file = Path(path).resolve()
    parts = [file.stem] if file.name != "__init__.py" else []
    directory = file.parent
    while (directory / "__init__.py").is_file():
        parts.insert(0, directory.name)
        directory = directory.parent
    valid = bool(parts) and all(p.isidentifier() for p in parts)
    return ".".join(parts) if valid else "", file.name == "__init__.py"


def text_provider(files: Mapping[str, str]) -> SourceProvider:
    """Modules given as text, by relative path (``pkg/x.py`` -> source)."""
    by_name = {}
    for relative, text in files.items():
        name, is_package = module_name_of(relative)
        by_name[name] = ModuleSource(name, relative, text, is_package)
    return by_name.get


def file_provider(paths: Iterable[str], roots: Iterable[str] = ()) -> SourceProvider:
    """Modules of the given files (named by their packages), then of ``roots``: source
    directories searched like ``sys.path`` entries (read-only: callees only)."""
    known: dict[str, tuple[str, bool]] = {}
    for path in paths:
        name, is_package = module_name_for_file(path)
        known.setdefault(name, (path, is_package))
    root_list = [str(r) for r in roots]

    def provide(name: str) -> ModuleSource | None:
        found = known.get(name) or _in_roots(name, root_list)
        return _read(name, *found) if found is not None else None

    return provide


def spec_provider(packages: Iterable[str]) -> SourceProvider:
    """Modules of ``packages`` (and their submodules), located as the import system would
    locate them on ``sys.path``, without importing them."""
    wanted = tuple(packages)

    def provide(name: str) -> ModuleSource | None:
        if not any(name == p or name.startswith(p + ".") for p in wanted):
            return None
        spec = _find_spec(name)
        if spec is None or not spec.origin or not spec.origin.endswith(".py"):
            return None
        return _read(name, spec.origin, spec.submodule_search_locations is not None)

    return provide


def _find_spec(name: str) -> importlib.machinery.ModuleSpec | None:
    """``PathFinder`` step by step down the packages: no parent package is imported."""
    path: list[str] | None = None
    spec = None
    parts = name.split(".")
    for i in range(len(parts)):
        spec = importlib.machinery.PathFinder.find_spec(".".join(parts[: i + 1]), path)
        if spec is None:
            return None
        if i + 1 < len(parts):
            if spec.submodule_search_locations is None:
                return None
            path = list(spec.submodule_search_locations)
    return spec


def _in_roots(name: str, roots: list[str]) -> tuple[str, bool] | None:
    relative = os.path.join(*name.split("."))
    for root in roots:
        package = os.path.join(root, relative, "__init__.py")
        if os.path.isfile(package):
            return package, True
        module = os.path.join(root, relative + ".py")
        if os.path.isfile(module):
            return module, False
    return None


def _read(name: str, path: str, is_package: bool) -> ModuleSource | None:
    try:
        with open(path, "rb") as f:
            data = f.read()
        text, _ = decode_source(data, path)
    except (OSError, SourceError):
        return None
    return ModuleSource(name, path, text, is_package)
