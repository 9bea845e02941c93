"""All inputs of one run are one program: which module a name is, and when it is refused.

The guards find the function they compare with at run time by module name and qualified
name, so the file the rewrite reads a module from must be the file the program imports
under that name (``sources.FileSources``). A name more than one file may answer to stays
unresolved (``ambiguous``): inlining the wrong file's body would pass the guard.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from cli_helpers import make_tree

from async_inline import Options

UTILS = 'async def fetch():\n    return "{}"\n'
MAIN = 'import asyncio\nimport utils\n\n\nasync def main():\n    return await utils.fetch()\n\n\nprint(asyncio.run(main()))\n'


def _python(cwd: Path, *args: str) -> str:
    """What ``python ARGS`` prints in ``cwd``; it must succeed."""
    done = subprocess.run([sys.executable, *args], cwd=cwd, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def _run(script: Path) -> str:
    return _python(script.parent, str(script))


def _sites(report: Path) -> list[tuple[str, str | None]]:
    files = json.loads(report.read_text())["files"]
    return [(s["callee"], s.get("shape")) for f in files for s in f["skipped"]] + [(s["callee"], "inlined") for f in files for s in f["inlined"]]


def test_two_inputs_of_one_module_name_are_ambiguous(cli, tmp_path: Path) -> None:
    """``scripts/utils.py`` and ``tools/utils.py`` are both module ``utils``; a script in
    ``tools`` imports its own. Until 2026-12-06 the rewrite read the first input of that
    name and inlined ``scripts/utils.fetch`` into ``tools/main.py``: the reference, found
    by module and qualified name, was ``tools/utils.fetch``, the guard passed, and the
    rewritten script printed "scripts" where the original printed "tools"."""
    make_tree(tmp_path, {"scripts/utils.py": UTILS.format("scripts"), "tools/utils.py": UTILS.format("tools"), "tools/main.py": MAIN})
    assert _run(tmp_path / "tools/main.py") == "tools"
    result = cli("rewrite", "scripts", "tools", "-o", "out", "--report", "report.json", "-v")
    assert result.code == 0, result.err
    assert "which more than one file may be at run time" in result.err
    assert _sites(tmp_path / "report.json") == [("utils.fetch", "ambiguous")]
    assert "unresolved: 1 in modules more than one file may be" in result.err
    assert _run(tmp_path / "out/tools/main.py") == "tools"

    alone = cli("rewrite", "tools", "-o", "alone", "--report", "alone.json")  # one utils: inlined
    assert alone.code == 0, alone.err
    if Options().stress_seed is None:  # (a stress rewrite picks sites at random)
        assert _sites(tmp_path / "alone.json") == [("utils.fetch", "inlined")]
    assert _run(tmp_path / "alone/main.py") == "tools"


def test_an_input_and_a_source_root_disagreeing_are_ambiguous(cli, tmp_path: Path) -> None:
    make_tree(tmp_path, {"lib/utils.py": UTILS.format("lib"), "tools/utils.py": UTILS.format("tools"), "tools/main.py": MAIN})
    result = cli("rewrite", "tools", "--source-root", "lib", "-o", "out", "--report", "report.json")
    assert result.code == 0, result.err
    assert ("utils.fetch", "ambiguous") in _sites(tmp_path / "report.json")
    assert _run(tmp_path / "out/main.py") == "tools"


def test_a_source_roots_copy_of_an_inputs_own_package_is_not_read(cli, tmp_path: Path) -> None:
    """Review R17 u2: ``rewrite pk/a.py --source-root site``, where ``site`` holds an older
    copy of ``pk`` (the project installed in site-packages). ``pk.utils``, no input, was
    read from ``site/pk/utils.py``, and its body ran where the program imports
    ``pk/utils.py`` beside ``a.py`` (``pk`` is a regular package: its ``__path__`` is its
    own directory). A name inside an input's regular package is looked up there."""
    main = "from . import utils\n\n\nasync def main():\n    return await utils.fetch()\n"
    make_tree(tmp_path, {
        "proj/pk/__init__.py": "",
        "proj/pk/utils.py": UTILS.format("proj"),
        "proj/pk/a.py": main,
        "site/pk/__init__.py": "",
        "site/pk/utils.py": UTILS.format("site"),
        "site/pk/other.py": UTILS.format("site"),
    })
    result = cli("rewrite", "proj/pk/a.py", "--source-root", "site", "-o", "out/pk", "--report", "report.json")
    assert result.code == 0, result.err
    assert _sites(tmp_path / "report.json") == [("utils.fetch", "ambiguous")]
    (tmp_path / "out/pk/__init__.py").write_text("")
    (tmp_path / "out/pk/utils.py").write_text(UTILS.format("proj"))
    run = "import asyncio, pk.a; print(asyncio.run(pk.a.main()))"
    assert _python(tmp_path / "proj", "-c", run) == _python(tmp_path / "out", "-c", run) == "proj"

    # The same file under both names (the root is the project's directory): inlined.
    same = cli("rewrite", "proj/pk/a.py", "--source-root", "proj", "-o", "same/pk", "--report", "same.json")
    assert same.code == 0, same.err
    if Options().stress_seed is None:
        assert _sites(tmp_path / "same.json") == [("utils.fetch", "inlined")]

