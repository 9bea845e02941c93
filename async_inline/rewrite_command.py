"""The ``rewrite`` subcommand: its options, and what the user sees (messages, diffs, summary, report).

The file work itself (discovery, processing, atomic writes) is in ``rewrite_files``.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
from collections import Counter
from typing import TYPE_CHECKING, Any, TextIO

from .cli import EXIT_CODES_HELP, ExitCode, plural, silence_stdout
from .config import HookConfig, load_config
from .options import Options
from .runtime_name import names_runtime, runtime_beside, runtime_in

if TYPE_CHECKING:  # imported where used: `--help` need not load the file machinery
    from .report import FileReport
    from .rewrite_files import Mode, Outcome, Problem, Task

DESCRIPTION = """\
Inline awaited coroutine functions into their callers in Python files.

Each PATH is a file or a directory; directories are searched recursively for *.py
files, in name order, skipping hidden directories, __pycache__, node_modules and
virtual environments (a PATH given explicitly is always processed).

Output modes (exactly one):
  -o OUTDIR     write every input to OUTDIR, changed or not, so that OUTDIR is a
                complete rewritten copy of the Python files. The layout is mirrored
                from the inputs' common directory: a single file lands at
                OUTDIR/<basename>, a single directory's contents directly under
                OUTDIR. OUTDIR must not overlap the inputs, nor be or contain a
                --source-root. Existing files there are replaced; other files
                there are left alone. "-o -" prints the rewritten code of a single
                input file on stdout instead.
  --in-place    replace the files that change; each one is written to a temporary
                file next to it and renamed over it, keeping its permission bits (not
                its hard links or extended attributes), so a failure never leaves a
                file half-written. Files are replaced once all have been rewritten, so
                each inlines the others' original code; a file edited meanwhile is
                left as it is (and reported).
  --diff        print a unified diff of the changes on stdout (patch -p0 applies it);
                write nothing.
  --check       write nothing; exit 1 if any file would change (as black and ruff do).

Files carrying the "rewritten by async-inline" header are left as they are, so
rewriting an output again changes nothing. A file that cannot be processed is
reported as path:line: message and the other files are still processed.

