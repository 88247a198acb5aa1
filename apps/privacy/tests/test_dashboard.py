"""The privacy pages: who may use them, the customer's export and erasure from the dashboard
(with the confirmation step), the retention settings form, and nothing of another store."""

from __future__ import annotations

import json
import uuid

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from apps.core.retention import retention_kinds
from apps.customers.models import Customer
from apps.privacy.models import DataRequest, RetentionSetting
from apps.privacy.retention import ABANDONED_CARTS, EMAIL_LOG
from apps.privacy.tests.factories import order_for, shopper_make
from tests.fixtures import StoreWorld, make_store_user, store_client

pytestmark = pytest.mark.django_db

BASE = "/dashboard/privacy/"


def _in(world: StoreWorld):  # type: ignore[no-untyped-def]
    return schema_context(world.tenant.schema_name)


def _client(world: StoreWorld, *, role: str) -> Client:
    user = make_store_user(world, f"{role}-{uuid.uuid4().hex[:6]}@example.com", role=role)
    client = store_client(world)
    with _in(world):
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def _shopper(world: StoreWorld, email: str = "ada@example.com"):  # type: ignore[no-untyped-def]
    with _in(world):
        return shopper_make(email)


def _days(**changes: str) -> dict[str, str]:
    """A POST of the retention form: every registered kind at its default, with `changes`."""
    return {kind.key: str(kind.default_days) for kind in retention_kinds()} | changes


def _urls(customer_uuid: uuid.UUID) -> list[str]:
    return [
        BASE,
        f"{BASE}requests/",
        f"{BASE}customers/{customer_uuid}/export/",
        f"{BASE}customers/{customer_uuid}/erase/",
    ]


@pytest.mark.parametrize("role", ["staff", "finance"])
def test_staff_and_finance_may_not_open_the_privacy_pages(alpha, role):
    ada = _shopper(alpha)
    client = _client(alpha, role=role)
    for url in _urls(ada.customer.uuid):
        assert client.get(url).status_code == 403, url
    assert (
        client.post(
            f"{BASE}customers/{ada.customer.uuid}/erase/", {"confirm_email": "ada@example.com"}
        ).status_code
        == 403
    )
    assert client.post(BASE, {ABANDONED_CARTS: "30"}).status_code == 403
    with _in(alpha):
        assert Customer.objects.get(pk=ada.customer.pk).email == "ada@example.com"
        assert not DataRequest.objects.exists() and not RetentionSetting.objects.exists()


@pytest.mark.parametrize("role", ["owner", "admin"])
def test_owners_and_admins_may(alpha, role):
    ada = _shopper(alpha)
    client = _client(alpha, role=role)
    for url in _urls(ada.customer.uuid):
        assert client.get(url).status_code == 200, url


def test_the_customer_page_links_to_export_and_erase_for_those_who_may(alpha):
    ada = _shopper(alpha)
    page = f"/dashboard/customers/{ada.customer.uuid}/"
    owner_html = _client(alpha, role="owner").get(page).text
    assert f"{BASE}customers/{ada.customer.uuid}/export/" in owner_html
    assert f"{BASE}customers/{ada.customer.uuid}/erase/" in owner_html
    staff_html = _client(alpha, role="staff").get(page).text
    assert f"{BASE}customers/{ada.customer.uuid}/erase/" not in staff_html


def test_the_export_downloads_json_and_is_listed(alpha):
    ada = _shopper(alpha)
    client = _client(alpha, role="owner")

    response = client.get(f"{BASE}customers/{ada.customer.uuid}/export/")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert "attachment" in response["Content-Disposition"]
    data = json.loads(response.content)
    assert data["customer"]["email"] == "ada@example.com"
    listing = client.get(f"{BASE}requests/").text
    assert "Export" in listing and str(ada.customer.uuid)[:8] in listing


def test_erasing_asks_first_then_erases(alpha):
    ada = _shopper(alpha)
    client = _client(alpha, role="owner")
    url = f"{BASE}customers/{ada.customer.uuid}/erase/"

    # the page says what will happen
    page = client.get(url)
    assert page.status_code == 200 and "cannot be undone" in page.text and 'name="confirm_email"' in page.text
    # without the confirmation, or with another email: 400, nothing changes
    assert client.post(url, {}).status_code == 400
    wrong = client.post(url, {"confirm_email": "someone@example.com"})
    assert wrong.status_code == 400 and "not the customer" in wrong.text
    with _in(alpha):
        assert Customer.objects.get(pk=ada.customer.pk).email == "ada@example.com"
        assert not DataRequest.objects.exists()

    # confirmed: erased, and the shopper's session is over
    shopper = store_client(alpha)
    with _in(alpha):
        shopper.force_login(ada.user, backend="django.contrib.auth.backends.ModelBackend")
    assert shopper.get("/account/").status_code == 200
    done = client.post(url, {"confirm_email": "ADA@example.com "})
    assert done.status_code == 302
    with _in(alpha):
        assert Customer.objects.get(pk=ada.customer.pk).email.startswith("erased-")
        assert DataRequest.objects.filter(kind="erase").count() == 1
    assert shopper.get("/account/").status_code == 302  # signed out
    assert not store_client(alpha).login(email="ada@example.com", password="correct-horse-battery-1")
    assert "Erasure" in client.get(f"{BASE}requests/").text


