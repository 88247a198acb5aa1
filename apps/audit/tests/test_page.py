"""The audit log page: who may read it, its filters (a malformed date is a 400), paging with a
fixed number of queries, the CSV export, the empty state, and one store never seeing another's."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.audit.models import AuditEntry
from apps.audit.tests.factories import AUDIT, AuditEntryFactory, member_client
from apps.inventory.models import StockLevel
from apps.inventory.tests.factories import location_make, variant_make
from tests.fixtures import store_client

pytestmark = pytest.mark.django_db


def _csv(response: Any) -> str:
    return b"".join(response.streaming_content).decode()


def _make(world, count: int = 1, **fields) -> list[AuditEntry]:
    with schema_context(world.tenant.schema_name):
        return AuditEntryFactory.create_batch(count, **fields)


@pytest.mark.parametrize(
    ("role", "status"), [("owner", 200), ("admin", 200), ("staff", 403), ("finance", 403)]
)
def test_only_owners_and_admins_read_the_log(alpha, role, status):
    client, _user = member_client(alpha, role)
    assert client.get(AUDIT).status_code == status
    assert client.get(f"{AUDIT}export.csv").status_code == status


def test_an_empty_log_says_what_will_show(alpha):
    client, _user = member_client(alpha, "owner")
    page = client.get(AUDIT).content.decode()
    assert "Nothing recorded yet." in page
    assert "Export CSV" not in page


def test_each_entry_shows_its_diff_and_a_secret_only_as_changed(alpha):
    _make(
        alpha,
        object_repr="Blue Mug",
        changes={"price": ["10.00", "12.00"], "secret_hash": ["[redacted]", "[redacted]"]},
    )
    client, _user = member_client(alpha, "admin")
    page = client.get(AUDIT).content.decode()
    assert "Blue Mug" in page and "<del>10.00</del> → <ins>12.00</ins>" in page
    assert "changed (not shown)" in page and "[redacted]" not in page
    assert "198.51.100.4" in page


def test_filters_by_actor_type_action_text_and_dates(alpha):
    old = timezone.now() - timedelta(days=10)
    _make(alpha, actor_label="ann@example.com", object_repr="Red Scarf")
    _make(alpha, actor_label="bob@example.com", object_type="stores.storesettings", object_repr="Settings")
    _make(alpha, actor_label="ann@example.com", action="deleted", object_repr="Old Hat")
    [dated] = _make(alpha, actor_label="cy@example.com", object_repr="Ancient Boot")
    with schema_context(alpha.tenant.schema_name):
        AuditEntry.objects.filter(pk=dated.pk).update(created_at=old)
    client, _user = member_client(alpha, "owner")

    def shown(**params) -> set[str]:
        response = client.get(AUDIT, params)
        assert response.status_code == 200
        return {row.entry.object_repr for row in response.context["rows"]}

    assert shown(actor="ANN@") == {"Red Scarf", "Old Hat"}
    assert shown(object_type="stores.storesettings") == {"Settings"}
    assert shown(action="deleted") == {"Old Hat"}
    assert shown(q="scarf") == {"Red Scarf"}
    day = old.date().isoformat()
    assert shown(date_from=day, date_to=day) == {"Ancient Boot"}
    assert "Ancient Boot" not in shown(date_from=(old + timedelta(days=2)).date().isoformat())


@pytest.mark.parametrize(
    "params",
    [
        {"date_from": "2026-13-45"},
        {"date_to": "yesterday"},
        {"date_from": "2026-05-02", "date_to": "2026-05-01"},
    ],
)
def test_a_malformed_date_or_range_is_a_form_error_and_400(alpha, params):
    _make(alpha)
    client, _user = member_client(alpha, "owner")
    response = client.get(AUDIT, params)
    assert response.status_code == 400
    assert response.context["form"].errors
    assert 'role="alert"' in response.content.decode()
    assert client.get(f"{AUDIT}export.csv", params).status_code == 400


def test_the_csv_export_holds_the_filtered_entries(alpha):
    _make(alpha, object_repr="=cmd()")
    _make(alpha, object_repr="Kept", action="deleted")
    client, _user = member_client(alpha, "owner")
    response = client.get(f"{AUDIT}export.csv", {"action": "deleted"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(_csv(response))))
    assert rows[0][:3] == ["when", "by", "actor_kind"]
    assert [row[8] for row in rows[1:]] == ["Kept"]
    everything = _csv(client.get(f"{AUDIT}export.csv"))
    assert "'=cmd()" in everything  # never a live formula


PINNED_OWN_QUERIES = 2
PINNED_PAGE_QUERIES = 6  # measured: 6 (3 of them the request's own: search_path, session, user)


def test_the_page_paginates_with_a_fixed_number_of_queries(alpha):
    client, _user = member_client(alpha, "owner")
    _make(alpha, 3)
    client.get(AUDIT)  # warm the per-store caches (settings, navigation)
    with CaptureQueriesContext(connection) as few:
        assert client.get(AUDIT).status_code == 200
    _make(alpha, 120)
    with CaptureQueriesContext(connection) as many:
        response = client.get(AUDIT)
    assert len(response.context["rows"]) == 50 and response.context["page"].paginator.num_pages == 3
    assert len(many) == len(few)
    # SET search_path, session, user, then the log's own two (count, page); the rest is the
    # dashboard frame's (the notification badge).
    own = [q["sql"] for q in many.captured_queries if "audit_auditentry" in q["sql"]]
    assert len(own) == PINNED_OWN_QUERIES, own
    assert len(many) <= PINNED_PAGE_QUERIES, [q["sql"] for q in many.captured_queries]
    assert client.get(AUDIT, {"page": "3"}).status_code == 200


def test_store_beta_never_lists_alphas_entries(alpha, beta):
    _make(alpha, object_repr="Alpha Secret Product")
    betas = _make(beta, object_repr="Beta Product")
    client, _user = member_client(beta, "owner", email="beta-owner-audit@example.com")
    response = client.get(AUDIT)
    page = response.content.decode()
    assert "Beta Product" in page and "Alpha Secret Product" not in page
    # Entries have no page of their own: the list (and its export) is the only way in.
    assert [row.entry.pk for row in response.context["rows"]] == [entry.pk for entry in betas]
    assert "Alpha Secret Product" not in _csv(client.get(f"{AUDIT}export.csv"))
    assert "Alpha Secret Product" not in client.get(AUDIT, {"q": "Alpha"}).content.decode()


def test_changes_are_named_in_the_readers_language_and_keys_by_what_they_point_to(alpha):
    client, user = member_client(alpha, "owner")
    _make(
        alpha,
        object_type="api.apikey",
        object_repr="Integration key",
        changes={"created_by": [None, user.pk], "name": [None, "Integration key"]},
    )
    _make(alpha, object_type="api.apikey", object_repr="Old key", changes={"revoked_by": [None, 987654]})
    _make(alpha, object_type="catalog.product", changes={"title": ["Old", "New"], "long_gone": ["a", "b"]})
    with schema_context(alpha.tenant.schema_name):
        stock = StockLevel.objects.create(
            variant=variant_make(sku="AUDIT-TEE"), location=location_make(name="Back room"), on_hand=4
        )
    _make(
        alpha,
        object_type="inventory.stockmovement",
        object_repr="adjustment +3",
        changes={"stock": [None, stock.pk], "on_hand_delta": [None, 3]},
    )

    page = client.get(AUDIT).content.decode()
    # a stock level is named by its SKU and location, not by its ids and counts
    assert "<ins>AUDIT-TEE @ Back room</ins>" in page
    assert "<dt>Created by</dt>" in page and f"<ins>{user.email}</ins>" in page  # not the user's id
    assert "<dt>Revoked by</dt>" in page and "<ins>#987654</ins>" in page  # a user deleted since
    assert "<dt>Title</dt>" in page and "<dt>Long gone</dt>" in page  # a field removed since

    german = store_client(alpha)
    german.defaults["HTTP_ACCEPT_LANGUAGE"] = "de"
    with schema_context(alpha.tenant.schema_name):
        german.force_login(user)
    page = german.get(AUDIT).content.decode()
    assert "<dt>Erstellt von</dt>" in page and "<dt>Titel</dt>" in page
    assert "Created by" not in page
    types = german.get(AUDIT).context["form"].fields["object_type"].choices
    labels = {str(label) for _value, label in types}
    assert "Lagerbewegung" in labels and "Teammitglied" in labels
    assert "stock movement" not in labels and "team member" not in labels


def test_every_field_the_log_follows_has_a_name_to_translate():
    from django.utils.functional import Promise

    from apps.audit.labels import AUTO_FIELD_NAMES
    from apps.audit.registry import audited_models

    unnamed = {
        f"{spec.label}.{field.name}": str(field.verbose_name)
        for spec in audited_models()
        for field in spec.diffed
        if not isinstance(field.verbose_name, Promise) and str(field.verbose_name) not in AUTO_FIELD_NAMES
    }
    assert unnamed == {}, "give these fields a verbose_name, or list them in apps/audit/labels.py"
