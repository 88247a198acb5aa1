"""Draft orders in the dashboard: the list, making one (finding products, quantities, address,
shipping rate, discount), the refusals, and deleting one whose link was never sent."""

from __future__ import annotations

from decimal import Decimal

import pytest

from apps.orders.enums import OrderOrigin, OrderStatus
from apps.orders.models import Order
from apps.orders.tests.dashboard_support import BASE, in_store, role_client, url
from apps.orders.tests.factories import draft_make, order_placed, shipping_rate_make, tax_make, variant_make

pytestmark = pytest.mark.django_db

NEW = f"{BASE}drafts/new/"


@pytest.fixture
def staff(alpha):  # type: ignore[no-untyped-def]
    return role_client(alpha, "staff")


def test_the_drafts_list_shows_drafts_waiting_for_payment(alpha, staff):
    with in_store(alpha):
        waiting = draft_make(email="waiting@example.com")
        placed = order_placed()
    response = staff.get(f"{BASE}drafts/")
    assert response.status_code == 200
    assert [o.number for o in response.context["page"].object_list] == [waiting.number]
    assert "waiting@example.com" in response.text and "not sent" in response.text
    assert f'href="{url(placed)}"' not in response.text


def test_the_drafts_list_reads_the_same_queries_for_1_or_30_drafts(
    alpha, staff, django_assert_max_num_queries
):
    with in_store(alpha):
        variant = variant_make()
        draft_make(variant=variant)
    staff.get(f"{BASE}drafts/")
    with django_assert_max_num_queries(6) as one:  # + the notification bell's count
        staff.get(f"{BASE}drafts/")
    with in_store(alpha):
        for _ in range(29):
            draft_make(variant=variant)
    with django_assert_max_num_queries(len(one)):
        response = staff.get(f"{BASE}drafts/")
    assert len(response.context["page"].object_list) == 30


def test_the_empty_drafts_list_says_what_to_do(alpha, staff):
    text = staff.get(f"{BASE}drafts/").text
    assert "No draft orders waiting" in text and NEW in text


def test_finding_products_keeps_what_was_typed_and_chosen(alpha, staff):
    with in_store(alpha):
        shirt = variant_make(title="Linen shirt", price="40.00", stock=7)
        scarf = variant_make(title="Silk scarf", price="15.00")
    found = staff.get(NEW, {"q": "linen"})
    assert [v.id for v in found.context["results"]] == [shirt.pk]
    assert shirt.sku in found.text and ">7<" in found.text  # units available
    # choose 2 shirts, then search for the scarf: the shirts stay chosen, nothing is judged yet
    again = staff.post(
        NEW, {"action": "search", "q": "silk", "email": "typed@example.com", f"quantity_{shirt.pk}": "2"}
    )
    assert again.status_code == 200
    assert [(v.id, qty) for v, qty in again.context["chosen"]] == [(shirt.pk, 2)]
    assert [v.id for v in again.context["results"]] == [scarf.pk]
    assert 'value="typed@example.com"' in again.text and "This field is required" not in again.text
    assert "No product matches" in staff.get(NEW, {"q": "velvet"}).text
    with in_store(alpha):
        assert not Order.objects.exists()


def test_staff_create_a_draft_with_address_shipping_rate_and_discount(alpha, staff):
    with in_store(alpha):
        shirt = variant_make(price="40.00")
        rate = shipping_rate_make(amount="6.00")
        tax_make(rate="0.19")
    response = staff.post(
        NEW,
        {
            "action": "create",
            f"quantity_{shirt.pk}": "2",
            "email": "Buyer@Example.com",
            "customer_name": "Berta Buyer",
            "name": "Berta Buyer",
            "line1": "Hauptstraße 5",
            "postal_code": "10115",
            "city": "Berlin",
            "country": "DE",
            "shipping_rate": str(rate.pk),
            "discount_kind": "percentage",
            "discount_value": "10",
            "discount_name": "Phone order",
        },
    )
    with in_store(alpha):
        draft = Order.objects.get()
        line = draft.lines.get()
        discount = draft.discounts.get()
    assert response.status_code == 302 and response["Location"] == url(draft)
    assert (draft.origin, draft.status, draft.email) == (
        OrderOrigin.DRAFT,
        OrderStatus.PENDING,
        "Buyer@Example.com",
    )
    assert (line.variant_id, line.quantity, line.unit_price) == (shirt.pk, 2, Decimal("40.000"))
    assert draft.shipping_method_name == "Standard" and draft.shipping_price == Decimal("6.000")
    assert draft.shipping_address["city"] == "Berlin" and draft.tax_rate == Decimal("0.19")
    assert (discount.kind, discount.value, discount.name) == ("percentage", Decimal("10.000"), "Phone order")
    # 80 - 10 % = 72, + 6 shipping, + 19 % tax on both
    assert draft.total == Decimal("92.820") and draft.created_by is not None
    page = staff.get(url(draft)).text
    assert "Draft order #1001 created." in page and "Send payment link" in page and "Delete draft" in page


