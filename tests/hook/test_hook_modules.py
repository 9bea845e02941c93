"""Under the hook, a module inlines functions of other modules of the configured packages,
located without importing them; its cache entry depends on their sources."""

from __future__ import annotations

import asyncio
import importlib
import importlib.machinery
import importlib.util
import os
import py_compile
import sys
import types
from pathlib import Path

import pytest
from hook_helpers import installed_state, unique, write_tree

import async_inline
from async_inline import Options
from async_inline.hook import AsyncInlineWarning

CALLEE = """\
async def scale(x):
    y = x * FACTOR
    return y

FACTOR = {factor}
"""

CALLER = """\
from .util import scale

async def main():
    return await scale(7)
"""


def _fresh(package: str) -> types.ModuleType:
    for name in [m for m in sys.modules if m == package or m.startswith(package + ".")]:
        del sys.modules[name]
    importlib.invalidate_caches()
    async_inline.install([package])
    return importlib.import_module(f"{package}.app")


def test_a_callee_of_another_module_is_inlined_and_its_globals_are_its_own(site: Path) -> None:
    package = unique()
    write_tree(site, {f"{package}/__init__.py": "", f"{package}/util.py": CALLEE.format(factor=3), f"{package}/app.py": CALLER})
    app = _fresh(package)
    assert asyncio.run(app.main()) == 21
    [report] = [r for r in installed_state().reports() if r.path.endswith("app.py")]
    assert [(d.callee, d.target) for d in report.inlined] == [("scale", f"{package}.util.scale")]
    sys.modules[f"{package}.util"].FACTOR = 10  # read live, in the callee's module
    assert asyncio.run(app.main()) == 70


def test_editing_the_callees_module_rewrites_its_callers_again(site: Path) -> None:
    package = unique()
    util = site / package / "util.py"
    write_tree(site, {f"{package}/__init__.py": "", f"{package}/util.py": CALLEE.format(factor=3), f"{package}/app.py": CALLER})
    assert asyncio.run(_fresh(package).main()) == 21
    assert asyncio.run(_fresh(package).main()) == 21
    assert installed_state().outcomes()["cached"] >= 1  # app.py's entry was used
    util.write_text(CALLEE.replace("y = x * FACTOR", "y = x * FACTOR + 1").format(factor=3))
    app = _fresh(package)
    assert asyncio.run(app.main()) == 22
    outcomes = {Path(r.path).name for r in installed_state().reports()}
    assert "app.py" in outcomes
    assert installed_state().stats["misses"] >= 2  # util.py and app.py built again


def test_a_callee_module_already_imported_is_read_from_where_it_was_imported(site: Path, tmp_path: Path) -> None:
    """An import of a name returns the module in ``sys.modules``, wherever ``sys.path``
    points since. The hook used to locate the callee's source on ``sys.path`` anyway: with
    another file of that name first there, it inlined that file's body, and the guard,
    whose reference is found by module and qualified name, passed."""
    helpers, app = unique("aihelpers"), unique("aiapp")
    write_tree(site, {f"{helpers}.py": 'async def fetch():\n    return "imported"\n'})
    importlib.import_module(helpers)  # before the hook: plain
    later = tmp_path / "later"
    write_tree(later, {f"{helpers}.py": 'async def fetch():\n    return "later on sys.path"\n'})
    sys.path.insert(0, str(later))
    write_tree(site, {f"{app}.py": f"import {helpers}\n\n\nasync def main():\n    return await {helpers}.fetch()\n"})
    importlib.invalidate_caches()
    with pytest.warns(AsyncInlineWarning, match="imported before the import hook"):
        async_inline.install([helpers, app])
    module = importlib.import_module(app)
    assert asyncio.run(module.main()) == "imported"
    [report] = [r for r in installed_state().reports() if r.path.endswith(f"{app}.py")]
    if Options().stress_seed is None:  # (a stress rewrite picks sites at random)
        assert [(d.callee, d.target) for d in report.inlined] == [(f"{helpers}.fetch", f"{helpers}.fetch")]


