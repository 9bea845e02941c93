"""The import hook: modules of the configured packages are inlined as they are imported.

    import async_inline
    async_inline.install(["myapp"])      # or [tool.async_inline] / ASYNC_INLINE
    import myapp.server                  # runs with its awaited calls inlined

Built like pytest's assertion rewriter: a meta path finder (``finder``) picks the modules
the policy (``policy``) selects, a source loader (``loader``) runs the code built by
``build`` from the user's file, and ``cache`` keeps that code between runs. This module
stays cheap to import: the machinery is imported by ``install`` only.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..options import Options
    from .finder import Finder
    from .policy import Policy
    from .state import HookState

__all__ = ["AsyncInlineWarning", "install", "uninstall"]


class AsyncInlineWarning(UserWarning):
    """Something the hook could not do as configured (the import itself still succeeds)."""


_lock = threading.Lock()
_installed: Finder | None = None
_warned_already_imported: set[str] = set()


def install(
    packages: str | Iterable[str] | None = None,
    options: Options | None = None,
    *,
    exclude: str | Iterable[str] | None = None,
    noinline: str | Iterable[str] | None = None,
) -> None:
    """Rewrite the modules of ``packages`` (and their submodules) from now on, as they are imported.

    Unset arguments come from the configuration: ``packages`` from the environment variable
    ``ASYNC_INLINE`` or ``[tool.async_inline] packages`` in the nearest pyproject.toml,
    ``exclude`` and the options' ``depth``/``guards``/``noinline`` from that table.
    ``noinline``: functions never inlined, fnmatch patterns over qualified names
    (``pkg.mod.func``), added to the options'. Calling ``install``
    again replaces the previous installation. Raises ``async_inline.config.ConfigError``
    (a ValueError) when the configuration is unusable or names no package.
    """
    from ..config import ConfigError, check_module_names, load_config, split_names, split_patterns
    from .policy import Policy

    config = load_config()
    if packages is None:
        names = config.packages
        if not names:
            raise ConfigError(
                "async_inline.install(): no package to rewrite; pass packages=[...], set "
                "ASYNC_INLINE=pkg,... or list them in [tool.async_inline] packages of pyproject.toml"
            )
    elif isinstance(packages, str):
        names = split_names(packages, where="install(packages=...)")
    else:
        names = tuple(packages)
        check_module_names(names, where="install(packages=...)")
    if exclude is None:
        excluded = config.exclude
    else:
        excluded = (exclude,) if isinstance(exclude, str) else tuple(exclude)
    opts = config.options() if options is None else options.replace(header=False)
    if noinline is not None:
        listed = split_patterns(noinline) if isinstance(noinline, str) else tuple(noinline)
        opts = opts.extended(noinline=listed)
    _, late = _activate(Policy(names, excluded), opts)
    if late:
        _warn_late(late, stacklevel=3)


def _activate(policy: Policy, options: Options) -> tuple[HookState, list[str]]:
    """Put a finder for ``policy`` first on ``sys.meta_path``, replacing the one ``install`` put.

    Returns its state and the selected modules that were imported already (so will run
    without inlining) and were not reported before in this process.
    """
    global _installed
    with _lock:
        if _installed is not None and _installed in sys.meta_path:
            sys.meta_path.remove(_installed)
        state, _installed, late = _activate_state(policy, options)
        late = [m for m in late if m not in _warned_already_imported]
        _warned_already_imported.update(late)
    return state, late


def _activate_state(policy: Policy, options: Options, **state_options: object) -> tuple[HookState, Finder, list[str]]:
    """A new finder first on ``sys.meta_path`` (the caller removes it), its state, and the
    already imported modules the policy selects."""
    from .finder import Finder
    from .state import HookState

    state = HookState(policy, options, **state_options)  # type: ignore[arg-type]
    finder = Finder(state)
    sys.meta_path.insert(0, finder)
    return state, finder, too_early(policy)


def too_early(policy: Policy) -> list[str]:
    """Modules the policy selects that are imported already, and not by a hook of ours."""
    from .loader import RewritingLoader

    modules = dict(sys.modules)
    return [
        name
        for name in policy.already_imported(modules)
        if str(getattr(modules[name], "__file__", None)).endswith(".py")  # the hook rewrites source files only
        and not isinstance(getattr(getattr(modules[name], "__spec__", None), "loader", None), RewritingLoader)
    ]


def installed() -> Finder | None:
    """The finder ``install`` or ``async-inline run`` put on ``sys.meta_path``, if still there."""
    with _lock:
        return _installed if _installed is not None and _installed in sys.meta_path else None


def shown_names(names: list[str], limit: int = 5) -> str:
    """``a, b, c and 4 more``: a list of module names short enough for one line."""
    return ", ".join(names[:limit]) + (f" and {len(names) - limit} more" if len(names) > limit else "")


def _late_message(late: list[str]) -> str:
    return (
        f"async_inline: {shown_names(late)} {'was' if len(late) == 1 else 'were'} imported before the import hook "
        "was installed and will run without inlining; install the hook earlier "
        "(for a program: python -m async_inline run ...)"
    )


def _warn_late(late: list[str], stacklevel: int) -> None:
    import warnings

    warnings.warn(_late_message(late), AsyncInlineWarning, stacklevel=stacklevel)


def uninstall() -> None:
    """Stop rewriting imports. Modules imported meanwhile keep their inlined code."""
    global _installed
    with _lock:
        if _installed is not None and _installed in sys.meta_path:
            sys.meta_path.remove(_installed)
        _installed = None