def test_a_module_outside_any_package_named_like_the_standard_librarys_is_ambiguous(cli, tmp_path: Path) -> None:
    """``tools/queue.py`` is ``queue`` only while ``tools`` comes before the standard
    library on sys.path."""
    make_tree(tmp_path, {"tools/queue.py": UTILS.format("tools"), "tools/main.py": MAIN.replace("utils", "queue")})
    result = cli("rewrite", "tools", "-o", "out", "--report", "report.json", "-v")
    assert result.code == 0, result.err
    assert "the standard library's queue" in result.err
    assert _sites(tmp_path / "report.json") == [("queue.fetch", "ambiguous")]


@pytest.mark.parametrize("name", ["imp", "tomllib"])
def test_a_module_named_like_another_pythons_standard_library_module_is_ambiguous(cli, tmp_path: Path, name: str) -> None:
    """Review R18 y1: output runs on any supported Python, whichever wrote it. ``imp``
    (removed in 3.12) and ``tomllib`` (new in 3.11) are the standard library's on some of
    them: rewritten by 3.12+, ``tools/imp.py``'s body was inlined and, run by 3.11 with the
    standard library first, passed the guard of ``imp.fetch``'s name."""
    make_tree(tmp_path, {f"tools/{name}.py": UTILS.format("tools"), "tools/main.py": MAIN.replace("utils", name)})
    result = cli("rewrite", "tools", "-o", "out", "--report", "report.json")
    assert result.code == 0, result.err
    assert _sites(tmp_path / "report.json") == [(f"{name}.fetch", "ambiguous")]

def test_modules_of_one_package_are_not_ambiguous(cli, tmp_path: Path) -> None:
    """Names that come from the package's ``__init__.py`` files, read from inputs that are
    also under a source root (the same files), are resolved as before."""
    make_tree(tmp_path, {
        "src/pk/__init__.py": "",
        "src/pk/utils.py": UTILS.format("pk"),
        "src/pk/main.py": "from . import utils\n\n\nasync def main():\n    return await utils.fetch()\n",
    })
    result = cli("rewrite", "src/pk", "--source-root", "src", "-o", "out/pk", "--report", "report.json")
    assert result.code == 0, result.err
    if Options().stress_seed is None:
        assert _sites(tmp_path / "report.json") == [("utils.fetch", "inlined")]
    assert _python(tmp_path / "out", "-c", "import asyncio, pk.main; print(asyncio.run(pk.main.main()))") == "pk"


NAMESPACE = {
    "src/ns/b.py": "LIMIT = 3\n\n\nasync def f(x):\n    return x + LIMIT\n",
    "src/ns/a.py": "from . import b\nfrom .b import f\n\n\nasync def main():\n    return await b.f(1), await f(2)\n",
}


