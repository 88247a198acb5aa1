"""Order reads: the staff list with its filters, one order with everything its page shows, a
shopper's order history and one order of it, the live order of a checkout, and an order's
timeline in words.

The list and the detail read a fixed number of queries whatever the number of orders, lines,
payments or timeline entries (tests pin them): the list is one COUNT and one page query with
the customer joined; the detail is one query for the order and one per prefetched relation.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from django.core.paginator import Page, Paginator
from django.db.models import F, Prefetch, Q, QuerySet

from apps.orders.enums import OrderOrigin, OrderStatus
from apps.orders.models import Order, OrderEvent, OrderNote, Payment
from apps.orders.timeline import order_event_message
from apps.orders.transitions import PAID_STATUSES

if TYPE_CHECKING:
    from apps.accounts.models import User
    from apps.customers.models import Customer

ORDERS_PER_PAGE = 50
NUMBER_SEARCH = re.compile(r"^#?\s*(\d{1,9})$")


class PaymentState:
    """The payment filter's values (derived from the order's status and amounts)."""

    AWAITING = "awaiting"  # pending: not paid yet
    PAID = "paid"  # paid, nothing given back
    PARTIALLY_REFUNDED = "partially_refunded"
    REFUNDED = "refunded"
    BALANCE_DUE = "balance_due"  # paid, but an edit added something still to pay

    values = (AWAITING, PAID, PARTIALLY_REFUNDED, REFUNDED, BALANCE_DUE)


def order_payment_state(order: Order) -> str:
    """The order's `PaymentState` value as the list's payment filter reads it ("" for a
    cancelled order that took no money), from the order row alone (no query). Where the
    filter's conditions overlap (a partly refunded order that also owes an edit's balance), the
    one needing action wins."""
    # Given back counts refunds as store credit or onto gift cards too (`amount_credited`).
    given_back = order.amount_refunded + order.amount_credited
    received = order.amount_paid + order.gift_card_total + order.store_credit_total
    if order.status == OrderStatus.PENDING:
        return PaymentState.AWAITING
    if order.status not in PAID_STATUSES:
        return PaymentState.REFUNDED if given_back > 0 else ""
    if (order.amount_paid > 0 and order.amount_refunded >= order.amount_paid) or (
        received > 0 and given_back >= received
    ):
        return PaymentState.REFUNDED
    if order.balance_due > 0:
        return PaymentState.BALANCE_DUE
    if given_back > 0:
        return PaymentState.PARTIALLY_REFUNDED
    return PaymentState.PAID


@dataclass(frozen=True)
class OrderFilters:
    status: str = ""  # an OrderStatus value
    payment: str = ""  # a PaymentState value
    origin: str = ""  # an OrderOrigin value
    date_from: date | None = None  # created on or after (the store's time zone)
    date_to: date | None = None  # created on or before
    search: str = ""  # "#1001" / "1001", an email, or part of the customer's name


def _payment_condition(state: str) -> Q | None:
    owed = F("total") - F("gift_card_total") - F("store_credit_total")
    paid = Q(status__in=PAID_STATUSES)
    # As `order_payment_state` reads them: store credit and gift card refunds are given back too.
    received = F("amount_paid") + F("gift_card_total") + F("store_credit_total")
    refunded = Q(amount_paid__gt=0, amount_refunded__gte=F("amount_paid")) | Q(
        amount_refunded__gte=received - F("amount_credited"), amount_credited__gt=0
    )
    if state == PaymentState.AWAITING:
        return Q(status=OrderStatus.PENDING)
    if state == PaymentState.PAID:
        return paid & Q(amount_refunded=0, amount_credited=0)
    if state == PaymentState.PARTIALLY_REFUNDED:
        return paid & (Q(amount_refunded__gt=0) | Q(amount_credited__gt=0)) & ~refunded
    if state == PaymentState.REFUNDED:
        return paid & refunded
    if state == PaymentState.BALANCE_DUE:
        # Owed by the shopper (an edit added to a paid order), not money the shop gave back
        # (`Order.balance_due` > 0: refunds that kept the order's total owe nothing).
        settled = PAID_STATUSES - {OrderStatus.REFUNDED}
        return Q(
            status__in=settled,
            amount_paid__lt=owed + F("amount_refunded") - F("amount_refunded_kept_total"),
        )
    return None


def _search_condition(text: str) -> Q:
    text = text.strip()
    condition = Q(email__icontains=text) | Q(customer__full_name__icontains=text)
    condition |= Q(shipping_address__name__icontains=text)
    match = NUMBER_SEARCH.match(text)
    if match:
        condition |= Q(number=int(match.group(1)))
    return condition


def order_queryset(*, filters: OrderFilters) -> QuerySet[Order]:
    orders = Order.objects.select_related("customer")
    if filters.status in OrderStatus.values:
        orders = orders.filter(status=filters.status)
    payment = _payment_condition(filters.payment)
    if payment is not None:
        orders = orders.filter(payment)
    if filters.origin in OrderOrigin.values:
        orders = orders.filter(origin=filters.origin)
    if filters.date_from is not None:
        orders = orders.filter(created_at__date__gte=filters.date_from)
    if filters.date_to is not None:
        orders = orders.filter(created_at__date__lte=filters.date_to)
    if filters.search.strip():
        orders = orders.filter(_search_condition(filters.search[:200]))
    return orders.order_by("-created_at", "-number")


def order_list(
    *, filters: OrderFilters | None = None, page: int | str = 1, per_page: int = ORDERS_PER_PAGE
) -> Page:
    """One page of the store's orders, newest first (two queries: the count and the page)."""
    paginator = Paginator(order_queryset(filters=filters or OrderFilters()), per_page)
    return paginator.get_page(page)


