"""``async-inline cache build``: fill the import hook's cache ahead of time.

    async-inline cache build PACKAGE_OR_DIR ... [--jobs N]

Like ``python -m compileall``, so that a container image or a CI job pays the rewrite once:
every ``*.py`` file of the packages (found through importlib, without importing them) or
directories is rewritten and its entry written where the hook will look for it
(``__pycache__``, ``PYTHONPYCACHEPREFIX`` or ``ASYNC_INLINE_CACHE_DIR``), with the options
of ``[tool.async_inline]`` seen from the current directory. Entries are written even when
bytecode writing is off, as compileall does. Modules that pytest also assertion-rewrites
(test modules, conftests, plugins) have entries of their own, made by the first test run.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import functools
import importlib.util
import multiprocessing
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..options import Options
    from .state import HookState

DESCRIPTION = """\
Rewrite every *.py file of the packages (found through importlib, without importing
them) or directories, and write the import hook's cache entries where the hook will look
for them (__pycache__, PYTHONPYCACHEPREFIX or ASYNC_INLINE_CACHE_DIR), with the options of
[tool.async_inline] seen from the current directory: a container image or a CI job pays
the rewrite once, as with 'python -m compileall'. Entries are written even when bytecode
writing is off. Modules that pytest also assertion-rewrites (test modules, conftests,
plugins) have entries of their own, made by the first test run.
"""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "cache",
        help="manage the import hook's cache (cache build: precompile packages)",
        description="The import hook's cache of rewritten, compiled modules.",
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", title="actions")
    actions.required = True
    build = actions.add_parser(
        "build",
        help="rewrite packages now and cache the result for the import hook",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    build.add_argument("targets", nargs="+", metavar="PACKAGE_OR_DIR", help="importable package or module names, or directories")
    build.add_argument(
        "--packages",
        metavar="PKG,...",
        help="the packages the hook will be configured with, which decide the modules it inlines from and are part of "
        "the entries' key (default: [tool.async_inline] packages or ASYNC_INLINE, else the targets' top-level packages)",
    )
    build.add_argument("--jobs", "-j", type=int, default=1, metavar="N", help="worker processes (0: one per CPU)")
    build.add_argument("-q", "--quiet", action="store_true", help="print errors only")
    build.set_defaults(handler=_handle, prog=build.prog)


@dataclass(frozen=True)
class Done:
    path: str
    #: "written", "up to date", "unchanged" (opt-out or the rewriter failed: ``detail`` says
    #: which), "not written" (unwritable cache directory), "error" (unreadable, invalid syntax).
    outcome: str
    inlined: int = 0
    detail: str = ""
    #: The line of an "error", where known.
    line: int | None = None

    def message(self) -> str:
        """The line printed for a file that could not be cached: ``path:line: message``,
        as ``rewrite`` prints it (editors and CI problem matchers read that form)."""
        from ..errors import SourceError

        if self.outcome == "error":
            return str(SourceError(self.path, self.line, self.detail))
        return str(SourceError(self.path, None, f"{self.outcome}: {self.detail or 'the cache directory cannot be written'}"))


def _error(path: str, exc: Exception, source: bytes | None) -> Done:
    """Done for a file that could not be read or compiled, with the line of a syntax error
    or of a null byte (which CPython refuses without saying where)."""
    if isinstance(exc, OSError):
        return Done(path, "error", detail=f"cannot read: {exc.strerror or exc}")
    from ..api import null_byte_line

    line = getattr(exc, "lineno", None)
    if line is None and source is not None:
        line = null_byte_line(source)
    return Done(path, "error", detail=getattr(exc, "msg", None) or str(exc), line=line)


def _is_path(target: str) -> bool:
    return os.path.isdir(target) or target.endswith(".py")


def _top_level(target: str, files: list[str]) -> list[str]:
    """The top-level packages of a target: a package's own (``ns`` may be a namespace
    package), a directory's files' regular packages."""
    from ..sources import module_name_for_file

    if not _is_path(target):
        return [target.partition(".")[0]]
    return [name.partition(".")[0] for name in (module_name_for_file(f)[0] for f in files) if name]


def _files_of(target: str) -> tuple[list[str], str | None]:
    """The source files of a package, module or directory, or an error message."""
    from ..rewrite_files import discover

    if _is_path(target):
        inputs, problems = discover([target])
        return [os.path.abspath(f.path) for f in inputs], str(problems[0]) if problems else None
    if not all(part.isidentifier() for part in target.split(".")):
        return [], f"{target!r} is neither a directory nor a module name"
    try:
        # The top-level package only: finding a submodule would import its parents.
        spec = importlib.util.find_spec(target.partition(".")[0])
    except (ImportError, ValueError) as exc:
        return [], f"{target}: {exc}"
    if spec is None or (spec.origin is None and not spec.submodule_search_locations):
        return [], f"no module named {target!r}"
    locations = list(spec.submodule_search_locations or [])
    if not locations:
        return ([spec.origin] if spec.origin and spec.origin.endswith(".py") else []), None
    rest = target.split(".")[1:]
    files: list[str] = []
    for location in locations:
        path = os.path.join(location, *rest)
        if os.path.isdir(path):
            found, _ = discover([path])
            files += [os.path.abspath(f.path) for f in found]
        elif os.path.isfile(path + ".py"):
            files.append(os.path.abspath(path + ".py"))
    if not files:
        return [], f"no source files for {target!r}"
    return files, None


def _build(paths: list[str], packages: tuple[str, ...], options: Options) -> list[Done]:
    """Rewrite ``paths`` in this process and store their entries, as a hook configured
    with ``packages`` and ``options`` would (default packages: the files' top-level ones)."""
    from ..sources import module_name_for_file
    from .policy import Policy
    from .state import HookState

    problems: dict[str, str] = {}
    names = {path: module_name_for_file(path)[0] for path in paths}
    if not packages:
        # The packages of the files: callees of other modules are inlined as the hook would.
        packages = tuple(sorted({name.partition(".")[0] for name in names.values() if name}))
    names = {path: _in_packages(path, name, packages) for path, name in names.items()}
    state = HookState(
        Policy(packages), options, warn=lambda message, path: problems.__setitem__(path, message), force_cache_write=True
    )
    # The directories the files' names start from, where the hook finds their sibling
    # modules at run time: without them on sys.path (``cache build src/pkg`` of a src
    # layout) every callee of another module was "outside the program", and the hook then
    # used those entries (review R17 u3). Appended: nothing the build imports is shadowed.
    added = [root for root in dict.fromkeys(_root_of(path, name) for path, name in names.items() if name) if root not in sys.path]
    sys.path.extend(added)
    importlib.invalidate_caches()
    try:
        return _build_each(paths, names, state, problems)
    finally:
        for root in added:
            sys.path.remove(root)


def _root_of(path: str, name: str) -> str:
    """The directory module ``name``, the file ``path``, is found from."""
    return str(Path(path).resolve().parents[name.count(".") + (os.path.basename(path) == "__init__.py")])


def _build_each(paths: list[str], names: dict[str, str], state: HookState, problems: dict[str, str]) -> list[Done]:
    results = []
    for path in paths:
        before = dict(state.stats)
        source: bytes | None = None
        try:
            with open(path, "rb") as f:
                source = f.read()
            state.code_for(path, source, module=names[path] or None)
        except (OSError, SyntaxError, ValueError) as exc:
            results.append(_error(path, exc, source))
            continue
        if state.stats["hits"] > before["hits"]:
            outcome = "up to date"
        elif path in state.unchanged():
            outcome = "unchanged"
        elif state.stats["writes"] > before["writes"]:
            outcome = "written"
        else:
            outcome = "not written"
        reports = [r for r in state.reports() if r.path == path]
        results.append(Done(path, outcome, sum(len(r.inlined) for r in reports), problems.get(path, state.unchanged().get(path, ""))))
    return results


def _in_packages(path: str, name: str, packages: tuple[str, ...]) -> str:
    """The name the hook imports ``path`` (named ``name`` by its regular packages) under,
    within ``packages``: extended through the directories above, namespace packages
    (``ns/app.py`` is ``ns.app`` for packages ``ns``). The hook rewrites, and so looks up
    entries for, the modules of its packages only: no other name's entry is ever used."""
    def within(dotted: str) -> bool:
        return any(dotted == p or dotted.startswith(p + ".") for p in packages)

    if not name or within(name):
        return name
    directory = Path(path).resolve().parents[name.count(".") + (Path(path).name == "__init__.py")]
    extended = name
    for above in (directory, *directory.parents):
        if not above.name.isidentifier():
            break
        extended = f"{above.name}.{extended}"
        if within(extended):
            return extended
    return name


def _chunks(paths: list[str], n: int) -> Iterator[list[str]]:
    for i in range(n):
        if paths[i::n]:
            yield paths[i::n]


def build(paths: list[str], jobs: int, packages: tuple[str, ...], options: Options) -> list[Done]:
    """Entries for ``paths``, in ``jobs`` worker processes; results in the order of ``paths``.
    ``packages`` and ``options``: those the hook will be configured with (see ``_build``);
    the entries' key names them."""
    if jobs <= 1 or len(paths) <= 1:
        return _build(paths, packages, options)
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("forkserver" if "forkserver" in methods else None)
    with concurrent.futures.ProcessPoolExecutor(max_workers=min(jobs, len(paths)), mp_context=context) as pool:
        done = {d.path: d for part in pool.map(functools.partial(_build, packages=packages, options=options), list(_chunks(paths, jobs))) for d in part}
    return [done[p] for p in paths]


def _handle(args: argparse.Namespace) -> int:
    from ..cli import ExitCode, plural
    from ..config import load_config, split_names
    from ..rewrite_files import cpu_count
    from .cache import cache_dir

    if args.jobs < 0:
        print(f"{args.prog}: error: --jobs must be 0 or more", file=sys.stderr)
        return ExitCode.USAGE
    try:
        # Read here, once: a bad [tool.async_inline] or ASYNC_INLINE_STRESS is a usage error,
        # not a traceback from the rewrite (review R14 k2).
        config = load_config()
        options = config.options()
        # The hook's packages decide which modules it inlines from: entries are keyed by them.
        packages = split_names(args.packages, where="--packages") if args.packages else config.packages
    except ValueError as exc:  # ConfigError included: its message names the file and key
        print(f"{args.prog}: error: {exc}", file=sys.stderr)
        return ExitCode.USAGE
    paths: list[str] = []
    tops: set[str] = set()
    for target in args.targets:
        files, error = _files_of(target)
        if error is not None:
            print(f"{args.prog}: error: {error}", file=sys.stderr)
            return ExitCode.USAGE
        paths += [f for f in files if f not in paths]
        tops.update(_top_level(target, files))
    packages = packages or tuple(sorted(tops))
    results = build(paths, cpu_count() if args.jobs == 0 else args.jobs, tuple(packages), options)
    status = ExitCode.OK
    for d in results:
        opted_out = d.outcome == "unchanged" and "skip-file" in d.detail
        if d.outcome in ("error", "not written", "unchanged") and not opted_out:
            print(d.message(), file=sys.stderr)
            status = ExitCode.INPUT_ERROR
    if not args.quiet:
        tally = {k: sum(1 for d in results if d.outcome == k) for k in ("written", "up to date", "unchanged", "not written", "error")}
        where = f"in {cache_dir()}" if cache_dir() else "beside the sources (__pycache__)"
        print(
            f"cache build: {plural(len(results), 'file')}: " + ", ".join(f"{n} {k}" for k, n in tally.items() if n or k == "written")
            + f"; {plural(sum(d.inlined for d in results), 'site')} inlined; entries {where}",
            file=sys.stderr,
        )
    return status
