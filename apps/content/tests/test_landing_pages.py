"""Landing pages: made in the store's /cms/ block by block (the storefront's thirteen block types
as Wagtail forms, not JSON), held to the theme's block schemas with each refusal next to its
setting, rendered with the home page's block templates; a block gone bad since is skipped and
logged; the JSON pages made before are carried over by the migration, both ways; a store's
landing pages and collection choices stay its own."""

from __future__ import annotations

import json
import logging
import uuid
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django_tenants.utils import schema_context
from wagtail.test.utils.form_data import nested_form_data, rich_text, streamfield

from apps.catalog.models import Collection, CollectionProduct
from apps.catalog.tests.factories import make_product
from apps.content.landing_blocks import blocks_stream, collection_choices
from apps.content.models import LandingPage, StoreHomePage
from apps.content.tests.support import image_create, signed_in
from tests.fixtures import migration_step, store_client

pytestmark = pytest.mark.django_db

MIGRATION = ("content", "0003_landing_page_body")


def _list(entries: list[dict[str, Any]]) -> dict[str, Any]:
    """What the editor posts for a ListBlock's entries."""
    data: dict[str, Any] = {
        str(index): {"value": value, "deleted": "", "order": str(index), "id": ""}
        for index, value in enumerate(entries)
    }
    data["count"] = str(len(entries))
    return data


HERO = {
    "heading": "Winter sale",
    "subheading": "Everything warm, 20 % off",
    "button_label": "Shop now",
    "button_url": "/collections/winter/",
    "image_url": "",
    "image_alt": "",
    "align": "left",
}


def _form(title: str, slug: str, body: list[tuple[str, Any]]) -> dict[str, Any]:
    return nested_form_data(
        {
            "title": title,
            "slug": slug,
            "body": streamfield(body),
            "seo_title": "",
            "search_description": "",
            "go_live_at": "",
            "expire_at": "",
            "comments": {
                "TOTAL_FORMS": "0",
                "INITIAL_FORMS": "0",
                "MIN_NUM_FORMS": "0",
                "MAX_NUM_FORMS": "1000",
            },
        }
    )


def _add(client: Client, world, data: dict[str, Any]):  # type: ignore[no-untyped-def]
    with schema_context(world.tenant.schema_name):
        home = StoreHomePage.objects.get()
    return client.post(
        f"/cms/pages/add/content/landingpage/{home.pk}/", {**data, "action-publish": "action-publish"}
    )


def _slug() -> str:
    return f"sale-{uuid.uuid4().hex[:6]}"


def _winter_collection(world) -> None:  # type: ignore[no-untyped-def]
    with schema_context(world.tenant.schema_name):
        coat = make_product("Wool Coat", price="120.00")
        make_product("Sun Hat", price="15.00")
        winter = Collection.objects.create(title="Winter", handle="winter")
        CollectionProduct.objects.create(collection=winter, product=coat, position=0)


def _published(world, slug: str, stored: list[dict[str, Any]]) -> LandingPage:  # type: ignore[no-untyped-def]
    """A live landing page written from code, its blocks given in the stored form."""
    with schema_context(world.tenant.schema_name):
        home = StoreHomePage.objects.get()
        page = home.add_child(instance=LandingPage(title=slug, slug=slug, body=blocks_stream(stored)))
        page.save_revision().publish()
    return page  # type: ignore[no-any-return]


def _page(world, slug: str) -> LandingPage:  # type: ignore[no-untyped-def]
    with schema_context(world.tenant.schema_name):
        return LandingPage.objects.get(slug=slug)


