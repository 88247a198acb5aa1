"""One store's /cms/ never shows another's content: pages, images, documents, snippets (menus,
categories) and users of store A are neither listed nor reachable by id from store B, whose ids
may coincide with A's (stores are cloned), so the tests use rows that exist in A only. Previews
render in the page's own store; a draft or scheduled post is not shown to shoppers."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone
from django_tenants.utils import schema_context
from wagtail.documents.models import Document
from wagtail.images.models import Image
from wagtail.models import Locale, Page

from apps.accounts.models import User
from apps.content.models import BlogCategory, BlogPostPage, Menu
from apps.content.tests.support import image_create, post_create, post_form, signed_in
from tests.fixtures import store_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def alpha_rows(alpha, beta):  # type: ignore[no-untyped-def]
    """Rows in alpha whose ids beta does not have, named so a listing would give them away."""
    marker = f"alphaonly{uuid.uuid4().hex[:6]}"
    with schema_context(alpha.tenant.schema_name):
        # enough pages, images, documents and categories that the last id is alpha's alone
        for index in range(3):
            post_create(f"{marker} filler {index}")
        post = post_create(f"{marker} post")
        image = image_create(f"{marker} image")
        document = Document(title=f"{marker} document")
        document.file.save(f"{marker}.txt", ContentFile(b"alpha's price list"), save=True)
        category = BlogCategory.objects.create(name=f"{marker} category", slug=marker)
        menu = Menu(handle="header", locale=Locale.objects.get(language_code="de"))
        menu.save()
        alpha_user = User.objects.create_user(
            f"{marker}@example.com", "x" * 20, is_staff=True, store_role="staff"
        )
        rows = {
            "page": post.pk,
            "image": image.pk,
            "document": document.pk,
            "category": category.pk,
            "menu": menu.pk,
            "user": alpha_user.pk,
        }
    with schema_context(beta.tenant.schema_name):
        assert not Page.objects.filter(pk=rows["page"]).exists()
        assert not Image.objects.filter(pk=rows["image"]).exists()
        assert not Document.objects.filter(pk=rows["document"]).exists()
        assert not BlogCategory.objects.filter(pk=rows["category"]).exists()
        assert not Menu.objects.filter(pk=rows["menu"]).exists()
        assert not User.objects.filter(pk=rows["user"]).exists()
    return marker, rows


@pytest.mark.parametrize("role", ["owner", "staff"])
def test_store_b_editors_cannot_reach_store_a_rows_by_id(alpha_rows, beta, role):
    _marker, rows = alpha_rows
    client, _user = signed_in(beta, role)
    for path in (
        f"/cms/pages/{rows['page']}/",
        f"/cms/pages/{rows['page']}/edit/",
        f"/cms/pages/{rows['page']}/edit/preview/",
        f"/cms/pages/{rows['page']}/history/",
        f"/cms/images/{rows['image']}/",
        f"/cms/documents/edit/{rows['document']}/",
        f"/cms/snippets/content/blogcategory/edit/{rows['category']}/",
        f"/cms/snippets/content/menu/edit/{rows['menu']}/",
        f"/documents/{rows['document']}/x.txt",
    ):
        assert client.get(path).status_code == 404, path
    # Wagtail's user admin is not an editor's (users are managed in the dashboard's team page)
    for path in ("/cms/users/", f"/cms/users/{rows['user']}/"):
        response = client.get(path)
        assert response.status_code in (302, 403, 404), path
        assert _marker not in response.content.decode()


def test_store_b_listings_and_searches_show_none_of_store_a(alpha_rows, alpha, beta):
    marker, _rows = alpha_rows
    client, _user = signed_in(beta, "owner")
    for path in (
        "/cms/",
        f"/cms/pages/search/?q={marker}",
        f"/cms/images/?q={marker}",
        "/cms/images/",
        "/cms/documents/",
        f"/cms/documents/?q={marker}",
        "/cms/snippets/content/blogcategory/",
        "/cms/snippets/content/menu/",
        "/cms/images/chooser/",
        "/cms/documents/chooser/",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        html = response.content.decode()
        for name in ("post", "filler", "image", "document", "category"):
            assert f"{marker} {name}" not in html, (path, name)
    # and the same searches in alpha do find them (the test would catch a real leak)
    alpha_client, _user = signed_in(alpha, "owner")
    assert f"{marker} post" in alpha_client.get(f"/cms/pages/search/?q={marker}").content.decode()
    assert f"{marker} image" in alpha_client.get("/cms/images/").content.decode()
    assert f"{marker} category" in alpha_client.get("/cms/snippets/content/blogcategory/").content.decode()


# ------------------------------------------------------------------------------
# previews
# ------------------------------------------------------------------------------
def test_a_preview_renders_in_the_pages_own_store(alpha, beta):
    with schema_context(alpha.tenant.schema_name):
        post = post_create("Preview me", live=False)
    client, _user = signed_in(alpha, "staff")
    url = f"/cms/pages/{post.pk}/edit/preview/"
    form = post_form("Preview headline", post.slug)
    assert client.post(url, form).json()["is_valid"]
    preview = client.get(url)
    assert preview.status_code == 200
    html = preview.content.decode()
    assert "Preview headline" in html
    assert alpha.tenant.name in html
    assert beta.tenant.name not in html
    # the draft stays a draft
    with schema_context(alpha.tenant.schema_name):
        post.refresh_from_db()
        assert not post.live


# ------------------------------------------------------------------------------
# drafts and scheduled posts
# ------------------------------------------------------------------------------
def test_a_draft_or_a_scheduled_post_is_not_shown_to_shoppers(alpha):
    with schema_context(alpha.tenant.schema_name):
        draft = post_create("Secret draft", live=False)
        scheduled = post_create("Coming soon", live=False)
        scheduled.go_live_at = timezone.now() + timedelta(days=2)
        scheduled.save_revision().publish()  # with a go-live date in the future: scheduled, not live
        scheduled.refresh_from_db()
        assert not scheduled.live
        assert scheduled.get_latest_revision().approved_go_live_at is not None
        live = post_create("Out now")
        paths = {
            name: page.url_path.removeprefix("/home")
            for name, page in (("draft", draft), ("scheduled", scheduled), ("live", live))
        }
        assert BlogPostPage.objects.get(pk=draft.pk).url_path.endswith(f"/{draft.slug}/")
    shopper, _user = signed_in(alpha)
    for client in (store_client(alpha), shopper):
        assert client.get(paths["draft"]).status_code == 404
        assert client.get(paths["scheduled"]).status_code == 404
        assert client.get(paths["live"]).status_code == 200
        blog = client.get("/blog/").content.decode()
        assert "Out now" in blog
        assert "Secret draft" not in blog
        assert "Coming soon" not in blog
