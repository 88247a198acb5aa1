"""Create or update every plan's Stripe Product, monthly Price and metered AI-credits Price, and
the Customer Portal configuration (apps.billing.plan_sync)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.billing.models import Plan
from apps.billing.plan_sync import plans_push
from apps.core.errors import ApplicationError


class Command(BaseCommand):
    help = "Push plans to Stripe as Products and recurring Prices and sync them into dj-stripe."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("codes", nargs="*", help="Plan codes (default: every plan).")

    def handle(self, *args: Any, **options: Any) -> None:
        codes: list[str] = options["codes"]
        plans = None
        if codes:
            plans = list(Plan.objects.filter(code__in=codes))
            missing = sorted(set(codes) - {plan.code for plan in plans})
            if missing:
                raise CommandError(f"No such plan: {', '.join(missing)}")
        try:
            results = plans_push(plans=plans)
        except ApplicationError as error:
            raise CommandError(str(error.message)) from error
        for result in results:
            what = ", ".join(
                [
                    *(f"created {name}" for name in result.created),
                    *(f"updated {name}" for name in result.updated),
                ]
                + [f"archived {price}" for price in result.archived]
            )
            metered = f" {result.metered_price_id}" if result.metered_price_id else ""
            self.stdout.write(
                f"{result.plan}: {result.product_id} {result.price_id}{metered} ({what or 'unchanged'})"
            )
