"""Profit per order: what the order brought in, excluding tax, less what it cost.

    revenue = items (excl. tax) + shipping charged (excl. tax) - discounts - refunds (excl. tax)
    profit  = revenue - supplier cost - shipping paid to the supplier - payment fees

- Items and discounts come from the order's amounts; when its prices include tax they are
  taken back to their net at the order's tax rate (shipping too, when tax applied to it).
- Refunds are the order's refunded amount in the same net proportion as its total.
- Supplier cost and shipping: from the supplier orders (apps.purchasing registers its
  `purchase_order_costs(order_ids)` with `supplier_costs_source_register`, so fulfilment does
  not import it) when the order has one, else the
  catalog's cost of each line's variant x quantity (no shipping known); a line whose variant has
  no cost makes the figure `incomplete` (counted as 0 and said so).
- Fees: what the gateways charged on the order's captured payments (`Payment.fee`).

Everything is read for many orders at once in a fixed number of queries (the order rows, their
line costs, their fees, and the supplier orders' costs), whatever the number of orders.
"""

from __future__ import annotations

import zoneinfo
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import Sum

from apps.core.money import money_quantize
from apps.orders.models import Order, OrderLine, Payment
from apps.orders.transitions import PAID_STATUSES

ZERO = Decimal(0)
ONE = Decimal(1)


class CostSource:
    PURCHASE_ORDER = "purchase_order"
    CATALOG = "catalog"
    INCOMPLETE = "incomplete"


@dataclass(frozen=True)
class OrderProfit:
    order_id: int
    number: int
    currency: str
    paid_at: datetime | None
    items: Decimal
    shipping: Decimal
    discounts: Decimal
    refunds: Decimal
    supplier_cost: Decimal
    supplier_shipping: Decimal
    fees: Decimal
    cost_source: str

    @property
    def revenue(self) -> Decimal:
        return self.items + self.shipping - self.discounts - self.refunds

    @property
    def costs(self) -> Decimal:
        return self.supplier_cost + self.supplier_shipping + self.fees

    @property
    def profit(self) -> Decimal:
        return self.revenue - self.costs

    @property
    def margin_percent(self) -> Decimal | None:
        if self.revenue <= 0:
            return None
        return (self.profit * 100 / self.revenue).quantize(Decimal("0.1"))


@dataclass
class ProfitTotals:
    currency: str
    orders: int = 0
    items: Decimal = ZERO
    shipping: Decimal = ZERO
    discounts: Decimal = ZERO
    refunds: Decimal = ZERO
    supplier_cost: Decimal = ZERO
    supplier_shipping: Decimal = ZERO
    fees: Decimal = ZERO
    incomplete: int = 0

    @property
    def revenue(self) -> Decimal:
        return self.items + self.shipping - self.discounts - self.refunds

    @property
    def profit(self) -> Decimal:
        return self.revenue - self.supplier_cost - self.supplier_shipping - self.fees

    def add(self, row: OrderProfit) -> None:
        self.orders += 1
        for name in (
            "items",
            "shipping",
            "discounts",
            "refunds",
            "supplier_cost",
            "supplier_shipping",
            "fees",
        ):
            setattr(self, name, getattr(self, name) + getattr(row, name))
        self.incomplete += int(row.cost_source == CostSource.INCOMPLETE)


@dataclass(frozen=True)
class ProfitReport:
    start: date
    end: date
    rows: list[OrderProfit]
    totals: list[ProfitTotals] = field(default_factory=list)


SupplierCosts = Callable[[list[int]], dict[int, tuple[Decimal, Decimal]]]
_supplier_cost_sources: list[SupplierCosts] = []


def supplier_costs_source_register(source: SupplierCosts) -> None:
    """Add a source of (cost, shipping) per order id paid to suppliers (apps.purchasing)."""
    if source not in _supplier_cost_sources:
        _supplier_cost_sources.append(source)


def purchase_order_costs(order_ids: Sequence[int]) -> dict[int, tuple[Decimal, Decimal]]:
    """(cost, shipping) the supplier orders of these orders recorded, from the registered sources."""
    if not order_ids:
        return {}
    found: dict[int, tuple[Decimal, Decimal]] = {}
    for source in _supplier_cost_sources:
        found.update(source(list(order_ids)))
    return found


