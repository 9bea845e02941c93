"""Bad input mixed with good input, usage errors, internal errors, and the exit-code scheme."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from cli_helpers import PLAIN, SAMPLE, SYNTAX_ERROR, UNDECODABLE, make_tree, snapshot

import async_inline
from async_inline import InternalError
from async_inline.cli import ExitCode

MIXED = {
    "src/a_good.py": PLAIN,
    "src/b_syntax.py": SYNTAX_ERROR,
    "src/c_latin1.py": UNDECODABLE,
    "src/d_good.py": PLAIN,
}


def _no_traceback(text: str) -> None:
    assert "Traceback" not in text


def test_exit_codes_are_stable() -> None:
    assert [int(c) for c in ExitCode] == [0, 1, 2, 3, 4, 130]


@pytest.mark.parametrize("mode", [["-o", "out"], ["--in-place"], ["--diff"], ["--check"]])
def test_bad_files_are_reported_and_the_others_processed(cli, tmp_path: Path, mode: list[str]) -> None:
    make_tree(tmp_path, MIXED)
    before = snapshot(tmp_path / "src")
    result = cli("rewrite", "src", "missing.py", "--report", "r.json", *mode)
    assert result.code == ExitCode.INPUT_ERROR
    error_lines = [line for line in result.err.splitlines() if line.startswith(("src/", "missing"))]
    assert error_lines == [
        "missing.py: no such file or directory",
        "src/b_syntax.py:3: invalid syntax",
        "src/c_latin1.py:3: cannot decode byte 0xe9 as utf-8",
    ]
    assert "2 files processed" in result.err
    assert "3 errors" in result.err
    _no_traceback(result.err)
    assert snapshot(tmp_path / "src") == before  # inputs never touched by a failure
    report = json.loads((tmp_path / "r.json").read_text())
    assert [f["path"] for f in report["files"]] == ["src/a_good.py", "src/d_good.py"]
    assert report["errors"] == [
        {"path": "missing.py", "line": None, "message": "no such file or directory", "kind": "input"},
        {"path": "src/b_syntax.py", "line": 3, "message": "invalid syntax", "kind": "input"},
        {"path": "src/c_latin1.py", "line": 3, "message": "cannot decode byte 0xe9 as utf-8", "kind": "input"},
    ]
    if mode[0] == "-o":  # good files written in full, bad ones not at all, no temporary files left
        assert snapshot(tmp_path / "out") == {"a_good.py": PLAIN.encode(), "d_good.py": PLAIN.encode()}


def test_errors_are_printed_even_when_quiet(cli, tmp_path: Path) -> None:
    make_tree(tmp_path, MIXED)
    result = cli("rewrite", "src", "--check", "-q")
    assert result.code == ExitCode.INPUT_ERROR
    assert result.err.splitlines() == [
        "src/b_syntax.py:3: invalid syntax",
        "src/c_latin1.py:3: cannot decode byte 0xe9 as utf-8",
    ]


def test_only_missing_paths(cli, tmp_path: Path) -> None:
    result = cli("rewrite", "nowhere", "-o", "out")
    assert result.code == ExitCode.INPUT_ERROR
    assert "nowhere: no such file or directory" in result.err
    assert not (tmp_path / "out").exists()


def test_broken_symlink_argument(cli, tmp_path: Path) -> None:
    (tmp_path / "dangling.py").symlink_to(tmp_path / "gone.py")
    result = cli("rewrite", "dangling.py", "--check")
    assert result.code == ExitCode.INPUT_ERROR
    assert "dangling.py: broken symbolic link" in result.err


def test_null_byte_is_a_source_error(cli, tmp_path: Path) -> None:
    """Review R14 k6: the message had no line (CPython's says none); it is the first null byte's."""
    make_tree(tmp_path, {"nul.py": b"x = 1\0\n", "nul2.py": b"x = 1\r\ny = 2\rz = 3\0\n", "ok.py": PLAIN})
    result = cli("rewrite", "nul.py", "nul2.py", "ok.py", "-o", "out")
    assert result.code == ExitCode.INPUT_ERROR
    assert result.err.startswith("nul.py:1: source code string cannot contain null bytes\n")
    assert "nul2.py:3: source code string cannot contain null bytes\n" in result.err
    _no_traceback(result.err)
    assert snapshot(tmp_path / "out") == {"ok.py": PLAIN.encode()}


def test_undecodable_byte_in_the_first_two_lines(cli, tmp_path: Path) -> None:
    make_tree(tmp_path, {"early.py": b'name = "caf\xe9"\n'})
    result = cli("rewrite", "early.py", "--check")
    assert result.code == ExitCode.INPUT_ERROR
    assert re.fullmatch(r"early\.py:\d+: .+", result.err.splitlines()[0])
    _no_traceback(result.err)


def test_bad_coding_cookie_is_a_source_error(cli, tmp_path: Path) -> None:
    make_tree(tmp_path, {"odd.py": b"# -*- coding: no-such-codec -*-\nx = 1\n"})
    result = cli("rewrite", "odd.py", "--check")
    assert result.code == ExitCode.INPUT_ERROR
    assert result.err.startswith("odd.py:")
    _no_traceback(result.err)


@pytest.mark.parametrize(
    "data",
    [
        # raw_unicode_escape decodes r"\u005cu0041" to r"\u0041", which it encodes as such:
        # written back, S became 'A' (review R19 f1).
        b'# -*- coding: raw_unicode_escape -*-\nS = r"\\u005cu0041"\n',
        # cp932 writes U+2252 (from 0x87 0x90) back as 0x81 0xE0.
        b"# -*- coding: cp932 -*-\nS = '\x87\x90'\n",
    ],
    ids=["raw_unicode_escape", "cp932"],
)
def test_an_encoding_that_does_not_give_back_the_bytes_is_refused(cli, tmp_path: Path, data: bytes) -> None:
    make_tree(tmp_path, {"src/a.py": data + SAMPLE.encode()})
    result = cli("rewrite", "src", "-o", "out")
    assert result.code == ExitCode.INPUT_ERROR, result.err
    assert "does not give back the file's bytes once decoded" in result.err
    _no_traceback(result.err)
    assert not (tmp_path / "out/a.py").exists()


@pytest.mark.parametrize(
    "args, message",
    [
        (["rewrite", "src"], "one of the arguments -o/--output-dir --in-place --diff --check is required"),
        (["rewrite", "src", "--diff", "--check"], "not allowed with argument"),
        (["rewrite", "src", "-o", "out", "--in-place"], "not allowed with argument"),
        (["rewrite", "--check"], "the following arguments are required: PATH"),
        (["rewrite", "src", "--check", "--max-depth", "-1"], "argument --max-depth: expected a non-negative integer"),
        (["rewrite", "src", "--check", "--max-size", "big"], "argument --max-size: expected a non-negative integer"),
        (["rewrite", "src", "--check", "--unroll", "1.5"], "argument --unroll: expected a non-negative integer"),
        (["rewrite", "src", "--check", "--stress", "x"], "argument --stress: expected a non-negative integer"),
        (["rewrite", "src", "--check", "--jobs", "-2"], "argument -j/--jobs: expected a non-negative integer"),
        (["rewrite", "src", "--check", "-q", "-v"], "not allowed with argument"),
        (["rewrite", "src", "-o", ""], "must not be empty"),
        (["frobnicate"], "invalid choice: 'frobnicate'"),
        ([], "required: COMMAND"),
    ],
)
def test_usage_errors_exit_2_without_traceback(cli, tmp_path: Path, args: list[str], message: str) -> None:
    make_tree(tmp_path, {"src/a.py": PLAIN})
    before = snapshot(tmp_path)
    result = cli(*args)
    assert result.code == ExitCode.USAGE
    assert message in result.err
    _no_traceback(result.err)
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize(
    "args, message",
    [
        (["src", "-o", "src"], "overlaps input directory 'src'"),
        (["src", "-o", "src/build"], "overlaps input directory 'src'"),
        (["src/pkg", "-o", "src"], "overlaps input directory 'src/pkg'"),
        (["src/a.py", "-o", "src"], "output directory 'src' contains the input 'src/a.py'"),
        (["src/pkg/b.py", "-o", "src"], "output directory 'src' contains the input 'src/pkg/b.py'"),  # review R37b F3
        (["src/a.py", "-o", "src/a.py"], "cannot create output directory 'src/a.py'"),
        (["src", "-o", "src/a.py/x"], "overlaps input directory"),
        (["src/a.py", "-o", "src/a.py/x"], "cannot create output directory 'src/a.py/x'"),
        (["src", "--check", "--report", "src"], "--report src: is a directory"),
        (["src", "--in-place", "--report", "src/a.py"], "is one of the files being rewritten"),
        (["src", "-o", "out", "--report", "out/a.py"], "is one of the files being rewritten"),
    ],
)
def test_unusable_outputs_are_usage_errors_and_nothing_is_processed(
    cli, tmp_path: Path, args: list[str], message: str
) -> None:
    make_tree(tmp_path, {"src/a.py": PLAIN, "src/pkg/b.py": PLAIN})
    before = snapshot(tmp_path)
    result = cli("rewrite", *args)
    assert result.code == ExitCode.USAGE, result.err
    assert message in result.err
    _no_traceback(result.err)
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize(("outdir", "root"), [("lib", "lib"), ("out", "out/lib")])
def test_an_output_directory_that_is_or_holds_a_source_root_is_refused(cli, tmp_path: Path, outdir: str, root: str) -> None:
    """Review R14 k3: ``-o lib --source-root lib`` wrote the rewritten ``app/util.py``
    over ``lib/util.py``, a module the docs say is read, not rewritten (exit 0); a later
    file of the run could then read an output instead of the source."""
    make_tree(tmp_path, {
        f"{root}/util.py": "async def leaf(x):\n    return x + 1\n",
        "app/util.py": "async def leaf(x):\n    return x + 100\n\nasync def mid(x):\n    return await leaf(x)\n",
    })
    before = snapshot(tmp_path)
    result = cli("rewrite", "app", "-o", outdir, "--source-root", root, "-q")
    assert result.code == ExitCode.USAGE, result.err
    assert f"output directory '{outdir}' is or contains the source root '{root}'" in result.err
    _no_traceback(result.err)
    assert snapshot(tmp_path) == before


def test_an_output_directory_inside_a_source_root_is_accepted(cli, tmp_path: Path) -> None:
    """Review R14 k3, the usual layout: ``rewrite pkg -o build --source-root .`` names the
    inputs from the project's root; the outputs (``build.pkg.*``) are no module they import."""
    make_tree(tmp_path, {"pkg/__init__.py": "", "pkg/util.py": PLAIN})
    result = cli("rewrite", "pkg", "-o", "build", "--source-root", ".")
    assert result.code == ExitCode.OK, result.err
    assert (tmp_path / "build/util.py").read_text() == PLAIN


@pytest.mark.parametrize(("root", "message"), [("no_such_dir", "no such directory"), ("a.py", "not a directory")])
def test_a_source_root_that_is_not_a_directory_is_a_usage_error(cli, tmp_path: Path, root: str, message: str) -> None:
    """Review R14 k4: a missing ``--source-root`` (a typo), or a file, was accepted
    silently; it only showed as fewer sites inlined."""
    make_tree(tmp_path, {"a.py": SAMPLE})
    result = cli("rewrite", "a.py", "--check", "--source-root", root)
    assert result.code == ExitCode.USAGE
    assert f"--source-root {root}: {message}" in result.err
    _no_traceback(result.err)


def _read_only(monkeypatch, name: str) -> None:
    """As if the directory ``name`` were read-only for this user (root may write anything)."""
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda path, mode, **kw: os.path.basename(path) != name and real_access(path, mode, **kw))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--in-place", "--report", "ro/r.json"], "--report ro/r.json: '{ro}' is not writable"),
        (["--in-place", "--report", "ro/new/sub/r.json"], "--report ro/new/sub/r.json: '{ro}' is not writable"),
        (["-o", "ro"], "output directory 'ro' is not writable"),
    ],
)
def test_an_unwritable_output_location_is_a_usage_error_before_any_file(cli, tmp_path: Path, monkeypatch, args, message) -> None:
    """Review R14 k5: an existing report directory or OUTDIR without write permission was
    found after the work (``--in-place`` had replaced the files; exit 3), where the exit
    codes promise 2, "an unusable output location; nothing was processed"."""
    make_tree(tmp_path, {"src/a.py": SAMPLE, "ro/.keep": ""})
    before = snapshot(tmp_path)
    _read_only(monkeypatch, "ro")
    result = cli("rewrite", "src", *args)
    assert result.code == ExitCode.USAGE, result.err
    assert message.format(ro=tmp_path / "ro") in result.err
    _no_traceback(result.err)
    assert snapshot(tmp_path) == before


