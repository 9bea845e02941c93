"""Where the time of inlined method code goes: the decoder of method_decoder.py, with the
generated scaffolding taken away one construct at a time.

Starting from the rewritten decoder, each step removes one more construct from the
generated code (by a transformation of its syntax tree, so each step is the previous one
minus exactly that construct):

1. ``lookup``: the rewrite under the assumption ``class-methods``: the exact guard on the
   bound method (``_t = self._m``, ``type(_t) is MethodType and _t.__func__ is REF``, then
   ``s = _t.__self__``) becomes ``type(self)._m is REF`` (in a ``try`` that catches
   AttributeError, setting a flag the ``if`` tests) with ``self`` used directly: no
   bound method is made and no ``__self__`` is read;
2. ``guard test``: that test is dropped (the inlined branch runs unconditionally);
3. ``clean-up``: the ``a = b = ... = None`` statements that release the inlined frame's
   locals and temporaries are dropped;
4. ``done flag``: a ``return`` inside the callee's last loop becomes a plain ``break``
   out of it, without the ``_aiN_done`` flag (and the ``while True:`` around the body,
   where there is one).

The first row, ``generated``, is the rewrite with ``Options(costly_guards=True)``: by
default these sites stay calls (``guard-cost``), because that guard costs what the call does.
A step whose construct the generated code does not hold is left out, and said so.

What is left against the hand-inlined decoder is the rest (result temporaries, the
tuple a ``return a, b, c`` builds and the caller unpacks ...). Each step must still decode
every input exactly as the original does. The steps, the original and the hand-inlined
version run round-robin; the best round counts. Every figure is per decoded field and
per inlined call (the original's awaited calls, counted).
Run: python samples/bench/method_breakdown.py [--frames N] [--rounds R]
"""

from __future__ import annotations

import argparse
import ast
import re
import sys
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from method_decoder import HAND_INLINED, PROGRAM, Variant, async_variant, check, load, make_input, measure

from async_inline import Options, rewrite_source

DONE = re.compile(r"_ai\d+_done$")
STATEMENT_LISTS = ("body", "orelse", "finalbody")


class BlockTransformer(ast.NodeTransformer):
    """Rewrites every statement list of the tree (bodies of functions, loops, ifs ...)."""

    changed = 0

    def block(self, body: list[ast.stmt]) -> list[ast.stmt]:
        raise NotImplementedError

    def generic_visit(self, node: ast.AST) -> ast.AST:
        super().generic_visit(node)
        for field in STATEMENT_LISTS:
            value = getattr(node, field, None)
            if isinstance(value, list) and value and isinstance(value[0], ast.stmt):
                setattr(node, field, self.block(value))
        return node


def _name(node: ast.AST) -> str | None:
    return node.id if isinstance(node, ast.Name) else None


ON_CLASS = re.compile(r"_ai\d+_on_class$")


def _class_test_flag(stmt: ast.stmt) -> str | None:
    """The flag of ``try: _aiN_on_class = <test> except AttributeError: _aiN_on_class = False``."""
    if not (isinstance(stmt, ast.Try) and len(stmt.body) == 1 and isinstance(stmt.body[0], ast.Assign)):
        return None
    flag = _name(stmt.body[0].targets[0]) or ""
    return flag if ON_CLASS.match(flag) else None


class NoGuard(BlockTransformer):
    """``if <guard>: inlined else: call``  ->  ``inlined``; the class test's
    ``try: _aiN_on_class = ... except ...: ...`` before such an ``if _aiN_on_class:`` goes too."""

    def block(self, body: list[ast.stmt]) -> list[ast.stmt]:
        out: list[ast.stmt] = []
        for stmt in body:
            test = stmt.test if isinstance(stmt, ast.If) else None
            identity = isinstance(test, ast.Compare) and isinstance(test.ops[0], ast.Is) and (_name(test.comparators[0]) or "").startswith("_ai_ref_")
            flag = _name(test) if test is not None else None
            on_class = flag is not None and bool(out) and _class_test_flag(out[-1]) == flag
            if identity or on_class:
                assert isinstance(stmt, ast.If)
                if on_class:
                    out.pop()
                self.changed += 1
                out.extend(stmt.body)
                continue
            out.append(stmt)
        return out


class NoCleanup(BlockTransformer):
    """Drops ``a = b = None`` releases; keeps the ``_aiN_ret = None`` that precedes a done flag."""

    def block(self, body: list[ast.stmt]) -> list[ast.stmt]:
        out: list[ast.stmt] = []
        for i, stmt in enumerate(body):
            after = body[i + 1] if i + 1 < len(body) else None
            releases = (
                isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Constant) and stmt.value.value is None
                and all(_name(t) for t in stmt.targets)
                and (len(stmt.targets) > 1 or (_name(stmt.targets[0]) or "").startswith("_ai"))
            )
            initialises_result = isinstance(after, ast.Assign) and DONE.match(_name(after.targets[0]) or "") is not None
            if releases and not initialises_result:
                self.changed += 1
                continue
            out.append(stmt)
        return out


