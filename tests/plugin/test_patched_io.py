"""The hook imports a module the same way whatever a test has patched around the import
(review R36b F1-F4): it reads sources and its cache, and starts its thread, through the
functions bound when async_inline was imported (``async_inline/unpatched.py``), as
Python's import system does through its own."""

from __future__ import annotations

import sys

import pytest

pytest_plugins = ("pytester",)

CORE = "async def price():\n    return 1\n"
CART = "from lazy.core import price\n\n\nasync def total():\n    return await price()\n"

#: Each test imports a module of ``lazy`` for the first time under its patches.
TESTS = '''
import asyncio
import threading
from unittest import mock


def test_a_mocked_open_is_not_what_the_hook_reads():
    fake = mock.mock_open(read_data=b"async def price():\\n    return 99\\n")
    with mock.patch("builtins.open", fake):
        import lazy.cart
    assert asyncio.run(lazy.cart.total()) == 1
    assert fake.call_count == 0


def test_patched_directories_and_threads_are_not_the_hooks():
    with mock.patch("os.makedirs") as made, mock.patch("os.path.isdir", return_value=True), mock.patch(
        "threading.Thread", side_effect=RuntimeError("no threads here")
    ):
        import lazy.again
    made.assert_not_called()
    assert asyncio.run(lazy.again.total()) == 1
'''

EDITED = '''
import asyncio


def test_the_edited_callee_is_inlined_again():
    import lazy.cart
    import lazy.again
    assert asyncio.run(lazy.cart.total()) == asyncio.run(lazy.again.total()) == 2
'''


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch, pytester: pytest.Pytester) -> None:
    monkeypatch.delenv("ASYNC_INLINE", raising=False)
    monkeypatch.delenv("PYTEST_ADDOPTS", raising=False)
    monkeypatch.setattr(sys, "dont_write_bytecode", False)  # the cache is written: os.makedirs would be called
    monkeypatch.setenv("ASYNC_INLINE_CACHE_DIR", str(pytester.path / "aicache"))
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")


@pytest.mark.decisions
def test_patches_around_an_import_are_not_seen_by_the_hook(pytester: pytest.Pytester) -> None:
    """A callee read through a test's ``mock_open`` was inlined (the test's bytes, not the
    file's); a patched ``os.path.isdir`` took the callee's file for a namespace package,
    so that editing it never invalidated its caller's cache entry; a patched
    ``threading.Thread`` crashed the rewrite; and the hook's reads and writes were counted
    by the tests' mocks."""
    pytester.makepyfile(**{"lazy/__init__": "", "lazy/core": CORE, "lazy/cart": CART, "lazy/again": CART, "tests/test_lazy": TESTS})
    pytester.syspathinsert()
    args = ("-p", "no:cacheprovider", "--async-inline", "--async-inline-packages=lazy")
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=2)
    first = pytester.runpytest(*args)
    first.assert_outcomes(passed=2)
    assert "2 sites inlined" in next(line for line in first.outlines if line.startswith("async_inline:"))

    (pytester.path / "lazy" / "core.py").write_text(CORE.replace("1", "2"))
    (pytester.path / "tests" / "test_lazy.py").write_text(EDITED)
    pytester.runpytest(*args).assert_outcomes(passed=1)


def test_the_runtime_is_not_imported_under_a_tests_patches(pytester: pytest.Pytester) -> None:
    """Review R38a F3: the runtime rewritten code imports was first imported by the first
    rewritten module a test imported, inside the test's patches: with ``threading.Lock``
    patched, the runtime's module-level locks were the test's mocks for the rest of the
    session. The plugin imports it before the tests run, and so does ``run -m pytest``
    without the plugin's option (R39a F2)."""
    pytester.makepyfile(
        **{
            "tests/test_locks": """
                import asyncio
                import sys
                from unittest import mock


                def test_lock_patched_around_a_lazy_import():
                    with mock.patch("threading.Lock"):
                        import lazy.cart
                    assert asyncio.run(lazy.cart.total()) == 1
                    runtime = [m for name, m in list(sys.modules.items()) if name.partition(".")[0] == "runtime"]
                    assert not [v for m in runtime for v in vars(m).values() if isinstance(v, mock.Mock)]
            """,
            "lazy/__init__": "",
            "lazy/core": CORE,
            "lazy/cart": CART,
        }
    )
    # In subprocesses: this process has imported async_inline's runtime already.
    pytester.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=1)
    pytester.runpytest_subprocess("-p", "no:cacheprovider", "--async-inline", "--async-inline-packages=lazy").assert_outcomes(passed=1)
    # ``run -m pytest`` inlines without the plugin's option too (review R39a F2).
    done = pytester.run(sys.executable, "-m", "async_inline", "run", "--packages", "lazy", "-m", "pytest", "-p", "no:cacheprovider", "tests")
    done.assert_outcomes(passed=1)