def test_output_dir_through_a_symlink_into_the_inputs_is_refused(cli, tmp_path: Path) -> None:
    make_tree(tmp_path, {"src/a.py": PLAIN})
    (tmp_path / "alias").symlink_to(tmp_path / "src")
    result = cli("rewrite", "src", "-o", "alias/out")
    assert result.code == ExitCode.USAGE
    assert "overlaps input directory" in result.err


def test_output_file_blocked_by_a_directory_is_an_error_for_that_file_only(cli, tmp_path: Path) -> None:
    make_tree(tmp_path, {"src/a.py": PLAIN, "src/b.py": PLAIN, "out/a.py/occupied": ""})
    result = cli("rewrite", "src", "-o", "out")
    assert result.code == ExitCode.INPUT_ERROR
    assert "out/a.py: cannot write: Is a directory" in result.err
    assert (tmp_path / "out/b.py").read_text() == PLAIN
    assert snapshot(tmp_path / "out") == {"a.py/occupied": b"", "b.py": PLAIN.encode()}


@pytest.mark.parametrize("relative", ["sub/y.py", "sub/deeper/y.py"])
def test_output_directory_blocked_by_a_file_names_that_file(cli, tmp_path: Path, relative: str) -> None:
    """Review R14 k6: ``OUT/sub`` a regular file where the output ``OUT/sub/y.py`` goes
    was reported as "cannot write: File exists" (or "Not a directory")."""
    make_tree(tmp_path, {f"src/{relative}": PLAIN, "src/b.py": PLAIN, "out/sub": "a file"})
    result = cli("rewrite", "src", "-o", "out")
    assert result.code == ExitCode.INPUT_ERROR
    assert f"out/{relative}: cannot write: 'out/sub' is not a directory" in result.err
    assert snapshot(tmp_path / "out") == {"sub": b"a file", "b.py": PLAIN.encode()}


