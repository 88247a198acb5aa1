"""Orders: what a shopper bought, as it was when they bought it, and every payment and refund.

An order copies what it needs at placement (lines with titles, SKUs and prices, discounts,
addresses, the shipping method and tax rate), so later catalog or checkout changes never
rewrite it; the variant link is kept only to move stock. Amounts are Decimals in the order's
currency, rounded to its minor unit. The rules that must always hold are database constraints:
no negative amount, never more refunded than paid (per order and per payment), one order
number per store, one live order per checkout, one payment per idempotency key.

Numbers come from `OrderNumberCounter` (one row per store schema), incremented inside the
order's own transaction (see `apps.orders.numbering`), so a rolled-back order gives its number
back and the numbers stay gap-free.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from apps.core.models import TimeStampedModel
from apps.orders.enums import OrderEventKind, OrderOrigin, OrderStatus, OrderStockStatus
from apps.payments.enums import PaymentStatus, RefundStatus

ORDER_NUMBER_COUNTER_PK = 1
FIRST_ORDER_NUMBER = 1001
ZERO = Decimal(0)


def _money(verbose_name: str | object, **kwargs: object) -> models.DecimalField:
    return models.DecimalField(verbose_name, max_digits=12, decimal_places=3, default=ZERO, **kwargs)  # type: ignore[arg-type]


class OrderNumberCounter(models.Model):
    """The last order number handed out in this store (one row, pinned primary key)."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=ORDER_NUMBER_COUNTER_PK, editable=False)
    last_number = models.PositiveIntegerField(default=FIRST_ORDER_NUMBER - 1)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(id=ORDER_NUMBER_COUNTER_PK), name="orders_counter_single_row"),
            models.CheckConstraint(
                condition=Q(last_number__gte=FIRST_ORDER_NUMBER - 1), name="orders_counter_from_1001"
            ),
        ]

    def __str__(self) -> str:
        return f"last order #{self.last_number}"


