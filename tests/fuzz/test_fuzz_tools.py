"""The fuzzer's own parts: programs are valid, deterministic and reach the inliner; the
oracle sees every kind of divergence; the shrinker keeps the failure and drops the rest;
findings come out as runnable programs and tests."""

from __future__ import annotations

import subprocess
import sys
import time
import warnings
from collections import Counter

import libcst as cst
import pytest

from async_inline import Options
from async_inline.fuzz import oracle
from async_inline.fuzz.campaign import Case, Result, make_case, select_cases
from async_inline.fuzz.findings import TEST_HEADER, options_source, program_file, regression_test
from async_inline.fuzz.generator import generate
from async_inline.fuzz.oracle import Verdict, compare, describe_exception, only_new_garbage, run_program
from async_inline.fuzz.shrink import shrink

NO_STRESS = Options(stress_seed=None)


@pytest.mark.parametrize("runtime_async", [False, True], ids=["plain", "runtime"])
def test_programs_compile_and_run_the_same_twice(runtime_async):
    for seed in range(25):
        for rebinding in (True, False):
            source = generate(seed, runtime_async, rebinding)
            assert generate(seed, runtime_async, rebinding) == source
            compile(source, "<p>", "exec", dont_inherit=True)
    for seed in range(6):
        source = generate(seed, runtime_async)
        first = run_program(source, runtime_async=runtime_async, name="_p1", seed=seed)
        again = run_program(source, runtime_async=runtime_async, name="_p1", seed=seed)
        assert first == again
        assert "end" in first.stdout or "OutOfFuel" in str(first.error)
        assert first.stdout.count("\n") > 10


def test_programs_parse_on_every_supported_python():
    """No f-string quote reuse or other syntax of one version only: checked by the oldest
    and newest interpreters CI has, when they are installed."""
    script = (
        "import sys; sys.path.insert(0, sys.argv[1])\n"
        "from async_inline.fuzz.generator import generate\n"
        "from async_inline.fuzz.objects import generate_objects\n"
        "for seed in range(40):\n"
        "    for rt in (False, True):\n"
        "        compile(generate(seed, rt), 'p', 'exec', dont_inherit=True)\n"
        "        compile(generate_objects(seed, rt), 'p', 'exec', dont_inherit=True)\n"
        "        for path, text in generate_objects(seed, rt, package=True).items():\n"
        "            compile(text, path, 'exec', dont_inherit=True)\n"
    )
    root = str(__import__("pathlib").Path(__file__).resolve().parents[2])
    pythons = [p for p in ("/root/.pyenv/versions/3.10.13/bin/python", "/root/.pyenv/versions/3.13.0/bin/python3")
               if __import__("os").path.exists(p)]
    if not pythons:
        pytest.skip("no other interpreter installed")
    for python in pythons:
        done = subprocess.run([python, "-W", "error::SyntaxWarning", "-c", script, root], capture_output=True, text=True)
        assert done.returncode == 0, f"{python}: {done.stderr[-2000:]}"


@pytest.mark.parametrize("runtime_async", [False, True], ids=["plain", "runtime"])
def test_programs_reach_the_inliner_and_its_refusals(runtime_async):
    """Most awaits are inlinable, and the bait reaches the refusals it is there for."""
    from async_inline import rewrite_source

    inlined, codes = 0, Counter()
    for seed in range(16):
        report = rewrite_source(generate(seed, runtime_async), options=NO_STRESS).report
        inlined += len(report.inlined)
        codes.update(s.code for s in report.skipped)
    assert inlined >= 80, (inlined, codes)
    refusals = {"closure", "nested-scope", "frame-introspection", "decorator", "not-async", "call-unpacking", "binding", "rebound"}
    assert refusals <= set(codes), refusals - set(codes)


#: What each shape of the reviews' miscompiles (``REVIEW_BAITS`` and the draws of
#: ``ProgramGenerator.shapes``) writes, by the kind of program it is in.
REVIEW_SHAPES = {
    False: ["from sys import _getframe as here", "loc = locals", "grab=sys._getframe", "(peek, peek_depth), peek_n =",
            "__value = x", "return await private_maybe(x)", "return sorted(loc())", ".__defaults__ = ",
            ".__kwdefaults__ = ", "chain(inner_err)", "for len in", "for t in",
            # the third session's reviews: close()/throw() of a caller suspended in a callee
            "drive(closing_caller(", "    except BaseException:\n        log('closing", "    except:  # noqa",
            "    finally:\n        log('closing: finally', exc_name())\n        return -5",
            "with contextlib.suppress(BaseException):", ", Stop)", ", Boom)",
            # short circuits around sites, multi-item withs, unbinding jumps
            " and await f", "Cond(await f", ") if Cond(", "), ExitRaises('", "True) as (", ", EnterRaises('",
            "except NameError as unbound:", "    while True:\n        try:\n", "break\n        finally:\n",
            "continue\n        finally:\n"],
    True: ["[v async for v in ticks(", "configure_await(", "Flag(", "for al in", "await drive_here(",
           "    SynchronizationContext.set_current(ctx)\n"],
}


