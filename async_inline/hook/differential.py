"""Comparing two runs of one test: the original code and the inlined code.

What counts as observable: per phase (setup, call, teardown), the outcome, the exception
(type and message, with its cause/context chain), and what the test wrote to stdout and
stderr; and, when the program uses ``runtime``, what its trace recorder saw: the rules
its checker finds broken, the number of posts to each synchronization context, and the
AsyncLocal reads and writes with their values (``runtime-async-rules.md``, section 4).
Memory addresses (``0x7f...``) are masked, objects in traces are named by type and order
of first appearance: both differ between any two runs.
"""

from __future__ import annotations

import contextlib
import re
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

_ADDRESS = re.compile(r"0x[0-9a-fA-F]{4,}")


def normalize(text: str) -> str:
    return _ADDRESS.sub("0x?", text)


def describe_exception(exc: BaseException | None, depth: int = 0) -> str | None:
    """``"ValueError: boom"``, then `` <- cause`` / `` <- context`` for the chain.

    An AssertionError keeps its first line only: pytest's explanation below it quotes
    source text, which inlining legitimately changes (names of temporaries).
    """
    if exc is None:
        return None
    kind = type(exc)
    name = kind.__qualname__ if kind.__module__ in ("builtins", "__main__") else f"{kind.__module__}.{kind.__qualname__}"
    message = str(exc)
    if isinstance(exc, AssertionError):
        message = message.split("\n", 1)[0]
    text = normalize(f"{name}: {message}" if message else name)
    if depth < 5:
        if exc.__cause__ is not None:
            text += f" <- caused by {describe_exception(exc.__cause__, depth + 1)}"
        elif exc.__context__ is not None and not exc.__suppress_context__:
            text += f" <- while handling {describe_exception(exc.__context__, depth + 1)}"
    return text


@dataclass
class Phase:
    outcome: str
    exception: str | None = None
    stdout: str = ""
    stderr: str = ""


@dataclass
class Run:
    phases: dict[str, Phase] = field(default_factory=dict)
    #: What the runtime's trace recorder saw (``summarize_trace``), or None without one.
    trace: dict[str, Any] | None = None


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


def _trace_difference(a: dict[str, Any], b: dict[str, Any]) -> str:
    lines = ["runtime trace differs"]
    for key in ("violations", "posts", "locals"):
        if a.get(key) != b.get(key):
            lines.append(f"    {key}: original {a.get(key)!r}")
            lines.append(f"    {' ' * len(key)}  inlined  {b.get(key)!r}")
    return "\n".join(lines)


def summarize_trace(trace: Any) -> dict[str, Any]:
    """The part of a ``runtime.Trace`` that inlining must not change."""
    names: dict[int, str] = {}

    def label(obj: Any) -> str:
        if obj is None or isinstance(obj, (str, int, float, bool, bytes)):
            return normalize(repr(obj))
        if isinstance(obj, (tuple, list)):
            return "(" + ", ".join(label(x) for x in obj) + ")"
        if id(obj) not in names:
            name = getattr(obj, "name", None)
            suffix = f" {name!r}" if isinstance(name, str) else ""
            names[id(obj)] = f"{type(obj).__name__}{suffix}#{len(names) + 1}"
        return names[id(obj)]

    posts: Counter[str] = Counter()
    locals_: Counter[tuple[str, str, str]] = Counter()
    for event in trace.events:
        if event.kind == "post":
            posts[label(event.target)] += 1
        elif event.kind in ("read", "write"):
            locals_[(event.kind, label(event.local), label(event.value))] += 1
    return {
        "violations": sorted(v.rule for v in trace.check()),
        "posts": dict(sorted(posts.items())),
        "locals": sorted(locals_.items()),
    }


#: The message of ``runtime.trace()`` when a recording is already running.
TRACE_CONFLICT = "trace is already recording"


@contextlib.contextmanager
def trace_recording(enabled: bool = True) -> Iterator[_Trace]:
    """Record the runtime's events while the body runs; ``events`` is then their summary.

    Only when the program has imported ``runtime`` (nothing to record otherwise). A body
    that starts its own recording fails with ``RuntimeError(... TRACE_CONFLICT)``: the
    caller then runs again with ``enabled=False``.
    """
    holder = _Trace()
    runtime = sys.modules.get("runtime") if enabled else None
    start = getattr(runtime, "trace", None)
    if start is None:
        yield holder
        return
    try:
        recording = start()
        recording.__enter__()
    except RuntimeError:  # already recording: not ours to stop
        yield holder
        return
    try:
        yield holder
    finally:
        recording.__exit__(None, None, None)
        holder.events = summarize_trace(recording)


class _Trace:
    events: dict[str, Any] | None = None
