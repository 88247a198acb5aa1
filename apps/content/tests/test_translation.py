"""A merchant translates the store's pages in /cms/: "Translate" copies a page (and its subtree),
or a menu, into another language as a draft; the content groups may edit and publish the copy;
shoppers read it on the language's addresses once it is live; another store never sees it; and
stores made before get the same rights from the migration."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from django_tenants.utils import schema_context
from wagtail.models import GroupPagePermission, Locale, Page
from wagtail.test.utils.form_data import nested_form_data, rich_text, streamfield

from apps.content.models import ContentPage, Menu, MenuItem, StoreHomePage
from apps.content.services import EDITORS_GROUP, PUBLISHERS_GROUP
from apps.content.tests.support import signed_in
from apps.storefront.templatetags.content_tags import _menus_read
from apps.stores.selectors import store_settings_get
from apps.stores.services import StoreSettingsInput, store_settings_update
from tests.fixtures import migration_step, store_client

pytestmark = pytest.mark.django_db

MIGRATION = ("content", "0004_translation_rights")


def _german(world) -> Locale:  # type: ignore[no-untyped-def]
    with schema_context(world.tenant.schema_name):
        data = StoreSettingsInput.from_settings(
            store_settings_get(), languages=("en", "de"), default_language="en"
        )
        store_settings_update(data=data)
        return Locale.objects.get(language_code="de")


def _home(world) -> StoreHomePage:  # type: ignore[no-untyped-def]
    with schema_context(world.tenant.schema_name):
        return StoreHomePage.objects.get(locale__language_code="en")


def _translate(client, page_id: int, locale: Locale, *, subtree: bool):  # type: ignore[no-untyped-def]
    data: dict[str, object] = {"locales": [str(locale.pk)]}
    if subtree:
        data["include_subtree"] = "on"
    return client.post(f"/cms/translation/submit/page/{page_id}/", data)


def _content_form(title: str, slug: str, text: str) -> dict[str, object]:
    return nested_form_data(
        {
            "title": title,
            "slug": slug,
            "intro": "",
            "body": streamfield([("paragraph", rich_text(f"<p>{text}</p>"))]),
            "seo_title": "",
            "search_description": "",
            "go_live_at": "",
            "expire_at": "",
            "action-publish": "action-publish",
        }
    )


def _home_form(title: str, slug: str) -> dict[str, object]:
    return nested_form_data(
        {
            "title": title,
            "slug": slug,
            "seo_title": "",
            "search_description": "",
            "go_live_at": "",
            "expire_at": "",
            "action-publish": "action-publish",
        }
    )


def _errors(response) -> list[str]:  # type: ignore[no-untyped-def]
    """The editor's error messages, for a failed save's assertion message."""
    return re.findall(r'class="error-message"[^>]*>\s*(?:<[^>]+>\s*)*([^<]+)', response.content.decode())


def _rights(world, page_id: int) -> set[tuple[str, str]]:  # type: ignore[no-untyped-def]
    with schema_context(world.tenant.schema_name):
        return set(
            GroupPagePermission.objects.filter(page_id=page_id).values_list(
                "group__name", "permission__codename"
            )
        )


# ------------------------------------------------------------------------------
# translating the store's pages
# ------------------------------------------------------------------------------
def test_an_admin_translates_the_pages_and_shoppers_read_them_in_german(alpha):
    german = _german(alpha)
    home = _home(alpha)
    client, _user = signed_in(alpha, "admin")

    # the page explorer offers "Translate"; its form offers German, with the subtree
    listing = client.get(f"/cms/pages/{home.pk}/")
    assert listing.status_code == 200
    assert f"/cms/translation/submit/page/{home.pk}/" in listing.content.decode()
    form = client.get(f"/cms/translation/submit/page/{home.pk}/")
    assert form.status_code == 200
    assert re.search(rf'value="{german.pk}"[^>]*>', form.content.decode())
    assert "Include subtree" in form.content.decode()

    response = _translate(client, home.pk, german, subtree=True)
    assert response.status_code == 302, response.content[:2000]

    with schema_context(alpha.tenant.schema_name):
        home_de = StoreHomePage.objects.get(locale=german)
        about_de = ContentPage.objects.get(locale=german, slug="about")
        assert response["Location"] == f"/cms/pages/{home_de.pk}/edit/"
        # copies are drafts: nothing German is shown until the merchant publishes it
        assert not home_de.live and not about_de.live
        assert {page.slug for page in home_de.get_children()} == {"blog", "about", "faq"}
    assert store_client(alpha).get("/de/about/").content.decode().count("Über uns") == 0

    # the copy is the content groups' as the first home is
    assert _rights(alpha, home_de.pk) == _rights(alpha, home.pk)
    assert {group for group, _code in _rights(alpha, home_de.pk)} == {EDITORS_GROUP, PUBLISHERS_GROUP}

    # the merchant translates and publishes the home and the about page
    published = client.post(f"/cms/pages/{home_de.pk}/edit/", _home_form("Alpha Laden", home_de.slug))
    assert published.status_code == 302, _errors(published)
    published = client.post(
        f"/cms/pages/{about_de.pk}/edit/", _content_form("Über uns", "about", "Ein kleiner Laden.")
    )
    assert published.status_code == 302, _errors(published)

    shown = store_client(alpha).get("/de/about/")
    assert shown.status_code == 200
    text = shown.content.decode()
    assert "Über uns" in text and "Ein kleiner Laden." in text
    english = store_client(alpha).get("/about/").content.decode()
    assert "About us" in english and "Über uns" not in english
    # each language names the other as its alternate
    assert re.search(
        r'hreflang="de"[^>]*href="[^"]*/de/about/"|href="[^"]*/de/about/"[^>]*hreflang="de"', english
    )


def test_a_staff_member_translates_and_edits_the_copy_but_a_shopper_or_finance_cannot(alpha):
    german = _german(alpha)
    with schema_context(alpha.tenant.schema_name):
        about = ContentPage.objects.get(locale__language_code="en", slug="about")
    staff, _user = signed_in(alpha, "staff")

    # the about page's parent (the home) is not in German yet: the form says so and refuses
    form = staff.get(f"/cms/translation/submit/page/{about.pk}/").content.decode()
    assert re.search(r"parent pages? (is|are) not translated", form)
    refused = _translate(staff, about.pk, german, subtree=False)
    assert refused.status_code == 200, refused.status_code  # the form again, not a 500
    assert "Translate the parent page into German first." in refused.content.decode()
    assert _translate(staff, _home(alpha).pk, german, subtree=False).status_code == 302
    assert _translate(staff, about.pk, german, subtree=False).status_code == 302
    with schema_context(alpha.tenant.schema_name):
        about_de = ContentPage.objects.get(locale=german, slug="about")
    assert staff.get(f"/cms/pages/{about_de.pk}/edit/").status_code == 200

    # staff save the German text as a draft; publishing stays with content.publish
    saved = staff.post(f"/cms/pages/{about_de.pk}/edit/", _content_form("Über uns", "about", "Entwurf."))
    assert saved.status_code == 302, _errors(saved)
    with schema_context(alpha.tenant.schema_name):
        about_de.refresh_from_db()
        assert not about_de.live
        assert about_de.get_latest_revision_as_object().title == "Über uns"

    for role in ("", "finance"):
        client, _user = signed_in(alpha, role)
        assert client.get(f"/cms/translation/submit/page/{about.pk}/").status_code == 403, role
        assert _translate(client, about.pk, german, subtree=False).status_code == 403, role
    with schema_context(alpha.tenant.schema_name):
        assert ContentPage.objects.filter(locale=german).count() == 1


def _pages_in_german(world):  # type: ignore[no-untyped-def]
    """German enabled and the whole page tree copied into it (drafts) by an admin: the
    German locale, the admin's client and the English header menu."""
    german = _german(world)
    client, _user = signed_in(world, "admin")
    assert _translate(client, _home(world).pk, german, subtree=True).status_code == 302
    with schema_context(world.tenant.schema_name):
        header = Menu.objects.get(handle="header", locale__language_code="en")
    return german, client, header


