"""Composing the hook with pytest's assertion rewriting.

pytest rewrites the asserts of test modules, conftest files, plugin modules and
``register_assert_rewrite`` packages with a meta path finder of its own. A module both
want gets both, in this order: inlined first, then pytest's assertion rewriting applied to
the inlined tree (the inliner works on source text and needs the user's code, while
assertion rewriting is an AST pass that works on any tree). For that the hook's finder
must come before pytest's on ``sys.meta_path``: it asks pytest's finder whether pytest
would rewrite the module (``Finder._find_below``), and if so applies ``AssertionTransform``
itself, recording the module as pytest's loader would. The cache key includes pytest's
version and its assertion options, and, like pytest, nothing is written when bytecode
writing is off (see ``cache.py``).

Under ``async-inline run -m pytest`` the hook is installed before pytest starts, and pytest
later puts its own finder first; ``bridge_pytest`` puts the hook's back in front as soon as
pytest has installed its own, before pytest imports ``-p`` plugins. No pytest hook runs at
that moment, so this wraps ``_pytest.assertion.install_importhook``, a private function
(tested by ``tests/plugin/test_early.py``).
"""

from __future__ import annotations

import ast
import sys
import weakref
from pathlib import Path
from typing import Any

import pytest

from .finder import Finder
from .state import Adapter, HookState


class AssertionTransform:
    """pytest's assertion rewriting, applied by the hook after inlining."""

    def __init__(self, config: pytest.Config) -> None:
        self._config = config
        self.salt = f"pytest-assertions {pytest.__version__} pass-hook={config.getini('enable_assertion_pass_hook')}"

    def __call__(self, tree: ast.Module, source: bytes, path: str) -> None:
        from _pytest.assertion.rewrite import rewrite_asserts  # private, but the one way to apply it

        rewrite_asserts(tree, source, path, self._config)


_transforms: weakref.WeakKeyDictionary[pytest.Config, AssertionTransform] = weakref.WeakKeyDictionary()


def _adapt(hook: Any, fullname: str, path: str) -> AssertionTransform:
    """The transform pytest's finder ``hook`` would apply to the module (an ``Adapter``).

    Per hook, because each pytest session (pytester runs sessions inside a session) has a
    finder and a configuration of its own.
    """
    # What pytest's loader records on exec_module: its resource readers use it, and it
    # keeps pytest from warning that the module was imported without its rewriting.
    names = getattr(hook, "_rewritten_names", None)
    if isinstance(names, dict):
        names[fullname] = Path(path)
    config: pytest.Config = hook.config
    transform = _transforms.get(config)
    if transform is None:
        transform = _transforms[config] = AssertionTransform(config)
    return transform


def assertion_adapter(config: pytest.Config, rewrite_hook: Any = None) -> tuple[type, Adapter] | None:
    """The adapter for pytest's assertion rewriting finder of ``config``, if it is installed."""
    if rewrite_hook is None:
        rewrite_hook = getattr(config.pluginmanager, "rewrite_hook", None)
    if rewrite_hook is None or rewrite_hook not in sys.meta_path:
        return None  # --assert=plain: nothing to compose with
    return type(rewrite_hook), _adapt


def put_first(finder: Finder) -> None:
    """Move ``finder`` to the front of ``sys.meta_path`` (ahead of pytest's finder)."""
    if sys.meta_path and sys.meta_path[0] is finder:
        return
    if finder in sys.meta_path:
        sys.meta_path.remove(finder)
    sys.meta_path.insert(0, finder)


class _RuntimeFirst:
    """The runtime imported before the tests run (``runtime_name.import_the_runtime``)."""

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtestloop(self, session: pytest.Session) -> None:
        from ..runtime_name import import_the_runtime

        import_the_runtime()


_RUNTIME_FIRST = "async_inline-runtime-first"


def import_the_runtime_first(pluginmanager: pytest.PytestPluginManager) -> None:
    """Register ``_RuntimeFirst`` once: by the plugin's ``--async-inline``, and by ``run -m
    pytest`` without it too (review R39a F2)."""
    if not pluginmanager.has_plugin(_RUNTIME_FIRST):
        pluginmanager.register(_RuntimeFirst(), _RUNTIME_FIRST)


def bridge_pytest(finder: Finder) -> None:
    """Keep ``finder`` first when pytest installs its assertion rewriting finder, and apply
    pytest's rewriting to the modules pytest claims (``async-inline run -m pytest``).

    For the first pytest session only: sessions run inside it (pytester) put their finders
    in front, as they do under plain ``pytest --async-inline``.
    """
    import _pytest.assertion as assertion  # private: see the module docstring

    original = assertion.install_importhook
    if getattr(original, "_async_inline_bridge", False):
        return

    def install_importhook(config: pytest.Config) -> Any:
        assertion.install_importhook = original
        hook = original(config)
        state: HookState = finder.state
        adapter = assertion_adapter(config, hook)
        if adapter is not None:
            state.adapters[adapter[0]] = adapter[1]
        if finder in sys.meta_path:
            put_first(finder)
        import_the_runtime_first(config.pluginmanager)
        return hook

    install_importhook._async_inline_bridge = True  # type: ignore[attr-defined]
    assertion.install_importhook = install_importhook
