"""Every bundled sample program prints the same thing original and rewritten (run as a script)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from async_inline import rewrite_source

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
#: samples/bench is run by test_benchmarks.py; samples/real downloads libraries, by hand only.
PROGRAMS = sorted(p for p in SAMPLES.rglob("*.py") if not {"bench", "real"} & set(p.parts) and "__main__" in p.read_text())


def _run(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(path)], capture_output=True, text=True, timeout=120, cwd=SAMPLES.parent)


@pytest.mark.parametrize("program", PROGRAMS, ids=lambda p: str(p.relative_to(SAMPLES)))
def test_sample_behaves_the_same_rewritten(program: Path, tmp_path: Path) -> None:
    result = rewrite_source(program.read_bytes(), filename=str(program))
    if program.parent.name == "plain":
        assert result.report.inlined, "a plain sample should have inlined sites"
    rewritten = tmp_path / program.name
    rewritten.write_text(result.code, encoding=result.encoding)
    original_run, rewritten_run = _run(program), _run(rewritten)
    assert original_run.returncode == 0, original_run.stderr
    assert (rewritten_run.returncode, rewritten_run.stdout, rewritten_run.stderr) == (
        original_run.returncode,
        original_run.stdout,
        original_run.stderr,
    )
