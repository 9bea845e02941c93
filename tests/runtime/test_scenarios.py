"""Spec section 4: the fixed answers of .NET's conformance tests, without inlining, in every mode."""

from __future__ import annotations

import pytest

from tests.runtime.programs import (
    async_local_chain,
    configure_false_chain,
    exceptions,
    loops,
    switch_back,
    sync_context_chain,
)
from tests.runtime.support import MODE_IDS, MODES, run_program

pytestmark = pytest.mark.parametrize(("mode", "seed"), MODES, ids=MODE_IDS)


def _run(program, mode, seed):
    out = run_program(program, "reference", mode, seed)
    assert out.violations == [], "\n".join(map(str, out.violations))
    return out


def test_asynclocal_chain_reads_3_2_1(mode, seed):
    """Foo -> Bar -> Baz set an AsyncLocal to 1, 2, 3; after their awaits they read 3, 2, 1."""
    out = _run(async_local_chain, mode, seed)
    assert [value for _frame, value in out.lines] == [3, 2, 1]


def test_sync_context_chain_bar_on_ctx2_foo_on_ctx1(mode, seed):
    """Foo sets ctx1, Bar ctx2; after the awaits Bar observes ctx2, Foo ctx1, each on its thread."""
    out = _run(sync_context_chain, mode, seed)
    assert out.lines == [("Baz", None, "pool"), ("Bar", "ctx2", "ctx2"), ("Foo", "ctx1", "ctx1")]
    assert out.posts == {"ctx1": 1, "ctx2": 1}


def test_loops_every_iteration_sees_its_own_frame_values(mode, seed):
    """The same shapes with the awaits in loops of 4: each iteration sees its own values."""
    out = _run(loops, mode, seed)
    assert out.value == "foo done"
    for line in out.lines:
        if line[0] == "baz":
            _, i, j, k, value, sc, where = line
            assert (value, sc, where) == (("baz", i, j, k), None, "pool")
        elif line[0] == "bar":
            _, i, j, value, sc, where = line
            assert (value, sc, where) == (("bar", i, j), "ctx2", "ctx2")
        else:
            _, i, _total, value, sc, where = line
            assert (value, sc, where) == (("foo", i), "ctx1", "ctx1")
    assert [line[0] for line in out.lines].count("baz") == 4 * (1 + 2 + 3 + 4)
    assert out.posts == {"ctx1": 4, "ctx2": 16}


def test_configure_await_false_everywhere_makes_no_post_to_the_starting_context(mode, seed):
    """configure_await(False) on every await, started under a counting SC: zero posts to it."""
    out = _run(configure_false_chain, mode, seed)
    assert out.posts == {}
    assert out.value == 2
    assert all(sc is None and where == "pool" for *_rest, sc, where in out.lines)


def test_return_to_a_queue_thread_context_suspends_once_more(mode, seed):
    """A frame resumed on the pool returns to one whose SC is a dedicated queue thread:
    the transition posts to that thread, the middle frame observes its SC, the outer its own."""
    out = _run(switch_back, mode, seed)
    assert out.lines == [
        ("inner", 0, ("inner", 0), None, "pool"),
        ("middle", 0, 1, ("middle", 0), "ui", "ui"),
        ("outer", 0, 10, "outer", "ctx1", "ctx1"),
        ("inner", 1, ("inner", 1), None, "pool"),
        ("middle", 1, 2, ("middle", 1), "ui", "ui"),
        ("outer", 1, 20, "outer", "ctx1", "ctx1"),
    ]
    assert out.posts == {"ctx1": 2, "ui": 2}
    switches = [e for e in out.trace.events if e.kind == "suspend" and e.via == "switch"]
    assert len(switches) == 4


def test_exceptions_before_and_after_suspension_reach_the_callers_handler(mode, seed):
    """Exceptions thrown before or after a suspension reach the caller's except with the
    original object and message; the caller's AsyncLocal reads its own value there."""
    out = _run(exceptions, mode, seed)
    assert out.lines == [
        ("middle caught", "'thrown before suspension'", True, ("middle", "before"), "ctx2", "caller"),
        ("outer caught", "middle saw 'thrown before suspension'", "KeyError", "outer", None),
        ("middle caught", "'thrown after suspension (after)'", True, ("middle", "after"), "ctx2", "ctx2"),
        ("outer caught", "middle saw 'thrown after suspension (after)'", "KeyError", "outer", None),
        ("middle caught", "'thrown after suspension (escape)'", True, ("middle", "escape"), "ctx2", "ctx2"),
    ]
    assert out.error == (ValueError, "middle saw 'thrown after suspension (escape)'")
