"""``rewrite_source``: the library entry point shared by the CLI, the import hook and the plugin."""

from __future__ import annotations

import _imp
import ast
import io
import itertools
import os
import re
import threading
import tokenize
import types
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, TypeVar

from . import collector, pyast, unpatched
from ._version import __version__
from .errors import SourceError
from .options import Options
from .report import FileReport

if TYPE_CHECKING:
    import libcst as cst

    from .analysis.program import Program, SourceProvider
    from .layout import Layout
    from .transform.lines import OriginMarks, PositionMap

HEADER_PREFIX = "# async_inline: rewritten by async-inline"
HEADER = f"{HEADER_PREFIX} {__version__}; edit the original source, not this file\n"
_HEADER_RE = re.compile(r"# async_inline: rewritten by async-inline\b")
#: Only the first lines can hold the header (after a shebang and an encoding cookie).
_HEADER_WINDOW = 3
#: A line as Python's tokenizer counts them (``str.splitlines`` also breaks at form feeds,
#: ``\x1c`` and ``\u2028``), with its end.
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)?")
_LINE_END = re.compile(r"\r\n|\r|\n")


#: The stack of the thread a module is parsed and rewritten on. LibCST's native parser
#: recurses once per operand of an ``and``/``or`` chain (CPython's tree is flat there, so
#: CPython accepts the file): 10,000 operands overflow the 8 MB of the main thread and kill
#: the process. Address space only, committed as used; ~100,000 operands fit.
LARGE_STACK = 512 * 1024 * 1024
#: Longer ``and``/``or`` chains are refused before LibCST parses them: beyond this even
#: LARGE_STACK may overflow (and a chain of a few thousand already exceeds the recursion
#: limit of LibCST's Python side).
MAX_BOOL_OPERANDS = 20_000
_T = TypeVar("_T")
_stack_size_lock = threading.Lock()
#: ``large`` is set on the threads on_large_stack starts.
_this_thread = threading.local()


def _reset_after_fork() -> None:
    """A child forked while another thread held the lock would wait for ever (review R3)."""
    global _stack_size_lock
    _stack_size_lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reset_after_fork)


def on_large_stack(function: Callable[[], _T]) -> _T:
    """``function()`` run on a thread with a LARGE_STACK stack (its exception re-raised
    here), or on this one if it is such a thread already or none can start (address-space
    limit, shutdown). About as costly as a thread start, whatever the size. Thread-local
    state of the caller is not seen by ``function`` (the import hook runs its whole build
    through this, with its flags set inside)."""
    if getattr(_this_thread, "large", False) or _imp.lock_held():
        # Held (``imp.acquire_lock()`` around an import): the new thread's imports of the
        # rewriter's own modules would wait for it while its holder waits for the thread.
        return function()
    outcome: list[_T] = []
    failure: list[BaseException] = []

    def target() -> None:
        _this_thread.large = True
        try:
            outcome.append(function())
        except BaseException as exc:
            failure.append(exc)

    thread: threading.Thread | None = unpatched.Thread(target=target, name=collector.REWRITER_THREAD, daemon=True)
    with _stack_size_lock:  # the size is process-wide: set for this thread's start only
        try:
            previous = threading.stack_size(LARGE_STACK)
        except (ValueError, RuntimeError):  # not supported here
            previous = None
            thread = None
        try:
            if thread is not None:
                thread.start()
        except RuntimeError:  # can't start new thread
            thread = None
        finally:
            if previous is not None:
                threading.stack_size(previous)
    if thread is None:
        return function()
    thread.join()
    if failure:
        raise failure[0]
    return outcome[0]


def _check_bool_chains(syntax: ast.Module, source: str, path: str) -> None:
    """SourceError for an ``and``/``or`` chain too long for LibCST's parser (see
    MAX_BOOL_OPERANDS); only a large file can hold one."""
    if len(source) < 4 * MAX_BOOL_OPERANDS:  # "a or " per operand, at least
        return
    from .pyast import walk

    for node in walk(syntax):
        if isinstance(node, ast.BoolOp) and len(node.values) > MAX_BOOL_OPERANDS:
            raise SourceError(
                path, node.lineno, f"an and/or chain of {len(node.values)} operands is too long for async-inline "
                f"(LibCST's parser takes at most {MAX_BOOL_OPERANDS}); the file is left as it is"
            )


