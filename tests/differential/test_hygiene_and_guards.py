"""Hygiene (no name ever reads the wrong binding) and guards (rebinding still calls the function)."""

import sys
import textwrap
from unittest import mock

import pytest

from async_inline import Options, rewrite_source
from tests.differential.harness import assert_same_behaviour, load_module, run_module
from tests.differential.package_harness import assert_same_package_behaviour


def test_callee_locals_do_not_clash_with_caller_names():
    assert_same_behaviour('''
async def f(x):
    y = x * 2
    total = y + 1
    return total

async def main():
    x, y, total = "caller x", "caller y", "caller total"
    r = await f(3)
    print(r, x, y, total)
''', inlined={"f"})


def test_shadowed_global_is_skipped_not_misread():
    result = assert_same_behaviour('''
def helper():
    return "global helper"

async def f():
    return helper()

async def main():
    helper = lambda: "local helper"
    print(await f(), helper())

async def ok():
    return await f()
''', min_inlined=1)
    skipped = [s for s in result.report.skipped if s.caller == "main"]
    assert [s.code for s in skipped] == ["shadowed"]


_COMPREHENSION_SHADOWS = {
    "global": """
g = 100
async def f():
    return g
async def main():
    return [await f() for g in range(2)]
""",
    "builtin": """
async def h(s):
    return len(s)
async def main():
    return [await h("abc") for len in [lambda s: -1]]
""",
    "condition": """
g = 100
async def f(a):
    return a < g
async def main():
    return [g for g in range(3) if await f(1)]
""",
    "outer_comprehension": """
g = 100
async def f(a):
    return a + g
async def main():
    return [[await f(1) for _ in range(1)] for g in range(2)]
""",
    "nested_call_kept": """
import runtime
@runtime.noinline
async def leaf(y):
    return y * 10
async def mid(x):
    return await leaf(x) + 1
async def main():
    return [await mid(i) for leaf in [None] for i in range(2)]
""",
}


@pytest.mark.parametrize("source", _COMPREHENSION_SHADOWS.values(), ids=_COMPREHENSION_SHADOWS.keys())
def test_comprehension_variable_around_the_site_shadows_what_the_callee_reads(source):
    """A variable of a comprehension around the site (its ``for`` or ``if`` clause, an outer
    comprehension's) would hide the callee's global, builtin or kept nested callee from code
    inlined in place: the site is refused as shadowed."""
    if "for _ in range(1)] for g" in source and sys.version_info < (3, 11):
        pytest.skip("an await in a comprehension nested in another is Python 3.11 syntax")
    result = assert_same_behaviour(source, min_inlined=0)
    assert "shadowed" in [s.code for s in result.report.skipped if s.caller == "main"]


@pytest.mark.decisions
def test_shadowing_by_enclosing_function_is_detected():
    result = rewrite_source('''
async def f():
    return len("abc")

def outer():
    len = lambda s: -1
    async def inner():
        return await f()
    return inner
''')
    assert [s.code for s in result.report.skipped] == ["shadowed"]


@pytest.mark.decisions
def test_builtin_shadowed_in_caller_is_skipped():
    result = rewrite_source('''
async def f(xs):
    return len(xs)

async def main(len=len):
    return await f([1])
''')
    assert [s.code for s in result.report.skipped] == ["shadowed"]


def test_global_declared_in_callee_is_declared_in_caller():
    assert_same_behaviour('''
hits = 0

async def hit():
    global hits
    hits += 1
    return hits

async def main():
    print(await hit(), await hit(), hits)
''', inlined={"hit"}, min_inlined=2)


def test_private_names_are_not_inlined_into_a_class():
    result = assert_same_behaviour('''
class Obj:
    pass

async def peek(o):
    return o.__secret

class C:
    async def run(self):
        o = Obj()
        o.__dict__["__secret"] = 42
        return await peek(o)

async def main():
    o = Obj()
    o.__dict__["__secret"] = 7
    print(await C().run(), await peek(o))
''', inlined={"peek"})
    assert any(s.code == "private-name" for s in result.report.skipped)


