"""The pytest plugin, end to end with pytester: a small package's test suite run without and
with the plugin gives the same results, with the test modules and the package inlined."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytest_plugins = ("pytester",)

SHOP = """\
async def price(item):
    return {"apple": 3, "pear": 5}[item]


async def total(items):
    result = 0
    for item in items:
        result += await price(item)
    return result


async def checkout(items):
    if not items:
        raise ValueError("empty cart")
    return await total(items)
"""

CONFTEST = """\
import pytest_asyncio


async def count(items):
    return len(items)


@pytest_asyncio.fixture
async def cart():
    items = ["apple", "pear", "apple"]
    n = await count(items)
    assert n == 3
    return items
"""

#: Strict mode: async tests carry the marker, async fixtures use pytest_asyncio.fixture.
TESTS = """\
import pytest
import shop


async def double(x):
    return 2 * x


@pytest.mark.asyncio
async def test_total(cart):
    assert await shop.total(cart) == 11


@pytest.mark.asyncio
async def test_checkout_empty():
    with pytest.raises(ValueError, match="empty cart"):
        await shop.checkout([])


@pytest.mark.asyncio
async def test_wrong_expectation():
    value = await double(await shop.price("apple"))
    assert value == 7


@pytest.mark.asyncio
async def test_unknown_item():
    await shop.checkout(["kiwi"])


@pytest.mark.xfail(strict=True)
@pytest.mark.asyncio
async def test_expected_failure():
    assert await double(1) == 3


def test_sync():
    assert 1 + 1 == 2
"""

#: Whether ``where`` ran in a frame of its own: True with the original code, False inlined.
FRAMES = """\
import sys


async def where():
    return 1


async def check_frames():
    calls = []
    sys.setprofile(lambda frame, event, arg: calls.append(frame.f_code.co_name) if event == "call" else None)
    try:
        await where()
    finally:
        sys.setprofile(None)
    return "where" in calls
