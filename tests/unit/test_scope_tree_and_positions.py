"""The analysis' own scope tree and positions agree with LibCST's providers.

``scope_tree`` replaces ``ScopeProvider``, ``ModulePositions`` (statements and awaits) and
``layout.lay_out`` (every node) replace ``PositionProvider`` (all for speed, see their
modules). Each is checked node by node against the provider it replaces, on the bundled
samples, the rewriter's own source, fuzz programs of every shape, and hand-written corner
cases.
"""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import libcst as cst
import pytest
from libcst.metadata import CodeRange, GlobalScope, MetadataWrapper, PositionProvider, Scope, ScopeProvider

from async_inline.analysis.positions import ModulePositions
from async_inline.analysis.scope_tree import scope_tree
from async_inline.analysis.scopes import ScopeIndex
from async_inline.fuzz.campaign import make_case
from async_inline.layout import lay_out
from async_inline.tree import walk

ROOT = Path(__file__).resolve().parents[2]

CORNERS = {
    "comprehensions-lambdas-classes": """
        import x as y
        @deco(a)
        def f(a: int = 1, *args: int, b=lambda q=2: q, **kw) -> int:
            g = [i for i in range(3) if i for j in i]
            h = {k: v for k, v in a}
            s = {z for z in (w for w in a)}
            class K(Base, metaclass=M): x = 1; y = [x for _ in z]
            return lambda p, *, r=3: (p, r)
        class C:
            def m(self, a=[i for i in x]): pass
            async def n(self): await self.m()
        global zz
    """,
    "awaits-out-of-field-order": """
        async def f(a=(await x for x in y)):
            @(await d)
            def g(p=await e): pass
            v = (await a1()) if (await a2()) else (await a3())
            match await m():
                case [p] if await q(): pass
            try: pass
            except (await r()) as exc: pass
            lambda: (await z() for _ in w)
            with (await a() as b, c as d): pass
    """,
    "non-ascii-crlf-tabs-semicolons": 'x = "é"; y = (await f("ü"))  ;\r\nasync def g():\r\n\tz = await  h.k(1)\r\n\tif a: await b() ; await c()\r\n',
}
if sys.version_info >= (3, 12):
    CORNERS["type-parameters"] = """
        def f[T: int, *Ts, **P](a: T = 1) -> T:
            class K[U](Base[U]): pass
            type Al[V] = list[V]
            return a
    """


def _sources() -> Iterator[tuple[str, str]]:
    for name, text in CORNERS.items():
        yield name, textwrap.dedent(text) if not text.startswith("x =") else text
    for path in sorted((ROOT / "samples").rglob("*.py")) + sorted((ROOT / "async_inline" / "analysis").glob("*.py")):
        yield str(path.relative_to(ROOT)), path.read_text(encoding="utf-8")
    for seed in range(6):  # functions, classes and packages, plain and runtime-async
        program = make_case(900 + seed, "all", stress=False).program()
        files = program.items() if isinstance(program, dict) else [("program.py", program)]
        for path, text in files:
            yield f"fuzz {900 + seed} {path}", text


SOURCES = list(_sources())


def _key(scope: Scope | None) -> tuple[str, int] | None:
    if scope is None:
        return None
    return ("global", 0) if isinstance(scope, GlobalScope) else (type(scope).__name__, id(scope.node))


@pytest.mark.parametrize(("name", "source"), SOURCES, ids=[n for n, _ in SOURCES])
def test_scope_of_every_node_is_the_providers(name: str, source: str) -> None:
    module = cst.parse_module(source)
    theirs = MetadataWrapper(module, unsafe_skip_copy=True).resolve(ScopeProvider)
    _, mine, parents = scope_tree(module)
    for node in walk(module):
        # The provider leaves formatting nodes and a few others without a scope: they are
        # in their nearest ancestor's.
        holder: cst.CSTNode | None = node
        while holder is not None and theirs.get(holder) is None:
            holder = parents.get(holder)
        expected = theirs.get(holder) if holder is not None else None
        assert _key(mine[node]) == _key(expected), (name, type(node).__name__, module.code_for_node(node)[:60])


