"""What a module's imported names refer to: modules, and names of other modules.

Only names a top-level import statement binds, and that the module binds nowhere else,
count: such a name holds what the import gave it (unless something outside the module
rebinds it, which the run-time guards see).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import libcst as cst

from ..tree import import_top_name
from .scopes import ScopeIndex


@dataclass(frozen=True)
class ImportBinding:
    #: The absolute name of the module the statement imports (``import M as m``) or
    #: imports from (``from M import a``).
    module: str
    #: The attribute imported from it; None when the name is bound to the module itself.
    attribute: str | None
    #: The top-level statement binding the name: once it has run, the module it names
    #: is in ``sys.modules`` (what generated code reads its globals from).
    statement: cst.SimpleStatementLine


def import_bindings(index: ScopeIndex, module: str | None, is_package: bool) -> dict[str, ImportBinding]:
    """Names that only top-level import statements bind, all to the same thing: once
    (``from .x import A``), or several times (``import pkg.a`` and ``import pkg.b`` both
    bind ``pkg`` to the package; ``from pkg.x import A`` and ``from .x import A`` both bind
    ``A``). The binding is the last of them: once it has run, every module they import is
    loaded."""
    found: dict[str, list[ImportBinding]] = {}
    for stmt in index.module.body:
        if not isinstance(stmt, cst.SimpleStatementLine):
            continue
        for small in stmt.body:
            for name, binding in _bound(small, stmt, module, is_package):
                found.setdefault(name, []).append(binding)
    counts = index.global_binding_counts
    return {
        name: bindings[-1]
        for name, bindings in found.items()
        if len(bindings) == counts.get(name, 0) and len({(b.module, b.attribute) for b in bindings}) == 1
    }


def importing_statement(index: ScopeIndex, module: str | None, is_package: bool, target: str) -> cst.SimpleStatementLine | None:
    """The first top-level import statement of the module that imports module ``target``:
    one naming it or one of its submodules (``import pkg.c``, ``from .c import C``, ``from
    pkg.c.x import y``), or naming it as a member of its package (``from . import c``).
    None if no top-level statement does; what the modules it imports import is not
    followed."""
    for stmt in index.module.body:
        if isinstance(stmt, cst.SimpleStatementLine) and any(within(name, target) for name in imported_modules(stmt, module, is_package)):
            return stmt
    return None


def within(name: str, module: str) -> bool:
    """Importing module ``name`` imports ``module``: the same, or a package around it."""
    return name == module or name.startswith(module + ".")


def imported_modules(stmt: cst.SimpleStatementLine, module: str | None, is_package: bool) -> list[str]:
    """The modules an import statement of ``module`` names: ``import a.b`` names ``a.b``;
    ``from a import b, c`` names ``a``, and ``a.b`` and ``a.c``, which it imports if they
    are modules that ``a`` does not bind otherwise. (One taken for imported that is not,
    ``from . import c`` where the package binds ``c`` itself, only makes references read
    after the statement not found.)"""
    out: list[str] = []
    for small in stmt.body:
        if isinstance(small, cst.Import):
            out += [cst.Module([]).code_for_node(alias.name) for alias in small.names]
        elif isinstance(small, cst.ImportFrom):
            source = cst.Module([]).code_for_node(small.module) if small.module is not None else None
            base = resolve_relative(module, is_package, len(small.relative), source)
            if base is None:
                continue
            out.append(base)
            if not isinstance(small.names, cst.ImportStar):
                out += [f"{base}.{alias.name.value}" for alias in small.names if isinstance(alias.name, cst.Name)]
    return out


def own_submodules(stmts: Iterable[cst.BaseStatement], index: ScopeIndex, module: str | None, is_package: bool) -> frozenset[str]:
    """The names a package's ``__init__`` binds once, by importing its own submodule of
    the same name (``from . import x``, ``from . import x as x``), anywhere its own code
    runs (anyio binds them under an ``if``, for its lazy importer): like a name the package
    does not bind, ``pkg.x`` is the submodule."""
    if not is_package or module is None:
        return frozenset()
    once = index.globals_bound_once
    out: set[str] = set()
    for stmt in stmts:
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                if isinstance(small, cst.ImportFrom):
                    out.update(n for n, b in _bound(small, stmt, module, is_package) if b.module == module and b.attribute == n and n in once)
    return frozenset(out)


def _bound(small: cst.BaseSmallStatement, stmt: cst.SimpleStatementLine, module: str | None, is_package: bool) -> list[tuple[str, ImportBinding]]:
    if isinstance(small, cst.Import):
        out = []
        for alias in small.names:
            dotted = cst.Module([]).code_for_node(alias.name)
            if alias.asname is not None:
                target = alias.asname.name
                assert isinstance(target, cst.Name)
                out.append((target.value, ImportBinding(dotted, None, stmt)))
            else:
                top = import_top_name(alias).value  # `import a.b` binds `a`, the top package
                out.append((top, ImportBinding(top, None, stmt)))
        return out
    if isinstance(small, cst.ImportFrom) and not isinstance(small.names, cst.ImportStar):
        source = cst.Module([]).code_for_node(small.module) if small.module is not None else None
        base = resolve_relative(module, is_package, len(small.relative), source)
        if base is None:
            return []
        out = []
        for alias in small.names:
            imported = alias.name.value if isinstance(alias.name, cst.Name) else None
            bound: cst.BaseExpression = alias.asname.name if alias.asname is not None else alias.name
            if imported is not None and isinstance(bound, cst.Name):
                out.append((bound.value, ImportBinding(base, imported, stmt)))
        return out
    return []


def resolve_relative(module: str | None, is_package: bool, level: int, target: str | None) -> str | None:
    """The absolute name ``from <level dots><target> import ...`` in ``module`` refers to;
    None when it cannot be known (a relative import in a module of unknown name)."""
    if level == 0:
        return target
    if module is None:
        return None
    parts = module.split(".") if is_package else module.split(".")[:-1]
    if level - 1 >= len(parts):
        return None
    base = parts[: len(parts) - (level - 1)]
    return ".".join(base + ([target] if target else []))
