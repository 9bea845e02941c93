"""The import hook end to end, in this process: what gets rewritten, and that a rewritten
module is indistinguishable from the original for tracebacks, inspect and errors."""

from __future__ import annotations

import asyncio
import importlib
import inspect
import sys
import traceback
import warnings
from pathlib import Path
from typing import Any

import pytest
from hook_helpers import SAMPLE, SAMPLE_AWAIT_LINE, installed_state, unique, write_tree

import async_inline
from async_inline import Options, hook
from async_inline.config import ConfigError
from async_inline.hook import AsyncInlineWarning
from async_inline.hook.finder import Finder
from async_inline.hook.loader import RewritingLoader


def _state():
    return installed_state()


def test_configured_package_is_loaded_by_the_hook_and_works(site: Path) -> None:
    name = unique()
    write_tree(site, {f"{name}/__init__.py": SAMPLE, f"{name}/sub.py": "VALUE = 7\n"})
    async_inline.install([name])
    package = importlib.import_module(name)
    sub = importlib.import_module(f"{name}.sub")
    assert isinstance(package.__loader__, RewritingLoader)
    assert isinstance(sub.__loader__, RewritingLoader)
    assert package.__spec__.submodule_search_locations == [str(site / name)]
    assert asyncio.run(package.main()) == 42
    assert sub.VALUE == 7
    assert {Path(r.path).name for r in _state().reports()} == {"__init__.py", "sub.py"}


def test_modules_outside_the_packages_are_left_alone(site: Path) -> None:
    name, other = unique(), unique()
    write_tree(site, {f"{name}.py": "X = 1\n", f"{other}.py": "Y = 2\n"})
    async_inline.install([name])
    assert isinstance(importlib.import_module(name).__loader__, RewritingLoader)
    assert type(importlib.import_module(other).__loader__).__name__ == "SourceFileLoader"


@pytest.mark.decisions
def test_sample_is_inlined_on_import(site: Path) -> None:
    name = unique()
    write_tree(site, {f"{name}.py": SAMPLE})
    async_inline.install([name])
    module = importlib.import_module(name)
    assert asyncio.run(module.main()) == 42
    [report] = _state().reports()
    [decision] = report.inlined
    assert (decision.caller, decision.callee, decision.line) == ("main", "add_one", SAMPLE_AWAIT_LINE)


@pytest.mark.decisions
def test_inlined_callee_lines_point_at_the_callee_in_tracebacks(site: Path) -> None:
    name = unique()
    source = (
        "async def fail(x):\n"  # 1
        "    raise ValueError(x)\n"  # 2
        "\n"
        "\n"
        "async def main():\n"  # 5
        "    return await fail(41)\n"  # 6
    )
    write_tree(site, {f"{name}.py": source})
    async_inline.install([name])
    module = importlib.import_module(name)
    assert _state().reports()[0].inlined, "the transformer inlines fail() into main()"
    with pytest.raises(ValueError) as info:
        asyncio.run(module.main())
    frames = [(Path(f.filename).name, f.lineno) for f in traceback.extract_tb(info.value.__traceback__)]
    assert frames[-1] == (f"{name}.py", 2)


def test_getsource_file_and_line_numbers_are_the_users(site: Path) -> None:
    name = unique()
    source = "# comment\n\n\ndef boom():\n    x = 1\n    raise KeyError(x)\n"
    write_tree(site, {f"{name}.py": source})
    async_inline.install([name])
    module = importlib.import_module(name)
    assert module.__file__ == str(site / f"{name}.py")
    assert inspect.getsource(module.boom) == "def boom():\n    x = 1\n    raise KeyError(x)\n"
    assert module.boom.__code__.co_filename == str(site / f"{name}.py")
    assert module.boom.__code__.co_firstlineno == 4
    with pytest.raises(KeyError) as info:
        module.boom()
    last = traceback.extract_tb(info.value.__traceback__)[-1]
    assert (last.filename, last.lineno, last.line) == (str(site / f"{name}.py"), 6, "raise KeyError(x)")


def test_syntax_error_is_the_interpreters_own(site: Path) -> None:
    name = unique()
    write_tree(site, {f"{name}.py": "x = 1\ny = (\n"})
    async_inline.install([name])
    with pytest.raises(SyntaxError) as info:
        importlib.import_module(name)
    with pytest.raises(SyntaxError) as plain:
        compile((site / f"{name}.py").read_bytes(), str(site / f"{name}.py"), "exec")
    assert (info.value.filename, info.value.lineno, info.value.msg) == (plain.value.filename, plain.value.lineno, plain.value.msg)


