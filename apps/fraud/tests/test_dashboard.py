"""The fraud review pages: the queue (held first, paginated, pinned queries, empty state),
approving and cancelling after a confirmation, the order page's panel, the settings page; who
may do what, and store beta seeing nothing of store alpha."""

from __future__ import annotations

import re

import pytest
from django_tenants.utils import schema_context

from apps.fraud.enums import RiskDecision, RiskLevel
from apps.fraud.models import FraudSettings, RiskAssessment
from apps.fraud.selectors import fraud_settings_get
from apps.fraud.services import order_risk_assess
from apps.fraud.tests.factories import RiskAssessmentFactory, paid_order, settings_set
from apps.orders.enums import OrderStatus
from apps.orders.models import Order
from apps.orders.tests.factories import order_placed

pytestmark = pytest.mark.django_db

QUEUE = "/dashboard/fraud/"
SETTINGS = "/dashboard/fraud/settings/"
RISKY = {"email": "x@mailinator.com", "shipping": "NG", "billing": "GB"}  # 65: high, held


def approve_url(order: Order) -> str:
    return f"/dashboard/fraud/{order.number}/approve/"


def cancel_url(order: Order) -> str:
    return f"/dashboard/fraud/{order.number}/cancel/"


def held_order(world, **kwargs) -> Order:  # type: ignore[no-untyped-def]
    with schema_context(world.tenant.schema_name):
        order = paid_order(**{**RISKY, **kwargs})
        order_risk_assess(order)
        return order


def assessment_of(world, order: Order) -> RiskAssessment:  # type: ignore[no-untyped-def]
    with schema_context(world.tenant.schema_name):
        return RiskAssessment.objects.get(order_id=order.pk)


# ------------------------------------------------------------------------------
# The queue
# ------------------------------------------------------------------------------
def test_an_empty_queue_says_so(alpha, role_client):
    response = role_client("owner").get(QUEUE)
    assert response.status_code == 200
    assert "Nothing to review" in response.text


def test_held_orders_come_first_then_recent_medium_and_high(alpha, role_client):
    held = held_order(alpha)
    with schema_context(alpha.tenant.schema_name):
        medium = paid_order(email="y@mailinator.com", billing="FR")  # 40
        order_risk_assess(medium)
        low = paid_order()
        order_risk_assess(low)
        flagged = RiskAssessmentFactory.create(score=70, level=RiskLevel.HIGH)  # high, store does not hold
    response = role_client("staff").get(QUEUE)
    numbers = [row.order.number for row in response.context["rows"]]
    assert numbers == [held.number, flagged.order.number, medium.number]
    assert "disposable email service" in response.text
    assert "Approve" not in response.text  # staff reads, does not decide
    held_only = role_client("staff").get(QUEUE, {"show": "held"})
    assert [row.order.number for row in held_only.context["rows"]] == [held.number]


def test_the_queue_is_paginated_with_the_same_queries_for_1_or_25_rows(
    alpha, role_client, django_assert_max_num_queries
):
    client = role_client("finance")
    held_order(alpha)
    client.get(QUEUE)  # warm the session and the store's settings
    # search_path, session, user, count, page, settings, the notification bell
    with django_assert_max_num_queries(7) as one:
        client.get(QUEUE)
    baseline = len(one)
    with schema_context(alpha.tenant.schema_name):
        for _ in range(29):
            RiskAssessmentFactory(score=65, level=RiskLevel.HIGH, held=True)
    with django_assert_max_num_queries(baseline) as full:
        first = client.get(QUEUE)
    assert len(full) == baseline
    print(f"fraud queue queries: {baseline} for 1 row and for 25")
    page = first.context["page"]
    assert page.paginator.count == 30 and len(page.object_list) == 25
    assert len(client.get(QUEUE, {"page": 2}).context["page"].object_list) == 5


# ------------------------------------------------------------------------------
# Deciding
# ------------------------------------------------------------------------------
def test_staff_cannot_decide(alpha, role_client):
    order = held_order(alpha)
    staff = role_client("staff")
    assert staff.get(approve_url(order)).status_code == 403
    assert staff.post(approve_url(order)).status_code == 403
    assert staff.post(cancel_url(order), {"reason": "no"}).status_code == 403
    assert assessment_of(alpha, order).held


def test_finance_approves_after_a_confirmation(alpha, role_client):
    order = held_order(alpha)
    finance = role_client("finance")
    page = finance.get(approve_url(order) + "?next=queue")
    assert page.status_code == 200
    assert "Approve order" in page.text and "high-risk countries" in page.text
    assert assessment_of(alpha, order).held  # the page alone changes nothing
    response = finance.post(approve_url(order), {"next": "queue"})
    assert response.status_code == 302 and response["Location"] == QUEUE
    assessment = assessment_of(alpha, order)
    assert (assessment.held, assessment.decision) == (False, RiskDecision.APPROVE)
    again = finance.post(approve_url(order))
    assert again.status_code == 400 and "already reviewed" in again.text
    page_after = finance.get(f"/dashboard/orders/{order.number}/").text
    assert "Approved by finance-" in page_after and approve_url(order) not in page_after
    assert "Released after fraud review." in page_after and "Fraud risk high (score 65)." in page_after


def test_finance_cancels_and_the_money_goes_back(alpha, role_client):
    with schema_context(alpha.tenant.schema_name):
        order = order_placed(email="thief@mailinator.com", price="40.00")
        settings_set(medium_threshold=10, high_threshold=20)
        order_risk_assess(order)
    finance = role_client("finance")
    page = finance.get(cancel_url(order))
    assert page.status_code == 200 and "will be refunded" in page.text
    response = finance.post(cancel_url(order), {"reason": "Stolen card"})
    assert response.status_code == 302
    with schema_context(alpha.tenant.schema_name):
        order.refresh_from_db()
        assert order.status == OrderStatus.CANCELLED and order.amount_refunded == order.amount_paid
    assert assessment_of(alpha, order).decision == RiskDecision.CANCEL


