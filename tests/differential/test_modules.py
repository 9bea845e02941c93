"""Inlining across modules (issue 11): the inlined body lives in the callee's module.

Its globals are that module's (read live, written by ``global``), its ``__name__`` and
logger are that module's, and the guard follows the binding the original call uses.
"""

from __future__ import annotations

import sys
import textwrap

import pytest

from async_inline import Options
from async_inline.api import rewrite_program
from tests.differential.package_harness import assert_same_package_behaviour

#: Every site inlined whatever it costs (``costly_guards``): the tests using it pin what
#: inlined code of another module does, not whether inlining it pays (``namespace-cost``,
#: tests/differential/test_namespace_cost.py).
EVERY_SITE = Options(costly_guards=True)

UTIL = '''
import logging

LIMIT = 3
calls = 0

def _helper(x):
    return min(x, LIMIT)

async def clip(x):
    global calls
    calls += 1
    y = _helper(x) + 1
    return y, calls
'''


def test_callee_globals_are_its_modules_even_where_the_caller_has_the_same_names():
    assert_same_package_behaviour({
        "pkg/__init__.py": "",
        "pkg/util.py": UTIL,
        "pkg/app.py": '''
            from .util import clip

            LIMIT = 1000
            calls = "the caller's own"

            def _helper(x):
                return "the caller's helper"

            async def main():
                print(await clip(5), await clip(1), calls, _helper(0))
        ''',
    }, inlined={"pkg.util.clip"})


def test_module_state_is_read_live_and_global_statements_write_the_callee_module():
    assert_same_package_behaviour({
        "pkg/__init__.py": "",
        "pkg/util.py": UTIL,
        "pkg/app.py": '''
            from . import util
            from .util import clip

            async def main():
                print(await clip(10))
                util.LIMIT = 5
                print(await util.clip(10), util.calls)
                util.calls = 100
                print(await clip(0), util.calls)
        ''',
    }, inlined={"pkg.util.clip"})


def test_name_file_and_logger_are_the_callee_modules():
    assert_same_package_behaviour({
        "pkg/__init__.py": "",
        "pkg/names.py": '''
            import logging, os

            async def who():
                log = logging.getLogger(__name__)
                return __name__, log.name, os.path.basename(__file__), __package__
        ''',
        "pkg/app.py": '''
            from .names import who

            async def main():
                print(await who(), __name__)
        ''',
    }, options=EVERY_SITE, inlined={"pkg.names.who"})


def test_patches_reach_the_original_binding_only():
    # mock.patch("pkg.util.clip") replaces the module attribute: `util.clip(...)` calls the
    # patch, while a name imported before with `from .util import clip` keeps the original.
    assert_same_package_behaviour({
        "pkg/__init__.py": "",
        "pkg/util.py": UTIL,
        "pkg/app.py": '''
            from unittest import mock
            from . import util
            from .util import clip

            async def main():
                with mock.patch("pkg.util.clip", mock.AsyncMock(return_value="patched")):
                    print(await util.clip(1), await clip(1))
                with mock.patch("pkg.app.clip", mock.AsyncMock(return_value="patched here")):
                    print(await util.clip(1), await clip(1))
                print(await util.clip(1), await clip(1))
        ''',
    }, inlined={"pkg.util.clip"})


def test_re_exports_through_package_init_and_dotted_module_paths():
    assert_same_package_behaviour({
        "pkg/__init__.py": "from .core.util import clip\n",
        "pkg/core/__init__.py": "",
        "pkg/core/util.py": UTIL,
        "pkg/app.py": '''
            import pkg.core.util
            import pkg.core.util as u
            from pkg import clip as exported

            async def main():
                print(await exported(7), await pkg.core.util.clip(8), await u.clip(9))
        ''',
    }, inlined={"pkg.core.util.clip"})


def test_a_package_binding_its_own_submodule_conditionally_for_a_lazy_importer():
    """anyio's ``__init__``: ``if TYPE_CHECKING or not install_lazy_importer(): from . import
    to_thread as to_thread``, with a module ``__getattr__`` importing submodules on first
    use. Either way ``pkg.util`` is the submodule; after a patch of ``pkg.util.clip`` the
    guard sees the patch through ``util.clip``."""
    assert_same_package_behaviour({
        "pkg/__init__.py": '''
            import importlib

            def _lazy():
                def __getattr__(name):
                    if name == "util":
                        return importlib.import_module(".util", __name__)
                    raise AttributeError(name)
                globals()["__getattr__"] = __getattr__
                return True

            if not _lazy():
                from . import util as util
        ''',
        "pkg/util.py": UTIL,
        "pkg/app.py": '''
            from unittest import mock
            from . import util
            import pkg

            async def main():
                print(await util.clip(7), await pkg.util.clip(2))
                with mock.patch("pkg.util.clip", mock.AsyncMock(return_value="patched")):
                    print(await util.clip(7), await pkg.util.clip(2))
                print(await util.clip(1))
        ''',
    }, inlined={"pkg.util.clip"})


def test_methods_of_classes_of_other_modules():
    assert_same_package_behaviour({
        "pkg/__init__.py": "",
        "pkg/base.py": '''
            TAG = "base"

            class Base:
                async def tag(self):
                    return TAG + ":" + type(self).__name__

                async def describe(self):
                    t = await self.tag()
                    return "<" + t + ">"
        ''',
        "pkg/app.py": '''
            from .base import Base

            TAG = "app"

            class Child(Base):
                async def tag(self):
                    inner = await super().tag()
                    return TAG + "/" + inner

                async def run(self):
                    return await self.describe(), await Base.tag(self)

            async def main():
                print(await Child().run(), await Base().describe())
        ''',
    }, options=Options(costly_guards=True), inlined={"pkg.base.Base.describe", "pkg.base.Base.tag"})


_CHAIN = {
    "pkg/__init__.py": "",
    "pkg/a.py": """
        class A:
            @classmethod
            async def c(cls):
                return "A.c"
    """,
    "pkg/b.py": """
        from .a import A

        class B(A):
            @classmethod
            async def c(cls):
                return "B.c/" + await super().c()
    """,
    "pkg/c.py": """
        from .a import A

        class C(A):
            @classmethod
            async def c(cls):
                return "C.c/" + await super().c()
    """,
}
_DIAMOND = """
class {name}(B, C):
    @classmethod
    async def c(cls):
        return await super().c()
"""
_ALONG_THE_ORDER = {
    "the caller's class": {"pkg/main.py": "from .b import B\nfrom .c import C\n" + _DIAMOND.format(name="D") + "\nasync def main():\n    return await D.c()\n"},
    "modules imported": {
        "pkg/main.py": "from . import b\nfrom . import c\n" + _DIAMOND.format(name="D").replace("(B, C)", "(b.B, c.C)")
        + "\nasync def main():\n    return await D.c()\n"
    },
    "an imported class": {
        "pkg/e.py": "from .b import B\nfrom .c import C\n" + _DIAMOND.format(name="E"),
        "pkg/main.py": "from .e import E\n\nasync def main():\n    return await E.c()\n",
    },
    "a class another module's code knows": {
        "pkg/e.py": "from .b import B\nfrom .c import C\n" + _DIAMOND.format(name="E"),
        "pkg/f.py": "from .e import E\n\nasync def run():\n    x = E()\n    return await x.c()\n",
        "pkg/main.py": "from .f import run\n\nasync def main():\n    return await run()\n",
    },
}


@pytest.mark.parametrize("shape", list(_ALONG_THE_ORDER))
def test_a_method_reached_along_the_class_order_is_read_after_an_import_of_its_module(shape: str) -> None:
    """Review O (f3): ``B.c`` inlined into ``D.c`` (``class D(B, C)``) has its own
    ``super().c()`` inlined, which along ``D``'s order is ``C.c`` of ``pkg.c``. That frame's
    references were read after the import that brought ``B.c``'s code in (``from .b import
    B``), before ``pkg.c`` was imported: never found, the code the report called inlined
    never ran. Now after an import that brings ``pkg.c`` in (``from .c import C``, or one
    whose module imports it)."""
    files = {**_CHAIN, **_ALONG_THE_ORDER[shape]}
    results = assert_same_package_behaviour(files, entry="pkg.main:main")
    if Options().stress_seed is None:
        assert "_ai_ref_C_c = _ai_rt.function_of" in results["pkg/main.py"].code  # C.c inlined inside B.c


