"""``python -m async_inline run``: the program behaves as under ``python`` itself (output,
``sys.argv``, ``__name__``, exit status, tracebacks), with its modules inlined.

These start interpreters: ``__main__``, ``sys.argv`` and exit statuses are per process.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hook_helpers import SAMPLE, write_tree

PROGRAM = """\
import asyncio
import json
import os
import sys

import applib


def describe():
    return {
        "name": __name__,
        "argv": sys.argv,
        "path0": sys.path[0],
        "file": __file__,
        "main_module": sys.modules["__main__"].__dict__ is globals(),
        "result": asyncio.run(applib.main()),
        "loader": type(applib.__loader__).__name__,
    }


if __name__ == "__main__":
    print(json.dumps(describe()))
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    if command == "raise":
        raise ValueError("boom")
    if command == "exit":
        sys.exit(int(sys.argv[2]))
    if command == "exit-message":
        sys.exit("fatal: bad things")
"""


def _python(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if k != "ASYNC_INLINE"}
    environ.update(env or {})
    return subprocess.run([sys.executable, *args], cwd=cwd, capture_output=True, text=True, timeout=120, env=environ)


@pytest.fixture
def program(tmp_path: Path) -> Path:
    write_tree(tmp_path, {"app/prog.py": PROGRAM, "app/applib.py": SAMPLE})
    return tmp_path


def _same(plain: subprocess.CompletedProcess[str], ours: subprocess.CompletedProcess[str]) -> None:
    assert ours.returncode == plain.returncode, ours.stderr
    assert ours.stderr == plain.stderr


@pytest.mark.parametrize("args", [["--help", "-m", "x"], ["raise"], ["exit-message"]])
def test_script_behaves_as_under_python(program: Path, args: list[str]) -> None:
    plain = _python("app/prog.py", *args, cwd=program)
    ours = _python("-m", "async_inline", "run", "--packages", "applib", "app/prog.py", *args, cwd=program)
    _same(plain, ours)
    expected, got = json.loads(plain.stdout), json.loads(ours.stdout)
    assert expected.pop("loader") == "SourceFileLoader"
    assert got.pop("loader") == "RewritingLoader"
    assert got == expected
    assert got["path0"] == str(program / "app") and got["argv"] == ["app/prog.py", *args]


#: Prints whether ``where`` ran in a frame of its own: True normally, False once inlined.
FRAMES = """\
import asyncio, sys


async def where():
    return 1


async def main():
    return await where()


