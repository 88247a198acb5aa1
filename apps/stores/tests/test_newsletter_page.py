"""The dashboard's newsletter page: the list with status, search, filter, pagination and empty
state; the CSV of confirmed addresses; removing one after a confirmation page; what each role
may do; and one store never seeing another's subscribers."""

from __future__ import annotations

import csv
import io

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.core.permissions import Perm, view_permission
from apps.stores.dashboard.newsletter import newsletter_export, newsletter_list, newsletter_remove
from apps.stores.models import NewsletterSubscriber
from tests.fixtures import StoreWorld, make_store_user, store_client

pytestmark = pytest.mark.django_db

URL = "/dashboard/store/newsletter/"
EXPORT_URL = URL + "export.csv"
Status = NewsletterSubscriber.Status


def _client(world: StoreWorld, role: str) -> Client:
    user = make_store_user(world, f"{role}-newsletter@example.com", role=role)
    client = store_client(world)
    with schema_context(world.tenant.schema_name):
        client.force_login(user)
    return client


def _add(
    world: StoreWorld, email: str, status: str = Status.CONFIRMED, **fields: object
) -> NewsletterSubscriber:
    if status == Status.CONFIRMED:
        fields.setdefault("confirmed_at", timezone.now())
    with schema_context(world.tenant.schema_name):
        return NewsletterSubscriber.objects.create(email=email, status=status, **fields)


def _bulk(world: StoreWorld, count: int, start: int = 0) -> None:
    now = timezone.now()
    with schema_context(world.tenant.schema_name):
        NewsletterSubscriber.objects.bulk_create(
            NewsletterSubscriber(email=f"bulk{i}@example.com", status=Status.CONFIRMED, confirmed_at=now)
            for i in range(start, start + count)
        )


def test_the_pages_declare_their_permissions():
    declared = {}
    for view in (newsletter_list, newsletter_export, newsletter_remove):
        permission = view_permission(view)
        assert permission is not None
        declared[view] = permission
    assert (declared[newsletter_list].read, declared[newsletter_list].write) == (
        Perm.CUSTOMERS_VIEW,
        Perm.CUSTOMERS_VIEW,
    )
    assert declared[newsletter_export].read == Perm.EXPORTS_DOWNLOAD
    assert (declared[newsletter_remove].read, declared[newsletter_remove].write) == (
        Perm.CUSTOMERS_MANAGE,
        Perm.CUSTOMERS_MANAGE,
    )


def test_the_list_shows_each_address_with_its_status(alpha):
    _add(alpha, "wait@example.com", Status.PENDING)
    _add(alpha, "fan@example.com")
    _add(alpha, "gone@example.com", Status.UNSUBSCRIBED, unsubscribed_at=timezone.now())
    page = _client(alpha, "owner").get(URL)
    assert page.status_code == 200
    html = page.text
    for email, label in (
        ("wait@example.com", "Waiting for confirmation"),
        ("fan@example.com", "Subscribed"),
        ("gone@example.com", "Unsubscribed"),
    ):
        row = html[html.index(email) :][:400]
        assert label in row
    assert "All (3)" in html and "Subscribed (1)" in html
    assert 'href="/dashboard/store/newsletter/export.csv"' in html


def test_search_and_status_filter(alpha):
    _add(alpha, "ana@shop.example", Status.PENDING)
    _add(alpha, "ana@other.example")
    _add(alpha, "bob@shop.example")
    client = _client(alpha, "staff")
    found = client.get(URL, {"q": "ANA@"}).text
    assert "ana@shop.example" in found and "ana@other.example" in found and "bob@shop.example" not in found
    confirmed = client.get(URL, {"q": "ana", "status": "confirmed"}).text
    assert "ana@other.example" in confirmed and "ana@shop.example" not in confirmed
    nothing = client.get(URL, {"q": "zed"})
    assert nothing.status_code == 200 and "No address matches these filters." in nothing.text
    # an unknown status filters nothing out rather than failing
    assert "bob@shop.example" in client.get(URL, {"status": "bogus"}).text


def test_the_empty_list_says_what_to_do(alpha):
    html = _client(alpha, "owner").get(URL).text
    assert "Nobody has signed up yet." in html and 'id="newsletter-subscribers"' not in html


def test_the_list_paginates_and_its_queries_do_not_grow(alpha):
    _bulk(alpha, 5)
    client = _client(alpha, "owner")
    client.get(URL)  # warm the session, settings and menu caches
    with CaptureQueriesContext(connection) as small:
        assert client.get(URL).status_code == 200
    _bulk(alpha, 120, start=5)
    with CaptureQueriesContext(connection) as large:
        first = client.get(URL)
    assert len(large) == len(small)
    assert first.text.count("@example.com</td>") == 50 and "Page 1 of 3" in first.text
    last = client.get(URL, {"page": 3})
    assert last.text.count("@example.com</td>") == 25