def test_programs_contain_the_review_shapes():
    """Each shape is in some of the first programs; none assigns defaults under
    ``frozen-defaults``, and a seed's other draws are those it had without the shapes."""
    for runtime_async, markers in REVIEW_SHAPES.items():
        sources = [generate(seed, runtime_async) for seed in range(80)]
        missing = [m for m in markers if not any(m in source for source in sources)]
        assert not missing, (runtime_async, missing)
        frozen = [generate(seed, runtime_async, mutable_defaults=False) for seed in range(80)]
        assert not any("defaults__ = " in source for source in frozen)
    hidden = [s for s in (generate(seed) for seed in range(200)) if any(f"for f{i} in" in s for i in range(5))]
    assert hidden  # a callee's callee named by a comprehension variable
    # a GeneratorExit subclass is thrown only where the callee cannot tell it from a plain one
    # (the difference is documented); runtime-async programs throw no Boom and never suspend
    # while closed (the original would break rule A4)
    for runtime_async in (False, True):
        for seed in range(120):
            source = generate(seed, runtime_async)
            if "closing_callee" not in source:
                continue
            callee = source.split("def closing_callee")[1].split("def closing_caller")[0]
            if ", Stop)" in source:
                assert not any(h in callee for h in ("raise\n", "except Stop", "return -5", "closing: finally after")), seed
            if runtime_async:
                assert ", Boom)" not in source and "closing: finally after" not in callee, seed


LIFETIME_SHAPES = (
    "log('lifetimes', await lifetimes())", "await TrackedSvc('o", "Tracked('a", "k=Tracked(", "q=Tracked(", "*rest", "**kw",
    "(w := v)", "print('never',", "    del a\n", "    a = Tracked(", "    self = ", "=Tracked('lt0.b', False)", ".__defaults__ = (",
    ".__kwdefaults__ = {", " is not ", "    r = None\n", "for i in range(2):",
)


def test_programs_contain_the_lifetime_shapes():
    """Objects that print when finalized, in every place an inlined frame must let go of
    them (``lifetimes.py``), in some of the first programs; the shapes never raise (an
    exception keeps a real frame's locals in its traceback: a documented difference), and
    what they make is finalized before ``lifetimes()`` returns, in the same order twice."""
    import asyncio
    import contextlib
    import gc
    import io

    from async_inline.fuzz.lifetimes import LifetimeShapes
    from async_inline.fuzz.prelude import prelude

    sources = [generate(seed) for seed in range(60)]
    assert 10 < sum("await lifetimes()" in s for s in sources) < 40
    missing = [m for m in LIFETIME_SHAPES if not any(m in source for source in sources)]
    assert not missing, missing
    frozen = [generate(seed, mutable_defaults=False) for seed in range(60)]
    assert not any("defaults__ = " in source for source in frozen)
    for seed in range(60):
        shapes = LifetimeShapes(seed, False, True)
        source = prelude(False) + "\n".join(shapes.source()) + "\n"
        outputs = []
        for _ in range(2):
            out = io.StringIO()
            with only_new_garbage(), contextlib.redirect_stdout(out):
                namespace: dict[str, object] = {}
                exec(compile(source, "<lifetimes>", "exec"), namespace)
                asyncio.run(namespace["lifetimes"]())  # type: ignore[operator]
                printed = out.getvalue()
                namespace.clear()
                gc.collect()
            assert out.getvalue() == printed, seed  # nothing printed after lifetimes() returned
            outputs.append(printed)
        assert "freed" in outputs[0] and outputs[0] == outputs[1], seed


GAP_SHAPES = (
    "log('gaps', await gaps())", "async def lit0(x, y=", "async def dflt0(x, a=", "= await aug_val(", "await aug_in(t('b', box)",
    "    global gnew\n    del gnew", "    GCOUNT ", "async def rec_odd(", "await rec_fib(", "    while i < n:", "    else:\n        if v > 4:",
    "async for v in ret_items(", "async def m(this, x):", "async def cm(klass, x=", "await super().cm(x + 1)",
)


