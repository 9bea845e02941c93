"""The two worked examples of the design note, run as the programs in samples/runtime/."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "samples" / "runtime"


def _run(name: str, *args: str) -> list[str]:
    proc = subprocess.run(
        [sys.executable, str(SAMPLES / name), *args],
        capture_output=True, text=True, timeout=60, cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.splitlines()


@pytest.mark.parametrize("args", [(), ("--deterministic",)], ids=["threads", "deterministic"])
def test_async_local_example_prints_3_2_1(args):
    assert _run("async_local_example.py", *args) == ["3", "2", "1", "after run: 0", "trace check: no violations"]


@pytest.mark.parametrize("args", [(), ("--deterministic",)], ids=["threads", "deterministic"])
def test_sync_context_example_bar_on_ctx2_foo_on_ctx1(args):
    assert _run("sync_context_example.py", *args) == [
        "Baz continues on a thread-pool thread, current synchronization context: None",
        "Bar continues on the thread of ctx2, current synchronization context: ctx2",
        "Foo continues on the thread of ctx1, current synchronization context: ctx1",
        "posts: ctx1=1 ctx2=1",
        "trace check: no violations",
    ]