def test_a_module_replaced_in_sys_modules_by_another_is_not_read_under_that_name(site: Path) -> None:
    """``sys.modules[__name__] = fast`` (a shim choosing an accelerated module of another
    package): the hook read the callee's source from that entry's ``__spec__`` (fast.py)
    but analysed it under the shim's name, so fast's relative import was judged to name
    the same module from the caller and was inlined, importing the shim package's
    ``helpers`` (review P, f4). Another module's spec is no source for that name."""
    package = unique()
    write_tree(site, {
        f"{package}/__init__.py": "",
        f"{package}/helpers.py": 'def tag():\n    return "helpers"\n',
        f"{package}/_speedups/__init__.py": "",
        f"{package}/_speedups/helpers.py": 'def tag():\n    return "_speedups.helpers"\n',
        f"{package}/_speedups/fast.py": 'async def clip(x):\n    from .helpers import tag\n    return "fast", tag(), x\n',
        f"{package}/compat.py": (
            'import sys\n\nfrom ._speedups import fast\n\n\nasync def clip(x):\n    return "pure", x\n\nsys.modules[__name__] = fast\n'
        ),
        f"{package}/app.py": "from .compat import clip\n\n\nasync def main():\n    return await clip(5)\n",
    })
    importlib.invalidate_caches()
    async_inline.install([package])
    importlib.import_module(f"{package}.compat")  # the shim runs before the caller is rewritten
    app = importlib.import_module(f"{package}.app")
    assert asyncio.run(app.main()) == ("fast", "_speedups.helpers", 5)
    [report] = [r for r in installed_state().reports() if r.path.endswith("app.py")]
    assert report.inlined == []
    assert [s.reason for s in report.skipped] == [
        f"'clip' comes from {package}.compat, which is module {package}._speedups.fast put in sys.modules under this name"
    ]


def test_modules_of_a_namespace_package(site: Path) -> None:
    """A package without ``__init__.py``: ``from . import b`` is its submodule."""
    package = unique()
    write_tree(site, {
        f"{package}/b.py": "LIMIT = 3\n\n\nasync def f(x):\n    return x + LIMIT\n",
        f"{package}/app.py": "from . import b\nfrom .b import f\n\n\nasync def main():\n    return await b.f(1), await f(2)\n",
    })
    app = _fresh(package)
    sys.modules[f"{package}.b"].LIMIT = 10
    assert asyncio.run(app.main()) == (11, 12)
    [report] = [r for r in installed_state().reports() if r.path.endswith("app.py")]
    if Options().stress_seed is None:
        assert sorted(d.target for d in report.inlined) == [f"{package}.b.f", f"{package}.b.f"]


def test_a_namespace_package_becoming_a_regular_one_rewrites_its_modules_callers_again(site: Path) -> None:
    """The cache entry of a module that inlined from a namespace package depends on the
    package having no ``__init__.py``: its names could mean other things once it has one."""
    package = unique()
    write_tree(site, {
        f"{package}/b.py": "async def f(x):\n    return x + 1\n",
        f"{package}/app.py": "from . import b\n\n\nasync def main():\n    return await b.f(1)\n",
    })
    assert asyncio.run(_fresh(package).main()) == 2
    assert asyncio.run(_fresh(package).main()) == 2
    assert installed_state().outcomes()["cached"] >= 1
    (site / package / "__init__.py").write_text("")
    assert asyncio.run(_fresh(package).main()) == 2
    assert installed_state().stats == {"hits": 1, "misses": 2, "writes": 2}  # b.py cached; __init__.py, app.py built


def test_functions_of_a_module_that_opts_out_are_not_inlined_elsewhere(site: Path) -> None:
    package = unique()
    write_tree(site, {
        f"{package}/__init__.py": "",
        f"{package}/util.py": "# async_inline: skip-file\n" + CALLEE.format(factor=3),
        f"{package}/app.py": CALLER,
    })
    app = _fresh(package)
    assert asyncio.run(app.main()) == 21
    [report] = [r for r in installed_state().reports() if r.path.endswith("app.py")]
    assert report.inlined == []
    assert [s.reason for s in report.skipped] == [f"'scale' comes from {package}.util, which opts out (# async_inline: skip-file)"]


VERSIONED = 'async def value():\n    return "{}"\n'
USER = "from {lib} import util\n\n\nasync def main():\n    return await util.value()\n"


def _two_versions(tmp_path: Path, lib: str) -> tuple[Path, Path]:
    v1, v2 = tmp_path / "v1", tmp_path / "v2"
    for root in (v1, v2):
        write_tree(root, {f"{lib}/__init__.py": "", f"{lib}/util.py": VERSIONED.format(root.name)})
    return v1, v2