"""


INI = "[pytest]\nasyncio_mode = {mode}\nasyncio_default_fixture_loop_scope = function\n"


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch, pytester: pytest.Pytester) -> None:
    monkeypatch.delenv("ASYNC_INLINE", raising=False)
    monkeypatch.delenv("PYTEST_ADDOPTS", raising=False)
    pytester.makeini(INI.format(mode="strict"))


def _project(pytester: pytest.Pytester, mode: str = "strict") -> None:
    pytester.makeini(INI.format(mode=mode))
    pytester.makepyfile(**{"shop/__init__": SHOP, "tests/conftest": CONFTEST, "tests/test_shop": TESTS})
    pytester.syspathinsert()


def _failures(result: pytest.RunResult) -> list[str]:
    """The 'E ...' lines and the short summary, which must not depend on inlining.

    Indentation aside: pytest shows "???" instead of the source line for a callee statement
    that runs inlined in its caller's frame (the line lies outside the caller's def), and
    indents the "E" line differently then.
    """
    return [re.sub(r"^E\s+", "E ", line) for line in result.outlines if line.startswith(("E ", "FAILED", "XFAIL", "ERROR"))]


def _summary_line(result: pytest.RunResult) -> str:
    return next(line for line in result.outlines if line.startswith("async_inline:"))


@pytest.mark.decisions
def test_suite_gives_the_same_results_with_and_without_the_plugin(pytester: pytest.Pytester) -> None:
    _project(pytester)
    plain = pytester.runpytest("-p", "no:cacheprovider")
    plain.assert_outcomes(passed=3, failed=2, xfailed=1)
    assert not any(line.startswith("async_inline:") for line in plain.outlines)

    # A package given twice (addopts and the command line, say) is one (review R19 r3).
    inlined = pytester.runpytest(
        "-p", "no:cacheprovider", "--async-inline", "--async-inline-packages=shop", "--async-inline-packages=shop", "--async-inline-report=report.json"
    )
    inlined.assert_outcomes(passed=3, failed=2, xfailed=1)
    assert _failures(inlined) == _failures(plain)
    assert "E       assert 6 == 7" in inlined.outlines  # pytest's assertion introspection

    document = json.loads((pytester.path / "report.json").read_text())
    by_file = {Path(f["path"]).relative_to(pytester.path).as_posix(): f for f in document["files"]}
    assert set(by_file) == {"shop/__init__.py", "tests/conftest.py", "tests/test_shop.py"}
    assert {(d["caller"], d["callee"]) for d in by_file["shop/__init__.py"]["inlined"]} >= {("total", "price"), ("checkout", "total")}
    assert any(d["callee"] == "double" for d in by_file["tests/test_shop.py"]["inlined"])
    assert any(d["callee"] == "count" for d in by_file["tests/conftest.py"]["inlined"])
    total = document["totals"]["inlined"]
    assert total >= 5
    skipped = document["totals"]["skipped"]
    assert re.fullmatch(
        rf"async_inline: {total} sites inlined, {skipped} skipped \((\w|-)+: \d+.*\) in 3 modules "
        r"\(3 rewritten, 0 from cache, 0 unchanged\); report: report.json",
        _summary_line(inlined),
    )
    assert document["modules"] == {"rewritten": 3, "cached": 0, "unchanged": 0, "too_early": 0}
    assert document["packages"] == ["shop"]
    assert "async_inline: packages shop (--async-inline-packages) and the test modules; choose packages with" in inlined.stdout.str()


@pytest.mark.decisions
def test_assume_option_reaches_the_rewriter(pytester: pytest.Pytester) -> None:
    """``--async-inline-assume class-methods`` inlines an instance-method site that stays a
    call by default (guard-cost), given alone or beside another (the option is repeatable,
    as rewrite's); an unknown name is a usage error."""
    pytester.makeini(INI.format(mode="auto"))
    pytester.makepyfile(**{
        "counter/__init__": "class Counter:\n    n = 0\n\n    async def bump(self):\n        self.n += 1\n        return self.n\n\n"
                            "    async def twice(self):\n        await self.bump()\n        return await self.bump()\n",
        "tests/test_counter": "from counter import Counter\n\n\nasync def test_twice():\n    assert await Counter().twice() == 2\n",
    })
    pytester.syspathinsert()
    sites = {}
    repeated = ("--async-inline-assume=class-methods", "--async-inline-assume=frozen-defaults")  # review R19 z3: the last one won
    for label, extra in (("default", ()), ("assumed", ("--async-inline-assume=class-methods",)), ("repeated", repeated)):
        result = pytester.runpytest("-p", "no:cacheprovider", "--async-inline", "--async-inline-packages=counter", f"--async-inline-report={label}.json", *extra)
        result.assert_outcomes(passed=1)
        document = json.loads((pytester.path / f"{label}.json").read_text())
        sites[label] = sorted((d["callee"], "inlined") for f in document["files"] for d in f["inlined"]) + sorted(
            (d["callee"], d["code"]) for f in document["files"] for d in f["skipped"] if d["callee"] == "self.bump"
        )
    assert sites["default"] == [("self.bump", "guard-cost"), ("self.bump", "guard-cost")]
    assert ("self.bump", "inlined") in sites["assumed"] and ("self.bump", "guard-cost") not in sites["assumed"]
    assert sites["repeated"] == sites["assumed"]
    wrong = pytester.runpytest("-p", "no:cacheprovider", "--async-inline", "--async-inline-assume=class-method")
    assert wrong.ret == pytest.ExitCode.USAGE_ERROR
    assert "unknown assumption 'class-method'" in wrong.stderr.str()


@pytest.mark.decisions
def test_auto_mode_and_ini_options(pytester: pytest.Pytester) -> None:
    _project(pytester, mode="auto")
    pytester.makeini(INI.format(mode="auto") + "async_inline = true\nasync_inline_packages = shop\n")
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=3, failed=2, xfailed=1)
    assert re.match(r"async_inline: [1-9]\d* sites? inlined, \d+ skipped .*in 3 modules", _summary_line(result))


