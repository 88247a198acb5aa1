"""English, German and Spanish: the locale middleware picks the language, catalogs are complete."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from django.test import Client

from tests.fixtures import make_store_user

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "expected"), [("de", "Produkte"), ("es", "Productos"), ("en", "Products")]
)
def test_the_dashboard_speaks_the_browsers_language(alpha, language, expected):
    from django_tenants.utils import schema_context

    staff = make_store_user(alpha, f"i18n-{language}@example.com", staff=True)
    client = Client(HTTP_HOST=alpha.host, HTTP_ACCEPT_LANGUAGE=language)
    with schema_context(alpha.tenant.schema_name):
        client.force_login(staff)
    response = client.get("/dashboard/catalog/products/")
    assert response.status_code == 200
    assert f'<html lang="{language}">' in response.content.decode()
    assert expected in response.content.decode()


@pytest.mark.parametrize("language", ["de", "es"])
def test_catalogs_compile_and_have_no_untranslated_or_fuzzy_entries(language):
    po = ROOT / "locale" / language / "LC_MESSAGES" / "django.po"
    result = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", "/dev/null", str(po)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert "untranslated" not in result.stderr and "fuzzy" not in result.stderr, result.stderr
