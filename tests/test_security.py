"""Production settings pass Django's deployment checks; cookies stay host-only; CSRF is on."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

ROOT = Path(__file__).resolve().parent.parent


def test_manage_check_deploy_is_clean_with_production_settings():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
        "PLATFORM_DOMAIN": "shop.example.com",
        "AWS_STORAGE_BUCKET_NAME": "media",
        "AWS_PRIVATE_STORAGE_BUCKET_NAME": "media-private",
        "DATABASE_URL": "postgres://app@db.internal:5432/commerce",
        "REDIS_URL": "redis://redis.internal:6379/0",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_cookies_are_host_only_and_secure():
    code = (
        "from django.conf import settings as s;"
        "print(s.SESSION_COOKIE_DOMAIN, s.CSRF_COOKIE_DOMAIN, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE,"
        " s.SESSION_COOKIE_HTTPONLY, s.DEBUG)"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
        "AWS_STORAGE_BUCKET_NAME": "media",
        "AWS_PRIVATE_STORAGE_BUCKET_NAME": "media-private",
        "DATABASE_URL": "postgres://app@db.internal:5432/commerce",
        "REDIS_URL": "redis://redis.internal:6379/0",
    }
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.split() == ["None", "None", "True", "True", "True", "False"], result.stderr


@pytest.mark.django_db
def test_forms_refuse_posts_without_a_csrf_token(alpha):
    client = Client(HTTP_HOST=alpha.host, enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"login": "x@example.com", "password": "nope"})
    assert response.status_code == 403
    platform = Client(HTTP_HOST="platform.test", enforce_csrf_checks=True)
    assert platform.post("/accounts/signup/", {}).status_code == 403


@pytest.mark.django_db
def test_failed_logins_are_rate_limited_per_account(alpha):
    from tests.fixtures import PASSWORD, make_store_user

    make_store_user(alpha, "target@example.com")
    client = Client(HTTP_HOST=alpha.host)
    for attempt in range(5):
        client.post("/accounts/login/", {"login": "target@example.com", "password": f"wrong-{attempt}"})
    # even the right password is refused once the account's failure budget is spent
    blocked = client.post("/accounts/login/", {"login": "target@example.com", "password": PASSWORD})
    assert blocked.status_code in (200, 429)
    assert not blocked.wsgi_request.user.is_authenticated
    assert "Too many failed login attempts" in blocked.content.decode()


@pytest.mark.django_db
def test_logins_are_rate_limited_per_ip(alpha):
    client = Client(HTTP_HOST=alpha.host)
    codes = [
        client.post("/accounts/login/", {"login": f"user{i}@example.com", "password": "x"}).status_code
        for i in range(35)
    ]
    assert codes[0] == 200
    assert codes[-1] == 429
