"""pytest plugin: run a test suite with its test modules and the project's packages inlined.

Registered through the ``pytest11`` entry point and inactive unless asked for with
``--async-inline``, ``--async-inline-differential`` or the ini option ``async_inline = true``.
Inactive, it only declares its options and the ``no_async_inline`` marker: it imports
nothing of the inliner, installs no import hook, and registers no other hook. Active, an
``_Active`` object is registered as a plugin; it installs the import hook as early as
pytest lets a plugin act (see ``_activate_early``), and removes it when the session ends.
"""

from __future__ import annotations

import inspect
import os
import shlex
import sys
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from .config import HookConfig
    from .report import FileReport

_ACTIVE = "async_inline-active"
_MARKER = "no_async_inline: run this test with the original (not inlined) code of the rewritten modules"
_HOW_TO_ADD = "choose packages with --async-inline-packages=PKG,... or [tool.async_inline] packages"


def pytest_addoption(parser: pytest.Parser, pluginmanager: pytest.PytestPluginManager) -> None:
    group = parser.getgroup("async_inline", "async_inline: inline awaited coroutine calls")
    group.addoption(
        "--async-inline",
        action="store_true",
        default=False,
        help="rewrite the test modules and the project's packages with awaited calls inlined",
    )
    group.addoption(
        "--async-inline-packages",
        metavar="PKG,...",
        action="append",  # repeatable, as rewrite's options: each adds to the others
        default=None,
        help="the packages to rewrite (default: ini async_inline_packages, then ASYNC_INLINE / "
        "[tool.async_inline] packages, then the packages found under the rootdir and rootdir/src)",
    )
    group.addoption(
        "--async-inline-noinline",
        metavar="PATTERN,...",
        action="append",  # repeatable, as rewrite's options: each adds to the others
        default=None,
        help="never inline these functions: qualified names or fnmatch patterns (pkg.mod.func, pkg.mod.*_socket), "
        "added to [tool.async_inline] noinline",
    )
    group.addoption(
        "--async-inline-assume",
        metavar="NAME,...",
        action="append",  # repeatable, as rewrite's options: each adds to the others
        default=None,
        help="opt-in assumptions (frozen-defaults, no-rebinding, class-methods), added to [tool.async_inline] assume",
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
    _activate_early(parser, pluginmanager)


def _activate_early(parser: pytest.Parser, pluginmanager: pytest.PytestPluginManager) -> None:
    """Install the hook when pytest registers this plugin: the earliest point pytest lets an
    installed plugin act.

    pytest reads its command line and ini file, installs its assertion rewriter, imports the
    ``-p`` plugins (command line and ``addopts``), then the entry-point plugins (this one among
    them, in no set order), then ``PYTEST_PLUGINS``, then the initial conftest files. Our own
    options are not parsed yet at registration, so they are read here from the same sources
    pytest reads: ``addopts``, ``PYTEST_ADDOPTS``, the command line, the ini option.
    """
    # The Config registers itself as the plugin "pytestconfig"; known_args_namespace exists
    # once pytest has read its configuration (not when a plugin object is passed to pytest.main).
    config = pluginmanager.get_plugin("pytestconfig")
    if not isinstance(config, pytest.Config) or not hasattr(config, "known_args_namespace"):
        return
    try:
        args = [*config.getini("addopts"), *shlex.split(os.environ.get("PYTEST_ADDOPTS", "")), *config.invocation_params.args]
        namespace = parser.parse_known_args([str(a) for a in args])
    except (pytest.UsageError, ValueError):
        return  # pytest reports the mistake itself when it parses the command line
    _activate(config, namespace)


def _enabled(config: pytest.Config, namespace: Any) -> bool:
    return bool(getattr(namespace, "async_inline", False) or getattr(namespace, "async_inline_differential", False) or _ini_flag(config))


def _ini_flag(config: pytest.Config) -> bool:
    """The ini option ``async_inline``; a bad value is a usage error naming the key and the
    file (pytest's own message names neither)."""
    try:
        return bool(config.getini("async_inline"))
    except (ValueError, pytest.UsageError) as exc:  # pytest 9 turns its ValueError into a UsageError
        raise pytest.UsageError(f"{config.inipath or 'the ini file'}: async_inline: {exc} (expected true or false)") from None


#: The plugin's options that mean something only while it is active (see ``_check_inactive``).
_NEEDS_ACTIVE = ("packages", "noinline", "assume", "report")


def _check_inactive(namespace: Any) -> None:
    """An ``--async-inline-*`` option given while the plugin is off is a usage error, not
    ignored: under ``async-inline run -m pytest`` the hook inlines all the same, so an
    ignored ``--async-inline-noinline`` would leave the function inlined without a word."""
    given = [f"--async-inline-{name}" for name in _NEEDS_ACTIVE if getattr(namespace, f"async_inline_{name}", None) is not None]
    if given:
        raise pytest.UsageError(
            f"{given[0]} is an option of the async_inline plugin, which is off: add --async-inline "
            "(or --async-inline-differential, or the ini option async_inline = true); "
            "under async-inline run, give run its own options for what it inlines (run --noinline, --assume, --packages)"
        )


def _activate(config: pytest.Config, namespace: Any) -> None:
    if config.pluginmanager.has_plugin(_ACTIVE) or not _enabled(config, namespace):
        return
    active = _Active(config, namespace)
    from .hook.pytest_bridge import import_the_runtime_first

    config.pluginmanager.register(active, _ACTIVE)
    config.pluginmanager.register(_Exclusion(active), _ACTIVE + "-exclusion")
    import_the_runtime_first(config.pluginmanager)
    config.add_cleanup(active.uninstall)


def pytest_load_initial_conftests(early_config: pytest.Config) -> None:
    # When registration was too early to read the options (see _activate_early).
    _activate(early_config, early_config.known_args_namespace)


def pytest_configure(config: pytest.Config) -> None:
    # Always declared, so a suite using the marker passes --strict-markers with the plugin off.
    config.addinivalue_line("markers", _MARKER)
    _activate(config, config.option)
    if not config.pluginmanager.has_plugin(_ACTIVE):
        _check_inactive(config.option)


def _inlined_despite(reports: list[FileReport], patterns: tuple[str, ...]) -> list[str]:
    """The functions matching ``patterns`` (as the planner matches noinline) inlined somewhere."""
    from .options import noinline_matches

    found = {
        site.target
        for report in reports
        for site in report.inlined
        if site.target is not None and noinline_matches(site.target, patterns)
    }
    return sorted(found)


def _is_async_test(item: pytest.Item) -> bool:
    function = getattr(item, "function", None)
    return function is not None and inspect.iscoroutinefunction(inspect.unwrap(function))


def _given(namespace: Any, name: str) -> str | None:
    """``--async-inline-NAME``'s values, given once or more, as one comma-separated list."""
    values = getattr(namespace, f"async_inline_{name}", None)
    return ",".join(values) if values else None


def _packages(config: pytest.Config, namespace: Any) -> tuple[tuple[str, ...], str, HookConfig]:
    """The packages to rewrite, where that choice comes from, and the project configuration."""
    from .config import ENV_VAR, ConfigError, discover_packages, load_config, split_names

    try:
        project = load_config(config.rootpath)
        option = _given(namespace, "packages")
        ini = config.getini("async_inline_packages")
        if option:
            return split_names(option, where="--async-inline-packages"), "--async-inline-packages", project
        if ini:
            return split_names(",".join(ini), where="ini async_inline_packages"), "ini async_inline_packages", project
    except ConfigError as exc:
        raise pytest.UsageError(str(exc)) from None
    if project.packages:
        where = ENV_VAR if os.environ.get(ENV_VAR, "").strip() else f"[tool.async_inline] packages of {project.pyproject}"
        return project.packages, where, project
    testpaths = [os.path.join(config.rootpath, p) for p in config.getini("testpaths")]
    return discover_packages(config.rootpath, skip=testpaths), "found under the rootdir", project


def _check_report(report: str | None, config: pytest.Config) -> None:
    """A report that cannot be written is a usage error before any test runs, as for
    ``rewrite --report`` (missing directories are created when it is written)."""
    from .rewrite_files import report_path_problem

    if report is None:
        return
    problem = "the file name must not be empty" if not report else report_path_problem(os.path.join(config.invocation_params.dir, report))
    if problem is not None:
        raise pytest.UsageError(f"--async-inline-report {report}: {problem}")


class _Active:
    """Everything the plugin does once enabled."""

    def __init__(self, config: pytest.Config, namespace: Any) -> None:
        from .config import check_assumptions, split_patterns
        from .hook import _activate_state, installed, shown_names, too_early
        from .hook.policy import Policy, TestFiles
        from .hook.pytest_bridge import assertion_adapter, put_first
        from .hook.twins import Twins

        self.config = config
        self.differential = bool(getattr(namespace, "async_inline_differential", False))
        self.report_path: str | None = getattr(namespace, "async_inline_report", None)
        _check_report(self.report_path, config)
        self.packages, self.packages_from, project = _packages(config, namespace)
        self.test_files = TestFiles(config.getini("python_files"))
        noinline = _given(namespace, "noinline")
        listed = split_patterns(noinline) if noinline else ()
        assume = _given(namespace, "assume")
        try:
            assumed = check_assumptions(assume.split(","), where="--async-inline-assume") if assume else frozenset()
            options = project.options().extended(noinline=listed, assume=assumed)
        except ValueError as exc:  # ConfigError, or $ASYNC_INLINE_STRESS read by Options()
            raise pytest.UsageError(str(exc)) from None
        existing = installed()
        #: A hook ``async-inline run`` (or ``install``) put in place: widened, not replaced,
        #: so the modules it rewrote before pytest started count too; restored at the end.
        self._adopted = existing
        if existing is not None:
            state = existing.state
            self._restore = (state.policy, state.twins)
            old = state.policy
            policy = Policy(
                (*old.packages, *self.packages),
                (*old.exclude, *project.exclude),
                test_files=self.test_files,
                local_packages=old.local_packages,
            )
            state.policy = policy
            if noinline or assumed:  # for the modules imported from now on; run's flags reach the earlier ones
                state.set_options(state.options.extended(noinline=options.noinline, assume=assumed))
            extra = [p for p in old.packages if p not in self.packages]
            if extra:
                self.packages_from += f"; {shown_names(extra)} from async-inline run"
            self.packages = policy.packages
            if state.twins is None:
                state.twins = Twins()
            self.state, self.finder = state, existing
            put_first(existing)
        else:
            policy = Policy(self.packages, project.exclude, test_files=self.test_files)
            self.state, self.finder, _ = _activate_state(policy, options, twins=Twins())
        self.twins: Twins = self.state.twins
        adapter = assertion_adapter(config)
        if adapter is not None:
            self.state.adapters[adapter[0]] = adapter[1]
        #: Selected modules imported before the hook was in place: they run without inlining.
        self.too_early = too_early(policy)
        #: Functions the noinline patterns name that ``async-inline run`` inlined before
        #: pytest read them (modules it rewrote while pytest loaded its -p plugins).
        self.noinline_too_late = _inlined_despite(self.state.reports(), options.noinline) if existing is not None and noinline else []
        self._observing: pytest.Item | None = None
        self._excinfo: dict[str, Any] = {}
        self._report_error: str | None = None

    def uninstall(self) -> None:
        if self._adopted is not None:
            self.state.policy, self.state.twins = self._restore
        elif self.finder in sys.meta_path:
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
        found = differences(original, inlined) + self.without_original()
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

    def without_original(self) -> list[str]:
        """Why runs meant to run the original code ran some inlined code: rewritten modules
        whose original source did not compile when first needed (``Twins.uncompiled``).
        Every such run says so (review R20f 2: they ran the inlined code silently)."""
        return [
            f"the original run ran the inlined code of {path}: its original source did not compile here ({error})"
            for path, error in self.twins.uncompiled.items()
        ]

    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        from .hook.tracebacks import install

        for item in items:
            install(item)  # failure tracebacks list the inlined frames

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
        from .hook.tracebacks import mark

        report = yield
        mark(item, report)
        if call.when == "call" and item.get_closest_marker("no_async_inline") is not None:
            missing = self.without_original()
            if missing:
                _fail_original(report, missing)
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

    def _modules(self) -> dict[str, int]:
        return {**self.state.outcomes(), "too_early": len(self.too_early)}

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        worker_output = getattr(self.config, "workeroutput", None)
        if worker_output is not None:  # a pytest-xdist worker: the controller reports for all
            worker_output["async_inline"] = {
                "state": self.state.export(),
                "too_early": self.too_early,
                "noinline_too_late": self.noinline_too_late,
            }
            return
        if self.report_path is None:
            return
        import json

        from .report import report_json

        document = report_json(self.state.reports())
        document["packages"] = list(self.packages)
        document["modules"] = self._modules()
        document["unchanged"] = [{"path": p, "reason": r} for p, r in self.state.unchanged().items()]
        document["too_early"] = self.too_early
        from .rewrite_files import write_report

        path = os.path.join(self.config.invocation_params.dir, self.report_path)
        try:
            write_report(path, (json.dumps(document, indent=2) + "\n").encode("utf-8"))
        except OSError as exc:
            # Not a warning: under filterwarnings = error it would turn into a failed session.
            self._report_error = f"cannot write the report {path}: {exc.strerror or exc}"
            if session.exitstatus == pytest.ExitCode.OK:  # a CI step reading the report fails here, not later
                session.exitstatus = pytest.ExitCode.INTERNAL_ERROR

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: Any, error: object) -> None:
        """pytest-xdist's controller: a worker has finished; add what its hook did."""
        data = getattr(node, "workeroutput", {}).get("async_inline")
        if data is None:  # the worker crashed, or ran without the plugin
            return
        self.state.absorb(data["state"])
        self.too_early = sorted({*self.too_early, *data["too_early"]})
        self.noinline_too_late = sorted({*self.noinline_too_late, *data["noinline_too_late"]})

    def summary_lines(self) -> list[str]:
        """The terminal summary: sites, modules (each once), packages, what ran without inlining."""
        from .cli import plural
        from .hook.cache import writing_disabled
        from .report import skip_reason_tally

        reports = self.state.reports()
        inlined = sum(len(r.inlined) for r in reports)
        skipped = sum(len(r.skipped) for r in reports)
        common = skip_reason_tally(reports).most_common(3)
        reasons = " (" + ", ".join(f"{code}: {n}" for code, n in common) + ")" if common else ""
        modules = self._modules()
        loaded = modules["rewritten"] + modules["cached"] + modules["unchanged"]
        line = (
            f"async_inline: {plural(inlined, 'site')} inlined, {skipped} skipped{reasons} in {plural(loaded, 'module')} "
            f"({modules['rewritten']} rewritten, {modules['cached']} from cache, {modules['unchanged']} unchanged)"
        )
        if self.differential:
            line += "; differential mode"
        if self.report_path:
            line += f"; report: {self.report_path}"
        lines = [line]
        if self.packages:
            lines.append(f"async_inline: packages {', '.join(self.packages)} ({self.packages_from}) and the test modules; {_HOW_TO_ADD}")
        else:
            lines.append(f"async_inline: no package found under the rootdir: only the test modules were rewritten; {_HOW_TO_ADD}")
        if self.too_early:
            from .hook import shown_names

            count = plural(len(self.too_early), "module")
            lines.append(
                f"async_inline: {count} imported before the hook could be installed "
                f"ran without inlining: {shown_names(self.too_early)}; pytest imports -p plugins before any installed plugin can act: "
                "to inline them, run python -m async_inline run -m pytest ..."
            )
        if self.noinline_too_late:
            lines.append(
                f"async_inline: --async-inline-noinline came too late for {', '.join(self.noinline_too_late)}: "
                "python -m async_inline run had inlined them while pytest loaded its -p plugins; "
                "to keep them calls, give the patterns to run as well (run --noinline PATTERN,... -m pytest) "
                "or to [tool.async_inline] noinline"
            )
        not_written = writing_disabled()
        if not_written is not None:
            lines.append(f"async_inline: cache not written: {not_written}")
        if self._report_error is not None:
            lines.append(f"async_inline: {self._report_error}")
        return lines

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        for line in self.summary_lines():
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
    _fail_report(report, "async_inline differential: the inlined run differs from the original run", found, "the inlined run")


def _fail_original(report: pytest.TestReport, missing: list[str]) -> None:
    """Fail a ``no_async_inline`` test's call report: it did not run only original code."""
    _fail_report(report, "async_inline: this no_async_inline test did not run only the original code", missing, "the test")


def _fail_report(report: pytest.TestReport, headline: str, lines: list[str], what: str) -> None:
    """``report`` a failure: ``headline``, ``lines``, then how ``what`` failed if it did."""
    text = headline + "\n" + "\n".join(f"  - {line}" for line in lines)
    if report.failed and report.longrepr is not None:
        text += f"\n\n{what} failed with:\n{report.longrepr}"
    report.outcome = "failed"
    report.longrepr = text
    if hasattr(report, "wasxfail"):
        del report.wasxfail
