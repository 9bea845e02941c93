"""The library contract: rewrite_source's output, header, determinism and errors."""

import codecs

import pytest

from async_inline import InternalError, Options, SourceError, rewrite_source
from async_inline.api import HEADER_PREFIX

SOURCE = '''
async def add_one(x):
    return x + 1

async def main():
    y = 0
    # a comment the rewrite must keep
    return await add_one(41) + y
'''


@pytest.mark.decisions
def test_rewrite_is_deterministic_and_idempotent():
    first = rewrite_source(SOURCE)
    assert first.changed and first.code.startswith(HEADER_PREFIX)
    assert rewrite_source(SOURCE).code == first.code
    again = rewrite_source(first.code)
    assert again.already_rewritten and again.code == first.code and not again.changed


@pytest.mark.decisions
def test_untouched_code_and_comments_round_trip():
    code = rewrite_source(SOURCE).code
    assert "# a comment the rewrite must keep" in code
    assert "async def add_one(x):\n    return x + 1\n" in code


@pytest.mark.decisions
def test_header_goes_after_shebang_and_coding_cookie():
    source = "#!/usr/bin/env python\n# -*- coding: latin-1 -*-\n" + SOURCE
    result = rewrite_source(source.encode("latin-1"))
    lines = result.code.splitlines()
    assert lines[0].startswith("#!") and "coding" in lines[1] and lines[2].startswith(HEADER_PREFIX)
    assert codecs.lookup(result.encoding) == codecs.lookup("latin-1")


@pytest.mark.decisions
@pytest.mark.parametrize("first", ["# Copyright 2026 Someone\n", "\n", "#!/usr/bin/env python\n"], ids=["comment", "blank", "shebang"])
def test_an_encoding_declaration_on_line_two_stays_there(first: str) -> None:
    """PEP 263 reads a declaration on line 2 after a comment or a blank line: the header
    went on line 1 and pushed it to line 3, so the latin-1 output was read as UTF-8 (a
    SyntaxError, or string literals changed where the bytes happened to be valid UTF-8;
    review T). The output, encoded as the input was, must run as the original does."""
    source = first + "# -*- coding: latin-1 -*-\nWORD = 'Ã©café'\n" + SOURCE
    result = rewrite_source(source.encode("latin-1"))
    assert result.code.splitlines()[2].startswith(HEADER_PREFIX)
    assert codecs.lookup(result.encoding) == codecs.lookup("latin-1")
    original: dict[str, object] = {}
    rewritten: dict[str, object] = {}
    exec(compile(source.encode("latin-1"), "<original>", "exec"), original)
    exec(compile(result.code.encode(result.encoding), "<rewritten>", "exec"), rewritten)
    assert rewritten["WORD"] == original["WORD"] == "Ã©café"


_BODY = "async def f(x):\n    return x + 1\n\nasync def main():\n    return await f(1)\n"


@pytest.mark.decisions
@pytest.mark.parametrize(
    "source",
    [
        "#!/usr/bin/env python\n" + _BODY,
        ("#!/usr/bin/env python\n" + _BODY).replace("\n", "\r"),
        ("# -*- coding: utf-8 -*-\n" + _BODY).replace("\n", "\r"),
        ("#!/usr/bin/env python\n# -*- coding: utf-8 -*-\n" + _BODY).replace("\n", "\r\n"),
        "\x0c\n# -*- coding: utf-8 -*-\n" + _BODY,
        "# comment \u2028 x\n# -*- coding: utf-8 -*-\n" + _BODY,
        "#!/usr/bin/env python\x0c\n" + _BODY,
    ],
    ids=["lf-shebang", "cr-shebang", "cr-cookie", "crlf-shebang-cookie", "ff-cookie", "u2028-cookie", "ff-shebang"],
)
def test_rewriting_the_output_again_changes_nothing_whatever_the_line_ends(source: str) -> None:
    """Review R14 k1: the header was looked for in ``str.splitlines`` lines (which also
    break at form feeds and U+2028, pushing it out of the 3-line window) and only after a
    ``\\n``, so a CR-only output was inlined again at each run (``--check`` after
    ``--in-place`` never passed). The header line also ended with ``\\n`` in a CR-only file."""
    once = rewrite_source(source.encode(), filename="m.py")
    assert once.changed
    again = rewrite_source(once.code.encode(once.encoding), filename="m.py")
    assert again.already_rewritten, again.code
    assert again.code == once.code
    ends = {"\r\n" if "\r\n" in source else "\r" if "\r" in source else "\n"}
    header_line = next(line for line in once.code.splitlines(keepends=True) if line.startswith(HEADER_PREFIX))
    assert {header_line[len(header_line.rstrip("\r\n")) :]} == ends
    if ends == {"\r"}:
        assert "\n" not in once.code


def test_nothing_to_inline_returns_the_source_unchanged():
    source = "import asyncio\n\nasync def main():\n    await asyncio.sleep(0)\n"
    result = rewrite_source(source)
    assert result.code == source and not result.changed and result.origin_lines is None


def test_without_header_option():
    assert not rewrite_source(SOURCE, options=Options(header=False)).code.startswith("#")