def test_a_method_of_a_module_no_import_is_known_to_bring_in_keeps_the_call() -> None:
    """The nested ``super().c()`` reaching ``C.c`` of ``pkg.c``, where no top-level import of
    ``pkg.main`` (nor what they import) is known to import ``pkg.c`` (``pkg.f`` does it with
    ``importlib``, ``pkg.e`` reads ``pkg.c.C``): kept as a call, its reference would be read
    where no one can tell whether the module exists. ``B.c`` around it is still inlined."""
    files = {
        **_CHAIN,
        "pkg/e.py": "import pkg\nfrom .b import B\n" + _DIAMOND.format(name="E").replace("(B, C)", "(B, pkg.c.C)"),
        "pkg/f.py": "import importlib\nimportlib.import_module('pkg.c')\nfrom .e import E\n\nasync def run():\n    x = E()\n    return await x.c()\n",
        "pkg/main.py": "from .f import run\n\nasync def main():\n    return await run()\n",
    }
    results = assert_same_package_behaviour(files, entry="pkg.main:main")
    if Options().stress_seed is None:
        code = results["pkg/main.py"].code
        assert "_ai_ref_B_c = _ai_rt.function_of" in code and "_ai_ref_C_c" not in code


_FAST_CLIENT = "class Client:\n    async def get(self):\n        return 'fast'\n"
_FALLBACK_CLIENT = "class Client:\n    async def get(self):\n        return 'pure-python fallback'\n"


@pytest.mark.parametrize("options", [Options(), Options(costly_guards=True), Options(assume=frozenset({"class-methods"}))])
@pytest.mark.parametrize("how", ["star import", "module attribute", "class decorator"])
def test_a_class_of_the_same_qualified_name_from_another_module_is_not_the_class_read(how: str, options: Options) -> None:
    """``function_of`` took any function of the right qualified name and file: the
    accelerated twin a star import puts in the fallback's place (``from ._fast import *``),
    or one patched in from outside, passed the guard, and the fallback's body ran. A
    method's globals must now be those of the module whose source was read."""
    client = _FALLBACK_CLIENT + "\ntry:\n    from ._fast import *\nexcept ImportError:\n    pass\n"
    init = ""
    if how == "module attribute":
        client, init = _FALLBACK_CLIENT, "from . import client, _fast\nclient.Client = _fast.Client\n"
    elif how == "class decorator":
        client = "from ._fast import Client as _Registered\n\ndef registered(cls):\n    return _Registered\n\n@registered\n" + _FALLBACK_CLIENT
    assert_same_package_behaviour({
        "pkg/__init__.py": init,
        "pkg/_fast.py": _FAST_CLIENT,
        "pkg/client.py": client,
        "pkg/app.py": '''
            from .client import Client

            async def main():
                print(await Client.get(Client()))
        ''',
    }, options=options, inlined={"pkg.client.Client.get"}, not_found=frozenset({"pkg.app._ai_ref_Client_get"}))


def test_a_module_with_builtins_of_its_own_is_not_inlined_from():
    """A module that binds ``__builtins__`` reads its builtins there; inlined, its code read
    the caller's (``len`` was the real one). Such a module's functions stay calls."""
    results = assert_same_package_behaviour({
        "pkg/__init__.py": "",
        "pkg/x.py": '''
            import builtins

            def _loud_len(x):
                return -builtins.len(x)

            __builtins__ = dict(builtins.__dict__, len=_loud_len)

            async def size(xs):
                return len(xs)
        ''',
        "pkg/y.py": '''
            async def size(xs):
                return len(xs)
        ''',
        "pkg/app.py": '''
            from . import x, y

            async def main():
                print(await x.size([1, 2, 3]), await y.size([1, 2, 3]))
        ''',
    }, inlined={"pkg.y.size"})
    if Options().stress_seed is None:
        [skipped] = results["pkg/app.py"].report.skipped
        assert "binds __builtins__" in skipped.reason


@pytest.mark.parametrize("callee", ["function", "method"])
def test_a_module_its_importer_runs_with_builtins_of_its_own_is_not_inlined_from(callee):
    """Review R22d F1: the package runs ``pkg.util`` with a ``__builtins__`` of its own (a
    plugin loader's sandbox), which its functions read; inlined into ``pkg.app`` the body
    read the interpreter's ``len`` and the sandbox's never ran. The reference is not found
    (``runtime._refs._runs_in``): the site makes the call."""
    call, inlined, ref = {
        "function": ('util.size("abc")', "pkg.util.size", "pkg.app._ai_ref_size"),
        "method": ('util.Sizer.size(util.Sizer(), "abc")', "pkg.util.Sizer.size", "pkg.app._ai_ref_Sizer_size"),
    }[callee]
    assert_same_package_behaviour({
        "pkg/__init__.py": '''
            import builtins, importlib.util, sys

            def _loud_len(x):
                print("sandboxed len")
                return builtins.len(x)

            _spec = importlib.util.find_spec("pkg.util")
            _mod = importlib.util.module_from_spec(_spec)
            _mod.__builtins__ = {**builtins.__dict__, "len": _loud_len}
            sys.modules["pkg.util"] = _mod
            _spec.loader.exec_module(_mod)
        ''',
        "pkg/util.py": '''
            async def size(x):
                return len(x)

            class Sizer:
                async def size(self, x):
                    return len(x)
        ''',
        "pkg/app.py": f'''
            from . import util

            async def main():
                return await {call}
        ''',
    }, inlined={inlined}, not_found=frozenset({ref}))


def test_a_global_named_like_a_builtin_deleted_at_run_time_falls_back_to_the_builtin():
    """The callee's module binds ``len`` on every path, so inlined code read it as
    ``ns["len"]``: once deleted (``del x.len``, ``monkeypatch.delattr``) that raised
    KeyError, where the original reads the builtin."""
    assert_same_package_behaviour({
        "pkg/__init__.py": "",
        "pkg/x.py": '''
            import builtins

            def len(o):
                return builtins.len(o) * 10

            async def f(s):
                return len(s)
        ''',
        "pkg/app.py": '''
            from . import x

            async def main():
                a = await x.f("ab")
                del x.len
                print(a, await x.f("ab"))
        ''',
    }, inlined={"pkg.x.f"})


def test_import_cycle_with_a_call_made_at_run_time():
    assert_same_package_behaviour({
        "pkg/__init__.py": "",
        "pkg/a.py": '''
            from . import b

            async def ping(n):
                if n <= 0:
                    return "a"
                return "a" + await b.pong(n - 1)
        ''',
        "pkg/b.py": '''
            from . import a

            async def pong(n):
                if n <= 0:
                    return "b"
                return "b" + await a.ping(n - 1)
        ''',
        "pkg/app.py": '''
            from .a import ping
            from .b import pong

            async def main():
                print(await ping(5), await pong(4))
        ''',
    }, inlined={"pkg.a.ping", "pkg.b.pong"}, not_found=frozenset({"pkg.b._ai_ref_ping"}))  # taken while pkg.a was initialising


def test_callee_module_partially_initialised_when_the_caller_is_imported():
    # `first` imports `second` at its top, and `second` imports `first` back before
    # defining its function: while `second` runs its imports, `first.go` does not exist.
    assert_same_package_behaviour({
        "pkg/__init__.py": "",
        "pkg/first.py": '''
            from . import second

            async def go():
                y = 1
                return "first.go", y

            async def call_second():
                return await second.call_first()
        ''',
        "pkg/second.py": '''
            from . import first

            async def call_first():
                return await first.go()
        ''',
        "pkg/app.py": '''
            from . import first, second

            async def main():
                print(await first.call_second(), await second.call_first())
        ''',
    }, not_found=frozenset({"pkg.second._ai_ref_go"}))


