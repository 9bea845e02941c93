"""Inputs deeper than the rewriter's tools go (review A1, f1, f5): each is an error for
that file, never a crash of the run or of the program importing it.

Run in subprocesses: before the fix, LibCST's native parser overflowed the main thread's
stack on a long ``and``/``or`` chain and the process died (SIGSEGV)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from cli_helpers import SAMPLE, make_tree

from async_inline.cli import ExitCode

_TAIL = "\n\nasync def other(a):\n    z = {chain}\n    return await add_one(z)\n"


def _chain(operands: int) -> str:
    return SAMPLE + _TAIL.format(chain=" and ".join(["a"] * operands))


def _launch(args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environment = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path), **env)
    return subprocess.run([sys.executable, "-m", "async_inline", *args], cwd=cwd, capture_output=True, text=True, timeout=600, env=environment)


@pytest.mark.decisions  # the other file must be rewritten (a stress rewrite picks sites at random)
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_long_and_chain_is_an_input_error_and_the_run_goes_on(tmp_path: Path, jobs: str) -> None:
    """10,000 operands: LibCST's parser recursed past the 8 MB main stack (SIGSEGV, every
    other file lost); on the rewrite's large stack it parses, and the tree too deep for
    Python's recursion limit is that file's input error. 30,000: refused before parsing."""
    make_tree(tmp_path, {"src/a.py": SAMPLE, "src/b.py": _chain(10_000), "src/c.py": _chain(30_000), "src/d.py": SAMPLE})
    done = _launch(["rewrite", "src", "--in-place", "-j", jobs], tmp_path)
    assert done.returncode == ExitCode.INPUT_ERROR, done.stderr
    assert "src/b.py: nested too deeply for async-inline" in done.stderr
    assert "src/c.py:10: an and/or chain of 30000 operands is too long" in done.stderr
    assert "Traceback" not in done.stderr
    for name in ("a.py", "d.py"):
        assert (tmp_path / "src" / name).read_text().startswith("# async_inline: rewritten")
    assert (tmp_path / "src/b.py").read_text() == _chain(10_000)


def test_the_import_hook_runs_such_a_module_unchanged(tmp_path: Path) -> None:
    """`async-inline run` rewrote on the main thread's stack too: the program died."""
    make_tree(tmp_path, {"deep.py": _chain(10_000) + "\nimport asyncio\nprint(asyncio.run(main()))\n"})
    done = _launch(["run", "deep.py"], tmp_path, ASYNC_INLINE="deep")
    assert done.returncode == 0, done.stderr
    assert done.stdout == "42\n"
    assert "could not rewrite this module, it runs unchanged" in done.stderr


def test_a_dead_worker_names_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With -j N, the files in flight when a worker died are named (the first one in order)."""
    from concurrent.futures import Future
    from concurrent.futures.process import BrokenProcessPool

    import async_inline.rewrite_files as rf

    class DyingPool:
        def __init__(self, **_: object) -> None:
            self.submitted = 0

        def submit(self, function, task):  # type: ignore[no-untyped-def]
            future: Future[rf.Outcome] = Future()
            self.submitted += 1
            if self.submitted == 1:
                future.set_result(function(task))
            else:
                future.set_exception(BrokenProcessPool("A process in the process pool was terminated abruptly"))
            return future

        def map(self, function, tasks, chunksize=1):  # type: ignore[no-untyped-def]
            return (self.submit(function, task).result() for task in tasks)

        def shutdown(self, **_: object) -> None:
            pass

    monkeypatch.setattr(rf.concurrent.futures, "ProcessPoolExecutor", DyingPool)
    make_tree(tmp_path, {"a.py": SAMPLE, "b.py": SAMPLE, "c.py": SAMPLE})
    tasks = [rf.Task(str(tmp_path / name), rf.Mode.CHECK, rf.Options()) for name in ("a.py", "b.py", "c.py")]
    with pytest.raises(BrokenProcessPool, match=r"while processing .*b\.py"):
        rf.run_tasks(tasks, jobs=2)


@pytest.mark.parametrize("expression", ["+".join(["1"] * 5000), "a" + ".a" * 10_000])
def test_a_file_python_cannot_compile_is_an_input_error(cli, tmp_path: Path, expression: str) -> None:
    """Review A1, f5: CPython's compiler raises RecursionError on these (``python file.py``
    too): that was reported as an internal error of async-inline (exit 4)."""
    make_tree(tmp_path, {"deep.py": SAMPLE + f"\n\ndef f(a):\n    return {expression}\n", "ok.py": SAMPLE})
    result = cli("rewrite", ".", "--check")
    assert result.code == ExitCode.INPUT_ERROR, result.err
    # Python 3.13's compiler takes the 5,000-term sum; the rewrite then reaches its own
    # recursion limit: an input error too, worded as such.
    assert "deep.py: Python cannot compile it: RecursionError" in result.err or "deep.py: nested too deeply" in result.err
    assert "internal" not in result.err
    assert "would rewrite ok.py" in result.err
