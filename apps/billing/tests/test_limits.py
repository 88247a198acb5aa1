"""The limit service: the plan (with overrides) against current usage, the free trial a merchant
without a plan starts on, usage bars, and two requests at once never both passing a limit."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from apps.accounts.models import User
from apps.billing.limits import (
    BillingError,
    Limit,
    PlanLimitReached,
    limit_check,
    merchant_plan_for,
    usage,
)
from apps.billing.models import BillingAuditEntry, MerchantPlan, Plan
from apps.billing.tests.factories import make_plan, merchant_on_plan
from apps.platform.models import Membership, Merchant
from apps.platform.tests.factories import make_member, make_platform_user
from tests.fixtures import sessions_waiting_on_a_lock


@pytest.mark.django_db
def test_the_seeded_plans_keep_the_limits_seed_004_promises():
    plans = {plan.code: plan for plan in Plan.objects.all()}
    assert {"starter", "growth", "scale"} <= set(plans)
    assert plans["scale"].max_products_per_store == 10_000
    assert plans["scale"].max_orders_per_day == 1_000
    assert plans["starter"].is_default_trial
    assert Plan.objects.filter(is_default_trial=True).count() == 1


@pytest.mark.django_db
def test_a_merchant_without_a_plan_starts_a_free_trial_on_the_default_plan():
    merchant = Merchant.objects.create(name="Newcomer")
    # given no plan row, when asked
    merchant_plan = merchant_plan_for(merchant=merchant)
    # then a trial without a card on the default trial plan, recorded once
    assert merchant_plan.plan.code == "starter"
    assert merchant_plan.status == MerchantPlan.Status.TRIALING
    assert merchant_plan.stripe_customer_id == ""
    assert merchant_plan.trial_ends_at is not None
    expected_end = timezone.now() + timedelta(days=merchant_plan.plan.trial_days)
    assert abs(merchant_plan.trial_ends_at - expected_end) < timedelta(minutes=5)
    assert merchant_plan_for(merchant=merchant).pk == merchant_plan.pk
    assert BillingAuditEntry.objects.filter(merchant=merchant, action="trial_started").count() == 1


@pytest.mark.django_db
def test_without_a_default_trial_plan_the_check_fails_with_a_code():
    Plan.objects.update(is_default_trial=False)
    merchant = Merchant.objects.create(name="Nowhere")
    with pytest.raises(BillingError) as caught:
        merchant_plan_for(merchant=merchant)
    assert caught.value.code == "no_default_plan"


@pytest.mark.django_db
def test_the_limit_is_refused_with_the_limit_the_plan_and_how_to_upgrade(alpha):
    plan = make_plan(name="Starter Test", max_stores=1)
    merchant_on_plan(alpha.merchant, plan)
    # alpha has one store: a second one is over the plan
    with pytest.raises(PlanLimitReached) as caught:
        limit_check(merchant=alpha.merchant, limit=Limit.STORES)
    error = caught.value
    assert error.code == "plan_limit_reached"
    assert error.params == {
        "limit": "max_stores",
        "allowed": 1,
        "used": 1,
        "adding": 1,
        "plan": "Starter Test",
        "plan_code": plan.code,
    }
    assert error.message == "Your Starter Test plan allows 1 stores; upgrade in Billing."


@pytest.mark.django_db
def test_within_the_limit_passes_and_adding_several_counts_them_all(alpha):
    merchant_on_plan(alpha.merchant, make_plan(max_stores=3))
    limit_check(merchant=alpha.merchant, limit=Limit.STORES)
    limit_check(merchant=alpha.merchant, limit=Limit.STORES, adding=2)
    with pytest.raises(PlanLimitReached):
        limit_check(merchant=alpha.merchant, limit=Limit.STORES, adding=3)


@pytest.mark.django_db
def test_an_override_replaces_the_plan_limit_and_null_means_unlimited(alpha):
    merchant_on_plan(alpha.merchant, make_plan(max_stores=1), limit_overrides={"max_stores": 2})
    limit_check(merchant=alpha.merchant, limit=Limit.STORES)
    merchant_on_plan(alpha.merchant, make_plan(max_stores=1), limit_overrides={"max_stores": None})
    limit_check(merchant=alpha.merchant, limit=Limit.STORES, adding=1000)
    merchant_on_plan(alpha.merchant, make_plan(max_stores=None), limit_overrides={})
    limit_check(merchant=alpha.merchant, limit=Limit.STORES, adding=1000)


@pytest.mark.django_db
def test_a_per_store_limit_counts_in_the_given_store_only(alpha, beta):
    from django_tenants.utils import schema_context

    from apps.catalog.tests.factories import make_product

    merchant_on_plan(alpha.merchant, make_plan(max_products_per_store=1))
    with schema_context(alpha.tenant.schema_name):
        make_product("Only One")
    with pytest.raises(PlanLimitReached):
        limit_check(merchant=alpha.merchant, limit=Limit.PRODUCTS_PER_STORE, store=alpha.tenant)
    # without the store the question has no answer
    with pytest.raises(BillingError) as caught:
        limit_check(merchant=alpha.merchant, limit=Limit.PRODUCTS_PER_STORE)
    assert caught.value.code == "store_required"


@pytest.mark.django_db
def test_staff_seats_count_members_and_open_invitations(alpha):
    from apps.platform.models import TeamInvitation

    merchant_on_plan(alpha.merchant, make_plan(max_staff_seats=3))
    make_member(alpha.merchant, "seat-two@example.com")
    TeamInvitation.objects.create(
        merchant=alpha.merchant,
        email="seat-three@example.com",
        role="staff",
        token_hash=uuid.uuid4().hex,
        expires_at=timezone.now() + timedelta(days=1),
    )
    # an expired invitation holds no seat
    TeamInvitation.objects.create(
        merchant=alpha.merchant,
        email="gone@example.com",
        role="staff",
        token_hash=uuid.uuid4().hex,
        expires_at=timezone.now() - timedelta(days=1),
    )
    with pytest.raises(PlanLimitReached) as caught:
        limit_check(merchant=alpha.merchant, limit=Limit.STAFF_SEATS)
    assert caught.value.params["used"] == 3


@pytest.mark.django_db
def test_usage_rows_show_used_and_allowed_per_limit(alpha):
    merchant_on_plan(alpha.merchant, make_plan(max_stores=3, max_staff_seats=None, max_media_mb=500))
    rows = {row.limit: row for row in usage(merchant=alpha.merchant)}
    assert set(rows) == set(Limit)
    assert (rows[Limit.STORES].used, rows[Limit.STORES].allowed, rows[Limit.STORES].percent) == (1, 3, 33)
    assert rows[Limit.STAFF_SEATS].allowed is None and rows[Limit.STAFF_SEATS].percent == 0
    assert rows[Limit.PRODUCTS_PER_STORE].used is not None
    # media is measured per store (catalog's product images, in MB): alpha has none
    assert (rows[Limit.MEDIA_MB].used, rows[Limit.MEDIA_MB].allowed) == (0, 500)


# ------------------------------------------------------------------------------
# two requests at once (committed rows, threads with their own connections)
# ------------------------------------------------------------------------------
@pytest.fixture
def race(django_db_setup, django_db_blocker) -> Iterator[tuple[Merchant, list[User]]]:
    """A committed merchant on a one-seat plan with its owner; everything removed after."""
    tag = uuid.uuid4().hex[:8]
    with django_db_blocker.unblock():
        plan = make_plan(code=f"race-{tag}", max_staff_seats=1)
        merchant = Merchant.objects.create(name=f"Race {tag}")
        MerchantPlan.objects.create(merchant=merchant, plan=plan, status=MerchantPlan.Status.ACTIVE)
        users = [make_platform_user(f"race-{tag}-{n}@example.com") for n in range(2)]
        try:
            yield merchant, users
        finally:
            connection.set_schema_to_public()  # type: ignore[attr-defined]
            Membership.objects.filter(merchant=merchant).delete()
            BillingAuditEntry.objects.filter(merchant=merchant).delete()
            MerchantPlan.objects.filter(merchant=merchant).delete()
            merchant.delete()
            plan.delete()
            for user in users:
                user.delete()


def test_two_requests_at_once_cannot_both_take_the_last_seat(race, django_db_blocker):
    race_merchant, users = race
    first_checked = threading.Event()
    outcomes: dict[str, str] = {}

    def take_seat(name: str, user: User, *, first: bool) -> None:
        try:
            if not first:
                first_checked.wait(timeout=30)
            with transaction.atomic():
                limit_check(merchant=race_merchant, limit=Limit.STAFF_SEATS)
                if first:
                    first_checked.set()
                    # Hold the check open until the second request is blocked behind it (or,
                    # were there no lock, until it has finished: then both would pass).
                    for _ in range(300):
                        if sessions_waiting_on_a_lock() or "second" in outcomes:
                            break
                        threading.Event().wait(0.05)
                Membership.objects.create(merchant=race_merchant, user=user, role="staff")
            outcomes[name] = "seated"
        except PlanLimitReached:
            outcomes[name] = "refused"
        except Exception as exc:  # any other outcome is named in the assertion
            outcomes[name] = f"error:{type(exc).__name__}:{exc}"
        finally:
            connection.close()

    with django_db_blocker.unblock():
        threads = [
            threading.Thread(target=take_seat, args=("first", users[0]), kwargs={"first": True}),
            threading.Thread(target=take_seat, args=("second", users[1]), kwargs={"first": False}),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert outcomes == {"first": "seated", "second": "refused"}
        assert Membership.objects.filter(merchant=race_merchant).count() == 1