def test_a_callee_module_shadowed_later_on_sys_path_is_not_run_as_the_old_body(site: Path, tmp_path: Path) -> None:
    """Finding F2: the caller's cache entry, built when ``lib`` came from v1, depends on
    v1's file; a later process with v2 first on ``sys.path`` imports v2's module, whose
    functions have the same names. The guard compared names only and ran v1's body. The
    reference now names the file read (v1's): v2's function is not it, the call is made."""
    lib, app = unique("ailib"), unique("aiapp")
    v1, v2 = _two_versions(tmp_path, lib)
    write_tree(site, {f"{app}.py": USER.format(lib=lib)})
    sys.path.insert(1, str(v1))
    importlib.invalidate_caches()
    async_inline.install([app, lib])
    assert asyncio.run(importlib.import_module(app).main()) == "v1"
    for name in [m for m in sys.modules if m == app or m.startswith(lib)]:
        del sys.modules[name]
    sys.path.insert(0, str(v2))
    importlib.invalidate_caches()
    async_inline.install([app, lib])
    assert asyncio.run(importlib.import_module(app).main()) == "v2"
    assert installed_state().outcomes()["cached"] == 1  # app.py's entry, built against v1


def test_a_sys_path_changed_by_the_caller_before_its_import(site: Path, tmp_path: Path) -> None:
    """Finding F3: the caller puts v2 first on ``sys.path`` at run time, then imports the
    callee module; the hook had read v1's, first on ``sys.path`` when it rewrote the caller."""
    lib, app = unique("ailib"), unique("aiapp")
    v1, v2 = _two_versions(tmp_path, lib)
    caller = f"import sys\nsys.path.insert(0, {str(v2)!r})\n" + USER.format(lib=lib)
    write_tree(site, {f"{app}.py": caller})
    sys.path.insert(1, str(v1))
    importlib.invalidate_caches()
    async_inline.install([app, lib])
    assert asyncio.run(importlib.import_module(app).main()) == "v2"
    assert sys.modules[f"{lib}.util"].__file__ == str(v2 / lib / "util.py")


def test_a_package_extending_its_own_path(site: Path) -> None:
    """Finding F4: the package puts an overlay directory first on its ``__path__`` when it
    is imported; the hook located ``pkg.util`` statically, in the package's directory."""
    package = unique()
    write_tree(site, {
        f"{package}/__init__.py": "import os\n__path__.insert(0, os.path.join(os.path.dirname(__file__), 'override'))\n",
        f"{package}/util.py": VERSIONED.format("base"),
        f"{package}/override/util.py": VERSIONED.format("override"),
        f"{package}/app.py": "from . import util\n\n\nasync def main():\n    return await util.value()\n",
    })
    assert asyncio.run(_fresh(package).main()) == "override"


def test_the_reference_into_the_file_read_is_found(site: Path) -> None:
    """The file named by the reference is the callee's own, so its inlined body runs (a
    patch of the callee's module is seen only by the call, not by the inlined body)."""
    package = unique()
    write_tree(site, {f"{package}/__init__.py": "", f"{package}/util.py": CALLEE.format(factor=3), f"{package}/app.py": CALLER})
    app = _fresh(package)
    refs = [value for name, value in vars(app).items() if name.startswith("_ai_ref_")]
    assert refs == [sys.modules[f"{package}.util"].scale]


def test_a_callee_module_edited_on_disk_after_its_import(site: Path) -> None:
    """Finding F5: ``lib.util`` imported (v1 runs), then its file edited, then the caller's
    first import: the hook read the edited file, and the guard (the same function, from
    the same file) passed: the caller ran code that was never imported. The hook's loader
    records the digest of what it compiled: such a module is withheld (the call is made),
    and the caller's entry is not cached (a later process imports the edited file)."""
    lib, app = unique("ailib"), unique("aiapp")
    write_tree(site, {f"{lib}/__init__.py": "", f"{lib}/util.py": VERSIONED.format("v1"), f"{app}.py": USER.format(lib=lib)})
    async_inline.install([app, lib])
    util = importlib.import_module(f"{lib}.util")
    (site / lib / "util.py").write_text(VERSIONED.format("edited, not imported"))
    writes = installed_state().stats["writes"]
    assert asyncio.run(importlib.import_module(app).main()) == "v1"
    [report] = [r for r in installed_state().reports() if r.path.endswith(f"{app}.py")]
    assert report.inlined == [] and [s.callee for s in report.skipped] == ["util.value"]
    assert installed_state().stats["writes"] == writes
    assert asyncio.run(util.value()) == "v1"