Configuration: "depth", "guards", "noinline" and "assume" in the [tool.async_inline] table of
the nearest pyproject.toml (searched upwards from the inputs' common directory) are the
defaults of --max-depth and --guards/--no-guards (noinline patterns add to --noinline,
assumptions to --assume); the flags win. --isolated ignores the file.
"""


def _count(text: str) -> int:
    """argparse type: a non-negative integer."""
    try:
        value = int(text, 10)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a non-negative integer, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a non-negative integer, got {text!r}")
    return value


def _option_default(name: str) -> Any:
    return next(f.default for f in dataclasses.fields(Options) if f.name == name)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "rewrite",
        help="inline awaited coroutine calls in Python files",
        description=DESCRIPTION,
        epilog=EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("paths", nargs="+", metavar="PATH", help="file or directory to rewrite")

    modes = parser.add_argument_group("output mode (exactly one is required)")
    mode = modes.add_mutually_exclusive_group(required=True)
    mode.add_argument("-o", "--output-dir", metavar="OUTDIR", help="write a rewritten copy of the inputs to OUTDIR")
    mode.add_argument("--in-place", action="store_true", help="replace the files that change, atomically")
    mode.add_argument("--diff", action="store_true", help="print a unified diff on stdout, write nothing")
    mode.add_argument("--check", action="store_true", help="exit 1 if any file would change, write nothing")

    inliner = parser.add_argument_group("inlining")
    inliner.add_argument(
        "--max-depth",
        type=_count,
        metavar="N",
        help=f"inline callees of inlined callees up to N levels deep (default {_option_default('max_depth')})",
    )
    inliner.add_argument(
        "--max-size",
        type=_count,
        metavar="N",
        help="skip callees of more than N statements, unless marked @runtime.inline "
        f"(default {_option_default('max_callee_size')})",
    )
    inliner.add_argument(
        "--max-growth",
        type=_count,
        metavar="N",
        help="inline at most N statements into any one function, which bounds code growth "
        f"(default {_option_default('max_caller_growth')})",
    )
    inliner.add_argument(
        "--guards",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="--no-guards drops the run-time check that the callee's name still refers to the "
        "original function (only if nothing ever rebinds or mocks it; default: guards on); "
        "method sites keep theirs",
    )
    inliner.add_argument(
        "--unroll",
        type=_count,
        metavar="N",
        help=f"expand a self-recursive callee into itself at most N times (default {_option_default('recursion_unroll')})",
    )
    inliner.add_argument(
        "--source-root",
        action="append",
        metavar="DIR",
        help="also inline callees from modules under DIR (searched like a sys.path entry), without rewriting them; "
        "repeatable. Inputs under DIR are named from it, so directories without __init__.py there are namespace "
        "packages (src/ns/mod.py is ns.mod). All inputs are one program: a site in one input may inline a callee of another",
    )
    inliner.add_argument(
        "--noinline",
        action="append",
        metavar="PATTERN,...",
        help="never inline these functions: qualified names or fnmatch patterns (pkg.mod.func, "
        "pkg.mod.*_socket); the module name comes from the package __init__.py files around a file",
    )
    inliner.add_argument(
        "--assume",
        action="append",
        metavar="NAME,...",
        help="opt-in assumptions that make the code leaner: frozen-defaults (no one replaces a function's "
        "__defaults__: immutable literal defaults are folded in), no-rebinding (same as --no-guards), "
        "class-methods (no instance attribute shadows a method and no class overrides __getattribute__, in "
        "code the rewrite does not read: methods are tested on the class, and method sites are inlined, "
        "which otherwise stay calls, guard-cost); also `assume = [...]` in [tool.async_inline]",
    )
    inliner.add_argument(
        "--stress",
        type=_count,
        metavar="SEED",
        help="stress mode: inline every eligible site regardless of size, choosing among "
        "candidates with this random seed (default: $ASYNC_INLINE_STRESS when set)",
    )

    general = parser.add_argument_group("reporting and performance")
    general.add_argument(
        "--report",
        metavar="FILE.json",
        help="write every decision (inlined and skipped sites) as JSON to FILE.json ('-': stdout); "
        "missing directories are created",
    )
    general.add_argument(
        "-j",
        "--jobs",
        type=_count,
        default=1,
        metavar="N",
        help="process files in N worker processes (default 1; 0 = one per CPU); the results "
        "and their order do not depend on N",
    )
    general.add_argument(
        "--isolated", action="store_true", help="ignore [tool.async_inline] in pyproject.toml"
    )
    verbosity = general.add_mutually_exclusive_group()
    verbosity.add_argument("-q", "--quiet", action="store_true", help="print errors only, no summary or progress")
    verbosity.add_argument("-v", "--verbose", action="store_true", help="also list every inlining decision")
    parser.set_defaults(handler=run, prog=parser.prog)


class Console:
    """Messages on stderr, and a ``[k/n]`` progress counter when stderr is a terminal."""

    def __init__(self, stream: TextIO, *, quiet: bool, verbose: bool) -> None:
        self.stream = stream
        self.quiet = quiet
        self.verbose = verbose
        self.progress_shown = False
        try:
            self.show_progress = not quiet and stream.isatty()
        except (AttributeError, ValueError):
            self.show_progress = False

    def clear_progress(self) -> None:
        if self.progress_shown:
            self.stream.write("\r\x1b[K")
            self.progress_shown = False

    def error(self, text: str) -> None:
        self.clear_progress()
        # A file name that is not valid UTF-8 holds surrogates: shown escaped, as the
        # interpreter's own stderr shows them, whatever the stream's error handler.
        print(text.encode("utf-8", "backslashreplace").decode("utf-8"), file=self.stream)

    def info(self, text: str) -> None:
        if not self.quiet:
            self.error(text)

    def detail(self, text: str) -> None:
        if self.verbose:
            self.error(text)

    def progress(self, done: int, total: int) -> None:
        if self.show_progress:
            self.stream.write(f"\r[{done}/{total}]")
            self.stream.flush()
            self.progress_shown = True

    def finish(self) -> None:
        self.clear_progress()
        self.stream.flush()


def _write_stdout(data: bytes) -> None:
    """The diff's bytes as they are: a terminal shows another encoding's text as it would
    show the file, and ``patch`` gets lines that match it."""
    sys.stdout.flush()
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()


def options_from(args: argparse.Namespace, config: HookConfig | None = None) -> Options:
    """The library options: the flags given, else ``config`` (pyproject.toml), else the
    library's defaults."""
    from .config import check_assumptions, split_patterns

    changes: dict[str, Any] = {}
    if config is not None:
        changes = {field: value for field, value in (("max_depth", config.depth), ("guards", config.guards)) if value is not None}
    for flag, field in (
        ("max_depth", "max_depth"), ("max_size", "max_callee_size"), ("max_growth", "max_caller_growth"),
        ("unroll", "recursion_unroll"), ("guards", "guards"), ("stress", "stress_seed"),
    ):
        if getattr(args, flag) is not None:
            changes[field] = getattr(args, flag)
    assumed = check_assumptions((a for text in getattr(args, "assume", None) or () for a in text.split(",")), where="--assume")
    # --guards/--no-guards and the assumption no-rebinding are one switch: the command
    # line's spelling of it wins over the table's, and contradicts itself only in one place.
    if "no-rebinding" in assumed:
        if getattr(args, "guards", None) is True:
            raise ValueError("--guards contradicts --assume no-rebinding (the same switch: no-rebinding drops the guards)")
        changes["guards"] = False
    listed = [p for text in getattr(args, "noinline", None) or () for p in split_patterns(text)]
    options = Options(**changes)
    if config is not None:
        # Where "guards" is decided (a flag, or the table's own guards), the table's
        # no-rebinding is that decision's other spelling: the flag's wins.
        configured = config.assume - {"no-rebinding"} if "guards" in changes else config.assume
        options = options.extended(noinline=config.noinline, assume=configured)
    return options.extended(noinline=listed, assume=assumed - {"no-rebinding"})


def project_config(paths: list[str]) -> HookConfig | None:
    """``[tool.async_inline]`` of the nearest pyproject.toml above the inputs, if any.

    Raises config.ConfigError for a table that is there but wrong.
    """
    existing = [os.path.abspath(p) for p in paths if os.path.exists(p)]
    if not existing:
        return None
    start = os.path.commonpath([p if os.path.isdir(p) else os.path.dirname(p) for p in existing])
    config = load_config(start, environ={})
    return config if config.pyproject is not None else None


def _report_problem(report: str, tasks: list[Task]) -> str | None:
    """Why ``--report FILE`` cannot be written there, known before any work, or None."""
    from .rewrite_files import report_path_problem

    problem = report_path_problem(report)
    if problem is None and os.path.realpath(report) in {os.path.realpath(p) for t in tasks for p in (t.path, t.target) if p is not None}:
        return "is one of the files being rewritten"
    return problem


def _output_problem(args: argparse.Namespace, tasks: list[Task]) -> str | None:
    """Why the report or OUTDIR cannot be used (creating OUTDIR on the way), or None."""
    to_stdout = "--diff" if args.diff else "-o -" if args.output_dir == "-" else "--report -" if args.report == "-" else None
    if to_stdout is not None and sys.stdout is None:  # started with stdout closed (>&-)
        return f"{to_stdout}: stdout is closed"
    if args.report == "-":
        if args.diff:
            return "--report -: stdout carries the diff; give the report a file"
    elif args.report == "":
        return "--report: the file name must not be empty"
    elif args.report is not None:
        problem = _report_problem(args.report, tasks)
        if problem is not None:
            return f"--report {args.report}: {problem}"
    if args.output_dir not in (None, "-") and tasks:
        try:
            os.makedirs(args.output_dir, exist_ok=True)
        except OSError as exc:
            return f"cannot create output directory '{args.output_dir}': {exc.strerror or exc}"
        if not os.access(args.output_dir, os.W_OK | os.X_OK):
            return f"output directory '{args.output_dir}' is not writable"
    return None


def run(args: argparse.Namespace) -> int:
    from concurrent.futures.process import BrokenProcessPool

    from . import rewrite_files as rf
    from .api import NEAR_MISS_WARNING
    from .report import report_json, skip_reason_tally

    console = Console(sys.stderr, quiet=args.quiet, verbose=args.verbose)

    def usage_error(message: str) -> int:
        console.error(f"{args.prog}: error: {message}")
        return ExitCode.USAGE

    try:
        options = options_from(args, None if args.isolated else project_config(args.paths))
    except ValueError as exc:  # ConfigError included: its message names the file and key
        return usage_error(str(exc))
    if args.output_dir == "":
        return usage_error("-o/--output-dir: the directory name must not be empty")
    roots = tuple(args.source_root or ())
    for root in roots:  # a typo would only show as fewer sites inlined (review R14 k4)
        if not os.path.isdir(root):
            return usage_error(f"--source-root {root}: {'not a directory' if os.path.exists(root) else 'no such directory'}")
    printing = args.output_dir == "-"
    if printing and args.report == "-":
        return usage_error("-o - and --report - would both write to standard output; give the report a file name")
    mode = (
        rf.Mode.PRINT
        if printing
        else rf.Mode.MIRROR
        if args.output_dir is not None
        else rf.Mode.IN_PLACE
        if args.in_place
        else rf.Mode.DIFF
        if args.diff
        else rf.Mode.CHECK
    )

    not_followed: list[str] = []
    files, problems = rf.discover(args.paths, not_followed)
    for problem in problems:
        console.error(str(problem))
    for note in not_followed:
        console.detail(note)
    shadowing = next((f.path for f in files if names_runtime(f.path)), None)
    if shadowing is not None:
        return usage_error(
            f"{shadowing}: a module of the inputs is named 'runtime', like async_inline's runtime, which rewritten code "
            "imports by that name: it would import this module instead; rename it (nothing was rewritten)"
        )
    inputs = len({os.path.realpath(f.path) for f in files}) + len(problems)  # each real file once
    if printing and inputs != 1:
        given = "no Python file" if not files else f"{inputs} inputs"
        return usage_error(f"-o - prints the rewritten code of one file on standard output; give exactly one file ({given} given)")
    try:
        tasks = rf.plan(files, args.paths, mode=mode, options=options, outdir=None if printing else args.output_dir, roots=roots)
    except rf.PlanError as exc:
        return usage_error(str(exc))
    unusable = _output_problem(args, tasks)
    if unusable:
        return usage_error(unusable)
    beside = next((found for t in tasks if (found := runtime_beside(t.path, t.target)) is not None), None)
    beside = beside or next((found for root in roots if (found := runtime_in(os.path.abspath(root))) is not None), None)
    if beside is not None:
        return usage_error(
            f"{beside}: a module named 'runtime' is beside the rewritten files or in a --source-root, where 'import runtime' finds it before "
            "async_inline's runtime, which rewritten code imports by that name; rename it (nothing was rewritten)"
        )
    if not files and not problems:
        console.info("no Python files found; nothing to do")

    unwritable: list[rf.Problem] = []  # standard output failed (a full disk, not a closed pipe)

    def show(k: int, outcome: rf.Outcome) -> None:
        if outcome.problem is not None:
            console.error(str(outcome.problem))
            if outcome.problem.internal and outcome.problem.detail:
                console.detail(outcome.problem.detail.rstrip())
        else:
            if outcome.already_rewritten:
                console.detail(f"{outcome.path}: already rewritten by async-inline, left as it is")
            if outcome.opted_out:
                console.detail(f"{outcome.path}: opts out (# async_inline: skip-file), left as it is")
            if outcome.near_marker is not None:
                console.info(f"{outcome.path}:{outcome.near_marker}: warning: {NEAR_MISS_WARNING}")
            _show_decisions(console, outcome)
            if mode is rf.Mode.CHECK and outcome.changed:
                console.info(f"would rewrite {outcome.path}")
            if outcome.stdout and not unwritable:
                console.clear_progress()  # stdout and stderr are often the same terminal
                try:
                    _write_stdout(outcome.stdout)
                except BrokenPipeError:
                    raise  # the reader went away: ``cli.main`` ends quietly
                except OSError as exc:
                    silence_stdout()
                    unwritable.append(rf.Problem("standard output", None, f"cannot write: {exc.strerror or exc}"))
                    console.error(str(unwritable[0]))
        console.progress(k, len(tasks))

    try:
        program = rf.ProgramFiles(tuple(f.path for f in files), roots)
        jobs = rf.cpu_count() if args.jobs == 0 else args.jobs
        outcomes = rf.run_tasks(tasks, jobs=jobs, on_outcome=show, program=program)
    except BrokenProcessPool as exc:
        console.error(f"{args.prog}: internal error: a worker process died ({exc}); please report it")
        return ExitCode.INTERNAL_ERROR
    finally:
        console.finish()

    problems += [o.problem for o in outcomes if o.problem is not None] + unwritable
    reports = rf.file_reports(outcomes)
    unmatched = _unmatched_noinline(args, outcomes, roots)
    if args.report is not None:
        document = report_json(reports)
        document["errors"] = [p.to_json() for p in problems]
        if unmatched:
            document["noinline_unmatched"] = unmatched
        try:
            # A file name that is not valid UTF-8 (``os.fsdecode``'s surrogates) is written
            # as JSON's escape of the same code point (``"\udcff"``): json.loads and
            # os.fsencode give the name back.
            text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
            if args.report == "-":
                _write_stdout(text.encode("utf-8", "backslashreplace"))
            else:
                rf.write_report(args.report, text.encode("utf-8", "backslashreplace"))
        except OSError as exc:
            problems.append(rf.Problem(args.report, None, f"cannot write the report: {exc.strerror or exc}"))
            console.error(str(problems[-1]))

    processed = [o for o in outcomes if o.problem is None]
    if tasks or problems:
        _summary(console, mode, processed, reports, problems, skip_reason_tally(reports))
    for pattern in unmatched:
        console.info(
            f"warning: --noinline {pattern} matches no function defined in the inputs or the source roots "
            "(patterns are qualified names: module.function, module.Class.method)"
        )
    if any(p.internal for p in problems):
        return ExitCode.INTERNAL_ERROR
    if problems:
        return ExitCode.INPUT_ERROR
    if mode is rf.Mode.CHECK and any(o.changed for o in processed):
        return ExitCode.WOULD_CHANGE
    return ExitCode.OK


def _unmatched_noinline(args: argparse.Namespace, outcomes: list[Outcome], roots: tuple[str, ...]) -> list[str]:
    """The command line's ``--noinline`` patterns that match no function of the inputs or
    of the source roots: a mistake (``add_one`` for ``a.add_one``), else nothing to keep a
    call. The table's patterns are left out: they are the whole project's."""
    from .config import split_patterns
    from .rewrite_files import root_matches

    matched = {p for o in outcomes for p in o.noinline_matched}
    given = dict.fromkeys(p for text in args.noinline or () for p in split_patterns(text))
    return [p for p in given if p not in matched and not root_matches(p, roots)]


def _show_decisions(console: Console, outcome: Outcome) -> None:
    if not console.verbose or outcome.report is None:
        return
    decisions = [(d.line, f"inlined {d.callee} into {d.caller} (depth {d.depth})") for d in outcome.report.inlined]
    decisions += [
        (s.line, f"kept the call to {s.callee} in {s.caller}: {s.reason} [{s.code}]") for s in outcome.report.skipped
    ]
    for line, text in sorted(decisions, key=lambda item: item[0]):
        console.detail(f"{outcome.path}:{line}: {text}")





#: What each kind of unresolved callee is, and what would make it inlinable.
_SHAPE_HINTS = {
    "external": "in modules outside the program (add their sources with --source-root)",
    "attribute": "methods of objects of unknown class (an annotation would tell)",
    "local": "through local variables or parameters",
    "dynamic": "computed callees",
    "not-function": "not async defs",
    "unknown": "names the module does not bind",
    "ambiguous": "in modules more than one file may be (rename one, or rewrite them apart)",
}


def _summary(
    console: Console, mode: Mode, processed: list[Outcome], reports: list[FileReport], problems: list[Problem], tally: Counter[str]
) -> None:
    changed = sum(o.changed for o in processed)
    already = sum(o.already_rewritten for o in processed)
    parts = [f"{changed} {mode.changed_word}", f"{len(processed) - changed - already} unchanged"]
    if already:
        parts.append(f"{already} already rewritten")
    console.info(f"{plural(len(processed), 'file')} processed: {', '.join(parts)}")
    inlined = sum(len(r.inlined) for r in reports)
    skipped = sum(len(r.skipped) for r in reports)
    line = f"{plural(inlined, 'call site')} inlined, {skipped} skipped"
    if tally:
        line += " (" + ", ".join(f"{code}: {n}" for code, n in tally.most_common(5)) + ")"
    console.info(line)
    shapes = Counter(s.shape for r in reports for s in r.skipped if s.shape is not None)
    if shapes:
        console.info("unresolved: " + ", ".join(f"{n} {_SHAPE_HINTS.get(shape, shape)}" for shape, n in shapes.most_common()))
    if problems:
        internal = sum(p.internal for p in problems)
        text = f"{plural(len(problems), 'error')}"
        if internal:
            text += f", of which {internal} internal (a bug in async-inline: please report it)"
        console.info(text)
