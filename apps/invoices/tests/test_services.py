"""Issuing invoices and credit notes: one invoice per paid order whatever the deliveries, its PDF
in private storage with what an invoice must say, credit notes with the tax split pro rata."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone

from apps.core.events import event_emit
from apps.invoices.errors import InvoiceError, InvoiceErrorCode
from apps.invoices.models import Invoice, InvoiceKind
from apps.invoices.selectors import invoice_settings_get
from apps.invoices.services import credit_note_issue, invoice_issue, invoice_settings_update
from apps.invoices.subscribers import (
    credit_note_on_order_cancelled,
    credit_note_on_order_refunded,
    invoice_on_order_paid,
)
from apps.invoices.tests.factories import order_event, taxed_order
from apps.invoices.tests.pdf_text import pdf_text
from apps.orders.enums import OrderEventKind
from apps.orders.services import order_cancel
from apps.orders.tests.factories import order_row
from apps.stores.models import StoreSettings
from apps.stores.selectors import store_settings_cache_clear, store_settings_get

pytestmark = pytest.mark.django_db
YEAR = timezone.now().year


def _store_settings(**values: object) -> None:
    store_settings_cache_clear()  # a row remembered from another test would not be this one
    store_settings_get()  # the row is made on first read
    assert StoreSettings.objects.update(**values) == 1
    store_settings_cache_clear()


def _store_profile() -> None:
    _store_settings(
        name="Bäckerei Straße",
        address_line1="Königsallee 12",
        postal_code="40212",
        city="Düsseldorf",
        country="DE",
        contact_email="kasse@example.com",
        default_language="en",
    )
    settings = invoice_settings_get()
    settings.seller_tax_id = "DE811907980"
    settings.save()


def _pdf(invoice: Invoice) -> bytes:
    with invoice.file.open("rb") as handle:
        return handle.read()


def test_a_paid_order_gets_one_invoice_with_its_pdf_in_private_storage(
    in_alpha, roots, django_capture_on_commit_callbacks
):
    media, private = roots
    _store_profile()

    # given an order paid through checkout, its order.paid event delivered (eager Celery)
    with django_capture_on_commit_callbacks(execute=True):
        order = taxed_order()

    # then it has exactly one invoice, numbered in the store's format, with its timeline entry
    invoice = Invoice.objects.get(order=order)
    assert invoice.kind == InvoiceKind.INVOICE
    assert invoice.number == f"INV-{YEAR}-00001"
    assert invoice.total == order.total == Decimal("53.55")
    assert invoice.tax_total == Decimal("8.55")
    assert order.events.filter(kind=OrderEventKind.INVOICE_ISSUED, params__number=invoice.number).count() == 1
    # and its PDF sits under the private root of the store, nothing under MEDIA_ROOT
    assert invoice.file.name == f"invoices/{invoice.uuid}.pdf"
    on_disk = private / in_alpha.tenant.schema_name / invoice.file.name
    assert on_disk.read_bytes().startswith(b"%PDF-")
    assert not any(p.is_file() for p in Path(media).rglob("*"))


def test_order_paid_delivered_twice_or_from_two_events_issues_one_invoice(in_alpha):
    order = taxed_order()
    event = order_event("order.paid", order)

    invoice_on_order_paid(event)
    invoice_on_order_paid(event)  # the same event redelivered
    invoice_on_order_paid(order_event("order.paid", order))  # a second event for the same order
    first = invoice_issue(order_id=order.pk)

    assert Invoice.objects.filter(order=order).count() == 1
    assert first.sequence == 1
    assert order.events.filter(kind=OrderEventKind.INVOICE_ISSUED).count() == 1


def test_the_pdf_names_seller_buyer_number_lines_and_a_tax_row_per_rate(in_alpha):
    _store_profile()
    # given shipping without tax: lines at 19 %, shipping at 0 %
    order = taxed_order(tax_on_shipping=False)
    order.billing_address = {**order.shipping_address, "name": "Niño Muñoz", "vat_id": "ESX1234567T"}
    order.save(update_fields=["billing_address"])

    invoice = invoice_issue(order_id=order.pk)
    text = pdf_text(_pdf(invoice))

    # seller (store settings + invoice settings), buyer (billing address, email, VAT id)
    for expected in (
        "Bäckerei Straße",
        "Königsallee 12",
        "40212 Düsseldorf",
        "kasse@example.com",
        "DE811907980",
    ):
        assert expected in text, expected
    for expected in ("Niño Muñoz", "Unter den Linden 1", "erika@example.com", "ESX1234567T"):
        assert expected in text, expected
    # number, order, line with quantity, unit price, discount, rate, net and total
    assert invoice.number in text and f"#{order.number}" in text
    assert "Leinenhemd Größe L" in text
    assert "€20.00" in text and "€40.00" in text and "€47.60" in text
    # one tax row per rate: 19 % on the lines, 0 % on shipping; totals
    assert "VAT 19 % on €40.00\n€7.60" in text
    assert "VAT 0 % on €5.00\n€0.00" in text
    assert invoice.total == Decimal("52.60")
    assert "Total\n€52.60" in text
    assert "Test payments: €52.60" in text
    assert [row["rate"] for row in invoice.data["taxes"]] == ["0.19", "0"]


def test_the_invoice_is_in_the_orders_language_when_the_store_offers_it(in_alpha):
    _store_settings(languages=["en", "de"], default_language="en")
    order = taxed_order()
    order.language = "de"
    order.save(update_fields=["language"])

    invoice = invoice_issue(order_id=order.pk)

    assert invoice.language == "de"
    # German labels where translated, amounts as a German reader writes them
    text = pdf_text(_pdf(invoice))
    assert "Summe\n53,55\xa0€" in text
    assert "Bestellung\n#" in text


def test_a_partial_refund_gets_a_credit_note_split_over_the_tax_rates(in_alpha):
    order = taxed_order(tax_on_shipping=False)  # 47.60 at 19 %, 5.00 at 0 %: 52.60
    invoice = invoice_issue(order_id=order.pk)
    refund = {"amount": "26.30", "currency": order.currency, "store_credit": False, "reason": "Damaged"}
    event = order_event("order.refunded", order, refund=refund)

    credit_note_on_order_refunded(event)
    credit_note_on_order_refunded(event)  # redelivered: still one credit note

    note = Invoice.objects.get(kind=InvoiceKind.CREDIT_NOTE)
    assert note.credited == invoice and note.order == order
    assert note.number == f"CN-{YEAR}-00001"  # a series of its own
    assert (note.total, note.tax_total, note.net_total) == (
        Decimal("-26.30"),
        Decimal("-3.80"),
        Decimal("-22.50"),
    )
    # half the refund's gross share per rate: 23.80 at 19 % (3.80 tax), 2.50 at 0 %
    assert note.data["taxes"] == [
        {"rate": "0.19", "net": "-20.00", "tax": "-3.80"},
        {"rate": "0", "net": "-2.50", "tax": "0"},
    ]
    assert (
        order.events.filter(kind=OrderEventKind.CREDIT_NOTE_ISSUED, params__number=note.number).count() == 1
    )
    text = pdf_text(_pdf(note))
    assert "Credit note" in text and invoice.number in text and "Damaged" in text
    assert "-€26.30" in text and "VAT 19 % on -€20.00\n-€3.80" in text


def test_credit_notes_never_credit_more_than_the_invoice(in_alpha):
    order = taxed_order()  # 53.55
    refund = {"amount": "50.00", "currency": order.currency, "store_credit": True, "reason": ""}
    credit_note_on_order_refunded(order_event("order.refunded", order, refund=refund))
    credit_note_on_order_refunded(
        order_event("order.refunded", order, refund=refund)
    )  # a second refund event

    totals = sorted(Invoice.objects.filter(kind=InvoiceKind.CREDIT_NOTE).values_list("total", flat=True))
    assert totals == [Decimal("-50.00"), Decimal("-3.55")]
    assert credit_note_issue(order_id=order.pk, key="one-more", amount=Decimal("1")) is None


def test_a_refund_in_another_currency_is_refused(in_alpha):
    order = taxed_order()
    with pytest.raises(InvoiceError) as raised:
        credit_note_issue(order_id=order.pk, key="x", amount=Decimal("1"), currency="JPY")
    assert raised.value.code == InvoiceErrorCode.CURRENCY_MISMATCH
    assert not Invoice.objects.filter(kind=InvoiceKind.CREDIT_NOTE).exists()


def test_cancelling_a_paid_order_credits_the_whole_invoice_line_by_line(
    in_alpha, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        order = taxed_order()
    with django_capture_on_commit_callbacks(execute=True):
        order_cancel(order=order, actor=None, reason="Customer changed their mind")

    invoice = Invoice.objects.get(kind=InvoiceKind.INVOICE)
    note = Invoice.objects.get(kind=InvoiceKind.CREDIT_NOTE)
    assert note.credited == invoice and note.total == -invoice.total
    assert [line["total"] for line in note.data["lines"]] == ["-47.60"]
    assert note.data["shipping"]["total"] == "-5.95"
    # the cancellation delivered again issues nothing new
    credit_note_on_order_cancelled(order_event("order.cancelled", order))
    assert Invoice.objects.filter(kind=InvoiceKind.CREDIT_NOTE).count() == 1


def test_an_unpaid_order_gets_no_invoice(in_alpha):
    order = order_row(status="pending")
    with pytest.raises(InvoiceError) as raised:
        invoice_issue(order_id=order.pk)
    assert raised.value.code == InvoiceErrorCode.ORDER_NOT_PAID
    credit_note_on_order_cancelled(order_event("order.cancelled", order))
    assert not Invoice.objects.exists()


def test_the_number_format_is_the_stores_and_the_series_continues_after_a_change(in_alpha):
    first = invoice_issue(order_id=taxed_order().pk)
    invoice_settings_update(
        invoice_number_format="R{year}/{month}/{number}",
        credit_note_number_format="G-{number:04d}",
        seller_tax_id=" DE1 ",
        footer="",
    )
    second = invoice_issue(order_id=taxed_order().pk)
    note = credit_note_issue(order_id=second.order_id, key="k", amount=Decimal("1.00"))

    assert first.number == f"INV-{YEAR}-00001"
    assert second.number == f"R{YEAR}/{timezone.localtime().month:02d}/2"
    assert note is not None and note.number == "G-0001"
    assert invoice_settings_get().seller_tax_id == "DE1"


@pytest.mark.parametrize(
    "fmt",
    ["INV-{year}", "{number.__class__}", "{number!r}", "{0}{number}", "{number", "INV {number} <script>"],
)
def test_a_bad_number_format_is_refused(in_alpha, fmt):
    with pytest.raises(InvoiceError) as raised:
        invoice_settings_update(
            invoice_number_format=fmt, credit_note_number_format="CN-{number}", seller_tax_id="", footer=""
        )
    assert raised.value.code == InvoiceErrorCode.FORMAT_INVALID
    assert invoice_settings_get().invoice_number_format == "INV-{year}-{number:05d}"


def test_an_issued_pdf_is_never_written_again(in_alpha):
    invoice = invoice_issue(order_id=taxed_order().pk)
    name, content = invoice.file.name, _pdf(invoice)
    # issuing again (a redelivery) and the settings changing leave the document as it was
    invoice_settings_update(
        invoice_number_format="X-{number}",
        credit_note_number_format="Y-{number}",
        seller_tax_id="NEW",
        footer="",
    )
    again = invoice_issue(order_id=invoice.order_id)
    assert again.pk == invoice.pk and again.file.name == name and _pdf(again) == content


def test_the_event_pipeline_is_what_issues_it(in_alpha, django_capture_on_commit_callbacks):
    order = order_row(status="paid")
    with django_capture_on_commit_callbacks(execute=True):
        event_emit(name="order.paid", payload=order_event("order.paid", order).payload)
    assert Invoice.objects.filter(order=order).count() == 1


def test_a_refund_through_the_orders_app_issues_its_credit_note(in_alpha, django_capture_on_commit_callbacks):
    from django.db import transaction

    from apps.orders.locks import order_lock
    from apps.orders.refunds import order_refund

    with django_capture_on_commit_callbacks(execute=True):
        order = taxed_order()  # 53.55, all of it by card
    # when staff (or a return) refund part of it through the order's payments
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        order_refund(order=order_lock(order_id=order.pk), amount=Decimal("11.90"), reason="Late delivery")

    # then order.refunded brought a credit note of that amount, 19 % of it as tax
    note = Invoice.objects.get(kind=InvoiceKind.CREDIT_NOTE)
    assert (note.total, note.tax_total) == (Decimal("-11.90"), Decimal("-1.90"))
    assert note.reason == "Late delivery"
    assert note.credited == Invoice.objects.get(kind=InvoiceKind.INVOICE)
