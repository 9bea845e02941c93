"""Code inlined from another module reads builtins that Python 3.10 has as builtins, the
others through ``runtime.global_value`` (``NEWER_BUILTIN_NAMES``): output of the command
line may run on 3.10, where those are no builtins. This test keeps the list complete on
every interpreter CI runs: a Python that adds a builtin fails it until the name is added."""

from __future__ import annotations

from async_inline.analysis.builtin_names import BUILTIN_NAMES, NEWER_BUILTIN_NAMES

#: ``dir(builtins)`` of CPython 3.10.13 run with ``-S`` (without the names ``site`` adds).
PYTHON_3_10_BUILTINS = frozenset(
    """
    ArithmeticError AssertionError AttributeError BaseException BlockingIOError
    BrokenPipeError BufferError BytesWarning ChildProcessError ConnectionAbortedError
    ConnectionError ConnectionRefusedError ConnectionResetError DeprecationWarning
    EOFError Ellipsis EncodingWarning EnvironmentError Exception False FileExistsError
    FileNotFoundError FloatingPointError FutureWarning GeneratorExit IOError ImportError
    ImportWarning IndentationError IndexError InterruptedError IsADirectoryError
    KeyError KeyboardInterrupt LookupError MemoryError ModuleNotFoundError NameError
    None NotADirectoryError NotImplemented NotImplementedError OSError OverflowError
    PendingDeprecationWarning PermissionError ProcessLookupError RecursionError
    ReferenceError ResourceWarning RuntimeError RuntimeWarning StopAsyncIteration
    StopIteration SyntaxError SyntaxWarning SystemError SystemExit TabError TimeoutError
    True TypeError UnboundLocalError UnicodeDecodeError UnicodeEncodeError UnicodeError
    UnicodeTranslateError UnicodeWarning UserWarning ValueError Warning
    ZeroDivisionError __build_class__ __debug__ __doc__ __import__ __loader__ __name__
    __package__ __spec__ abs aiter all anext any ascii bin bool breakpoint bytearray
    bytes callable chr classmethod compile complex delattr dict dir
    divmod enumerate eval exec filter float format frozenset getattr globals
    hasattr hash hex id input int isinstance issubclass iter len list
    locals map max memoryview min next object oct open ord pow print property range
    repr reversed round set setattr slice sorted staticmethod str sum super tuple type
    vars zip
    """.split()
)


def test_every_builtin_python_3_10_lacks_is_read_as_a_global():
    assert BUILTIN_NAMES - PYTHON_3_10_BUILTINS == NEWER_BUILTIN_NAMES


def test_the_builtins_python_3_10_has_are_still_builtins():
    assert PYTHON_3_10_BUILTINS <= BUILTIN_NAMES


def test_names_site_a_repl_or_ipython_add_are_no_builtins():
    """Review R14 f4, R15 m: the output may run under ``python -S`` or outside the REPL or
    IPython that ran the rewrite (``__IPYTHON__``, ``display``, ``_``)."""
    import builtins

    from async_inline.analysis.builtin_names import interpreter_builtins

    def display(*objects: object) -> None: ...

    seen = interpreter_builtins({**vars(builtins), "__IPYTHON__": True, "display": display, "_": 42, "get_ipython": display})
    assert seen == BUILTIN_NAMES
    assert BUILTIN_NAMES.isdisjoint({"help", "exit", "quit", "license", "copyright", "credits"})


def test_the_analysis_knows_the_names_async_method_wrappers_use() -> None:
    """A runtime-async function with a parameter of one of these names gets a wrapper that
    has no defaults to read; the analysis refuses it by this list."""
    from async_inline.analysis.callee import ASYNC_METHOD_WRAPPER_NAMES
    from runtime import _frames

    assert ASYNC_METHOD_WRAPPER_NAMES == _frames._INTERNAL_NAMES
