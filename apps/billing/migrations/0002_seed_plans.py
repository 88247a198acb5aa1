"""Starter, Growth and Scale. Scale reaches the tenant limits seed 004 promises (10,000 products
per store, 1,000 orders a day, 100 GB of media); Starter is the free trial without a card and keeps
the three stores every merchant had before plans existed. Staff edit all of it in the admin."""

from decimal import Decimal

from django.db import migrations

PLANS = [
    {
        "code": "starter",
        "name": "Starter",
        "description": "One merchant getting started: a few stores and a small catalogue.",
        "monthly_price": Decimal("29.00"),
        "sort_order": 10,
        "is_default_trial": True,
        "max_stores": 3,
        "max_products_per_store": 1_000,
        "max_orders_per_day": 100,
        "max_staff_seats": 5,
        "max_media_mb": 5 * 1024,
        "ai_credits_per_month": 100,
        "api_requests_per_minute": 60,
    },
    {
        "code": "growth",
        "name": "Growth",
        "description": "A growing business with several stores and a team.",
        "monthly_price": Decimal("79.00"),
        "sort_order": 20,
        "is_default_trial": False,
        "max_stores": 10,
        "max_products_per_store": 5_000,
        "max_orders_per_day": 500,
        "max_staff_seats": 15,
        "max_media_mb": 25 * 1024,
        "ai_credits_per_month": 1_000,
        "api_requests_per_minute": 300,
    },
    {
        "code": "scale",
        "name": "Scale",
        "description": "Many stores at the platform's full per-store limits.",
        "monthly_price": Decimal("199.00"),
        "sort_order": 30,
        "is_default_trial": False,
        "max_stores": 50,
        "max_products_per_store": 10_000,
        "max_orders_per_day": 1_000,
        "max_staff_seats": 50,
        "max_media_mb": 100 * 1024,
        "ai_credits_per_month": 5_000,
        "api_requests_per_minute": 600,
    },
]


def plans_create(apps, schema_editor):
    Plan = apps.get_model("billing", "Plan")
    for row in PLANS:
        code = row["code"]
        defaults = {k: v for k, v in row.items() if k != "code"}
        Plan.objects.get_or_create(code=code, defaults={**defaults, "currency": "EUR", "trial_days": 14})


def plans_delete(apps, schema_editor):
    Plan = apps.get_model("billing", "Plan")
    Plan.objects.filter(code__in=[row["code"] for row in PLANS], merchant_plans__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("billing", "0001_initial")]

    operations = [migrations.RunPython(plans_create, plans_delete)]
