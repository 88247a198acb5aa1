"""Private files (import uploads, exports, invoices) on the local filesystem: stored per store
outside MEDIA_ROOT, never under a /media/ URL, handed out only by `private_file_response`."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.checks import Error
from django.core.files.base import ContentFile
from django.test import Client
from django_tenants.utils import schema_context

from apps.core.checks import private_storage_check
from apps.core.storage import TenantPrivateFileSystemStorage, private_storage
from tests.fixtures import StoreWorld, make_store_user, store_client

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
SECRET = b"sku,price\nSECRET-ALPHA-IMPORT,1.00\n"


@pytest.fixture
def roots(settings, tmp_path) -> tuple[Path, Path]:
    media, private = tmp_path / "media", tmp_path / "private"
    media.mkdir()
    private.mkdir()
    settings.MEDIA_ROOT = str(media)
    settings.PRIVATE_MEDIA_ROOT = str(private)
    settings.ROOT_URLCONF = "tests.urls_private_download"
    return media, private


@pytest.fixture
def alpha_secret(alpha, roots) -> str:
    with schema_context(alpha.tenant.schema_name):
        return private_storage().save("imports/products.csv", ContentFile(SECRET))


def logged_in(world: StoreWorld, email: str, *, role: str = "") -> Client:
    user = make_store_user(world, email, role=role)
    client = store_client(world)
    with schema_context(world.tenant.schema_name):
        client.force_login(user)
    return client


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_a_private_file_lands_under_the_private_root_of_its_store(alpha, beta, roots, alpha_secret):
    media, private = roots
    storage = private_storage()
    assert isinstance(storage, TenantPrivateFileSystemStorage)

    on_disk = private / "store_alpha" / alpha_secret
    assert on_disk.read_bytes() == SECRET
    assert not any(media.rglob("*")), "nothing may be written below MEDIA_ROOT"
    with schema_context(alpha.tenant.schema_name):
        assert storage.path(alpha_secret) == str(on_disk)
        with pytest.raises(ValueError, match="no public URL"):
            storage.url(alpha_secret)
    with schema_context(beta.tenant.schema_name):
        # the same name from beta resolves in beta's own private directory: nothing there
        assert not storage.exists(alpha_secret)
        assert storage.path(alpha_secret) == str(private / "store_beta" / alpha_secret)


def test_a_private_name_cannot_climb_out_of_the_stores_directory(alpha, roots):
    from django.core.exceptions import SuspiciousFileOperation

    with schema_context(alpha.tenant.schema_name):
        for name in ("../store_beta/x.csv", "/etc/passwd", "imports/../../store_beta/x.csv"):
            with pytest.raises(SuspiciousFileOperation):
                private_storage().save(name, ContentFile(b"x"))


def test_no_media_url_on_any_host_reaches_a_private_file(alpha, beta, roots, alpha_secret, platform_client):
    media, private = roots
    relative_private = os.path.relpath(private / "store_alpha" / alpha_secret, media)
    candidates = [
        f"/media/store_alpha/{alpha_secret}",
        f"/media/store_alpha/../{relative_private}",
        f"/media/store_alpha/%2e%2e/{relative_private}",
        f"/media/{relative_private}",
        f"/media/private/store_alpha/{alpha_secret}",
        f"/media/store_alpha/{private}/store_alpha/{alpha_secret}",
        f"/media/store_beta/../{relative_private}",
        f"/private/store_alpha/{alpha_secret}",
        f"/{alpha_secret}",
    ]
    for client in (store_client(alpha), store_client(beta), platform_client):
        for url in candidates:
            response = client.get(url)
            assert response.status_code in (400, 404), (client.defaults, url, response.status_code)
            assert b"SECRET-ALPHA-IMPORT" not in body(response), url


def test_the_download_refuses_anonymous_visitors(alpha, alpha_secret):
    response = store_client(alpha).get(f"/test-private/{alpha_secret}")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    assert b"SECRET-ALPHA-IMPORT" not in body(response)


@pytest.mark.parametrize("role", ["finance", ""], ids=["finance-lacks-catalog.import", "shopper"])
def test_the_download_refuses_a_user_without_the_permission(alpha, alpha_secret, role):
    client = logged_in(alpha, f"nope-{role or 'shopper'}@example.com", role=role)
    response = client.get(f"/test-private/{alpha_secret}")
    assert response.status_code == 403
    assert b"SECRET-ALPHA-IMPORT" not in body(response)


def test_the_download_streams_the_file_to_a_user_with_the_permission(alpha, alpha_secret):
    client = logged_in(alpha, "importer@example.com", role="staff")
    response = client.get(f"/test-private/{alpha_secret}")
    assert response.status_code == 200
    assert body(response) == SECRET
    assert response["Content-Disposition"] == 'attachment; filename="products.csv"'
    assert response["Content-Type"] == "text/csv"
    assert response["X-Content-Type-Options"] == "nosniff"
    cache_control = response["Cache-Control"]
    assert "private" in cache_control
    assert "no-store" in cache_control


def test_the_download_never_serves_another_stores_file(alpha, beta, roots, alpha_secret):
    # given the same name exists in beta with beta's own bytes
    with schema_context(beta.tenant.schema_name):
        beta_name = private_storage().save("imports/beta-only.csv", ContentFile(b"BETA-PRIVATE"))
    owner_on_alpha = logged_in(alpha, "owner-a@example.com", role="owner")
    owner_on_beta = logged_in(beta, "owner-b@example.com", role="owner")

    # then alpha's owner gets a 404 for beta's name, also when climbing, and beta's owner the same
    assert owner_on_alpha.get(f"/test-private/{beta_name}").status_code == 404
    assert owner_on_alpha.get(f"/test-private/../store_beta/{beta_name}").status_code in (400, 404)
    assert owner_on_alpha.get(f"/test-private/%2e%2e/store_beta/{beta_name}").status_code == 400
    assert owner_on_beta.get(f"/test-private/{alpha_secret}").status_code == 404
    # while each is served their own
    assert body(owner_on_beta.get(f"/test-private/{beta_name}")) == b"BETA-PRIVATE"
    assert body(owner_on_alpha.get(f"/test-private/{alpha_secret}")) == SECRET


def test_a_missing_private_file_is_a_404(alpha, roots):
    client = logged_in(alpha, "owner-missing@example.com", role="owner")
    assert client.get("/test-private/imports/never-written.csv").status_code == 404


def test_the_system_check_refuses_a_private_root_inside_media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.PRIVATE_MEDIA_ROOT = str(tmp_path / "media" / "private")
    errors = private_storage_check()
    assert [error.id for error in errors] == ["core.E003"]
    assert all(isinstance(error, Error) for error in errors)

    settings.PRIVATE_MEDIA_ROOT = str(tmp_path / "private")
    assert private_storage_check() == []


def test_the_system_check_refuses_a_public_storage_as_the_private_one(settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {"BACKEND": "apps.core.storage.TenantFileSystemStorage"},
    }
    assert [error.id for error in private_storage_check()] == ["core.E001"]


def _production(**overrides: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
        "PLATFORM_DOMAIN": "shop.example.com",
        "AWS_STORAGE_BUCKET_NAME": "media",
        "DATABASE_URL": "postgres://app@db.internal:5432/commerce",
        "REDIS_URL": "redis://redis.internal:6379/0",
    }
    env.pop("AWS_PRIVATE_STORAGE_BUCKET_NAME", None)
    env.update(overrides)
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_refuses_to_start_without_a_private_bucket():
    result = _production()
    assert result.returncode != 0
    assert "AWS_PRIVATE_STORAGE_BUCKET_NAME" in result.stderr


def test_production_check_refuses_the_public_bucket_as_the_private_one():
    # refused by the system check (core.E002), or earlier by the storage itself when a model
    # field builds it at import time
    result = _production(AWS_PRIVATE_STORAGE_BUCKET_NAME="media")
    assert result.returncode != 0
    assert "AWS_PRIVATE_STORAGE_BUCKET_NAME must name a bucket of its own" in result.stdout + result.stderr