def test_modules_of_a_namespace_package_under_a_source_root(cli, tmp_path: Path) -> None:
    """``src/ns`` has no ``__init__.py``: with ``src`` a source root (a sys.path entry),
    its modules are ``ns.a`` and ``ns.b``, and ``ns`` is a namespace package whose
    attributes are its submodules. Until 2026-12-06 they were named ``a`` and ``b``, and
    both sites stayed calls, one reported as "not an async def"."""
    make_tree(tmp_path, NAMESPACE)
    result = cli("rewrite", "src/ns", "--source-root", "src", "-o", "out/ns", "--report", "report.json")
    assert result.code == 0, result.err
    if Options().stress_seed is None:
        assert sorted(_sites(tmp_path / "report.json")) == [("b.f", "inlined"), ("f", "inlined")]
    assert _python(tmp_path / "out", "-c", "import asyncio, ns.a, ns.b; ns.b.LIMIT = 10; print(asyncio.run(ns.a.main()))") == "(11, 12)"


ORDERED = {
    "src/pq/__init__.py": "",
    "src/pq/a.py": "async def leaf(x):\n    return x * 2\n\n\nasync def f(x):\n    y = await leaf(x)\n    return y + 1\n",
    "src/pq/b.py": "from .a import f\n\n\nasync def main():\n    return await f(3)\n",
}


def test_in_place_rewrites_read_the_other_inputs_as_they_were(cli, tmp_path: Path, monkeypatch) -> None:
    """``b.py`` inlines ``a.f``; ``a.py`` has sites of its own and comes first. Until
    2026-12-06 ``--in-place`` replaced ``a.py`` before ``b.py`` was rewritten, so ``b.py``
    inlined the rewritten body of ``a.f`` (with ``-j 2``, depending on which worker came
    first): the output differed from ``-o``'s, and from run to run."""
    monkeypatch.delenv("ASYNC_INLINE_STRESS", raising=False)  # its choices depend on the path
    make_tree(tmp_path, ORDERED)
    mirrored = cli("rewrite", "src/pq", "-o", "out/pq")
    assert mirrored.code == 0, mirrored.err
    expected = (tmp_path / "out/pq/b.py").read_text()
    for jobs in ("1", "2"):
        copy = tmp_path / f"copy{jobs}"
        make_tree(copy, ORDERED)
        done = cli("rewrite", copy / "src/pq", "--in-place", "-j", jobs)
        assert done.code == 0, done.err
        assert (copy / "src/pq/b.py").read_text() == expected, jobs


def test_a_callee_module_that_is_async_inline_output_is_not_inlined_from(cli, tmp_path: Path, monkeypatch) -> None:
    """Its text is generated code, not the program's: sites stay calls, with the reason."""
    monkeypatch.delenv("ASYNC_INLINE_STRESS", raising=False)  # the first rewrite must inline
    make_tree(tmp_path, ORDERED)
    first = cli("rewrite", "src/pq/a.py", "--in-place")
    assert first.code == 0, first.err
    result = cli("rewrite", "src/pq", "--in-place", "-v", "--report", "report.json")
    assert result.code == 0, result.err
    assert "comes from pq.a, whose file is async-inline's output" in result.err
    assert _sites(tmp_path / "report.json") == [("f", "external")]
    assert _python(tmp_path / "src", "-c", "import asyncio, pq.b; print(asyncio.run(pq.b.main()))") == "7"


def test_a_module_that_opts_out_is_left_alone_and_not_inlined_from(cli, tmp_path: Path) -> None:
    """``# async_inline: skip-file``: the module is not rewritten, and its functions are
    not inlined into other modules either (until 2026-12-06 the command line rewrote it,
    and both the command line and the hook inlined its functions elsewhere)."""
    make_tree(tmp_path, {
        "src/po/__init__.py": "",
        "src/po/b.py": "# async_inline: skip-file\nasync def f(x):\n    return x + 1\n\n\nasync def g():\n    return await f(1)\n",
        "src/po/a.py": "from .b import f\n\n\nasync def main():\n    return await f(1)\n",
    })
    result = cli("rewrite", "src/po", "-o", "out/po", "-v", "--report", "report.json")
    assert result.code == 0, result.err
    assert "src/po/b.py: opts out (# async_inline: skip-file), left as it is" in result.err
    assert "comes from po.b, which opts out (# async_inline: skip-file)" in result.err
    assert _sites(tmp_path / "report.json") == [("f", "external")]
    assert (tmp_path / "out/po/b.py").read_text() == (tmp_path / "src/po/b.py").read_text()
