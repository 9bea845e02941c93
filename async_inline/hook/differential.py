"""Comparing two runs of one test: the original code and the inlined code.

What counts as observable: per phase (setup, call, teardown), the outcome, the exception
(type and message), and what the test wrote to stdout and stderr; and the runtime's
trace of context events, once ``runtime`` records one (``trace_recording``). Memory
addresses (``0x7f...``) are masked: they differ between any two runs.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass, field
from typing import Any, Iterator, Optional

_ADDRESS = re.compile(r"0x[0-9a-fA-F]{4,}")


def normalize(text: str) -> str:
    return _ADDRESS.sub("0x?", text)


def describe_exception(exc: Optional[BaseException]) -> Optional[str]:
    """``"ValueError: boom"``; an AssertionError keeps its first line only, because pytest's
    explanation below it quotes source text that inlining legitimately changes (names)."""
    if exc is None:
        return None
    kind = type(exc)
    name = kind.__qualname__ if kind.__module__ in ("builtins", "__main__") else f"{kind.__module__}.{kind.__qualname__}"
    message = str(exc)
    if isinstance(exc, AssertionError):
        message = message.split("\n", 1)[0]
    return normalize(f"{name}: {message}" if message else name)


@dataclass
class Phase:
    outcome: str
    exception: Optional[str] = None
    stdout: str = ""
    stderr: str = ""


@dataclass
class Run:
    phases: dict[str, Phase] = field(default_factory=dict)
    #: The runtime's trace of context events, or None when it records none.
    trace: Optional[list[Any]] = None


def differences(original: Run, inlined: Run) -> list[str]:
    """Human-readable differences, empty when the two runs are indistinguishable."""
    out = []
    for when in ("setup", "call", "teardown"):
        a, b = original.phases.get(when), inlined.phases.get(when)
        if a is None and b is None:
            continue
        if a is None or b is None:
            out.append(f"{when}: ran only in the {'inlined' if a is None else 'original'} run")
            continue
        if a.outcome != b.outcome:
            out.append(f"{when}: original {a.outcome}, inlined {b.outcome}")
        if a.exception != b.exception:
            out.append(f"{when}: original raised {a.exception or 'nothing'}, inlined raised {b.exception or 'nothing'}")
        for stream in ("stdout", "stderr"):
            x, y = getattr(a, stream), getattr(b, stream)
            if x != y:
                out.append(f"{when}: {stream} differs\n    original: {x!r}\n    inlined:  {y!r}")
    if original.trace is not None and inlined.trace is not None and original.trace != inlined.trace:
        out.append(_trace_difference(original.trace, inlined.trace))
    return out


def _trace_difference(a: list[Any], b: list[Any]) -> str:
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            return f"runtime trace differs at event {i}\n    original: {x!r}\n    inlined:  {y!r}"
    return f"runtime trace differs in length: original {len(a)} events, inlined {len(b)}"


@contextlib.contextmanager
def trace_recording() -> Iterator["_Trace"]:
    """Record the runtime's context events while the body runs (see ``_Trace.events``).

    Seam for ``runtime``'s trace recorder (issue 3): until ``runtime`` exposes one, nothing
    is recorded and ``events`` stays None, so only results and output are compared.
    """
    trace = _Trace()
    yield trace


class _Trace:
    events: Optional[list[Any]] = None
