"""Plans and their limits (`Plan`), each merchant's plan and billing state (`MerchantPlan`), and
the trail of every change platform staff make to it (`BillingAuditEntry`).

All three live in the public schema. A limit of NULL means unlimited. The Stripe side (H13's
`apps/billing/stripe*`) fills `Plan.stripe_price_id`, `MerchantPlan.stripe_customer_id` and
`stripe_subscription_id` and moves `MerchantPlan.status`; the limit checks in
`apps.billing.limits` only read these rows.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
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
    # Filled by `plans_push` (apps.billing.plan_sync): the Stripe Product this plan is sold as.
    stripe_product_id = models.CharField(_("Stripe product id"), max_length=255, blank=True)
    # AI credits beyond the plan's included `ai_credits_per_month`, billed through the Stripe
    # Billing Meter `ai_credits` (apps.billing.plan_sync). Empty: AI credits are not billed.
    ai_credit_price = models.DecimalField(
        _("price per AI credit beyond the included ones"),
        max_digits=10,
        decimal_places=4,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("Empty means AI credits are not billed beyond the plan."),
    )
    # Filled by `plans_push`: the metered Price on the AI-credits meter (a second Checkout line).
    stripe_metered_price_id = models.CharField(_("Stripe metered price id"), max_length=255, blank=True)
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
        STORE_DELETION_SCHEDULED = "store_deletion_scheduled", _("Store deletion scheduled")
        STORE_DELETED = "store_deleted", _("Store deleted after the retention period")

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


# ------------------------------------------------------------------------------
# Metering (apps.billing.metering) and orders per day (apps.billing.order_metering)
# ------------------------------------------------------------------------------
class Meter(models.TextChoices):
    """What is metered; each value is also the Stripe Billing Meter's `event_name`."""

    AI_CREDITS = "ai_credits", _("AI credits")


