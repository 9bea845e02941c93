"""Runtime-async frames: ``@async_method`` and the frame-exit logic it shares with inlined code.

A frame's whole bookkeeping is the state it captured on entry (F1). Nothing
else is stored, because everything the rules need is derived from it:

* ``resumed`` (I1) is "the epoch changed since entry" (invariant 2 of ``_state``);
* the F3 restore at a suspension has no observable effect here: the runtime
  keeps the state in the task's ``contextvars.Context``, which nothing reads
  while the computation is suspended, and every resumption installs the state
  captured for it (A3);
* the "for caller" slots that A2 captures at a frame's first suspension --
  taken right after its F3 restore -- are therefore the frame's own entry EC
  and entry SC (or the pool under ``configure_await(..., False)``), so the
  A4/I4 step at the frame's end recomputes them from the entry state.

That makes the synchronous path one ``ContextVar.get`` on entry and one
``get`` plus an identity test on exit.
"""

from __future__ import annotations

import contextvars
import dis
import functools
import inspect
import keyword
import sys
import types
from collections.abc import Callable, Coroutine, Generator
from typing import TYPE_CHECKING, Any, Generic, ParamSpec, TypeVar, overload

from . import _recorder, _state
from ._sched import POOL
from ._state import EC, EPOCH, SC, State
from ._suspension import Suspension, switch_to

if TYPE_CHECKING:
    from ._driver import Task

P = ParamSpec("P")
R = TypeVar("R")
T = TypeVar("T")

# The runtime Task whose Context this is (set once per task by the driver).
task_var: contextvars.ContextVar[Task[Any] | None] = contextvars.ContextVar("runtime.task", default=None)

_get = _state.get_state
_set = _state.set_state

# Frames (Python frame objects of async_method wrappers) awaited under
# configure_await(..., False): their caller resumes on the pool (A2, I7).
# NoCaptureFrame adds and removes them around the await.
no_capture_frames: set[types.FrameType] = set()


def _instruction(tb: types.TracebackType) -> str:
    """The name of the instruction a traceback entry stopped at (a cache entry counts
    as the instruction it belongs to)."""
    name = ""
    for ins in dis.get_instructions(tb.tb_frame.f_code):
        if ins.offset > tb.tb_lasti:
            break
        name = ins.opname
    return name


def _by_call(name: str) -> bool:
    return name.startswith(("CALL", "PRECALL", "RAISE_VARARGS"))


def _at_async_yield(tb: types.TracebackType) -> bool:
    """The traceback entry is an async generator's frame stopped at one of its ``yield``
    expressions (not at an ``await``). An exception thrown in there came from
    ``aclose()``/``athrow()``: at a ``yield`` the generator is not running, so no
    computation is suspended through it (review R3 f5). Where the thrown exception stops:
    the ``YIELD_VALUE`` (3.10 awaits use ``YIELD_FROM``, stopping at the instruction
    before it), or the ``RESUME`` after it (3.13); from 3.11 an await's ``YIELD_VALUE``
    follows its ``SEND``."""
    code = tb.tb_frame.f_code
    if not code.co_flags & inspect.CO_ASYNC_GENERATOR:
        return False
    names: list[str] = []
    for ins in dis.get_instructions(code):
        if ins.offset > tb.tb_lasti:
            break
        names.append(ins.opname)
    if names and names[-1] == "RESUME":
        names.pop()
    return len(names) >= 1 and names[-1] == "YIELD_VALUE" and (len(names) < 2 or names[-2] != "SEND")


