"""pytest plugin: run a test suite with its test modules (and chosen packages) inlined.

Registered through the ``pytest11`` entry point and inactive unless asked for with
``--async-inline``, ``--async-inline-differential`` or the ini option ``async_inline = true``.
Inactive, it only declares its options and the ``no_async_inline`` marker: it imports
nothing of the inliner, installs no import hook, and registers no other hook. Active, an
``_Active`` object is registered as a plugin; it installs the import hook before the
initial conftest files are imported, and removes it when the session ends.
"""

from __future__ import annotations

import inspect
import os
import sys
from typing import Any

import pytest

_ACTIVE = "async_inline-active"
_MARKER = "no_async_inline: run this test with the original (not inlined) code of the rewritten modules"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("async_inline", "async_inline: inline awaited coroutine calls")
    group.addoption(
        "--async-inline",
        action="store_true",
        default=False,
        help="rewrite the test modules (and --async-inline-packages) with awaited calls inlined",
    )
    group.addoption(
        "--async-inline-packages",
        metavar="PKG,...",
        default=None,
        help="also rewrite these packages (default: ini async_inline_packages, "
        "then ASYNC_INLINE / [tool.async_inline] packages)",
    )
    group.addoption(
        "--async-inline-noinline",
        metavar="PATTERN,...",
        default=None,
        help="never inline these functions: qualified names or fnmatch patterns (pkg.mod.func, pkg.mod.*_socket), "
        "added to [tool.async_inline] noinline",
    )
    group.addoption(
        "--async-inline-report",
        metavar="FILE.json",
        default=None,
        help="write the decisions of every rewritten module to FILE.json",
    )
    group.addoption(
        "--async-inline-differential",
        action="store_true",
        default=False,
        help="(implies --async-inline) run each async test with the original and the inlined code; "
        "fail it when results, output or runtime traces differ",
    )
    parser.addini("async_inline", "rewrite the test modules with awaited calls inlined", type="bool", default=False)
    parser.addini("async_inline_packages", "packages to rewrite as well (names, comma or space separated)", type="args", default=[])


def _enabled(config: pytest.Config, namespace: Any) -> bool:
    return bool(
        getattr(namespace, "async_inline", False)
        or getattr(namespace, "async_inline_differential", False)
        or config.getini("async_inline")
    )


def _activate(config: pytest.Config, namespace: Any) -> None:
    if config.pluginmanager.has_plugin(_ACTIVE) or not _enabled(config, namespace):
        return
    active = _Active(config, namespace)
    config.pluginmanager.register(active, _ACTIVE)
    config.pluginmanager.register(_Exclusion(active), _ACTIVE + "-exclusion")
    config.add_cleanup(active.uninstall)


def pytest_load_initial_conftests(early_config: pytest.Config) -> None:
    # Earliest point with options parsed: the initial conftest files are imported right after.
    _activate(early_config, early_config.known_args_namespace)


def pytest_configure(config: pytest.Config) -> None:
    # Always declared, so a suite using the marker passes --strict-markers with the plugin off.
    config.addinivalue_line("markers", _MARKER)
    _activate(config, config.option)


def _is_async_test(item: pytest.Item) -> bool:
    function = getattr(item, "function", None)
    return function is not None and inspect.iscoroutinefunction(inspect.unwrap(function))


class _AssertionTransform:
    """pytest's assertion rewriting, applied by the hook after inlining (pytest's own hook
    would otherwise import the test module from the original source)."""

    def __init__(self, config: pytest.Config) -> None:
        self._config = config
        self.salt = f"pytest-assertions {pytest.__version__} pass-hook={config.getini('enable_assertion_pass_hook')}"

    def __call__(self, tree: Any, source: bytes, path: str) -> None:
        from _pytest.assertion.rewrite import rewrite_asserts

        rewrite_asserts(tree, source, path, self._config)


