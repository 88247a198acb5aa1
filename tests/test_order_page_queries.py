"""The order pages with every after-the-sale section showing (shipments with tracking, fraud
risk, invoice, profit, emails): their query counts are pinned and do not grow with the order.

The sections come from seven apps (apps.core.page_slots); each keeps to a fixed number of
queries, so a paid order with 1 line reads as many as one with 6 lines, 2 shipments and more
timeline. The dashboard's target is 25 queries per page (issue "Merchant dashboard").
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from apps.fraud.services import order_risk_assess
from apps.fulfilment.services import TrackingUpdate, fulfilment_create, fulfilment_tracking_record
from apps.invoices.services import invoice_issue
from apps.orders.models import Order
from apps.orders.tests.dashboard_support import in_store, role_client, url
from apps.orders.tests.factories import checkout_ready, place, variant_make
from tests.fixtures import StoreWorld, make_store_user, store_client

pytestmark = pytest.mark.django_db

DASHBOARD_TARGET = 25


def _paid_order(world: StoreWorld, *, lines: int, shipments: int, user=None) -> Order:  # type: ignore[no-untyped-def]
    with in_store(world):
        variants = [variant_make(price=f"{10 + n}.00", stock=20) for n in range(lines)]
        order = place(checkout_ready(items=[(v, 2) for v in variants], user=user)).order
        order.refresh_from_db()
        assert order.status == "paid"
        invoice_issue(order_id=order.pk)
        order_risk_assess(order)
        order_lines = list(order.lines.all())
        for n in range(shipments):
            fulfilment = fulfilment_create(
                order=order,
                lines=[(order_lines[n], 1)],
                carrier="dhl",
                tracking_number=f"00340434161094{n:06d}",
            )
            fulfilment_tracking_record(
                fulfilment=fulfilment,
                events=[
                    TrackingUpdate(
                        occurred_at=datetime(2026, 11, 2 + k, tzinfo=UTC),
                        status="in_transit",
                        description=f"scan {k}",
                        location="Leipzig",
                    )
                    for k in range(3)
                ],
                delivered=False,
            )
        return Order.objects.get(pk=order.pk)


def test_the_dashboards_order_page_with_every_section_is_pinned(alpha, django_assert_max_num_queries):
    small = _paid_order(alpha, lines=1, shipments=1)
    large = _paid_order(alpha, lines=6, shipments=2)
    owner = role_client(alpha, "owner")
    owner.get(url(small))
    with django_assert_max_num_queries(DASHBOARD_TARGET) as few:
        page = owner.get(url(small)).text
    for section in ("Shipments", "Invoice", "Profit", "Fraud"):
        assert section.lower() in page.lower(), section
    with django_assert_max_num_queries(len(few)):
        page = owner.get(url(large)).text
    assert page.count("scan 2") >= 2  # each shipment's latest scan


def test_the_shoppers_order_page_with_its_sections_is_pinned(alpha, django_assert_max_num_queries):
    shopper = make_store_user(alpha, "sections@example.com")
    small = _paid_order(alpha, lines=1, shipments=1, user=shopper)
    large = _paid_order(alpha, lines=6, shipments=2, user=shopper)
    client = store_client(alpha)
    with in_store(alpha):
        client.force_login(shopper, backend="django.contrib.auth.backends.ModelBackend")
    client.get(f"/account/orders/{small.uuid}/")
    # 7 for the page itself, 3 shipments, 3 returns, 1 invoices, 2 reviews, the cart badge, search_path
    with django_assert_max_num_queries(20) as few:
        page = client.get(f"/account/orders/{small.uuid}/").text
    assert "00340434161094000000" in page
    with django_assert_max_num_queries(len(few)):
        page = client.get(f"/account/orders/{large.uuid}/").text
    assert "00340434161094000001" in page
