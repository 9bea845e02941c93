"""Arguments: every parameter kind, evaluated once, in order, with the function's own defaults."""

import pytest

from async_inline import Options
from tests.differential.harness import assert_same_behaviour

TRACE = '''
def t(label, value):
    print("eval", label)
    return value
'''


def test_positional_keyword_kwonly_posonly():
    assert_same_behaviour(TRACE + '''
async def f(a, b, /, c, d=4, *, e, g=7):
    return (a, b, c, d, e, g)

async def main():
    print(await f(t(1, 1), t(2, 2), t(3, 3), e=t(5, 5)))
    print(await f(1, 2, c=t("c", 3), e=t("e", 5), d=t("d", 9)))
    print(await f(1, 2, 3, 4, g=t("g", 0), e=1))
''', inlined={"f"}, min_inlined=3)


def test_varargs_and_varkw_collect_in_call_order():
    assert_same_behaviour(TRACE + '''
async def f(a, *rest, k=0, **kw):
    return a, rest, k, kw, list(kw)

async def main():
    print(await f(t(1, 1), t(2, 2), t(3, 3), z=t("z", 26), k=t("k", 1), y=t("y", 25)))
    print(await f(0))
''', inlined={"f"}, min_inlined=2)


def test_positional_only_name_passed_by_keyword_goes_to_kwargs():
    assert_same_behaviour('''
async def f(a, /, **kw):
    return a, kw

async def main():
    print(await f(1, a=2))
''', inlined={"f"})


def test_mutable_default_keeps_its_identity_across_calls():
    """Defaults are the function's own objects, never a re-evaluated expression."""
    assert_same_behaviour('''
async def append(x, acc=[], *, seen={}):
    acc.append(x)
    seen[x] = len(acc)
    return acc, seen

async def main():
    first = await append(1)
    second = await append(2)
    print(first is second, first, second[1])
    print(append.__defaults__, append.__kwdefaults__)
''', inlined={"append"}, min_inlined=2)


def test_reassigned_defaults_are_read_at_call_time():
    assert_same_behaviour('''
async def f(x=1):
    return x

async def main():
    print(await f())
    f.__defaults__ = (2,)
    print(await f())
''', inlined={"f"}, min_inlined=2)


_REPLACED_DEFAULTS = {
    "longer_tuple": """
async def f(a, b=5):
    return a, b
async def g(a, b=5):
    r = a, b
    return r
async def main():
    f.__defaults__ = g.__defaults__ = (77, 88)
    return await f(1), await g(1)
""",
    "none": """
async def f(a, b=5):
    r = a, b
    return r
async def main():
    f.__defaults__ = None
    return await f(1)
""",
    "none_expression_form": """
async def f(a, b=5):
    return a, b
async def main():
    f.__defaults__ = None
    return await f(1)
""",
    "shorter_two_missing": """
async def f(a, b=5, c=6):
    r = a, b, c
    return r
async def main():
    f.__defaults__ = (1,)
    return await f(1)
""",
    "kwdefaults_none": """
async def f(a, *, k=5):
    r = a, k
    return r
async def main():
    f.__kwdefaults__ = None
    return await f(1)
""",
    "kwdefaults_key_missing_expression_form": """
async def f(a, *, k=5, m=6):
    return a, k, m
async def main():
    f.__kwdefaults__ = {"m": 7}
    return await f(1)
""",
    "raised_while_handling": """
async def f(a, b=5):
    r = a, b
    return r
async def main():
    f.__defaults__ = None
    try:
        raise KeyError("handled")
    except KeyError:
        return await f(1)
""",
    "classmethod": """
class K:
    @classmethod
    async def m(cls, a, b=5):
        r = a, b
        return r
async def main():
    K.m.__func__.__defaults__ = None
    return await K.m(1)
""",
    "replaced_by_the_body_before_its_read": """
def g():
    f.__defaults__ = (7,)
    return 0
async def f(a, b=5):
    return g() + b
async def main():
    return await f(1), await f(1)
""",
    "same_length_then_the_original_tuple_again": """
async def f(a, b=5):
    r = a, b
    return r
async def main():
    first = f.__defaults__
    out = [await f(1)]
    f.__defaults__ = (6,)
    out.append(await f(1))
    f.__defaults__ = first
    out.append(await f(1))
    return out
""",
    "replaced_by_an_argument": """
def g():
    f.__defaults__ = (8,)
    return 1
async def f(a, b=5):
    r = a, b
    return r
async def main():
    return await f(g()), await f(g())
""",
    "method_replaced_by_a_class_decorator_with_another_length": """
def more(cls):
    cls.m.__defaults__ = (1, 2)
    cls.n.__defaults__ = (3,)
    return cls
@more
class K:
    async def m(self, a, b=5):
        r = a, b
        return r
    async def n(self, a, b=5):
        r = a, b
        return r
async def main():
    k = K()
    return await K.m(k, 1), await K.n(k, 1)
""",
}


