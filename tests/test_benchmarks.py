"""The benchmark scripts still run (tiny sizes; no timing is asserted: shared machines are noisy).

Each one checks, before it times anything, that the rewritten program computes what the
original does, so a run that exits 0 also means the rewrite it measures is right.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "samples" / "bench"

SMALL = {
    "min_call_cost.py": ["-n", "200", "--repeats", "1"],
    "runtime_min_call_cost.py": ["-n", "200", "--repeats", "1"],
    "runtime_min_call_cost.py --no-guards": ["-n", "200", "--repeats", "1", "--no-guards"],
    "runtime_overhead.py": ["-n", "200", "--rounds", "1"],
    "rewrite_throughput.py": ["--repeats", "1"],
    "import_cost.py": ["--modules", "3", "--rounds", "1"],
    "realistic_chain.py": ["-n", "200", "--repeats", "1"],
    "method_decoder.py": ["--frames", "20", "--rounds", "1"],
    "method_breakdown.py": ["--frames", "20", "--rounds", "1"],
    "guard_cost.py": ["-n", "200", "--rounds", "1"],
    "recursion.py": ["-n", "8", "--repeats", "1", "--depths", "0", "2"],
}


def test_every_benchmark_is_exercised() -> None:
    assert {p.name for p in BENCH.glob("*.py")} == {key.split()[0] for key in SMALL}


@pytest.mark.parametrize("key", sorted(SMALL))
def test_benchmark_runs(key: str, tmp_path: Path) -> None:
    script = BENCH / key.split()[0]
    done = subprocess.run(
        [sys.executable, str(script), *SMALL[key]], capture_output=True, text=True, timeout=300, cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip(), done.stderr[-3000:]
