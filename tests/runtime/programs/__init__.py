"""Programs run twice by the differential tests: as written (the reference) and hand-inlined.

Each module holds a reference entry point and its inlined twin, the code an
inliner should generate (docs/runtime-inlining-protocol.md), in the
``ENTRIES`` dict: ``{"reference": fn, "inlined": fn}``. The functions reach
the harness through the module global ``env`` (a ``tests.runtime.support.Env``),
which the harness sets before each run.
"""