class InternalError(Exception):
    """The rewriter produced code that does not compile: a bug in async_inline, never the user's."""


@dataclass
class RewriteResult:
    #: The rewritten source (equal to the input when nothing was inlined).
    code: str
    report: FileReport
    #: Encoding to write ``code`` back with (from the input's coding cookie or BOM).
    encoding: str = "utf-8"
    #: True when the input already carried the header: it was returned unchanged.
    already_rewritten: bool = False
    #: True when the input opts out (``# async_inline: skip-file``): returned unchanged.
    opted_out: bool = False
    #: Other modules' sources the rewrite read (module name -> path): the output depends
    #: on them (a cache of rewritten code must be invalidated when one changes).
    dependencies: dict[str, str] = field(default_factory=dict)
    #: The input compiled (the rewrite validates it so) when the output is the input: what
    #: the interpreter compiles for the file, ready for the import hook.
    input_code: types.CodeType | None = field(default=None, repr=False, compare=False)
    #: Computes ``positions`` on demand: only the import hook needs them (it asks for them
    #: with the rewrite, so that one pass over the new module generates code and positions).
    _positions: Callable[[], PositionMap] | None = field(default=None, repr=False, compare=False)

    @cached_property
    def positions(self) -> PositionMap | None:
        """Where every node of ``code`` comes from in the input, and which inlined frame it
        runs in (see ``transform/lines.py``). None when nothing changed."""
        return self._positions() if self._positions is not None else None

    @property
    def origin_lines(self) -> list[int] | None:
        """``origin_lines[i]`` is the input line that output line ``i + 1`` comes from:
        an inlined callee statement maps to the callee's line, scaffolding to the await
        site. None when nothing changed (the output is the input)."""
        positions = self.positions
        return positions.origin_lines(self.code.count("\n") + 1) if positions is not None else None

    @property
    def changed(self) -> bool:
        return bool(self.report.inlined)


def _undecodable(path: str, exc: UnicodeDecodeError, encoding: str) -> SourceError:
    """The line Python names (any line end counted) and the byte, at ``exc.start`` in the
    bytes the codec read (``utf-8-sig`` reads them without the BOM: review R37b F6)."""
    text = exc.object[: exc.start].decode("latin-1")
    line = sum(1 for _ in _LINE_END.finditer(text)) + 1
    return SourceError(path, line, f"cannot decode byte 0x{exc.object[exc.start]:02x} as {encoding}")


#: Encodings that give back the bytes they decoded (checked for the others).
_ROUND_TRIPPING = frozenset({"utf-8", "ascii", "latin-1", "iso-8859-1"})


def _without_form_feed_in_default_indent(tree: cst.Module) -> cst.Module:
    """The first indented line starts with a form feed: LibCST takes it for the default
    indentation, which every block the rewrite makes would repeat, where CPython resets the
    column (review R19 f2: the output did not compile). The file's own blocks keep it."""
    import libcst as cst

    old = tree.default_indent

    class SpelledOut(cst.CSTTransformer):
        def leave_IndentedBlock(self, original: cst.IndentedBlock, updated: cst.IndentedBlock) -> cst.IndentedBlock:
            return updated.with_changes(indent=old) if updated.indent is None else updated

    kept = tree.visit(SpelledOut())
    assert isinstance(kept, cst.Module)
    return kept.with_changes(default_indent=old.replace("\f", "") or "    ")


