"""Options that steer what the inliner is allowed to do."""

from __future__ import annotations

import dataclasses
import fnmatch
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

#: Environment variable that turns stress mode on for every rewrite that does not choose
#: (like .NET's JitStress): the whole test suite can run under it.
STRESS_ENV = "ASYNC_INLINE_STRESS"


def _stress_from_environment() -> int | None:
    value = os.environ.get(STRESS_ENV, "").strip()
    if not value:
        return None
    try:
        seed = int(value)
    except ValueError:
        seed = -1
    if seed < 0:  # as --stress takes them
        raise ValueError(f"{STRESS_ENV} must be a non-negative integer seed, got {value!r}")
    return seed


#: Named assumptions a user may opt into: each lets the rewriter drop work that is exact
#: only if the assumption holds (docs/user-guide.md says what breaks if it does not).
ASSUMPTIONS = {
    # A function's default values are never replaced (``f.__defaults__ = ...``): immutable
    # literal defaults are folded into the inlined code instead of read at each call.
    "frozen-defaults",
    # Nothing rebinds or mocks an inlined function (``--no-guards``): no run-time guard on
    # name lookups of this module's functions (method lookups keep theirs: which method
    # they reach depends on classes; so do other modules' functions: import cycles).
    "no-rebinding",
    # A method is always found on its object's class: no instance attribute shadows it
    # (``obj.m = ...``, ``mock.patch.object(obj, "m")``) and no class customizes
    # ``__getattribute__``, in code the rewrite does not read (what it reads it checks:
    # ``analysis/class_test.py``). Method guards test ``type(obj).m`` instead of a
    # bound method.
    "class-methods",
}


@dataclass(frozen=True)
class Options:
    """Limits and switches for one rewrite.

    Frozen and hashable, so it can be part of a cache key (see ``cache_key``).
    """

    #: Maximum nesting of inlined frames at one site (1 = only direct callees).
    max_depth: int = 4
    #: Maximum callee size, in statements; ``@runtime.inline`` overrides it.
    max_callee_size: int = 40
    #: Budget of inlined statements per physical caller: bounds code growth, which is
    #: otherwise exponential in the depth. Applies in stress mode too.
    max_caller_growth: int = 300
    #: Guard each inlined body so that a rebound or mocked callee is still called
    #: (False is the assumption ``no-rebinding``).
    guards: bool = True
    #: Inline plain-coroutine methods looked up on an object even where only the costly
    #: exact guard applies (a bound method made and tested: about the cost of the call it
    #: saves; see analysis/guards.py). Stress mode does regardless.
    costly_guards: bool = False
    #: Inline functions and methods of other modules. The import hook turns it off while
    #: coverage.py measures: inlined code runs in the caller's file (a code object has one),
    #: so the callee's own lines would not be counted as run.
    cross_module: bool = True
    #: How many times a self-recursive callee may be expanded into itself. 2: on a
    #: recursive fibonacci (samples/bench/recursion.py) 1.5-1.6x against 1.4x with 1, for
    #: about twice the code of that function; no other code changes (docs/performance.md).
    recursion_unroll: int = 2
    #: Stress mode: inline every eligible site regardless of size limits, choosing a
    #: seeded random subset with a probability that decays with depth. Defaults to
    #: $ASYNC_INLINE_STRESS.
    stress_seed: int | None = field(default_factory=_stress_from_environment)
    #: Functions never inlined, by qualified name (``pkg.mod.func``, ``pkg.mod.Class.meth``),
    #: as ``fnmatch`` patterns (``pkg.mod.*_socket``): third-party code cannot be decorated
    #: with ``@runtime.noinline``, and tools that look at frames by name need the frame.
    noinline: tuple[str, ...] = ()
    #: Opt-in assumptions (see ``ASSUMPTIONS``); ``no-rebinding`` is kept as ``guards``.
    assume: frozenset[str] = frozenset()
    #: Write the "rewritten by async_inline" header (files on disk want it;
    #: the import hook compiles without it to keep line numbers).
    header: bool = True
    #: Each reference into another module also names the file that module's source was
    #: read from: the guards fail unless the function imported was compiled from it (the
    #: import hook: its code runs beside the files it read; the CLI's outputs are moved to
    #: other directories, where paths of the rewrite would never match).
    reference_files: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.noinline, tuple) or not all(isinstance(p, str) and p for p in self.noinline):
            raise ValueError(f"Options.noinline must be a tuple of non-empty patterns, got {self.noinline!r}")
        if not isinstance(self.assume, frozenset):
            raise ValueError(f"Options.assume must be a frozenset of assumption names, got {self.assume!r}")
        unknown = self.assume - ASSUMPTIONS
        if unknown:
            raise ValueError(f"Options.assume: unknown assumption(s) {sorted(unknown)}; known: {sorted(ASSUMPTIONS)}")
        # One switch, two spellings: the assumption no-rebinding is guards=False.
        if "no-rebinding" in self.assume:
            object.__setattr__(self, "guards", False)
            object.__setattr__(self, "assume", self.assume - {"no-rebinding"})
        for name in ("max_depth", "max_callee_size", "max_caller_growth", "recursion_unroll"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ValueError(f"Options.{name} must be a non-negative integer, got {value!r}")

    def replace(self, **changes: Any) -> Options:
        return dataclasses.replace(self, **changes)

    def extended(self, *, noinline: Iterable[str] = (), assume: Iterable[str] = ()) -> Options:
        """These options with more ``noinline`` patterns (after the present ones, each once)
        and more assumptions: what a flag or a configuration table adds to what it is given."""
        return self.replace(noinline=tuple(dict.fromkeys((*self.noinline, *noinline))), assume=self.assume | frozenset(assume))

    def cache_key(self) -> str:
        """A stable string naming every option that changes the generated code."""
        return ",".join(f"{f.name}={_stable(getattr(self, f.name))!r}" for f in dataclasses.fields(self))


def _stable(value: object) -> object:
    """A value whose repr does not depend on hashing order (frozensets of strings)."""
    return sorted(value) if isinstance(value, frozenset) else value


def noinline_matches(name: str, patterns: Iterable[str]) -> bool:
    """Whether the qualified name ``name`` is one ``noinline`` keeps a call (fnmatch)."""
    return any(fnmatch.fnmatchcase(name, p) for p in patterns)
