"""The command line on files that really change: these need the real transformer.

(While ``async_inline.transform.rewriter`` is the identity placeholder they fail; they
are not faked, because what they prove is what users get.)
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from cli_helpers import PLAIN, SAMPLE, SAMPLE_AWAIT_LINE, SYNTAX_ERROR, make_tree, run_sample, snapshot

from async_inline.api import HEADER_PREFIX
from async_inline.cli import ExitCode, main

#: These tests check what the rewrite inlined: stress mode picks sites at random.
pytestmark = pytest.mark.decisions


def test_sample_is_inlined_and_still_works(cli, tmp_path: Path) -> None:
    make_tree(tmp_path, {"src/a.py": SAMPLE, "src/b.py": PLAIN})
    result = cli("rewrite", "src", "-o", "out", "--report", "r.json")
    assert result.code == ExitCode.OK, result.err
    code = (tmp_path / "out/a.py").read_text()
    assert code.startswith(HEADER_PREFIX)
    assert run_sample(code) == 42
    assert (tmp_path / "out/b.py").read_text() == PLAIN
    document = json.loads((tmp_path / "r.json").read_text())
    [inlined] = document["files"][0]["inlined"]
    assert (inlined["caller"], inlined["callee"], inlined["line"], inlined["depth"]) == ("main", "add_one", SAMPLE_AWAIT_LINE, 1)
    assert document["totals"] == {"inlined": 1, "skipped": 0}
    assert "2 files processed: 1 rewritten, 1 unchanged" in result.err
    assert "1 call site inlined" in result.err


def test_verbose_lists_each_decision(cli, tmp_path: Path) -> None:
    make_tree(tmp_path, {"src/a.py": SAMPLE})
    result = cli("rewrite", "src", "--check", "-v")
    assert f"src/a.py:{SAMPLE_AWAIT_LINE}: inlined add_one into main (depth 1)" in result.err


def test_check_exits_1_and_names_the_files_that_would_change(cli, tmp_path: Path) -> None:
    make_tree(tmp_path, {"src/a.py": SAMPLE, "src/b.py": PLAIN})
    before = snapshot(tmp_path)
    result = cli("rewrite", "src", "--check")
    assert result.code == ExitCode.WOULD_CHANGE
    assert "would rewrite src/a.py" in result.err and "src/b.py" not in result.err
    assert "1 would be rewritten" in result.err
    assert snapshot(tmp_path) == before


def test_check_with_a_bad_file_reports_the_error_code(cli, tmp_path: Path) -> None:
    make_tree(tmp_path, {"src/a.py": SAMPLE, "src/bad.py": SYNTAX_ERROR})
    assert cli("rewrite", "src", "--check").code == ExitCode.INPUT_ERROR


@pytest.mark.skipif(shutil.which("patch") is None, reason="needs patch(1)")
def test_diff_applies_with_patch_and_gives_the_rewritten_files(cli, tmp_path: Path) -> None:
    make_tree(tmp_path, {"src/a.py": SAMPLE, "src/b.py": PLAIN, "src/c.py": SAMPLE.replace("41", "1")})
    before = snapshot(tmp_path)
    diff = cli("rewrite", "src", "--diff")
    assert diff.code == ExitCode.OK
    assert snapshot(tmp_path) == before  # --diff writes nothing
    assert diff.out.count("--- src/") == 2 and "src/b.py" not in diff.out
    assert cli("rewrite", "src", "-o", "out").code == 0
    subprocess.run(["patch", "-s", "-p0"], input=diff.out, text=True, cwd=tmp_path, check=True)
    assert snapshot(tmp_path / "src") == snapshot(tmp_path / "out")


@pytest.mark.skipif(shutil.which("patch") is None, reason="needs patch(1)")
def test_diff_of_files_in_other_encodings_applies_with_patch(capfdbinary, tmp_path: Path, monkeypatch) -> None:
    """The diff is made of the files' bytes: a latin-1 file's context lines used to be
    printed as UTF-8 text, a BOM left out, and ``patch`` rejected the hunks."""
    files = {
        "src/latin.py": b"# -*- coding: latin-1 -*-\n" + SAMPLE.replace("41", '"caf\xe9"[:0] or 41').encode("latin-1"),
        "src/bom.py": b"\xef\xbb\xbf" + SAMPLE.replace("41", "len('\u00e9t\u00e9') + 38").encode(),
        "src/crlf.py": SAMPLE.replace("\n", "\r\n").encode(),
    }
    make_tree(tmp_path, files)
    monkeypatch.chdir(tmp_path)
    capfdbinary.readouterr()
    assert main(["rewrite", "src", "--diff"]) == ExitCode.OK
    diff = capfdbinary.readouterr().out
    assert diff.count(b"--- src/") == 3
    assert main(["rewrite", "src", "-o", "out"]) == ExitCode.OK
    subprocess.run(["patch", "-s", "-p0"], input=diff, cwd=tmp_path, check=True)
    assert snapshot(tmp_path / "src") == snapshot(tmp_path / "out")


@pytest.mark.skipif(shutil.which("patch") is None, reason="needs patch(1)")
def test_diff_of_names_with_blanks_quotes_and_newlines_applies_with_patch(capfdbinary, tmp_path: Path, monkeypatch) -> None:
    """Review A1, f3: the headers were ``--- src/sp ace.py``, which GNU patch reads as
    ``src/sp``; a newline broke the header. Such names are now quoted as git quotes them."""
    names = [b"sp ace.py", b"tab\tx.py", b"new\nline.py", b'quo"te\\.py', b"\xff \xfe.py", b"plain.py"]
    make_tree(tmp_path, {os.fsdecode(b"src/" + name): SAMPLE for name in names})
    monkeypatch.chdir(tmp_path)
    capfdbinary.readouterr()
    assert main(["rewrite", "src", "--diff"]) == ExitCode.OK
    diff = capfdbinary.readouterr().out
    assert b'--- "src/sp ace.py"\n+++ "src/sp ace.py"\n' in diff
    assert b'--- "src/\\377 \\376.py"\n' in diff
    assert b"--- src/plain.py\n" in diff
    assert main(["rewrite", "src", "-o", "out"]) == ExitCode.OK
    subprocess.run(["patch", "-s", "-p0", "--batch"], input=diff, cwd=tmp_path, check=True, capture_output=True)
    assert snapshot(tmp_path / "src") == snapshot(tmp_path / "out")


def test_in_place_rewrites_keeping_mode_and_symlinks(cli, tmp_path: Path) -> None:
    make_tree(tmp_path, {"src/a.py": SAMPLE, "src/b.py": PLAIN, "expected/a.py": SAMPLE})
    os.chmod(tmp_path / "src/a.py", 0o754)
    (tmp_path / "src/link.py").symlink_to("a.py")
    assert cli("rewrite", "expected", "-o", "expected_out").code == 0
    result = cli("rewrite", "src", "--in-place")
    assert result.code == ExitCode.OK, result.err
    assert (tmp_path / "src/a.py").read_bytes() == (tmp_path / "expected_out/a.py").read_bytes()
    assert (tmp_path / "src/a.py").stat().st_mode & 0o777 == 0o754
    assert (tmp_path / "src/link.py").is_symlink()
    assert sorted(os.listdir(tmp_path / "src")) == ["a.py", "b.py", "link.py"]
    assert run_sample((tmp_path / "src/a.py").read_text()) == 42


def test_in_place_failure_leaves_the_original_untouched(cli, tmp_path: Path, monkeypatch) -> None:
    make_tree(tmp_path, {"src/a.py": SAMPLE, "src/z.py": SAMPLE})
    real_replace = os.replace

    def replace(src, dst):
        if str(dst).endswith("a.py"):
            raise OSError(28, "No space left on device")
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    result = cli("rewrite", "src", "--in-place")
    assert result.code == ExitCode.INPUT_ERROR
    assert "src/a.py: cannot write: No space left on device" in result.err
    assert (tmp_path / "src/a.py").read_text() == SAMPLE
    assert (tmp_path / "src/z.py").read_text().startswith(HEADER_PREFIX)  # the run went on
    assert sorted(os.listdir(tmp_path / "src")) == ["a.py", "z.py"]  # no temporary file left


def test_rewriting_the_output_again_changes_nothing(cli, tmp_path: Path) -> None:
    make_tree(tmp_path, {"src/a.py": SAMPLE, "src/b.py": PLAIN})
    assert cli("rewrite", "src", "-o", "once").code == 0
    assert (tmp_path / "once/a.py").read_text() != SAMPLE
    assert cli("rewrite", "once", "-o", "twice").code == 0
    assert snapshot(tmp_path / "twice") == snapshot(tmp_path / "once")
    assert cli("rewrite", "once", "--check").code == ExitCode.OK
    assert cli("rewrite", "src", "--in-place").code == 0
    first = snapshot(tmp_path / "src")
    assert cli("rewrite", "src", "--in-place").code == 0
    assert snapshot(tmp_path / "src") == first == snapshot(tmp_path / "once")


def test_a_cr_only_file_rewritten_in_place_twice_is_rewritten_once(cli, tmp_path: Path) -> None:
    """Review R14 k1: a CR-only output was not recognised as rewritten: each ``--in-place``
    inlined again (the code grew), ``--check`` said "would rewrite" for ever, and another
    module inlined its generated body instead of refusing it."""
    source = ("#!/usr/bin/env python\n" + SAMPLE).replace("\n", "\r")
    make_tree(tmp_path, {"src/a.py": source})
    assert cli("rewrite", "src", "--in-place").code == ExitCode.OK
    once = (tmp_path / "src/a.py").read_bytes()
    assert b"\n" not in once and once.split(b"\r")[1].startswith(HEADER_PREFIX.encode())
    again = cli("rewrite", "src", "--in-place", "-v")
    assert again.code == ExitCode.OK and "already rewritten by async-inline, left as it is" in again.err
    assert (tmp_path / "src/a.py").read_bytes() == once
    assert cli("rewrite", "src", "--check").code == ExitCode.OK
    assert run_sample(once.decode()) == 42


def test_coding_cookie_round_trip_with_inlining(cli, tmp_path: Path) -> None:
    source = '# -*- coding: latin-1 -*-\nGREETING = "olé"\n' + SAMPLE
    make_tree(tmp_path, {"src/a.py": source.encode("latin-1")})
    assert cli("rewrite", "src", "-o", "out").code == 0
    data = (tmp_path / "out/a.py").read_bytes()
    assert data.splitlines()[0] == b"# -*- coding: latin-1 -*-"
    assert data.splitlines()[1].startswith(HEADER_PREFIX.encode())
    assert 'GREETING = "olé"'.encode("latin-1") in data
    namespace: dict = {}
    exec(compile(data, "out/a.py", "exec"), namespace)  # compile() honours the cookie
    assert namespace["GREETING"] == "olé"
    import asyncio

    assert asyncio.run(namespace["main"]()) == 42


def test_bom_is_kept_with_inlining(cli, tmp_path: Path) -> None:
    make_tree(tmp_path, {"src/a.py": b"\xef\xbb\xbf" + ('NAME = "café"\n' + SAMPLE).encode()})
    assert cli("rewrite", "src", "-o", "out").code == 0
    data = (tmp_path / "out/a.py").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf" + HEADER_PREFIX.encode())
    assert run_sample(data.decode("utf-8-sig")) == 42


def test_max_size_reaches_the_transformer(cli, tmp_path: Path) -> None:
    make_tree(tmp_path, {"src/a.py": SAMPLE})
    result = cli("rewrite", "src", "--check", "--max-size", "0", "--report", "r.json")
    assert result.code == ExitCode.OK  # add_one (1 statement) is over the limit: nothing changes
    [skipped] = json.loads((tmp_path / "r.json").read_text())["files"][0]["skipped"]
    assert (skipped["callee"], skipped["line"]) == ("add_one", SAMPLE_AWAIT_LINE)


def test_no_guards_changes_the_output_and_it_still_works(cli, tmp_path: Path) -> None:
    make_tree(tmp_path, {"src/a.py": SAMPLE})
    assert cli("rewrite", "src", "-o", "guarded").code == 0
    assert cli("rewrite", "src", "-o", "unguarded", "--no-guards").code == 0
    guarded, unguarded = (tmp_path / "guarded/a.py").read_text(), (tmp_path / "unguarded/a.py").read_text()
    assert guarded != unguarded
    assert run_sample(guarded) == run_sample(unguarded) == 42


def test_diff_into_a_closed_pipe_is_quiet(tmp_path: Path) -> None:
    """``--diff | head``: the reader goes away; no BrokenPipeError traceback, SIGPIPE-like status."""
    make_tree(tmp_path, {"src/a.py": SAMPLE})
    read_end, write_end = os.pipe()
    os.close(read_end)  # every write to stdout fails with EPIPE
    try:
        done = subprocess.run(
            [sys.executable, "-m", "async_inline", "rewrite", "src", "--diff"],
            cwd=tmp_path, stdout=write_end, stderr=subprocess.PIPE, text=True, timeout=600,
        )
    finally:
        os.close(write_end)
    assert "Traceback" not in done.stderr and "Exception ignored" not in done.stderr
    assert done.returncode == 141


def test_in_place_refuses_a_file_the_user_may_not_write(cli, tmp_path: Path, monkeypatch) -> None:
    make_tree(tmp_path, {"src/a.py": SAMPLE, "src/b.py": SAMPLE})
    real_access = os.access
    # as if a.py were read-only for this user (root may write anything, so simulate it)
    monkeypatch.setattr(os, "access", lambda path, mode, **kw: not str(path).endswith("a.py") and real_access(path, mode, **kw))
    result = cli("rewrite", "src", "--in-place")
    assert result.code == ExitCode.INPUT_ERROR
    assert "src/a.py: cannot write: the file is read-only" in result.err
    assert (tmp_path / "src/a.py").read_text() == SAMPLE
    assert (tmp_path / "src/b.py").read_text().startswith(HEADER_PREFIX)


SKIPPING = """\
import sys