def test_inactive_unless_asked(pytester: pytest.Pytester) -> None:
    from async_inline.hook.finder import Finder

    pytester.makeconftest(
        """
        import sys
        from async_inline.hook.finder import Finder

        def pytest_collection_finish(session):
            manager = session.config.pluginmanager
            print("ACTIVE", manager.has_plugin("async_inline-active"),
                  sum(isinstance(f, Finder) for f in sys.meta_path))
        """
    )
    pytester.makepyfile(test_a="def test_a():\n    pass\n")
    outside = sum(isinstance(f, Finder) for f in sys.meta_path)  # this suite may run under the plugin
    result = pytester.runpytest("-s", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    assert f"ACTIVE False {outside}" in result.outlines
    assert not any(line.startswith("async_inline:") for line in result.outlines)
    result = pytester.runpytest("-s", "-p", "no:cacheprovider", "--async-inline")
    assert f"ACTIVE True {outside + 1}" in result.outlines


def test_inactive_plugin_does_not_load_the_rewriter() -> None:
    program = "import sys, async_inline.pytest_plugin; print(sorted(m for m in ('libcst', 'async_inline.api') if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_hook_is_removed_after_the_session(pytester: pytest.Pytester) -> None:
    from async_inline.hook.finder import Finder

    _project(pytester)
    before = [f for f in sys.meta_path if isinstance(f, Finder)]
    pytester.runpytest("-p", "no:cacheprovider", "--async-inline")
    assert [f for f in sys.meta_path if isinstance(f, Finder)] == before


@pytest.mark.decisions
def test_no_async_inline_marker_runs_the_original_code(pytester: pytest.Pytester) -> None:
    pytester.makeini(INI.format(mode="auto"))
    pytester.makepyfile(
        test_marker=FRAMES
        + textwrap.dedent(
            """
            import pytest

            async def test_inlined():
                print("FRAME", await check_frames())

            @pytest.mark.no_async_inline
            async def test_original():
                print("FRAME", await check_frames())
            """
        )
    )
    result = pytester.runpytest("-s", "-v", "-p", "no:cacheprovider", "--async-inline")
    result.assert_outcomes(passed=2)
    frames = [line.split("FRAME ")[1].split()[0] for line in result.outlines if "FRAME " in line]
    assert frames == ["False", "True"]
    plain = pytester.runpytest("-s", "-p", "no:cacheprovider", "--strict-markers")
    plain.assert_outcomes(passed=2)  # the marker is declared even with the plugin off


def test_no_async_inline_keeps_the_code_a_marked_test_assigned(pytester: pytest.Pytester) -> None:
    """Review R36b F5: when a marked test ended, every function it ran with the original
    code got its inlined code back, also one whose ``__code__`` the test had replaced (a
    hot-reload test): the next test saw the assignment undone."""
    pytester.makepyfile(
        shopr='async def f():\n    return "f"\n\n\nasync def g():\n    return "g"\n\n\nasync def use():\n    return await f()\n',
        test_reload="""
            import asyncio

            import pytest

            import shopr


            @pytest.mark.no_async_inline
            def test_1_reload():
                shopr.f.__code__ = shopr.g.__code__
                assert asyncio.run(shopr.f()) == "g"


            def test_2_still_reloaded():
                assert asyncio.run(shopr.f()) == "g"
            """,
    )
    pytester.syspathinsert()
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=2)
    pytester.runpytest("-p", "no:cacheprovider", "--async-inline", "--async-inline-packages=shopr").assert_outcomes(passed=2)


def test_differential_passes_a_deterministic_suite_with_the_same_results(pytester: pytest.Pytester) -> None:
    _project(pytester)
    plain = pytester.runpytest("-p", "no:cacheprovider")
    result = pytester.runpytest("-p", "no:cacheprovider", "--async-inline-differential", "--async-inline-packages=shop")
    result.assert_outcomes(passed=3, failed=2, xfailed=1)
    assert _failures(result) == _failures(plain)
    assert "differential" in _summary_line(result)


@pytest.mark.decisions
def test_differential_runs_original_then_inlined_and_reports_differences(pytester: pytest.Pytester) -> None:
    pytester.makeini(INI.format(mode="auto"))
    pytester.makepyfile(
        test_diff=FRAMES
        + textwrap.dedent(
            """
            import pytest

            RUNS = []

            async def test_sees_frames():
                print(await check_frames())

            async def test_counts_its_runs():
                RUNS.append(1)
                print(len(RUNS))

            async def test_raises_only_when_inlined():
                if not await check_frames():
                    raise LookupError("no frame")

            def test_sync_runs_once():
                RUNS.append("sync")
                assert RUNS.count("sync") == 1

            @pytest.mark.no_async_inline
            async def test_excluded_runs_once():
                RUNS.append("excluded")
                assert RUNS.count("excluded") == 1
            """
        )
    )
    result = pytester.runpytest("-p", "no:cacheprovider", "--async-inline-differential")
    result.assert_outcomes(passed=2, failed=3)
    text = result.stdout.str()
    assert "call: stdout differs\n    original: 'True\\n'\n    inlined:  'False\\n'" in text
    assert "call: stdout differs\n    original: '1\\n'\n    inlined:  '2\\n'" in text
    assert "call: original passed, inlined failed" in text
    assert "call: original raised nothing, inlined raised LookupError: no frame" in text



def _lazy_package(pytester: pytest.Pytester) -> None:
    """``lazypkg.lazy``: FRAMES in a package module no test module imports at collection."""
    pytester.makeini(INI.format(mode="auto"))
    pytester.makepyfile(**{"lazypkg/__init__": "", "lazypkg/lazy": FRAMES})
    pytester.syspathinsert()


