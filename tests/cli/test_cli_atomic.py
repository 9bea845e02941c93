"""Nothing is ever written half-way: failures leave the previous file and no temporary file behind."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest
from cli_helpers import PLAIN, make_tree, snapshot

from async_inline.cli import ExitCode
from async_inline.rewrite_files import write_atomically


def _failing(real, *, when, error=None):
    """Wrap ``real`` so that it raises when ``when(*args)`` holds."""

    def wrapper(*args, **kwargs):
        if when(*args):
            raise error or OSError(errno.ENOSPC, "No space left on device")
        return real(*args, **kwargs)

    return wrapper


def test_replaces_content_and_keeps_mode(tmp_path: Path) -> None:
    target = tmp_path / "a.py"
    target.write_text("old\n")
    os.chmod(target, 0o751)
    write_atomically(str(target), b"new\n", like=str(target), keep_owner=True, durable=True)
    assert target.read_bytes() == b"new\n"
    assert target.stat().st_mode & 0o7777 == 0o751
    assert os.listdir(tmp_path) == ["a.py"]


def test_new_file_gets_default_permissions_not_private_ones(tmp_path: Path) -> None:
    old_umask = os.umask(0o022)
    try:
        write_atomically(str(tmp_path / "sub/r.json"), b"{}")
    finally:
        os.umask(old_umask)
    assert (tmp_path / "sub/r.json").stat().st_mode & 0o777 == 0o644


@pytest.mark.parametrize("step", ["replace", "fsync", "chmod", "write"])
def test_failure_at_any_step_leaves_the_original_and_no_temporary(tmp_path: Path, monkeypatch, step: str) -> None:
    target = tmp_path / "a.py"
    target.write_text("original\n")
    if step == "write":  # the disk fills up half-way through the data
        real_fdopen = os.fdopen

        class HalfWriter:
            def __init__(self, f):
                self.f = f

            def __enter__(self):
                return self

            def __exit__(self, *exc):
                self.f.close()

            def write(self, data):
                self.f.write(data[: len(data) // 2])
                self.f.flush()
                raise OSError(errno.ENOSPC, "No space left on device")

        monkeypatch.setattr(os, "fdopen", lambda *a, **k: HalfWriter(real_fdopen(*a, **k)))
    else:
        monkeypatch.setattr(os, step, _failing(getattr(os, step), when=lambda *a: True))
    with pytest.raises(OSError):
        write_atomically(str(target), b"replacement that must never be seen\n", like=str(target), durable=True)
    monkeypatch.undo()
    assert target.read_text() == "original\n"
    assert os.listdir(tmp_path) == ["a.py"]


def test_interrupt_during_write_cleans_up(tmp_path: Path, monkeypatch) -> None:
    target = tmp_path / "a.py"
    target.write_text("original\n")
    monkeypatch.setattr(os, "replace", _failing(os.replace, when=lambda *a: True, error=KeyboardInterrupt()))
    with pytest.raises(KeyboardInterrupt):
        write_atomically(str(target), b"new\n")
    monkeypatch.undo()
    assert target.read_text() == "original\n"
    assert os.listdir(tmp_path) == ["a.py"]


def test_output_dir_write_failure_is_reported_per_file(cli, tmp_path: Path, monkeypatch) -> None:
    make_tree(tmp_path, {"src/a.py": PLAIN, "src/b.py": PLAIN, "src/c.py": PLAIN, "out/b.py": "previous = 1\n"})
    monkeypatch.setattr(os, "replace", _failing(os.replace, when=lambda src, dst: str(dst).endswith("b.py")))
    result = cli("rewrite", "src", "-o", "out", "--report", "r.json")
    assert result.code == ExitCode.INPUT_ERROR
    assert "out/b.py: cannot write: No space left on device" in result.err
    assert "Traceback" not in result.err
    # b.py keeps its previous content, the others are written, no temporary file anywhere
    assert snapshot(tmp_path / "out") == {"a.py": PLAIN.encode(), "b.py": b"previous = 1\n", "c.py": PLAIN.encode()}
    assert sorted(snapshot(tmp_path / "src")) == ["a.py", "b.py", "c.py"]
    import json

    report = json.loads((tmp_path / "r.json").read_text())
    assert [f["path"] for f in report["files"]] == ["src/a.py", "src/c.py"]
    assert report["errors"][0]["path"] == "out/b.py"


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write to read-only directories")
def test_unwritable_output_directory(cli, tmp_path: Path) -> None:
    make_tree(tmp_path, {"src/a.py": PLAIN, "locked/.keep": ""})
    os.chmod(tmp_path / "locked", 0o555)
    try:
        result = cli("rewrite", "src", "-o", "locked/out")
    finally:
        os.chmod(tmp_path / "locked", 0o755)
    assert result.code == ExitCode.USAGE
    assert "cannot create output directory 'locked/out': Permission denied" in result.err


def test_output_directory_that_cannot_be_created(cli, tmp_path: Path, monkeypatch) -> None:
    """Same as above for any user (root included): creating OUTDIR fails with EACCES."""
    make_tree(tmp_path, {"src/a.py": PLAIN})
    real_makedirs = os.makedirs

    def makedirs(name, *args, **kwargs):
        if "locked" in str(name):
            raise PermissionError(errno.EACCES, "Permission denied")
        return real_makedirs(name, *args, **kwargs)

    monkeypatch.setattr(os, "makedirs", makedirs)
    result = cli("rewrite", "src", "-o", "locked/out")
    assert result.code == ExitCode.USAGE
    assert "cannot create output directory 'locked/out': Permission denied" in result.err
    assert "Traceback" not in result.err