_PRIVATE_LOCALS_READ_UNASSIGNED = {
    "maybe_assigned": """
async def f(c):
    if c:
        __y = 1
    return __y
""",
    "except_as": """
async def f(c):
    __e = 1
    try:
        raise KeyError
    except KeyError as __e:
        pass
    return __e
""",
    "deleted": """
async def f(c):
    __z = 1
    if not c:
        del __z
    del __z
    return c
""",
    "method_of_another_class": """
class A:
    @classmethod
    async def f(cls, c):
        if c:
            __y = 1
        return __y
""",
}


@pytest.mark.parametrize("callee", _PRIVATE_LOCALS_READ_UNASSIGNED.values(), ids=_PRIVATE_LOCALS_READ_UNASSIGNED.keys())
def test_private_local_read_unassigned_is_not_inlined_into_another_class(callee):
    """A private local (``__y``) of a callee becomes another variable in a method of a class
    that mangles it otherwise (``_K__y``), which only the message of an UnboundLocalError
    tells: where a read may find it unassigned, the site is refused (``private-name``)."""
    call = "A.f(0)" if "class A" in callee else "f(0)"
    result = assert_same_behaviour(callee + f"""
class K:
    @classmethod
    async def m(cls):
        try:
            return await {call}
        except UnboundLocalError as e:
            return str(e)

async def main():
    return await K.m()
""", min_inlined=0)
    assert ("f", "private-name") in {(s.callee.rpartition(".")[2], s.code) for s in result.report.skipped if s.caller == "K.m"}


def test_private_local_read_unassigned_is_inlined_into_its_own_class():
    """The same class mangles the private local alike in the callee and in the caller (the
    copy of it that ``K.m`` inlined into ``main``, of no class, would not: it is refused)."""
    assert_same_behaviour("""
class K:
    @classmethod
    async def f(cls, c):
        if c:
            __y = 1
        return __y

    @classmethod
    async def m(cls):
        try:
            return await cls.f(0)
        except UnboundLocalError as e:
            return str(e)

async def main():
    return await K.m()
""", inlined={"K.f"})


def test_method_caller_gets_inlined():
    assert_same_behaviour('''
async def double(x):
    return 2 * x

class Service:
    def __init__(self):
        self.calls = 0
    async def handle(self, x):
        self.calls += 1
        return await double(x) + self.calls

async def main():
    s = Service()
    print(await s.handle(1), await s.handle(2))
''', inlined={"double"})


def test_rebinding_the_name_calls_the_new_function():
    assert_same_behaviour('''
async def f():
    return "original"

async def use():
    return await f()

async def replacement():
    return "replacement"

async def main():
    print(await use())
    globals()["f"] = replacement
    print(await use())
''', inlined={"f"})


@pytest.mark.decisions
def test_global_declared_after_the_site_is_refused():
    result = rewrite_source('''
async def f():
    return 1

async def use():
    return await f()

async def main():
    await use()
    global f
''')
    assert [(s.caller, s.code) for s in result.report.skipped] == [("main", "position")]


@pytest.mark.decisions
def test_mock_patch_reaches_the_call_through_the_guard():
    source = '''
async def fetch():
    return "real"

async def main():
    return await fetch()
'''
    result = rewrite_source(source)
    assert [d.callee for d in result.report.inlined] == ["fetch"]
    module = load_module(result.code)

    async def fake():
        return "mocked"

    with mock.patch.object(module, "fetch", fake):
        assert run_module(module).result == "'mocked'"
    assert run_module(module).result == "'real'"


def test_no_guards_option_removes_the_guard():
    result = assert_same_behaviour('''
async def f(x):
    return x + 1

async def main():
    return await f(1)
''', options=Options(guards=False), inlined={"f"})
    assert " is _ai_ref_f" not in result.code and "await f(" not in result.code


@pytest.mark.decisions
def test_caller_using_locals_is_not_inlined_into():
    result = rewrite_source('''
async def f():
    return 1

async def main():
    x = await f()
    return sorted(locals())
''')
    assert [s.code for s in result.report.skipped] == ["caller-introspection"]


