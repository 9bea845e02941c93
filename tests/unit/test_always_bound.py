"""Which globals a module holds whichever way its top-level code went (``ModuleFacts.always_bound``).

Code inlined from another module reads those as ``_ai_g_x["X"]``; any other global may be
missing from the namespace, where Python reads the builtins or raises NameError
(``runtime.global_value``): tests/differential/test_modules.py runs both.
"""

from __future__ import annotations

import textwrap

import libcst as cst
import pytest

from async_inline.analysis.module import ModuleFacts
from async_inline.analysis.scopes import ScopeIndex


def always_bound(source: str) -> set[str]:
    facts = ModuleFacts(ScopeIndex(cst.parse_module(textwrap.dedent(source))))
    return set(facts.always_bound) - {"__name__", "__doc__", "__package__", "__spec__", "__loader__", "__builtins__"}


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("import os.path, sys as system\nfrom x import a, b as c\nA = (B, [C, *D]) = 1, [2, 3]\nE: int = 1\nF: int\n", {"os", "system", "a", "c", "A", "B", "C", "D", "E"}),
        ("def f(): pass\nclass K: pass\n@deco\nasync def g(): pass\n", {"f", "K", "g"}),
        ("if x:\n    A = B = 1\nelif y:\n    A = 2\nelse:\n    A = B = 3\n", {"A"}),
        ("if x:\n    A = 1\n", set()),
        ("if x: A = 1\nelse: A = 2\n", {"A"}),
        ("try:\n    from x import A, B\nexcept ImportError:\n    A = None\nelse:\n    C = 1\nfinally:\n    D = 1\n", {"A", "D"}),
        ("try:\n    import A\nfinally:\n    pass\n", {"A"}),
        ("for I in range(3):\n    J = I\nwhile x:\n    K = 1\nwith m() as W:\n    L = 1\n", set()),
        ("A = 1\ndel A\nB = 1\ndef f():\n    global B\n    del B\nC = 1\ndef g():\n    global C\n    C = 2\n", {"f", "g", "C"}),
        ("X = [Y for Y in z]\nW = (V := 1)\nL = lambda P: P\n", {"X", "W", "L"}),
        (  # a handler's name is deleted when it ends (review P, f2)
            "E = 1\ntry:\n    pass\nexcept ValueError as E:\n    pass\nF = 1\ndef f():\n    global F\n    try:\n        pass\n"
            "    except ValueError as F:\n        pass\nG = 1\ndef g():\n    try:\n        pass\n    except ValueError as G:\n        pass\n",
            {"f", "g", "G"},
        ),
    ],
    ids=[
        "statements", "definitions", "if-elif-else", "one-arm-if", "one-line-arms", "try", "try-finally", "loops-with", "deleted",
        "nested-scopes", "except-as",
    ],
)
def test_always_bound(source, expected):
    assert always_bound(source) == expected