calls = []
sys.setprofile(lambda frame, event, arg: calls.append(frame.f_code.co_name) if event == "call" else None)
asyncio.run(main())
sys.setprofile(None)
print("where" in calls)
"""


@pytest.mark.decisions
def test_the_script_is_inlined(program: Path) -> None:
    write_tree(program, {"app/frames.py": FRAMES})
    plain = _python("app/frames.py", cwd=program)
    ours = _python("-m", "async_inline", "run", "app/frames.py", cwd=program)
    assert (plain.stdout, ours.stdout) == ("True\n", "False\n"), ours.stderr


def test_a_module_of_the_program_named_runtime_leaves_the_modules_unchanged(program: Path) -> None:
    """Rewritten code imports async_inline's runtime as ``runtime``: a ``runtime.py`` beside
    the script would be imported instead, and every rewritten module failed as it ran
    (AttributeError). The hook now leaves the modules as they are, says why once, and the
    program runs as under python."""
    write_tree(program, {"app/frames.py": "import runtime\nprint(runtime.SETTING)\n" + FRAMES, "app/runtime.py": "SETTING = 'mine'\n"})
    plain = _python("app/frames.py", cwd=program)
    ours = _python("-m", "async_inline", "run", "app/frames.py", cwd=program)
    assert plain.stdout == ours.stdout == "mine\nTrue\n", ours.stderr
    assert ours.returncode == 0
    assert ours.stderr.count("async_inline leaves modules unchanged: 'import runtime' reaches") == 1, ours.stderr
    assert "rename that module" in ours.stderr


@pytest.mark.parametrize("kind", ["script", "directory"])
def test_a_module_of_the_program_named_like_one_run_imported_is_warned_of(tmp_path: Path, kind: str) -> None:
    """Review R35c F1: ``run`` imports modules python does not import before a program; a
    ``cmd.py`` beside the script is what python imports, while under ``run`` the program
    silently got the standard library's. ``run`` no longer imports ``cmd`` (pdb, zipfile
    and importlib.abc are imported where they are used), and names in a warning, once, a
    module it still imports first (``json``, for its cache); not one python imports
    itself (``os``)."""
    main = "import cmd, json\nprint(cmd.run('build'), json.dumps([1]))\n"
    write_tree(tmp_path, {
        "app/cmd.py": "def run(name):\n    return f'app command {name!r}'\n",
        "app/json.py": "def dumps(value):\n    return 'mine'\n",
        "app/os.py": "",
        f"app/{'prog.py' if kind == 'script' else '__main__.py'}": main,
    })
    target = "app/prog.py" if kind == "script" else "app"
    plain = _python(target, cwd=tmp_path)
    assert plain.stdout == "app command 'build' mine\n", plain.stderr
    ours = _python("-m", "async_inline", "run", target, cwd=tmp_path)
    assert ours.stdout == "app command 'build' [1]\n", ours.stderr
    warned = [line for line in ours.stderr.splitlines() if line.startswith("async_inline run: warning:")]
    assert len(warned) == 1, ours.stderr
    assert f"{tmp_path / 'app' / 'json.py'} will not be imported as 'json'" in warned[0]


#: Prints whether the instance method ``m`` ran in a frame of its own.
METHOD_FRAMES = FRAMES.replace(
    "async def where():\n    return 1\n\n\nasync def main():\n    return await where()\n",
    "class K:\n    async def where(self):\n        return 1\n\n    async def main(self):\n        return await self.where()\n\n\n"
    "def main():\n    return K().main()\n",
)


@pytest.mark.decisions
def test_assume_is_passed_to_the_hook(program: Path) -> None:
    """``run --assume class-methods`` inlines a method site that stays a call by default
    (guard-cost); an unknown assumption is a usage error naming the known ones."""
    write_tree(program, {"app/frames.py": METHOD_FRAMES})
    default = _python("-m", "async_inline", "run", "app/frames.py", cwd=program)
    assumed = _python("-m", "async_inline", "run", "--assume", "class-methods", "app/frames.py", cwd=program)
    assert (default.stdout, assumed.stdout) == ("True\n", "False\n"), assumed.stderr
    unknown = _python("-m", "async_inline", "run", "--assume", "class-method", "app/frames.py", cwd=program)
    assert unknown.returncode == 2 and "unknown assumption 'class-method'" in unknown.stderr and "class-methods" in unknown.stderr
    assert "Traceback" not in unknown.stderr


def test_packages_from_the_environment(program: Path) -> None:
    ours = _python("-m", "async_inline", "run", "app/prog.py", cwd=program, env={"ASYNC_INLINE": "applib"})
    assert json.loads(ours.stdout)["loader"] == "RewritingLoader"
    without = _python("-m", "async_inline", "run", "app/prog.py", cwd=program)
    assert json.loads(without.stdout)["loader"] == "SourceFileLoader"


def test_module_behaves_as_under_python_m(program: Path) -> None:
    write_tree(program, {"app/tool/__init__.py": "", "app/tool/__main__.py": PROGRAM.replace("import applib", "from tool import applib"), "app/tool/applib.py": SAMPLE})
    for args in (["raise"], ["exit", "4"]):
        plain = _python("-m", "tool", "-v", *args, cwd=program / "app")
        ours = _python("-m", "async_inline", "run", "-m", "tool", "-v", *args, cwd=program / "app")
        _same(plain, ours)
        expected, got = json.loads(plain.stdout), json.loads(ours.stdout)
        assert (expected.pop("loader"), got.pop("loader")) == ("SourceFileLoader", "RewritingLoader")
        assert got == expected
        assert got["argv"][1:2] == ["-v"]


def test_the_console_script_runs_a_module_of_the_current_directory(program: Path) -> None:
    """``async-inline run -m app`` (the console script, whose directory python puts first
    on ``sys.path``) finds the module where ``python -m app`` does: in the current
    directory (review R36a)."""
    script = Path(sys.executable).with_name("async-inline")
    if not script.exists():
        pytest.skip("the console script is not installed beside the interpreter")
    write_tree(program, {"app/hello.py": "import sys\nprint('hello', sys.path[0] == __import__('os').getcwd())\n"})
    environ = {k: v for k, v in os.environ.items() if k != "ASYNC_INLINE"}
    done = subprocess.run([str(script), "run", "-m", "hello"], cwd=program / "app", capture_output=True, text=True, timeout=120, env=environ)
    assert (done.returncode, done.stdout) == (0, "hello True\n"), done.stderr


def test_syntax_error_in_the_script_is_reported_as_python_does(tmp_path: Path) -> None:
    write_tree(tmp_path, {"bad.py": "x = 1\ny = (\n"})
    plain = _python("bad.py", cwd=tmp_path)
    ours = _python("-m", "async_inline", "run", "bad.py", cwd=tmp_path)
    _same(plain, ours)


@pytest.mark.parametrize("flags", [(), ("--noinline", "deep.f")])
def test_a_script_too_deep_to_compile_is_reported_as_python_does(tmp_path: Path, flags: tuple[str, ...]) -> None:
    """Review R19 s5: python reports the RecursionError of compiling such a script without
    a traceback; run showed async_inline's frames (and, with a noinline pattern, failed
    before running it, in its own parse of the script)."""
    write_tree(tmp_path, {"deep.py": "x = 1" + " + 1" * 100000 + "\n"})
    plain = _python("deep.py", cwd=tmp_path)
    ours = _python("-m", "async_inline", "run", *flags, "deep.py", cwd=tmp_path)
    assert "RecursionError" in plain.stderr
    _same(plain, ours)


def test_run_names_the_script_holding_a_null_byte(tmp_path: Path) -> None:
    """Review R16 t7: ``run nb.py`` said "SyntaxError: source code string cannot contain null
    bytes" without the file (on 3.10: a ValueError traceback of async_inline); python 3.11+
    names the file and line, and so does run, on every version."""
    write_tree(tmp_path, {"nb.py": b"x = 1\n\ny = 2\0\n"})
    ours = _python("-m", "async_inline", "run", "nb.py", cwd=tmp_path)
    assert ours.returncode == 1
    if sys.version_info >= (3, 11):  # 3.10's python runs the file up to the null byte
        _same(_python("nb.py", cwd=tmp_path), ours)
    assert f'File "{tmp_path / "nb.py"}", line 3' in ours.stderr, ours.stderr
    assert ours.stderr.endswith("SyntaxError: source code cannot contain null bytes\n")


def test_missing_script_and_module(tmp_path: Path) -> None:
    _same(_python("nope.py", cwd=tmp_path), _python("-m", "async_inline", "run", "nope.py", cwd=tmp_path))
    _same(_python("-m", "nope_mod", cwd=tmp_path), _python("-m", "async_inline", "run", "-m", "nope_mod", cwd=tmp_path))


def test_usage_mistakes_are_explained_without_traceback(tmp_path: Path) -> None:
    nothing = _python("-m", "async_inline", "run", cwd=tmp_path)
    assert nothing.returncode == 2 and "nothing to run" in nothing.stderr and "Traceback" not in nothing.stderr
    bad = _python("-m", "async_inline", "run", "--packages", "no-such-name", "x.py", cwd=tmp_path)
    assert bad.returncode == 2 and "'no-such-name' is not a module or package name" in bad.stderr
    (tmp_path / "pyproject.toml").write_text("[tool.async_inline]\npackagez = []\n")
    config = _python("-m", "async_inline", "run", "x.py", cwd=tmp_path)
    assert config.returncode == 2 and "unknown key 'packagez'" in config.stderr and "Traceback" not in config.stderr
    (tmp_path / "pyproject.toml").unlink()
    for seed in ("x", "-5"):  # review Y, f4: a traceback for "x"; "-5" taken, though --stress refuses it
        stress = _python("-m", "async_inline", "run", "x.py", cwd=tmp_path, env={"ASYNC_INLINE_STRESS": seed})
        assert stress.returncode == 2 and "ASYNC_INLINE_STRESS must be a non-negative integer seed" in stress.stderr, stress.stderr
        assert "Traceback" not in stress.stderr


def test_cached_run_does_not_load_the_rewriter(program: Path) -> None:
    write_tree(program, {"app/light.py": "import sys, asyncio, applib\nprint(asyncio.run(applib.main()), 'libcst' in sys.modules)\n"})
    env = {"PYTHONDONTWRITEBYTECODE": ""}
    first = _python("-m", "async_inline", "run", "--packages", "applib", "app/light.py", cwd=program, env=env)
    second = _python("-m", "async_inline", "run", "--packages", "applib", "app/light.py", cwd=program, env=env)
    assert (first.stdout, second.stdout) == ("42 True\n", "42 False\n"), second.stderr


@pytest.mark.parametrize("kind", ["directory", "zip"])
def test_a_directory_or_zip_file_runs_as_under_python(tmp_path: Path, kind: str) -> None:
    """Finding F10: ``run app.zip`` compiled the zip's bytes (SyntaxError: null bytes),
    and ``run DIR`` refused, where python runs their ``__main__``. Run as python does: the
    path first on ``sys.path``, ``__main__`` imported from there; a directory's
    ``__main__.py`` and the packages configured are rewritten, code in a zip file is not."""
    import zipfile

    write_tree(tmp_path, {"d/__main__.py": PROGRAM, "d/applib.py": SAMPLE})
    target = "d"
    if kind == "zip":
        target = "app.zip"
        with zipfile.ZipFile(tmp_path / target, "w") as archive:
            archive.write(tmp_path / "d/__main__.py", "__main__.py")
            archive.write(tmp_path / "d/applib.py", "applib.py")
    for args in ([], ["raise"], ["exit", "3"]):
        plain = _python(target, *args, cwd=tmp_path)
        ours = _python("-m", "async_inline", "run", "--packages", "applib", target, *args, cwd=tmp_path)
        if kind == "directory":
            _same(plain, ours)
        else:  # python prints no source line from a zip file, the traceback module does
            assert (ours.returncode, ours.stderr.splitlines()[-1:]) == (plain.returncode, plain.stderr.splitlines()[-1:])
    expected, got = json.loads(plain.stdout.splitlines()[0]), json.loads(ours.stdout.splitlines()[0])
    assert got.pop("loader") == ("RewritingLoader" if kind == "directory" else "zipimporter")
    assert expected.pop("loader") != "RewritingLoader"
    assert got == expected
    assert got["argv"] == [target, "exit", "3"] and got["path0"] == str(tmp_path / target)


@pytest.mark.decisions
def test_a_directorys_main_is_inlined(tmp_path: Path) -> None:
    write_tree(tmp_path, {"d/__main__.py": FRAMES})
    assert _python("-m", "async_inline", "run", "d", cwd=tmp_path).stdout == "False\n"
    assert _python("d", cwd=tmp_path).stdout == "True\n"


LAZY_MAIN = """
import asyncio, importlib.util, sys

