"""Late-shipment risk: the promise uses the product page's rules, the estimate follows the
supplier and the tracking, and the hourly job tells the shopper once per new estimate."""

from __future__ import annotations

from datetime import timedelta

import pytest

from apps.fulfilment.enums import RiskReason
from apps.fulfilment.models import DeliveryRisk
from apps.fulfilment.risk import delivery_risks_evaluate, transit_days
from apps.fulfilment.services import TrackingUpdate, fulfilment_mark_delivered, fulfilment_tracking_record
from apps.fulfilment.tests.factories import emitted, paid_order, ship, supplier_offer
from apps.orders.enums import OrderEventKind
from apps.orders.models import Order
from apps.orders.tests.factories import variant_make
from apps.stores.models import StoreSettings
from apps.stores.selectors import store_settings_cache_clear, store_settings_get

pytestmark = pytest.mark.usefixtures("in_alpha")


@pytest.fixture(autouse=True)
def _rules(settings, in_alpha):
    settings.CATALOG_DISPATCH_DAYS = 2
    settings.CATALOG_TRANSIT_DAYS_DOMESTIC = (2, 5)
    settings.CATALOG_TRANSIT_DAYS_INTERNATIONAL = (7, 14)
    StoreSettings.objects.filter(pk=store_settings_get().pk).update(country="DE", timezone="UTC")
    store_settings_cache_clear()
    yield
    store_settings_cache_clear()


def _order_from_china(lead_time_days: int = 3):
    """A paid order shipped to Germany by a supplier in China (3 days' lead time): promised by
    paid day + 3 + 14 = day 17, as the product page said."""
    variant = variant_make(stock=20)
    supplier_offer(variant, lead_time_days=lead_time_days, ships_from="CN")
    order = paid_order(1, variants=[variant])
    # Paid at noon of today, so "an hour later" (`_judge(order, 6.1)`) stays on the same day
    # whatever the time the suite runs (paid at 22:00, that hour crossed midnight and moved
    # the estimate by a day).
    assert order.paid_at is not None
    noon = order.paid_at.replace(hour=12, minute=0, second=0, microsecond=0)
    Order.objects.filter(pk=order.pk).update(paid_at=noon)
    order.refresh_from_db()
    return order


def _judge(order, days: float):
    delivery_risks_evaluate(now=order.paid_at + timedelta(days=days))
    return DeliveryRisk.objects.get(order=order)


def test_on_time_while_the_supplier_is_within_its_lead_time():
    order = _order_from_china()
    paid_day = order.paid_at.date()
    risk = _judge(order, 2)
    assert risk.promised_delivery == paid_day + timedelta(days=17)
    assert risk.estimated_delivery == risk.promised_delivery
    assert not risk.at_risk and risk.reason == RiskReason.ON_TIME
    assert not emitted("order.delivery_at_risk")


def test_a_late_supplier_puts_the_order_at_risk():
    order = _order_from_china()
    paid_day = order.paid_at.date()
    # lead time 3 + grace 2 passed on day 5: on day 6 it ships today at the earliest
    risk = _judge(order, 6)
    assert risk.at_risk and risk.reason == RiskReason.LATE_SUPPLIER
    assert risk.estimated_delivery == paid_day + timedelta(days=6 + 14)
    assert risk.days_late == 3


def test_a_shipment_on_its_way_is_judged_by_transit_days_and_scans():
    order = _order_from_china()
    fulfilment = ship(order, 1, carrier="yanwen", number="UY123456789YP")
    scan = TrackingUpdate(
        occurred_at=order.paid_at + timedelta(days=1), status="in_transit", description="Left Shenzhen"
    )
    fulfilment_tracking_record(fulfilment=fulfilment, events=[scan], delivered=False)
    # shipped on day 0 + 14 days CN -> EU, within the promise of day 17; last scan 3 days ago
    risk = _judge(order, 4)
    assert not risk.at_risk and risk.estimated_delivery == order.paid_at.date() + timedelta(days=14)
    # no new scan for 5 days: stalled
    risk = _judge(order, 6.5)
    assert risk.at_risk and risk.reason == RiskReason.STALLED


