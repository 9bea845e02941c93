"""Project configuration for the import hook and the pytest plugin.

Two sources, read here so the hook, ``run`` and the plugin agree on them:

* ``[tool.async_inline]`` in the nearest ``pyproject.toml`` (searching upwards from a
  directory): ``packages``, ``exclude``, ``depth``, ``guards``, ``noinline``;
* the environment variable ``ASYNC_INLINE``: comma-separated package names, which replace
  the ``packages`` of pyproject.toml when set.

Mistakes (unknown key, wrong type, bad package name, invalid TOML) raise ``ConfigError``,
whose message names the file and the key, so callers can print it without a traceback.
"""

from __future__ import annotations

import dataclasses
import os
import re
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .options import ASSUMPTIONS, Options

ENV_VAR = "ASYNC_INLINE"
TABLE = "tool.async_inline"
_KEYS = ("packages", "exclude", "depth", "guards", "noinline", "assume")


class ConfigError(ValueError):
    """The user's configuration is unusable; ``str()`` is a complete message."""


@dataclass(frozen=True)
class HookConfig:
    """What to rewrite on import, and with which options."""

    #: Top-level or dotted package/module names; each covers its submodules.
    packages: tuple[str, ...] = ()
    #: Dotted names (covering submodules) or fnmatch patterns over full module names.
    exclude: tuple[str, ...] = ()
    #: ``Options.max_depth``; None keeps the library default.
    depth: int | None = None
    #: ``Options.guards``; None keeps the library default.
    guards: bool | None = None
    #: The pyproject.toml the values came from, if any (for messages).
    pyproject: Path | None = None
    #: ``Options.noinline``: functions never inlined (fnmatch patterns over qualified names).
    noinline: tuple[str, ...] = ()
    #: ``Options.assume``: opt-in assumptions (``frozen-defaults``, ``no-rebinding``).
    assume: frozenset[str] = frozenset()

    def options(self, base: Options | None = None) -> Options:
        """``base`` (default: library defaults) with depth/guards applied, without the header.

        The hook compiles the rewritten code itself, so the header line would only shift lines.
        """
        changes: dict[str, Any] = {"header": False}
        if self.depth is not None:
            changes["max_depth"] = self.depth
        if self.guards is not None:
            changes["guards"] = self.guards
        return (base or Options()).replace(**changes).extended(noinline=self.noinline, assume=self.assume)


def split_names(text: str, *, where: str) -> tuple[str, ...]:
    """``"a, b.c,"`` -> ``("a", "b.c")``; ConfigError for something that is not a module name."""
    names = tuple(dict.fromkeys(part.strip() for part in text.split(",") if part.strip()))  # each once
    check_module_names(names, where=where)
    return names


def split_patterns(text: str) -> tuple[str, ...]:
    """``"a.f, a.*_socket"`` -> ``("a.f", "a.*_socket")``: noinline patterns."""
    return tuple(part.strip() for part in text.split(",") if part.strip())


def check_module_names(names: Iterable[str], *, where: str) -> None:
    for name in names:
        if not isinstance(name, str) or not all(part.isidentifier() for part in name.split(".")):
            raise ConfigError(f"{where}: {name!r} is not a module or package name")


def find_pyproject(start: Path) -> Path | None:
    """The nearest pyproject.toml in ``start`` or one of its parents."""
    start = start.resolve()
    for directory in (start, *start.parents):
        candidate = directory / "pyproject.toml"
        if candidate.is_file():
            return candidate
    return None


def _load_toml(path: Path) -> dict[str, Any] | None:
    try:
        data = path.read_bytes()
    except OSError as exc:  # another user's 0600 file, say: a one-line error, not a traceback
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if not re.search(rb"(?i)async[-_]inline", data):  # cheap: no table, no need for a TOML parser
        return None
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on 3.10 only
        try:
            import tomli as tomllib  # type: ignore[import-not-found, no-redef, unused-ignore]
        except ImportError:
            raise ConfigError(
                f"{path}: reading [{TABLE}] on Python 3.10 needs the 'tomli' package (pip install tomli)"
            ) from None
    if not hasattr(tomllib, "loads"):  # `python -m` puts the working directory first on sys.path
        where = getattr(tomllib, "__file__", None) or "another module"
        shadowed = "the standard library's tomllib" if tomllib.__name__ == "tomllib" else f"the installed {tomllib.__name__} package"
        raise ConfigError(f"{path}: cannot read TOML: {where} shadows {shadowed} (rename it)")
    try:
        document = tomllib.loads(data.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    tool = document.get("tool", {})
    if not isinstance(tool, dict):  # `tool = "x"`: valid TOML, but not the [tool] table
        raise ConfigError(f"{path}: 'tool' must be a table ([tool.async_inline] ...), got {type(tool).__name__} {tool!r}")
    table = tool.get("async_inline")
    if table is None:
        # ``[tool.async-inline]``, the command's own spelling, would be ignored silently (review R37b F5).
        near = next((key for key in tool if key.replace("-", "_").lower() == "async_inline"), None)
        if near is not None:
            raise ConfigError(f"{path}: [tool.{near}] is not read: the table is [{TABLE}]")
        return None
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [{TABLE}] must be a table")
    return table


def _string_list(value: Any, *, where: str) -> tuple[str, ...]:
    """A list of strings; one string stands for a list of one. A string holding commas is
    refused: it is the command line's spelling (``--noinline a.f,a.g``), which TOML would
    keep as one name that matches nothing."""
    if isinstance(value, str):
        if "," in value:
            items = ", ".join(f'"{part.strip()}"' for part in value.split(",") if part.strip())
            raise ConfigError(f"{where}: expected a list of strings, got the string {value!r}; write a list: [{items}]")
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where}: expected a list of strings, got {value!r}")
    return tuple(value)