def test_a_builtin_the_callers_module_shadows_stays_the_builtin_in_the_inlined_code():
    """The inlined body reads ``len`` in its own module's namespace, then the builtins:
    the caller's ``len`` does not reach it."""
    results = assert_same_package_behaviour({
        "pkg/__init__.py": "",
        "pkg/util.py": UTIL,
        "pkg/counts.py": '''
            async def count(xs):
                return len(xs)
        ''',
        "pkg/app.py": '''
            from .counts import count
            from .util import clip

            def len(x):
                return "the caller's len"

            async def main():
                print(await count([1, 2]), await clip(2), len(None))
        ''',
    }, inlined={"pkg.util.clip", "pkg.counts.count"})
    assert not results["pkg/app.py"].report.skipped


def test_a_callee_local_named_like_a_builtin_does_not_shadow_a_sibling_frame():
    """Fuzz seed 3005 (stress): ``abs = 9``, a local of one inlined callee, became a local of
    the whole caller, and a callee of another module inlined beside it then called the int
    (its ``abs`` is the builtin, which the caller's module never reads). Callee locals with a
    builtin's name are renamed."""
    assert_same_package_behaviour({
        "pkg/__init__.py": "",
        "pkg/first.py": '''
            async def scaled(x):
                abs = 9
                return x * abs
        ''',
        "pkg/second.py": '''
            async def magnitude(x):
                return max(x, -x, key=abs)
        ''',
        "pkg/app.py": '''
            from .first import scaled
            from .second import magnitude

            async def main():
                a = await scaled(2)
                return a, await magnitude(-3)
        ''',
    }, options=EVERY_SITE, inlined={"pkg.first.scaled", "pkg.second.magnitude"})


def test_a_callee_local_named_like_generated_code_is_renamed():
    """Fuzz seed 700000: a callee of another module had a local ``_ai_ref_f1``; not an
    identifier of the rewritten module, it kept its name, and the guard's alias made later
    was the same name (UnboundLocalError). Callee locals with the generated prefix are
    always renamed."""
    assert_same_package_behaviour({
        "pkg/__init__.py": "",
        "pkg/mod1.py": '''
            async def f1(a):
                _ai_ref_f1 = a + 1
                _ai_t1 = 2
                return _ai_ref_f1 * _ai_t1
        ''',
        "pkg/app.py": '''
            import pkg.mod1 as mod1_mod

            async def main():
                return await mod1_mod.f1(1), await mod1_mod.f1(2)
        ''',
    }, inlined={"pkg.mod1.f1"})


def test_without_name_guards_a_function_of_a_module_in_an_import_cycle_keeps_its_guard():
    """Fuzz seed 720018 (modules, --no-guards): the reference to another module's function
    is taken when the caller's module is imported; in an import cycle that module may not
    define it yet (the reference is the runtime's "not found"), and without a guard the
    inlined body read its defaults from it (AttributeError). Cross-module sites keep their
    guard under ``no-rebinding``, as method sites do."""
    assert_same_package_behaviour({
        "pkg/__init__.py": "",
        "pkg/a.py": '''
            from pkg import b

            async def f(x, d=2):
                return x * d
        ''',
        "pkg/b.py": '''
            import pkg.a as a

            async def g():
                return await a.f(3)
        ''',
        "pkg/app.py": '''
            import pkg.a
            from pkg import b

            async def main():
                g = b.g  # a call, so that b's own inlined code runs
                return await g()
        ''',
    }, inlined={"pkg.a.f"}, options=Options(stress_seed=None, guards=False), not_found=frozenset({"pkg.b._ai_ref_f"}))


def test_inherited_code_calling_a_method_of_a_subclass_of_another_module():
    """Fuzz seed 720447 (modules, runtime): ``A.run`` (this module) was inlined for an
    object of ``sub.D``, and inside it ``self.m3`` resolved to ``D.m3`` of the other module,
    reached through the object's class rather than through an import: the rewrite crashed
    (no import to read that module's namespace after). Such a site stays a call."""
    results = assert_same_package_behaviour({
        "pkg/__init__.py": "",
        "pkg/base.py": '''
            class A:
                async def run(self):
                    return await self.m3(2)

            import pkg.sub as sub  # after A: pkg.sub subclasses it while this module is importing

            async def go():
                return await sub.D().run()
        ''',
        "pkg/sub.py": '''
            import pkg.base as base

            class D(base.A):
                @staticmethod
                async def m3(a, *, k=3):
                    return a * k
        ''',
        "pkg/app.py": '''
            from pkg import base

            async def main():
                return await base.go()
        ''',
    }, inlined={"pkg.base.A.run"}, options=Options(stress_seed=None, costly_guards=True))
    (kept,) = results["pkg/base.py"].report.skipped  # the site in A.run, and its copy in go
    assert (kept.callee, kept.code, kept.copies) == ("self.m3", "unresolved", (2,))


@pytest.mark.skipif(sys.version_info < (3, 11), reason="BaseExceptionGroup is a builtin from 3.11 on")
def test_a_global_bound_on_one_branch_of_the_callees_module_falls_back_to_builtins():
    """hypercorn 0.18.0 under ``--stress 1``: ``if sys.version_info < (3, 11): from
    exceptiongroup import BaseExceptionGroup`` binds the name only on old Pythons; elsewhere
    the callee's ``except BaseExceptionGroup`` reads the builtin. Inlined, it was read as
    ``_ai_g_x['BaseExceptionGroup']``: a KeyError. Globals the module binds on every path
    are still read from the namespace directly (``global_value`` reads the others: the
    next test)."""
    results = assert_same_package_behaviour({
        "pkg/__init__.py": "",
        "pkg/run.py": '''
            import sys

            if sys.version_info < (3, 0):
                from nowhere import BaseExceptionGroup, ValueError
            if sys.version_info < (3, 0):
                LIMIT = 1
            else:
                LIMIT = 2
            try:
                from nowhere import MISSING
            except ImportError:
                MISSING = None

            async def serve(fail):
                try:
                    if fail:
                        raise BaseExceptionGroup("many", [ValueError("one")])
                    return LIMIT, MISSING
                except BaseExceptionGroup as error:
                    return "caught", len(error.exceptions), LIMIT
        ''',
        "pkg/app.py": '''
            from .run import serve

            async def main():
                return await serve(False), await serve(True)
        ''',
    }, options=EVERY_SITE, inlined={"pkg.run.serve"})
    code = results["pkg/app.py"].code
    assert "global_value(_ai_g_pkg_run, 'BaseExceptionGroup')" in code  # no builtin on 3.10
    assert "_ai_g_pkg_run.get('ValueError', _ai_builtins['ValueError'])" in code
    assert "_ai_g_pkg_run['LIMIT']" in code and "_ai_g_pkg_run['MISSING']" in code


def test_a_global_the_callees_module_may_lack_raises_name_error_as_in_the_original():
    """Not bound on the branch taken, not a builtin: the original raises NameError (the
    namespace's KeyError would be another exception)."""
    assert_same_package_behaviour({
        "pkg/__init__.py": "",
        "pkg/util.py": '''
            import sys

            if sys.version_info < (3, 0):
                HOOK = print

            async def notify(x):
                return HOOK(x)
        ''',
        "pkg/app.py": '''
            from .util import notify

            async def main():
                try:
                    await notify(1)
                except NameError as exc:
                    print(type(exc).__name__, exc, exc.name)
                await notify(2)
        ''',
    }, options=EVERY_SITE, inlined={"pkg.util.notify"}, raises="NameError")


def test_a_global_an_except_as_unbinds_raises_name_error_as_in_the_original():
    """``except E as name`` deletes ``name`` when the handler ends, at top level and in a
    function declaring it global: code inlined from that module reads it through
    ``global_value`` (NameError), not by the namespace's key (a KeyError the callee's
    ``except NameError`` would not catch). (Review P, f2.)"""
    assert_same_package_behaviour({
        "pkg/__init__.py": "",
        "pkg/util.py": '''
            import_error = None
            try:
                import _no_such_module_here as fast
            except ImportError as import_error:
                fast = None

            last_error = "none yet"

            def fail():
                global last_error
                try:
                    raise ValueError("boom")
                except ValueError as last_error:
                    print("handled", last_error)

            async def why():
                try:
                    return "import: " + str(import_error)
                except NameError:
                    return "import error forgotten"

            async def last():
                try:
                    return "last: " + str(last_error)
                except NameError:
                    return "last error forgotten"
        ''',
        "pkg/app.py": '''
            from .util import fail, last, why

            async def main():
                print(await last())
                fail()
                print(await last())
                print(await why())
        ''',
    }, options=EVERY_SITE, inlined={"pkg.util.why", "pkg.util.last"})