def test_a_translated_menu_links_the_pages_in_its_language(alpha):
    german, client, header = _pages_in_german(alpha)
    with schema_context(alpha.tenant.schema_name):
        home_de = StoreHomePage.objects.get(locale=german)
        about_de = ContentPage.objects.get(locale=german, slug="about")
    response = client.post(
        f"/cms/translation/submit/snippet/content/menu/{header.pk}/", {"locales": [str(german.pk)]}
    )
    assert response.status_code == 302, response.content[:2000]
    with schema_context(alpha.tenant.schema_name):
        header_de = Menu.objects.get(handle="header", locale=german)
        assert header_de.translation_key == header.translation_key
        assert header_de.items.count() == header.items.count()

    # only the about page is published in German: the German menus link it there, and the
    # blog and FAQ (drafts in German) where they are live, in English
    client.post(f"/cms/pages/{home_de.pk}/edit/", _home_form("Alpha Laden", home_de.slug))
    client.post(f"/cms/pages/{about_de.pk}/edit/", _content_form("Über uns", "about", "Ein Laden."))
    page = store_client(alpha).get("/de/").content.decode()
    assert 'href="/de/about/"' in page and "Über uns" in page
    assert 'href="/about/"' not in page
    assert 'href="/blog/"' in page and 'href="/de/blog/"' not in page
    english = store_client(alpha).get("/").content.decode()
    assert 'href="/about/"' in english and 'href="/de/about/"' not in english


