"""Which modules the import hook rewrites.

A module is rewritten when its name is in a configured package (or, for the pytest plugin,
its file is a test file) and it is not excluded. The decision is made in two steps because
the finder sees every import of the process: ``may_rewrite(name)`` is a cheap test on the
name alone, and only names that pass it cost a search for their file and ``wants(name, path)``.
The per-module opt-out marker is read from the source by ``api.has_skip_marker``.
"""

from __future__ import annotations

import fnmatch
import functools
import os
import sysconfig
from collections.abc import Iterable

from .. import unpatched

#: Never rewritten, whatever the configuration: the rewriter must not rewrite itself.
NEVER = ("async_inline", "libcst")



def _covers(prefix: str, name: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def _is_pattern(text: str) -> bool:
    return any(c in text for c in "*?[")


@functools.cache
def _installed_dirs() -> tuple[str, ...]:
    """The directories of installed distributions and of the standard library."""
    paths = sysconfig.get_paths()
    return tuple({os.path.join(os.path.realpath(paths[k]), "") for k in ("purelib", "platlib", "stdlib") if k in paths})


def is_installed(path: str) -> bool:
    return unpatched.realpath(path).startswith(_installed_dirs())


class TestFiles:
    """pytest's notion of a test module: ``conftest.py``, a file matching ``python_files``,
    or a file named on the command line. Files of installed distributions never count."""

    __test__ = False  # not a test class, whatever pytest makes of the name

    def __init__(self, patterns: Iterable[str], initial_files: Iterable[str] = ()) -> None:
        self.patterns = tuple(patterns)
        self.set_initial_files(initial_files)
        #: A pattern with a directory part can only be matched against the full path.
        self._name_prefilter = not any(os.path.dirname(p) for p in self.patterns)
        self._installed = _installed_dirs()

    def set_initial_files(self, files: Iterable[str]) -> None:
        self.initial_files = frozenset(os.path.realpath(f) for f in files)
        self._basenames = {"conftest"} | {os.path.splitext(os.path.basename(f))[0] for f in self.initial_files}

    def may_match(self, fullname: str) -> bool:
        if not self._name_prefilter:
            return True
        last = fullname.rpartition(".")[2]
        if last in self._basenames:
            return True
        return any(fnmatch.fnmatch(last + ".py", p) for p in self.patterns)

    def matches(self, path: str) -> bool:
        real = unpatched.realpath(path)
        if real.startswith(self._installed):
            return False
        if os.path.basename(real) == "conftest.py" or real in self.initial_files:
            return True
        return any(_fnmatch_path(p, real) for p in self.patterns)


def _fnmatch_path(pattern: str, path: str) -> bool:
    """pytest's matching of ``python_files``: the base name, or the path's tail for ``dir/x*.py``."""
    if not os.path.dirname(pattern):
        return fnmatch.fnmatch(os.path.basename(path), pattern)
    if not os.path.isabs(pattern):
        pattern = "*" + os.sep + pattern
    return fnmatch.fnmatch(path, pattern)


class Policy:
    """The set of modules to rewrite. Immutable once built; safe to share between threads."""

    def __init__(
        self,
        packages: Iterable[str] = (),
        exclude: Iterable[str] = (),
        *,
        test_files: TestFiles | None = None,
        local_packages: Iterable[str] = (),
    ) -> None:
        self.packages = tuple(dict.fromkeys(packages))
        #: Like packages, but only where they are part of the project, not installed
        #: (the ``-m`` module of ``run``: ``run -m myapp`` yes, ``run -m pytest`` no).
        self.local_packages = tuple(dict.fromkeys(local_packages))
        self._local_prefixes = tuple(p + "." for p in self.local_packages)
        self.exclude = tuple(dict.fromkeys(exclude))
        self.test_files = test_files
        self._prefixes = tuple(p + "." for p in self.packages)
        self._exclude_names = tuple(e for e in self.exclude if not _is_pattern(e))
        self._exclude_patterns = tuple(e for e in self.exclude if _is_pattern(e))

    @functools.cached_property
    def source_packages(self) -> tuple[str, ...]:
        """The packages whose modules the hook may inline from (``packages`` and
        ``local_packages``), each once, without those inside another, sorted: what the
        rewritten code depends on, part of the cache key."""
        names = set(self.packages) | set(self.local_packages)
        return tuple(sorted(n for n in names if not any(n != o and _covers(o, n) for o in names)))

    def in_packages(self, fullname: str) -> bool:
        return fullname in self.packages or fullname.startswith(self._prefixes)

    def excluded(self, fullname: str) -> bool:
        if any(_covers(n, fullname) for n in NEVER):
            return True
        if any(_covers(n, fullname) for n in self._exclude_names):
            return True
        return any(fnmatch.fnmatchcase(fullname, p) for p in self._exclude_patterns)

    def _in_local(self, fullname: str) -> bool:
        return fullname in self.local_packages or fullname.startswith(self._local_prefixes)

    def may_rewrite(self, fullname: str) -> bool:
        """Cheap, name-only: False means certainly not rewritten."""
        if self.in_packages(fullname) or self._in_local(fullname):
            return not self.excluded(fullname)
        if self.test_files is not None and self.test_files.may_match(fullname):
            return not self.excluded(fullname)
        return False

    def wants(self, fullname: str, path: str) -> bool:
        """The full decision for module ``fullname`` found at ``path``."""
        if self.excluded(fullname):
            return False
        if self.in_packages(fullname):
            return True
        if self._in_local(fullname) and not is_installed(path):
            return True
        return self.test_files is not None and self.test_files.matches(path)

    def already_imported(self, modules: Iterable[str]) -> list[str]:
        """Names among ``modules`` that this policy would have rewritten (by name alone)."""
        return sorted(m for m in modules if self.in_packages(m) and not self.excluded(m))
