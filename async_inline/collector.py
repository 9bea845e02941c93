"""The cyclic garbage collector, paused while a module is rewritten or compiled.

A rewrite allocates hundreds of thousands of small objects (LibCST and ``ast`` trees),
nearly all acyclic and freed by reference counting, so the collector's passes during it
find next to nothing and cost 10-15% of the rewrite. It runs again afterwards.
"""

from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import Iterator


@contextlib.contextmanager
def paused() -> Iterator[None]:
    """Leaves the collector as it is if it is off, or if other threads run: the switch is
    the process's, and the import hook rewrites inside the program, whose other threads
    would see the collector off meanwhile, and whose ``gc.disable()`` then would be undone
    when the rewrite ends (review R22a F2)."""
    if not gc.isenabled() or threading.active_count() > 1:
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
