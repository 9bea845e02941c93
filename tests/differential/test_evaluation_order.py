"""What the caller evaluates before an await still happens before the inlined body, and after stays after."""

from tests.differential.harness import assert_same_behaviour

PRELUDE = '''
log = []
def t(label, value=None):
    print("eval", label)
    return value if value is not None else label

async def g(x):
    print("g body", x)
    return x
'''


def test_operands_before_the_await_are_hoisted():
    assert_same_behaviour(PRELUDE + '''
async def main():
    print(t("left", 1) + await g(2) + t("right", 3))
    print(t("f")(await g("arg")) if False else None)
    print([t("a"), await g("b"), t("c")], {t("k"): await g("v")})
    print(t("obj", {"x": 1})[await g("x")])
''', inlined={"g"}, min_inlined=4)


def test_global_read_before_the_await_sees_the_old_value():
    assert_same_behaviour('''
counter = 0

async def bump():
    global counter
    counter += 1
    return 10

async def main():
    global counter
    print(counter + await bump(), counter)
    counter += await bump()
    print(counter)
''', inlined={"bump"}, min_inlined=2)


def test_augmented_assignment_to_attribute_and_subscript():
    assert_same_behaviour(PRELUDE + '''
class Box:
    def __init__(self):
        self.v = 1
        self.items = {"k": 1}

box = Box()

async def touch():
    box.v = 100
    box.items["k"] = 100
    return 1

async def main():
    t("before")
    box.v += await touch()
    box.items[t("key", "k")] += await touch()
    print(box.v, box.items)
''', inlined={"touch"}, min_inlined=2)


def test_short_circuit_and_conditional_expressions():
    assert_same_behaviour(PRELUDE + '''
async def main():
    for flag in (0, 1):
        print(flag and await g("and"), flag or await g("or"))
        print(await g("then") if flag else await g("else"))
        print(t("a", flag) < await g(1) < t("c", 5) < await g(9))
''', inlined={"g"}, min_inlined=5)


def test_while_condition_reevaluated_each_iteration():
    assert_same_behaviour('''
state = {"n": 0}

async def more():
    state["n"] += 1
    print("check", state["n"])
    return state["n"] < 4

async def main():
    while await more():
        if state["n"] == 2:
            continue
        print("body", state["n"])
    else:
        print("else")
    while await more() or state["n"] < 7:
        if state["n"] == 6:
            break
    else:
        print("not reached")
    print("end", state)
''', inlined={"more"}, min_inlined=2)


def test_while_else_keeps_its_jumps_when_the_condition_is_linearized():
    """Long fuzz campaign, seed 104835: the else clause of a `while` whose condition was
    linearized ran inside the new `while True`, so a lowered `return` there (a `break`)
    left that loop instead of the inlined body. The else clause now runs after the loop,
    behind a flag, and its own break/continue are no longer refused."""
    result = assert_same_behaviour('''
async def check(n):
    print("check", n)
    if n > 2:
        return False
    return True

async def search(limit):
    n = 0
    while await check(n):
        n += 1
        if n == limit:
            return ("found", n)
    else:
        return ("exhausted", n)
    return "unreachable"

async def loops():
    out = []
    for i in range(4):
        n = 0
        while await check(n + i):
            n += 1
        else:
            if i == 1:
                continue
            if i == 3:
                break
            out.append(i)
        print("after", i)
    return out

async def main():
    print(await search(2), await search(10))
    print(await loops())
''', inlined={"check", "search", "loops"}, min_inlined=5)
    assert not [d for d in result.report.skipped if d.code == "position"], result.report.skipped


def test_elif_and_for_iterable_and_with_items():
    assert_same_behaviour(PRELUDE + '''
class CM:
    def __init__(self, name):
        self.name = name
    def __repr__(self):
        return f"CM({self.name})"
    def __enter__(self):
        print("enter", self.name)
        return self.name
    def __exit__(self, *exc):
        print("exit", self.name)

async def main():
    for v in (0, 1, 2):
        if v == 0:
            print("zero")
        elif await g(v) == 1:
            print("one")
        else:
            print("other")
    for x in await g([1, 2]):
        print("item", x)
    with CM("a") as a, await g(CM("b")) as b_, CM("c"):
        print("inside", a, b_)
''', inlined={"g"}, min_inlined=3)


def test_fstrings_format_before_later_awaits():
    """An f-string formats each part right after evaluating it."""
    assert_same_behaviour('''
items = [1]

async def grow():
    items.append(2)
    return len(items)

async def main():
    print(f"{items!r:>12} then {await grow()} then {items}")
''', inlined={"grow"})


