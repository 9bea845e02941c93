"""On-disk cache of the code the hook compiled, beside the interpreter's own ``.pyc`` files.

One file per source file and configuration::

    __pycache__/<module>.<cache_tag>.async_inline-<config digest>.pyc

(``sys.pycache_prefix`` is honoured, as ``importlib.util.cache_from_source`` does; the
environment variable ``ASYNC_INLINE_CACHE_DIR`` moves the entries to a tree of its own,
mirroring the sources' absolute paths, as ``PYTHONPYCACHEPREFIX`` does.)

Invariants:

* An entry is used only when its key matches: the key digests the tool (version and the
  files of the ``async_inline`` and ``runtime`` packages, so an edited rewriter invalidates old entries),
  the interpreter (bytecode magic, cache tag, ``-O`` level), the options and any extra
  transform (pytest's assertion rewriting), and the exact source bytes. Entries also list
  *dependencies* ``(path, sha256, module)``, checked on every load: the files of the
  callees that cross-module inlining read, with the digest of the bytes it read, so an
  edited callee invalidates its callers (and a file that was absent, such as a namespace
  package's ``__init__.py``, invalidates them by appearing); and while such a module is
  imported from other bytes than those (its file saved since its import), the entry is
  not used either: a build now would not inline its file (``changed_since_import``).
  An entry found for a source at another path than it was built for (a project copied or
  moved with its ``__pycache__``) is used, re-pointed at the new path, only if it has no
  dependencies (those are the files beside the old path), or if both paths are one file
  (a symlink).
* A file on disk is always a complete entry: it is written to a temporary file in the
  same directory and renamed over the old one.
* The cache never makes an import fail: an unreadable, truncated or corrupted entry is a
  miss, an unwritable directory is silently skipped.
* ``sys.dont_write_bytecode`` (``PYTHONDONTWRITEBYTECODE``) stops writing beside the
  sources, as it stops the interpreter and pytest's assertion rewriter: whoever sets it does
  not want files appearing in the source tree. Entries are still read. An explicit
  ``ASYNC_INLINE_CACHE_DIR`` is written all the same (asked for by name, and outside the
  sources), and so does ``async-inline cache build``, like ``python -m compileall``.
"""

from __future__ import annotations

import hashlib
import importlib.machinery
import importlib.util
import marshal
import os
import struct
import sys
import threading
import types
from dataclasses import dataclass
from typing import NamedTuple

from .. import unpatched

try:
    from _imp import _fix_co_filename  # type: ignore[attr-defined]  # private, as importlib uses it
except ImportError:  # pragma: no cover - not CPython
    _fix_co_filename = None

#: A directory for the entries instead of ``__pycache__`` (written even with bytecode writing off).
CACHE_DIR_ENV = "ASYNC_INLINE_CACHE_DIR"

#: Format version: the second lists each dependency's module.
MAGIC = b"AIC\x02"
_LENGTHS = struct.Struct("<II")
_HEAD = len(MAGIC) + 32 + _LENGTHS.size


class Dependency(NamedTuple):
    """A file an entry was built from, besides its own source (cross-module inlining)."""

    path: str
    #: The sha256 of the bytes the rewrite read, or ``ABSENT``.
    digest: str
    #: The module read from it.
    module: str


@dataclass
class Entry:
    code: types.CodeType
    #: The FileReport of the rewrite, as JSON bytes (decoded only when someone asks).
    report: bytes
    deps: tuple[Dependency, ...] = ()


_fingerprint_lock = threading.Lock()
_fingerprint: str | None = None


def tool_fingerprint() -> str:
    """The version plus (name, size, mtime) of every source file of the async_inline
    package and of the runtime package beside it (generated code calls the runtime's
    helpers: a changed signature or rule must not meet code built for the old one)."""
    global _fingerprint
    with _fingerprint_lock:
        if _fingerprint is None:
            from .. import __version__

            package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
            digest = hashlib.sha256(__version__.encode())
            for root in (package, os.path.join(os.path.dirname(package), "runtime")):
                digest.update(f"\0{os.path.basename(root)}\0".encode())
                for path in _python_files(root):
                    st = unpatched.stat(path)
                    digest.update(f"{os.path.relpath(path, root)}:{st.st_size}:{st.st_mtime_ns};".encode())
            _fingerprint = digest.hexdigest()
        return _fingerprint


def _python_files(root: str) -> list[str]:
    """The ``.py`` files under ``root`` but in ``__pycache__``, in a fixed order."""
    found: list[str] = []
    for name in sorted(unpatched.listdir(root)):
        path = os.path.join(root, name)
        if unpatched.isdir(path):
            if name != "__pycache__":
                found.extend(_python_files(path))
        elif name.endswith(".py"):
            found.append(path)
    return found


