"""``python -m async_inline fuzz``: a differential fuzzing campaign against the inliner."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

DESCRIPTION = """\
Generate random, terminating async programs (plain coroutines and runtime-async functions,
which run under the runtime's deterministic scheduler), rewrite each with async_inline,
run the original and the rewritten program, and compare printed output, result,
exception chain, posts per synchronization context and the rule checker's verdict.
A divergence, a crash of the rewriter, invalid output or a hang of the rewritten program
is shrunk to a small program; with --keep it is written there with a ready-made test.

exit codes: 0 no divergence; 1 some divergence; 2 usage error
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "fuzz",
        help="differential fuzzing of the inliner on random programs",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--seed", type=int, default=0, help="first program seed (default 0); program i uses seed+i")
    parser.add_argument("--count", type=_positive, default=100, help="number of programs (default 100)")
    parser.add_argument("--stress", action="store_true", help="rewrite in stress mode (seeded by the program seed)")
    parser.add_argument(
        "--kind", choices=("both", "plain", "runtime"), default="both", help="program family (default both, alternating)"
    )
    parser.add_argument("--keep", type=Path, metavar="DIR", help="write shrunk divergent programs and tests to DIR")
    parser.add_argument("-j", "--jobs", type=int, default=1, metavar="N", help="worker processes (0: one per CPU)")
    parser.set_defaults(handler=run)


def _positive(text: str) -> int:
    value = int(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text}")
    return value


def run(args: argparse.Namespace) -> int:
    from .campaign import run_campaign

    jobs = args.jobs if args.jobs > 0 else (os.cpu_count() or 1)
    found = run_campaign(
        args.seed, args.count, kind=args.kind, stress=args.stress, keep=args.keep, jobs=jobs, progress=sys.stderr.isatty()
    )
    print(f"{args.count} programs, {len(found)} divergences")
    return 1 if found else 0
