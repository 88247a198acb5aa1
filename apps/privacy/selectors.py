"""Reads of the privacy app: everything the store holds about one customer (the export), what
still stands in the way of erasing them, the retention settings and the data requests list.

A customer's data is found the ways the store links it to them: their customer record, the
store account linked to it (a guest has none), and their email address (guest orders, the
newsletter, gift cards issued to them, the emails sent to them). Each collection is one query
whatever the customer's history holds, so an export's query count does not grow with it.

"Open" business blocks an erasure: an order is open while the store still owes or expects
something on it, that is while it is `pending` (not paid yet, a draft included), `paid` or
`partially_fulfilled` (not fully shipped). Fulfilled, delivered, cancelled and refunded orders
are closed; so is a `partially_refunded` one that has nothing left to ship (its status moved there
from `fulfilled` or `delivered`; one refunded in part before anything shipped is still open, which
`OPEN_ORDER_STATUSES` cannot tell, so such an order counts as open while it has no shipment that
was not cancelled). A return is open while `requested`, `approved` or `received` (not refunded,
refused or cancelled yet).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from apps.checkout.models import Cart, GiftCard, StoreCreditEntry
from apps.core.retention import RetentionKind, retention_kinds
from apps.customers.models import Address, Customer, WishlistItem
from apps.fulfilment.enums import FulfilmentStatus
from apps.fulfilment.models import Fulfilment
from apps.notifications.models import Delivery
from apps.orders.enums import OrderStatus
from apps.orders.models import Order
from apps.privacy.models import DataRequest, RetentionSetting
from apps.returns.enums import ReturnStatus
from apps.returns.models import ReturnRequest
from apps.reviews.models import Review
from apps.stores.models import NewsletterSubscriber

EXPORT_FORMAT_VERSION = 1
DATA_REQUEST_PAGE_SIZE = 50

OPEN_ORDER_STATUSES = (OrderStatus.PENDING, OrderStatus.PAID, OrderStatus.PARTIALLY_FULFILLED)
OPEN_RETURN_STATUSES = (ReturnStatus.REQUESTED, ReturnStatus.APPROVED, ReturnStatus.RECEIVED)


# ------------------------------------------------------------------------------
# What belongs to a customer
# ------------------------------------------------------------------------------
def customer_orders(*, customer: Customer) -> QuerySet[Order]:
    """Every order of the customer, drafts included: by record, by account and by email."""
    condition = Q(customer=customer) | Q(email__iexact=customer.email)
    if customer.user_id is not None:
        condition |= Q(user_id=customer.user_id)
    return Order.objects.filter(condition)


def customer_carts(*, customer: Customer) -> QuerySet[Cart]:
    """The carts of the customer's account and those a checkout names their email on."""
    condition = Q(checkout__email__iexact=customer.email)
    if customer.user_id is not None:
        condition |= Q(user_id=customer.user_id)
    return Cart.objects.filter(condition)


def customer_reviews(*, customer: Customer) -> QuerySet[Review]:
    condition = Q(order_line__order__in=customer_orders(customer=customer))
    if customer.user_id is not None:
        condition |= Q(user_id=customer.user_id)
    return Review.objects.filter(condition)


def customer_deliveries(*, customer: Customer) -> QuerySet[Delivery]:
    """The emails (and text messages) sent to the customer's address (or phone)."""
    condition = Q(to__iexact=customer.email)
    if customer.phone:
        condition |= Q(channel=Delivery.Channel.SMS, to=customer.phone)
    return Delivery.objects.filter(condition)


@dataclass(frozen=True)
class ErasureBlockers:
    open_orders: list[int]  # order numbers
    open_returns: int
    already_erased: bool

    @property
    def blocked(self) -> bool:
        return bool(self.open_orders or self.open_returns or self.already_erased)


def customer_erasure_blockers(*, customer: Customer) -> ErasureBlockers:
    """What keeps the customer from being erased now (see the module docstring for "open")."""
    orders = customer_orders(customer=customer)
    unshipped_partial_refund = Q(status=OrderStatus.PARTIALLY_REFUNDED) & ~Exists(
        Fulfilment.objects.filter(order=OuterRef("pk")).exclude(status=FulfilmentStatus.CANCELLED)
    )
    open_numbers = list(
        orders.filter(Q(status__in=OPEN_ORDER_STATUSES) | unshipped_partial_refund)
        .order_by("number")
        .values_list("number", flat=True)
    )
    open_returns = ReturnRequest.objects.filter(order__in=orders, status__in=OPEN_RETURN_STATUSES).count()
    return ErasureBlockers(
        open_orders=open_numbers,
        open_returns=open_returns,
        already_erased=customer_erasure_get(customer=customer) is not None,
    )