def test_a_callee_module_imported_before_the_hook_then_edited(site: Path) -> None:
    """The same, imported by the interpreter's own loader: its ``.pyc`` records the source's
    modification time and size, which differ from the file's now."""
    lib, app = unique("ailib"), unique("aiapp")
    write_tree(site, {f"{lib}/__init__.py": "", f"{lib}/util.py": VERSIONED.format("v1"), f"{app}.py": USER.format(lib=lib)})
    importlib.import_module(f"{lib}.util")  # plain, writes the .pyc
    util_py = site / lib / "util.py"
    util_py.write_text(VERSIONED.format("edited, not imported"))
    os.utime(util_py, (util_py.stat().st_atime, util_py.stat().st_mtime + 10))
    with pytest.warns(AsyncInlineWarning, match="imported before the import hook"):
        async_inline.install([app, lib])
    assert asyncio.run(importlib.import_module(app).main()) == "v1"


def test_a_callee_module_imported_from_a_hash_based_pyc_then_edited(site: Path) -> None:
    """Review R17 u1: a ``.pyc`` recording the source's hash (what ``compileall`` writes
    under ``SOURCE_DATE_EPOCH``) made the check say "unknown", and the caller inlined the
    edited file's body. The hash of the file now is compared with the ``.pyc``'s."""
    lib, app = unique("ailib"), unique("aiapp")
    write_tree(site, {f"{lib}/__init__.py": "", f"{lib}/util.py": VERSIONED.format("v1"), f"{app}.py": USER.format(lib=lib)})
    util_py = site / lib / "util.py"
    py_compile.compile(str(util_py), invalidation_mode=py_compile.PycInvalidationMode.CHECKED_HASH)
    util = importlib.import_module(f"{lib}.util")  # from the hash-based .pyc
    util_py.write_text(VERSIONED.format("v2"))
    with pytest.warns(AsyncInlineWarning, match="imported before the import hook"):
        async_inline.install([app, lib])
    assert asyncio.run(importlib.import_module(app).main()) == asyncio.run(util.value()) == "v1"


def test_a_callee_module_edited_within_the_second_its_pyc_records(site: Path) -> None:
    """Review R17 u1: a timestamp ``.pyc`` records the source's time in whole seconds; an
    edit keeping the size within that second left time and size as recorded. A source
    modified after the ``.pyc`` was written counts as changed."""
    lib, app = unique("ailib"), unique("aiapp")
    write_tree(site, {f"{lib}/__init__.py": "", f"{lib}/util.py": VERSIONED.format("v1"), f"{app}.py": USER.format(lib=lib)})
    util = importlib.import_module(f"{lib}.util")  # plain, writes the .pyc
    util_py = site / lib / "util.py"
    second = int(util_py.stat().st_mtime)
    util_py.write_text(VERSIONED.format("v2"))  # the same size
    pyc = importlib.util.cache_from_source(str(util_py))
    os.utime(pyc, (second + 0.2, second + 0.2))  # the .pyc written early in that second,
    os.utime(util_py, (second + 0.6, second + 0.6))  # the edit later in it
    with pytest.warns(AsyncInlineWarning, match="imported before the import hook"):
        async_inline.install([app, lib])
    assert asyncio.run(importlib.import_module(app).main()) == asyncio.run(util.value()) == "v1"

class _EditableFinder:
    """What setuptools' editable install of a flat layout puts on ``sys.meta_path``: the
    package's directory is on no ``sys.path`` entry."""

    def __init__(self, package: str, directory: Path) -> None:
        self.package, self.directory = package, directory

    def find_spec(self, fullname: str, path: object = None, target: object = None) -> importlib.machinery.ModuleSpec | None:
        if fullname == self.package:
            return importlib.util.spec_from_file_location(fullname, self.directory / "__init__.py")
        return None


