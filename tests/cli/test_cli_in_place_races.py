"""--in-place and files that change under the run (review A1, f6, f7): files are replaced
only once every input was rewritten, so the window is the whole run; an edit made
meanwhile is never overwritten, and a file that went away is not called read-only."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from cli_helpers import SAMPLE, make_tree

from async_inline.cli import ExitCode

#: The files must be rewritten (a stress rewrite picks sites at random).
pytestmark = pytest.mark.decisions

EDIT = "\nIMPORTANT = 'an edit made during the run'\n"


def _after_reading(monkeypatch: pytest.MonkeyPatch, name: str, action: Callable[[Path], None]) -> None:
    """Do ``action`` to the file ``name`` right after the rewriter has read it."""
    import async_inline.api as api

    original = api.rewrite_source

    def rewrite_source(data, *, filename, **kwargs):  # type: ignore[no-untyped-def]
        result = original(data, filename=filename, **kwargs)
        if Path(filename).name == name:
            action(Path(filename))
        return result

    monkeypatch.setattr(api, "rewrite_source", rewrite_source)


def _append(path: Path) -> None:
    with path.open("a") as f:
        f.write(EDIT)


def _save_by_rename(path: Path) -> None:
    """As editors save: a new file renamed over the old one."""
    new = path.with_name(path.name + ".new")
    new.write_text(SAMPLE + EDIT)
    os.replace(new, path)


@pytest.mark.parametrize("edit", [_append, _save_by_rename])
def test_an_edit_made_during_the_run_is_kept(cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, edit) -> None:
    """The file was replaced with the rewrite of the bytes read at the start (exit 0): the
    edit was lost. Now it is left as it is, reported, and the other files are replaced."""
    make_tree(tmp_path, {"src/a.py": SAMPLE, "src/b.py": SAMPLE})
    _after_reading(monkeypatch, "a.py", edit)
    result = cli("rewrite", "src", "--in-place")
    assert result.code == ExitCode.INPUT_ERROR
    assert "src/a.py: changed during the run; left as it is" in result.err
    assert (tmp_path / "src/a.py").read_text() == SAMPLE + EDIT
    assert (tmp_path / "src/b.py").read_text().startswith("# async_inline: rewritten")
    assert sorted(os.listdir(tmp_path / "src")) == ["a.py", "b.py"]


def test_a_file_deleted_during_the_run_is_reported_as_gone(cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """It was reported "cannot write: the file is read-only" (os.access is False for a
    missing file too); it is not re-created."""
    make_tree(tmp_path, {"src/a.py": SAMPLE})
    _after_reading(monkeypatch, "a.py", Path.unlink)
    result = cli("rewrite", "src", "--in-place")
    assert result.code == ExitCode.INPUT_ERROR
    assert "src/a.py: disappeared during the run; not re-created" in result.err
    assert "read-only" not in result.err
    assert os.listdir(tmp_path / "src") == []