def test_awaits_in_call_arguments_nested():
    assert_same_behaviour(PRELUDE + '''
async def h(a, b):
    print("h", a, b)
    return a + b

async def main():
    print(await h(await g(1), await h(await g(2), t("x", 3))))
''', inlined={"g", "h"}, min_inlined=4)


def test_walrus_in_the_same_statement():
    assert_same_behaviour(PRELUDE + '''
async def main():
    x = 1
    print(x, (x := 5), await g(x), x)
''', inlined={"g"})


def test_comprehension_first_iterable_inlined_body_skipped():
    result = assert_same_behaviour(PRELUDE + '''
async def main():
    print([v * 2 for v in await g([1, 2])])
    print([await g(v) for v in range(2)])
''', inlined={"g"})
    assert any(s.code == "position" and "comprehension" in s.reason for s in result.report.skipped)


def test_awaits_inside_try_around_the_site():
    assert_same_behaviour('''
async def boom(msg):
    raise ValueError(msg)

async def main():
    try:
        await boom("x")
    except ValueError as exc:
        print("caught", exc)
    finally:
        print("finally")
''', inlined={"boom"})


def test_unsupported_positions_are_reported():
    result = assert_same_behaviour(PRELUDE + '''
async def main():
    d = {}
    d[await g("k")] = 1
    assert await g(True)
    print(d)
    print(await g(1))
''', inlined={"g"})
    reasons = sorted(s.reason for s in result.report.skipped if s.code == "position")
    assert len(reasons) == 2
    assert "the await is in an `assert` statement" in reasons


def test_awaits_in_except_types_and_nested_definition_headers_are_reported_and_kept():
    """An except clause's type, a nested definition's decorators, defaults, annotations and
    bases are evaluated by the enclosing function; their awaits stay calls, each reported
    once. Until 2026-12-06 they were not reported at all, and one-line callees there
    were reported inlined while the emitter left them calls."""
    result = assert_same_behaviour('''
log = []
async def kind(tag):
    return ValueError
async def traced(tag):
    log.append(tag)
    return ValueError
async def main():
    try:
        raise ValueError("v")
    except (await kind("never: the first clause matches")) if log else ValueError as exc:
        log.append(str(exc))
    try:
        raise KeyError("k")
    except (await traced("first clause")):
        log.append("wrong")
    except (await kind("second clause")) if False else KeyError:
        log.append("caught")
    class K(await traced("base") and object, metaclass=type):
        pass
    def h(a: "int" = await kind("default")) -> None:
        return a
    @(await kind("decorator") and (lambda f: f))
    def d():
        pass
    print(log, K.__bases__, h(), d.__name__)
    print(await kind("inlined"))
''', inlined={"kind"})
    kept = sorted((s.line, s.reason) for s in result.report.skipped)
    assert [line for line, _ in kept] == [11, 15, 17, 19, 21, 23], kept
    assert {reason for _, reason in kept} == {
        "the await is in the exception type of an `except` clause",
        "the await is in a decorator, default, annotation or base of a nested definition",
    }
    assert [i.line for i in result.report.inlined] == [27]


def test_awaits_in_lambda_defaults_are_decided():
    """A lambda's defaults are evaluated by the enclosing function when the lambda is made:
    an await there is a site of that function (inlined in place as an expression, else kept
    as a call with a reason). Until 2026-12-06 they were not seen at all."""
    result = assert_same_behaviour('''
log = []
def t(x):
    log.append(x)
    return x
async def tens(x):
    return x * 10
async def traced(x):
    log.append(("traced", x))
    y = x + 1
    return y
async def main():
    fs = [lambda i=i, k=await tens(i): (i, k) for i in range(3)]
    g = (t(0), lambda a=await traced(1), *, b=await traced(2): (a, b), t(3))
    print([fn() for fn in fs], g[1](), log)
''', inlined={"tens"})
    assert [(s.line, s.reason) for s in result.report.skipped] == [(14, "the await is inside a lambda")] * 2


_TRUTH = '''
class N:
    """A truth value that says when it is tested."""
    def __init__(self, v, name):
        self.v, self.name = v, name
    def __bool__(self):
        print("bool", self.name)
        return bool(self.v)
    def __lt__(self, other):
        return N(self.v < other.v, f"{self.name}<{other.name}")

async def f(v):
    print("f", v.name)
    w = v
    return w
'''


