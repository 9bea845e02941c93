"""Inlining markers. The inliner reads them from the source; at run time they do nothing."""

from __future__ import annotations

from typing import TypeVar

F = TypeVar("F")


def inline(fn: F) -> F:
    """Inline this function at every await site, whatever its size (like AggressiveInlining)."""
    return fn


def noinline(fn: F) -> F:
    """Never inline this function."""
    return fn