@pytest.mark.decisions
def test_no_async_inline_runs_original_code_of_a_module_the_test_imports(pytester: pytest.Pytester) -> None:
    """Review R13 c4: a package module first imported by a ``no_async_inline`` test itself
    (a lazy import) ran inlined: the twins swapped the code of the modules imported before
    the test started only. Its functions are inlined again afterwards."""
    _lazy_package(pytester)
    pytester.makepyfile(
        test_marker=textwrap.dedent(
            """
            import pytest

            @pytest.mark.no_async_inline
            async def test_original():
                import lazypkg.lazy
                print("FRAME", await lazypkg.lazy.check_frames())

            async def test_inlined_afterwards():
                import lazypkg.lazy
                print("FRAME", await lazypkg.lazy.check_frames())
            """
        )
    )
    plain = pytester.runpytest_subprocess("-s", "-p", "no:cacheprovider")
    result = pytester.runpytest_subprocess("-s", "-p", "no:cacheprovider", "--async-inline", "--async-inline-packages=lazypkg")
    frames = [line.split("FRAME ")[1].split()[0] for r in (plain, result) for line in r.outlines if "FRAME " in line]
    assert frames == ["True", "True", "True", "False"]


@pytest.mark.decisions
def test_differential_original_run_is_original_for_a_module_the_test_imports(pytester: pytest.Pytester) -> None:
    """Review R13 c4, differential mode: the "original" run imported the module (inlined),
    so both runs ran inlined code and the difference was not seen."""
    _lazy_package(pytester)
    pytester.makepyfile(
        test_diff=textwrap.dedent(
            """
            async def test_sees_frames():
                import lazypkg.lazy
                print(await lazypkg.lazy.check_frames())
            """
        )
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--async-inline-differential", "--async-inline-packages=lazypkg")
    result.assert_outcomes(failed=1)
    assert "call: stdout differs\n    original: 'True\\n'\n    inlined:  'False\\n'" in result.stdout.str()


def test_bad_package_name_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_a="def test_a():\n    pass\n")
    result = pytester.runpytest("-p", "no:cacheprovider", "--async-inline", "--async-inline-packages=not-a-name")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "--async-inline-packages: 'not-a-name' is not a module or package name" in result.stderr.str()
    assert "Traceback" not in result.stderr.str()


@pytest.mark.parametrize(
    "option", ["--async-inline-assume=bogus", "--async-inline-packages=a-b", "--async-inline-noinline=shop.price", "--async-inline-report=r.json"]
)
def test_a_plugin_option_without_the_plugin_is_a_usage_error(pytester: pytest.Pytester, option: str) -> None:
    """Review R16 t1: without ``--async-inline`` the plugin's options were dropped without a
    word, bad values included (exit 0); under ``async-inline run -m pytest`` the hook then
    inlined what ``--async-inline-noinline`` named."""
    pytester.makepyfile(test_a="def test_a():\n    pass\n")
    result = pytester.runpytest("-p", "no:cacheprovider", option)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    name = option.partition("=")[0]
    assert f"{name} is an option of the async_inline plugin, which is off: add --async-inline" in result.stderr.str()
    assert pytester.runpytest("-p", "no:cacheprovider", "-o", "async_inline=true", "--async-inline-packages=shop").ret == 0


