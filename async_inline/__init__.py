"""async_inline: make async code faster by inlining awaited coroutine functions into their callers.

The public API is small: ``rewrite_source`` (one module) and ``rewrite_program`` (modules
that inline from each other) and ``Options`` for the library, ``SourceError``
for bad input, the report types, and (see ``hook``) ``install``/``uninstall`` for the import hook.

PYTEST_DONT_REWRITE: pytest marks the packages of a distribution that provides a plugin for
assertion rewriting, and ``python -m async_inline run -m pytest`` has imported this one
before; the marker keeps pytest from warning that it cannot rewrite them.
"""

from typing import TYPE_CHECKING, Any

from ._version import __version__
from .errors import SourceError
from .options import Options
from .report import FileReport, Inlined, Skipped, report_json

if TYPE_CHECKING:
    from .api import InternalError, RewriteResult, rewrite_program, rewrite_source
    from .hook import install, uninstall

#: Loaded on first use (PEP 562), so that `import async_inline` stays light for the import
#: hook, the inactive pytest plugin and `--help`: the rewriter pulls in LibCST.
_LAZY = {
    "InternalError": "api",
    "RewriteResult": "api",
    "rewrite_program": "api",
    "rewrite_source": "api",
    "install": "hook",
    "uninstall": "hook",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

__all__ = [
    "FileReport",
    "Inlined",
    "InternalError",
    "Options",
    "RewriteResult",
    "Skipped",
    "SourceError",
    "__version__",
    "install",
    "report_json",
    "rewrite_program",
    "rewrite_source",
    "uninstall",
]
