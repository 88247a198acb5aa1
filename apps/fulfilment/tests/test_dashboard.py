"""The fulfilment pages by role, the order page's panels, the at-risk and profit pages (with
their queries pinned), the shopper's shipments section, and nothing of one store in another."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.fulfilment.models import DeliveryRisk, Fulfilment
from apps.fulfilment.services import TrackingUpdate, fulfilment_tracking_record
from apps.fulfilment.tests.factories import paid_order, ship
from apps.orders.models import Order
from apps.orders.tests.dashboard_support import in_store, role_client
from apps.orders.tests.factories import checkout_ready, place, variant_make
from tests.fixtures import PASSWORD, make_store_user, store_client

pytestmark = pytest.mark.django_db
BASE = "/dashboard/fulfilment/"


def _fulfil_url(order: Order) -> str:
    return f"{BASE}orders/{order.number}/fulfil/"


def _order(world, *quantities: int) -> Order:
    with in_store(world):
        return paid_order(*(quantities or (2,)))


def _post(order: Order, **changes: object) -> dict[str, object]:
    with_line = {f"line_{line.pk}": 1 for line in order.lines.all()} if "lines" not in changes else {}
    data = {
        "carrier": "",
        "tracking_number": "1Z999AA10123456784",
        "tracking_url": "",
        "token": str(uuid.uuid4()),
        **with_line,
    }
    data.update({key: value for key, value in changes.items() if key != "lines"})
    return data


@pytest.mark.parametrize("role", ["owner", "admin", "staff"])
def test_staff_roles_ship_through_the_fulfil_page(alpha, role):
    client = role_client(alpha, role)
    order = _order(alpha, 2)
    page = client.get(_fulfil_url(order))
    assert page.status_code == 200 and "Mark as shipped" in page.text
    with in_store(alpha):
        data = _post(order)
    response = client.post(_fulfil_url(order), data)
    assert response.status_code == 302
    assert response["Location"] == f"/dashboard/orders/{order.number}/"
    with in_store(alpha):
        fulfilment = Fulfilment.objects.get(order=order)
        assert (fulfilment.carrier, fulfilment.lines.get().quantity) == ("ups", 1)  # guessed from 1Z...
        assert Order.objects.get(pk=order.pk).status == "partially_fulfilled"
    detail = client.get(f"/dashboard/orders/{order.number}/").text
    assert 'id="shipments"' in detail and "https://www.ups.com/track?tracknum=1Z999AA10123456784" in detail
    # costs and margin are sales figures, which staff do not see
    assert ('id="profit"' in detail) is (role != "staff")
    assert "Mark as delivered" in detail and f"{BASE}orders/{order.number}/fulfil/" in detail


def test_the_same_form_posted_twice_ships_once(alpha):
    client = role_client(alpha, "staff")
    order = _order(alpha, 4)
    with in_store(alpha):
        data = _post(order)
    assert client.post(_fulfil_url(order), data).status_code == 302
    again = client.post(_fulfil_url(order), data, follow=True)
    assert again.status_code == 200
    assert "This shipment was already recorded; nothing more was shipped." in again.text
    with in_store(alpha):
        assert Fulfilment.objects.filter(order=order).count() == 1
        assert order.events.filter(kind="fulfilment_created").count() == 1
    # a new form (a new token) ships again
    with in_store(alpha):
        fresh = _post(order)
    assert client.post(_fulfil_url(order), fresh).status_code == 302
    with in_store(alpha):
        assert Fulfilment.objects.filter(order=order).count() == 2
    # a form without its token is refused, nothing shipped
    with in_store(alpha):
        tokenless = {key: value for key, value in _post(order).items() if key != "token"}
    assert client.post(_fulfil_url(order), tokenless).status_code == 400
    with in_store(alpha):
        assert Fulfilment.objects.filter(order=order).count() == 2


def test_finance_reads_the_pages_but_cannot_ship_deliver_or_cancel(alpha):
    finance = role_client(alpha, "finance")
    order = _order(alpha, 2)
    with in_store(alpha):
        fulfilment = ship(order, 1)
        data = _post(order)
    page = finance.get(_fulfil_url(order))
    assert page.status_code == 200 and "Mark as shipped" not in page.text
    assert finance.post(_fulfil_url(order), data).status_code == 403
    for action in ("deliver", "cancel"):
        assert finance.get(f"{BASE}shipments/{fulfilment.pk}/{action}/").status_code == 403
        assert finance.post(f"{BASE}shipments/{fulfilment.pk}/{action}/").status_code == 403
    detail = finance.get(f"/dashboard/orders/{order.number}/").text
    assert 'id="shipments"' in detail and 'id="profit"' in detail
    assert "Mark as delivered" not in detail and "/fulfil/" not in detail
    at_risk = finance.get(f"{BASE}at-risk/")
    assert at_risk.status_code == 200 and finance.get(f"{BASE}profit/").status_code == 200
    # both pages are in the menu
    assert f'href="{BASE}at-risk/"' in at_risk.text and f'href="{BASE}profit/"' in at_risk.text
    with in_store(alpha):
        assert Fulfilment.objects.filter(order=order).count() == 1


def test_staff_see_no_profit_report_nor_its_menu_entry(alpha):
    staff = role_client(alpha, "staff")
    assert staff.get(f"{BASE}profit/").status_code == 403
    at_risk = staff.get(f"{BASE}at-risk/")
    assert at_risk.status_code == 200 and f'href="{BASE}profit/"' not in at_risk.text


def test_shoppers_and_visitors_are_kept_out(alpha):
    order = _order(alpha, 1)
    shopper = role_client(alpha, "")
    visitor = store_client(alpha)
    for url in (_fulfil_url(order), f"{BASE}at-risk/", f"{BASE}profit/"):
        assert shopper.get(url).status_code == 403
        assert visitor.get(url).status_code == 302


def test_bad_input_is_shown_on_the_page_and_nothing_ships(alpha):
    client = role_client(alpha, "staff")
    order = _order(alpha, 2)
    with in_store(alpha):
        line = order.lines.get()
        cases = [
            _post(order, **{f"line_{line.pk}": 3}),
            _post(order, **{f"line_{line.pk}": 0}),
            _post(order, carrier="other"),
            _post(order, tracking_number=""),
            _post(order, tracking_number="hello"),  # fits no carrier's format
            _post(order, carrier="pigeon"),
        ]
    for data in cases:
        response = client.post(_fulfil_url(order), data)
        assert response.status_code == 400, data
        assert 'role="alert"' in response.text
    with in_store(alpha):
        assert not Fulfilment.objects.filter(order=order).exists()


def test_an_unpaid_order_shows_why_it_cannot_ship(alpha):
    client = role_client(alpha, "staff")
    with in_store(alpha):
        order = place(checkout_ready(items=[(variant_make(stock=3), 1)]), card="4000000000000002").order
        order.refresh_from_db()
        assert order.status == "pending"
    page = client.get(_fulfil_url(order))
    assert page.status_code == 200 and "not paid yet" in page.text
    assert client.post(_fulfil_url(order), {}).status_code == 400
    assert client.get(f"{BASE}orders/999999/fulfil/").status_code == 404


def test_deliver_and_cancel_ask_first(alpha):
    client = role_client(alpha, "staff")
    order = _order(alpha, 1, 1)
    with in_store(alpha):
        first, second = ship(order, 1, 0), ship(order, 0, 1)
    page = client.get(f"{BASE}shipments/{second.pk}/cancel/")
    assert page.status_code == 200 and "This cannot be undone." in page.text
    with in_store(alpha):
        assert Fulfilment.objects.get(pk=second.pk).status == "shipped"
    assert client.post(f"{BASE}shipments/{second.pk}/cancel/").status_code == 302
    assert client.get(f"{BASE}shipments/{first.pk}/deliver/").status_code == 200
    assert client.post(f"{BASE}shipments/{first.pk}/deliver/").status_code == 302
    with in_store(alpha):
        assert Fulfilment.objects.get(pk=second.pk).status == "cancelled"
        assert Fulfilment.objects.get(pk=first.pk).status == "delivered"
    # a cancelled shipment cannot be delivered: the page says so
    again = client.post(f"{BASE}shipments/{second.pk}/deliver/")
    assert again.status_code == 400 and "cancelled" in again.text
    assert client.get(f"{BASE}shipments/999999/deliver/").status_code == 404


def _at_risk(order: Order, days_late: int = 3) -> None:
    today = timezone.localdate()
    DeliveryRisk.objects.create(
        order=order,
        promised_delivery=today,
        estimated_delivery=today + timedelta(days=days_late),
        at_risk=True,
        reason="late_supplier",
        evaluated_at=timezone.now(),
    )


def test_the_at_risk_list_shows_open_orders_at_risk_with_the_same_queries_for_1_or_many(
    alpha, django_assert_max_num_queries
):
    client = role_client(alpha, "staff")
    empty = client.get(f"{BASE}at-risk/")
    assert "No order is at risk" in empty.text
    with in_store(alpha):
        first = paid_order(1)
        _at_risk(first)
    client.get(f"{BASE}at-risk/")
    with django_assert_max_num_queries(6) as one:
        page = client.get(f"{BASE}at-risk/")
    assert f"#{first.number}" in page.text and "Not shipped within the supplier" in page.text
    with in_store(alpha):
        orders = [paid_order(1) for _ in range(4)]
        for order in orders:
            _at_risk(order)
        on_time = paid_order(1)
        DeliveryRisk.objects.create(order=on_time, at_risk=False, evaluated_at=timezone.now())
    with django_assert_max_num_queries(len(one)):
        page = client.get(f"{BASE}at-risk/")
    assert all(f"#{order.number}" in page.text for order in orders)
    assert f"#{on_time.number}<" not in page.text


def test_the_at_risk_list_is_paginated(alpha, monkeypatch):
    from apps.fulfilment.dashboard import views

    monkeypatch.setattr(views, "PER_PAGE", 2)
    client = role_client(alpha, "staff")
    with in_store(alpha):
        for _ in range(3):
            _at_risk(paid_order(1))
    assert "Page 1 of 2" in client.get(f"{BASE}at-risk/").text
    assert len(client.get(f"{BASE}at-risk/?page=2").context["risks"]) == 1


def test_the_profit_page_defaults_to_30_days_refuses_bad_dates_and_pins_its_queries(
    alpha, django_assert_max_num_queries
):
    client = role_client(alpha, "finance")
    with in_store(alpha):
        first = paid_order(1)
    client.get(f"{BASE}profit/")
    with django_assert_max_num_queries(8) as one:
        page = client.get(f"{BASE}profit/")
    assert page.status_code == 200 and f"#{first.number}" in page.text
    report = page.context["report"]
    assert (report.end - report.start).days == 29
    with in_store(alpha):
        for _ in range(5):
            paid_order(1)
    with django_assert_max_num_queries(len(one)):
        page = client.get(f"{BASE}profit/")
    assert len(page.context["rows"]) == 6
    bad = client.get(f"{BASE}profit/", {"start": "2026-02-30", "end": "yesterday"})
    assert bad.status_code == 400 and 'role="alert"' in bad.text
    backwards = client.get(f"{BASE}profit/", {"start": "2026-03-10", "end": "2026-03-01"})
    assert backwards.status_code == 400 and "after the end date" in backwards.text
    past = client.get(f"{BASE}profit/", {"start": "2020-01-01", "end": "2020-01-31"})
    assert past.status_code == 200 and "No order was paid in these dates." in past.text


def test_beta_sees_nothing_of_alpha(alpha, beta):
    order = _order(alpha, 2)
    with in_store(alpha):
        fulfilment = ship(order, 1)
        _at_risk(order)
    beta_staff = role_client(beta, "owner")
    assert beta_staff.get(_fulfil_url(order)).status_code == 404
    with in_store(alpha):
        data = _post(order)
    assert beta_staff.post(_fulfil_url(order), data).status_code == 404
    for action in ("deliver", "cancel"):
        assert beta_staff.post(f"{BASE}shipments/{fulfilment.pk}/{action}/").status_code == 404
    at_risk = beta_staff.get(f"{BASE}at-risk/")
    assert f"#{order.number}" not in at_risk.text and "No order is at risk" in at_risk.text
    assert f"#{order.number}" not in beta_staff.get(f"{BASE}profit/").text
    with in_store(alpha):
        assert Fulfilment.objects.get(pk=fulfilment.pk).status == "shipped"
        assert Fulfilment.objects.filter(order=order).count() == 1


def test_the_shopper_sees_their_shipments_with_tracking(alpha):
    email = "parcel-fan@example.com"
    shopper = make_store_user(alpha, email)
    with in_store(alpha):
        order = place(checkout_ready(items=[(variant_make(stock=5), 2)], email=email, user=shopper)).order
        fulfilment = ship(order, 2, carrier="royal_mail", number="RR123456785GB")
        fulfilment_tracking_record(
            fulfilment=fulfilment,
            events=[TrackingUpdate(timezone.now(), "in_transit", "Arrived at the hub", "Heathrow")],
            delivered=False,
        )
        ship_order_price = order.total
    assert ship_order_price > Decimal(0)
    client = store_client(alpha)
    assert client.post("/accounts/login/", {"login": email, "password": PASSWORD}).status_code == 302
    page = client.get(f"/account/orders/{order.uuid}/").text
    assert 'id="shipments"' in page and "Royal Mail" in page
    assert "https://www.royalmail.com/track-your-item#/tracking-results/RR123456785GB" in page
    assert "Arrived at the hub" in page and "Heathrow" in page


def test_the_order_page_panels_read_the_same_queries_for_1_or_many_shipments(
    alpha, django_assert_max_num_queries
):
    client = role_client(alpha, "staff")
    with in_store(alpha):
        few, many = paid_order(1), paid_order(1, 1, 1)
        ship(few, 1)
        for index in range(3):
            quantities = [0, 0, 0]
            quantities[index] = 1
            fulfilment = ship(many, *quantities)
            fulfilment_tracking_record(
                fulfilment=fulfilment,
                events=[
                    TrackingUpdate(timezone.now() - timedelta(hours=h), "in_transit", f"Scan {h}")
                    for h in range(3)
                ],
                delivered=False,
            )
    client.get(f"/dashboard/orders/{few.number}/")
    with django_assert_max_num_queries(40) as one:
        client.get(f"/dashboard/orders/{few.number}/")
    with django_assert_max_num_queries(len(one)):
        page = client.get(f"/dashboard/orders/{many.number}/")
    assert page.text.count('class="shipment"') == 3 and "Scan 2" in page.text