def test_a_bad_ini_truth_value_names_the_key_and_the_file(pytester: pytest.Pytester) -> None:
    """Review R16 t6: pytest's "invalid truth value 'maybe'" named neither."""
    pytester.makeini(INI.format(mode="strict") + "async_inline = maybe\n")
    pytester.makepyfile(test_a="def test_a():\n    pass\n")
    result = pytester.runpytest("-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert f"{pytester.path / 'tox.ini'}: async_inline: invalid truth value 'maybe' (expected true or false)" in result.stderr.str()


def test_the_report_creates_missing_directories_and_refuses_unusable_paths(pytester: pytest.Pytester) -> None:
    """Review R16 t2: ``--async-inline-report=build/inline.json`` wrote nothing and exited 0
    when build/ did not exist; as for ``rewrite --report``, missing directories are created,
    and a path that cannot be written is a usage error before any test runs."""
    _project(pytester)
    result = pytester.runpytest("-p", "no:cacheprovider", "--async-inline", "--async-inline-report=build/inline.json", "tests/test_shop.py::test_sync")
    assert result.ret == 0
    assert json.loads((pytester.path / "build" / "inline.json").read_text())["packages"] == ["shop"]
    (pytester.path / "afile").write_text("")
    for report, problem in (("build", "is a directory"), ("afile/r.json", "is not a directory"), ("", "the file name must not be empty")):
        result = pytester.runpytest("-p", "no:cacheprovider", "--async-inline", f"--async-inline-report={report}", "tests/test_shop.py::test_sync")
        assert result.ret == pytest.ExitCode.USAGE_ERROR, report
        assert f"--async-inline-report {report}: " in result.stderr.str() and problem in result.stderr.str()


@pytest.mark.decisions
def test_importlib_import_mode(pytester: pytest.Pytester) -> None:
    _project(pytester)
    result = pytester.runpytest("-p", "no:cacheprovider", "--import-mode=importlib", "--async-inline", "--async-inline-packages=shop", "--async-inline-report=r.json")
    result.assert_outcomes(passed=3, failed=2, xfailed=1)
    paths = {Path(f["path"]).name for f in json.loads((pytester.path / "r.json").read_text())["files"]}
    assert paths == {"__init__.py", "conftest.py", "test_shop.py"}


def test_second_session_uses_the_cache_and_counts_each_module_once(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    monkeypatch.delenv("ASYNC_INLINE_CACHE_DIR", raising=False)
    _project(pytester)
    first = pytester.runpytest("-p", "no:cacheprovider", "--async-inline", "--async-inline-packages=shop")
    assert "in 3 modules (3 rewritten, 0 from cache, 0 unchanged)" in _summary_line(first)
    second = pytester.runpytest("-p", "no:cacheprovider", "--async-inline", "--async-inline-packages=shop")
    second.assert_outcomes(passed=3, failed=2, xfailed=1)
    assert "in 3 modules (0 rewritten, 3 from cache, 0 unchanged)" in _summary_line(second)
    assert _failures(second) == _failures(first)
    assert not any("cache not written" in line for line in second.outlines)


def test_under_xdist_the_controller_reports_what_every_worker_inlined(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each pytest-xdist worker is an interpreter of its own with its own hook; the summary
    line and the report of the controller count them all, each module once, as a run in
    one process would (the workers used to write the report file over each other)."""
    pytest.importorskip("xdist")
    monkeypatch.setenv("ASYNC_INLINE_CACHE_DIR", str(pytester.path / "aicache"))  # the workers' environment
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(pytester.path), *filter(None, [os.environ.get("PYTHONPATH")])]))
    _project(pytester)
    args = ("-p", "no:cacheprovider", "--async-inline", "--async-inline-packages=shop")

    def decisions(report: str) -> tuple[object, ...]:
        document = json.loads((pytester.path / report).read_text())
        return document["totals"], sorted((Path(f["path"]).name, d["caller"], d["callee"], d["line"]) for f in document["files"] for d in f["inlined"])

    # In subprocesses: xdist gives its workers the sys.path its controller started with.
    for label, cached in (("first", "3 rewritten, 0 from cache"), ("second", "0 rewritten, 3 from cache")):
        spread = pytester.runpytest_subprocess(*args, "-n", "2", f"--async-inline-report={label}.json")
        spread.assert_outcomes(passed=3, failed=2, xfailed=1)
        assert f"in 3 modules ({cached}, 0 unchanged)" in _summary_line(spread)
    single = pytester.runpytest_subprocess(*args, "-p", "no:xdist", "--async-inline-report=single.json")
    assert _failures(spread) == _failures(single)
    assert decisions("first.json") == decisions("second.json") == decisions("single.json")


def test_without_bytecode_writing_the_cache_is_off_and_says_so(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    monkeypatch.delenv("ASYNC_INLINE_CACHE_DIR", raising=False)
    _project(pytester)
    for _ in range(2):
        result = pytester.runpytest("-p", "no:cacheprovider", "--async-inline", "--async-inline-packages=shop")
        assert "(3 rewritten, 0 from cache, 0 unchanged)" in _summary_line(result)
        result.stdout.fnmatch_lines(["async_inline: cache not written: bytecode writing is off *ASYNC_INLINE_CACHE_DIR=DIR*"])
    assert not list(pytester.path.rglob("*.async_inline-*.pyc"))


def test_cache_directory_is_written_even_without_bytecode_writing(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    monkeypatch.setenv("ASYNC_INLINE_CACHE_DIR", str(pytester.path / "aicache"))
    _project(pytester)
    pytester.runpytest("-p", "no:cacheprovider", "--async-inline", "--async-inline-packages=shop")
    second = pytester.runpytest("-p", "no:cacheprovider", "--async-inline", "--async-inline-packages=shop")
    assert "(0 rewritten, 3 from cache, 0 unchanged)" in _summary_line(second)
    assert len(list((pytester.path / "aicache").rglob("*.async_inline-*.pyc"))) == 3
    assert not list((pytester.path / "shop").rglob("*.pyc"))


def test_configured_package_imported_too_early_is_reported_not_warned(pytester: pytest.Pytester) -> None:
    _project(pytester)
    pytester.makeini(INI.format(mode="strict") + "filterwarnings = error\n")
    __import__("shop")  # imported before the plugin can install its hook
    result = pytester.runpytest("-p", "no:cacheprovider", "--async-inline", "--async-inline-packages=shop", "--async-inline-report=r.json")
    result.assert_outcomes(passed=3, failed=2, xfailed=1)
    result.stdout.fnmatch_lines(["async_inline: 1 module imported before the hook could be installed ran without inlining: shop; *"])
    assert "Warning" not in result.stdout.str()
    document = json.loads((pytester.path / "r.json").read_text())
    assert document["too_early"] == ["shop"]
    assert document["modules"] == {"rewritten": 2, "cached": 0, "unchanged": 0, "too_early": 1}


RUNTIME_TESTS = """\
import runtime

LOCAL = runtime.AsyncLocal(name="request")
RUNS = []


@runtime.async_method
async def handler(n):
    LOCAL.value = n
    await runtime.yield_()
    return LOCAL.value


@runtime.async_method
async def serve(n):
    value = await handler(n)
    return value, LOCAL.value


async def test_same_trace():
    print(await runtime.start(serve(1)))


async def test_differs_only_in_the_trace():
    RUNS.append(1)
    LOCAL.value = len(RUNS)  # nothing printed, nothing raised: only the trace tells


async def test_records_its_own_trace():
    with runtime.trace() as trace:
        await runtime.start(serve(2))
    assert trace.check() == []
"""


def test_differential_compares_runtime_traces(pytester: pytest.Pytester) -> None:
    pytester.makeini(INI.format(mode="auto"))
    pytester.makepyfile(test_runtime=RUNTIME_TESTS)
    result = pytester.runpytest("-p", "no:cacheprovider", "--async-inline-differential")
    result.assert_outcomes(passed=2, failed=1)
    text = result.stdout.str()
    assert "FAILED test_runtime.py::test_differs_only_in_the_trace" in text
    assert (
        "  - runtime trace differs\n"
        "    locals: original [(('write', \"AsyncLocal 'request'#1\", '1'), 1)]\n"
        "            inlined  [(('write', \"AsyncLocal 'request'#1\", '2'), 1)]"
    ) in text


@pytest.mark.decisions
def test_register_assert_rewrite_package_is_inlined_then_assertion_rewritten(pytester: pytest.Pytester) -> None:
    """A helper package pytest assertion-rewrites gets both: inlined first, then pytest's pass."""
    pytester.makeini(INI.format(mode="auto"))
    pytester.makepyfile(
        **{
            "helpers/__init__": """
                async def _size(items):
                    return len(items)

                async def check_size(items, expected):
                    n = await _size(items)
                    assert n == expected
            """,
            "conftest": "import pytest\npytest.register_assert_rewrite('helpers')\n",
            "test_helpers": """
                import helpers

                async def test_fails_with_introspection():
                    await helpers.check_size([1], 2)
            """,
        }
    )
    pytester.syspathinsert()
    result = pytester.runpytest("-p", "no:cacheprovider", "--async-inline", "--async-inline-packages=helpers", "--async-inline-report=r.json")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["E*assert 1 == 2"])
    document = json.loads((pytester.path / "r.json").read_text())
    [helpers] = [f for f in document["files"] if f["path"].endswith(os.path.join("helpers", "__init__.py"))]
    assert [(d["caller"], d["callee"]) for d in helpers["inlined"]] == [("check_size", "_size")]
    assert "PytestAssertRewriteWarning" not in result.stdout.str()


_ASSERT_INI = "[pytest]\nasyncio_mode = auto\nasyncio_default_fixture_loop_scope = function\n"


def _checks_package(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, **files: str) -> None:
    """A package whose ``lib.checks`` pytest assertion-rewrites (registered by ``lib``),
    with ``files`` beside it."""
    monkeypatch.delenv("ASYNC_INLINE", raising=False)
    monkeypatch.delenv("PYTEST_ADDOPTS", raising=False)
    pytester.makeini(_ASSERT_INI)
    pytester.makepyfile(**{
        "lib/__init__": "import pytest\n\npytest.register_assert_rewrite('lib.checks')\n",
        "lib/checks": "async def check(v):\n    assert v == 4, 'custom'\n    return v\n",
        **files,
    })
    pytester.syspathinsert()


#: A test of the explanation pytest gives ``lib.checks``' assert, reached through ``other.plain``.
_EXPLANATION_TEST = textwrap.dedent("""
    import pytest
    from other import plain

    async def test_explanation_kept():
        with pytest.raises(AssertionError) as info:
            await plain.run(3)
        assert str(info.value) == "custom\\nassert 6 == 4"
    """)

_PLAIN = {"other/__init__": "", "other/plain": "from lib import checks\n\n\nasync def run(x):\n    return await checks.check(2 * x)\n"}


def test_an_assert_is_inlined_only_between_modules_pytest_rewrites_alike(pytester: pytest.Pytester, monkeypatch) -> None:
    """Review R13 c3: pytest rewrites asserts per module, after the hook inlined. A package
    callee's bare ``assert`` inlined into a test module got pytest's message ('' became
    'assert -1 > 0'), and a ``register_assert_rewrite`` module's callee inlined into a plain
    module lost it ('custom\\nassert 6 == 4' became 'custom'). Both are calls at run time
    now (their references are not found: ``runtime.function_at(..., asserts=True)``); a
    callee without an assert is still inlined."""
    _checks_package(
        pytester,
        monkeypatch,
        **{
            "lib/core": "async def validate(x):\n    assert x > 0\n    return x\n\n\n"
            "async def validate_msg(x):\n    assert x > 0, 'must be positive'\n    return x\n\n\n"
            "async def double(x):\n    return 2 * x\n",
            "lib/other": "from lib import checks\n\n\nasync def run(x):\n    return await checks.check(2 * x)\n",
        },
    )
    pytester.makepyfile(
        test_v=textwrap.dedent(
            """
            import pytest
            from lib.core import double, validate, validate_msg
            from lib.other import run

            async def test_message():
                with pytest.raises(AssertionError) as info:
                    await validate(-1)
                assert str(info.value) == ""

            async def test_raises_match():
                with pytest.raises(AssertionError, match="^must be positive$"):
                    await validate_msg(-1)

            async def test_explanation_kept():
                with pytest.raises(AssertionError) as info:
                    await run(3)
                assert str(info.value).startswith("custom\\nassert 6 == 4")

            async def test_no_assert():
                assert await double(2) == 4
            """
        )
    )
    plain = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    plain.assert_outcomes(passed=4)
    report = pytester.path / "report.json"
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--async-inline", "--async-inline-packages=lib", f"--async-inline-report={report}")
    result.assert_outcomes(passed=4)
    assert '"double"' in report.read_text()


def test_an_assert_of_a_package_registered_in_its_init_is_not_inlined_into_a_plain_module(pytester: pytest.Pytester, monkeypatch) -> None:
    """Review R13 e-b: lib/__init__ calls register_assert_rewrite('lib.checks'); when the hook rewrites
    other/plain.py, lib is not imported yet, so pytest's finder does not know lib.checks
    will be rewritten: a check at rewrite time said False for both modules and check's assert was
    inlined into the plain module, losing pytest's explanation."""
    _checks_package(pytester, monkeypatch, **_PLAIN)
    pytester.makepyfile(test_v=_EXPLANATION_TEST)
    pytester.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=1)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--async-inline", "--async-inline-packages=lib,other")
    result.assert_outcomes(passed=1)


def test_a_test_module_saying_pytest_dont_rewrite_does_not_take_a_rewritten_assert(pytester: pytest.Pytester, monkeypatch) -> None:
    """Review R13 e-c: PYTEST_DONT_REWRITE in a module docstring turns pytest's pass off for that
    module; a check at rewrite time answered by the loader (imported module) or by the
    transform being present (the module built), not by what the pass does. The
    references now look for the pass's own mark in both modules' globals."""
    _checks_package(pytester, monkeypatch, conftest="import lib.checks\n")
    pytester.makepyfile(test_w=textwrap.dedent('''
        """PYTEST_DONT_REWRITE"""
        import pytest
        from lib.checks import check

        async def test_message():
            with pytest.raises(AssertionError) as info:
                await check(3)
            assert str(info.value) == "custom\\nassert 3 == 4"
        '''))
    pytester.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=1)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--async-inline", "--async-inline-packages=lib")
    result.assert_outcomes(passed=1)


