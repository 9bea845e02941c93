"""Placeholder while the transformer is being written: rewrites nothing."""

from __future__ import annotations

import libcst as cst

from ..options import Options
from ..report import FileReport


def rewrite_module(module: cst.Module, *, report: FileReport, options: Options) -> tuple[cst.Module, list[int] | None]:
    return module, None