@pytest.mark.parametrize("source", _REPLACED_DEFAULTS.values(), ids=_REPLACED_DEFAULTS.keys())
def test_defaults_replaced_at_run_time_bind_as_a_call_binds_them(source):
    """Defaults are read when the call binds them, from the end of ``__defaults__``
    whatever its length now; where the function's defaults no longer cover a parameter
    (a shorter tuple, None, a key missing from ``__kwdefaults__``) the call's own
    TypeError is raised (its message, and the exception it is raised while handling)."""
    assert_same_behaviour(source)


def test_argument_evaluated_once_even_when_unused():
    assert_same_behaviour(TRACE + '''
async def f(unused, used):
    return used

async def main():
    print(await f(t("a", 1), t("b", 2)))
''', inlined={"f"})


def test_binding_errors_are_left_to_the_real_call():
    result = assert_same_behaviour('''
async def f(a, b):
    return a + b

async def ok():
    return await f(1, 2)

async def main():
    print(await ok())
    try:
        await f(1)
    except TypeError as exc:
        print("TypeError", exc)
    try:
        await f(1, 2, c=3)
    except TypeError as exc:
        print("TypeError", exc)
''', inlined={"f"})
    codes = {s.code for s in result.report.skipped if s.callee == "f"}
    assert codes == {"binding"}


def test_call_site_unpacking_is_skipped_with_reason():
    result = assert_same_behaviour('''
async def f(*a, **k):
    return a, k

async def main():
    args = (1, 2)
    print(await f(*args), await f(**{"x": 1}), await f(3))
''', inlined={"f"})
    assert sum(s.code == "call-unpacking" for s in result.report.skipped) == 2


def test_argument_names_in_caller_are_not_confused_with_parameters():
    assert_same_behaviour('''
async def f(a, b):
    a, b = b, a
    return a, b

async def main():
    a, b = 1, 2
    print(await f(b, a), a, b)
''', inlined={"f"})


_CAPTURING_COMPREHENSIONS = {
    "expression_form": '''
async def f(x):
    return [x + i for i in range(2)]
async def main():
    i = 100
    return await f(i)
''',
    "statement_form": '''
async def f(x):
    r = [x + i for i in range(2)]
    return r
async def main():
    i = 100
    return await f(i)
''',
    "dict_comprehension": '''
async def f(x):
    r = {k: x for k in "ab"}
    return r
async def main():
    k = 100
    return await f(k)
''',
    "condition": '''
async def f(x):
    return [i for i in range(5) if i < x]
async def main():
    i = 3
    return await f(i)
''',
    "through_an_outer_frame": '''
async def leaf(y):
    return [y + i for i in range(2)]
async def mid(x):
    return await leaf(x)
async def main():
    i = 100
    return await mid(i)
''',
    # (an instance method is inlined under the assumption class-methods only)
    "receiver": '''
class K:
    async def m(self):
        r = [self.v + o for o in range(2)]
        return r
async def main():
    o = K()
    o.v = 100
    return await o.m()
''',
}


@pytest.mark.parametrize("source", _CAPTURING_COMPREHENSIONS.values(), ids=_CAPTURING_COMPREHENSIONS.keys())
def test_an_argument_is_not_pasted_where_a_callee_comprehension_binds_its_name(source):
    """A parameter read inside a comprehension of the callee that binds a name its argument
    reads (``[x + i for i in ...]`` called with ``i``) is bound to a variable of its own,
    not replaced by the argument, which the comprehension's variable would capture."""
    assert_same_behaviour(source, options=Options().extended(assume=["class-methods"]))


@pytest.mark.parametrize("default", ["True", "False", "None", "-1", "(1, 2)", "'s'"])
@pytest.mark.parametrize("assume", [frozenset(), frozenset({"frozen-defaults"})], ids=["default", "frozen-defaults"])
def test_a_pasted_default_read_in_a_comprehension_passed_on_to_a_nested_callee(default: str, assume: frozenset[str]) -> None:
    """Fuzz seeds 23000025, 23001595, 23001727 (the generator's new defaults, review R16 q):
    a parameter standing for its default's literal and read in a comprehension is no
    stable local, so the emitter evaluated the argument naming it into a temporary, while
    the nested callee's plan pasted the literal: the rewrite failed ("the plan's constants
    disagree with the arguments"). The emitter reads such a parameter as its literal."""
    assert_same_behaviour(
        f"""
async def f1(p):  # (a body reading p kept the argument's name: no temporary)
    print("f1")

async def f0(d={default}):
    seen = [d for q in (1, 2)]
    return seen, await f1(d)

async def main():
    print(await f0(), await f0(3))
""",
        options=Options(assume=assume),
        inlined={"f0", "f1"},
    )