@pytest.mark.parametrize(
    "source, message",
    [
        (b"async def f(:\n", "<string>:1: "),
        (b"x = 1\nreturn 2\n", "<string>:2: 'return' outside function"),
        (b"x = 1\ny = '\xff'\n", "<string>:2: cannot decode byte 0xff"),
        (b"x = '\x00'\n", "<string>:1: source code"),
        (b"x = 1\r\ny = 2\rz = '\x00'\n", "<string>:3: source code"),
    ],
)
def test_bad_input_is_a_source_error_with_a_line(source, message):
    with pytest.raises(SourceError) as info:
        rewrite_source(source)
    assert str(info.value).startswith(message)


def test_the_collector_is_paused_during_a_rewrite_and_restored_after(monkeypatch):
    """The speed-up of collector.paused must not leave a program without its collector,
    whether the rewrite succeeds or fails, nor turn on one the program turned off."""
    import gc

    from async_inline import collector

    seen: list[bool] = []
    real_paused = collector.paused

    def spying():
        with real_paused():
            seen.append(gc.isenabled())
            yield

    monkeypatch.setattr(collector, "paused", __import__("contextlib").contextmanager(spying))
    monkeypatch.setattr(collector, "_program_threads", lambda: 1)  # (pytest-xdist's workers run threads)
    assert gc.isenabled()
    rewrite_source(SOURCE)
    with pytest.raises(SourceError):
        rewrite_source("async def f(:\n")
    assert seen == [False, False] and gc.isenabled()
    gc.disable()
    try:
        rewrite_source(SOURCE)
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_the_collector_is_left_alone_while_other_threads_run():
    """Review R22a F2: the switch is the process's. Paused while the import hook rewrote
    in one thread, the collector was off for the program's other threads, and a
    ``gc.disable()`` of theirs was undone when the rewrite ended."""
    import gc
    import threading

    from async_inline import collector

    release = threading.Event()
    other = threading.Thread(target=release.wait)
    other.start()
    try:
        with collector.paused():
            assert gc.isenabled()
            gc.disable()  # another thread turns it off meanwhile
        assert not gc.isenabled()
    finally:
        gc.enable()
        release.set()
        other.join()


def test_the_collector_is_paused_on_the_rewriter_s_own_thread(monkeypatch):
    """Review R27a F2: the import hook builds on the rewriter's large-stack thread, while
    the importing thread waits; counted as two threads of the program, no build was paused
    (15-20% slower). Only the program's threads count."""
    import gc
    import threading

    from async_inline import collector
    from async_inline.api import on_large_stack

    seen: list[bool] = []

    def build() -> None:
        with collector.paused():
            seen.append(gc.isenabled())

    others = [t for t in threading.enumerate() if t is not threading.current_thread() and t.name != collector.REWRITER_THREAD]
    monkeypatch.setattr(collector.threading, "enumerate", lambda: [t for t in threading._enumerate() if t not in others])  # type: ignore[attr-defined]
    on_large_stack(build)
    assert seen == [False] and gc.isenabled()


def test_options_are_validated():
    with pytest.raises(ValueError):
        Options(max_depth=-1)
    with pytest.raises(ValueError, match="must be a frozenset of assumption names"):  # said "unknown assumption(s) ['?']"
        Options(assume={"class-methods"})  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="unknown assumption"):
        Options(assume=frozenset({"class-method"}))
    assert Options().cache_key() != Options(guards=False).cache_key()


def test_internal_error_is_exported():
    assert issubclass(InternalError, Exception)


@pytest.mark.decisions
def test_origin_lines_map_inlined_statements_to_the_callee():
    source = "async def f(x):\n    y = x * 2\n    return y\n\n\nasync def main():\n    print(1)\n    return await f(2)\n"
    result = rewrite_source(source, options=Options(header=False))
    lines = result.code.splitlines()
    origins = result.origin_lines
    assert len(origins) >= len(lines)
    for number, text in enumerate(lines, 1):
        if text.strip().startswith("y = x * 2") or "y = _ai" in text or text.strip().startswith("_ai_y ="):
            assert origins[number - 1] == 2
        if text.strip() == "print(1)":
            assert origins[number - 1] == 7


def test_a_reference_into_another_module_whose_body_asserts_says_so() -> None:
    """Review R13 c3, e-b..e-d: pytest rewrites asserts per module, when it imports one; the
    reference to another module's function whose inlined body holds an ``assert`` is read
    with ``asserts=True`` (``runtime.function_at`` then finds it only where pytest
    rewrote neither module); a body without one needs no such check."""
    from async_inline.api import rewrite_program

    files = {
        "lib/__init__.py": "",
        "lib/checked.py": "async def check(x):\n    assert x > 0\n    return x\n\n\nasync def plain(x):\n    return x\n",
        "lib/app.py": "from lib.checked import check, plain\n\n\nasync def main():\n    return await check(1) + await plain(2)\n",
    }
    code = rewrite_program(files)["lib/app.py"].code
    refs = [line for line in code.splitlines() if "function_at(" in line]
    assert len(refs) == 2
    assert [("asserts=True" in line) for line in sorted(refs)] == [True, False], refs
