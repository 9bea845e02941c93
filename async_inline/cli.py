"""The ``async-inline`` / ``python -m async_inline`` command line: subcommand registry and exit codes.

Each subcommand lives in its own module with a ``register(subparsers)`` function that adds its
parser and sets ``handler`` (``handler(args) -> int``). Registering one is a single line in
``SUBCOMMANDS``; the module is imported only when its parser is needed, so keep the
module-level imports of a ``register`` module light and import the real work inside the handler.
"""

from __future__ import annotations

import argparse
import enum
import importlib
import os
import sys
from collections.abc import Callable, Sequence
from typing import NoReturn


class ExitCode(enum.IntEnum):
    """Exit statuses scripts can rely on. When several apply, the highest one wins."""

    OK = 0
    #: ``--check`` found at least one file that would change.
    WOULD_CHANGE = 1
    #: Bad command line or unusable output location; nothing was processed.
    USAGE = 2
    #: Some inputs could not be processed (syntax error, undecodable, missing or unreadable
    #: path) or an output could not be written; every other file was still processed.
    INPUT_ERROR = 3
    #: async_inline failed on some file (a bug of ours; please report it).
    INTERNAL_ERROR = 4
    #: Interrupted with Ctrl-C.
    INTERRUPTED = 130


#: ``(name, "module:function")``: ``function(subparsers)`` registers the subcommand ``name``.
SUBCOMMANDS: tuple[tuple[str, str], ...] = (
    ("rewrite", "async_inline.rewrite_command:register"),
    ("run", "async_inline.hook.command:register"),
    ("fuzz", "async_inline.fuzz.command:register"),
    ("cache", "async_inline.hook.cache_command:register"),
)

EXIT_CODES_HELP = """\
exit codes:
  0    success
  1    --check: some file would change
  2    usage error (bad arguments, unusable output location); nothing was processed
  3    some inputs could not be processed (syntax error, undecodable, missing or
       unreadable path) or an output could not be written; the other files were processed
  4    internal error in async_inline on some file (please report it)
  130  interrupted
when several apply, the highest code wins (130 aside).
"""


def _program_name() -> str:
    argv0 = os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else ""
    return "python -m async_inline" if argv0 in ("__main__.py", "-m", "") else "async-inline"


def _load_register(target: str) -> Callable[[argparse._SubParsersAction[argparse.ArgumentParser]], None]:
    module_name, _, function_name = target.partition(":")
    register: Callable[[argparse._SubParsersAction[argparse.ArgumentParser]], None] = getattr(
        importlib.import_module(module_name), function_name
    )
    return register


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The full parser, or (``only``) one with just that subcommand so others are not imported."""
    from . import __version__

    parser = argparse.ArgumentParser(
        prog=_program_name(),
        description="Inline awaited coroutine functions into their callers, at the source level.",
        epilog=EXIT_CODES_HELP + "\nRun '%(prog)s COMMAND --help' for the options of a command.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")
    subparsers.required = True
    for name, target in SUBCOMMANDS:
        if only is None or name == only:
            _load_register(target)(subparsers)
    return parser


def _first_positional(argv: Sequence[str]) -> str | None:
    for arg in argv:
        if not arg.startswith("-"):
            return arg
    return None


#: Set when ``main`` caught an interrupt of the tool's own work (not of a program ``run`` runs).
_interrupted = False


def exit_process(status: int) -> NoReturn:
    """``sys.exit``, but after an interrupt leave without the interpreter's finalisation:
    a Ctrl-C landing in LibCST's native parser can make it abort (SIGABRT) or die by
    SIGINT there instead of exiting 130. Every file is written and closed by then; the
    program ``run`` runs is not concerned (its interrupt is its own, its atexit handlers run)."""
    if _interrupted:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(status)
    sys.exit(status)


def entry() -> NoReturn:
    """``async-inline`` and ``python -m async_inline``: run, then leave with the status."""
    exit_process(main())


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (see ``ExitCode``)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    command = _first_positional(argv)
    if sys.stderr is None and command != "run":  # ``run``'s program sees what python gives it
        # Python gives ``None`` for a closed standard error, and ``print(file=None)`` writes
        # to standard output: into a --diff or the code of ``-o -`` (review R37b F7).
        sys.stderr = open(os.devnull, "w", encoding="utf-8")
    known = {name for name, _ in SUBCOMMANDS}
    parser = build_parser(only=command if command in known else None)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse: --help/--version (0) or a usage error (2)
        return exc.code if isinstance(exc.code, int) else ExitCode.USAGE
    try:
        return int(args.handler(args))
    except KeyboardInterrupt:
        print(f"{parser.prog}: interrupted", file=sys.stderr)
        global _interrupted
        _interrupted = True
        return ExitCode.INTERRUPTED
    except BrokenPipeError:
        # The reader went away (``--diff | head``): stop quietly, as other Unix tools do.
        silence_stdout()
        return 128 + 13  # like a process killed by SIGPIPE


def plural(n: int, word: str) -> str:
    """``1 file``, ``2 files``: the counts of the summary lines."""
    return f"{n} {word if n == 1 else word + 's'}"


def silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush does not fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass
