"""runtime: the runtime-async model in Python, and the only module inlined code imports.

Depends on the standard library alone.
"""

from ._markers import inline, noinline

__all__ = ["inline", "noinline"]