def _input_the_rewriter_rejects() -> str | None:
    """Valid Python on which rewrite_source fails (deep nesting inside an async function,
    inlined: LibCST's transformer recurses). Decided without stress mode, which may leave
    the site a call, and then nothing fails."""
    from async_inline import Options, rewrite_source

    for depth in (300, 600, 1200, 2400):
        source = "async def f(a):\n    return a" + ".b" * depth + "\n\n\nasync def g():\n    return await f(1)\n"
        try:
            compile(source, "probe.py", "exec")
        except (SyntaxError, RecursionError, MemoryError):
            continue
        try:
            rewrite_source(source, filename="probe.py", options=Options(stress_seed=None))
        except Exception:
            return source
    return None


def test_module_the_rewriter_fails_on_imports_unchanged_with_one_warning(site: Path) -> None:
    source = _input_the_rewriter_rejects()
    if source is None:
        pytest.skip("no valid input found that the rewriter rejects on this interpreter")
    name = unique()
    write_tree(site, {f"{name}.py": source + "VALUE = 3\n"})
    async_inline.install([name], Options(stress_seed=None))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        module = importlib.import_module(name)
        del sys.modules[name]
        importlib.import_module(name)
    assert module.VALUE == 3
    messages = [str(w.message) for w in caught if issubclass(w.category, AsyncInlineWarning)]
    assert len(messages) == 1 and "could not rewrite" in messages[0]
    assert str(site / f"{name}.py") in _state().unchanged()