def lazy(name):
    spec = importlib.util.find_spec(name)
    loader = importlib.util.LazyLoader(spec.loader)
    spec.loader = loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    loader.exec_module(module)
    return module

pkg = lazy("lazypkg")
print("lazy package set up")
import lazyapp
asyncio.run(lazyapp.main())
"""


def test_a_lazily_imported_package_runs_when_the_program_first_uses_it(tmp_path: Path) -> None:
    """Review R18 w2: finding ``lazypkg.sub`` for ``lazyapp``'s rewrite read attributes of
    the package ``importlib.util.LazyLoader`` had made, which executed its ``__init__``
    before ``lazyapp``'s first line. Imported modules are read through their namespace."""
    write_tree(tmp_path, {
        "lazypkg/__init__.py": 'print("lazypkg/__init__ runs")\n',
        "lazypkg/sub.py": "async def f():\n    return 1\n",
        "lazyapp.py": 'print("lazyapp starts")\nfrom lazypkg.sub import f\n\n\nasync def main():\n    print("main", await f())\n',
        "main.py": LAZY_MAIN,
    })
    env = {"PYTHONDONTWRITEBYTECODE": "1"}
    plain = _python("main.py", cwd=tmp_path, env=env)
    ours = _python("-m", "async_inline", "run", "--packages", "lazyapp,lazypkg", "main.py", cwd=tmp_path, env=env)
    assert plain.returncode == ours.returncode == 0, ours.stderr
    assert ours.stdout == plain.stdout == "lazy package set up\nlazyapp starts\nlazypkg/__init__ runs\nmain 1\n"


