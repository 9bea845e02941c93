"""The JSON report, the human summary on stderr, -q/-v, and the progress counter."""

from __future__ import annotations

import contextlib
import io
import json
import os
import stat
import sys
import threading
from pathlib import Path

import pytest
from cli_helpers import PLAIN, SAMPLE, SYNTAX_ERROR, make_tree

from async_inline.cli import ExitCode
from async_inline.report import FileReport, Inlined, Skipped, report_json


def check_report_schema(document: dict) -> None:
    """The shape issue 2 promises (plus per-decision extras and the "errors" list)."""
    assert set(document) == {"files", "totals", "errors"}
    assert set(document["totals"]) == {"inlined", "skipped"}
    for entry in document["files"]:
        assert set(entry) == {"path", "inlined", "skipped"}
        assert isinstance(entry["path"], str)
        for decision in entry["inlined"]:
            assert {"caller", "callee", "line", "depth"} <= set(decision)
            assert isinstance(decision["line"], int) and isinstance(decision["depth"], int)
            assert isinstance(decision["caller"], str) and isinstance(decision["callee"], str)
        for decision in entry["skipped"]:
            assert {"caller", "callee", "line", "reason"} <= set(decision)
            assert isinstance(decision["line"], int) and isinstance(decision["reason"], str)
    assert document["totals"]["inlined"] == sum(len(f["inlined"]) for f in document["files"])
    assert document["totals"]["skipped"] == sum(len(f["skipped"]) for f in document["files"])
    for error in document["errors"]:
        assert set(error) == {"path", "line", "message", "kind"}
        assert error["kind"] in ("input", "internal")


def test_report_schema_on_real_files(cli, tmp_path: Path) -> None:
    make_tree(tmp_path, {"src/a.py": SAMPLE, "src/b.py": PLAIN, "src/c.py": SYNTAX_ERROR})
    result = cli("rewrite", "src", "-o", "out", "--report", "reports/run.json")
    assert result.code == ExitCode.INPUT_ERROR
    document = json.loads((tmp_path / "reports/run.json").read_text(encoding="utf-8"))
    check_report_schema(document)
    assert [f["path"] for f in document["files"]] == ["src/a.py", "src/b.py"]
    assert document["files"][1] == {"path": "src/b.py", "inlined": [], "skipped": []}
    assert document["errors"] == [{"path": "src/c.py", "line": 3, "message": "invalid syntax", "kind": "input"}]


def test_report_schema_is_what_report_json_builds(cli, tmp_path: Path) -> None:
    """The checker above accepts the library's own document with decisions in it."""
    report = FileReport("x.py", [Inlined("main", "add_one", 6, 1)], [Skipped("main", "gen", 7, "a generator", "generator")])
    document = report_json([report])
    document["errors"] = []
    check_report_schema(document)
    assert document["totals"] == {"inlined": 1, "skipped": 1}


def test_report_is_written_in_every_mode(cli, tmp_path: Path) -> None:
    make_tree(tmp_path, {"src/a.py": PLAIN})
    for n, mode in enumerate((["-o", "out"], ["--in-place"], ["--diff"], ["--check"])):
        assert cli("rewrite", "src", *mode, "--report", f"r{n}.json").code == 0
        document = json.loads((tmp_path / f"r{n}.json").read_text())
        check_report_schema(document)
        assert [f["path"] for f in document["files"]] == ["src/a.py"]


def test_report_in_a_new_directory_creates_it(cli, tmp_path: Path) -> None:
    """Review R14 k5: documented now (as pytest's --junitxml and coverage's reports do):
    the report's missing parent directories are created, as OUTDIR is."""
    make_tree(tmp_path, {"src/a.py": PLAIN})
    assert cli("rewrite", "src", "--check", "--report", "reports/ci/r.json").code == 0
    check_report_schema(json.loads((tmp_path / "reports/ci/r.json").read_text()))


@pytest.mark.decisions  # --check finds a change only where a site is inlined
def test_report_to_stdout_with_a_dash(cli, tmp_path: Path) -> None:
    """``--report -`` prints the JSON on stdout (it used to make a file named "-"); with
    ``--diff``, whose output is stdout too, it is a usage error."""
    make_tree(tmp_path, {"src/a.py": SAMPLE})
    result = cli("rewrite", "src", "--check", "--report", "-")
    assert result.code == ExitCode.WOULD_CHANGE
    check_report_schema(json.loads(result.out))
    assert not (tmp_path / "-").exists()
    result = cli("rewrite", "src", "--diff", "--report", "-")
    assert result.code == ExitCode.USAGE and "stdout carries the diff" in result.err
    assert not (tmp_path / "-").exists()


def test_summary_on_stderr_and_quiet_silences_it(cli, tmp_path: Path) -> None:
    make_tree(tmp_path, {"src/a.py": PLAIN, "src/b.py": PLAIN, "src/bad.py": SYNTAX_ERROR})
    result = cli("rewrite", "src", "-o", "out")
    assert result.out == ""
    assert result.err.splitlines() == [
        "src/bad.py:3: invalid syntax",
        "2 files processed: 0 rewritten, 2 unchanged",
        "0 call sites inlined, 0 skipped",
        "1 error",
    ]
    result = cli("rewrite", "src", "-o", "out", "-q")
    assert result.err.splitlines() == ["src/bad.py:3: invalid syntax"]
    make_tree(tmp_path, {"src/bad.py": PLAIN})
    assert cli("rewrite", "src", "-o", "out", "-q").err == ""


