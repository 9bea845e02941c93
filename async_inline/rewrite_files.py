"""Rewriting files on disk: finding them, mapping them to outputs, processing them (in a
process pool for ``--jobs``) and writing results so that no file is ever left half-written.

Kept apart from the command-line parsing so that it can be driven without argparse.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import difflib
import errno
import hashlib
import multiprocessing
import os
import re
import stat
import tempfile
import traceback
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING

from .errors import SourceError
from .options import Options
from .report import FileReport

if TYPE_CHECKING:
    from .analysis.program import SourceProvider

#: Directory names never descended into (explicit arguments are always honoured).
SKIPPED_DIR_NAMES = frozenset({"__pycache__", "__pypackages__", "node_modules", "site-packages"})
#: A directory holding one of these is a virtual environment (venv, virtualenv, conda).
VENV_MARKERS = ("pyvenv.cfg", "conda-meta")

class Mode(str, Enum):
    """What ``rewrite`` does with the result (the CLI's output mode options)."""

    MIRROR = "mirror"
    IN_PLACE = "in-place"
    DIFF = "diff"
    CHECK = "check"
    #: ``-o -``: one file's rewritten code on standard output.
    PRINT = "print"

    @property
    def changed_word(self) -> str:
        """How the summary line counts the files that change."""
        return {Mode.DIFF: "would change", Mode.CHECK: "would be rewritten"}.get(self, "rewritten")


class ProblemKind(str, Enum):
    #: The user's file or path.
    INPUT = "input"
    #: A bug of async_inline.
    INTERNAL = "internal"


@dataclass(frozen=True)
class Problem:
    """Why a file could not be processed; ``str()`` is the ``path:line: message`` shown to users."""

    path: str
    line: int | None
    message: str
    kind: ProblemKind = ProblemKind.INPUT
    #: Traceback of an internal error, for bug reports.
    detail: str | None = None

    def __str__(self) -> str:
        return str(SourceError(self.path, self.line, self.message))

    @property
    def internal(self) -> bool:
        return self.kind is ProblemKind.INTERNAL

    def to_json(self) -> dict[str, object]:
        return {"path": self.path, "line": self.line, "message": self.message, "kind": self.kind.value}


@dataclass(frozen=True)
class ProgramFiles:
    """The files one run treats as one program: a site in one input may inline a callee
    of another input, or of a module under a read-only source root."""

    inputs: tuple[str, ...]
    roots: tuple[str, ...] = ()


#: The program of this (worker) process; set by ``process_all``.
_program: ProgramFiles | None = None
_provider: SourceProvider | None = None


def _set_program(program: ProgramFiles | None) -> None:
    global _program, _provider
    _program, _provider = program, None


def _sources() -> SourceProvider | None:
    """The source provider of the current program, built once per process."""
    global _provider
    if _provider is None and _program is not None:
        from .sources import FileSources

        _provider = FileSources(_program.inputs, _program.roots)
    return _provider


@dataclass(frozen=True)
class InputFile:
    #: The path as the user spelled it (argument + path inside it): shown and reported.
    path: str
    #: Its path under the common base of all arguments: where ``-o OUTDIR`` puts it.
    relative: str


@dataclass(frozen=True)
class Task:
    """One file to process; picklable, for the worker processes."""

    path: str
    mode: Mode
    options: Options
    #: Where to write the result (MIRROR, IN_PLACE); None for DIFF and CHECK.
    target: str | None = None


@dataclass
class Outcome:
    """What became of one file: its decisions, or the problem that stopped it."""

    path: str
    report: FileReport | None = None
    changed: bool = False
    already_rewritten: bool = False
    opted_out: bool = False
    #: What the run prints on standard output: the unified diff (DIFF mode, changed files
    #: only), the rewritten code (PRINT mode).
    stdout: bytes | None = None
    problem: Problem | None = None
    #: IN_PLACE: the new contents, written once every file has been read (``process_all``).
    pending: bytes | None = None
    #: IN_PLACE: the digest of the bytes read, which the file must still hold when replaced.
    read_digest: bytes | None = None
    #: The line of a comment that spells the opt-out marker otherwise (``api.near_miss_marker``).
    near_marker: int | None = None
    #: The ``noinline`` patterns that match a function defined in the file.
    noinline_matched: tuple[str, ...] = ()


# --------------------------------------------------------------------------- discovery


def _display(parent: str, name: str) -> str:
    joined = os.path.join(parent, name)
    return joined[2:] if joined.startswith("./") else joined


def _skip_dir(path: str, name: str) -> bool:
    if name.startswith(".") or name in SKIPPED_DIR_NAMES:
        return True
    return any(os.path.exists(os.path.join(path, marker)) for marker in VENV_MARKERS)


def _walk_python_files(top: str, problems: list[Problem], skipped: list[str] | None = None) -> Iterator[str]:
    """``*.py`` regular files under ``top``, sorted by name, a directory's files before its
    subdirectories; ``skipped`` gets a note on each link not followed (shown with -v)."""
    stack = [top]
    while stack:
        directory = stack.pop()
        try:
            with os.scandir(directory) as it:
                entries = sorted(it, key=lambda entry: entry.name)
        except OSError as exc:
            problems.append(Problem(directory, None, f"cannot list directory: {exc.strerror or exc}"))
            continue
        subdirectories = []
        for entry in entries:
            path = _display(directory, entry.name)
            try:
                if entry.is_dir(follow_symlinks=False):
                    if not _skip_dir(path, entry.name):
                        subdirectories.append(path)
                elif entry.name.endswith(".py") and entry.is_file():
                    yield path
                elif skipped is not None and entry.is_symlink():
                    if entry.is_dir():
                        skipped.append(f"{path}: a symbolic link to a directory, not followed")
                    elif entry.name.endswith(".py") and not os.path.exists(path):
                        skipped.append(f"{path}: a broken symbolic link, skipped")
            except OSError as exc:
                problems.append(Problem(path, None, f"cannot inspect: {exc.strerror or exc}"))
        stack.extend(reversed(subdirectories))


def discover(paths: Sequence[str], skipped: list[str] | None = None) -> tuple[list[InputFile], list[Problem]]:
    """The files named by ``paths`` (directories searched recursively for ``*.py``), each once;
    ``skipped`` gets notes on the symbolic links inside directories that were not followed.

    ``relative`` is the file's path under the common base of the arguments: a single file
    argument maps to its basename, a single directory to the paths inside it.
    """
    problems: list[Problem] = []
    found: list[str] = []
    bases: list[str] = []
    for arg in paths:
        if os.path.isdir(arg):
            bases.append(os.path.abspath(arg))
            found.extend(_walk_python_files(arg, problems, skipped))
        elif os.path.isfile(arg):
            bases.append(os.path.dirname(os.path.abspath(arg)))
            found.append(arg)
        elif os.path.lexists(arg) and not os.path.exists(arg):
            problems.append(Problem(arg, None, "broken symbolic link"))
        elif os.path.exists(arg):
            problems.append(Problem(arg, None, "not a regular file or directory"))
        else:
            problems.append(Problem(arg, None, "no such file or directory"))
    base = os.path.commonpath(bases) if bases else ""
    files: list[InputFile] = []
    seen: set[str] = set()
    for path in found:
        absolute = os.path.abspath(path)
        if absolute in seen:
            continue
        seen.add(absolute)
        files.append(InputFile(path, os.path.relpath(absolute, base)))
    return files, problems


# --------------------------------------------------------------------------- planning


class PlanError(Exception):
    """The requested outputs cannot be produced safely; nothing has been processed."""


def _within(path: str, directory: str) -> bool:
    return path == directory or path.startswith(directory.rstrip(os.sep) + os.sep)


def plan(
    files: Sequence[InputFile],
    paths: Sequence[str],
    *,
    mode: Mode,
    options: Options,
    outdir: str | None = None,
    roots: Sequence[str] = (),
) -> list[Task]:
    """One task per file; raises PlanError when an output would land on or among the
    inputs, or on the modules of a source root (which are read, never written)."""
    if mode is Mode.MIRROR:
        assert outdir is not None
        real_outdir = os.path.realpath(outdir)
        for arg in paths:
            real_arg = os.path.realpath(arg)
            if os.path.isdir(arg):
                if _within(real_outdir, real_arg) or _within(real_arg, real_outdir):
                    raise PlanError(
                        f"output directory '{outdir}' overlaps input directory '{arg}'; "
                        "choose an output directory outside the inputs"
                    )
            elif real_arg != real_outdir and _within(real_arg, real_outdir):  # outputs among the sources (review R37b F3)
                raise PlanError(f"output directory '{outdir}' contains the input '{arg}'; choose an output directory outside the inputs")
        # A root inside OUTDIR would get outputs written over its modules, which later
        # files of the run may read (review R14 k3). OUTDIR inside a root is fine
        # (``--source-root . -o build``): outputs there are named build.*, which no input imports.
        for root in roots:
            if _within(os.path.realpath(root), real_outdir):
                raise PlanError(
                    f"output directory '{outdir}' is or contains the source root '{root}', whose modules are read, "
                    "not rewritten; choose an output directory outside it"
                )
        inputs = {os.path.realpath(f.path): f.path for f in files}
        tasks = []
        for f in files:
            target = os.path.join(outdir, f.relative)
            clash = inputs.get(os.path.realpath(target))
            if clash is not None:
                raise PlanError(f"output '{target}' would overwrite the input '{clash}'")
            tasks.append(Task(f.path, mode, options, target))
        return tasks
    # Each real file once (a file reached through a linked directory named as an input
    # too): a second diff of it would not apply, a second check would count it twice.
    # In place, writes go through symbolic links, so that they stay links.
    tasks, seen = [], set()
    for f in files:
        real = os.path.realpath(f.path)
        if real not in seen:
            seen.add(real)
            tasks.append(Task(f.path, mode, options, real if mode is Mode.IN_PLACE else None))
    return tasks


# --------------------------------------------------------------------------- processing


def process_file(task: Task) -> Outcome:
    """Read, rewrite and (per ``task.mode``) write or diff one file. Never raises for a file's problems."""
    from .api import InternalError, near_miss_marker, rewrite_source
    from .sources import module_name_for_file

    try:
        with open(task.path, "rb") as f:
            data = f.read()
    except OSError as exc:
        return Outcome(task.path, problem=Problem(task.path, None, f"cannot read: {exc.strerror or exc}"))
    try:
        module = module_name_for_file(task.path, _program.roots)[0] if _program is not None else None
        result = rewrite_source(data, filename=task.path, options=task.options, module=module or None, sources=_sources())
        new_data = result.code.encode(result.encoding) if result.changed else data
        stdout = None
        if task.mode is Mode.DIFF and result.changed:
            stdout = unified_diff(data, new_data, task.path)
        elif task.mode is Mode.PRINT:
            stdout = new_data
    except SourceError as exc:
        return Outcome(task.path, problem=Problem(task.path, exc.line, exc.message))
    except InternalError as exc:
        message = str(exc)
        if message.startswith(f"{task.path}: "):
            message = message[len(task.path) + 2 :]
        return Outcome(task.path, problem=_internal(task.path, message))
    except Exception as exc:  # any other failure is a bug of ours too: report it, keep going
        return Outcome(task.path, problem=_internal(task.path, f"{type(exc).__name__}: {exc}"))
    outcome = Outcome(
        task.path, result.report, changed=result.changed, already_rewritten=result.already_rewritten, opted_out=result.opted_out, stdout=stdout
    )
    if not result.already_rewritten:
        outcome.near_marker = near_miss_marker(data)
        outcome.noinline_matched = defined_matches(data, module or "", task.options.noinline)
    if task.mode is Mode.IN_PLACE and result.changed:
        outcome.pending, outcome.read_digest = new_data, _digest(data)
    elif task.mode is Mode.MIRROR:
        _write(task, outcome, new_data)
    return outcome


def defined_matches(source: bytes, module: str, patterns: Sequence[str]) -> tuple[str, ...]:
    """The ``patterns`` (noinline's) that match the qualified name of a function or method
    defined in ``source``, module ``module``: the others name nothing there."""
    from .options import noinline_matches

    if not patterns:
        return ()
    names = defined_names(source, module)
    return tuple(p for p in patterns if any(noinline_matches(name, (p,)) for name in names))


def defined_names(source: bytes, module: str) -> list[str]:
    """The qualified names (``module.f``, ``module.K.m``) of the functions and methods
    defined in ``source``, in any block; none when it does not parse."""
    import ast

    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):  # too deep: the run or rewrite says so
        return []
    names: list[str] = []
    stack: list[tuple[ast.AST, str]] = [(node, module) for node in tree.body]
    while stack:
        node, prefix = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            name = f"{prefix}.{node.name}" if prefix else node.name
            if isinstance(node, ast.ClassDef):
                stack.extend((child, name) for child in node.body)
            else:
                names.append(name)
        elif not isinstance(node, ast.expr):
            # Any block a definition may sit in (`if TYPE_CHECKING:`, the handler of `try:
            # ... except ImportError:`, a `with`, a `match` case): the rewrite reads them all
            # (review R18 w3: functions in a handler or a `with` were reported unmatched).
            stack.extend((child, prefix) for child in ast.iter_child_nodes(node) if isinstance(child, (ast.stmt, ast.excepthandler, ast.match_case)))
    return names