_INTROSPECTION_ALIASES = {
    "import_as_in_the_callee": ("frame-introspection", """
from sys import _getframe as here
async def f(x):
    y = x
    return sorted(here().f_locals)
"""),
    "builtins_import_as_in_the_callee": ("frame-introspection", """
from builtins import locals as L
async def f(x):
    y = x
    return sorted(L())
"""),
    "module_level_assignment": ("frame-introspection", """
lo = locals
async def f(x):
    y = x
    return sorted(lo())
"""),
    "assigned_again_and_as_an_attribute": ("frame-introspection", """
import sys
class Holder:
    pass
holder = Holder()
first = sys._getframe
holder.here = first
async def f(x):
    y = x
    return sorted(holder.here().f_locals)
"""),
    "tuple_assignment": ("frame-introspection", """
import sys
(here, depth), n = (sys._getframe, 0), 1
async def f(x):
    y = x
    return sorted(here(depth).f_locals)
"""),
    "parameter_default": ("frame-introspection", """
async def f(x, lo=vars):
    y = x
    return sorted(lo())
"""),
    "dunder_call_in_the_callee": ("frame-introspection", """
import sys
async def f(x):
    y = x
    return sorted(locals.__call__()), sorted(sys._getframe.__call__().f_locals)
"""),
    "dunder_builtins_in_the_callee": ("frame-introspection", """
async def f(x):
    y = x
    b = __builtins__
    return sorted((b["locals"] if isinstance(b, dict) else b.locals)())
"""),
    "dunder_builtins_in_the_caller": ("caller-introspection", """
async def f(x):
    y = x
    return y
async def main():
    a = 1
    await f(2)
    b = __builtins__
    return sorted((b["locals"] if isinstance(b, dict) else b.locals)())
"""),
    "dunder_call_in_the_caller": ("caller-introspection", """
async def f(x):
    y = x
    return y
async def main():
    a = 1
    await f(2)
    return sorted(vars.__call__.__call__())
"""),
    "import_as_in_the_caller": ("caller-introspection", """
from builtins import locals as L
async def f(x):
    y = x
    return y
async def main():
    a = 1
    await f(2)
    return sorted(L())
"""),
}


@pytest.mark.decisions
def test_the_name_builtins_as_an_attribute_or_a_keyword_is_no_introspection():
    """Review R23a O1: only a read of the variable ``__builtins__`` reaches ``locals``; an
    attribute or a keyword of that name kept every site of the caller a call."""
    result = assert_same_behaviour('''
async def f(x):
    return f.__builtins__ is not None, dict(__builtins__=x)

async def main():
    a = await f(2)
    return a, main.__builtins__ is not None
''', inlined={"f"})
    assert not result.report.skipped, result.report.skipped


@pytest.mark.parametrize("expected, source", _INTROSPECTION_ALIASES.values(), ids=_INTROSPECTION_ALIASES.keys())
def test_frame_introspection_through_another_name_is_detected(expected, source):
    """``locals``, ``sys._getframe`` ... reached through another name (an import with
    ``as``, an assignment, a parameter default) still see the frame they run in: such a
    callee (caller) is not inlined (inlined into)."""
    result = assert_same_behaviour(source if "def main" in source else source + """
async def main():
    a = 1
    return await f(2)
""", min_inlined=0)
    assert expected in {s.code for s in result.report.skipped}


def test_local_imports_in_the_callee_are_locals_renamed_with_as():
    result = assert_same_behaviour('''
async def dump(x):
    import json
    from os import path as p, sep
    return json.dumps([x, p.basename("a/b"), sep])

async def main():
    json, p, sep = "caller json", "caller p", "caller sep"
    print(await dump(1), json, p, sep)
''', inlined={"dump"})
    assert "import json as _ai_json" in result.code


# -- merged guards (issue 12, item 5; guards.takes_nested_guards) ---------------------------

CHAIN = '''
async def leaf(x):
    return x + 1

async def other(x):
    return -x

async def mid(x):
    return await leaf(x) * 10

async def top(x):
    y = await mid(x)
    return y
'''


def test_merged_guard_still_reaches_a_rebound_or_patched_nested_callee():
    """The frame's guard tests the name its opening site reads: rebinding or patching that
    name makes the whole frame a call, whose own code then calls the new function."""
    result = assert_same_behaviour(CHAIN + '''
async def main():
    print(await top(1))
    saved, globals()["leaf"] = leaf, other
    print(await top(2), await mid(3))
    globals()["leaf"] = saved
    with __import__("unittest").mock.patch(__name__ + ".leaf", other):
        print(await top(4))
    print(await top(5))
''', inlined={"mid", "leaf"})
    main = result.code.split("async def main")[1]
    assert main.count(" is _ai_ref_leaf") == main.count("and leaf is _ai_ref_leaf") > 0  # every test of leaf merged


