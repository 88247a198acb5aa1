"""Return and refund errors: one `ReturnErrorCode` per way a return or a refund can be refused."""

from __future__ import annotations

from typing import Protocol

from django.utils.translation import gettext as _

from apps.core.errors import ApplicationError
from apps.returns.enums import ReturnErrorCode


class ReturnError(ApplicationError):
    code: str = ReturnErrorCode.RETURN_ERROR
    codes = ReturnErrorCode


class _FormRecord(Protocol):
    order_id: int
    replayed: bool


def form_replayed[R: _FormRecord](done: R | None, *, order_id: int) -> R | None:
    """What a form's one-time token made already (a return request, a refund), marked
    `replayed`; None when the token is new. A token used for another order is refused."""
    if done is None:
        return None
    if done.order_id != order_id:
        raise ReturnError(
            _("This form was already used for another order."), code=ReturnErrorCode.TOKEN_REUSED
        )
    done.replayed = True
    return done