@pytest.mark.parametrize(
    "deletion",
    [
        'del globals()["LIMIT"]',
        'del LIMIT_TOO, globals()["LIMIT"]',
        'm = sys.modules[__name__]; del m.LIMIT',
        'g = globals(); g.pop("LIMIT")',
        'delattr(sys.modules[__name__], "LIMIT")',
        'exec("global LIMIT; del LIMIT")',
        'disable.__globals__.pop("LIMIT")',
        'import builtins; builtins.exec("global LIMIT; del LIMIT")',
        'sys.modules[__name__].__delattr__("LIMIT")',
        'object.__delattr__(sys.modules[__name__], "LIMIT")',
        'dict.pop(globals(), "LIMIT")',
        'G = globals; G().pop("LIMIT")',
        'from builtins import globals as g; g().pop("LIMIT")',
        'from _pytest.monkeypatch import MonkeyPatch; MonkeyPatch().delattr(sys.modules[__name__], "LIMIT")',
        'getattr(sys.modules[__name__], "__dict__").pop("LIMIT")',
        'import builtins as b; b.exec("global LIMIT; del LIMIT")',
        '__import__("builtins").delattr(sys.modules[__name__], "LIMIT")',
        'import builtins as b; b.globals().pop("LIMIT")',
        'import builtins; getattr(builtins, "exec")("global LIMIT; del LIMIT")',
        'import importlib; importlib.import_module("builtins").exec("global LIMIT; del LIMIT")',
        'import pkgutil; pkgutil.resolve_name(__name__ + ":__dict__").pop("LIMIT")',
        'import builtins; B = builtins; B.exec("global LIMIT; del LIMIT")',
        'import operator; operator.attrgetter(f"{__name__}.__dict__".rpartition(".")[2])(sys.modules[__name__]).pop("LIMIT")',
    ],
    ids=[
        "globals()", "in a tuple", "del of an attribute", "globals() bound", "delattr of the module", "exec", "__globals__",
        "builtins.exec", "__delattr__", "object.__delattr__", "dict.pop", "an alias of globals", "globals imported",
        "a method named delattr", "getattr of __dict__", "builtins under another name", "__import__",
        "globals of builtins under another name", "exec named by a string", "builtins named by a string",
        "a colon path", "builtins assigned", "an f-string",
    ],
)
def test_a_global_its_own_module_deletes_through_its_namespace_raises_name_error(deletion):
    """Review R35a F1: only ``del NAME`` and ``except ... as NAME`` counted as deletions, so
    ``LIMIT`` was read by the namespace's key, and a KeyError escaped the callee's ``except
    NameError``. A module whose code holds its namespace as an object reads every global
    through ``global_value``. Review R36a F1, F2: methods deleting (``__delattr__``, a
    builtin type's ``pop`` given the namespace), ``globals`` under another name; R37a F1:
    a method named ``delattr``, ``__dict__`` named by a string, ``builtins`` under another
    name, ``__import__``; R38a F1: ``globals`` of ``builtins`` under another name,
    ``exec`` or ``builtins`` named by a string; R39a F3: a ``module:attribute`` path,
    ``builtins`` assigned to another name, an f-string."""
    assert_same_package_behaviour({
        "pkg/__init__.py": "",
        "pkg/util.py": f'''
            import sys

            LIMIT = LIMIT_TOO = 10

            def disable():
                global LIMIT_TOO
                {deletion}

            async def limit():
                try:
                    return LIMIT
                except NameError:
                    return "no limit"
        ''',
        "pkg/app.py": '''
            from .util import disable, limit

            async def main():
                first = await limit()
                disable()
                return first, await limit()
        ''',
    }, options=EVERY_SITE, inlined={"pkg.util.limit"})


@pytest.mark.parametrize(
    "use",
    [
        "model.eval()",
        "print(self.__dict__['a'], 'a' in self.__dict__, self.__dict__.get('b'))",
        "print('x' in sys.modules, vars(sys)['path'], globals()['SCALE'])",
        "print(dict(vars(self)))",
        "globals()['EXTRA'] = 1",
        "print([k for k in self.__dict__], f'{globals()}', sorted(locals()))",
        "print(hasattr(self, '__dict__'), 'cannot delattr here', __import__('os').sep)",
        "print(compile('1', '<s>', 'eval'), {'mode': 'exec'}, __import__('logging').getLogger('builtins'))",
    ],
)
def test_a_module_reading_its_namespace_keeps_the_cheap_reads(use):
    """Review R35c F2: the first fix of R35a F1 took any ``__dict__``, ``eval`` or
    ``sys.modules`` for a deletion, and read every global of such a module through
    ``global_value``, which made a one-global callee cost more than its call. Reading an
    item, ``in`` and builtins that only read delete nothing."""
    results = rewrite_program({
        "pkg/__init__.py": "",
        "pkg/util.py": textwrap.dedent(f'''
            import sys

            SCALE = 3

            def infer(self, model):
                {use}

            async def scale(x):
                return x * SCALE
        '''),
        "pkg/app.py": "from .util import scale\n\nasync def main():\n    return await scale(1)\n",
    }, options=Options(stress_seed=None))
    app = results["pkg/app.py"]
    assert [d.callee for d in app.report.inlined] == ["scale"], app.report.skipped
    assert "global_value" not in app.code


def test_identifiers_python_normalizes_keep_the_calls_out_of_their_module():
    """Python reads identifiers in NFKC form: ``ﬁx`` is the global ``fix``, ``ﬁlter`` the
    builtin ``filter``. Inlined from its module, ``ﬁx`` was read by the key ``'ﬁx'``
    (NameError; review P, f7). Nothing is inlined from such a module."""
    results = assert_same_package_behaviour({
        "pkg/__init__.py": "",
        "pkg/util.py": '''
            fix = 1

            async def get(x):
                return \ufb01x + x, list(\ufb01lter(None, [0, x]))
        ''',
        "pkg/clean.py": '''
            async def twice(x):
                y = x * 2
                return y
        ''',
        "pkg/app.py": '''
            from .clean import twice
            from .util import get

            async def main():
                print(await get(5), await twice(4))
        ''',
    }, inlined={"pkg.clean.twice"})
    [skipped] = results["pkg/app.py"].report.skipped
    assert (skipped.callee, skipped.code) == ("get", "unsupported") and skipped.reason.startswith("the callee's module spells the identifier 'ﬁx'")


def test_identifiers_python_normalizes_keep_the_calls_into_their_module():
    """A caller spelling ``𝐲`` (which is ``y``) never mentions ``y`` as written: the callee
    local ``y`` of another module kept its name and clobbered the caller's. Nothing is
    inlined into such a module; it is emitted as it was."""
    results = assert_same_package_behaviour({
        "pkg/__init__.py": "",
        "pkg/clean.py": '''
            async def twice(x):
                y = x * 2
                return y
        ''',
        "pkg/other.py": '''
            from .clean import twice

            async def run():
                \U0001d432 = 1
                r = await twice(3)
                return \U0001d432, r
        ''',
        "pkg/app.py": '''
            from . import other
            from .clean import twice

            async def main():
                print(await other.run(), await twice(4))
        ''',
    }, inlined={"pkg.clean.twice"})
    skipped = sorted((s.callee, s.code, s.reason.partition(" spells")[0]) for r in results.values() for s in r.report.skipped)
    assert skipped == [("other.run", "unsupported", "the callee's module"), ("twice", "unsupported", "the caller's module")]
    assert not results["pkg/other.py"].changed


def test_updating_or_deleting_a_global_the_callees_module_may_lack_is_refused():
    results = assert_same_package_behaviour({
        "pkg/__init__.py": "",
        "pkg/util.py": '''
            import sys

            if sys.version_info < (3, 0):
                COUNT = 0
            TOTAL = 0

            async def bump():
                global COUNT
                COUNT += 1

            async def add(x):
                global TOTAL
                TOTAL += x
                return TOTAL
        ''',
        "pkg/app.py": '''
            from .util import add, bump

            async def main():
                print(await add(2))
                try:
                    await bump()
                except NameError as exc:
                    print(exc)
        ''',
    }, inlined={"pkg.util.add"})
    [skipped] = results["pkg/app.py"].report.skipped
    assert (skipped.callee, skipped.code) == ("bump", "unsupported") and "may be unbound" in skipped.reason