def test_a_menus_translated_links_are_found_in_one_query_however_many(alpha):
    german, client, header = _pages_in_german(alpha)
    with schema_context(alpha.tenant.schema_name):
        for page in Page.objects.filter(locale=german):
            page.specific.save_revision().publish()
    client.post(f"/cms/translation/submit/snippet/content/menu/{header.pk}/", {"locales": [str(german.pk)]})

    def read() -> tuple[int, list[str]]:
        with (
            schema_context(alpha.tenant.schema_name),
            translation.override("de"),
            CaptureQueriesContext(connection) as queries,
        ):
            links = [link["url"] for link in _menus_read(None)["header"]]
        return len(queries), links

    read()  # the locale's id and the sites' root paths are cached from here on
    before, links = read()
    assert links and all(url.startswith("/de/") for url in links if url != "/de/"), links
    with schema_context(alpha.tenant.schema_name):
        header_de = Menu.objects.get(handle="header", locale=german)
        for n, slug in enumerate(("about", "faq", "blog")):
            english = Page.objects.get(locale__language_code="en", slug=slug)
            MenuItem.objects.create(menu=header_de, link_page=english, label=slug, sort_order=100 + n)
    after, more = read()
    assert more[-3:] == ["/de/about/", "/de/faq/", "/de/blog/"]
    assert after == before, (before, after)


