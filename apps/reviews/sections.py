"""The "Review this product" section of the shopper's order page in their account
(registered with apps.core.page_slots from ReviewsConfig.ready)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from apps.accounts.models import User
from apps.orders.models import Order
from apps.reviews.selectors import order_reviewable_lines


def review_section_context(request: HttpRequest, order: Order) -> dict[str, Any] | None:
    user = request.user
    if not isinstance(user, User):
        return None
    lines = order_reviewable_lines(order=order, user=user)
    return {"review_lines": lines} if lines else None
