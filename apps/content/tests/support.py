"""Helpers of the content tests: signed-in clients on a store's host, alpha-only rows, and the
form data Wagtail's page editor posts."""

from __future__ import annotations

import io
import json
import uuid
from typing import Any

from django.core.files.base import ContentFile
from django.test import Client
from django_tenants.utils import schema_context
from PIL import Image as PILImage
from wagtail.images.models import Image
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text, streamfield

from apps.accounts.models import User
from apps.content.models import BlogIndexPage, BlogPostPage
from tests.fixtures import StoreWorld, make_store_user, store_client

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def signed_in(world: StoreWorld, role: str = "") -> tuple[Client, User]:
    """A client on the store's host signed in as a new staff member with `role` (a shopper
    when `role` is empty)."""
    user = make_store_user(world, f"{role or 'shopper'}-{uuid.uuid4().hex[:8]}@example.com", role=role)
    client = store_client(world)
    with schema_context(world.tenant.schema_name):
        client.force_login(user, backend=MODEL_BACKEND)
    return client, user


def png_bytes(width: int = 8, height: int = 8) -> bytes:
    out = io.BytesIO()
    PILImage.new("RGB", (width, height), (200, 40, 40)).save(out, format="PNG")
    return out.getvalue()


def image_create(title: str) -> Image:
    """A Wagtail image in the current schema."""
    image = Image(title=title)
    image.file.save(f"{uuid.uuid4().hex[:8]}.png", ContentFile(png_bytes()), save=False)
    image.width = image.height = 8
    image._set_image_file_metadata()
    image.save()
    return image


def post_create(title: str, *, live: bool = True, body: list[dict[str, Any]] | None = None) -> BlogPostPage:
    """A blog post under the current schema's blog, published unless `live` is False."""
    blog = BlogIndexPage.objects.get()
    post = blog.add_child(
        instance=BlogPostPage(
            title=title,
            slug=f"post-{uuid.uuid4().hex[:8]}",
            locale=blog.locale,
            intro="An introduction.",
            body=body or [{"type": "paragraph", "value": "<p>Hello from the post.</p>"}],
            live=live,
        )
    )
    if live:
        post.save_revision().publish()
    else:
        post.save_revision()
    return post


def contentstate(text: str, *, link: str | None = None) -> str:
    """What Draftail posts for one paragraph, its whole text a link to `link` when given."""
    entity_ranges = [{"offset": 0, "length": len(text), "key": 0}] if link else []
    entity_map = {"0": {"type": "LINK", "mutability": "MUTABLE", "data": {"url": link}}} if link else {}
    return json.dumps(
        {
            "blocks": [
                {
                    "key": "a1b2c",
                    "text": text,
                    "type": "unstyled",
                    "depth": 0,
                    "inlineStyleRanges": [],
                    "entityRanges": entity_ranges,
                    "data": {},
                }
            ],
            "entityMap": entity_map,
        }
    )


def post_form(
    title: str, slug: str, body: list[tuple[str, Any]] | None = None, **fields: Any
) -> dict[str, Any]:
    """The page editor's POST for a blog post (content, promote and settings panels)."""
    data: dict[str, Any] = {
        "title": title,
        "slug": slug,
        "date": "",
        "author": "",
        "author_name": "",
        "hero_image": "",
        "intro": "An introduction.",
        "body": streamfield(body or [("paragraph", rich_text("<p>Some words.</p>"))]),
        "tags": "",
        "seo_title": "",
        "search_description": "",
        "go_live_at": "",
        "expire_at": "",
        "comments": inline_formset([]),
    }
    data.update(fields)
    return nested_form_data(data)