def _breaks_out(stmts: list[ast.stmt]) -> bool:
    """Whether a ``break`` or ``continue`` in ``stmts`` leaves the loop around them."""
    for stmt in stmts:
        if isinstance(stmt, (ast.Break, ast.Continue)):
            return True
        if isinstance(stmt, (ast.For, ast.While)):
            if _breaks_out(stmt.orelse):
                return True
            continue
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        for field in STATEMENT_LISTS:
            if _breaks_out(getattr(stmt, field, None) or []):
                return True
        for handler in getattr(stmt, "handlers", None) or []:
            if _breaks_out(handler.body):
                return True
    return False


class NoDoneFlag(BlockTransformer):
    """A ``return`` inside the callee's last loop becomes a plain ``break`` out of it: the
    ``_aiN_done`` flag's assignments and tests go, and so does the ``while True:`` around
    the body when it ends ``<loop>; if _aiN_done: break; break`` (breaking out of the
    callee's last loop is returning)."""

    def block(self, body: list[ast.stmt]) -> list[ast.stmt]:
        out: list[ast.stmt] = []
        for stmt in body:
            if (
                isinstance(stmt, ast.While) and isinstance(stmt.test, ast.Constant) and stmt.test.value is True
                and not stmt.orelse and len(stmt.body) >= 3
                and isinstance(stmt.body[-1], ast.Break)
                and isinstance(stmt.body[-2], ast.If) and DONE.match(_name(stmt.body[-2].test) or "")
                and isinstance(stmt.body[-3], (ast.While, ast.For))
                and not _breaks_out(stmt.body[:-2])
            ):
                self.changed += 1
                out.extend(stmt.body[:-2])
                continue
            if isinstance(stmt, ast.Assign) and DONE.match(_name(stmt.targets[0]) or ""):
                self.changed += 1
                continue
            if (
                isinstance(stmt, ast.If) and DONE.match(_name(stmt.test) or "")
                and all(isinstance(s, ast.Pass) for s in stmt.body) and not stmt.orelse
            ):
                self.changed += 1
                continue
            out.append(stmt)
        return out


def transformed(code: str, step: Callable[[], BlockTransformer]) -> str | None:
    """``code`` without the construct ``step`` removes; None if the code has none."""
    transformer = step()
    tree = transformer.visit(ast.parse(code))
    return ast.unparse(ast.fix_missing_locations(tree)) if transformer.changed else None


def inlined_calls(data: bytes) -> int:
    """Awaited method calls the original makes on ``data`` (all of them are inlined)."""
    original = load(PROGRAM, "counted")
    count = 0
    for name in ("_read_varint", "_read_header", "_read_frame"):
        function = getattr(original.Decoder, name)

        def counted(self: object, _function: Callable[..., object] = function) -> object:
            nonlocal count
            count += 1
            return _function(self)

        setattr(original.Decoder, name, counted)
    async_variant(original.Decoder)(data)
    return count


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=500, help="frames in the input")
    parser.add_argument("--rounds", type=int, default=101, help="round-robin rounds; the best counts")
    args = parser.parse_args(argv)

    exact = rewrite_source(PROGRAM, filename="method_decoder_program.py", options=Options(costly_guards=True)).code
    on_class = rewrite_source(PROGRAM, filename="method_decoder_program.py", options=Options(assume=frozenset({"class-methods"})))
    steps = [("generated", exact), ("- lookup", on_class.code)]
    absent = []
    for label, step in (("- guard test", NoGuard), ("- clean-up", NoCleanup), ("- done flag", NoDoneFlag)):
        code = transformed(steps[-1][1], step)
        if code is None:
            absent.append(label[2:])
        else:
            steps.append((label, code))
    variants: dict[str, Variant] = {"original": async_variant(load(PROGRAM, "original").Decoder)}
    for label, code in steps:
        variants[label] = async_variant(load(code, label).Decoder)
    variants["by hand"] = async_variant(load(HAND_INLINED, "by_hand").HandInlined)
    data = make_input(args.frames)
    check(variants, data)
    fields = sum(n for _, n in variants["original"](data))
    calls = inlined_calls(data)
    rounds = measure(variants, data, args.rounds)
    best = {name: min(r[name] for r in rounds) for name in variants}

    print(f"Python {sys.version.split()[0]}; {args.frames} frames, {fields} fields, {calls} inlined calls "
          f"({calls / fields:.2f} per field); {args.rounds} rounds round-robin, best round")
    print(f"{'variant':>14} {'ns/field':>9} {'speedup':>8} {'step ns/call':>13}")
    previous = None
    for name in variants:
        ns_field = best[name] / fields * 1e9
        step = "" if previous is None or name == "original" else f"{(best[previous] - best[name]) / calls * 1e9:>13.1f}"
        print(f"{name:>14} {ns_field:>9.1f} {best['original'] / best[name]:>7.2f}x {step:>13}")
        previous = name
    print("speedup: original / variant; step ns/call: what removing that construct saved, per inlined call"
          " (on the generated row: original minus generated)")
    if absent:
        print(f"not in the generated code (no step): {', '.join(absent)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
