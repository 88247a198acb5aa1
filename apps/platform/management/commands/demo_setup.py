"""`manage.py demo_setup`: the demo platform admin, merchant, two stores and a shopper.

Idempotent: run it as often as you like (`make run` does, every time). Later issues extend the
demo data here. The passwords are for local demos only and are printed by `--print-logins`.
"""

from __future__ import annotations

import random
from typing import Any

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.management.base import BaseCommand
from django_tenants.utils import schema_context

from apps.accounts.models import User
from apps.catalog.demo import demo_catalog_load
from apps.catalog.models import ProductVariant
from apps.checkout.demo import (
    DEMO_DISCOUNT_CODE,
    DEMO_FREE_SHIPPING_OVER,
    DEMO_GIFT_CARD_AMOUNT,
    DEMO_GIFT_CARD_CODE,
    checkout_demo_load,
)
from apps.inventory.models import Location
from apps.inventory.services import stock_set
from apps.platform.models import Membership, Merchant
from apps.platform.services import store_create
from apps.tenants.links import store_base_url
from apps.tenants.models import Tenant
from apps.tenants.services import store_provision

ADMIN = ("admin@example.com", "demo-admin-1234")
MERCHANT = ("merchant@example.com", "demo-merchant-1234")
SHOPPER = ("shopper@example.com", "demo-shopper-1234")
STORES = [("Demo Store", "demo", "apparel"), ("Demo Gadgets", "gadgets", "gadgets")]


def _demo_stock(variants: list[ProductVariant], rng: random.Random) -> None:
    """Demo stock in a "Main warehouse" for the demo catalog's variants."""
    warehouse, _created = Location.objects.get_or_create(code="main", defaults={"name": "Main warehouse"})
    for variant in variants:
        stock_set(
            variant=variant, location=warehouse, on_hand=rng.choice([0, 3, 12, 25, 60]), reason="Demo data"
        )


def _user(email: str, password: str, **extra: Any) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email, password, **extra)
    EmailAddress.objects.update_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    return user


class Command(BaseCommand):
    help = "Create (or refresh) the demo admin, merchant, stores and shopper."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--print-logins", action="store_true", help="Only print the URLs and logins.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["print_logins"]:
            self._print()
            return
        _user(*ADMIN, is_staff=True, is_superuser=True, full_name="Platform Admin")
        owner = _user(*MERCHANT, full_name="Dana Merchant")
        merchant = Merchant.objects.filter(memberships__user=owner).first()
        if merchant is None:
            merchant = Merchant.objects.create(name="Demo Merchant Ltd")
            Membership.objects.create(merchant=merchant, user=owner, role=Membership.Role.OWNER)
        for name, slug, theme in STORES:
            store = Tenant.objects.filter(slug=slug).first()
            if store is None:
                store = store_create(merchant=merchant, name=name, subdomain=slug, created_by=owner)
            if store.status != Tenant.Status.ACTIVE:
                store = store_provision(tenant_id=store.pk)
            with schema_context(store.schema_name):
                products = demo_catalog_load(theme=theme, stock=_demo_stock)
                checkout = checkout_demo_load()
            self.stdout.write(f"store {slug}: {store.get_status_display()}, {products} demo products added")
            self.stdout.write(f"store {slug}: checkout set-up added {checkout.summary()}")
        demo = Tenant.objects.get(slug=STORES[0][1])
        with schema_context(demo.schema_name):
            _user(*SHOPPER, full_name="Sam Shopper")

    def _print(self) -> None:
        lines = [f"  Platform:    {settings.PLATFORM_URL}/   (console at /console/, admin at /admin/)"]
        for store in Tenant.objects.filter(slug__in=[slug for _name, slug, _theme in STORES]).order_by(
            "slug"
        ):
            lines.append(
                f"  Store:       {store_base_url(store)}/   ({store.name}; dashboard at /dashboard/)"
            )
        lines += [
            "",
            f"  Platform admin: {ADMIN[0]} / {ADMIN[1]}",
            f"  Merchant:       {MERCHANT[0]} / {MERCHANT[1]}  (console -> Open dashboard)",
            f"  Shopper:        {SHOPPER[0]} / {SHOPPER[1]}  (on {STORES[0][1]}.{settings.PLATFORM_DOMAIN})",
            "",
            f"  Checkout (every demo store): discount code {DEMO_DISCOUNT_CODE} (10 %, once per customer),",
            f"    gift card {DEMO_GIFT_CARD_CODE} ({DEMO_GIFT_CARD_AMOUNT} in the store's currency),",
            f"    free shipping over {DEMO_FREE_SHIPPING_OVER} (automatic); pay by bank transfer or a test card:",
            "    4242 4242 4242 4242 succeeds, 4000 0000 0000 0002 is declined,",
            "    4000 0025 0000 3155 asks for authentication (Approve / Fail page)",
            "",
        ]
        self.stdout.write("\n".join(lines))