class _Active:
    """Everything the plugin does once enabled."""

    def __init__(self, config: pytest.Config, namespace: Any) -> None:
        from .config import ConfigError, load_config, split_names, split_patterns
        from .hook import _activate_state, _late_message
        from .hook.policy import Policy, TestFiles
        from .hook.twins import Twins

        self.config = config
        self.differential = bool(getattr(namespace, "async_inline_differential", False))
        self.report_path: str | None = getattr(namespace, "async_inline_report", None)
        try:
            project = load_config(config.rootpath)
            option = getattr(namespace, "async_inline_packages", None)
            if option:
                packages = split_names(option, where="--async-inline-packages")
            elif config.getini("async_inline_packages"):
                packages = split_names(",".join(config.getini("async_inline_packages")), where="ini async_inline_packages")
            else:
                packages = project.packages
        except ConfigError as exc:
            raise pytest.UsageError(str(exc)) from None
        self.test_files = TestFiles(config.getini("python_files"))
        adapters = {}
        rewrite_hook = getattr(config.pluginmanager, "rewrite_hook", None)
        if rewrite_hook is not None and rewrite_hook in sys.meta_path:
            transform = _AssertionTransform(config)

            def adapt(hook: Any, fullname: str, path: str) -> _AssertionTransform:
                # What pytest's hook does on exec_module; it serves its resource readers
                # and its "already imported" warnings.
                names = getattr(hook, "_rewritten_names", None)
                if isinstance(names, dict):
                    from pathlib import Path

                    names[fullname] = Path(path)
                return transform

            adapters[type(rewrite_hook)] = adapt
        self.twins = Twins()
        policy = Policy(packages, project.exclude, test_files=self.test_files)
        options = project.options()
        noinline = getattr(namespace, "async_inline_noinline", None)
        if noinline:
            options = options.replace(noinline=tuple(dict.fromkeys((*options.noinline, *split_patterns(noinline)))))
        self.state, self.finder, late = _activate_state(policy, options, adapters=adapters, twins=self.twins)
        if late:
            config.issue_config_time_warning(pytest.PytestConfigWarning(_late_message(late)), stacklevel=2)
        self._observing: pytest.Item | None = None
        self._excinfo: dict[str, Any] = {}

    def uninstall(self) -> None:
        if self.finder in sys.meta_path:
            sys.meta_path.remove(self.finder)

    # -- what to rewrite ---------------------------------------------------------------

    def pytest_configure(self, config: pytest.Config) -> None:
        base = config.invocation_params.dir
        files = []
        for arg in config.args:
            path = os.path.join(base, arg.split("::", 1)[0])
            if path.endswith(".py") and os.path.isfile(path):
                files.append(path)
        self.test_files.set_initial_files(files)

    # -- differential mode -------------------------------------------------------------

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_protocol(self, item: pytest.Item, nextitem: pytest.Item | None) -> bool | None:
        if not self.differential or not _is_async_test(item) or item.get_closest_marker("no_async_inline"):
            return None
        from .hook.differential import TRACE_CONFLICT, differences

        ihook = item.ihook
        ihook.pytest_runtest_logstart(nodeid=item.nodeid, location=item.location)
        for record in (True, False):
            original, inlined, second, errors = self._run_twice(item, nextitem, record)
            if not (record and any(isinstance(e, RuntimeError) and TRACE_CONFLICT in str(e) for e in errors)):
                break  # else the test records a runtime trace itself: run again without ours
        found = differences(original, inlined)
        if found:
            _fail(second, found)
        for report in second:
            ihook.pytest_runtest_logreport(report=report)
        ihook.pytest_runtest_logfinish(nodeid=item.nodeid, location=item.location)
        return True

    def _run_twice(self, item: pytest.Item, nextitem: pytest.Item | None, record: bool) -> tuple[Any, Any, list[pytest.TestReport], list[Any]]:
        """Run ``item`` with the original code, then with the inlined code; each run with its
        own setup and teardown, and (``record``) the runtime's trace recording."""
        from _pytest.runner import runtestprotocol

        from .hook.differential import trace_recording

        self._observing = item
        try:
            self._excinfo = {}
            with self.twins.original(), trace_recording(record) as trace:
                first = runtestprotocol(item, nextitem=nextitem, log=False)
            original = self._observe(first, trace.events)
            errors = list(self._excinfo.values())
            self._excinfo = {}
            # Captured output accumulates on the item; the reports shown are the inlined run's.
            if isinstance(getattr(item, "_report_sections", None), list):
                item._report_sections.clear()
            with trace_recording(record) as trace:
                second = runtestprotocol(item, nextitem=nextitem, log=False)
            inlined = self._observe(second, trace.events)
            errors += list(self._excinfo.values())
        finally:
            self._observing = None
            self._excinfo = {}
        return original, inlined, second, errors

    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        from .hook.tracebacks import install

        for item in items:
            install(item)  # failure tracebacks list the inlined frames

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
        from .hook.tracebacks import mark

        report = yield
        mark(item, report)
        if self._observing is item:
            self._excinfo[call.when] = call.excinfo.value if call.excinfo is not None else None
        return report

    def _observe(self, reports: list[pytest.TestReport], trace: Any) -> Any:
        from .hook.differential import Phase, Run, describe_exception, normalize

        run = Run(trace=trace)
        for report in reports:
            sections = dict(report.sections)
            run.phases[report.when] = Phase(
                outcome=report.outcome + (" (xfail)" if hasattr(report, "wasxfail") else ""),
                exception=describe_exception(self._excinfo.get(report.when)),
                stdout=normalize(sections.get(f"Captured stdout {report.when}", "")),
                stderr=normalize(sections.get(f"Captured stderr {report.when}", "")),
            )
        return run

    # -- reporting ---------------------------------------------------------------------

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if self.report_path is None:
            return
        import json

        from .report import report_json

        document = report_json(self.state.reports())
        document["unchanged"] = [{"path": p, "reason": r} for p, r in self.state.unchanged().items()]
        path = os.path.join(self.config.invocation_params.dir, self.report_path)
        try:
            with open(path, "w", encoding="utf-8") as f:
                json.dump(document, f, indent=2)
                f.write("\n")
        except OSError as exc:
            self.config.issue_config_time_warning(
                pytest.PytestWarning(f"async_inline: cannot write the report {path}: {exc.strerror}"), stacklevel=2
            )

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        from .report import skip_reason_tally

        reports = self.state.reports()
        inlined = sum(len(r.inlined) for r in reports)
        skipped = sum(len(r.skipped) for r in reports)
        common = skip_reason_tally(reports).most_common(3)
        reasons = " (" + ", ".join(f"{code}: {n}" for code, n in common) + ")" if common else ""
        line = f"async_inline: {inlined} sites inlined, {skipped} skipped{reasons} in {len(reports)} modules"
        if self.state.stats["hits"]:
            line += f", {self.state.stats['hits']} from cache"
        unchanged = self.state.unchanged()
        if unchanged:
            line += f"; {len(unchanged)} run unchanged"
        if self.differential:
            line += "; differential mode"
        if self.report_path:
            line += f"; report: {self.report_path}"
        terminalreporter.write_line(line)


class _Exclusion:
    """Tests marked ``no_async_inline`` run, fixtures included, with the original code."""

    def __init__(self, active: _Active) -> None:
        self._active = active

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_protocol(self, item: pytest.Item, nextitem: pytest.Item | None) -> Any:
        if item.get_closest_marker("no_async_inline") is None:
            return (yield)
        with self._active.twins.original():
            return (yield)


def _fail(reports: list[pytest.TestReport], found: list[str]) -> None:
    """Turn the inlined run's call report (or its last one) into a failure listing ``found``."""
    report = next((r for r in reports if r.when == "call"), reports[-1])
    text = "async_inline differential: the inlined run differs from the original run\n" + "\n".join(
        f"  - {line}" for line in found
    )
    if report.failed and report.longrepr is not None:
        text += f"\n\nthe inlined run failed with:\n{report.longrepr}"
    report.outcome = "failed"
    report.longrepr = text
    if hasattr(report, "wasxfail"):
        del report.wasxfail
