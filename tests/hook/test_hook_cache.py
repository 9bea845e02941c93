"""The cache of compiled rewritten code: hits, invalidation, and every way it can be unusable
(read-only, corrupted, disabled), none of which may make an import fail."""

from __future__ import annotations

import asyncio
import importlib
import os
import sys
import types
from pathlib import Path

import pytest
from hook_helpers import SAMPLE, installed_state, unique, write_tree

import async_inline
from async_inline import Options, unpatched
from async_inline.hook import cache


def _state():
    return installed_state()


def _import_fresh(name: str, packages: list[str] | None = None, options: Options | None = None) -> types.ModuleType:
    """Import ``name`` as a new process would: new hook state, module not yet imported."""
    sys.modules.pop(name, None)
    importlib.invalidate_caches()
    async_inline.install(packages or [name], options)
    return importlib.import_module(name)


def _dependency(callee: Path) -> cache.Dependency:
    """``callee.py`` as an entry records it, with its bytes now."""
    return cache.dependency("callee", str(callee), callee.read_bytes())


def _entries(site: Path) -> list[Path]:
    return sorted((site / "__pycache__").glob("*.async_inline-*.pyc"))


def test_second_import_is_a_hit_with_the_same_report(site: Path) -> None:
    name = unique()
    write_tree(site, {f"{name}.py": SAMPLE})
    _import_fresh(name)
    first = _state()
    assert first.stats == {"hits": 0, "misses": 1, "writes": 1}
    [entry] = _entries(site)
    assert entry.name.startswith(f"{name}.{sys.implementation.cache_tag}.async_inline-")
    module = _import_fresh(name)
    assert _state().stats == {"hits": 1, "misses": 0, "writes": 0}
    assert _state().reports() == first.reports()
    assert module.main.__code__.co_filename == str(site / f"{name}.py")


def test_changed_source_invalidates_even_with_same_size_and_mtime(site: Path) -> None:
    name = unique()
    path = site / f"{name}.py"
    write_tree(site, {f"{name}.py": "VALUE = 1\n"})
    assert _import_fresh(name).VALUE == 1
    stat = path.stat()
    path.write_text("VALUE = 2\n")
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert _import_fresh(name).VALUE == 2
    assert _state().stats["misses"] == 1
    assert len(_entries(site)) == 1  # overwritten, not accumulated


def test_other_options_use_another_entry(site: Path) -> None:
    name = unique()
    write_tree(site, {f"{name}.py": SAMPLE})
    _import_fresh(name)
    _import_fresh(name, options=Options(guards=False))
    assert _state().stats["misses"] == 1
    assert len(_entries(site)) == 2
    _import_fresh(name)
    assert _state().stats["hits"] == 1


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: b"",
        lambda data: data[:10],
        lambda data: data[: len(data) // 2],
        lambda data: b"garbage" * 20,
        lambda data: data[:36] + b"\xff\xff\xff\xff" + data[40:],  # impossible lengths
        lambda data: data[:-20] + b"\x00" * 20,  # damaged marshal data
        lambda data: data[:4] + b"\x00" * 32 + data[36:],  # wrong key
    ],
    ids=["empty", "header-cut", "half", "garbage", "bad-lengths", "bad-code", "bad-key"],
)
def test_corrupted_entry_is_a_miss_and_is_repaired(site: Path, damage) -> None:
    name = unique()
    write_tree(site, {f"{name}.py": "VALUE = 5\n"})
    _import_fresh(name)
    [entry] = _entries(site)
    good = entry.read_bytes()
    entry.write_bytes(damage(good))
    assert _import_fresh(name).VALUE == 5
    assert _state().stats == {"hits": 0, "misses": 1, "writes": 1}
    assert entry.read_bytes() == good


def test_unwritable_cache_directory_is_tolerated(site: Path) -> None:
    name = unique()
    write_tree(site, {f"{name}.py": "VALUE = 6\n"})
    (site / "__pycache__").write_text("a file where the directory should be")
    assert _import_fresh(name).VALUE == 6
    assert _state().stats == {"hits": 0, "misses": 1, "writes": 0}
    assert _import_fresh(name).VALUE == 6


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root ignores directory permissions")
def test_read_only_cache_directory_is_tolerated(site: Path) -> None:  # pragma: no cover - not as root
    name = unique()
    write_tree(site, {f"{name}.py": "VALUE = 6\n"})
    (site / "__pycache__").mkdir()
    os.chmod(site / "__pycache__", 0o555)
    try:
        assert _import_fresh(name).VALUE == 6
        assert _state().stats["writes"] == 0
    finally:
        os.chmod(site / "__pycache__", 0o755)