def customer_erasure_get(*, customer: Customer) -> DataRequest | None:
    return DataRequest.objects.filter(kind=DataRequest.Kind.ERASE, customer_uuid=customer.uuid).first()


# ------------------------------------------------------------------------------
# The export
# ------------------------------------------------------------------------------
def _address(address: Address) -> dict[str, Any]:
    return {
        "name": address.name,
        "company": address.company,
        "line1": address.line1,
        "line2": address.line2,
        "city": address.city,
        "region": address.region,
        "postal_code": address.postal_code,
        "country": address.country,
        "phone": address.phone,
        "is_default": address.is_default,
        "created_at": address.created_at,
    }


def _order(order: Order) -> dict[str, Any]:
    return {
        "number": order.number,
        "status": order.status,
        "email": order.email,
        "currency": order.currency,
        "placed_at": order.placed_at,
        "paid_at": order.paid_at,
        "cancelled_at": order.cancelled_at,
        "subtotal": order.subtotal,
        "discount_total": order.discount_total,
        "shipping_total": order.shipping_total,
        "tax_total": order.tax_total,
        "total": order.total,
        "amount_paid": order.amount_paid,
        "amount_refunded": order.amount_refunded,
        "shipping_address": order.shipping_address,
        "billing_address": order.billing_address,
        "shipping_method": order.shipping_method_name,
        "lines": [
            {
                "product": line.product_title,
                "variant": line.variant_title,
                "sku": line.sku,
                "quantity": line.quantity,
                "unit_price": line.unit_price,
                "total": line.total,
            }
            for line in order.lines.all()
        ],
        "payments": [
            {
                "gateway": payment.gateway,
                "amount": payment.amount,
                "amount_refunded": payment.amount_refunded,
                "currency": payment.currency,
                "status": payment.status,
                "created_at": payment.created_at,
            }
            for payment in order.payments.all()
        ],
        "refunds": [
            {
                "amount": refund.amount,
                "currency": refund.currency,
                "status": refund.status,
                "reason": refund.reason,
                "created_at": refund.created_at,
            }
            for refund in order.refunds.all()
        ],
        "shipments": [
            {
                "status": shipment.status,
                "carrier": shipment.carrier_name,
                "tracking_number": shipment.tracking_number,
                "tracking_url": shipment.tracking_url,
                "shipped_at": shipment.shipped_at,
                "delivered_at": shipment.delivered_at,
            }
            for shipment in order.fulfilments.all()  # type: ignore[attr-defined]
        ],
    }


