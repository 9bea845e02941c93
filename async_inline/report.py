"""The decisions of one rewrite: which await sites were inlined, which skipped and why."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Inlined:
    caller: str
    #: The callee as the site writes it (``f``, ``self.m``, ``util.f``).
    callee: str
    line: int
    depth: int
    #: True when the callee never suspends (rule I6: no I1/I3/I4 machinery).
    never_suspends: bool | None = None
    #: The function inlined, by qualified name (``pkg.mod.Class.m``).
    target: str | None = None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"caller": self.caller, "callee": self.callee, "line": self.line, "depth": self.depth}
        if self.target is not None and self.target != self.callee:
            data["target"] = self.target
        if self.never_suspends is not None:
            data["I6"] = self.never_suspends
        return data


@dataclass(frozen=True)
class Skipped:
    caller: str
    callee: str
    line: int
    #: Human-readable reason.
    reason: str
    #: Stable identifier of the reason, for tallies and tests (e.g. "generator").
    code: str = "unsafe"

    def to_json(self) -> dict[str, Any]:
        return {"caller": self.caller, "callee": self.callee, "line": self.line, "reason": self.reason, "code": self.code}


@dataclass
class FileReport:
    path: str
    inlined: list[Inlined] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "inlined": [d.to_json() for d in self.inlined],
            "skipped": [d.to_json() for d in self.skipped],
        }


def report_json(files: Iterable[FileReport]) -> dict[str, Any]:
    """The ``--report FILE.json`` document for several files."""
    files = list(files)
    return {
        "files": [f.to_json() for f in files],
        "totals": {
            "inlined": sum(len(f.inlined) for f in files),
            "skipped": sum(len(f.skipped) for f in files),
        },
    }


def skip_reason_tally(files: Iterable[FileReport]) -> Counter[str]:
    """How often each skip reason code occurs, most common first via ``most_common``."""
    return Counter(s.code for f in files for s in f.skipped)
