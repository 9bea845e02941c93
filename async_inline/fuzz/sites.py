"""What kind of await site a rewrite decision is about: a plain function of the same module,
a method, or a function of another module (so that a campaign can say what it reached)."""

from __future__ import annotations

import ast
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

SITE_KINDS = ("function", "method", "cross-module")


@dataclass(frozen=True)
class Imports:
    """The names a module binds by importing modules of its own package, or things of them."""

    #: Names bound to modules: ``from . import x``, ``import pkg.x as m``, ``import pkg``.
    modules: frozenset[str] = frozenset()
    #: Names bound to functions or classes of other modules: ``from .x import f``.
    objects: frozenset[str] = frozenset()
    #: The package, the module's own dotted name, and the module names its imports mention.
    package: str | None = None
    own: str = ""
    package_modules: frozenset[str] = frozenset()


def imports_of(source: str, package: str | None = None, own: str = "", package_modules: Iterable[str] = ()) -> Imports:
    """The imports of ``source`` that reach the program's own modules (relative ones, or
    absolute ones under ``package``, whose modules are ``package_modules``)."""
    modules: set[str] = set()
    objects: set[str] = set()
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return Imports()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.level or (package and (node.module or "").split(".")[0] == package)):
            # `from . import x` binds a module (unless x is re-exported: then it is counted
            # as one, a cross-module site either way); `from .x import f` a thing of x
            from_package = node.module is None or node.module == package
            for alias in node.names:
                (modules if from_package else objects).add(alias.asname or alias.name)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if package and alias.name.split(".")[0] == package:
                    modules.add(alias.asname or package)
    return Imports(frozenset(modules), frozenset(objects), package, own, frozenset(package_modules))


def site_kind(decision: object, imports: Imports) -> str:
    """The kind of the site of ``decision`` (an ``Inlined`` or ``Skipped`` of the report).

    A ``kind`` the report gives wins. Otherwise the callee as written decides: a leading
    module path is taken off (an imported module, then module names); what is left is a
    method when it is still an attribute or a call result (``self.m``, ``A(1).m``,
    ``super().m``), a function of another module when a module path was taken off or the
    name was imported, else a function of this module.
    """
    given = getattr(decision, "kind", None)
    if isinstance(given, str):
        return given
    parts = str(getattr(decision, "callee", "")).split(".")
    path: list[str] = []
    if len(parts) > 1 and (parts[0] in imports.modules or parts[0] == imports.package):
        path.append(parts.pop(0))
        while len(parts) > 1 and parts[0] in imports.package_modules:
            path.append(parts.pop(0))
    if len(parts) > 1 or "(" in parts[0]:
        return "method"
    if (path and ".".join(path) != imports.own) or parts[0] in imports.objects:
        return "cross-module"
    return "function"


def tally(decisions: Iterable[object], imports: Imports) -> Counter[str]:
    return Counter(site_kind(d, imports) for d in decisions)
