"""``rewrite`` takes ``depth`` and ``guards`` from ``[tool.async_inline]`` in pyproject.toml,
as the import hook and the plugin do; flags win, ``--isolated`` ignores the file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cli_helpers import SAMPLE, make_tree

import async_inline
import async_inline.api as api
from async_inline import Options


@pytest.fixture
def seen_options(monkeypatch) -> list:
    seen: list = []
    real = api.rewrite_source

    def spy(source, *, filename, options, **program):
        seen.append(options)
        return real(source, filename=filename, options=options, **program)

    monkeypatch.setattr(api, "rewrite_source", spy)
    return seen


def test_pyproject_sets_depth_and_guards(cli, tmp_path: Path, seen_options) -> None:
    make_tree(tmp_path, {"pyproject.toml": "[tool.async_inline]\ndepth = 1\nguards = false\n", "src/a.py": SAMPLE})
    assert cli("rewrite", "src", "--check").code in (0, 1)
    [options] = seen_options
    assert (options.max_depth, options.guards) == (1, False)


def test_pyproject_is_found_above_the_inputs_not_the_working_directory(cli, tmp_path: Path, seen_options) -> None:
    make_tree(tmp_path, {"project/pyproject.toml": "[tool.async_inline]\ndepth = 2\n", "project/src/a.py": SAMPLE})
    (tmp_path / "elsewhere").mkdir()

    os.chdir(tmp_path / "elsewhere")
    cli("rewrite", "../project/src/a.py", "--check")
    [options] = seen_options
    assert (options.max_depth, options.guards) == (2, True)


def test_flags_win_over_pyproject_and_isolated_ignores_it(cli, tmp_path: Path, seen_options) -> None:
    make_tree(tmp_path, {"pyproject.toml": "[tool.async_inline]\ndepth = 1\nguards = false\n", "a.py": SAMPLE})
    cli("rewrite", "a.py", "--check", "--max-depth", "3", "--guards")
    cli("rewrite", "a.py", "--check", "--isolated")
    flagged, isolated = seen_options
    assert (flagged.max_depth, flagged.guards) == (3, True)
    assert (isolated.max_depth, isolated.guards) == (api.Options().max_depth, True)


@pytest.mark.parametrize("table", ['assume = ["no-rebinding"]', "guards = false"])
def test_guards_flag_wins_over_the_tables_no_rebinding(cli, tmp_path: Path, seen_options, table) -> None:
    """``--guards`` and ``--assume no-rebinding`` are one switch with two spellings, and a
    flag wins over the table in either (review Y, f2: ``--guards`` lost to the table's
    assumption, and the rewritten program ignored a mock of the callee)."""
    make_tree(tmp_path, {"pyproject.toml": f"[tool.async_inline]\n{table}\n", "a.py": SAMPLE})
    cli("rewrite", "a.py", "--check", "--guards")
    cli("rewrite", "a.py", "--check")
    flagged, configured = seen_options
    assert (flagged.guards, configured.guards) == (True, False)
    assert "no-rebinding" not in flagged.assume | configured.assume


def test_guards_and_no_rebinding_together_are_a_usage_error(cli, tmp_path: Path) -> None:
    make_tree(tmp_path, {"a.py": SAMPLE})
    result = cli("rewrite", "a.py", "--check", "--guards", "--assume", "no-rebinding")
    assert result.code == 2 and "--guards contradicts --assume no-rebinding" in result.err
    assert cli("rewrite", "a.py", "--check", "--no-guards", "--assume", "no-rebinding").code in (0, 1)
    (tmp_path / "pyproject.toml").write_text('[tool.async_inline]\nguards = true\nassume = ["no-rebinding"]\n')
    result = cli("rewrite", "a.py", "--check")
    assert result.code == 2 and "pyproject.toml" in result.err and "contradicts" in result.err, result.err


@pytest.mark.decisions
def test_pyproject_changes_the_output(cli, tmp_path: Path) -> None:
    make_tree(tmp_path, {"a.py": SAMPLE})
    assert cli("rewrite", "a.py", "-o", "guarded").code == 0
    (tmp_path / "pyproject.toml").write_text("[tool.async_inline]\nguards = false\n")
    assert cli("rewrite", "a.py", "-o", "unguarded").code == 0
    guarded, unguarded = (tmp_path / "guarded/a.py").read_text(), (tmp_path / "unguarded/a.py").read_text()
    assert "_ai_ref_" in guarded and "_ai_ref_" not in unguarded


@pytest.mark.parametrize(
    ("table", "words"),
    [
        ("depth = 'deep'", ["depth", "non-negative integer"]),
        ("guards = 1", ["guards", "true or false"]),
        ("colour = 'blue'", ["unknown key", "colour"]),
        ("depth = = 2", ["invalid TOML"]),
    ],
)
def test_a_bad_table_is_a_usage_error_naming_the_file(cli, tmp_path: Path, table, words) -> None:
    make_tree(tmp_path, {"pyproject.toml": f"[tool.async_inline]\n{table}\n", "a.py": SAMPLE})
    result = cli("rewrite", "a.py", "--check")
    assert result.code == 2
    assert "pyproject.toml" in result.err and all(w in result.err for w in words), result.err
    assert "Traceback" not in result.err
    assert cli("rewrite", "a.py", "--check", "--isolated").code in (0, 1)


@pytest.mark.parametrize("command", [["rewrite", "a.py", "--check"], ["run", "a.py"]])
def test_an_unreadable_pyproject_is_a_one_line_usage_error(cli, tmp_path: Path, monkeypatch, command) -> None:
    """Review A1, f4: a PermissionError traceback and exit 1 (which --check means "would
    change"), for rewrite and for run; now a one-line error naming the file, exit 2."""
    make_tree(tmp_path, {"a.py": SAMPLE, "pyproject.toml": "[tool.async_inline]\ndepth = 2\n"})
    real = Path.read_bytes

    def read_bytes(self: Path) -> bytes:  # what chmod 0 does to a user other than root
        if self.name == "pyproject.toml":
            raise PermissionError(13, "Permission denied")
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    result = cli(*command)
    assert result.code == 2, result.err
    assert "pyproject.toml: cannot read: Permission denied" in result.err
    assert "Traceback" not in result.err


@pytest.mark.skipif(sys.version_info < (3, 11), reason="3.10 reads TOML with tomli, not the standard library")
def test_a_tomllib_module_in_the_working_directory_is_a_usage_error_not_a_traceback(tmp_path: Path) -> None:
    """``python -m`` puts the working directory first on sys.path, so a project's own
    ``tomllib.py`` shadows the standard library's: an AttributeError traceback before."""
    make_tree(tmp_path, {"a.py": SAMPLE, "tomllib.py": "x = 1\n", "pyproject.toml": "[tool.async_inline]\ndepth = 2\n"})
    environment = {**os.environ, "PYTHONPATH": str(Path(async_inline.__file__).parent.parent)}
    result = subprocess.run(
        [sys.executable, "-m", "async_inline", "rewrite", "a.py", "--check"],
        cwd=tmp_path, capture_output=True, text=True, timeout=600, env=environment,
    )
    assert result.returncode == 2, result.stderr
    assert "tomllib.py shadows the standard library's tomllib" in result.stderr and "Traceback" not in result.stderr


def _package(tmp_path: Path, monkeypatch, name: str) -> None:
    make_tree(tmp_path, {f"{name}/__init__.py": SAMPLE})
    monkeypatch.syspath_prepend(str(tmp_path))


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_cache_build_with_a_bad_stress_variable_is_a_usage_error(cli, tmp_path: Path, monkeypatch, jobs) -> None:
    """Review R14 k2: ``ASYNC_INLINE_STRESS=abc`` made ``cache build`` fail with a
    ValueError traceback (exit 1), raised where the rewrite built its options (in each
    worker with ``--jobs``); ``rewrite`` and ``run`` say it in one line, exit 2."""
    _package(tmp_path, monkeypatch, "cb_pkg_a")
    make_tree(tmp_path, {"cb_pkg_a/more.py": SAMPLE})
    monkeypatch.setenv("ASYNC_INLINE_STRESS", "abc")
    result = cli("cache", "build", "cb_pkg_a", "--jobs", jobs)
    assert result.code == 2, result.err
    assert "ASYNC_INLINE_STRESS must be a non-negative integer seed" in result.err
    assert "Traceback" not in result.err
    assert not list(tmp_path.rglob("__pycache__"))


def test_cache_build_with_packages_reports_a_bad_pyproject(cli, tmp_path: Path, monkeypatch) -> None:
    """Review R14 k2: with ``--packages`` the table was read first by the rewrite: a
    ConfigError traceback (exit 1) instead of the one-line error given without it."""
    _package(tmp_path, monkeypatch, "cb_pkg_b")
    make_tree(tmp_path, {"pyproject.toml": '[tool.async_inline]\ndepth = "x"\n'})
    result = cli("cache", "build", "cb_pkg_b", "--packages", "cb_pkg_b")
    assert result.code == 2, result.err
    assert "pyproject.toml: [tool.async_inline] depth must be a non-negative integer" in result.err
    assert "Traceback" not in result.err


def test_a_pyproject_whose_tool_key_is_not_a_table_is_a_usage_error(cli, tmp_path: Path) -> None:
    """Review R16 t5: ``tool = "x"`` (valid TOML, mentioning async_inline) gave an
    AttributeError traceback and exit 1, which --check means "would change"."""
    make_tree(tmp_path, {"pyproject.toml": 'tool = "x"  # async_inline\n', "a.py": SAMPLE})
    result = cli("rewrite", "a.py", "--check")
    assert result.code == 2, result.err
    assert "pyproject.toml: 'tool' must be a table" in result.err
    assert "Traceback" not in result.err


def test_a_noinline_string_holding_commas_is_refused(cli, tmp_path: Path) -> None:
    """Review R16 t4: ``noinline = "a.add_one, a.main"`` (the flag's spelling) was taken as
    the one pattern ``"a.add_one, a.main"``, which matches nothing. A string without a comma
    stays a list of one."""
    make_tree(tmp_path, {"pyproject.toml": '[tool.async_inline]\nnoinline = "a.add_one, a.main"\n', "a.py": SAMPLE})
    result = cli("rewrite", "a.py", "--check")
    assert result.code == 2, result.err
    assert 'noinline: expected a list of strings' in result.err and '["a.add_one", "a.main"]' in result.err
    make_tree(tmp_path, {"pyproject.toml": '[tool.async_inline]\nnoinline = "a.add_one"\n'})
    result = cli("rewrite", "a.py", "--check", "-v")
    assert result.code == 0, result.err
    assert "[noinline]" in result.err


@pytest.mark.parametrize("option", [["--noinline", "add_one"], ["--noinline", "a:add_one"]])
def test_a_noinline_pattern_matching_no_function_is_reported(cli, tmp_path: Path, option: list[str]) -> None:
    """Review R16 t4: a pattern naming no function (unqualified, or with a colon) did
    nothing, without a hint; now a warning names it, and the report lists it."""
    make_tree(tmp_path, {"a.py": SAMPLE})
    result = cli("rewrite", "a.py", "--check", "--report", "r.json", *option)
    assert f"warning: --noinline {option[1]} matches no function defined in the inputs" in result.err, result.err
    assert json.loads((tmp_path / "r.json").read_text())["noinline_unmatched"] == [option[1]]
    result = cli("rewrite", "a.py", "--check", "--report", "r.json", "--noinline", "a.add_one,a.*")
    assert "matches no function" not in result.err
    assert "noinline_unmatched" not in json.loads((tmp_path / "r.json").read_text())


def test_a_noinline_pattern_naming_a_source_root_function_is_not_reported(cli, tmp_path: Path) -> None:
    """Review R16 t4: the functions of --source-root modules count too."""
    make_tree(tmp_path, {"lib/util.py": "async def helper():\n    return 1\n", "a.py": "import util\n\n\nasync def f():\n    return await util.helper()\n"})
    result = cli("rewrite", "a.py", "--check", "--source-root", "lib", "--noinline", "util.helper,util.nothing")
    assert "--noinline util.nothing matches no function" in result.err, result.err
    assert "--noinline util.helper" not in result.err


def test_a_noinline_pattern_naming_a_function_in_a_handler_or_a_with_block_is_matched(cli, tmp_path: Path) -> None:
    """Review R18 w3: functions defined in an ``except`` handler (the usual fallback of an
    optional import) or a module-level ``with`` were reported unmatched, though the
    patterns took effect."""
    source = (
        "import contextlib\n\ntry:\n    import _no_such_accelerator\nexcept ImportError:\n    async def fetch():\n        return 1\n\n"
        "with contextlib.suppress(Exception):\n    async def load():\n        return 2\n\n\nasync def main():\n    return await fetch() + await load()\n"
    )
    make_tree(tmp_path, {"mod.py": source})
    result = cli("rewrite", "mod.py", "--check", "--report", "r.json", "--noinline", "mod.fetch,mod.load")
    report = json.loads((tmp_path / "r.json").read_text())
    assert {s["callee"]: s["code"] for f in report["files"] for s in f["skipped"]} == {"fetch": "noinline", "load": "noinline"}
    assert "noinline_unmatched" not in report and "matches no function" not in result.err, result.err

@pytest.mark.parametrize(
    "marker", ["# async-inline: skip-file", "# async_inline: skip_file", "# async_inline: skipfile", "# ASYNC_INLINE: SKIP-FILE"]
)
def test_a_near_miss_opt_out_marker_is_warned_about(cli, tmp_path: Path, marker: str) -> None:
    """Review R16 t3: close spellings of the marker were silently ignored and the module
    rewritten; they still do not opt out (the marker is one exact spelling), but a warning
    names the file and line."""
    make_tree(tmp_path, {"a.py": "import os\n" + marker + "\n" + SAMPLE})
    result = cli("rewrite", "a.py", "--check")
    assert result.code == 1 or Options().stress_seed is not None  # (a stress rewrite may skip the site)
    assert "a.py:2: warning: not the opt-out marker, which is spelt exactly '# async_inline: skip-file'" in result.err, result.err
    make_tree(tmp_path, {"a.py": "# async_inline: skip-file\n" + marker + "\n" + SAMPLE})
    result = cli("rewrite", "a.py", "--check")
    assert result.code == 0 and "warning" not in result.err


@pytest.mark.parametrize("spelled", ["async-inline", "Async_Inline"])
def test_a_misspelt_table_is_a_usage_error(cli, tmp_path: Path, spelled: str) -> None:
    """Review R37b F5: ``[tool.async-inline]`` (the command's own spelling) was ignored
    without a word; its settings never applied."""
    make_tree(tmp_path, {"pyproject.toml": f"[tool.{spelled}]\ndepth = 0\n", "a.py": SAMPLE})
    result = cli("rewrite", "a.py", "--check")
    assert result.code == 2, result.err
    assert f"pyproject.toml: [tool.{spelled}] is not read: the table is [tool.async_inline]" in result.err
