"""A customer with a bit of everything the store may hold about them, in the schema the
connection is on (the privacy tests' data)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal

from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount

from apps.accounts.models import User
from apps.checkout.models import Cart, CartLine, Checkout, GiftCard, StoreCreditEntry
from apps.checkout.tests.factories import variant_make
from apps.customers.models import Address, Customer, WishlistItem
from apps.notifications.models import Delivery
from apps.orders.models import Order, OrderLine, Payment
from apps.orders.tests.factories import order_row
from apps.reviews.models import Review, ReviewStatus
from apps.stores.models import NewsletterSubscriber
from tests.fixtures import PASSWORD

SHIPPING = {
    "name": "Ada Shopper",
    "line1": "Hauptstr. 1",
    "city": "Berlin",
    "postal_code": "10115",
    "country": "DE",
    "phone": "+4930123456",
}


@dataclass
class Shopper:
    user: User
    customer: Customer
    order: Order


def order_for(customer: Customer, *, status: str = "delivered", user: User | None = None) -> Order:
    order = order_row(
        status=status,
        email=customer.email,
        customer=customer,
        user=user,
        shipping_address={**SHIPPING, "name": customer.full_name},
        billing_address={**SHIPPING, "name": customer.full_name},
    )
    OrderLine.objects.create(
        order=order,
        product_title="Linen shirt",
        sku="LINEN-1",
        quantity=2,
        unit_price=Decimal("5.00"),
        subtotal=Decimal("10.00"),
        total=Decimal("10.00"),
    )
    return order


def shopper_make(email: str = "ada@example.com", *, name: str = "Ada Shopper") -> Shopper:
    """A signed-up shopper with their customer record, one delivered order, a saved address, a
    review, a wishlist item, an open cart, a newsletter sign-up, a gift card, store credit, a
    social sign-in and an email sent to them."""
    user = User.objects.create_user(email, PASSWORD, full_name=name)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    SocialAccount.objects.create(user=user, provider="google", uid=f"uid-{uuid.uuid4().hex[:8]}")
    customer = Customer.objects.create(
        email=email, user=user, full_name=name, phone="+4930123456", accepts_marketing=True, note="VIP"
    )
    order = order_for(customer, user=user)
    Payment.objects.create(
        order=order,
        attempt=1,
        gateway="dummy",
        idempotency_key=f"order:{order.uuid}:attempt:1",
        amount=Decimal("10.00"),
        currency=order.currency,
        status="succeeded",
    )
    Address.objects.create(
        user=user, name=name, line1="Hauptstr. 1", city="Berlin", country="DE", is_default=True
    )
    variant = variant_make(title=f"Shirt of {name}")
    Review.objects.create(
        product=variant.product,
        user=user,
        author_name=name,
        rating=5,
        title="Lovely",
        body="Fits well",
        status=ReviewStatus.PUBLISHED,
    )
    WishlistItem.objects.create(user=user, product=variant.product)
    cart = Cart.objects.create(user=user, currency=order.currency)
    CartLine.objects.create(cart=cart, variant=variant, quantity=1, unit_price_snapshot=variant.price)
    Checkout.objects.create(cart=cart, user=user, email=email, shipping_address=SHIPPING)
    NewsletterSubscriber.objects.create(email=email, source="home")
    GiftCard.objects.create(
        code=f"GIFT{uuid.uuid4().hex[:8].upper()}",
        initial_balance=Decimal("25.00"),
        loaded_total=Decimal("25.00"),
        balance=Decimal("25.00"),
        currency=order.currency,
        issued_to_email=email,
    )
    StoreCreditEntry.objects.create(
        user=user,
        kind=StoreCreditEntry.Kind.GRANTED,
        amount=Decimal("3.00"),
        balance_after=Decimal("3.00"),
        currency=order.currency,
        reason="Sorry for the delay",
    )
    Delivery.objects.create(
        template="order_confirmation",
        to=email,
        subject=f"Thanks, {name}",
        status=Delivery.Status.SENT,
        key=f"test:{uuid.uuid4()}",
        order_uuid=order.uuid,
        context={"name": name},
    )
    return Shopper(user=user, customer=customer, order=order)
