"""Run one program plain or under the hook, raising at the first line event of each line.

    python probe.py plain|hook FILE [ENTRY]

Prints JSON: the lines of FILE that had a line event in a full run, and for each of them
the logical frames in FILE (function, line, source text) of the traceback of an exception
raised at that line's first event (by the trace function: CPython raises it in the frame).
The program is FILE's code run as ``__main__`` (or its coroutine function ENTRY), output
discarded. A BaseException, so that the program's ``except Exception`` does not catch it.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import sys
import types

from async_inline.debug import logical_tb
from async_inline.hook.build import build
from async_inline.options import Options


class Probe(BaseException):
    pass


def main() -> None:
    mode, path = sys.argv[1], sys.argv[2]
    entry = sys.argv[3] if len(sys.argv) > 3 else None
    source = open(path, "rb").read()
    code = build(source, path, Options(header=False)).code if mode == "hook" else compile(source, path, "exec", dont_inherit=True)
    if mode == "hook" and entry is None:
        assert any(isinstance(c, types.CodeType) for c in code.co_consts)

    def run(line: int | None) -> list[list[object]] | None:
        seen: set[int] = set()

        def tracer(frame: types.FrameType, event: str, arg: object):
            if frame.f_code.co_filename != path:
                return None
            if event == "line":
                if line is None:
                    lines.add(frame.f_lineno)
                elif frame.f_lineno == line and not seen:
                    seen.add(line)
                    sys.settrace(None)
                    raise Probe(line)
            return tracer

        namespace = {"__name__": "__main__" if entry is None else "probed", "__file__": path}
        out = io.StringIO()
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
                sys.settrace(tracer)
                try:
                    exec(code, namespace)
                    if entry is not None:
                        asyncio.run(namespace[entry]())
                finally:
                    sys.settrace(None)
        except Probe as probe:
            return [[f.name, f.lineno, f.line] for f in logical_tb(probe.__traceback__) if f.filename == path]
        except (Exception, SystemExit):
            pass
        return None

    lines: set[int] = set()
    run(None)
    probes = {str(line): run(line) for line in sorted(lines)}
    print(json.dumps({"lines": sorted(lines), "probes": probes}))


if __name__ == "__main__":
    main()
