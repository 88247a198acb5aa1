"""Analytics writes: moving queued visits into the raw table, rebuilding a day's figures, and
removing raw visits past their retention.

- `visits_flush` (every minute, per store): the store's Redis list into `Visit`, in batches of
  one bulk insert each; a batch that cannot be written goes back on the list.
- `daily_aggregate` rebuilds one store-local day's rows of every daily table from the raw
  visits and the orders, in one transaction (delete, then insert), so running it again gives the
  same rows; `daily_aggregate_recent` (hourly) does yesterday and today, and
  `daily_aggregate_range` a span (the `analytics_rebuild` command, after an import or a fix).
- `visits_purge` is the `analytics_raw` retention kind's purge.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta

from django.db import transaction

from apps.analytics.daily import (
    ProductDay,
    day_window,
    order_figures,
    product_sales,
    product_view_figures,
    source_figures,
    store_zone,
    visit_figures,
)
from apps.analytics.models import DailyChannel, DailyCustomer, DailyProduct, DailySource, DailyStats, Visit
from apps.analytics.recording import visits_buffer_send, visits_requeue, visits_take, visits_write
from apps.core.jobs import store_task
from apps.core.money import money_quantize

logger = logging.getLogger(__name__)

FLUSH_BATCH = 5000
FLUSH_MAX_BATCHES = 200  # one run moves at most a million records; the next run takes the rest
MAX_AGGREGATE_DAYS = 3660


@store_task
def visits_flush() -> dict[str, int]:
    """Move the store's queued visit records into the `Visit` table (see the module docstring)."""
    visits_buffer_send()  # what this process holds (eager tasks, tests) goes with this run
    written = 0
    for _batch in range(FLUSH_MAX_BATCHES):
        records = visits_take(FLUSH_BATCH)
        if not records:
            break
        try:
            with transaction.atomic():
                written += visits_write(records)
        except Exception:
            visits_requeue(records)
            raise
        if len(records) < FLUSH_BATCH:
            break
    return {"written": written}


@store_task
@transaction.atomic
def daily_aggregate(*, day: date) -> DailyStats:
    """Rebuild `day`'s rows of every daily table (store-local day); idempotent."""
    since, until = day_window(day, day, store_zone())
    visits = visit_figures(since, until)
    orders = order_figures(since, until)
    sources = source_figures(since, until, currency=orders.currency)
    views = product_view_figures(since, until)
    products = product_sales(since, until, currency=orders.currency)

    for model in (DailyProduct, DailySource, DailyChannel, DailyCustomer):
        model.objects.filter(day=day).delete()
    currency = orders.currency
    stats, _created = DailyStats.objects.update_or_create(
        day=day,
        defaults={
            "currency": currency,
            "visits": visits.visits,
            "page_views": visits.page_views,
            "product_views": visits.product_views,
            "carts": visits.carts,
            "checkouts": visits.checkouts,
            "orders": orders.orders,
            "revenue": money_quantize(orders.revenue, currency),
            "refunds": money_quantize(orders.refunds, currency),
            "customers": len(orders.customers),
            "returning_customers": orders.returning_customers,
            "profit": money_quantize(orders.profit, currency),
        },
    )
    for product_id, count in views.items():
        products.setdefault(product_id, ProductDay(product_id=product_id)).views = count
    DailyProduct.objects.bulk_create(
        [
            DailyProduct(
                day=day,
                product_id=entry.product_id,
                title=entry.title[:255],
                views=entry.views,
                orders=entry.orders,
                quantity=entry.quantity,
                revenue=entry.revenue,
            )
            for entry in products.values()
        ],
        batch_size=2000,
    )
    DailySource.objects.bulk_create(
        [
            DailySource(
                day=day,
                source=entry.source,
                visits=entry.visits,
                product_views=entry.product_views,
                carts=entry.carts,
                checkouts=entry.checkouts,
                orders=entry.orders,
                revenue=money_quantize(entry.revenue, currency),
            )
            for entry in sources
        ],
        batch_size=2000,
    )
    DailyChannel.objects.bulk_create(
        [
            DailyChannel(day=day, channel=channel, orders=count, revenue=revenue)
            for channel, (count, revenue) in orders.channels.items()
        ]
    )
    DailyCustomer.objects.bulk_create(
        [
            DailyCustomer(
                day=day,
                customer_id=entry.customer_id,
                orders=entry.orders,
                revenue=entry.revenue,
                returning=entry.returning,
            )
            for entry in orders.customers.values()
        ],
        batch_size=2000,
    )
    return stats


@store_task
def daily_aggregate_range(*, start: date, end: date) -> int:
    """Rebuild every day from `start` to `end` (both included), one transaction per day."""
    if start > end or (end - start).days >= MAX_AGGREGATE_DAYS:
        raise ValueError("choose a start before the end, at most ten years apart")
    day = start
    count = 0
    while day <= end:
        daily_aggregate(day=day)
        day += timedelta(days=1)
        count += 1
    return count


@store_task
def daily_aggregate_recent() -> dict[str, str]:
    """The hourly job: yesterday (visits and payments late in the day) and today."""
    from apps.analytics.selectors import store_today

    today = store_today()
    daily_aggregate_range(start=today - timedelta(days=1), end=today)
    return {"through": today.isoformat()}


def visits_purge(before: datetime) -> int:
    """The `analytics_raw` retention purge: raw visits recorded before `before`. The daily
    figures made from them stay."""
    deleted, _per_model = Visit.objects.filter(at__lt=before).delete()
    return deleted