# ------------------------------------------------------------------------------
# made with the editor, shown with the home page's templates
# ------------------------------------------------------------------------------
def test_a_merchant_builds_a_landing_page_from_blocks_and_shoppers_see_it(alpha):
    _winter_collection(alpha)
    client, _user = signed_in(alpha, "owner")

    # the editor offers the thirteen block types, the store's collections among the choices
    with schema_context(alpha.tenant.schema_name):
        home = StoreHomePage.objects.get()
    form_page = client.get(f"/cms/pages/add/content/landingpage/{home.pk}/").content.decode()
    for label in ("Hero banner", "Featured products", "Countdown timer", "Trust badges", "Spacer"):
        assert label in form_page
    assert "Winter" in form_page and "winter" in form_page

    slug = _slug()
    body = [
        ("hero_banner", HERO),
        ("featured_products", {"heading": "Warm picks", "collection": "winter", "limit": "4"}),
        (
            "testimonials",
            {
                "heading": "Said about us",
                "items": _list(
                    [
                        {"quote": "So warm!", "author": "Ana", "role": "Oslo"},
                        {"quote": "Fast delivery", "author": "Bo", "role": ""},
                    ]
                ),
            },
        ),
        (
            "custom_text",
            {
                "heading": "Our promise",
                "html": rich_text('<p>Hand made <a href="https://example.com/about">in Lisbon</a>.</p>'),
                "align": "center",
            },
        ),
        (
            "countdown_timer",
            {
                "heading": "Ends soon",
                "ends_at": "2030-12-24 18:00",
                "text": "",
                "ended_text": "It is over",
                "button_label": "",
                "button_url": "",
            },
        ),
        ("spacer", {"size": "large"}),
    ]
    response = _add(client, alpha, _form("Winter sale", slug, body))
    assert response.status_code == 302, response.content.decode()[:3000]

    page = _page(alpha, slug)
    assert page.live
    stored = page.stored_blocks()
    assert [block["type"] for block in stored] == [
        "hero_banner",
        "featured_products",
        "testimonials",
        "custom_text",
        "countdown_timer",
        "spacer",
    ]
    assert stored[1]["data"]["collection"] == "winter" and stored[1]["data"]["limit"] == 4
    assert [entry["author"] for entry in stored[2]["data"]["items"]] == ["Ana", "Bo"]
    assert stored[4]["data"]["ends_at"].startswith("2030-12-24")

    html = store_client(alpha).get(f"/{slug}/").content.decode()
    assert "Winter sale" in html and "Everything warm, 20 % off" in html
    assert 'href="/collections/winter/"' in html
    assert "Warm picks" in html and "Wool Coat" in html and "Sun Hat" not in html  # the collection's only
    assert "So warm!" in html and "Fast delivery" in html
    assert 'href="https://example.com/about"' in html and "in Lisbon" in html
    assert "Ends soon" in html
    for block in stored[:-1]:  # every block but the spacer, a bare gap, is an anchor
        assert f'id="block-{block["id"]}"' in html
    assert "sf-spacer-large" in html


def test_a_page_written_from_code_in_the_stored_form_renders_the_same(alpha):
    _published(
        alpha,
        "code-made",
        [
            {"id": "hero", "type": "hero_banner", "data": {"heading": "From code"}},
            {"id": "gone", "type": "no_such_block", "data": {}},
            {"id": "nl", "type": "newsletter", "data": {"heading": "Join us"}},
        ],
    )
    html = store_client(alpha).get("/code-made/").content.decode()
    assert 'id="block-hero"' in html and "From code" in html
    assert 'id="block-nl"' in html and 'action="/newsletter/"' in html


def test_a_picture_is_chosen_from_the_store_library_or_its_absence_named(alpha):
    with schema_context(alpha.tenant.schema_name):
        picture = image_create("Snowy shop front")
    client, _user = signed_in(alpha, "owner")
    slug = _slug()
    body = [
        ("hero_banner", {**HERO, "image_url_chosen": str(picture.pk), "image_alt": "Our shop in the snow"}),
        (
            "image_banner",
            {"image_url": "", "image_url_chosen": str(picture.pk), "alt": "Again", "height": "small"},
        ),
    ]
    assert _add(client, alpha, _form("Pictures", slug, body)).status_code == 302

    stored = _page(alpha, slug).stored_blocks()
    with schema_context(alpha.tenant.schema_name):
        rendition = picture.get_rendition("max-2400x2400|format-webp").url
    assert stored[0]["data"]["image_url"] == rendition == stored[1]["data"]["image_url"]
    html = store_client(alpha).get(f"/{slug}/").content.decode()
    assert f'src="{rendition}"' in html and 'alt="Our shop in the snow"' in html

    # an image banner needs a picture: an address or one from the library
    response = _add(
        client, alpha, _form("No picture", _slug(), [("image_banner", {"image_url": "", "alt": "x"})])
    )
    assert response.status_code == 200
    assert _setting_errors(_body_errors(response), 0, "image_url") == ["This field is required."]


