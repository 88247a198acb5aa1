"""Languages in storefront URLs: the store's default unprefixed, its other enabled languages
under their prefix, unprefixed areas outside the storefront, and the switcher."""

from __future__ import annotations

import re
from unittest import mock

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError
from django.urls import reverse
from django.utils import translation
from django_tenants.utils import schema_context

from apps.stores.selectors import store_settings_get
from apps.stores.services import StoreSettingsInput, store_settings_update
from apps.stores.theme_services import StoreThemeInput, store_theme_save
from tests.fixtures import StoreWorld, make_store_user, store_client

pytestmark = pytest.mark.django_db


def _languages(world: StoreWorld, languages: tuple[str, ...], default: str) -> None:
    with schema_context(world.tenant.schema_name):
        data = StoreSettingsInput.from_settings(
            store_settings_get(), languages=languages, default_language=default
        )
        store_settings_update(data=data)
    cache.clear()


def _switcher(html: str) -> list[tuple[str, str]]:
    menu = html.split('class="sf-switcher-menu"')[1].split("</ul>")[0]
    return re.findall(r'<a href="([^"]*)" hreflang="([^"]+)"', menu)


def test_the_default_language_is_unprefixed_and_the_others_are_prefixed(alpha):
    _languages(alpha, ("en", "de", "es"), "en")
    client = store_client(alpha)
    home = client.get("/")
    assert home.status_code == 200 and home["Content-Language"] == "en"
    assert '<html lang="en">' in home.content.decode()
    german = client.get("/de/")
    assert german.status_code == 200 and german["Content-Language"] == "de"
    assert '<html lang="de">' in german.content.decode()
    assert client.get("/es/").status_code == 200


def test_a_store_whose_default_is_german_serves_german_unprefixed_and_english_under_en(alpha, beta):
    _languages(alpha, ("en", "de"), "de")
    client = store_client(alpha)
    home = client.get("/")
    assert home.status_code == 200 and home["Content-Language"] == "de"
    assert client.get("/en/")["Content-Language"] == "en"
    # links on an English page keep the prefix, links on the default page have none
    assert 'class="sf-brand" href="/en/"' in client.get("/en/").content.decode()
    assert 'class="sf-brand" href="/"' in home.content.decode()
    # another store keeps its own default at the same moment
    other = store_client(beta).get("/")
    assert other["Content-Language"] == "en" and 'class="sf-brand" href="/"' in other.content.decode()
    assert store_client(beta).get("/en/").status_code == 301


def test_a_prefix_for_the_default_language_redirects_to_the_unprefixed_address(alpha):
    _languages(alpha, ("en", "de"), "en")
    response = store_client(alpha).get("/en/?page=2")
    assert response.status_code == 301 and response["Location"] == "/?page=2"


def test_a_language_the_store_has_not_enabled_is_a_404(alpha):
    _languages(alpha, ("en", "de"), "en")
    client = store_client(alpha)
    response = client.get("/es/")
    assert response.status_code == 404
    assert '<html lang="en">' in response.content.decode()  # the store's default language
    assert client.get("/es/newsletter/").status_code == 404
    assert client.post("/es/newsletter/", {"email": "a@example.com"}).status_code == 404
    assert client.get("/fr/").status_code == 404  # not a platform language at all


def test_dashboard_accounts_robots_and_sitemap_stay_unprefixed(alpha):
    _languages(alpha, ("en", "de"), "en")
    client = store_client(alpha)
    assert client.get("/robots.txt").status_code == 200
    assert client.get("/sitemap.xml").status_code == 200
    assert client.get("/accounts/login/").status_code == 200
    assert client.get("/dashboard/").status_code in {302, 403}  # exists, asks for a staff sign-in
    for path in ("/de/robots.txt", "/de/sitemap.xml", "/de/accounts/login/", "/de/dashboard/"):
        assert client.get(path).status_code == 404, path


def test_unprefixed_areas_keep_the_language_from_cookie_or_browser(alpha):
    _languages(alpha, ("en", "de"), "en")
    response = store_client(alpha).get("/accounts/login/", headers={"Accept-Language": "de"})
    assert response["Content-Language"] == "de"
    assert "Accept-Language" in response.get("Vary", "")


