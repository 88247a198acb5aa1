"""Media on S3 (django-storages + boto3) against a local moto server: one prefix per store."""

from __future__ import annotations

import socket

import boto3
import pytest
from django.core.files.base import ContentFile
from django_tenants.utils import schema_context
from moto.server import ThreadedMotoServer

from apps.core.storage import TenantS3Storage

pytestmark = pytest.mark.django_db

BUCKET = "media-test"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def s3_endpoint():
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id="test",
        aws_secret_access_key="test",
        region_name="us-east-1",
    )
    client.create_bucket(Bucket=BUCKET)
    try:
        yield endpoint, client
    finally:
        server.stop()


def _storage(endpoint: str) -> TenantS3Storage:
    return TenantS3Storage(
        bucket_name=BUCKET,
        endpoint_url=endpoint,
        access_key="test",
        secret_key="test",
        region_name="us-east-1",
        file_overwrite=False,
    )


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