def test_verbose_mentions_files_already_rewritten(cli, tmp_path: Path) -> None:
    from async_inline.api import HEADER

    make_tree(tmp_path, {"src/done.py": HEADER + PLAIN})
    result = cli("rewrite", "src", "--check", "-v")
    assert result.code == 0
    assert "src/done.py: already rewritten by async-inline, left as it is" in result.err
    assert "1 files processed" not in result.err and "1 file processed: 0 would be rewritten, 0 unchanged, 1 already rewritten" in result.err


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_counter_only_on_a_terminal(cli, tmp_path: Path, monkeypatch) -> None:
    make_tree(tmp_path, {"src/a.py": PLAIN, "src/b.py": PLAIN, "src/c.py": SYNTAX_ERROR})
    result = cli("rewrite", "src", "--check")
    assert "[1/3]" not in result.err and "\r" not in result.err

    terminal = FakeTerminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    cli("rewrite", "src", "--check")
    shown = terminal.getvalue()
    assert [shown.index(f"[{k}/3]") for k in (1, 2, 3)] == sorted(shown.index(f"[{k}/3]") for k in (1, 2, 3))
    # the error message is not glued to a progress line, and the summary starts on a clean line
    assert "\r\x1b[Ksrc/c.py:3: invalid syntax\n" in shown
    assert "\r\x1b[K2 files processed" in shown

    terminal = FakeTerminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    cli("rewrite", "src", "--check", "-q")
    assert "[1/3]" not in terminal.getvalue()


def test_report_with_a_file_name_that_is_not_utf8(cli, tmp_path: Path) -> None:
    """Finding F8: ``--report`` crashed with a traceback (exit 1, as --check's "would
    change") when a file name was not valid UTF-8 (``os.fsdecode``'s surrogates). The name
    is written as JSON's escape of the same code point, which gives the bytes back."""
    if sys.platform in ("win32", "darwin"):  # names are Unicode there
        return
    make_tree(tmp_path, {"src/keep.py": PLAIN})
    (tmp_path / "src").joinpath(os.fsdecode(b"\xff\xfe.py")).write_bytes(SAMPLE.encode())
    result = cli("rewrite", "src", "-o", "out", "--report", "run.json")
    assert result.code == ExitCode.OK, result.err
    raw = (tmp_path / "run.json").read_bytes()
    assert b"\\udcff\\udcfe.py" in raw
    document = json.loads(raw.decode("utf-8"))
    check_report_schema(document)
    assert sorted(os.fsencode(f["path"]) for f in document["files"]) == [b"src/keep.py", b"src/\xff\xfe.py"]


def test_report_through_a_symlink_keeps_the_link(cli, tmp_path: Path) -> None:
    """Review A1, f2: ``--report report.json`` (a link to reports/latest.json) renamed a new
    file over the link; the link's target now gets the report, the link stays."""
    make_tree(tmp_path, {"src/a.py": PLAIN, "reports/latest.json": "{}\n"})
    (tmp_path / "report.json").symlink_to("reports/latest.json")
    assert cli("rewrite", "src", "--check", "--report", "report.json").code == 0
    assert (tmp_path / "report.json").is_symlink()
    check_report_schema(json.loads((tmp_path / "reports/latest.json").read_text()))
    assert sorted(os.listdir(tmp_path / "reports")) == ["latest.json"]


def test_report_into_a_fifo_and_a_pipe_is_written_to_them(cli, tmp_path: Path) -> None:
    """Review A1, f2: a FIFO was replaced by a regular file (its reader got nothing), and
    ``--report >(jq .)`` (``/dev/fd/N``) failed after the run (no file can be made in /dev/fd)."""
    make_tree(tmp_path, {"src/a.py": PLAIN})
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    os.link(fifo, tmp_path / "same-fifo")  # to unblock the reader if the path no longer is the FIFO
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    try:
        assert cli("rewrite", "src", "--check", "--report", "fifo").code == 0
    finally:
        if reader.is_alive():  # the report never came: unblock the reader
            # Without blocking: a reader that got the report and is just ending would leave
            # no one at the other end, and a blocking open would wait for ever (CI, stress
            # seed 3, 2026-12-06).
            with contextlib.suppress(OSError):
                os.close(os.open(tmp_path / "same-fifo", os.O_WRONLY | os.O_NONBLOCK))
        reader.join()
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    check_report_schema(json.loads(received[0]))
    r, w = os.pipe()
    try:
        assert cli("rewrite", "src", "--check", "--report", f"/dev/fd/{w}").code == 0
        os.close(w)
        with os.fdopen(r, "rb") as pipe:
            check_report_schema(json.loads(pipe.read()))
    finally:
        for fd in (r, w):
            with contextlib.suppress(OSError):
                os.close(fd)


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="mknod needs root")
def test_report_into_a_character_device_keeps_the_device(cli, tmp_path: Path) -> None:
    """Review A1, f2: as root, ``--report /dev/null`` turned /dev/null into a regular file.
    Here a null device made in tmp_path stands for it."""
    make_tree(tmp_path, {"src/a.py": PLAIN})
    os.mknod(tmp_path / "null", 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    assert cli("rewrite", "src", "--check", "--report", "null").code == 0
    assert stat.S_ISCHR(os.lstat(tmp_path / "null").st_mode)
    assert sorted(os.listdir(tmp_path)) == ["null", "src"]