def _fail_on(name: str, exception: BaseException):
    """A rewrite_source that raises ``exception`` for files called ``name`` (simulates a bug of ours)."""
    import async_inline.api as api

    real = api.rewrite_source

    def rewrite_source(source, *, filename, options, **program):
        if Path(filename).name == name:
            raise exception
        return real(source, filename=filename, options=options, **program)

    return rewrite_source


def test_internal_error_is_reported_and_the_run_continues(cli, tmp_path: Path, monkeypatch) -> None:
    import async_inline.api as api

    monkeypatch.setattr(api, "rewrite_source", _fail_on("b.py", InternalError("src/b.py: async_inline generated invalid code (line 2: oops); please report this as a bug")))
    make_tree(tmp_path, {"src/a.py": PLAIN, "src/b.py": PLAIN, "src/c.py": PLAIN})
    result = cli("rewrite", "src", "-o", "out")
    assert result.code == ExitCode.INTERNAL_ERROR
    assert "src/b.py: internal error: async_inline generated invalid code (line 2: oops)" in result.err
    assert "please report" in result.err
    _no_traceback(result.err)
    assert sorted(snapshot(tmp_path / "out")) == ["a.py", "c.py"]


def test_unexpected_exception_is_an_internal_error_with_traceback_in_verbose(cli, tmp_path: Path, monkeypatch) -> None:
    import async_inline.api as api

    monkeypatch.setattr(api, "rewrite_source", _fail_on("a.py", KeyError("boom")))
    make_tree(tmp_path, {"src/a.py": PLAIN, "src/b.py": PLAIN})
    result = cli("rewrite", "src", "--check")
    assert result.code == ExitCode.INTERNAL_ERROR
    assert "src/a.py: internal error: KeyError: 'boom'" in result.err
    _no_traceback(result.err)
    result = cli("rewrite", "src", "--check", "-v")
    assert "Traceback" in result.err  # for the bug report


