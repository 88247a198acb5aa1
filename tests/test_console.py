"""Merchant signup -> onboarding -> provisioning -> console, and the bad input on the way."""

from __future__ import annotations

import re
from unittest import mock

import pytest
from django.db import connection
from django_tenants.utils import schema_context, schema_exists

from apps.accounts.models import User
from apps.platform.models import Membership, Merchant
from apps.tenants.models import Domain, Tenant
from tests.fixtures import PASSWORD

pytestmark = pytest.mark.django_db


def _drop(tenant: Tenant) -> None:
    with connection.cursor() as cursor:
        # Rows written in this transaction (deferred FK checks) must not block the DROP.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f'DROP SCHEMA IF EXISTS "{tenant.schema_name}" CASCADE')


@pytest.fixture
def newcomer(db, platform_client):
    from allauth.account.models import EmailAddress

    user = User.objects.create_user("newcomer@example.com", PASSWORD)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    platform_client.login(email=user.email, password=PASSWORD)
    return user


def test_merchant_signup_sends_a_verification_email_built_from_the_platform_url(platform_client, mailoutbox):
    response = platform_client.post(
        "/accounts/signup/",
        {"email": "founder@example.com", "password1": PASSWORD, "password2": PASSWORD},
        HTTP_X_FORWARDED_HOST="evil.example.com",
    )
    assert response.status_code == 302
    assert User.objects.filter(email="founder@example.com").exists()
    assert len(mailoutbox) == 1
    links = re.findall(r"https?://[^\s]+", mailoutbox[0].body)
    assert links and all(link.startswith("http://platform.test/accounts/confirm-email/") for link in links)
    # unverified: cannot get into the console yet
    assert platform_client.get("/console/").status_code == 302


def test_onboarding_creates_merchant_and_store_and_provisions_it(
    newcomer, platform_client, django_capture_on_commit_callbacks
):
    assert platform_client.get("/console/")["Location"] == "/console/welcome/"
    with django_capture_on_commit_callbacks(execute=True):
        response = platform_client.post(
            "/console/welcome/",
            {"company_name": "Newco GmbH", "store_name": "Newco Shop", "subdomain": "newco-shop"},
        )
    store = Tenant.objects.get(slug="newco-shop")
    try:
        assert response.status_code == 302
        assert response["Location"] == f"/console/stores/{store.uuid}/"
        assert store.status == Tenant.Status.ACTIVE  # eager Celery ran the provisioning on commit
        assert store.provisioning_step == Tenant.Step.DONE
        assert Membership.objects.get(user=newcomer).role == Membership.Role.OWNER
        assert Domain.objects.get(tenant=store).domain == "newco-shop.platform.test"
        with schema_context(store.schema_name):
            staff = User.objects.get(platform_user_uuid=newcomer.uuid)
            assert staff.is_staff
        status = platform_client.get(f"/console/stores/{store.uuid}/status/").json()
        assert status["done"] is True and status["progress"] == 100
        console = platform_client.get("/console/").content.decode()
        assert "Newco Shop" in console and "Open dashboard" in console
    finally:
        _drop(store)


@pytest.mark.parametrize(
    ("subdomain", "message"),
    [
        ("www", "reserved"),
        ("admin", "reserved"),
        ("api", "reserved"),
        ("app", "reserved"),
        ("mail", "reserved"),
        ("alpha", "already taken"),
        ("Bad_Name", "not a valid subdomain"),
        ("-dash", "not a valid subdomain"),
        ("dash-", "not a valid subdomain"),
        ("two--hyphens", "not a valid subdomain"),
        ("x" * 60, "at most 50 characters"),
        ("ünï", "not a valid subdomain"),
        ("", "required"),
    ],
)
def test_bad_subdomains_are_refused_with_a_form_error_naming_the_problem(
    alpha, newcomer, platform_client, subdomain, message
):
    before = Tenant.objects.count()
    response = platform_client.post(
        "/console/welcome/", {"company_name": "Newco", "store_name": "Shop", "subdomain": subdomain}
    )
    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors.get("subdomain", []))
    assert message in errors
    assert Tenant.objects.count() == before
    assert not Merchant.objects.filter(name="Newco").exists()  # nothing half-written


