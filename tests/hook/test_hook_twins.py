"""Swapping between the code a module was imported with and its original compilation
(what ``no_async_inline`` and the differential mode stand on).

The two compilations here are two versions of a source written by hand: what is tested is
the pairing and swapping of functions, whatever produced the code.
"""

from __future__ import annotations

import asyncio
import functools
import types

from async_inline.hook.twins import Twins

ORIGINAL = b"""\
import functools


def plain():
    return "original"


async def coro():
    return "original"


def make_closure(tag):
    def inner():
        return ("original", tag)
    return inner


class Service:
    def method(self):
        return "original"

    @staticmethod
    def static():
        return "original"

    @classmethod
    def klass(cls):
        return "original"

    @property
    def prop(self):
        return "original"


def decorator(f):
    @functools.wraps(f)
    def wrapper(*args):
        return f(*args)
    return wrapper


@decorator
def decorated():
    return "original"


if True:
    def twice():
        return "original first"
if True:
    def twice():
        return "original second"
"""


def _module(path: str) -> tuple[types.ModuleType, types.CodeType]:
    inlined_source = ORIGINAL.replace(b'"original', b'"inlined')
    code = compile(inlined_source, path, "exec", dont_inherit=True)
    return types.ModuleType("twins_sample"), code


def test_original_code_runs_inside_and_inlined_code_outside(tmp_path) -> None:
    path = str(tmp_path / "twins_sample.py")
    module, code = _module(path)
    twins = Twins()
    twins.add(module, code, path, ORIGINAL, None)
    exec(code, module.__dict__)
    early_closure = module.make_closure(1)

    def observe() -> list[object]:
        service = module.Service()
        return [
            module.plain(),
            asyncio.run(module.coro()),
            module.make_closure(2)(),
            service.method(),
            module.Service.static(),
            module.Service.klass(),
            service.prop,
            module.decorated(),
            module.twice(),
        ]

    inlined = observe()
    assert inlined == ["inlined", "inlined", ("inlined", 2), "inlined", "inlined", "inlined", "inlined", "inlined", "inlined second"]
    with twins.original():
        assert observe() == ["original", "original", ("original", 2), "original", "original", "original", "original", "original", "original second"]
        # Closures made before, from inlined code, are part of the program too.
        assert early_closure() == ("original", 1)
    assert observe() == inlined


def test_functions_with_a_different_closure_are_left_alone(tmp_path) -> None:
    path = str(tmp_path / "closure_sample.py")
    original = b"def outer():\n    x = 1\n    def f():\n        return 'original'\n    return f\n\nf = outer()\n"
    inlined = b"def outer():\n    x = 1\n    def f():\n        return ('inlined', x)\n    return f\n\nf = outer()\n"
    code = compile(inlined, path, "exec", dont_inherit=True)
    module = types.ModuleType("closure_sample")
    twins = Twins()
    twins.add(module, code, path, original, None)
    exec(code, module.__dict__)
    with twins.original():
        assert module.f() == ("inlined", 1)  # cannot take code without the cell it needs
        assert module.outer()() == "original"  # outer itself is swapped
    assert twins.unpaired == ["outer.<locals>.f"]


def test_modules_added_later_are_paired_on_next_use(tmp_path) -> None:
    twins = Twins()
    modules = []
    for i in range(2):
        path = str(tmp_path / f"late_{i}.py")
        module, code = _module(path)
        twins.add(module, code, path, ORIGINAL, None)
        exec(code, module.__dict__)
        modules.append(module)
        with twins.original():
            assert [m.plain() for m in modules] == ["original"] * (i + 1)
    assert [m.plain() for m in modules] == ["inlined", "inlined"]
    assert functools.reduce(lambda a, m: a and m.plain() == "inlined", modules, True)


def test_a_module_imported_while_original_code_runs_runs_its_original_code(tmp_path) -> None:
    """Review R13 c4: a module first imported inside ``original()`` (a lazy import in a
    ``no_async_inline`` test, or in differential mode's original run) executed the inlined
    code, and its functions were not swapped. It executes its original compilation, and
    its functions get the inlined code when the original run ends."""
    path = str(tmp_path / "lazy_sample.py")
    module, code = _module(path)
    twins = Twins()
    with twins.original():
        exec(twins.add(module, code, path, ORIGINAL, None), module.__dict__)
        closure = module.make_closure(1)
        assert (module.plain(), asyncio.run(module.coro()), closure()) == ("original", "original", ("original", 1))
    assert (module.plain(), asyncio.run(module.coro()), closure()) == ("inlined", "inlined", ("inlined", 1))
    with twins.original():
        assert (module.plain(), module.Service().method()) == ("original", "original")
    assert (module.plain(), module.Service().method()) == ("inlined", "inlined")


def test_a_closure_made_meanwhile_whose_twin_has_other_free_variables_keeps_its_code(tmp_path) -> None:
    """The way back of the review R13 c4 fix: a closure made by the original code of a
    module imported during ``original()`` cannot take an inlined twin that needs a cell."""
    path = str(tmp_path / "lazy_closure.py")
    original = b"def outer():\n    x = 1\n    def f():\n        return 'original'\n    return f\n"
    inlined = b"def outer():\n    x = 1\n    def f():\n        return ('inlined', x)\n    return f\n"
    module = types.ModuleType("lazy_closure")
    twins = Twins()
    with twins.original():
        exec(twins.add(module, compile(inlined, path, "exec", dont_inherit=True), path, original, None), module.__dict__)
        f = module.outer()
    assert (f(), module.outer()()) == ("original", ("inlined", 1))
