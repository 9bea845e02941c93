"""The dotted name a file is imported under, from the ``__init__.py`` files around it: what
the command line, ``cache build`` and ``run`` call a file, without loading the rewriter."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path


def module_name_of(relative: str) -> tuple[str, bool]:
    """``("pkg.x", False)`` for ``pkg/x.py``, ``("pkg", True)`` for ``pkg/__init__.py``."""
    parts = Path(relative).with_suffix("").parts
    if parts and parts[-1] == "__init__":
        return ".".join(parts[:-1]), True
    return ".".join(parts), False


def module_name_for_file(path: str, roots: Iterable[str] = ()) -> tuple[str, bool]:
    """The dotted name a file is imported under: its directory's packages (those holding
    an ``__init__.py``) above it, then its own name (``src/pkg/sub/mod.py`` ->
    ``pkg.sub.mod``); ``""`` when that is not a valid name. Under one of ``roots``
    (directories on ``sys.path``), the directories between the root and those packages are
    namespace packages (``src/ns/mod.py`` under ``src`` -> ``ns.mod``)."""
    file = Path(path).resolve()
    parts = [file.stem] if file.name != "__init__.py" else []
    directory = file.parent
    while (directory / "__init__.py").is_file():
        parts.insert(0, directory.name)
        directory = directory.parent
    root = next((r for r in map(_resolved, roots) if r in directory.parents), None)
    while root is not None and directory != root:
        parts.insert(0, directory.name)
        directory = directory.parent
    valid = bool(parts) and all(p.isidentifier() for p in parts)
    return ".".join(parts) if valid else "", file.name == "__init__.py"


def _resolved(root: str) -> Path:
    return Path(root).resolve()
