"""Logical frames: the excepthook of ``run``, pytest's failure tracebacks, ``-l``, ``--pdb``
and the ``async_inline.debug`` API show the frames the original program has."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(sys.version_info < (3, 11), reason="frame maps need co_positions")

THREE_LEVELS = """\
import asyncio


async def divide(a, b):
    q = a // b
    return q


async def run_handler(x):
    y = x * 2
    r = await divide(
        y, x - x)
    return r


async def execute_strict(n):
    total = 0
    total += await run_handler(n)
    return total
"""
SCRIPT = THREE_LEVELS + "\n\nasyncio.run(execute_strict(3))\n"
_ENTRY = re.compile(r'^  File "(?P<file>[^"]+)", line (?P<line>\d+), in (?P<name>\S+)')


def _entries(stderr: str, path: Path) -> list[tuple[str, int, str]]:
    lines = stderr.splitlines()
    out = []
    for i, text in enumerate(lines):
        found = _ENTRY.match(text)
        if found and found["file"] == str(path):
            out.append((found["name"], int(found["line"]), lines[i + 1].strip()))
    return out


def _run_both(tmp_path: Path) -> tuple[Path, str, str]:
    script = tmp_path / "three.py"
    script.write_text(SCRIPT)
    plain = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, cwd=tmp_path, check=False)
    inlined = subprocess.run([sys.executable, "-m", "async_inline", "run", str(script)], capture_output=True, text=True, cwd=tmp_path, check=False)
    assert plain.returncode == inlined.returncode == 1
    return script, plain.stderr, inlined.stderr


def test_run_prints_the_traceback_python_prints(tmp_path: Path) -> None:
    """Three inlined levels (whichever are inlined: this also runs under stress mode)."""
    script, plain, inlined = _run_both(tmp_path)
    expected = _entries(plain, script)
    assert [name for name, _, _ in expected] == ["<module>", "execute_strict", "run_handler", "divide"]
    assert _entries(inlined, script) == expected
    assert plain.splitlines()[-1] == inlined.splitlines()[-1]


@pytest.mark.decisions
def test_run_tags_the_inlined_frames(tmp_path: Path) -> None:
    _, _, inlined = _run_both(tmp_path)
    assert "in divide [inlined]" in inlined and "in run_handler [inlined]" in inlined and "in execute_strict\n" in inlined


def test_run_prints_a_thread_s_traceback_as_python_prints_it(tmp_path: Path) -> None:
    """Review R22a F3: ``run`` set ``sys.excepthook`` only; an exception a thread did not
    catch showed the callee's line under the caller's name."""
    script = tmp_path / "threaded.py"
    script.write_text(THREE_LEVELS + "\n\nimport threading\nt = threading.Thread(target=asyncio.run, args=(execute_strict(3),), name='worker')\nt.start()\nt.join()\n")
    plain = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, cwd=tmp_path, check=False)
    inlined = subprocess.run([sys.executable, "-m", "async_inline", "run", str(script)], capture_output=True, text=True, cwd=tmp_path, check=False)
    assert plain.returncode == inlined.returncode == 0
    expected = _entries(plain.stderr, script)
    assert [name for name, _, _ in expected] == ["execute_strict", "run_handler", "divide"], plain.stderr
    assert _entries(inlined.stderr, script) == expected, inlined.stderr
    assert inlined.stderr.splitlines()[0] == plain.stderr.splitlines()[0] == "Exception in thread worker:"
    assert plain.stderr.splitlines()[-1] == inlined.stderr.splitlines()[-1]


@pytest.mark.parametrize("limit", [0, 1, 2])
@pytest.mark.parametrize("threaded", [False, True], ids=["main", "thread"])
def test_run_honours_sys_tracebacklimit(tmp_path: Path, limit: int, threaded: bool) -> None:
    """Review R27a F1: python prints only the last ``sys.tracebacklimit`` entries (none,
    and no "Traceback" header, for 0); ``run``'s hooks printed them all."""
    start = "asyncio.run(execute_strict(3))"
    if threaded:
        start = f"import threading\nt = threading.Thread(target=lambda: {start}, name='w')\nt.start()\nt.join()"
    script = tmp_path / "limited.py"
    script.write_text(THREE_LEVELS + f"\n\nimport sys\nsys.tracebacklimit = {limit}\n{start}\n")
    plain = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, cwd=tmp_path, check=False)
    inlined = subprocess.run([sys.executable, "-m", "async_inline", "run", str(script)], capture_output=True, text=True, cwd=tmp_path, check=False)
    assert inlined.returncode == plain.returncode
    assert _entries(inlined.stderr, script) == _entries(plain.stderr, script), (plain.stderr, inlined.stderr)
    assert len(_entries(plain.stderr, script)) == limit
    assert ("Traceback (most recent call last):" in inlined.stderr) == ("Traceback (most recent call last):" in plain.stderr) == (limit > 0)
    assert inlined.stderr.splitlines()[-1] == plain.stderr.splitlines()[-1]


