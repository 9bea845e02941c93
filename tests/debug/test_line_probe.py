"""Under the hook, every line runs and raises where it does under plain Python.

For each program, ``probe.py`` lists the lines that had a line event and, for each line, the
logical frames (function, line, source text) of an exception raised at its first event.
Both runs must agree exactly: a line mapped wrong, folded into another, or scaffolding
reporting a line of its own shows up as a difference.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROBE = Path(__file__).with_name("probe.py")
PROGRAMS = [
    ("samples/plain/kvstore.py", None),
    ("samples/plain/pipeline.py", None),
    ("samples/plain/rpc_server.py", None),
    ("samples/runtime/async_local_example.py", None),
    ("samples/runtime/sync_context_example.py", None),
    ("tests/debug/covproject/covapp/core.py", "main"),
    ("tests/debug/programs/issue13.py", "main"),
    # The runtime import after a multi-line docstring once ran at the docstring's last line.
    ("tests/debug/programs/docstring_then_runtime.py", "main"),
    # A default pasted as its literal was one node at every use, placed at the first.
    ("tests/debug/programs/pasted_defaults.py", "main"),
    # Returns that emitted no code (the caller discards the value), an elif's test
    # inlined as statements placed at the outer if's line (3.10, 3.11).
    ("tests/debug/programs/discarded_returns.py", "main"),
    ("tests/debug/programs/returns_in_loops.py", "main"),
]


def _probe(mode: str, path: Path, entry: str | None) -> dict:
    args = [sys.executable, str(PROBE), mode, str(path), *([entry] if entry else [])]
    done = subprocess.run(args, capture_output=True, text=True, cwd=path.parent, check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.mark.parametrize(("program", "entry"), PROGRAMS, ids=[p for p, _ in PROGRAMS])
def test_every_line_runs_and_raises_as_in_plain_python(program: str, entry: str | None) -> None:
    path = ROOT / program
    plain, hooked = _probe("plain", path, entry), _probe("hook", path, entry)
    assert hooked["lines"] == plain["lines"]
    assert all(plain["probes"][line] for line in plain["probes"])  # each line's probe reached the program's top
    if sys.version_info < (3, 11):
        return  # the logical frames of an exception need frame maps, which need co_positions
    different = {line: (plain["probes"][line], hooked["probes"].get(line)) for line in plain["probes"] if plain["probes"][line] != hooked["probes"].get(line)}
    assert not different