def _from_table(table: dict[str, Any], path: Path) -> HookConfig:
    unknown = sorted(set(table) - set(_KEYS))
    if unknown:
        raise ConfigError(
            f"{path}: [{TABLE}] has unknown key {unknown[0]!r} (known keys: {', '.join(_KEYS)})"
        )
    packages = _string_list(table.get("packages", []), where=f"{path}: [{TABLE}] packages")
    check_module_names(packages, where=f"{path}: [{TABLE}] packages")
    exclude = _string_list(table.get("exclude", []), where=f"{path}: [{TABLE}] exclude")
    depth = table.get("depth")
    if depth is not None and (not isinstance(depth, int) or isinstance(depth, bool) or depth < 0):
        raise ConfigError(f"{path}: [{TABLE}] depth must be a non-negative integer, got {depth!r}")
    guards = table.get("guards")
    if guards is not None and not isinstance(guards, bool):
        raise ConfigError(f"{path}: [{TABLE}] guards must be true or false, got {guards!r}")
    noinline = tuple(p for p in _string_list(table.get("noinline", []), where=f"{path}: [{TABLE}] noinline") if p)
    assume = check_assumptions(_string_list(table.get("assume", []), where=f"{path}: [{TABLE}] assume"), where=f"{path}: [{TABLE}] assume")
    if guards is True and "no-rebinding" in assume:
        raise ConfigError(f"{path}: [{TABLE}] guards = true contradicts assume = [\"no-rebinding\"] (the same switch: no-rebinding drops the guards)")
    return HookConfig(packages, exclude, depth, guards, path, noinline, assume)


def check_assumptions(names: Iterable[str], *, where: str) -> frozenset[str]:
    """The named assumptions, or ConfigError naming the unknown one and the known ones."""
    found = frozenset(n.strip() for n in names if n.strip())
    unknown = sorted(found - ASSUMPTIONS)
    if unknown:
        raise ConfigError(f"{where}: unknown assumption {unknown[0]!r} (known: {', '.join(sorted(ASSUMPTIONS))})")
    return found


#: Directory names never taken for the project's packages by ``discover_packages``.
_NOT_PACKAGES = frozenset({"test", "tests", "testing", "docs", "doc", "build", "dist", "site-packages", "node_modules"})


def discover_packages(root: Path | str, *, skip: Iterable[str] = ()) -> tuple[str, ...]:
    """The project's own top-level packages: directories with an ``__init__.py`` directly
    under ``root`` or under ``root/src``, in name order.

    Left out: names that are not identifiers, hidden directories, virtual environments,
    test, documentation and build directories, and the directories in ``skip`` (pytest's
    ``testpaths``), because the test modules are rewritten as test modules anyway.
    """
    root = Path(root).resolve()
    skipped = {Path(s).resolve() for s in skip}
    found: dict[str, None] = {}
    for base in (root, root / "src"):
        try:
            entries = sorted(base.iterdir())
        except OSError:
            continue
        for entry in entries:
            name = entry.name
            if (
                name.isidentifier()
                and name not in _NOT_PACKAGES
                and entry.resolve() not in skipped
                and (entry / "__init__.py").is_file()
                and not (entry / "pyvenv.cfg").exists()
            ):
                found[name] = None
    return tuple(found)


def load_config(start: Path | str | None = None, environ: Mapping[str, str] | None = None) -> HookConfig:
    """The configuration seen from directory ``start`` (default: the current directory)."""
    variables: Mapping[str, str] = os.environ if environ is None else environ
    pyproject = find_pyproject(Path(start) if start is not None else Path.cwd())
    config = HookConfig()
    if pyproject is not None:
        table = _load_toml(pyproject)
        if table is not None:
            config = _from_table(table, pyproject)
    env = variables.get(ENV_VAR, "").strip()
    if env:
        packages = split_names(env, where=f"environment variable {ENV_VAR}")
        config = dataclasses.replace(config, packages=packages)
    return config
