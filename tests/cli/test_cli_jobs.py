"""--jobs N gives exactly what --jobs 1 gives: files, report, messages, diffs, exit code."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_helpers import PLAIN, SAMPLE, SYNTAX_ERROR, UNDECODABLE, make_tree, snapshot

TREE = {
    **{f"src/pkg{i}/mod{j}.py": SAMPLE if (i + j) % 2 else PLAIN for i in range(3) for j in range(4)},
    "src/bad_syntax.py": SYNTAX_ERROR,
    "src/pkg1/latin1.py": UNDECODABLE,
    "src/top.py": SAMPLE,
}


@pytest.mark.parametrize("mode", [["-o", "OUT"], ["--diff"], ["--check"], ["--in-place"]])
def test_parallel_runs_match_a_serial_run(cli, tmp_path: Path, mode: list[str]) -> None:
    runs = {}
    for jobs in ("1", "2", "0"):
        root = tmp_path / f"jobs{jobs}"
        make_tree(root, TREE)
        args = [a.replace("OUT", f"jobs{jobs}/out") for a in mode]
        result = cli("rewrite", f"jobs{jobs}/src", *args, "--report", f"jobs{jobs}/report.json", "--jobs", jobs, "-v")
        prefix = f"jobs{jobs}/"
        runs[jobs] = (
            result.code,
            result.out.replace(prefix, "ROOT/"),
            result.err.replace(prefix, "ROOT/"),
            (root / "report.json").read_text().replace(prefix, "ROOT/"),
            {k: v for k, v in snapshot(root).items() if k != "report.json"},
        )
    assert runs["2"] == runs["1"]
    assert runs["0"] == runs["1"]
    assert runs["1"][0] == 3  # the bad files were reported in every run
    assert "ROOT/src/bad_syntax.py:3: invalid syntax" in runs["1"][2]
