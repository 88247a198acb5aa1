"""The orders list (filters, search, dates in the store's time zone, sorting, totals, pinned
queries) and an order's page (what it shows, notes, pinned queries) in the dashboard."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.core.cache import cache

from apps.customers.models import Customer
from apps.orders.enums import OrderEventKind
from apps.orders.models import OrderNote
from apps.orders.services import order_note_add
from apps.orders.tests.dashboard_support import BASE, in_store, role_client, url
from apps.orders.tests.factories import draft_make, order_placed, order_row, tax_make, variant_make
from apps.stores.models import StoreSettings
from apps.stores.selectors import store_settings_get

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner(alpha):  # type: ignore[no-untyped-def]
    return role_client(alpha, "owner")


def _numbers(response) -> list[int]:  # type: ignore[no-untyped-def]
    return [row.order.number for row in response.context["rows"]]


def _checkout_row(**fields):  # type: ignore[no-untyped-def]
    """A bare order as placed at checkout (not a draft) in the given status."""
    fields.setdefault("origin", "checkout")
    fields.setdefault("checkout_token", uuid.uuid4())
    return order_row(**fields)


# ------------------------------------------------------------------------------
# the list
# ------------------------------------------------------------------------------
def test_the_list_shows_placed_orders_but_not_unpaid_drafts(alpha, owner):
    with in_store(alpha):
        order = order_placed(price="20.00")
        draft = draft_make(email="draft-only@example.com")
    response = owner.get(BASE)
    assert response.status_code == 200
    assert _numbers(response) == [order.number]
    text = response.text
    assert f'href="{url(order)}"' in text and "shopper@example.com" in text and "Erika Mustermann" in text
    assert "Unfulfilled" in text and "Paid" in text
    assert "draft-only@example.com" not in text and f"#{draft.number}" not in text


def test_the_empty_list_says_what_to_do(alpha, owner):
    text = owner.get(BASE).text
    assert "No orders yet" in text and f"{BASE}drafts/new/" in text


def test_filters_by_status_payment_and_fulfilment(alpha, owner):
    with in_store(alpha):
        pending = _checkout_row(status="pending")
        paid = _checkout_row(status="paid")
        fulfilled = _checkout_row(status="fulfilled")
        partly = _checkout_row(status="partially_refunded", amount_refunded=Decimal("3.00"))
        refunded = _checkout_row(status="refunded", amount_refunded=Decimal("10.00"))
        cancelled = _checkout_row(status="cancelled")
    assert sorted(_numbers(owner.get(BASE))) == sorted(
        o.number for o in (pending, paid, fulfilled, partly, refunded, cancelled)
    )
    assert _numbers(owner.get(BASE, {"status": "fulfilled"})) == [fulfilled.number]
    assert _numbers(owner.get(BASE, {"status": "cancelled"})) == [cancelled.number]
    assert _numbers(owner.get(BASE, {"payment": "awaiting"})) == [pending.number]
    assert _numbers(owner.get(BASE, {"payment": "refunded"})) == [refunded.number]
    assert _numbers(owner.get(BASE, {"payment": "partially_refunded"})) == [partly.number]
    assert sorted(_numbers(owner.get(BASE, {"fulfilment": "unfulfilled"}))) == sorted(
        [paid.number, partly.number]
    )
    assert _numbers(owner.get(BASE, {"fulfilment": "fulfilled"})) == [fulfilled.number]
    assert _numbers(owner.get(BASE, {"fulfilment": "unfulfilled", "status": "paid"})) == [paid.number]
    nothing = owner.get(BASE, {"fulfilment": "delivered"})
    assert _numbers(nothing) == [] and "No order matches these filters" in nothing.text


def test_an_unknown_filter_value_is_shown_as_an_error_not_applied(alpha, owner):
    with in_store(alpha):
        order = _checkout_row(status="paid")
    response = owner.get(BASE, {"status": "nonsense", "placed_from": "yesterday"})
    assert response.status_code == 200 and _numbers(response) == [order.number]
    assert "Select a valid choice" in response.text and "Enter a valid date" in response.text


@pytest.mark.parametrize("query", ["#1002", "1002", "# 1002", "ANNA@example", "anna lind", "Lind"])
def test_search_by_number_email_or_customer_name(alpha, owner, query):
    with in_store(alpha):
        _checkout_row(status="paid", email="bob@example.com")
        customer = Customer.objects.create(email="anna@example.com", full_name="Anna Lind")
        anna = _checkout_row(status="paid", email="anna@example.com", customer=customer)
    assert anna.number == 1002
    assert _numbers(owner.get(BASE, {"q": query})) == [anna.number]


def test_the_date_range_is_read_in_the_store_time_zone(alpha, owner):
    with in_store(alpha):
        store_settings_get()
        assert StoreSettings.objects.update(timezone="America/Los_Angeles") == 1
        cache.clear()
        # 03:00 UTC on 1 January is still 31 December in Los Angeles
        late = _checkout_row(status="paid", placed_at=datetime(2030, 1, 1, 3, 0, tzinfo=UTC))
        next_day = _checkout_row(status="paid", placed_at=datetime(2030, 1, 1, 20, 0, tzinfo=UTC))
    on_31st = owner.get(BASE, {"placed_from": "2029-12-31", "placed_to": "2029-12-31"})
    assert _numbers(on_31st) == [late.number]
    assert "12/31/2029 7 p.m." in on_31st.text  # shown in the store's time zone too
    assert _numbers(owner.get(BASE, {"placed_from": "2030-01-01"})) == [next_day.number]
    assert sorted(_numbers(owner.get(BASE, {"placed_to": "2030-01-01"}))) == [late.number, next_day.number]
    backwards = owner.get(BASE, {"placed_from": "2030-01-02", "placed_to": "2030-01-01"})
    assert "The end date is before the start date" in backwards.text


def test_sorting_by_date_and_by_total(alpha, owner):
    with in_store(alpha):
        small = _checkout_row(
            status="paid", total=Decimal("5.00"), placed_at=datetime(2030, 1, 3, tzinfo=UTC)
        )
        large = _checkout_row(
            status="paid", total=Decimal("99.00"), placed_at=datetime(2030, 1, 1, tzinfo=UTC)
        )
        mid = _checkout_row(status="paid", total=Decimal("20.00"), placed_at=datetime(2030, 1, 2, tzinfo=UTC))
    assert _numbers(owner.get(BASE)) == [small.number, mid.number, large.number]
    assert _numbers(owner.get(BASE, {"sort": "oldest"})) == [large.number, mid.number, small.number]
    assert _numbers(owner.get(BASE, {"sort": "total_high"})) == [large.number, mid.number, small.number]
    assert _numbers(owner.get(BASE, {"sort": "total_low"})) == [small.number, mid.number, large.number]


def test_fifty_per_page_with_totals_and_the_same_queries_for_1_or_50_orders(
    alpha, owner, django_assert_max_num_queries
):
    with in_store(alpha):
        customer = Customer.objects.create(email="many@example.com", full_name="Many Orders")
        _checkout_row(status="paid", customer=customer)
    owner.get(BASE)  # warm the session and the store settings cache
    # search_path, session, user, the totals (which count), the page with its customers, and
    # the notification bell's unread count
    with django_assert_max_num_queries(6) as one:
        owner.get(BASE)
    baseline = len(one)
    with in_store(alpha):
        for index in range(54):
            _checkout_row(
                status="paid" if index % 2 else "pending",
                customer=customer if index % 3 else None,
                total=Decimal("10.00"),
            )
    with django_assert_max_num_queries(baseline) as fifty:
        first = owner.get(BASE)
    assert len(fifty) == baseline
    page = first.context["page"]
    assert page.paginator.count == 55 and len(page.object_list) == 50
    assert first.context["result"].totals[0].total == Decimal("550.00")
    assert "55 orders · €550.00" in first.text
    assert len(owner.get(BASE, {"page": 2}).context["page"].object_list) == 5
    filtered = owner.get(BASE, {"payment": "awaiting"})
    assert filtered.context["result"].count == 27 and "27 orders · €270.00" in filtered.text


# ------------------------------------------------------------------------------
# an order's page
# ------------------------------------------------------------------------------
def test_the_order_page_shows_lines_totals_addresses_payments_timeline(alpha, owner):
    with in_store(alpha):
        order = order_placed(price="20.00", quantity=2)
        payment = order.payments.get()
        customer = order.customer
    assert customer is not None
    response = owner.get(url(order))
    assert response.status_code == 200
    text = response.text
    line = response.context["lines"][0]
    assert line.product_title in text and line.sku in text
    assert "€40.00" in text and "Standard" in text  # line total, shipping method
    assert "Unter den Linden 1" in text and "10117 Berlin" in text and "Germany" in text
    assert f"/dashboard/customers/{customer.uuid}/" in text
    assert "Test payments" in text and payment.external_id in text and "Succeeded" in text
    assert "Order placed by shopper@example.com." in text
    assert "Payment of €45.00 received via Test payments." in text
    assert "Cancel order" in text and "Edit order" in text
    assert "Mark as paid" not in text and "Delete draft" not in text


def test_the_totals_rows_add_up_when_prices_exclude_tax(alpha, owner):
    """Shipping is listed without its tax when the tax row holds it (19 % on 40.00 of goods
    and 5.00 of shipping): 40.00 + 5.00 + 8.55 = 53.55."""
    with in_store(alpha):
        tax_make(rate="0.19")
        order = order_placed(price="20.00", quantity=2)
    assert not order.prices_include_tax
    assert (order.subtotal, order.shipping_total, order.tax_total, order.total) == (
        Decimal("40.00"),
        Decimal("5.95"),
        Decimal("8.55"),
        Decimal("53.55"),
    )
    assert order.shipping_shown == Decimal("5.00")
    totals = owner.get(url(order)).text.split('id="order-totals-breakdown"')[1].split("</table>")[0]
    assert "€5.00" in totals and "€5.95" not in totals and "€8.55" in totals and "€53.55" in totals


def test_the_order_page_reads_the_same_queries_whatever_it_holds(alpha, owner, django_assert_max_num_queries):
    with in_store(alpha):
        small = draft_make(quantity=1)
        variants = [variant_make(price=f"{10 + n}.00") for n in range(6)]
        from apps.orders.drafts import DraftLine, draft_order_create

        large = draft_order_create(
            email="big@example.com",
            lines=[DraftLine(variant_id=v.pk, quantity=2) for v in variants],
            actor=None,
            shipping_address={"name": "Max", "country": "DE", "city": "Berlin"},
        )
        for n in range(5):
            order_note_add(order=large, author=None, body=f"note {n}")
    owner.get(url(small))
    # search_path, session, user, the order, lines, discounts, payments, refunds, timeline, notes,
    # and the emails panel (apps.notifications); a paid order's other panels are pinned in
    # tests/test_order_page_queries.py
    with django_assert_max_num_queries(12) as few:  # 11 + the notification bell
        owner.get(url(small))
    baseline = len(few)
    with django_assert_max_num_queries(baseline) as many:
        response = owner.get(url(large))
    assert len(many) == baseline
    assert len(response.context["lines"]) == 6 and len(response.context["notes"]) == 5
    assert "note 4" in response.text


def test_an_order_by_uuid_redirects_to_its_page(alpha, owner):
    with in_store(alpha):
        order = _checkout_row(status="paid")
    response = owner.get(f"{BASE}by-uuid/{order.uuid}/")
    assert response.status_code == 302 and response["Location"] == url(order)
    assert owner.get(f"{BASE}by-uuid/{uuid.uuid4()}/").status_code == 404
    assert owner.get(f"{BASE}999999/").status_code == 404


def test_staff_add_a_note(alpha):
    staff = role_client(alpha, "staff")
    with in_store(alpha):
        order = _checkout_row(status="paid")
    response = staff.post(url(order, "notes"), {"body": "  Customer called about the colour.  "})
    assert response.status_code == 302 and response["Location"] == url(order)
    with in_store(alpha):
        note = OrderNote.objects.get(order=order)
        assert note.body == "Customer called about the colour." and note.author is not None
        assert order.events.filter(kind=OrderEventKind.NOTE_ADDED).count() == 1
    page = staff.get(url(order)).text
    assert "Customer called about the colour." in page and "Note added." in page


def test_an_empty_note_is_refused_with_a_message(alpha, owner):
    with in_store(alpha):
        order = _checkout_row(status="paid")
    response = owner.post(url(order, "notes"), {"body": "   "})
    assert response.status_code == 400 and "Write something in the note." in response.text
    with in_store(alpha):
        assert not OrderNote.objects.exists()


def test_finance_reads_notes_but_cannot_add_one(alpha):
    finance = role_client(alpha, "finance")
    with in_store(alpha):
        order = _checkout_row(status="paid")
        order_note_add(order=order, author=None, body="Visible to finance")
    page = finance.get(url(order))
    assert page.status_code == 200 and "Visible to finance" in page.text
    assert 'name="body"' not in page.text
    assert finance.post(url(order, "notes"), {"body": "hello"}).status_code == 403
    with in_store(alpha):
        assert OrderNote.objects.count() == 1
