"""Gift cards and store credit: balances that pay for orders, each with a ledger of every change.

A gift card's `balance` is changed only by the services in `apps.checkout.services.balances`,
with conditional UPDATEs (`balance >= amount`), and each change writes one
`GiftCardTransaction` holding the balance after it. The database keeps the balance between 0
and `loaded_total` (the initial balance plus every top-up). Codes are stored upper case and
matched without regard to case.

Store credit has no balance column: a shopper's balance is their latest (highest id)
`StoreCreditEntry`'s `balance_after`. The debit service locks the shopper's user row before reading it, so two debits
cannot both spend the same credit, and the database refuses any entry leaving a negative balance.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Upper
from django.utils.translation import gettext_lazy as _

from apps.core.models import TimeStampedModel


class GiftCard(TimeStampedModel):
    # The public id (the admin API's): the code is a secret that spends the balance.
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    code = models.CharField(_("code"), max_length=32, unique=True)
    initial_balance = models.DecimalField(_("initial balance"), max_digits=12, decimal_places=3)
    # The initial balance plus every top-up: the most the card can ever hold.
    loaded_total = models.DecimalField(_("loaded in total"), max_digits=12, decimal_places=3)
    balance = models.DecimalField(_("balance"), max_digits=12, decimal_places=3)
    currency = models.CharField(_("currency"), max_length=3)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    active = models.BooleanField(_("active"), default=True)
    issued_to_email = models.EmailField(_("issued to"), blank=True)
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("gift card")
        verbose_name_plural = _("gift cards")
        constraints = [
            models.CheckConstraint(
                condition=Q(code=Upper("code")) & Q(code__regex=r"^[A-Z0-9-]{4,32}$"),
                name="checkout_gift_card_code_form",
            ),
            models.CheckConstraint(
                condition=Q(initial_balance__gt=0), name="checkout_gift_card_initial_positive"
            ),
            models.CheckConstraint(
                condition=Q(loaded_total__gte=F("initial_balance")), name="checkout_gift_card_loaded_total"
            ),
            models.CheckConstraint(
                condition=Q(balance__gte=0, balance__lte=F("loaded_total")),
                name="checkout_gift_card_balance_range",
            ),
            models.CheckConstraint(
                condition=Q(currency__regex=r"^[A-Z]{3}$"), name="checkout_gift_card_currency_iso"
            ),
        ]

    def __str__(self) -> str:
        return f"…{self.code[-4:]}"


class GiftCardTransaction(models.Model):
    class Kind(models.TextChoices):
        ISSUED = "issued", _("Issued")
        REDEEMED = "redeemed", _("Used for an order")
        REVERSED = "reversed", _("Given back (order cancelled)")
        REFUNDED = "refunded", _("Refunded to the card")
        ADJUSTED = "adjusted", _("Adjusted by staff")

    gift_card = models.ForeignKey(GiftCard, on_delete=models.CASCADE, related_name="transactions")
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices)
    # Signed: negative takes from the card.
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=3)
    balance_after = models.DecimalField(_("balance after"), max_digits=12, decimal_places=3)
    # The order's reference for a redemption, its reversal or a refund of it; "" otherwise.
    reference = models.CharField(_("reference"), max_length=64, blank=True)
    note = models.CharField(_("note"), max_length=255, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("gift card transaction")
        verbose_name_plural = _("gift card transactions")
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="checkout_gift_tx_amount_not_zero"),
            models.CheckConstraint(
                condition=Q(balance_after__gte=0), name="checkout_gift_tx_balance_not_negative"
            ),
            models.CheckConstraint(
                condition=(Q(kind="redeemed") & Q(amount__lt=0) & ~Q(reference=""))
                | (Q(kind="reversed") & Q(amount__gt=0) & ~Q(reference=""))
                | (Q(kind="refunded") & Q(amount__gt=0) & ~Q(reference=""))
                | (Q(kind="issued") & Q(amount__gt=0))
                | Q(kind="adjusted"),
                name="checkout_gift_tx_kind_sign",
            ),
            # One debit per card per order, and one give-back of it.
            models.UniqueConstraint(
                fields=["gift_card", "kind", "reference"],
                condition=Q(kind__in=["redeemed", "reversed"]),
                name="checkout_gift_tx_once_per_order",
            ),
        ]
        indexes = [models.Index(fields=["reference"], name="checkout_gift_tx_reference")]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount} on {self.gift_card_id}"


class StoreCreditEntry(models.Model):
    class Kind(models.TextChoices):
        GRANTED = "granted", _("Granted")
        REDEEMED = "redeemed", _("Used for an order")
        REVERSED = "reversed", _("Given back (order cancelled)")
        ADJUSTED = "adjusted", _("Adjusted by staff")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="store_credit")
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices)
    # Signed: negative spends credit.
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=3)
    balance_after = models.DecimalField(_("balance after"), max_digits=12, decimal_places=3)
    currency = models.CharField(_("currency"), max_length=3)
    reason = models.CharField(_("reason"), max_length=255, blank=True)
    reference = models.CharField(_("reference"), max_length=64, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("store credit entry")
        verbose_name_plural = _("store credit entries")
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="checkout_credit_amount_not_zero"),
            models.CheckConstraint(
                condition=Q(balance_after__gte=0), name="checkout_credit_balance_not_negative"
            ),
            models.CheckConstraint(
                condition=(Q(kind="redeemed") & Q(amount__lt=0) & ~Q(reference=""))
                | (Q(kind="reversed") & Q(amount__gt=0) & ~Q(reference=""))
                | (Q(kind="granted") & Q(amount__gt=0))
                | Q(kind="adjusted"),
                name="checkout_credit_kind_sign",
            ),
            models.UniqueConstraint(
                fields=["user", "kind", "reference"],
                condition=Q(kind__in=["redeemed", "reversed"]),
                name="checkout_credit_once_per_order",
            ),
        ]
        indexes = [models.Index(fields=["user", "-id"], name="checkout_credit_latest")]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount} for {self.user_id}"
