"""Return and refund errors: one `ReturnErrorCode` per way a return or a refund can be refused."""

from __future__ import annotations

from apps.core.errors import ApplicationError
from apps.returns.enums import ReturnErrorCode


class ReturnError(ApplicationError):
    code: str = ReturnErrorCode.RETURN_ERROR
    codes = ReturnErrorCode
