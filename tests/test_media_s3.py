"""Media on S3 (django-storages + boto3) against a local moto server: one prefix per store, and
private files in a bucket of their own behind short-lived pre-signed URLs."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.core.exceptions import ImproperlyConfigured, SuspiciousOperation
from django.core.files.base import ContentFile
from django_tenants.utils import schema_context

from apps.core.storage import TenantPrivateS3Storage, TenantS3Storage, private_storage
from tests.fixtures import make_store_user, moto_s3, store_client

pytestmark = pytest.mark.django_db

BUCKET = "media-test"
PRIVATE_BUCKET = "media-private-test"
ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"


@pytest.fixture(scope="module")
def s3_endpoint():
    with moto_s3(BUCKET, PRIVATE_BUCKET) as server:
        yield server


def _storage(endpoint: str) -> TenantS3Storage:
    return TenantS3Storage(
        bucket_name=BUCKET,
        endpoint_url=endpoint,
        access_key="test",
        secret_key="test",
        region_name="us-east-1",
        file_overwrite=False,
    )


S3_OPTIONS = {"access_key": "test", "secret_key": "test", "region_name": "us-east-1"}


def _private_storage(endpoint: str, **options: object) -> TenantPrivateS3Storage:
    return TenantPrivateS3Storage(bucket_name=PRIVATE_BUCKET, endpoint_url=endpoint, **S3_OPTIONS, **options)


def test_files_land_under_the_stores_prefix_and_other_stores_cannot_reach_them(alpha, beta, s3_endpoint):
    endpoint, client = s3_endpoint
    storage = _storage(endpoint)  # one instance serves every store, as in production
    with schema_context(alpha.tenant.schema_name):
        name = storage.save("images/logo.txt", ContentFile(b"alpha logo"))
        url = storage.url(name)
        assert storage.exists(name)
    keys = [obj["Key"] for obj in client.list_objects_v2(Bucket=BUCKET)["Contents"]]
    assert f"{alpha.tenant.schema_name}/{name}" in keys
    assert f"/{BUCKET}/{alpha.tenant.schema_name}/images/" in url
    with schema_context(beta.tenant.schema_name):
        # the same name from store B resolves inside B's prefix: nothing there
        assert not storage.exists(name)
        assert storage.listdir("images") == ([], [])
        with pytest.raises(Exception):  # noqa: B017 - boto raises its own not-found type
            storage.open(name).read()
    with schema_context(alpha.tenant.schema_name):
        assert storage.open(name).read() == b"alpha logo"
        storage.delete(name)


def test_a_path_cannot_climb_out_of_the_stores_prefix(alpha, s3_endpoint):
    from django.core.exceptions import SuspiciousOperation

    endpoint, _client = s3_endpoint
    storage = _storage(endpoint)
    with schema_context(alpha.tenant.schema_name), pytest.raises(SuspiciousOperation):
        storage.save("../store_beta/evil.txt", ContentFile(b"x"))


# ------------------------------------------------------------------------------
# Private files: a bucket of their own, pre-signed URLs that expire within a minute
# ------------------------------------------------------------------------------
def test_a_private_object_lands_under_the_stores_prefix_in_the_private_bucket(alpha, beta, s3_endpoint):
    endpoint, client = s3_endpoint
    storage = _private_storage(endpoint)
    with schema_context(alpha.tenant.schema_name):
        name = storage.save("imports/products.csv", ContentFile(b"sku,price\nA-1,2.00\n"))
        url = storage.url(name)
    key = f"{alpha.tenant.schema_name}/{name}"
    try:
        private_keys = [obj["Key"] for obj in client.list_objects_v2(Bucket=PRIVATE_BUCKET)["Contents"]]
        public_keys = [obj["Key"] for obj in client.list_objects_v2(Bucket=BUCKET).get("Contents", [])]
        assert key in private_keys
        assert key not in public_keys
        # no grant to everyone: the object is readable only with the bucket owner's signature
        grants = client.get_object_acl(Bucket=PRIVATE_BUCKET, Key=key)["Grants"]
        assert not [grant for grant in grants if grant["Grantee"].get("URI") == ALL_USERS]
        assert [grant["Permission"] for grant in grants] == ["FULL_CONTROL"]

        # the pre-signed URL works, and says it expires after 60 seconds
        parts = urlsplit(url)
        query = parse_qs(parts.query)
        assert parts.path == f"/{PRIVATE_BUCKET}/{key}"
        assert query["X-Amz-Expires"] == ["60"]
        assert query["X-Amz-Signature"]
        assert query["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"]
        fetched = requests.get(url, timeout=10)
        assert fetched.status_code == 200
        assert fetched.content == b"sku,price\nA-1,2.00\n"

        with schema_context(beta.tenant.schema_name):
            # the same name from store B resolves inside B's prefix: nothing there
            assert not storage.exists(name)
            assert urlsplit(storage.url(name)).path == f"/{PRIVATE_BUCKET}/{beta.tenant.schema_name}/{name}"
    finally:
        client.delete_object(Bucket=PRIVATE_BUCKET, Key=key)


def test_the_private_url_expiry_is_configurable_and_short(alpha, s3_endpoint, settings):
    endpoint, _client = s3_endpoint
    settings.AWS_PRIVATE_QUERYSTRING_EXPIRE = 5
    with schema_context(alpha.tenant.schema_name):
        url = _private_storage(endpoint).url("imports/x.csv")
    assert parse_qs(urlsplit(url).query)["X-Amz-Expires"] == ["5"]


@pytest.mark.parametrize(
    "name",
    [
        "../store_beta/evil.csv",
        "imports/../../store_beta/evil.csv",
        "/store_beta/evil.csv",
        "..\\store_beta\\evil.csv",
    ],
)
def test_a_private_name_cannot_climb_out_of_the_stores_prefix(alpha, s3_endpoint, name):
    endpoint, client = s3_endpoint
    storage = _private_storage(endpoint)
    with schema_context(alpha.tenant.schema_name):
        with pytest.raises(SuspiciousOperation):
            storage.save(name, ContentFile(b"x"))
        with pytest.raises(SuspiciousOperation):
            storage.url(name)
        with pytest.raises(SuspiciousOperation):
            storage.open(name)
    assert "Contents" not in client.list_objects_v2(Bucket=PRIVATE_BUCKET, Prefix="store_beta/")


@pytest.mark.parametrize(
    "options",
    [{"custom_domain": "cdn.example.com"}, {"querystring_auth": False}, {"default_acl": "public-read"}],
    ids=["custom-domain", "unsigned", "public-acl"],
)
def test_the_private_storage_refuses_a_configuration_that_would_publish(s3_endpoint, options):
    endpoint, _client = s3_endpoint
    with pytest.raises(ImproperlyConfigured):
        _private_storage(endpoint, **options)


def test_the_private_storage_refuses_the_public_media_bucket(s3_endpoint, settings):
    endpoint, _client = s3_endpoint
    settings.AWS_STORAGE_BUCKET_NAME = PRIVATE_BUCKET
    with pytest.raises(ImproperlyConfigured, match="bucket of its own"):
        _private_storage(endpoint)


@pytest.fixture
def private_on_s3(settings, s3_endpoint):
    """STORAGES["private"] on the moto server, as production configures it (apart from the
    endpoint), with the test URLconf's download route."""
    endpoint, client = s3_endpoint
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "apps.core.storage.TenantPrivateS3Storage",
            "OPTIONS": {"bucket_name": PRIVATE_BUCKET, "endpoint_url": endpoint, **S3_OPTIONS},
        },
    }
    settings.ROOT_URLCONF = "tests.urls_private_download"
    return client