def test_programs_contain_the_gap_shapes():
    """What a review found the generator never made (``gaps.py``) is in some of the first
    programs; ``gaps()`` alone prints the same twice and ends (what it raises is caught)."""

    from async_inline.fuzz.gaps import GapShapes
    from async_inline.fuzz.prelude import prelude

    sources = [generate(seed) for seed in range(60)]
    assert 15 < sum("await gaps()" in s for s in sources) < 45
    missing = [m for m in GAP_SHAPES if not any(m in source for source in sources)]
    assert not missing, missing
    assert any("    G += " in generate(seed) for seed in range(200, 300))  # (rare: G = (G + ...) % 1000 is)
    for seed in range(40):
        shapes = GapShapes(seed, False, True)
        if not shapes.drawn:
            continue
        output = _runs_alike_twice(prelude(False) + "\n".join(shapes.source()) + "\n", "gaps", seed)
        assert "gaps end" in output, seed


def _runs_alike_twice(source: str, entry: str, seed: int) -> str:
    """The output of ``entry()`` of ``source``, which returns 0, prints the same on a
    second run and warns nowhere (``~`` on a bool warns from 3.12)."""
    import asyncio
    import contextlib
    import io

    outputs = []
    for _ in range(2):
        out = io.StringIO()
        with contextlib.redirect_stdout(out), warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            namespace: dict[str, object] = {}
            exec(compile(source, f"<{entry}>", "exec"), namespace)
            assert asyncio.run(namespace[entry]()) == 0  # type: ignore[operator]
        assert not caught, (seed, [str(w.message) for w in caught])
        outputs.append(out.getvalue())
    assert outputs[0] == outputs[1], seed
    return outputs[0]


#: What each family of ``more_gaps.py`` writes (gaps 4, 5, 7, 8, 11, 17, 19), as text.
MORE_GAP_SHAPES = (
    "log('more gaps', await more_gaps())", "a = b = await st_val(", "p, *q = await st_seq(", "a: int = await st_val(",
    "a, b = b, await st_val(a)", ") from await st_exc(", ":await st_val(", "say('tgt', d)[say('key', 'k')] = say('v', ",
    "unp_h(**um, x=await unp_val(", "{**um, 'x': await unp_val(", "unp_h(*uq, x=await unp_val(", "for j in await cmp_seq(i + ",
    "sum(v for v in await cmp_seq(", "for i in range(x) for j in range(i)]", "return (y := x + 1) * y",
    "any((hit := v) > 2 for v in xs)", "[(w := v) * 2 for v in xs]", "    except Boom as a:", "    with RebCM(b) as a:",
    "    for a in range(b):", "(a, (b, c)) = b, (a, len(a))", "    async def hyg_inner(y):", "f = lambda: base + y",
    "await use_twice(b=say('b', ", "await use_none(c=say('c', ",
)


def test_programs_contain_the_more_gap_shapes():
    """The shapes of ``more_gaps.py`` are in some of the first programs (``configure_await(...,
    True)`` in runtime-async ones); ``more_gaps()`` alone prints the same twice, ends, and
    warns nowhere."""

    from async_inline.fuzz.more_gaps import MoreGapShapes
    from async_inline.fuzz.prelude import prelude

    sources = [generate(seed) for seed in range(60)]
    assert 15 < sum("await more_gaps()" in s for s in sources) < 50
    missing = [m for m in MORE_GAP_SHAPES if not any(m in source for source in sources)]
    assert not missing, missing
    assert any("await configure_await(cfg_" in s and "), True)" in s for s in (generate(seed, True) for seed in range(1, 60, 2)))
    for seed in range(40):
        shapes = MoreGapShapes(seed, False, True)
        if not shapes.families:
            continue
        output = _runs_alike_twice(prelude(False) + "\n".join(shapes.source()) + "\n", "more_gaps", seed)
        assert "more gaps end" in output, seed


def test_runtime_programs_inline_runtime_async_callees():
    from async_inline import rewrite_source

    inlined = [d for seed in range(1, 6) for d in rewrite_source(generate(seed, True), options=NO_STRESS).report.inlined]
    assert any(d.never_suspends is not None for d in inlined), inlined


def test_exception_description_tells_suppressed_context_apart():
    def chained(suppress: bool) -> BaseException:
        try:
            try:
                raise KeyError(1)
            except KeyError:
                if suppress:
                    raise ValueError(2) from None
                raise ValueError(2)  # noqa: B904 (the implicit context is the point)
        except ValueError as exc:
            return exc

    assert describe_exception(chained(True)) != describe_exception(chained(False))