def root_matches(pattern: str, roots: Sequence[str]) -> bool:
    """Whether ``pattern`` (noinline's) names a function of a module under a source root,
    or may (a pattern in its module part): the module is the longest dotted prefix found."""
    from .hook.cache import read_bytes
    from .sources import in_roots

    parts = pattern.split(".")
    for end in range(len(parts) - 1, 0, -1):
        module = ".".join(parts[:end])
        if any(c in module for c in "*?["):
            return True
        found = in_roots(module, list(roots))  # the file --source-root reads the module from
        data = read_bytes(found[0]) if found is not None else None
        if data is not None:
            return bool(defined_matches(data, module, (pattern,)))
    return False


class ChangedDuringRun(OSError):
    """The file to replace no longer holds the bytes that were rewritten."""


def _digest(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def _write(task: Task, outcome: Outcome, data: bytes) -> None:
    assert task.target is not None
    in_place = task.mode is Mode.IN_PLACE
    try:
        if in_place and not os.path.exists(task.target):  # os.access is False for it too: not "read-only"
            raise FileNotFoundError(task.target)
        if in_place and not os.access(task.target, os.W_OK):
            raise PermissionError(13, "the file is read-only")
        write_atomically(
            task.target, data, like=task.path, keep_owner=in_place, durable=in_place, expect=outcome.read_digest if in_place else None
        )
    except ChangedDuringRun:
        outcome.problem = Problem(task.path, None, "changed during the run; left as it is")
        outcome.report = None
    except OSError as exc:
        if in_place and isinstance(exc, FileNotFoundError):  # deleted or renamed away after it was read
            outcome.problem = Problem(task.path, None, "disappeared during the run; not re-created")
        else:
            outcome.problem = Problem(task.path if in_place else task.target, None, f"cannot write: {exc.strerror or exc}")
        outcome.report = None


def _internal(path: str, message: str) -> Problem:
    return Problem(path, None, f"internal error: {message}", kind=ProblemKind.INTERNAL, detail=traceback.format_exc())


def process_all(tasks: Sequence[Task], jobs: int = 1, program: ProgramFiles | None = None) -> Generator[Outcome, None, None]:
    """Outcomes in the order of ``tasks``, whatever the number of worker processes.

    Files rewritten in place are replaced only once every file has been rewritten: a
    file's rewrite reads the other inputs (their callees), which must be the originals,
    whichever worker got there first."""
    outcomes = _process_all(tasks, jobs, program)
    if not any(task.mode is Mode.IN_PLACE for task in tasks):
        yield from outcomes
        return
    done = list(outcomes)
    for task, outcome in zip(tasks, done, strict=True):
        if outcome.pending is not None:
            _write(task, outcome, outcome.pending)
            outcome.pending = None
        yield outcome


def _process_all(tasks: Sequence[Task], jobs: int, program: ProgramFiles | None) -> Generator[Outcome, None, None]:
    if jobs <= 1 or len(tasks) <= 1:
        _set_program(program)
        try:
            for task in tasks:
                yield process_file(task)
        finally:
            _set_program(None)
        return
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("forkserver" if "forkserver" in methods else None)
    pool = concurrent.futures.ProcessPoolExecutor(
        max_workers=min(jobs, len(tasks)), mp_context=context, initializer=_set_program, initargs=(program,)
    )
    try:
        futures = [pool.submit(process_file, task) for task in tasks]
        for task, future in zip(tasks, futures, strict=True):
            try:
                yield future.result()
            except BrokenProcessPool as exc:  # name the file: it is there or among those processed with it
                raise BrokenProcessPool(f"while processing {task.path}, or a file processed at the same time") from exc
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def cpu_count() -> int:
    """CPUs this process may use (``--jobs 0``)."""
    if hasattr(os, "process_cpu_count"):  # 3.13+
        return os.process_cpu_count() or 1
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0)) or 1
    return os.cpu_count() or 1


