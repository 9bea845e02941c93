"""When the hook is installed, and how it composes with pytest's assertion rewriting.

The project below is the shape that defeated the plugin on anyio's suite: its package is
imported by its own ``-p`` plugin (before pytest loads any installed plugin) and by a
conftest, and its configuration turns warnings into errors. Each run is a new process,
as a user's would be.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

SHOP = """\
async def price(item):
    return {"apple": 3, "pear": 5}[item]


async def total(items):
    result = 0
    for item in items:
        result += await price(item)
    return result
"""

#: The package's own pytest plugin (as anyio's is): pytest marks it for assertion rewriting.
PLUGIN = """\
import asyncio

import pytest

import shop


async def _count(items):
    return len(items)


async def count(items):
    return await _count(items)


def check_count(items, expected):
    n = asyncio.run(count(items))
    assert n == expected


@pytest.fixture
def checker():
    return check_count


@pytest.fixture
def basket_total():
    return asyncio.run(shop.total(["apple", "pear"]))
"""

CONFTEST = """\
import shop


async def _double(x):
    return 2 * x


async def doubled_total(items):
    return await _double(await shop.total(items))
"""

TESTS = """\
import asyncio

import pytest

import shop
from conftest import doubled_total


def test_total(basket_total):
    assert basket_total == 8
    assert asyncio.run(shop.total(["pear"])) == 5


def test_conftest_helper():
    assert asyncio.run(doubled_total(["apple"])) == 6


def test_plugin_asserts_keep_pytest_introspection(checker):
    with pytest.raises(AssertionError) as info:
        checker(["a"], 2)
    assert "assert 1 == 2" in str(info.value)
"""

PYPROJECT = """\
[tool.pytest.ini_options]
addopts = "-p shop.plugin -p no:cacheprovider"
filterwarnings = ["error"]
asyncio_default_fixture_loop_scope = "function"
"""


def write_tree(root: Path, files: dict[str, str]) -> Path:
    for rel, content in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(textwrap.dedent(content))
    return root


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return write_tree(
        tmp_path / "project",
        {
            "pyproject.toml": PYPROJECT,
            "shop/__init__.py": SHOP,
            "shop/plugin.py": PLUGIN,
            "tests/conftest.py": CONFTEST,
            "tests/test_shop.py": TESTS,
        },
    )


def _run(
    project: Path, *command: str, env: dict[str, str] | None = None, plugin: bool = True
) -> tuple[subprocess.CompletedProcess[str], dict]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("ASYNC_INLINE", "PYTEST_"))}
    environ["PYTHONPATH"] = str(project)
    environ.update(env or {})
    done = subprocess.run(
        [sys.executable, *command, *(["--async-inline", "--async-inline-report=report.json"] if plugin else [])],
        cwd=project,
        env=environ,
        capture_output=True,
        text=True,
        timeout=300,
    )
    report = project / "report.json"
    return done, json.loads(report.read_text()) if report.exists() else {}


def _inlined(document: dict, rel: str) -> list[tuple[str, str]]:
    for entry in document["files"]:
        if entry["path"].replace(os.sep, "/").endswith(rel):
            return [(d["caller"], d["callee"]) for d in entry["inlined"]]
    return []


def test_run_pytest_inlines_the_package_its_own_plugin_imports(project: Path) -> None:
    done, document = _run(project, "-m", "async_inline", "run", "-m", "pytest")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "3 passed" in done.stdout
    assert ("total", "price") in _inlined(document, "shop/__init__.py")
    assert ("count", "_count") in _inlined(document, "shop/plugin.py")  # and pytest rewrote its asserts
    assert ("doubled_total", "_double") in _inlined(document, "tests/conftest.py")
    assert document["too_early"] == []
    assert document["packages"] == ["shop"]  # found under the rootdir
    assert document["modules"] == {"rewritten": 4, "cached": 0, "unchanged": 0, "too_early": 0}
    assert "Warning" not in done.stdout + done.stderr


def test_run_pytest_does_not_warn_about_its_own_packages_marked_for_rewriting(project: Path) -> None:
    """``run`` imports ``async_inline`` (and the hook ``runtime``) before pytest marks the
    packages of the distribution that provides a pytest plugin for assertion rewriting: an
    installed copy, or an editable one that ``sys.path`` also reaches (pytest 9.2 finds its
    packages so). pytest then warns "Module already imported so cannot be rewritten", an
    error under ``filterwarnings = error`` (found on httpcore's and anyio's suites): the
    packages' docstrings opt out of assertion rewriting."""
    checkout = str(Path(__file__).resolve().parents[2])
    done, _ = _run(project, "-m", "async_inline", "run", "-m", "pytest", env={"PYTHONPATH": os.pathsep.join([str(project), checkout])})
    assert done.returncode == 0, done.stdout + done.stderr
    assert "3 passed" in done.stdout
    assert "Warning" not in done.stdout + done.stderr


