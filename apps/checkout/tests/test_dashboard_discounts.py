"""The discount pages of the dashboard: the list with status, filter and search, creating and
editing every kind, restrictions, deactivation and deletion behind a confirmation, and the
redemption history."""

from __future__ import annotations

from datetime import UTC, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.catalog.models import Collection
from apps.catalog.tests.factories import make_product
from apps.checkout.models import Discount, DiscountRedemption
from apps.checkout.tests.dashboard_support import discount_make, in_store, role_client
from apps.stores.selectors import store_settings_get
from apps.stores.services import StoreSettingsInput, store_settings_update

pytestmark = pytest.mark.django_db

BASE = "/dashboard/discounts/"


@pytest.fixture
def staff(alpha):  # type: ignore[no-untyped-def]
    return role_client(alpha, "staff")


def _redeem(discount: Discount, *, n: int) -> None:
    for i in range(n):
        DiscountRedemption.objects.create(
            discount=discount,
            order_reference=f"order-{discount.pk}-{i}",
            email=f"c{i}@example.com",
            amount=Decimal(5),
        )
    Discount.objects.filter(pk=discount.pk).update(times_used=n)


def test_the_list_shows_each_status(alpha, staff):
    now = timezone.now()
    with in_store(alpha):
        discount_make(code="LIVE10")
        discount_make(code="SOON10", starts_at=now + timedelta(days=3))
        discount_make(code="OLD10", starts_at=now - timedelta(days=9), ends_at=now - timedelta(days=2))
        _redeem(discount_make(code="GONE10", usage_limit=2), n=2)
        discount_make(code="OFF10", active=False)
    response = staff.get(BASE)
    assert response.status_code == 200
    statuses = {d.code: d.status for d in response.context["page"].object_list}
    assert statuses == {
        "LIVE10": "active",
        "SOON10": "scheduled",
        "OLD10": "expired",
        "GONE10": "exhausted",
        "OFF10": "inactive",
    }
    assert "2 / 2" in response.text and "Used up" in response.text and "Scheduled" in response.text


def test_the_list_filters_by_status_and_searches_by_code(alpha, staff):
    now = timezone.now()
    with in_store(alpha):
        discount_make(code="SUMMER10", name="Ten off")
        discount_make(
            code="SUMMER20",
            name="Twenty off",
            ends_at=now - timedelta(days=1),
            starts_at=now - timedelta(days=5),
        )
        discount_make(code="WINTER5", name="Five off")
    codes = lambda response: sorted(d.code for d in response.context["page"].object_list)  # noqa: E731
    assert codes(staff.get(BASE, {"q": "summer"})) == ["SUMMER10", "SUMMER20"]
    assert codes(staff.get(BASE, {"status": "expired"})) == ["SUMMER20"]
    assert codes(staff.get(BASE, {"q": "summer", "status": "active"})) == ["SUMMER10"]
    nothing = staff.get(BASE, {"q": "zzz"})
    assert "No discount matches these filters." in nothing.text


def test_the_empty_list_says_what_to_do(alpha, staff):
    text = staff.get(BASE).text
    assert "No discounts yet" in text and f"{BASE}new/" in text


def test_the_list_paginates(alpha, staff):
    with in_store(alpha):
        for n in range(53):
            discount_make(code=f"BULK{n:03d}")
    first = staff.get(BASE)
    assert first.context["page"].paginator.count == 53 and len(first.context["page"].object_list) == 50
    assert len(staff.get(BASE, {"page": 2}).context["page"].object_list) == 3


def test_the_list_query_count_does_not_grow_with_discounts(alpha, staff, django_assert_max_num_queries):
    with in_store(alpha):
        discount_make()
    staff.get(BASE)
    with django_assert_max_num_queries(8) as few:
        staff.get(BASE)
    baseline = len(few)  # read now: the next request empties the query log
    assert baseline > 0
    with in_store(alpha):
        for _ in range(30):
            discount_make()
    with django_assert_max_num_queries(baseline):
        assert len(staff.get(BASE).context["page"].object_list) == 31


