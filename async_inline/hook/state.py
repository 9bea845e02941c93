"""What one installed hook knows and has done, shared by its finder and its loaders.

It knows the policy, the options and the extra transforms; it records what became of each
file it loaded (each file once, whatever the number of imports): rewritten now, taken from
the cache, or run unchanged (with the reason), and each rewritten file's report.
All mutation happens under one lock, because imports can run in several threads at once.
"""

from __future__ import annotations

import dataclasses
import sys
import threading
import types
import warnings
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .. import unpatched
from ..api import NEAR_MISS_WARNING, near_miss_marker, on_large_stack
from ..options import Options
from ..report import FileReport, Inlined, Skipped
from ..runtime_name import shadowing_runtime
from . import AsyncInlineWarning, cache
from .build import Built, Transform, build, compile_original
from .policy import Policy

if TYPE_CHECKING:
    from ..analysis.program import ModuleSource, SourceProvider

#: Set while this thread runs the rewriter: imports it makes are never rewritten (no recursion).
rewriting = threading.local()

#: ``adapter(loader, fullname, path)``: for a spec another finder made with a loader of a
#: known type (pytest's assertion rewriter), the transform that loader would have applied.
Adapter = Callable[[Any, str, str], Transform | None]


def _warn(message: str, path: str) -> None:
    try:
        warnings.warn_explicit(message, AsyncInlineWarning, filename=path, lineno=1)
    except Warning:  # warnings turned into errors must not make the import fail
        print(f"{path}:1: AsyncInlineWarning: {message}", file=sys.stderr)


def _stale_callee(name: str) -> None:
    rewriting.stale_callee = True


def coverage_measuring() -> bool:
    """Whether coverage.py is measuring this process (``coverage run``, ``pytest --cov``):
    then code of other modules is not inlined, so that its lines count where they are."""
    coverage = sys.modules.get("coverage")
    current = getattr(getattr(coverage, "Coverage", None), "current", None)
    return callable(current) and current() is not None


class _BuildSources:
    """The callee sources of one build: it records those it hands out, with the bytes read
    (the cache entry depends on them)."""

    def __init__(self, provider: SourceProvider) -> None:
        self._provider = provider
        self.read: dict[str, ModuleSource] = {}

    def __call__(self, name: str) -> ModuleSource | None:
        found = self._provider(name)
        if found is not None and found.path:  # no path: a configured module the hook cannot read
            self.read[name] = found
        return found


