"""pdb for code the import hook inlined: expressions see the innermost inlined frame's
locals under their source names; the ``inlined`` command lists the logical frames.

Apart from ``debug`` so that importing that module (``run`` does, before the program)
does not import pdb (review R35c F1); ``async_inline.debug`` still gives ``Pdb`` and
``post_mortem``.
"""

from __future__ import annotations

import pdb
import sys
import types

from .debug import INLINED_TAG, logical_frames, source_map

__all__ = ["Pdb", "post_mortem"]


class Pdb(pdb.Pdb):
    """pdb that sees inlined callees: expressions (``p a``) are evaluated with the locals of
    the innermost logical frame under their source names, over the physical ones (reading
    only: assign through the emitted names); the ``inlined`` command lists the logical
    frames at the current line, innermost last, each with its locals.

    ``pytest --pdb --pdbcls=async_inline.debug:Pdb`` uses it for post-mortems."""

    # pdb evaluates in ``self.curframe_locals``, set by ``setup`` and ``_select_frame``
    # (3.10 to 3.13); both are extended here.
    def setup(self, f: types.FrameType | None, tb: types.TracebackType | None) -> None:
        super().setup(f, tb)
        self._add_logical_locals()

    def _select_frame(self, number: int) -> None:
        super()._select_frame(number)
        self._add_logical_locals()

    def _add_logical_locals(self) -> None:
        frame = self.curframe
        if frame is None or source_map(frame.f_code) is None:
            return
        lineno = self.stack[self.curindex][1] if self.stack else frame.f_lineno
        innermost = logical_frames(frame, frame.f_lasti, lineno)[-1]
        self.curframe_locals = {**frame.f_locals, **innermost.f_locals}

    def do_inlined(self, arg: str) -> None:
        """inlined
        List the inlined frames the current frame stands for, with their locals."""
        frame = self.curframe
        if frame is None:
            return
        lineno = self.stack[self.curindex][1] if self.stack else frame.f_lineno
        for logical in logical_frames(frame, frame.f_lasti, lineno):
            tag = f" {INLINED_TAG}" if logical.inlined else ""
            self.message(f"{logical.filename}:{logical.lineno} in {logical.name}{tag}")
            for name, value in logical.f_locals.items():
                self.message(f"    {name} = {value!r}")


def post_mortem(tb: types.TracebackType | None = None) -> None:
    """``pdb.post_mortem`` with the ``inlined`` command."""
    if tb is None:
        tb = sys.exc_info()[2]
    if tb is None:
        raise ValueError("A valid traceback must be passed if no exception is being handled")
    debugger = Pdb()
    debugger.reset()
    debugger.interaction(None, tb)