def test_creating_a_percentage_code_restricted_to_products_and_collections(alpha, staff):
    with in_store(alpha):
        shirt, hat = make_product("Shirt", sku_prefix="DSH"), make_product("Hat", sku_prefix="DHA")
        summer = Collection.objects.create(title="Summer", handle="summer")
    form = staff.get(f"{BASE}new/")
    assert form.status_code == 200 and "Shirt" in form.text and "Summer" in form.text
    response = staff.post(
        f"{BASE}new/",
        {
            "name": "Summer sale",
            "code": " summer10 ",
            "kind": "percentage",
            "value": "10",
            "products": [str(shirt.pk)],
            "collections": [str(summer.pk)],
            "min_subtotal": "30",
            "starts_at": "2030-06-01T00:00",
            "ends_at": "2030-09-01T00:00",
            "usage_limit": "100",
            "once_per_customer": "on",
            "combines": "on",
            "active": "on",
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    with in_store(alpha):
        discount = Discount.objects.get()
        assert response.status_code == 302 and response["Location"] == f"{BASE}{discount.pk}/"
        assert (discount.code, discount.kind, discount.value, discount.automatic) == (
            "summer10",
            "percentage",
            Decimal(10),
            False,
        )
        assert list(discount.products.values_list("pk", flat=True)) == [shirt.pk]
        assert list(discount.collections.values_list("pk", flat=True)) == [summer.pk]
        assert (discount.min_subtotal, discount.usage_limit) == (Decimal(30), 100)
        assert discount.once_per_customer and discount.combines and discount.active
        assert discount.starts_at is not None and discount.ends_at is not None
        assert hat.pk not in discount.products.values_list("pk", flat=True)
    detail = staff.get(f"{BASE}{discount.pk}/").text
    assert "summer10" in detail and "Shirt" in detail and "Summer" in detail and "No order has used" in detail


def test_dates_are_read_in_the_store_time_zone(alpha, staff):
    with in_store(alpha):
        store_settings_update(
            data=StoreSettingsInput.from_settings(store_settings_get(), timezone="Europe/Berlin")
        )
    response = staff.post(
        f"{BASE}new/",
        {
            "name": "Xmas",
            "code": "XMAS",
            "kind": "fixed",
            "value": "5",
            "starts_at": "2030-12-24T10:00",
            "active": "on",
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    with in_store(alpha):
        discount = Discount.objects.get()
    # 10:00 in Berlin in winter is 09:00 UTC
    assert discount.starts_at is not None and discount.starts_at.astimezone(UTC).hour == 9


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"kind": "fixed", "value": "7.5"}, {"value": Decimal("7.50")}),
        ({"kind": "free_shipping", "value": "99"}, {"value": Decimal(0)}),
        (
            {"kind": "buy_x_get_y", "buy_quantity": "2", "get_quantity": "1", "get_percent": "50"},
            {"buy_quantity": 2, "get_quantity": 1, "get_percent": Decimal(50), "value": Decimal(0)},
        ),
    ],
)
def test_each_kind_is_created(alpha, staff, fields, expected):
    response = staff.post(f"{BASE}new/", {"name": "Deal", "automatic": "on", "active": "on", **fields})
    assert response.status_code == 302
    with in_store(alpha):
        discount = Discount.objects.get()
    assert discount.automatic and discount.code == "" and discount.kind == fields["kind"]
    for name, value in expected.items():
        assert getattr(discount, name) == value, name


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"kind": "percentage", "code": "X1"}, "Enter how much the discount takes off."),
        ({"kind": "percentage", "value": "150", "code": "X1"}, "at most 100"),
        ({"kind": "percentage", "value": "0", "code": "X1"}, "above 0"),
        ({"kind": "fixed", "value": "0", "code": "X1"}, "above 0"),
        ({"kind": "percentage", "value": "10"}, "Enter the code shoppers type"),
        ({"kind": "percentage", "value": "10", "code": "BAD CODE!"}, "Use letters, digits"),
        ({"kind": "buy_x_get_y", "code": "X1"}, "Buy X get Y needs this."),
        (
            {
                "kind": "percentage",
                "value": "10",
                "code": "X1",
                "starts_at": "2030-02-01T00:00",
                "ends_at": "2030-01-01T00:00",
            },
            "The end must be after the start.",
        ),
        (
            {"kind": "percentage", "value": "10", "code": "X1", "usage_limit": "0"},
            "greater than or equal to 1",
        ),
        ({"kind": "percentage", "value": "10", "code": "X1", "products": ["999999"]}, "no longer exist"),
    ],
)
def test_bad_discounts_show_errors_and_write_nothing(alpha, staff, fields, message):
    response = staff.post(f"{BASE}new/", {"name": "Bad", "active": "on", **fields})
    assert response.status_code == 200
    assert message in response.text
    with in_store(alpha):
        assert not Discount.objects.exists()


