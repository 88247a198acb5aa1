"""The gift card pages of the dashboard: the list with masked codes, search and pagination,
issuing (the code shown in full once), the ledger, adjusting the balance and disabling."""

from __future__ import annotations

from decimal import Decimal

import pytest

from apps.checkout.models import GiftCard, GiftCardTransaction
from apps.checkout.tests.dashboard_support import gift_card_make, in_store, role_client

pytestmark = pytest.mark.django_db

BASE = "/dashboard/gift-cards/"


@pytest.fixture
def finance(alpha):  # type: ignore[no-untyped-def]
    return role_client(alpha, "finance")


def test_the_list_masks_codes_but_the_last_four(alpha, finance):
    with in_store(alpha):
        gift_card_make(amount="25", code="ABCD-EFGH-1234", issued_to_email="ann@example.com")
    response = finance.get(BASE)
    assert response.status_code == 200
    assert "•••• 1234" in response.text and "ABCD" not in response.text
    assert "ann@example.com" in response.text and "Active" in response.text


def test_the_list_searches_by_last_four_or_email_and_filters_by_status(alpha, finance):
    with in_store(alpha):
        gift_card_make(code="AAAA-1111", issued_to_email="ann@example.com")
        gift_card_make(code="BBBB-2222", issued_to_email="bob@example.com")
        empty = gift_card_make(code="CCCC-3333")
        GiftCard.objects.filter(pk=empty.pk).update(balance=0)
    codes = lambda response: sorted(c.code for c in response.context["page"].object_list)  # noqa: E731
    assert codes(finance.get(BASE, {"q": "2222"})) == ["BBBB-2222"]
    assert codes(finance.get(BASE, {"q": "ANN@"})) == ["AAAA-1111"]
    assert codes(finance.get(BASE, {"status": "used_up"})) == ["CCCC-3333"]
    assert "No gift card matches" in finance.get(BASE, {"q": "9999"}).text


def test_the_empty_list_says_what_to_do(alpha, finance):
    text = finance.get(BASE).text
    assert "No gift cards yet" in text and f"{BASE}new/" in text


def test_the_list_paginates_with_a_pinned_query_count(alpha, finance, django_assert_max_num_queries):
    with in_store(alpha):
        gift_card_make()
    finance.get(BASE)
    with django_assert_max_num_queries(8) as few:
        finance.get(BASE)
    baseline = len(few)  # read now: the next request empties the query log
    assert baseline > 0
    with in_store(alpha):
        for _ in range(54):
            gift_card_make()
    with django_assert_max_num_queries(baseline):
        first = finance.get(BASE)
    assert first.context["page"].paginator.count == 55 and len(first.context["page"].object_list) == 50
    assert len(finance.get(BASE, {"page": 2}).context["page"].object_list) == 5


def test_issuing_generates_a_code_shown_in_full_once(alpha, finance):
    response = finance.post(
        f"{BASE}new/",
        {
            "amount": "50",
            "issued_to_email": "Gift@Example.com",
            "note": "Birthday",
            "expires_at": "2040-01-01T00:00",
        },
    )
    with in_store(alpha):
        card = GiftCard.objects.get()
        ledger = list(card.transactions.values_list("kind", "amount", "balance_after"))
    assert response.status_code == 302 and response["Location"] == f"{BASE}{card.pk}/"
    assert (card.balance, card.currency, card.issued_to_email) == (Decimal(50), "EUR", "gift@example.com")
    assert card.expires_at is not None and card.created_by is not None
    assert ledger == [("issued", Decimal(50), Decimal(50))]
    first = finance.get(f"{BASE}{card.pk}/")
    assert card.code in first.text and "shown in full only this once" in first.text
    again = finance.get(f"{BASE}{card.pk}/")
    assert card.code not in again.text and f"•••• {card.code[-4:]}" in again.text


def test_issuing_with_a_chosen_code(alpha, finance):
    assert finance.post(f"{BASE}new/", {"amount": "10", "code": "xmas-2030"}).status_code == 302
    with in_store(alpha):
        assert GiftCard.objects.get().code == "XMAS-2030"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"amount": ""}, "This field is required."),
        ({"amount": "0"}, "greater than or equal to 0.001"),
        ({"amount": "10", "code": "a!"}, "4 to 32 letters"),
        ({"amount": "10", "issued_to_email": "not-an-email"}, "Enter a valid email address."),
        ({"amount": "10", "expires_at": "2001-01-01T00:00"}, "must be in the future"),
    ],
)
def test_bad_issues_show_errors_and_write_nothing(alpha, finance, fields, message):
    response = finance.post(f"{BASE}new/", fields)
    assert response.status_code == 200
    assert message in response.text
    with in_store(alpha):
        assert not GiftCard.objects.exists() and not GiftCardTransaction.objects.exists()


def test_a_taken_code_is_refused(alpha, finance):
    with in_store(alpha):
        gift_card_make(code="TAKEN-1")
    response = finance.post(f"{BASE}new/", {"amount": "10", "code": "taken-1"})
    assert response.status_code == 200 and "already in use" in response.text
    with in_store(alpha):
        assert GiftCard.objects.count() == 1


def test_adjusting_the_balance_writes_the_ledger(alpha, finance):
    with in_store(alpha):
        card = gift_card_make(amount="20")
    url = f"{BASE}{card.pk}/adjust/"
    assert finance.get(url).status_code == 200
    assert finance.post(url, {"amount": "-5", "reason": "Damaged parcel"}).status_code == 302
    assert finance.post(url, {"amount": "10", "reason": "Top-up"}).status_code == 302
    with in_store(alpha):
        card.refresh_from_db()
        ledger = list(card.transactions.order_by("id").values_list("kind", "amount", "balance_after", "note"))
    assert (card.balance, card.loaded_total) == (Decimal(25), Decimal(30))
    assert ledger[1:] == [
        ("adjusted", Decimal(-5), Decimal(15), "Damaged parcel"),
        ("adjusted", Decimal(10), Decimal(25), "Top-up"),
    ]
    detail = finance.get(f"{BASE}{card.pk}/").text
    assert "Damaged parcel" in detail and "Top-up" in detail


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"amount": "-50", "reason": "Too much"}, "cannot go below 0"),
        ({"amount": "0", "reason": "Nothing"}, "other than zero"),
        ({"amount": "5", "reason": ""}, "This field is required."),
    ],
)
def test_bad_adjustments_show_errors_and_change_nothing(alpha, finance, fields, message):
    with in_store(alpha):
        card = gift_card_make(amount="20")
    response = finance.post(f"{BASE}{card.pk}/adjust/", fields)
    assert response.status_code == 200 and message in response.text
    with in_store(alpha):
        card.refresh_from_db()
        assert card.balance == Decimal(20) and card.transactions.count() == 1


def test_disabling_asks_first_and_keeps_the_balance(alpha, finance):
    with in_store(alpha):
        card = gift_card_make(amount="20")
    url = f"{BASE}{card.pk}/disable/"
    confirm = finance.get(url)
    assert confirm.status_code == 200 and "Disable gift card" in confirm.text
    with in_store(alpha):
        assert GiftCard.objects.get().active
    assert finance.post(url).status_code == 302
    with in_store(alpha):
        card.refresh_from_db()
    assert card.active is False and card.balance == Decimal(20)
    assert "Disabled" in finance.get(f"{BASE}{card.pk}/").text
