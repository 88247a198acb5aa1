"""The vocabularies of payments: where a payment stands, how a refund went, which gateways
exist and how a shopper pays through each, how far a store's Stripe onboarding got."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class PaymentStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    REQUIRES_ACTION = "requires_action", _("Requires action")
    # The gateway has everything it needs and is working on it (a Stripe intent `processing`);
    # it ends succeeded or failed without the shopper.
    PROCESSING = "processing", _("Processing")
    AUTHORIZED = "authorized", _("Authorized")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")
    REFUNDED = "refunded", _("Refunded")
    PARTIALLY_REFUNDED = "partially_refunded", _("Partially refunded")


class RefundStatus(models.TextChoices):
    SUCCEEDED = "succeeded", _("Succeeded")
    PENDING = "pending", _("Pending")
    FAILED = "failed", _("Failed")


class GatewayCode(models.TextChoices):
    DUMMY = "dummy", _("Test payments")
    BANK_TRANSFER = "bank_transfer", _("Bank transfer")
    CASH_ON_DELIVERY = "cash_on_delivery", _("Cash on delivery")
    STRIPE = "stripe", _("Card (Stripe)")


class GatewayKind(models.TextChoices):
    """What the checkout page shows for a gateway."""

    TEST_CARD = "test_card", _("A card number field (test cards only)")
    PAYMENT_ELEMENT = "payment_element", _("Stripe's Payment Element")
    OFFLINE = "offline", _("Instructions; paid outside the shop")


class StripeOnboardingStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("Not connected")
    PENDING = "pending", _("Details required")
    RESTRICTED = "restricted", _("Under review or restricted")
    COMPLETE = "complete", _("Ready to take payments")