_SHOW_PATH = "import sys\nprint(sys.path)\ntry:\n    import libmod\nexcept ImportError:\n    print('no libmod')\ntry:\n    import sibling\nexcept ImportError:\n    print('no sibling')\n"


@pytest.mark.parametrize("target", ["d", "app.zip", "s/app.py"])
@pytest.mark.parametrize("mode", ["PYTHONSAFEPATH", "-P", "-I"])
def test_sys_path_under_safe_path_and_isolated_mode_is_pythons(tmp_path: Path, target: str, mode: str) -> None:
    """Review R20f 3: under ``-P`` / ``PYTHONSAFEPATH`` python inserts a directory or zip
    it runs before the entries it keeps; ``run`` replaced the first of them (a
    ``PYTHONPATH`` entry, or under ``-I`` the standard library's zip). On 3.10, where
    ``sys.flags`` has no ``safe_path``, ``-I`` puts no script directory first either;
    ``run SCRIPT`` replaced the first entry by it."""
    import zipfile

    if mode != "-I" and sys.version_info < (3, 11):
        pytest.skip("-P and PYTHONSAFEPATH are 3.11+")
    write_tree(tmp_path, {"lib/libmod.py": "", "d/__main__.py": _SHOW_PATH, "s/app.py": _SHOW_PATH, "s/sibling.py": ""})
    with zipfile.ZipFile(tmp_path / "app.zip", "w") as archive:
        archive.writestr("__main__.py", _SHOW_PATH)
    env = {"PYTHONPATH": str(tmp_path / "lib")}
    flags: list[str] = ["-B"]
    if mode == "PYTHONSAFEPATH":
        env["PYTHONSAFEPATH"] = "1"
    else:
        flags.append(mode)
    plain = _python(*flags, target, cwd=tmp_path, env=env)
    ours = _python(*flags, "-m", "async_inline", "run", target, cwd=tmp_path, env=env)
    _same(plain, ours)
    assert ours.stdout == plain.stdout


