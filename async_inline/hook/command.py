"""``async-inline run``: run a program with its modules inlined as they are imported.

    python -m async_inline run [--packages PKG,...] script.py [ARGS ...]
    python -m async_inline run [--packages PKG,...] -m module [ARGS ...]
    python -m async_inline run [--packages PKG,...] (directory | app.zip) [ARGS ...]

The program sees what it would see when run as ``python script.py`` or ``python -m module``:
``__name__ == "__main__"``, ``sys.argv``, ``sys.path[0]``, its exit status, and tracebacks
without frames of async_inline. Rewritten: the script itself, the ``-m`` module (with its
submodules, unless it is an installed distribution), and the configured packages.
"""

from __future__ import annotations

import argparse
import builtins
import os
import sys
import types
import zipimport
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..options import Options
    from .policy import Policy
    from .state import HookState

DESCRIPTION = """\
Run a Python program with its own modules inlined as they are imported: the script,
the -m module (and its submodules, unless it is installed in site-packages), and the
packages configured by --packages, the ASYNC_INLINE environment variable or
[tool.async_inline] packages in the nearest pyproject.toml. With -m pytest and no
package configured, the project's packages (below the nearest pyproject.toml, and its
src/) as the pytest plugin finds them; the hook stays ahead of pytest's assertion
rewriter and composes with it. Files on disk are not changed; compiled code is cached
in __pycache__ (or ASYNC_INLINE_CACHE_DIR).

A directory or zip file runs as under python, its __main__ module imported from it (a
directory's __main__.py is rewritten; code inside a zip file runs unchanged).

Everything after the script or module name is passed to the program. The program's
sys.argv, __name__ == "__main__", exit status and tracebacks are those of
'python SCRIPT' / 'python -m MODULE'.
"""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "run",
        help="run a program with its modules inlined on import",
        description=DESCRIPTION,
        usage="%(prog)s [--packages PKG,...] [--noinline PATTERN,...] [--assume NAME,...] (SCRIPT | -m MODULE) [ARGS ...]",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    # Repeatable, as rewrite's --noinline and --assume are: each adds to the others.
    parser.add_argument("--packages", metavar="PKG,...", action="append", help="also rewrite these packages (comma-separated)")
    parser.add_argument(
        "--noinline", metavar="PATTERN,...", action="append", help="never inline these functions: qualified names or fnmatch patterns (pkg.mod.func, pkg.mod.*_socket)"
    )
    parser.add_argument(
        "--assume",
        metavar="NAME,...",
        action="append",
        help="opt-in assumptions, as for 'rewrite --assume': frozen-defaults, no-rebinding, class-methods "
        "(added to [tool.async_inline] assume)",
    )
    # REMAINDER on -m: "-m mod -v" passes -v to the module, as python does.
    parser.add_argument("-m", dest="module", nargs=argparse.REMAINDER, help="MODULE [ARGS ...]: run a library module as a script, as python -m does")
    parser.add_argument("target", nargs=argparse.REMAINDER, metavar="SCRIPT [ARGS ...]", help=argparse.SUPPRESS)
    parser.set_defaults(handler=_handle, prog=parser.prog)


def _error(prog: str, message: str) -> int:
    print(f"{prog}: error: {message}", file=sys.stderr)
    return 2


