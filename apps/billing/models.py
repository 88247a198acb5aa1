"""Plans and their limits (`Plan`), each merchant's plan and billing state (`MerchantPlan`), and
the trail of every change platform staff make to it (`BillingAuditEntry`).

All three live in the public schema. A limit of NULL means unlimited. The Stripe side (H13's
`apps/billing/stripe*`) fills `Plan.stripe_price_id`, `MerchantPlan.stripe_customer_id` and
`stripe_subscription_id` and moves `MerchantPlan.status`; the limit checks in
`apps.billing.limits` only read these rows.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.core.models import TimeStampedModel

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class Limit(models.TextChoices):
    """What a plan limits. Each value is the name of the `Plan` field holding the limit and the
    key of `MerchantPlan.limit_overrides`."""

    STORES = "max_stores", _("stores")
    PRODUCTS_PER_STORE = "max_products_per_store", _("products per store")
    ORDERS_PER_DAY = "max_orders_per_day", _("orders per day")
    STAFF_SEATS = "max_staff_seats", _("staff seats")
    MEDIA_MB = "max_media_mb", _("MB of media storage")
    AI_CREDITS_PER_MONTH = "ai_credits_per_month", _("AI credits per month")
    API_REQUESTS_PER_MINUTE = "api_requests_per_minute", _("API requests per minute")


def _limit_field(verbose_name: StrOrPromise) -> models.PositiveIntegerField:
    return models.PositiveIntegerField(
        verbose_name, null=True, blank=True, help_text=_("Empty means unlimited.")
    )


class Plan(TimeStampedModel):
    """What a merchant may do for what price. Plans and limits are data, edited by staff."""

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    # For display in the console; Stripe's price (stripe_price_id) is what is charged.
    monthly_price = models.DecimalField(
        _("monthly price"),
        max_digits=10,
        decimal_places=2,
        default=Decimal("0.00"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    stripe_price_id = models.CharField(_("Stripe price id"), max_length=255, blank=True)
    trial_days = models.PositiveSmallIntegerField(_("trial days"), default=14)
    is_public = models.BooleanField(_("offered on the pricing page"), default=True)
    is_default_trial = models.BooleanField(
        _("default trial plan"),
        default=False,
        help_text=_("A merchant without a plan starts a free trial on this plan, without a card."),
    )
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)
    active = models.BooleanField(_("active"), default=True)

    max_stores = _limit_field(_("stores"))
    max_products_per_store = _limit_field(_("products per store"))
    max_orders_per_day = _limit_field(_("orders per day"))
    max_staff_seats = _limit_field(_("staff seats"))
    max_media_mb = _limit_field(_("media storage (MB)"))
    ai_credits_per_month = _limit_field(_("AI credits per month"))
    api_requests_per_minute = _limit_field(_("API requests per minute"))

    class Meta:
        ordering = ["sort_order", "monthly_price", "code"]
        verbose_name = _("plan")
        verbose_name_plural = _("plans")
        constraints = [
            models.UniqueConstraint(
                fields=["is_default_trial"],
                condition=models.Q(is_default_trial=True),
                name="billing_plan_one_default_trial",
            ),
            models.CheckConstraint(
                condition=models.Q(monthly_price__gte=0), name="billing_plan_price_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def limit_value(self, limit: Limit | str) -> int | None:
        return getattr(self, Limit(limit).value)


class MerchantPlan(models.Model):
    """One merchant's plan and billing state: the row the limit checks lock and read."""

    class Status(models.TextChoices):
        TRIALING = "trialing", _("Trialing")
        ACTIVE = "active", _("Active")
        PAST_DUE = "past_due", _("Past due")
        CANCELLED = "cancelled", _("Cancelled")
        COMPED = "comped", _("Complimentary")

    merchant = models.OneToOneField(
        "platform.Merchant", on_delete=models.CASCADE, related_name="billing_plan", verbose_name=_("merchant")
    )
    plan = models.ForeignKey(
        Plan, on_delete=models.PROTECT, related_name="merchant_plans", verbose_name=_("plan")
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.TRIALING, db_index=True
    )
    trial_ends_at = models.DateTimeField(_("trial ends"), null=True, blank=True)
    current_period_end = models.DateTimeField(_("current period ends"), null=True, blank=True)
    grace_until = models.DateTimeField(_("read-only grace period ends"), null=True, blank=True)
    # {"max_stores": 5, "max_staff_seats": null}: a key present overrides the plan (null = unlimited).
    limit_overrides = models.JSONField(_("limit overrides"), default=dict, blank=True)
    stripe_customer_id = models.CharField(_("Stripe customer id"), max_length=255, blank=True, db_index=True)
    stripe_subscription_id = models.CharField(
        _("Stripe subscription id"), max_length=255, blank=True, db_index=True
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("merchant plan")
        verbose_name_plural = _("merchant plans")

    def __str__(self) -> str:
        return f"{self.merchant} — {self.plan} ({self.get_status_display()})"

    def limit_value(self, limit: Limit | str) -> int | None:
        """The limit in force: the override when one is set for it, else the plan's."""
        key = Limit(limit).value
        overrides = self.limit_overrides or {}
        if key in overrides:
            value = overrides[key]
            return None if value is None else int(value)
        return self.plan.limit_value(key)


class BillingAuditEntry(models.Model):
    """One change to a merchant's plan or billing state. Rows are only ever added."""

    class Action(models.TextChoices):
        PLAN_ASSIGNED = "plan_assigned", _("Plan assigned")
        PLAN_CHANGED = "plan_changed", _("Plan changed")
        PLAN_COMPED = "plan_comped", _("Plan comped")
        TRIAL_STARTED = "trial_started", _("Trial started")
        TRIAL_EXTENDED = "trial_extended", _("Trial extended")
        OVERRIDES_CHANGED = "overrides_changed", _("Limit overrides changed")
        STATUS_CHANGED = "status_changed", _("Status changed")
        PLAN_EDITED = "plan_edited", _("Plan edited")

    merchant = models.ForeignKey(
        "platform.Merchant",
        on_delete=models.CASCADE,
        related_name="billing_audit_entries",
        null=True,
        blank=True,
        help_text=_("Empty for changes to a plan itself."),
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Kept as text too, so the trail still names people whose accounts were deleted.
    actor_email = models.EmailField(_("by"), blank=True)
    action = models.CharField(_("action"), max_length=30, choices=Action.choices)
    before = models.JSONField(_("before"), default=dict, blank=True)
    after = models.JSONField(_("after"), default=dict, blank=True)
    created_at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("billing audit entry")
        verbose_name_plural = _("billing audit entries")
        indexes = [models.Index(fields=["merchant", "-created_at"], name="billing_audit_recent")]

    def __str__(self) -> str:
        return f"{self.get_action_display()}: {self.merchant}"
