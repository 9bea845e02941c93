"""The name rewritten code imports the runtime by, and the modules that would take its place.

Rewritten code starts with ``import runtime as _ai_rt``. A module of the program that is
itself named ``runtime`` (a ``runtime.py`` beside a script, a top-level package) would be
imported instead, and the rewritten module would fail as it runs. The command line refuses
to rewrite such inputs, or files whose program finds such a module beside them
(``runtime_beside``) or in a source root (``runtime_in``), and the import hook leaves
modules as they are while ``import runtime`` would not reach async_inline's runtime
(``shadowing_runtime``).
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import os
import sys

from . import unpatched

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
        found = _verdicts[path] = unpatched.realpath(path).startswith(_SHIM + os.sep)
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


def runtime_beside(path: str, target: str | None = None) -> str | None:
    """The file ``import runtime`` loads from the directory a program holding ``path``
    puts on ``sys.path`` (a script's own directory; above the top package of a module),
    when it is not async_inline's runtime: a ``runtime.py`` or ``runtime`` package there is
    found first. ``target``: where the rewritten file is written, when elsewhere (the
    directory is then the one above the target as many levels up as above ``path``)."""
    directory = os.path.dirname(os.path.abspath(path))
    levels = 0
    while unpatched.isfile(os.path.join(directory, "__init__.py")):
        directory, levels = os.path.dirname(directory), levels + 1
    if target is not None:
        directory = os.path.dirname(os.path.abspath(target))
        for _ in range(levels):
            directory = os.path.dirname(directory)
    return runtime_in(directory)


def runtime_in(directory: str) -> str | None:
    """The file ``import runtime`` loads from ``directory`` (a ``sys.path`` entry, such as
    a ``--source-root``), when it is not async_inline's runtime."""
    try:
        spec = importlib.machinery.PathFinder.find_spec("runtime", [directory])
    except (ImportError, ValueError, OSError):
        return None
    origin = spec.origin if spec is not None else None  # (a namespace package: found after any other)
    if origin is None or not os.path.isabs(origin) or is_runtime_file(origin) or _is_copy_of_the_runtime(origin):
        return None
    return origin


def _is_copy_of_the_runtime(origin: str) -> bool:
    """``origin`` is the ``__init__.py`` of a copy of this async_inline's runtime package
    (``pip install --target`` beside the outputs, a vendored copy): the same files, byte for
    byte. Another version's may lack what the generated code calls."""
    if os.path.basename(origin) != "__init__.py":
        return False
    copy = os.path.dirname(origin)
    try:
        ours = sorted(name for name in unpatched.listdir(_SHIM) if name.endswith(".py"))
        for name in ours:
            with unpatched.open(os.path.join(_SHIM, name), "rb") as mine, unpatched.open(os.path.join(copy, name), "rb") as theirs:
                if mine.read() != theirs.read():
                    return False
    except OSError:
        return False
    return True


def import_the_runtime() -> None:
    """Import the runtime rewritten code imports, where ``import runtime`` reaches it, now:
    before a test suite runs (``pytest_runtestloop``), else the first rewritten module a
    test imports lazily imports it inside the test's patches, and its module-level locks
    are the test's ``threading.Lock`` mocks for the rest of the session (review R38a F3).
    A test that puts a module named ``runtime`` on ``sys.path`` later gets async_inline's
    (R37a F4; docs/pytest-plugin.md)."""
    if "runtime" not in sys.modules and shadowing_runtime() is None:
        importlib.import_module("runtime")
