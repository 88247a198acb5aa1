"""The console's "Plan and usage" page: who sees it, what it shows, and that one merchant's page
never shows another's."""

from __future__ import annotations

import pytest

from apps.billing.tests.factories import make_plan, merchant_on_plan
from apps.platform.models import Membership
from apps.platform.tests.factories import make_platform_user
from tests.fixtures import PASSWORD

pytestmark = pytest.mark.django_db


def _page(merchant) -> str:  # type: ignore[no-untyped-def]
    return f"/console/merchants/{merchant.uuid}/billing/"


def test_the_owner_sees_the_plan_its_limits_and_usage_bars(
    alpha, platform_client, django_assert_max_num_queries
):
    merchant_on_plan(alpha.merchant, make_plan(name="Growth Test", max_stores=4, max_staff_seats=None))
    platform_client.login(email=alpha.owner.email, password=PASSWORD)
    with django_assert_max_num_queries(30):
        response = platform_client.get(_page(alpha.merchant))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Growth Test plan" in html
    assert '<tr data-limit="max_stores">' in html
    assert '<progress value="25" max="100"' in html  # 1 of 4 stores
    assert "unlimited" in html  # staff seats
    assert "Starter" in html  # the plans on offer
    assert f"/console/merchants/{alpha.merchant.uuid}/billing/invoices/" in html


def test_only_billing_managers_get_subscribe_buttons(alpha, platform_client):
    make_plan(name="Priced", stripe_price_id="price_test_123")
    finance = make_platform_user("billing-finance-only@example.com")
    Membership.objects.create(merchant=alpha.merchant, user=finance, role="finance")
    subscribe = f"/console/merchants/{alpha.merchant.uuid}/billing/subscribe/"
    platform_client.login(email=alpha.owner.email, password=PASSWORD)
    assert subscribe in platform_client.get(_page(alpha.merchant)).content.decode()
    platform_client.login(email=finance.email, password=PASSWORD)
    assert subscribe not in platform_client.get(_page(alpha.merchant)).content.decode()


def test_the_index_sends_a_member_to_their_merchant(alpha, platform_client):
    platform_client.login(email=alpha.owner.email, password=PASSWORD)
    response = platform_client.get("/console/billing/")
    assert response.status_code == 302
    assert response["Location"] == _page(alpha.merchant)


@pytest.mark.parametrize(
    ("role", "status"), [("owner", 200), ("finance", 200), ("admin", 403), ("staff", 403)]
)
def test_only_roles_with_billing_view_see_it(alpha, platform_client, role, status):
    user = make_platform_user(f"billing-{role}@example.com")
    Membership.objects.create(merchant=alpha.merchant, user=user, role=role)
    platform_client.login(email=user.email, password=PASSWORD)
    assert platform_client.get(_page(alpha.merchant)).status_code == status


def test_a_merchant_cannot_see_another_merchants_billing(alpha, beta, platform_client):
    platform_client.login(email=alpha.owner.email, password=PASSWORD)
    assert platform_client.get(_page(beta.merchant)).status_code == 404


def test_visitors_are_sent_to_sign_in(alpha, platform_client):
    response = platform_client.get(_page(alpha.merchant))
    assert response.status_code == 302 and "login" in response["Location"]