def test_a_provisioning_failure_leaves_no_schema_and_can_be_retried(
    newcomer, platform_client, django_capture_on_commit_callbacks
):
    # given the staff step fails after the schema was cloned
    with (
        mock.patch("apps.platform.receivers.store_staff_seed", side_effect=RuntimeError("boom")),
        django_capture_on_commit_callbacks(execute=True),
    ):
        platform_client.post(
            "/console/welcome/", {"company_name": "Fail Co", "store_name": "Fail", "subdomain": "fail-co"}
        )
    store = Tenant.objects.get(slug="fail-co")
    try:
        # then the merchant sees a retryable error and no half-made schema remains
        assert store.status == Tenant.Status.FAILED
        assert not schema_exists(store.schema_name)
        page = platform_client.get(f"/console/stores/{store.uuid}/").content.decode()
        assert "could not finish setting up your store" in page
        assert "Try again" in page
        # when they retry with the fault gone
        with django_capture_on_commit_callbacks(execute=True):
            response = platform_client.post(f"/console/stores/{store.uuid}/retry/")
        assert response.status_code == 302
        store.refresh_from_db()
        assert store.status == Tenant.Status.ACTIVE
        assert schema_exists(store.schema_name)
        assert store.provisioning_error == ""
        assert list(store.audit_entries.values_list("action", flat=True)) == [
            "status:active",
            "status:provisioning",
            "status:failed",
            "created",
        ]
    finally:
        _drop(store)


def test_a_failure_while_cloning_drops_the_partial_schema(alpha, newcomer):
    from apps.platform.services import store_create

    merchant = Merchant.objects.create(name="Clone Fail")
    Membership.objects.create(merchant=merchant, user=newcomer, role="owner")

    def clone_then_fail(schema_name):
        with connection.cursor() as cursor:
            cursor.execute(f'CREATE SCHEMA "{schema_name}"')
            cursor.execute(f'CREATE TABLE "{schema_name}".half (id int)')
        raise RuntimeError("disk full")

    with mock.patch("apps.tenants.services.schema_clone_from_template", clone_then_fail):
        store = store_create(merchant=merchant, name="Clone", subdomain="clone-fail", created_by=newcomer)
        from apps.tenants.services import store_provision

        store = store_provision(tenant_id=store.pk)
    assert store.status == Tenant.Status.FAILED
    assert not schema_exists(store.schema_name)


def test_retry_is_refused_for_a_store_that_did_not_fail(alpha, platform_client):
    platform_client.login(email=alpha.owner.email, password=PASSWORD)
    response = platform_client.post(f"/console/stores/{alpha.tenant.uuid}/retry/", follow=True)
    assert "cannot become" in response.content.decode()
    alpha.tenant.refresh_from_db()
    assert alpha.tenant.status == Tenant.Status.ACTIVE


def test_creating_another_store_respects_the_store_limit(alpha, platform_client):
    from apps.billing.limits import merchant_plan_for

    merchant_plan = merchant_plan_for(merchant=alpha.merchant)
    merchant_plan.limit_overrides = {"max_stores": 1}
    merchant_plan.save(update_fields=["limit_overrides"])
    platform_client.login(email=alpha.owner.email, password=PASSWORD)
    response = platform_client.post(
        "/console/stores/new/",
        {"merchant": alpha.merchant.pk, "store_name": "Second", "subdomain": "alpha-two"},
    )
    assert response.status_code == 200
    assert "allows 1 stores" in response.content.decode()
    assert not Tenant.objects.filter(slug="alpha-two").exists()


def test_finance_members_cannot_open_new_stores(alpha, platform_client):
    from allauth.account.models import EmailAddress

    accountant = User.objects.create_user("finance@example.com", PASSWORD)
    EmailAddress.objects.create(user=accountant, email=accountant.email, verified=True, primary=True)
    Membership.objects.create(merchant=alpha.merchant, user=accountant, role=Membership.Role.FINANCE)
    platform_client.login(email=accountant.email, password=PASSWORD)
    response = platform_client.get("/console/stores/new/", follow=True)
    assert "Only owners and admins" in response.content.decode()
    # but they see the merchant's stores
    assert alpha.tenant.name in platform_client.get("/console/").content.decode()


def test_the_console_lists_only_the_users_own_stores(alpha, beta, platform_client):
    platform_client.login(email=alpha.owner.email, password=PASSWORD)
    page = platform_client.get("/console/").content.decode()
    assert alpha.tenant.name in page
    assert beta.tenant.name not in page
    assert platform_client.get(f"/console/stores/{beta.tenant.uuid}/").status_code == 404
    assert platform_client.get(f"/console/stores/{beta.tenant.uuid}/status/").status_code == 404
