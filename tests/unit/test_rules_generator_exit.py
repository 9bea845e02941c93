"""Rule table: callees that may swallow the GeneratorExit of ``close()``, or suspend while
handling it (``analysis/closing.py``, refusal ``generator-exit`` in ``analysis/site.py``).

``close()`` of a coroutine suspended in an awaited one closes the inner coroutine, then
raises GeneratorExit at the outer one's await whatever the inner did with it (or the
RuntimeError of the inner one's failed close, if it suspended again); inlined, a callee
that catches it lets its caller go on, one that suspends suspends the caller. Each row is
a callee ``callee`` (awaited by ``main``) and the planner's decision for that site:
``generator-exit``, or ``statements`` (inlined). Every row is checked against CPython too:
suspended at its first suspension point, the callee swallows a thrown GeneratorExit
(returns) or suspends again exactly when the row expects the refusal.
"""

from __future__ import annotations

import sys
import textwrap
from dataclasses import dataclass

import libcst as cst
import pytest

from async_inline import Options
from async_inline.analysis.closing import CATCHES_CLOSE
from async_inline.analysis.module import ModuleFacts
from async_inline.analysis.scopes import ScopeIndex
from async_inline.plan.names import FreshNames
from async_inline.plan.planner import Planner
from async_inline.tree import walk

pytestmark = pytest.mark.decisions

PRELUDE = '''
import asyncio
import builtins
import contextlib
import types
from contextlib import suppress

@types.coroutine
def pause():
    yield "paused"

async def agen():
    await pause()
    yield 1

class Local(Exception):
    pass

class LocalBase(BaseException):
    pass

class Stop(GeneratorExit):
    pass

class MadeByNew(Exception):
    def __new__(cls, *args):
        return GeneratorExit(*args)

import copy

Catch = BaseException

def replace(cls):
    return BaseException

@replace
class Decorated(Exception):
    pass

class Meta(type):
    def __new__(mcs, *args):
        return BaseException

class Made(metaclass=Meta):
    pass
'''


@dataclass(frozen=True)
class Row:
    id: str
    body: str
    #: ``generator-exit`` (kept as a call), or ``statements`` (inlined).
    expected: str
    min_version: tuple[int, int] = (3, 10)


SWALLOWS = "generator-exit"
INLINED = "statements"