def test_internal_error_outranks_input_errors(cli, tmp_path: Path, monkeypatch) -> None:
    import async_inline.api as api

    monkeypatch.setattr(api, "rewrite_source", _fail_on("a.py", RuntimeError("bug")))
    make_tree(tmp_path, {"src/a.py": PLAIN, "src/bad.py": SYNTAX_ERROR})
    result = cli("rewrite", "src", "--check", "--report", "r.json")
    assert result.code == ExitCode.INTERNAL_ERROR
    kinds = [e["kind"] for e in json.loads((tmp_path / "r.json").read_text())["errors"]]
    assert kinds == ["internal", "input"]


def test_report_that_cannot_be_written_is_an_error(cli, tmp_path: Path, monkeypatch) -> None:
    import async_inline.rewrite_files as rewrite_files

    def full_disk(path, data, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(rewrite_files, "write_atomically", full_disk)
    make_tree(tmp_path, {"src/a.py": PLAIN})
    result = cli("rewrite", "src", "--check", "--report", "r.json")
    assert result.code == ExitCode.INPUT_ERROR
    assert "r.json: cannot write the report: No space left on device" in result.err
    _no_traceback(result.err)


@pytest.mark.parametrize("report", ["", "reports/", "blocker/r.json", "blocker/sub/r.json"])
def test_a_report_path_that_cannot_work_is_a_usage_error_before_any_file(cli, tmp_path: Path, report: str) -> None:
    """Review A1, f9: these were found after every file was processed (and, here, replaced):
    exit 3, '' as ": cannot write the report", and 'reports/' created the directory first."""
    make_tree(tmp_path, {"src/a.py": SAMPLE, "blocker": "a file"})
    result = cli("rewrite", "src", "--in-place", "--report", report)
    assert result.code == ExitCode.USAGE, result.err
    assert "--report" in result.err
    _no_traceback(result.err)
    assert (tmp_path / "src/a.py").read_text() == SAMPLE
    assert sorted(os.listdir(tmp_path)) == ["blocker", "src"]


def test_keyboard_interrupt_exits_130(cli, tmp_path: Path, monkeypatch) -> None:
    import async_inline.api as api

    monkeypatch.setattr(api, "rewrite_source", _fail_on("a.py", KeyboardInterrupt()))
    make_tree(tmp_path, {"src/a.py": PLAIN})
    result = cli("rewrite", "src", "-o", "out")
    assert result.code == ExitCode.INTERRUPTED
    assert "interrupted" in result.err
    assert snapshot(tmp_path / "out") == {}


def test_a_dead_worker_process_is_an_internal_error(cli, tmp_path: Path, monkeypatch) -> None:
    from concurrent.futures.process import BrokenProcessPool

    import async_inline.rewrite_files as rewrite_files

    def process_all(tasks, jobs=1, program=None):
        yield rewrite_files.process_file(tasks[0])
        raise BrokenProcessPool("A process in the process pool was terminated abruptly")

    monkeypatch.setattr(rewrite_files, "process_all", process_all)
    make_tree(tmp_path, {"src/a.py": PLAIN, "src/b.py": PLAIN})
    result = cli("rewrite", "src", "--check", "--jobs", "2")
    assert result.code == ExitCode.INTERNAL_ERROR
    assert "internal error: a worker process died" in result.err
    _no_traceback(result.err)


def test_an_input_named_runtime_is_a_usage_error(cli, tmp_path: Path) -> None:
    """Rewritten code imports async_inline's runtime as ``runtime``: outputs beside a module
    of that name would import it instead and fail, so nothing is rewritten."""
    make_tree(tmp_path / "proj", {"runtime.py": "SETTING = 1\n", "app.py": SAMPLE})
    result = cli("rewrite", "proj", "-o", "out")
    assert result.code == 2
    assert "runtime.py: a module of the inputs is named 'runtime'" in result.err and "rename it" in result.err
    assert not (tmp_path / "out").exists()
    assert cli("rewrite", "proj/app.py", "-o", "out").code == 0  # the other inputs alone are fine


def test_a_runtime_module_beside_the_rewritten_files_is_a_usage_error(cli, tmp_path: Path) -> None:
    """Finding F9: a ``runtime.py`` beside the inputs, not itself an input, is what
    ``import runtime`` reaches from the rewritten files when they are written there: the
    rewritten program failed as it ran (``runtime`` has no ``NOT_FOUND``). Refused, naming
    it; written elsewhere (``-o``), the outputs do not see it."""
    make_tree(tmp_path / "proj", {"runtime.py": "SETTING = 1\n", "app.py": SAMPLE})
    before = (tmp_path / "proj" / "app.py").read_text()
    for mode in (["--in-place"], ["--check"], ["--diff"]):
        result = cli("rewrite", "proj/app.py", *mode)
        assert result.code == 2, (mode, result.err)
        assert f"{tmp_path / 'proj' / 'runtime.py'}: a module named 'runtime' is beside the rewritten files" in result.err
        assert "rename it" in result.err
    assert (tmp_path / "proj" / "app.py").read_text() == before
    assert cli("rewrite", "proj/app.py", "-o", "out").code == 0
    make_tree(tmp_path / "out", {"runtime/__init__.py": ""})  # now beside the outputs
    assert cli("rewrite", "proj/app.py", "-o", "out").code == 2


def test_a_runtime_module_in_a_source_root_is_a_usage_error(cli, tmp_path: Path) -> None:
    """Review R14 f5: a ``--source-root`` is searched like a ``sys.path`` entry, so the
    program runs with it on the path, where ``import runtime`` finds its ``runtime.py``."""
    make_tree(tmp_path / "vendor", {"runtime.py": "X = 1\n", "ext/__init__.py": "", "ext/b.py": "async def f():\n    return 1\n"})
    make_tree(tmp_path / "app", {"main.py": "from ext.b import f\n\nasync def main():\n    return await f()\n"})
    result = cli("rewrite", "app", "--source-root", "vendor", "-o", "out")
    assert result.code == 2, result.err
    assert f"{tmp_path / 'vendor' / 'runtime.py'}: a module named 'runtime'" in result.err
    assert not (tmp_path / "out" / "main.py").exists()


def test_a_runtime_package_beside_the_top_package_of_the_inputs(cli, tmp_path: Path) -> None:
    """``python -m pkg.app`` from the project puts the directory above ``pkg`` on sys.path."""
    make_tree(tmp_path / "proj", {"runtime/__init__.py": "", "pkg/__init__.py": "", "pkg/sub/__init__.py": "", "pkg/sub/app.py": SAMPLE})
    result = cli("rewrite", "proj/pkg", "--in-place")
    assert result.code == 2
    assert f"{tmp_path / 'proj' / 'runtime' / '__init__.py'}: a module named 'runtime'" in result.err
    assert cli("rewrite", "proj/pkg", "-o", "out").code == 0


def test_a_copy_of_async_inlines_own_runtime_beside_the_outputs_is_no_error(cli, tmp_path: Path) -> None:
    """``pip install --target build async-inline``, or a vendored copy of the runtime, puts
    the runtime the outputs import beside them: that is how CLI output is deployed. Only a
    copy that differs (a user's module, another version) is refused."""
    import shutil

    import runtime

    make_tree(tmp_path / "proj", {"app.py": SAMPLE})
    shutil.copytree(Path(runtime.__file__).parent, tmp_path / "build" / "runtime", ignore=shutil.ignore_patterns("__pycache__"))
    assert cli("rewrite", "proj/app.py", "-o", "build").code == 0
    init = tmp_path / "build" / "runtime" / "__init__.py"
    init.write_text(init.read_text() + "\n# edited\n")
    assert cli("rewrite", "proj/app.py", "-o", "build").code == 2


def test_an_error_about_a_file_whose_name_is_not_utf8_is_shown_escaped(cli, tmp_path: Path) -> None:
    """Such a name holds surrogates (``os.fsdecode``); printing it to a strict stream raised
    UnicodeEncodeError in the middle of the run. It is shown as the interpreter's stderr
    shows it, escaped (and a stress rewrite seeded by it no longer fails)."""
    import os
    import sys

    if sys.platform in ("win32", "darwin"):  # names are Unicode there
        return
    make_tree(tmp_path, {"src/keep.py": SAMPLE})
    (tmp_path / "src").joinpath(os.fsdecode(b"\xfb\xfc.py")).write_text("def (\n")
    result = cli("rewrite", "src", "-o", "out")
    assert result.code == 3
    assert "\\udcfb\\udcfc.py:1: invalid syntax" in result.err


@pytest.mark.parametrize("args", [["--diff"], ["--check", "--report", "-"]])
def test_output_on_a_closed_stdout_is_a_usage_error(cli, tmp_path: Path, monkeypatch, args: list[str]) -> None:
    """Review A1 (minor): ``--diff >&-`` ended in an AttributeError traceback after the
    run (sys.stdout is None when the interpreter starts with fd 1 closed)."""
    make_tree(tmp_path, {"src/a.py": SAMPLE})
    monkeypatch.setattr(sys, "stdout", None)
    result = cli("rewrite", "src", *args)
    assert result.code == ExitCode.USAGE, result.err
    assert "stdout is closed" in result.err
    _no_traceback(result.err)


@pytest.mark.parametrize("args", [["--diff"], ["--check"], ["-o", "-"]])
def test_a_closed_stderr_keeps_messages_out_of_the_output(tmp_path: Path, args: list[str]) -> None:
    """Review R37b F7: with standard error closed (``2>&-``; Python gives ``sys.stderr =
    None``) the messages and the summary went to standard output, into the diff or the
    code, and the run died at its end with status 1. Now they go nowhere: the output and
    the status are those of a run whose standard error is open."""
    make_tree(tmp_path, {"src/a.py": SAMPLE, "src/bad.py": "def (\n"} if args[0] != "-o" else {"src/a.py": SAMPLE})
    target = "src/a.py" if args[0] == "-o" else "src"
    command = [sys.executable, "-m", "async_inline", "rewrite", target, *args]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(Path(__file__).parents[2]), os.environ.get("PYTHONPATH")]))}
    opened = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=120, env=env)
    closed = subprocess.run(
        ["sh", "-c", " ".join(map(shlex.quote, command)) + " 2>&-"], cwd=tmp_path, capture_output=True, text=True, timeout=120, env=env
    )
    assert (closed.returncode, closed.stdout) == (opened.returncode, opened.stdout), closed.stdout