@pytest.mark.parametrize(
    "binding",
    [
        "try:\n    raise ValueError('x')\nexcept ValueError as g:\n    seen = str(g)",
        "import json as g",
        "import json\nimport g",
        "from json import dumps as g",
        "if (g := 5):\n    pass",
    ],
    ids=["except-as", "import-as", "import", "from-import", "walrus"],
)
def test_a_global_bound_where_only_a_plain_name_may_stand_keeps_the_call(binding):
    """Code of another module writes its globals as ``ns["g"]``, which an import, an
    ``except ... as`` and ``:=`` cannot take: the rewrite of the caller's module failed
    (LibCST's validation, or invalid code). Such a callee keeps the call; one binding the
    global by ``=``, ``for`` or ``with ... as`` is inlined."""
    results = assert_same_package_behaviour({
        "pkg/__init__.py": "",
        "g.py": "",
        "pkg/util.py": f'''
            g = 0

            async def bind():
                global g
{textwrap.indent(binding, " " * 16)}
                return 1

            async def rebind():
                global g
                for g in [1, 2]:
                    pass
                return g

            async def read():
                return type(g).__name__
        ''',
        "pkg/app.py": '''
            from .util import bind, read, rebind

            async def main():
                print(await read(), await bind())
                try:
                    print(await read())
                except NameError as exc:  # except-as unbinds it
                    print(exc)
                print(await rebind(), await read())
        ''',
    }, options=EVERY_SITE, inlined={"pkg.util.read", "pkg.util.rebind"})
    [skipped] = results["pkg/app.py"].report.skipped
    assert (skipped.callee, skipped.code) == ("bind", "unsupported") and "where only a plain name may stand" in skipped.reason


def test_builtins_are_read_in_the_callees_module_first():
    """A builtin the callee reads may be bound in its module by a star import, or by
    ``mock.patch("pkg.util.len")`` (mock patches builtins of a module without ``create``):
    Python reads the module's namespace first, then the builtins. The inlined code reads
    them so, and no longer refuses a caller whose module binds the name itself."""
    results = assert_same_package_behaviour({
        "pkg/__init__.py": "",
        "pkg/compat.py": "TimeoutError = KeyError\n",
        "pkg/util.py": '''
            from .compat import *

            async def size(x):
                try:
                    raise TimeoutError(len(x))
                except TimeoutError as error:
                    return type(error).__name__, error.args
        ''',
        "pkg/app.py": '''
            from unittest import mock

            from .util import size

            def len(x):
                return "the caller's len"

            async def main():
                print(await size([1, 2]))
                with mock.patch("pkg.util.len", return_value=-1):
                    print(await size([1, 2]))
                with mock.patch("pkg.app.type", create=True, new=lambda e: "patched"):
                    print(await size([3]))
                print(await size([]), len(None))
        ''',
    }, options=EVERY_SITE, inlined={"pkg.util.size"})
    code = results["pkg/app.py"].code
    assert "_ai_g_pkg_util.get('len', _ai_builtins['len'])" in code


def test_true_false_and_none_stay_constants_in_code_of_another_module():
    """``True``, ``False`` and ``None`` are names to LibCST and builtins to ``dir``, but
    constants to the compiler: never namespace reads. websockets 17.4 under
    ``class-methods``: ``await self.write_frame(True, OP_CLOSE, data)``, inlined from
    another module with ``write_frame`` inlined inside it, failed the rewrite (the plan
    aliased the parameter to the constant ``True``; the emitter found a namespace read)."""
    results = assert_same_package_behaviour({
        "pkg/__init__.py": "",
        "pkg/protocol.py": '''
            class Protocol:
                def __init__(self):
                    self.sent = []

                async def write_frame(self, fin, opcode, data):
                    self.sent.append((fin, opcode, data))
                    return None if fin is False else len(self.sent)

                async def close(self, data):
                    return await self.write_frame(True, 8, data), await self.write_frame(False, 9, None)
        ''',
        "pkg/app.py": '''
            from .protocol import Protocol

            async def main():
                p = Protocol()
                return await p.close(b"bye"), p.sent
        ''',
    }, inlined={"pkg.protocol.Protocol.close", "pkg.protocol.Protocol.write_frame"}, options=Options(assume=frozenset({"class-methods"})))
    code = results["pkg/app.py"].code
    assert "'True'" not in code and "'None'" not in code and "'False'" not in code


def test_callee_module_partially_initialised_with_its_function_already_defined():
    """An import cycle where the callee's module has defined the function but not yet the
    globals it reads when the caller's module takes its reference: a call made then reads
    an unbound global, which is a NameError (the inlined body read the namespace's entry: a
    KeyError). A reference taken while the module is still initialising is "not found",
    so such sites stay calls."""
    assert_same_package_behaviour({
        "pkg/__init__.py": "",
        "pkg/store.py": '''
            import asyncio

            async def limit():
                return LIMIT

            from . import user

            try:
                print(asyncio.run(user.read_limit()))
            except NameError as exc:
                print("NameError", exc)
            except KeyError as exc:
                print("KeyError", exc)

            LIMIT = 3
        ''',
        "pkg/user.py": '''
            from . import store

            async def read_limit():
                return await store.limit()
        ''',
        "pkg/app.py": '''
            from . import store, user

            async def main():
                print(await user.read_limit())
        ''',
    }, inlined={"pkg.store.limit"}, not_found=frozenset({"pkg.user._ai_ref_limit"}))


def test_a_builtin_newer_than_python_3_10_read_by_code_of_another_module():
    """Output of the command line may run on an older Python than the rewriter's: there
    ``ExceptionGroup`` is no builtin, and reading it is a NameError (simulated here by
    removing it from the builtins), not the KeyError of a missing builtins entry."""
    assert_same_package_behaviour({
        "pkg/__init__.py": "",
        "pkg/groups.py": '''
            async def grouped(errors):
                return ExceptionGroup("many", errors)
        ''',
        "pkg/app.py": '''
            import builtins

            from .groups import grouped

            async def main():
                removed = builtins.__dict__.pop("ExceptionGroup", None)
                try:
                    await grouped([ValueError(1)])
                except NameError as exc:
                    print("NameError", exc)
                except KeyError as exc:
                    print("KeyError", exc)
                finally:
                    if removed is not None:
                        builtins.ExceptionGroup = removed
                print(type(await grouped([ValueError(2)])).__name__ if removed else "none")
        ''',
    }, options=EVERY_SITE, inlined={"pkg.groups.grouped"})


def test_relative_imports_in_a_callee_of_another_package_keep_the_call():
    """anyio 4.16.0 under the plugin on 3.10: ``TLSStream.wrap`` holds ``from .._core._sockets
    import idna2008_resolve``, and inlined into ``tests/streams/test_tls.py`` the import
    resolved against the caller's package (``tests._core``: ModuleNotFoundError). A
    relative import resolves against the ``__package__`` of the module it runs in, so a
    callee holding one is inlined only where each of its relative imports names the same
    module (its own package, or one where the dots lead to the same place)."""
    files = {
        "pkg/__init__.py": "",
        "pkg/util.py": "def helper():\n    return 'pkg.util.helper'\n",
        "pkg/streams/__init__.py": "",
        "pkg/streams/tls.py": '''
            async def wrap(x):
                from ..util import helper
                from . import tls
                return x, helper(), tls.__name__

            async def wrap_plain(x):
                from ..util import helper
                return x, helper()
        ''',
        "pkg/streams/sibling.py": '''
            from .tls import wrap

            async def same_package():
                return await wrap(1)
        ''',
        "pkg/other/__init__.py": "",
        "pkg/other/user.py": '''
            from ..streams.tls import wrap, wrap_plain

            async def other_package():
                return await wrap_plain(3), await wrap(4)
        ''',
        "pkg/app.py": '''
            from .other.user import other_package
            from .streams.sibling import same_package
            from .streams.tls import wrap

            async def main():
                print(await wrap(2), await same_package(), await other_package())
        ''',
    }
    results = assert_same_package_behaviour(files, inlined={"pkg.streams.tls.wrap", "pkg.streams.tls.wrap_plain"})
    skipped = {(s.callee, s.code, s.reason.split("`")[1]) for r in results.values() for s in r.report.skipped}
    assert skipped == {("wrap", "unsupported", "from ..util import ..."), ("wrap", "unsupported", "from . import ...")}
    assert not results["pkg/streams/sibling.py"].report.skipped


