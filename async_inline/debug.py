"""The frames the original program would have had, for code the import hook inlined.

An inlined callee runs in its caller's frame: ``frame.f_code`` is the caller's, the line is
the callee's. The hook stores with each code object which instructions belong to which
inlined frame (``hook/positions.py``); this module reads that map:

* ``logical_frames(frame)``: the frames one physical frame stands for, outermost first;
* ``logical_stack(frame=None)``: the whole stack, like ``traceback.extract_stack``;
* ``logical_tb(tb)``: the frames of a traceback, like ``traceback.extract_tb``;
* ``format_exception(exc)`` and ``excepthook``: tracebacks as the original prints them
  (``python -m async_inline run`` installs the hook; ``traceback.print_exc`` in user code
  still prints the physical frames);
* ``Pdb``: pdb with an ``inlined`` command listing the inlined frames at the current line
  and their locals under their own names; ``post_mortem``.

Each ``LogicalFrame`` has ``f_locals``: the callee's locals under their source names (a
renamed local is read from its emitted name). Code the hook did not inline has one logical
frame per physical frame. Needs Python 3.11 (``co_positions``); on 3.10 every frame is
its own logical frame.
"""

from __future__ import annotations

import ast
import linecache
import re
import sys
import threading
import traceback
import types
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from .hook.positions import MARKER, instruction_positions

__all__ = ["LogicalFrame", "excepthook", "format_exception", "install_excepthook", "logical_frames", "logical_stack", "logical_tb", "tb_entry_frames", "thread_excepthook"]

#: Name tag shown after an inlined frame's function name in printed tracebacks.
INLINED_TAG = "[inlined]"


@dataclass(frozen=True)
class LogicalFrame:
    """One frame of the original program."""

    #: Function name, as ``co_name`` of the original frame.
    name: str
    filename: str
    lineno: int
    #: (line, end line, column, end column) as ``co_positions`` gives them; None if unknown.
    positions: tuple[int | None, int | None, int | None, int | None] | None
    #: Line of the function's ``def`` (``co_firstlineno``).
    first_line: int
    #: True for a callee inlined into ``frame``'s code.
    inlined: bool
    #: The physical frame this logical frame runs in.
    frame: types.FrameType
    #: (name in the source, name in the frame) of the locals this logical frame owns;
    #: None: all of ``frame``'s locals (no inlining).
    local_names: tuple[tuple[str, str], ...] | None
    #: An inlined callee's parameters, in order.
    params: tuple[str, ...] = ()
    #: Parameters no variable holds (the value is pasted where they are read): (name in
    #: the source, the pasted code: a literal, or ``D[i]`` of the module's defaults tuple).
    constants: tuple[tuple[str, str], ...] = ()

    @property
    def f_locals(self) -> dict[str, Any]:
        """The locals under their source names; unassigned ones are absent, as in a real frame."""
        values = self.frame.f_locals
        if self.local_names is None:
            return dict(values)
        out = {name: values[emitted] for name, emitted in self.local_names if emitted in values}
        for name, code in self.constants:
            found, value = _pasted_value(code, self.frame.f_globals)
            if found:
                out[name] = value
        return out

    @property
    def line(self) -> str:
        # (the frame's globals find its module's source; another module's file is read by name)
        same_file = self.filename == self.frame.f_code.co_filename
        return linecache.getline(self.filename, self.lineno, self.frame.f_globals if same_file else None).strip()


_ITEM = re.compile(r"\(*([A-Za-z_][A-Za-z_0-9]*)\[(\d+)\]\)*")


def _pasted_value(code: str, namespace: dict[str, Any]) -> tuple[bool, Any]:
    """The value of pasted code: a literal, or an item of a tuple the module holds."""
    try:
        return True, ast.literal_eval(code)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        pass
    item = _ITEM.fullmatch(code)
    held = namespace.get(item.group(1)) if item is not None else None
    if item is not None and type(held) is tuple and int(item.group(2)) < len(held):
        return True, held[int(item.group(2))]
    return False, None


def source_map(code: types.CodeType) -> tuple[Any, ...] | None:
    last = code.co_consts[-1] if code.co_consts else None
    return last if isinstance(last, tuple) and last[:1] == (MARKER,) else None