class HookState:
    def __init__(
        self,
        policy: Policy,
        options: Options,
        *,
        adapters: dict[type, Adapter] | None = None,
        warn: Callable[[str, str], None] = _warn,
        twins: Any = None,
        force_cache_write: bool = False,
    ) -> None:
        #: Replaced whole (never mutated) when the pytest plugin widens a hook ``run`` installed.
        self.policy = policy
        self.options = options.replace(header=False, reference_files=True)
        self.adapters = dict(adapters or {})
        self.warn = warn
        #: A ``twins.Twins`` when the original code must stay available (pytest plugin).
        self.twins = twins
        #: Write cache entries even where bytecode writing is off (``async-inline cache build``).
        self.force_cache_write = force_cache_write
        self._lock = threading.Lock()
        self._provider: tuple[Policy, SourceProvider] | None = None
        self._configs: dict[str, str] = {}
        self._reports: dict[str, bytes] = {}
        self._unchanged: dict[str, str] = {}
        #: Per file: "rewritten" (the rewriter ran in this process), "cached" or "unchanged".
        self._outcomes: dict[str, str] = {}
        self._warned: set[tuple[str, str]] = set()
        #: Cache use so far, per load: entries found, entries built, entries written.
        self.stats = {"hits": 0, "misses": 0, "writes": 0}

    # -- building code ------------------------------------------------------------------

    def set_options(self, options: Options) -> None:
        """Change what the rewriter is asked (the cache key changes with it)."""
        with self._lock:
            self.options = options.replace(header=False, reference_files=True)
            self._configs.clear()

    def _config(self, salt: str) -> str:
        with self._lock:
            if salt not in self._configs:
                self._configs[salt] = cache.config_digest(self.options.cache_key(), salt)
            return self._configs[salt]

    def code_for(self, path: str, source: bytes, transform: Transform | None = None, module: str | None = None) -> types.CodeType:
        """The code to execute for ``path`` (module ``module``), from the cache or freshly
        built (then cached, with the sources of the modules it inlined from)."""
        shadow = shadowing_runtime()
        if shadow is not None:  # cached code too would import that module
            why = f"'import runtime' reaches {shadow}, not async_inline's runtime, which rewritten code imports by that name"
            self._note_unchanged(path, f"not rewritten: {why}")
            self.warn_once(shadow, f"async_inline leaves modules unchanged: {why}; rename that module")
            return compile_original(source, path, transform)
        marker_line = near_miss_marker(source)
        if marker_line is not None:  # as `rewrite` warns: a typo must not opt in silently
            self.warn_once(path, f"line {marker_line}: {NEAR_MISS_WARNING}")
        # The code depends on the module's name (relative imports, qualified names) and on
        # the packages it may inline from (``_sources``).
        policy = self.policy
        salt = (transform.salt if transform is not None else "") + f"\0module={module}\0packages={','.join(policy.source_packages)}"
        options = self.options
        if options.cross_module and coverage_measuring():
            options = options.replace(cross_module=False)
            salt += "\0coverage"
        config = self._config(salt)
        key = cache.entry_key(config, source)
        where = cache.cache_path(path, config)
        if where is not None:
            entry = cache.load(where, key, path)
            if entry is not None:
                if module == "__main__":
                    # Python compiles a script on every run (it caches modules only): its
                    # compile-time warnings, or under ``-W error`` its SyntaxError, come
                    # on every run too (review R21c F2).
                    compile_original(source, path, transform)
                self._record(path, entry.report, "cached")
                self._count("hits")
                return entry.code
        self._count("misses")
        provide = _BuildSources(self._sources(policy))

        def build_here() -> tuple[Built, bool]:
            rewriting.active = True
            rewriting.stale_callee = False
            try:
                return build(source, path, options, transform, module, provide), rewriting.stale_callee
            finally:
                rewriting.active = False

        # On the rewriter's large stack (deep input must not crash the program), with the
        # thread-local flags set there, where the rewriter runs. A callee module imported from
        # a file changed since was withheld (its calls kept): an entry would keep them in
        # later processes too, where that file is imported.
        built, stale_callee = on_large_stack(build_here) if b"await" in source else build_here()
        if built.failure is not None:  # not cached: the next process tries (and warns) again
            self._note_unchanged(path, f"could not be rewritten ({built.failure})")
            self.warn_once(path, f"async_inline could not rewrite this module, it runs unchanged: {built.failure}")
            return built.code
        report = _report_to_json(built.report) if built.report is not None else b""
        entry = cache.Entry(built.code, report, tuple(cache.dependency(name, s.path, s.data) for name, s in provide.read.items()))
        if where is not None and not stale_callee and cache.store(where, key, entry, force=self.force_cache_write):
            self._count("writes")
        self._record(path, report, "rewritten")
        return built.code

    def _sources(self, policy: Policy) -> SourceProvider:
        """Callee sources of the packages the hook rewrites, found without importing them."""
        if self._provider is None or self._provider[0] is not policy:
            from ..sources import spec_provider  # loads LibCST: only once something is rewritten

            self._provider = (policy, spec_provider(policy.source_packages, on_changed=_stale_callee))
        return self._provider[1]

    # -- what happened ------------------------------------------------------------------

    def _count(self, what: str) -> None:
        with self._lock:
            self.stats[what] += 1

    def _record(self, path: str, report: bytes, outcome: str) -> None:
        with self._lock:
            self._reports[path] = report
            self._unchanged.pop(path, None)
            if not (outcome == "cached" and self._outcomes.get(path) == "rewritten"):  # reloaded: still rewritten in this run
                self._outcomes[path] = outcome
            if not report:
                self._unchanged[path] = "opted out with the skip-file marker"
                self._outcomes[path] = "unchanged"

    def _note_unchanged(self, path: str, why: str) -> None:
        with self._lock:
            self._reports.pop(path, None)
            self._unchanged[path] = why
            self._outcomes[path] = "unchanged"

    def outcomes(self) -> dict[str, int]:
        """How many files were rewritten now, taken from the cache, run unchanged: each file once."""
        counts = {"rewritten": 0, "cached": 0, "unchanged": 0}
        with self._lock:
            for outcome in self._outcomes.values():
                counts[outcome] += 1
        return counts

    def warn_once(self, path: str, message: str) -> None:
        with self._lock:
            if (path, message) in self._warned:
                return
            self._warned.add((path, message))
        self.warn(message, path)

    def reports(self) -> list[FileReport]:
        """The reports of the files rewritten so far (the rewriter ran on them), by path."""
        with self._lock:
            items = sorted(self._reports.items())
        reports = []
        for path, data in items:
            if data:
                report = _report_from_json(data, path)
                if report is not None:
                    reports.append(report)
        return reports

    def unchanged(self) -> dict[str, str]:
        """Files the policy selected but that run unchanged, with the reason."""
        with self._lock:
            return dict(sorted(self._unchanged.items()))

    def export(self) -> dict[str, Any]:
        """What this process recorded, as plain data: a pytest-xdist worker sends it to the
        controller, whose summary and report cover the whole run."""
        with self._lock:
            reports = {path: report.decode() for path, report in self._reports.items()}
            return {"reports": reports, "unchanged": dict(self._unchanged), "outcomes": dict(self._outcomes)}

    def absorb(self, data: dict[str, Any]) -> None:
        """Add what another process recorded (``export``). Each file is still counted once:
        run unchanged in any process, else rewritten in any, else taken from the cache."""
        with self._lock:
            for path, report in data["reports"].items():
                self._reports.setdefault(path, report.encode())
            for path, why in data["unchanged"].items():
                self._unchanged.setdefault(path, why)
            for path, outcome in data["outcomes"].items():
                mine = self._outcomes.get(path)
                self._outcomes[path] = outcome if mine is None else min(mine, outcome, key=_OUTCOME_RANK.index)


#: Which outcome a file counts under when processes disagree (``absorb``), first wins.
_OUTCOME_RANK = ("unchanged", "rewritten", "cached")


def _report_to_json(report: FileReport) -> bytes:
    return unpatched.json_dumps(
        {
            "inlined": [dataclasses.asdict(d) for d in report.inlined],
            "skipped": [dataclasses.asdict(d) for d in report.skipped],
        }
    ).encode()


def _report_from_json(data: bytes, path: str) -> FileReport | None:
    try:
        raw = unpatched.json_loads(data)
        return FileReport(
            path,
            [Inlined(**d) for d in raw["inlined"]],
            [Skipped(**d) for d in raw["skipped"]],
        )
    except (ValueError, TypeError, KeyError):
        return None
