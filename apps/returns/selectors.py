"""Reads for returns and refunds: the store's return policy, how many units of an order may still
be asked back, refunded or restocked, how much money may still be refunded, and the pages of
the returns list (queries fixed whatever the number of rows)."""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import Max, Prefetch, Q, QuerySet, Sum

from apps.checkout.selectors import gift_card_refundable
from apps.core.money import money_quantize
from apps.core.tenancy import require_store
from apps.orders.models import Order, OrderLine, Refund
from apps.orders.transitions import PAID_STATUSES
from apps.payments.enums import RefundStatus
from apps.returns.enums import OPEN_OR_DONE, ReturnStatus
from apps.returns.models import (
    RETURN_SETTINGS_PK,
    RefundRequest,
    RefundRequestLine,
    ReturnLine,
    ReturnRequest,
    ReturnSettings,
)

ZERO = Decimal(0)
RETURNS_PER_PAGE = 25


def return_settings_get() -> ReturnSettings:
    """The store's return policy, created with defaults on first read (unsaved in the template
    schema new stores are cloned from, as `payment_settings_get` does)."""
    schema = require_store()
    found = ReturnSettings.objects.filter(pk=RETURN_SETTINGS_PK).first()
    if found is not None:
        return found
    if schema == getattr(settings, "TENANT_BASE_SCHEMA", None):
        return ReturnSettings()
    found, _created = ReturnSettings.objects.get_or_create(pk=RETURN_SETTINGS_PK)
    return found


# ------------------------------------------------------------------------------
# the return window
# ------------------------------------------------------------------------------
def order_delivered_at(order: Order) -> datetime | None:
    """When the order's goods were last delivered, as the fulfilment app knows it (None when it
    does not, or is not installed). Imported lazily: returns work without fulfilment."""
    try:
        from apps.fulfilment.models import Fulfilment
    except ImportError:
        return None
    found = (
        Fulfilment.objects.filter(order=order, delivered_at__isnull=False)
        .exclude(status="cancelled")
        .aggregate(latest=Max("delivered_at"))
        .get("latest")
    )
    return found if isinstance(found, datetime) else None


@dataclass(frozen=True)
class ReturnWindow:
    starts: datetime | None
    ends: datetime | None
    from_delivery: bool

    def is_open(self, now: datetime) -> bool:
        return self.ends is not None and now <= self.ends


def return_window(order: Order, *, policy: ReturnSettings | None = None) -> ReturnWindow:
    """The window to ask for a return: `window_days` from delivery when known, else from payment."""
    policy = policy or return_settings_get()
    delivered = order_delivered_at(order)
    starts = delivered or order.paid_at
    if starts is None:
        return ReturnWindow(starts=None, ends=None, from_delivery=False)
    return ReturnWindow(
        starts=starts, ends=starts + timedelta(days=policy.window_days), from_delivery=delivered is not None
    )


# ------------------------------------------------------------------------------
# units: returnable, refunded, restocked
# ------------------------------------------------------------------------------
def _sum_by_line(rows: QuerySet[Any], field: str = "quantity") -> dict[int, int]:
    return {
        row["order_line_id"]: int(row["total"] or 0)
        for row in rows.values("order_line_id").annotate(total=Sum(field))
    }


def returned_quantities(order: Order, *, exclude_request: ReturnRequest | None = None) -> dict[int, int]:
    """Units per order line already asked back in requests still standing (not refused or cancelled)."""
    rows = ReturnLine.objects.filter(
        return_request__order=order, return_request__status__in=OPEN_OR_DONE
    ).order_by()
    if exclude_request is not None:
        rows = rows.exclude(return_request=exclude_request)
    return _sum_by_line(rows)


def received_quantities(order: Order, lines: list[OrderLine]) -> dict[int, int]:
    """Units per order line the shopper has: what was shipped to them when the order has
    shipments (the fulfilment app, imported lazily), else every unit of a paid order."""
    if order.status not in PAID_STATUSES:
        return {line.pk: 0 for line in lines}
    try:
        from apps.fulfilment.selectors import fulfilled_quantities
    except ImportError:
        return {line.pk: line.quantity for line in lines}
    shipped = fulfilled_quantities([order.pk])
    if not shipped:
        return {line.pk: line.quantity for line in lines}
    return {line.pk: min(line.quantity, shipped.get(line.pk, 0)) for line in lines}


def returnable_quantities(order: Order, lines: list[OrderLine] | None = None) -> dict[int, int]:
    """Units per order line the shopper may still ask back: what they received minus what
    they already asked back."""
    lines = lines if lines is not None else list(order.lines.all())
    received = received_quantities(order, lines)
    returned = returned_quantities(order)
    return {line.pk: max(received[line.pk] - returned.get(line.pk, 0), 0) for line in lines}