def test_an_interrupted_rewrite_leaves_without_finalisation_but_run_finalises_its_program(tmp_path: Path) -> None:
    """A Ctrl-C landing in LibCST's native parser could make the interpreter's
    finalisation abort (SIGABRT) or die by SIGINT after "interrupted" was printed (3 runs
    of 16): an interrupted rewrite now leaves with 130 at once. A program that ``run``
    runs keeps its own interrupt: its atexit handlers run."""
    make_tree(tmp_path, {"src/a.py": PLAIN, "prog.py": "import atexit\natexit.register(print, 'finalised')\nraise KeyboardInterrupt\n"})
    tool = (
        "import atexit, sys\n"
        "import async_inline.api as api\n"
        "from async_inline.cli import entry\n"
        "def interrupt(*args, **kwargs):\n"
        "    raise KeyboardInterrupt\n"
        "if sys.argv[1] == 'rewrite':\n"
        "    api.rewrite_source = interrupt\n"
        "    atexit.register(print, 'finalised')\n"
        "entry()  # what async-inline and python -m async_inline run\n"
    )
    environment = {**os.environ, "PYTHONPATH": str(Path(async_inline.__file__).parent.parent)}

    def tool_run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-c", tool, *args], cwd=tmp_path, capture_output=True, text=True, timeout=600, env=environment)

    rewrite = tool_run("rewrite", "src", "-o", "out")
    assert (rewrite.returncode, rewrite.stdout) == (ExitCode.INTERRUPTED, ""), rewrite
    assert "interrupted" in rewrite.stderr and "Traceback" not in rewrite.stderr
    run = tool_run("run", "prog.py")
    assert (run.returncode, run.stdout) == (ExitCode.INTERRUPTED, "finalised\n"), run
