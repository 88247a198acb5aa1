"""The theme editor in a real chromium, signed in as store alpha's owner (through the console's
hand-off, as tests/test_after_sale_browser.py does).

The owner changes the colour of buttons and links and the hero block's heading, and uploads its
picture: they show in the editor's preview frame at once, while a shopper on the storefront still
sees the published theme; after Publish the shopper sees them. The editor and a block's settings page are photographed at
1280 and 375 px into `.local/artifacts/dashboard-screenshots/theme-editor*.png` (a test artefact,
not committed), and at 375 px nothing sticks out sideways.

The server runs in this process, so what the test writes is committed: alpha's theme row is put
back as it was afterwards (or removed when the test created it), with the events, sessions, the
hand-off and the uploaded picture the test left.
"""

from __future__ import annotations

import io
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.cache import cache
from django_tenants.utils import schema_context
from PIL import Image as PILImage
from playwright.sync_api import Browser, Page, expect
from wagtail.images import get_image_model

from apps.tenants.models import Tenant
from apps.tenants.routing import routing_cache_clear
from tests.browser_support import (
    ALPHA_OWNER_EMAIL,
    DASHBOARD_SCREENSHOTS,
    DESKTOP,
    OVERFLOWING,
    PHONE,
    console_handoff,
    dashboard_page,
    off_loop,
    phone_scroll_width,
    session_keys_of,
)

pytestmark = pytest.mark.browser

NEW_PRIMARY = "#0b4f8a"  # dark enough on the frosted preset's page and cards, under white text
PRIMARY_VAR = "getComputedStyle(document.documentElement).getPropertyValue('--sf-primary').trim()"


@dataclass(frozen=True)
class Before:
    """What the test changes in alpha, to put back."""

    suffix: str
    since: Any
    store_uuid: str
    owner_uuid: str
    owner_last_login: Any
    theme: dict[str, Any] | None  # alpha's theme row, None when it did not exist
    staff_account_existed: bool
    staff_last_login: Any


def _alpha() -> Tenant:
    return Tenant.objects.get(slug="alpha")


def _before(suffix: str) -> Before:
    from django.utils import timezone

    from apps.accounts.models import User
    from apps.stores.models import STORE_THEME_PK, StoreTheme

    tenant = _alpha()
    owner = User.objects.get(email=ALPHA_OWNER_EMAIL)
    with schema_context(tenant.schema_name):
        row = StoreTheme.objects.filter(pk=STORE_THEME_PK).values().first()
        staff = User.objects.filter(platform_user_uuid=owner.uuid).first()
        return Before(
            suffix=suffix,
            since=timezone.now(),
            store_uuid=str(tenant.uuid),
            owner_uuid=str(owner.uuid),
            owner_last_login=owner.last_login,
            theme=dict(row) if row else None,
            staff_account_existed=staff is not None,
            staff_last_login=staff.last_login if staff else None,
        )


def _restore(before: Before, session_keys: list[str]) -> None:
    from django.contrib.sessions.models import Session

    from apps.accounts.models import User
    from apps.core.models import EventRecord
    from apps.platform.models import HandoffToken
    from apps.stores.models import STORE_THEME_PK, StoreTheme

    with schema_context(_alpha().schema_name):
        if before.theme is None:
            StoreTheme.objects.filter(pk=STORE_THEME_PK).delete()
        else:
            StoreTheme.objects.filter(pk=STORE_THEME_PK).update(**before.theme)
        EventRecord.objects.filter(created_at__gte=before.since).delete()
        # the picture uploaded with the hero (Wagtail removes its file and renditions with it)
        for image in get_image_model().objects.filter(created_at__gte=before.since):
            image.delete()
        staff = User.objects.filter(platform_user_uuid=before.owner_uuid)
        if before.staff_account_existed:
            staff.update(last_login=before.staff_last_login)
        else:
            staff.delete()
        Session.objects.filter(session_key__in=session_keys).delete()
        cache.clear()
    Session.objects.filter(session_key__in=session_keys).delete()
    HandoffToken.objects.filter(user__uuid=before.owner_uuid, created_at__gte=before.since).delete()
    User.objects.filter(uuid=before.owner_uuid).update(last_login=before.owner_last_login)
    routing_cache_clear()


@pytest.fixture
def before(dashboard_store_url: str) -> Iterator[tuple[Before, list[str]]]:
    made = off_loop(_before, uuid.uuid4().hex[:6])
    session_keys: list[str] = []
    yield made, session_keys
    off_loop(_restore, made, session_keys)


@pytest.fixture
def owner_page(
    browser: Browser, dashboard_store_url: str, before: tuple[Before, list[str]]
) -> Iterator[Page]:
    made, session_keys = before
    broken: list[str] = []
    page = dashboard_page(browser, dashboard_store_url, broken)
    context = page.context
    try:
        console_handoff(page, dashboard_store_url, made.store_uuid)
        yield page
    finally:
        session_keys += session_keys_of(context)
        context.close()
    assert not broken, f"the pages had broken scripts, blocked resources or missing static files: {broken}"