def _handle(args: argparse.Namespace) -> int:
    from ..config import ConfigError, check_assumptions, discover_packages, load_config, split_names, split_patterns

    prog = args.prog
    target = list(args.target)
    if args.module is not None:
        argv = list(args.module) + target
        if not argv:
            return _error(prog, "argument -m: expected a module name")
        module, argv = argv[0], argv[1:]
        if not all(part.isidentifier() for part in module.split(".")):
            return _error(prog, f"-m: {module!r} is not a module name")
    else:
        if target[:1] == ["--"]:
            target = target[1:]
        if not target:
            return _error(prog, "nothing to run: give a script (run SCRIPT [ARGS]) or a module (run -m MODULE [ARGS])")
        module, script, argv = None, target[0], target[1:]
    packages_given, noinline_given, assume_given = (",".join(given or ()) for given in (args.packages, args.noinline, args.assume))
    try:
        config = load_config()
        packages = config.packages
        if packages_given:
            packages = tuple(dict.fromkeys((*packages, *split_names(packages_given, where="--packages"))))
        assumed = check_assumptions(assume_given.split(","), where="--assume") if assume_given else frozenset()
    except ConfigError as exc:
        return _error(prog, str(exc))
    pytest = module in ("pytest", "py.test")
    if pytest and not packages:
        # What the plugin's --async-inline would rewrite, but known before pytest imports anything.
        packages = discover_packages(config.pyproject.parent if config.pyproject else os.getcwd())

    from .policy import Policy

    policy = Policy(packages, config.exclude, local_packages=(module,) if module else ())
    try:
        options = config.options().extended(noinline=split_patterns(noinline_given), assume=assumed)
    except ValueError as exc:  # $ASYNC_INLINE_STRESS, read by Options()
        return _error(prog, str(exc))
    if module is not None:
        return _run(lambda state: _run_module(module, argv), policy, options, pytest=pytest)
    if os.path.isdir(script) or (os.path.isfile(script) and _is_zip(script)):
        # As python runs them: its __main__ module from there (a directory's __main__.py is
        # rewritten; code inside a zip file runs unchanged, as the hook leaves zip imports).
        policy = Policy(packages, config.exclude, local_packages=("__main__",))
        return _run(lambda state: _run_main_of(script, argv), policy, options)
    if not os.path.isfile(script):
        print(f"{sys.executable}: can't open file {os.path.abspath(script)!r}: [Errno 2] No such file or directory", file=sys.stderr)
        return 2
    return _run(lambda state: _run_script(script, argv, state), policy, _script_named_as_rewrite_names_it(options, script))


def _is_zip(path: str) -> bool:
    """A zip file python would run (through ``zipimport``, which it has loaded: ``zipfile``
    would import ``shutil``, ``bz2``, ``lzma`` ... before the program; review R35c F1)."""
    try:
        zipimport.zipimporter(path)
    except (zipimport.ZipImportError, OSError):
        return False
    return True


def _script_named_as_rewrite_names_it(options: Options, script: str) -> Options:
    """A script runs as ``__main__``, while ``rewrite`` names it by its file (``app.py``:
    ``app``; ``pkg/x.py``: ``pkg.x``): each of its functions that a noinline pattern
    matches under that name (``app.who``, ``app*``, ``pkg.*``) is kept a call under
    ``run`` too, so that one ``[tool.async_inline] noinline`` means the same to both
    (review R19 z4, r2)."""
    if not options.noinline:
        return options
    from ..module_names import module_name_for_file
    from ..options import noinline_matches
    from ..rewrite_files import defined_names
    from .cache import read_bytes

    name = module_name_for_file(script)[0]
    if not name or name == "__main__":
        return options
    source = read_bytes(script)
    if source is None:  # running it says why
        return options
    matched = [qualname for qualname in defined_names(source, name) if noinline_matches(qualname, options.noinline)]
    return options.extended(noinline=("__main__" + qualname[len(name):] for qualname in matched))


def _run(body: Callable[[HookState], None], policy: Policy, options: Options, pytest: bool = False) -> int:
    """Install the hook, run ``body``; an uncaught exception is printed as python prints it,
    with the inlined frames listed (``debug.excepthook``).

    For ``-m pytest`` the hook stays ahead of pytest's assertion rewriter and composes with
    it (``pytest_bridge``), and keeps the original code for the plugin's ``no_async_inline``.
    """
    from ..debug import install_excepthook
    from . import _activate, _warn_late, installed

    state, late = _activate(policy, options)
    if late:
        _warn_late(late, stacklevel=2)
    finder = installed()
    if pytest and finder is not None:
        from .pytest_bridge import bridge_pytest
        from .twins import Twins

        state.twins = Twins()
        bridge_pytest(finder)
    install_excepthook()  # uncaught tracebacks list the inlined frames, as python would
    try:
        body(state)
    except KeyboardInterrupt as exc:
        _print_uncaught(exc)
        return 130  # what a shell shows for python killed by Ctrl-C
    except Exception as exc:
        _print_uncaught(exc)
        return 1
    return 0


