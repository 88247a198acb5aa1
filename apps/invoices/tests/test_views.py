"""Who gets an invoice's PDF: staff with orders.view from the dashboard (list, order panel), the
shopper from their account's order page and the order's signed status link; nobody else, and
never across stores. The list filters, paginates and keeps its query count."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.accounts.models import User
from apps.invoices.models import Invoice, InvoiceKind
from apps.invoices.services import credit_note_issue, invoice_issue
from apps.invoices.tests.factories import taxed_order
from apps.orders.links import order_status_token, order_uuid_from_status_token
from apps.orders.tests.factories import order_row
from tests.fixtures import StoreWorld, make_store_user, store_client

pytestmark = pytest.mark.django_db
LIST = "/dashboard/invoices/"
# The user each client of `signed_in` is signed in as.
USERS: dict[Client, User] = {}


def signed_in(world: StoreWorld, *, role: str = "", email: str = "") -> Client:
    user = make_store_user(
        world, email or f"{role or 'shopper'}-{uuid.uuid4().hex[:6]}@example.com", role=role
    )
    client = store_client(world)
    with schema_context(world.tenant.schema_name):
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    USERS[client] = user
    return client


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def download_url(invoice: Invoice) -> str:
    return f"{LIST}{invoice.uuid}/download/"


def shopper_url(invoice: Invoice) -> str:
    return f"/account/orders/{invoice.order.uuid}/invoices/{invoice.uuid}/"


@pytest.fixture
def shopper(alpha) -> Client:
    return signed_in(alpha, email="shopper-own@example.com")


@pytest.fixture
def invoice(alpha, shopper) -> Invoice:
    with schema_context(alpha.tenant.schema_name):
        order = taxed_order(user=USERS[shopper], email="shopper-own@example.com")
        return invoice_issue(order_id=order.pk)


@pytest.mark.parametrize("role", ["owner", "admin", "staff", "finance"])
def test_staff_with_orders_view_download_the_pdf(alpha, invoice, role):
    response = signed_in(alpha, role=role).get(download_url(invoice))
    assert response.status_code == 200
    assert body(response).startswith(b"%PDF-")
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="{invoice.number}.pdf"'
    assert "no-store" in response["Cache-Control"]


def test_a_shopper_or_a_visitor_gets_no_dashboard_download(alpha, invoice, shopper):
    assert shopper.get(download_url(invoice)).status_code == 403
    anonymous = store_client(alpha).get(download_url(invoice))
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]


def test_no_action_changes_or_regenerates_an_issued_invoice(alpha, invoice):
    owner = signed_in(alpha, role="owner")
    assert owner.post(download_url(invoice)).status_code == 405
    assert owner.delete(download_url(invoice)).status_code == 405
    assert owner.post(f"{LIST}{invoice.uuid}/regenerate/").status_code == 404


def test_the_shopper_downloads_their_own_from_their_order_page(alpha, invoice, shopper):
    page = shopper.get(f"/account/orders/{invoice.order.uuid}/")
    assert page.status_code == 200
    assert shopper_url(invoice).encode() in page.content
    assert invoice.number.encode() in page.content

    response = shopper.get(shopper_url(invoice))
    assert response.status_code == 200
    assert body(response).startswith(b"%PDF-")


def test_another_shopper_gets_404(alpha, invoice):
    other = signed_in(alpha, email="someone-else@example.com")
    assert other.get(shopper_url(invoice)).status_code == 404
    # nor by pairing one of their own orders with this invoice
    with schema_context(alpha.tenant.schema_name):
        own = order_row(status="paid", user=USERS[other])
    assert other.get(f"/account/orders/{own.uuid}/invoices/{invoice.uuid}/").status_code == 404
    assert store_client(alpha).get(shopper_url(invoice)).status_code == 302  # to sign in


def test_the_signed_status_link_hands_out_the_orders_invoice_only(alpha, beta, invoice):
    with schema_context(alpha.tenant.schema_name):
        token = order_status_token(order=invoice.order)
        other_order = order_row(status="paid")
        other_token = order_status_token(order=other_order)
    url = f"/orders/status/{token}/invoices/{invoice.uuid}/"
    response = store_client(alpha).get(url)
    assert response.status_code == 200 and body(response).startswith(b"%PDF-")
    assert (
        store_client(alpha).get(f"/orders/status/{other_token}/invoices/{invoice.uuid}/").status_code == 404
    )
    assert store_client(alpha).get(f"/orders/status/{token}x/invoices/{invoice.uuid}/").status_code == 404
    # alpha's link on beta's host: signed for another store
    assert store_client(beta).get(url).status_code == 404


def test_store_beta_cannot_reach_alphas_invoice(alpha, beta, invoice):
    beta_owner = signed_in(beta, role="owner")
    assert beta_owner.get(download_url(invoice)).status_code == 404
    beta_shopper = signed_in(beta, email="shopper-own@example.com")
    assert beta_shopper.get(shopper_url(invoice)).status_code == 404
    listing = beta_owner.get(LIST)
    assert listing.status_code == 200 and invoice.number.encode() not in listing.content


def test_the_order_page_shows_the_invoices_panel(alpha, invoice):
    finance = signed_in(alpha, role="finance")
    page = finance.get(f"/dashboard/orders/{invoice.order.number}/")
    assert page.status_code == 200
    assert b'id="invoices"' in page.content
    assert download_url(invoice).encode() in page.content


def test_the_list_filters_by_kind_and_date_and_paginates(alpha, django_assert_max_num_queries):
    with schema_context(alpha.tenant.schema_name):
        orders = [order_row(status="paid") for _ in range(27)]
        invoices = [invoice_issue(order_id=order.pk) for order in orders]
        note = credit_note_issue(order_id=orders[0].pk, key="t", amount=Decimal("1.00"))
        assert note is not None
        Invoice.objects.filter(pk=invoices[1].pk).update(issued_at=timezone.now() - timedelta(days=40))
    finance = signed_in(alpha, role="finance")

    finance.get(LIST)  # warm the session and the per-request caches
    with django_assert_max_num_queries(12):
        first = finance.get(LIST)
    assert first.status_code == 200
    assert first.content.count(b"/download/") == 25
    second = finance.get(LIST + "?page=2")
    assert second.content.count(b"/download/") == 3

    notes = finance.get(LIST + f"?kind={InvoiceKind.CREDIT_NOTE}")
    assert notes.content.count(b"/download/") == 1 and note.number.encode() in notes.content
    old_day = (timezone.now() - timedelta(days=40)).date().isoformat()
    dated = finance.get(LIST + f"?issued_from={old_day}&issued_to={old_day}")
    assert dated.content.count(b"/download/") == 1 and invoices[1].number.encode() in dated.content
    wrong = finance.get(LIST + "?issued_from=2030-01-02&issued_to=2030-01-01")
    assert wrong.status_code == 200 and b"The end date is before the start date." in wrong.content


def test_the_list_query_count_does_not_grow_with_the_invoices(alpha, django_assert_max_num_queries):
    finance = signed_in(alpha, role="finance")
    finance.get(LIST)
    with schema_context(alpha.tenant.schema_name):
        for _ in range(3):
            invoice_issue(order_id=order_row(status="paid").pk)
    with django_assert_max_num_queries(12) as few:
        finance.get(LIST)
    with schema_context(alpha.tenant.schema_name):
        for _ in range(10):
            invoice_issue(order_id=order_row(status="paid").pk)
    with django_assert_max_num_queries(len(few.captured_queries)):
        finance.get(LIST)


def test_an_empty_list_says_so(alpha):
    page = signed_in(alpha, role="staff").get(LIST)
    assert page.status_code == 200
    assert b"No invoices yet." in page.content


def test_the_settings_page_needs_settings_manage_and_checks_the_format(alpha):
    url = reverse("dashboard:invoices:invoice_settings")
    assert signed_in(alpha, role="finance").get(url).status_code == 403
    owner = signed_in(alpha, role="owner")
    assert owner.get(url).status_code == 200
    data = {
        "invoice_number_format": "INV-{year}",
        "credit_note_number_format": "CN-{number}",
        "seller_tax_id": "DE123",
        "footer": "",
    }
    refused = owner.post(url, data)
    assert refused.status_code == 400
    assert b"The format must contain {number}." in refused.content
    saved = owner.post(url, {**data, "invoice_number_format": "RE-{number:06d}"})
    assert saved.status_code == 302
    with schema_context(alpha.tenant.schema_name):
        invoice = invoice_issue(order_id=order_row(status="paid").pk)
    assert invoice.number == "RE-000001"


def test_the_order_status_page_links_the_invoice_through_its_signed_token(alpha, invoice):
    with schema_context(alpha.tenant.schema_name):
        token = order_status_token(order=invoice.order)
    page = store_client(alpha).get(f"/orders/status/{token}/")
    assert page.status_code == 200
    # The page signs a token of its own (its timestamp may be a second later than ours).
    links = re.findall(
        rb'href="(/orders/status/([^/"]+)/invoices/%s/)"' % str(invoice.uuid).encode(), page.content
    )
    assert len(links) == 1
    link, page_token = (part.decode() for part in links[0])
    with schema_context(alpha.tenant.schema_name):
        assert order_uuid_from_status_token(page_token) == invoice.order.uuid
    assert body(store_client(alpha).get(link)).startswith(b"%PDF-")