def test_globals_in_a_callee_of_another_module_keeps_the_call():
    """``globals()`` is the dictionary of the module the code runs in: inlined into another
    module it would be the caller's (found while checking the relative imports above). A
    callee of the same module is inlined as before."""
    results = assert_same_package_behaviour({
        "pkg/__init__.py": "",
        "pkg/util.py": '''
            MARK = "util"

            async def which():
                return globals()["MARK"], globals()["__name__"]

            async def local_which():
                return await which()
        ''',
        "pkg/app.py": '''
            from .util import local_which, which

            MARK = "app"

            async def main():
                print(await which(), await local_which())
        ''',
    }, inlined={"pkg.util.which", "pkg.util.local_which"})
    assert {(s.callee, s.code) for s in results["pkg/app.py"].report.skipped} == {("which", "frame-introspection")}


def test_classes_and_type_variables_made_by_a_callee_of_another_module_keep_the_call():
    """``namedtuple``, the functional ``Enum`` and ``NamedTuple``, ``TypeVar`` ... take their
    ``__module__`` from the calling frame: inlined into another module they would be the
    caller's module's (found by a review, 2026-12-06). A callee of the same module, and one
    that makes none of them, are inlined as before."""
    results = assert_same_package_behaviour({
        "pkg/__init__.py": "",
        "pkg/util.py": '''
            import collections, enum, typing

            async def make():
                P = collections.namedtuple("P", "x y")
                Color = enum.Enum("Color", "RED GREEN")
                T = typing.TypeVar("T")
                return P.__module__, Color.__module__, T.__module__

            async def local_make():
                return await make()

            async def plain(x):
                return x + 1
        ''',
        "pkg/app.py": '''
            from .util import local_make, make, plain

            async def main():
                print(await make(), await local_make(), await plain(1))
        ''',
    }, inlined={"pkg.util.make", "pkg.util.plain"})
    assert {(s.callee, s.code) for s in results["pkg/app.py"].report.skipped} == {("make", "frame-introspection")}


def test_a_warning_issued_by_a_callee_of_another_module_keeps_the_call():
    """Review R14 i3: ``warnings.warn`` attributes a warning to the module of the frame it
    runs in, and filters select by that module (``-W error::UserWarning:pkg.lib``; the
    default filters show a DeprecationWarning only in ``__main__``). Inlined into another
    module, the filter below stopped matching. A same-module callee is inlined as before,
    and so is one warning with ``stacklevel=2`` (its location is a physical frame either
    way, documented; R15 m7: anyio's ``to_thread.run_sync`` lost its sites)."""
    results = assert_same_package_behaviour({
        "pkg/__init__.py": "",
        "pkg/lib.py": '''
            import warnings
            from warnings import warn as complain

            async def old(x):
                warnings.warn("old is deprecated", UserWarning)
                return x + 1

            async def older(x):
                complain("older is deprecated", UserWarning)
                return x + 2

            async def local_old(x):
                return await old(x)

            async def deprecated(x):
                warnings.warn("deprecated blames its caller", DeprecationWarning, stacklevel=2)
                return x + 3
        ''',
        "pkg/app.py": '''
            import warnings
            from . import lib

            async def main():
                warnings.filterwarnings("error", category=UserWarning, module="pkg.lib")
                for call in (lib.old, lib.older, lib.local_old):
                    try:
                        print("got", await call(1))
                    except UserWarning as w:
                        print("refused:", w)
                with warnings.catch_warnings(record=True) as seen:
                    warnings.simplefilter("always")
                    print(await lib.deprecated(1), [str(w.message) for w in seen])
                print(await lib.old(1))
        ''',
    }, inlined={"pkg.lib.old", "pkg.lib.deprecated"}, raises="UserWarning")
    skipped = {(s.callee, s.code) for s in results["pkg/app.py"].report.skipped}
    assert ("lib.old", "frame-introspection") in skipped, skipped


def test_a_class_maker_of_another_module_called_through_another_name_keeps_the_call():
    """``namedtuple`` imported with ``as`` (or assigned to another name) still takes its
    ``__module__`` from the calling frame."""
    results = assert_same_package_behaviour({
        "pkg/__init__.py": "",
        "pkg/util.py": '''
            from collections import namedtuple as nt
            import enum

            make_enum = enum.Enum

            async def make():
                P = nt("P", "x y")
                return P.__module__

            async def make_other():
                return make_enum("Color", "RED").__module__

            async def plain(x):
                return x + 1
        ''',
        "pkg/app.py": '''
            from .util import make, make_other, plain

            async def main():
                print(await make(), await make_other(), await plain(1))
        ''',
    }, inlined={"pkg.util.plain"})
    skipped = {(s.callee, s.code) for s in results["pkg/app.py"].report.skipped}
    assert skipped == {("make", "frame-introspection"), ("make_other", "frame-introspection")}


def test_type_with_three_arguments_in_a_callee_of_another_module_keeps_the_call():
    """``type(name, bases, namespace)`` makes a class whose ``__module__`` is the calling
    frame's module: inlined elsewhere, the caller's (``pkg.app.Point``). ``type(x)`` is no
    such call."""
    results = assert_same_package_behaviour({
        "pkg/__init__.py": "",
        "pkg/models.py": '''
            async def make_record_type(name):
                return type(name, (), {"fields": ()})

            async def make_from(parts):
                return type(*parts)

            async def kind(x):
                return type(x).__name__
        ''',
        "pkg/app.py": '''
            from .models import kind, make_from, make_record_type

            async def main():
                T = await make_record_type("Point")
                U = await make_from(("Line", (), {}))
                print(T.__module__, repr(T), U.__module__, await kind(1))
        ''',
    }, inlined={"pkg.models.kind"})
    skipped = {(s.callee, s.code) for s in results["pkg/app.py"].report.skipped}
    assert skipped == {("make_record_type", "frame-introspection"), ("make_from", "frame-introspection")}


def test_compile_in_a_callee_of_another_module_keeps_the_call():
    """``compile`` inherits the ``__future__`` imports of the code calling it: inlined, those
    of the caller's module."""
    results = assert_same_package_behaviour({
        "pkg/__init__.py": "",
        "pkg/util.py": '''
            from __future__ import annotations

            import __future__

            async def postponed():
                code = compile("x: int = 1", "<text>", "exec")
                return bool(code.co_flags & __future__.annotations.compiler_flag)

            async def inlined():
                return 1
        ''',
        "pkg/app.py": '''
            from .util import inlined, postponed

            async def main():
                print(await postponed(), await inlined())
        ''',
    }, inlined={"pkg.util.inlined"})
    assert {(s.callee, s.code) for s in results["pkg/app.py"].report.skipped} == {("postponed", "frame-introspection")}


def test_an_annotation_illegal_under_postponed_annotations_keeps_the_call():
    """A local's annotation is never evaluated, and may hold ``:=`` or ``await`` in a module
    without ``from __future__ import annotations``; pasted into a module with it, that is a
    SyntaxError (an internal error: the module was not written). Such a callee stays a call
    there, and is inlined elsewhere; the reverse (annotations of a module with the import
    inlined into one without) is inlined (review S2, f3)."""
    results = assert_same_package_behaviour({
        "pkg/__init__.py": "",
        "pkg/util.py": '''
            async def helper():
                return int

            async def walrus(v):
                x: (y := int) = v
                return x

            async def awaits(v):
                o = [0]
                o[0]: await helper() = v
                return o

            async def bare(v):
                x: (z := int)
                x = v
                return x
        ''',
        "pkg/postponed.py": '''
            from __future__ import annotations

            async def undefined(v):
                x: Undefined[int] = v
                return x
        ''',
        "pkg/other.py": '''
            from .postponed import undefined
            from .util import walrus

            async def run():
                return await walrus(1), await undefined(2)
        ''',
        "pkg/app.py": '''
            from __future__ import annotations
            from .other import run
            from .postponed import undefined
            from .util import awaits, bare, walrus

            async def main():
                print(await walrus(3), await awaits(4), await bare(5), await undefined(6), await run())
        ''',
    }, options=EVERY_SITE, inlined={"pkg.util.walrus", "pkg.postponed.undefined"})
    skipped = {(s.callee, s.code) for s in results["pkg/app.py"].report.skipped}
    assert skipped == {("walrus", "unsupported"), ("awaits", "unsupported"), ("bare", "unsupported")}
    assert {d.callee for d in results["pkg/other.py"].report.inlined} == {"walrus", "undefined"}