def test_the_csv_holds_confirmed_addresses_with_their_unsubscribe_links(alpha):
    _add(alpha, "fan@example.com", language="de", source="home")
    _add(alpha, "=cmd@example.com")  # a formula-looking address is quoted for spreadsheets
    _add(alpha, "wait@example.com", Status.PENDING)
    _add(alpha, "gone@example.com", Status.UNSUBSCRIBED)
    response = _client(alpha, "finance").get(EXPORT_URL)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.getvalue().decode())))
    assert rows[0] == ["email", "language", "source", "confirmed_at", "unsubscribe_url"]
    assert sorted(row[0] for row in rows[1:]) == ["'=cmd@example.com", "fan@example.com"]
    fan = next(row for row in rows if row[0] == "fan@example.com")
    assert fan[1:3] == ["de", "home"] and f"://{alpha.host}/de/newsletter/unsubscribe/" in fan[4]
    # the link works
    path = fan[4].split(alpha.host, 1)[1]
    assert store_client(alpha).post(path).status_code == 200
    with schema_context(alpha.tenant.schema_name):
        assert NewsletterSubscriber.objects.get(email="fan@example.com").status == Status.UNSUBSCRIBED


def test_the_csv_export_runs_a_fixed_number_of_queries(alpha):
    client = _client(alpha, "owner")
    _bulk(alpha, 3)
    client.get(EXPORT_URL).getvalue()
    with CaptureQueriesContext(connection) as small:
        client.get(EXPORT_URL).getvalue()
    _bulk(alpha, 300, start=3)
    with CaptureQueriesContext(connection) as large:
        content = client.get(EXPORT_URL).getvalue()
    assert content.count(b"\n") == 304 and len(large) == len(small)


def test_removing_an_address_asks_first_then_deletes_it(alpha):
    subscriber = _add(alpha, "erase@example.com")
    client = _client(alpha, "staff")
    remove_url = f"{URL}{subscriber.pk}/remove/"
    assert f'href="{remove_url}"' in client.get(URL).text
    ask = client.get(remove_url)
    assert ask.status_code == 200 and "Remove erase@example.com?" in ask.text
    with schema_context(alpha.tenant.schema_name):
        assert NewsletterSubscriber.objects.filter(pk=subscriber.pk).exists()
    done = client.post(remove_url)
    assert done.status_code == 302 and done["Location"] == URL
    with schema_context(alpha.tenant.schema_name):
        assert not NewsletterSubscriber.objects.filter(pk=subscriber.pk).exists()
    assert client.post(remove_url).status_code == 404


@pytest.mark.parametrize(
    ("role", "view", "export", "remove"),
    [
        ("owner", 200, 200, 302),
        ("admin", 200, 200, 302),
        ("staff", 200, 200, 302),
        ("finance", 200, 200, 403),
    ],
)
def test_what_each_role_may_do(alpha, role, view, export, remove):
    subscriber = _add(alpha, f"{role}-row@example.com")
    client = _client(alpha, role)
    page = client.get(URL)
    assert page.status_code == view
    assert ("/remove/" in page.text) is (remove == 302)
    assert client.get(EXPORT_URL).status_code == export
    assert client.post(f"{URL}{subscriber.pk}/remove/").status_code == remove


def test_signed_out_visitors_and_shoppers_are_kept_out(alpha):
    assert store_client(alpha).get(URL).status_code == 302
    assert store_client(alpha).get(EXPORT_URL).status_code == 302


def test_beta_never_sees_or_removes_alphas_subscribers(alpha, beta):
    secret = _add(alpha, "alpha-only@example.com")
    _add(beta, "beta-own@example.com")
    client = _client(beta, "owner")
    html = client.get(URL).text
    assert "beta-own@example.com" in html and "alpha-only@example.com" not in html
    assert b"alpha-only" not in client.get(EXPORT_URL).getvalue()
    assert "alpha-only" not in client.get(URL, {"q": "alpha"}).text
    with schema_context(beta.tenant.schema_name):
        NewsletterSubscriber.objects.filter(pk=secret.pk).delete()  # ids are per store: no clash
    assert client.get(f"{URL}{secret.pk}/remove/").status_code == 404
    assert client.post(f"{URL}{secret.pk}/remove/").status_code == 404
    with schema_context(alpha.tenant.schema_name):
        assert NewsletterSubscriber.objects.filter(pk=secret.pk).exists()
