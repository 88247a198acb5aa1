"""The "Download my store" page: the owner queues an archive, sees it ready, downloads it; every download
is audited; nobody but the owner, and no other store, can see or fetch it."""

from __future__ import annotations

import io
import json
import tarfile
import uuid
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.audit.models import AuditEntry
from apps.backups.models import StoreExport
from apps.backups.services import store_exports_expire_due
from apps.core.storage import private_storage
from tests.fixtures import StoreWorld, make_store_user, store_client

pytestmark = pytest.mark.django_db

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"
PAGE = reverse("dashboard:backups:export", urlconf="config.urls_tenants")


def _signed_in(world: StoreWorld, role: str) -> Client:
    user = make_store_user(world, f"{role}-{uuid.uuid4().hex[:8]}@example.com", role=role)
    client = store_client(world)
    with schema_context(world.tenant.schema_name):
        client.force_login(user, backend=MODEL_BACKEND)
    return client


def _download_url(export: StoreExport) -> str:
    return reverse(
        "dashboard:backups:download", kwargs={"export_uuid": export.uuid}, urlconf="config.urls_tenants"
    )


def _export_made(world: StoreWorld, client: Client, capture) -> StoreExport:  # type: ignore[no-untyped-def]
    with capture(execute=True):
        response = client.post(PAGE)
    assert response.status_code == 302
    return StoreExport.objects.get(tenant=world.tenant)


def test_the_owner_makes_and_downloads_the_archive_of_the_store(
    alpha, local_media, django_capture_on_commit_callbacks
):
    owner = _signed_in(alpha, "owner")

    # when: the owner asks for an archive (the worker runs on commit)
    export = _export_made(alpha, owner, django_capture_on_commit_callbacks)

    # then: it is ready in the store's private storage, listed with its link
    assert export.status == StoreExport.Status.READY, export.error_code
    assert export.file_name.startswith("store-exports/") and export.rows and export.tables
    assert export.expires_at is not None and export.expires_at > timezone.now()
    page = owner.get(PAGE)
    assert page.status_code == 200
    assert _download_url(export) in page.content.decode()

    response = owner.get(_download_url(export))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    body = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    with tarfile.open(name=None, mode="r:gz", fileobj=io.BytesIO(body)) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))  # type: ignore[arg-type]
    assert manifest["store"]["slug"] == "alpha"

    export.refresh_from_db()
    assert export.downloaded_at is not None
    with schema_context(alpha.tenant.schema_name):
        entries = AuditEntry.objects.filter(object_type="backups.storeexport", object_id=str(export.pk))
        assert sorted(entries.values_list("action", flat=True)) == ["created", "updated"]
        assert all(entry.actor_label.startswith("owner-") for entry in entries)


def test_a_second_archive_replaces_the_first_and_expired_ones_are_gone(
    alpha, local_media, django_capture_on_commit_callbacks
):
    owner = _signed_in(alpha, "owner")
    first = _export_made(alpha, owner, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        owner.post(PAGE)
    second = StoreExport.objects.exclude(pk=first.pk).get(tenant=alpha.tenant)
    first.refresh_from_db()
    assert (first.status, second.status) == (StoreExport.Status.EXPIRED, StoreExport.Status.READY)
    # The first archive was still there while the second was made: no archive goes inside another.
    with schema_context(alpha.tenant.schema_name), private_storage().open(second.file_name, "rb") as handle:
        body = handle.read()
    with tarfile.open(name=None, mode="r:gz", fileobj=io.BytesIO(body)) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))  # type: ignore[arg-type]
    assert manifest["media"]["private"] == {}
    assert owner.get(_download_url(first)).status_code == 404

    StoreExport.objects.filter(pk=second.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    assert owner.get(_download_url(second)).status_code == 404
    with schema_context(alpha.tenant.schema_name):
        assert private_storage().exists(second.file_name)
        assert store_exports_expire_due() == 1
        assert not private_storage().exists(second.file_name)


@pytest.mark.parametrize("role", ["admin", "staff", "finance"])
def test_only_the_owner_may_export_the_store(alpha, local_media, role, django_capture_on_commit_callbacks):
    export = _export_made(alpha, _signed_in(alpha, "owner"), django_capture_on_commit_callbacks)
    other = _signed_in(alpha, role)
    assert other.get(PAGE).status_code == 403
    assert other.post(PAGE).status_code == 403
    assert other.get(_download_url(export)).status_code == 403


def test_another_stores_owner_can_neither_see_nor_download_the_archive(
    alpha, beta, local_media, django_capture_on_commit_callbacks
):
    export = _export_made(alpha, _signed_in(alpha, "owner"), django_capture_on_commit_callbacks)
    beta_owner = _signed_in(beta, "owner")

    page = beta_owner.get(PAGE)
    assert page.status_code == 200
    assert str(export.uuid) not in page.content.decode()
    assert beta_owner.get(_download_url(export)).status_code == 404
    # Not even by the archive's name in beta's private prefix.
    with schema_context(beta.tenant.schema_name):
        assert not private_storage().exists(export.file_name)
