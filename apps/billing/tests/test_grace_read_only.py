"""A past-due merchant's stores during the grace period: the dashboard shows a banner and refuses
every write (403, nothing written); shoppers keep buying; other merchants are unaffected."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.formats import date_format
from django_tenants.utils import schema_context

from apps.billing.models import MerchantPlan
from apps.billing.selectors import STORE_ACTIVE, STORE_GRACE, STORE_SUSPENDED, store_billing_state
from apps.billing.tests.factories import make_plan, merchant_on_plan
from apps.catalog.models import Product
from apps.catalog.tests.dashboard.helpers import product_post, role_client
from apps.orders.tests.factories import order_placed, variant_make
from apps.storefront.tests.checkout_support import cart_client
from tests.fixtures import StoreWorld

pytestmark = pytest.mark.django_db

NEW_PRODUCT = "/dashboard/catalog/products/new/"


def _grace(world: StoreWorld, days: int = 5, *, subscription: str = "sub_grace") -> MerchantPlan:
    """Past due: a failed payment of `subscription`, or the end of a cardless trial (no subscription)."""
    return merchant_on_plan(
        world.merchant,
        make_plan(),
        status=MerchantPlan.Status.PAST_DUE,
        grace_until=timezone.now() + timedelta(days=days),
        stripe_subscription_id=subscription,
    )


def _products(world: StoreWorld) -> int:
    with schema_context(world.tenant.schema_name):
        return Product.objects.count()


def test_store_billing_state_follows_the_merchant_plan(alpha):
    merchant_on_plan(alpha.merchant, make_plan(), status=MerchantPlan.Status.ACTIVE)
    assert store_billing_state(alpha.tenant).state == STORE_ACTIVE
    plan = _grace(alpha)
    state = store_billing_state(alpha.tenant)
    assert (state.state, state.grace_until, state.read_only) == (STORE_GRACE, plan.grace_until, True)
    assert state.merchant_uuid == alpha.merchant.uuid
    plan.grace_until = timezone.now() - timedelta(minutes=1)
    plan.save()
    assert store_billing_state(alpha.tenant).state == STORE_SUSPENDED
    plan.status = MerchantPlan.Status.CANCELLED
    plan.save()
    assert store_billing_state(alpha.tenant).state == STORE_SUSPENDED


def test_grace_dashboard_shows_the_banner_with_the_date_and_console_link(alpha):
    plan = _grace(alpha)
    client = role_client(alpha, "owner")
    response = client.get("/dashboard/")
    assert response.status_code == 200
    page = response.content.decode()
    assert 'role="alert"' in page
    assert "read-only until the bill is paid" in page
    assert plan.grace_until is not None
    assert date_format(timezone.localtime(plan.grace_until), "DATE_FORMAT") in page
    assert f"/console/merchants/{alpha.merchant.uuid}/billing/" in page


def test_after_a_cardless_trial_the_banner_asks_for_a_plan_not_a_payment(alpha):
    plan = _grace(alpha, subscription="")
    page = role_client(alpha, "owner").get("/dashboard/").content.decode()
    assert "Your free trial has ended" in page
    assert "payment for your plan failed" not in page
    assert plan.grace_until is not None
    assert date_format(timezone.localtime(plan.grace_until), "DATE_FORMAT") in page
    assert f"/console/merchants/{alpha.merchant.uuid}/billing/" in page


def test_grace_refuses_a_dashboard_post_and_writes_nothing(alpha):
    _grace(alpha)
    client = role_client(alpha, "staff")
    before = _products(alpha)
    response = client.post(NEW_PRODUCT, product_post())
    assert response.status_code == 403
    assert "read-only until the bill is paid" in response.content.decode()
    assert _products(alpha) == before
    json = client.post(NEW_PRODUCT, product_post(), headers={"Accept": "application/json"})
    assert json.status_code == 403
    assert json.json()["error"]["code"] == "store_read_only"
    assert _products(alpha) == before


def test_past_the_grace_before_the_expiry_job_writes_are_refused_too(alpha):
    _grace(alpha, days=-1)
    before = _products(alpha)
    response = role_client(alpha, "staff").post(NEW_PRODUCT, product_post())
    assert response.status_code == 403
    assert _products(alpha) == before
    assert "dashboard/read_only.html" in [t.name for t in response.templates]


def test_an_active_merchant_may_post(alpha):
    merchant_on_plan(alpha.merchant, make_plan(), status=MerchantPlan.Status.ACTIVE)
    client = role_client(alpha, "staff")
    before = _products(alpha)
    response = client.post(NEW_PRODUCT, product_post())
    assert response.status_code == 302, response.content[:500]
    assert _products(alpha) == before + 1
    assert 'role="alert"' not in client.get("/dashboard/").content.decode()


def test_another_merchants_store_is_unaffected(alpha, beta):
    assert alpha.merchant.pk != beta.merchant.pk
    _grace(alpha)
    client = role_client(beta, "staff")
    assert 'role="alert"' not in client.get("/dashboard/").content.decode()
    before = _products(beta)
    response = client.post(NEW_PRODUCT, product_post())
    assert response.status_code == 302, response.content[:500]
    assert _products(beta) == before + 1


def test_shoppers_still_buy_in_a_grace_store(alpha):
    _grace(alpha)
    with schema_context(alpha.tenant.schema_name):
        variant = variant_make()
    client = cart_client(alpha, [(variant, 1)])  # POST /cart/add/ answers 302
    assert client.get("/cart/").status_code == 200
    with schema_context(alpha.tenant.schema_name):
        order = order_placed()
    assert order.pk is not None


def test_sign_out_keeps_working_in_a_grace_store(alpha):
    _grace(alpha)
    client = role_client(alpha, "staff")
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert client.get("/dashboard/").status_code == 302  # signed out: sent to sign-in


def test_the_billing_state_costs_no_query_on_a_routed_store(alpha):
    """The routed tenant carries the billing row: a dashboard page pays no extra query for the
    banner or the write check (a routing miss still makes one routing query, now joined)."""
    _grace(alpha)
    client = role_client(alpha, "owner")
    with CaptureQueriesContext(connection) as first:
        assert 'role="alert"' in client.get("/dashboard/").content.decode()
    billing = [q["sql"] for q in first.captured_queries if "billing_merchantplan" in q["sql"]]
    assert len(billing) == 1 and "tenants_domain" in billing[0]  # the routing query itself
    for method in ("get", "post"):
        with CaptureQueriesContext(connection) as queries:
            getattr(client, method)("/dashboard/")
        assert not [q for q in queries.captured_queries if "billing_merchantplan" in q["sql"]], method


def test_a_plan_change_reaches_the_routed_store_at_once(alpha):
    plan = _grace(alpha)
    client = role_client(alpha, "staff")
    assert client.post(NEW_PRODUCT, product_post()).status_code == 403  # routed and cached
    plan.status = MerchantPlan.Status.ACTIVE
    plan.grace_until = None
    plan.save()  # the bill is paid: the routing cache is dropped
    assert client.post(NEW_PRODUCT, product_post()).status_code == 302


def test_a_tenant_object_without_the_billing_row_costs_one_query(alpha, django_assert_num_queries):
    _grace(alpha)
    tenant = type(alpha.tenant).objects.get(pk=alpha.tenant.pk)
    with django_assert_num_queries(1):
        assert store_billing_state(tenant).state == STORE_GRACE


def test_grace_makes_the_stores_cms_read_only_too(alpha):
    from apps.content.models import ContentPage

    _grace(alpha)
    with schema_context(alpha.tenant.schema_name):
        about = ContentPage.objects.get(slug="about")
    client = role_client(alpha, "owner")
    assert client.get(f"/cms/pages/{about.pk}/edit/").status_code == 200
    response = client.post(f"/cms/pages/{about.pk}/edit/", {"title": "Changed during grace", "slug": "about"})
    assert response.status_code == 403
    with schema_context(alpha.tenant.schema_name):
        about.refresh_from_db()
        assert about.title != "Changed during grace"
        assert about.get_latest_revision() is None or "Changed during grace" not in str(
            about.get_latest_revision().content
        )
