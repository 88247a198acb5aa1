"""Fixtures and helpers of the browser tests (a pytest plugin, see conftest.py).

The app runs in a threaded WSGI server in this process, so everything it writes must be
committed: browser tests run outside the usual rolled-back transaction (no `db` fixture), create
uniquely named rows and delete them afterwards. pytest-django's `live_server` and
`transactional_db` are deliberately not used: their flush would wipe the session-wide stores.

Playwright's sync API keeps an asyncio loop running in the main thread, where Django refuses
ORM calls (SynchronousOnlyOperation); the few ORM calls a test makes go through `off_loop`.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from django.apps import apps as django_apps
from django.conf import settings as django_settings
from django.contrib.staticfiles.handlers import StaticFilesHandler
from django.core.handlers.wsgi import WSGIHandler
from django.core.servers.basehttp import ThreadedWSGIServer
from django.db import DatabaseError, connections
from django.test.testcases import QuietWSGIRequestHandler

from apps.core.tenancy import tenant_connection
from tests.fixtures import PASSWORD

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page, ViewportSize

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # platform.test and <slug>.platform.test resolve to the test server on loopback.
    "--host-resolver-rules=MAP * 127.0.0.1",
]
TIMEOUT_MS = 20_000

# Where the dashboard's browser tests photograph their pages (a test artefact, not committed).
DASHBOARD_SCREENSHOTS = Path(django_settings.BASE_DIR) / ".local" / "artifacts" / "dashboard-screenshots"
# The phone width every page must fit without scrolling sideways, and the desktop the tests start at.
PHONE: ViewportSize = {"width": 375, "height": 812}
DESKTOP: ViewportSize = {"width": 1280, "height": 900}
ALPHA_OWNER_EMAIL = "owner-alpha@example.com"  # alpha's platform owner (tests/fixtures.py)
# Rows other apps may write while a merchant signs in and browses (audit, inbox): the tests'
# cleanups remove those too (`side_rows_remove`).
DASHBOARD_SIDE_ROWS = ("audit.AuditEntry", "inbox.Notification")


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def off_loop[T](fn: Callable[..., T], *args: Any) -> T:
    """Run ORM code in a short-lived thread (Playwright's loop is running in this one)."""

    def run() -> T:
        try:
            tenant_connection().set_schema_to_public()
            return fn(*args)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result()


@pytest.fixture(scope="module")
def chromium_path() -> Path:
    """Debian's chromium; its absence fails under CI (the setup installs it) and skips elsewhere."""
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is missing: run `bash scripts/ensure-system-deps.sh` (apt-get install chromium)"
        if in_ci():
            pytest.fail(f"browser tests cannot run under CI: {reason}")
        pytest.skip(reason)
    return CHROMIUM


@pytest.fixture(scope="module")
def wsgi_server_port(chromium_path, django_db_setup) -> Iterator[int]:  # type: ignore[no-untyped-def]
    """The whole app (static files included) on 127.0.0.1:<random port>, in a daemon thread."""
    database = connections["default"].settings_dict["NAME"]
    assert database.startswith("test_"), f"refusing to commit browser-test rows to {database}"
    httpd = ThreadedWSGIServer(("127.0.0.1", 0), QuietWSGIRequestHandler, allow_reuse_address=False)
    httpd.set_app(StaticFilesHandler(WSGIHandler()))
    thread = threading.Thread(
        target=httpd.serve_forever, kwargs={"poll_interval": 0.1}, name="browser-test-server", daemon=True
    )
    thread.start()
    try:
        yield httpd.server_address[1]
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser(chromium_path, django_db_setup) -> Iterator[Any]:  # type: ignore[no-untyped-def]
    # django_db_setup first: it migrates with the ORM, which is refused once Playwright's loop runs.
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=TIMEOUT_MS)
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=str(chromium_path), args=CHROMIUM_ARGS)
        try:
            yield instance
        finally:
            instance.close()


def watched_page(
    browser: Any, base_url: str, *, broken: list[str], width: int = 1280, height: int = 900, csp: bool = False
) -> Any:
    """A page in a fresh browser context on `base_url` whose script errors and failed static
    files (and, with `csp`, resources the Content Security Policy blocked) are appended to
    `broken`, for the test to require none."""
    context = browser.new_context(base_url=base_url, viewport={"width": width, "height": height})
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.on("pageerror", lambda error: broken.append(f"JS error: {error}"))
    if csp:
        page.on(
            "console",
            lambda message: (
                broken.append(f"console: {message.text}")
                if message.type == "error" and "Content Security Policy" in message.text
                else None
            ),
        )
    page.on(
        "response",
        lambda response: (
            broken.append(f"{response.status} {response.url}")
            if "/static/" in response.url and response.status >= 400
            else None
        ),
    )
    return page


@pytest.fixture
def dashboard_store_url(wsgi_server_port, settings, django_db_blocker) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """Store alpha's base URL on the test server, with the platform's URL pointing at the same
    server (for the console's hand-off) and the database open to the server thread."""
    settings.PLATFORM_PORT = wsgi_server_port
    settings.PLATFORM_URL = f"http://{settings.PLATFORM_DOMAIN}:{wsgi_server_port}"
    with django_db_blocker.unblock():
        yield f"http://alpha.{settings.PLATFORM_DOMAIN}:{wsgi_server_port}"
        tenant_connection().set_schema_to_public()