def test_generated_code_that_does_not_compile_falls_back_to_the_original(site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The hook asks rewrite_source not to compile its output as a check (it compiles the
    output itself, right after): a bug that emits invalid code must still end in the
    original module and one warning, as the check's InternalError did."""
    import async_inline.layout as layout_module

    real_lay_out = layout_module.lay_out

    def broken(module: Any, **options: Any) -> Any:
        laid_out = real_lay_out(module, **options)
        laid_out.tokens.append("\n)(\n")
        return laid_out

    monkeypatch.setattr(layout_module, "lay_out", broken)
    name = unique()
    write_tree(site, {f"{name}.py": SAMPLE + "VALUE = 3\n"})
    async_inline.install([name], Options(stress_seed=None))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        module = importlib.import_module(name)
    assert module.VALUE == 3
    messages = [str(w.message) for w in caught if issubclass(w.category, AsyncInlineWarning)]
    assert len(messages) == 1 and "could not rewrite" in messages[0] and "SyntaxError" in messages[0]
    assert str(site / f"{name}.py") in _state().unchanged()


@pytest.mark.parametrize(
    "marker",
    [
        "# async_inline: skip-file\n",
        '"""Module docstring.\n\nasync_inline: skip-file\n"""\n',
    ],
)
def test_opt_out_marker_keeps_the_module_unchanged(site: Path, marker: str) -> None:
    name = unique()
    write_tree(site, {f"{name}.py": marker + SAMPLE})
    async_inline.install([name])
    module = importlib.import_module(name)
    assert asyncio.run(module.main()) == 42
    assert _state().reports() == []
    assert _state().unchanged() == {str(site / f"{name}.py"): "opted out with the skip-file marker"}


def test_a_near_miss_of_the_opt_out_marker_warns_and_the_module_is_rewritten(site: Path) -> None:
    """``rewrite`` warned about ``# async-inline: skip-file`` (review R16 t); the hook
    rewrote such a module without a word."""
    name = unique()
    write_tree(site, {f"{name}.py": "import os\n# async-inline: skip-file\n" + SAMPLE})
    async_inline.install([name], Options(stress_seed=None))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        module = importlib.import_module(name)
    assert asyncio.run(module.main()) == 42
    messages = [str(w.message) for w in caught if issubclass(w.category, AsyncInlineWarning)]
    assert len(messages) == 1 and messages[0].startswith("line 2: not the opt-out marker"), messages
    assert str(site / f"{name}.py") not in _state().unchanged()


def test_noinline_decorator_keeps_that_callee_a_call(site: Path) -> None:
    name = unique()
    source = "import runtime\n\n\n@runtime.noinline\n" + SAMPLE
    write_tree(site, {f"{name}.py": source})
    async_inline.install([name])
    module = importlib.import_module(name)
    assert asyncio.run(module.main()) == 42
    [report] = _state().reports()
    assert report.inlined == []
    assert [s.callee for s in report.skipped] == ["add_one"]


def test_excluded_modules_and_the_tool_itself_are_not_rewritten(site: Path) -> None:
    name = unique()
    write_tree(site, {f"{name}/__init__.py": "", f"{name}/legacy/__init__.py": "", f"{name}/legacy/old.py": "", f"{name}/new.py": ""})
    async_inline.install([name, "async_inline"], exclude=[f"{name}.legacy"])
    assert isinstance(importlib.import_module(f"{name}.new").__loader__, RewritingLoader)
    assert not isinstance(importlib.import_module(f"{name}.legacy.old").__loader__, RewritingLoader)
    importlib.import_module("async_inline.hook.twins")
    assert not isinstance(sys.modules["async_inline.hook.twins"].__loader__, RewritingLoader)


def test_already_imported_modules_are_reported_once(site: Path) -> None:
    name = unique()
    write_tree(site, {f"{name}.py": "X = 1\n"})
    importlib.import_module(name)
    with pytest.warns(AsyncInlineWarning, match=f"{name} was imported before the import hook"):
        async_inline.install([name])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        async_inline.install([name])  # the same module: not again


def test_uninstall_stops_rewriting(site: Path) -> None:
    name = unique()
    write_tree(site, {f"{name}/__init__.py": "", f"{name}/a.py": "", f"{name}/b.py": ""})
    async_inline.install([name])
    assert isinstance(importlib.import_module(f"{name}.a").__loader__, RewritingLoader)
    finder = hook._installed
    async_inline.uninstall()
    assert hook._installed is None and finder not in sys.meta_path
    assert not isinstance(importlib.import_module(f"{name}.b").__loader__, RewritingLoader)


def test_install_again_replaces_the_hook(site: Path) -> None:
    before = sum(isinstance(f, Finder) for f in sys.meta_path)
    async_inline.install([unique()])
    first = hook._installed
    async_inline.install([unique()])
    assert first not in sys.meta_path and hook._installed in sys.meta_path
    assert sum(isinstance(f, Finder) for f in sys.meta_path) == before + 1


def test_install_without_packages_explains_what_to_do(site: Path) -> None:
    with pytest.raises(ConfigError, match="no package to rewrite.*ASYNC_INLINE"):
        async_inline.install()
    with pytest.raises(ConfigError, match="'not a name' is not a module or package name"):
        async_inline.install(["not a name"])


def test_install_reads_the_environment_and_pyproject(site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from_env, from_pyproject = unique(), unique()
    write_tree(site, {f"{from_env}.py": "", f"{from_pyproject}/__init__.py": "", f"{from_pyproject}/skip.py": ""})
    (tmp_path / "pyproject.toml").write_text(
        f'[tool.async_inline]\npackages = ["{from_pyproject}"]\nexclude = ["{from_pyproject}.skip"]\n'
    )
    async_inline.install()
    assert isinstance(importlib.import_module(from_pyproject).__loader__, RewritingLoader)
    assert not isinstance(importlib.import_module(f"{from_pyproject}.skip").__loader__, RewritingLoader)
    monkeypatch.setenv("ASYNC_INLINE", f" {from_env} ,")
    async_inline.install()
    assert isinstance(importlib.import_module(from_env).__loader__, RewritingLoader)


def test_the_hook_works_for_packages_of_an_editable_style_finder(site: Path, tmp_path: Path) -> None:
    """Packages found by a finder other than the path finder (setuptools' editable installs)."""
    import importlib.machinery
    import importlib.util

    name = unique()
    elsewhere = write_tree(tmp_path / "elsewhere", {f"{name}/__init__.py": SAMPLE})

    class MappingFinder:
        def find_spec(self, fullname, path=None, target=None):
            if fullname == name:
                return importlib.util.spec_from_file_location(name, elsewhere / name / "__init__.py")
            return None

    sys.meta_path.append(MappingFinder())
    async_inline.install([name])
    module = importlib.import_module(name)
    assert isinstance(module.__loader__, RewritingLoader)
    assert asyncio.run(module.main()) == 42


def test_warnings_as_errors_do_not_break_the_import(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = _input_the_rewriter_rejects()
    if source is None:
        pytest.skip("no valid input found that the rewriter rejects on this interpreter")
    name = unique()
    write_tree(site, {f"{name}.py": source + "VALUE = 4\n"})
    async_inline.install([name], Options(stress_seed=None))  # as _input_the_rewriter_rejects decided
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert importlib.import_module(name).VALUE == 4
    assert "AsyncInlineWarning: async_inline could not rewrite this module" in capsys.readouterr().err