def test_a_package_found_by_another_meta_path_finder_inlines_across_its_modules(site: Path, tmp_path: Path) -> None:
    """Review R17 u4: the hook found the sibling modules of a package only on ``sys.path``,
    so an editable install's package was rewritten but inlined nothing across its modules
    (reported as "a module outside the program"). An imported package is searched through
    its ``__path__``."""
    package = unique()
    project = tmp_path / "project"
    write_tree(project, {f"{package}/__init__.py": "", f"{package}/util.py": CALLEE.format(factor=3), f"{package}/app.py": CALLER})
    finder = _EditableFinder(package, project / package)
    sys.meta_path.append(finder)
    try:
        app = _fresh(package)
        assert asyncio.run(app.main()) == 21
    finally:
        sys.meta_path.remove(finder)
    [report] = [r for r in installed_state().reports() if r.path.endswith(f"{package}/app.py")]
    if Options().stress_seed is None:  # (a stress rewrite picks sites at random)
        assert [(d.callee, d.target) for d in report.inlined] == [("scale", f"{package}.util.scale")], report.skipped
    assert not [s for s in report.skipped if s.shape == "external"], report.skipped

def test_a_configured_package_the_hook_cannot_read_is_named_so(site: Path, tmp_path: Path) -> None:
    """Review R20f 4: a configured package imported from a zip file was "a module outside
    the program (standard library or another package)", whose documented fix (configure
    it) was done already. The reason says it is configured and why it cannot be read."""
    import zipfile

    zipped, app = unique("zipped"), unique("app")
    archive = tmp_path / "lib.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr(f"{zipped}/__init__.py", "async def fetch(x):\n    return x + 1\n")
    sys.path.insert(0, str(archive))
    write_tree(site, {f"{app}.py": f"import {zipped}\n\nasync def main():\n    return await {zipped}.fetch(1)\n"})
    async_inline.install([app, zipped])
    module = importlib.import_module(app)
    assert asyncio.run(module.main()) == 2
    [report] = [r for r in installed_state().reports() if r.path.endswith(f"{app}.py")]
    [skipped] = report.skipped
    assert "outside the program" not in skipped.reason, skipped.reason
    assert f"configured packages whose source the hook cannot read: it is imported from the zip file {archive}" in skipped.reason


_SETUPTOOLS_FINDER = """
import sys
from importlib.machinery import all_suffixes as module_suffixes
from importlib.util import spec_from_file_location
from itertools import chain
from pathlib import Path

MAPPING = {mapping!r}


class _EditableFinder:  # as setuptools' editable_wheel writes it (65+)
    @classmethod
    def find_spec(cls, fullname, path=None, target=None):
        if fullname in MAPPING:
            return cls._find_spec(fullname, Path(MAPPING[fullname]))
        return None

    @classmethod
    def _find_spec(cls, fullname, candidate_path):
        init = candidate_path / "__init__.py"
        candidates = (candidate_path.with_suffix(x) for x in module_suffixes())
        for candidate in chain([init], candidates):
            if candidate.exists():
                return spec_from_file_location(fullname, candidate)
"""


@pytest.mark.decisions
def test_a_top_level_module_of_an_editable_install_is_inlined_from(site: Path, tmp_path: Path) -> None:
    """Review R20f 4: a top-level module found only by setuptools' editable finder (a
    project's ``py_modules``, or a package not imported yet) was "outside the program";
    the hook asks that finder (a mapping and file lookups, nothing imported)."""
    lib, app = unique("edlib"), unique("edapp")
    project = tmp_path / "project"
    write_tree(project, {f"{lib}.py": "async def fetch(x):\n    return x + 1\n"})
    finder_name = f"__editable___{lib}_0_1_finder"
    write_tree(tmp_path / "finders", {f"{finder_name}.py": _SETUPTOOLS_FINDER.format(mapping={lib: str(project / lib)})})
    sys.path.insert(0, str(tmp_path / "finders"))
    finder_module = importlib.import_module(finder_name)
    sys.path.remove(str(tmp_path / "finders"))
    finder = finder_module._EditableFinder
    sys.meta_path.append(finder)
    try:
        write_tree(site, {f"{app}.py": f"import {lib}\n\nasync def main():\n    return await {lib}.fetch(1)\n"})
        async_inline.install([app, lib])
        assert asyncio.run(importlib.import_module(app).main()) == 2
    finally:
        sys.meta_path.remove(finder)
        sys.modules.pop(finder_name, None)
    [report] = [r for r in installed_state().reports() if r.path.endswith(f"{app}.py")]
    assert not report.skipped, report.skipped
    if Options().stress_seed is None:  # (a stress rewrite picks sites at random)
        assert [d.target for d in report.inlined] == [f"{lib}.fetch"]