def test_a_code_taken_in_any_case_is_refused(alpha, staff):
    with in_store(alpha):
        discount_make(code="SAVE5")
    response = staff.post(f"{BASE}new/", {"name": "Again", "code": "save5", "kind": "fixed", "value": "5"})
    assert response.status_code == 200 and "already in use" in response.text
    with in_store(alpha):
        assert Discount.objects.count() == 1


def test_editing_keeps_the_usage_count_and_refuses_a_limit_below_it(alpha, staff):
    with in_store(alpha):
        discount = discount_make(code="EDIT10", usage_limit=10)
        _redeem(discount, n=3)
    url = f"{BASE}{discount.pk}/edit/"
    form = staff.get(url)
    assert form.status_code == 200 and 'value="EDIT10"' in form.text
    low = staff.post(
        url, {"name": "Edited", "code": "EDIT10", "kind": "percentage", "value": "15", "usage_limit": "2"}
    )
    assert low.status_code == 200 and "used 3 times already" in low.text
    ok = staff.post(
        url, {"name": "Edited", "code": "EDIT15", "kind": "percentage", "value": "15", "usage_limit": "5"}
    )
    assert ok.status_code == 302
    with in_store(alpha):
        discount.refresh_from_db()
    assert (discount.name, discount.code, discount.value, discount.usage_limit) == (
        "Edited",
        "EDIT15",
        Decimal(15),
        5,
    )
    assert discount.times_used == 3 and discount.active is False  # the box was not ticked


def test_deactivate_asks_first_and_keeps_the_discount(alpha, staff):
    with in_store(alpha):
        discount = discount_make(code="STOP10")
    url = f"{BASE}{discount.pk}/deactivate/"
    confirm = staff.get(url)
    assert confirm.status_code == 200 and "Deactivate" in confirm.text
    with in_store(alpha):
        assert Discount.objects.get().active
    assert staff.post(url).status_code == 302
    with in_store(alpha):
        assert Discount.objects.get().active is False
    assert "Deactivated" in staff.get(f"{BASE}{discount.pk}/").text


def test_delete_asks_first_and_refuses_a_used_discount(alpha, staff):
    with in_store(alpha):
        unused = discount_make(code="UNUSED")
        used = discount_make(code="USED")
        _redeem(used, n=1)
    assert "Delete discount" in staff.get(f"{BASE}{unused.pk}/delete/").text
    assert staff.post(f"{BASE}{unused.pk}/delete/").status_code == 302
    refused = staff.post(f"{BASE}{used.pk}/delete/")
    assert refused.status_code == 400 and "deactivate it instead" in refused.text
    with in_store(alpha):
        assert list(Discount.objects.values_list("code", flat=True)) == ["USED"]


def test_the_detail_lists_redemptions(alpha, staff):
    with in_store(alpha):
        discount = discount_make(code="HIST")
        _redeem(discount, n=2)
        DiscountRedemption.objects.filter(order_reference=f"order-{discount.pk}-0").update(
            reversed_at=timezone.now()
        )
    response = staff.get(f"{BASE}{discount.pk}/")
    assert response.status_code == 200
    assert f"order-{discount.pk}-1" in response.text and "c1@example.com" in response.text
    assert "given back" in response.text


def test_several_products_are_kept_whatever_their_ids(alpha, staff):
    with in_store(alpha):
        products = [make_product(f"Item {n}", sku_prefix=f"MANY{n}") for n in range(3)]
        discount = discount_make(code="MANY")
    chosen = sorted(p.pk for p in products[:2])
    response = staff.post(
        f"{BASE}{discount.pk}/edit/",
        {
            "name": "Many",
            "code": "MANY",
            "kind": "percentage",
            "value": "5",
            "products": [str(pk) for pk in chosen],
        },
    )
    assert response.status_code == 302
    with in_store(alpha):
        assert sorted(discount.products.values_list("pk", flat=True)) == chosen
    form = staff.get(f"{BASE}{discount.pk}/edit/").text
    for pk in chosen:
        assert f'name="products" value="{pk}" checked' in form
