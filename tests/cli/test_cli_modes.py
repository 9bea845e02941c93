"""The four output modes on input that needs no inlining, and how paths are found and mirrored."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from cli_helpers import PLAIN, SAMPLE, make_tree, snapshot

from async_inline.cli import ExitCode


def test_output_dir_mirrors_a_directory_and_writes_unchanged_files_too(cli, tmp_path: Path) -> None:
    make_tree(tmp_path / "src", {"a.py": PLAIN, "pkg/__init__.py": "", "pkg/deep/b.py": PLAIN, "notes.txt": "x"})
    result = cli("rewrite", "src", "-o", "out")
    assert result.code == 0, result.err
    assert snapshot(tmp_path / "out") == {
        "a.py": PLAIN.encode(),
        "pkg/__init__.py": b"",
        "pkg/deep/b.py": PLAIN.encode(),
    }


def test_single_file_lands_at_outdir_basename(cli, tmp_path: Path) -> None:
    make_tree(tmp_path, {"deep/down/app.py": PLAIN})
    result = cli("rewrite", "deep/down/app.py", "-o", "out")
    assert result.code == 0, result.err
    assert snapshot(tmp_path / "out") == {"app.py": PLAIN.encode()}


def test_several_arguments_mirror_from_their_common_directory(cli, tmp_path: Path) -> None:
    make_tree(tmp_path, {"src/a.py": PLAIN, "src/pkg/b.py": PLAIN, "tests/a.py": PLAIN, "tool.py": PLAIN})
    result = cli("rewrite", "src", "tests", "tool.py", "-o", "out")
    assert result.code == 0, result.err
    assert sorted(snapshot(tmp_path / "out")) == ["src/a.py", "src/pkg/b.py", "tests/a.py", "tool.py"]


def test_file_and_directory_inside_one_argument_mirror_relative_to_it(cli, tmp_path: Path) -> None:
    make_tree(tmp_path, {"src/a.py": PLAIN, "src/pkg/b.py": PLAIN})
    result = cli("rewrite", "src/a.py", "src/pkg", "-o", "out")
    assert result.code == 0, result.err
    assert sorted(snapshot(tmp_path / "out")) == ["a.py", "pkg/b.py"]


def test_outdir_keeps_permission_bits(cli, tmp_path: Path) -> None:
    make_tree(tmp_path, {"src/script.py": "#!/usr/bin/env python3\n" + PLAIN, "src/lib.py": PLAIN})
    os.chmod(tmp_path / "src/script.py", 0o755)
    os.chmod(tmp_path / "src/lib.py", 0o640)
    assert cli("rewrite", "src", "-o", "out").code == 0
    assert (tmp_path / "out/script.py").stat().st_mode & 0o777 == 0o755
    assert (tmp_path / "out/lib.py").stat().st_mode & 0o777 == 0o640


def test_outdir_rerun_replaces_outputs_and_leaves_other_files(cli, tmp_path: Path) -> None:
    make_tree(tmp_path, {"src/a.py": PLAIN, "out/a.py": "stale = True\n", "out/keep.txt": "mine"})
    assert cli("rewrite", "src", "-o", "out").code == 0
    assert snapshot(tmp_path / "out") == {"a.py": PLAIN.encode(), "keep.txt": b"mine"}


def test_directories_skip_hidden_caches_and_virtualenvs_but_explicit_paths_count(cli, tmp_path: Path) -> None:
    make_tree(
        tmp_path / "src",
        {
            "a.py": PLAIN,
            ".hidden/h.py": PLAIN,
            ".git/hooks/x.py": PLAIN,
            "__pycache__/c.py": PLAIN,
            "node_modules/n.py": PLAIN,
            "env/pyvenv.cfg": "home = /usr\n",
            "env/lib/v.py": PLAIN,
            "conda/conda-meta/history": "",
            "conda/lib/c.py": PLAIN,
            "data.pyc": b"\0",
            "readme.md": "",
            "sub/.dotfile.py": PLAIN,
        },
    )
    result = cli("rewrite", "src", "--check", "-v")
    assert result.code == 0, result.err
    assert "2 files processed" in result.err  # a.py and sub/.dotfile.py: hidden *directories* are skipped
    result = cli("rewrite", "src/.hidden", "src/env/lib/v.py", "-o", "out")
    assert result.code == 0, result.err
    assert sorted(snapshot(tmp_path / "out")) == [".hidden/h.py", "env/lib/v.py"]


def test_explicit_file_needs_no_py_suffix(cli, tmp_path: Path) -> None:
    make_tree(tmp_path, {"bin/tool": PLAIN})
    assert cli("rewrite", "bin/tool", "-o", "out").code == 0
    assert (tmp_path / "out/tool").read_text() == PLAIN


def test_a_file_named_twice_is_processed_once(cli, tmp_path: Path) -> None:
    make_tree(tmp_path, {"src/a.py": PLAIN, "src/b.py": PLAIN})
    result = cli("rewrite", "src", "src/a.py", "./src/b.py", "--check")
    assert result.code == 0
    assert "2 files processed" in result.err


def test_order_is_by_name_files_before_subdirectories(cli, tmp_path: Path) -> None:
    make_tree(tmp_path / "src", {"b.py": PLAIN, "a/z.py": PLAIN, "a.py": PLAIN, "a/b/c.py": PLAIN, "c.py": PLAIN})
    result = cli("rewrite", "src", "--check", "--report", "r.json")
    assert result.code == 0
    import json

    paths = [f["path"] for f in json.loads((tmp_path / "r.json").read_text())["files"]]
    assert paths == ["src/a.py", "src/b.py", "src/c.py", "src/a/z.py", "src/a/b/c.py"]


def test_check_passes_when_nothing_would_change(cli, tmp_path: Path) -> None:
    make_tree(tmp_path, {"src/a.py": PLAIN})
    before = snapshot(tmp_path)
    result = cli("rewrite", "src", "--check")
    assert result.code == 0
    assert result.out == ""
    assert snapshot(tmp_path) == before


def test_diff_prints_nothing_when_nothing_would_change(cli, tmp_path: Path) -> None:
    make_tree(tmp_path, {"src/a.py": PLAIN})
    before = snapshot(tmp_path)
    result = cli("rewrite", "src", "--diff")
    assert (result.code, result.out) == (0, "")
    assert snapshot(tmp_path) == before


def test_in_place_leaves_unchanged_files_untouched(cli, tmp_path: Path) -> None:
    make_tree(tmp_path, {"src/a.py": PLAIN})
    path = tmp_path / "src/a.py"
    os.utime(path, (1_000_000, 1_000_000))
    inode = path.stat().st_ino
    assert cli("rewrite", "src", "--in-place").code == 0
    assert path.read_text() == PLAIN
    assert path.stat().st_ino == inode
    assert path.stat().st_mtime == 1_000_000


def test_empty_directory_is_not_an_error(cli, tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    result = cli("rewrite", "empty", "-o", "out")
    assert result.code == 0
    assert "no Python files found" in result.err
    assert not (tmp_path / "out").exists()


def test_option_flags_are_accepted(cli, tmp_path: Path) -> None:
    make_tree(tmp_path, {"a.py": PLAIN})
    result = cli(
        "rewrite", "a.py", "--check", "--max-depth", "0", "--max-size", "3", "--no-guards", "--unroll", "0",
        "--stress", "7", "--jobs", "0",
    )
    assert result.code == 0, result.err


def test_options_reach_the_rewriter(cli, tmp_path: Path, monkeypatch) -> None:
    import async_inline.api as api

    seen = []
    real = api.rewrite_source

    def spy(source, *, filename, options, **program):
        seen.append(options)
        return real(source, filename=filename, options=options, **program)

    monkeypatch.setattr(api, "rewrite_source", spy)
    make_tree(tmp_path, {"a.py": SAMPLE})
    cli("rewrite", "a.py", "--check", "--max-depth", "2", "--max-size", "9", "--no-guards", "--unroll", "3", "--stress", "5")
    [options] = seen
    assert (options.max_depth, options.max_callee_size, options.guards, options.recursion_unroll, options.stress_seed) == (
        2, 9, False, 3, 5,
    )
    assert options.header is True
    seen.clear()
    cli("rewrite", "a.py", "--check")
    from async_inline import Options

    assert seen == [Options()]


def test_verbose_names_the_links_a_directory_search_does_not_follow(cli, tmp_path: Path) -> None:
    """Review A1 (minor): a symbolic link to a directory and a broken ``*.py`` link inside
    an input directory were skipped without a word; -v now names them."""
    make_tree(tmp_path, {"src/a.py": PLAIN, "elsewhere/b.py": PLAIN})
    (tmp_path / "src/linked").symlink_to(tmp_path / "elsewhere")
    (tmp_path / "src/gone.py").symlink_to(tmp_path / "missing.py")
    result = cli("rewrite", "src", "--check", "-v")
    assert result.code == ExitCode.OK, result.err
    assert "src/linked: a symbolic link to a directory, not followed" in result.err
    assert "src/gone.py: a broken symbolic link, skipped" in result.err
    assert "1 file processed" in result.err
    assert "linked" not in cli("rewrite", "src", "--check").err


def test_output_dash_prints_one_files_rewritten_code_and_writes_nothing(cli, tmp_path: Path) -> None:
    """``-o -`` made a directory named ``-`` (a user trying the conventional stdout); now it
    prints the rewritten code of its single input file, the summary on stderr."""
    make_tree(tmp_path, {"app.py": SAMPLE, "other.py": PLAIN})
    before = snapshot(tmp_path)
    result = cli("rewrite", "app.py", "-o", "-")
    assert result.code == 0, result.err
    assert "rewritten by async-inline" in result.out and "_ai_ref_" in result.out
    assert "1 file processed" in result.err
    assert snapshot(tmp_path) == before
    unchanged = cli("rewrite", "other.py", "-o", "-")
    assert (unchanged.code, unchanged.out) == (0, PLAIN)
    several = cli("rewrite", "app.py", "other.py", "-o", "-")
    assert several.code == ExitCode.USAGE and "give exactly one file (2 inputs given)" in several.err
    both = cli("rewrite", "app.py", "-o", "-", "--report", "-")
    assert both.code == ExitCode.USAGE and "both write to standard output" in both.err
    assert snapshot(tmp_path) == before


def test_output_dash_counts_a_file_reached_twice_once(cli, tmp_path: Path) -> None:
    """Review R11 f3: a directory holding one file and a link to it is one input."""
    make_tree(tmp_path, {"src/app.py": SAMPLE})
    (tmp_path / "src/alias.py").symlink_to("app.py")
    result = cli("rewrite", "src", "-o", "-")
    assert result.code == 0, result.err
    assert result.out.count("rewritten by async-inline") == 1


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
@pytest.mark.parametrize("mode", [["-o", "-"], ["--diff"]])
def test_a_standard_output_that_cannot_be_written_is_an_error_not_a_traceback(tmp_path: Path, mode: list[str]) -> None:
    """Review R11 f2: writing the code or the diff to a full device raised a traceback."""
    make_tree(tmp_path, {"app.py": SAMPLE})
    with open("/dev/full", "wb") as full:
        done = subprocess.run(
            [sys.executable, "-m", "async_inline", "rewrite", "app.py", *mode], stdout=full, stderr=subprocess.PIPE, text=True, cwd=tmp_path
        )
    assert done.returncode == ExitCode.INPUT_ERROR
    assert "standard output: cannot write: No space left on device" in done.stderr and "Traceback" not in done.stderr
