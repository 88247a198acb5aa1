"""Branded error pages: a store's 404 and 500 in its theme and name; the platform keeps its own."""

from __future__ import annotations

from unittest import mock

import pytest
from django.core.cache import cache
from django.db import DatabaseError
from django.test import Client
from django_tenants.utils import schema_context

from apps.stores.theme_services import StoreThemeInput, store_theme_save
from tests.fixtures import StoreWorld

pytestmark = pytest.mark.django_db

CYBERPUNK_PAGE = "--sf-background:#0d0221;"
FROSTED_PAGE = "--sf-background:#f4f7fb;"


def _cyberpunk(world: StoreWorld) -> None:
    with schema_context(world.tenant.schema_name):
        store_theme_save(data=StoreThemeInput(preset="cyberpunk", blocks=[]))
    cache.clear()


def _client(world: StoreWorld) -> Client:
    return Client(HTTP_HOST=world.host, raise_request_exception=False)


@pytest.mark.parametrize("path", ["/products/no-such-product/", "/collections/nope/", "/no/such/page/"])
def test_an_unknown_page_on_a_store_is_the_store_branded_404(alpha, path):
    _cyberpunk(alpha)
    response = _client(alpha).get(path)
    assert response.status_code == 404
    html = response.content.decode()
    assert CYBERPUNK_PAGE in html
    assert '<a class="sf-brand" href="/">Store Alpha</a>' in html
    assert "<title>Page not found – Store Alpha</title>" in html
    assert '<meta name="robots" content="noindex">' in html and 'rel="canonical"' not in html
    assert "Back to the shop" in html


def test_the_404_speaks_the_page_language(alpha):
    response = _client(alpha).get("/de/no-such-page/")
    assert response.status_code == 404 and '<html lang="de">' in response.content.decode()


def test_a_500_on_a_store_is_branded(alpha):
    _cyberpunk(alpha)
    with mock.patch("apps.storefront.views.home._render_home", side_effect=RuntimeError("boom")):
        response = _client(alpha).get("/")
    assert response.status_code == 500
    html = response.content.decode()
    assert CYBERPUNK_PAGE in html and "Store Alpha" in html and "Something went wrong" in html
    assert "sf-cart-link" not in html  # the minimal header: nothing that may be what failed


def test_a_500_falls_back_to_the_default_theme_when_the_theme_cannot_be_read(alpha):
    _cyberpunk(alpha)
    with (
        mock.patch("apps.storefront.views.home._render_home", side_effect=RuntimeError("boom")),
        mock.patch(
            "apps.storefront.theme_preview.store_theme_get",
            side_effect=DatabaseError("theme table unreadable"),
        ),
    ):
        response = _client(alpha).get("/")
    assert response.status_code == 500
    html = response.content.decode()
    assert FROSTED_PAGE in html and CYBERPUNK_PAGE not in html
    assert "Store Alpha" in html and "Something went wrong" in html


def test_the_platform_keeps_its_own_404(db, settings):
    response = Client(HTTP_HOST=settings.PLATFORM_DOMAIN).get("/no/such/page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Page not found" in html and "sf-header" not in html and "--sf-background" not in html


def test_beta_404_is_in_beta_theme_not_alpha(alpha, beta):
    _cyberpunk(alpha)
    html = _client(beta).get("/no/such/page/").content.decode()
    assert CYBERPUNK_PAGE not in html and "Store Beta" in html
