"""Why a site is kept as a call: the stable reason codes of the report.

The codes are part of the JSON report and of docs/user-guide.md's table; a new refusal
gets a new member here and a row there.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class RefusalCode(str, Enum):
    # the callee cannot be found statically
    UNRESOLVED = "unresolved"
    REBOUND = "rebound"
    DECORATOR = "decorator"
    NOINLINE = "noinline"
    NOT_ASYNC = "not-async"
    # the callee's body
    ABSTRACT = "abstract"
    GENERATOR = "generator"
    FRAME_INTROSPECTION = "frame-introspection"
    SUPER = "super"
    NESTED_SCOPE = "nested-scope"
    CLOSURE = "closure"
    NONLOCAL = "nonlocal"
    UNSUPPORTED = "unsupported"
    # the site
    CALLER_INTROSPECTION = "caller-introspection"
    POSITION = "position"
    BINDING = "binding"
    CALL_UNPACKING = "call-unpacking"
    SHADOWED = "shadowed"
    PRIVATE_NAME = "private-name"
    MAYBE_UNASSIGNED = "maybe-unassigned"
    DOTTED_IMPORT = "dotted-import"
    CONFIGURE_AWAIT = "configure-await"
    THROW_CONTEXT = "throw-context"
    GENERATOR_EXIT = "generator-exit"
    NESTING = "nesting"
    GUARD_COST = "guard-cost"
    NAMESPACE_COST = "namespace-cost"
    OTHER_MODULE = "other-module"
    # limits
    SIZE = "size"
    DEPTH = "depth"
    RECURSION = "recursion"
    BUDGET = "budget"
    STRESS = "stress"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class Refusal:
    code: RefusalCode
    #: Human-readable reason, naming what in the source causes it.
    reason: str
    #: For ``unresolved``: what kind of callee it is (see analysis/unresolved.py).
    shape: str | None = None