def test_a_cache_entry_built_outside_pytest_is_not_used_where_pytest_rewrites_the_callee(pytester: pytest.Pytester, monkeypatch) -> None:
    """Review R13 e-d: other/plain.py is not transformed by pytest, so its cache key is the same under
    `cache build` / `run` and under pytest; the c3 decision (inline lib.checks' assert
    or not) depends on whether pytest rewrites lib.checks, which the key does not hold."""
    monkeypatch.setenv("ASYNC_INLINE_CACHE_DIR", str(pytester.path / "aicache"))
    # lib registered first: a fresh pytest run keeps check a call
    _checks_package(pytester, monkeypatch, conftest="import lib\n", **_PLAIN)
    pytester.makepyfile(test_v=_EXPLANATION_TEST)
    args = ("-p", "no:cacheprovider", "--async-inline", "--async-inline-packages=lib,other")
    pytester.runpytest_subprocess(*args).assert_outcomes(passed=1)  # fresh cache: right
    shutil.rmtree(pytester.path / "aicache")
    subprocess.run([sys.executable, "-m", "async_inline", "cache", "build", "lib", "other", "--packages", "lib,other"],
                   cwd=pytester.path, check=True)
    pytester.runpytest_subprocess(*args).assert_outcomes(passed=1)


WARNING_CORE = '''
import re, sys
PAT = re.compile("\\d+")   # a compile-time warning: DeprecationWarning (3.10, 3.11), SyntaxWarning (3.12+)

def who():
    return sys._getframe(1).f_code.co_name

async def leaf():
    return who()

async def caller():
    return await leaf()
'''