def decode_source(data: bytes, path: str) -> tuple[str, str]:
    """Decode ``data`` as Python source (PEP 263 cookie or BOM); SourceError with a line otherwise."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as exc:
        # No usable cookie: either a bad byte in the first two lines (then say which) or an
        # unknown encoding named by the cookie.
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as bad:
            raise _undecodable(path, bad, "utf-8 (and there is no coding declaration)") from None
        raise SourceError(path, _cookie_line(data), str(exc).split(" for ")[0] if " for " in str(exc) else str(exc)) from None
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise _undecodable(path, exc, encoding) from None
    except (UnicodeError, LookupError) as exc:  # ``rot13``, ``hex``: no text encoding; ``undefined`` (review R37b F1)
        raise SourceError(path, _cookie_line(data), f"the encoding {encoding} cannot decode source: {exc}") from None
    if text.startswith("\ufeff"):
        text = text[1:]
        encoding = "utf-8-sig"
    elif encoding not in _ROUND_TRIPPING and _encoded(text, encoding) != data:
        # raw_unicode_escape reads r"\u005cu0041" as r"\u0041", which it writes back as
        # such; cp932 and euc_jp write some characters back with other bytes: the rewrite
        # could not be written without changing text far from its sites (review R19 f1).
        raise SourceError(path, 1, f"the encoding {encoding} does not give back the file's bytes once decoded: not supported")
    return text, encoding


def _cookie_line(data: bytes) -> int:
    return next((i for i, text in enumerate(data.splitlines()[:2], 1) if b"coding" in text), 1)


def _encoded(text: str, encoding: str) -> bytes | None:
    """``text`` in ``encoding``, unwritable characters replaced; None where the codec
    takes no ``replace`` handler (``idna``)."""
    try:
        return text.encode(encoding, errors="replace")
    except (UnicodeError, LookupError):
        return None


def _check_compiles(source: str, path: str) -> tuple[ast.Module, types.CodeType]:
    """CPython's syntax tree of ``source`` (the analysis takes statement and await
    positions from it) and its code, which proves that it compiles.

    The compilation is the interpreter's own: the module's compile-time warnings are
    issued here, once (a SyntaxError under ``-W error``); every other parse or compilation
    of the rewriter is quiet (``pyast.QUIET_FILE``)."""
    try:
        code = compile(source, path, "exec", dont_inherit=True)
        return pyast.parse_quietly(source), code  # parsing again beats converting the tree back
    except SyntaxError as exc:  # the cause: the interpreter's own error (the import hook raises it)
        raise SourceError(path, exc.lineno if exc.lineno is not None else null_byte_line(source), exc.msg) from exc
    except ValueError as exc:  # "source code string cannot contain null bytes" (3.10)
        raise SourceError(path, null_byte_line(source), str(exc)) from exc
    except (RecursionError, MemoryError) as exc:  # too deep for CPython's compiler: `python file.py` fails too
        raise SourceError(path, None, f"Python cannot compile it: {type(exc).__name__}: {exc}") from None


def null_byte_line(source: str | bytes) -> int | None:
    """The line of the first null byte, which CPython refuses without saying where (bytes
    are read as Latin-1: one character per byte, the line ends where they were)."""
    text = source.decode("latin-1") if isinstance(source, bytes) else source
    at = text.find("\0")
    return None if at < 0 else sum(1 for _ in _LINE_END.finditer(text, 0, at)) + 1


def has_header(source: str) -> bool:
    """True when one of the lines ``_insert_header`` may put the header on starts with it.
    Lines are counted as Python counts them (``_LINE``): ``str.splitlines`` also breaks at
    form feeds and U+2028, which pushed a header out of the window (review R14 k1)."""
    return any(_HEADER_RE.match(source, line.start()) for line in itertools.islice(_LINE.finditer(source), _HEADER_WINDOW))


#: The opt-out marker, in a comment (``# async_inline: skip-file``) or the module docstring:
#: the hook and the command line leave the module as it is, and no other module inlines
#: its functions.
_MARKER_RE = re.compile(r"async_inline:\s*skip-file\b")


def has_skip_marker(source: bytes) -> bool:
    """True when the module opts out with ``# async_inline: skip-file`` or its docstring says so."""
    if b"skip-file" not in source:  # fast path: almost every module
        return False
    return any(_MARKER_RE.search(text) for _, text in _marker_places(source))