def _detail_queryset() -> QuerySet[Order]:
    return Order.objects.select_related("customer", "user", "created_by").prefetch_related(
        "lines",
        "discounts",
        Prefetch("payments", queryset=Payment.objects.order_by("attempt")),
        "refunds",
        Prefetch("events", queryset=OrderEvent.objects.select_related("actor").order_by("created_at", "id")),
        Prefetch("notes", queryset=OrderNote.objects.select_related("author").order_by("-created_at", "-id")),
    )


def order_detail(
    *, order_id: int | None = None, number: object = None, order_uuid: object = None
) -> Order | None:
    """One order with its lines, discounts, payments, refunds, timeline and notes (seven
    queries whatever their number); by id, by number ("#1001" or 1001) or by uuid; None when
    this store has no such order."""
    orders = _detail_queryset()
    if order_id is not None:
        return orders.filter(pk=order_id).first()
    if number is not None:
        match = NUMBER_SEARCH.match(str(number).strip())
        return orders.filter(number=int(match.group(1))).first() if match else None
    if order_uuid is not None:
        try:
            parsed = order_uuid if isinstance(order_uuid, uuid.UUID) else uuid.UUID(str(order_uuid))
        except ValueError:
            return None
        return orders.filter(uuid=parsed).first()
    return None


def order_for_checkout(*, checkout_token: uuid.UUID | str) -> Order | None:
    """The live (not cancelled) order placed from the checkout `checkout_token` names, if any:
    one indexed read (a checkout has at most one live order; an order cancelled because its
    payment did not arrive in time leaves the checkout free for a new one)."""
    try:
        token = checkout_token if isinstance(checkout_token, uuid.UUID) else uuid.UUID(str(checkout_token))
    except ValueError:
        return None
    return (
        Order.objects.filter(checkout_token=token)
        .exclude(status=OrderStatus.CANCELLED)
        .order_by("-created_at")
        .first()
    )


def orders_for_customer(*, user: User | None = None, customer: Customer | None = None) -> QuerySet[Order]:
    """A shopper's order history, newest first, with lines: the orders placed from their
    account and those of the customer record linked to it (guest orders of an email the account
    has verified); or, for staff, the orders of a customer record (by record or by its email).
    Drafts not paid yet are left out."""
    condition = Q(pk__in=[])
    if user is not None and getattr(user, "is_authenticated", False):
        condition |= Q(user=user) | Q(customer__user=user)
    if customer is not None:
        condition |= Q(customer=customer) | Q(email__iexact=customer.email)
    return (
        Order.objects.filter(condition)
        .exclude(origin=OrderOrigin.DRAFT, status=OrderStatus.PENDING)
        .prefetch_related("lines")
        .order_by("-created_at", "-number")
    )


def order_for_shopper(*, user: User, order_uuid: object) -> Order | None:
    """One order of the shopper's history (`orders_for_customer`) with what its page shows:
    lines, discounts, payments and the timeline with its actors prefetched (five queries
    whatever their number). None when it is not theirs, or no such order exists."""
    try:
        parsed = order_uuid if isinstance(order_uuid, uuid.UUID) else uuid.UUID(str(order_uuid))
    except ValueError:
        return None
    return (
        orders_for_customer(user=user)
        .filter(uuid=parsed)
        .prefetch_related(
            "discounts",
            Prefetch("payments", queryset=Payment.objects.order_by("attempt")),
            Prefetch(
                "events", queryset=OrderEvent.objects.select_related("actor").order_by("created_at", "id")
            ),
        )
        .first()
    )


@dataclass(frozen=True)
class TimelineEntry:
    created_at: datetime
    kind: str
    message: str
    actor: Any
    params: dict[str, Any]


def order_timeline(order: Order) -> list[TimelineEntry]:
    """The order's timeline in words, oldest first (from `order_detail`'s prefetch: no query)."""
    return [
        TimelineEntry(
            created_at=event.created_at,
            kind=event.kind,
            message=order_event_message(event),
            actor=event.actor,
            params=dict(event.params or {}),
        )
        for event in order.events.all()
    ]
