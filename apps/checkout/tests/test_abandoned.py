"""The per-store job that announces abandoned checkouts (`cart.abandoned`), once each."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.checkout.models import Cart, Checkout
from apps.checkout.services import CART_ABANDONED, carts_abandoned_notify, checkout_complete_mark
from apps.checkout.tests.factories import checkout_make
from apps.core.jobs import store_job_get
from apps.core.models import EventRecord
from tests.fixtures import StoreWorld

pytestmark = pytest.mark.django_db


def _idle(checkout: Checkout, *, minutes: int) -> None:
    then = timezone.now() - timedelta(minutes=minutes)
    Checkout.objects.filter(pk=checkout.pk).update(updated_at=then)
    Cart.objects.filter(pk=checkout.cart_id).update(updated_at=then)


def _announced(checkout: Checkout) -> list[EventRecord]:
    return list(EventRecord.objects.filter(name=CART_ABANDONED, payload__checkout=str(checkout.token)))


def test_job_is_registered() -> None:
    job = store_job_get("checkout.carts_abandoned")
    assert job.func is carts_abandoned_notify


def test_an_idle_checkout_with_an_email_is_announced_once(in_alpha: StoreWorld, settings) -> None:  # type: ignore[no-untyped-def]
    settings.CHECKOUT_ABANDONED_AFTER_MINUTES = 30
    # given a checkout with an email and two units, untouched for 31 minutes
    checkout = checkout_make(quantity=2, email="late@example.com")
    _idle(checkout, minutes=31)
    # when the job runs twice
    assert carts_abandoned_notify() >= 1
    carts_abandoned_notify()
    # then it was announced once, with what a reminder email needs
    (event,) = _announced(checkout)
    assert event.payload["email"] == "late@example.com"
    assert event.payload["cart"] == str(checkout.cart.token)
    assert (event.payload["lines"], event.payload["units"], event.payload["currency"]) == (1, 2, "EUR")
    assert Checkout.objects.get(pk=checkout.pk).abandoned_notified_at is not None


def test_not_announced_too_early_without_email_or_once_completed(in_alpha: StoreWorld, settings) -> None:  # type: ignore[no-untyped-def]
    settings.CHECKOUT_ABANDONED_AFTER_MINUTES = 30
    recent = checkout_make()
    _idle(recent, minutes=29)
    anonymous = checkout_make(email="")
    _idle(anonymous, minutes=120)
    completed = checkout_make()
    checkout_complete_mark(checkout=completed, order_reference=f"order-{completed.pk}")
    _idle(completed, minutes=120)
    cart_changed = checkout_make()
    _idle(cart_changed, minutes=120)
    Cart.objects.filter(pk=cart_changed.cart_id).update(updated_at=timezone.now())  # the shopper is back
    emptied = checkout_make()
    emptied.cart.lines.all().delete()
    _idle(emptied, minutes=120)

    carts_abandoned_notify()

    for checkout in (recent, anonymous, completed, cart_changed, emptied):
        assert _announced(checkout) == []
