"""``rewrite`` takes ``depth`` and ``guards`` from ``[tool.async_inline]`` in pyproject.toml,
as the import hook and the plugin do; flags win, ``--isolated`` ignores the file."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_helpers import SAMPLE, make_tree

import async_inline.api as api


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
    import os

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
