"""A method-heavy protocol decoder: original vs inlined vs hand-inlined vs synchronous.

Issue 11's method benchmark. ``Decoder`` reads a protobuf-like stream (frames of tagged
fields, varint-coded) through three levels of ``await self._...()``: ``decode_all`` awaits
``_read_frame`` per frame, which awaits ``_read_header`` per field, which awaits
``_read_varint``; all state (the buffer, the position, a frame count) lives in instance
attributes, the varint reader returns from inside its loop, and every level has an error
path. The async program is rewritten in-process with ``async_inline.rewrite_source``; the
variants then decode the same input in this one process:

* ``original``: the async program as written;
* ``exact guards``: its rewrite with ``Options(costly_guards=True)``: every site inlined
  under the exact method guard (by default these sites stay calls, ``guard-cost``: this
  row is why);
* ``class-methods``: its rewrite under the assumption ``class-methods`` (methods are
  tested on the class, ``getattr(type(self), "m", None) is REF``, instead of on a bound method); method
  guards stay even without ``guards``, so this is the leanest generated variant;
* ``by hand``: ``decode_all`` with the three levels inlined by hand, statement for
  statement, with none of the generated scaffolding (what an ideal inliner would reach);
* ``sync``: the same class written with plain ``def`` (the floor).

All variants must return the same frames and raise the same errors on damaged input
before anything is timed. Timing: the variants run round-robin (so load bursts on a shared
machine hit all of them alike), each round decoding the whole input once per variant, in
an order rotated every round. The figures come from each variant's best round (the one
least disturbed by other load); the median over rounds of the ratio within a round is
printed beside the speedup as a check. Where the time of the inlined variant goes:
method_breakdown.py. Run: python samples/bench/method_decoder.py [--frames N] [--rounds R]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
import types
from collections.abc import Callable, Coroutine
from typing import Any

import runtime
from async_inline import Options, rewrite_source

PROGRAM = '''
class DecodeError(Exception):
    pass


class Decoder:
    """Frames: a varint size, then fields up to that size. Field: a varint key
    (number << 3 | wire type); wire 0 is a varint value, wire 2 a varint length and bytes."""

    def __init__(self, data):
        self.buf = data
        self.pos = 0
        self.frames = 0

    async def _read_varint(self):
        buf = self.buf
        pos = self.pos
        shift = 0
        value = 0
        while True:
            if pos >= len(buf):
                raise DecodeError(f"truncated varint at {self.pos}")
            byte = buf[pos]
            pos += 1
            value |= (byte & 0x7F) << shift
            if byte < 0x80:
                self.pos = pos
                return value
            shift += 7
            if shift > 28:
                raise DecodeError(f"varint too long at {self.pos}")

    async def _read_header(self):
        key = await self._read_varint()
        field = key >> 3
        wire = key & 7
        if field == 0:
            raise DecodeError(f"field 0 at {self.pos}")
        if wire == 0:
            return field, wire, 0
        if wire != 2:
            raise DecodeError(f"wire type {wire} at {self.pos}")
        length = await self._read_varint()
        if self.pos + length > len(self.buf):
            raise DecodeError(f"truncated payload at {self.pos}")
        return field, wire, length

    async def _read_frame(self):
        size = await self._read_varint()
        end = self.pos + size
        checksum = 0
        fields = 0
        while self.pos < end:
            field, wire, length = await self._read_header()
            if wire == 0:
                value = await self._read_varint()
                checksum = (checksum * 31 + field * value) & 0xFFFFFFFF
            else:
                start = self.pos
                self.pos = start + length
                checksum = (checksum * 31 + field + sum(self.buf[start:self.pos])) & 0xFFFFFFFF
            fields += 1
        if self.pos != end:
            raise DecodeError(f"frame overrun at {self.pos}")
        self.frames += 1
        return checksum, fields

    async def decode_all(self):
        results = []
        while self.pos < len(self.buf):
            results.append(await self._read_frame())
        return results
'''

#: The synchronous twin: the same class with ``def`` and without ``await``.
SYNC_PROGRAM = PROGRAM.replace("async def", "def").replace("await ", "")

#: ``decode_all`` with its three levels inlined by hand: the statements of the callees in
#: place, returns as breaks or assignments, no guard, no temporaries, no clean-up.
HAND_INLINED = PROGRAM + '''

class HandInlined(Decoder):
    async def decode_all(self):
        results = []
        while self.pos < len(self.buf):
            # size = await self._read_varint()
            buf = self.buf
            pos = self.pos
            shift = 0
            value = 0
            while True:
                if pos >= len(buf):
                    raise DecodeError(f"truncated varint at {self.pos}")
                byte = buf[pos]
                pos += 1
                value |= (byte & 0x7F) << shift
                if byte < 0x80:
                    self.pos = pos
                    break
                shift += 7
                if shift > 28:
                    raise DecodeError(f"varint too long at {self.pos}")
            size = value
            end = self.pos + size
            checksum = 0
            fields = 0
            while self.pos < end:
                # field, wire, length = await self._read_header()
                # key = await self._read_varint()
                buf = self.buf
                pos = self.pos
                shift = 0
                value = 0
                while True:
                    if pos >= len(buf):
                        raise DecodeError(f"truncated varint at {self.pos}")
                    byte = buf[pos]
                    pos += 1
                    value |= (byte & 0x7F) << shift
                    if byte < 0x80:
                        self.pos = pos
                        break
                    shift += 7
                    if shift > 28:
                        raise DecodeError(f"varint too long at {self.pos}")
                key = value
                field = key >> 3
                wire = key & 7
                if field == 0:
                    raise DecodeError(f"field 0 at {self.pos}")
                if wire == 0:
                    length = 0
                else:
                    if wire != 2:
                        raise DecodeError(f"wire type {wire} at {self.pos}")
                    # length = await self._read_varint()
                    buf = self.buf
                    pos = self.pos
                    shift = 0
                    value = 0
                    while True:
                        if pos >= len(buf):
                            raise DecodeError(f"truncated varint at {self.pos}")
                        byte = buf[pos]
                        pos += 1
                        value |= (byte & 0x7F) << shift
                        if byte < 0x80:
                            self.pos = pos
                            break
                        shift += 7
                        if shift > 28:
                            raise DecodeError(f"varint too long at {self.pos}")
                    length = value
                    if self.pos + length > len(self.buf):
                        raise DecodeError(f"truncated payload at {self.pos}")
                if wire == 0:
                    # value = await self._read_varint()
                    buf = self.buf
                    pos = self.pos
                    shift = 0
                    value = 0
                    while True:
                        if pos >= len(buf):
                            raise DecodeError(f"truncated varint at {self.pos}")
                        byte = buf[pos]
                        pos += 1
                        value |= (byte & 0x7F) << shift
                        if byte < 0x80:
                            self.pos = pos
                            break
                        shift += 7
                        if shift > 28:
                            raise DecodeError(f"varint too long at {self.pos}")
                    checksum = (checksum * 31 + field * value) & 0xFFFFFFFF
                else:
                    start = self.pos
                    self.pos = start + length
                    checksum = (checksum * 31 + field + sum(self.buf[start:self.pos])) & 0xFFFFFFFF
                fields += 1
            if self.pos != end:
                raise DecodeError(f"frame overrun at {self.pos}")
            self.frames += 1
            results.append((checksum, fields))
        return results
'''


def varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def make_input(frames: int, seed: int = 11) -> bytes:
    """``frames`` frames of 1-8 fields: mostly varints of 1-4 bytes, some short byte strings
    (a control-message mix: many small fields, each a few awaited calls)."""
    rng = random.Random(seed)
    out = bytearray()
    for _ in range(frames):
        body = bytearray()
        for _ in range(rng.randint(1, 8)):
            number = rng.randint(1, 40)
            if rng.random() < 0.8:
                body += varint(number << 3 | 0) + varint(rng.choice((rng.randint(0, 127), rng.randint(0, 1 << 21))))
            else:
                payload = bytes(rng.randint(0, 255) for _ in range(rng.randint(0, 12)))
                body += varint(number << 3 | 2) + varint(len(payload)) + payload
        out += varint(len(body)) + body
    return bytes(out)


#: Inputs each variant must reject with the same error (the error paths of every level);
#: the key is in the message.
DAMAGED = {
    "truncated varint": lambda good: good[:1] + b"\x80",
    "varint too long": lambda good: b"\xff" * 6,
    "field 0": lambda good: b"\x02\x00\x00",
    "wire type 5": lambda good: b"\x02\x0d\x00",
    "truncated payload": lambda good: b"\x03\x0a\x05\x00",
    "frame overrun": lambda good: b"\x01\x08\x96\x01",
}


def load(source: str, name: str) -> types.ModuleType:
    """``source`` run as module ``name``. Its ``__file__`` is the name its code is
    compiled with: the runtime finds a method's function (``runtime.function_of``) only
    in the module whose file compiled it, and without one every method guard would fail
    and the benchmark would time the fallback calls (review R20d F7)."""
    module = types.ModuleType(name)
    module.__file__ = f"<{name}>"
    exec(compile(source, module.__file__, "exec"), module.__dict__)
    not_found = [key for key, value in vars(module).items() if key.startswith("_ai_ref") and value is runtime.NOT_FOUND]
    assert not not_found, f"{name}: the runtime found no function for {not_found}"
    return module


def drive(coro: Coroutine[Any, Any, Any]) -> Any:
    """Run a coroutine that never suspends, with no event loop in the way."""
    try:
        coro.send(None)
    except StopIteration as stop:
        return stop.value
    raise RuntimeError("the decoder suspended")


Variant = Callable[[bytes], Any]


def async_variant(cls: type) -> Variant:
    return lambda data: drive(cls(data).decode_all())


def sync_variant(cls: type) -> Variant:
    return lambda data: cls(data).decode_all()


def outcome(fn: Variant, data: bytes) -> tuple[str, object]:
    try:
        return "ok", fn(data)
    except Exception as exc:  # the error path is part of what must agree
        return type(exc).__name__, str(exc)


def check(variants: dict[str, Variant], data: bytes) -> None:
    """Every variant decodes ``data`` and each damaged input exactly as the original does."""
    for label, damage in [("the input", lambda good: good), *DAMAGED.items()]:
        sample = damage(data)
        expected = outcome(variants["original"], sample)
        if label != "the input":
            assert expected[0] == "DecodeError" and label in str(expected[1]), (label, expected)
        for name, fn in variants.items():
            got = outcome(fn, sample)
            assert got == expected, f"{name} differs from the original on {label}: {got!r:.300} != {expected!r:.300}"


def measure(variants: dict[str, Variant], data: bytes, rounds: int) -> list[dict[str, float]]:
    """Seconds per round of each variant, variants run round-robin (order rotated each round)."""
    names = list(variants)
    out = []
    for r in range(rounds):
        times: dict[str, float] = {}
        for name in names[r % len(names):] + names[: r % len(names)]:
            fn = variants[name]
            start = time.perf_counter()
            fn(data)
            times[name] = time.perf_counter() - start
        out.append(times)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=500, help="frames in the input")
    parser.add_argument("--rounds", type=int, default=101, help="round-robin rounds")
    args = parser.parse_args(argv)

    # Decisions are pinned (no stress mode from the environment): the variants measure what users get.
    default = rewrite_source(PROGRAM, filename="method_decoder_program.py", options=Options(stress_seed=None))
    result = rewrite_source(
        PROGRAM, filename="method_decoder_program.py", options=Options(costly_guards=True, stress_seed=None)
    )
    on_class = rewrite_source(
        PROGRAM,
        filename="method_decoder_program.py",
        options=Options(assume=frozenset({"class-methods"}), stress_seed=None),
    )
    kept = [(d.line, d.callee, d.code) for d in result.report.skipped]
    assert not kept, f"sites kept as calls: {kept}"
    variants = {
        "original": async_variant(load(PROGRAM, "original").Decoder),
        "exact guards": async_variant(load(result.code, "exact").Decoder),
        "class-methods": async_variant(load(on_class.code, "class_methods").Decoder),
        "by hand": async_variant(load(HAND_INLINED, "by_hand").HandInlined),
        "sync": sync_variant(load(SYNC_PROGRAM, "sync").Decoder),
    }
    data = make_input(args.frames)
    check(variants, data)
    fields = sum(n for _, n in variants["sync"](data))
    rounds = measure(variants, data, args.rounds)

    best = {name: min(r[name] for r in rounds) for name in variants}

    codes = sorted({d.code for d in default.report.skipped})
    print(f"inlined {len(result.report.inlined)} sites (3 levels of await self._...()), kept {len(kept)}; "
          f"by default: {len(default.report.inlined)} inlined, {len(default.report.skipped)} kept ({', '.join(codes)})")
    print(f"Python {sys.version.split()[0]}; {args.frames} frames, {fields} fields, {len(data)} bytes; "
          f"{args.rounds} rounds, variants round-robin, best round")
    print(f"{'variant':>13} {'ns/field':>9} {'speedup':>8} {'(median)':>9} {'vs sync':>8}")
    for name in variants:
        paired = statistics.median(r["original"] / r[name] for r in rounds)
        print(f"{name:>13} {best[name] / fields * 1e9:>9.1f} {best['original'] / best[name]:>7.2f}x {paired:>8.2f}x"
              f" {best[name] / best['sync']:>7.2f}x")
    print("speedup: original / variant (median: of the ratios within each round); vs sync: variant / sync")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
