"""Helpers for the import hook tests: sample sources and throw-away packages on sys.path.

A uniquely named module (not ``conftest``) so test modules can import it whatever other
``conftest.py`` files the suite has.
"""

from __future__ import annotations

import itertools
import os
import sys
import textwrap
from pathlib import Path

#: The real transformer inlines ``add_one`` into ``main`` (the await on line 6).
SAMPLE = """\
async def add_one(x):
    return x + 1


async def main():
    return await add_one(41)
"""
SAMPLE_AWAIT_LINE = 6

_counter = itertools.count()


def unique(prefix: str = "aihook") -> str:
    """A package name no other test (nor an earlier run in this process) has imported."""
    return f"{prefix}_{os.getpid()}_{next(_counter)}"


def installed_state():
    """The state of the hook ``async_inline.install`` put in place (there may be others:
    this suite can itself run under the pytest plugin)."""
    from async_inline import hook

    assert hook._installed is not None and hook._installed in sys.meta_path
    return hook._installed.state


def write_tree(root: Path, files: dict[str, str | bytes]) -> Path:
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(textwrap.dedent(content) if content.startswith("\n") else content)
    return root
