"""Programs of classes and packages (``async_inline.fuzz.objects``), the package oracle, site
kinds: the programs are valid, deterministic, reach what they are there for, and the
oracle notices a difference wherever it hides."""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter
from pathlib import Path
from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from async_inline import Options, rewrite_source
from async_inline.fuzz import oracle
from async_inline.fuzz.campaign import SHAPES, Case, Result, make_case, select_cases, shrink_case
from async_inline.fuzz.findings import TEST_HEADER, package_files, regression_test, write
from async_inline.fuzz.objects import ObjectProgramGenerator, generate_objects
from async_inline.fuzz.oracle import Verdict, compare, run_package, run_program
from async_inline.fuzz.shrink import shrink_files
from async_inline.fuzz.sites import SITE_KINDS, imports_of, site_kind
from tests.fuzz.test_fuzz_tools import _Rewritten

NO_STRESS = Options(stress_seed=None)


def _text(program: str | dict[str, str]) -> str:
    """The generated code, without the fixed prelude."""
    if isinstance(program, str):
        return program.split("\nclass MetaWrap(type):", 1)[1]
    return "\n".join(text for path, text in program.items() if not path.endswith("prelude.py"))


def test_programs_are_the_same_for_a_seed_and_compile():
    for seed in range(30):
        for runtime_async in (False, True):
            for package in (False, True):
                program = generate_objects(seed, runtime_async, package=package)
                assert generate_objects(seed, runtime_async, package=package) == program
                files = {"<module>": program} if isinstance(program, str) else program
                for path, source in files.items():
                    compile(source, path, "exec", dont_inherit=True)


#: What the generated programs must contain, over the first seeds (each is a regular
#: expression over the program's text; a feature missing means the generator lost it).
FEATURES = {
    "classes": {
        "single inheritance": r"class B\(A\)",
        "multiple inheritance": r"class D\(\w+, M\)",
        "override calling super()": r"await super\(\)\.m\d+\(",
        "classmethod": r"@classmethod",
        "staticmethod": r"@staticmethod",
        "cls.m()": r"await cls\.m\d+\(",
        "__slots__": r"__slots__ = ",
        "property over a method": r"@property",
        "descriptor over a method": r"@Traced",
        "Fake class attribute": r"^    m\d+ = Fake\(",
        "__getattr__": r"def __getattr__",
        "__getattribute__": r"def __getattribute__",
        "metaclass": r"metaclass=Meta",
        "class decorator": r"@wrapping\(",
        "__init_subclass__": r"def __init_subclass__",
        "self.m()": r"await self\.m\d+\(",
        "type(self).m(self)": r"await type\(self\)\.m\d+\(self",
        "Class.m(obj)": r"await [A-D]\.m\d+\((self|o\d)",
        "self._conn.m()": r"await self\._conn\.m\d+\(",
        "self._conn annotated in the class body": r"^    _conn: '[\w.]*Conn'",
        "local from a constructor": r"await o\d\.m\d+\(",
        "local left by a loop over an annotated list": r"^    o\d_all: list\[[\w.]+\] = \[",
        "local annotated with its class": r"^    o\d: [\w.]+ = ",
        "local whose annotation a mock belies": r"^    o\d: [\w.]+ = (Proxy|ConnMock)\(\)",
        "module-level instance": r"await SHARED_\w+\.m\d+\(",
        "constructor call": r"await \w+\(\d\)\.m\d+\(",
        "instance shadowing in __init__": r"self\.m\d+ = Fake\('shadow",
        "instance shadowing at run time": r"(self|o\d)\.m\d+ = Fake\(",
        "class attribute rebound": r"swap\([A-Z]\w*, 'm\d+'",
        "mock.patch.object": r"mock\.patch\.object\([A-Z]\w*, 'm\d+'",
        "AsyncMock": r"mock\.AsyncMock\(return_value=",
        "fake_method": r"fake_method\(",
        "__name__ printed": r"log\('[\w.]+', __name__\)",
        "class attribute rebound after the class": r"^\w+\.m\d+ = logged\(",
        "receiver reassigned": r"^\s+(self = o\d|cls = type\(o\d\))$",
        "receivers whose class lacks the methods": r"self\._conn = \(Proxy\(\) if v == 5 else ConnMock\(\)",
        "builtins bound by a caller": r"^    (type = spy_type|getattr = spy_getattr|super = spy_super|StopIteration = Halt|RuntimeError = Fault)$",
    },
    "modules": {
        "from .x import f": r"^from \.mod\d import f\d+$",
        "from pkg.x import f": r"^from fzpkg\.mod\d import f\d+$",
        "from . import x": r"^from \. import mod\d$",
        "import pkg.x as m": r"^import fzpkg\.mod\d as mod\d_mod$",
        "import pkg.x": r"^import fzpkg\.mod\d$",
        "import in a function": r"^    from \.mod\d import \w+$",
        "re-export": r"^from \. import f\d+$|^from fzpkg import f\d+$",
        "base class of another module": r"class \w+\((mod\d_?\w*\.)?[A-Z]\w*\):",
        "module attribute call": r"await (mod\d|mod\d_mod|fzpkg\.mod\d)\.f\d+\(",
        "module global set at run time": r"^\s+(mod\d\w*|sys\.modules\['fzpkg\.mod\d'\])\.LIMIT = \d",
        "module global swapped at run time": r"swap\((mod\d\w*|sys\.modules\['fzpkg\.mod\d'\]), 'LIMIT'",
        "mock.patch of a dotted name": r"mock\.patch\('fzpkg\.mod\d\.f\d+'",
        "global statement": r"^        global G|^    global G",
        "logger name": r"logging\.getLogger\(__name__\)\.name",
        "__file__": r"os\.path\.basename\(__file__\)",
        "builtins a module binds on a branch not taken": r"^    from nowhere import KeyError, ValueError$",
        "a global bound in both arms of a try": r"^    from nowhere import _SCALE$",
        "a module's builtins patched": r"mock\.patch\('fzpkg\.mod\d\.len', new=",
        "a global bound in one arm of an if": r"^if sys\.version_info >= \(3, 0\):\n    _SCALE = \d$",
    },
}


