"""The decisions of one rewrite: which await sites were inlined, which skipped and why.

Each await of the module's own code is one entry, with the decision made where it stands
(depth 1, in the function that contains it). Where that function was itself inlined into
others, the site was decided again in each copy: ``copies`` lists the depths of the copies
decided the same way, ``other_copies`` the copies decided otherwise (a depth limit ...).
"""

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
    #: Depths of the copies of this site (inside functions it was inlined into) inlined too.
    copies: tuple[int, ...] = ()
    #: Copies kept as calls: (depth, reason code).
    other_copies: tuple[tuple[int, str], ...] = ()

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"caller": self.caller, "callee": self.callee, "line": self.line, "depth": self.depth}
        if self.target is not None and self.target != self.callee:
            data["target"] = self.target
        if self.never_suspends is not None:
            data["I6"] = self.never_suspends
        return _with_copies(data, self.copies, self.other_copies)


@dataclass(frozen=True)
class Skipped:
    caller: str
    callee: str
    line: int
    #: Human-readable reason.
    reason: str
    #: Stable identifier of the reason, for tallies and tests (e.g. "generator").
    code: str = "unsafe"
    #: For ``unresolved``: what the callee is (``external``, ``attribute``, ``local`` ...).
    shape: str | None = None
    #: Depths of the copies of this site (inside functions it was inlined into) kept too.
    copies: tuple[int, ...] = ()
    #: Copies inlined after all: (depth, "inlined").
    other_copies: tuple[tuple[int, str], ...] = ()

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"caller": self.caller, "callee": self.callee, "line": self.line, "reason": self.reason, "code": self.code}
        if self.shape is not None:
            data["shape"] = self.shape
        return _with_copies(data, self.copies, self.other_copies)


def _with_copies(data: dict[str, Any], copies: tuple[int, ...], other: tuple[tuple[int, str], ...]) -> dict[str, Any]:
    if copies:
        data["copies"] = list(copies)
    if other:
        data["other_copies"] = [{"depth": d, "code": c} for d, c in other]
    return data


@dataclass
class FileReport:
    path: str
    inlined: list[Inlined] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)

    def inlined_depths(self) -> list[int]:
        """The depth of every inlined copy of every site."""
        depths = [d.depth for d in self.inlined] + [c for d in self.inlined for c in d.copies]
        return depths + [depth for s in self.skipped for depth, code in s.other_copies if code == "inlined"]

    def kept(self) -> list[tuple[str, str]]:
        """(callee, reason code) for every kept copy of every site."""
        kept = [(s.callee, s.code) for s in self.skipped for _ in range(1 + len(s.copies))]
        return kept + [(d.callee, code) for d in self.inlined for _, code in d.other_copies]

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