#: Spellings close to the marker (``# async-inline: skip-file``, ``skip_file``, ``SKIPFILE``)
#: that do not opt out: ``near_miss_marker`` finds them, so the command line can say so.
_NEAR_MARKER = r"async[-_ ]?inline\s*:?\s*skip[-_ ]?file"
_NEAR_MARKER_RE = re.compile(_NEAR_MARKER, re.IGNORECASE)
_NEAR_MARKER_BYTES_RE = re.compile(_NEAR_MARKER.encode(), re.IGNORECASE)


#: What the command line and the hook say about such a spelling, after its ``path:line``.
NEAR_MISS_WARNING = (
    "not the opt-out marker, which is spelt exactly '# async_inline: skip-file' (a comment or the module docstring); "
    "the module is rewritten"
)


def near_miss_marker(source: bytes) -> int | None:
    """The line of a comment or module docstring that spells the opt-out marker otherwise,
    and so does not opt out; None when there is none, or the module opts out."""
    if not _NEAR_MARKER_BYTES_RE.search(source):  # fast path: one scan of the bytes
        return None
    places = _marker_places(source)
    if any(_MARKER_RE.search(text) for _, text in places):
        return None
    return next((line for line, text in places if _NEAR_MARKER_RE.search(text)), None)


def _marker_places(source: bytes) -> list[tuple[int, str]]:
    """(line, text) of the comments and of the module docstring: where the marker counts."""
    try:
        tokens = list(tokenize.tokenize(io.BytesIO(source).readline))
    except (tokenize.TokenError, SyntaxError, UnicodeDecodeError):
        return []
    places = []
    docstring_possible = True
    for tok in tokens:
        if tok.type == tokenize.COMMENT:
            places.append((tok.start[0], tok.string))
            continue
        if tok.type in (tokenize.ENCODING, tokenize.NL, tokenize.NEWLINE):
            continue
        if docstring_possible and tok.type == tokenize.STRING:
            places.append((tok.start[0], tok.string))
        docstring_possible = False
    return places


#: PEP 263's encoding declaration, on line 1 or 2.
_COOKIE = re.compile(r"^[ \t\f]*#.*?coding[:=]")


def _insert_header(code: str) -> tuple[str, int]:
    """The code with the header after a shebang and an encoding declaration, which must
    stay on lines 1-2 (a declaration on line 2 follows a comment or a blank line), and the
    header's line index."""
    first = [m.group() for m in itertools.islice(_LINE.finditer(code), 2)]
    # The file's own line end (CR-only too), so that the output does not mix them.
    newline = next((end for end in ("\r\n", "\r", "\n") if first and first[0].endswith(end)), "\n")
    at = 1 if first and first[0].startswith("#!") else 0
    for i, line in enumerate(first):
        if _COOKIE.match(line):
            at = i + 1
    at = min(at, len([line for line in first if line]))
    head = "".join(first[:at])
    end = newline if head and not head.endswith(("\n", "\r")) else ""  # a last line without its end
    return head + end + HEADER.replace("\n", newline) + code[len(head) :], at


def rewrite_source(
    source: str | bytes,
    *,
    filename: str = "<string>",
    options: Options | None = None,
    module: str | None = None,
    sources: SourceProvider | None = None,
    positions: bool = False,
    check: bool = True,
) -> RewriteResult:
    """Inline the statically resolvable awaited coroutine calls of one module.

    ``module`` is the module's dotted name (``pkg.mod``): functions are known by their
    qualified names in the report and in ``Options.noinline``, and relative imports can
    be followed. ``sources`` finds the source of another module by name: functions and
    methods of the modules this one imports can then be inlined too (see
    ``async_inline.sources``); ``RewriteResult.dependencies`` lists the sources read.
    ``positions``: one layout pass of the new module serves both the code and
    ``RewriteResult.positions`` (without it, positions take a pass of their own, on demand).
    ``check``: compile the new code, raising InternalError if it does not compile (the
    import hook, which compiles it right after, skips this).
    Raises SourceError for input that is not valid Python on the running interpreter.
    """
    from .analysis.program import Program

    options = options or Options()
    return _rewrite(source, filename, options, module, Program(sources, options.noinline), positions, check)


