"""async_inline: make async code faster by inlining awaited coroutine functions into their callers.

The public API is small: ``rewrite_source`` and ``Options`` for the library, ``SourceError``
for bad input, the report types, and (see ``hook``) ``install``/``uninstall`` for the import hook.
"""

from .api import InternalError, RewriteResult, __version__, rewrite_source
from .errors import SourceError
from .hook import install, uninstall
from .options import Options
from .report import FileReport, Inlined, Skipped, report_json

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
    "rewrite_source",
    "uninstall",
]