def test_owner_and_admin_decide_too(alpha, role_client):
    for role in ("owner", "admin"):
        order = held_order(alpha)
        assert role_client(role).post(approve_url(order)).status_code == 302
        assert not assessment_of(alpha, order).held


def test_an_unknown_order_is_404(alpha, role_client):
    assert role_client("owner").get("/dashboard/fraud/999999/approve/").status_code == 404


# ------------------------------------------------------------------------------
# The order page's panel
# ------------------------------------------------------------------------------
def test_the_order_page_shows_the_score_level_and_each_signal(alpha, role_client):
    order = held_order(alpha)
    staff = role_client("staff").get(f"/dashboard/orders/{order.number}/")
    assert staff.status_code == 200
    assert 'id="fraud-risk"' in staff.text
    assert "High · 65" in staff.text and "Held for review" in staff.text
    assert "mailinator.com" in staff.text and "NG" in staff.text and "GB" in staff.text
    assert approve_url(order) not in staff.text
    finance = role_client("finance").get(f"/dashboard/orders/{order.number}/")
    assert approve_url(order) in finance.text and cancel_url(order) in finance.text


def test_an_order_not_assessed_has_no_panel(alpha, role_client):
    with schema_context(alpha.tenant.schema_name):
        order = paid_order()
    response = role_client("owner").get(f"/dashboard/orders/{order.number}/")
    assert response.status_code == 200 and 'id="fraud-risk"' not in response.text


# ------------------------------------------------------------------------------
# Settings
# ------------------------------------------------------------------------------
def _dashboard_post_forms(html: str) -> list[str]:
    """The page's POST forms that reach the dashboard (the header's sign-out and language
    forms post elsewhere)."""
    tags = re.findall(r"<form\b[^>]*>", html)
    return [
        tag for tag in tags if 'method="post"' in tag and not re.search(r'action="/(accounts|i18n)/', tag)
    ]


def test_finance_reads_the_settings_without_a_form_to_submit(alpha, role_client):
    with schema_context(alpha.tenant.schema_name):
        settings_set(medium_threshold=33)
    owner_page = role_client("owner").get(SETTINGS).content.decode()
    assert _dashboard_post_forms(owner_page) == ['<form method="post" novalidate>']
    html = role_client("finance").get(SETTINGS).content.decode()
    assert re.search(r'name="medium_threshold" value="33"[^>]*\bdisabled\b', html)
    assert "owners and admins can change them" in html
    assert _dashboard_post_forms(html) == []
    assert 'type="submit"' not in html.split("<h1>", 1)[1]


def test_settings_are_changed_by_owner_and_admin_only(alpha, role_client):
    assert role_client("staff").get(SETTINGS).status_code == 403
    finance = role_client("finance")
    assert finance.get(SETTINGS).status_code == 200
    data = {
        "medium_threshold": 20,
        "high_threshold": 50,
        "hold_high_risk": "",
        "high_risk_countries": "ng, ru",
    }
    assert finance.post(SETTINGS, data).status_code == 403
    response = role_client("admin").post(SETTINGS, data)
    assert response.status_code == 302
    with schema_context(alpha.tenant.schema_name):
        saved = fraud_settings_get()
    assert (saved.medium_threshold, saved.high_threshold, saved.hold_high_risk) == (20, 50, False)
    assert saved.high_risk_countries == ["NG", "RU"]


def test_bad_settings_are_explained_and_nothing_is_saved(alpha, role_client):
    owner = role_client("owner")
    bad = owner.post(
        SETTINGS,
        {"medium_threshold": 60, "high_threshold": 40, "hold_high_risk": "on", "high_risk_countries": ""},
    )
    assert bad.status_code == 400 and "must be above the medium one" in bad.text
    unknown = owner.post(
        SETTINGS,
        {"medium_threshold": 30, "high_threshold": 60, "hold_high_risk": "on", "high_risk_countries": "QQ"},
    )
    assert unknown.status_code == 400 and "QQ" in unknown.text
    with schema_context(alpha.tenant.schema_name):
        assert FraudSettings.objects.get().high_threshold == 60


# ------------------------------------------------------------------------------
# Tenant isolation
# ------------------------------------------------------------------------------
def test_beta_cannot_see_or_decide_alphas_assessments(alpha, beta, role_client):
    order = held_order(alpha)
    beta_owner = role_client("owner", beta)
    queue = beta_owner.get(QUEUE)
    assert queue.status_code == 200 and queue.context["rows"] == []
    assert beta_owner.get(approve_url(order)).status_code == 404
    assert beta_owner.post(approve_url(order)).status_code == 404
    assert beta_owner.post(cancel_url(order), {"reason": "x"}).status_code == 404
    assert assessment_of(alpha, order).held
    with schema_context(beta.tenant.schema_name):
        assert not RiskAssessment.objects.exists()


def test_the_menu_links_the_queue_for_readers_of_orders(alpha, role_client):
    home = role_client("staff").get("/dashboard/")
    assert home.status_code == 200 and f'href="{QUEUE}"' in home.text


def test_a_low_risk_orders_panel_offers_no_decision(alpha, role_client):
    with schema_context(alpha.tenant.schema_name):
        order = paid_order()
        assert order_risk_assess(order).level == RiskLevel.LOW
    page = role_client("finance").get(f"/dashboard/orders/{order.number}/").text
    assert 'id="fraud-risk"' in page
    assert approve_url(order) not in page and cancel_url(order) not in page