def test_no_merged_guard_where_an_argument_runs_code_before_the_nested_name_is_read():
    """``box.value`` is evaluated after mid's test and before leaf is read: it rebinds
    leaf, so leaf keeps a test of its own, made where the original reads it."""
    result = assert_same_behaviour(CHAIN + '''
class Box:
    @property
    def value(self):
        globals()["leaf"] = other
        return 5

async def main():
    print(await mid(Box().value), await mid(2))
''', inlined={"mid", "leaf"})
    main = result.code.split("async def main")[1]
    assert "mid is _ai_ref_mid and leaf" not in main.split("await mid(Box().value)")[0]
    assert "mid is _ai_ref_mid and leaf" in main  # the second site: a literal argument


def test_no_merged_guard_where_the_body_runs_code_before_its_opening_await():
    result = assert_same_behaviour('''
async def leaf(x):
    return x + 1

async def other(x):
    return -x

def rebind():
    globals()["leaf"] = other

async def mid(x):
    rebind()
    return await leaf(x)

async def main():
    print(await mid(1), await mid(2))
''', inlined={"mid", "leaf"})
    assert "mid is _ai_ref_mid and" not in result.code


@pytest.mark.decisions
def test_a_default_read_keeps_the_nested_test_unless_defaults_are_frozen():
    """Reading ``__defaults__`` fires an audit event (Python code may run): not merged by
    default; under frozen-defaults the literal is pasted and nothing runs."""
    source = CHAIN.replace("async def mid(x):", "async def mid(x, k=2):") + '''
async def main():
    return await mid(1)
'''
    assert "and leaf is _ai_ref_leaf" not in rewrite_source(source, options=Options(stress_seed=None)).code
    frozen = rewrite_source(source, options=Options(stress_seed=None, assume=frozenset({"frozen-defaults"})))
    assert "mid is _ai_ref_mid and leaf is _ai_ref_leaf" in frozen.code


def test_no_merged_guard_where_an_argument_may_raise_before_the_nested_name_is_read():
    """A name that may be unassigned is not stable: the original raises UnboundLocalError
    for it before mid's body reads ``leaf``, which is gone here (NameError)."""
    result = assert_same_behaviour(CHAIN + '''
async def main(flag=False):
    print(await mid(1))
    del globals()["leaf"]
    if flag:
        x = 1
    try:
        await mid(x)
    except Exception as exc:
        print(type(exc).__name__)
    print(await mid(2) if flag else "done")
''', inlined={"mid", "leaf"})
    main = result.code.split("async def main")[1]
    assert "mid is _ai_ref_mid and leaf" in main.split("del globals()")[0]  # mid(1): merged
    assert "mid is _ai_ref_mid and leaf" not in main.split("del globals()")[1].split("except")[0]


#: graphql-core's tests (3.2.14): a fallback for Pythons without the builtin ``anext``,
#: defined only where the name is missing, which on 3.10+ it never is.
FALLBACK_FOR_A_BUILTIN = '''
try:
    anext
except NameError:
    async def anext(iterator):
        print("the fallback")
        return await iterator.__anext__()

if True:
    async def twice(x):
        return x * 2

class Numbers:
    def __init__(self):
        self.n = 0

    def __aiter__(self):
        return self

    async def __anext__(self):
        self.n += 1
        return self.n

async def main():
    numbers = Numbers()
    first = await anext(numbers)
    second = await anext(numbers)
    return first, second, await twice(second)
'''


