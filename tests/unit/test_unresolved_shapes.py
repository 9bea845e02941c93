"""The shape of an ``unresolved`` site (issue 11, item 5): what the summary groups it under,
so that a user sees what could never be inlined and what a hint would unlock."""

from __future__ import annotations

import pytest

from async_inline import rewrite_source

CASES = [
    ("import asyncio\n\nasync def main():\n    await asyncio.sleep(0)\n", "asyncio.sleep", "external"),
    (
        # `trio` is bound by two imports: still a package outside the program
        "import trio.lowlevel\nimport trio.socket\n\nasync def main():\n    await trio.lowlevel.checkpoint()\n",
        "trio.lowlevel.checkpoint",
        "external",
    ),
    ("from trio import sleep\n\nasync def main():\n    await sleep(0)\n", "sleep", "external"),
    ("class K:\n    async def m(self):\n        await self.conn.read()\n", "self.conn.read", "attribute"),
    ("async def main(obj):\n    await obj.m()\n", "obj.m", "local"),
    ("async def main(fs):\n    await fs[0]()\n", "fs[0]", "dynamic"),
    ("class C:\n    pass\n\nasync def main():\n    await C()\n", "C", "not-function"),
    ("async def main():\n    await nowhere()\n", "nowhere", "unknown"),
    (
        # a name an import and an assignment both bind is not known to be a module
        "import trio\ntrio = None\n\nasync def main():\n    await trio.sleep(0)\n",
        "trio.sleep",
        "attribute",
    ),
]


@pytest.mark.parametrize(("source", "callee", "shape"), CASES, ids=[c[1] + ":" + c[2] for c in CASES])
def test_unresolved_sites_are_grouped_by_what_would_unlock_them(source, callee, shape):
    skipped = rewrite_source(source).report.skipped
    assert [(s.callee, s.code, s.shape) for s in skipped] == [(callee, "unresolved", shape)]