@pytest.mark.parametrize("shape", ["classes", "modules"])
def test_programs_contain_what_they_are_for(shape):
    text = "\n".join(_text(generate_objects(seed, seed % 2 == 1, package=shape == "modules")) for seed in range(120))
    missing = [name for name, pattern in FEATURES[shape].items() if not re.search(pattern, text, re.MULTILINE)]
    assert not missing, missing


def test_programs_contain_the_review_shapes_of_classes_and_packages():
    """An override deletes its receiver before ``super()``; a package module's own ``len``
    is deleted at run time."""
    classes = [generate_objects(seed) for seed in range(40)]
    assert any("        del self\n" in str(source) and "kept = self" in str(source) for source in classes)
    packages = [generate_objects(seed, package=True) for seed in range(40)]
    assert any(".len\n" in text and "del " in text for files in packages if isinstance(files, dict) for text in files.values())
    assert any("def len(o):" in text for files in packages if isinstance(files, dict) for text in files.values())


def test_programs_contain_the_third_sessions_review_shapes():
    """Classes remade by a call after their statement (as attrs.define does) or holding an
    instance method as a staticmethod; a package module unbinding its global ``_gone`` at
    top level (``except E as _gone``) that functions read, and one putting a twin in its
    place in sys.modules. None of these under ``class-methods`` in packages."""
    classes = "\n".join(str(generate_objects(seed)) for seed in range(60))
    assert re.search(r"^([A-DM]) = remade\(\1\)$", classes, re.MULTILINE)
    assert "@rewrap_static('m" in classes
    packages = [generate_objects(seed, package=True) for seed in range(40)]
    texts = [text for files in packages if isinstance(files, dict) for text in files.values()]
    assert any("except KeyError as _gone:" in text for text in texts)
    assert any("log(" in text and ", _gone)" in text for text in texts)
    twins = [files for files in packages if isinstance(files, dict) and any(p.endswith("_fast.py") for p in files)]
    assert twins and all(any("sys.modules[__name__] = mod" in t for t in files.values()) for files in twins)
    blind = [generate_objects(seed, package=True, class_methods=True) for seed in range(40)]
    assert not any("= remade(" in t or "rewrap_static('" in t or "_fast" in p for files in blind
                   if isinstance(files, dict) for p, t in files.items())