ROWS = [
    # -- except clauses that may match GeneratorExit and go on --------------------------
    Row("bare-except", "try:\n    await pause()\nexcept:\n    return -1\nreturn 1", SWALLOWS),
    Row("base-exception", "try:\n    await pause()\nexcept BaseException:\n    return -1\nreturn 1", SWALLOWS),
    Row("generator-exit", "try:\n    await pause()\nexcept GeneratorExit:\n    pass\nreturn 1", SWALLOWS),
    Row("in-a-tuple", "try:\n    await pause()\nexcept (ValueError, GeneratorExit):\n    return -1\nreturn 1", SWALLOWS),
    Row("a-local-name", "exc = BaseException\ntry:\n    await pause()\nexcept exc:\n    return -1\nreturn 1", SWALLOWS),
    Row("a-global-assigned", "try:\n    await pause()\nexcept Catch:\n    return -1\nreturn 1", SWALLOWS),
    Row("a-decorated-class", "try:\n    await pause()\nexcept Decorated:\n    return -1\nreturn 1", SWALLOWS),
    Row("a-class-with-a-metaclass", "try:\n    await pause()\nexcept Made:\n    return -1\nreturn 1", SWALLOWS),
    Row("builtins-module", "try:\n    await pause()\nexcept builtins.BaseException:\n    return -1\nreturn 1", SWALLOWS),
    Row("raises-on-one-path", "try:\n    await pause()\nexcept BaseException as e:\n    if e is None:\n        raise\nreturn 1", SWALLOWS),
    Row("returns-before-raise", "try:\n    await pause()\nexcept BaseException:\n    return -1; raise\nreturn 1", SWALLOWS),
    Row("an-outer-handler", "try:\n    try:\n        await pause()\n    except Exception:\n        pass\nexcept BaseException:\n    return -1\nreturn 1", SWALLOWS),
    Row("async-for", "try:\n    async for x in agen():\n        pass\nexcept BaseException:\n    return -1\nreturn 1", SWALLOWS),
    Row("async-comprehension", "try:\n    return [x async for x in agen()]\nexcept BaseException:\n    return -1", SWALLOWS),
    Row("except-star", "try:\n    await pause()\nexcept* BaseException:\n    pass\nreturn 1", SWALLOWS, (3, 11)),
    # -- finally blocks and with statements that discard it -----------------------------
    Row("finally-return", "try:\n    await pause()\nfinally:\n    return -1", SWALLOWS),
    Row("await-in-a-handler-finally-return", "try:\n    raise KeyError\nexcept KeyError:\n    await pause()\nfinally:\n    return -1", SWALLOWS),
    Row("finally-awaits", "try:\n    await pause()\nfinally:\n    await pause()\nreturn 1", SWALLOWS),
    Row("finally-async-for", "try:\n    await pause()\nfinally:\n    async for x in agen():\n        pass\nreturn 1", SWALLOWS),
    Row("reraises-after-an-await", "try:\n    await pause()\nexcept BaseException:\n    await pause()\n    raise\nreturn 1", SWALLOWS),
    Row("suppress-base-exception", "with contextlib.suppress(BaseException):\n    await pause()\nreturn -1", SWALLOWS),
    Row("suppress-imported", "with suppress(ValueError, GeneratorExit):\n    await pause()\nreturn -1", SWALLOWS),
    Row("raises-a-new-generator-exit", "try:\n    await pause()\nexcept GeneratorExit:\n    raise GeneratorExit('closed')\nreturn 1", SWALLOWS),
    Row("raises-the-class", "try:\n    await pause()\nexcept BaseException:\n    raise GeneratorExit\nreturn 1", SWALLOWS),
    Row("raises-a-new-one-on-one-path", "try:\n    await pause()\nexcept BaseException as e:\n    if e is not None:\n        raise GeneratorExit(1) from e\n    raise\nreturn 1", SWALLOWS),
    Row("raises-a-generator-exit-subclass-of-the-module", "try:\n    await pause()\nexcept GeneratorExit:\n    raise Stop()\nreturn 1", SWALLOWS),
    Row("raises-a-copy", "try:\n    await pause()\nexcept GeneratorExit as e:\n    raise copy.copy(e)\nreturn 1", SWALLOWS),
    Row("raises-its-name-rebound", "try:\n    await pause()\nexcept GeneratorExit as e:\n    e = GeneratorExit('new')\n    raise e\nreturn 1", SWALLOWS),
    Row("reraises-from-none", "try:\n    await pause()\nexcept GeneratorExit as e:\n    raise e from None\nreturn 1", SWALLOWS),
    Row("reraises-with-a-note", "try:\n    await pause()\nexcept GeneratorExit as e:\n    e.add_note('closing')\n    raise\nreturn 1", SWALLOWS, (3, 11)),
    Row("reraises-through-exc-info", "import sys\ntry:\n    await pause()\nexcept GeneratorExit:\n    sys.exc_info()[1].args = ('x',)\n    raise\nreturn 1", SWALLOWS),
    Row("raises-a-class-whose-new-makes-one", "try:\n    await pause()\nexcept GeneratorExit:\n    raise MadeByNew('x')\nreturn 1", SWALLOWS),
    Row("await-in-a-later-with-item", "with contextlib.suppress(BaseException), contextlib.nullcontext(await pause()):\n    pass\nreturn -1", SWALLOWS),
    # -- clauses that cannot match it, or do not swallow it --------------------------------
    Row("exception", "try:\n    await pause()\nexcept Exception:\n    return -1\nreturn 1", INLINED),
    Row("builtin-tuple", "try:\n    await pause()\nexcept (OSError, KeyError):\n    return -1\nreturn 1", INLINED),
    Row("stdlib-attribute", "try:\n    await pause()\nexcept asyncio.CancelledError:\n    return -1\nreturn 1", INLINED),
    Row("class-of-the-module", "try:\n    await pause()\nexcept (Local, asyncio.TimeoutError):\n    return -1\nreturn 1", INLINED),
    Row("base-exception-subclass-of-the-module", "try:\n    await pause()\nexcept LocalBase:\n    return -1\nreturn 1", INLINED),
    Row("reraises", "try:\n    await pause()\nexcept BaseException:\n    print('cleanup')\n    raise\nreturn 1", INLINED),
    Row("reraises-its-name", "try:\n    await pause()\nexcept BaseException as e:\n    print('cleanup')\n    raise e\nreturn 1", INLINED),
    Row("raises-a-builtin", "try:\n    await pause()\nexcept GeneratorExit:\n    raise RuntimeError('closed')\nreturn 1", INLINED),
    Row("raises-a-class-of-the-module", "try:\n    await pause()\nexcept BaseException as e:\n    raise Local('closed') from e\nreturn 1", INLINED),
    Row("raises-another", "try:\n    await pause()\nexcept BaseException as e:\n    raise ValueError('closed') from e\nreturn 1", INLINED),
    Row("no-suspension-in-the-try", "try:\n    x = 1\nexcept BaseException:\n    return -1\nawait pause()\nreturn x", INLINED),
    Row("await-in-the-else-block", "try:\n    x = 1\nexcept BaseException:\n    return -1\nelse:\n    await pause()\nreturn x", INLINED),
    Row("finally-without-return", "try:\n    await pause()\nfinally:\n    print('finally')\nreturn 1", INLINED),
    Row("awaits-in-a-handler-of-exception", "try:\n    await pause()\nexcept Exception:\n    await pause()\n    return -1\nreturn 1", INLINED),
    Row("awaits-in-a-finally-of-a-try-without-suspension", "await pause()\ntry:\n    x = 1\nfinally:\n    await pause()\nreturn x", INLINED),
    Row("suppress-exception", "with contextlib.suppress(Exception):\n    await pause()\nreturn -1", INLINED),
]