def test_builtins_globals_through_the_module_keeps_the_call_too():
    """``builtins.globals()`` is the same call as ``globals()``."""
    results = assert_same_package_behaviour({
        "pkg/__init__.py": "",
        "pkg/util.py": '''
            import builtins

            MARK = "util"

            async def which():
                return builtins.globals()["MARK"]

            async def plain():
                return MARK
        ''',
        "pkg/app.py": '''
            from .util import plain, which

            MARK = "app"

            async def main():
                print(await which(), await plain())
        ''',
    }, inlined={"pkg.util.plain"})
    assert {(s.callee, s.code) for s in results["pkg/app.py"].report.skipped} == {("which", "frame-introspection")}


@pytest.mark.parametrize("options", [Options(), Options(assume=frozenset({"no-rebinding"}))], ids=["default", "no-rebinding"])
def test_a_star_import_after_a_function_may_rebind_it(options):
    """``from .other import *`` binds names the analysis does not count: one of them may be
    a function the module defined before. The site keeps its guard, under ``no-rebinding``
    too (the promise is about the program rebinding functions, not about the module's own
    import statements); before, that option inlined the first ``helper`` without a test."""
    assert_same_package_behaviour({
        "pkg/__init__.py": "",
        "pkg/other.py": '''
            async def helper(x):
                print("other helper")
                return x * 100
        ''',
        "pkg/app.py": '''
            async def helper(x):
                return x + 1

            async def kept(x):
                return x - 1

            from .other import *

            async def main():
                return await helper(2), await kept(2)
        ''',
    }, options=options, inlined={"pkg.app.kept"} if options.assume else None)


def test_a_function_whose_module_attribute_was_renamed_is_still_its_modules(tmp_path):
    """trio sets its public functions' ``__module__`` to ``trio`` (for their reprs and
    docs). The reference check knew a function's module by that attribute, so until
    2026-12-06 none of them was found and their inlined code never ran; it now knows it by
    the function's globals. The program's behaviour is the same either way."""
    import subprocess

    files = {
        "pkg/__init__.py": "from .util import clip\nclip.__module__ = 'pkg'\n",
        "pkg/util.py": "async def clip(x):\n    return min(x, 10)\n",
        "pkg/app.py": "from .util import clip\n\nasync def main():\n    return await clip(42)\n",
    }
    assert_same_package_behaviour(files, inlined={"pkg.util.clip"})
    for relative, result in rewrite_program(files, options=Options().replace(stress_seed=None)).items():
        (tmp_path / relative).parent.mkdir(exist_ok=True)
        (tmp_path / relative).write_text(result.code)
    check = "import asyncio, runtime, pkg.app as a; print(a._ai_ref_clip is not runtime.NOT_FOUND, asyncio.run(a.main()))"
    done = subprocess.run([sys.executable, "-c", check], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["True", "10"]


def test_a_runtime_async_function_of_another_module_is_found_by_its_wrapper():
    """``@runtime.async_method`` wraps the function; the reference check looks at the
    module of the function it wraps (the wrapper's globals are the runtime's: from
    6e1eaf5 to the next commit, such references were never found)."""
    assert_same_package_behaviour({
        "pkg/__init__.py": "",
        "pkg/util.py": '''
            import runtime

            @runtime.async_method
            async def double(x):
                return x * 2
        ''',
        "pkg/app.py": '''
            import runtime
            from .util import double

            @runtime.async_method
            async def work():
                return await double(21)

            async def main():
                print(await work())
        ''',
    }, inlined={"pkg.util.double"})


def test_a_function_another_module_made_runtime_async_is_not_inlined_as_plain():
    """F2: ``lib.callee = runtime.async_method(lib.callee)`` in another module makes the
    plain ``async def`` runtime-async, so its AsyncLocal write is undone when it returns.
    The reference of the body inlined as a plain coroutine only matches the plain
    function (``function_at(..., runtime_async=False)``); before, the wrapper matched
    too, and the inlined write leaked to the caller."""
    assert_same_package_behaviour({
        "pkg/__init__.py": "",
        "pkg/lib.py": '''
            from runtime import AsyncLocal
            loc = AsyncLocal("unset")

            async def callee():
                loc.value = "callee wrote this"
                return 1

            async def other():
                return 2
        ''',
        "pkg/patch.py": '''
            import runtime
            from pkg import lib
            lib.callee = runtime.async_method(lib.callee)
        ''',
        "pkg/app.py": '''
            import pkg.patch
            from runtime import async_method
            from pkg import lib

            @async_method
            async def work():
                lib.loc.value = "main"
                r = await lib.callee() + await lib.other()
                print(r, lib.loc.value)
                return lib.loc.value

            async def main():
                print(await work())
        ''',
    }, inlined={"pkg.lib.callee", "pkg.lib.other"}, not_found=frozenset({"pkg.app._ai_ref_callee"}))


def test_defaults_of_another_modules_function_read_as_the_call_reads_them():
    """The reference to another module's function comes with its defaults tuple as found
    when the import ran (``runtime.defaults_of``): the module replaced it while it
    initialised (same length, then another length for ``h``), and the caller replaces it
    again later, then puts the first tuple back."""
    assert_same_package_behaviour({
        "pkg/__init__.py": "",
        "pkg/util.py": '''
            async def g(a, b=5):
                r = a, b
                return r

            async def h(a, b=5):
                r = a, b
                return r

            g.__defaults__ = (6,)
            h.__defaults__ = (7, 8)
        ''',
        "pkg/app.py": '''
            from . import util
            from .util import g, h

            async def main():
                out = [await g(1), await h(1), await util.g(2)]
                first = g.__defaults__
                g.__defaults__ = (9,)
                out += [await g(1), await util.g(2)]
                g.__defaults__ = first
                out += [await g(1), await util.g(2)]
                print(out)
        ''',
    }, inlined={"pkg.util.g", "pkg.util.h"})


def test_a_module_that_puts_another_in_its_place_in_sys_modules_is_not_inlined_from():
    """``sys.modules[__name__] = _fast`` (an accelerated twin) makes the names the source
    read hold the twin's functions, with other bodies; references check that the module
    imported under the name is the module of that name (review P: the command line names
    no file, and the twin's functions passed every other check)."""
    FILES = {
        "pkg/__init__.py": "from .compat import clip\n",
        "pkg/_fast.py": '''
            class K:
                @classmethod
                async def make(cls, x):
                    return "fast", x
            async def clip(x):
                return "fast", x
        ''',
        "pkg/compat.py": '''
            class K:
                @classmethod
                async def make(cls, x):
                    return "pure", x
            async def clip(x):
                return "pure", x

            try:
                from . import _fast
            except ImportError:
                pass
            else:
                import sys
                sys.modules[__name__] = _fast
        ''',
        "pkg/app.py": '''
            from .compat import K
            from . import compat
            from pkg import clip
            async def main():
                print(await K.make(5), await compat.K.make(1), await clip(2), await compat.clip(3))
        ''',
    }
    assert_same_package_behaviour(FILES, inlined=set(), not_found=frozenset({
        "pkg.app._ai_ref_K_make", "pkg.app._ai_ref_clip",
    }))


def test_names_site_adds_to_builtins_are_read_as_the_callees_module_binds_them(tmp_path):
    """Review R14 f4: ``help``, ``exit``, ``license`` ... are builtins only where ``site``
    ran (and ``_`` or ``display`` where a REPL or IPython did). A callee of another module
    whose module binds ``help`` read it as ``ns.get('help', builtins['help'])``, whose
    default raised KeyError under ``python -S``, where the original prints b's own help."""
    import os
    import subprocess

    files = {
        "pkg/__init__.py": "",
        "pkg/b.py": 'def help():\n    return "b\'s own help"\n\nasync def f():\n    return help()\n',
        "pkg/app.py": "from .b import f\n\nasync def main():\n    return await f()\n",
    }
    results = rewrite_program(files)
    assert "pkg.b.f" in {d.target for d in results["pkg/app.py"].report.inlined}
    project = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    outcomes = []
    for tag, texts in (("original", files), ("rewritten", {path: r.code for path, r in results.items()})):
        for path, text in texts.items():
            target = tmp_path / tag / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text)
        run = [sys.executable, "-S", "-c", "import asyncio, pkg.app; print(asyncio.run(pkg.app.main()))"]
        done = subprocess.run(run, cwd=tmp_path / tag, env={**os.environ, "PYTHONPATH": project}, capture_output=True, text=True)
        outcomes.append((done.returncode, done.stdout, done.stderr.strip().splitlines()[-1:]))
    assert outcomes[1] == outcomes[0] == (0, "b's own help\n", [])