def test_packages_have_import_cycles_and_load_in_any_order():
    """A module imports mod1 back at the top (a cycle); every package still runs to its end."""
    cyclic = [seed for seed in range(40) if any(
        re.search(r"^(from \. import mod1|import fzpkg\.mod1 as mod1_mod)$", text, re.MULTILINE)
        for path, text in generate_objects(seed, package=True).items() if path.endswith(("mod2.py", "mod3.py"))
    )]
    assert len(cyclic) >= 5, cyclic


def test_programs_run_to_their_end_the_same_twice(tmp_path):
    """Programs get past their imports and class definitions: a generator bug there would
    make every program fail the same way in both forms, and test nothing."""
    ends = Counter()
    for seed in range(4):
        runtime_async = seed % 2 == 1
        for package in (False, True):
            program = generate_objects(seed, runtime_async, package=package)
            if isinstance(program, str):
                runs = [run_program(program, runtime_async=runtime_async, name="_objects", seed=seed) for _ in range(2)]
            else:
                runs = [run_package(program, tmp_path, runtime_async=runtime_async, seed=seed) for _ in range(2)]
            assert runs[0] == runs[1]
            last = runs[0].stdout.splitlines()[-1]
            ends[last.startswith("end") or "OutOfFuel" in str(runs[0].error)] += 1
            assert runs[0].stdout.count("\n") > 10
    assert ends[True] >= 7, ends  # (a loop in main may `return` early: a program may end so)


def test_no_rebinding_when_the_rewrite_drops_its_guards():
    """Callees are never rebound then; module state (data) is changed all the same."""
    state = 0
    for seed in range(20):
        for package in (False, True):
            text = _text(generate_objects(seed, seed % 2 == 1, rebinding=False, package=package))
            assert not re.search(r"mock\.patch|swap\([^,]*, '(?!LIMIT')|= Fake\('(shadow|o\d|self)", text), seed
            state += bool(re.search(r"\.LIMIT = \d|'LIMIT'", text))
    assert state >= 30, state


def test_class_methods_cases_keep_to_the_assumption():
    """Under ``--assume class-methods`` a package shadows no method by an instance attribute
    (the assumption: a module the site's rewrite does not read may hold the store); one
    module does, sometimes, since the analysis reads all of it and keeps the exact guard
    there. Patches of classes and modules are generated all the same."""
    cases = [c for c in (make_case(seed, "all", False) for seed in range(400)) if "class-methods" in c.options.assume]
    assert len(cases) >= 10 and {c.shape for c in cases} == {"classes", "modules"}
    patched = shadowed = 0
    for case in cases:
        text = _text(case.program())
        shadows = bool(re.search(r"= Fake\('(shadow|o\d|self)", text))
        assert not (shadows and case.shape == "modules"), case.seed
        shadowed += shadows
        patched += bool(re.search(r"mock\.patch\.object\([A-Z]\w*, 'm\d+'|swap\([A-Z]\w*, 'm\d+'", text))
    assert patched >= len(cases) // 3, patched
    assert shadowed >= 1, shadowed


def test_one_module_class_methods_cases_show_the_analysis_what_the_class_test_would_miss():
    """In one module the analysis reads all the code, so those cases may break the class
    test in every way it checks (analysis/class_test.py): the rewrite of such cases keeps
    the exact guard at some sites, for each kind of reason, and the class test at others."""
    reasons: Counter[str] = Counter()
    class_tested = 0
    for case in select_cases(2400240, 16, "classes", False, "class-methods"):
        program = case.program()
        assert isinstance(program, str)
        result = rewrite_source(program, options=case.options)
        for skipped in result.report.skipped:
            if "would not be exact here" in skipped.reason:
                reasons[re.sub(r"'[^']*'|line \d+", "_", skipped.reason.split("exact here: ")[1])] += 1
        class_tested += "_on_class = _ai_type(" in result.code or "_ai_getattr(_ai_type(" in result.code
    assert {
        "class _ customizes attribute lookup",
        "an attribute _ is assigned on an instance of _ at _",
        "subclass _ binds _ to an object other than a function",
        "_ of class _ is set to an object other than a function at _",
    } <= set(reasons), reasons
    assert class_tested >= 4, class_tested


