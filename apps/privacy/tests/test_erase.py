"""Erasing a customer: orders kept with totals and lines but no personal data; addresses,
carts, wishlist and newsletter gone; the account closed; refused, changing nothing, while an
order or a return is open."""

from __future__ import annotations

from decimal import Decimal

import pytest
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from django.contrib.auth import authenticate

from apps.accounts.models import User
from apps.checkout.models import Cart, Checkout, GiftCard, StoreCreditEntry
from apps.core.models import EventRecord
from apps.customers.models import Address, Customer, WishlistItem
from apps.notifications.models import Delivery
from apps.orders.models import Order
from apps.privacy.errors import ErasureRefused, PrivacyErrorCode
from apps.privacy.models import DataRequest
from apps.privacy.services import customer_erase
from apps.privacy.tests.factories import order_for, shopper_make
from apps.returns.models import ReturnRequest
from apps.reviews.models import Review
from apps.stores.models import NewsletterSubscriber
from tests.fixtures import PASSWORD

pytestmark = pytest.mark.django_db


def test_erasing_anonymises_orders_and_removes_personal_data(in_alpha, django_capture_on_commit_callbacks):
    # given Ada with a full history, and Bob who must not be touched
    ada = shopper_make("ada@example.com", name="Ada Shopper")
    bob = shopper_make("bob@example.com", name="Bob Other")

    # when Ada is erased
    with django_capture_on_commit_callbacks():
        request = customer_erase(customer=ada.customer, actor=None)

    # then her order stays for the accounts, without what identifies her
    order = Order.objects.get(pk=ada.order.pk)
    assert order.total == Decimal("10.00") and order.amount_paid == Decimal("10.00")
    assert order.lines.get().sku == "LINEN-1"
    assert order.payments.count() == 1
    assert order.email == f"erased-{ada.customer.pk}@invalid"
    assert order.shipping_address == {"country": "DE"} and order.billing_address == {"country": "DE"}
    # the customer record keeps its counters, not its person
    customer = Customer.objects.get(pk=ada.customer.pk)
    assert (customer.email, customer.full_name, customer.phone, customer.note) == (order.email, "", "", "")
    assert customer.accepts_marketing is False
    # the account is closed
    user = customer.user
    assert user is not None and not user.is_active and not user.has_usable_password()
    assert user.email == f"erased-{user.pk}@invalid" and user.full_name == ""
    assert not SocialAccount.objects.filter(user=user).exists()
    assert not EmailAddress.objects.filter(user=user).exists()
    assert authenticate(email="ada@example.com", password=PASSWORD) is None
    assert authenticate(email=user.email, password=PASSWORD) is None
    # personal collections are gone
    assert not Address.objects.filter(user=user).exists()
    assert not WishlistItem.objects.filter(user=user).exists()
    assert not Cart.objects.filter(user=user).exists()
    assert not Checkout.objects.filter(email="ada@example.com").exists()
    assert not NewsletterSubscriber.objects.filter(email="ada@example.com").exists()
    # reviews stay, anonymised; the email log no longer names her
    review = Review.objects.get(title="Lovely", product__title="Shirt of Ada Shopper")
    assert review.author_name == "Former customer" and review.user_id is None
    assert not Delivery.objects.filter(to="ada@example.com").exists()
    assert not GiftCard.objects.filter(issued_to_email="ada@example.com").exists()
    assert StoreCreditEntry.objects.filter(user=user).count() == 1  # a ledger is kept
    # recorded without personal data, announced with the id only
    assert request.kind == DataRequest.Kind.ERASE and request.summary["orders"] == 1
    event = EventRecord.objects.get(name="customer.erased")
    assert event.payload == {"customer_id": str(ada.customer.uuid)}
    # Bob is untouched
    bob_customer = Customer.objects.get(pk=bob.customer.pk)
    assert bob_customer.email == "bob@example.com" and bob_customer.full_name == "Bob Other"
    assert Address.objects.filter(user=bob.user).count() == 1
    assert Cart.objects.filter(user=bob.user).count() == 1
    assert NewsletterSubscriber.objects.filter(email="bob@example.com").exists()
    assert Order.objects.get(pk=bob.order.pk).shipping_address["name"] == "Bob Other"
    assert Review.objects.get(user=bob.user).author_name == "Bob Other"