async def frame():
    return sys._getframe()


async def double(a):
    return a * 2


async def main():
    here = await frame()
    return await double(21), here
"""


def test_skipped_sites_are_reported_with_their_reason(cli, tmp_path: Path) -> None:
    make_tree(tmp_path, {"src/s.py": SKIPPING})
    result = cli("rewrite", "src", "-o", "out", "--report", "r.json", "-v")
    assert result.code == ExitCode.OK, result.err
    entry = json.loads((tmp_path / "r.json").read_text())["files"][0]
    assert [(d["callee"], d["line"]) for d in entry["inlined"]] == [("double", 14)]
    [skipped] = entry["skipped"]
    assert (skipped["caller"], skipped["callee"], skipped["line"]) == ("main", "frame", 13)
    assert f"src/s.py:13: kept the call to frame in main: {skipped['reason']} [{skipped['code']}]" in result.err
    assert f"1 call site inlined, 1 skipped ({skipped['code']}: 1)" in result.err
    value, frame = run_sample((tmp_path / "out/s.py").read_text())
    assert value == 42 and frame.f_code.co_name == "frame"  # the skipped call really stayed a call


def test_a_file_reached_twice_is_diffed_and_checked_once(cli, tmp_path: Path) -> None:
    """``src src/link`` with ``link`` a symbolic link to a directory of ``src``: its files
    were diffed twice (the second hunk does not apply once the first has) and counted twice
    by ``--check``."""
    make_tree(tmp_path, {"src/pkg/app.py": SAMPLE})
    (tmp_path / "src/link").symlink_to("pkg")
    diff = cli("rewrite", "src", "src/link", "--diff")
    assert diff.code == 0, diff.err
    assert diff.out.count("+++ ") == 1 and "1 file processed" in diff.err
    check = cli("rewrite", "src", "src/link", "--check")
    assert check.code == 1 and check.err.count("would rewrite") == 1
