"""Fixtures for the import hook tests: every test leaves sys.modules, sys.meta_path and
sys.path as it found them, and gets a directory on sys.path for its packages."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

import async_inline


@pytest.fixture(autouse=True)
def isolated_imports(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Restores the import system; forgets the modules the test imported from temporary
    directories (the rewriter's own lazy imports stay: re-importing them costs time)."""
    temporary = str(tmp_path_factory.getbasetemp())
    modules = set(sys.modules)
    meta_path = list(sys.meta_path)
    path = list(sys.path)
    main = sys.modules.get("__main__")
    try:
        yield
    finally:
        async_inline.uninstall()
        sys.meta_path[:] = meta_path
        sys.path[:] = path
        for name in set(sys.modules) - modules:
            if (getattr(sys.modules[name], "__file__", None) or temporary).startswith(temporary):
                del sys.modules[name]
        if main is not None:
            sys.modules["__main__"] = main
        importlib.invalidate_caches()


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A directory first on sys.path, for the test's packages; the cache may be written."""
    root = tmp_path / "site"
    root.mkdir()
    sys.path.insert(0, str(root))
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    monkeypatch.delenv("ASYNC_INLINE", raising=False)
    monkeypatch.chdir(tmp_path)  # no pyproject.toml of this repository in view
    importlib.invalidate_caches()
    return root