@pytest.mark.parametrize(("name", "source"), SOURCES, ids=[n for n, _ in SOURCES])
def test_statement_and_await_positions_are_the_providers(name: str, source: str) -> None:
    module = cst.parse_module(source)
    theirs = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    mine = ModulePositions(module, source)
    # Only where CPython's parser cannot read the file (3.12 syntax on 3.11) is the
    # module laid out for these nodes.
    parses = name != "type-parameters" or sys.version_info >= (3, 12)
    assert mine.laid_out != parses
    for node in walk(module):
        if isinstance(node, (cst.BaseSmallStatement, cst.BaseCompoundStatement, cst.Await, cst.SimpleStatementLine)):
            assert mine.get(node) == _tuple(theirs[node]), (name, type(node).__name__, module.code_for_node(node)[:60])


def _tuple(found: CodeRange) -> tuple[int, int, int, int]:
    return (found.start.line, found.start.column, found.end.line, found.end.column)


@pytest.mark.parametrize(("name", "source"), SOURCES, ids=[n for n, _ in SOURCES])
def test_layout_of_every_node_is_the_providers(name: str, source: str) -> None:
    """Every node the provider places, formatting included, and the generated text."""
    module = cst.parse_module(source)
    theirs = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    layout = lay_out(module)
    assert layout.code == module.code
    assert len(layout.ranges) == len(theirs)
    for node, found in theirs.items():
        assert layout.ranges[id(node)] == _tuple(found), (name, type(node).__name__, module.code_for_node(node)[:60])


@pytest.mark.parametrize(("name", "source"), SOURCES, ids=[n for n, _ in SOURCES])
def test_every_node_laid_out_with_its_statement_is_where_the_provider_puts_it(name: str, source: str) -> None:
    """With the parents at hand (``ScopeIndex``), a node other than a statement or await is
    placed by laying out its innermost statement line alone (``a; b`` lines, CRLF, tabs and
    non-ASCII text included); the whole module is laid out only where the parsers disagree."""
    module = cst.parse_module(source)
    theirs = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    index = ScopeIndex(module, source)
    for node in walk(module):
        if node is not module:
            assert index.position(node) == _tuple(theirs[node]), (name, type(node).__name__, module.code_for_node(node)[:60])
    parses = name != "type-parameters" or sys.version_info >= (3, 12)
    assert index._positions.laid_out == (not parses)
    assert index.position(module) == _tuple(theirs[module])  # the module itself: laid out


def test_every_occurrence_of_a_shared_node_is_laid_out() -> None:
    """The provider keeps one position per node object; an emitted tree shares nodes."""
    shared = cst.parse_expression("a + b")
    module = cst.Module(body=[cst.SimpleStatementLine([cst.Expr(shared)]), cst.SimpleStatementLine([cst.Expr(shared)])])
    occurrences = lay_out(module, occurrences=True).occurrences
    assert occurrences is not None
    assert [out for node, out, _ in occurrences if node is shared] == [(1, 0, 1, 5), (2, 0, 2, 5)]
    assert not any(isinstance(node, cst.BaseParenthesizableWhitespace) for node, _, _ in occurrences)
    parents = [occurrences[parent][0] for node, _, parent in occurrences if node is shared]
    assert all(isinstance(p, cst.Expr) for p in parents) and parents[0] is not parents[1]


def test_a_sealed_statement_keeps_its_range_and_hides_its_insides() -> None:
    """``Layout(sealed=...)``: a sealed statement's occurrence has the range the provider
    gives it, nothing inside it is recorded, the text is the same, and the nodes after it
    are where the provider puts them (lines and columns are counted again afterwards)."""
    source = '# c\n@deco(1,\n      2)\ndef f(a):  # x\n    """doc\n    é"""\n    return (a +\n            1)\n\nx = f(1); y = "ü" + 2\n'
    module = cst.parse_module(source)
    theirs = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    target = module.body[0]
    layout = lay_out(module, occurrences=True, sealed=lambda node, indent: _tuple(theirs[node]) if node is target else None)
    assert layout.code == source and layout.occurrences is not None
    inside = {id(node) for node in walk(target) if node is not target}
    assert not any(id(node) in inside for node, _, _ in layout.occurrences)
    for node, found, _ in layout.occurrences:
        assert found == _tuple(theirs[node]), type(node).__name__
    assert [node for node, _, _ in layout.occurrences][:2] == [module, target] and len(layout.occurrences) > 5


