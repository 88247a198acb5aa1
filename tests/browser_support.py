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
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from django.contrib.staticfiles.handlers import StaticFilesHandler
from django.core.handlers.wsgi import WSGIHandler
from django.core.servers.basehttp import ThreadedWSGIServer
from django.db import connections
from django.test.testcases import QuietWSGIRequestHandler

from apps.core.tenancy import tenant_connection

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
