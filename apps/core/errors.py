"""Typed application errors with a stable code, raised by services and shown by interfaces."""

from __future__ import annotations


class ApplicationError(Exception):
    """A rule of the domain refused an operation; `code` is stable, `message` is for people."""

    code = "error"

    def __init__(self, message: str, *, code: str | None = None, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.field = field
