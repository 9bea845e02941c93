"""The name rewritten code imports the runtime by, and the modules that would take its place.

Rewritten code starts with ``import runtime as _ai_rt``. A module of the program that is
itself named ``runtime`` (a ``runtime.py`` beside a script, a top-level package) would be
imported instead, and the rewritten module would fail as it runs. The command line refuses
to rewrite such inputs, and the import hook leaves modules as they are while ``import
runtime`` would not reach async_inline's runtime (``shadowing_runtime``).
"""

from __future__ import annotations

import importlib.util
import os
import sys

#: async_inline's runtime package (installed beside this package, also when editable).
_SHIM = os.path.realpath(os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "runtime"))

_verdicts: dict[str, bool] = {}
#: Where ``import runtime`` would find it, by ``sys.path`` (before it is imported: searching
#: costs about 0.1 ms, asked at every module the hook loads).
_found: dict[tuple[str, ...], str | None] = {}


def is_runtime_file(path: str) -> bool:
    """Whether ``path`` is a file of async_inline's own runtime package."""
    found = _verdicts.get(path)
    if found is None:
        found = _verdicts[path] = os.path.realpath(path).startswith(_SHIM + os.sep)
    return found


def shadowing_runtime() -> str | None:
    """The file ``import runtime`` loads (or would load) when it is not async_inline's
    runtime; None when it is."""
    module = sys.modules.get("runtime")
    if module is not None:
        origin = getattr(module, "__file__", None)
    else:
        key = tuple(sys.path)
        if key not in _found:
            try:
                spec = importlib.util.find_spec("runtime")
            except (ImportError, ValueError):
                spec = None
            _found[key] = spec.origin if spec is not None else None
        origin = _found[key]
    if origin is None:
        return "(not importable)" if module is None else repr(module)
    return None if is_runtime_file(origin) else origin


def names_runtime(path: str) -> bool:
    """Whether the file at ``path`` is imported as ``runtime`` or a submodule of it, and is
    not async_inline's runtime."""
    from .sources import module_name_for_file

    name = module_name_for_file(path)[0]
    return (name == "runtime" or name.startswith("runtime.")) and not is_runtime_file(path)
