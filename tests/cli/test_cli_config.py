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

    def spy(source, *, filename, options, module=None):
        seen.append(options)
        return real(source, filename=filename, options=options, module=module)

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
