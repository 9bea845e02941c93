"""What a divergence leaves behind: a standalone program and a ready-to-paste pytest test."""

from __future__ import annotations

import dataclasses
import textwrap
from pathlib import Path

from ..options import Options
from .campaign import Result
from .oracle import ENTRY, package_name

_PLAIN_FOOTER = '''

if __name__ == "__main__":
    # {how}
    print("result", repr(asyncio.run(main())))
'''

_RUNTIME_FOOTER = '''

if __name__ == "__main__":
    # {how}
    import runtime

    CTX[:] = [runtime.QueueContext("c0"), runtime.QueueContext("c1")]
    with runtime.deterministic({seed}, idle_timeout=0.2) as _scheduler:
        print("result", repr(runtime.run(main())))
        _scheduler.run_until_idle()
    print("posts", [(c.name, c.posts) for c in CTX])
'''

#: Runs a package finding from the directory it is given (default: its own).
_PACKAGE_RUNNER = '''\
import asyncio
import os
import sys

sys.path.insert(0, os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(__file__)))

from {package}.{entry} import *  # noqa: E402, F403  (main, and CTX for runtime-async programs)
'''


def options_source(options: Options) -> str:
    """``Options(...)`` naming every field that differs from the default, and ``stress_seed``
    always (so that $ASYNC_INLINE_STRESS cannot change the test)."""
    parts = [f"stress_seed={options.stress_seed!r}"]
    for f in dataclasses.fields(options):
        value = getattr(options, f.name)
        if f.name != "stress_seed" and value != f.default:
            parts.append(f"{f.name}={value!r}")
    return f"Options({', '.join(parts)})"


def stem(result: Result) -> str:
    case = result.case
    return f"fuzz_{case.seed}_{case.family.replace('-', '_')}{'_stress' if case.stress else ''}"


def _header(result: Result) -> str:
    case = result.case
    return f"# {case.label}: {result.verdict.kind}\n# reproduce: {case.command}\n# options: {options_source(case.options)}\n"


def _footer(result: Result, how: str) -> str:
    footer = _RUNTIME_FOOTER.replace("{seed}", str(result.case.seed)) if result.case.runtime_async else _PLAIN_FOOTER
    return footer.replace("{how}", how)


def program_file(result: Result) -> str:
    """The shrunk one-module program, runnable on its own."""
    program = result.shrunk or result.program
    assert isinstance(program, str), "a package: see package_files"
    return _header(result) + program.rstrip("\n") + "\n" + _footer(result, "python this.py  vs  python -m async_inline run this.py")


def package_files(result: Result) -> dict[str, str]:
    """The shrunk package, and ``run.py`` beside it that runs it (or, given a directory, the
    package in that directory: a rewritten copy)."""
    program = result.shrunk or result.program
    assert isinstance(program, dict)
    package = package_name(program)
    how = f"python run.py  vs  python -m async_inline rewrite {package} -o rewritten/{package} && python run.py rewritten"
    runner = _header(result) + _PACKAGE_RUNNER.format(package=package, entry=ENTRY) + _footer(result, how)
    return {**program, "run.py": runner}


def _literal(text: str) -> str:
    """``text`` as a readable Python literal (a raw triple-quoted string when it can be)."""
    for quote in ("'''", '"""'):
        if quote not in text and "\\" not in text:
            return f"r{quote}\n{text}{quote}"
    return repr(text)


def _program_literal(program: str | dict[str, str]) -> str:
    if isinstance(program, str):
        return _literal(program)
    entries = "".join(f"    {path!r}: {_literal(text)},\n" for path, text in program.items())
    return "{\n" + entries + "}"


def regression_test(result: Result, diagnosis: str | None = None) -> str:
    """A test for ``tests/regressions/test_fuzz_findings.py``: strict xfail until fixed."""
    case = result.case
    name = stem(result)
    detail = textwrap.shorten(result.verdict.detail, 400)
    reason = "fuzz finding: " + (diagnosis or f"{result.verdict.kind}: {detail[:120]}")
    comment = textwrap.fill(f"{case.label}, {result.verdict.kind}: {detail}", 88, initial_indent="    # ", subsequent_indent="    # ")
    return (
        f"{name.upper()} = {_program_literal(result.shrunk or result.program)}\n\n\n"
        f"@pytest.mark.xfail(strict=True, reason={reason!r})\n"
        f"def test_{name}():\n"
        f"{comment}\n"
        f"    verdict = compare({name.upper()}, runtime_async={case.runtime_async}, "
        f"options={options_source(case.options)}, seed={case.seed})\n"
        f"    assert verdict.kind is None, verdict.detail\n"
    )


TEST_HEADER = '''\
import pytest

from async_inline import Options
from async_inline.fuzz.oracle import compare


'''


def write(result: Result, directory: Path) -> Path:
    """Write the program (a file, or a package's directory with its ``run.py``) and its test
    into ``directory``; returns the program's path."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / f"test_{stem(result)}.py").write_text(TEST_HEADER + regression_test(result))
    if isinstance(result.program, str):
        path = directory / f"{stem(result)}.py"
        path.write_text(program_file(result))
        return path
    path = directory / stem(result)
    for name, text in package_files(result).items():
        (path / name).parent.mkdir(parents=True, exist_ok=True)
        (path / name).write_text(text)
    return path
