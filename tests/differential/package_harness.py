"""The oracle for programs of several modules: each version runs in a fresh interpreter.

A package program is a dict of relative paths (``pkg/x.py``) to sources. The original and
the rewritten program (``rewrite_program``: every module may inline from the others) are
written to two directories and imported in fresh subprocesses, which run an entry
coroutine and print its result, exception chain and output; the two must match.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import textwrap
from collections.abc import Mapping

from async_inline import Options
from async_inline.api import RewriteResult, rewrite_program

_RUNNER = r"""
import asyncio, contextlib, importlib, io, json, sys
def describe(exc, depth=0):
    if exc is None or depth > 5:
        return None
    context = exc.__context__ if exc.__context__ is not exc.__cause__ else "=cause"
    return [type(exc).__name__, str(exc), describe(exc.__cause__, depth + 1),
            describe(context, depth + 1) if context != "=cause" else context]
module, entry = sys.argv[1].split(":")
out, result, error = io.StringIO(), None, None
with contextlib.redirect_stdout(out):
    try:
        result = repr(asyncio.run(getattr(importlib.import_module(module), entry)()))
    except BaseException as exc:
        error = describe(exc)
import runtime
top = {name.split(".")[0] for name in sys.argv[2].split(",")}
missing = sorted(
    f"{name}.{key}"
    for name, mod in list(sys.modules.items()) if name.split(".")[0] in top
    for key, value in list(vars(mod).items()) if key.startswith("_ai_ref_") and value is runtime.NOT_FOUND
)
print(json.dumps({"stdout": out.getvalue(), "result": result, "error": error, "missing": missing}))
"""


def run_package(files: Mapping[str, str], entry: str) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as root:
        for relative, text in files.items():
            path = os.path.join(root, relative)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
        project = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([root, os.path.dirname(project)]), "PYTHONDONTWRITEBYTECODE": "1"}
        packages = ",".join(sorted({relative.split("/")[0].removesuffix(".py") for relative in files}))
        done = subprocess.run([sys.executable, "-c", _RUNNER, entry, packages], cwd=root, env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        return dict(json.loads(done.stdout.splitlines()[-1]))


def assert_same_package_behaviour(
    files: Mapping[str, str],
    *,
    entry: str = "pkg.app:main",
    inlined: set[str] | None = None,
    options: Options | None = None,
    raises: str | None = None,
    not_found: frozenset[str] = frozenset(),
) -> dict[str, RewriteResult]:
    """Rewrite the program, run both versions, assert identical outcomes; ``inlined``
    names callees (``pkg.x.f``) that must have been inlined somewhere. The original must
    finish without an exception unless ``raises`` names the one it raises: two versions
    failing alike (an import error of the test itself) would otherwise pass. Every
    reference the guards compare with must hold its function once the program has run,
    but those named in ``not_found`` (``pkg.app._ai_ref_f``: an import cycle ...)."""
    files = {path: textwrap.dedent(text).lstrip("\n") for path, text in files.items()}
    options = options or Options()
    results = rewrite_program(files, options=options.replace(stress_seed=None))
    done = {d.target or d.callee for r in results.values() for d in r.report.inlined}
    assert done, f"nothing inlined; skipped: {[s for r in results.values() for s in r.report.skipped]}"
    if inlined is not None:
        assert inlined <= done, f"not inlined: {inlined - done}; skipped: {[s for r in results.values() for s in r.report.skipped]}"
    compared = results if options.stress_seed is None else rewrite_program(files, options=options)
    rewritten = {path: result.code for path, result in compared.items()}
    original = run_package(files, entry)
    error = original["error"]
    raised = error[0] if isinstance(error, list) else None
    assert raised == raises, f"the original program raised {error!r}, expected {raises!r}"
    after = run_package(rewritten, entry)
    code = "\n".join(f"--- {p}\n{c}" for p, c in rewritten.items())
    missing = after.pop("missing")
    original.pop("missing")
    assert after == original, f"behaviour differs\n--- original: {original}\n--- rewritten: {after}\n{code}"
    # A stress rewrite takes references of its own: those it takes are among the expected.
    expected = sorted(not_found) if options.stress_seed is None else sorted(not_found & set(missing))
    assert missing == expected, f"references not found after the run: {missing}, expected {sorted(not_found)}\n{code}"
    return results
