"""Errors of the team services: one `TeamErrorCode` per way a team change can be refused."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy

from apps.core.errors import ApplicationError


class TeamErrorCode(models.TextChoices):
    PERMISSION_DENIED = "permission_denied", gettext_lazy("Not allowed for your role")
    OWNERSHIP_REQUIRED = "ownership_required", gettext_lazy("Only owners may do this")
    INVALID_ROLE = "invalid_role", gettext_lazy("Unknown role")
    INVALID_EMAIL = "invalid_email", gettext_lazy("Invalid email address")
    ALREADY_MEMBER = "already_member", gettext_lazy("Already a member")
    ALREADY_INVITED = "already_invited", gettext_lazy("Already invited")
    INVITATION_INVALID = "invitation_invalid", gettext_lazy("Unknown invitation")
    INVITATION_USED = "invitation_used", gettext_lazy("Invitation already used")
    INVITATION_REVOKED = "invitation_revoked", gettext_lazy("Invitation revoked")
    INVITATION_EXPIRED = "invitation_expired", gettext_lazy("Invitation expired")
    INVITATION_NOT_PENDING = "invitation_not_pending", gettext_lazy("Invitation no longer open")
    WRONG_ACCOUNT = "wrong_account", gettext_lazy("Signed in with another address")
    LAST_OWNER = "last_owner", gettext_lazy("Last owner")
    OWN_ROLE_RAISE = "own_role_raise", gettext_lazy("Cannot raise your own role")


class TeamError(ApplicationError):
    """A team change was refused. `code` is a `TeamErrorCode`; `params` hold the values the
    message was built from, so no caller parses the message."""

    code = TeamErrorCode.PERMISSION_DENIED

    def __init__(
        self,
        message: str,
        *,
        code: TeamErrorCode,
        field: str | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(message, code=code, field=field)
        self.code = TeamErrorCode(code)
        self.params: dict[str, Any] = dict(params or {})
