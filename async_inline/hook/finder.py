"""The meta path finder: hands the modules the policy selects to a ``RewritingLoader``.

It sits first on ``sys.meta_path`` and asks the finders after it where a module is, so
ordinary paths, editable installs and pytest's own hook all keep working; it only takes
over specs whose loader it knows how to replace: the plain ``SourceFileLoader`` (and types
registered as adapters, such as pytest's assertion rewriter, whose transform it then applies
itself). Everything else (extension modules, .pyc-only files, zip imports, namespace
packages, other custom loaders) is left to the finder that found it.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import os
import sys
from collections.abc import Sequence

from .. import unpatched
from ..runtime_name import is_runtime_file
from .loader import RewritingLoader
from .state import HookState, rewriting


class Finder:
    """A meta path finder (``importlib.abc.MetaPathFinder``'s protocol: ``find_spec`` and
    ``invalidate_caches``; not its subclass, whose module imports ``importlib.resources``,
    ``tempfile``, ``random`` ... before the program ``run`` runs: review R35c F1)."""

    def __init__(self, state: HookState) -> None:
        self.state = state

    def find_spec(
        self, fullname: str, path: Sequence[str] | None = None, target: object = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname.partition(".")[0] in _OWN_PACKAGES:
            return _own_spec(fullname, path)
        state = self.state
        if not state.policy.may_rewrite(fullname) or getattr(rewriting, "active", False):
            return None
        spec = self._find_below(fullname, path, target)
        if spec is None or spec.origin is None or not spec.has_location:
            return None
        kind = type(spec.loader)
        if kind is not importlib.machinery.SourceFileLoader and kind not in state.adapters:
            return None
        if not state.policy.wants(fullname, spec.origin):
            return None
        adapter = state.adapters.get(kind)
        transform = adapter(spec.loader, fullname, spec.origin) if adapter is not None else None
        return unpatched.spec_from_file_location(
            fullname,
            spec.origin,
            loader=RewritingLoader(fullname, spec.origin, state, transform, stands_for=spec.loader if adapter is not None else None),
            submodule_search_locations=spec.submodule_search_locations,
        )

    def _find_below(self, fullname: str, path: Sequence[str] | None, target: object) -> importlib.machinery.ModuleSpec | None:
        """The spec the rest of ``sys.meta_path`` would produce (other Finders skipped)."""
        finders = list(sys.meta_path)
        try:
            below = finders[finders.index(self) + 1 :]
        except ValueError:  # called directly (pytest's importlib mode) or after uninstall
            below = [f for f in finders if not isinstance(f, Finder)]
        for finder in below:
            if isinstance(finder, Finder):
                continue
            find_spec = getattr(finder, "find_spec", None)
            if find_spec is None:
                continue
            spec: importlib.machinery.ModuleSpec | None = find_spec(fullname, path, target)
            if spec is not None:
                return spec
        return None

    def invalidate_caches(self) -> None:
        pass


#: async_inline's packages: what rewritten code imports, and the rewriter's own modules,
#: imported lazily by the first rewrite.
_OWN_PACKAGES = frozenset({"runtime", "async_inline"})
_PACKAGE_DIR = os.path.realpath(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # compared with real paths (R39a F1)


def _own_spec(fullname: str, path: Sequence[str] | None) -> importlib.machinery.ModuleSpec | None:
    """A module of async_inline's own packages as Python's path finder loads it, where
    that finds this installation's file; else None, and the finders after this one decide
    (a program's own ``runtime``). pytest's assertion rewriter, a finder after this one,
    takes them for modules of a plugin's distribution and reads their files with the
    ``builtins.open`` a test may have patched around the first rewritten module it imports
    (reviews R36b F3, R38a F2)."""
    spec = importlib.machinery.PathFinder.find_spec(fullname, path)
    if spec is None or spec.origin is None:
        return None
    ours = is_runtime_file(spec.origin) or unpatched.realpath(spec.origin).startswith(_PACKAGE_DIR + os.sep)
    return spec if ours else None
