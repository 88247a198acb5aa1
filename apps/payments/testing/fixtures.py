"""pytest fixtures for payments: a running fake Stripe with the settings pointed at it, and a
recorder of dispatched payment updates. Load them with
`pytest_plugins = ["apps.payments.testing.fixtures"]` in the root conftest, or import the
names into an app's conftest."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from apps.payments.gateways.base import PaymentUpdate
from apps.payments.testing.fake_stripe import FakeStripe


@pytest.fixture
def fake_stripe(settings) -> Iterator[FakeStripe]:  # type: ignore[no-untyped-def]
    """A fresh fake Stripe on 127.0.0.1 (random port) for one test; STRIPE_* settings point at
    it (API base, Stripe.js URL, keys, webhook secret) and are restored afterwards."""
    fake = FakeStripe().start()
    for name, value in fake.settings_overrides().items():
        setattr(settings, name, value)
    try:
        yield fake
    finally:
        fake.stop()


class UpdateRecorder:
    """Stands in for the payment-update handlers (orders) during a test."""

    def __init__(self) -> None:
        self.updates: list[tuple[str, PaymentUpdate]] = []
        self.fail_with: Exception | None = None

    def __call__(self, update: PaymentUpdate) -> None:
        from apps.core.tenancy import current_schema

        if self.fail_with is not None:
            raise self.fail_with
        self.updates.append((current_schema(), update))


@pytest.fixture
def payment_updates(monkeypatch) -> UpdateRecorder:  # type: ignore[no-untyped-def]
    """Replace every registered payment-update handler with a recorder for this test (the
    handlers of other apps are restored afterwards)."""
    from apps.payments import updates

    recorder = UpdateRecorder()
    monkeypatch.setattr(updates, "_handlers", {"recorder": recorder})
    return recorder
