"""Draft orders: created by staff, priced, numbered; sent as a signed payment link; paid through
the same path as a checkout."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.core import signing

from apps.core.models import EventRecord
from apps.customers.models import Customer
from apps.inventory.models import StockLevel
from apps.inventory.services import inventory_reserve
from apps.orders.drafts import (
    PAYMENT_LINK_SALT,
    DraftLine,
    ManualDiscount,
    draft_order_create,
    draft_order_for_token,
    draft_order_pay,
    draft_order_send,
    order_payment_link,
    order_payment_token,
)
from apps.orders.enums import OrderEventKind, OrderOrigin, OrderStatus, OrderStockStatus
from apps.orders.errors import OrderError, OrderErrorCode
from apps.orders.tests.factories import (
    CARD_DECLINED,
    CARD_SUCCEEDS,
    draft_make,
    order_row,
    tax_make,
    variant_make,
)
from tests.fixtures import make_store_user

pytestmark = pytest.mark.django_db


def _pay(token: str, card: str = CARD_SUCCEEDS):
    return draft_order_pay(
        token=token, gateway_code="dummy", payment_data={"card_number": card}, return_url="http://x.test/"
    )


def test_a_draft_is_priced_numbered_and_holds_no_stock(in_alpha, alpha):
    staff = make_store_user(alpha, "drafter@example.com", staff=True)
    tax_make(rate="0.19")
    shirt = variant_make(price="30.00", stock=5)
    cap = variant_make(price="10.00", stock=5)
    draft = draft_order_create(
        email="Bob@Example.com",
        lines=[
            DraftLine(shirt.pk, 1),
            DraftLine(cap.pk, 2, unit_price=Decimal("8.00")),
            DraftLine(shirt.pk, 1),
        ],
        actor=staff,
        customer_name="Bob Builder",
        shipping_address={"name": "Bob Builder", "country": "DE", "city": "Berlin"},
        shipping_name="Courier",
        shipping_amount="5.00",
        discount=ManualDiscount(kind="fixed", value=Decimal("6.00"), name="Friend"),
    )
    # 2 x 30 + 2 x 8 = 76, minus 6 = 70, shipping 5, 19 % added: 89.25
    assert (draft.origin, draft.status, draft.created_by_id) == (
        OrderOrigin.DRAFT,
        OrderStatus.PENDING,
        staff.pk,
    )
    assert draft.number >= 1001
    assert (draft.subtotal, draft.discount_total, draft.total) == (
        Decimal("76.00"),
        Decimal("6.00"),
        Decimal("89.25"),
    )
    assert sorted(draft.lines.values_list("quantity", "unit_price")) == [
        (2, Decimal("8.000")),
        (2, Decimal("30.000")),
    ]
    assert draft.stock_status == OrderStockStatus.NONE
    assert StockLevel.objects.get(variant=shirt).reserved == 0
    assert Customer.objects.get(email="bob@example.com").orders_count == 0  # counted once paid
    assert draft.events.get().kind == OrderEventKind.DRAFT_CREATED
    created = EventRecord.objects.get(name="order.created", payload__order=str(draft.uuid))
    assert created.payload["origin"] == "draft"


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"email": "not-an-email"}, OrderErrorCode.EMAIL_INVALID),
        ({"lines": []}, OrderErrorCode.QUANTITY_INVALID),
        ({"lines": [DraftLine(999999999, 1)]}, OrderErrorCode.VARIANT_UNKNOWN),
        ({"quantity": 0}, OrderErrorCode.QUANTITY_INVALID),
        ({"shipping_amount": "-1"}, OrderErrorCode.AMOUNT_INVALID),
        (
            {"discount": ManualDiscount(kind="percentage", value=Decimal(150))},
            OrderErrorCode.DISCOUNT_INVALID,
        ),
        ({"discount": ManualDiscount(kind="bogus", value=Decimal(1))}, OrderErrorCode.DISCOUNT_INVALID),
    ],
)
def test_bad_draft_input_is_refused_with_nothing_written(in_alpha, kwargs, code):
    from apps.orders.models import Order

    variant = variant_make()
    values: dict[str, Any] = {
        "email": "ok@example.com",
        "lines": [DraftLine(variant.pk, kwargs.pop("quantity", 1))],
        "actor": None,
    }
    values.update(kwargs)
    with pytest.raises(OrderError) as refused:
        draft_order_create(**values)
    assert refused.value.code == code
    assert not Order.objects.exists()


def test_sending_a_draft_gives_a_signed_link_on_the_store_domain(in_alpha):
    draft = draft_make()
    url = draft_order_send(order=draft, actor=None)
    assert url.startswith("http://alpha.platform.test/pay/")
    token = url.rstrip("/").rsplit("/", 1)[1]
    assert draft_order_for_token(token=token) == draft
    draft.refresh_from_db()
    assert draft.draft_sent_at is not None
    assert draft.events.filter(kind=OrderEventKind.DRAFT_SENT).exists()


def test_the_payment_link_is_the_storefront_pay_page(in_alpha, monkeypatch):
    from urllib.parse import urlsplit

    from django.urls import NoReverseMatch, resolve

    from apps.orders import drafts
    from apps.storefront.views.orders import order_pay

    draft = draft_make()
    url = order_payment_link(order=draft)
    match = resolve(urlsplit(url).path)
    assert (match.func, match.view_name) == (order_pay, drafts.PAYMENT_LINK_URL_NAME)
    assert draft_order_for_token(token=match.kwargs["token"]) == draft
    # and a page that is not there is an error, never a made-up address
    monkeypatch.setattr(drafts, "PAYMENT_LINK_URL_NAME", "storefront:no_such_page")
    with pytest.raises(NoReverseMatch):
        order_payment_link(order=draft)


def test_a_forged_or_expired_link_names_no_order(in_alpha, settings):
    draft = draft_make()
    token = order_payment_token(order=draft)
    assert draft_order_for_token(token=token[:-2] + "xx") is None
    assert draft_order_for_token(token="garbage") is None
    forged = signing.dumps({"o": str(draft.uuid), "s": "some_other_store"}, salt=PAYMENT_LINK_SALT)
    assert draft_order_for_token(token=forged) is None
    settings.ORDER_PAYMENT_LINK_MAX_AGE_DAYS = -1
    assert draft_order_for_token(token=token) is None
    with pytest.raises(OrderError) as refused:
        _pay(token)
    assert refused.value.code == OrderErrorCode.PAYMENT_LINK_INVALID


def test_paying_a_draft_reserves_commits_and_counts_it(in_alpha):
    variant = variant_make(price="30.00", stock=3)
    draft = draft_make(variant=variant, quantity=2)
    token = order_payment_token(order=draft)
    placement = _pay(token)
    draft.refresh_from_db()
    assert placement.paid and draft.status == OrderStatus.PAID and draft.amount_paid == draft.total
    level = StockLevel.objects.get(variant=variant)
    assert (level.on_hand, level.reserved) == (1, 0)
    assert Customer.objects.get(email="draft@example.com").orders_count == 1
    # paying again is refused: nothing is owed
    with pytest.raises(OrderError) as refused:
        _pay(token)
    assert refused.value.code == OrderErrorCode.NOTHING_TO_PAY


def test_a_declined_draft_payment_releases_stock_and_the_link_still_works(in_alpha):
    variant = variant_make(stock=2)
    draft = draft_make(variant=variant, quantity=2)
    token = order_payment_token(order=draft)
    declined = _pay(token, CARD_DECLINED)
    draft.refresh_from_db()
    assert declined.failed and draft.status == OrderStatus.PENDING and draft.hold_expires_at is None
    assert StockLevel.objects.get(variant=variant).reserved == 0
    assert _pay(token).paid


def test_a_draft_that_sold_out_is_refused_before_any_charge(in_alpha):
    from apps.payments.models import DummyPayment

    variant = variant_make(stock=2)
    draft = draft_make(variant=variant, quantity=2)
    inventory_reserve(variant=variant, quantity=1, reference="someone-else")
    with pytest.raises(OrderError) as refused:
        _pay(order_payment_token(order=draft))
    assert refused.value.code == OrderErrorCode.SOLD_OUT
    assert not DummyPayment.objects.filter(reference=str(draft.uuid)).exists()
    assert not draft.payments.exists()


def test_only_a_pending_draft_can_be_sent(in_alpha):
    order = order_row(status="paid", origin="draft")
    with pytest.raises(OrderError) as refused:
        draft_order_send(order=order, actor=None)
    assert refused.value.code == OrderErrorCode.NOT_DRAFT