def _module(tmp_path: Path, name: str, text: str):  # type: ignore[no-untyped-def]
    import importlib

    import async_inline

    (tmp_path / f"{name}.py").write_text(text)
    sys.path.insert(0, str(tmp_path))
    try:
        async_inline.install([name])
        return importlib.import_module(name)
    finally:
        async_inline.uninstall()
        sys.path.remove(str(tmp_path))


@pytest.mark.decisions
def test_api_lists_logical_frames_with_the_callees_values(tmp_path: Path) -> None:
    import asyncio

    from async_inline import debug

    module = _module(tmp_path, "ai_logical_api", THREE_LEVELS)
    with pytest.raises(ZeroDivisionError) as info:
        asyncio.run(module.execute_strict(3))
    frames = [f for f in debug.logical_tb(info.value.__traceback__) if f.filename == module.__file__]
    assert [(f.name, f.lineno, f.inlined) for f in frames] == [("execute_strict", 18, False), ("run_handler", 11, True), ("divide", 5, True)]
    # The exceptional exit keeps the callee's locals (post-mortem), under their own names.
    assert frames[2].f_locals == {"a": 6, "b": 0}
    assert frames[1].f_locals == {"x": 3, "y": 6}
    assert frames[0].f_locals == {"n": 3, "total": 0}  # n, which run_handler's x aliases, is the caller's too (review R8 f4)
    assert frames[2].line == "q = a // b"


@pytest.mark.decisions
def test_logical_stack_of_a_running_inlined_callee(tmp_path: Path) -> None:
    import asyncio

    module = _module(
        tmp_path,
        "ai_logical_stack",
        "from async_inline.debug import logical_stack\n\n\nasync def inner():\n    return [f.name for f in logical_stack()]\n\n\n"
        "async def outer():\n    return await inner()\n",
    )
    names = asyncio.run(module.outer())
    assert names[-2:] == ["outer", "inner"]


TEST_MODULE = textwrap.dedent(
    """
    import pytest

    from app import execute_strict


    @pytest.mark.asyncio
    async def test_fails():
        assert await execute_strict(3) == 0
    """
)


