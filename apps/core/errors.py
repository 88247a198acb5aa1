"""Typed application errors with a stable code, raised by services and shown by interfaces."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from django.db import models


class ApplicationError(Exception):
    """A rule of the domain refused an operation; `code` is stable, `message` is for people,
    `params` are the values the message was built from (for callers and background jobs, which
    store the code and params, never the sentence).

    An app's base error sets `codes` to its `TextChoices` enum: every code raised through it must
    then be a member, so an unlisted code fails where it is raised rather than in a caller that
    switches on the enum.
    """

    code: str = "error"
    codes: ClassVar[type[models.TextChoices] | None] = None

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        field: str | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if self.codes is not None:
            try:
                self.code = self.codes(self.code)
            except ValueError:
                raise ValueError(
                    f"{self.code!r} is not a member of {self.codes.__name__}; add it to {self.codes.__module__}"
                ) from None
        self.field = field
        if params is not None or not hasattr(self, "params"):  # a subclass may have set them first
            self.params: dict[str, Any] = dict(params or {})
