"""The fuzzer's own parts: programs are valid and deterministic, the oracle sees
differences and hangs, the shrinker keeps the failure while removing the rest."""

from __future__ import annotations

import pytest

from async_inline.fuzz import oracle
from async_inline.fuzz.generator import generate
from async_inline.fuzz.oracle import compare, run_program
from async_inline.fuzz.shrink import shrink


@pytest.mark.parametrize("runtime_async", [False, True])
def test_generated_programs_compile_and_are_deterministic(runtime_async):
    for seed in range(30):
        source = generate(seed, runtime_async)
        assert generate(seed, runtime_async) == source
        compile(source, "<p>", "exec")
    first = run_program(generate(3, runtime_async), runtime_async=runtime_async, name="p1")
    again = run_program(generate(3, runtime_async), runtime_async=runtime_async, name="p2")
    assert first == again and first.stdout


def test_oracle_reports_a_behaviour_difference(monkeypatch):
    """A rewriter that changes a constant is caught, with the first differing line."""
    real = oracle.rewrite_source

    def wrong(source, **kwargs):
        result = real(source, **kwargs)
        result.code = result.code.replace("print('end'", "print('END'")
        return result

    monkeypatch.setattr(oracle, "rewrite_source", wrong)
    verdict = compare(generate(1), runtime_async=False)
    assert verdict.kind == "behaviour" and "output differs" in verdict.detail


def test_oracle_reports_a_hang_and_a_crash(monkeypatch):
    real = oracle.rewrite_source

    def hanging(source, **kwargs):
        result = real(source, **kwargs)
        result.code = result.code.replace("async def main():", "async def main():\n    while True: pass", 1)
        return result

    monkeypatch.setattr(oracle, "rewrite_source", hanging)
    assert compare(generate(2), runtime_async=False, timeout=0.5).kind == "timeout"

    def crashing(source, **kwargs):
        raise KeyError("boom")

    monkeypatch.setattr(oracle, "rewrite_source", crashing)
    assert compare(generate(2), runtime_async=False).kind == "rewrite-crash"


def test_shrink_keeps_the_failure_and_removes_the_rest():
    source = generate(4)
    marker = "print('end'"
    assert marker in source
    small = shrink(source, lambda candidate: marker in candidate)
    assert marker in small
    assert len(small.splitlines()) < len(source.splitlines()) // 3
    compile(small, "<small>", "exec")
