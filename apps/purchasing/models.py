"""Purchase orders: what we order from a dropshipping supplier to fill a paid order.

One `PurchaseOrder` per (order, supplier): the order's lines that supplier ships, with the cost
the supplier charges. Its status moves only through `apps.purchasing.transitions`; placement,
retries and tracking live in `apps.purchasing.services`.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from apps.core.models import TimeStampedModel

PURCHASING_SETTINGS_PK = 1
ZERO_COST = 0


class PurchasingSettings(TimeStampedModel):
    """How this store orders from its suppliers (one row per schema, primary key pinned to 1)."""

    class Mode(models.TextChoices):
        AUTOMATIC = "automatic", _("Place orders with suppliers automatically")
        APPROVAL = "approval", _("Hold each supplier order until a staff member approves it")

    id = models.PositiveSmallIntegerField(primary_key=True, default=PURCHASING_SETTINGS_PK, editable=False)
    mode = models.CharField(_("placement"), max_length=20, choices=Mode.choices, default=Mode.AUTOMATIC)
    max_attempts = models.PositiveSmallIntegerField(
        _("attempts before asking for help"),
        default=5,
        help_text=_("How many times an order is sent to the supplier before it needs your attention."),
    )
    max_lead_time_days = models.PositiveSmallIntegerField(
        _("slowest acceptable lead time (days)"),
        null=True,
        blank=True,
        help_text=_(
            "Suppliers slower than this are used only when no faster one has the item. Empty: no limit."
        ),
    )

    class Meta:
        verbose_name = _("purchasing settings")
        verbose_name_plural = _("purchasing settings")
        constraints = [
            models.CheckConstraint(
                condition=Q(id=PURCHASING_SETTINGS_PK), name="purchasing_settings_single_row"
            ),
            models.CheckConstraint(
                condition=Q(max_attempts__gte=1, max_attempts__lte=20),
                name="purchasing_settings_attempts_range",
            ),
        ]

    def __str__(self) -> str:
        return str(_("Purchasing settings"))


class PurchaseOrderStatus(models.TextChoices):
    AWAITING_APPROVAL = "awaiting_approval", _("Awaiting approval")
    HELD_FOR_REVIEW = "held_for_review", _("Held for fraud review")
    QUEUED = "queued", _("Queued")
    TO_PLACE_MANUALLY = "to_place_manually", _("To place by hand")
    PLACED = "placed", _("Placed")
    FAILED = "failed", _("Failed, retrying")
    NEEDS_ATTENTION = "needs_attention", _("Needs attention")
    SHIPPED = "shipped", _("Shipped")
    DELIVERED = "delivered", _("Delivered")
    CANCELLED = "cancelled", _("Cancelled")


class PurchaseOrder(TimeStampedModel):
    """What we order from one supplier for one of our orders."""

    Status = PurchaseOrderStatus

    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, related_name="purchase_orders")
    supplier = models.ForeignKey(
        "sourcing.Supplier", on_delete=models.PROTECT, related_name="purchase_orders"
    )
    status = models.CharField(
        _("status"), max_length=20, choices=PurchaseOrderStatus.choices, default=PurchaseOrderStatus.QUEUED
    )
    supplier_order_id = models.CharField(_("supplier's order id"), max_length=120, blank=True)
    cost = models.DecimalField(_("cost"), max_digits=12, decimal_places=3, default=ZERO_COST)
    shipping_cost = models.DecimalField(
        _("shipping cost"), max_digits=12, decimal_places=3, default=ZERO_COST
    )
    currency = models.CharField(_("currency"), max_length=3)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # Why it failed, as a stable code and its params (worded at read time) plus the supplier's
    # own words, which we cannot translate.
    last_error = models.TextField(_("last error"), blank=True)
    last_error_code = models.CharField(_("last error code"), max_length=40, blank=True)
    last_error_params = models.JSONField(default=dict, blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    placed_at = models.DateTimeField(_("placed"), null=True, blank=True)
    tracking_synced_at = models.DateTimeField(_("tracking checked"), null=True, blank=True)
    approved_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("purchase order")
        verbose_name_plural = _("purchase orders")
        constraints = [
            models.UniqueConstraint(fields=["order", "supplier"], name="purchasing_po_one_per_supplier"),
            models.CheckConstraint(
                condition=Q(cost__gte=0, shipping_cost__gte=0), name="purchasing_po_costs_not_negative"
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["placed", "shipped", "delivered"]) | ~Q(supplier_order_id=""),
                name="purchasing_po_placed_has_supplier_id",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="purchasing_po_status_next"),
        ]

    def __str__(self) -> str:
        return f"PO-{self.pk}"

    @property
    def reference(self) -> str:
        """Our id as the supplier sees it (`out_order_id`)."""
        return f"PO-{self.pk}"


class PurchaseOrderLine(models.Model):
    purchase_order = models.ForeignKey(PurchaseOrder, on_delete=models.CASCADE, related_name="lines")
    # Both kept as links while they exist (a paid order may still be edited, an offer dropped by
    # the supplier); the snapshots below are what was ordered.
    order_line = models.ForeignKey(
        "orders.OrderLine", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    offer = models.ForeignKey(
        "sourcing.SupplierOffer", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    title = models.CharField(_("item"), max_length=255)
    sku = models.CharField(_("our SKU"), max_length=100, blank=True)
    supplier_sku = models.CharField(_("supplier SKU"), max_length=120)
    supplier_product_id = models.CharField(_("supplier product id"), max_length=120, blank=True)
    quantity = models.PositiveIntegerField(_("quantity"))
    unit_cost = models.DecimalField(_("unit cost"), max_digits=12, decimal_places=3)

    class Meta:
        ordering = ["id"]
        verbose_name = _("purchase order line")
        verbose_name_plural = _("purchase order lines")
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="purchasing_line_quantity_positive"),
            models.CheckConstraint(condition=Q(unit_cost__gte=0), name="purchasing_line_cost_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.supplier_sku}"


class PurchaseOrderShipment(TimeStampedModel):
    """One parcel of a supplier order and the fulfilment it became (one per tracking number)."""

    purchase_order = models.ForeignKey(PurchaseOrder, on_delete=models.CASCADE, related_name="shipments")
    tracking_number = models.CharField(_("tracking number"), max_length=100)
    carrier = models.CharField(_("carrier"), max_length=100, blank=True)
    # apps.fulfilment's row; no foreign key so the apps stay apart.
    fulfilment_id = models.BigIntegerField(_("fulfilment"), null=True, blank=True)
    last_event_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("supplier shipment")
        verbose_name_plural = _("supplier shipments")
        constraints = [
            models.UniqueConstraint(
                fields=["purchase_order", "tracking_number"], name="purchasing_shipment_once_per_number"
            ),
        ]

    def __str__(self) -> str:
        return self.tracking_number
