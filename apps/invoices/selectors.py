"""Reading invoices: the store's settings row, the dashboard's list, an order's documents, and
one document for a download (always within the current store's schema)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, tzinfo

from django.core.paginator import Page, Paginator
from django.db import IntegrityError, transaction
from django.db.models import QuerySet

from apps.invoices.models import INVOICE_SETTINGS_PK, Invoice, InvoiceSettings
from apps.orders.models import Order

INVOICES_PER_PAGE = 25


def invoice_settings_get() -> InvoiceSettings:
    """The store's invoice settings, created with the defaults on first use."""
    found = InvoiceSettings.objects.filter(pk=INVOICE_SETTINGS_PK).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            return InvoiceSettings.objects.create(pk=INVOICE_SETTINGS_PK)
    except IntegrityError:  # created meanwhile by a concurrent first use
        return InvoiceSettings.objects.get(pk=INVOICE_SETTINGS_PK)


@dataclass(frozen=True)
class InvoiceFilters:
    kind: str = ""
    date_from: date | None = None
    date_to: date | None = None

    @property
    def active(self) -> bool:
        return bool(self.kind or self.date_from or self.date_to)


def invoice_list(*, filters: InvoiceFilters, zone: tzinfo) -> QuerySet[Invoice]:
    rows = Invoice.objects.select_related("order", "credited").defer("data", "credited__data")
    if filters.kind:
        rows = rows.filter(kind=filters.kind)
    if filters.date_from:
        rows = rows.filter(issued_at__gte=datetime.combine(filters.date_from, time.min, tzinfo=zone))
    if filters.date_to:
        rows = rows.filter(issued_at__lte=datetime.combine(filters.date_to, time.max, tzinfo=zone))
    return rows.order_by("-issued_at", "-id")


def invoice_page(*, filters: InvoiceFilters, zone: tzinfo, page: str | int | None) -> Page:
    return Paginator(invoice_list(filters=filters, zone=zone), INVOICES_PER_PAGE).get_page(page)


def invoices_for_order(order: Order) -> list[Invoice]:
    """The order's invoice and credit notes, oldest first (one query)."""
    return list(
        Invoice.objects.filter(order=order)
        .select_related("credited")
        .defer("data", "credited__data")
        .order_by("issued_at", "id")
    )


def invoice_by_uuid(invoice_uuid: object, *, order: Order | None = None) -> Invoice | None:
    """One document of the current store (of `order` when given), or None."""
    try:
        parsed = invoice_uuid if isinstance(invoice_uuid, uuid.UUID) else uuid.UUID(str(invoice_uuid))
    except ValueError:
        return None
    rows = Invoice.objects.filter(uuid=parsed)
    if order is not None:
        rows = rows.filter(order=order)
    return rows.select_related("order").first()
