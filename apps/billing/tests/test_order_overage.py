"""Orders per day: a shopper's order is never refused for the plan; beyond the plan's orders per
day it is accepted and flagged as overage, counted once per order, per store, shown in the
console. Billing learns of orders from the `order.created` event only."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django_tenants.utils import schema_context

from apps.billing.limits import Limit, usage
from apps.billing.models import MeteredOrder, StoreOrderDay
from apps.billing.order_metering import merchant_order_overage, order_count
from apps.billing.subscribers import order_count_on_order_created
from apps.billing.tests.factories import make_plan, merchant_on_plan
from apps.core.events import Event, subscribers_for
from apps.core.events import subscriber_name as name_of
from tests.fixtures import StoreWorld

pytestmark = pytest.mark.django_db
DAY = date(2026, 11, 30)


@pytest.fixture(autouse=True)
def _no_counts_from_earlier_tests() -> None:
    # Committed tests elsewhere (browser, worker) may have placed orders in alpha today; the
    # counts here start from zero (rolled back with the test).
    MeteredOrder.objects.all().delete()
    StoreOrderDay.objects.all().delete()


def _event(world: StoreWorld, *, order: uuid.UUID | None = None, status: str = "paid") -> Event:
    return Event(
        id=str(uuid.uuid4()),
        name="order.created",
        payload={"order": str(order or uuid.uuid4()), "number": "#1001", "status": status},
        schema_name=world.tenant.schema_name,
    )


def test_billing_subscribes_to_order_created() -> None:
    assert name_of(order_count_on_order_created) in subscribers_for("order.created")


def test_orders_beyond_the_plan_are_accepted_and_flagged_as_overage(alpha: StoreWorld) -> None:
    merchant_on_plan(alpha.merchant, make_plan(max_orders_per_day=2))
    counted = [order_count(store=alpha.tenant, order_uuid=uuid.uuid4(), day=DAY) for _ in range(4)]
    assert [row.overage for row in counted] == [False, False, True, True]
    day = StoreOrderDay.objects.get(tenant=alpha.tenant, day=DAY)
    assert (day.orders, day.overage_orders) == (4, 2)


def test_a_redelivered_event_counts_the_order_once(alpha: StoreWorld) -> None:
    merchant_on_plan(alpha.merchant, make_plan(max_orders_per_day=1))
    order = uuid.uuid4()
    with schema_context(alpha.tenant.schema_name):
        order_count_on_order_created(_event(alpha, order=order))
        order_count_on_order_created(_event(alpha, order=order))
        order_count_on_order_created(_event(alpha, status="draft"))  # a draft is not an order yet
        order_count_on_order_created(
            Event(
                id=str(uuid.uuid4()),
                name="order.created",
                payload={"order": "x"},
                schema_name=alpha.tenant.schema_name,
            )
        )
    assert MeteredOrder.objects.filter(tenant=alpha.tenant).count() == 1
    assert StoreOrderDay.objects.get(tenant=alpha.tenant).orders == 1


def test_each_store_counts_against_its_own_merchants_plan(alpha: StoreWorld, beta: StoreWorld) -> None:
    merchant_on_plan(alpha.merchant, make_plan(max_orders_per_day=1))
    merchant_on_plan(beta.merchant, make_plan(max_orders_per_day=100))
    for _ in range(2):
        order_count(store=alpha.tenant, order_uuid=uuid.uuid4())
        order_count(store=beta.tenant, order_uuid=uuid.uuid4())
    alpha_rows = merchant_order_overage(merchant=alpha.merchant)
    beta_rows = merchant_order_overage(merchant=beta.merchant)
    assert [(r.store.pk, r.today, r.overage_today) for r in alpha_rows] == [(alpha.tenant.pk, 2, 1)]
    assert [(r.store.pk, r.today, r.overage_today) for r in beta_rows] == [(beta.tenant.pk, 2, 0)]
    rows = {row.limit: row for row in usage(merchant=alpha.merchant)}
    assert (rows[Limit.ORDERS_PER_DAY].used, rows[Limit.ORDERS_PER_DAY].allowed) == (2, 1)


def test_a_shoppers_order_over_the_limit_is_placed_and_flagged(
    alpha: StoreWorld, django_capture_on_commit_callbacks
) -> None:
    from apps.invoices.tests.factories import taxed_order

    merchant_on_plan(alpha.merchant, make_plan(max_orders_per_day=0))
    with schema_context(alpha.tenant.schema_name):
        # when: an order is placed through checkout, its order.created delivered (eager Celery)
        with django_capture_on_commit_callbacks(execute=True):
            order = taxed_order()
        # then: the order stands, and billing counted it as overage
        assert order.pk is not None and order.paid_at is not None
    counted = MeteredOrder.objects.get(tenant=alpha.tenant, order_uuid=order.uuid)
    assert counted.overage and counted.number == str(order.number)


def test_the_console_shows_overage_counts_per_store(
    alpha: StoreWorld, beta: StoreWorld, platform_client: Client
) -> None:
    merchant_on_plan(alpha.merchant, make_plan(max_orders_per_day=1))
    merchant_on_plan(beta.merchant, make_plan(max_orders_per_day=1))
    for _ in range(3):
        order_count(store=alpha.tenant, order_uuid=uuid.uuid4())
    for _ in range(9):
        order_count(store=beta.tenant, order_uuid=uuid.uuid4())
    platform_client.force_login(alpha.owner)
    response = platform_client.get(
        reverse(
            "billing_console:metering",
            kwargs={"merchant_uuid": alpha.merchant.uuid},
            urlconf=settings.PUBLIC_SCHEMA_URLCONF,
        )
    )
    content = response.content.decode()
    assert response.status_code == 200
    assert '<td class="overage-today">2</td>' in content and '<td class="overage-30">2</td>' in content
    assert f'data-store="{beta.tenant.schema_name}"' not in content