def test_tests_with_short_circuits_test_each_operand_once():
    """In a test (``if``, ``elif``, ``while``, a conditional expression's test), CPython
    compiles ``and``, ``or``, ``not`` and comparison chains to jumps: each operand's truth
    is tested once. A short circuit lowered around an inlined await left the operand as the
    value the test then tested again, running its ``__bool__`` twice (review L); in a value
    (``x = a and await f(b)``) the operand is the value, tested once by the jump."""
    assert_same_behaviour(_TRUTH + '''
async def main():
    if N(0, "a") and await f(N(1, "b")):
        print("and")
    if N(1, "c") or await f(N(0, "d")):
        print("or")
    if not (N(0, "e") and await f(N(1, "g"))):
        print("not")
    if N(0, "h"):
        pass
    elif (N(1, "i") or await f(N(0, "j"))) and N(1, "k"):
        print("elif")
    while N(1, "l") or await f(N(0, "m")):
        break
    print("p" if N(0, "n") and await f(N(1, "o")) else "q")
    if N(5, "r") < N(3, "s") < await f(N(9, "t")):
        print("chain")
    if N(1, "u") and await f(N(0, "v")):
        print("not reached")
    x = N(0, "w") and await f(N(1, "x"))
    y = N(5, "y") < N(3, "z") < await f(N(9, "zz"))
    print(x.name, bool(y))
    # A tested operand holding the await in its first part (review R): its value is not
    # made either, only its truth, tested once.
    a = N(1, "A")
    if a and (await f(N(1, "B")) or N(0, "C")):
        print("then1")
    if a and await f(N(0, "D")) < N(1, "E") < N(1, "F"):
        print("then2")
    while a and (await f(N(0, "G")) and N(1, "H")):
        print("loop")
    print(1 if (a and (await f(N(1, "I")) or N(0, "J"))) else 2)
    if (N(1, "K") if N(0, "L") else (await f(N(1, "M")) or N(0, "O"))):
        print("then5")
    if (await f(N(1, "P")) or N(0, "Q")) and await f(N(1, "R")):
        print("then6")
''', inlined={"f"})


def test_positional_and_star_arguments_before_keyword_arguments():
    """CPython evaluates a call's positional and ``*`` arguments first, then its keyword and
    ``**`` ones, each group in source order, whatever order they are written in (the same on
    3.10-3.13). The rewrite followed the source order (review Z, f1): in
    ``h(x=await f(1), *seq())`` the inlined ``f`` ran before ``seq()`` (now refused: an
    unpacking runs before the await); in ``h(x=log(1), *[await f(2)])`` ``log(1)`` was hoisted
    before ``f`` (now left in place, after it)."""
    result = assert_same_behaviour('''
def log(x):
    print("log", x)
    return x

async def f(v):
    print("f", v)
    w = v
    return w

def h(*a, **k):
    print("h", a, k)

def seq():
    print("seq")
    return [1, 2]

async def main():
    h(x=await f(1), *seq())
    h(x=log(1), *[await f(2)])
    h(log(3), y=log(5), *[await f(6)], z=log(7), **{"k": log(8)})
    h(log(9), x=log(10), *[log(11), await f(12)], **{"k": log(13)})
''', inlined={"f"}, min_inlined=3)
    assert [(s.line, s.code) for s in result.report.skipped] == [(19, "position")], result.report.skipped


def test_a_tuple_item_of_a_split_with_stays_a_tuple():
    """Splitting ``with (a, await f(x)), c:`` left the tuple item alone, ``with (a, r):``,
    which Python reads as two parenthesized context managers (and ``with (a,):`` as
    ``with a:``): the rewrite entered them and ran the body where the original raised
    TypeError, as a tuple is no context manager (review Z, f3). A parenthesized tuple alone
    in a ``with`` now gets a second pair of parentheses."""
    assert_same_behaviour('''
async def f(v):
    print("f", v)
    w = v
    return w

class CM:
    def __init__(self, n):
        self.n = n
    def __repr__(self):
        return f"CM({self.n})"
    def __enter__(self):
        print("enter", self.n)
        return self.n
    def __exit__(self, *exc):
        print("exit", self.n)
        return False

async def main():
    a = CM(1)
    for case in range(5):
        try:
            if case == 0:
                with (a, await f(CM(2))), CM(3):
                    print("body ran")
            elif case == 1:
                with CM(0), (a, await f(CM(4))):
                    print("body ran")
            elif case == 2:
                with (CM(0), (a, await f(CM(5)))):
                    print("body ran")
            elif case == 3:
                with (a,), await f(CM(6)):
                    print("body ran")
            else:
                with CM(7) as x, (await f(CM(8)),) as y:
                    print("body ran", x, y)
        except (TypeError, AttributeError) as e:
            print(case, type(e).__name__)
''', inlined={"f"}, min_inlined=5)