#: What the holder class ``U`` of one-module class programs binds a method's name to, and
#: how ``main`` uses its instance (``ObjectProgramGenerator.holder_source``).
HOLDER_FEATURES = {
    "U holding a method": r"^class U(\(object\))?:\n(    .*\n|\n)*?    (m\d+) = [A-D]\.\3\n",
    "U holding a method by :=": r"^    \((m\d+) := [A-D]\.\1\)$",
    "U's property": r"^    @property\n    def (m\d+)\(self\):\n        log\('holder get', 'U\.\1'\)$",
    "U's property with a setter": r"^    @(m\d+)\.setter\n    def \1\(self, value\):$",
    "U's property then the method": r"^    @(m\d+)\.setter\n    def \1\(self, value\):\n.*\n.*\n\n    \1 = [A-D]\.\1$",
    "U's cached_property": r"^    @functools\.cached_property$",
    "U's __init__ sets the state methods read": r"^class U(\(object\))?:\n    def __init__\(self, v=0\):\n        self\.v = v$",
    "an instance store on u": r"^        u\.m\d+ = (Fake|mock\.AsyncMock|fake_method)\(",
    "setattr on u": r"^        setattr\(u, 'm\d+', ",
    "mock.patch.object on u": r"^        with mock\.patch\.object\(u, 'm\d+', ",
    "u as self of a hierarchy method": r"await [A-D]\.m\d+\(u[,)]",
    "a method of u": r"await u\.m\d+\(",
}


def test_class_programs_pass_an_unrelated_holder_as_self():
    """A third of the one-module class programs define a class ``U`` unrelated to the
    hierarchy that holds a method under its name (``m3 = A.m3``, ``(m3 := A.m3)``), makes
    it a property, or neither, and call hierarchy methods with its instance as ``self``,
    after a stand-in is stored on it now and then; never in packages, and without stores
    when the rewrite drops its guards."""
    programs = [generate_objects(seed, seed % 2 == 1) for seed in range(200)]
    text = "\n".join(str(p) for p in programs)
    missing = [name for name, pattern in HOLDER_FEATURES.items() if not re.search(pattern, text, re.MULTILINE)]
    assert not missing, missing
    held = sum(bool(re.search(r"^class U(\(object\))?:", str(p), re.MULTILINE)) for p in programs)
    assert 40 <= held <= 100, held
    assert not any(re.search(r"^class U(\(object\))?:", t, re.MULTILINE) for seed in range(30) for t in generate_objects(seed, package=True).values())
    unguarded = "\n".join(str(generate_objects(seed, rebinding=False)) for seed in range(60))
    assert "u = U(" in unguarded and not re.search(r"^        (u\.m\d+ = |setattr\(u|with mock)", unguarded, re.MULTILINE)


def test_class_methods_cases_show_the_analysis_a_holder_shadowed():
    """Under ``class-methods`` the analysis sees the store on an instance of the holder
    class and keeps the exact guard for that name; other cases with ``U`` are class-tested."""
    reasons: Counter[str] = Counter()
    for case in select_cases(44000000, 30, "classes", False, "class-methods"):
        program = case.program()
        assert isinstance(program, str)
        if "\n    u = U(" in program:
            for skipped in rewrite_source(program, options=case.options).report.skipped:
                reasons["holder"] += "(unrelated, but 'U' may hold the method as" in skipped.reason
    assert reasons["holder"] >= 1, reasons


# -- the package oracle -------------------------------------------------------------------------
#: A package whose ``twice`` a broken rewrite changes, with statements a shrinker drops.
SMALL_PACKAGE = {
    "pkg/__init__.py": "",
    "pkg/main.py": "from .helper import twice\n\n\nasync def main():\n    print('noise')\n    return await twice(3)\n",
    "pkg/helper.py": "def unused():\n    pass\n\n\nasync def twice(x):\n    return 2 * x\n",
}
PACKAGE = {
    "pkg/__init__.py": "",
    "pkg/main.py": "from .helper import twice\n\n\nasync def main():\n    return await twice(3)\n",
    "pkg/helper.py": "async def twice(x):\n    return 2 * x\n",
}
PACKAGE = {
    "pkg/__init__.py": "",
    "pkg/main.py": (
        "from . import helper\n"
        "from .helper import twice\n\n\n"
        "async def main():\n"
        "    print('name', helper.__name__)\n"
        "    return await twice(3) + await helper.twice(helper.LIMIT)\n"
    ),
    "pkg/helper.py": "LIMIT = 5\n\n\nasync def twice(x):\n    return 2 * x\n",
}


