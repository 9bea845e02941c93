"""The builtin names rewritten code may read: those every interpreter has (not the ones
``site``, a REPL or IPython add), and those Python 3.10, the oldest the output runs on,
lacks."""

from __future__ import annotations

import builtins
from collections.abc import Mapping

#: Names of the builtins module's own that are no objects of it (``__doc__``, ``None`` ...).
_BUILTIN_DUNDERS_AND_CONSTANTS = frozenset(
    """__build_class__ __debug__ __doc__ __import__ __loader__ __name__ __package__ __spec__
    None True False Ellipsis NotImplemented open""".split()  # (open's __module__ is io)
)


def interpreter_builtins(namespace: Mapping[str, object]) -> frozenset[str]:
    """The builtins every interpreter has, of ``namespace`` (the builtins'): not the names
    ``site`` adds (``help``, ``exit``, ``license`` ...: output may run under ``python -S``),
    nor those a REPL, IPython or Jupyter put there (``_``, ``display``, ``__IPYTHON__``)
    when they ran the rewrite. Code inlined from another module reads a builtin name its
    module binds as ``ns.get(name, BUILTINS[name])``, a KeyError where the builtin is
    missing (reviews R14 f4, R15 m)."""
    return frozenset(
        name
        for name, value in namespace.items()
        if name in _BUILTIN_DUNDERS_AND_CONSTANTS or (getattr(value, "__module__", None) == "builtins" and not name.startswith("_"))
    )


BUILTIN_NAMES = interpreter_builtins(vars(builtins))
#: Builtins of this interpreter that Python 3.10, the oldest the output may run on, lacks.
#: Output of the command line may run on another version than the rewriter: code inlined
#: from another module reads these through ``runtime.global_value`` (NameError where the
#: builtin is missing), not as a builtin whose absence would be a KeyError. (3.13's
#: ``_IncompleteInputError`` is no name of ``BUILTIN_NAMES``: private, read so anyway.)
NEWER_BUILTIN_NAMES = BUILTIN_NAMES & {"BaseExceptionGroup", "ExceptionGroup", "PythonFinalizationError"}
