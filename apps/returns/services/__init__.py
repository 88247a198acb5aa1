"""Writes of the returns app: return requests and their decisions (`requests`), refunds given
from the dashboard (`refunds`)."""

from apps.returns.services.refunds import (
    RefundInput,
    RefundLineInput,
    order_refund_issue,
    refund_amount_parse,
    restock_lines,
)
from apps.returns.services.requests import (
    MAX_PHOTOS,
    RETURN_APPROVED,
    RETURN_REFUSED,
    RETURN_REQUESTED,
    return_approve,
    return_cancel,
    return_label_link,
    return_payload,
    return_receive,
    return_refuse,
    return_request_create,
    return_settings_update,
)

__all__ = [
    "MAX_PHOTOS",
    "RETURN_APPROVED",
    "RETURN_REFUSED",
    "RETURN_REQUESTED",
    "RefundInput",
    "RefundLineInput",
    "order_refund_issue",
    "refund_amount_parse",
    "restock_lines",
    "return_approve",
    "return_cancel",
    "return_label_link",
    "return_payload",
    "return_receive",
    "return_refuse",
    "return_request_create",
    "return_settings_update",
]
