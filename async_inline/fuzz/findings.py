"""What a divergence leaves behind: a standalone program and a ready-to-paste pytest test."""

from __future__ import annotations

import dataclasses
import textwrap
from pathlib import Path

from ..options import Options
from .campaign import Result

_PLAIN_FOOTER = '''

if __name__ == "__main__":
    # python this.py  vs  python -m async_inline run this.py
    print("result", repr(asyncio.run(main())))
'''

_RUNTIME_FOOTER = '''

if __name__ == "__main__":
    # python this.py  vs  python -m async_inline run this.py
    import runtime

    CTX[:] = [runtime.QueueContext("c0"), runtime.QueueContext("c1")]
    with runtime.deterministic({seed}, idle_timeout=0.2) as _scheduler:
        print("result", repr(runtime.run(main())))
        _scheduler.run_until_idle()
    print("posts", [(c.name, c.posts) for c in CTX])
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
    return f"fuzz_{case.seed}_{case.family}{'_stress' if case.stress else ''}"


def program_file(result: Result) -> str:
    """The shrunk program, runnable on its own."""
    case = result.case
    header = f"# {case.label}: {result.verdict.kind}\n# reproduce: {case.command}\n# options: {options_source(case.options)}\n"
    footer = _RUNTIME_FOOTER.replace("{seed}", str(case.seed)) if case.runtime_async else _PLAIN_FOOTER
    return header + (result.shrunk or result.program).rstrip("\n") + "\n" + footer


def _literal(text: str) -> str:
    """``text`` as a readable Python literal (a raw triple-quoted string when it can be)."""
    for quote in ("'''", '"""'):
        if quote not in text and "\\" not in text:
            return f"r{quote}\n{text}{quote}"
    return repr(text)


def regression_test(result: Result, diagnosis: str | None = None) -> str:
    """A test for ``tests/regressions/test_fuzz_findings.py``: strict xfail until fixed."""
    case = result.case
    name = stem(result)
    detail = textwrap.shorten(result.verdict.detail, 400)
    reason = "fuzz finding: " + (diagnosis or f"{result.verdict.kind}: {detail[:120]}")
    comment = textwrap.fill(f"{case.label}, {result.verdict.kind}: {detail}", 88, initial_indent="    # ", subsequent_indent="    # ")
    return (
        f"{name.upper()} = {_literal(result.shrunk or result.program)}\n\n\n"
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
    """Write the program and its test into ``directory``; returns the program's path."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{stem(result)}.py"
    path.write_text(program_file(result))
    (directory / f"test_{stem(result)}.py").write_text(TEST_HEADER + regression_test(result))
    return path