def test_other_nodes_are_laid_out_once() -> None:
    source = "async def f():\n    return (await g(1)) + 2\n"
    module = cst.parse_module(source)
    mine = ModulePositions(module, source)
    assert not mine.laid_out
    ret = module.body[0].body.body[0].body[0]  # type: ignore[attr-defined]
    assert isinstance(ret, cst.Return)
    assert mine.get(ret.value) == _tuple(MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)[ret.value])
    assert mine.laid_out
    # A statement of another tree is not placed (and does not need the layout).
    fresh = ModulePositions(module, source)
    assert fresh.get(cst.Pass()) is None and not fresh.laid_out


def test_parsers_that_disagree_fall_back_to_the_layout() -> None:
    """The source text is not the module's: the lists cannot be paired, the layout decides."""
    module = cst.parse_module("async def f():\n    await g()\n")
    mine = ModulePositions(module, "async def f():\n    await h()\n")
    assert mine.laid_out
    call = module.body[0].body.body[0].body[0].value  # type: ignore[attr-defined]
    found = mine.get(call)
    assert found is not None and found[0] == 2


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("import runtime\n@runtime.inline\ndef f(): pass", {"runtime.inline"}),
        ("from runtime import inline as i\n@i\ndef f(): pass", {"runtime.inline"}),
        ("import a.b\n@a.b.c\ndef f(): pass", {"a.b.c"}),
        ("import a.b as m\n@m.c\ndef f(): pass", {"a.b.c"}),
        ("from . import x\n@x.y\ndef f(): pass", {".x.y"}),
        ("from ..p import x\n@x\ndef f(): pass", {"..p.x"}),
        ("@staticmethod\ndef f(): pass", {"builtins.staticmethod"}),
        ("@inline\ndef f(): pass", set()),
        # Rebound after the import: both what the import named and a local binding.
        ("from runtime import inline\ninline = 3\n@inline\ndef f(): pass", {"runtime.inline", "<local>.inline"}),
        # Not imported at all: a local object that merely has the marker's name.
        ("class runtime:\n    inline = 1\n@runtime.inline\ndef f(): pass", {"<local>.runtime.inline"}),
        # A call's callee; an import inside the function; a class body does not leak.
        ("def g():\n    from inspect import currentframe as cf\n    @cf()\n    def f(): pass", {"inspect.currentframe"}),
        ("class K:\n    import runtime\n    def m(self):\n        @runtime.inline\n        def f(): pass", set()),
    ],
)
def test_qualified_names_of_decorators(source: str, expected: set[str]) -> None:
    index = ScopeIndex(cst.parse_module(source))
    decorated = [n for n in walk(index.module) if isinstance(n, cst.FunctionDef) and n.name.value == "f"]
    assert index.qualified_names(decorated[0].decorators[0].decorator) == expected


def test_fresh_names_avoid_every_identifier_of_the_text() -> None:
    """Hygiene after the word scan replaced the walk over Name nodes: a generated name is
    never an identifier of the module, however it is written (NFKC, as Python reads it)."""
    from async_inline.plan.names import FreshNames, generated_like

    text = "_ai_t1 = 1\n_\uff41i_t2 = 2  # _ai_t3 in a comment counts too\nx = '_ai_t4'\n"
    assert generated_like(text) == {"_ai_t1", "_ai_t2", "_ai_t3", "_ai_t4"}
    names = FreshNames(generated_like(text))
    made = {names.temp() for _ in range(4)}
    assert made.isdisjoint({"_ai_t1", "_ai_t2", "_ai_t3", "_ai_t4"})
    # The fullwidth spelling really is the same variable to Python.
    scope: dict[str, object] = {}
    exec("_\uff41i_t2 = 2", scope)
    assert scope["_ai_t2"] == 2
