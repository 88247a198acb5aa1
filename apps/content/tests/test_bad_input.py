"""Bad input in a store's /cms/: unsafe HTML in rich text, uploads that are not the images the
catalog would take, a slug already used, a product deleted after it was embedded in a post."""

from __future__ import annotations

import io
import uuid
import zlib
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from django_tenants.utils import schema_context
from wagtail.images.models import Image
from wagtail.models import Collection
from wagtail.test.utils.form_data import rich_text, streamfield

from apps.catalog.models import Product
from apps.catalog.services import product_delete
from apps.catalog.tests.factories import make_product
from apps.content.models import BlogIndexPage, BlogPostPage
from apps.content.tests.support import contentstate, png_bytes, post_create, post_form, signed_in
from tests.fixtures import store_client

pytestmark = pytest.mark.django_db

UNSAFE = ("<script", "onclick", "javascript:", "jav\tascript")


def _add_post(client: Client, world, data: dict[str, Any], *, publish: bool = True):  # type: ignore[no-untyped-def]
    with schema_context(world.tenant.schema_name):
        blog = BlogIndexPage.objects.get()
    action = {"action-publish": "action-publish"} if publish else {}
    return client.post(f"/cms/pages/add/content/blogpostpage/{blog.pk}/", {**data, **action})


# ------------------------------------------------------------------------------
# rich text
# ------------------------------------------------------------------------------
def test_unsafe_html_in_rich_text_is_removed_before_it_is_stored_or_shown(alpha):
    client, _user = signed_in(alpha, "owner")
    slug = f"unsafe-{uuid.uuid4().hex[:6]}"
    body = [
        # what a pasted page turns into in the editor
        (
            "paragraph",
            rich_text(
                '<p onclick="steal()">Pasted <script>alert(1)</script>'
                '<a href="javascript:alert(2)" onclick="steal()">a link</a></p>'
            ),
        ),
        # and what a hand-made request can carry: a javascript: link, markup as text
        ("paragraph", contentstate("<script>alert(3)</script> click", link="javascript:alert(4)")),
        ("paragraph", contentstate("tab trick", link="jav\tascript:alert(5)")),
        ("paragraph", contentstate("a fine link", link="https://example.com/ok")),
    ]
    response = _add_post(client, alpha, post_form("Unsafe input", slug, body))
    assert response.status_code == 302, response.content[:3000]

    with schema_context(alpha.tenant.schema_name):
        post = BlogPostPage.objects.get(slug=slug)
        stored = str(post.body.raw_data)
        path = post.url_path.removeprefix("/home")
    for needle in UNSAFE:
        assert needle not in stored, needle
    assert "https://example.com/ok" in stored
    assert "&lt;script&gt;" in stored  # the markup typed as text is kept as text

    html = store_client(alpha).get(path).content.decode()
    article = html[html.index("Unsafe input") :]
    for needle in ("<script>alert", "onclick", "javascript:", 'href="jav'):
        assert needle not in article, needle
    assert 'href="https://example.com/ok"' in article
    assert "a link" in article


def test_rich_text_that_is_not_the_editors_format_is_a_form_error(alpha):
    client, _user = signed_in(alpha, "owner")
    slug = f"garbled-{uuid.uuid4().hex[:6]}"
    response = _add_post(client, alpha, post_form("Garbled", slug, [("paragraph", "<p onclick=x>not json")]))
    assert response.status_code == 200
    with schema_context(alpha.tenant.schema_name):
        assert not BlogPostPage.objects.filter(slug=slug).exists()


def test_the_starter_pages_carry_no_store_name_in_their_html_only_the_plain_title(alpha):
    """The starter texts come with the clone of the template: a store's name (the merchant's
    text) is only ever a plain title, escaped where a template shows it."""
    from apps.content.models import ContentPage, FAQPage, StoreHomePage

    with schema_context(alpha.tenant.schema_name):
        assert StoreHomePage.objects.get().title == alpha.tenant.name
        about = ContentPage.objects.get(slug="about")
        faq = FAQPage.objects.get(slug="faq")
        html = str(about.body.render_as_block()) + " ".join(str(b.value["answer"]) for b in faq.questions)
    assert alpha.tenant.name not in html


# ------------------------------------------------------------------------------
# images
# ------------------------------------------------------------------------------
def _truncated_png() -> bytes:
    data = png_bytes(64, 64)
    return data[: len(data) // 2]


def _png_with_markup() -> bytes:
    """A real PNG whose first bytes carry an SVG document in a text chunk (a polyglot)."""
    data = png_bytes()
    text = b"Comment\x00<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>"
    chunk = len(text).to_bytes(4, "big") + b"tEXt" + text
    chunk += zlib.crc32(b"tEXt" + text).to_bytes(4, "big")
    return data[:33] + chunk + data[33:]


SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>'


def _upload(client: Client, world, name: str, content: bytes, url: str = "/cms/images/add/"):  # type: ignore[no-untyped-def]
    with schema_context(world.tenant.schema_name):
        collection = Collection.get_first_root_node()
        before = Image.objects.count()
    upload = SimpleUploadedFile(name, content)
    if "/multiple/" in url:
        data: dict[str, Any] = {"files[]": upload, "title": f"upload {name}", "collection": collection.pk}
    else:
        prefix = "image-chooser-upload-" if "/chooser/" in url else ""
        data = {
            f"{prefix}title": f"upload {name}",
            f"{prefix}file": upload,
            f"{prefix}collection": collection.pk,
            f"{prefix}tags": "",
        }
    response = client.post(url, data)
    with schema_context(world.tenant.schema_name):
        added = Image.objects.count() - before
    return response, added


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("notes.png", b"this is not an image at all, only words"),
        ("drawing.svg", SVG),
        ("drawing.png", SVG),
        ("cut-off.png", _truncated_png()),
        ("polyglot.png", _png_with_markup()),
    ],
)
def test_an_upload_the_catalog_would_refuse_is_a_form_error(alpha, name, content):
    client, _user = signed_in(alpha, "staff")
    response, added = _upload(client, alpha, name, content)
    assert added == 0
    assert response.status_code == 200
    assert "error" in response.content.decode()


