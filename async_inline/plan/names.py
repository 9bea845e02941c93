"""Hygienic names for generated code.

Invariant: a generated name is never an identifier of the module being rewritten, nor a
name generated before, and it starts with ``GENERATED_PREFIX`` (callee locals from other
modules with that prefix are renamed, so they cannot equal one either). A single
underscore: a double one would be mangled when the code lands in a method.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

import libcst as cst

from ..analysis.callee import GENERATED_PREFIX, is_private_name, mangling_prefix
from ..tree import walk

_WORD = re.compile(r"\w+")


def generated_like(text: str) -> set[str]:
    """The words of ``text`` that a generated name could equal: a superset of its
    identifiers (words of strings and comments too), read as Python reads them (NFKC:
    ``_\uff41i_t1`` is ``_ai_t1``)."""
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    return {word for word in _WORD.findall(text) if word.startswith(GENERATED_PREFIX)}


def mangled_like_generated(module: cst.Module) -> set[str]:
    """The names that private identifiers of a class whose mangling prefix looks generated
    compile to (``__buf`` in class ``ai`` or ``_ai`` is ``_ai__buf``, which a renamed
    ``_buf`` would be: review R24a F4)."""
    out: set[str] = set()
    for node in walk(module):
        if isinstance(node, cst.ClassDef):
            prefix = mangling_prefix(node.name.value)
            if prefix is not None and prefix.startswith(GENERATED_PREFIX):
                out.update(prefix + n.value for n in walk(node.body) if isinstance(n, cst.Name) and is_private_name(n.value))
    return out


class FreshNames:
    def __init__(self, taken: Iterable[str]) -> None:
        self._taken = set(taken)
        self._frames = 0
        self._temps = 0

    def new_frame(self) -> int:
        """A number for one inlined frame, used in the names of its variables."""
        self._frames += 1
        return self._frames

    def make(self, hint: str) -> str:
        candidate = f"_{hint}"
        assert candidate.startswith(GENERATED_PREFIX), hint
        suffix = 1
        while candidate in self._taken:
            suffix += 1
            candidate = f"_{hint}_{suffix}"
        self._taken.add(candidate)
        return candidate

    def temp(self) -> str:
        """A temporary of the code around an inlined call (hoisted operands, arguments)."""
        self._temps += 1
        return self.make(f"ai_t{self._temps}")
