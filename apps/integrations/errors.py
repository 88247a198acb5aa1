"""Integration errors: one `IntegrationErrorCode` per way a webhook change can be refused."""

from __future__ import annotations

from apps.core.errors import ApplicationError
from apps.integrations.enums import IntegrationErrorCode


class IntegrationError(ApplicationError):
    code: str = IntegrationErrorCode.INTEGRATION_ERROR
    codes = IntegrationErrorCode
