"""A store's payment setup (one row per schema) and the state of its dummy-gateway payments."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from apps.core.models import TimeStampedModel
from apps.payments.enums import PaymentStatus, RefundStatus, StripeOnboardingStatus

PAYMENT_SETTINGS_PK = 1


class PaymentSettings(TimeStampedModel):
    """Which payment methods this store's shoppers may use, and the store's Stripe Connect
    account as Stripe last described it.

    One row per schema, its primary key pinned to 1 by a constraint (as `StoreSettings`). Read it
    with `apps.payments.selectors.payment_settings_get`; change the merchant's choices with
    `apps.payments.services.payment_settings_update`; the Stripe fields change only through
    `apps.payments.connect` (onboarding, and `account.updated` webhooks), which keeps them
    monotonic in `stripe_status_updated_at`.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=PAYMENT_SETTINGS_PK, editable=False)

    # The local default, so a new store can sell at once; production refuses it platform-wide
    # (setting PAYMENTS_DUMMY_ENABLED) whatever this says.
    dummy_enabled = models.BooleanField(_("test payments"), default=True)
    bank_transfer_enabled = models.BooleanField(_("bank transfer"), default=False)
    bank_transfer_instructions = models.TextField(_("bank transfer instructions"), blank=True)
    cash_on_delivery_enabled = models.BooleanField(_("cash on delivery"), default=False)
    cash_on_delivery_instructions = models.TextField(_("cash on delivery instructions"), blank=True)
    stripe_enabled = models.BooleanField(_("card payments through Stripe"), default=False)

    # Stripe Connect (Express) account of the merchant, as its last applied state says.
    stripe_account_id = models.CharField(_("Stripe account"), max_length=255, blank=True)
    stripe_charges_enabled = models.BooleanField(_("charges enabled"), default=False)
    stripe_payouts_enabled = models.BooleanField(_("payouts enabled"), default=False)
    stripe_details_submitted = models.BooleanField(_("details submitted"), default=False)
    stripe_onboarding_status = models.CharField(
        _("onboarding"),
        max_length=20,
        choices=StripeOnboardingStatus.choices,
        default=StripeOnboardingStatus.NOT_STARTED,
    )
    stripe_requirements_due = models.JSONField(_("information Stripe still needs"), default=list, blank=True)
    stripe_disabled_reason = models.CharField(
        _("why Stripe restricts the account"), max_length=100, blank=True
    )
    # When the applied account state was true at Stripe (an event's `created`, or the time of a
    # retrieve): an older state arriving later is ignored.
    stripe_status_updated_at = models.DateTimeField(_("Stripe status as of"), null=True, blank=True)

    class Meta:
        verbose_name = _("payment settings")
        verbose_name_plural = _("payment settings")
        constraints = [
            models.CheckConstraint(condition=Q(id=PAYMENT_SETTINGS_PK), name="payments_settings_single_row"),
            models.CheckConstraint(
                condition=Q(bank_transfer_enabled=False) | ~Q(bank_transfer_instructions=""),
                name="payments_settings_bank_transfer_has_instructions",
            ),
            models.CheckConstraint(
                condition=Q(stripe_account_id="") | Q(stripe_account_id__startswith="acct_"),
                name="payments_settings_stripe_account_form",
            ),
            models.CheckConstraint(
                condition=Q(stripe_onboarding_status__in=StripeOnboardingStatus.values),
                name="payments_settings_onboarding_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return str(_("Payment settings"))


class DummyPayment(TimeStampedModel):
    """One payment taken by the dummy gateway: its answer must survive the request so that
    `retrieve`, `refund` and the authentication page see the same payment, and a repeated
    `start` with the same idempotency key gets the same answer."""

    external_id = models.CharField(_("payment id"), max_length=64, unique=True)
    idempotency_key = models.CharField(_("idempotency key"), max_length=255, unique=True)
    reference = models.CharField(_("reference"), max_length=255)
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=3)
    amount_refunded = models.DecimalField(_("refunded"), max_digits=12, decimal_places=3, default=0)
    currency = models.CharField(_("currency"), max_length=3)
    status = models.CharField(_("status"), max_length=20, choices=PaymentStatus.choices)
    card_last4 = models.CharField(_("card"), max_length=4, blank=True)
    email = models.EmailField(_("email"), blank=True)
    description = models.CharField(_("description"), max_length=255, blank=True)
    error_code = models.CharField(_("error"), max_length=50, blank=True)
    return_url = models.CharField(_("return address"), max_length=2000, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("test payment")
        verbose_name_plural = _("test payments")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payments_dummy_amount_positive"),
            models.CheckConstraint(
                condition=Q(amount_refunded__gte=0) & Q(amount_refunded__lte=F("amount")),
                name="payments_dummy_refund_within_amount",
            ),
            models.CheckConstraint(
                condition=Q(status__in=PaymentStatus.values), name="payments_dummy_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.external_id} ({self.status})"


class DummyRefund(TimeStampedModel):
    """A refund of a dummy payment, unique on its idempotency key like a Stripe refund."""

    payment = models.ForeignKey(DummyPayment, on_delete=models.CASCADE, related_name="refunds")
    external_id = models.CharField(_("refund id"), max_length=64, unique=True)
    idempotency_key = models.CharField(_("idempotency key"), max_length=255, unique=True)
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=3)
    status = models.CharField(_("status"), max_length=20, choices=RefundStatus.choices)
    error_code = models.CharField(_("error"), max_length=50, blank=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payments_dummy_refund_amount_positive"),
            models.CheckConstraint(
                condition=Q(status__in=RefundStatus.values), name="payments_dummy_refund_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.external_id} ({self.status})"