def test_an_upload_over_the_size_or_pixel_limit_is_a_form_error(alpha):
    client, _user = signed_in(alpha, "staff")
    big = png_bytes(64, 64)
    with override_settings(WAGTAILIMAGES_MAX_UPLOAD_SIZE=len(big) - 1, CATALOG_IMAGE_MAX_BYTES=len(big) - 1):
        response, added = _upload(client, alpha, "big.png", big)
    assert (response.status_code, added) == (200, 0)
    with override_settings(WAGTAILIMAGES_MAX_IMAGE_PIXELS=1000, CATALOG_IMAGE_MAX_PIXELS=1000):
        response, added = _upload(client, alpha, "wide.png", png_bytes(40, 40))
    assert (response.status_code, added) == (200, 0)
    assert "too many pixels" in response.content.decode()
    # the catalog's own limit alone is enough
    with override_settings(CATALOG_IMAGE_MAX_PIXELS=1000):
        response, added = _upload(client, alpha, "wide.png", png_bytes(40, 40))
    assert (response.status_code, added) == (200, 0)


def test_the_multiple_uploader_and_the_chooser_check_the_same_way(alpha):
    client, _user = signed_in(alpha, "staff")
    response, added = _upload(client, alpha, "cut-off.png", _truncated_png(), "/cms/images/multiple/add/")
    assert added == 0
    assert response.json()["success"] is False
    response, added = _upload(client, alpha, "cut-off.png", _truncated_png(), "/cms/images/chooser/upload/")
    assert added == 0


def test_a_real_image_is_accepted_and_rendered(alpha):
    client, _user = signed_in(alpha, "staff")
    response, added = _upload(client, alpha, "photo.png", png_bytes(64, 48))
    assert response.status_code == 302, response.content[:2000]
    assert added == 1
    out = io.BytesIO()
    from PIL import Image as PILImage

    PILImage.new("RGB", (30, 20), "blue").save(out, format="JPEG")
    response, added = _upload(client, alpha, "photo.jpg", out.getvalue())
    assert (response.status_code, added) == (302, 1)


# ------------------------------------------------------------------------------
# slugs
# ------------------------------------------------------------------------------
def test_a_slug_already_used_under_the_blog_is_a_form_error(alpha):
    with schema_context(alpha.tenant.schema_name):
        existing = post_create("First")
        other = post_create("Second")
    client, _user = signed_in(alpha, "owner")

    response = _add_post(client, alpha, post_form("Clash", existing.slug))
    assert response.status_code == 200
    assert "already in use" in response.content.decode()
    with schema_context(alpha.tenant.schema_name):
        assert BlogPostPage.objects.filter(slug=existing.slug).count() == 1

    response = client.post(
        f"/cms/pages/{other.pk}/edit/", {**post_form("Second", existing.slug), "action-publish": "1"}
    )
    assert response.status_code == 200
    assert "already in use" in response.content.decode()
    with schema_context(alpha.tenant.schema_name):
        other.refresh_from_db()
        assert other.slug != existing.slug


# ------------------------------------------------------------------------------
# an embedded product deleted since
# ------------------------------------------------------------------------------
def test_a_deleted_or_hidden_product_in_a_post_renders_nothing(alpha):
    with schema_context(alpha.tenant.schema_name):
        kept = make_product("Harbour Raincoat")
        gone = make_product("Vanishing Scarf")
        hidden = make_product("Draft Hat", status=Product.Status.DRAFT)
    client, _user = signed_in(alpha, "owner")
    slug = f"picks-{uuid.uuid4().hex[:6]}"
    body = [
        ("paragraph", rich_text("<p>Our picks.</p>")),
        (
            "products",
            {
                "title": "Shop the look",
                "products": streamfield([("item", kept.pk), ("item", gone.pk), ("item", hidden.pk)]),
            },
        ),
        ("products", {"title": "Sold out row", "products": streamfield([("item", gone.pk)])}),
    ]
    response = _add_post(client, alpha, post_form("Picks", slug, body))
    assert response.status_code == 302, response.content[:3000]
    with schema_context(alpha.tenant.schema_name):
        post = BlogPostPage.objects.get(slug=slug)
        path = post.url_path.removeprefix("/home")
    html = store_client(alpha).get(path).content.decode()
    assert "Vanishing Scarf" in html and "Harbour Raincoat" in html

    with schema_context(alpha.tenant.schema_name):
        product_delete(product=Product.objects.get(pk=gone.pk))
    response = store_client(alpha).get(path)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Harbour Raincoat" in html
    assert "Vanishing Scarf" not in html
    assert "Draft Hat" not in html
    assert "Sold out row" not in html  # a row left with no product is not drawn at all
    # and the editor still opens the post
    assert client.get(f"/cms/pages/{post.pk}/edit/").status_code == 200
