"""pytest's failure tracebacks with the frames the original code would have had.

An inlined callee runs in its caller's frame, with the callee's lines: pytest, which shows a
frame's source from its function's first line, printed ``???`` for it. Here each entry of a
frame holding inlined code becomes one entry per logical frame (``async_inline.debug``):
the function's own source, line, columns, arguments and locals (``-l``), and the file
location line of an inlined one says ``[inlined into CALLER]``.

pytest has no hook for traceback entries, so this uses its internals, each pinned by
tests/debug/test_logical_frames.py and test_caught_tracebacks.py: ``TracebackEntry``
(subclassed), ``Code`` and ``Frame`` (wrapped), the item's ``_traceback_filter`` (wrapped,
per item, for every exception of a chain) and the ``ReprEntry``/``ReprFileLocation`` of the
report (marked).
"""

from __future__ import annotations

import linecache
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from _pytest._code.code import Code, ExceptionChainRepr, ExceptionInfo, Frame, Traceback, TracebackEntry
from _pytest._code.source import Source

from ..debug import LogicalFrame, logical_frames, tb_entry_frames

_RECORD = "_async_inline_logical_marks"


class _CodeView(Code):
    """The code of one logical frame: the physical code object, its own first line."""

    def __init__(self, raw: Any, logical: LogicalFrame) -> None:
        super().__init__(raw)
        self._logical = logical

    @property
    def firstlineno(self) -> int:
        return self._logical.first_line - 1

    def _elsewhere(self) -> bool:
        """A callee of another module: its own file, not the code object's."""
        return bool(self._logical.filename != self.raw.co_filename)

    @property
    def path(self) -> Path | str:
        if not self._elsewhere():
            return super().path
        path = Path(self._logical.filename)
        return path if path.is_absolute() and path.exists() else self._logical.filename

    @property
    def fullsource(self) -> Source | None:
        if not self._elsewhere():
            return super().fullsource
        lines = linecache.getlines(self._logical.filename)
        return Source("".join(lines)) if lines else None

    @property
    def name(self) -> str:
        return self._logical.name


class _FrameView(Frame):
    """A logical frame as pytest's ``Frame``: its locals, arguments and first line."""

    def __init__(self, logical: LogicalFrame) -> None:
        super().__init__(logical.frame)
        self._logical = logical

    @property
    def lineno(self) -> int:
        return self._logical.lineno - 1

    @property
    def f_locals(self) -> dict[str, Any]:
        return self._logical.f_locals

    @property
    def code(self) -> Code:
        return _CodeView(self.raw.f_code, self._logical)

    def getargs(self, var: bool = False) -> list[tuple[str, Any]]:
        values = self._logical.f_locals
        if not self._logical.inlined:
            return [(name, value) for name, value in super().getargs(var) if name in values]
        return [(name, values[name]) for name in self._logical.params if name in values]


class LogicalEntry(TracebackEntry):
    __slots__ = ("_logical",)

    def __init__(self, rawentry: Any, repr_style: Any, logical: LogicalFrame) -> None:
        super().__init__(rawentry, repr_style)
        self._logical = logical

    def with_repr_style(self, repr_style: Any) -> LogicalEntry:
        return LogicalEntry(self._rawentry, repr_style, self._logical)

    @property
    def lineno(self) -> int:
        return self._logical.lineno - 1

    @property
    def frame(self) -> Frame:
        return _FrameView(self._logical)

    @property
    def name(self) -> str:
        return self._logical.name

    @property
    def end_lineno_relative(self) -> int | None:
        position = self._logical.positions
        return None if position is None or position[1] is None else position[1] - self._logical.first_line

    @property
    def colno(self) -> int | None:
        return self._logical.positions[2] if self._logical.positions is not None else None

    @property
    def end_colno(self) -> int | None:
        return self._logical.positions[3] if self._logical.positions is not None else None


def logical_traceback(
    traceback: Traceback, restyle: bool, excinfo: ExceptionInfo[BaseException] | None = None
) -> tuple[Traceback, list[str | None]]:
    """``traceback`` with the entries of inlined code expanded; for each entry, the physical
    function it was inlined into (None: not inlined). ``restyle``: pytest's ``auto`` style,
    long for the first and last entries, short between. ``excinfo``: the exception, whose
    whole traceback (``traceback`` may be filtered) tells where it was caught
    (``debug.tb_entry_frames``)."""
    entries: list[TracebackEntry] = []
    marks: list[str | None] = []
    expanded = False
    previous: dict[int, Any] = {}
    raw_entry = excinfo.tb if excinfo is not None else (traceback[0]._rawentry if len(traceback) else None)
    before = None
    while raw_entry is not None:
        previous[id(raw_entry)] = before
        before, raw_entry = raw_entry, raw_entry.tb_next
    exc = excinfo.value if excinfo is not None else None
    for entry in traceback:
        raw = entry._rawentry
        if id(raw) in previous:
            frames = tb_entry_frames(raw, previous[id(raw)], exc)
        else:
            frames = logical_frames(raw.tb_frame, raw.tb_lasti, raw.tb_lineno)
        if len(frames) == 1 and frames[0].local_names is None:
            entries.append(entry)
            marks.append(None)
            continue
        expanded = expanded or len(frames) > 1
        for logical in frames:
            entries.append(LogicalEntry(raw, entry._repr_style, logical))
            marks.append(raw.tb_frame.f_code.co_name if logical.inlined else None)
    if expanded and restyle and len(entries) > 2:
        entries = [entries[0], *(e.with_repr_style("short") for e in entries[1:-1]), entries[-1].with_repr_style(None)]
    return Traceback(entries), marks


def install(item: pytest.Item) -> None:
    """Make ``item``'s failure tracebacks list logical frames."""
    original: Callable[[ExceptionInfo[BaseException]], Traceback] | None = getattr(item, "_traceback_filter", None)
    if original is None or hasattr(item, _RECORD):
        return
    restyle = item.config.getoption("tbstyle", "auto") == "auto"

    def logical_filter(excinfo: ExceptionInfo[BaseException]) -> Traceback:
        traceback, marks = logical_traceback(original(excinfo), restyle, excinfo)
        getattr(item, _RECORD).append(marks)
        return traceback

    setattr(item, _RECORD, [])
    item._traceback_filter = logical_filter  # type: ignore[method-assign]


def mark(item: pytest.Item, report: pytest.TestReport) -> None:
    """Say ``[inlined into CALLER]`` on the location line of each inlined entry of ``report``."""
    records: list[list[str | None]] = getattr(item, _RECORD, [])
    longrepr = report.longrepr
    if records and isinstance(longrepr, ExceptionChainRepr):
        # pytest formats a chain from the raised exception to its causes, then reverses it.
        for (reprtraceback, _, _), marks in zip(longrepr.chain, reversed(records), strict=False):
            entries = reprtraceback.reprentries
            if len(entries) != len(marks):
                continue  # truncated (RecursionError): leave it unmarked
            for entry, caller in zip(entries, marks, strict=True):
                location = getattr(entry, "reprfileloc", None)
                if caller is not None and location is not None:
                    location.message = f"{location.message} [inlined into {caller}]".lstrip()
    records.clear()