def test_a_custom_shipping_price_without_a_rate(alpha, staff):
    with in_store(alpha):
        shirt = variant_make(price="10.00")
    staff.post(
        NEW,
        {
            "action": "create",
            f"quantity_{shirt.pk}": "1",
            "email": "c@example.com",
            "shipping_name": "Courier",
            "shipping_amount": "12.5",
        },
    )
    with in_store(alpha):
        draft = Order.objects.get()
    assert (draft.shipping_method_name, draft.total) == ("Courier", Decimal("22.500"))


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"email": "c@example.com"}, "Add at least one product"),
        ({"email": "not-an-email", "quantity_{v}": "1"}, "Enter a valid email address."),
        ({"email": "c@example.com", "quantity_{v}": "-3"}, "Enter a quantity from 1 to"),
        ({"email": "c@example.com", "quantity_{v}": "1", "discount_kind": "fixed"}, "how much the discount"),
        (
            {
                "email": "c@example.com",
                "quantity_{v}": "1",
                "discount_kind": "percentage",
                "discount_value": "150",
            },
            "A percentage is more than 0 and at most 100.",
        ),
        (
            {
                "email": "c@example.com",
                "quantity_{v}": "1",
                "name": "A",
                "line1": "B 1",
                "city": "Berlin",
                "postal_code": "ABC",
                "country": "DE",
            },
            "postal code",
        ),
        ({"email": "c@example.com", "quantity_999999999": "1"}, "does not exist"),
    ],
)
def test_bad_drafts_are_refused_with_a_message_and_nothing_written(alpha, staff, fields, message):
    with in_store(alpha):
        shirt = variant_make()
    data = {"action": "create", **{key.replace("{v}", str(shirt.pk)): value for key, value in fields.items()}}
    response = staff.post(NEW, data)
    assert response.status_code == 400
    assert message.lower() in response.text.lower()
    with in_store(alpha):
        assert not Order.objects.exists()


def test_finance_cannot_make_drafts(alpha):
    finance = role_client(alpha, "finance")
    assert finance.get(f"{BASE}drafts/").status_code == 200
    assert finance.get(NEW).status_code == 403
    assert finance.post(NEW, {"action": "create", "email": "x@example.com"}).status_code == 403


def test_an_unsent_draft_is_deleted_after_confirmation(alpha, staff):
    with in_store(alpha):
        draft = draft_make()
    page = staff.get(url(draft, "delete"))
    assert page.status_code == 200 and "Delete draft order #1001?" in page.text
    response = staff.post(url(draft, "delete"))
    assert response.status_code == 302 and response["Location"] == f"{BASE}drafts/"
    with in_store(alpha):
        assert not Order.objects.filter(pk=draft.pk).exists()
    assert "Draft order #1001 deleted." in staff.get(f"{BASE}drafts/").text


def test_a_sent_draft_or_a_placed_order_is_not_deleted(alpha, staff):
    with in_store(alpha):
        draft = draft_make()
        placed = order_placed()
    staff.post(url(draft, "payment-link"))
    assert "Delete draft" not in staff.get(url(draft)).text
    for order in (draft, placed):
        page = staff.get(url(order, "delete"))
        assert "Only a draft whose payment link was never sent can be deleted" in page.text
        refused = staff.post(url(order, "delete"))
        assert refused.status_code == 400 and "cancel this one instead" in refused.text
    with in_store(alpha):
        assert Order.objects.count() == 2
