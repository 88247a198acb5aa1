"""Profit per order: revenue excluding tax, less refunds, supplier cost and shipping, and fees."""

from __future__ import annotations

import zoneinfo
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.fulfilment import profit as profit_module
from apps.fulfilment.profit import CostSource, OrderProfit, profit_report
from apps.fulfilment.profit import order_profit as _order_profit
from apps.fulfilment.tests.factories import paid_order, refund
from apps.orders.models import Payment
from apps.orders.tests.factories import order_row

pytestmark = pytest.mark.usefixtures("in_alpha")
D = Decimal


def _order_with_costs():
    # 2 x 20.00 + 5.00 shipping, no tax; the catalog says each unit cost 8.00
    order = paid_order(2)
    variant = order.lines.get().variant
    assert variant is not None
    variant.cost = D("8.00")
    variant.save(update_fields=["cost"])
    Payment.objects.filter(order=order).update(fee=D("1.46"))
    return order


def order_profit(order) -> OrderProfit:
    profit = _order_profit(order)
    assert profit is not None
    return profit


def test_profit_with_catalog_cost_refund_and_fee():
    order = refund(_order_with_costs(), "10.00")
    profit = order_profit(order)
    assert (profit.items, profit.shipping, profit.discounts, profit.refunds) == (
        D("40.00"),
        D("5.00"),
        D("0.00"),
        D("10.00"),
    )
    assert profit.revenue == D("35.00")
    assert (profit.supplier_cost, profit.supplier_shipping, profit.fees) == (D("16.00"), D("0.00"), D("1.46"))
    assert profit.profit == D("17.54")
    assert profit.cost_source == CostSource.CATALOG


def test_the_supplier_order_cost_wins_over_the_catalog(monkeypatch):
    order = _order_with_costs()
    asked = []

    def costs(order_ids):
        asked.append(list(order_ids))
        return {order.pk: (D("12.00"), D("3.00"))}

    monkeypatch.setattr(profit_module, "purchase_order_costs", costs)
    profit = order_profit(order)
    assert asked == [[order.pk]]
    assert (profit.supplier_cost, profit.supplier_shipping) == (D("12.00"), D("3.00"))
    assert profit.profit == D("45.00") - D("12.00") - D("3.00") - D("1.46")
    assert profit.cost_source == CostSource.PURCHASE_ORDER


def test_a_line_without_cost_makes_the_figure_incomplete():
    order = paid_order(1)
    assert order_profit(order).cost_source == CostSource.INCOMPLETE


def test_tax_included_prices_and_discounts_are_taken_to_their_net():
    order = order_row(
        status="paid",
        subtotal=D("119.00"),
        discount_total=D("11.90"),
        shipping_total=D("0.00"),
        total=D("107.10"),
        tax_total=D("17.10"),
        prices_include_tax=True,
        tax_rate=D("0.19"),
        amount_paid=D("107.10"),
    )
    profit = order_profit(order)
    assert (profit.items, profit.discounts, profit.revenue, profit.profit) == (
        D("100.00"),
        D("10.00"),
        D("90.00"),
        D("90.00"),
    )


def test_an_unpaid_order_has_no_profit():
    assert _order_profit(order_row(status="pending")) is None


def test_the_report_sums_the_orders_paid_in_the_range():
    first, second = _order_with_costs(), _order_with_costs()
    today = timezone.localdate()
    report = profit_report(start=today - timedelta(days=29), end=today, zone=zoneinfo.ZoneInfo("UTC"))
    assert [row.order_id for row in report.rows] == [second.pk, first.pk]
    [total] = report.totals
    assert total.orders == 2 and total.profit == 2 * (D("45.00") - D("16.00") - D("1.46"))
    earlier = profit_report(
        start=today - timedelta(days=60), end=today - timedelta(days=31), zone=zoneinfo.ZoneInfo("UTC")
    )
    assert earlier.rows == [] and earlier.totals == []


def test_the_cost_recorded_on_a_supplier_order_is_read_from_purchasing():
    factories = pytest.importorskip("apps.purchasing.tests.factories")
    purchase_order = factories.po_row(status="placed", cost=D("4.00"), shipping_cost=D("1.50"))
    profit = order_profit(purchase_order.order)
    assert profit.cost_source == CostSource.PURCHASE_ORDER
    assert (profit.supplier_cost, profit.supplier_shipping) == (D("4.00"), D("1.50"))
    assert profit.profit == D("10.00") - D("4.00") - D("1.50")