def _catalog_costs(order_ids: Sequence[int]) -> dict[int, tuple[Decimal, bool]]:
    """Catalog cost x quantity per order, and whether every line had a cost (one query)."""
    totals: dict[int, Decimal] = defaultdict(lambda: ZERO)
    complete: dict[int, bool] = defaultdict(lambda: True)
    rows = OrderLine.objects.filter(order_id__in=order_ids).values_list(
        "order_id", "quantity", "variant__cost"
    )
    for order_id, quantity, cost in rows:
        if cost is None:
            complete[order_id] = False
        else:
            totals[order_id] += cost * quantity
        totals[order_id] += ZERO
    return {order_id: (totals[order_id], complete[order_id]) for order_id in totals}


def _fees(order_ids: Sequence[int]) -> dict[int, Decimal]:
    rows = (
        Payment.objects.filter(order_id__in=order_ids, captured=True, fee__isnull=False)
        .values("order_id")
        .annotate(fees=Sum("fee"))
    )
    return {row["order_id"]: row["fees"] or ZERO for row in rows}


def _net(amount: Decimal, order: Order, *, taxed: bool = True) -> Decimal:
    if order.prices_include_tax and order.tax_rate and taxed:
        return amount / (ONE + order.tax_rate)
    return amount


PROFIT_FIELDS = (
    "id",
    "number",
    "currency",
    "paid_at",
    "status",
    "prices_include_tax",
    "tax_rate",
    "shipping_taxable",
    "tax_applies_to_shipping",
    "subtotal",
    "discount_total",
    "shipping_total",
    "tax_total",
    "total",
    "amount_refunded",
)


def order_profits(orders: Iterable[Order]) -> list[OrderProfit]:
    """The profit of each order (rows with `PROFIT_FIELDS` loaded), in the given order; three
    queries plus the supplier orders' whatever the number of orders."""
    orders = list(orders)
    ids = [order.pk for order in orders]
    if not ids:
        return []
    purchased = purchase_order_costs(ids)
    catalog = _catalog_costs(ids)
    fees = _fees(ids)
    rows = []
    for order in orders:
        currency = order.currency

        def q(amount: Decimal, currency: str = currency) -> Decimal:
            return money_quantize(amount, currency)

        shipping_taxed = order.shipping_taxable and order.tax_applies_to_shipping
        net_share = (order.total - order.tax_total) / order.total if order.total > 0 else ONE
        if order.pk in purchased:
            cost, supplier_shipping = purchased[order.pk]
            source = CostSource.PURCHASE_ORDER
        else:
            cost, complete = catalog.get(order.pk, (ZERO, True))
            supplier_shipping = ZERO
            source = CostSource.CATALOG if complete else CostSource.INCOMPLETE
        rows.append(
            OrderProfit(
                order_id=order.pk,
                number=order.number,
                currency=currency,
                paid_at=order.paid_at,
                items=q(_net(order.subtotal, order)),
                shipping=q(_net(order.shipping_total, order, taxed=shipping_taxed)),
                discounts=q(_net(order.discount_total, order)),
                refunds=q(order.amount_refunded * net_share),
                supplier_cost=q(cost),
                supplier_shipping=q(supplier_shipping),
                fees=q(fees.get(order.pk, ZERO)),
                cost_source=source,
            )
        )
    return rows


def order_profit(order: Order) -> OrderProfit | None:
    """One order's profit; None before it is paid."""
    if order.status not in PAID_STATUSES:
        return None
    return order_profits([order])[0]


def profit_report(*, start: date, end: date, zone: zoneinfo.ZoneInfo) -> ProfitReport:
    """The profit of every order paid from `start` to `end` (days in `zone`, both included),
    newest first, with totals per currency."""
    since = datetime.combine(start, time.min, tzinfo=zone)
    until = datetime.combine(end + timedelta(days=1), time.min, tzinfo=zone)
    orders = (
        Order.objects.filter(status__in=PAID_STATUSES, paid_at__gte=since, paid_at__lt=until)
        .only(*PROFIT_FIELDS)
        .order_by("-paid_at", "-number")
    )
    rows = order_profits(orders)
    totals: dict[str, ProfitTotals] = {}
    for row in rows:
        totals.setdefault(row.currency, ProfitTotals(currency=row.currency)).add(row)
    return ProfitReport(
        start=start, end=end, rows=rows, totals=sorted(totals.values(), key=lambda t: t.currency)
    )