def _pytest(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "app.py").write_text(THREE_LEVELS)
    (tmp_path / "test_app.py").write_text(TEST_MODULE)
    (tmp_path / "pytest.ini").write_text("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "test_app.py", "--async-inline", "--async-inline-packages=app", *args]
    return subprocess.run(command, capture_output=True, text=True, cwd=tmp_path, check=False)


@pytest.mark.decisions
def test_pytest_shows_the_inlined_frames_never_question_marks(tmp_path: Path) -> None:
    done = _pytest(tmp_path, "-l")
    out = done.stdout
    assert done.returncode == 1, out
    assert "???" not in out
    # pytest's auto style: long for the first and last entries, short between
    assert "app.py:18: in execute_strict\n" in out
    assert "app.py:11: in run_handler [inlined into execute_strict]\n" in out
    assert "    async def divide(a, b):\n" in out
    assert "app.py:5: ZeroDivisionError [inlined into execute_strict]" in out
    assert ">       q = a // b" in out
    # -l: the callee's own values, no generated names
    assert re.search(r"^a\s+= 6$", out, re.M) and re.search(r"^b\s+= 0$", out, re.M)
    assert "_ai" not in out


@pytest.mark.decisions
def test_pytest_pdb_sees_the_callees_values(tmp_path: Path) -> None:
    (tmp_path / "cmds").write_text("")
    command_input = "p a, b\ninlined\nc\n"
    (tmp_path / "app.py").write_text(THREE_LEVELS)
    (tmp_path / "test_app.py").write_text(TEST_MODULE)
    (tmp_path / "pytest.ini").write_text("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    command = [
        sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "test_app.py", "--async-inline", "--async-inline-packages=app",
        "--pdb", "--pdbcls=async_inline.debug:Pdb",
    ]
    done = subprocess.run(command, capture_output=True, text=True, cwd=tmp_path, check=False, input=command_input)
    assert "(6, 0)" in done.stdout, done.stdout
    assert "in divide [inlined]" in done.stdout and re.search(r"^\s+b = 0$", done.stdout, re.M)


CORE = """\
async def price(x):
    if x < 0:
        raise ValueError("negative")
    return x * 2


async def total(xs):
    t = 0
    for x in xs:
        t += await price(x)
    return t
"""
ENTRY = "from ai_xmod_core import total\n\n\nasync def main():\n    return await total([-1])\n"


@pytest.mark.decisions
def test_logical_frames_of_a_callee_of_another_module_name_its_file(tmp_path: Path) -> None:
    """Finding F7: the logical frames of callees inlined from another module named the
    caller's file (with the callee's name and first line): pytest showed the caller file's
    lines as the callee's body, or ``???``. Their file is the callee's; their line, whose
    code runs at the await in the caller's file, is their ``def``'s."""
    import asyncio
    import importlib

    import async_inline
    from async_inline import debug

    (tmp_path / "ai_xmod_core.py").write_text(CORE)
    (tmp_path / "ai_xmod_entry.py").write_text(ENTRY)
    sys.path.insert(0, str(tmp_path))
    try:
        async_inline.install(["ai_xmod_core", "ai_xmod_entry"])
        module = importlib.import_module("ai_xmod_entry")
    finally:
        async_inline.uninstall()
        sys.path.remove(str(tmp_path))
    with pytest.raises(ValueError) as info:
        asyncio.run(module.main())
    frames = [f for f in debug.logical_tb(info.value.__traceback__) if f.frame.f_code.co_filename == module.__file__]
    core = str(tmp_path / "ai_xmod_core.py")
    assert [(f.name, f.filename, f.lineno, f.inlined) for f in frames] == [
        ("main", module.__file__, 5, False),
        ("total", core, 7, True),
        ("price", core, 1, True),
    ]
    assert frames[2].line == "async def price(x):"
    assert frames[2].f_locals == {"x": -1}


@pytest.mark.decisions
def test_pytest_shows_a_callee_of_another_module_in_its_file(tmp_path: Path) -> None:
    (tmp_path / "ai_xmod_core.py").write_text(CORE)
    (tmp_path / "test_xmod.py").write_text(
        "import pytest\n\nfrom ai_xmod_core import total\n\n\n@pytest.mark.asyncio\nasync def test_fails():\n    await total([-1])\n"
    )
    (tmp_path / "pytest.ini").write_text("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "test_xmod.py", "--async-inline", "--async-inline-packages=ai_xmod_core"]
    out = subprocess.run(command, capture_output=True, text=True, cwd=tmp_path, check=False).stdout
    assert "???" not in out
    assert "ai_xmod_core.py:7: in total [inlined into test_fails]\n" in out
    assert "ai_xmod_core.py:1: ValueError [inlined into test_fails]" in out
    assert ">   async def price(x):" in out


PASTED = """\
async def check(tok, limit=10, strict=True, label=None, sep=", "):
    n = len(tok)
    if strict and n > limit:
        raise ValueError("too long")
    return n


async def scale(x, factor=3, box=[]):
    return x * factor // (len(box) - len(box))


async def main(items):
    total = 0
    for t in items:
        total += await check(t)
    return total


async def literal_argument():
    return await check("abc") + await check(None)


async def expression_form(v):
    return await scale(v)
"""


@pytest.mark.decisions
def test_a_frame_lists_the_parameters_pasted_as_values_and_the_callers_aliased_variables(tmp_path: Path) -> None:
    """Review R8 f2: a parameter standing for a pasted value (a literal argument, a default
    pasted as its literal, in the expression form an item of the module's defaults tuple)
    has no variable, and was missing from its logical frame's locals (``pytest -l``,
    ``p limit`` in ``debug.Pdb``); ``None`` as an argument was looked up as a variable named
    ``None``. F4: a variable of the caller that a parameter aliases (``t``) was listed in the
    callee's frame only, and missing from the caller's."""
    import asyncio

    from async_inline import debug

    module = _module(tmp_path, "ai_logical_pasted", PASTED)

    def last_frames(coroutine) -> list[debug.LogicalFrame]:  # type: ignore[no-untyped-def]
        with pytest.raises(Exception) as info:
            asyncio.run(coroutine)
        return [f for f in debug.logical_tb(info.value.__traceback__) if f.filename == module.__file__]

    caller, callee = last_frames(module.main(["abc", "defghijklmnop"]))
    assert caller.f_locals == {"items": ["abc", "defghijklmnop"], "t": "defghijklmnop", "total": 3}
    assert callee.f_locals == {"tok": "defghijklmnop", "limit": 10, "strict": True, "label": None, "sep": ", ", "n": 13}
    caller, callee = last_frames(module.literal_argument())
    assert callee.f_locals["tok"] is None and callee.f_locals["limit"] == 10
    caller, callee = last_frames(module.expression_form(2))
    assert (caller.name, callee.name, callee.inlined) == ("expression_form", "scale", True)
    assert callee.f_locals == {"x": 2, "factor": 3, "box": []}
    assert caller.f_locals == {"v": 2}


def test_a_callers_frame_lists_no_generated_names_of_a_site_in_a_comprehension(tmp_path: Path) -> None:
    """Review R9 f4: before 3.12 a comprehension is a function of its own, and the ``:=``
    temporaries of an expression-form site inside it are cells of the function around it,
    which had no map (none of its own instructions is inlined): its logical frame listed
    ``_ai_t1``."""
    import asyncio

    from async_inline import debug

    module = _module(tmp_path, "ai_logical_comprehension", """\
async def get(key, default=None):
    return 1 // key[0]


async def main():
    v = 1
    return [await get([i]) for i in range(3)]
""")
    with pytest.raises(ZeroDivisionError) as info:
        asyncio.run(module.main())
    frames = [f for f in debug.logical_tb(info.value.__traceback__) if f.filename == module.__file__]
    assert frames[0].name == "main" and frames[0].f_locals == {"v": 1}
    assert frames[-1].name == "get" and frames[-1].f_locals["key"] == [0]