WARNING_TESTS = '''
import pytest
import shop.core

@pytest.mark.filterwarnings("error")
@pytest.mark.no_async_inline
async def test_original_code_runs():
    assert await shop.core.caller() == "leaf"

@pytest.mark.no_async_inline
async def test_original_code_runs_again():
    assert await shop.core.caller() == "leaf"
'''


def _warning_project(pytester: pytest.Pytester, tests: str = WARNING_TESTS) -> None:
    pytester.makeini(INI.format(mode="auto"))
    pytester.makepyfile(**{"shop/__init__": "", "shop/core": WARNING_CORE, "tests/test_shop": tests})
    pytester.syspathinsert()


def test_no_async_inline_runs_original_code_of_a_module_with_a_compile_warning_under_an_error_filter(pytester: pytest.Pytester) -> None:
    """Review R20f 2: the original source was compiled with its warnings, inside the first
    ``no_async_inline`` test: under its error filter the compilation failed, the module was
    dropped for the session, and both tests ran the inlined code; without a filter the
    module's warning was issued a second time, on the test."""
    assert "\\d" in WARNING_CORE
    _warning_project(pytester)
    plain = pytester.runpytest("-p", "no:cacheprovider")
    plain.assert_outcomes(passed=2, warnings=1)
    inlined = pytester.runpytest("-p", "no:cacheprovider", "--async-inline", "--async-inline-packages=shop")
    inlined.assert_outcomes(passed=2, warnings=1)


