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
import functools
import inspect
import keyword
import sys
import types
from collections.abc import Callable
from typing import Any, TypeVar

from . import _state, _trace
from ._sched import POOL
from ._state import EC, EPOCH, SC
from ._suspension import switch_to

# The runtime Task whose Context this is (set once per task by the driver).
task_var: contextvars.ContextVar = contextvars.ContextVar("runtime.task", default=None)

F = TypeVar("F", bound=Callable[..., Any])

_get = _state.get_state
_set = _state.set_state

# Frames (Python frame objects of async_method wrappers) awaited under
# configure_await(..., False): their caller resumes on the pool (A2, I7).
# NoCaptureFrame adds and removes them around the await.
no_capture_frames: set = set()


@types.coroutine
def leave(entry: tuple, continue_on_captured_context: bool = True):
    """End of a frame that may have suspended: F2 if it did not resume, else A4/I4.

    Not resumed: restore the entry state (F2 / I2). Resumed: restore nothing
    of the frame's own (F2), make the caller's captured EC current -- the
    frame's entry EC -- and, if the current SC is not the caller's captured
    continuation context, suspend and resume there (A4 / I4). The caller is
    then running "resumed" as well, because the epoch changed since it entered.
    Exceptions leaving the frame pass through unchanged (the caller awaits
    this from a ``finally`` block).
    """
    st = _get()
    rec = _trace.recorder
    if st[EPOCH] == entry[EPOCH]:
        if st is not entry:
            _set(entry)
        if rec is not None:
            rec.frame_exit(entry, False)
        return
    if sys.exc_info()[0] is GeneratorExit:
        if rec is not None:
            rec.frame_exit(entry, True, closed=True)
        return  # the computation is being closed; nothing will run on the caller's context
    sc = entry[SC] if continue_on_captured_context else None
    cc = POOL if sc is None else sc
    _set((entry[EC], st[SC], st[EPOCH]))
    frame = rec.frame_exit(entry, True, cc=cc) if rec is not None else None
    if st[SC] is not sc:
        yield switch_to(cc, entry[EC])
    if rec is not None:
        st = _get()
        rec.event("a4", frame=frame, entry=entry, cc=cc, ec=st[EC], sc=st[SC], epoch=st[EPOCH])


def leave_frame(entry: tuple):
    """``leave`` for an ``@async_method`` wrapper, which knows two special ends.

    Under ``configure_await(call, False)`` the caller resumes on the pool. A
    task's outermost frame has no caller continuation at all: the task
    completes, and whoever awaits it resumes by its own rules.
    """
    frame = sys._getframe(1)
    if no_capture_frames and frame in no_capture_frames:
        return leave(entry, False)
    task = task_var.get()
    if task is not None and task._root_frame is frame:
        return _leave_task_root(entry)
    return leave(entry)


@types.coroutine
def _leave_task_root(entry: tuple):
    """End of a task's outermost frame: F2 as usual, but no caller continuation to resume."""
    st = _get()
    resumed = st[EPOCH] != entry[EPOCH]
    if not resumed and st is not entry:
        _set(entry)
    if _trace.recorder is not None:
        _trace.recorder.frame_exit(entry, resumed, task_root=True)
    return
    yield  # a generator, so that the wrapper can await it


# Names the generated wrappers look up as globals. The tracer rebinds them
# (so tracing costs nothing when off); see _trace.
wrapper_globals: dict = {
    "__builtins__": __builtins__,
    "_ai_enter": _get,
    "_ai_state": _get,
    "_ai_leave_frame": leave_frame,
}
_INTERNAL_NAMES = frozenset({"_ai_fn", "_ai_s", "_ai_enter", "_ai_state", "_ai_leave_frame"})

_TEMPLATE = """\
def _ai_factory(_ai_fn):
    async def {name}({params}):
        _ai_s = _ai_enter()
        try:
            return await _ai_fn({args})
        finally:
            if _ai_state() is not _ai_s:
                await _ai_leave_frame(_ai_s)
    return {name}
"""


def _signature_text(fn: Any) -> tuple[str, str] | None:
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


def _build_wrapper(fn: Any) -> Any:
    sig = _signature_text(fn)
    params, args = sig if sig is not None else ("*_ai_args, **_ai_kwargs", "*_ai_args, **_ai_kwargs")
    name = getattr(fn, "__name__", "runtime_async")
    if not name.isidentifier() or keyword.iskeyword(name) or name in _INTERNAL_NAMES:
        name = "runtime_async"
    src = _TEMPLATE.format(name=name, params=params, args=args)
    qualname = getattr(fn, "__qualname__", name)
    code = compile(src, f"<runtime.async_method wrapper of {qualname}>", "exec")
    namespace: dict = {}
    exec(code, wrapper_globals, namespace)
    wrapper = namespace["_ai_factory"](fn)
    if sig is not None:
        wrapper.__defaults__ = fn.__defaults__
        wrapper.__kwdefaults__ = fn.__kwdefaults__
    functools.update_wrapper(wrapper, fn)
    if hasattr(wrapper.__code__, "co_qualname"):  # 3.11+: tracebacks and traces show fn's name
        wrapper.__code__ = wrapper.__code__.replace(co_qualname=qualname)
    wrapper._ai_async_method = True
    return wrapper


def async_method(fn: F) -> F:
    """Mark ``fn`` (an ``async def``) as a runtime-async function.

    Calling it returns a coroutine; awaiting it runs the body synchronously up
    to its first suspension, with rules F1-F3 applied to its frame and A1-A5
    to the awaits around it. Works on functions, methods, static and class
    methods, in any order with ``@inline`` / ``@noinline``.
    """
    if isinstance(fn, (staticmethod, classmethod)):
        return type(fn)(async_method(fn.__func__))  # type: ignore[return-value]
    if getattr(fn, "_ai_async_method", False):
        return fn
    if not inspect.iscoroutinefunction(fn):
        raise TypeError(f"@async_method needs an 'async def' function, got {fn!r}")
    return _build_wrapper(fn)  # type: ignore[return-value]


def is_async_method(fn: Any) -> bool:
    """True if ``fn`` was decorated with :func:`async_method`."""
    fn = getattr(fn, "__func__", fn)
    return bool(getattr(fn, "_ai_async_method", False))


def is_frame_coroutine(obj: Any) -> bool:
    """True for the coroutine a call to an ``@async_method`` function returns."""
    code = getattr(obj, "cr_code", None)
    return code is not None and "_ai_leave_frame" in code.co_names


class NoCaptureFrame:
    """``configure_await(frame_call, False)``: the caller's continuation resumes on the pool."""

    __slots__ = ("_coro",)

    def __init__(self, coro: Any) -> None:
        self._coro = coro

    def __await__(self):
        frame = self._coro.cr_frame
        no_capture_frames.add(frame)
        try:
            return (yield from self._coro.__await__())
        finally:
            no_capture_frames.discard(frame)
