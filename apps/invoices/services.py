"""Issuing invoices and credit notes, and writing their PDFs once.

- `invoice_issue(order_id=...)`: the invoice of a paid order; idempotent (one invoice per order,
  whatever number of times `order.paid` is delivered): the order's row lock serialises two
  deliveries, and a unique constraint backs it.
- `credit_note_issue(order_id=..., amount=..., key=...)`: a credit note for a refund; idempotent
  per `key` (the refund event's id). Never credits more than the invoice has left.
- `invoice_settings_update(...)`: the store's number formats, tax id and footer.

A document's number is taken (`apps.invoices.numbering`) as the last step before its INSERT, in
the same transaction, and its timeline entry (INVOICE_ISSUED / CREDIT_NOTE_ISSUED) is written in
that transaction too. The PDF is rendered from the stored snapshot after the commit
(`invoice_pdf_ensure`); should that fail, the next download renders it: the snapshot is what
the document says, so it reads the same whenever it is rendered, and once stored it is never
written again.
"""

from __future__ import annotations

import logging
import zoneinfo
from decimal import Decimal

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.core.money import money_quantize
from apps.invoices.documents import credit_note_data, invoice_data
from apps.invoices.errors import InvoiceError, InvoiceErrorCode
from apps.invoices.models import Invoice, InvoiceKind, InvoiceSettings
from apps.invoices.numbering import invoice_sequence_next, number_format_apply, number_format_check
from apps.invoices.pdf import document_pdf
from apps.invoices.selectors import invoice_settings_get
from apps.orders.enums import OrderEventKind
from apps.orders.locks import order_lock
from apps.orders.models import Order
from apps.orders.timeline import order_event_add
from apps.stores.selectors import store_settings_get

logger = logging.getLogger(__name__)
ZERO = Decimal(0)


