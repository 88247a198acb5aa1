"""The theme editor: the preset, its tokens and the home page's blocks are changed in the draft,
published or discarded; bad input answers 400 with the message next to its field and changes
nothing; finance reads, staff is refused; one store cannot change another's theme."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django_tenants.utils import schema_context, tenant_context
from PIL import Image as PILImage
from wagtail.images import get_image_model

from apps.audit.models import AuditEntry
from apps.core.permissions import Perm, view_permission
from apps.stores.dashboard import theme as views
from apps.stores.errors import ThemeError, ThemeErrorCode, ThemeInvalid
from apps.stores.models import STORE_THEME_PK, StoreTheme
from apps.stores.theme_selectors import store_theme_draft_get, store_theme_get
from apps.stores.theme_services import StoreThemeInput, store_theme_save
from tests.fixtures import StoreWorld, make_store_user, store_client

pytestmark = pytest.mark.django_db

URL = "/dashboard/store/theme/"
NEW = "/dashboard/store/theme/blocks/new/"


def _client(world: StoreWorld, role: str = "owner") -> Client:
    user = make_store_user(world, f"{role}-theme@example.com", role=role)
    client = store_client(world)
    with schema_context(world.tenant.schema_name):
        client.force_login(user)
    return client


def _row(world: StoreWorld) -> StoreTheme:
    with tenant_context(world.tenant):
        store_theme_get()  # created with the default home page on first read
        return StoreTheme.objects.get(pk=STORE_THEME_PK)


def _snapshot(world: StoreWorld) -> tuple[Any, ...]:
    row = _row(world)
    return (row.preset, row.tokens, row.blocks, row.draft, row.published_at)


def _tokens_post(world: StoreWorld, **changes: Any) -> dict[str, Any]:
    """The tokens form as the page submits it (every token, unchanged but for `changes`)."""
    with tenant_context(world.tenant):
        tokens = store_theme_draft_get().tokens.as_overrides()
    data: dict[str, Any] = {"action": "tokens"}
    for name, value in tokens.items():
        data[name] = value
        if name in tokens and isinstance(value, str) and value.startswith("#"):
            data[f"{name}_picker"] = value
            data[f"{name}_shown"] = value
    data.update(changes)
    return data


def _draft(world: StoreWorld) -> dict[str, Any]:
    draft = _row(world).draft
    assert isinstance(draft, dict)
    return draft


def _draft_blocks(world: StoreWorld) -> list[dict[str, Any]]:
    row = _row(world)
    return (row.draft or {}).get("blocks", row.blocks)


# ------------------------------------------------------------------------------
# declarations and roles
# ------------------------------------------------------------------------------
def test_the_pages_declare_theme_view_and_theme_edit():
    editor = view_permission(views.theme_editor)
    assert editor is not None and (editor.read, editor.write) == (Perm.THEME_VIEW, Perm.THEME_EDIT)
    for view in (views.theme_block_new, views.theme_block_remove, views.theme_discard):
        declared = view_permission(view)
        assert declared is not None and (declared.read, declared.write) == (Perm.THEME_EDIT, Perm.THEME_EDIT)


@pytest.mark.parametrize("role", ["owner", "admin"])
def test_owners_and_admins_see_every_control(alpha, role):
    page = _client(alpha, role).get(URL)
    assert page.status_code == 200
    assert 'id="theme-preview"' in page.text and "?theme_preview=" in page.text
    assert 'value="publish"' in page.text and 'id="theme-add"' in page.text
    for key in ("frosted", "midnight", "terracotta"):
        assert f'id="preset-{key}"' in page.text
    assert page.text.count('type="color"') == 11


def test_finance_reads_the_editor_without_controls_and_cannot_change_it(alpha):
    client = _client(alpha, "finance")
    before = _snapshot(alpha)
    page = client.get(URL)
    assert page.status_code == 200 and 'id="theme-preview"' in page.text
    assert 'value="publish"' not in page.text and 'id="theme-add"' not in page.text
    assert "Save draft" not in page.text and 'name="action"' not in page.text
    assert client.post(URL, _tokens_post(alpha, primary="#000000")).status_code == 403
    assert client.get(NEW + "?type=spacer").status_code == 403
    assert client.get(URL + "blocks/hero/").status_code == 200  # settings, read-only
    assert client.post(URL + "blocks/hero/remove/").status_code == 403
    assert client.post(URL + "discard/").status_code == 403
    assert _snapshot(alpha) == before


def test_staff_is_refused(alpha):
    client = _client(alpha, "staff")
    assert client.get(URL).status_code == 403
    assert client.post(URL, {"action": "publish"}).status_code == 403


# ------------------------------------------------------------------------------
# preset and tokens
# ------------------------------------------------------------------------------
def test_a_preset_is_saved_to_the_draft_and_shoppers_keep_the_published_one(alpha):
    client = _client(alpha)
    response = client.post(URL, {"action": "preset", "preset": "midnight"})
    assert response.status_code == 302
    assert _draft(alpha)["preset"] == "midnight" and _row(alpha).preset == "frosted"
    with tenant_context(alpha.tenant):
        assert store_theme_get().preset == "frosted"
        assert store_theme_draft_get().preset == "midnight"


def test_tokens_are_saved_to_the_draft(alpha):
    client = _client(alpha)
    response = client.post(
        URL, _tokens_post(alpha, primary="#0b4f8a", heading_font="lora", radius="4", button_style="pill")
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    draft = _draft(alpha)
    assert draft["tokens"] == {
        "primary": "#0b4f8a",
        "heading_font": "lora",
        "radius": 4,
        "button_style": "pill",
    }


def test_the_colour_picker_counts_when_the_text_was_left_alone(alpha):
    # Without script, the text box and the picker are not kept in step: the one changed wins.
    client = _client(alpha)
    data = _tokens_post(alpha)
    data["primary_picker"] = "#0b4f8a"
    assert client.post(URL, data).status_code == 302
    assert _draft(alpha)["tokens"] == {"primary": "#0b4f8a"}


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"primary": "red"}, "primary", "Enter a colour written #rrggbb"),
        ({"primary": "#12345"}, "primary", "Enter a colour written #rrggbb"),
        ({"heading_font": "comic-sans"}, "heading_font", "is not one of the fonts the store serves"),
        ({"radius": "99"}, "radius", "less than or equal to 32"),
        ({"text": "#f4f7fb"}, "text", "contrast"),
    ],
)
def test_a_bad_token_is_shown_next_to_its_field_and_saves_nothing(alpha, changes, field, message):
    client = _client(alpha)
    before = _snapshot(alpha)
    response = client.post(URL, _tokens_post(alpha, **changes))
    assert response.status_code == 400
    text = response.content.decode()
    block = text[text.index(f'id="token-{field}"') :][:2000]
    assert "has-error" in text[text.index(f'id="token-{field}"') - 60 :][:80]
    assert message in block
    assert _snapshot(alpha) == before


def test_an_unknown_preset_is_refused(alpha):
    client = _client(alpha)
    before = _snapshot(alpha)
    response = client.post(URL, {"action": "preset", "preset": "vaporwave"})
    assert response.status_code == 400
    assert "is not one of the eleven presets" in response.content.decode()
    assert _snapshot(alpha) == before


def test_an_unknown_action_is_refused(alpha):
    before = _snapshot(alpha)
    response = _client(alpha).post(URL, {"action": "explode"})
    assert response.status_code == 400 and "Unknown action" in response.content.decode()
    assert _snapshot(alpha) == before


# ------------------------------------------------------------------------------
# blocks
# ------------------------------------------------------------------------------
def test_a_block_is_added_with_its_settings(alpha):
    client = _client(alpha)
    form = client.get(NEW + "?type=hero_banner")
    assert form.status_code == 200 and 'name="heading"' in form.text
    # the page itself carries the kind of block, as the browser posts it
    assert '<input type="hidden" name="type" value="hero_banner">' in form.text
    assert "New block: Hero banner" in form.text
    response = client.post(
        NEW,
        {
            "type": "hero_banner",
            "heading": "Winter sale",
            "button_url": "/collections/winter/",
            "align": "left",
        },
    )
    assert response.status_code == 302
    blocks = _draft_blocks(alpha)
    assert blocks[-1]["type"] == "hero_banner" and blocks[-1]["data"]["heading"] == "Winter sale"
    assert blocks[-1]["data"]["align"] == "left"
    assert _row(alpha).blocks == _row(alpha).blocks  # published untouched
    assert len(_row(alpha).blocks) == 5


def test_a_block_with_a_list_is_added_from_its_entry_rows(alpha):
    client = _client(alpha)
    page = client.get(NEW + "?type=testimonials")
    assert 'name="items-0-quote"' in page.text
    response = client.post(
        NEW,
        {
            "type": "testimonials",
            "heading": "Kind words",
            "items-rows": "1",
            "items-0-quote": "Lovely shirts.",
            "items-0-author": "Ana",
        },
    )
    assert response.status_code == 302
    block = _draft_blocks(alpha)[-1]
    assert block["data"]["items"] == [{"quote": "Lovely shirts.", "author": "Ana", "role": ""}]


def test_a_block_with_invalid_settings_is_refused_next_to_the_field(alpha):
    client = _client(alpha)
    before = _snapshot(alpha)
    response = client.post(NEW, {"type": "hero_banner", "heading": "", "button_url": "javascript:alert(1)"})
    assert response.status_code == 400
    text = response.content.decode()
    assert "This field is required." in text and "Enter an address starting with https://" in text
    assert _snapshot(alpha) == before


def test_an_entry_of_a_list_is_refused_next_to_its_field(alpha):
    client = _client(alpha)
    before = _snapshot(alpha)
    response = client.post(
        NEW,
        {
            "type": "reviews",
            "items-rows": "2",
            "items-0-author": "Ana",
            "items-0-text": "Great.",
            "items-0-rating": "5",
            "items-1-author": "Ben",
            "items-1-text": "",
            "items-1-rating": "9",
        },
    )
    assert response.status_code == 400
    text = response.content.decode()
    field = text[text.index('name="items-1-rating"') :][:800]
    assert "Enter a number from 1 to 5." in field
    assert _snapshot(alpha) == before


def test_an_unknown_block_type_is_refused(alpha):
    client = _client(alpha)
    before = _snapshot(alpha)
    for response in (
        client.get(NEW + "?type=marquee"),
        client.post(NEW, {"type": "marquee", "heading": "x"}),
    ):
        assert response.status_code == 400
        assert "Pick one of the block types offered" in response.content.decode()
    assert _snapshot(alpha) == before


def test_a_block_is_edited(alpha):
    client = _client(alpha)
    page = client.get(URL + "blocks/featured/")
    assert page.status_code == 200 and 'value="8"' in page.text
    response = client.post(URL + "blocks/featured/", {"heading": "Fresh in", "collection": "", "limit": "4"})
    assert response.status_code == 302
    featured = next(block for block in _draft_blocks(alpha) if block["id"] == "featured")
    assert featured["data"] == {"heading": "Fresh in", "collection": "", "limit": 4}


def test_an_edit_with_an_out_of_range_number_is_refused(alpha):
    client = _client(alpha)
    before = _snapshot(alpha)
    response = client.post(URL + "blocks/featured/", {"heading": "Fresh in", "limit": "500"})
    assert response.status_code == 400
    assert "Enter a number from 1 to 24." in response.content.decode()
    assert _snapshot(alpha) == before


def test_a_countdown_end_is_read_in_the_store_time_zone(alpha):
    from apps.stores.tests.factories import settings_change

    with tenant_context(alpha.tenant):
        settings_change(timezone="Europe/Berlin")
    client = _client(alpha)
    response = client.post(
        NEW, {"type": "countdown_timer", "heading": "Sale ends", "ends_at": "2030-12-24T18:00"}
    )
    assert response.status_code == 302
    block = _draft_blocks(alpha)[-1]
    assert block["data"]["ends_at"] == "2030-12-24T17:00:00+00:00"
    page = client.get(URL + f"blocks/{block['id']}/")
    assert 'value="2030-12-24T18:00"' in page.text


def test_blocks_move_up_and_down(alpha):
    client = _client(alpha)
    assert client.post(URL, {"action": "move", "block": "newsletter", "to": "0"}).status_code == 302
    assert [block["id"] for block in _draft_blocks(alpha)] == [
        "newsletter",
        "hero",
        "featured",
        "categories",
        "trust",
    ]
    assert client.post(URL, {"action": "move", "block": "hero", "to": "2"}).status_code == 302
    assert [block["id"] for block in _draft_blocks(alpha)] == [
        "newsletter",
        "featured",
        "hero",
        "categories",
        "trust",
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"block": "hero", "to": "-1"}, "A block can move to positions 1 to 5."),
        ({"block": "hero", "to": "5"}, "A block can move to positions 1 to 5."),
        ({"block": "hero", "to": "up"}, "A block can move to positions 1 to 5."),
        ({"block": "nope", "to": "0"}, "That block is not on the page any more."),
    ],
)
def test_a_move_out_of_range_is_refused(alpha, data, message):
    client = _client(alpha)
    before = _snapshot(alpha)
    response = client.post(URL, {"action": "move", **data})
    assert response.status_code == 400 and message in response.content.decode()
    assert _snapshot(alpha) == before


def test_a_block_is_removed_after_a_confirmation(alpha):
    client = _client(alpha)
    confirm = client.get(URL + "blocks/trust/remove/")
    assert confirm.status_code == 200 and "Remove block" in confirm.text
    assert len(_draft_blocks(alpha)) == 5  # asking removed nothing
    assert client.post(URL + "blocks/trust/remove/").status_code == 302
    assert [block["id"] for block in _draft_blocks(alpha)] == ["hero", "featured", "categories", "newsletter"]
    assert client.get(URL + "blocks/trust/remove/").status_code == 404


# ------------------------------------------------------------------------------
# publish and discard
# ------------------------------------------------------------------------------
def test_publish_makes_the_draft_what_shoppers_see(alpha):
    client = _client(alpha)
    client.post(URL, {"action": "preset", "preset": "luxe"})
    with tenant_context(alpha.tenant):
        assert store_theme_get().preset == "frosted"  # cached as published
    assert client.post(URL, {"action": "publish"}).status_code == 302
    row = _row(alpha)
    assert row.preset == "luxe" and row.draft is None and row.published_at is not None
    with tenant_context(alpha.tenant):
        assert store_theme_get().preset == "luxe"


def test_publish_without_a_draft_changes_nothing(alpha):
    before = _snapshot(alpha)
    assert _client(alpha).post(URL, {"action": "publish"}).status_code == 302
    assert _snapshot(alpha) == before


def test_discard_asks_first_then_forgets_the_draft(alpha):
    client = _client(alpha)
    client.post(URL, {"action": "preset", "preset": "neon"})
    page = client.get(URL + "discard/")
    assert page.status_code == 200 and 'id="theme-discard-form"' in page.text
    assert _row(alpha).draft is not None
    assert client.post(URL + "discard/").status_code == 302
    row = _row(alpha)
    assert row.draft is None and row.preset == "frosted"


# ------------------------------------------------------------------------------
# tenant isolation
# ------------------------------------------------------------------------------
def test_beta_cannot_change_alpha_theme(alpha, beta):
    before = _snapshot(alpha)
    beta_owner = _client(beta)
    beta_owner.post(URL, {"action": "preset", "preset": "neon"})
    beta_owner.post(URL, {"action": "move", "block": "hero", "to": "1"})
    beta_owner.post(URL, {"action": "publish"})
    assert _snapshot(alpha) == before
    assert _row(beta).preset == "neon"
    # alpha's staff session cookie means nothing on beta's host
    alpha_owner = _client(alpha)
    foreign = store_client(beta)
    foreign.cookies = alpha_owner.cookies
    response = foreign.post(URL, {"action": "preset", "preset": "luxe"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert _row(beta).preset == "neon" and _snapshot(alpha) == before
    cache.clear()


# ------------------------------------------------------------------------------
# block texts per language
# ------------------------------------------------------------------------------
def test_block_texts_are_translated_into_the_store_other_languages(alpha):
    from apps.stores.tests.factories import settings_change

    with tenant_context(alpha.tenant):
        settings_change(languages=["en", "de"], default_language="en")
    client = _client(alpha)
    page = client.get(URL + "blocks/hero/")
    assert 'name="tr-de-heading"' in page.text and 'name="tr-de-button_url"' not in page.text
    data = {"heading": "Welcome", "button_label": "Shop", "button_url": "/", "align": "center"}
    response = client.post(
        URL + "blocks/hero/", {**data, "tr-de-heading": "Willkommen", "tr-de-subheading": ""}
    )
    assert response.status_code == 302
    hero = next(block for block in _draft_blocks(alpha) if block["id"] == "hero")
    assert hero["data"]["heading"] == "Welcome" and hero["translations"]["de"] == {"heading": "Willkommen"}
    # a language the store does not serve (the default home's Spanish) is left as it was
    others = {language: texts for language, texts in hero["translations"].items() if language != "de"}
    assert set(others) <= {"es"}
    # kept when another action rewrites the draft
    client.post(URL, {"action": "move", "block": "hero", "to": "1"})
    hero = next(block for block in _draft_blocks(alpha) if block["id"] == "hero")
    assert hero["translations"] == {"de": {"heading": "Willkommen"}, **others}


def test_a_translation_too_long_is_refused_next_to_its_field(alpha):
    from apps.stores.tests.factories import settings_change

    with tenant_context(alpha.tenant):
        settings_change(languages=["en", "de"], default_language="en")
    client = _client(alpha)
    before = _snapshot(alpha)
    response = client.post(URL + "blocks/hero/", {"heading": "Welcome", "tr-de-heading": "x" * 121})
    assert response.status_code == 400
    text = response.content.decode()
    assert "At most 120 characters." in text[text.index('name="tr-de-heading"') :][:1200]
    assert _snapshot(alpha) == before


def test_a_store_with_one_language_is_told_how_to_translate(alpha):
    from apps.stores.tests.factories import settings_change

    with tenant_context(alpha.tenant):
        settings_change(languages=["en"], default_language="en")
    page = _client(alpha).get(URL + "blocks/hero/")
    assert 'name="tr-' not in page.text and "add another in the settings" in page.text


# ------------------------------------------------------------------------------
# queries
# ------------------------------------------------------------------------------
def _queries(client: Client, url: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_editor_reads_the_same_queries_with_5_or_40_blocks(alpha):
    client = _client(alpha)
    client.get(URL)  # warm the per-store caches (settings, routing)
    few = _queries(client, URL)
    with tenant_context(alpha.tenant):
        blocks = [{"id": f"s{index}", "type": "spacer", "data": {"size": "small"}} for index in range(40)]
        store_theme_save(data=StoreThemeInput(preset="frosted", tokens={}, blocks=blocks), publish=False)
    many = _queries(client, URL)
    print(f"\ntheme editor: {few} queries with 5 blocks, {many} with 40")
    assert few == many <= 8, (few, many)
    assert _queries(client, URL + "blocks/s39/") <= 8


# ------------------------------------------------------------------------------
# pictures uploaded with a block
# ------------------------------------------------------------------------------
def _png(name: str = "banner.png", size: tuple[int, int] = (1200, 400)) -> SimpleUploadedFile:
    out = io.BytesIO()
    PILImage.new("RGB", size, (30, 90, 160)).save(out, format="PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


def _images(world: StoreWorld) -> list[Any]:
    with schema_context(world.tenant.schema_name):
        return list(get_image_model().objects.order_by("pk"))


def test_a_picture_uploaded_with_a_block_goes_to_the_library_and_is_shown(alpha, beta):
    client = _client(alpha)
    page = client.get(NEW + "?type=hero_banner").text
    assert 'enctype="multipart/form-data"' in page and 'name="image_url-upload"' in page
    before = len(_images(alpha))

    response = client.post(
        NEW,
        {
            "type": "hero_banner",
            "heading": "Winter sale",
            "image_alt": "A snowy shop",
            "image_url-upload": _png(),
        },
    )
    assert response.status_code == 302

    # the picture is in alpha's image library, titled by its description, with a banner rendition
    images = _images(alpha)
    assert len(images) == before + 1
    image = images[-1]
    assert image.title == "A snowy shop" and (image.width, image.height) == (1200, 400)
    url = _draft_blocks(alpha)[-1]["data"]["image_url"]
    with schema_context(alpha.tenant.schema_name):
        assert url == image.get_rendition("max-2400x2400|format-webp").url
    assert url.endswith(".webp")
    # who put it there is in the audit log
    with schema_context(alpha.tenant.schema_name):
        entry = AuditEntry.objects.get(object_type="wagtailimages.image", object_id=str(image.pk))
    assert (entry.action, entry.actor_label, entry.object_repr) == (
        "created",
        "owner-theme@example.com",
        "A snowy shop",
    )
    served = store_client(alpha).get(url)
    assert served.status_code == 200 and b"".join(served.streaming_content)[:4] == b"RIFF"  # type: ignore[attr-defined]
    # and it is alpha's only: not in beta's library, not served on beta's host
    assert all(other.title != "A snowy shop" for other in _images(beta))
    assert store_client(beta).get(url).status_code == 404


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (
            SimpleUploadedFile("logo.svg", b"<svg xmlns='http://www.w3.org/2000/svg'/>", "image/svg+xml"),
            "SVG",
        ),
        (SimpleUploadedFile("photo.png", b"not a picture at all", "image/png"), "not an image"),
    ],
)
def test_a_file_that_is_not_a_picture_is_refused_next_to_it_and_nothing_is_stored(alpha, upload, message):
    client = _client(alpha)
    before, images = _snapshot(alpha), len(_images(alpha))
    response = client.post(NEW, {"type": "image_banner", "image_url-upload": upload, "alt": "Shelf"})
    assert response.status_code == 400
    text = response.content.decode()
    field = text[text.index('name="image_url-upload"') :]
    assert message.lower() in field[: field.index("</div>")].lower()
    assert _snapshot(alpha) == before and len(_images(alpha)) == images


def test_a_block_refused_for_another_setting_stores_no_picture(alpha):
    client = _client(alpha)
    before, images = _snapshot(alpha), len(_images(alpha))
    response = client.post(
        NEW, {"type": "hero_banner", "heading": "", "image_url-upload": _png(), "button_url": "javascript:x"}
    )
    assert response.status_code == 400 and "This field is required." in response.content.decode()
    assert _snapshot(alpha) == before and len(_images(alpha)) == images


def test_a_page_refused_after_its_picture_was_stored_takes_the_picture_back_out(
    alpha, monkeypatch, django_capture_on_commit_callbacks
):
    """The block passed alone and its picture was stored, but saving the whole page failed (a
    rule of the page as a whole): the picture leaves the library, its file and renditions too."""
    client = _client(alpha)
    before, images = _snapshot(alpha), len(_images(alpha))
    written: list[str] = []
    real_upload = views.image_upload

    def upload_noted(**kwargs: Any) -> Any:
        image, url = real_upload(**kwargs)
        written.append(image.file.name)
        return image, url

    def refuse(**kwargs: Any) -> None:
        raise ThemeInvalid(
            [
                ThemeError(
                    "A page holds at most 30 blocks.", code=ThemeErrorCode.TOO_MANY_BLOCKS, field="blocks"
                )
            ]
        )

    monkeypatch.setattr(views, "image_upload", upload_noted)
    monkeypatch.setattr(views, "store_theme_save", refuse)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            NEW, {"type": "image_banner", "alt": "Shelf", "image_url-upload": _png("shelf.png")}
        )
    assert response.status_code == 400 and "A page holds at most 30 blocks." in response.content.decode()
    assert _snapshot(alpha) == before and len(_images(alpha)) == images
    assert len(written) == 1
    with schema_context(alpha.tenant.schema_name):
        assert not get_image_model()._meta.get_field("file").storage.exists(written[0])