def _positions(code: types.CodeType, lasti: int) -> tuple[int | None, int | None, int | None, int | None] | None:
    positions = instruction_positions(code)
    return positions[lasti // 2] if 0 <= lasti // 2 < len(positions) else None


def logical_frames(frame: types.FrameType, lasti: int | None = None, lineno: int | None = None) -> list[LogicalFrame]:
    """The logical frames ``frame`` stands for at instruction ``lasti`` (default: where it
    is now), outermost first: the physical function, then each inlined callee."""
    code = frame.f_code
    lasti = frame.f_lasti if lasti is None else lasti
    lineno = frame.f_lineno if lineno is None else lineno
    here = _positions(code, lasti)
    found = source_map(code)
    chain: list[int] = []
    if found is not None:
        table, runs = found[1], found[2]
        frame_index = next((f for start, stop, f in runs if start <= lasti < stop), -1)
        while frame_index >= 0:
            chain.append(frame_index)
            frame_index = table[frame_index][0]
        chain.reverse()
    if not chain:
        own_names = tuple((n, n) for n in found[3]) if found is not None else None
        return [LogicalFrame(code.co_name, code.co_filename, lineno, here, code.co_firstlineno, False, frame, own_names)]
    assert found is not None
    out: list[LogicalFrame] = []
    name, first_line, inlined = code.co_name, code.co_firstlineno, False
    params: tuple[str, ...] = ()
    owned: tuple[tuple[str, str], ...] = tuple((n, n) for n in found[3])
    path: str | None = None  # the file of a callee of another module
    pasted: tuple[tuple[str, str], ...] = ()
    for index in chain:
        _, callee, callee_line, site, local_names, callee_params, *rest = table[index]
        if path is None:
            out.append(LogicalFrame(name, code.co_filename, site[0], (site[0], site[2], site[1], site[3]), first_line, inlined, frame, owned, params, pasted))
        else:  # its lines are not known (its code runs at the line of the await in this file): its def's
            out.append(LogicalFrame(name, path, first_line, None, first_line, inlined, frame, owned, params, pasted))
        name, first_line, owned, inlined, params = callee, callee_line, local_names, True, callee_params
        path = rest[0] if rest else None
        pasted = rest[1] if len(rest) > 1 else ()
    if path is None:
        out.append(LogicalFrame(name, code.co_filename, lineno, here, first_line, True, frame, owned, params, pasted))
    else:
        out.append(LogicalFrame(name, path, first_line, None, first_line, True, frame, owned, params, pasted))
    return out


def logical_stack(frame: types.FrameType | None = None) -> list[LogicalFrame]:
    """The logical frames of the stack ending at ``frame`` (default: the caller's), outermost first."""
    frame = sys._getframe(1) if frame is None else frame
    physical: list[types.FrameType] = []
    current: types.FrameType | None = frame
    while current is not None:
        physical.append(current)
        current = current.f_back
    return [logical for f in reversed(physical) for logical in logical_frames(f)]


def logical_tb(tb: types.TracebackType | None, exc: BaseException | None = None) -> list[LogicalFrame]:
    """The logical frames of a traceback, outermost first (as ``traceback.extract_tb``).

    ``exc``, the exception of ``tb``, tells which ``except`` clauses caught it (see
    :func:`tb_entry_frames`); without it every clause is taken to match."""
    out: list[LogicalFrame] = []
    previous = None
    for entry in _walk_tb(tb):
        out.extend(tb_entry_frames(entry, previous, exc))
        previous = entry
    return out


def tb_entry_frames(
    entry: types.TracebackType, previous: types.TracebackType | None, exc: BaseException | None = None
) -> list[LogicalFrame]:
    """The logical frames of traceback entry ``entry``; ``previous`` is the entry before it
    in its traceback (None: it is the first).

    A traceback begins in the frame where its exception was caught, and begins again at an
    entry of the same frame as the one before it (``raise exc`` of an exception caught in
    that frame). Python's traceback of the original program begins there in the logical
    frame whose ``except`` caught it, not in the function the callee was inlined into: such
    an entry starts at the innermost logical frame whose ``try`` around the raise has a
    clause matching ``exc`` that does not end in a bare ``raise``; with none, the exception
    left the physical frame (caught by C code, an asyncio task): all its frames (review R14
    i F4)."""
    frames = logical_frames(entry.tb_frame, entry.tb_lasti, entry.tb_lineno)
    if len(frames) > 1 and (previous is None or previous.tb_frame is entry.tb_frame):
        trees: dict[str, ast.Module | None] = {}
        for index in range(len(frames) - 1, -1, -1):
            if _catches(frames[index], exc, trees):
                return frames[index:]
    return frames


def _catches(logical: LogicalFrame, exc: BaseException | None, trees: dict[str, ast.Module | None]) -> bool:
    """Whether a ``try`` of ``logical``'s function around its position catches ``exc``."""
    if logical.positions is None or logical.positions[0] is None:
        return False  # a callee of another module: its lines are not known
    line, col = logical.positions[0], logical.positions[2]
    function = _function_node(logical, trees)
    if function is None:
        return False
    for node in _enclosing_tries(function, line, -1 if col is None else col):
        for handler in node.handlers:
            if _reraises(handler):
                continue
            if _matches(handler.type, exc, logical, not isinstance(node, ast.Try)):
                return True
    return False


_TRIES: tuple[type[Any], ...] = tuple(t for t in (ast.Try, getattr(ast, "TryStar", None)) if t is not None)
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)