def customer_data_export(*, customer: Customer) -> dict[str, Any]:
    """Everything this store holds about `customer`, as plain data (Decimals, datetimes and UUIDs
    left for the JSON encoder). Nothing of any other customer: every collection is filtered by
    this customer's record, account or email."""
    user = customer.user
    orders = list(
        customer_orders(customer=customer)
        .order_by("number")
        .prefetch_related("lines", "payments", "refunds", "fulfilments")
    )
    returns = (
        ReturnRequest.objects.filter(order__in=[order.pk for order in orders])
        .select_related("order")
        .prefetch_related("lines__order_line")
        .order_by("created_at", "id")
    )
    newsletter = NewsletterSubscriber.objects.filter(email=customer.email.lower()).first()
    data: dict[str, Any] = {
        "format_version": EXPORT_FORMAT_VERSION,
        "exported_at": timezone.now(),
        "customer": {
            "id": customer.uuid,
            "email": customer.email,
            "full_name": customer.full_name,
            "phone": customer.phone,
            "note": customer.note,
            "orders_count": customer.orders_count,
            "total_spent": customer.total_spent,
            "last_order_at": customer.last_order_at,
            "created_at": customer.created_at,
        },
        "consent": {
            "accepts_marketing": customer.accepts_marketing,
            "newsletter": newsletter is not None,
        },
        "newsletter": None
        if newsletter is None
        else {
            "email": newsletter.email,
            "language": newsletter.language,
            "source": newsletter.source,
            "subscribed_at": newsletter.created_at,
        },
        "account": None,
        "addresses": [],
        "wishlist": [],
        "store_credit": [],
        "orders": [_order(order) for order in orders],
        "returns": [
            {
                "id": request.uuid,
                "order": request.order.number,
                "status": request.status,
                "reason": request.reason,
                "comment": request.comment,
                "created_at": request.created_at,
                "lines": [
                    {"product": line.order_line.product_title, "quantity": line.quantity}
                    for line in request.lines.all()
                ],
            }
            for request in returns
        ],
        "reviews": [
            {
                "product": review.product.title,
                "rating": review.rating,
                "title": review.title,
                "body": review.body,
                "shown_as": review.author_name,
                "status": review.status,
                "created_at": review.created_at,
            }
            for review in customer_reviews(customer=customer).select_related("product").order_by("created_at")
        ],
        "carts": [
            {
                "status": cart.status,
                "currency": cart.currency,
                "updated_at": cart.updated_at,
                "lines": [
                    {
                        "product": line.variant.product.title,
                        "sku": line.variant.sku,
                        "quantity": line.quantity,
                    }
                    for line in cart.lines.all()
                ],
            }
            for cart in customer_carts(customer=customer)
            .prefetch_related("lines__variant__product")
            .order_by("created_at", "id")
        ],
        "gift_cards": [
            {
                "code_ending": card.code[-4:],
                "initial_balance": card.initial_balance,
                "balance": card.balance,
                "currency": card.currency,
                "expires_at": card.expires_at,
                "created_at": card.created_at,
            }
            for card in GiftCard.objects.filter(issued_to_email__iexact=customer.email).order_by("created_at")
        ],
        "messages": [
            {
                "channel": delivery.channel,
                "to": delivery.to,
                "template": delivery.template,
                "subject": delivery.subject,
                "status": delivery.status,
                "created_at": delivery.created_at,
                "sent_at": delivery.sent_at,
            }
            for delivery in customer_deliveries(customer=customer).order_by("created_at")
        ],
    }
    if user is not None:
        data["account"] = {
            "email": user.email,
            "full_name": user.full_name,
            "date_joined": user.date_joined,
            "last_login": user.last_login,
            "is_active": user.is_active,
            "email_addresses": [
                {"email": address.email, "verified": address.verified, "primary": address.primary}
                for address in EmailAddress.objects.filter(user=user).order_by("id")
            ],
            "social_accounts": [
                {"provider": account.provider, "date_joined": account.date_joined}
                for account in SocialAccount.objects.filter(user=user).order_by("id")
            ],
        }
        data["addresses"] = [_address(address) for address in Address.objects.filter(user=user)]
        data["wishlist"] = [
            {"product": item.product.title, "added_at": item.created_at}
            for item in WishlistItem.objects.filter(user=user).select_related("product")
        ]
        data["store_credit"] = [
            {
                "kind": entry.kind,
                "amount": entry.amount,
                "balance_after": entry.balance_after,
                "currency": entry.currency,
                "reason": entry.reason,
                "created_at": entry.created_at,
            }
            for entry in StoreCreditEntry.objects.filter(user=user).order_by("created_at", "id")
        ]
    return data


def export_summary(data: dict[str, Any]) -> dict[str, int]:
    """Row counts of an export, for the data requests list (no personal data)."""
    return {
        key: len(value)
        for key, value in data.items()
        if isinstance(value, list) and key not in ("format_version",)
    }


# ------------------------------------------------------------------------------
# Retention settings and data requests
# ------------------------------------------------------------------------------
@dataclass(frozen=True)
class RetentionRow:
    kind: RetentionKind
    days: int  # what the store keeps now: its setting, else the kind's default
    customised: bool


def retention_rows() -> list[RetentionRow]:
    """Every registered kind with the store's current number of days (one query)."""
    stored = dict(RetentionSetting.objects.values_list("kind", "days"))
    rows = []
    for kind in retention_kinds():
        days = stored.get(kind.key)
        rows.append(
            RetentionRow(
                kind=kind,
                days=_clamped(days, kind) if days is not None else kind.default_days,
                customised=days is not None,
            )
        )
    return rows


def _clamped(days: int, kind: RetentionKind) -> int:
    # A kind's bounds may tighten after a store saved its days: the bounds win.
    return min(max(days, kind.min_days), kind.max_days)


def data_request_list() -> QuerySet[DataRequest]:
    return DataRequest.objects.select_related("actor").order_by("-created_at", "-id")
