"""The audit log in a real chromium, signed in to store alpha as an owner: a product's title
changed in its editor shows in the log with who, from where and the old and new title; the text
filter finds it, a malformed date is refused next to its field, and at 375 px nothing sticks out
sideways. The log is photographed at 1280 and 375 px into
`.local/artifacts/dashboard-screenshots/audit*.png` (a test artefact, not committed).

As in tests/test_analytics_browser.py, the app runs in a threaded WSGI server in this process,
so the rows are committed: a product and an owner, and the entries the test makes, all removed
afterwards. ORM calls run in a helper thread because Playwright's loop runs in this one.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

import pytest
from django.core.cache import cache
from django.utils import timezone
from django_tenants.utils import schema_context
from playwright.sync_api import Browser, expect

from apps.tenants.models import Tenant
from apps.tenants.routing import routing_cache_clear
from tests.browser_support import (
    DASHBOARD_SCREENSHOTS,
    DESKTOP,
    PHONE,
    dashboard_sign_in,
    off_loop,
    phone_scroll_width,
    session_keys_of,
)
from tests.fixtures import PASSWORD

pytestmark = pytest.mark.browser


def _alpha() -> Tenant:
    return Tenant.objects.get(slug="alpha")


@dataclass(frozen=True)
class Shop:
    suffix: str
    email: str
    product_uuid: str
    product_id: int
    title: str
    since: datetime


def _shop_make(suffix: str) -> Shop:
    from allauth.account.models import EmailAddress

    from apps.accounts.models import User
    from apps.catalog.tests.factories import make_product

    since = timezone.now()
    with schema_context(_alpha().schema_name):
        product = make_product(f"Desk lamp {suffix}", sku_prefix=f"LAMP{suffix}".upper())
        email = f"audit-owner-{suffix}@example.com"
        user = User.objects.create_user(email, PASSWORD, is_staff=True, store_role="owner")
        EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
        return Shop(
            suffix=suffix,
            email=email,
            product_uuid=str(product.uuid),
            product_id=product.pk,
            title=product.title,
            since=since,
        )


def _shop_remove(shop: Shop, session_keys: list[str]) -> None:
    from django.contrib.sessions.models import Session

    from apps.accounts.models import User
    from apps.audit.models import AuditEntry
    from apps.catalog.models import Product
    from apps.core.models import EventRecord

    with schema_context(_alpha().schema_name):
        Product.objects.filter(pk=shop.product_id).delete()
        EventRecord.objects.filter(created_at__gte=shop.since).delete()
        AuditEntry.objects.filter(object_repr__contains=shop.suffix).delete()
        AuditEntry.objects.filter(actor_label=shop.email).delete()
        User.objects.filter(email=shop.email).delete()
        Session.objects.filter(session_key__in=session_keys).delete()
        cache.clear()
    routing_cache_clear()


@pytest.fixture
def shop(dashboard_store_url: str) -> Iterator[tuple[Shop, list[str]]]:
    made = off_loop(_shop_make, uuid.uuid4().hex[:6])
    session_keys: list[str] = []
    yield made, session_keys
    off_loop(_shop_remove, made, session_keys)


def test_an_owner_reads_who_changed_a_product_at_desktop_and_phone_width(  # type: ignore[no-untyped-def]
    shop, browser: Browser, dashboard_store_url: str
) -> None:
    made, session_keys = shop
    broken: list[str] = []
    page = dashboard_sign_in(browser, dashboard_store_url, made.email, broken)
    try:
        # the owner renames the product in its editor
        page.goto(f"/dashboard/catalog/products/{made.product_uuid}/")
        page.locator("#id_title").fill(f"Reading lamp {made.suffix}")
        page.get_by_role("button", name="Save product").click()
        page.wait_for_load_state()

        # the log names them, the product and the change, with the address they came from
        response = page.goto("/dashboard/audit/")
        assert response is not None and response.status == 200
        # (the product's row, and its variant's when the variant's title follows the product's)
        row = page.locator("#audit-entries tbody tr", has_text=f"Reading lamp {made.suffix}").first
        expect(row).to_contain_text(made.email)
        expect(row).to_contain_text("127.0.0.1")
        change = row.locator("dd", has_text=f"Reading lamp {made.suffix}")
        expect(change.locator("del")).to_have_text(made.title)
        expect(change.locator("ins")).to_have_text(f"Reading lamp {made.suffix}")
        DASHBOARD_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(DASHBOARD_SCREENSHOTS / "audit.png"), full_page=True)
        assert phone_scroll_width(page) <= PHONE["width"]
        page.screenshot(path=str(DASHBOARD_SCREENSHOTS / "audit-phone.png"), full_page=True)
        page.set_viewport_size(DESKTOP)

        # the text filter, by keyboard
        page.locator("#id_q").fill(made.suffix)
        page.locator("#id_q").press("Enter")
        expect(page).to_have_url(re.compile(rf"/dashboard/audit/\?q={made.suffix}&"))
        expect(
            page.locator("#audit-entries tbody tr", has_text=f"Reading lamp {made.suffix}")
        ).not_to_have_count(0)
        expect(page.locator("#audit-entries tbody tr", has_not_text=made.suffix)).to_have_count(0)

        # a malformed date is refused next to its field
        response = page.goto("/dashboard/audit/?date_from=2026-02-31")
        assert response is not None and response.status == 400
        expect(page.locator(".field.has-error .error")).to_be_visible()
        page.screenshot(path=str(DASHBOARD_SCREENSHOTS / "audit-bad-date.png"), full_page=True)
    finally:
        session_keys += session_keys_of(page.context)
        page.context.close()
    assert not broken, f"the pages had broken scripts, blocked resources or missing static files: {broken}"