def _closing(frame: types.FrameType) -> bool:
    """``frame``'s computation is being closed (``close()``, or ``throw()`` of a
    ``GeneratorExit``): the exception in flight is a ``GeneratorExit``, or it was raised
    while handling a ``GeneratorExit`` that was thrown into ``frame`` at its suspension
    point, or into a frame it awaits (the exception then entered each frame from ``frame``
    down at its suspension point, never by a call). Inlined, a callee's handler that
    replaced the ``GeneratorExit`` runs in its caller's frame; as a coroutine of its own,
    the callee's close() fails and its wrapper sees the replacement (review S).

    Not closing: an ordinary exception raised while handling a ``GeneratorExit`` raised
    by a ``raise`` statement, or thrown into another generator by ``close()`` (a handler
    after ``gen.close()`` failed, awaiting a runtime-async callee), or into an async
    generator by ``aclose()``/``athrow()`` (awaited, so its frame is entered at a
    suspension point too; but thrown at its ``yield``, see :func:`_at_async_yield`):
    those frames still continue on their caller's context (A4, review V f1, R3 f5).
    """
    exc = sys.exc_info()[1]
    if exc is None:
        return False
    if isinstance(exc, GeneratorExit):
        return True
    # The frames the exception in flight passed, from `frame` inwards, while it
    # entered each one at its suspension point (not by a call or a raise).
    awaited: set[types.FrameType] = set()
    tb = exc.__traceback__
    while tb is not None and tb.tb_frame is not frame:
        tb = tb.tb_next
    while tb is not None:
        awaited.add(tb.tb_frame)
        if tb.tb_next is None or _by_call(_instruction(tb)):
            break
        tb = tb.tb_next
    awaited.add(frame)
    link = exc.__context__
    for _ in range(8):  # a context chain may be long, or a cycle
        if link is None:
            return False
        if isinstance(link, GeneratorExit):
            tb = link.__traceback__
            while tb is not None and tb.tb_next is not None:
                tb = tb.tb_next
            # thrown in (not raised) into this computation, not by aclose()/athrow() into an
            # async generator it awaited (entered through an await too)
            return tb is not None and tb.tb_frame in awaited and not _by_call(_instruction(tb)) and not _at_async_yield(tb)
        link = link.__context__
    return False


def try_leave(entry: State, continue_on_captured_context: bool = True, _frame: types.FrameType | None = None) -> bool:
    """End a frame without suspending, if its end needs no suspension; True if it did.

    Not resumed: restore the entry state (F2 / I2). Resumed: restore nothing of
    the frame's own (F2) and make the caller's captured EC -- the frame's entry
    EC -- current (A4 / I4); when the current SC already is the caller's
    continuation context (its entry SC, or none under
    ``configure_await(..., False)``), that is the whole step. When it is not,
    change nothing and return False: ``await leave(entry)`` must suspend and
    continue there. The caller is then running "resumed" as well, because the
    epoch changed since it entered. ``_frame``: the frame whose exit this is, when it
    is not the caller (see :func:`_closing`).
    """
    st = _get()
    if st[EPOCH] == entry[EPOCH]:
        if st is not entry:
            _set(entry)
        rec = _recorder.active
        if rec is not None:
            rec.frame_exit(entry, False)
        return True
    if _closing(sys._getframe(1) if _frame is None else _frame):
        rec = _recorder.active
        if rec is not None:
            rec.frame_exit(entry, True, closed=True)
        return True  # the computation is being closed; nothing will run on the caller's context
    sc = entry[SC] if continue_on_captured_context else None
    if st[SC] is not sc:
        return False
    _set((entry[EC], sc, st[EPOCH]))
    rec = _recorder.active
    if rec is not None:
        cc = POOL if sc is None else sc
        rec.caller_resumed(rec.frame_exit(entry, True, cc=cc), entry, cc)
    return True


@types.coroutine
def leave(entry: State, continue_on_captured_context: bool = True) -> Generator[Suspension, None, None]:
    """End of a frame that may have suspended: F2 if it did not resume, else A4/I4.

    :func:`try_leave`, and when that cannot finish without suspending: make the
    caller's EC current, suspend, and continue on the caller's continuation
    context. Exceptions leaving the frame pass through unchanged (the caller
    awaits this from a ``finally`` block).
    """
    if try_leave(entry, continue_on_captured_context, sys._getframe(1)):
        return
    st = _get()
    sc = entry[SC] if continue_on_captured_context else None
    cc = POOL if sc is None else sc
    _set((entry[EC], st[SC], st[EPOCH]))
    rec = _recorder.active
    frame = rec.frame_exit(entry, True, cc=cc) if rec is not None else None
    yield switch_to(cc, entry[EC])
    rec = _recorder.active
    if rec is not None:
        rec.caller_resumed(frame, entry, cc)


