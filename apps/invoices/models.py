"""Invoices and credit notes: one invoice per paid order, one credit note per refund, each with a
number of its own series that is never reused and never skipped, and its PDF, written once.

An issued document is immutable: `data` holds everything it prints (seller, buyer, lines, tax
breakdown, totals) as it was at issue, and the PDF is rendered from that snapshot once into
private storage (`apps.core.storage.private_storage`, under the store's schema). Numbers come from
`InvoiceCounter` (one row per series), locked with SELECT ... FOR UPDATE in the transaction that
inserts the document (see `apps.invoices.numbering`).
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from apps.core.models import TimeStampedModel
from apps.core.storage import private_storage

INVOICE_SETTINGS_PK = 1
DEFAULT_INVOICE_FORMAT = "INV-{year}-{number:05d}"
DEFAULT_CREDIT_NOTE_FORMAT = "CN-{year}-{number:05d}"
ZERO = Decimal(0)


class InvoiceKind(models.TextChoices):
    INVOICE = "invoice", _("Invoice")
    CREDIT_NOTE = "credit_note", _("Credit note")


class InvoiceSettings(TimeStampedModel):
    """How this store numbers its invoices and what it prints on them besides the store's own
    profile (`apps.stores.models.StoreSettings`: name, address, contact). One row per schema."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=INVOICE_SETTINGS_PK, editable=False)
    invoice_number_format = models.CharField(
        _("invoice number format"),
        max_length=60,
        default=DEFAULT_INVOICE_FORMAT,
        help_text=_("Use {number} (e.g. {number:05d} for 00042), {year} and {month}."),
    )
    credit_note_number_format = models.CharField(
        _("credit note number format"),
        max_length=60,
        default=DEFAULT_CREDIT_NOTE_FORMAT,
        help_text=_("Use {number} (e.g. {number:05d} for 00042), {year} and {month}."),
    )
    seller_tax_id = models.CharField(
        _("VAT / tax ID"), max_length=40, blank=True, help_text=_("Printed under the store's address.")
    )
    footer = models.TextField(
        _("footer"), max_length=500, blank=True, help_text=_("Bank details, registration, legal notes.")
    )

    class Meta:
        verbose_name = _("invoice settings")
        verbose_name_plural = _("invoice settings")
        constraints = [
            models.CheckConstraint(condition=Q(id=INVOICE_SETTINGS_PK), name="invoices_settings_single_row"),
            models.CheckConstraint(
                condition=Q(invoice_number_format__contains="{number")
                & Q(credit_note_number_format__contains="{number"),
                name="invoices_settings_formats_have_number",
            ),
        ]

    def __str__(self) -> str:
        return self.invoice_number_format


class InvoiceCounter(models.Model):
    """The last number handed out in one series (invoices, credit notes) of this store."""

    kind = models.CharField(primary_key=True, max_length=20, choices=InvoiceKind.choices)
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=InvoiceKind.values), name="invoices_counter_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.last_number}"


def _money(verbose_name: str | object) -> models.DecimalField:
    return models.DecimalField(verbose_name, max_digits=12, decimal_places=3, default=ZERO)  # type: ignore[arg-type]


class Invoice(TimeStampedModel):
    """An invoice (positive amounts) or a credit note (negative amounts, `credited` naming the
    invoice it corrects). Never changed or deleted once issued, but for attaching its PDF."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(_("type"), max_length=20, choices=InvoiceKind.choices)
    sequence = models.PositiveIntegerField(_("sequence"))
    number = models.CharField(_("number"), max_length=80, unique=True)
    order = models.ForeignKey(
        "orders.Order", on_delete=models.PROTECT, related_name="invoices", verbose_name=_("order")
    )
    credited = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="credit_notes",
        verbose_name=_("invoice credited"),
    )
    # What makes issuing idempotent: "order-paid:<order uuid>", "event:<event id>", ...
    idempotency_key = models.CharField(max_length=120, unique=True)
    issued_at = models.DateTimeField(_("issued"))
    language = models.CharField(_("language"), max_length=10)
    currency = models.CharField(_("currency"), max_length=3)
    net_total = _money(_("net"))
    tax_total = _money(_("tax"))
    total = _money(_("total"))
    reason = models.CharField(_("reason"), max_length=255, blank=True)
    data = models.JSONField(default=dict)
    file = models.FileField(storage=private_storage, max_length=255, blank=True)

    class Meta:
        ordering = ["-issued_at", "-id"]
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=InvoiceKind.values), name="invoices_kind_valid"),
            models.UniqueConstraint(fields=["kind", "sequence"], name="invoices_sequence_unique_per_kind"),
            models.UniqueConstraint(
                fields=["order"], condition=Q(kind=InvoiceKind.INVOICE), name="invoices_one_invoice_per_order"
            ),
            models.CheckConstraint(
                condition=(Q(kind=InvoiceKind.INVOICE) & Q(credited__isnull=True) & Q(total__gte=0))
                | (Q(kind=InvoiceKind.CREDIT_NOTE) & Q(credited__isnull=False) & Q(total__lt=0)),
                name="invoices_sign_and_reference",
            ),
            models.CheckConstraint(condition=Q(sequence__gte=1), name="invoices_sequence_positive"),
        ]
        indexes = [models.Index(fields=["kind", "-issued_at"], name="invoices_kind_issued")]

    def __str__(self) -> str:
        return self.number

    @property
    def is_credit_note(self) -> bool:
        return self.kind == InvoiceKind.CREDIT_NOTE

    @property
    def download_name(self) -> str:
        safe = "".join(char if char.isalnum() or char in "-_." else "-" for char in self.number)
        return f"{safe}.pdf"
