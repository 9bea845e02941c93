"""The fixed helpers every generated program starts with.

Programs print through ``log``, which spends a fixed amount of *fuel*: however the random
call graph multiplies (loops calling functions calling loops), a program ends after a few
hundred lines, the same way in both forms (``OutOfFuel`` is a BaseException, so the
program's own ``except Exception`` handlers let it through). Nothing printed depends on
addresses, ids, timing or hash order.
"""

from __future__ import annotations

#: Lines a program may print before ``OutOfFuel`` stops it.
FUEL = 600

_COMMON = '''\
cv = contextvars.ContextVar("cv", default=0)
G = 0
FUEL = [{fuel}]


class Boom(Exception):
    pass


class OutOfFuel(BaseException):
    """The program printed enough; BaseException so that `except Exception` lets it pass."""


def log(*args):
    FUEL[0] -= 1
    if FUEL[0] < 0:
        raise OutOfFuel()
    text = " ".join(map(str, args))
    if " id='" in text:  # a mock's repr (seed 4401408): its address changes from run to run
        import re
        text = re.sub(r" id='[0-9]+'", "", text)
    print(text)


def t(tag, value):
    log("t", tag, value)
    return value


def chain(e):
    """An exception with its cause/context chain, as text."""
    parts = []
    while e is not None and len(parts) < 4:
        parts.append(type(e).__name__ + "(" + str(e) + ")" + ("!" if e.__suppress_context__ else ""))
        e = e.__cause__ if e.__cause__ is not None else (None if e.__suppress_context__ else e.__context__)
    return "<-".join(parts)


def exc_name():
    """The exception being handled here, as the interpreter sees it (sys.exc_info)."""
    return type(sys.exc_info()[1]).__name__


def rebind(name, value):
    """Rebind a module global at run time, as mock.patch does; returns the old value."""
    old = globals()[name]
    globals()[name] = value
    return old


class Box:
    def __init__(self, v=0):
        self.v = v

    def __repr__(self):
        return "Box(" + repr(self.v) + ")"


class Tracked:
    """Prints when finalized (the lifetime shapes, ``lifetimes.py``): when and in what order
    a frame lets go of its values is in the output. Never in a cycle, never a global; the
    print spends no fuel (a finalizer must not raise). ``loud`` False for a def's defaults,
    which the module keeps alive."""

    def __init__(self, name, loud=True):
        self.name, self.loud = name, loud

    def __repr__(self):
        return "Tracked(" + self.name + ")"

    def __del__(self):
        if self.loud:
            print("freed", self.name)

    def __add__(self, other):
        return Tracked(self.name + "+")

    __radd__ = __add__

    def __neg__(self):
        return Tracked("-" + self.name)

    def __lt__(self, other):
        return Tracked(self.name + "<")

    def __eq__(self, other):
        return Tracked(self.name + "==")

    __hash__ = object.__hash__


class CM:
    def __init__(self, name, suppress=False):
        self.name, self.suppress = name, suppress

    def __enter__(self):
        log("enter", self.name)
        return self.name

    def __exit__(self, et, ev, tb):
        log("exit", self.name, et.__name__ if et else None)
        # Exceptions only: never OutOfFuel, nor the harness's alarm (a program that swallows
        # its timeout would go on, differently each run).
        return self.suppress and et is not None and issubclass(et, Exception)


def spy(builtin):
    """A stand-in for ``builtin`` in a function that binds its name (``type = spy_type``):
    it works as the builtin does, and logs, so generated code that called the bare name
    would print more than the original."""

    def stand_in(*args):
        log("spy", builtin.__name__)
        return builtin(*args)

    return stand_in


spy_type, spy_getattr, spy_super = spy(type), spy(getattr), spy(super)


class Halt(Exception):
    """Stands for ``StopIteration`` in a function that binds the name."""


class Fault(Exception):
    """Stands for ``RuntimeError`` in a function that binds the name."""


class Cond:
    """A value whose truth tests are logged, and whose comparisons give Conds again (a chain's
    links are tested too): a test run twice, or not at all, prints so."""

    def __init__(self, v):
        self.v = v

    def __repr__(self):
        return "Cond(" + repr(self.v) + ")"

    def __bool__(self):
        log("truth", self.v)
        return bool(self.v)

    def _other(self, o):
        return o.v if isinstance(o, Cond) else o

    def __lt__(self, o):
        return Cond(int(self.v < self._other(o)))

    def __gt__(self, o):
        return Cond(int(self.v > self._other(o)))

    def __le__(self, o):
        return Cond(int(self.v <= self._other(o)))

    def __ge__(self, o):
        return Cond(int(self.v >= self._other(o)))


class ExitRaises(CM):
    """A manager whose exit raises (into the managers of earlier items of the same with)."""

    def __exit__(self, et, ev, tb):
        CM.__exit__(self, et, ev, tb)
        raise Boom("exit " + str(self.name))


class EnterRaises(CM):
    """A manager whose enter raises (inside the region the earlier items' exits cover)."""

    def __enter__(self):
        log("enter fails", self.name)
        raise ValueError("enter " + str(self.name))


class Stop(GeneratorExit):
    """A GeneratorExit of the program's own, thrown into suspended coroutines."""


def drive(coro, sends, how):
    """Run ``coro`` by hand up to ``sends`` suspensions, then close it (``how`` None) or throw
    ``how()`` into it, and close what is left; everything it does is logged."""
    try:
        for _ in range(sends):
            log("drive: suspended", type(coro.send(None)).__name__)
        if how is None:
            log("drive: close ->", coro.close())
        else:
            log("drive: throw ->", type(coro.throw(how())).__name__)
    except StopIteration as stop:
        log("drive: returned", stop.value)
    except (Exception, GeneratorExit) as e:
        log("drive: raised", chain(e))
    try:
        coro.close()
    except (Exception, GeneratorExit) as e:
        log("drive: last close raised", chain(e))


class Fake:
    """A mock-like stand-in for a coroutine function (called, never inlined)."""

    def __init__(self, name):
        self.name = name

    def __repr__(self):  # printed when a program returns one (seed 3100916): no address
        return f"<Fake {self.name}>"

    async def __call__(self, *args, **kwargs):
        log("fake", self.name, args, sorted(kwargs.items()))
        return len(args) + len(kwargs)
'''