def _function_node(logical: LogicalFrame, trees: dict[str, ast.Module | None]) -> ast.AST | None:
    """The ``def`` of ``logical``'s function in its source file (by name and first line)."""
    if logical.filename not in trees:
        source = "".join(linecache.getlines(logical.filename, logical.frame.f_globals))
        try:
            trees[logical.filename] = ast.parse(source)
        except (SyntaxError, ValueError):
            trees[logical.filename] = None
    tree = trees[logical.filename]
    if tree is None:
        return None
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == logical.name:
            if min([node.lineno, *(d.lineno for d in node.decorator_list)]) == logical.first_line:
                return node
    return None


def _enclosing_tries(function: ast.AST, line: int, col: int) -> list[Any]:
    """The ``try`` statements of ``function`` (not of functions inside it) whose body holds
    the position, innermost first."""
    out: list[Any] = []

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, _SCOPES):
                continue
            if isinstance(child, _TRIES) and child.body:
                first, last = child.body[0], child.body[-1]
                after_start = (line, col) >= (first.lineno, first.col_offset if col >= 0 else -1)
                before_end = last.end_lineno is None or (line, col) <= (last.end_lineno, last.end_col_offset or 0)
                if after_start and before_end:
                    out.append(child)
            visit(child)

    visit(function)
    return out[::-1]


def _reraises(handler: ast.ExceptHandler) -> bool:
    """The clause ends in a bare ``raise``: the exception goes on to an outer handler."""
    last = handler.body[-1] if handler.body else None
    return isinstance(last, ast.Raise) and last.exc is None


def _matches(expr: ast.expr | None, exc: BaseException | None, logical: LogicalFrame, star: bool) -> bool:
    """Whether the clause ``except EXPR`` catches ``exc``; True when it cannot be told."""
    if expr is None or exc is None:
        return True
    kinds = _evaluate(expr, logical)
    if not (isinstance(kinds, type) or (isinstance(kinds, tuple) and all(isinstance(k, type) for k in kinds))):
        return True
    split = getattr(exc, "split", None)
    if star and split is not None:  # a group: whether a part of it matches
        return split(kinds)[0] is not None
    return isinstance(exc, kinds)


_UNKNOWN = object()


def _evaluate(expr: ast.expr, logical: LogicalFrame) -> Any:
    """The value of a name, dotted name or tuple of them in the frame; else ``_UNKNOWN``."""
    if isinstance(expr, ast.Tuple):
        items = tuple(_evaluate(item, logical) for item in expr.elts)
        return _UNKNOWN if _UNKNOWN in items else items
    if isinstance(expr, ast.Attribute):
        base = _evaluate(expr.value, logical)
        return _UNKNOWN if base is _UNKNOWN else getattr(base, expr.attr, _UNKNOWN)
    if isinstance(expr, ast.Name):
        for namespace in (logical.f_locals, logical.frame.f_globals, logical.frame.f_builtins):
            if expr.id in namespace:
                return namespace[expr.id]
    return _UNKNOWN


def _walk_tb(tb: types.TracebackType | None) -> Iterator[types.TracebackType]:
    while tb is not None:
        yield tb
        tb = tb.tb_next


# -- printing ---------------------------------------------------------------------------


def _summary(frames: list[LogicalFrame]) -> traceback.StackSummary:
    summaries = []
    for logical in frames:
        name = f"{logical.name} {INLINED_TAG}" if logical.inlined else logical.name
        position = logical.positions or (logical.lineno, logical.lineno, None, None)
        summaries.append(_frame_summary(logical.filename, logical.lineno, name, position))
    return traceback.StackSummary.from_list(summaries)