class Order(TimeStampedModel):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    number = models.PositiveIntegerField(_("number"), unique=True)
    status = models.CharField(
        _("status"), max_length=20, choices=OrderStatus.choices, default=OrderStatus.PENDING
    )
    origin = models.CharField(_("origin"), max_length=20, choices=OrderOrigin.choices)
    stock_status = models.CharField(
        _("stock"), max_length=20, choices=OrderStockStatus.choices, default=OrderStockStatus.NONE
    )

    # who
    email = models.EmailField(_("email"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="orders",
        verbose_name=_("shopper"),
    )
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="orders",
        verbose_name=_("customer"),
    )
    language = models.CharField(_("language"), max_length=10, blank=True)

    # money (the order's currency; every amount rounded to its minor unit)
    currency = models.CharField(_("currency"), max_length=3)
    prices_include_tax = models.BooleanField(_("prices include tax"), default=False)
    subtotal = _money(_("subtotal"))
    discount_total = _money(_("discounts"))
    shipping_total = _money(_("shipping"))
    tax_total = _money(_("tax"))
    total = _money(_("total"))
    gift_card_total = _money(_("paid by gift card"))
    store_credit_total = _money(_("paid by store credit"))
    # What gateways took and gave back (not counting gift cards and store credit).
    amount_paid = _money(_("paid"))
    amount_refunded = _money(_("refunded"))
    # The part of `amount_refunded` given back while the order kept its total (a return, a
    # goodwill refund, a refund made at the provider), as opposed to an edit's refund, which
    # lowered the total: the shopper owes nothing for it.
    amount_refunded_kept_total = _money(_("refunded without changing the order"))
    # What refunds gave back as store credit or onto the gift cards that paid, instead of
    # through a payment method: a later cancellation gives back only the rest.
    amount_credited = _money(_("refunded as store credit or to gift cards"))

    # what the order was priced with, kept to price it again when staff edit it
    shipping_address = models.JSONField(_("shipping address"), default=dict, blank=True)
    billing_address = models.JSONField(_("billing address"), default=dict, blank=True)
    shipping_method_name = models.CharField(_("shipping method"), max_length=200, blank=True)
    shipping_rate_id = models.BigIntegerField(_("shipping rate"), null=True, blank=True)
    shipping_price = _money(_("shipping price before discounts"))
    shipping_taxable = models.BooleanField(default=True)
    tax_name = models.CharField(_("tax"), max_length=100, blank=True)
    tax_rate = models.DecimalField(_("tax rate"), max_digits=7, decimal_places=6, null=True, blank=True)
    tax_applies_to_shipping = models.BooleanField(default=True)
    # [[code, amount], ...] as used at placement (the codes are kept to record the redemption
    # again should a payment that failed succeed later).
    gift_cards = models.JSONField(_("gift cards used"), default=list, blank=True)
    # What the checkout's discount uses, gift card debits and store credit debit of this order
    # are recorded under (`<uuid>:<attempt>`, see `apps.orders.redemptions`); "" when none are.
    redemption_reference = models.CharField(max_length=64, blank=True)

    checkout_token = models.UUIDField(_("checkout"), null=True, blank=True)
    placed_at = models.DateTimeField(_("placed"), null=True, blank=True)
    paid_at = models.DateTimeField(_("paid"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    cancel_reason = models.CharField(_("cancellation reason"), max_length=255, blank=True)
    # When the stock held for payment runs out (`orders_expire_unpaid` then cancels the order).
    hold_expires_at = models.DateTimeField(_("stock held until"), null=True, blank=True)
    draft_sent_at = models.DateTimeField(_("payment link sent"), null=True, blank=True)
    # Whether the customer record counts this order (`customer_order_recorded`), so it is
    # counted once and taken back once (`customer_order_reverted`).
    customer_counted = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-number"]
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        constraints = [
            models.CheckConstraint(
                condition=Q(number__gte=FIRST_ORDER_NUMBER), name="orders_number_from_1001"
            ),
            models.CheckConstraint(
                condition=Q(status__in=OrderStatus.values), name="orders_order_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(origin__in=OrderOrigin.values), name="orders_order_origin_valid"
            ),
            models.CheckConstraint(
                condition=Q(stock_status__in=OrderStockStatus.values), name="orders_order_stock_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(currency__regex=r"^[A-Z]{3}$"), name="orders_order_currency_iso"
            ),
            models.CheckConstraint(
                condition=Q(
                    subtotal__gte=0,
                    discount_total__gte=0,
                    shipping_total__gte=0,
                    shipping_price__gte=0,
                    tax_total__gte=0,
                    total__gte=0,
                    gift_card_total__gte=0,
                    store_credit_total__gte=0,
                    amount_paid__gte=0,
                    amount_refunded__gte=0,
                ),
                name="orders_order_amounts_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(amount_refunded__lte=F("amount_paid")), name="orders_order_refund_within_paid"
            ),
            models.CheckConstraint(
                condition=Q(amount_credited__gte=0), name="orders_order_credited_not_negative"
            ),
            # One live order per checkout: an unpaid order that was cancelled (its hold ran out)
            # leaves the still-open checkout free for a new attempt.
            models.UniqueConstraint(
                fields=["checkout_token"],
                condition=~Q(status=OrderStatus.CANCELLED),
                name="orders_one_live_order_per_checkout",
            ),
            models.CheckConstraint(
                condition=~Q(origin=OrderOrigin.CHECKOUT) | Q(checkout_token__isnull=False),
                name="orders_checkout_order_has_token",
            ),
            models.CheckConstraint(
                condition=~Q(status=OrderStatus.CANCELLED) | Q(cancelled_at__isnull=False),
                name="orders_cancelled_has_time",
            ),
            models.CheckConstraint(
                condition=Q(status=OrderStatus.PENDING)
                | Q(status=OrderStatus.CANCELLED)
                | Q(paid_at__isnull=False),
                name="orders_paid_has_time",
            ),
            models.CheckConstraint(
                condition=Q(tax_rate__isnull=True) | Q(tax_rate__gte=0, tax_rate__lt=1),
                name="orders_tax_rate_range",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "-created_at"], name="orders_status_created"),
            # The day's figures (dashboard home, analytics) read the orders paid in a time
            # range; without it "today" scans every order (~100 ms at 100,000 orders).
            models.Index(fields=["paid_at"], name="orders_paid_at"),
            models.Index(fields=["email"], name="orders_email"),
            models.Index(
                fields=["hold_expires_at"],
                condition=Q(status=OrderStatus.PENDING, stock_status=OrderStockStatus.RESERVED),
                name="orders_hold_expiring",
            ),
            models.Index(fields=["checkout_token"], name="orders_checkout_token"),
        ]

    def __str__(self) -> str:
        return f"#{self.number}"

    @property
    def reference(self) -> str:
        """What this order's stock reservations and redemptions are named after."""
        return f"order:{self.uuid}"

    @property
    def shipping_shown(self) -> Decimal:
        """Shipping as a totals row shows it: without its tax when prices exclude tax (the tax
        row holds that tax), as charged when prices include it; either way subtotal - discounts
        + shipping + tax (when excluded) adds up to the total."""
        if self.prices_include_tax:
            return self.shipping_total
        return self.total - self.subtotal + self.discount_total - self.tax_total

    @property
    def net_paid(self) -> Decimal:
        return self.amount_paid - self.amount_refunded

    @property
    def unit_count(self) -> int:
        """How many items the order holds (units, not lines); no query when lines are prefetched."""
        return sum(line.quantity for line in self.lines.all())

    @property
    def cancel_balances_back(self) -> Decimal:
        """What cancelling gives back to the gift cards and store credit that paid: what they
        paid, less what refunds already gave back as store credit or onto the cards."""
        return max(self.gift_card_total + self.store_credit_total - self.amount_credited, ZERO)

    @property
    def cancel_refund(self) -> Decimal:
        """What cancelling refunds through the payment methods: what they still hold, less the
        store credit and gift card refunds beyond what gift cards and store credit paid. Together with
        `cancel_balances_back` and what went back already, the shopper gets what they paid,
        once."""
        credited_beyond_balances = max(
            self.amount_credited - self.gift_card_total - self.store_credit_total, ZERO
        )
        return max(self.net_paid - credited_beyond_balances, ZERO)

    @property
    def balance_due(self) -> Decimal:
        """What the shopper still owes through a gateway (negative: owed back to them)."""
        return (
            self.total
            - self.gift_card_total
            - self.store_credit_total
            - self.net_paid
            - self.amount_refunded_kept_total
        )

    @property
    def is_paid(self) -> bool:
        return self.status not in (OrderStatus.PENDING, OrderStatus.CANCELLED)


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    # Kept to move stock and price edits; the snapshots below are what the order shows.
    variant = models.ForeignKey(
        "catalog.ProductVariant", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    product_id_snapshot = models.BigIntegerField(_("product id"), null=True, blank=True)
    collection_ids = ArrayField(models.BigIntegerField(), default=list, blank=True)
    product_title = models.CharField(_("product"), max_length=255)
    variant_title = models.CharField(_("variant"), max_length=255, blank=True)
    sku = models.CharField(_("SKU"), max_length=100, blank=True)
    weight_grams = models.PositiveIntegerField(_("weight (g)"), default=0)
    quantity = models.PositiveIntegerField(_("quantity"))
    unit_price = _money(_("unit price"))
    subtotal = _money(_("subtotal"))
    discount = _money(_("discount"))
    tax = _money(_("tax"))
    total = _money(_("total"))
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="orders_line_quantity_positive"),
            models.CheckConstraint(
                condition=Q(unit_price__gte=0, subtotal__gte=0, discount__gte=0, tax__gte=0, total__gte=0),
                name="orders_line_amounts_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.sku or self.product_title}"


class OrderDiscount(models.Model):
    """A discount as it applied to the order, with the rule it came from (to price edits)."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="discounts")
    # The checkout's Discount row it came from (no foreign key: the rule may be deleted later,
    # the order keeps what it was); None for a discount staff gave while editing the order.
    discount_id_snapshot = models.BigIntegerField(null=True, blank=True)
    code = models.CharField(_("code"), max_length=64, blank=True)
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("type"), max_length=20)
    value = models.DecimalField(_("value"), max_digits=12, decimal_places=3, default=ZERO)
    # min_subtotal, product_ids, collection_ids, buy/get quantities, get_percent, combines
    rule = models.JSONField(default=dict, blank=True)
    amount = _money(_("amount"))
    is_manual = models.BooleanField(_("given by staff"), default=False)

    class Meta:
        ordering = ["id"]
        verbose_name = _("order discount")
        verbose_name_plural = _("order discounts")
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gte=0, value__gte=0), name="orders_discount_amounts_not_negative"
            ),
            models.UniqueConstraint(
                fields=["order"], condition=Q(is_manual=True), name="orders_one_manual_discount"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code or self.name}: {self.amount}"


class OrderEvent(models.Model):
    """One entry of an order's timeline; the sentence is built from `kind` and `params`."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("event"), max_length=40, choices=OrderEventKind.choices)
    params = models.JSONField(default=dict, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("order event")
        verbose_name_plural = _("order events")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=OrderEventKind.values), name="orders_event_kind_valid"
            )
        ]

    def __str__(self) -> str:
        return f"#{self.order_id} {self.kind}"