def _forget(*packages: str) -> None:
    """As a new process: the packages' modules not imported."""
    for name in [m for m in sys.modules if any(m == p or m.startswith(p + ".") for p in packages)]:
        del sys.modules[name]
    importlib.invalidate_caches()


def test_a_cached_caller_does_not_inline_a_callee_edited_since_its_import(site: Path) -> None:
    """Review R13 c1: ``test_a_callee_module_edited_on_disk_after_its_import`` through the
    cache. An earlier process cached the caller against the edited file; this process
    imported the callee before the edit (v1 runs): the entry matched the file, and the
    caller ran the edited body. An entry is not used while a module it inlined from is
    imported from other bytes than those it read."""
    lib, app = unique("ailib"), unique("aiapp")
    util_py = site / lib / "util.py"
    write_tree(site, {f"{lib}/__init__.py": "", f"{lib}/util.py": VERSIONED.format("v2"), f"{app}.py": USER.format(lib=lib)})
    # "process 1": the file holds v2; the caller's entry records v2's digest.
    async_inline.install([app, lib])
    assert asyncio.run(importlib.import_module(app).main()) == "v2"
    assert installed_state().stats["writes"] >= 1
    _forget(app, lib)
    # "process 2": v1 on disk, imported; then the file is saved as v2 (server running).
    util_py.write_text(VERSIONED.format("v1"))
    async_inline.install([app, lib])
    util = importlib.import_module(f"{lib}.util")
    util_py.write_text(VERSIONED.format("v2"))
    assert asyncio.run(util.value()) == "v1"
    # The original program: app.main() calls util.value(), which is v1's code.
    assert asyncio.run(importlib.import_module(app).main()) == "v1"
    [report] = [r for r in installed_state().reports() if r.path.endswith(f"{app}.py")]
    assert report.inlined == []  # built again: the call is kept


def test_a_callee_saved_while_the_caller_is_built_does_not_leave_a_stale_entry(site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Review R13 c2: the entry's dependency digests were taken after the build (the files
    read again), not from the bytes the build read: a callee file saved while the caller
    was being rewritten (an editor saving during a test watcher's run) was recorded with
    its new digest beside code that inlined its old body."""
    from async_inline.hook import state as state_module

    lib, app = unique("ailib"), unique("aiapp")
    util_py = site / lib / "util.py"
    write_tree(site, {f"{lib}/__init__.py": "", f"{lib}/util.py": VERSIONED.format("v1"), f"{app}.py": USER.format(lib=lib)})
    real_build = state_module.build

    def build_then_save(source, path, *args, **kwargs):
        built = real_build(source, path, *args, **kwargs)
        if path.endswith(f"{app}.py"):
            util_py.write_text(VERSIONED.format("v2"))  # the save lands during the build
        return built

    monkeypatch.setattr(state_module, "build", build_then_save)
    async_inline.install([app, lib])
    importlib.import_module(app)  # process 1: inlined v1; util not imported yet
    monkeypatch.setattr(state_module, "build", real_build)
    _forget(app, lib)
    # process 2: the files are app.py and util.py (v2), unchanged since.
    async_inline.install([app, lib])
    module = importlib.import_module(app)
    assert installed_state().stats["hits"] >= 1  # lib/__init__.py
    assert asyncio.run(module.main()) == "v2"


def test_a_caller_importing_from_a_nested_namespace_package_not_yet_imported(site: Path) -> None:
    """Review R13 c5: the callee lookup walks down with ``PathFinder`` without importing;
    a nested namespace package's locations (a ``_NamespacePath``) recompute themselves
    from ``sys.modules[parent]`` when read, and raised KeyError when the parent was not
    imported: the whole caller module ran unchanged, with a warning."""
    ns, app = unique("ains"), unique("aiapp")
    write_tree(site, {
        f"{ns}/inner/lib.py": "async def val(x):\n    return x + 1\n",
        f"{app}/__init__.py": "",
        f"{app}/main.py": f"from {ns}.inner.lib import val\n\n\nasync def main():\n    return await val(10)\n",
    })
    async_inline.install([app, ns])
    module = importlib.import_module(f"{app}.main")
    assert ns not in sys.modules or module.val is sys.modules[f"{ns}.inner.lib"].val
    assert asyncio.run(module.main()) == 11
    assert installed_state().unchanged() == {}
    [report] = [r for r in installed_state().reports() if r.path.endswith("main.py")]
    assert [i.callee for i in report.inlined] == ["val"]