def config_digest(options_key: str, salt: str = "") -> str:
    """Digest of everything but the source that the compiled code depends on."""
    parts = (
        tool_fingerprint(),
        importlib.util.MAGIC_NUMBER.hex(),
        str(sys.implementation.cache_tag),
        str(sys.flags.optimize),
        options_key,
        salt,
    )
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def entry_key(config: str, source: bytes) -> bytes:
    """The 32-byte key of one entry: configuration plus the exact source bytes."""
    return hashlib.sha256(config.encode() + b"\0" + hashlib.sha256(source).digest()).digest()


#: ``ASYNC_INLINE_CACHE_DIR`` values made absolute where they were first read: a program
#: changing its working directory (a test's ``monkeypatch.chdir``) does not move the cache
#: into it (review R36b F6).
_cache_dirs: dict[str, str] = {}


def cache_dir() -> str | None:
    """The directory named by ``ASYNC_INLINE_CACHE_DIR`` (absolute), if set."""
    value = os.environ.get(CACHE_DIR_ENV, "").strip()
    if not value:
        return None
    found = _cache_dirs.get(value)
    if found is None:
        found = _cache_dirs.setdefault(value, unpatched.abspath(value))
    return found


def cache_path(source_path: str, config: str) -> str | None:
    """Where the entry for ``source_path`` lives, or None when the interpreter has no cache tag."""
    tag: str | None = sys.implementation.cache_tag  # None: no bytecode caching at all
    if tag is None:
        return None
    root = cache_dir()
    if root is not None:
        directory, name = os.path.split(unpatched.abspath(source_path))
        stem = name.rpartition(".")[0] or name
        mirrored = os.path.splitdrive(directory)[1].lstrip(os.sep)
        return os.path.join(root, mirrored, f"{stem}.{tag}.async_inline-{config[:16]}.pyc")
    try:
        pyc = importlib.util.cache_from_source(source_path, optimization="")
    except (NotImplementedError, ValueError):
        return None
    return f"{pyc[:-4]}.async_inline-{config[:16]}.pyc"


def writing_disabled() -> str | None:
    """Why the hook writes no entries, or None when it writes them."""
    if sys.dont_write_bytecode and cache_dir() is None:
        return f"bytecode writing is off (PYTHONDONTWRITEBYTECODE); set {CACHE_DIR_ENV}=DIR to cache anyway"
    return None


def read_bytes(path: str) -> bytes | None:
    """The bytes of the file at ``path``, or None if it cannot be read."""
    try:
        with unpatched.open(path, "rb") as f:
            return f.read()
    except OSError:
        return None


def _digest(data: bytes | None) -> str:
    return hashlib.sha256(data).hexdigest() if data is not None else ABSENT


def load(path: str, key: bytes, source_path: str) -> Entry | None:
    """The entry at ``path`` if it is complete, matches ``key`` and its dependencies; else None."""
    try:
        with unpatched.open(path, "rb") as f:
            data = f.read()
    except OSError:
        return None
    try:
        if data[:4] != MAGIC or data[4:36] != key:
            return None
        deps_len, report_len = _LENGTHS.unpack_from(data, 36)
        at = _HEAD
        deps_raw = data[at : at + deps_len]
        at += deps_len
        report = data[at : at + report_len]
        at += report_len
        if len(deps_raw) != deps_len or len(report) != report_len:
            return None
        deps = tuple(Dependency(str(p), str(h), str(m)) for p, h, m in unpatched.json_loads(deps_raw)) if deps_len else ()
        if not all(map(_holds, deps)):
            return None
        code = marshal.loads(data[at:])
    except (ValueError, EOFError, TypeError, struct.error, UnicodeDecodeError):
        return None  # truncated or corrupted: a miss, rebuilt and overwritten
    if not isinstance(code, types.CodeType):
        return None
    if code.co_filename != source_path:
        if deps and not _same_file(code.co_filename, source_path):
            # Built for another place (a project copied with its __pycache__): its
            # dependencies are the files beside the old place, and its references name
            # them (``Options.reference_files``). A miss: rebuilt from the files here.
            return None
        # The entry moved with its source (renamed directory): point the code at the new
        # place, as importlib does for ordinary .pyc files.
        if _fix_co_filename is not None:
            _fix_co_filename(code, source_path)
    return Entry(code, report, deps)


