"""The pieces behind exact positions and logical frames, each on a small case: LibCST's
code generator state (every occurrence of a shared node), the frame map stored in the code
object (it survives marshal, i.e. the hook's cache), and positions of expression-form code."""

from __future__ import annotations

import asyncio
import importlib
import marshal
import sys
import types
from pathlib import Path

import pytest

import async_inline
from async_inline import Options, rewrite_source
from async_inline.debug import logical_tb
from async_inline.hook.build import build
from async_inline.hook.positions import MARKER

SOURCE = """\
import asyncio


async def add(x):
    return 10 // x


async def caller(v):
    w = v + 1
    return 1 + await add(v)


async def twice(v):
    first = await add(v)
    return first + await add(v - 1)
"""


@pytest.mark.decisions
def test_expression_form_code_has_the_callees_line() -> None:
    code = build(SOURCE.encode(), "/app.py", Options(header=False)).code
    caller = next(c for c in code.co_consts if isinstance(c, types.CodeType) and c.co_name == "caller")
    lines = {line for _, _, line in caller.co_lines() if line}
    assert 5 in lines  # `10 // x` runs at the callee's line
    assert lines <= {5, 8, 9, 10}


@pytest.mark.decisions
@pytest.mark.skipif(sys.version_info < (3, 11), reason="frame maps need co_positions")
def test_the_frame_map_survives_marshal() -> None:
    code = marshal.loads(marshal.dumps(build(SOURCE.encode(), "/app.py", Options(header=False)).code))
    twice = next(c for c in code.co_consts if isinstance(c, types.CodeType) and c.co_name == "twice")
    marker = twice.co_consts[-1]
    assert marker[0] == MARKER
    frames, runs = marker[1], marker[2]
    assert [f[1] for f in frames] == ["add", "add"]  # one inlined frame per site
    assert {f[3][0] for f in frames} == {14, 15}  # each with its own await line
    assert runs and all(start < stop for start, stop, _ in runs)


@pytest.mark.decisions
@pytest.mark.skipif(sys.version_info < (3, 11), reason="frame maps need co_positions")
def test_a_cached_import_keeps_its_logical_frames(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    name = f"ai_positions_{id(tmp_path)}"
    (tmp_path / f"{name}.py").write_text(SOURCE)
    for attempt in range(2):  # built, then from the cache
        async_inline.install([name])
        try:
            module = importlib.import_module(name)
        finally:
            async_inline.uninstall()
        with pytest.raises(ZeroDivisionError) as info:
            asyncio.run(module.twice(1))
        frames = [(f.name, f.lineno, f.inlined) for f in logical_tb(info.value.__traceback__) if f.filename == module.__file__]
        assert frames == [("twice", 15, False), ("add", 5, True)], attempt
        del sys.modules[name]
    assert list(tmp_path.glob("__pycache__/*.async_inline-*.pyc"))


def test_positions_summarise_to_origin_lines() -> None:
    result = rewrite_source(SOURCE, options=Options(header=False))
    assert result.positions is not None and result.origin_lines is not None
    assert len(result.origin_lines) == result.code.count("\n") + 1


@pytest.mark.skipif(sys.version_info < (3, 11), reason="frame maps need co_positions")
@pytest.mark.parametrize(
    "options", [Options(header=False, guards=False, stress_seed=None), Options(header=False, stress_seed=None)], ids=["no-guards", "merged-guard"]
)
def test_a_body_with_no_guard_of_its_own_keeps_its_line_and_frame(options: Options) -> None:
    """Without a guard around it (``--no-guards``, or a merged guard), an inlined body's
    first statement is spliced into the caller's block, rebuilt to carry the comments
    above the site: it must keep the callee's line and frame (it once had the site's
    line and no frame)."""
    source = """\
async def check(kind):
    if not isinstance(kind, str):
        raise TypeError("kind")
    return kind


async def handle(kind):
    # the comment the first statement carries
    name = await check(kind)
    return name


async def main():
    return await handle(1)
"""
    namespace: dict[str, object] = {"__name__": "probe_app", "__file__": "/probe_app.py"}
    exec(build(source.encode(), "/probe_app.py", options).code, namespace)
    with pytest.raises(TypeError) as info:
        asyncio.run(namespace["main"]())  # type: ignore[operator]
    frames = [(f.name, f.lineno, f.inlined) for f in logical_tb(info.value.__traceback__) if f.filename == "/probe_app.py"]
    assert frames == [("main", 14, False), ("handle", 9, True), ("check", 3, True)]
