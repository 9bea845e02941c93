"""Helpers for the command-line tests: sample sources, small source trees, running rewritten code.

A uniquely named module (not ``conftest``) so that test modules can import it whatever other
``conftest.py`` files the suite has.
"""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass
from pathlib import Path

#: The real transformer inlines ``add_one`` into ``main`` (await on line 6).
SAMPLE = """\
async def add_one(x):
    return x + 1


async def main():
    return await add_one(41)
"""
SAMPLE_AWAIT_LINE = 6

#: Nothing to inline: must come out byte for byte as it went in.
PLAIN = """\
def square(x):
    # a comment that must survive
    return x * x
"""

#: A syntax error on line 3.
SYNTAX_ERROR = b"def fine():\n    pass\ndef broken(:\n    pass\n"
#: Latin-1 bytes without a coding cookie: not valid UTF-8 on line 3.
UNDECODABLE = b'# no cookie\n\nname = "caf\xe9"\n'


@dataclass
class Result:
    code: int
    out: str
    err: str


def make_tree(root: Path, files: dict[str, str | bytes]) -> Path:
    for relative, content in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            path.write_bytes(content.encode())
        else:
            path.write_bytes(content)
    return root


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` (hidden ones included), by relative path."""
    result = {}
    for directory, _, names in os.walk(root):
        for name in names:
            path = Path(directory, name)
            result[path.relative_to(root).as_posix()] = path.read_bytes()
    return result


def run_sample(code: str) -> object:
    """Execute a module's source and return what its ``main()`` coroutine returns."""
    namespace: dict[str, object] = {"__name__": "sample_under_test"}
    exec(compile(code, "<rewritten>", "exec"), namespace)
    return asyncio.run(namespace["main"]())  # type: ignore[operator]
