"""A user's ``mypy --strict`` on code using ``runtime`` reports nothing, and the API's types hold.

mypy runs in a subprocess of this interpreter, in an empty directory (so the
project's own configuration does not apply), on ``program.py`` (a program as a
user would write it) and ``types_pinned.py`` (``assert_type`` checks and calls
that must stay errors). ``runtime`` is found through ``MYPYPATH``, so errors
inside the package itself would be reported too.
"""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys

import pytest

import runtime
from tests.typing import program

HERE = pathlib.Path(__file__).parent
SOURCES = ("program.py", "types_pinned.py")


@pytest.fixture(scope="module")
def mypy_output(tmp_path_factory: pytest.TempPathFactory) -> str:
    work = tmp_path_factory.mktemp("mypy")
    env = dict(os.environ, MYPYPATH=str(pathlib.Path(runtime.__file__).parent.parent))
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--cache-dir", str(work / "cache"), *(str(HERE / s) for s in SOURCES)],
        cwd=work, env=env, capture_output=True, text=True, timeout=600,
    )
    assert done.stderr == "", done.stderr
    return done.stdout


def test_mypy_strict_reports_nothing(mypy_output: str) -> None:
    assert mypy_output == f"Success: no issues found in {len(SOURCES)} source files\n", mypy_output


def test_the_typed_program_runs() -> None:
    lines = program.main()
    assert lines[0] == "6 ada apple,pear,apple,pear,plum True"
    assert lines[1] == "6 ada 5 True []"
    assert lines[2] == "[] 0 None"