def rewrite_program(files: Mapping[str, str], *, options: Options | None = None) -> dict[str, RewriteResult]:
    """Rewrite the modules of one program (relative path such as ``pkg/x.py`` -> source),
    each inlining from the others."""
    from .analysis.program import Program
    from .sources import module_name_of, text_provider

    options = options or Options()
    program = Program(text_provider(files), options.noinline)
    return {path: _rewrite(text, path, options, module_name_of(path)[0], program) for path, text in files.items()}


def _rewrite(
    source: str | bytes, filename: str, options: Options, module: str | None, program: Program, positions: bool = False, check: bool = True
) -> RewriteResult:
    with collector.paused():
        return _rewrite_unpaused(source, filename, options, module, program, positions, check)


def _rewrite_unpaused(
    source: str | bytes, filename: str, options: Options, module: str | None, program: Program, positions: bool, check: bool
) -> RewriteResult:
    # Imported here: `import async_inline` (the hook, the plugin, --help) stays light.
    import libcst as cst

    from .layout import lay_out
    from .transform.rewriter import rewrite_module

    encoding = "utf-8"
    if isinstance(source, bytes):
        source, encoding = decode_source(source, filename)
    if has_header(source):
        return RewriteResult(source, FileReport(filename), encoding, already_rewritten=True)
    if "skip-file" in source and has_skip_marker(source.encode()):  # (encoded only where it may be)
        return RewriteResult(source, FileReport(filename), encoding, opted_out=True)
    syntax, input_code = _check_compiles(source, filename)
    if "await" not in source:
        return RewriteResult(source, FileReport(filename), encoding, input_code=input_code)  # no call site: nothing to analyse
    _check_bool_chains(syntax, source, filename)

    def parse_and_rewrite() -> tuple[cst.Module, FileReport, OriginMarks | None, Layout | None, str]:
        try:
            tree = cst.parse_module(source)
        except cst.ParserSyntaxError as exc:  # CPython accepted it; LibCST's grammar lags behind
            raise SourceError(filename, exc.raw_line, f"unsupported syntax: {exc.message}") from None
        if "\f" in tree.default_indent:
            tree = _without_form_feed_in_default_indent(tree)
        new_module, report, marks = rewrite_module(
            tree, path=filename, source=source, syntax=syntax, options=options, module_name=module, program=program, encoding=encoding,
            code=input_code,
        )
        if marks is None:
            return new_module, report, None, None, source
        layout = lay_out(new_module, occurrences=True, sealed=marks.sealed) if positions else None
        return new_module, report, marks, layout, layout.code if layout is not None else new_module.code

    # On a large stack: deep native recursion in LibCST must not kill the process (the
    # file's neighbours in a run, the program importing it).
    try:
        new_module, report, marks, layout, code = on_large_stack(parse_and_rewrite)
    except RecursionError:  # CPython compiled it: a tree too deep for LibCST's Python side (or ours)
        raise SourceError(
            filename, None, "nested too deeply for async-inline (Python's recursion limit while rewriting); "
            "the file is left as it is"
        ) from None
    if marks is None:
        return RewriteResult(source, report, encoding, dependencies=dict(program.read), input_code=input_code)
    try:
        if check:
            pyast.compile_quietly(code, filename)
    except SyntaxError as exc:
        raise InternalError(
            f"{filename}: async_inline generated invalid code (line {exc.lineno}: {exc.msg}); "
            "please report this as a bug"
        ) from exc
    header_at: int | None = None
    if options.header:
        code, header_at = _insert_header(code)

    def position_map() -> PositionMap:
        found = marks.positions(layout if layout is not None else lay_out(new_module, occurrences=True, sealed=marks.sealed))
        return found.shifted(header_at + 1) if header_at is not None else found

    return RewriteResult(code, report, encoding, dependencies=dict(program.read), _positions=position_map)
