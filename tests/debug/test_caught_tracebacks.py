"""Tracebacks of exceptions caught inside inlined code (review R14 i F4).

An exception's traceback begins in the frame where it was caught. Caught in an inlined
callee, that physical frame is its caller's: the logical traceback began with the caller's
frames (``main ... await helper(0)``), which python's traceback of the original program has
not, for a chained exception, ``raise ... from``, ``raise error`` and the members of an
exception group. The programs below check both sides of the rule: where the caller's own
``except`` caught it (or a clause of the callee that does not match, or re-raises), the
caller's frame stays.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.differential.harness import stress_active

pytestmark = pytest.mark.skipif(sys.version_info < (3, 11), reason="frame maps need co_positions")

PROGRAMS = {
    "caught_in_callee": """\
async def helper(x):
    try:
        return 10 // x
    except ZeroDivisionError:
        raise ValueError("bad input")


async def main():
    print(await helper(2))
    print(await helper(0))
""",
    "caught_by_the_callers_except": """\
async def helper(x):
    return 10 // x


async def main():
    try:
        await helper(0)
    except ZeroDivisionError:
        raise ValueError("bad input")
""",
    "callee_clause_of_another_type": """\
async def helper(x):
    try:
        return 10 // x
    except (KeyError, IndexError):
        return 0


async def main():
    try:
        await helper(0)
    except ZeroDivisionError:
        raise ValueError("bad input")
""",
    "depth_two": """\
async def leaf(x):
    try:
        return 10 // x
    except ZeroDivisionError:
        raise KeyError(x)


async def mid(x):
    try:
        return await leaf(x)
    except KeyError:
        raise ValueError("bad input")


async def main():
    try:
        await mid(0)
    except ValueError as error:
        raise RuntimeError("failed") from error
""",
    "reraised_then_caught_by_the_caller": """\
async def helper(x):
    try:
        return 10 // x
    except ZeroDivisionError:
        print("logged")
        raise


async def main():
    try:
        await helper(0)
    except ZeroDivisionError as error:
        raise ValueError("bad input") from error
""",
    "raise_from_in_callee": """\
async def helper(x):
    try:
        return 10 // x
    except ZeroDivisionError as error:
        raise ValueError("bad input") from error


async def main():
    await helper(0)
""",
    "raise_the_caught_exception": """\
async def helper(x):
    try:
        return 10 // x
    except ZeroDivisionError as error:
        error.add_note("in helper")
        raise error


async def main():
    await helper(0)
""",
    "group_raised_in_callee": """\
async def grp(n):
    errors = []
    for i in range(n):
        try:
            raise ValueError(i)
        except ValueError as error:
            errors.append(error)
    raise ExceptionGroup("many", errors)


async def main():
    await grp(3)
""",
    "group_raised_by_the_caller": """\
async def collect(n):
    errors = []
    for i in range(n):
        try:
            1 // i
        except ZeroDivisionError as error:
            errors.append(error)
    return errors


async def main():
    errors = await collect(2)
    raise ExceptionGroup("many", errors)
""",
    "task_group_member_left_its_task": """\
async def helper(x):
    return 10 // x


async def child(x):
    try:
        return await helper(x)
    except ZeroDivisionError:
        raise


async def main():
    async with asyncio.TaskGroup() as tg:
        tg.create_task(child(0))
""",
}


def _stderr(command: list[str], cwd: Path) -> str:
    done = subprocess.run(command, capture_output=True, text=True, cwd=cwd, check=False)
    assert done.returncode == 1, done.stderr
    return done.stderr


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_run_prints_where_python_says_the_exception_was_caught(tmp_path: Path, name: str) -> None:
    script = tmp_path / f"{name}.py"
    script.write_text(f"import asyncio\n\n\n{PROGRAMS[name]}\n\nasyncio.run(main())\n")
    plain = _stderr([sys.executable, str(script)], tmp_path)
    inlined = _stderr([sys.executable, "-m", "async_inline", "run", str(script)], tmp_path)
    assert stress_active() or "[inlined]" in inlined  # a stress rewrite inlines some sites only
    assert inlined.replace(" [inlined]", "") == plain


TESTS = "import pytest\n\n\n" + PROGRAMS["caught_in_callee"] + """

async def via_caller():
    try:
        await helper(0)
    except ValueError as error:
        raise KeyError("again") from error


@pytest.mark.asyncio
async def test_caught_in_callee():
    await main()


@pytest.mark.asyncio
async def test_caught_by_the_caller():
    await via_caller()
"""
_LOCATION = re.compile(r"^(\S+\.py:\d+): ?(.*?) ?(\[inlined into \w+\])?$", re.M)


def test_pytest_shows_where_python_says_the_exception_was_caught(tmp_path: Path) -> None:
    """pytest's tracebacks (hook/tracebacks.py) follow the same rule, in each exception of a chain."""
    (tmp_path / "test_app.py").write_text(TESTS)
    (tmp_path / "pytest.ini").write_text("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "test_app.py"]
    plain = subprocess.run(command, capture_output=True, text=True, cwd=tmp_path, check=False).stdout
    inlined = subprocess.run(
        [*command, "--async-inline", "--async-inline-packages=test_app"], capture_output=True, text=True, cwd=tmp_path, check=False
    ).stdout
    assert "[inlined into test_caught_in_callee]" in inlined and "[inlined into test_caught_by_the_caller]" in inlined, inlined
    expected = [(where, what) for where, what, _ in _LOCATION.findall(plain)]
    assert [(where, what) for where, what, _ in _LOCATION.findall(inlined)] == expected
    assert expected[0] == ("test_app.py:6", "ZeroDivisionError")  # the first traceback of the chain begins in helper