def test_a_storefront_page_in_a_language_remembers_it_for_the_account_pages(alpha):
    _languages(alpha, ("en", "de"), "en")
    client = store_client(alpha)
    assert settings.LANGUAGE_COOKIE_NAME not in client.get("/").cookies  # first visit, default: nothing set
    response = client.get("/de/")
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "de"
    assert client.get("/accounts/login/")["Content-Language"] == "de"


def test_the_switcher_lists_only_enabled_languages_and_keeps_the_current_page(alpha):
    _languages(alpha, ("en", "es"), "en")
    html = store_client(alpha).get("/es/?utm=1").content.decode()
    assert _switcher(html) == [("/?utm=1", "en"), ("/es/?utm=1", "es")]
    assert 'aria-current="true">Español' in html
    assert 'hreflang="de"' not in html


def test_the_switcher_follows_the_page_in_every_language(alpha):
    _languages(alpha, ("en", "de", "es"), "de")
    html = store_client(alpha).get("/es/").content.decode()
    assert _switcher(html) == [("/en/", "en"), ("/", "de"), ("/es/", "es")]


def test_reverse_outside_a_request_uses_the_platform_default(alpha):
    with translation.override("de"):
        assert reverse("storefront:home") == "/de/"
    with translation.override("en"):
        assert reverse("storefront:home") == "/"


def test_a_staff_member_still_reaches_the_dashboard_in_a_german_default_store(alpha):
    _languages(alpha, ("en", "de"), "de")
    user = make_store_user(alpha, "staff@example.com", role="owner")
    client = store_client(alpha)
    with schema_context(alpha.tenant.schema_name):
        client.force_login(user)
    response = client.get("/dashboard/")
    assert response.status_code == 200


def test_unprefixed_pages_switch_language_through_the_cookie_and_carry_no_hreflang(alpha):
    _languages(alpha, ("en", "de"), "en")
    client = store_client(alpha)
    html = client.get("/accounts/login/").content.decode()
    if "sf-language-switcher" in html:  # the account pages use the storefront's layout
        assert 'action="/i18n/setlang/"' in html and 'name="language" value="de"' in html
    assert 'hreflang="' not in html
    response = client.post("/i18n/setlang/", {"language": "de", "next": "/accounts/login/"})
    assert response.status_code == 302
    assert client.get("/accounts/login/")["Content-Language"] == "de"


def test_unreadable_store_languages_fall_back_to_the_platform_language(alpha):
    with mock.patch("apps.storefront.i18n.store_settings_get", side_effect=DatabaseError("down")):
        response = store_client(alpha).get("/")
    assert response.status_code == 200 and response["Content-Language"] == settings.LANGUAGE_CODE


def test_home_page_blocks_read_in_the_shoppers_language_with_the_default_as_fallback(alpha):
    # given a store in English, German and Spanish whose hero has German text only
    _languages(alpha, ("en", "de", "es"), "en")
    hero = {
        "id": "hero",
        "type": "hero_banner",
        "data": {
            "heading": "Summer sale",
            "subheading": "Everything must go",
            "button_label": "Shop",
            "button_url": "/collections/all/",
        },
        "translations": {"de": {"heading": "Sommerschlussverkauf", "button_label": "Zum Shop"}},
    }
    with schema_context(alpha.tenant.schema_name):
        store_theme_save(data=StoreThemeInput(preset="frosted", tokens={}, blocks=[hero]))
    cache.clear()
    client = store_client(alpha)

    # then German shoppers read the German text, and the untranslated subheading in English
    german = client.get("/de/").content.decode()
    assert "Sommerschlussverkauf" in german and "Zum Shop" in german and "Everything must go" in german
    assert "Summer sale" not in german
    # and English and Spanish shoppers read the default text
    for path in ("/", "/es/"):
        page = client.get(path).content.decode()
        assert "Summer sale" in page and "Sommerschlussverkauf" not in page


def test_product_cards_link_to_the_product_in_the_listings_language(alpha):
    from apps.catalog.tests.factories import make_product

    _languages(alpha, ("en", "de"), "en")
    with schema_context(alpha.tenant.schema_name):
        make_product("Linen Shirt")
    client = store_client(alpha)

    german = client.get("/de/collections/all/").content.decode()
    english = client.get("/collections/all/").content.decode()

    assert 'href="/de/products/linen-shirt/"' in german
    assert 'href="/products/linen-shirt/"' in english and "/de/products/" not in english