def _snapshot(customer: Customer) -> tuple[object, ...]:
    customer.refresh_from_db()
    return (
        customer.email,
        customer.full_name,
        Address.objects.count(),
        Cart.objects.count(),
        NewsletterSubscriber.objects.count(),
        sorted(Order.objects.values_list("email", flat=True)),
        DataRequest.objects.count(),
        EventRecord.objects.filter(name="customer.erased").count(),
    )


# partially_refunded with nothing shipped yet: still open (see apps.privacy.selectors)
@pytest.mark.parametrize("status", ["pending", "paid", "partially_fulfilled", "partially_refunded"])
def test_an_open_order_refuses_the_erasure_and_changes_nothing(in_alpha, status):
    ada = shopper_make("ada@example.com")
    open_order = order_for(ada.customer, status=status, user=ada.user)
    before = _snapshot(ada.customer)

    with pytest.raises(ErasureRefused) as refused:
        customer_erase(customer=ada.customer, actor=None)

    assert refused.value.code == PrivacyErrorCode.OPEN_ORDERS
    assert refused.value.params == {"orders": [open_order.number]}
    assert f"#{open_order.number}" in refused.value.message
    assert _snapshot(ada.customer) == before
    assert _account_usable(ada)


def _account_usable(shopper) -> bool:  # type: ignore[no-untyped-def]
    shopper.user.refresh_from_db()
    return shopper.user.is_active and shopper.user.has_usable_password()


def test_closed_orders_do_not_refuse(in_alpha):
    ada = shopper_make("ada@example.com")
    for status in ("fulfilled", "cancelled", "refunded"):
        order_for(ada.customer, status=status)

    customer_erase(customer=ada.customer, actor=None)

    assert Order.objects.filter(email=f"erased-{ada.customer.pk}@invalid").count() == 4


def test_a_partial_refund_after_shipping_does_not_refuse(in_alpha):
    from django.utils import timezone

    from apps.fulfilment.models import Fulfilment

    ada = shopper_make("ada@example.com")
    shipped = order_for(ada.customer, status="partially_refunded")
    Fulfilment.objects.create(
        order=shipped, carrier="dhl", carrier_name="DHL", tracking_number="123", shipped_at=timezone.now()
    )

    customer_erase(customer=ada.customer, actor=None)

    assert Order.objects.get(pk=shipped.pk).email.startswith("erased-")


def test_an_open_return_refuses_the_erasure(in_alpha):
    ada = shopper_make("ada@example.com")
    ReturnRequest.objects.create(order=ada.order, reason="damaged", status="requested")
    before = _snapshot(ada.customer)

    with pytest.raises(ErasureRefused) as refused:
        customer_erase(customer=ada.customer, actor=None)

    assert refused.value.code == PrivacyErrorCode.OPEN_RETURNS
    assert _snapshot(ada.customer) == before


def test_a_customer_is_erased_once(in_alpha):
    ada = shopper_make("ada@example.com")
    customer_erase(customer=ada.customer, actor=None)

    with pytest.raises(ErasureRefused) as refused:
        customer_erase(customer=ada.customer, actor=None)

    assert refused.value.code == PrivacyErrorCode.ALREADY_ERASED
    assert DataRequest.objects.filter(kind="erase").count() == 1


def test_a_team_members_account_is_not_erased_from_here(in_alpha):
    ada = shopper_make("ada@example.com")
    User.objects.filter(pk=ada.user.pk).update(is_staff=True, store_role="staff")
    ada.customer.refresh_from_db()

    with pytest.raises(ErasureRefused) as refused:
        customer_erase(customer=ada.customer, actor=None)

    assert refused.value.code == PrivacyErrorCode.STAFF_ACCOUNT
    assert Customer.objects.get(pk=ada.customer.pk).email == "ada@example.com"