def _patched(monkeypatch, change):
    real = oracle.rewrite_source

    def fake(source, **kwargs):
        result = real(source, **kwargs)
        result.code = change(result.code)
        return result

    monkeypatch.setattr(oracle, "rewrite_source", fake)


def test_oracle_reports_a_behaviour_difference(monkeypatch):
    _patched(monkeypatch, lambda code: code.replace("log('end'", "log('END'"))
    verdict = compare(generate(1), runtime_async=False, options=NO_STRESS)
    assert verdict.kind == "behaviour" and "output differs" in verdict.detail, verdict


def test_oracle_reports_a_different_exception_chain(monkeypatch):
    program = "import asyncio\nasync def main():\n    try:\n        raise KeyError(1)\n    except KeyError:\n        raise ValueError(2)\n"
    monkeypatch.setattr(oracle, "rewrite_source", lambda source, **kw: _Rewritten(source.replace("raise ValueError(2)", "raise ValueError(2) from None")))
    verdict = compare(program, runtime_async=False, options=NO_STRESS)
    assert verdict.kind == "behaviour" and verdict.detail.startswith("error:"), verdict


def test_oracle_reports_different_posts(monkeypatch):
    """Runtime-async programs: one more post to a synchronization context is a divergence."""
    program = generate(1, True)
    _patched(monkeypatch, lambda code: code.replace("    SynchronizationContext.set_current(CTX[0])\n",
                                                    "    SynchronizationContext.set_current(CTX[0])\n    await yield_()\n", 1))
    verdict = compare(program, runtime_async=True, options=NO_STRESS, seed=1)
    assert verdict.kind == "behaviour" and "posts" in verdict.detail, verdict


class _Rewritten:
    """Stands for a RewriteResult whose code is given."""

    def __init__(self, code):
        from async_inline.report import FileReport

        self.code = code
        self.report = FileReport("x")


def test_oracle_reports_hangs_crashes_and_invalid_output(monkeypatch):
    _patched(monkeypatch, lambda code: code.replace("async def main():", "async def main():\n    while True: pass", 1))
    assert compare(generate(2), runtime_async=False, options=NO_STRESS, timeout=0.5).kind == "timeout"

    def crashing(source, **kwargs):
        raise KeyError("boom")

    monkeypatch.setattr(oracle, "rewrite_source", crashing)
    verdict = compare(generate(2), runtime_async=False, options=NO_STRESS)
    assert verdict.kind == "rewrite-crash" and "KeyError" in verdict.detail

    def invalid(source, **kwargs):
        raise oracle.InternalError("generated invalid code")

    monkeypatch.setattr(oracle, "rewrite_source", invalid)
    assert compare(generate(2), runtime_async=False, options=NO_STRESS).kind == "invalid-output"

    def looping(source, **kwargs):
        while True:
            time.sleep(0.01)

    monkeypatch.setattr(oracle, "rewrite_source", looping)
    monkeypatch.setattr(oracle, "REWRITE_TIMEOUT", 0.5)
    assert compare(generate(2), runtime_async=False, options=NO_STRESS).kind == "rewrite-timeout"


def test_a_program_that_swallows_the_alarm_still_times_out():
    """The first alarm lands in the `try` and is lost in the `finally`: the alarm repeats."""
    program = (
        "async def main():\n"
        "    try:\n"
        "        while True: pass\n"
        "    finally:\n"
        "        while True: pass\n"
    )
    with pytest.raises(oracle.ProgramTimeout):
        run_program(program, runtime_async=False, name="_spin", timeout=0.3)


def test_a_nondeterministic_original_is_unusable_not_a_divergence():
    program = "import random\nasync def main():\n    print(random.random())\n"
    verdict = compare(program, runtime_async=False, options=NO_STRESS)
    assert verdict.kind == "unusable" and not verdict.divergent, verdict


def test_shrink_keeps_the_failure_and_removes_the_rest():
    source = generate(4)
    marker = "log('end'"
    small = shrink(source, lambda candidate: marker in candidate, seconds=60)
    assert marker in small
    assert len(small.splitlines()) <= 3, small
    compile(small, "<small>", "exec")


def test_shrink_unwraps_compound_statements_and_simplifies_expressions():
    source = (
        "async def main(a):\n"
        "    for i in range(3):\n"
        "        try:\n"
        "            if a:\n"
        "                x = (a + 1) * 2\n"
        "            else:\n"
        "                pass\n"
        "        except Exception:\n"
        "            pass\n"
        "        finally:\n"
        "            print(1)\n"
        "    return 0\n"
    )
    small = shrink(source, lambda candidate: "a + 1" in candidate)
    assert small == "async def main(a):\n    x = (a + 1)\n", small


