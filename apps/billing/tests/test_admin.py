"""Platform staff in the Django admin: plans and limits are data, a merchant's plan is comped,
its trial extended and its limits overridden, and every change leaves an audit entry."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.billing.models import BillingAuditEntry, MerchantPlan, Plan
from apps.billing.tests.factories import make_plan, merchant_on_plan

pytestmark = pytest.mark.django_db


def test_comp_plan_action_comps_and_audits(alpha, staff_client):
    merchant_plan = merchant_on_plan(alpha.merchant, make_plan(code="comp-me"))
    response = staff_client.post(
        "/admin/billing/merchantplan/",
        {"action": "comp_plan", "_selected_action": [merchant_plan.pk]},
    )
    assert response.status_code == 302
    merchant_plan.refresh_from_db()
    assert merchant_plan.status == MerchantPlan.Status.COMPED
    assert merchant_plan.trial_ends_at is None
    entry = BillingAuditEntry.objects.get(merchant=alpha.merchant, action="plan_comped")
    assert entry.actor_email == "billing-staff@example.com"
    assert entry.before["status"] == "trialing" and entry.after["status"] == "comped"


def test_extend_trial_action_adds_14_days_and_audits(alpha, staff_client):
    ends = timezone.now() + timedelta(days=3)
    merchant_plan = merchant_on_plan(alpha.merchant, make_plan(), trial_ends_at=ends)
    response = staff_client.post(
        "/admin/billing/merchantplan/",
        {"action": "extend_trial", "_selected_action": [merchant_plan.pk]},
    )
    assert response.status_code == 302
    merchant_plan.refresh_from_db()
    assert merchant_plan.trial_ends_at == ends + timedelta(days=14)
    entry = BillingAuditEntry.objects.get(merchant=alpha.merchant, action="trial_extended")
    assert entry.before["trial_ends_at"] == ends.isoformat()
    assert entry.after["trial_ends_at"] == (ends + timedelta(days=14)).isoformat()


def test_extend_trial_refuses_a_paying_merchant_without_changing_it(alpha, staff_client):
    merchant_plan = merchant_on_plan(alpha.merchant, make_plan(), status=MerchantPlan.Status.ACTIVE)
    response = staff_client.post(
        "/admin/billing/merchantplan/",
        {"action": "extend_trial", "_selected_action": [merchant_plan.pk]},
        follow=True,
    )
    assert "Only a trial can be extended" in response.content.decode()
    assert not BillingAuditEntry.objects.filter(merchant=alpha.merchant, action="trial_extended").exists()


def test_overrides_are_edited_checked_and_audited(alpha, staff_client):
    plan = make_plan(max_stores=1)
    merchant_plan = merchant_on_plan(alpha.merchant, plan)
    url = f"/admin/billing/merchantplan/{merchant_plan.pk}/change/"
    assert staff_client.get(url).status_code == 200
    # an unknown limit is refused on the form
    bad = staff_client.post(
        url, {"plan": plan.pk, "status": "trialing", "limit_overrides": '{"max_planets": 3}'}
    )
    assert bad.status_code == 200
    assert "is not a limit" in bad.content.decode()
    # a known one is saved and audited
    good = staff_client.post(
        url, {"plan": plan.pk, "status": "trialing", "limit_overrides": '{"max_stores": 5}'}
    )
    assert good.status_code == 302
    merchant_plan.refresh_from_db()
    assert merchant_plan.limit_overrides == {"max_stores": 5}
    entry = BillingAuditEntry.objects.get(merchant=alpha.merchant, action="overrides_changed")
    assert (entry.before["limit_overrides"], entry.after["limit_overrides"]) == ({}, {"max_stores": 5})
    assert entry.actor_email == "billing-staff@example.com"


def test_a_plan_change_in_the_admin_is_audited_per_change(alpha, staff_client):
    old, new = make_plan(code="old-plan"), make_plan(code="new-plan")
    merchant_plan = merchant_on_plan(alpha.merchant, old)
    staff_client.post(
        f"/admin/billing/merchantplan/{merchant_plan.pk}/change/",
        {"plan": new.pk, "status": "active", "limit_overrides": "{}"},
    )
    actions = set(BillingAuditEntry.objects.filter(merchant=alpha.merchant).values_list("action", flat=True))
    assert {"plan_changed", "status_changed"} <= actions
    assert "overrides_changed" not in actions


def test_plan_limits_are_data_edited_in_the_admin_and_audited(staff_client):
    plan = Plan.objects.get(code="starter")
    data = {
        "code": "starter",
        "name": plan.name,
        "description": plan.description,
        "sort_order": plan.sort_order,
        "active": "on",
        "is_public": "on",
        "monthly_price": "29.00",
        "currency": "EUR",
        "stripe_price_id": "",
        "trial_days": 30,
        "is_default_trial": "on",
        "max_stores": 4,
        "max_products_per_store": plan.max_products_per_store,
        "max_orders_per_day": "",
        "max_staff_seats": plan.max_staff_seats,
        "max_media_mb": plan.max_media_mb,
        "ai_credits_per_month": plan.ai_credits_per_month,
        "api_requests_per_minute": plan.api_requests_per_minute,
    }
    response = staff_client.post(f"/admin/billing/plan/{plan.pk}/change/", data)
    assert response.status_code == 302
    plan.refresh_from_db()
    assert (plan.max_stores, plan.max_orders_per_day, plan.trial_days) == (4, None, 30)
    entry = BillingAuditEntry.objects.get(action="plan_edited", merchant=None)
    assert entry.before["max_stores"] == "3" and entry.after["max_stores"] == "4"
    assert entry.after["max_orders_per_day"] is None


def test_a_plan_merchants_are_on_cannot_be_deleted(alpha, staff_client):
    merchant_plan = merchant_on_plan(alpha.merchant, make_plan(code="in-use"))
    assert staff_client.get(f"/admin/billing/plan/{merchant_plan.plan.pk}/delete/").status_code == 403


def test_the_audit_trail_is_read_only(alpha, staff_client):
    merchant_on_plan(alpha.merchant, make_plan())
    entry = BillingAuditEntry.objects.filter(merchant=alpha.merchant).first()
    assert entry is not None
    assert staff_client.get("/admin/billing/billingauditentry/").status_code == 200
    assert staff_client.get(f"/admin/billing/billingauditentry/{entry.pk}/delete/").status_code == 403