def dashboard_page(browser: Browser, store_url: str, broken: list[str]) -> Page:
    """A `watched_page` on the store at the desktop size that also notes CSP refusals: the
    dashboard's pages must load without any."""
    return watched_page(
        browser, store_url, broken=broken, width=DESKTOP["width"], height=DESKTOP["height"], csp=True
    )


def dashboard_sign_in(
    browser: Browser, store_url: str, email: str, broken: list[str], *, then_open: str | None = None
) -> Page:
    """A `dashboard_page` signed in on the store's own login form as `email` (a store user);
    with `then_open`, that page is opened next and must answer 200."""
    page = dashboard_page(browser, store_url, broken)
    page.goto("/accounts/login/")
    page.locator('input[name="login"]').fill(email)
    page.locator('input[name="password"]').fill(PASSWORD)
    page.locator('main button[type="submit"]').click()
    page.wait_for_load_state()
    if then_open is not None:
        response = page.goto(then_open)
        assert response is not None and response.status == 200
    return page


def console_handoff(page: Page, store_url: str, store_uuid: str) -> None:
    """Sign `page` in to the platform console as alpha's owner and open the store's dashboard
    through the console's hand-off, as a merchant does."""
    from playwright.sync_api import expect

    platform_url = django_settings.PLATFORM_URL
    page.goto(f"{platform_url}/accounts/login/")
    page.locator('input[name="login"]').fill(ALPHA_OWNER_EMAIL)
    page.locator('input[name="password"]').fill(PASSWORD)
    page.locator('main button[type="submit"]').click()
    expect(page).to_have_url(re.compile(rf"^{re.escape(platform_url)}/console/"))
    page.goto(f"{platform_url}/console/stores/{store_uuid}/")
    page.get_by_role("button", name="Open dashboard").click()
    expect(page).to_have_url(f"{store_url}/dashboard/")


def session_keys_of(context: BrowserContext) -> list[str]:
    """The session keys in a browser context's cookies, for the test's cleanup to delete their
    rows (the server committed them)."""
    return [
        cookie["value"]
        for cookie in context.cookies()
        if cookie["name"] == django_settings.SESSION_COOKIE_NAME
    ]


def side_rows_remove(since: datetime) -> None:
    """Delete the `DASHBOARD_SIDE_ROWS` created since `since` in the current schema, skipping a
    model that is not installed, has no `created_at`, or has no table in this schema."""
    for label in DASHBOARD_SIDE_ROWS:
        try:
            model = django_apps.get_model(label)
        except LookupError:
            continue
        if not any(f.name == "created_at" for f in model._meta.fields):
            continue
        try:
            model.objects.filter(created_at__gte=since).delete()
        except DatabaseError:  # not in this schema (a public or a tenant table), or not migrated
            continue


def frames_painted(page: Page) -> None:
    """Wait two animation frames: the page is laid out and painted at its current size."""
    page.evaluate("() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")


def phone_scroll_width(page: Page) -> int:
    """The page's scroll width once resized to the phone width and painted: more than
    `PHONE["width"]` means something sticks out sideways. The page stays at the phone width."""
    page.set_viewport_size(PHONE)
    frames_painted(page)
    return int(page.evaluate("document.documentElement.scrollWidth"))


# What sticks out at the phone width, leaving out whatever sits in a container that scrolls or
# clips sideways (the dashboard's tables scroll inside themselves): the outermost boxes whose right
# edge passes the viewport (a wide table, image or field), and the innermost boxes that fit but
# whose content does not (an unbreakable word or code). Each named by its path, id and classes.
OVERFLOWING = """
() => {
  const limit = document.documentElement.clientWidth + 0.5;
  const name = (el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
    (el.classList.length ? "." + Array.from(el.classList).join(".") : "");
  const clipped = (el) => {
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      if (getComputedStyle(p).overflowX !== "visible") return true;
    }
    return false;
  };
  const shown = (el) => { const b = el.getBoundingClientRect(); return b.width > 0 || b.height > 0; };
  const boxOut = (el) => !!el && el !== document.body && shown(el) &&
    el.getBoundingClientRect().right > limit && !clipped(el);
  const contentOut = (el) => shown(el) && el.clientWidth > 0 && el.scrollWidth > el.clientWidth + 1 &&
    getComputedStyle(el).overflowX === "visible" &&
    el.getBoundingClientRect().left + el.scrollWidth > limit && !clipped(el);
  const found = [];
  for (const el of document.body.querySelectorAll("*")) {
    let why = "";
    if (boxOut(el) && !boxOut(el.parentElement)) {
      why = "box";
    } else if (!boxOut(el) && contentOut(el) &&
               !Array.from(el.children).some((c) => boxOut(c) || contentOut(c))) {
      why = "content";
    }
    if (!why) continue;
    const box = el.getBoundingClientRect();
    const path = [];
    for (let p = el.parentElement; p && p !== document.body && path.length < 4; p = p.parentElement) {
      path.unshift(name(p));
    }
    const text = (el.textContent || "").trim().replace(/\\s+/g, " ").slice(0, 60);
    const right = Math.round(why === "box" ? box.right : box.left + el.scrollWidth);
    found.push(`${path.join(" > ")} > ${name(el)} (its ${why} reaches ${right} px): "${text}"`);
  }
  return found.slice(0, 8);
}
"""