def _rewritten_as(monkeypatch, change):
    """The package rewrite gives ``change(files)`` (the same shape as RewriteResults)."""
    real = oracle.rewrite_program

    def fake(files, options):
        results = real(files, options)
        return {path: SimpleNamespace(code=code, report=results[path].report) for path, code in change(dict(files)).items()}

    monkeypatch.setattr(oracle, "rewrite_program", fake)


def test_package_oracle_agrees_on_a_package_and_runs_it_fresh(tmp_path):
    outcome = run_package(PACKAGE, tmp_path, runtime_async=False)
    assert outcome.result == "16" and outcome.stdout == "name pkg.helper\n"
    assert compare(PACKAGE, runtime_async=False).kind is None


def test_package_oracle_sees_a_change_in_another_module(monkeypatch):
    _rewritten_as(monkeypatch, lambda files: {**files, "pkg/helper.py": files["pkg/helper.py"].replace("LIMIT = 5", "LIMIT = 6")})
    verdict = compare(PACKAGE, runtime_async=False)
    assert verdict.kind == "behaviour" and "result: original '16', rewritten '18'" in verdict.detail, verdict


def test_package_oracle_sees_an_import_that_fails_and_an_interpreter_that_dies(monkeypatch):
    _rewritten_as(monkeypatch, lambda files: {**files, "pkg/main.py": "from .helper import nothing\n" + files["pkg/main.py"]})
    verdict = compare(PACKAGE, runtime_async=False)
    assert verdict.kind == "behaviour" and "ImportError" in verdict.detail, verdict
    _rewritten_as(monkeypatch, lambda files: {**files, "pkg/helper.py": "import os\nos._exit(3)\n"})
    verdict = compare(PACKAGE, runtime_async=False)
    assert verdict.kind == "worker-crash" and "exit code 3" in verdict.detail, verdict


def test_package_oracle_sees_a_hang(monkeypatch):
    _rewritten_as(monkeypatch, lambda files: {**files, "pkg/helper.py": files["pkg/helper.py"] + "while True:\n    pass\n"})
    assert compare(PACKAGE, runtime_async=False, timeout=0.5).kind == "timeout"


def test_packages_are_rewritten_through_rewrite_program_only(monkeypatch):
    """The one place to switch to a program-level rewrite API."""
    calls = []
    real = oracle.rewrite_program
    monkeypatch.setattr(oracle, "rewrite_program", lambda files, options: calls.append(sorted(files)) or real(files, options))
    program = generate_objects(2, package=True)
    verdict = compare(program, runtime_async=False, options=NO_STRESS)
    assert verdict.kind is None and calls == [sorted(program)], verdict


def test_a_nondeterministic_package_is_unusable():
    # Different on every run (a process id modulo a small number once repeated by chance).
    files = {**PACKAGE, "pkg/helper.py": "import os\nLIMIT = int.from_bytes(os.urandom(8), 'big')\n\n\nasync def twice(x):\n    return 2 * x\n"}
    verdict = compare(files, runtime_async=False)
    assert verdict.kind == "unusable" and "not deterministic" in verdict.detail, verdict


DEEP = """\
async def down(n):
    try:
        return await down(n + 1)
    except RecursionError:
        return n


async def main():
    print(await down(0))  # where the limit strikes (inlining takes frames away)
"""


def test_a_program_that_depends_on_the_recursion_limit_is_unusable():
    """The shrinker finds such programs (a recursion guard removed): never a divergence."""
    for program in (DEEP, {"pkg/__init__.py": "", "pkg/main.py": DEEP}):
        verdict = compare(program, runtime_async=False)
        assert verdict.kind == "unusable" and "recursion limit" in verdict.detail, verdict


