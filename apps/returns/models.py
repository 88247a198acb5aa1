"""Returns and refunds given from the dashboard.

`ReturnSettings` is the store's return policy (one row, pinned primary key). A shopper asks to
send goods back with a `ReturnRequest` (its `ReturnLine`s and `ReturnPhoto`s); staff approve
or refuse it, mark the goods received (optionally back in stock) and refund.

A `RefundRequest` is one refund staff asked for on the refund page: the lines and shipping it
covers, whether units went back to stock, whether it was given as store credit. Its `token`
is the one-time key of the form it came from (unique), so posting the same form twice refunds
once. The money itself moves through `apps.orders.refunds` (gateway refunds, one `Refund` per
payment touched) or `apps.checkout.services.balances` (store credit).
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from apps.core.models import TimeStampedModel
from apps.core.storage import private_storage
from apps.returns.enums import ReturnReason, ReturnStatus

RETURN_SETTINGS_PK = 1
DEFAULT_WINDOW_DAYS = 30
ZERO = Decimal(0)


def _money(verbose_name: object, **kwargs: object) -> models.DecimalField:
    return models.DecimalField(verbose_name, max_digits=12, decimal_places=3, default=ZERO, **kwargs)  # type: ignore[arg-type]


class ReturnSettings(TimeStampedModel):
    """The store's return policy (one row per schema, read with `return_settings_get`)."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=RETURN_SETTINGS_PK, editable=False)
    window_days = models.PositiveSmallIntegerField(
        _("return window (days)"),
        default=DEFAULT_WINDOW_DAYS,
        help_text=_("Counted from delivery when it is known, otherwise from payment."),
    )
    photos_required = models.BooleanField(_("photos required"), default=False)
    instructions = models.TextField(
        _("default return instructions"),
        blank=True,
        help_text=_("Offered when you approve a return: where and how to send the goods."),
    )

    class Meta:
        verbose_name = _("return settings")
        verbose_name_plural = _("return settings")
        constraints = [
            models.CheckConstraint(condition=Q(id=RETURN_SETTINGS_PK), name="returns_settings_single_row"),
            models.CheckConstraint(
                condition=Q(window_days__gte=0, window_days__lte=365), name="returns_window_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.window_days} days"


def return_label_path(instance: ReturnRequest, filename: str) -> str:
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"returns/labels/{instance.uuid}/{uuid.uuid4().hex}.{extension[:8]}"


def return_photo_path(instance: ReturnPhoto, filename: str) -> str:
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "jpg"
    return f"returns/photos/{instance.return_request.uuid}/{uuid.uuid4().hex}.{extension[:8]}"


class ReturnRequest(TimeStampedModel):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    order = models.ForeignKey(
        "orders.Order", on_delete=models.CASCADE, related_name="return_requests", verbose_name=_("order")
    )
    status = models.CharField(
        _("status"), max_length=20, choices=ReturnStatus.choices, default=ReturnStatus.REQUESTED
    )
    reason = models.CharField(_("reason"), max_length=30, choices=ReturnReason.choices)
    comment = models.TextField(_("comment"), blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)
    instructions = models.TextField(_("return instructions"), blank=True)
    label = models.FileField(
        _("return label"), upload_to=return_label_path, storage=private_storage, blank=True
    )
    label_name = models.CharField(_("label file name"), max_length=255, blank=True)
    label_url = models.URLField(_("label link"), max_length=1000, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    received_at = models.DateTimeField(_("received"), null=True, blank=True)
    # The one-time token of the shopper's form that sent it: the same form posted again (a
    # double click, a reload) asks for nothing more.
    submission_token = models.UUIDField(null=True, blank=True, unique=True, editable=False)

    # Not stored: True on the instance `return_request_create` returns for a token used before.
    replayed: bool = False

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("return request")
        verbose_name_plural = _("return requests")
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ReturnStatus.values), name="returns_request_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(reason__in=ReturnReason.values), name="returns_request_reason_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status=ReturnStatus.REFUSED) | ~Q(decision_note=""),
                name="returns_refusal_has_reason",
            ),
        ]
        indexes = [models.Index(fields=["status", "-created_at"], name="returns_status_created")]

    def __str__(self) -> str:
        return f"return {self.uuid} ({self.status})"

    @property
    def units(self) -> int:
        return sum(line.quantity for line in self.lines.all())


class ReturnLine(models.Model):
    return_request = models.ForeignKey(ReturnRequest, on_delete=models.CASCADE, related_name="lines")
    order_line = models.ForeignKey("orders.OrderLine", on_delete=models.CASCADE, related_name="+")
    quantity = models.PositiveIntegerField(_("quantity"))
    # Units of this line put back in stock when the goods were received.
    restocked_quantity = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="returns_line_quantity_positive"),
            models.CheckConstraint(
                condition=Q(restocked_quantity__lte=F("quantity")), name="returns_line_restock_within"
            ),
            models.UniqueConstraint(fields=["return_request", "order_line"], name="returns_line_once"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x line {self.order_line_id}"


class ReturnPhoto(models.Model):
    return_request = models.ForeignKey(ReturnRequest, on_delete=models.CASCADE, related_name="photos")
    image = models.FileField(upload_to=return_photo_path, storage=private_storage)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return str(self.image.name)


class RefundRequest(TimeStampedModel):
    """One refund asked for on the refund page (see the module docstring)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    token = models.UUIDField(_("form token"), unique=True)
    order = models.ForeignKey("orders.Order", on_delete=models.CASCADE, related_name="refund_requests")
    return_request = models.ForeignKey(
        ReturnRequest, on_delete=models.SET_NULL, null=True, blank=True, related_name="refund_requests"
    )
    amount = _money(_("amount"))
    currency = models.CharField(_("currency"), max_length=3)
    shipping_amount = _money(_("shipping refunded"))
    store_credit = models.BooleanField(_("as store credit"), default=False)
    # Put back onto the gift cards that paid for the order (apps.checkout `gift_card_refund`).
    gift_card = models.BooleanField(_("to gift cards"), default=False)
    reason = models.CharField(_("reason"), max_length=255, blank=True)
    restock = models.BooleanField(_("returned to stock"), default=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    # Not stored: True on the instance `order_refund_issue` returns for a token used before.
    replayed: bool = False

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("refund request")
        verbose_name_plural = _("refund requests")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="returns_refund_amount_positive"),
            models.CheckConstraint(condition=Q(shipping_amount__gte=0), name="returns_refund_shipping_valid"),
            models.CheckConstraint(
                condition=~(Q(store_credit=True) & Q(gift_card=True)), name="returns_refund_one_destination"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"

    @property
    def outside_gateways(self) -> bool:
        """Given back as store credit or onto gift cards, not through a payment method."""
        return self.store_credit or self.gift_card


class RefundRequestLine(models.Model):
    refund_request = models.ForeignKey(RefundRequest, on_delete=models.CASCADE, related_name="lines")
    order_line = models.ForeignKey("orders.OrderLine", on_delete=models.CASCADE, related_name="+")
    quantity = models.PositiveIntegerField(_("quantity"))
    amount = _money(_("amount"))
    restocked_quantity = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gte=1), name="returns_refund_line_quantity_positive"
            ),
            models.CheckConstraint(
                condition=Q(restocked_quantity__lte=F("quantity")), name="returns_refund_line_restock_within"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x line {self.order_line_id}"