def module_source(row: Row) -> str:
    return PRELUDE + "\nasync def callee():\n" + textwrap.indent(row.body, "    ") + "\n\nasync def main():\n    return await callee()\n"


def decision(source: str) -> str:
    index = ScopeIndex(cst.parse_module(source))
    names = FreshNames(n.value for n in walk(index.module) if isinstance(n, cst.Name))
    plan = Planner(ModuleFacts(index, "m"), Options(stress_seed=None), names, "t.py").plan()
    [site] = [s for s in plan.decided if s.caller.endswith("main") and s.depth == 1]
    if site.inlining is not None:
        return str(site.inlining.form.value)
    assert site.refusal is not None
    return str(site.refusal.code.value)


def swallows_in_cpython(source: str) -> bool:
    """Suspended at its first suspension point, does ``callee`` swallow a thrown
    GeneratorExit (return), suspend again or raise another GeneratorExit (which its own
    close() would take for done, handing its caller a fresh one) or the thrown one changed,
    rather than raise the thrown one as it came or another exception?"""
    namespace: dict[str, object] = {"__name__": "rule_row"}
    exec(compile(source, "<row>", "exec"), namespace)
    coro = namespace["callee"]()  # type: ignore[operator]
    assert coro.send(None) == "paused"
    thrown = GeneratorExit()
    try:
        coro.throw(thrown)
    except StopIteration:
        return True
    except GeneratorExit as exc:  # the caller would see it: another one, or this one changed
        return exc is not thrown or bool(exc.args or exc.__cause__ or exc.__suppress_context__ or getattr(exc, "__notes__", None))
    except BaseException:
        return False
    coro.close()  # suspended again
    return True


@pytest.mark.parametrize("row", ROWS, ids=[r.id for r in ROWS])
def test_generator_exit_rule(row: Row) -> None:
    if sys.version_info < row.min_version:
        pytest.skip(f"needs Python {row.min_version}")
    source = module_source(row)
    assert decision(source) == row.expected
    assert swallows_in_cpython(source) == (row.expected == SWALLOWS), "the row disagrees with CPython"


STDLIB_MODULES = (
    "asyncio", "concurrent.futures", "socket", "ssl", "select", "selectors", "subprocess", "signal", "os", "io",
    "errno", "json", "queue", "threading", "contextlib", "http.client", "urllib.error", "urllib.request", "zlib",
    "gzip", "sqlite3", "struct", "pickle", "email.errors", "xml.etree.ElementTree", "ipaddress", "shutil",
    "tempfile", "logging", "unittest", "inspect", "typing", "dataclasses", "enum", "functools", "warnings",
)


def test_no_standard_library_module_names_base_exception_otherwise() -> None:
    """``except asyncio.CancelledError`` is taken not to match GeneratorExit because no
    module of the standard library binds BaseException or GeneratorExit (or a tuple
    holding one) to another name: checked on the modules a program's handlers name most
    and on every standard-library module this process has imported."""
    import importlib

    for name in STDLIB_MODULES:
        importlib.import_module(name)
    catching = (BaseException, GeneratorExit)
    found = []
    for name, module in list(sys.modules.items()):
        if name.partition(".")[0] not in sys.stdlib_module_names or name.partition(".")[0] == "builtins":
            continue
        for attribute, value in list(vars(module).items()):
            if attribute in CATCHES_CLOSE:
                continue
            held = value if isinstance(value, tuple) else (value,)
            if any(item is cls for item in held for cls in catching):
                found.append(f"{name}.{attribute}")
    assert not found