class OrderNote(models.Model):
    """A staff note on an order (never shown to the shopper)."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    body = models.TextField(_("note"))
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("order note")
        verbose_name_plural = _("order notes")
        constraints = [models.CheckConstraint(condition=~Q(body=""), name="orders_note_not_empty")]

    def __str__(self) -> str:
        return self.body[:40]


class Payment(TimeStampedModel):
    """One attempt to take money for an order through a gateway.

    The status only moves forward (see `apps.orders.payment_status.PAYMENT_STATUS_RANK`); the
    idempotency key (`order:<uuid>:attempt:<n>`) is what the gateway sees, so repeating an
    attempt never charges twice. `gateway` is "" for a balance payment created by an order edit
    that the shopper has not started yet from the payment link.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="payments")
    attempt = models.PositiveIntegerField(_("attempt"))
    gateway = models.CharField(_("gateway"), max_length=40, blank=True)
    external_id = models.CharField(_("gateway's payment id"), max_length=255, blank=True)
    idempotency_key = models.CharField(_("idempotency key"), max_length=255, unique=True)
    amount = _money(_("amount"))
    amount_refunded = _money(_("refunded"))
    currency = models.CharField(_("currency"), max_length=3)
    status = models.CharField(
        _("status"), max_length=20, choices=PaymentStatus.choices, default=PaymentStatus.PENDING
    )
    client_secret = models.CharField(max_length=255, blank=True)
    action_url = models.CharField(_("confirmation address"), max_length=2000, blank=True)
    error_code = models.CharField(_("error"), max_length=100, blank=True)
    error_message = models.CharField(_("error message"), max_length=500, blank=True)
    fee = models.DecimalField(_("fee"), max_digits=12, decimal_places=3, null=True, blank=True)
    # Whether this payment's money is counted in the order's `amount_paid` (set once).
    captured = models.BooleanField(default=False)
    # When the gateway said what `status` says (the latest update applied).
    status_updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        constraints = [
            models.UniqueConstraint(fields=["order", "attempt"], name="orders_payment_attempt_unique"),
            models.UniqueConstraint(
                fields=["gateway", "external_id"],
                condition=~Q(external_id=""),
                name="orders_payment_external_id_unique",
            ),
            models.CheckConstraint(
                condition=Q(amount__gte=0, amount_refunded__gte=0) & Q(amount_refunded__lte=F("amount")),
                name="orders_payment_amounts_valid",
            ),
            models.CheckConstraint(
                condition=Q(status__in=PaymentStatus.values), name="orders_payment_status_valid"
            ),
            models.CheckConstraint(condition=Q(attempt__gte=1), name="orders_payment_attempt_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.gateway or '-'} {self.amount} {self.currency} ({self.status})"


class PaymentUpdateRecord(models.Model):
    """A gateway update already applied to a payment: the same event id is applied once."""

    payment = models.ForeignKey(Payment, on_delete=models.CASCADE, related_name="updates")
    event_id = models.CharField(max_length=255, unique=True)
    status = models.CharField(max_length=20, choices=PaymentStatus.choices)
    amount_refunded = models.DecimalField(max_digits=12, decimal_places=3, null=True, blank=True)
    occurred_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["occurred_at", "id"]

    def __str__(self) -> str:
        return f"{self.event_id} -> {self.status}"


class Refund(TimeStampedModel):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="refunds")
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    amount = _money(_("amount"))
    currency = models.CharField(_("currency"), max_length=3)
    reason = models.CharField(_("reason"), max_length=255, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=RefundStatus.choices, default=RefundStatus.PENDING
    )
    external_id = models.CharField(_("gateway's refund id"), max_length=255, blank=True)
    idempotency_key = models.CharField(_("idempotency key"), max_length=255, unique=True)
    error_message = models.CharField(_("error message"), max_length=500, blank=True)
    # False for an edit's refund (the order's total went down by it); True for the others.
    keeps_total = models.BooleanField(default=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="orders_refund_amount_positive"),
            models.CheckConstraint(
                condition=Q(status__in=RefundStatus.values), name="orders_refund_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.amount} {self.currency} ({self.status})"