def try_leave_frame(entry: State) -> bool:
    """:func:`try_leave` for an ``@async_method`` wrapper, which knows two special ends.

    Under ``configure_await(call, False)`` the caller resumes on the pool. A
    task's outermost frame has no caller continuation at all: the task
    completes, and whoever awaits it resumes by its own rules (F2 still applies).
    """
    st = _get()
    if st[EPOCH] == entry[EPOCH] and _recorder.active is None:
        _set(entry)  # F2, the same for every kind of frame (the wrapper saw st is not entry)
        return True
    frame = sys._getframe(1)
    if no_capture_frames and frame in no_capture_frames:
        return try_leave(entry, False, frame)
    task = task_var.get()
    if task is None or task._root_frame is not frame:
        return try_leave(entry, True, frame)
    resumed = st[EPOCH] != entry[EPOCH]
    if not resumed and st is not entry:
        _set(entry)
    rec = _recorder.active
    if rec is not None:
        rec.frame_exit(entry, resumed, task_root=True)
    return True


def leave_frame(entry: State) -> Generator[Suspension, None, None]:
    """:func:`leave` for an ``@async_method`` wrapper (after :func:`try_leave_frame` said False)."""
    frame = sys._getframe(1)
    return leave(entry, not (no_capture_frames and frame in no_capture_frames))


# Names the generated wrappers look up as globals.
wrapper_globals: dict[str, Any] = {
    "__builtins__": __builtins__,
    "_ai_get": _get,
    "_ai_rec": _recorder,
    "_ai_try_leave_frame": try_leave_frame,
    "_ai_leave_frame": leave_frame,
}
_INTERNAL_NAMES = frozenset({"_ai_fn", "_ai_s", *wrapper_globals})

# The wrapper of a runtime-async function: F1 on entry (through the recording
# slot: ContextVar.get while nothing records); on exit, F2 or the A4 step, which
# only suspends when the caller's continuation context is elsewhere.
_TEMPLATE = """\
def _ai_factory(_ai_fn):
    async def {name}({params}):
        _ai_s = _ai_rec.enter_call()
        try:
            return await _ai_fn({args})
        finally:
            if _ai_get() is not _ai_s and not _ai_try_leave_frame(_ai_s):
                await _ai_leave_frame(_ai_s)
    return {name}
"""


def _signature_text(fn: Callable[..., object]) -> tuple[str, str] | None:
    """Parameter list and forwarding arguments that bind exactly like ``fn``.

    The wrapper gets ``fn``'s own default objects, so arguments are bound once,
    by the wrapper, exactly as ``fn`` would bind them (errors included), and
    forwarded without ``*args``/``**kwargs`` packing. None when that is not possible.
    """
    code = getattr(fn, "__code__", None)
    if code is None or not isinstance(fn, types.FunctionType):
        return None
    names = code.co_varnames
    npos, nposonly, nkw = code.co_argcount, code.co_posonlyargcount, code.co_kwonlyargcount
    pos = list(names[:npos])
    kwonly = list(names[npos : npos + nkw])
    i = npos + nkw
    varargs = names[i] if code.co_flags & inspect.CO_VARARGS else None
    i += varargs is not None
    varkw = names[i] if code.co_flags & inspect.CO_VARKEYWORDS else None
    every = pos + kwonly + [n for n in (varargs, varkw) if n]
    if _INTERNAL_NAMES.intersection(every) or not all(n.isidentifier() for n in every):
        return None
    params: list[str] = []
    for j, n in enumerate(pos):
        params.append(n)
        if j == nposonly - 1:
            params.append("/")
    if varargs:
        params.append("*" + varargs)
    elif kwonly:
        params.append("*")
    params += kwonly
    if varkw:
        params.append("**" + varkw)
    args = pos + (["*" + varargs] if varargs else []) + [f"{n}={n}" for n in kwonly]
    if varkw:
        args.append("**" + varkw)
    return ", ".join(params), ", ".join(args)