def _same_file(a: str, b: str) -> bool:
    """One file reached by two paths (a symlink), whose entries share one ``__pycache__``."""
    try:
        return unpatched.samefile(a, b)
    except (OSError, ValueError):
        return False


def _holds(dep: Dependency) -> bool:
    """Whether code that inlined from ``dep`` may run now: the file has the bytes read, and
    its module, if imported from that file, was compiled from them: what a build now would
    inline (``sources.spec_provider``). A module imported from another file, or another
    module under that name, fails the guards instead (they compare the file a function
    was compiled from)."""
    data = read_bytes(dep.path)
    if _digest(data) != dep.digest:
        return False
    spec = getattr(sys.modules.get(dep.module), "__spec__", None)
    if data is None or spec is None or spec.name != dep.module or not spec.origin or unpatched.abspath(spec.origin) != dep.path:
        return True
    return not changed_since_import(spec, data)


def changed_since_import(spec: importlib.machinery.ModuleSpec, data: bytes) -> bool:
    """Whether ``data``, the bytes now in the file of an imported module, are known not to
    be what the module was compiled from: the import hook's loader records a digest of
    the source it compiled; for the standard source loader, the ``.pyc`` beside records
    the source's hash (hash-based ``.pyc``, the default under ``SOURCE_DATE_EPOCH``) or
    its modification time, in seconds, and size. A file modified after the ``.pyc`` was
    written counts as changed too: an edit within the same second, keeping the size,
    leaves the recorded time and size as they were (review R17 u1). A ``.pyc`` written
    from another version of the file, that could not be rewritten, only makes this say
    "changed": refusing to inline is safe. Without either, unknown: False
    (docs/import-hook.md, limitations)."""
    digest = getattr(spec.loader, "source_digest", None)
    if isinstance(digest, bytes):
        return digest != hashlib.sha256(data).digest()
    if not spec.cached or not spec.origin:
        return False
    try:
        with unpatched.open(spec.cached, "rb") as f:
            header = f.read(16)
            written = unpatched.fstat(f.fileno()).st_mtime_ns
        st = unpatched.stat(spec.origin)
    except OSError:
        return False
    if len(header) < 16 or header[:4] != importlib.util.MAGIC_NUMBER:
        return False
    flags = int.from_bytes(header[4:8], "little")
    if flags & 1:  # hash-based, checked against the source or not: the hash of the source compiled
        return header[8:16] != importlib.util.source_hash(data)
    if flags:
        return False  # a layout this interpreter does not write
    mtime, size = int.from_bytes(header[8:12], "little"), int.from_bytes(header[12:16], "little")
    return (mtime, size) != (int(st.st_mtime) & 0xFFFFFFFF, st.st_size & 0xFFFFFFFF) or st.st_mtime_ns > written


def store(path: str, key: bytes, entry: Entry, *, force: bool = False) -> bool:
    """Write ``entry`` atomically; False (and nothing on disk) when that is not possible or
    not wanted (``writing_disabled``, unless ``force``)."""
    if not force and writing_disabled() is not None:
        return False
    deps_raw = unpatched.json_dumps([list(d) for d in entry.deps]).encode() if entry.deps else b""
    payload = b"".join(
        (MAGIC, key, _LENGTHS.pack(len(deps_raw), len(entry.report)), deps_raw, entry.report, marshal.dumps(entry.code))
    )
    directory = os.path.dirname(path)
    tmp = f"{path}.{unpatched.getpid()}.{threading.get_ident()}.tmp"
    try:
        unpatched.makedirs(directory)
        fd = unpatched.os_open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
        try:
            with unpatched.open(fd, "wb", closefd=True) as f:
                f.write(payload)
            unpatched.replace(tmp, path)
        except BaseException:
            try:
                unpatched.unlink(tmp)
            except OSError:
                pass
            raise
    except OSError:
        return False  # read-only or missing directory, full disk, a file named __pycache__ ...
    return True


#: The digest recorded for a dependency that is no file: the entry holds while it stays so.
ABSENT = "absent"


def dependency(module: str, path: str, data: bytes) -> Dependency:
    """What an entry depends on for ``module``, read from ``path`` as ``data``: the digest
    of those bytes, not of a later read (a file saved during the build would pair its new
    digest with the old body).

    A directory is a namespace package, which stays one (its modules named as they were)
    only while it has no ``__init__.py``: the entry depends on that file's absence."""
    if unpatched.isdir(path):
        init = os.path.join(path, "__init__.py")
        return Dependency(unpatched.abspath(init), _digest(read_bytes(init)), module)
    return Dependency(unpatched.abspath(path), _digest(data), module)