def _store_zone() -> zoneinfo.ZoneInfo:
    """Documents are dated (and numbered by year and month) in the store's time zone."""
    try:
        return zoneinfo.ZoneInfo(store_settings_get().timezone or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def document_language(order: Order) -> str:
    """The order's language when the store still offers it, else the store's default."""
    store = store_settings_get()
    language = (order.language or "").lower()
    if language and language in [code.lower() for code in store.languages]:
        return language
    return store.default_language


def _issue(
    *,
    order: Order,
    kind: InvoiceKind,
    key: str,
    data: dict[str, object],
    language: str,
    credited: Invoice | None = None,
    reason: str = "",
) -> Invoice:
    """Insert the document with the next number of its series (inside the caller's transaction
    that holds the order's lock) and add its timeline entry."""
    settings = invoice_settings_get()
    fmt = (
        settings.credit_note_number_format
        if kind == InvoiceKind.CREDIT_NOTE
        else settings.invoice_number_format
    )
    now = timezone.now()
    sequence = invoice_sequence_next(kind)  # the counter is locked last (see apps.orders.locks)
    invoice = Invoice.objects.create(
        kind=kind,
        sequence=sequence,
        number=number_format_apply(fmt, sequence=sequence, when=timezone.localtime(now, _store_zone())),
        order=order,
        credited=credited,
        idempotency_key=key,
        issued_at=now,
        language=language,
        currency=order.currency,
        net_total=Decimal(str(data["net_total"])),
        tax_total=Decimal(str(data["tax_total"])),
        total=Decimal(str(data["total"])),
        reason=reason[:255],
        data=data,
    )
    event_kind = (
        OrderEventKind.CREDIT_NOTE_ISSUED
        if kind == InvoiceKind.CREDIT_NOTE
        else OrderEventKind.INVOICE_ISSUED
    )
    order_event_add(
        order=order, kind=event_kind, params={"number": invoice.number, "invoice": str(invoice.uuid)}
    )
    return invoice


def _invoice_issue_locked(order: Order) -> Invoice:
    existing = Invoice.objects.filter(order=order, kind=InvoiceKind.INVOICE).first()
    if existing is not None:
        return existing
    if order.paid_at is None:
        raise InvoiceError(
            _("Order #%(number)s has not been paid; it gets its invoice once it is.")
            % {"number": order.number},
            code=InvoiceErrorCode.ORDER_NOT_PAID,
            params={"number": order.number},
        )
    settings = invoice_settings_get()
    language = document_language(order)
    data = invoice_data(
        order=order, store=store_settings_get(), tax_id=settings.seller_tax_id, footer=settings.footer
    )
    return _issue(
        order=order, kind=InvoiceKind.INVOICE, key=f"order-paid:{order.uuid}", data=data, language=language
    )


def invoice_issue(*, order_id: int) -> Invoice:
    """The invoice of a paid order: issued the first time, returned as it is afterwards."""
    existing = Invoice.objects.filter(order_id=order_id, kind=InvoiceKind.INVOICE).first()
    if existing is None:
        with transaction.atomic():
            existing = _invoice_issue_locked(order_lock(order_id=order_id))
    invoice_pdf_ensure(invoice=existing)
    return existing


def invoice_credited_total(invoice: Invoice) -> Decimal:
    """What the invoice's credit notes have credited so far (positive)."""
    return -sum((note.total for note in invoice.credit_notes.all()), ZERO)


def credit_note_issue(
    *, order_id: int, key: str, amount: Decimal | None = None, currency: str = "", reason: str = ""
) -> Invoice | None:
    """A credit note against the order's invoice for `amount` (gross, positive; None: all that
    is left), split over the invoice's tax rates pro rata. Idempotent per `key`; issues the
    invoice first if it is not there yet; None when nothing is left to credit."""
    full_key = f"credit:{key}"
    existing = Invoice.objects.filter(idempotency_key=full_key).first()
    if existing is None:
        with transaction.atomic():
            order = order_lock(order_id=order_id)
            existing = Invoice.objects.filter(idempotency_key=full_key).first()
            if existing is None:
                existing = _credit_note_locked(
                    order=order, key=full_key, amount=amount, currency=currency, reason=reason
                )
    if existing is not None:
        invoice_pdf_ensure(invoice=existing)
    return existing


def _credit_note_locked(
    *, order: Order, key: str, amount: Decimal | None, currency: str, reason: str
) -> Invoice | None:
    if currency and currency != order.currency:
        raise InvoiceError(
            _("A refund in %(currency)s cannot be credited on an invoice in %(order_currency)s.")
            % {"currency": currency, "order_currency": order.currency},
            code=InvoiceErrorCode.CURRENCY_MISMATCH,
            params={"currency": currency, "order_currency": order.currency},
        )
    invoice = _invoice_issue_locked(order)
    left = invoice.total - invoice_credited_total(invoice)
    wanted = left if amount is None else money_quantize(amount, order.currency)
    credit = min(wanted, left)
    if credit <= 0:
        logger.info("nothing left to credit on %s (asked %s)", invoice.number, wanted)
        return None
    # A refund of everything that is left, on an invoice nothing was credited from yet, is the
    # invoice negated line by line; anything else is split over its tax rates.
    whole = credit == invoice.total
    data = credit_note_data(
        invoice_data=invoice.data,
        invoice_number=invoice.number,
        amount=invoice.total if whole else credit,
        reason=reason or _("Refund"),
    )
    return _issue(
        order=order,
        kind=InvoiceKind.CREDIT_NOTE,
        key=key,
        data=data,
        language=invoice.language,
        credited=invoice,
        reason=reason,
    )


def invoice_pdf_ensure(*, invoice: Invoice) -> Invoice:
    """Render and store the document's PDF if it has none yet (once: a stored PDF is never
    written again). The row is locked while it is written so two renders cannot both store."""
    if invoice.file:
        return invoice
    with transaction.atomic():
        locked = Invoice.objects.select_for_update().get(pk=invoice.pk)
        if not locked.file:
            content = document_pdf(
                kind=locked.kind,
                number=locked.number,
                issued=timezone.localtime(locked.issued_at, _store_zone()).date().isoformat(),
                language=locked.language,
                data=locked.data,
            )
            locked.file.save(f"invoices/{locked.uuid}.pdf", ContentFile(content), save=False)
            Invoice.objects.filter(pk=locked.pk).update(file=locked.file.name, updated_at=timezone.now())
    invoice.file = locked.file
    return invoice


@transaction.atomic
def invoice_settings_update(
    *, invoice_number_format: str, credit_note_number_format: str, seller_tax_id: str, footer: str
) -> InvoiceSettings:
    """Change how new documents are numbered and what they print; issued ones stay as they are."""
    for field, fmt in (
        ("invoice_number_format", invoice_number_format),
        ("credit_note_number_format", credit_note_number_format),
    ):
        problem = number_format_check(fmt)
        if problem:
            raise InvoiceError(
                problem, code=InvoiceErrorCode.FORMAT_INVALID, field=field, params={"format": fmt}
            )
    settings = invoice_settings_get()
    settings = InvoiceSettings.objects.select_for_update().get(pk=settings.pk)
    settings.invoice_number_format = invoice_number_format
    settings.credit_note_number_format = credit_note_number_format
    settings.seller_tax_id = seller_tax_id.strip()[:40]
    settings.footer = footer.strip()[:500]
    settings.save()
    return settings


__all__ = [
    "credit_note_issue",
    "document_language",
    "invoice_credited_total",
    "invoice_issue",
    "invoice_pdf_ensure",
    "invoice_settings_update",
]
