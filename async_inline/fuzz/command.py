"""``python -m async_inline fuzz``: a differential fuzzing campaign against the inliner."""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

from ..options import ASSUMPTIONS

if TYPE_CHECKING:  # the campaign imports LibCST: only when the command runs
    from .campaign import Result, Summary

#: ``--kind``: one flavour of module-level functions (``plain``, ``runtime``, as before
#: classes and modules came), ``both`` flavours of them, ``classes`` or ``modules`` in both
#: flavours, or ``all`` shapes (see ``campaign.make_case``).
KIND_CHOICES = ("all", "both", "plain", "runtime", "classes", "modules")

DESCRIPTION = """\
Generate random, terminating async programs, rewrite each with async_inline, run the
original and the rewritten program, and compare what they print, return and raise (the
exception chain included) and, for runtime-async programs (run under the runtime's
deterministic scheduler), the posts to each synchronization context and the rules the
trace checker finds broken. A crash of the rewriter, invalid output, a rewrite or a
rewritten program that does not finish, count as divergences too.

Program i of the campaign has seed SEED+i; a seed always gives the same program and the
same rewrite options, so any case can be run alone again (each finding prints the
command). Programs are module-level coroutine functions (--kind plain, runtime, or both),
classes with async methods in one module (classes), or packages of several modules
(modules), each plain or runtime-async (odd seeds); the default, all, takes every shape.
At the end, the sites inlined and kept as calls are counted by kind: plain function,
method, function of another module. A divergence is shrunk (statements, functions,
branches removed while it persists); with --keep the smallest program and a
ready-to-paste pytest test are written to DIR.

The last line on stdout is "N programs, K divergences".
"""

EPILOG = """\
exit codes:
  0    no divergence
  1    some divergence
  2    usage error
  130  interrupted
"""


#: Without a terminal, a progress line every this many programs.
PROGRESS_EVERY = 500


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "fuzz",
        help="differential fuzzing of the inliner on random programs",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--seed", type=_non_negative, default=0, metavar="S", help="seed of the first program (default 0)")
    parser.add_argument("--count", type=_positive, default=100, metavar="N", help="number of programs (default 100)")
    parser.add_argument(
        "--stress", action="store_true", help="rewrite in stress mode, seeded by each program's seed (every eligible site, random subset)"
    )
    parser.add_argument(
        "--kind",
        choices=KIND_CHOICES,
        default="all",
        help="programs: plain or runtime-async coroutine functions, both (odd seeds runtime-async), classes, "
        "modules (packages), each of these both ways, or all of them (default: the seed picks)",
    )
    parser.add_argument(
        "--assuming",
        choices=sorted(ASSUMPTIONS),
        metavar="NAME",
        help="only the programs whose drawn rewrite options make assumption NAME (one of: "
        f"{', '.join(sorted(ASSUMPTIONS))}); other seeds are skipped. class-methods comes with classes and modules",
    )
    parser.add_argument("--keep", type=Path, metavar="DIR", help="write each shrunk divergent program and its test to DIR")
    parser.add_argument("-j", "--jobs", type=_non_negative, default=1, metavar="N", help="worker processes (0: one per CPU; default 1)")
    parser.add_argument(
        "--shrink-time", type=float, default=300.0, metavar="SECONDS", help="time to shrink each divergence (0: do not shrink; default 300)"
    )
    parser.add_argument("--show", action="store_true", help="print the programs (and their rewrite options) instead of running them")
    parser.set_defaults(handler=run)


def _positive(text: str) -> int:
    value = _non_negative(text)
    if value == 0:
        raise argparse.ArgumentTypeError("must be a positive integer")
    return value


def _non_negative(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be an integer, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must not be negative, got {text}")
    return value


def run(args: argparse.Namespace) -> int:
    from .campaign import default_jobs, run_campaign, select_cases
    from .findings import options_source, package_files, program_file, write

    try:
        cases = select_cases(args.seed, args.count, args.kind, args.stress, args.assuming)
    except ValueError as exc:
        print(f"fuzz: {exc}", file=sys.stderr)
        return 2
    if args.show:
        for case in cases:
            print(f"# {case.label}; options: {options_source(case.options)}")
            program = case.program()
            for path, text in ([("", program)] if isinstance(program, str) else program.items()):
                print(f"# --- {path}\n{text}" if path else text)
        return 0
    if args.keep is not None and args.keep.exists() and not args.keep.is_dir():
        print(f"fuzz: --keep {args.keep}: not a directory", file=sys.stderr)
        return 2
    tty = sys.stderr.isatty()

    def report(result: Result, summary: Summary) -> None:
        if tty:
            print(f"\r[{summary.programs}/{len(cases)}] {len(summary.findings)} divergences", end="", file=sys.stderr, flush=True)
        elif summary.programs % PROGRESS_EVERY == 0:  # a log file of a long campaign shows it is alive
            print(f"[{summary.programs}/{len(cases)}] {len(summary.findings)} divergences", file=sys.stderr, flush=True)
        if not result.verdict.divergent:
            return
        if tty:
            print(file=sys.stderr)
        print(f"{result.case.label}: {result.verdict.kind}: {result.verdict.detail[:500]}", file=sys.stderr)
        print(f"  reproduce: {result.case.command}", file=sys.stderr)
        if args.keep is not None:
            print(f"  written to {write(result, args.keep)}", file=sys.stderr)
        elif result.shrunk:
            files = {"": program_file(result)} if isinstance(result.program, str) else package_files(result)
            text = "\n".join(f"# --- {path}\n{source}" if path else source for path, source in files.items())
            print("  shrunk to:\n" + "\n".join("    " + line for line in text.splitlines()), file=sys.stderr)

    summary = run_campaign(cases, jobs=args.jobs or default_jobs(), shrink_seconds=args.shrink_time, on_result=report)
    if tty:
        print(file=sys.stderr)
    if summary.unusable:
        seeds = ", ".join(str(r.case.seed) for r in summary.unusable[:10])
        print(f"{len(summary.unusable)} programs unusable (a fuzzer problem; seeds {seeds}): "
              f"{summary.unusable[0].verdict.detail[:200]}", file=sys.stderr)
    print(site_summary(summary.inlined_sites, summary.skipped_sites), file=sys.stderr)
    print(f"{summary.programs} programs, {len(summary.findings)} divergences")
    return 1 if summary.findings else 0


def site_summary(inlined: Counter[str], skipped: Counter[str]) -> str:
    """``N sites inlined in all (function: a of b, method: c of d, ...)``: inlined of seen."""
    kinds = sorted(set(inlined) | set(skipped), key=lambda k: (-(inlined[k] + skipped[k]), k))
    parts = ", ".join(f"{kind}: {inlined[kind]:,} of {inlined[kind] + skipped[kind]:,}" for kind in kinds)
    return f"{sum(inlined.values()):,} sites inlined in all" + (f" ({parts})" if parts else "")