def refunded_quantities(order: Order) -> dict[int, int]:
    """Units per order line already refunded from the refund page."""
    return _sum_by_line(RefundRequestLine.objects.filter(refund_request__order=order).order_by())


def restocked_quantities(order: Order) -> dict[int, int]:
    """Units per order line already put back in stock by a received return or a refund."""
    totals: dict[int, int] = defaultdict(int)
    for source in (
        ReturnLine.objects.filter(return_request__order=order).order_by(),
        RefundRequestLine.objects.filter(refund_request__order=order).order_by(),
    ):
        for line_id, units in _sum_by_line(source, "restocked_quantity").items():
            totals[line_id] += units
    return dict(totals)


def lines_refund_amount(line: OrderLine, quantity: int, currency: str) -> Decimal:
    """What `quantity` units of the line cost; all of the line's units give exactly its total."""
    if quantity >= line.quantity:
        return money_quantize(line.total, currency)
    return money_quantize(line.total * quantity / line.quantity, currency)


# ------------------------------------------------------------------------------
# money
# ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Refundable:
    """How much of the order may still be given back: `total` in any form, `gateway` through the
    payment methods that took it, `gift_cards` onto the gift cards that paid (store credit may
    give back any of it), `shipping` of its shipping charge; `credited` went back as store
    credit or onto gift cards."""

    total: Decimal
    gateway: Decimal
    shipping: Decimal
    credited: Decimal
    gift_cards: Decimal = ZERO


def order_refundable(order: Order) -> Refundable:
    done = RefundRequest.objects.filter(order=order).aggregate(
        credited=Sum("amount", filter=Q(store_credit=True) | Q(gift_card=True)),
        shipping=Sum("shipping_amount"),
    )
    credited = done["credited"] or ZERO
    shipping_done = done["shipping"] or ZERO
    # A refund the gateway has not confirmed yet is not in `amount_refunded`, but is on its way.
    pending = (
        Refund.objects.filter(order=order, status=RefundStatus.PENDING).aggregate(s=Sum("amount"))["s"]
        or ZERO
    )
    paid = order.amount_paid + order.gift_card_total + order.store_credit_total
    total = max(paid - order.amount_refunded - pending - credited, ZERO)
    gateway = max(min(order.amount_paid - order.amount_refunded - pending, total), ZERO)
    shipping = max(min(order.shipping_total - shipping_done, total), ZERO)
    cards = min(gift_card_refundable(reference=order.redemption_reference), total)
    currency = order.currency
    return Refundable(
        total=money_quantize(total, currency),
        gateway=money_quantize(gateway, currency),
        shipping=money_quantize(shipping, currency),
        credited=money_quantize(credited, currency),
        gift_cards=money_quantize(cards, currency),
    )


# ------------------------------------------------------------------------------
# lists and pages
# ------------------------------------------------------------------------------
def _with_lines(requests: QuerySet[ReturnRequest]) -> QuerySet[ReturnRequest]:
    return requests.prefetch_related(
        Prefetch("lines", queryset=ReturnLine.objects.select_related("order_line").order_by("id"))
    )


def return_page(*, status: str = "", page: int | str | None = 1, per_page: int = RETURNS_PER_PAGE) -> Page:
    """One page of return requests, newest first, with their order and lines (three queries:
    the count, the page, the lines)."""
    requests = ReturnRequest.objects.select_related("order").order_by("-created_at", "-id")
    if status:
        requests = requests.filter(status=status)
    return Paginator(_with_lines(requests), per_page).get_page(page)


def return_get(*, return_uuid: uuid.UUID | str) -> ReturnRequest | None:
    """One return request with its order, lines and photos; None when this store has none."""
    try:
        parsed = return_uuid if isinstance(return_uuid, uuid.UUID) else uuid.UUID(str(return_uuid))
    except ValueError:
        return None
    return (
        _with_lines(ReturnRequest.objects.select_related("order", "requested_by", "decided_by"))
        .prefetch_related("photos")
        .filter(uuid=parsed)
        .first()
    )


def order_returns(order: Order) -> list[ReturnRequest]:
    """The order's return requests, newest first, with their lines (two queries)."""
    return list(_with_lines(ReturnRequest.objects.filter(order=order).order_by("-created_at", "-id")))


def order_refund_requests(order: Order) -> list[RefundRequest]:
    return list(
        RefundRequest.objects.filter(order=order).select_related("actor").order_by("-created_at", "-id")
    )


__all__ = [
    "RETURNS_PER_PAGE",
    "Refundable",
    "ReturnStatus",
    "ReturnWindow",
    "lines_refund_amount",
    "order_delivered_at",
    "order_refund_requests",
    "order_refundable",
    "order_returns",
    "received_quantities",
    "refunded_quantities",
    "restocked_quantities",
    "return_get",
    "return_page",
    "return_settings_get",
    "return_window",
    "returnable_quantities",
    "returned_quantities",
]
