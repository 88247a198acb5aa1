"""pytest fixtures for billing against the fake Stripe: import `fake_stripe_billing` into a
test module (or conftest) to use it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from apps.billing.testing.fake_stripe_billing import FakeStripeBilling


@pytest.fixture
def fake_stripe_billing(settings) -> Iterator[FakeStripeBilling]:  # type: ignore[no-untyped-def]
    """A fresh fake Stripe with the billing slice on 127.0.0.1 (random port); the STRIPE_*
    settings point at it for one test."""
    fake = FakeStripeBilling()
    fake.start()
    for name, value in fake.settings_overrides().items():
        setattr(settings, name, value)
    try:
        yield fake
    finally:
        fake.stop()