_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


#: Where the import system's frames are (``<frozen importlib._bootstrap>``, ``..._external>``).
_IMPORTLIB_FILES = frozenset({"<frozen importlib._bootstrap>", "<frozen importlib._bootstrap_external>"})


def _print_uncaught(exc: BaseException) -> None:
    """``sys.excepthook`` with the frames of async_inline itself removed, wherever they
    are: leading ones (``run`` calling the program), and those between the program's
    (runpy compiling the ``-m`` module or a directory's ``__main__.py`` through the hook's
    loader: review R20f 5), with the import system's frames that lead to the hook's loader.

    Kept whole when nothing else is left (an error of async_inline, not of the program),
    except for a SyntaxError, which python reports without a traceback, as it reports a
    RecursionError or MemoryError of compiling the script (review R19 s5)."""
    tb = exc.__traceback__
    kept: list[types.TracebackType] = []
    step = tb
    while step is not None:
        if not os.path.abspath(step.tb_frame.f_code.co_filename).startswith(_PACKAGE_DIR + os.sep):
            kept.append(step)
        else:
            # The import system's frames before the hook's loader: python hides them (its
            # own loaders exec through ``_call_with_frames_removed``: review R21c F3).
            while kept and kept[-1].tb_frame.f_code.co_filename in _IMPORTLIB_FILES:
                kept.pop()
        step = step.tb_next
    if kept or isinstance(exc, SyntaxError) or getattr(exc, "async_inline_compiling", False):
        for i, step in enumerate(kept):
            step.tb_next = kept[i + 1] if i + 1 < len(kept) else None
        tb = exc.__traceback__ = kept[0] if kept else None
    sys.excepthook(type(exc), exc, tb)


def _safe_path() -> bool:
    """Python put no directory of its own first on ``sys.path`` (``-P``,
    ``PYTHONSAFEPATH``, ``-I``): neither the current directory for ``-m async_inline``
    nor a script's, and it puts a directory or zip run before the entries it keeps.
    3.10 has no ``sys.flags.safe_path``; its ``-I`` adds no directory either (review
    R20f 3); from 3.11 ``-I`` sets ``safe_path``."""
    return bool(getattr(sys.flags, "safe_path", False) or sys.flags.isolated)


def _run_script(script: str, argv: list[str], state: HookState) -> None:
    from .loader import RewritingLoader

    path = os.path.abspath(script)
    sys.argv[:] = [script, *argv]
    main_dir = os.path.dirname(os.path.realpath(path))
    if sys.path and not _safe_path():  # python -P, -I add no directory
        sys.path[0] = main_dir  # was the current directory (-m async_inline) or the bin directory
        _warn_shadowed(main_dir)
    loader = RewritingLoader("__main__", path, state)
    module = types.ModuleType("__main__")
    module.__dict__.update(__file__=path, __cached__=None, __loader__=loader, __package__=None, __spec__=None)
    module.__builtins__ = builtins  # type: ignore[attr-defined]
    sys.modules["__main__"] = module
    try:
        code = loader.get_code("__main__")
    except (SyntaxError, ValueError) as exc:
        located = _null_byte_error(exc, path)
        if located is None:
            raise
        raise located from None
    except (RecursionError, MemoryError) as exc:  # compiling too deep a script: python shows no traceback
        exc.async_inline_compiling = True  # type: ignore[union-attr]
        raise
    exec(code, module.__dict__)


