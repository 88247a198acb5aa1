from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from django.test import Client

from apps.core.logging import ContextFilter
from tests.fixtures import store_client

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("host", ["10.1.2.3:8000", "platform.test", "unknown.example"])
def test_healthz_answers_on_any_host(host):
    response = Client().get("/healthz", HTTP_HOST=host)
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_checks_database_redis_and_migrations():
    response = Client().get("/readyz", HTTP_HOST="10.1.2.3")
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "redis": "ok", "migrations": "ok"}


def test_readyz_reports_a_broken_cache(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
        }
    }
    from django.core.cache import caches

    caches._settings = None  # type: ignore[attr-defined]
    try:
        response = Client().get("/readyz")
    finally:
        caches._settings = None  # type: ignore[attr-defined]
    assert response.status_code == 503
    assert response.json()["checks"]["redis"].startswith("redis:")


def test_log_lines_are_json_with_request_id_and_schema(alpha, capsys):
    from django.conf import settings
    from pythonjsonlogger.json import JsonFormatter

    fmt: dict[str, Any] = settings.LOGGING["formatters"]["json"]  # type: ignore[index]
    formatter = JsonFormatter(fmt["fmt"], rename_fields=fmt["rename_fields"])
    handler = logging.StreamHandler()
    handler.setFormatter(formatter)
    handler.addFilter(ContextFilter())
    logger = logging.getLogger("django.request")
    logger.addHandler(handler)
    try:
        store_client(alpha).get("/no-such-page/", HTTP_X_REQUEST_ID="trace-abcdef12")
    finally:
        logger.removeHandler(handler)
    line = json.loads(capsys.readouterr().err.strip().splitlines()[-1])
    assert line["request_id"] == "trace-abcdef12"
    assert line["schema"] == alpha.tenant.schema_name
    assert line["level"] == "WARNING"