# ------------------------------------------------------------------------------
# bad input: next to its setting, nothing saved
# ------------------------------------------------------------------------------
def _body_errors(response) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """The StreamField's errors as the editor places them (block, setting, entry), read from
    the form: the page carries them as JSON for the editor's script."""
    (error,) = response.context["form"].errors.as_data()["body"]
    return error.as_json_data()  # type: ignore[no-any-return]


def _setting_errors(errors: dict[str, Any], *path: Any) -> list[str]:
    for step in path:
        errors = errors["blockErrors"][step]
    return [str(message) for message in errors] if isinstance(errors, list) else list(errors["messages"])


@pytest.mark.parametrize(
    ("body", "path", "message"),
    [
        # Wagtail's own checks
        ([("hero_banner", {**HERO, "heading": ""})], (0, "heading"), "This field is required."),
        (
            [("hero_banner", {**HERO, "heading": "x" * 121})],
            (0, "heading"),
            "Ensure this value has at most 120 characters (it has 121).",
        ),
        # the schema's
        (
            [("hero_banner", {**HERO, "button_url": "javascript:alert(1)"})],
            (0, "button_url"),
            "Enter an address starting with https://, a path starting with “/” or an anchor “#…”.",
        ),
        (
            [("hero_banner", {**HERO, "image_url": "#top"})],
            (0, "image_url"),
            "Enter a picture's address starting with https:// or a path starting with “/”.",
        ),
        (
            [
                (
                    "video_banner",
                    {"video_url": "https://youtu.be/x", "poster_url": "/p.jpg", "heading": "", "caption": ""},
                )
            ],
            (0, "video_url"),
            "Link a video file ending in .mp4, .webm, .ogv, .ogg (no embedded players).",
        ),
        (
            [("testimonials", {"heading": "", "items": _list([{"quote": "", "author": "Ana", "role": ""}])})],
            (0, "items", 0, "quote"),
            "This field is required.",
        ),
        (
            [("featured_products", {"heading": "", "collection": "no-such-collection", "limit": "4"})],
            (0, "collection"),
            "Select a valid choice. no-such-collection is not one of the available choices.",
        ),
        (
            [("featured_products", {"heading": "", "collection": "", "limit": "99"})],
            (0, "limit"),
            "Ensure this value is less than or equal to 24.",
        ),
    ],
)
def test_a_bad_setting_is_named_next_to_it_and_nothing_is_saved(alpha, body, path, message):
    client, _user = signed_in(alpha, "owner")
    slug = _slug()
    response = _add(client, alpha, _form("Bad", slug, body))
    assert response.status_code == 200
    assert _setting_errors(_body_errors(response), *path) == [message]
    with schema_context(alpha.tenant.schema_name):
        assert not LandingPage.objects.filter(slug=slug).exists()


def test_script_in_a_blocks_text_is_escaped_and_in_its_rich_text_removed(alpha):
    client, _user = signed_in(alpha, "owner")
    slug = _slug()
    body = [
        ("hero_banner", {**HERO, "heading": "<script>alert(1)</script>Sale"}),
        (
            "custom_text",
            {
                "heading": "",
                "html": rich_text('<p onclick="x()">Hi<script>alert(2)</script></p>'),
                "align": "left",
            },
        ),
    ]
    assert _add(client, alpha, _form("Escaped", slug, body)).status_code == 302
    html = store_client(alpha).get(f"/{slug}/").content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;Sale" in html
    assert "<script>alert" not in html and "onclick" not in html