def test_a_finding_becomes_a_runnable_program_and_a_test(tmp_path):
    case = make_case(3, "runtime", stress=True)
    program = case.program()
    result = Result(case, Verdict("behaviour", 'output differs: """quotes""" and \\ backslash'), program, program)
    test_source = TEST_HEADER + regression_test(result, "a diagnosis")
    namespace: dict = {}
    exec(compile(test_source, "test_x.py", "exec"), namespace)
    test = namespace["test_fuzz_3_runtime_stress"]
    assert test.pytestmark[0].kwargs == {"strict": True, "reason": "fuzz finding: a diagnosis"}
    test()  # this program does not diverge: the assertion holds (as an xfail it would XPASS)
    assert "stress_seed=3" in options_source(case.options)

    path = tmp_path / "prog.py"
    path.write_text(program_file(result))
    done = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "result 'done'" in done.stdout and "posts [('c0'," in done.stdout


def test_cases_follow_from_the_seed():
    assert make_case(7, "both", False).runtime_async and not make_case(8, "both", False).runtime_async
    assert make_case(8, "runtime", False).runtime_async
    case = make_case(5, "plain", True)
    assert case.options.stress_seed == 5 and case.options == make_case(5, "plain", True).options
    assert Case(5, False, False).options.stress_seed is None
    assert case.command == "python -m async_inline fuzz --seed 5 --count 1 --kind plain --stress"
    without_guards = next(Case(s, False, False) for s in range(100) if not Case(s, False, False).options.guards)
    assert "rebind('" not in without_guards.program()  # no rebinding when the guards are off


def test_cases_can_be_selected_by_the_assumption_their_options_make():
    """``fuzz --assuming class-methods``: the first seeds from S whose draw makes it; a kind
    that never draws it is an error, not an endless search."""
    cases = select_cases(100, 5, "classes", False, "class-methods")
    assert len(cases) == 5 and all("class-methods" in c.options.assume for c in cases)
    assert [c.seed for c in cases] == sorted(c.seed for c in cases) and cases[0].seed >= 100
    assert cases[0] == make_case(cases[0].seed, "classes", False)  # its own command runs it alone
    assert [c.seed for c in select_cases(100, 3, "classes", False)] == [100, 101, 102]
    # no-rebinding is Options.guards=False, never in Options.assume (review Y, f6)
    assert all(not c.options.guards for c in select_cases(100, 2, "plain", False, "no-rebinding"))
    with pytest.raises(ValueError, match="drew 'class-methods' for 0 of"):
        select_cases(0, 2, "plain", False, "class-methods")
    done = subprocess.run(
        [sys.executable, "-m", "async_inline", "fuzz", "--kind", "plain", "--assuming", "class-methods", "--count", "1"],
        capture_output=True, text=True,
    )
    assert done.returncode == 2 and done.stderr.startswith("fuzz: --kind plain drew 'class-methods'"), done.stderr


def test_generated_while_loops_stay_bounded_and_timeouts_are_not_swallowed():
    """Long campaign, seed 103505 (runtime): `while w1 < 3 and X or Y > 3` lost its bound
    to precedence, and `async with ACM(..., True)` swallowed the harness's alarm, so the
    original never ended and its worker was killed: a fuzzer bug reported as a finding.
    (Seed 103503 has such a loop with the generator's draws of 2026-12-04, evening.)"""
    case = make_case(103503, "runtime", False)
    source = case.program()
    assert any(line.lstrip().startswith("while w") and " and (" in line for line in source.splitlines())
    started = time.monotonic()
    assert compare(source, runtime_async=True, options=case.options, seed=case.seed).kind is None
    assert time.monotonic() - started < 60
    spinning = generate(0).replace("async def main():", "async def main():\n    with CM('x', True):\n        while True: pass", 1)
    with pytest.raises(oracle.ProgramTimeout):
        run_program(spinning, runtime_async=False, name="_spin_cm", timeout=0.3)


def test_shrink_keeps_a_handler_that_an_else_needs():
    """A try with one handler, an else and a finally: dropping the handler would leave an
    else with none, which LibCST refuses to build (the shrinker's worker died on it during
    the campaign of seed 740000)."""
    from async_inline.fuzz.shrink import _edits

    source = "try:\n    x = 1\nexcept Exception:\n    pass\nelse:\n    print(x)\nfinally:\n    print(2)\n"
    node = cst.parse_module(source).body[0]
    edits = list(_edits(node))  # builds every edit
    assert all(not isinstance(e, cst.Try) or e.handlers for e in edits)
