"""Platform staff tools: plans and limits are data edited here; a merchant's plan is comped,
its trial extended and its limits overridden here. Every change goes through `apps.billing.services`,
which writes a `BillingAuditEntry` naming the staff member and the state before and after."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from apps.billing.limits import BillingError
from apps.billing.models import (
    BillingAuditEntry,
    BillingDetails,
    MerchantPlan,
    Plan,
    StoreOrderDay,
    UsageRecord,
)
from apps.billing.plan_sync import plans_push
from apps.billing.services import (
    limit_overrides_clean,
    merchant_plan_comp,
    merchant_plan_trial_extend,
    merchant_plan_update,
    plan_save,
    plan_snapshot,
)
from apps.core.errors import ApplicationError


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "code",
        "monthly_price",
        "currency",
        "active",
        "is_public",
        "is_default_trial",
        "max_stores",
        "max_products_per_store",
        "max_staff_seats",
    ]
    list_editable = ["active", "is_public"]
    ordering = ["sort_order", "monthly_price"]
    fieldsets = [
        (None, {"fields": ["code", "name", "description", "sort_order", "active", "is_public"]}),
        (
            _("Price"),
            {
                "fields": [
                    "monthly_price",
                    "currency",
                    "stripe_price_id",
                    "stripe_product_id",
                    "ai_credit_price",
                    "stripe_metered_price_id",
                ]
            },
        ),
        (_("Trial"), {"fields": ["trial_days", "is_default_trial"]}),
        (
            _("Limits (empty = unlimited)"),
            {
                "fields": [
                    "max_stores",
                    "max_products_per_store",
                    "max_orders_per_day",
                    "max_staff_seats",
                    "max_media_mb",
                    "ai_credits_per_month",
                    "api_requests_per_minute",
                ]
            },
        ),
    ]

    actions = ["push_to_stripe"]
    readonly_fields = ["stripe_product_id", "stripe_metered_price_id"]

    @admin.action(description=_("Create or update in Stripe (product and monthly price)"))
    def push_to_stripe(self, request: HttpRequest, queryset: QuerySet[Plan]) -> None:
        try:
            results = plans_push(plans=list(queryset), actor=request.user)  # type: ignore[arg-type]
        except ApplicationError as error:
            self.message_user(request, error.message, messages.ERROR)
            return
        changed = sum(1 for result in results if result.changed)
        self.message_user(
            request,
            gettext("%(count)d plan(s) pushed to Stripe, %(changed)d changed.")
            % {"count": len(results), "changed": changed},
            messages.SUCCESS,
        )

    def has_delete_permission(self, request: HttpRequest, obj: Plan | None = None) -> bool:
        # A plan merchants are on is retired (active off), never deleted (the FK protects too).
        if obj is not None and obj.merchant_plans.exists():
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request: HttpRequest, obj: Plan, form: Any, change: bool) -> None:
        before = plan_snapshot(Plan.objects.get(pk=obj.pk)) if change else None
        plan_save(plan=obj, actor=request.user, before=before)  # type: ignore[arg-type]


class MerchantPlanAdminForm(forms.ModelForm):
    class Meta:
        model = MerchantPlan
        fields = ["plan", "status", "limit_overrides"]
        help_texts = {
            "limit_overrides": _(
                'A JSON object overriding the plan\'s limits for this merchant, e.g. {"max_stores": 5, '
                '"max_staff_seats": null}; null means unlimited, a missing key keeps the plan\'s limit.'
            )
        }

    def clean_limit_overrides(self) -> dict[str, int | None]:
        try:
            return limit_overrides_clean(self.cleaned_data.get("limit_overrides") or {})
        except BillingError as error:
            raise ValidationError(error.message, code=str(error.code)) from error


@admin.register(MerchantPlan)
class MerchantPlanAdmin(admin.ModelAdmin):
    """A merchant's billing state. Stripe moves it through its webhooks; staff comp a plan,
    extend a trial or override limits here."""

    form = MerchantPlanAdminForm
    list_display = ["merchant", "plan", "status", "trial_ends_at", "current_period_end", "updated_at"]
    list_filter = ["status", "plan"]
    search_fields = ["merchant__name", "stripe_customer_id", "stripe_subscription_id"]
    list_select_related = ["merchant", "plan"]
    readonly_fields = [
        "merchant",
        "trial_ends_at",
        "current_period_end",
        "grace_until",
        "stripe_customer_id",
        "stripe_subscription_id",
        "created_at",
        "updated_at",
    ]
    actions = ["comp_plan", "extend_trial"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # every merchant gets one on its first limit check (a trial)

    def has_delete_permission(self, request: HttpRequest, obj: MerchantPlan | None = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: MerchantPlan, form: Any, change: bool) -> None:
        merchant_plan_update(
            merchant=obj.merchant,
            actor=request.user,  # type: ignore[arg-type]
            plan=form.cleaned_data.get("plan"),
            status=form.cleaned_data.get("status"),
            limit_overrides=form.cleaned_data.get("limit_overrides"),
        )

    @admin.action(description=_("Comp plan (free of charge)"))
    def comp_plan(self, request: HttpRequest, queryset: QuerySet[MerchantPlan]) -> None:
        for merchant_plan in queryset.select_related("merchant"):
            merchant_plan_comp(merchant=merchant_plan.merchant, actor=request.user)  # type: ignore[arg-type]
        self.message_user(request, gettext("Comped %(count)d plans.") % {"count": queryset.count()})

    @admin.action(description=_("Extend trial by 14 days"))
    def extend_trial(self, request: HttpRequest, queryset: QuerySet[MerchantPlan]) -> None:
        done = 0
        for merchant_plan in queryset.select_related("merchant"):
            try:
                merchant_plan_trial_extend(merchant=merchant_plan.merchant, actor=request.user)  # type: ignore[arg-type]
            except BillingError as error:
                self.message_user(request, error.message, level=messages.WARNING)
            else:
                done += 1
        if done:
            self.message_user(request, gettext("Extended %(count)d trials by 14 days.") % {"count": done})


@admin.register(BillingAuditEntry)
class BillingAuditEntryAdmin(admin.ModelAdmin):
    """Read-only: rows are only ever added, by the billing services."""

    list_display = ["created_at", "merchant", "action", "actor_email"]
    list_filter = ["action"]
    search_fields = ["merchant__name", "actor_email"]
    list_select_related = ["merchant"]
    readonly_fields = ["merchant", "actor", "actor_email", "action", "before", "after", "created_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class _ReadOnlyAdmin(admin.ModelAdmin):
    """Written only by the billing services (metering, order counting, the console)."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(UsageRecord)
class UsageRecordAdmin(_ReadOnlyAdmin):
    list_display = ["recorded_at", "tenant", "merchant", "meter", "quantity", "reported_at"]
    list_filter = ["meter", ("reported_at", admin.EmptyFieldListFilter)]
    search_fields = ["tenant__name", "tenant__schema_name", "merchant__name", "idempotency_key"]
    list_select_related = ["tenant", "merchant"]


@admin.register(StoreOrderDay)
class StoreOrderDayAdmin(_ReadOnlyAdmin):
    list_display = ["day", "tenant", "orders", "overage_orders"]
    list_filter = ["day"]
    search_fields = ["tenant__name", "tenant__schema_name"]
    list_select_related = ["tenant"]


@admin.register(BillingDetails)
class BillingDetailsAdmin(_ReadOnlyAdmin):
    list_display = ["merchant", "country", "city", "tax_id", "updated_at"]
    search_fields = ["merchant__name", "tax_id"]
    list_select_related = ["merchant"]