def _bound_to_own_class(source: str, methods: set[str]) -> str:
    """``await self.m(...)`` in a method of class K made ``await K.m(self, ...)``: dynamic
    dispatch dropped, as an inliner that does not check the receiver would."""
    out, owner = [], None
    for line in source.splitlines():
        if match := re.match(r"class (\w+)", line):
            owner = match[1]
        elif line and not line.startswith((" ", "#", "@")):
            owner = None
        if owner is not None:
            line = re.sub(r"await self\.(m\d+)\(", lambda m, k=owner: f"await {k}.{m[1]}(self, " if m[1] in methods else m[0], line)
        out.append(line.replace("(self, )", "(self)"))
    return "\n".join(out) + "\n"


def test_the_oracle_catches_a_method_call_bound_to_its_class(monkeypatch):
    """A method inliner's mistake (the rewriter of 3eb609e makes it with guards off):
    ``self.m()`` taken for the method of the caller's own class. Subclasses override the
    methods their bases call through ``self`` often enough for a few programs to show it."""
    methods: set[str] = set()
    monkeypatch.setattr(oracle, "rewrite_source", lambda source, **kwargs: _Rewritten(_bound_to_own_class(source, methods)))
    kinds = []
    for seed in range(22, 26):  # (11-14 before the review shapes' baits were called from methods)
        generator = ObjectProgramGenerator(seed, seed % 2 == 1)
        program = generator.generate_program()
        methods.clear()
        methods.update(f.name for f in generator.functions if f.kind == "method")
        kinds.append(compare(program, runtime_async=seed % 2 == 1, options=NO_STRESS, seed=seed).kind)
    assert "behaviour" in kinds, kinds


def test_the_oracle_catches_module_state_read_as_a_constant(monkeypatch):
    """A cross-module inliner's mistake: a module's ``LIMIT`` read as the value it was
    defined with, not as it is when read (``mod2.LIMIT = 5`` at run time)."""

    def folded(code: str) -> str:
        defined = re.search(r"^LIMIT = (\d+)$", code, re.MULTILINE)
        return re.sub(r"(?<![.'\w])LIMIT\b(?!\s*=[^=])", defined[1], code) if defined else code

    monkeypatch.setattr(oracle, "rewrite_program", lambda files, options: {path: _Rewritten(folded(code)) for path, code in files.items()})
    kinds = [compare(generate_objects(seed, seed % 2 == 1, package=True), runtime_async=seed % 2 == 1, seed=seed).kind for seed in range(2)]
    assert "behaviour" in kinds, kinds


# -- site kinds -----------------------------------------------------------------------------------
SOURCE = """\
from . import mod1
import fzpkg.mod2 as mod2_mod
import fzpkg.mod3
from .mod3 import f5, A as AA


async def g():
    from .mod2 import f7
"""


IMPORTS = imports_of(SOURCE, "fzpkg", "fzpkg.main", ["main", "mod1", "mod2", "mod3"])


@pytest.mark.parametrize(
    ("callee", "kind"),
    [
        ("f1", "function"), ("self.m", "method"), ("super().m", "method"), ("type(self).m", "method"),
        ("A(3).m", "method"), ("AA.m", "method"), ("o1.m3", "method"), ("self._conn.m", "method"),
        ("mod1.A(2).m", "method"), ("fzpkg.mod3.A.m", "method"), ("f5", "cross-module"), ("f7", "cross-module"),
        ("mod1.f2", "cross-module"), ("mod2_mod.f3", "cross-module"), ("fzpkg.mod3.f4", "cross-module"),
        ("fzpkg.main.f4", "function"),
    ],
)
def test_site_kind_by_the_shape_of_the_callee(callee, kind):
    assert site_kind(SimpleNamespace(callee=callee), IMPORTS) == kind


@given(st.sampled_from(SITE_KINDS), st.text(max_size=20))
@settings(max_examples=50, deadline=None)
def test_site_kind_prefers_the_reports_own_kind(kind, callee):
    assert site_kind(SimpleNamespace(callee=callee, kind=kind), IMPORTS) == kind