def test_a_carrier_exception_puts_the_order_at_risk():
    order = _order_from_china()
    fulfilment = ship(order, 1, carrier="dhl")
    problem = TrackingUpdate(
        occurred_at=order.paid_at + timedelta(hours=30), status="exception", description="Address unknown"
    )
    fulfilment_tracking_record(fulfilment=fulfilment, events=[problem], delivered=False)
    risk = _judge(order, 2)
    assert risk.at_risk and risk.reason == RiskReason.EXCEPTION
    # express carrier: 6 days at most, well within the promise
    assert risk.estimated_delivery == order.paid_at.date() + timedelta(days=6)


def test_the_job_tells_the_shopper_once_per_new_estimate_and_stops_after_delivery():
    order = _order_from_china()
    _judge(order, 6)
    _judge(order, 6.1)  # the next hour: the same estimate
    [payload] = emitted("order.delivery_at_risk")
    risk = DeliveryRisk.objects.get(order=order)
    assert risk.estimated_delivery is not None and risk.promised_delivery is not None
    assert payload["number"] == order.number
    assert payload["estimated_delivery"] == risk.estimated_delivery.isoformat()
    assert payload["promised_delivery"] == risk.promised_delivery.isoformat()
    assert payload["reason"] == RiskReason.LATE_SUPPLIER
    entry = order.events.get(kind=OrderEventKind.DELIVERY_AT_RISK)
    assert entry.params["estimated"] == risk.estimated_delivery.isoformat()
    assert risk.notified_at is not None
    # a day later the estimate slipped a day: not news yet
    _judge(order, 7)
    assert len(emitted("order.delivery_at_risk")) == 1
    # three days beyond what the shopper was told: told again
    _judge(order, 9)
    assert len(emitted("order.delivery_at_risk")) == 2
    # once everything arrived the order leaves the at-risk list
    fulfilment = ship(order, 1)
    fulfilment_mark_delivered(fulfilment=fulfilment)
    _judge(order, 10)
    assert not DeliveryRisk.objects.get(order=order).at_risk
    assert len(emitted("order.delivery_at_risk")) == 2


def test_the_promise_is_kept_as_it_was_when_the_supplier_changes_its_terms():
    order = _order_from_china()
    promised = _judge(order, 1).promised_delivery
    variant = order.lines.get().variant
    variant.supplier_offers.update(is_available=False)
    supplier_offer(variant, lead_time_days=1, ships_from="DE")
    assert _judge(order, 1).promised_delivery == promised


def test_transit_days_by_region_and_carrier(settings):
    assert transit_days(origin="DE", destination="DE") == (2, 5)
    assert transit_days(origin="DE", destination="FR") == (2, 6)
    assert transit_days(origin="CN", destination="DE") == (7, 14)
    assert transit_days(origin="CN", destination="DE", carrier="ups") == (2, 6)
    assert transit_days(origin="", destination="US") == (7, 14)


def test_an_unchanged_store_is_judged_again_in_the_same_queries_for_1_or_many_orders(
    django_assert_max_num_queries,
):
    first = _order_from_china()
    ship(first, 1)
    later = first.paid_at + timedelta(days=2)
    delivery_risks_evaluate(now=later)
    with django_assert_max_num_queries(20) as one:
        delivery_risks_evaluate(now=later)
    for _ in range(4):
        ship(_order_from_china(), 1)
    delivery_risks_evaluate(now=later)
    with django_assert_max_num_queries(len(one)):
        summary = delivery_risks_evaluate(now=later)
    assert summary == {"evaluated": 5, "at_risk": 0, "notified": 0}


def test_the_job_is_registered_hourly():
    from apps.core.jobs import store_job_get

    job = store_job_get("fulfilment.delivery_risks")
    assert job.every == 3600
    assert job.func()["evaluated"] == 0  # runs inside the store (alpha has no open order here)