@pytest.mark.parametrize("options", [Options(), Options(assume=frozenset({"no-rebinding"}))], ids=["default", "no-rebinding"])
def test_a_function_defined_under_a_branch_that_does_not_run_keeps_the_call(options):
    """Found by graphql-core's suite under the plugin: the reference ``_ai_ref_anext`` was
    bound right after the ``async def``, in a block that never ran, so the guard raised
    NameError where the original calls the builtin. A function defined in a block of a
    top-level ``if``/``try``/``with`` has its reference bound to a placeholder no lookup
    yields at the top of the module, and keeps its guard under ``no-rebinding`` too
    (a definition that does not run is not a rebinding)."""
    result = assert_same_behaviour(FALLBACK_FOR_A_BUILTIN, options=options, inlined={"anext", "twice"}, not_found=frozenset({"_ai_ref_anext"}))
    assert "_ai_ref_anext = _ai_rt.NOT_FOUND" in result.code
    assert "if anext is _ai_ref_anext" in result.code


@pytest.mark.parametrize(
    ("callee_local", "caller_local"), [("\U0001d431", "x"), ("x", "\U0001d431"), ("\uff58", "x")], ids=["callee-bold", "caller-bold", "fullwidth"]
)
def test_identifiers_python_normalizes_keep_the_module_as_it_is(callee_local, caller_local):
    """Python reads identifiers in NFKC form (``𝐱`` and ``ｘ`` are ``x``); the hygiene
    compared them as written, so the callee's ``𝐱`` kept its name and assigned, then
    released, the caller's ``x`` (review P, f6). A module spelling an identifier so is
    neither inlined into nor inlined from: its sites keep the call (``unsupported``)."""
    source = f'''
async def f(a):
    {callee_local} = a * 2
    return {callee_local} + 1

async def main():
    {caller_local} = 1
    y = await f(10)
    print({caller_local}, y)
'''
    result = assert_same_behaviour(source, min_inlined=0)
    [skipped] = result.report.skipped
    assert skipped.code == "unsupported" and "which Python reads as 'x' (NFKC)" in skipped.reason
    assert result.code == source


def test_a_callee_local_kept_where_a_sibling_callee_declares_it_global():
    # Review R13 f1: `enable` only *writes* the global `level` (so `level` is not in reserved_free);
    # inlining it adds `global level` to the caller, and `compute`'s local `level`, kept
    # under its own name, becomes the module global: tasks overwrite each other's value.
    assert_same_behaviour(textwrap.dedent('''
        import asyncio

        async def compute(v):
            level = v * 2
            await asyncio.sleep(0)
            return level + 1

        async def enable():
            global level
            level = 100

        async def worker(v):
            r = await compute(v)
            await enable()
            return r

        async def main():
            return await asyncio.gather(worker(1), worker(2))
    '''), inlined={"compute", "enable"})


def test_a_callee_local_kept_where_a_sibling_callee_declares_it_global_seen_by_the_module():
    # Review R13 f1, sequential: the global the program reads (here through globals(), or another
    # module's `mod.flag`) gets the sibling's local value.
    assert_same_behaviour(textwrap.dedent('''
        flag = 0

        async def setflag():
            global flag
            flag = 7

        async def compute(v):
            flag = v * 2
            return flag + 1

        async def main():
            await setflag()
            r = await compute(5)
            return r, globals()['flag']
    '''), inlined={"setflag", "compute"})


def test_a_callee_local_of_another_module_kept_where_a_callee_declares_it_global():
    # Review R13 f1 across modules: the other module's callee local `level` lands in a caller that
    # the same-module callee made declare `global level`.
    assert_same_package_behaviour({
        "pkg/__init__.py": "",
        "pkg/util.py": '''
            import asyncio

            async def compute(v):
                level = v * 2
                await asyncio.sleep(0)
                return level + 1
        ''',
        "pkg/app.py": '''
            import asyncio
            from .util import compute

            async def enable():
                global level
                level = 100

            async def worker(v):
                r = await compute(v)
                await enable()
                return r

            async def main():
                return await asyncio.gather(worker(1), worker(2))
        ''',
    }, inlined={"pkg.util.compute", "pkg.app.enable"})


def test_a_callee_local_named_class_keeps_the_callers_zero_argument_super():
    # Review R13 f5: the caller's `super()` reads its implicit `__class__` cell; the callee's local
    # `__class__`, kept under its name, makes `__class__` a plain local of the caller.
    assert_same_behaviour(textwrap.dedent('''
        async def describe(obj):
            __class__ = type(obj)
            return __class__.__name__

        class Base:
            async def run(self):
                return "base"

        class K(Base):
            async def run(self):
                name = await describe(self)
                return name, await super().run()

        async def main():
            return await K().run()
    '''), inlined={"describe"})