def _warn_shadowed(entry: str) -> None:
    """Warn of the program's modules that python would import from ``entry`` (the
    script's directory, or the directory or zip run) but that the program will not get:
    a module of the same name that ``run`` itself imported (``cmd``, ``queue``, ``json``
    ...) and python does not import before a program, is already in ``sys.modules``
    (review R35c F1). The standard library's module stays: async_inline uses it."""
    provided = _top_level_modules(entry)
    candidates = sorted(name for name in provided if name in sys.modules)
    if not candidates:
        return
    import subprocess

    flags: list[str] = getattr(subprocess, "_args_from_interpreter_flags", list)()
    try:
        done = subprocess.run([sys.executable, *flags, "-c", "import sys; print(*sys.modules)"], capture_output=True, text=True, timeout=60)
        preloaded = set(done.stdout.split())
    except (OSError, subprocess.SubprocessError):
        preloaded = set()
    for name in candidates:
        if name not in preloaded:
            imported = getattr(sys.modules[name], "__file__", None) or "built in"
            print(
                f"async_inline run: warning: the program's {provided[name]} will not be imported as {name!r}: async_inline "
                f"imported {name!r} ({imported}) before the program started, where python would import the program's own; "
                "rename the program's module, or run the program with python",
                file=sys.stderr,
            )


def _top_level_modules(entry: str) -> dict[str, str]:
    """The modules and regular packages a path entry (a directory or a zip file) holds,
    by name, with their paths."""
    found: dict[str, str] = {}
    if os.path.isdir(entry):
        for item in os.listdir(entry):
            path = os.path.join(entry, item)
            if item.endswith(".py") and os.path.isfile(path):
                found[item[:-3]] = path
            elif os.path.isfile(os.path.join(path, "__init__.py")):
                found[item] = path
    elif _is_zip(entry):
        import zipfile

        with zipfile.ZipFile(entry) as archive:
            for item in archive.namelist():
                parts = item.split("/")
                if len(parts) == 1 and item.endswith(".py"):
                    found[item[:-3]] = os.path.join(entry, item)
                elif len(parts) == 2 and parts[1] == "__init__.py":
                    found[parts[0]] = os.path.join(entry, parts[0])
    return {name: path for name, path in found.items() if name.isidentifier() and name != "__main__"}


def _null_byte_error(exc: Exception, path: str) -> SyntaxError | None:
    """The error ``python SCRIPT`` gives for a script holding a null byte, with the file
    and line (compiling the bytes, as the loader does, says neither), or None for ``exc``
    of another kind."""
    if "null bytes" not in str(exc) or getattr(exc, "lineno", None) is not None:
        return None
    try:
        with open(path, "rb") as f:
            source = f.read()
    except OSError:
        return None
    from ..api import null_byte_line

    line = null_byte_line(source)
    if line is None:
        return None
    text = source[: source.find(b"\0")].rsplit(b"\n", 1)[-1].decode("utf-8", "replace")  # shown as python shows it
    return SyntaxError("source code cannot contain null bytes", (path, line, None, text))


def _run_main_of(path: str, argv: list[str]) -> None:
    """``python DIR`` or ``python APP.zip``: the path first on ``sys.path``, its
    ``__main__`` module run as ``python -m __main__`` would (what python itself does)."""
    import runpy

    sys.argv[:] = [path, *argv]
    # Made absolute as python makes it, not normalised (``cwd/../x``: review R21c F5).
    entry = os.path.join(os.getcwd(), path)
    if sys.path and not _safe_path():
        sys.path[0] = entry  # was the current directory (-m async_inline) or the bin directory
    else:  # python -P, -I insert it before the entries they keep (review R20f 3)
        sys.path.insert(0, entry)
    _warn_shadowed(entry)
    sys.modules["__main__"] = types.ModuleType("__main__")
    runpy._run_module_as_main("__main__", alter_argv=False)  # type: ignore[attr-defined]


def _run_module(name: str, argv: list[str]) -> None:
    import runpy

    sys.argv[:] = ["-m", *argv]  # runpy puts the module's path in sys.argv[0], as python -m does
    if sys.path and not _safe_path():
        # python -m puts the current directory first; the console script ``async-inline``
        # has its bin directory there (review R36a).
        sys.path[0] = os.getcwd()
    # _run_module_as_main runs the code in the __main__ module's namespace: give it a fresh
    # one (ours is async_inline.__main__). It is what ``python -m`` itself calls.
    sys.modules["__main__"] = types.ModuleType("__main__")
    runpy._run_module_as_main(name, alter_argv=True)  # type: ignore[attr-defined]