def _photograph(page: Page, name: str, overflows: dict[str, str]) -> None:
    """At 1280 px, then at 375 px where nothing may stick out sideways."""
    DASHBOARD_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    # One tall screen rather than a stitched full page: the editor's preview (and the menu) stay
    # where `position: sticky` puts them.
    page.set_viewport_size({"width": DESKTOP["width"], "height": 2000})
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(DASHBOARD_SCREENSHOTS / f"{name}.png"))
    try:
        width = phone_scroll_width(page)
        if width > PHONE["width"]:
            overflows[name] = f"scrollWidth {width}: " + "; ".join(page.evaluate(OVERFLOWING))
        page.screenshot(path=str(DASHBOARD_SCREENSHOTS / f"{name}-phone.png"), full_page=True)
    finally:
        page.set_viewport_size(DESKTOP)


def _png_bytes() -> bytes:
    out = io.BytesIO()
    PILImage.new("RGB", (1600, 600), (40, 110, 90)).save(out, format="PNG")
    return out.getvalue()


def _preview_frame(page: Page) -> Any:
    """The preview's frame once the storefront is drawn in it (the frame may not be framed away)."""
    expect(page.frame_locator("#theme-preview").locator("main#main")).to_be_attached()
    handle = page.locator("#theme-preview").element_handle()
    frame = handle.content_frame() if handle is not None else None
    assert frame is not None
    return frame


def test_the_owner_previews_and_publishes_a_colour_and_a_block(  # type: ignore[no-untyped-def]
    browser: Browser, dashboard_store_url: str, before, owner_page: Page
):
    made, _keys = before
    page = owner_page
    heading = f"Browser draft {made.suffix}"
    overflows: dict[str, str] = {}
    shopper = browser.new_context(base_url=dashboard_store_url).new_page()
    try:
        # the editor, from the menu
        page.get_by_role("link", name="Theme", exact=True).first.click()
        expect(page).to_have_url(f"{dashboard_store_url}/dashboard/store/theme/")
        expect(page.locator("main h1")).to_have_text("Theme")
        published_primary = _preview_frame(page).evaluate(PRIMARY_VAR)
        assert published_primary and published_primary != NEW_PRIMARY

        # a colour: typed in its text box (the script moves the picker and restyles the frame)
        page.locator("#id_primary_0").fill(NEW_PRIMARY)
        expect(page.locator("#id_primary_1")).to_have_value(NEW_PRIMARY)
        assert _preview_frame(page).evaluate(PRIMARY_VAR) == NEW_PRIMARY  # before saving
        page.locator("#theme-tokens-form").get_by_role("button", name="Save draft").click()
        expect(page.locator(".messages")).to_contain_text("saved to the draft")
        expect(page.locator("#theme-state")).to_contain_text("Unpublished draft")
        assert _preview_frame(page).evaluate(PRIMARY_VAR) == NEW_PRIMARY  # reloaded with the draft

        # a block: the hero's heading
        page.locator("#theme-block-hero").get_by_role("link", name="Edit").click()
        expect(page.locator("main h1")).to_have_text("Hero banner")
        page.locator("#id_heading").fill(heading)
        # and its picture, uploaded from the form (it goes into the store's image library)
        page.locator("#id_image_url-upload").set_input_files(
            {"name": "hero.png", "mimeType": "image/png", "buffer": _png_bytes()}
        )
        _photograph(page, "theme-editor-block", overflows)
        page.locator("#theme-block-form").get_by_role("button", name="Save draft").click()
        expect(page).to_have_url(re.compile(r"/dashboard/store/theme/"))
        expect(page.frame_locator("#theme-preview").locator(".sf-hero-title")).to_have_text(heading)
        picture = page.frame_locator("#theme-preview").locator("img.sf-hero-bg")
        expect(picture).to_have_attribute("src", re.compile(r"\.webp$"))
        assert picture.evaluate("image => image.decode().then(() => image.naturalWidth)") == 1600
        expect(page.locator("#theme-block-hero")).to_contain_text(heading)
        # the frame's links keep the preview pass (the script), so browsing stays in the draft
        expect(
            page.frame_locator("#theme-preview").locator("a.sf-brand, header a[href]").first
        ).to_have_attribute("href", re.compile(r"theme_preview="))

        # shoppers still see the published theme
        shopper.goto("/")
        expect(shopper.locator(".sf-hero-title")).not_to_have_text(heading)
        assert shopper.evaluate(PRIMARY_VAR) == published_primary

        _photograph(page, "theme-editor", overflows)
        page.set_viewport_size(PHONE)
        page.locator("#theme-preview").screenshot(
            path=str(DASHBOARD_SCREENSHOTS / "theme-editor-preview-phone.png")
        )
        page.set_viewport_size(DESKTOP)

        # publish: now shoppers see it
        page.locator("#theme-publish").click()
        expect(page.locator(".messages")).to_contain_text("published")
        expect(page.locator("#theme-state")).to_contain_text("Published")
        shopper.goto("/")
        expect(shopper.locator(".sf-hero-title")).to_have_text(heading)
        expect(shopper.locator("img.sf-hero-bg")).to_have_attribute("src", re.compile(r"\.webp$"))
        assert shopper.evaluate(PRIMARY_VAR) == NEW_PRIMARY
    finally:
        shopper.context.close()
    assert not overflows, "pages stick out sideways at 375 px:\n" + "\n".join(
        f"- {name}: {found}" for name, found in overflows.items()
    )