def test_the_download_redirects_the_permitted_user_to_a_short_lived_signed_url(alpha, private_on_s3):
    client = private_on_s3
    with schema_context(alpha.tenant.schema_name):
        storage = private_storage()
        assert isinstance(storage, TenantPrivateS3Storage)
        name = storage.save("imports/products.csv", ContentFile(b"PRIVATE-ON-S3"))
        importer = make_store_user(alpha, "s3-importer@example.com", role="staff")
        finance = make_store_user(alpha, "s3-finance@example.com", role="finance")
    try:
        browser = store_client(alpha)
        # anonymous: sign in first; finance lacks catalog.import: 403; no signed URL either way
        anonymous = browser.get(f"/test-private/{name}")
        assert anonymous.status_code == 302
        assert PRIVATE_BUCKET not in anonymous["Location"]
        with schema_context(alpha.tenant.schema_name):
            browser.force_login(finance)
        refused = browser.get(f"/test-private/{name}")
        assert refused.status_code == 403
        assert PRIVATE_BUCKET.encode() not in refused.content

        with schema_context(alpha.tenant.schema_name):
            browser.force_login(importer)
        response = browser.get(f"/test-private/{name}")
        assert response.status_code == 302
        assert "no-store" in response["Cache-Control"]
        location = response["Location"]
        query = parse_qs(urlsplit(location).query)
        assert urlsplit(location).path == f"/{PRIVATE_BUCKET}/{alpha.tenant.schema_name}/{name}"
        assert query["X-Amz-Expires"] == ["60"]
        assert query["response-content-disposition"] == ['attachment; filename="products.csv"']
        fetched = requests.get(location, timeout=10)
        assert fetched.status_code == 200
        assert fetched.content == b"PRIVATE-ON-S3"
        assert fetched.headers["Content-Disposition"] == 'attachment; filename="products.csv"'

        assert browser.get("/test-private/imports/never-written.csv").status_code == 404
    finally:
        client.delete_object(Bucket=PRIVATE_BUCKET, Key=f"{alpha.tenant.schema_name}/{name}")