def test_a_stores_translations_stay_its_own(alpha, beta):
    german = _german(alpha)
    _german(beta)
    client, _user = signed_in(alpha, "admin")
    assert _translate(client, _home(alpha).pk, german, subtree=True).status_code == 302
    with schema_context(alpha.tenant.schema_name):
        about_de = ContentPage.objects.get(locale=german, slug="about")
        home_de = StoreHomePage.objects.get(locale=german)
    client.post(f"/cms/pages/{home_de.pk}/edit/", _home_form("Alpha Laden", home_de.slug))
    client.post(f"/cms/pages/{about_de.pk}/edit/", _content_form("Über Alpha", "about", "Nur bei Alpha."))
    assert "Nur bei Alpha." in store_client(alpha).get("/de/about/").content.decode()

    with schema_context(beta.tenant.schema_name):
        assert not StoreHomePage.objects.filter(locale__language_code="de").exists()
    beta_page = store_client(beta).get("/de/about/").content.decode()
    assert "Nur bei Alpha." not in beta_page and "Über Alpha" not in beta_page
    sitemap = store_client(beta).get("/sitemap-content-1.xml")
    streamed = b"".join(sitemap.streaming_content)  # type: ignore[attr-defined]
    assert "Über Alpha" not in streamed.decode()
    # alpha's admin cannot translate beta's pages from alpha's /cms/ (beta's ids are not alpha's)
    beta_home = _home(beta)
    with schema_context(alpha.tenant.schema_name):
        taken = Page.objects.filter(pk=beta_home.pk).exists()
    if not taken:
        assert client.get(f"/cms/translation/submit/page/{beta_home.pk}/").status_code == 404


# ------------------------------------------------------------------------------
# stores made before "Translate"
# ------------------------------------------------------------------------------
def test_the_migration_gives_older_stores_the_right_to_translate_and_undoes_it(alpha):
    german = _german(alpha)
    schema = alpha.tenant.schema_name
    with schema_context(schema):
        home = StoreHomePage.objects.get(locale__language_code="en")
        home_de = home.copy_for_translation(german)
    before = _rights(alpha, home_de.pk)
    assert before == _rights(alpha, home.pk) != set()

    migration_step(schema, MIGRATION, undo=True)
    with schema_context(schema):
        for name in (EDITORS_GROUP, PUBLISHERS_GROUP):
            group = Group.objects.get(name=name)
            assert not group.permissions.filter(codename="submit_translation").exists()
    assert _rights(alpha, home_de.pk) == set()
    assert _rights(alpha, home.pk) == before  # the first home keeps its rights

    migration_step(schema, MIGRATION, undo=False)
    with schema_context(schema):
        for name in (EDITORS_GROUP, PUBLISHERS_GROUP):
            group = Group.objects.get(name=name)
            assert group.permissions.filter(codename="submit_translation").exists()
    assert _rights(alpha, home_de.pk) == before


# ------------------------------------------------------------------------------
# the store's languages
# ------------------------------------------------------------------------------
def _offered(form_html: str) -> set[str]:
    return set(re.findall(r'name="locales" value="(\d+)"', form_html))


def test_translate_offers_only_the_languages_the_store_has_enabled(alpha):
    german = _german(alpha)  # en and de enabled; es is not
    with schema_context(alpha.tenant.schema_name):
        spanish = Locale.objects.get(language_code="es")
        header = Menu.objects.get(handle="header", locale__language_code="en")
    home = _home(alpha)
    client, _user = signed_in(alpha, "admin")

    page_form = client.get(f"/cms/translation/submit/page/{home.pk}/").content.decode()
    menu_url = f"/cms/translation/submit/snippet/content/menu/{header.pk}/"
    menu_form = client.get(menu_url).content.decode()
    assert _offered(page_form) == _offered(menu_form) == {str(german.pk)}

    # Spanish by hand is not a choice: the form again, nothing copied
    refused = _translate(client, home.pk, spanish, subtree=True)
    assert refused.status_code == 200 and "not one of the available choices" in refused.content.decode()
    refused = client.post(menu_url, {"locales": [str(spanish.pk)]})
    assert refused.status_code == 200 and "not one of the available choices" in refused.content.decode()
    with schema_context(alpha.tenant.schema_name):
        assert not Page.objects.filter(locale=spanish).exists()
        assert not Menu.objects.filter(locale=spanish).exists()

    # once German exists, there is nothing left to offer, and the form says why
    assert _translate(client, home.pk, german, subtree=False).status_code == 302
    done = client.get(f"/cms/translation/submit/page/{home.pk}/").content.decode()
    assert _offered(done) == set() and 'type="submit"' not in done.split("</form>")[0].split("<form")[-1]
    assert "already in every language the store has enabled" in done
