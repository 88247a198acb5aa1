"""Browser smoke tests: a real chromium walks the merchant's first journey end to end.

Signup -> email confirmation -> onboarding -> provisioning progress -> "Open dashboard" ->
the store's own host, and the language switcher on the landing page.

The app runs in a threaded WSGI server in this process, so everything it writes must be
committed: these tests run outside the usual rolled-back transaction (no `db` fixture), create
uniquely named rows and delete them afterwards. pytest-django's `live_server` and
`transactional_db` are deliberately not used: their flush would wipe the session-wide stores.

Playwright's sync API keeps an asyncio loop running in the main thread, where Django refuses
ORM calls (SynchronousOnlyOperation); the few ORM calls the tests make run in a helper thread.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.contrib.sessions.models import Session
from django.core import mail
from django.db import connection
from playwright.sync_api import Browser, Page, expect

from apps.accounts.models import User
from apps.core.tenancy import tenant_connection
from apps.platform.models import Membership, Merchant
from apps.tenants.models import Tenant
from tests.browser_support import TIMEOUT_MS, off_loop
from tests.fixtures import PASSWORD

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(django_settings.BASE_DIR) / ".local" / "screenshots"


@pytest.fixture
def platform_url(wsgi_server_port, settings, django_db_blocker) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """The platform's base URL, with the DB open to the server thread for the test's duration."""
    settings.PLATFORM_PORT = wsgi_server_port
    settings.PLATFORM_URL = f"http://{settings.PLATFORM_DOMAIN}:{wsgi_server_port}"
    mail.outbox.clear()
    with django_db_blocker.unblock():
        yield settings.PLATFORM_URL
        tenant_connection().set_schema_to_public()
    mail.outbox.clear()


@pytest.fixture
def page(browser: Browser, platform_url: str) -> Iterator[Page]:
    context = browser.new_context(base_url=platform_url, viewport={"width": 1280, "height": 800})
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)
    page = context.new_page()
    broken: list[str] = []
    page.on("pageerror", lambda error: broken.append(f"JS error: {error}"))
    page.on(
        "response",
        lambda response: (
            broken.append(f"{response.status} {response.url}")
            if "/static/" in response.url and response.status >= 400
            else None
        ),
    )
    yield page
    session_keys = [c["value"] for c in context.cookies() if c["name"] == django_settings.SESSION_COOKIE_NAME]
    context.close()
    off_loop(lambda: Session.objects.filter(session_key__in=session_keys).delete())
    assert not broken, f"the pages had broken scripts or static files: {broken}"


def _screenshot(page: Page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def _remove_merchant_and_store(email: str, subdomain: str) -> None:
    """Delete what the journey created: the store (schema first), its merchant, the user."""
    user_ids = list(User.objects.filter(email=email).values_list("pk", flat=True))
    merchant_ids = list(Membership.objects.filter(user_id__in=user_ids).values_list("merchant_id", flat=True))
    for tenant in Tenant.objects.filter(slug=subdomain):
        assert tenant.schema_name not in ("public", django_settings.TENANT_BASE_SCHEMA)
        with connection.cursor() as cursor:
            # Rows written in this transaction (deferred FK checks) must not block the DROP.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f'DROP SCHEMA IF EXISTS "{tenant.schema_name}" CASCADE')
        tenant.delete()  # domains, audit entries and hand-off tokens cascade
    Membership.objects.filter(user_id__in=user_ids).delete()
    Merchant.objects.filter(pk__in=merchant_ids).delete()
    User.objects.filter(pk__in=user_ids).delete()  # email addresses cascade


def _confirmation_link(email: str, platform_url: str) -> str:
    messages = [message for message in mail.outbox if email in message.to]
    assert len(messages) == 1, f"expected one confirmation email to {email}, got {len(messages)}"
    body = str(messages[0].body)
    links = re.findall(r"https?://\S+/accounts/confirm-email/\S+", body)
    assert links, f"no confirmation link in:\n{body}"
    assert links[0].startswith(f"{platform_url}/"), links[0]
    return links[0]


def test_a_new_merchant_signs_up_opens_a_store_and_lands_in_its_dashboard(page: Page, platform_url: str):
    suffix = uuid.uuid4().hex[:6]
    email = f"browser-{suffix}@example.com"
    subdomain = f"br-{suffix}"
    store_name = f"Browser Shop {suffix}"
    port = django_settings.PLATFORM_PORT
    try:
        # 1. sign up; verification is mandatory, so the console waits for the emailed link
        page.goto("/accounts/signup/")
        page.locator('input[name="email"]').fill(email)
        page.locator('input[name="password1"]').fill(PASSWORD)
        page.locator('input[name="password2"]').fill(PASSWORD)
        page.locator('main button[type="submit"]').click()
        expect(page).to_have_url(f"{platform_url}/accounts/confirm-email/")
        page.goto(_confirmation_link(email, platform_url))
        page.get_by_role("button", name="Confirm").click()
        # confirming logs the merchant in and sends them to the console, i.e. onboarding
        expect(page).to_have_url(f"{platform_url}/console/welcome/")
        page.goto("/console/")
        expect(page).to_have_url(f"{platform_url}/console/welcome/")

        # 2. onboarding creates the merchant and the store; provisioning runs (eagerly)
        page.get_by_label("Company name").fill(f"Browser Co {suffix}")
        page.get_by_label("Store name").fill(store_name)
        page.get_by_label("Subdomain").fill(subdomain)
        page.get_by_role("button", name="Create store").click()
        expect(page).to_have_url(re.compile(rf"^{re.escape(platform_url)}/console/stores/[0-9a-f-]{{36}}/$"))
        expect(page.get_by_role("heading", level=1)).to_have_text(store_name)
        open_dashboard = page.get_by_role("button", name="Open dashboard")
        expect(open_dashboard).to_be_visible()
        expect(page.locator("#status-label")).to_have_text("Active")
        expect(page.get_by_role("progressbar")).to_have_attribute("aria-valuenow", "100")
        _screenshot(page, "store-progress")

        # 3. the hand-off lands on the store's own host, signed in to its dashboard
        open_dashboard.click()
        expect(page).to_have_url(f"http://{subdomain}.{django_settings.PLATFORM_DOMAIN}:{port}/dashboard/")
        expect(page.locator("main h1")).to_have_text(store_name)
        _screenshot(page, "store-dashboard")
    finally:
        off_loop(_remove_merchant_and_store, email, subdomain)


def test_the_language_switcher_turns_the_landing_page_german(page: Page, platform_url: str):
    page.goto("/")
    html = page.locator("html")
    expect(html).to_have_attribute("lang", "en")
    page.locator('select[name="language"]').select_option(label="Deutsch")
    expect(html).to_have_attribute("lang", "de")
    expect(page).to_have_url(f"{platform_url}/")
    _screenshot(page, "landing-de")
