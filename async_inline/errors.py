"""Errors a user can cause, reported as ``path:line: message`` without a traceback."""

from __future__ import annotations


class SourceError(Exception):
    """The input cannot be rewritten: syntax error, undecodable bytes, unreadable file."""

    def __init__(self, path: str, line: int | None, message: str) -> None:
        super().__init__(path, line, message)
        self.path = path
        self.line = line
        self.message = message

    def __str__(self) -> str:
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        return f"{where}: {self.message}"
