"""Tenant isolation: store B cannot see or use store A's discounts, gift cards, checkouts,
shipping or tax rates, by code, by token or by id."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django_tenants.utils import schema_context

from apps.accounts.models import User
from apps.checkout.errors import CheckoutErrorCode, CodeRefused, ShippingUnavailable
from apps.checkout.models import (
    Checkout,
    Discount,
    DiscountRedemption,
    GiftCard,
    GiftCardTransaction,
    ShippingRate,
    ShippingZone,
    StoreCreditEntry,
    TaxRate,
)
from apps.checkout.selectors import (
    checkout_get,
    checkout_totals,
    discount_code_find,
    gift_card_find,
    shipping_options,
    tax_rate_for,
)
from apps.checkout.selectors.shipping import Destination
from apps.checkout.services import (
    checkout_code_apply,
    checkout_redemptions_record,
    checkout_redemptions_reverse,
    checkout_shipping_set,
    store_credit_grant,
)
from apps.checkout.tests.factories import (
    address_input,
    checkout_make,
    discount_make,
    gift_card_make,
    rate_make,
    tax_make,
    zone_make,
)
from tests.fixtures import StoreWorld

pytestmark = pytest.mark.django_db


def test_store_b_cannot_reach_store_a_checkout_rows(alpha: StoreWorld, beta: StoreWorld) -> None:
    # given store A's discount, gift card, checkout, shipping rate and tax rate
    with schema_context(alpha.tenant.schema_name):
        discount = discount_make(code="ALPHA-ONLY")
        card = gift_card_make(amount="40.00")
        theirs = checkout_make(address=address_input())
        rate = rate_make(zone=zone_make(countries=("DE",)))
        tax_make(country="DE", rate="0.19")
        checkout_code_apply(checkout=theirs, code=card.code)
        checkout_code_apply(checkout=theirs, code="ALPHA-ONLY")
        totals = checkout_totals(checkout=theirs)
        assert totals.gift_card_total > 0 and totals.discount_total > 0
        checkout_redemptions_record(
            checkout=theirs,
            totals=totals,
            order_reference="alpha-order",
            email=theirs.email,
            user=None,
        )
        shopper = User.objects.create_user("credit-alpha@example.com", "a-long-password-1")
        store_credit_grant(user=shopper, amount=Decimal("5"), reason="alpha")
    # when store B looks for them
    with schema_context(beta.tenant.schema_name):
        assert discount_code_find(code="ALPHA-ONLY") is None
        assert gift_card_find(code=card.code) is None
        assert checkout_get(token=str(theirs.token)) is None
        assert not Discount.objects.filter(pk=discount.pk, code="ALPHA-ONLY").exists()
        assert not GiftCard.objects.filter(code=card.code).exists()
        assert not Checkout.objects.filter(token=theirs.token).exists()
        assert not ShippingRate.objects.filter(pk=rate.pk, zone__name=rate.zone.name).exists()
        assert not ShippingZone.objects.filter(name=rate.zone.name).exists()
        assert tax_rate_for(destination=Destination(country="DE")) is None
        assert not DiscountRedemption.objects.filter(order_reference="alpha-order").exists()
        assert not GiftCardTransaction.objects.filter(reference="alpha-order").exists()
        assert not StoreCreditEntry.objects.filter(reason="alpha").exists()
        # and a shopper of store B types A's codes or picks A's rate id
        mine = checkout_make(address=address_input())
        for code in ("ALPHA-ONLY", card.code):
            with pytest.raises(CodeRefused) as refused:
                checkout_code_apply(checkout=mine, code=code)
            assert refused.value.code == CheckoutErrorCode.CODE_INVALID
        assert shipping_options(checkout=mine) == []
        with pytest.raises(ShippingUnavailable):
            checkout_shipping_set(checkout=mine, rate_id=rate.pk)
        # reversing an order reference of A in B touches nothing of A
        checkout_redemptions_reverse(order_reference="alpha-order")
    # then store A's rows are as they were
    with schema_context(alpha.tenant.schema_name):
        card.refresh_from_db()
        assert card.balance == Decimal("40.00") - totals.gift_card_total
        assert Discount.objects.get(pk=discount.pk).times_used == 1
        assert Checkout.objects.get(pk=theirs.pk).gift_card_codes == [card.code]
        assert TaxRate.objects.filter(country="DE").count() == 1
