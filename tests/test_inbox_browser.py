"""The notification centre in a real chromium, signed in to store alpha as a staff member: the
bell in the dashboard header shows the unread count, leads (by keyboard) to the list, where the
unread ones are marked; "mark all read" empties the badge. At 375 px nothing sticks out sideways.
The list is photographed at 1280 and 375 px into `.local/artifacts/dashboard-screenshots/inbox*.png`
(a test artefact, not committed).

As in tests/test_dashboard_home_browser.py, the app runs in a threaded WSGI server in this
process, so the data the pages show is committed: a few notifications and a team member, all
removed afterwards. ORM calls run in a helper thread because Playwright's loop runs in this one.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.cache import cache
from django_tenants.utils import schema_context
from playwright.sync_api import Browser, expect

from apps.tenants.models import Tenant
from apps.tenants.routing import routing_cache_clear
from tests.browser_support import (
    DASHBOARD_SCREENSHOTS,
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
class Inbox:
    suffix: str
    email: str
    keys: list[str]


def _inbox_make(suffix: str) -> Inbox:
    from allauth.account.models import EmailAddress

    from apps.accounts.models import User
    from apps.core.permissions import Perm
    from apps.inbox.models import NotificationKind
    from apps.inbox.services import notification_raise

    keys = []
    with schema_context(_alpha().schema_name):
        raised: list[tuple[str, Perm, dict[str, Any], str]] = [
            (
                NotificationKind.ORDER_PAID,
                Perm.ORDERS_VIEW,
                {"number": 1042, "total": "64.00", "currency": "EUR"},
                "dashboard:orders:order_list",
            ),
            (
                NotificationKind.LOW_STOCK,
                Perm.INVENTORY_VIEW,
                {"sku": f"LAMP-{suffix}", "available": 2, "threshold": 3, "location": "Main warehouse"},
                "dashboard:inventory:location_list",
            ),
            (
                NotificationKind.IMPORT_FINISHED,
                Perm.CATALOG_IMPORT,
                {
                    "kind": "product_csv",
                    "status": "succeeded",
                    "source_name": "spring-collection.csv",
                    "created_count": 24,
                    "updated_count": 3,
                    "error_count": 0,
                },
                "",
            ),
            (
                NotificationKind.FRAUD_REVIEW,  # staff may not review fraud: not shown to them
                Perm.FRAUD_REVIEW,
                {"number": 1043, "score": 80},
                "dashboard:fraud:queue",
            ),
        ]
        for kind, permission, params, link in raised:
            key = f"browser-{suffix}-{kind}"
            notification_raise(kind=kind, dedup_key=key, permission=permission, params=params, link_name=link)
            keys.append(key)
        email = f"inbox-staff-{suffix}@example.com"
        user = User.objects.create_user(email, PASSWORD, is_staff=True, store_role="staff")
        EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return Inbox(suffix=suffix, email=email, keys=keys)


def _inbox_remove(made: Inbox, session_keys: list[str]) -> None:
    from django.contrib.sessions.models import Session

    from apps.accounts.models import User
    from apps.inbox.models import Notification

    with schema_context(_alpha().schema_name):
        Notification.objects.filter(dedup_key__in=made.keys).delete()
        User.objects.filter(email=made.email).delete()  # its read state goes with it
        Session.objects.filter(session_key__in=session_keys).delete()
        cache.clear()
    routing_cache_clear()


@pytest.fixture
def inbox(dashboard_store_url: str) -> Iterator[tuple[Inbox, list[str]]]:
    made = off_loop(_inbox_make, uuid.uuid4().hex[:6])
    session_keys: list[str] = []
    yield made, session_keys
    off_loop(_inbox_remove, made, session_keys)


def test_staff_opens_the_bell_reads_the_list_and_marks_all_read(  # type: ignore[no-untyped-def]
    inbox, browser: Browser, dashboard_store_url: str
) -> None:
    made, session_keys = inbox
    broken: list[str] = []
    page = dashboard_sign_in(browser, dashboard_store_url, made.email, broken, then_open="/dashboard/")
    try:
        DASHBOARD_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        # the bell says 3 unread (the fraud review is not for staff)
        badge = page.locator("#inbox-badge")
        expect(badge).to_have_text("3")
        expect(page.locator("#inbox-bell")).to_have_attribute("aria-label", "Notifications: 3 unread")
        # by keyboard: focus the bell and press Enter
        page.locator("#inbox-bell").focus()
        page.keyboard.press("Enter")
        expect(page).to_have_url(f"{dashboard_store_url}/dashboard/inbox/")
        expect(page.locator("h1")).to_have_text("Notifications")
        items = page.locator("#inbox-list .inbox-item")
        expect(items).to_have_count(3)
        expect(page.locator("#inbox-list .inbox-item.is-unread")).to_have_count(3)
        expect(page.locator("#inbox-list")).to_contain_text("New order #1042")
        expect(page.locator("#inbox-list")).to_contain_text(f"Low stock: LAMP-{made.suffix}")
        expect(page.locator("#inbox-list")).not_to_contain_text("fraud")
        page.screenshot(path=str(DASHBOARD_SCREENSHOTS / "inbox.png"), full_page=True)

        width = phone_scroll_width(page)
        page.screenshot(path=str(DASHBOARD_SCREENSHOTS / "inbox-phone.png"), full_page=True)
        assert width <= PHONE["width"], f"the notification centre is {width} px wide at 375 px"

        # mark all read: the badge goes, the list stays, nothing is unread
        page.locator("#inbox-read-all").click()
        expect(page).to_have_url(f"{dashboard_store_url}/dashboard/inbox/")
        expect(page.locator("#inbox-summary")).to_have_text("You are up to date.")
        expect(badge).to_be_hidden()
        expect(page.locator("#inbox-list .inbox-item.is-unread")).to_have_count(0)
        expect(page.locator("#inbox-bell")).to_have_attribute("aria-label", "Notifications: none unread")
    finally:
        session_keys += session_keys_of(page.context)
        page.context.close()
    assert not broken, broken
