"""A store's blog in Wagtail's admin (/cms/), in a real chromium, signed in to store alpha as an
owner: the dashboard links to /cms/, the owner opens a draft post holding a products block,
changes its title and introduction, publishes it, and a shopper reads it on the storefront with
the product linked; and a landing page's blocks, edited as forms and published. The editors and
the pages are photographed (the post's at 1280 and 375 px) into
`.local/artifacts/content-screenshots/` (a test artefact, not committed).

As in the other browser tests, the app runs in a threaded WSGI server in this process, so the
rows are committed: the owner, the product and the post, and every row Wagtail wrote on their
behalf (revisions, log entries, the search and reference indexes, editing sessions), all removed
afterwards.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone
from django_tenants.utils import schema_context
from playwright.sync_api import Browser, Page, expect

from apps.core.tenancy import current_schema
from apps.tenants.models import Tenant
from apps.tenants.routing import routing_cache_clear
from tests.browser_support import DESKTOP, PHONE, dashboard_sign_in, off_loop, session_keys_of
from tests.fixtures import PASSWORD

pytestmark = pytest.mark.browser

CONTENT_SCREENSHOTS = Path(settings.BASE_DIR) / ".local" / "artifacts" / "content-screenshots"


def _alpha() -> Tenant:
    return Tenant.objects.get(slug="alpha")


@dataclass(frozen=True)
class Draft:
    suffix: str
    email: str
    post_id: int
    product_title: str
    product_handle: str
    max_ids: dict[str, int]  # every table of alpha with an integer id: its largest id before the test
    since: datetime


def _max_ids() -> dict[str, int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.table_name FROM information_schema.columns c "
            "JOIN information_schema.tables t USING (table_schema, table_name) "
            "WHERE c.table_schema = %s AND c.column_name = 'id' AND t.table_type = 'BASE TABLE' "
            "AND c.data_type IN ('integer', 'bigint')",
            [current_schema()],
        )
        tables = [name for (name,) in cursor.fetchall()]
        if not tables:
            return {}
        cursor.execute(
            " UNION ALL ".join(f"SELECT '{name}', coalesce(max(id), 0) FROM \"{name}\"" for name in tables)
        )
        return {name: int(top) for name, top in cursor.fetchall()}


def _draft_make(suffix: str) -> Draft:
    from allauth.account.models import EmailAddress

    from apps.accounts.models import User
    from apps.catalog.tests.factories import make_product
    from apps.content.tests.support import post_create

    with schema_context(_alpha().schema_name):
        max_ids = _max_ids()
        since = timezone.now()
        product = make_product(f"Sea glass lamp {suffix}", sku_prefix=f"GLASS{suffix}".upper())
        email = f"content-owner-{suffix}@example.com"
        user = User.objects.create_user(email, PASSWORD, is_staff=True, store_role="owner")
        EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
        post = post_create(
            f"Draft {suffix}",
            live=False,
            body=[
                {"type": "paragraph", "value": "<p>Three things we love this month.</p>"},
                {"type": "products", "value": {"title": "Shop the post", "products": [product.pk]}},
            ],
        )
        return Draft(
            suffix=suffix,
            email=email,
            post_id=post.pk,
            product_title=product.title,
            product_handle=product.handle,
            max_ids=max_ids,
            since=since,
        )


def _draft_remove(draft: Draft, session_keys: list[str]) -> None:
    from django.contrib.sessions.models import Session
    from wagtail.models import Page

    from apps.core.models import EventRecord

    with schema_context(_alpha().schema_name):
        page = Page.objects.filter(pk=draft.post_id).first()
        if page is not None:
            page.specific.delete()  # through the tree, so the blog's child count is put back
        # what else the test wrote (the product and its rows, the owner, Wagtail's logs,
        # revisions, indexes, editing sessions): rows newer than the test, foreign keys checked
        # at commit
        with transaction.atomic(), connection.cursor() as cursor:
            for table, top in _max_ids().items():
                before = draft.max_ids.get(table, 0)
                if top > before:
                    cursor.execute(f'DELETE FROM "{table}" WHERE id > %s', [before])
        EventRecord.objects.filter(created_at__gte=draft.since).delete()  # (uuid keys)
        Session.objects.filter(session_key__in=session_keys).delete()
        cache.clear()
    routing_cache_clear()


def _publish(page: Page) -> None:
    """Publish from Wagtail's editor: the footer's action menu."""
    publish = page.locator('button[name="action-publish"]')
    if not publish.is_visible():
        page.locator("footer .w-dropdown__toggle").first.click()
    publish.click()
    page.wait_for_load_state()
    expect(page.locator(".messages")).to_contain_text("published")


@pytest.fixture
def draft(dashboard_store_url: str) -> Iterator[tuple[Draft, list[str]]]:
    made = off_loop(_draft_make, uuid.uuid4().hex[:6])
    session_keys: list[str] = []
    yield made, session_keys
    off_loop(_draft_remove, made, session_keys)


def test_an_owner_edits_and_publishes_a_post_with_products_and_a_shopper_reads_it(  # type: ignore[no-untyped-def]
    draft, browser: Browser, dashboard_store_url: str
) -> None:
    made, session_keys = draft
    broken: list[str] = []
    page = dashboard_sign_in(browser, dashboard_store_url, made.email, broken, then_open="/dashboard/")
    shopper = browser.new_context(base_url=dashboard_store_url, viewport=DESKTOP).new_page()
    try:
        # the dashboard's menu leads to Wagtail's admin
        page.locator("aside.sidebar").get_by_role("link", name="Blog and pages").click()
        expect(page).to_have_url(f"{dashboard_store_url}/cms/")

        # the draft, its products block and the product chosen in it
        response = page.goto(f"/cms/pages/{made.post_id}/edit/")
        assert response is not None and response.status == 200
        expect(page.locator("#id_title")).to_have_value(f"Draft {made.suffix}")
        expect(page.get_by_text(made.product_title).first).to_be_visible()
        title = f"Our lamps of the month {made.suffix}"
        page.locator("#id_title").fill(title)
        page.locator("#id_intro").fill("Sea glass, brass and a warm light.")
        CONTENT_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(CONTENT_SCREENSHOTS / "cms-editor.png"), full_page=True)
        page.set_viewport_size(PHONE)
        page.screenshot(path=str(CONTENT_SCREENSHOTS / "cms-editor-phone.png"), full_page=True)
        page.set_viewport_size(DESKTOP)

        _publish(page)

        # a shopper reads it on the store
        response = shopper.goto(f"/blog/{_slug(made)}/")
        assert response is not None and response.status == 200
        expect(shopper.locator("h1")).to_contain_text(title)
        link = shopper.get_by_role("link", name=made.product_title)
        expect(link).to_have_attribute("href", f"/products/{made.product_handle}/")
        shopper.screenshot(path=str(CONTENT_SCREENSHOTS / "post.png"), full_page=True)
        shopper.set_viewport_size(PHONE)
        shopper.screenshot(path=str(CONTENT_SCREENSHOTS / "post-phone.png"), full_page=True)
        assert shopper.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    finally:
        session_keys += session_keys_of(page.context)
        page.context.close()
        shopper.context.close()
    assert not broken, f"the pages had broken scripts, blocked resources or missing static files: {broken}"


def _landing_make(suffix: str) -> Draft:
    from allauth.account.models import EmailAddress

    from apps.accounts.models import User
    from apps.content.landing_blocks import blocks_stream
    from apps.content.models import LandingPage, StoreHomePage

    with schema_context(_alpha().schema_name):
        max_ids = _max_ids()
        since = timezone.now()
        email = f"landing-owner-{suffix}@example.com"
        user = User.objects.create_user(email, PASSWORD, is_staff=True, store_role="owner")
        EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
        home = StoreHomePage.objects.get()
        landing = home.add_child(
            instance=LandingPage(
                title=f"Sale {suffix}",
                slug=f"sale-{suffix}",
                live=False,
                body=blocks_stream(
                    [
                        {"type": "hero_banner", "data": {"heading": "Draft heading"}},
                        {
                            "type": "testimonials",
                            "data": {"items": [{"quote": "So warm!", "author": "Ana"}]},
                        },
                    ]
                ),
            )
        )
        landing.save_revision()
        return Draft(
            suffix=suffix,
            email=email,
            post_id=landing.pk,
            product_title="",
            product_handle="",
            max_ids=max_ids,
            since=since,
        )


@pytest.fixture
def landing(dashboard_store_url: str) -> Iterator[tuple[Draft, list[str]]]:
    made = off_loop(_landing_make, uuid.uuid4().hex[:6])
    session_keys: list[str] = []
    yield made, session_keys
    off_loop(_draft_remove, made, session_keys)


def test_an_owner_edits_a_landing_pages_blocks_in_forms_and_publishes_it(  # type: ignore[no-untyped-def]
    landing, browser: Browser, dashboard_store_url: str
) -> None:
    made, session_keys = landing
    broken: list[str] = []
    page = dashboard_sign_in(browser, dashboard_store_url, made.email, broken, then_open="/dashboard/")
    shopper = browser.new_context(base_url=dashboard_store_url, viewport=DESKTOP).new_page()
    try:
        # the blocks are forms (no JSON box): the hero's heading, the testimonial's quote
        response = page.goto(f"/cms/pages/{made.post_id}/edit/")
        assert response is not None and response.status == 200
        heading = page.locator("#body-0-value-heading")
        expect(heading).to_have_value("Draft heading")
        expect(page.locator("#body-1-value-items-0-value-quote")).to_have_value("So warm!")
        expect(page.locator("#body-0-value-align")).to_have_value("center")  # the schema's default
        heading.fill(f"Winter sale {made.suffix}")
        CONTENT_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(CONTENT_SCREENSHOTS / "cms-landing-editor.png"), full_page=True)

        _publish(page)

        # a shopper sees the blocks drawn as the home page draws them
        response = shopper.goto(f"/sale-{made.suffix}/")
        assert response is not None and response.status == 200
        expect(shopper.locator(".sf-hero-title")).to_contain_text(f"Winter sale {made.suffix}")
        expect(shopper.get_by_text("So warm!")).to_be_visible()
        shopper.screenshot(path=str(CONTENT_SCREENSHOTS / "landing.png"), full_page=True)
    finally:
        session_keys += session_keys_of(page.context)
        page.context.close()
        shopper.context.close()
    assert not broken, f"the pages had broken scripts, blocked resources or missing static files: {broken}"


def _slug(made: Draft) -> str:
    from wagtail.models import Page

    def read() -> str:
        with schema_context(_alpha().schema_name):
            return str(Page.objects.get(pk=made.post_id).slug)

    return off_loop(read)