PLAIN = (
    '''\
import asyncio
import contextlib
import contextvars
import sys

'''
    + _COMMON
    + '''

class ACM(CM):
    async def __aenter__(self):
        await asyncio.sleep(0)
        return self.__enter__()

    async def __aexit__(self, et, ev, tb):
        await asyncio.sleep(0)
        return self.__exit__(et, ev, tb)


class Suspend:
    """A custom awaitable that suspends once (a bare yield) and then returns its value."""

    def __init__(self, value):
        self.value = value

    def __await__(self):
        yield
        return self.value
'''
)

RUNTIME = (
    '''\
import contextlib
import contextvars
import sys

import runtime
from runtime import AsyncLocal, Awaiter, SynchronizationContext, ThreadPool, async_method, configure_await, yield_

'''
    + _COMMON
    + '''
al = AsyncLocal(0)
CTX = []  # two QueueContexts, c0 and c1, put here by whoever runs the program


def sc():
    current = SynchronizationContext.current()
    return None if current is None else current.name


def where():
    place = runtime.running_on()
    return "main" if place is None else "pool" if place is ThreadPool else place.name


class ACM(CM):
    async def __aenter__(self):
        await yield_()
        return self.__enter__()

    async def __aexit__(self, et, ev, tb):
        return self.__exit__(et, ev, tb)


class PoolAwaiter(Awaiter):
    """Never completed: resumes its awaiter from the thread pool (rule A5)."""

    is_completed = False

    def on_completed(self, continuation):
        ThreadPool.queue(continuation)

    def get_result(self):
        return 7


class CtxAwaiter(Awaiter):
    """Never completed: resumes its awaiter on the queue context c1."""

    is_completed = False

    def on_completed(self, continuation):
        CTX[1].post(continuation)

    def get_result(self):
        return 5


class DoneAwaiter(Awaiter):
    """Completed at once: no suspension."""

    is_completed = True

    def get_result(self):
        return 3


class Flag:
    """A configure_await flag that logs each test of its truth."""

    def __init__(self, value):
        self.value = value

    def __bool__(self):
        log("flag tested", self.value)
        return bool(self.value)


@async_method
async def alt(*args, **kwargs):
    """A runtime-async stand-in for a rebound function."""
    log("alt", args, sorted(kwargs.items()), al.value, sc())
    al.value = 99
    return len(args)
'''
)


