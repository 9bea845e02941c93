"""The plan of one module's rewrite: every inlining decision, as frozen data.

The planner (``planner.py``) computes it from the original tree; the emitter
(``transform/``) turns it into code without deciding anything; the report is read off it,
so the report and the code cannot disagree.

Shape: a ``CallerPlan`` per physical caller (each ``async def``), holding the
``FramePlan`` of its body. A frame's ``sites`` map each await of the frame's own code to a
``SitePlan``; an inlined site holds the ``FramePlan`` of the callee's body *as inlined at
that site* (the same callee inlined at two sites is planned twice: names and nested
decisions may differ).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from enum import Enum

import libcst as cst

from ..analysis.binding import ParamSource
from ..analysis.callee import CalleeInfo
from ..analysis.caller import CallerInfo
from ..analysis.guards import Guard, SuperSite
from ..analysis.module import ModuleFacts
from ..analysis.refusals import Refusal
from ..analysis.resolve import Target
from ..analysis.site import SiteCall
from ..report import FileReport, Inlined, Skipped


class Form(Enum):
    #: ``(EXPR if f is ref else await f(...))`` in place of the await.
    EXPRESSION = "expression"
    #: The callee's statements before the statement holding the await.
    STATEMENTS = "statements"


@dataclass(frozen=True, eq=False)
class Inlining:
    """How an inlined site is emitted."""

    form: Form
    #: The callee, and how the original's lookup reaches it (what the guard checks).
    target: Target
    #: Where each parameter's value comes from (not the first of a BOUND lookup: the
    #: lookup's ``__self__``).
    binding: tuple[ParamSource, ...]
    #: Emitted name of each callee local (its own name where that is free).
    local_names: Mapping[str, str]
    #: Statement form: parameters that alias their evaluated argument (a name) instead of
    #: being assigned a copy. Expression form: empty.
    aliased: frozenset[str]
    #: Expression form: the arguments used in place (stable); the others are bound with
    #: ``:=`` in argument order. Statement form: empty.
    in_place_args: frozenset[int]
    #: The callee's body as inlined here.
    body: FramePlan
    #: Statement form of ``x = await f()``: ``x`` is assigned at each lowered return,
    #: with no result temporary (see ``Planner._direct_result`` for when that is exact).
    direct: bool = False
    #: Statement form: parameters standing for a literal (``Planner._constants``): their
    #: uses read the literal, no variable holds them.
    constants: frozenset[str] = frozenset()
    guard: Guard = Guard.IDENTITY
    #: The site opens the body of the frame around it, whose guard tests its name too (a
    #: merged guard, see ``guards.takes_nested_guards``): it has no test of its own.
    merged_guard: bool = False
    #: The defaults it reads come from the tuple the module found, behind the test that
    #: the function still holds it (``binding.tests_defaults_tuple``).
    tests_defaults: bool = False
    #: ``Guard.SUPER_CLASS``: the method that calls ``super()``.
    super_site: SuperSite | None = None

    @property
    def callee(self) -> CalleeInfo:
        return self.target.callee


@dataclass(frozen=True, eq=False)
class SitePlan:
    site: SiteCall
    #: Qualified name of the physical caller the site's code lands in.
    caller: str
    #: Line of the await in its own source (the callee's line for a site of an inlined body).
    line: int
    #: Depth of the callee if inlined (1: into the physical caller).
    depth: int
    #: Whether an exception raised here could be observed before the physical caller's
    #: coroutine boundary (then a StopIteration leaving the inlined code is converted).
    observed: bool
    inlining: Inlining | None = None
    refusal: Refusal | None = None
    #: The await is in the rewritten module's own code (else in code inlined from another).
    local: bool = True

    @property
    def await_node(self) -> cst.Await:
        return self.site.await_node


@dataclass(frozen=True, eq=False)
class FramePlan:
    """One body being emitted: the physical caller's own (depth 0) or an inlined callee's."""

    caller: CallerInfo
    depth: int
    #: Names of the inlined callees around and including this frame, outermost first.
    stack: tuple[str, ...]
    #: None for the physical caller's own body.
    callee: CalleeInfo | None
    #: The module whose code this frame is.
    facts: ModuleFacts
    sites: Mapping[cst.Await, SitePlan] = field(default_factory=dict)
    #: For code of another module: the top-level import statement of the rewritten
    #: module after which that module's namespace is read (generated aliases go there).
    via: cst.SimpleStatementLine | None = None
    #: Line of the physical caller's statement this frame's code lands in (0 at depth 0).
    placement_line: int = 0

    @property
    def foreign(self) -> bool:
        """The code is another module's (its lines are not the rewritten file's)."""
        return self.via is not None

    @property
    def root(self) -> cst.FunctionDef:
        """The function whose body this frame emits."""
        return self.callee.node if self.callee is not None else self.caller.node


@dataclass(frozen=True, eq=False)
class CallerPlan:
    caller: CallerInfo
    frame: FramePlan
    #: Names inlined code assigns as globals: the caller declares them ``global``.
    required_globals: frozenset[str]


@dataclass(frozen=True, eq=False)
class ModulePlan:
    callers: Mapping[cst.FunctionDef, CallerPlan]
    #: Every site, in the order the planner decided them.
    decided: tuple[SitePlan, ...]

    @property
    def inlines_anything(self) -> bool:
        return any(site.inlining is not None for site in self.decided)

    def frames(self) -> Iterator[FramePlan]:
        stack = [plan.frame for plan in self.callers.values()]
        while stack:
            frame = stack.pop()
            yield frame
            stack.extend(s.inlining.body for s in frame.sites.values() if s.inlining is not None)

    def report(self, path: str) -> FileReport:
        """The decisions as the report shows them: each await of the module's own code once,
        with the decision where it stands, and how its copies in other functions fared."""
        report = FileReport(path)
        by_site: dict[cst.Await, list[SitePlan]] = {}
        for site in self.decided:
            if site.local:
                by_site.setdefault(site.await_node, []).append(site)
        for decisions in by_site.values():
            first = min(decisions, key=lambda d: d.depth)
            rest = [d for d in decisions if d is not first]
            same = tuple(sorted(d.depth for d in rest if (d.inlining is None) == (first.inlining is None)))
            other = tuple(sorted((d.depth, _outcome(d)) for d in rest if (d.inlining is None) != (first.inlining is None)))
            if first.inlining is not None:
                callee = first.inlining.callee
                suspends = not callee.may_suspend if callee.is_runtime_async and first.inlining.form is Form.STATEMENTS else None
                report.inlined.append(Inlined(first.caller, first.site.label, first.line, first.depth, suspends, callee.key, same, other))
            elif first.refusal is not None:
                refusal = first.refusal
                report.skipped.append(
                    Skipped(first.caller, first.site.label, first.line, refusal.reason, refusal.code.value, refusal.shape, same, other)
                )
        report.inlined.sort(key=lambda d: (d.line, d.depth))
        report.skipped.sort(key=lambda d: d.line)
        return report


def _outcome(site: SitePlan) -> str:
    return "inlined" if site.inlining is not None else site.refusal.code.value if site.refusal is not None else "?"