def test_merged_guard_sees_a_rebinding_made_by_the_frames_entry_stores():
    """Review R13 d1: mid's body opens with ``await leaf(x)``, so mid's guard also tests ``leaf``. But the
    frame's entry first unbinds ``z`` (maybe-unassigned): ``z = None; del z``. After the
    first run raised, ``z`` still holds a Rebinder (documented: locals are kept after an
    exception), and its ``__del__`` rebinds ``leaf`` at that store, after the merged test
    has already passed. The original calls ``other``; the rewrite runs ``leaf``'s old body."""
    assert_same_behaviour('''
class Rebinder:
    def __del__(self):
        print("Rebinder freed: leaf rebound")
        globals()["leaf"] = other

async def leaf(x):
    return x + 1

async def other(x):
    return -x

async def mid(x, fail):
    y = await leaf(x)
    if fail:
        z = Rebinder()
        raise ValueError("fail")
    try:
        return y, z
    except UnboundLocalError:
        return y, None

async def main():
    try:
        await mid(1, True)
    except ValueError as e:
        print("caught", e)
    print("second:", await mid(2, False))
''', inlined={"mid", "leaf"})


_STALE_RESULT = {
    # A header's result lives until the statement runs again (documented).
    "header": '''
async def mid(n):
    r = await leaf()
    if n:
        return Token()

async def main():
    for i in (1, 0):
        if await mid(i):
            print("got token")
''',
    # So does the result of a statement that raised after the frame returned.
    "raising_statement": '''
async def mid(flag):
    r = await leaf()
    if flag:
        return r, Token()

async def main():
    for flag in (True, False):
        try:
            a, b, c = await mid(flag)
        except (ValueError, TypeError) as e:
            print("caught", type(e).__name__)
''',
}


@pytest.mark.parametrize("caller", _STALE_RESULT.values(), ids=_STALE_RESULT.keys())
def test_merged_guard_sees_a_rebinding_made_by_the_frames_result_set_up_front(caller):
    """Review R15 o1: ``mid`` may fall off its end, so its frame sets the result to None
    before the body, where the result variable may still hold an earlier run's value
    (whose freeing comes later than the original's: documented). Its ``__del__`` rebinds
    ``leaf`` there, after the merged test of ``mid`` and ``leaf`` had passed: the rewrite
    ran leaf's old body. The same rule as R13 d1: no merge where the entry stores."""
    assert_same_behaviour('''
import sys

class Token:
    def __del__(self):
        sys.modules[__name__].leaf = leaf2

async def leaf():
    print("leaf1")
    return 1

async def leaf2():
    print("leaf2")
    return 2
''' + caller, inlined={"mid", "leaf"})


@pytest.mark.parametrize(
    "source",
    [
        # A literal argument inlined as an expression statement evaluated for nothing.
        "async def one(x):\n    return x\n\nasync def caller():\n    await one('text')\n    return caller.__doc__\n",
        # A callee's note after its docstring, first of the inlined statements.
        'async def helper(x):\n    """Helper doc."""\n    "a note"\n    return x + 1\n\n'
        "async def caller():\n    r = await helper(1)\n    return r, caller.__doc__\n",
        # Both on one line with what follows.
        "async def one(x):\n    return x\n\nasync def caller(): await one('text'); return caller.__doc__\n",
    ],
    ids=["literal-argument", "callee-note", "one-line-body"],
)
def test_inlined_code_never_becomes_the_callers_docstring(source):
    """Without guards (``no-rebinding``) no ``if`` wraps the inlined code, and a string
    statement first in the caller's body would be its docstring (review R20e F2)."""
    assert_same_behaviour(source + "\n\nasync def main():\n    return await caller()\n", options=Options(guards=False), inlined={"one"} if "one" in source else {"helper"})


def test_a_callers_own_docstring_stays_first_without_guards():
    assert_same_behaviour('''
async def one(x):
    return x

async def caller():
    "Caller doc."
    await one("text")
    return caller.__doc__

async def main():
    return await caller()
''', options=Options(guards=False), inlined={"one"})