if sys.version_info >= (3, 11):

    def _frame_summary(filename: str, lineno: int, name: str, position: tuple[int | None, ...]) -> traceback.FrameSummary:
        return traceback.FrameSummary(filename, lineno, name, end_lineno=position[1], colno=position[2], end_colno=position[3])

else:  # pragma: no cover - no columns on 3.10

    def _frame_summary(filename: str, lineno: int, name: str, position: tuple[int | None, ...]) -> traceback.FrameSummary:
        return traceback.FrameSummary(filename, lineno, name)


def format_exception(exc: BaseException, *, last: int | None = None) -> list[str]:
    """``traceback.format_exception(exc)``, each traceback listing the logical frames;
    ``last``: only the last so many of them (none, and no header, for 0 or less), as the
    interpreter's own hooks print a traceback under ``sys.tracebacklimit``."""
    formatted = traceback.TracebackException(type(exc), exc, exc.__traceback__, compact=True)
    _relist(formatted, exc, set(), last)
    return list(formatted.format())


def _relist(formatted: traceback.TracebackException, exc: BaseException | None, seen: set[int], last: int | None) -> None:
    """Replace each stack of ``formatted`` (and of the exceptions it chains) by the logical one."""
    if exc is None or id(exc) in seen:
        return
    seen.add(id(exc))
    frames = logical_tb(exc.__traceback__, exc)
    if last is not None:
        frames = frames[-last:] if last > 0 else []
    formatted.stack = _summary(frames)
    _relist_chained(formatted.__cause__, exc.__cause__, seen, last)
    _relist_chained(formatted.__context__, exc.__context__, seen, last)
    for child, raw in zip(getattr(formatted, "exceptions", None) or (), getattr(exc, "exceptions", ()) or (), strict=False):
        _relist(child, raw, seen, last)


def _relist_chained(formatted: traceback.TracebackException | None, exc: BaseException | None, seen: set[int], last: int | None) -> None:
    if formatted is not None:
        _relist(formatted, exc, seen, last)


def _hook_limit() -> int | None:
    """``sys.tracebacklimit``, as the interpreter's hooks read it: the last entries kept."""
    limit = getattr(sys, "tracebacklimit", None)
    return limit if isinstance(limit, int) else None


def excepthook(kind: type[BaseException], value: BaseException, tb: types.TracebackType | None) -> None:
    """A ``sys.excepthook`` printing logical frames (``python -m async_inline run`` sets it)."""
    if value.__traceback__ is not tb:
        value = value.with_traceback(tb)
    try:
        text = "".join(format_exception(value, last=_hook_limit()))
    except Exception:  # never lose the user's traceback over ours
        sys.__excepthook__(kind, value, tb)
        return
    sys.stderr.write(text)


def thread_excepthook(args: threading.ExceptHookArgs) -> None:
    """A ``threading.excepthook`` printing logical frames, as the default one prints
    physical ones (review R22a F3: a thread's uncaught exception showed the callee's line
    under the caller's name)."""
    value = args.exc_value
    stderr = sys.stderr if sys.stderr is not None else getattr(args.thread, "_stderr", None)
    if args.exc_type is SystemExit or value is None or stderr is None:
        threading.__excepthook__(args)
        return
    if value.__traceback__ is not args.exc_traceback:
        value = value.with_traceback(args.exc_traceback)
    try:
        text = "".join(format_exception(value, last=_hook_limit()))
    except Exception:  # never lose the user's traceback over ours
        threading.__excepthook__(args)
        return
    name = args.thread.name if args.thread is not None else threading.get_ident()
    stderr.write(f"Exception in thread {name}:\n{text}")
    stderr.flush()


def install_excepthook() -> None:
    """Make ``excepthook`` the ``sys.excepthook``, and ``thread_excepthook`` the
    ``threading.excepthook``, unless the program set its own."""
    if sys.excepthook is sys.__excepthook__:
        sys.excepthook = excepthook
    if threading.excepthook is threading.__excepthook__:
        threading.excepthook = thread_excepthook


def __getattr__(name: str) -> Any:
    """``Pdb`` and ``post_mortem`` live in ``debugger``, which imports pdb (and with it
    ``cmd``, ``code``, ``bdb`` ...): ``run`` imports this module before the program, which
    may have modules of those names (review R35c F1). ``async_inline.debug:Pdb`` (pytest's
    ``--pdbcls``) still names it."""
    if name in ("Pdb", "post_mortem"):
        from . import debugger

        return getattr(debugger, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
