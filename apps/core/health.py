"""Liveness (`/healthz`: the process answers) and readiness (`/readyz`: its dependencies do)."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, JsonResponse

from apps.core.tenancy import tenant_connection

# Once this process has seen the public schema fully migrated it stays so for its code version.
_migrations_current = False


def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


def _check_database() -> str | None:
    try:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as exc:
        return f"database: {type(exc).__name__}"
    return None


def _check_cache() -> str | None:
    if not settings.REDIS_URL and "redis" not in settings.CACHES["default"]["BACKEND"].lower():
        return None
    try:
        cache.set("readyz", "1", 5)
        if cache.get("readyz") != "1":
            return "redis: read-back mismatch"
    except Exception as exc:
        return f"redis: {type(exc).__name__}"
    return None


def _check_migrations() -> str | None:
    global _migrations_current
    if _migrations_current:
        return None
    try:
        connection = connections[DEFAULT_DB_ALIAS]
        tenant_connection().set_schema_to_public()
        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except Exception as exc:
        return f"migrations: {type(exc).__name__}"
    if plan:
        return f"migrations: {len(plan)} unapplied"
    _migrations_current = True
    return None


def readyz(request: HttpRequest) -> JsonResponse:
    checks = {
        "database": _check_database(),
        "redis": _check_cache(),
        "migrations": _check_migrations(),
    }
    failures = {name: problem for name, problem in checks.items() if problem}
    body = {
        "status": "ok" if not failures else "unavailable",
        "checks": {name: (problem or "ok") for name, problem in checks.items()},
    }
    return JsonResponse(body, status=200 if not failures else 503)
