"""Refunds from the dashboard's refund page and `order_refund_issue`: partial and full refunds
through the gateways (dummy and the fake Stripe server), once per form token, never more than
is left, units back in stock once, store credit instead of money."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.checkout.services import gift_card_issue, store_credit_balance
from apps.core.models import EventRecord
from apps.orders.enums import OrderEventKind, OrderStatus
from apps.orders.models import Order, Refund
from apps.orders.tests.factories import checkout_ready, place, variant_make
from apps.payments.enums import PaymentStatus
from apps.payments.models import DummyRefund
from apps.payments.testing.fake_stripe import FakeStripe
from apps.payments.tests.factories import stripe_connected
from apps.returns.enums import ReturnErrorCode
from apps.returns.errors import ReturnError
from apps.returns.models import RefundRequest
from apps.returns.services import RefundInput, RefundLineInput, order_refund_issue, return_receive
from apps.returns.tests.factories import on_hand, paid_order, return_make, shopper_make, staff_client
from tests.fixtures import StoreWorld

pytestmark = pytest.mark.django_db


def _url(order: Order) -> str:
    return f"/dashboard/returns/orders/{order.number}/refund/"


def _fresh(world: StoreWorld, order: Order) -> Order:
    with schema_context(world.tenant.schema_name):
        return Order.objects.get(pk=order.pk)


def _units(order: Order) -> int:
    return sum(on_hand(order).values())


def _events(order: Order, name: str) -> list[dict]:
    return list(
        EventRecord.objects.filter(name=name, payload__order=str(order.uuid)).values_list(
            "payload", flat=True
        )
    )


def test_a_partial_refund_posted_twice_refunds_the_right_amount_once(alpha):
    # given a paid order of 3 x 20.00 + 5.00 shipping (65.00)
    with schema_context(alpha.tenant.schema_name):
        order = paid_order(quantity=3)
        line = order.lines.get()
    client, _staff = staff_client(alpha, "admin")
    token = str(uuid.uuid4())
    form = {"token": token, f"quantity_{line.pk}": "2", "reason": "Two were too small", "amount": ""}

    # when the same form is posted twice (a double click)
    first = client.post(_url(order), form)
    second = client.post(_url(order), form)

    # then 40.00 went back once, at the gateway too
    assert first.status_code == 302 and second.status_code == 302
    fresh = _fresh(alpha, order)
    assert fresh.amount_refunded == Decimal("40.00")
    assert fresh.status == OrderStatus.PARTIALLY_REFUNDED
    # and the shopper owes nothing for it: the order page shows no balance due
    assert fresh.balance_due == 0
    page = client.get(f"/dashboard/orders/{order.number}/").text
    assert 'id="balance-due"' not in page
    with schema_context(alpha.tenant.schema_name):
        assert RefundRequest.objects.filter(order=order).count() == 1
        assert Refund.objects.filter(order=order).count() == 1
        assert DummyRefund.objects.filter(payment__reference=str(order.uuid)).count() == 1
        [payload] = _events(order, "order.refunded")
        assert payload["refund"] == {
            "amount": "40.00",
            "currency": order.currency,
            "store_credit": False,
            "gift_card": False,
            "reason": "Two were too small",
        }
        assert fresh.events.filter(kind=OrderEventKind.REFUNDED).count() == 1


def test_the_amount_may_be_lowered_and_a_full_refund_refunds_the_rest(in_alpha):
    order = paid_order(quantity=2)  # 45.00
    line = order.lines.get()
    order_refund_issue(
        order_id=order.pk,
        data=RefundInput(token=uuid.uuid4(), lines=(RefundLineInput(line.pk, 1),), amount=Decimal("15.00")),
    )
    # more than the chosen item costs is refused
    with pytest.raises(ReturnError) as refused:
        order_refund_issue(
            order_id=order.pk,
            data=RefundInput(
                token=uuid.uuid4(), lines=(RefundLineInput(line.pk, 1),), amount=Decimal("20.01")
            ),
        )
    assert refused.value.code == ReturnErrorCode.AMOUNT_ABOVE_ITEMS
    # the rest, as a free amount
    order_refund_issue(order_id=order.pk, data=RefundInput(token=uuid.uuid4(), amount=Decimal("30.00")))
    order.refresh_from_db()
    assert order.amount_refunded == Decimal("45.00") and order.status == OrderStatus.REFUNDED


def test_refunding_more_than_is_left_is_refused_with_the_most_and_nothing_written(alpha):
    with schema_context(alpha.tenant.schema_name):
        order = paid_order(quantity=1)  # 25.00
        order_refund_issue(order_id=order.pk, data=RefundInput(token=uuid.uuid4(), amount=Decimal("10.00")))
        events_before = order.events.count()
        records_before = EventRecord.objects.count()
    client, _staff = staff_client(alpha, "owner")

    response = client.post(_url(order), {"token": str(uuid.uuid4()), "amount": "15.01", "reason": "too much"})

    assert response.status_code == 400
    assert "At most 15.00 " in response.text
    fresh = _fresh(alpha, order)
    assert fresh.amount_refunded == Decimal("10.00")
    with schema_context(alpha.tenant.schema_name):
        assert RefundRequest.objects.filter(order=order).count() == 1
        assert Refund.objects.filter(order=order).count() == 1
        assert fresh.events.count() == events_before
        assert EventRecord.objects.count() == records_before


def test_restocking_puts_units_back_once(in_alpha):
    # given 3 units sold
    order = paid_order(quantity=3)
    line = order.lines.get()
    before = _units(order)
    # when a return of 2 is received and put back in stock, then refunded with "restock" ticked
    request = return_make(order, units=2)
    from apps.returns.services import return_approve

    return_approve(return_request=request, actor=None, instructions="Send it back")
    return_receive(return_request=request, actor=None, restock=True)
    assert _units(order) == before + 2
    order_refund_issue(
        order_id=order.pk,
        data=RefundInput(
            token=uuid.uuid4(),
            lines=(RefundLineInput(line.pk, 2),),
            restock=True,
            return_request_id=request.pk,
        ),
    )
    # then the refund puts nothing more back; the last unit goes back with its own refund, once
    assert _units(order) == before + 2
    order_refund_issue(
        order_id=order.pk,
        data=RefundInput(token=uuid.uuid4(), lines=(RefundLineInput(line.pk, 1),), restock=True),
    )
    assert _units(order) == before + 3
    request.refresh_from_db()
    assert request.status == "refunded"
    # every unit refunded: no line is left to refund
    with pytest.raises(ReturnError) as refused:
        order_refund_issue(
            order_id=order.pk,
            data=RefundInput(token=uuid.uuid4(), lines=(RefundLineInput(line.pk, 1),), restock=True),
        )
    assert refused.value.code == ReturnErrorCode.QUANTITY_TOO_LARGE
    assert _units(order) == before + 3


def test_store_credit_instead_credits_the_account_and_refunds_nothing_at_the_gateway(alpha):
    shopper = shopper_make(alpha)
    with schema_context(alpha.tenant.schema_name):
        order = paid_order(user=shopper, quantity=1)  # 25.00
    client, _staff = staff_client(alpha, "finance")

    response = client.post(
        _url(order),
        {"token": str(uuid.uuid4()), "amount": "25.00", "store_credit": "on", "reason": "Goodwill"},
    )

    assert response.status_code == 302
    fresh = _fresh(alpha, order)
    with schema_context(alpha.tenant.schema_name):
        assert store_credit_balance(user=shopper) == Decimal("25.00")
        assert fresh.amount_refunded == Decimal(0)
        assert not Refund.objects.filter(order=order).exists()
        assert not DummyRefund.objects.filter(payment__reference=str(order.uuid)).exists()
        assert fresh.events.filter(kind=OrderEventKind.STORE_CREDIT_ISSUED).count() == 1
        [payload] = _events(order, "order.refunded")
        assert payload["refund"]["store_credit"] is True and payload["refund"]["amount"] == "25.00"
        # and it counts: nothing more may be refunded
        with pytest.raises(ReturnError) as refused:
            order_refund_issue(
                order_id=order.pk, data=RefundInput(token=uuid.uuid4(), amount=Decimal("0.01"))
            )
        assert refused.value.code == ReturnErrorCode.REFUND_TOO_LARGE


def test_cancelling_after_a_store_credit_refund_gives_back_only_the_rest(alpha):
    # given a card order of 25.00 of which 20.00 went back as store credit
    shopper = shopper_make(alpha)
    with schema_context(alpha.tenant.schema_name):
        order = paid_order(user=shopper, quantity=1)
        order_refund_issue(
            order_id=order.pk,
            data=RefundInput(token=uuid.uuid4(), amount=Decimal("20.00"), store_credit=True),
        )
    client, _staff = staff_client(alpha, "owner")
    cancel = f"/dashboard/orders/{order.number}/cancel/"

    # the confirmation says what a cancellation will give back, and it does so
    page = client.get(cancel).text
    assert "€5.00 will be refunded to the customer" in page
    assert "€20.00 already went back as store credit or onto gift cards and is not given back again." in page
    assert client.post(cancel, {"reason": "Changed their mind"}).status_code == 302

    fresh = _fresh(alpha, order)
    with schema_context(alpha.tenant.schema_name):
        assert fresh.status == OrderStatus.CANCELLED
        assert fresh.amount_refunded == Decimal("5.00")  # not the 25.00 it took
        assert store_credit_balance(user=shopper) == Decimal("20.00")
        assert [r.amount for r in DummyRefund.objects.filter(payment__reference=str(order.uuid))] == [
            Decimal("5.00")
        ]


@pytest.mark.parametrize(
    ("credited", "card_back", "refunded"),
    [
        ("5.00", "5.00", "15.00"),  # the credit comes off what the gift card gets back
        ("12.00", "0.00", "13.00"),  # beyond the gift card's 10.00: off the card refund too
    ],
)
def test_cancelling_an_order_paid_by_gift_card_and_card_after_store_credit(
    in_alpha, credited, card_back, refunded
):
    from apps.checkout.models import GiftCard, GiftCardTransaction
    from apps.orders.services import order_cancel

    # given 25.00 paid as 10.00 by gift card and 15.00 by card, and some of it given as credit
    shopper = shopper_make(in_alpha)
    card = gift_card_issue(amount=Decimal("10.00"), currency="EUR")
    checkout = checkout_ready(
        items=[(variant_make(price="20.00"), 1)], email=shopper.email, user=shopper, codes=[card.code]
    )
    order = place(checkout).order
    order.refresh_from_db()
    assert (order.gift_card_total, order.amount_paid) == (Decimal("10.00"), Decimal("15.00"))
    order_refund_issue(
        order_id=order.pk, data=RefundInput(token=uuid.uuid4(), amount=Decimal(credited), store_credit=True)
    )

    order_cancel(order=Order.objects.get(pk=order.pk), actor=None)

    # then the shopper has 25.00 back in all, once
    order.refresh_from_db()
    assert GiftCard.objects.get(pk=card.pk).balance == Decimal(card_back)
    assert order.amount_refunded == Decimal(refunded)
    assert store_credit_balance(user=shopper) == Decimal(credited)
    assert Decimal(card_back) + Decimal(refunded) + Decimal(credited) == Decimal("25.00")
    reversals = GiftCardTransaction.objects.filter(gift_card=card, kind=GiftCardTransaction.Kind.REVERSED)
    assert [r.amount for r in reversals] == ([Decimal(card_back)] if Decimal(card_back) else [])


def test_store_credit_for_a_guest_order_is_a_form_error(alpha):
    with schema_context(alpha.tenant.schema_name):
        order = paid_order(quantity=1)
    client, _staff = staff_client(alpha, "owner")

    response = client.post(_url(order), {"token": str(uuid.uuid4()), "amount": "5.00", "store_credit": "on"})

    assert response.status_code == 400
    # The page offers no such choice, so the refusal is shown above the form, not next to a field.
    errors = response.text.split('class="form-errors" role="alert"><p>', 1)[1]
    assert errors.startswith("Store credit needs a shopper account")
    assert 'name="store_credit"' not in response.text
    with schema_context(alpha.tenant.schema_name):
        assert not RefundRequest.objects.filter(order=order).exists()


def test_a_guest_order_paid_by_gift_card_is_refunded_onto_the_card(alpha):
    from apps.checkout.models import GiftCard, GiftCardTransaction

    # given a guest order of 25.00 paid entirely by gift card
    with schema_context(alpha.tenant.schema_name):
        card = gift_card_issue(amount=Decimal("100.00"), currency="EUR")
        order = place(checkout_ready(items=[(variant_make(price="20.00"), 1)], codes=[card.code])).order
        order.refresh_from_db()
        assert order.amount_paid == 0 and order.gift_card_total == Decimal("25.00") and order.user_id is None
    client, _staff = staff_client(alpha, "owner")

    # the page says where the money can go: not the payment method, not store credit (a guest),
    # but back onto the card it names
    page = client.get(_url(order)).text
    assert "Up to €0.00 can be refunded to the payment method." in page
    assert "Store credit needs a shopper account; this order was placed as a guest." in page
    assert "Up to €25.00 can go back onto the gift cards it was paid with:" in page
    assert f'/dashboard/gift-cards/?q={card.code}">{card.code}</a> (paid €25.00)' in page
    assert 'name="store_credit"' not in page and 'name="gift_card"' in page

    # when staff put 10.00 back on it, with the form posted twice
    form = {"token": str(uuid.uuid4()), "amount": "10.00", "gift_card": "on", "reason": "Scratched"}
    assert client.post(_url(order), form).status_code == 302
    assert client.post(_url(order), form).status_code == 302

    # then the card holds 10.00 more, once, on its ledger under the order, and it is counted
    with schema_context(alpha.tenant.schema_name):
        assert GiftCard.objects.get(pk=card.pk).balance == Decimal("85.00")
        [entry] = GiftCardTransaction.objects.filter(gift_card=card, kind=GiftCardTransaction.Kind.REFUNDED)
        assert entry.amount == Decimal("10.00") and entry.reference == order.redemption_reference
        fresh = Order.objects.get(pk=order.pk)
        assert fresh.amount_credited == Decimal("10.00") and fresh.amount_refunded == 0
        [event] = fresh.events.filter(kind=OrderEventKind.GIFT_CARD_REFUNDED)
        assert event.params["card"] == f"…{card.code[-4:]}" and card.code not in str(event.params)
        [payload] = _events(order, "order.refunded")
        assert payload["refund"]["gift_card"] is True and payload["refund"]["store_credit"] is False
        assert RefundRequest.objects.get(order=order).gift_card
    # and no more than the card paid can go back onto it
    refused = client.post(_url(order), {**form, "token": str(uuid.uuid4()), "amount": "15.01"})
    assert refused.status_code == 400 and "At most 15.00 EUR can be refunded." in refused.text
    page = client.get(_url(order)).text
    assert "Up to €15.00 can go back onto the gift cards it was paid with:" in page
    assert "gift cards</td>" in page  # the history says where it went


def test_a_card_order_without_gift_cards_is_not_offered_a_gift_card_refund(alpha):
    with schema_context(alpha.tenant.schema_name):
        order = paid_order(quantity=1)
    client, _staff = staff_client(alpha, "owner")
    assert 'name="gift_card"' not in client.get(_url(order)).text
    # a hand-made post asking for it is refused above the form, and nothing is written
    response = client.post(_url(order), {"token": str(uuid.uuid4()), "amount": "5.00", "gift_card": "on"})
    assert response.status_code == 400
    errors = response.text.split('class="form-errors" role="alert"><p>', 1)[1]
    assert errors.startswith("No gift card money of this order is left to put back")
    with schema_context(alpha.tenant.schema_name):
        assert not RefundRequest.objects.filter(order=order).exists()


def test_store_credit_and_gift_cards_together_are_refused(in_alpha):
    shopper = shopper_make(in_alpha)
    card = gift_card_issue(amount=Decimal("50.00"), currency="EUR")
    checkout = checkout_ready(
        items=[(variant_make(price="20.00"), 1)], email=shopper.email, user=shopper, codes=[card.code]
    )
    order = place(checkout).order
    with pytest.raises(ReturnError) as refused:
        order_refund_issue(
            order_id=order.pk,
            data=RefundInput(token=uuid.uuid4(), amount=Decimal("5.00"), store_credit=True, gift_card=True),
        )
    assert refused.value.code == ReturnErrorCode.DESTINATION_CONFLICT and refused.value.field == "gift_card"
    assert not RefundRequest.objects.filter(order=order).exists()


def test_cancelling_after_a_gift_card_refund_gives_each_card_back_only_the_rest(in_alpha):
    from apps.checkout.models import GiftCard, GiftCardTransaction
    from apps.orders.services import order_cancel

    K = GiftCardTransaction.Kind
    # given 25.00 paid by two gift cards; the one used first (codes go in order) is the older
    cards = [
        gift_card_issue(amount=Decimal(amount), code=code, currency="EUR")
        for amount, code in (("10.00", "AAAA-0001"), ("40.00", "ZZZZ-0002"))
    ]
    order = place(
        checkout_ready(items=[(variant_make(price="20.00"), 1)], codes=[c.code for c in cards])
    ).order
    order.refresh_from_db()
    assert order.gift_card_total == Decimal("25.00") and order.amount_paid == 0
    paid = {
        tx.gift_card_id: -tx.amount
        for tx in GiftCardTransaction.objects.filter(kind=K.REDEEMED, reference=order.redemption_reference)
    }
    assert sorted(paid.values()) == [Decimal("10.00"), Decimal("15.00")]
    # and 12.00 refunded: 10.00 back onto the first card (all it paid), 2.00 onto the second
    order_refund_issue(
        order_id=order.pk, data=RefundInput(token=uuid.uuid4(), amount=Decimal("12.00"), gift_card=True)
    )
    refunded = {tx.gift_card_id: tx.amount for tx in GiftCardTransaction.objects.filter(kind=K.REFUNDED)}
    assert refunded == {cards[0].pk: Decimal("10.00"), cards[1].pk: Decimal("2.00")}
    before = {c.pk: GiftCard.objects.get(pk=c.pk).balance for c in cards}

    # when the order is cancelled
    order_cancel(order=Order.objects.get(pk=order.pk), actor=None)

    # then each card gets back what it paid less what the refund put on it: 25.00 in all, once
    for card in cards:
        expected = paid[card.pk] - refunded[card.pk]
        assert GiftCard.objects.get(pk=card.pk).balance - before[card.pk] == expected
    assert sum(c.balance for c in GiftCard.objects.filter(pk__in=paid)) == Decimal("50.00")


def test_a_stripe_refund_goes_through_the_fake_stripe_server(alpha, fake_stripe: FakeStripe):
    from apps.orders.settlement import payment_apply
    from apps.payments.gateways.base import gateway_get

    with schema_context(alpha.tenant.schema_name):
        stripe_connected(fake_stripe)
        variant = variant_make(price="20.00", stock=5)
        placement = place(checkout_ready(items=[(variant, 2)]), gateway="stripe")
        payment = placement.order.payments.get()
        fake_stripe.payment_intent_confirm(payment.external_id, payment_method="pm_card_visa")
        result = gateway_get("stripe", enabled_only=False).retrieve(external_id=payment.external_id)
        from django.db import transaction

        from apps.orders.locks import order_lock

        with transaction.atomic():
            order = order_lock(order_id=placement.order.pk)
            payment.refresh_from_db()
            payment_apply(order=order, payment=payment, status=result.status, result=result)
        order.refresh_from_db()
        assert order.status == OrderStatus.PAID and order.amount_paid == Decimal("45.00")

        order_refund_issue(order_id=order.pk, data=RefundInput(token=uuid.uuid4(), amount=Decimal("12.50")))

        order.refresh_from_db()
        [refund] = Refund.objects.filter(order=order)
        assert refund.external_id.startswith("re_") and refund.status == "succeeded"
        assert fake_stripe.refunds[refund.external_id]["amount"] == 1250
        assert order.amount_refunded == Decimal("12.50")
        payment.refresh_from_db()
        assert payment.status == PaymentStatus.PARTIALLY_REFUNDED


def test_finance_can_refund_but_not_decide_on_returns(alpha):
    shopper = shopper_make(alpha)
    with schema_context(alpha.tenant.schema_name):
        order = paid_order(user=shopper, quantity=2)
        request = return_make(order)
    finance, _user = staff_client(alpha, "finance")

    assert finance.get(f"/dashboard/returns/{request.uuid}/").status_code == 200
    assert finance.get(f"/dashboard/returns/{request.uuid}/approve/").status_code == 403
    assert finance.post(f"/dashboard/returns/{request.uuid}/approve/", {}).status_code == 403
    assert finance.post(f"/dashboard/returns/{request.uuid}/refuse/", {"reason": "no"}).status_code == 403
    refund = finance.post(_url(order), {"token": str(uuid.uuid4()), "amount": "5.00", "reason": "sorry"})
    assert refund.status_code == 302
    assert _fresh(alpha, order).amount_refunded == Decimal("5.00")
    # and staff may decide but not refund
    staff, _user = staff_client(alpha, "staff")
    assert staff.get(f"/dashboard/returns/{request.uuid}/approve/").status_code == 200
    assert staff.post(_url(order), {"token": str(uuid.uuid4()), "amount": "5.00"}).status_code == 403


def test_store_beta_cannot_see_alphas_returns_or_refund_alphas_orders(alpha, beta):
    shopper = shopper_make(alpha)
    with schema_context(alpha.tenant.schema_name):
        order = paid_order(user=shopper, quantity=2)
        request = return_make(order)
    beta_owner, _user = staff_client(beta, "owner")

    assert beta_owner.get(f"/dashboard/returns/{request.uuid}/").status_code == 404
    assert beta_owner.post(f"/dashboard/returns/{request.uuid}/approve/", {}).status_code == 404
    assert beta_owner.get(_url(order)).status_code == 404
    assert beta_owner.post(_url(order), {"token": str(uuid.uuid4()), "amount": "5.00"}).status_code == 404
    listing = beta_owner.get("/dashboard/returns/")
    assert listing.status_code == 200 and str(request.uuid) not in listing.text
    assert _fresh(alpha, order).amount_refunded == Decimal(0)


def test_the_refund_page_prefills_the_returned_lines_and_the_order_page_shows_the_panel(alpha):
    shopper = shopper_make(alpha)
    with schema_context(alpha.tenant.schema_name):
        order = paid_order(user=shopper, quantity=3)
        line = order.lines.get()
        request = return_make(order, units=2)
    client, _staff = staff_client(alpha, "owner")

    page = client.get(f"{_url(order)}?return={request.uuid}")
    assert page.status_code == 200
    assert f'name="quantity_{line.pk}" value="2"' in page.text
    detail = client.get(f"/dashboard/orders/{order.number}/").text
    assert 'id="returns-panel"' in detail and str(request.uuid) in detail and _url(order) in detail
    assert timezone.now()


def test_a_refund_the_gateway_has_not_confirmed_yet_is_not_refundable_again(in_alpha):
    from apps.returns.selectors import order_refundable

    order = paid_order(quantity=1)  # 25.00
    payment = order.payments.get()
    Refund.objects.create(
        order=order,
        payment=payment,
        amount=Decimal("20.00"),
        currency=order.currency,
        status="pending",
        idempotency_key=f"pending-{uuid.uuid4()}",
    )
    assert order_refundable(order).gateway == Decimal("5.00")
    with pytest.raises(ReturnError) as refused:
        order_refund_issue(order_id=order.pk, data=RefundInput(token=uuid.uuid4(), amount=Decimal("5.01")))
    assert refused.value.code == ReturnErrorCode.REFUND_TOO_LARGE and refused.value.params["most"] == "5.00"


def test_the_migration_fills_in_what_earlier_refunds_gave_as_store_credit(in_alpha):
    import importlib

    from django.apps import apps

    shopper = shopper_make(in_alpha)
    order = paid_order(user=shopper, quantity=2)  # 45.00
    other = paid_order(quantity=1)
    for amount in ("10.00", "2.50"):
        order_refund_issue(
            order_id=order.pk, data=RefundInput(token=uuid.uuid4(), amount=Decimal(amount), store_credit=True)
        )
    order_refund_issue(order_id=order.pk, data=RefundInput(token=uuid.uuid4(), amount=Decimal("5.00")))
    Order.objects.update(amount_credited=0)  # as before the field existed

    importlib.import_module("apps.returns.migrations.0002_backfill_order_amount_credited").backfill(
        apps, None
    )

    assert Order.objects.get(pk=order.pk).amount_credited == Decimal("12.50")
    assert Order.objects.get(pk=other.pk).amount_credited == 0