def test_a_block_gone_bad_since_is_skipped_and_logged_and_the_others_shown(alpha, caplog):
    _published(
        alpha,
        "gone-bad",
        [
            # as an older release let it be stored, or a schema tightened since
            {"id": "bad", "type": "hero_banner", "data": {"heading": "Bad", "button_url": "javascript:x"}},
            {"id": "good", "type": "newsletter", "data": {"heading": "Still here"}},
        ],
    )
    with caplog.at_level(logging.WARNING, logger="apps.storefront.templatetags.content_tags"):
        response = store_client(alpha).get("/gone-bad/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Still here" in html and 'id="block-bad"' not in html and "javascript:" not in html
    assert "block skipped" in caplog.text and "button_url" in caplog.text


# ------------------------------------------------------------------------------
# the migration from the JSON field
# ------------------------------------------------------------------------------
def test_the_migration_carries_json_blocks_into_the_body_and_back(alpha):
    schema = alpha.tenant.schema_name
    stored = [
        {"id": "hero", "type": "hero_banner", "data": {"heading": "Carried over", "align": "left"}},
        {"id": "say", "type": "testimonials", "data": {"items": [{"quote": "Lovely", "author": "Ana"}]}},
    ]
    page = _published(alpha, "old-json", stored)
    before = _page(alpha, "old-json").stored_blocks()

    # undone: the JSON column holds the stored blocks
    migration_step(schema, MIGRATION, undo=True)
    with schema_context(schema), connection.cursor() as cursor:
        cursor.execute("SELECT blocks FROM content_landingpage WHERE page_ptr_id = %s", [page.pk])
        json_blocks = json.loads(cursor.fetchone()[0])  # Django reads jsonb as text
    assert [block["id"] for block in json_blocks] == ["hero", "say"]
    assert json_blocks[0]["data"]["heading"] == "Carried over"
    assert "image_url_chosen" not in json_blocks[0]["data"]  # the library chooser is the body's only
    assert json_blocks[1]["data"]["items"][0]["quote"] == "Lovely"

    # applied again: the same body, and the page renders it
    migration_step(schema, MIGRATION, undo=False)
    assert _page(alpha, "old-json").stored_blocks() == before
    html = store_client(alpha).get("/old-json/").content.decode()
    assert "Carried over" in html and "Lovely" in html


# ------------------------------------------------------------------------------
# one store's pages and collections only
# ------------------------------------------------------------------------------
def test_a_stores_landing_page_and_collections_stay_its_own(alpha, beta):
    _winter_collection(alpha)
    client, _user = signed_in(alpha, "owner")
    slug = _slug()
    assert _add(client, alpha, _form("Alpha sale", slug, [("hero_banner", HERO)])).status_code == 302

    assert store_client(alpha).get(f"/{slug}/").status_code == 200
    beta_response = store_client(beta).get(f"/{slug}/")
    assert beta_response.status_code == 404 and "Winter sale" not in beta_response.content.decode()
    with schema_context(beta.tenant.schema_name):
        assert ("winter", "Winter") not in collection_choices()
    with schema_context(alpha.tenant.schema_name):
        assert ("winter", "Winter") in collection_choices()

    # and beta's editor refuses alpha's collection
    beta_client, _user = signed_in(beta, "owner")
    response = _add(
        beta_client,
        beta,
        _form(
            "Beta", _slug(), [("featured_products", {"heading": "", "collection": "winter", "limit": "4"})]
        ),
    )
    assert response.status_code == 200
    assert _setting_errors(_body_errors(response), 0, "collection") == [
        "Select a valid choice. winter is not one of the available choices."
    ]


def test_the_schemas_refusals_of_entries_land_in_their_entry():
    # Wagtail's own checks catch what an entry's settings can get wrong today; a rule only the
    # schema has (or gains) is placed the same way: in its entry, next to its setting.
    from apps.content.landing_blocks import _validation_error
    from apps.stores.errors import ThemeError, ThemeErrorCode

    error = _validation_error(
        [
            ThemeError("x", code=ThemeErrorCode.TOO_LONG, field="data.items[1].quote", params={"limit": 500}),
            ThemeError("y", code=ThemeErrorCode.TOO_FEW_ITEMS, field="data.items", params={"limit": 1}),
            ThemeError("z", code=ThemeErrorCode.REQUIRED, field="data.heading", params={}),
        ]
    ).as_json_data()
    items = error["blockErrors"]["items"]
    assert _setting_errors(error, "items", 1, "quote") == ["At most 500 characters."]
    assert list(items["blockErrors"]) == [1]
    assert items["messages"] == ["Fill in at least 1 entry."]
    assert _setting_errors(error, "heading") == ["This field is required."]