def test_an_open_order_refuses_with_a_message(alpha):
    ada = _shopper(alpha)
    with _in(alpha):
        open_order = order_for(ada.customer, status="paid", user=ada.user)
    client = _client(alpha, role="owner")
    url = f"{BASE}customers/{ada.customer.uuid}/erase/"

    page = client.get(url)
    assert f"#{open_order.number}" in page.text and 'name="confirm_email"' not in page.text
    refused = client.post(url, {"confirm_email": "ada@example.com"})

    assert refused.status_code == 400
    assert f"#{open_order.number}" in refused.text
    with _in(alpha):
        assert Customer.objects.get(pk=ada.customer.pk).email == "ada@example.com"
        assert not DataRequest.objects.exists()


def test_another_stores_owner_cannot_export_or_erase_this_stores_customer(alpha, beta):
    ada = _shopper(alpha)
    client = _client(beta, role="owner")

    assert client.get(f"{BASE}customers/{ada.customer.uuid}/export/").status_code == 404
    assert client.get(f"{BASE}customers/{ada.customer.uuid}/erase/").status_code == 404
    assert (
        client.post(
            f"{BASE}customers/{ada.customer.uuid}/erase/", {"confirm_email": "ada@example.com"}
        ).status_code
        == 404
    )
    with _in(alpha):
        assert Customer.objects.get(pk=ada.customer.pk).email == "ada@example.com"
        assert not DataRequest.objects.exists()
    with _in(beta):
        assert not DataRequest.objects.exists()


def test_the_retention_page_lists_the_kinds_and_saves(alpha):
    client = _client(alpha, role="admin")
    page = client.get(BASE)
    assert page.status_code == 200 and "Abandoned carts" in page.text and "7–730" in page.text

    saved = client.post(BASE, _days(**{ABANDONED_CARTS: "30", EMAIL_LOG: "400"}))

    assert saved.status_code == 302
    with _in(alpha):
        assert dict(RetentionSetting.objects.values_list("kind", "days"))[ABANDONED_CARTS] == 30


@pytest.mark.parametrize("value", ["3", "100000", "soon", ""])
def test_bad_retention_values_are_refused_next_to_the_field(alpha, value):
    client = _client(alpha, role="owner")

    response = client.post(BASE, _days(**{ABANDONED_CARTS: value}))

    assert response.status_code == 400
    assert 'class="field has-error"' in response.text
    with _in(alpha):
        assert not RetentionSetting.objects.exists()


def test_the_retention_settings_of_one_store_do_not_reach_another(alpha, beta):
    _client(alpha, role="owner").post(BASE, _days(**{ABANDONED_CARTS: "30", EMAIL_LOG: "400"}))
    with _in(beta):
        assert not RetentionSetting.objects.exists()
    assert "(default)" in _client(beta, role="owner").get(BASE).text


def _queries(client: Client, url: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_pages_query_counts_do_not_grow_with_the_data(alpha):
    client = _client(alpha, role="owner")
    ada = _shopper(alpha)
    erase_url = f"{BASE}customers/{ada.customer.uuid}/erase/"
    with _in(alpha):
        DataRequest.objects.create(kind="export", customer_uuid=ada.customer.uuid, summary={"orders": 1})
    for url in (f"{BASE}requests/", BASE, erase_url):
        client.get(url)  # warm the per-process caches (store settings, navigation)
    few = {url: _queries(client, url) for url in (f"{BASE}requests/", BASE, erase_url)}

    with _in(alpha):
        for _n in range(5):
            order_for(ada.customer, status="delivered", user=ada.user)
        DataRequest.objects.bulk_create(
            DataRequest(kind="export", customer_uuid=uuid.uuid4(), summary={"orders": 2}) for _n in range(30)
        )
    many = {url: _queries(client, url) for url in (f"{BASE}requests/", BASE, erase_url)}

    assert many == few
    assert max(many.values()) <= 25, many
