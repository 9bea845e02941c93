"""True end-to-end runs: ``python -m async_inline`` and the installed ``async-inline`` script."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cli_helpers import PLAIN, SAMPLE, SYNTAX_ERROR, make_tree, snapshot

SCRIPT = Path(sys.executable).parent / ("async-inline.exe" if os.name == "nt" else "async-inline")


def launch(command: list[str], cwd: Path, **kwargs) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=600, **kwargs)


@pytest.fixture(params=["module", "script"])
def program(request) -> list[str]:
    if request.param == "module":
        return [sys.executable, "-m", "async_inline"]
    assert SCRIPT.exists(), f"the console script is not installed next to {sys.executable}"
    return [str(SCRIPT)]


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_rewrite_to_output_dir(program: list[str], tmp_path: Path, jobs: str) -> None:
    make_tree(tmp_path, {"src/a.py": SAMPLE, "src/pkg/b.py": PLAIN, "src/bad.py": SYNTAX_ERROR})
    done = launch([*program, "rewrite", "src", "-o", "out", "--report", "r.json", "--jobs", jobs], tmp_path)
    assert done.returncode == 3, done.stderr
    assert "src/bad.py:3: invalid syntax" in done.stderr
    assert "2 files processed" in done.stderr
    assert "Traceback" not in done.stderr
    assert sorted(snapshot(tmp_path / "out")) == ["a.py", "pkg/b.py"]
    assert [f["path"] for f in json.loads((tmp_path / "r.json").read_text())["files"]] == ["src/a.py", "src/pkg/b.py"]


def test_help_lists_commands_and_exit_codes(program: list[str], tmp_path: Path) -> None:
    done = launch([*program, "--help"], tmp_path)
    assert done.returncode == 0
    assert "rewrite" in done.stdout and "exit codes:" in done.stdout
    done = launch([*program, "rewrite", "--help"], tmp_path)
    assert done.returncode == 0
    for text in ("-o OUTDIR", "--in-place", "--diff", "--check", "--report", "--jobs", "--no-guards",
                 "--max-depth", "--max-size", "--unroll", "--stress", "exit codes:"):
        assert text in done.stdout


def test_version(program: list[str], tmp_path: Path) -> None:
    from async_inline import __version__

    done = launch([*program, "--version"], tmp_path)
    assert (done.returncode, done.stdout.split()[-1]) == (0, __version__)


def test_usage_error_exit_2(program: list[str], tmp_path: Path) -> None:
    done = launch([*program, "rewrite", "x.py"], tmp_path)
    assert done.returncode == 2
    assert "is required" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pseudo-terminal")
def test_progress_counter_on_a_real_terminal(tmp_path: Path) -> None:
    make_tree(tmp_path, {"src/a.py": PLAIN, "src/b.py": PLAIN})
    controller, terminal = os.openpty()
    try:
        process = subprocess.Popen(
            [sys.executable, "-m", "async_inline", "rewrite", "src", "--check", "--jobs", "2"],
            cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=terminal,
        )
        os.close(terminal)
        chunks = []
        while True:
            try:
                chunk = os.read(controller, 4096)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            chunks.append(chunk)
        assert process.wait(timeout=600) == 0
    finally:
        os.close(controller)
    shown = b"".join(chunks).decode()
    assert "[1/2]" in shown and "[2/2]" in shown
    assert "2 files processed" in shown


def test_no_progress_counter_when_stderr_is_a_pipe(tmp_path: Path) -> None:
    make_tree(tmp_path, {"src/a.py": PLAIN, "src/b.py": PLAIN})
    done = launch([sys.executable, "-m", "async_inline", "rewrite", "src", "--check"], tmp_path)
    assert done.returncode == 0
    assert "[1/2]" not in done.stderr and "\r" not in done.stderr