@pytest.mark.parametrize("how", [["-m", "pkg.bad"], ["d"]])
def test_a_syntax_error_in_the_main_module_shows_no_async_inline_frames(tmp_path: Path, how: list[str]) -> None:
    """Review R20f 5: runpy compiles the ``-m`` module or a directory's ``__main__.py``
    through the hook's loader itself, so the loader's frames sat between runpy's and were
    shown; only the leading frames of async_inline were removed."""
    write_tree(tmp_path, {"pkg/__init__.py": "", "pkg/bad.py": "x = 1\ny = (\n", "d/__main__.py": "x = 1\ny = (\n"})
    plain = _python(*how, cwd=tmp_path)
    ours = _python("-m", "async_inline", "run", *how, cwd=tmp_path)
    assert ours.returncode == 1 and "SyntaxError" in ours.stderr
    assert "async_inline" not in ours.stderr, ours.stderr
    # runpy's frames, then the error as python shows it (python's own loader adds frames
    # of the frozen importlib between them, the hook's loader none).
    assert ours.stderr.splitlines()[:3] == plain.stderr.splitlines()[:3]
    assert ours.stderr.splitlines()[-4:] == plain.stderr.splitlines()[-4:]


@pytest.mark.parametrize("raised", ["raise ValueError('boom')\n", "x = (\n"], ids=["runtime-error", "syntax-error"])
def test_an_error_while_a_rewritten_module_is_imported_has_pythons_traceback(tmp_path: Path, raised: str) -> None:
    """Review R21c F3: python hides the import system's frames that lead to its loader's
    ``exec`` (``_call_with_frames_removed``); the hook's loader calls ``exec`` itself, and
    those frames were shown around the removed frame of the loader."""
    write_tree(tmp_path, {"pkg/__init__.py": "", "pkg/__main__.py": "import pkg.boom\n", "pkg/boom.py": raised})
    plain = _python("-m", "pkg", cwd=tmp_path)
    ours = _python("-m", "async_inline", "run", "-m", "pkg", cwd=tmp_path)
    assert (ours.returncode, ours.stdout, ours.stderr) == (plain.returncode, plain.stdout, plain.stderr)