def test_noinline_given_to_pytest_comes_too_late_for_what_run_rewrote_first(project: Path) -> None:
    """``run`` rewrites the -p plugin's module before pytest parses its options: the plugin
    says which named functions were inlined regardless, and how to keep them calls (found on
    anyio's suite, whose -p plugin imports the module with ``setup_unix_local_socket``)."""
    done, document = _run(project, "-m", "async_inline", "run", "-m", "pytest", "--async-inline-noinline=shop.plugin._count")
    assert done.returncode == 0, done.stdout + done.stderr
    assert ("count", "_count") in _inlined(document, "shop/plugin.py")
    assert (
        "async_inline: --async-inline-noinline came too late for shop.plugin._count: python -m async_inline run had "
        "inlined them while pytest loaded its -p plugins; to keep them calls, give the patterns to run as well"
    ) in done.stdout.replace("\n", " ")
    done, document = _run(project, "-m", "async_inline", "run", "--noinline", "shop.plugin._count", "-m", "pytest")
    assert done.returncode == 0, done.stdout + done.stderr
    assert ("count", "_count") not in _inlined(document, "shop/plugin.py")
    assert ("total", "price") in _inlined(document, "shop/__init__.py")
    assert "came too late" not in done.stdout


def test_a_plugin_option_under_run_without_the_plugin_is_a_usage_error(project: Path) -> None:
    """Review R16 t1: ``run -m pytest --async-inline-noinline=...`` without ``--async-inline``
    ran the suite with the function inlined by run's hook, and the option dropped without a
    word; now it is a usage error saying what to add."""
    done, _ = _run(project, "-m", "async_inline", "run", "-m", "pytest", "--async-inline-noinline=shop.price", plugin=False)
    assert done.returncode == 4, done.stdout + done.stderr
    assert "--async-inline-noinline is an option of the async_inline plugin, which is off: add --async-inline" in done.stderr
    assert "run --noinline" in done.stderr


