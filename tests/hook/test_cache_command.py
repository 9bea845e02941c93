"""``async-inline cache build``: the entries it writes are the ones the hook then reads."""

from __future__ import annotations

import asyncio
import importlib
import re
import sys
from pathlib import Path

import pytest
from hook_helpers import SAMPLE, installed_state, unique, write_tree

import async_inline
from async_inline.cli import main


def _package(site: Path) -> str:
    name = unique()
    write_tree(
        site,
        {
            f"{name}/__init__.py": SAMPLE,
            f"{name}/sub/__init__.py": "",
            f"{name}/sub/deep.py": SAMPLE,
            f"{name}/optout.py": "# async_inline: skip-file\nVALUE = 1\n",
        },
    )
    return name


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_built_entries_are_hits_for_the_hook(site: Path, jobs: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(sys, "dont_write_bytecode", True)  # written all the same, as compileall does
    name = _package(site)
    assert main(["cache", "build", name, "--jobs", jobs]) == 0
    # (how many sites: pinned elsewhere; stress mode picks them at random)
    assert re.search(r"cache build: 4 files: 3 written, 1 unchanged; \d+ sites? inlined; entries beside the sources", capsys.readouterr().err)
    assert name not in sys.modules  # found, not imported
    async_inline.install([name])
    for module in (name, f"{name}.sub.deep", f"{name}.optout"):
        importlib.import_module(module)
    assert installed_state().stats == {"hits": 4, "misses": 0, "writes": 0}  # name.sub too
    assert installed_state().outcomes() == {"rewritten": 0, "cached": 3, "unchanged": 1}
    assert main(["cache", "build", name]) == 0
    assert "4 files: 0 written, 4 up to date" in capsys.readouterr().err


def test_cache_dir_and_directories_as_targets(site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("ASYNC_INLINE_CACHE_DIR", str(tmp_path / "cache"))
    name = _package(site)
    assert main(["cache", "build", str(site / name / "sub")]) == 0
    assert re.search(rf"2 files: 2 written; \d+ sites? inlined; entries in {re.escape(str(tmp_path / 'cache'))}", capsys.readouterr().err)
    [entry] = (tmp_path / "cache").rglob("deep.*.async_inline-*.pyc")
    assert entry.parent == tmp_path / "cache" / str(site / name / "sub").lstrip("/")
    assert not list(site.rglob("*.pyc"))
    async_inline.install([name])
    importlib.import_module(f"{name}.sub.deep")
    assert installed_state().stats == {"hits": 2, "misses": 1, "writes": 1}  # the package's own __init__ was not built


def test_mistakes_are_reported_in_one_line(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["cache", "build", "no_such_package_here"]) == 2
    assert capsys.readouterr().err.endswith(" cache build: error: no module named 'no_such_package_here'\n")
    name = unique()
    write_tree(site, {f"{name}/__init__.py": "", f"{name}/bad.py": "x = (\n"})
    assert main(["cache", "build", name]) == 3
    err = capsys.readouterr().err
    # review R16 t8: the README's ``path:line: message``, as rewrite prints it (was "path: error: ... (bad.py, line 1)")
    assert f"{site / name / 'bad.py'}:1: '(' was never closed\n" in err
    assert "Traceback" not in err


def test_entries_are_keyed_by_the_packages_the_hook_inlines_from(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Finding F6: which modules are callee sources depends on the configured packages; an
    entry built with ``app`` alone (``lib`` unseen: the call kept) was used by a hook
    configured with ``app`` and ``lib``, and the other way round; ``cache build app`` made
    such entries. ``cache build --packages`` names the packages the hook will have."""
    app, lib = unique("aiapp"), unique("ailib")
    write_tree(site, {
        f"{app}/__init__.py": "",
        f"{app}/main.py": f"from {lib} import util\n\n\nasync def main():\n    return await util.value()\n",
        f"{lib}/__init__.py": "",
        f"{lib}/util.py": 'async def value():\n    return "v1"\n',
    })

    def inlined(packages: list[str]) -> list[str]:
        for name in [m for m in sys.modules if m.startswith((app, lib))]:
            del sys.modules[name]
        async_inline.install(packages)
        importlib.import_module(f"{app}.main")
        [report] = [r for r in installed_state().reports() if r.path.endswith("main.py")]
        return [d.target for d in report.inlined]

    assert inlined([app]) == []
    assert inlined([app, lib]) == [f"{lib}.util.value"]
    assert installed_state().outcomes() == {"rewritten": 4, "cached": 0, "unchanged": 0}  # entries of another configuration
    assert inlined([app]) == []
    assert main(["cache", "build", app]) == 0
    assert inlined([app, lib]) == [f"{lib}.util.value"]
    assert main(["cache", "build", app, "--packages", f"{lib},{app}"]) == 0
    capsys.readouterr()
    assert inlined([app, lib]) == [f"{lib}.util.value"]
    assert installed_state().stats["misses"] == 0


def test_entries_of_a_namespace_package_directory_are_keyed_by_its_modules_names(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Review R13 c6: ``cache build DIR`` named a file by its regular packages only, so
    ``ns/app.py`` of the namespace package ``ns`` was keyed as module ``app``, not
    ``ns.app``: the hook (configured with ``ns``) never used the entries."""
    ns = unique("ains")
    write_tree(site, {f"{ns}/app.py": SAMPLE, f"{ns}/inner/deep.py": SAMPLE})
    assert main(["cache", "build", str(site / ns), "--packages", ns]) == 0
    assert "2 files: 2 written" in capsys.readouterr().err
    assert main(["cache", "build", ns]) == 0  # by name: the same entries
    assert "2 files: 0 written, 2 up to date" in capsys.readouterr().err
    async_inline.install([ns])
    importlib.import_module(f"{ns}.app")
    importlib.import_module(f"{ns}.inner.deep")
    assert installed_state().stats == {"hits": 2, "misses": 0, "writes": 0}


def test_errors_are_path_line_message_and_counts_are_pluralised(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Review R16 t8: a null byte's line is found (CPython does not say it), and the summary
    says "1 file", "1 site" (it said "1 sites")."""
    name = unique()
    write_tree(site, {f"{name}/__init__.py": "", f"{name}/nul.py": b"x = 1\n\ny = 2\0\n"})
    assert main(["cache", "build", name]) == 3
    err = capsys.readouterr().err
    assert f"{site / name / 'nul.py'}:3: source code string cannot contain null bytes\n" in err, err
    other = unique()
    write_tree(site, {f"{other}.py": "async def f():\n    return 1\n\n\nasync def g():\n    return await f()\n"})
    assert main(["cache", "build", other]) == 0
    err = capsys.readouterr().err
    if async_inline.Options().stress_seed is None:  # (a stress rewrite picks sites at random: "0 sites")
        assert "cache build: 1 file: 1 written; 1 site inlined;" in err, err
    else:
        assert re.search(r"cache build: 1 file: 1 written; (1 site|0 sites) inlined;", err), err


def test_a_src_layout_directory_not_on_sys_path_inlines_across_its_modules(site: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Review R17 u3: ``cache build src/pkg`` where ``src`` is not on sys.path found no
    sibling module, wrote entries with every cross-module site kept, and the hook (with
    ``src`` on its path) used them. The directory a target's names start from is searched
    during the build."""
    name = unique()
    src = tmp_path / "src"
    write_tree(src, {
        f"{name}/__init__.py": "",
        f"{name}/impl.py": "async def fetch(x):\n    return x + 1\n",
        f"{name}/app.py": "from .impl import fetch\n\n\nasync def main():\n    return await fetch(1)\n",
    })
    path = list(sys.path)
    assert main(["cache", "build", str(src / name), "--packages", name, "--jobs", "1"]) == 0
    assert sys.path == path
    err = capsys.readouterr().err
    assert "3 written" in err, err
    stressed = async_inline.Options().stress_seed is not None  # (a stress rewrite picks sites at random)
    assert stressed or " 0 sites inlined" not in err, err
    sys.path.insert(0, str(src))
    try:
        async_inline.install([name])
        app = importlib.import_module(f"{name}.app")
    finally:
        sys.path.remove(str(src))
    assert installed_state().stats["hits"] == 3
    [report] = [r for r in installed_state().reports() if r.path.endswith("app.py")]
    assert stressed or [d.target for d in report.inlined] == [f"{name}.impl.fetch"], report.skipped
    assert asyncio.run(app.main()) == 2
