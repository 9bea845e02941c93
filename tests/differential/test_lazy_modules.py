"""Callee modules whose attributes run code when read: ``importlib.util.LazyLoader``'s
modules and objects standing in ``sys.modules`` for a module (review R20f 1).

The header of a rewritten module reads the references of the functions it inlined when it
is imported (``runtime.module_globals``, ``function_at``); it must run no code there that
the original program does not run: a lazy module is run at its first use, a wrapper's
``__getattr__`` is called for the program's own reads only. Such a callee's references are
not found, and its sites stay calls.
"""

from __future__ import annotations

from tests.differential.package_harness import assert_same_package_behaviour

LAZY_INIT = """
    import importlib.util, sys

    def _lazy(name):
        spec = importlib.util.find_spec(name)
        loader = importlib.util.LazyLoader(spec.loader)
        spec.loader = loader
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        loader.exec_module(module)
        return module

    globals()["core"] = _lazy(__name__ + ".core")
"""

APP = """
    from pkg import core
    print("pkg.app imported")

    async def main():
        print("main starts")
        return await core.fetch(1)
"""

CORE = """
    print("pkg.core runs")

    async def fetch(x):
        return x + 1
"""


def test_a_lazily_loaded_callee_module_runs_at_its_first_use() -> None:
    """Review R20f 1: the header's ``module_globals('pkg.core')`` read the lazy module's
    ``__dict__`` and ``__spec__`` through its class, which ran ``pkg.core`` when ``pkg.app``
    was imported, before ``pkg.app``'s own output; the original runs it in ``main``."""
    assert_same_package_behaviour({
        "pkg/__init__.py": LAZY_INIT,
        "pkg/core.py": CORE,
        "pkg/app.py": APP,
    }, inlined={"pkg.core.fetch"}, not_found=frozenset({"pkg.app._ai_ref_fetch"}))


def test_a_lazy_module_already_loaded_when_its_caller_is_imported_is_inlined_from() -> None:
    """Once it has run, a lazy module is a plain module again: its references are found."""
    assert_same_package_behaviour({
        "pkg/__init__.py": LAZY_INIT + "\n    core.fetch  # the first use: pkg.core runs here\n",
        "pkg/core.py": CORE,
        "pkg/app.py": APP,
    }, inlined={"pkg.core.fetch"})


def test_a_wrapper_standing_in_sys_modules_sees_only_the_programs_reads() -> None:
    """Review R20f 1: a slotted wrapper with a delegating ``__getattr__`` (a deprecation
    shim) got four more calls of it from each header reading its module's globals."""
    assert_same_package_behaviour({
        "pkg/__init__.py": "",
        "pkg/core.py": """
            import sys, types

            async def fetch(x):
                return x + 1

            class _Shim:
                __slots__ = ("_module", "reads")

                def __init__(self, module):
                    object.__setattr__(self, "_module", module)
                    object.__setattr__(self, "reads", [])

                def __getattr__(self, name):
                    self.reads.append(name)
                    return getattr(self._module, name)

            sys.modules[__name__] = _Shim(sys.modules[__name__])
        """,
        "pkg/app.py": """
            import pkg.core

            async def main():
                value = await pkg.core.fetch(1)
                return value, list(pkg.core.reads)
        """,
    }, inlined={"pkg.core.fetch"}, not_found=frozenset({"pkg.app._ai_ref_fetch"}))