@given(st.from_regex(r"[a-z_][a-z0-9_]{0,8}(\.[a-z_][a-z0-9_]{0,8}|\(\d\)){0,3}", fullmatch=True))
@settings(max_examples=100, deadline=None)
def test_site_kind_is_one_of_the_kinds_and_a_call_result_is_a_method(callee):
    kind = site_kind(SimpleNamespace(callee=callee), IMPORTS)
    assert kind in SITE_KINDS
    if "(" in callee.split(".")[-2:][0] and "." in callee:
        assert kind == "method"


# -- cases, shrinking, findings ------------------------------------------------------------------
def test_every_kind_of_case_follows_from_the_seed():
    cases = [make_case(seed, "all", False) for seed in range(6)]
    assert {(c.shape, c.runtime_async) for c in cases} == {(s, r) for s in SHAPES for r in (False, True)}
    for case in cases:
        again = make_case(case.seed, case.kind_option, False)
        assert again == case and f"--kind {case.kind_option}" in case.command
    assert make_case(5, "classes", True).label == "seed 5 (classes-runtime, stress)"
    assert isinstance(make_case(2, "modules", False).program(), dict)
    with pytest.raises(ValueError):
        make_case(1, "nothing", False)


def test_shrink_files_keeps_the_failure_in_whichever_file_it_is():
    files = {
        f"p/m{i}.py": "".join(f"def f{j}(x):\n    if x:\n        return {i} + x\n    return x\n\n\n" for j in range(4))
        for i in range(3)
    }

    def fails(candidate: dict[str, str]) -> bool:
        return "return 1 + x" in candidate["p/m1.py"] and "def f3" in candidate["p/m2.py"]

    small = shrink_files(files, fails, seconds=60)
    assert {path: text.strip() for path, text in small.items()} == {
        "p/m0.py": "", "p/m1.py": "def f0(x):\n    return 1 + x", "p/m2.py": "def f3(x):\n    pass"
    }, small


def test_a_shrunk_package_divergence_becomes_a_test_and_a_runnable_package(tmp_path, monkeypatch):
    case = make_case(8, "modules", False)
    _rewritten_as(monkeypatch, lambda files: {**files, "pkg/helper.py": files["pkg/helper.py"].replace("2 * x", "3 * x")})
    verdict = compare(SMALL_PACKAGE, runtime_async=False, options=case.options)
    assert verdict.kind == "behaviour"
    shrunk = shrink_case(case, verdict, SMALL_PACKAGE, seconds=60)
    assert shrunk == {
        "pkg/__init__.py": "",
        "pkg/main.py": "from .helper import twice\n\n\nasync def main():\n    return await twice(3)\n",
        "pkg/helper.py": "async def twice(x):\n    return 2 * x\n",
    }, shrunk
    result = Result(case, verdict, SMALL_PACKAGE, shrunk)
    namespace: dict = {}
    exec(compile(TEST_HEADER + regression_test(result), "test_x.py", "exec"), namespace)
    with pytest.raises(AssertionError):  # the rewrite still differs: as an xfail, it fails
        namespace["test_fuzz_8_modules_plain"]()
    monkeypatch.undo()
    namespace["test_fuzz_8_modules_plain"]()  # fixed: it passes (as an xfail, an XPASS)
    directory = write(result, tmp_path)
    assert sorted(p.name for p in directory.rglob("*.py")) == sorted(Path(p).name for p in package_files(result))
    done = subprocess.run([sys.executable, str(directory / "run.py")], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and "result" in done.stdout, done.stderr


def test_a_runtime_package_finding_runs_with_its_contexts(tmp_path):
    case = make_case(3, "modules", False)  # (a program that ends before its fuel does)
    result = Result(case, Verdict("behaviour", "x"), case.program(), case.program())
    done = subprocess.run([sys.executable, str(write(result, tmp_path) / "run.py")], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and "result 'done'" in done.stdout and "posts [('c0'," in done.stdout, done.stderr[-2000:]


def test_class_programs_become_findings_as_one_module(tmp_path):
    case = Case(5, True, False, "classes")  # (a seed whose program runs to its end)
    result = Result(case, Verdict("behaviour", "x"), case.program(), case.program())
    path = write(result, tmp_path)
    done = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and "result 'done'" in done.stdout, done.stderr[-2000:]