@pytest.mark.skipif(sys.version_info < (3, 12), reason="files() takes no anchor before Python 3.12")
def test_resources_of_the_calling_package_read_by_a_callee_of_another_package_keep_the_call():
    """Review R14 f1: ``importlib.resources.files()`` without an anchor finds its calling
    module from the stack; inlined, that is the caller's, so another package's data was
    read. With an anchor it reads the anchor's, and the site is inlined."""
    results = assert_same_package_behaviour({
        "lib/__init__.py": "# lib's own package\n",
        "lib/res.py": '''
            from importlib.resources import files
            import importlib.resources as resources

            async def load(name):
                return files().joinpath(name).read_text().strip()

            async def load_from(name):
                return resources.files("lib").joinpath(name).read_text().strip()

            async def load_none(name):
                return resources.files(anchor=None).joinpath(name).read_text().strip()
        ''',
        "app/__init__.py": "# the app's package\n",
        "app/main.py": '''
            from lib.res import load, load_from, load_none

            async def main():
                return await load("__init__.py"), await load_from("__init__.py"), await load_none("__init__.py")
        ''',
    }, entry="app.main:main", inlined={"lib.res.load_from"})
    skipped = {(s.callee, s.code) for s in results["app/main.py"].report.skipped}
    assert skipped == {("load", "frame-introspection"), ("load_none", "frame-introspection")}


def test_a_module_file_beside_a_package_of_the_same_name_is_not_the_module():
    """Review R14 f3: the import system finds ``pkg/b/__init__.py`` before ``pkg/b.py``;
    the program's text provider kept whichever path came last."""
    assert_same_package_behaviour({
        "pkg/__init__.py": "",
        "pkg/b/__init__.py": '''
            async def f(x):
                return "package b/__init__.py", x
        ''',
        "pkg/b.py": '''
            async def f(x):
                return "module b.py (never imported)", x
        ''',
        "pkg/app.py": '''
            from .b import f

            async def main():
                return await f(1)
        ''',
    }, inlined={"pkg.b.f"})


def test_an_input_file_beside_a_package_directory_of_its_name_is_refused(tmp_path, monkeypatch, capsys):
    """The same through the command line, the package not among its inputs: the site in
    ``app`` keeps its call (two files answer to ``pkg.b``) instead of inlining ``b.py``."""
    import json

    from async_inline.cli import main

    (tmp_path / "pkg" / "b").mkdir(parents=True)
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "b.py").write_text('async def f(x):\n    return "module", x\n')
    (tmp_path / "pkg" / "b" / "__init__.py").write_text('async def f(x):\n    return "package", x\n')
    (tmp_path / "pkg" / "app.py").write_text("from .b import f\n\nasync def main():\n    return await f(1)\n")
    monkeypatch.chdir(tmp_path)
    assert main(["rewrite", "pkg/app.py", "pkg/b.py", "--check", "-q", "--report", "r.json"]) == 0
    report = json.loads((tmp_path / "r.json").read_text())
    skipped = [s for f in report["files"] for s in f["skipped"]]
    assert [(s["callee"], s.get("shape")) for s in skipped] == [("f", "ambiguous")], skipped


_TRANSFORMING_LOADERS = {
    "source_to_code": '''
                def source_to_code(self, data, path, *, _optimize=-1):
                    text = data.decode().replace("    return ", "    assert isinstance(x, int), 'x must be int'\\n    return ")
                    return compile(text, path, "exec", dont_inherit=True)
''',
    "get_data": '''
                def get_data(self, path):
                    data = super().get_data(path)
                    return data.replace(b"    return ", b"    assert isinstance(x, int), 'x must be int'\\n    return ")
''',
}


@pytest.mark.parametrize("transform", _TRANSFORMING_LOADERS.values(), ids=_TRANSFORMING_LOADERS.keys())
def test_a_callee_module_compiled_from_a_transformed_source_keeps_the_call(transform):
    """Review R14 f2: typeguard's and beartype's import hooks compile a module from an
    instrumented source, keeping its file and qualified names, so the guard accepted the
    instrumented function and the inlined body was the file's, without the checks. A
    reference into a module whose loader transforms its source is not found (R15 m1: also
    one that changes the bytes it reads)."""
    assert_same_package_behaviour({
        "pkg/__init__.py": '''
            import importlib.abc, importlib.machinery, sys

            class Checking(importlib.machinery.SourceFileLoader):
''' + transform + '''

            class Finder(importlib.abc.MetaPathFinder):
                def find_spec(self, name, path, target=None):
                    if name != "pkg.b":
                        return None
                    spec = importlib.machinery.PathFinder.find_spec(name, path)
                    spec.loader = Checking(spec.loader.name, spec.loader.path)
                    return spec

            sys.meta_path.insert(0, Finder())
        ''',
        "pkg/b.py": '''
            async def f(x):
                return x * 2
        ''',
        "pkg/app.py": '''
            from .b import f

            async def main():
                try:
                    return await f("ab")
                except AssertionError as e:
                    return "rejected: " + str(e)
        ''',
    }, not_found=frozenset({"pkg.app._ai_ref_f"}))


@pytest.mark.parametrize("options", [EVERY_SITE, EVERY_SITE.replace(assume=frozenset({"class-methods"}))], ids=["exact", "class-methods"])
def test_a_local_typed_by_the_return_annotation_of_a_function_of_another_module(options: Options) -> None:
    """aiosqlite's shape: ``async with pkg.connect() as db`` and ``db = await
    pkg.connect()``, where ``connect`` (another module, re-exported by the package) is
    annotated ``-> Connection``, whose ``__aenter__`` returns ``"Connection"`` and whose
    ``__await__`` a ``Generator[Any, None, "Connection"]``. The class is read in the
    module that annotates, after the import that brings it in; a subclass the factory
    returns takes the original call."""
    assert_same_package_behaviour({
        "pkg/__init__.py": "from .core import Connection, connect\n",
        "pkg/core.py": '''
            from collections.abc import Generator
            from typing import Any

            class Connection:
                def __init__(self, tag):
                    self.tag = tag
                    self.done = []

                async def _open(self) -> "Connection":
                    return self

                def __await__(self) -> Generator[Any, None, "Connection"]:
                    return self._open().__await__()

                async def __aenter__(self) -> "Connection":
                    return await self

                async def __aexit__(self, *exc):
                    await self.close()

                async def commit(self):
                    self.done.append("commit")
                    return self.tag + ":commit"

                async def close(self):
                    self.done.append("close")
                    print("closed", self.tag, self.done)

            class Logged(Connection):
                async def commit(self):
                    return "logged " + await super().commit()

            def connect(tag, kind=Connection) -> Connection:
                return kind(tag)
        ''',
        "pkg/app.py": '''
            import pkg

            async def main():
                for kind in (pkg.Connection, pkg.core.Logged):
                    async with pkg.connect("ctx", kind) as db:
                        print(await db.commit())
                    db = await pkg.connect("awaited", kind)
                    print(await db.commit())
                    await db.close()
        ''',
    }, options=options, inlined={"pkg.core.Connection.commit", "pkg.core.Connection.close"})
