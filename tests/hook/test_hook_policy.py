"""What the hook selects (policy), the opt-out marker, and the project configuration."""

from __future__ import annotations

import os
import sysconfig
from pathlib import Path

import pytest

from async_inline import Options
from async_inline.api import has_skip_marker
from async_inline.config import ConfigError, HookConfig, discover_packages, load_config
from async_inline.hook.policy import Policy, TestFiles


def test_packages_cover_their_submodules_only() -> None:
    policy = Policy(["app", "lib.core"])
    assert policy.may_rewrite("app") and policy.may_rewrite("app.x.y")
    assert policy.may_rewrite("lib.core.z")
    assert not policy.may_rewrite("apple")
    assert not policy.may_rewrite("lib")
    assert not policy.may_rewrite("lib.corex")


def test_exclusions_by_name_and_pattern_win() -> None:
    policy = Policy(["app"], ["app.legacy", "app.*.tests", "app.gen_?"])
    assert not policy.wants("app.legacy", "/p/app/legacy/__init__.py")
    assert not policy.wants("app.legacy.old", "/p/app/legacy/old.py")
    assert policy.wants("app.legacyx", "/p/app/legacyx.py")
    assert not policy.wants("app.web.tests", "/p/app/web/tests.py")
    assert not policy.may_rewrite("app.gen_1")
    assert policy.wants("app.web", "/p/app/web.py")


def test_the_tool_never_rewrites_itself() -> None:
    policy = Policy(["async_inline", "libcst", "runtime"])
    assert not policy.may_rewrite("async_inline.api")
    assert not policy.may_rewrite("libcst")
    assert policy.may_rewrite("runtime")


def test_local_packages_only_outside_installed_distributions(tmp_path: Path) -> None:
    policy = Policy(local_packages=["tool"])
    site_packages = sysconfig.get_paths()["purelib"]
    assert policy.may_rewrite("tool.cli")
    assert policy.wants("tool.cli", str(tmp_path / "tool" / "cli.py"))
    assert not policy.wants("tool.cli", os.path.join(site_packages, "tool", "cli.py"))


def test_test_files_follow_pytest_naming(tmp_path: Path) -> None:
    files = TestFiles(["test_*.py", "*_test.py", "check_*.py"])
    assert files.may_match("tests.test_api") and files.may_match("api_test") and files.may_match("conftest")
    assert not files.may_match("tests.helpers")
    assert files.matches(str(tmp_path / "tests" / "test_api.py"))
    assert files.matches(str(tmp_path / "conftest.py"))
    assert not files.matches(str(tmp_path / "tests" / "helpers.py"))
    site_packages = sysconfig.get_paths()["purelib"]
    assert not files.matches(os.path.join(site_packages, "somelib", "test_x.py"))
    files.set_initial_files([str(tmp_path / "tests" / "scenario.py")])
    assert files.may_match("tests.scenario")
    assert files.matches(str(tmp_path / "tests" / "scenario.py"))


def test_test_file_patterns_with_directories_match_the_path(tmp_path: Path) -> None:
    files = TestFiles(["tests/*.py"])
    assert files.may_match("anything")  # no prefilter possible
    assert files.matches(str(tmp_path / "tests" / "a.py"))
    assert not files.matches(str(tmp_path / "src" / "a.py"))


@pytest.mark.parametrize(
    "source, expected",
    [
        (b"# async_inline: skip-file\nx = 1\n", True),
        (b"#!/usr/bin/env python\n# -*- coding: utf-8 -*-\n#async_inline:  skip-file\n", True),
        (b'"""Docs.\n\nasync_inline: skip-file\n"""\nx = 1\n', True),
        (b"x = 1  # async_inline: skip-file\n", True),
        (b'x = 1\n"""async_inline: skip-file"""\n', False),  # not the docstring
        (b'x = "async_inline: skip-file"\n', False),  # a string, not a comment
        (b"# async_inline: skip-files-later\n", False),
        (b"x = 1\n", False),
        (b"x = (\n# skip-file\n", False),  # broken source: no marker, the compiler reports it
    ],
)
def test_skip_marker(source: bytes, expected: bool) -> None:
    assert has_skip_marker(source) is expected


def _pyproject(directory: Path, text: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "pyproject.toml").write_text(text)
    return directory


def test_nearest_pyproject_is_read(tmp_path: Path) -> None:
    _pyproject(tmp_path, '[tool.async_inline]\npackages = ["outer"]\n')
    inner = _pyproject(tmp_path / "inner", '[tool.async_inline]\npackages = ["a", "b.c"]\nexclude = ["a.x", "b.*"]\ndepth = 2\nguards = false\n')
    (inner / "src" / "deep").mkdir(parents=True)
    config = load_config(inner / "src" / "deep", environ={})
    assert config == HookConfig(("a", "b.c"), ("a.x", "b.*"), 2, False, inner / "pyproject.toml")
    assert config.options() == Options(max_depth=2, guards=False, header=False)


def test_nearest_pyproject_without_the_table_means_no_configuration(tmp_path: Path) -> None:
    _pyproject(tmp_path, '[tool.async_inline]\npackages = ["outer"]\n')
    inner = _pyproject(tmp_path / "inner", '[project]\nname = "x"\n')
    assert load_config(inner, environ={}) == HookConfig()


def test_environment_replaces_the_packages(tmp_path: Path) -> None:
    _pyproject(tmp_path, '[tool.async_inline]\npackages = ["a"]\nexclude = ["a.b"]\n')
    config = load_config(tmp_path, environ={"ASYNC_INLINE": "x, y.z ,"})
    assert (config.packages, config.exclude) == (("x", "y.z"), ("a.b",))
    assert load_config(tmp_path, environ={"ASYNC_INLINE": " "}).packages == ("a",)


@pytest.mark.parametrize(
    "table, message",
    [
        ('pakages = ["a"]', "unknown key 'pakages' \\(known keys: packages, exclude, depth, guards, noinline, assume\\)"),
        ('packages = "a b"', "'a b' is not a module or package name"),
        ("packages = [1]", "packages: expected a list of strings"),
        ("depth = -1", "depth must be a non-negative integer"),
        ('guards = "yes"', "guards must be true or false"),
        ("depth = [", "invalid TOML"),
    ],
)
def test_configuration_mistakes_name_file_and_key(tmp_path: Path, table: str, message: str) -> None:
    _pyproject(tmp_path, f"[tool.async_inline]\n{table}\n")
    with pytest.raises(ConfigError, match=message) as info:
        load_config(tmp_path, environ={})
    assert str(tmp_path / "pyproject.toml") in str(info.value)


def test_bad_environment_value_is_explained(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="environment variable ASYNC_INLINE: 'a-b' is not a module"):
        load_config(tmp_path, environ={"ASYNC_INLINE": "a-b"})


def test_discover_packages_finds_the_projects_own_packages(tmp_path: Path) -> None:
    for rel in ("app/__init__.py", "src/lib/__init__.py", "src/lib/sub/__init__.py", "tests/__init__.py", "checks/__init__.py",
                "docs/__init__.py", "venv/__init__.py", ".hidden/__init__.py", "not-a-name/__init__.py", "plain_dir/x.py", "module.py"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("")
    (tmp_path / "venv" / "pyvenv.cfg").write_text("")
    assert discover_packages(tmp_path) == ("app", "checks", "lib")
    assert discover_packages(tmp_path, skip=[str(tmp_path / "checks")]) == ("app", "lib")
    assert discover_packages(tmp_path / "missing") == ()
