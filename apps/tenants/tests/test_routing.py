from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.fixtures import store_client

pytestmark = pytest.mark.django_db


def test_a_warm_store_host_needs_no_tenant_lookup_query(alpha):
    client = store_client(alpha)
    client.get("/")  # warm the routing cache
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/")
    assert response.status_code == 200
    assert not [q for q in queries.captured_queries if "tenants_domain" in q["sql"]]


def test_storefront_home_query_count_is_pinned(alpha, django_assert_num_queries):
    client = store_client(alpha)
    client.get("/")
    with django_assert_num_queries(0):
        client.get("/")


def test_the_platform_host_is_routed_to_the_public_urlconf(platform_client):
    response = platform_client.get("/")
    assert response.status_code == 200
    assert response.wsgi_request.urlconf == "config.urls_public"


def test_www_prefix_is_not_a_wildcard(alpha, client):
    assert client.get("/", HTTP_HOST=f"www.{alpha.host}").status_code == 404


def test_request_id_is_echoed_or_made(alpha):
    client = store_client(alpha)
    made = client.get("/")
    assert len(made["X-Request-ID"]) == 32
    given = client.get("/", HTTP_X_REQUEST_ID="req-12345678")
    assert given["X-Request-ID"] == "req-12345678"
    bad = client.get("/", HTTP_X_REQUEST_ID="<script>")
    assert bad["X-Request-ID"] != "<script>"