# --------------------------------------------------------------------------- output


def _lines(data: bytes) -> list[bytes]:
    """Split on "\\n" only, as ``patch`` does (``splitlines`` also splits on form feeds)."""
    parts = data.split(b"\n")
    lines = [part + b"\n" for part in parts[:-1]]
    if parts[-1]:
        lines.append(parts[-1])
    return lines


def unified_diff(old: bytes, new: bytes, path: str) -> bytes:
    """A diff that ``patch -p0`` applies, including the "No newline at end of file" marker.

    Made of the files' bytes, so that a file in another encoding (latin-1, a UTF-8 BOM)
    gets context lines that match it byte for byte."""
    out = []
    name = quote_path(os.fsencode(path))
    for line in difflib.diff_bytes(difflib.unified_diff, _lines(old), _lines(new), fromfile=name, tofile=name):
        out.append(line)
        if not line.endswith(b"\n"):
            out.append(b"\n\\ No newline at end of file\n")
    return b"".join(out)


#: Bytes that end or break a name in a ``---``/``+++`` header, as GNU patch reads it.
_UNSAFE_IN_NAME = re.compile(rb'[\x00-\x20"\\\x7f]')
_ESCAPES = {ord("\t"): b"\\t", ord("\n"): b"\\n", ord('"'): b'\\"', ord("\\"): b"\\\\"}