#: Helpers of programs with classes and packages (``objects``): what patches, wraps, or
#: looks a method up differently at run time, so that a static target is not the real one.
OBJECTS = '''

def swap(owner, name, value):
    """owner.name = value (a class, an instance or a module), as mock.patch.object does;
    returns what unswap puts back."""
    old = vars(owner).get(name, swap)
    setattr(owner, name, value)
    return old


def unswap(owner, name, old):
    if old is swap:
        delattr(owner, name)
    else:
        setattr(owner, name, old)


class Proxy:
    """Methods its class does not have (``__getattr__``): a guard that looks a method up on
    the class must take the call (aiohttp's tests pass such objects, and mocks)."""

    def __getattr__(self, name):
        return Fake("proxy." + name)


class ConnMock(mock.Mock):
    """A ``Mock`` whose every attribute is an ``AsyncMock`` returning 5."""

    def _get_child_mock(self, **kwargs):
        return mock.AsyncMock(return_value=5)


def fake_method(label):
    """A stand-in for a method: a function, so it binds as a method does."""

    async def method(self, *args, **kwargs):
        log("fake-method", label, self, args, sorted(kwargs.items()))
        return len(args)

    return method


def logged(label, fn):
    """What a decorator leaves behind: a wrapper, no longer the function the body defined."""

    async def wrapper(*args, **kwargs):
        log("wrapped", label)
        return await fn(*args, **kwargs)

    return wrapper


def wrapping(*names):
    """A class decorator wrapping the methods ``names`` of the class."""

    def decorate(cls):
        for name in names:
            setattr(cls, name, logged(cls.__name__ + "." + name, vars(cls)[name]))
        return cls

    return decorate


class Traced:
    """A descriptor around a method: each lookup is logged, then binds as the method would."""

    def __init__(self, fn):
        self.fn = fn
        self.label = "?"

    def __set_name__(self, owner, name):
        self.label = owner.__name__ + "." + name

    def __get__(self, obj, owner=None):
        log("get", self.label)
        return self.fn.__get__(obj, owner)


class MetaLog(type):
    """Logs every instance created."""

    def __call__(cls, *args, **kwargs):
        log("new", cls.__name__, args)
        return super().__call__(*args, **kwargs)


class MetaWatch(type):
    """Logs lookups, on the class, of the names the class lists in ``watched``."""

    def __getattribute__(cls, name):
        if name in type.__getattribute__(cls, "watched"):
            log("class-get", type.__getattribute__(cls, "__name__"), name)
        return super().__getattribute__(name)


async def relay(*args, **kwargs):
    """What a module's own ``relay`` becomes when it imports this one over its def."""
    log("prelude.relay", args)
    return len(args)


def remade(cls):
    """What attrs.define(cls) does to an existing class (and 3.14's dataclass(slots=True)): a
    new class of the same namespace, the methods' __class__ cells pointed at it, so that
    super() and __class__ work on its instances (review O: inlined code read a copy)."""
    slots = getattr(cls, "__slots__", ())
    slots = (slots,) if isinstance(slots, str) else slots
    ns = {k: v for k, v in vars(cls).items() if k not in ("__dict__", "__weakref__", *slots)}
    new = type(cls)(cls.__name__, cls.__bases__, ns)
    for value in ns.values():
        for fn in (value, getattr(value, "__func__", None), getattr(value, "fn", None), getattr(value, "fget", None)):
            for cell in getattr(fn, "__closure__", None) or ():
                try:
                    if cell.cell_contents is cls:
                        cell.cell_contents = new
                except ValueError:  # an empty cell
                    pass
    return new


def rewrap_static(name):
    """A class decorator holding the instance method ``name`` as a staticmethod: calls through
    an instance pass no receiver (review O: an inlined body ran with self bound)."""

    def decorate(cls):
        setattr(cls, name, staticmethod(vars(cls)[name]))
        return cls

    return decorate


class MetaWrap(type):
    """Wraps the methods a class body lists in ``wrapped``."""

    def __new__(mcs, name, bases, namespace):
        for attr in namespace.get("wrapped", ()):
            namespace[attr] = logged(name + "." + attr, namespace[attr])
        return super().__new__(mcs, name, bases, namespace)
'''

#: Standard modules object programs use besides the prelude's.
OBJECT_IMPORTS = "import logging\nimport os\nfrom unittest import mock\n"


def prelude(runtime_async: bool, fuel: int = FUEL, objects: bool = False) -> str:
    text = (RUNTIME if runtime_async else PLAIN).replace("{fuel}", str(fuel))
    return OBJECT_IMPORTS + text + OBJECTS if objects else text