@pytest.mark.decisions
def test_differential_original_run_of_a_module_with_a_compile_warning_under_an_error_filter(pytester: pytest.Pytester) -> None:
    """Review R20f 2, differential mode: the original run of the first test (error filter)
    ran the inlined code (``who()`` named the test, not ``leaf``), so no run reported the
    difference the inlined frames make; the second test's neither (the module was dropped)."""
    tests = WARNING_TESTS.replace("@pytest.mark.no_async_inline\n", "").replace("assert await", "print(await").replace(' == "leaf"', ")")
    _warning_project(pytester, tests)
    result = pytester.runpytest("-p", "no:cacheprovider", "--async-inline-differential", "--async-inline-packages=shop")
    result.assert_outcomes(failed=2, warnings=1)
    result.stdout.fnmatch_lines(["*call: stdout differs*", "*original: 'leaf\\n'*"] * 2)


def test_a_module_whose_original_does_not_compile_fails_the_original_runs(pytester: pytest.Pytester) -> None:
    """Review R20f 2: a module whose original source did not compile when the first
    original run needed it was skipped silently; every later original run then ran its
    inlined code (differential mode compared inlined with inlined). Each such run now fails
    and names the module. (The compilation is made to fail here: the module compiled when
    imported, so only an environment changing in between could make it fail.)"""
    _warning_project(pytester, WARNING_TESTS.replace('@pytest.mark.filterwarnings("error")\n', ""))
    pytester.makeconftest(
        """
        import async_inline.hook.twins as twins

        def _refuse(source, path, transform=None, **kwargs):
            raise SyntaxError("refused by the test")

        def pytest_sessionstart(session):
            session.config._saved_compile = twins.compile_original
            twins.compile_original = _refuse

        def pytest_sessionfinish(session):
            twins.compile_original = session.config._saved_compile
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider", "--async-inline", "--async-inline-packages=shop")
    result.assert_outcomes(failed=2, warnings=1)
    result.stdout.fnmatch_lines(["*this no_async_inline test did not run only the original code*", "*core.py: its original source did not compile here (SyntaxError: refused by the test*"])
    differential = pytester.runpytest("-p", "no:cacheprovider", "--async-inline-differential", "--async-inline-packages=shop")
    differential.assert_outcomes(failed=2, warnings=1)
    differential.stdout.fnmatch_lines(["*the original run ran the inlined code of *core.py: its original source did not compile here*"])