class UsageRecord(models.Model):
    """One use of a metered thing by one store (public schema, keyed by the store's tenant: the
    Stripe reporter walks every store's records in one query). Written once per
    (store, meter, idempotency key); `reported_at` is set once Stripe has the meter event whose
    `identifier` is `stripe_identifier`."""

    uuid = models.UUIDField(_("id"), default=uuid.uuid4, unique=True, editable=False)
    tenant = models.ForeignKey(
        "tenants.Tenant", on_delete=models.CASCADE, related_name="usage_records", verbose_name=_("store")
    )
    # The store's merchant when recorded (None: a platform-owned store, which nobody bills).
    merchant = models.ForeignKey(
        "platform.Merchant",
        on_delete=models.CASCADE,
        related_name="usage_records",
        verbose_name=_("merchant"),
        null=True,
        blank=True,
    )
    meter = models.CharField(_("meter"), max_length=40, choices=Meter.choices)
    quantity = models.PositiveIntegerField(_("quantity"))
    idempotency_key = models.CharField(_("idempotency key"), max_length=200)
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now)
    reported_at = models.DateTimeField(_("reported to Stripe"), null=True, blank=True)

    class Meta:
        ordering = ["-recorded_at", "-id"]
        verbose_name = _("usage record")
        verbose_name_plural = _("usage records")
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "meter", "idempotency_key"], name="billing_usage_once_per_key"
            ),
            models.CheckConstraint(
                condition=models.Q(quantity__gt=0), name="billing_usage_quantity_positive"
            ),
        ]
        indexes = [
            models.Index(fields=["merchant", "meter", "recorded_at"], name="billing_usage_merchant_period"),
            models.Index(
                fields=["recorded_at"], name="billing_usage_unreported", condition=models.Q(reported_at=None)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.meter} x{self.quantity} ({self.tenant_id})"

    @property
    def stripe_identifier(self) -> str:
        return f"usage-{self.uuid}"


class StoreOrderDay(models.Model):
    """How many orders one store took on one (UTC) day and how many of them were beyond its
    plan's orders per day. The row is the lock that counts a store's orders one at a time."""

    tenant = models.ForeignKey(
        "tenants.Tenant", on_delete=models.CASCADE, related_name="order_days", verbose_name=_("store")
    )
    day = models.DateField(_("day"))
    orders = models.PositiveIntegerField(_("orders"), default=0)
    overage_orders = models.PositiveIntegerField(_("orders beyond the plan"), default=0)

    class Meta:
        ordering = ["-day"]
        verbose_name = _("store order day")
        verbose_name_plural = _("store order days")
        constraints = [models.UniqueConstraint(fields=["tenant", "day"], name="billing_order_day_once")]

    def __str__(self) -> str:
        return f"{self.tenant_id} {self.day}: {self.orders} ({self.overage_orders} over)"


class MeteredOrder(models.Model):
    """One order counted against its store's orders per day (once per order, so a redelivered
    event counts nothing), flagged `overage` when it was beyond the plan. The order itself is
    never refused."""

    tenant = models.ForeignKey(
        "tenants.Tenant", on_delete=models.CASCADE, related_name="metered_orders", verbose_name=_("store")
    )
    order_uuid = models.UUIDField(_("order"))
    number = models.CharField(_("order number"), max_length=40, blank=True)
    day = models.DateField(_("day"))
    overage = models.BooleanField(_("beyond the plan"), default=False)
    created_at = models.DateTimeField(_("counted"), auto_now_add=True)

    class Meta:
        ordering = ["-day", "-id"]
        verbose_name = _("metered order")
        verbose_name_plural = _("metered orders")
        constraints = [
            models.UniqueConstraint(fields=["tenant", "order_uuid"], name="billing_metered_order_once")
        ]

    def __str__(self) -> str:
        return f"{self.number or self.order_uuid}{' (overage)' if self.overage else ''}"


class BillingDetails(models.Model):
    """The merchant's billing address and VAT id as last pushed to its Stripe customer (Stripe
    prints them on invoices); kept here to show them without asking Stripe."""

    merchant = models.OneToOneField(
        "platform.Merchant",
        on_delete=models.CASCADE,
        related_name="billing_details",
        verbose_name=_("merchant"),
    )
    country = models.CharField(_("country"), max_length=2)
    line1 = models.CharField(_("address line 1"), max_length=200)
    line2 = models.CharField(_("address line 2"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20)
    city = models.CharField(_("city"), max_length=100)
    tax_id = models.CharField(_("VAT number"), max_length=30, blank=True)
    stripe_tax_id = models.CharField(_("Stripe tax id object"), max_length=255, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("billing details")
        verbose_name_plural = _("billing details")

    def __str__(self) -> str:
        return f"{self.merchant_id}: {self.city}, {self.country}"


class BillingStripeObject(models.Model):
    """A Stripe object the platform sets up once for billing, by what it is for: the Customer
    Portal configuration (`portal_configuration`) and the AI-credits Billing Meter
    (`meter:ai_credits`). Kept so that a second setup finds the object instead of making
    another."""

    key = models.CharField(_("key"), max_length=100, unique=True)
    stripe_id = models.CharField(_("Stripe id"), max_length=255)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("Stripe billing object")
        verbose_name_plural = _("Stripe billing objects")

    def __str__(self) -> str:
        return f"{self.key}: {self.stripe_id}"


class BillingNotice(models.Model):
    """One lifecycle email to a merchant's owners (apps.billing.lifecycle), unique per merchant and
    `key`: the key names the transition, reminder or warning ("payment_failed:<grace end>"), so a
    duplicate or re-ordered webhook, or a job run twice, finds the row and sends nothing again.
    Written in the transaction of the change it announces and delivered after commit; `sent_at`
    stays empty until the mail server took it, and the lifecycle job retries until then."""

    class Kind(models.TextChoices):
        TRIAL_STARTED = "trial_started", _("Trial started")
        TRIAL_ENDING = "trial_ending", _("Trial ending soon")
        TRIAL_ENDED = "trial_ended", _("Trial ended (stores read-only)")
        SUBSCRIPTION_ACTIVE = "subscription_active", _("Subscription active")
        PAYMENT_FAILED = "payment_failed", _("Payment failed (stores read-only)")
        DUNNING_REMINDER = "dunning_reminder", _("Payment reminder")
        STORES_SUSPENDED = "stores_suspended", _("Stores suspended")
        CANCELLED = "cancelled", _("Subscription cancelled")
        REACTIVATED = "reactivated", _("Reactivated")
        DELETION_WARNING = "deletion_warning", _("Store deletion warning")
        STORE_DELETED = "store_deleted", _("Store deleted")

    merchant = models.ForeignKey(
        "platform.Merchant",
        on_delete=models.CASCADE,
        related_name="billing_notices",
        verbose_name=_("merchant"),
    )
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    key = models.CharField(_("key"), max_length=200)
    # What the email says (dates as ISO text, store names), fixed when the change happened.
    context = models.JSONField(_("context"), default=dict, blank=True)
    recipients = models.JSONField(_("recipients"), default=list, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("billing notice")
        verbose_name_plural = _("billing notices")
        constraints = [
            models.UniqueConstraint(fields=["merchant", "key"], name="billing_notice_once_per_key")
        ]
        indexes = [
            models.Index(
                fields=["created_at"], condition=models.Q(sent_at__isnull=True), name="billing_notice_unsent"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.merchant}"
