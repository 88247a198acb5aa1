"""Rebuild a store's daily analytics figures over past days (after an import of old orders, a
fix to the aggregation, or to fill the tables of a store that had orders before analytics).

    manage.py analytics_rebuild --store <slug> [--days 400]

Runs `daily_aggregate` for each day from `--days` ago to today, in the store's schema; visits
older than the raw retention are gone, so those days keep their order figures only.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_tenants.utils import schema_context

from apps.tenants.models import Tenant


class Command(BaseCommand):
    help = "Rebuild one store's daily analytics figures over the last N days."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--store", required=True, help="the store's slug")
        parser.add_argument("--days", type=int, default=400, help="how many days back (default 400)")

    def handle(self, *args: Any, **options: Any) -> None:
        from apps.analytics.selectors import store_today
        from apps.analytics.services import daily_aggregate_range

        tenant = Tenant.objects.filter(slug=options["store"]).first()
        if tenant is None:
            raise CommandError(f"no store {options['store']!r}")
        days = options["days"]
        if not 1 <= days <= 3650:
            raise CommandError("--days must be between 1 and 3650")
        with schema_context(tenant.schema_name):
            today = store_today()
            count = daily_aggregate_range(start=today - timedelta(days=days - 1), end=today)
        self.stdout.write(f"{tenant.slug}: {count} days rebuilt")
