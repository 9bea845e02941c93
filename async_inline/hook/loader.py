"""The loader of a rewritten module: the ordinary source loader, except for the code it runs.

Everything a tool asks a loader (``get_source``, ``get_filename``, ``is_package``, resource
readers) answers from the user's file as usual; only ``get_code`` differs, returning the
hook's code (cached or built by ``HookState.code_for``) instead of the interpreter's .pyc.
"""

from __future__ import annotations

import hashlib
import importlib.machinery
import types
from typing import Any

from .build import Transform
from .state import HookState


class RewritingLoader(importlib.machinery.SourceFileLoader):
    #: What it compiles behaves as the source as written (inlined calls keep their
    #: effects; asserts pytest rewrites are accounted for): references into its modules
    #: are found (``runtime._refs.loaded_as_written``).
    compiles_as_written = True

    def __init__(
        self, fullname: str, path: str, state: HookState, transform: Transform | None = None, stands_for: Any = None
    ) -> None:
        """``stands_for``: the loader whose transform this one applies (pytest's assertion
        rewriter), recorded as the module's ``__loader__`` as that loader would record
        itself; the module's ``__spec__.loader`` is this one."""
        super().__init__(fullname, path)
        self._state = state
        self._transform = transform
        self._stands_for = stands_for

    def get_code(self, fullname: str) -> types.CodeType:
        return self._load(fullname)[1]

    #: The sha256 of the source last compiled: a rewrite of another module reading this
    #: one's file later tells whether it is still what runs (``sources.changed_since_import``).
    source_digest: bytes | None = None

    def _load(self, fullname: str) -> tuple[bytes, types.CodeType]:
        path = self.get_filename(fullname)
        source = self.get_data(path)
        self.source_digest = hashlib.sha256(source).digest()
        return source, self._state.code_for(path, source, self._transform, module=fullname)

    def exec_module(self, module: types.ModuleType) -> None:
        source, code = self._load(module.__name__)
        if self._stands_for is not None:
            # pytest checks it (a nested session's mark_rewrite would warn "Module already
            # imported so cannot be rewritten" for a module another loader ran).
            module.__loader__ = self._stands_for
        if self._state.twins is not None:
            code = self._state.twins.add(module, code, self.get_filename(module.__name__), source, self._transform)
        exec(code, module.__dict__)
