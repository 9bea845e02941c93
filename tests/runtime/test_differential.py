"""Differential tests: each program runs as written and hand-inlined (the code the inliner
must generate, per docs/runtime-inlining-protocol.md), in every mode.

Both variants must print the same values, end with the same result or exception
(type and message), make the same number of posts to each synchronization
context, and produce traces the checker accepts. The reference must also
behave the same in every mode.
"""

from __future__ import annotations

import importlib

import pytest

from tests.runtime.support import MODE_IDS, MODES, assert_same_run, run_program

PROGRAMS = [
    "async_local_chain",  # spec 4.1, worked example (AsyncLocal): depth 3, custom awaiter
    "sync_context_chain",  # spec 4.2, worked example (SC): two I4 switches
    "loops",  # spec 4.3: loops that suspend repeatedly, returns inside loops
    "configure_false_chain",  # spec 4.4, I7: zero posts to the starting SC
    "switch_back",  # spec 4.5: the I4 transition that itself suspends
    "exceptions",  # spec 4.6, I5: before and after suspension
    "never_suspending",  # I6: only I2, exceptions, returns in loops
    "try_awaits",  # I8: suspensions inside try/except/finally, in and around the inlinee
    "configure_call",  # I7 with an SC to come back to
    "mixed",  # plain caller, plain callee, task awaits, non-inlined calls inside an inlinee
]


def _load(name):
    return importlib.import_module(f"tests.runtime.programs.{name}")


@pytest.mark.parametrize(("mode", "seed"), MODES, ids=MODE_IDS)
@pytest.mark.parametrize("name", PROGRAMS)
def test_inlined_program_behaves_like_the_reference(name, mode, seed):
    program = _load(name)
    reference = run_program(program, "reference", mode, seed)
    inlined = run_program(program, "inlined", mode, seed)
    assert_same_run(reference, inlined)
    expected = getattr(program, "EXPECTED", None)
    if expected is not None:
        assert reference.lines == expected


@pytest.mark.parametrize("name", PROGRAMS)
def test_reference_is_the_same_in_every_mode(name):
    program = _load(name)
    results = [run_program(program, "reference", mode, seed).observable() for mode, seed in MODES]
    assert all(r == results[0] for r in results[1:])


def test_inlined_code_has_fewer_frames_and_no_physical_frames_for_inlinees():
    """The hand-inlined programs really are inlined: their traces show inlined frames,
    and none of the inlinees' own wrappers run."""
    program = _load("async_local_chain")
    out = run_program(program, "inlined", "deterministic", None)
    enters = [e.frame for e in out.trace.events if e.kind == "enter"]
    assert [f.inline for f in enters] == [False, True, True]
    assert enters[0].name.endswith("foo_inlined")