def quote_path(name: bytes) -> bytes:
    """``name`` as git writes it in a diff header: as it is, or, if it holds a blank, a
    control character, a quote or a backslash, C-style in double quotes (octal escapes for
    other control and non-ASCII bytes), which GNU patch reads back. Unquoted, ``patch -p0``
    took ``sp ace.py`` for ``sp`` and a newline broke the header in two."""
    if not _UNSAFE_IN_NAME.search(name):
        return name
    parts = [b'"']
    for byte in name:
        if byte in _ESCAPES:
            parts.append(_ESCAPES[byte])
        elif 0x20 <= byte < 0x7F:
            parts.append(bytes((byte,)))
        else:
            parts.append(b"\\%03o" % byte)
    parts.append(b'"')
    return b"".join(parts)


def _default_mode() -> int:
    umask = os.umask(0o022)
    os.umask(umask)
    return 0o666 & ~umask


def write_atomically(
    path: str, data: bytes, *, like: str | None = None, keep_owner: bool = False, durable: bool = False, expect: bytes | None = None
) -> None:
    """Replace ``path`` with ``data`` all at once: readers see the old file or the new one, never a part.

    The new file gets the permission bits of ``like`` (and its owner, where allowed, with
    ``keep_owner``), or the default ones. ``durable`` syncs the data to disk before the
    rename. ``expect``: the digest of the bytes ``path`` must still hold just before the
    rename, else ChangedDuringRun (an edit made meanwhile is never overwritten).
    On any failure ``path`` is left as it was and the temporary file is removed.
    """
    directory = os.path.dirname(path) or "."
    make_directories(directory)
    fd, temporary = tempfile.mkstemp(dir=directory, prefix=f".{os.path.basename(path)}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            if durable:
                os.fsync(f.fileno())
        _copy_permissions(like, temporary, keep_owner=keep_owner)
        if expect is not None:
            with open(path, "rb") as current:
                if _digest(current.read()) != expect:
                    raise ChangedDuringRun(path)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def existing_ancestor(path: str) -> str:
    """``path`` or its nearest parent that exists (as a link, too): where creating it starts."""
    while not os.path.lexists(path) and os.path.dirname(path) != path:
        path = os.path.dirname(path)
    return path


def report_path_problem(report: str) -> str | None:
    """Why a report cannot be written at ``report`` (missing directories above it are
    created), known before any work, or None: ``rewrite --report`` and the pytest plugin's
    ``--async-inline-report`` refuse the same paths."""
    if os.path.isdir(report):
        return "is a directory"
    if report.endswith(("/", os.sep)):
        return "names a directory; give the report a file name"
    if os.path.exists(report) and not os.path.isfile(report):
        return None  # a FIFO or a device: written to as it is (write_report)
    # A regular file is replaced through a temporary file beside it (a link's target).
    start = existing_ancestor(os.path.dirname(os.path.abspath(os.path.realpath(report) if os.path.islink(report) else report)))
    if not os.path.isdir(start):
        return f"'{start}' is not a directory"
    if not os.access(start, os.W_OK | os.X_OK):
        return f"'{start}' is not writable"
    return None


def make_directories(directory: str) -> None:
    """``os.makedirs``, naming the file that stands where a directory must go (it said
    "File exists", review R14 k6)."""
    try:
        os.makedirs(directory, exist_ok=True)
    except (FileExistsError, NotADirectoryError) as exc:
        raise NotADirectoryError(errno.ENOTDIR, f"'{existing_ancestor(directory)}' is not a directory") from exc


def write_report(path: str, data: bytes) -> None:
    """Write the report to ``path`` without ever replacing what is there but a regular file:
    a FIFO, a device or a pipe (``/dev/stdout``, ``/dev/null``, ``>(jq .)``'s ``/dev/fd/N``)
    is written to directly; a symbolic link stays a link, its target is replaced atomically
    (or created); anything else is replaced atomically."""
    try:
        st = os.stat(path)  # through links
    except FileNotFoundError:
        st = None
    if st is not None and not stat.S_ISREG(st.st_mode) and not stat.S_ISDIR(st.st_mode):
        with open(path, "wb") as f:
            f.write(data)
        return
    write_atomically(os.path.realpath(path) if os.path.islink(path) else path, data)


def _copy_permissions(like: str | None, path: str, *, keep_owner: bool) -> None:
    if like is None:
        os.chmod(path, _default_mode())
        return
    st = os.stat(like)
    if keep_owner and hasattr(os, "chown") and (st.st_uid, st.st_gid) != (os.getuid(), os.getgid()):
        with contextlib.suppress(OSError):  # only root may give files away; keep going otherwise
            os.chown(path, st.st_uid, st.st_gid)
    os.chmod(path, stat.S_IMODE(st.st_mode))


def run_tasks(
    tasks: Sequence[Task],
    *,
    jobs: int,
    on_outcome: Callable[[int, Outcome], None] | None = None,
    program: ProgramFiles | None = None,
) -> list[Outcome]:
    """Process every task; ``on_outcome(k, outcome)`` is called in task order as each completes."""
    outcomes = []
    with contextlib.closing(process_all(tasks, jobs, program)) as results:  # stops the pool on any exception
        for k, outcome in enumerate(results, 1):
            outcomes.append(outcome)
            if on_outcome is not None:
                on_outcome(k, outcome)
    return outcomes


def file_reports(outcomes: Iterable[Outcome]) -> list[FileReport]:
    return [o.report for o in outcomes if o.report is not None]
