"""Data rights in a real chromium, signed in to store alpha as its owner: from a customer's page,
by keyboard, to the erasure's confirmation page, which wants the email typed again; after the
erasure the customer page no longer names them and the data requests list shows who erased,
and when. The retention settings page refuses a value out of bounds next to its field. At 375 px
nothing sticks out sideways. The pages are photographed at 1280 and 375 px into
`.local/artifacts/dashboard-screenshots/privacy*.png` (a test artefact, not committed).

As in tests/test_inbox_browser.py, the app runs in a threaded WSGI server in this process, so the
data the pages show is committed (an owner and a guest customer) and removed afterwards, with
what the erasure wrote (its data request and its `customer.erased` event).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.core.cache import cache
from django_tenants.utils import schema_context
from playwright.sync_api import Browser, Page, expect

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
class Made:
    owner_email: str
    customer_email: str
    customer_uuid: uuid.UUID


def _make(suffix: str) -> Made:
    from allauth.account.models import EmailAddress

    from apps.accounts.models import User
    from apps.customers.models import Customer

    with schema_context(_alpha().schema_name):
        owner_email = f"privacy-owner-{suffix}@example.com"
        owner = User.objects.create_user(owner_email, PASSWORD, is_staff=True, store_role="owner")
        EmailAddress.objects.create(user=owner, email=owner_email, verified=True, primary=True)
        customer = Customer.objects.create(email=f"erase-me-{suffix}@example.com", full_name=f"Erin {suffix}")
    return Made(owner_email=owner_email, customer_email=customer.email, customer_uuid=customer.uuid)


def _remove(made: Made, session_keys: list[str]) -> None:
    from django.contrib.sessions.models import Session

    from apps.accounts.models import User
    from apps.core.models import EventRecord
    from apps.customers.models import Customer
    from apps.privacy.models import DataRequest

    with schema_context(_alpha().schema_name):
        DataRequest.objects.filter(customer_uuid=made.customer_uuid).delete()
        EventRecord.objects.filter(payload__customer_id=str(made.customer_uuid)).delete()
        Customer.objects.filter(uuid=made.customer_uuid).delete()
        User.objects.filter(email=made.owner_email).delete()
        Session.objects.filter(session_key__in=session_keys).delete()
        cache.clear()
    routing_cache_clear()


@pytest.fixture
def made(dashboard_store_url: str) -> Iterator[tuple[Made, list[str]]]:
    made = off_loop(_make, uuid.uuid4().hex[:6])
    session_keys: list[str] = []
    yield made, session_keys
    off_loop(_remove, made, session_keys)


def _shoot(page: Page, name: str) -> None:
    page.set_viewport_size(DESKTOP)
    page.screenshot(path=str(DASHBOARD_SCREENSHOTS / f"{name}.png"), full_page=True)
    width = phone_scroll_width(page)
    page.screenshot(path=str(DASHBOARD_SCREENSHOTS / f"{name}-phone.png"), full_page=True)
    assert width <= PHONE["width"], f"{name} is {width} px wide at 375 px"
    page.set_viewport_size(DESKTOP)


def test_the_owner_erases_a_customer_and_sets_retention(  # type: ignore[no-untyped-def]
    made, browser: Browser, dashboard_store_url: str
) -> None:
    data, session_keys = made
    broken: list[str] = []
    page = dashboard_sign_in(browser, dashboard_store_url, data.owner_email, broken)
    try:
        DASHBOARD_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.goto(f"/dashboard/customers/{data.customer_uuid}/")
        expect(page.locator("#privacy")).to_contain_text("Data and privacy")
        # by keyboard: focus the erase link and press Enter
        page.locator("#privacy a", has_text="Erase customer").focus()
        page.keyboard.press("Enter")
        expect(page).to_have_url(
            f"{dashboard_store_url}/dashboard/privacy/customers/{data.customer_uuid}/erase/"
        )
        expect(page.locator("#erase")).to_contain_text("This cannot be undone.")
        _shoot(page, "privacy-erase")

        # a wrong email: refused next to the field, nothing erased
        page.locator('input[name="confirm_email"]').fill("someone-else@example.com")
        page.locator('#erase button[type="submit"]').click()
        expect(page.locator("#erase .field.has-error")).to_contain_text("not the customer's email")

        page.locator('input[name="confirm_email"]').fill(data.customer_email)
        page.locator('#erase button[type="submit"]').click()
        expect(page).to_have_url(f"{dashboard_store_url}/dashboard/customers/{data.customer_uuid}/")
        expect(page.locator(".messages")).to_contain_text("personal data was erased")
        expect(page.locator("main")).not_to_contain_text(data.customer_email)

        page.goto("/dashboard/privacy/requests/")
        expect(page.locator("#data-requests")).to_contain_text("Erasure")
        expect(page.locator("#data-requests")).to_contain_text(data.owner_email)
        _shoot(page, "privacy-requests")

        page.goto("/dashboard/privacy/")
        expect(page.locator("#retention-kinds")).to_contain_text("Abandoned carts")
        page.locator('input[name="abandoned_carts"]').fill("3")
        page.locator('#retention-settings button[type="submit"]').click()
        expect(page.locator("#retention-settings .field.has-error")).to_contain_text("7")
        _shoot(page, "privacy-retention")
    finally:
        session_keys += session_keys_of(page.context)
        page.context.close()
    assert not broken, broken