def test_a_script_served_from_the_cache_warns_as_python_compiling_it(tmp_path: Path) -> None:
    """Review R21c F2: python compiles a script on every run, so its compile-time warnings
    come every time, and under ``-W error`` it fails every time; served from the cache
    (written by an earlier run), the script ran quietly, and ran under ``-W error``."""
    (tmp_path / "app.py").write_text('PATTERN = "\\d+"\nprint("ran")\n')
    env = {"PYTHONDONTWRITEBYTECODE": ""}  # (the hook writes no cache entry under it)
    assert _python("-m", "async_inline", "run", "app.py", cwd=tmp_path, env=env).returncode == 0  # the entry is written
    assert list(tmp_path.rglob("*.py*")) != [tmp_path / "app.py"]
    for flag in ("error", "always"):
        plain = _python("-W", flag, "app.py", cwd=tmp_path, env=env)
        ours = _python("-W", flag, "-m", "async_inline", "run", "app.py", cwd=tmp_path, env=env)
        assert (ours.returncode, ours.stdout) == (plain.returncode, plain.stdout), ours.stderr
        assert ("Warning" in ours.stderr or "SyntaxError" in ours.stderr) and ours.stderr.splitlines()[-1] == plain.stderr.splitlines()[-1]


def test_a_directory_given_through_a_parent_path_is_named_as_python_names_it(tmp_path: Path) -> None:
    """Review R21c F5: python makes ``../x`` absolute without normalising it
    (``sys.path[0]`` and ``__file__`` hold ``cwd/../x``); run normalised it."""
    write_tree(tmp_path, {"x/__main__.py": "import sys\nprint(sys.path[0], __file__)\n", "y/keep.txt": ""})
    plain = _python("../x", cwd=tmp_path / "y")
    ours = _python("-m", "async_inline", "run", "../x", cwd=tmp_path / "y")
    assert (ours.returncode, ours.stdout, ours.stderr) == (plain.returncode, plain.stdout, plain.stderr)
