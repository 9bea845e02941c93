"""coverage.py sees the same executed lines with and without inlining.

A small project (``covproject``: pytest-asyncio tests over a package with early returns,
raises, except clauses and loops with lowered returns, and a module awaiting functions of
the other; extend it as the inliner learns more) and the plain samples, each run under ``coverage run --branch`` twice: plain, and
inlined (``pytest --async-inline``, ``python -m async_inline run``). Executed and missing
lines must be identical for every file; branches too, except the one difference inlining
cannot avoid (docs/debugging.md): a branch that leaves an inlined callee by falling off its
end or returning goes on in the caller's frame, so coverage sees no arc to the callee's
exit (``(line, -def line)``) when the callee never ran as a real call. While coverage
measures, the hook does not inline functions of other modules (their lines would run in
the caller's file): the report says ``other-module``.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from async_inline import Options
from tests.differential.harness import stress_active

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ["kvstore.py", "pipeline.py", "rpc_server.py"]


def _coverage(cwd: Path, name: str, args: list[str], include: str) -> dict:
    data = cwd / f".coverage-{name}"
    run = [sys.executable, "-m", "coverage", "run", "--branch", f"--data-file={data}", f"--include={include}", *args]
    done = subprocess.run(run, cwd=cwd, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    report = cwd / f"{name}.json"
    subprocess.run([sys.executable, "-m", "coverage", "json", f"--data-file={data}", "-o", str(report), "-q"], cwd=cwd, check=True)
    files: dict = json.loads(report.read_text())["files"]
    return files


def _assert_same(plain: dict, inlined: dict, exits: set[int]) -> None:
    assert sorted(plain) == sorted(inlined)
    for path in plain:
        for key in ("executed_lines", "missing_lines"):
            assert inlined[path][key] == plain[path][key], (path, key)
        lost = [arc for arc in plain[path]["executed_branches"] if arc not in inlined[path]["executed_branches"]]
        gained = [arc for arc in inlined[path]["executed_branches"] if arc not in plain[path]["executed_branches"]]
        assert not gained, (path, gained)
        assert all(arc[1] < 0 and -arc[1] in exits for arc in lost), (path, lost)


def _def_lines(path: Path) -> set[int]:
    import ast

    return {node.lineno for node in ast.walk(ast.parse(path.read_text())) if isinstance(node, ast.AsyncFunctionDef)}


def test_pytest_suite_coverage_is_the_same(tmp_path: Path) -> None:
    project = tmp_path / "covproject"
    shutil.copytree(Path(__file__).with_name("covproject"), project)
    pytest_args = ["-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"]
    plain = _coverage(project, "plain", pytest_args, "covapp/*")
    plugin_args = ["--async-inline", "--async-inline-packages=covapp", f"--async-inline-report={tmp_path / 'report.json'}"]
    inlined = _coverage(project, "inlined", [*pytest_args, *plugin_args], "covapp/*")
    assert plain["covapp/core.py"]["executed_lines"]
    _assert_same(plain, inlined, _def_lines(project / "covapp" / "core.py"))
    decisions = {Path(f["path"]).name: f for f in json.loads((tmp_path / "report.json").read_text())["files"]}
    assert stress_active() or len(decisions["core.py"]["inlined"]) > 5
    # Without coverage these are inlined (test_calls_into_other_modules_are_inlined_without_coverage).
    assert {(s["callee"], s["code"]) for s in decisions["service.py"]["skipped"]} >= {
        ("core.lookup", "other-module"),
        ("validate", "other-module"),
    }


def test_calls_into_other_modules_are_inlined_without_coverage() -> None:
    from async_inline import rewrite_program

    app = Path(__file__).with_name("covproject") / "covapp"
    files = {f"covapp/{p.name}": p.read_text() for p in app.glob("*.py")}
    report = rewrite_program(files, options=Options(stress_seed=None))["covapp/service.py"].report
    assert {d.callee for d in report.inlined} == {"core.lookup"}
    # Its two builtin reads (isinstance, str) would cost more inlined than the call saves.
    assert {(s.callee, s.code) for s in report.skipped} >= {("validate", "namespace-cost")}


@pytest.mark.parametrize("sample", SAMPLES)
def test_sample_coverage_is_the_same(tmp_path: Path, sample: str) -> None:
    shutil.copy(ROOT / "samples" / "plain" / sample, tmp_path / sample)
    plain = _coverage(tmp_path, "plain", [sample], f"*{sample}")
    inlined = _coverage(tmp_path, "inlined", ["-m", "async_inline", "run", sample], f"*{sample}")
    _assert_same(plain, inlined, _def_lines(tmp_path / sample))


def test_the_hook_sees_coverage_start_and_stop() -> None:
    import coverage

    from async_inline.hook.state import coverage_measuring

    if coverage_measuring():
        pytest.skip("this run is measured by coverage.py")
    measuring = coverage.Coverage(data_file=None)
    measuring.start()
    try:
        assert coverage_measuring()
    finally:
        measuring.stop()
    assert not coverage_measuring()