def test_read_only_entry_is_still_read(site: Path) -> None:
    name = unique()
    write_tree(site, {f"{name}.py": "VALUE = 8\n"})
    _import_fresh(name)
    for entry in _entries(site):
        os.chmod(entry, 0o444)
    assert _import_fresh(name).VALUE == 8
    assert _state().stats["hits"] == 1


def test_dont_write_bytecode_is_honoured(site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    name = unique()
    write_tree(site, {f"{name}.py": "VALUE = 9\n"})
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    assert _import_fresh(name).VALUE == 9
    assert not (site / "__pycache__").exists()
    assert _state().stats["writes"] == 0


def test_pycache_prefix_is_honoured(site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    name = unique()
    write_tree(site, {f"{name}.py": "VALUE = 10\n"})
    monkeypatch.setattr(sys, "pycache_prefix", str(tmp_path / "prefix"))
    _import_fresh(name)
    assert not (site / "__pycache__").exists()
    assert list((tmp_path / "prefix").rglob(f"{name}.*.async_inline-*.pyc"))


def test_a_renamed_package_is_rewritten_again(site: Path) -> None:
    """The code depends on the module's name (relative imports reach other modules' code,
    callees are known by qualified name): a renamed package is a new entry."""
    name, new_name = unique(), unique()
    write_tree(site, {f"{name}/__init__.py": "def where():\n    return 1\n"})
    _import_fresh(name)
    (site / name).rename(site / new_name)
    module = _import_fresh(new_name)
    assert _state().stats == {"hits": 0, "misses": 1, "writes": 1}
    assert module.where.__code__.co_filename == str(site / new_name / "__init__.py")


def test_moved_entry_gets_the_new_filename(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    source = b"def f():\n    return 1\n"
    code = compile(source, "/old/place.py", "exec")
    entry_path = str(tmp_path / "entry.pyc")
    key = cache.entry_key("config", source)
    assert cache.store(entry_path, key, cache.Entry(code, b"{}"))
    entry = cache.load(entry_path, key, "/new/place.py")
    assert entry is not None
    function_code = next(c for c in entry.code.co_consts if isinstance(c, types.CodeType))
    assert (entry.code.co_filename, function_code.co_filename) == ("/new/place.py", "/new/place.py")


def test_dependencies_invalidate_an_entry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """What cross-module inlining will rely on: an entry lists its callees' files."""
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    callee = tmp_path / "callee.py"
    callee.write_text("async def f():\n    return 1\n")
    code = compile("x = 1\n", "/m.py", "exec")
    key = cache.entry_key("config", b"x = 1\n")
    entry_path = str(tmp_path / "m.pyc")
    assert cache.store(entry_path, key, cache.Entry(code, b"{}", (_dependency(callee),)))
    assert cache.load(entry_path, key, "/m.py") is not None
    callee.write_text("async def f():\n    return 2\n")
    assert cache.load(entry_path, key, "/m.py") is None
    callee.unlink()
    assert cache.load(entry_path, key, "/m.py") is None
    # A file absent when the entry was built (a namespace package's __init__.py, when
    # the directory is the dependency): the entry holds until the file appears.
    namespace = tmp_path / "ns"
    namespace.mkdir()
    deps = (cache.dependency("ns", str(namespace), b""), cache.Dependency(str(callee), cache.ABSENT, "callee"))
    assert cache.store(entry_path, key, cache.Entry(code, b"{}", deps))
    assert cache.load(entry_path, key, "/m.py") is not None
    (namespace / "__init__.py").write_text("")
    assert cache.load(entry_path, key, "/m.py") is None


def test_store_is_atomic_and_leaves_no_temporary_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    code = compile("x = 1\n", "/m.py", "exec")
    target = tmp_path / "new" / "dir" / "m.pyc"
    for i in range(3):
        assert cache.store(str(target), bytes([i]) * 32, cache.Entry(code, b"{}"))
    assert [p.name for p in target.parent.iterdir()] == ["m.pyc"]
    assert cache.load(str(target), bytes([2]) * 32, "/m.py") is not None


def test_key_covers_interpreter_tool_and_options() -> None:
    base = cache.config_digest(Options().cache_key())
    assert cache.config_digest(Options(max_depth=1).cache_key()) != base
    assert cache.config_digest(Options().cache_key(), salt="pytest") != base
    assert cache.entry_key(base, b"a") != cache.entry_key(base, b"b")


def test_a_moved_entry_with_dependencies_is_a_miss(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Finding F1: the dependencies are the files beside the place the entry was built
    for; found at another place (a project copied with its ``__pycache__``), it was checked
    against the old place's callees and re-pointed at the new one: edits of the copy's
    callees were never seen."""
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    callee = tmp_path / "callee.py"
    callee.write_text("async def f():\n    return 1\n")
    code = compile("x = 1\n", "/old/m.py", "exec")
    key = cache.entry_key("config", b"x = 1\n")
    entry_path = str(tmp_path / "m.pyc")
    assert cache.store(entry_path, key, cache.Entry(code, b"{}", (_dependency(callee),)))
    assert cache.load(entry_path, key, "/old/m.py") is not None
    assert cache.load(entry_path, key, "/new/m.py") is None


def test_an_entry_found_through_a_symlink_to_its_file_is_no_move(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """One file imported by its real path and through a symlinked directory shares one
    ``__pycache__``: its entry is no move, and is used (it was rebuilt at every switch)."""
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    real = tmp_path / "real"
    real.mkdir()
    (real / "m.py").write_text("x = 1\n")
    (tmp_path / "link").symlink_to(real)
    callee = tmp_path / "callee.py"
    callee.write_text("async def f():\n    return 1\n")
    code = compile("x = 1\n", str(real / "m.py"), "exec")
    key = cache.entry_key("config", b"x = 1\n")
    entry_path = str(tmp_path / "m.pyc")
    assert cache.store(entry_path, key, cache.Entry(code, b"{}", (_dependency(callee),)))
    assert cache.load(entry_path, key, str(tmp_path / "link" / "m.py")) is not None


def test_a_project_copied_with_its_cache_sees_the_copys_callees(site: Path, tmp_path: Path) -> None:
    """Finding F1, end to end: ``cp -a project copy``, then a callee edited in the copy."""
    import shutil

    project = tmp_path / "project"
    name = unique()
    write_tree(project, {
        f"{name}/__init__.py": "",
        f"{name}/helpers.py": 'async def value():\n    return "v1"\n',
        f"{name}/main.py": "from . import helpers\n\n\nasync def main():\n    return await helpers.value()\n",
    })
    sys.path.insert(0, str(project))
    main = _import_fresh(f"{name}.main", [name])
    assert asyncio.run(main.main()) == "v1"
    del sys.modules[name], sys.modules[f"{name}.helpers"], sys.modules[f"{name}.main"]
    copy = tmp_path / "copy"
    shutil.copytree(project, copy)
    (copy / name / "helpers.py").write_text('async def value():\n    return "copy"\n')
    sys.path[0] = str(copy)
    main = _import_fresh(f"{name}.main", [name])
    assert main.__file__ == str(copy / name / "main.py")
    assert asyncio.run(main.main()) == "copy"
    assert _state().unchanged() == {}
    assert [Path(r.path).name for r in _state().reports() if r.inlined] == ["main.py"]
    assert _state().stats == {"hits": 1, "misses": 2, "writes": 2}  # __init__.py's entry moved; main.py's depended on helpers.py


def test_the_tool_fingerprint_covers_the_runtime_package(monkeypatch: pytest.MonkeyPatch) -> None:
    """Generated code calls the runtime's helpers (``function_at(..., file=...)``): an
    entry built against another runtime must not be used. Only ``async_inline/`` counted."""
    import runtime

    refs = os.path.join(os.path.dirname(os.path.abspath(runtime.__file__)), "_refs.py")
    monkeypatch.setattr(cache, "_fingerprint", None)
    before = cache.tool_fingerprint()
    real_stat = os.stat

    def edited(path, *args, **kwargs):  # _refs.py one byte longer
        st = real_stat(path, *args, **kwargs)
        return types.SimpleNamespace(st_mode=st.st_mode, st_size=st.st_size + 1, st_mtime_ns=st.st_mtime_ns) if path == refs else st

    monkeypatch.setattr(cache, "_fingerprint", None)
    monkeypatch.setattr(unpatched, "stat", edited)  # what the hook reads the disk with
    assert cache.tool_fingerprint() != before


def test_a_relative_cache_directory_stays_where_it_was_first_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Review R36b F6: a relative ``ASYNC_INLINE_CACHE_DIR`` was resolved against the
    working directory of every lookup: a test's ``monkeypatch.chdir`` moved the cache into
    its own directory."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ASYNC_INLINE_CACHE_DIR", f".aicache-{unique()}")
    first = cache.cache_dir()
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    assert cache.cache_dir() == first
    assert first is not None and Path(first).parent == tmp_path
