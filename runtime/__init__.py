"""runtime: the runtime-async model in Python, and the only module inlined code imports.

Depends on the standard library alone. See ``docs/runtime-model.md`` for the
model and ``docs/runtime-inlining-protocol.md`` for the helpers generated code calls.

PYTEST_DONT_REWRITE: the import hook may import this package before pytest marks the
packages of the distribution (async_inline's) for assertion rewriting.
"""

from . import _recorder as hooks
from ._awaiters import Awaiter, configure_await, yield_
from ._driver import Task, run, start
from ._frames import async_method, is_async_method
from ._inline import enter, leave, leave_sync, resumed, state, try_leave
from ._local import AsyncLocal
from ._markers import inline, noinline
from ._refs import (
    BUILTIN_NAMESPACE,
    BUILTINS,
    CONFIGURE_AWAIT,
    METHOD_TYPE,
    NOT_FOUND,
    SUPER,
    class_cell,
    defaults_of,
    function_at,
    function_of,
    global_value,
    method_cell,
    module_globals,
    super_order,
)
from ._sched import DeadlockError, deterministic
from ._state import ExecutionContext
from ._sync import LoopContext, QueueContext, SynchronizationContext
from ._threadpool import ThreadPool, running_on
from ._trace import Trace, TraceViolation, Violation, check_trace, trace

__all__ = [
    # the model
    "AsyncLocal",
    "ExecutionContext",
    "SynchronizationContext",
    "QueueContext",
    "LoopContext",
    "ThreadPool",
    "async_method",
    "is_async_method",
    "yield_",
    "configure_await",
    "Awaiter",
    "Task",
    "start",
    "run",
    "deterministic",
    "running_on",
    "DeadlockError",
    # tracing
    "trace",
    "Trace",
    "Violation",
    "TraceViolation",
    "check_trace",
    # inlining markers (read from the source by the inliner)
    "inline",
    "noinline",
    # helpers for inlined code (docs/runtime-inlining-protocol.md)
    "hooks",
    "state",
    "try_leave",
    "leave",
    "leave_sync",
    "resumed",
    "enter",
    "BUILTINS",
    "BUILTIN_NAMESPACE",
    "CONFIGURE_AWAIT",
    "METHOD_TYPE",
    "NOT_FOUND",
    "SUPER",
    "function_of",
    "function_at",
    "global_value",
    "module_globals",
    "method_cell",
    "super_order",
    "class_cell",
    "defaults_of",
]