def _build_wrapper(fn: Callable[P, Coroutine[Any, Any, R]]) -> Callable[P, Coroutine[Any, Any, R]]:
    sig = _signature_text(fn)
    params, args = sig if sig is not None else ("*_ai_args, **_ai_kwargs", "*_ai_args, **_ai_kwargs")
    name = getattr(fn, "__name__", "runtime_async")
    if not name.isidentifier() or keyword.iskeyword(name) or name in _INTERNAL_NAMES:
        name = "runtime_async"
    src = _TEMPLATE.format(name=name, params=params, args=args)
    qualname = getattr(fn, "__qualname__", name)
    code = compile(src, f"<runtime.async_method wrapper of {qualname}>", "exec")
    namespace: dict[str, Any] = {}
    exec(code, wrapper_globals, namespace)
    wrapper: types.FunctionType = namespace["_ai_factory"](fn)
    if sig is not None:
        assert isinstance(fn, types.FunctionType)
        wrapper.__defaults__ = fn.__defaults__
        wrapper.__kwdefaults__ = fn.__kwdefaults__
    functools.update_wrapper(wrapper, fn)
    if sys.version_info >= (3, 11):  # tracebacks and traces show fn's name
        wrapper.__code__ = wrapper.__code__.replace(co_qualname=qualname)
    wrapper._ai_async_method = True  # type: ignore[attr-defined]
    result: Callable[P, Coroutine[Any, Any, R]] = wrapper
    return result


@overload
def async_method(fn: staticmethod[P, Coroutine[Any, Any, R]]) -> staticmethod[P, Coroutine[Any, Any, R]]: ...
@overload
def async_method(fn: classmethod[T, P, Coroutine[Any, Any, R]]) -> classmethod[T, P, Coroutine[Any, Any, R]]: ...
@overload
def async_method(fn: Callable[P, Coroutine[Any, Any, R]]) -> Callable[P, Coroutine[Any, Any, R]]: ...
def async_method(fn: Any) -> Any:
    """Mark ``fn`` (an ``async def``) as a runtime-async function.

    Calling it returns a coroutine; awaiting it runs the body synchronously up
    to its first suspension, with rules F1-F3 applied to its frame and A1-A5
    to the awaits around it. Works on functions, methods, static and class
    methods, in any order with ``@inline`` / ``@noinline``; the result has
    ``fn``'s signature.
    """
    if isinstance(fn, (staticmethod, classmethod)):
        return type(fn)(async_method(fn.__func__))
    if getattr(fn, "_ai_async_method", False):
        return fn
    if not inspect.iscoroutinefunction(fn):
        raise TypeError(f"@async_method needs an 'async def' function, got {fn!r}")
    return _build_wrapper(fn)


def wrapped_function(obj: object) -> types.FunctionType | None:
    """The function ``obj`` runs if it is a wrapper :func:`async_method` made (its code's
    globals are the wrappers', the function is in its closure), else None. Not
    ``__wrapped__`` or ``_ai_async_method``, which any decorator may copy or set."""
    if type(obj) is not types.FunctionType or obj.__globals__ is not wrapper_globals or obj.__code__.co_freevars != ("_ai_fn",):
        return None
    assert obj.__closure__ is not None
    fn = obj.__closure__[0].cell_contents
    return fn if type(fn) is types.FunctionType else None


def is_async_method(fn: object) -> bool:
    """True if ``fn`` was decorated with :func:`async_method`."""
    fn = getattr(fn, "__func__", fn)
    return bool(getattr(fn, "_ai_async_method", False))


def is_frame_coroutine(obj: object) -> bool:
    """True for the coroutine a call to an ``@async_method`` function returns."""
    code = getattr(obj, "cr_code", None)
    return code is not None and "_ai_leave_frame" in code.co_names


class NoCaptureFrame(Generic[T]):
    """``configure_await(frame_call, False)``: the caller's continuation resumes on the pool."""

    __slots__ = ("_coro",)

    def __init__(self, coro: types.CoroutineType[Any, Any, T]) -> None:
        self._coro = coro

    def __await__(self) -> Generator[Any, Any, T]:
        frame = self._coro.cr_frame
        assert frame is not None  # not started yet
        no_capture_frames.add(frame)
        try:
            return (yield from self._coro.__await__())
        finally:
            no_capture_frames.discard(frame)