def test_run_pytest_without_the_plugin_keeps_pytests_assertion_rewriting(project: Path) -> None:
    """The bridge alone: the -p plugin module is inlined (sites in shop.plugin) and still
    assertion-rewritten (its introspection test passes)."""
    probe = (
        "import shop, shop.plugin\n\n"
        "def test_loaded_by_the_hook():\n"
        "    assert type(shop.__loader__).__name__ == type(shop.plugin.__spec__.loader).__name__ == 'RewritingLoader'\n"
        "    assert type(shop.plugin.__loader__).__name__ == 'AssertionRewritingHook'  # as pytest records it\n"
    )
    (project / "tests" / "test_probe.py").write_text(probe)
    done, _ = _run(project, "-m", "async_inline", "run", "-m", "pytest", "-q", plugin=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "4 passed" in done.stdout
    assert "async_inline:" not in done.stdout  # the plugin is not active


def test_a_nested_session_sees_the_plugin_module_as_pytest_would_have_loaded_it(project: Path) -> None:
    """Found by pytest-asyncio's own suite under ``run``: a module the hook inlines and
    assertion-rewrites records pytest's finder as its ``__loader__``, as pytest's own loading
    would, so a nested in-process session (pytester) marking it for rewriting again does not
    warn "Module already imported so cannot be rewritten" (its tests count warnings)."""
    nested = (
        "def test_nested(pytester):\n"
        "    pytester.makepyfile(test_inner='def test_x(): pass')\n"
        "    result = pytester.runpytest('-p', 'shop.plugin', '-W', 'default')\n"
        "    result.assert_outcomes(passed=1, warnings=0)\n"
    )
    (project / "tests" / "test_nested.py").write_text(nested)
    for command in (("-m", "pytest"), ("-m", "async_inline", "run", "-m", "pytest")):
        done, _ = _run(project, *command, "-q", "-p", "pytester", "tests/test_nested.py", plugin=False)
        assert done.returncode == 0, done.stdout + done.stderr


def test_plain_pytest_reports_what_its_p_plugin_imported_first_and_passes(project: Path) -> None:
    done, document = _run(project, "-m", "pytest")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "3 passed" in done.stdout
    assert document["too_early"] == ["shop", "shop.plugin"]
    assert _inlined(document, "shop/__init__.py") == []
    assert ("doubled_total", "_double") in _inlined(document, "tests/conftest.py")
    assert (
        "async_inline: 2 modules imported before the hook could be installed ran without inlining: shop, shop.plugin; "
        "pytest imports -p plugins before any installed plugin can act: to inline them, "
        "run python -m async_inline run -m pytest ..."
    ) in done.stdout
    assert "Warning" not in done.stdout + done.stderr


def test_plain_pytest_inlines_what_plugins_loaded_after_it_import(project: Path) -> None:
    """Installed at registration: PYTEST_PLUGINS and conftests come later."""
    (project / "pyproject.toml").write_text(PYPROJECT.replace("-p shop.plugin ", ""))
    done, document = _run(project, "-m", "pytest", env={"PYTEST_PLUGINS": "shop.plugin"})
    assert done.returncode == 0, done.stdout + done.stderr
    assert ("total", "price") in _inlined(document, "shop/__init__.py")
    assert ("count", "_count") in _inlined(document, "shop/plugin.py")
    assert document["too_early"] == []


def test_packages_found_in_a_src_layout(project: Path) -> None:
    (project / "src").mkdir()
    (project / "shop").rename(project / "src" / "shop")
    (project / "pyproject.toml").write_text(PYPROJECT.replace("-p shop.plugin ", ""))
    done, document = _run(project, "-m", "pytest", "-p", "shop.plugin", env={"PYTHONPATH": str(project / "src") + os.pathsep + str(project)})
    assert done.returncode == 0, done.stdout + done.stderr
    assert document["packages"] == ["shop"]
    assert "async_inline: packages shop (found under the rootdir) and the test modules" in done.stdout


def test_no_package_found_says_how_to_add_one(tmp_path: Path) -> None:
    project = write_tree(tmp_path / "flat", {"pyproject.toml": PYPROJECT.replace("-p shop.plugin ", ""), "test_a.py": "def test_a():\n    pass\n"})
    done, document = _run(project, "-m", "pytest", "-p", "no:cacheprovider")
    assert done.returncode == 0, done.stdout + done.stderr
    assert document["packages"] == []
    assert (
        "async_inline: no package found under the rootdir: only the test modules were rewritten; "
        "choose packages with --async-inline-packages=PKG,... or [tool.async_inline] packages"
    ) in done.stdout


def test_bridge_wraps_the_private_pytest_function_it_relies_on() -> None:
    """pytest_bridge wraps _pytest.assertion.install_importhook: fail loudly if it moves."""
    import _pytest.assertion

    assert callable(_pytest.assertion.install_importhook)
