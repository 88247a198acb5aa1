"""Who reaches a store's /cms/ (Wagtail's admin): `content.edit` roles only, publishing for
`content.publish` roles only, a role change counted on the next request, and the dashboard's
link shown to the same roles."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.shortcuts import resolve_url
from django_tenants.utils import schema_context

from apps.accounts.models import User
from apps.content.models import BlogPostPage
from apps.content.services import EDITORS_GROUP, PUBLISHERS_GROUP
from apps.content.tests.support import post_create, post_form, signed_in
from tests.fixtures import store_client

pytestmark = pytest.mark.django_db

CMS = "/cms/"


def _groups(world, user: User) -> set[str]:  # type: ignore[no-untyped-def]
    with schema_context(world.tenant.schema_name):
        return set(User.objects.get(pk=user.pk).groups.values_list("name", flat=True))


# ------------------------------------------------------------------------------
# who gets in
# ------------------------------------------------------------------------------
def test_a_signed_out_visitor_is_sent_to_sign_in(alpha):
    for path in (CMS, "/cms/pages/", "/cms/images/", "/cms/snippets/content/menu/"):
        response = store_client(alpha).get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith(resolve_url(settings.LOGIN_URL)), path


@pytest.mark.parametrize("role", ["", "finance"])
def test_a_shopper_or_a_finance_member_is_refused(alpha, role):
    client, user = signed_in(alpha, role)
    for path in (CMS, "/cms/pages/", "/cms/images/", "/cms/documents/", "/cms/snippets/content/menu/"):
        response = client.get(path)
        assert response.status_code == 403, (role, path)
    assert _groups(alpha, user) == set()  # never put in Wagtail's groups


@pytest.mark.parametrize(
    ("role", "groups"),
    [
        ("owner", {EDITORS_GROUP, PUBLISHERS_GROUP}),
        ("admin", {EDITORS_GROUP, PUBLISHERS_GROUP}),
        ("staff", {EDITORS_GROUP}),
    ],
)
def test_owner_admin_and_staff_reach_the_cms_with_the_groups_of_their_role(alpha, role, groups):
    client, user = signed_in(alpha, role)
    response = client.get(CMS)
    assert response.status_code == 200, response.content[:500]
    assert _groups(alpha, user) == groups
    for path in ("/cms/pages/", "/cms/images/", "/cms/documents/", "/cms/snippets/content/menu/"):
        assert client.get(path, follow=True).status_code == 200, (role, path)


# ------------------------------------------------------------------------------
# publishing is content.publish
# ------------------------------------------------------------------------------
def _draft(world) -> BlogPostPage:  # type: ignore[no-untyped-def]
    with schema_context(world.tenant.schema_name):
        return post_create("A draft", live=False)


def test_staff_edit_a_draft_but_cannot_publish_it(alpha):
    post = _draft(alpha)
    client, _user = signed_in(alpha, "staff")
    edit = f"/cms/pages/{post.pk}/edit/"

    page = client.get(edit)
    assert page.status_code == 200
    assert 'name="action-publish"' not in page.content.decode()

    # a hand-made "publish" is saved as a draft, never published
    response = client.post(
        edit, {**post_form("A draft, edited", post.slug), "action-publish": "action-publish"}
    )
    assert response.status_code == 302, response.content[:2000]
    with schema_context(alpha.tenant.schema_name):
        post.refresh_from_db()
        assert not post.live
        assert post.get_latest_revision_as_object().title == "A draft, edited"
    assert client.get(f"/cms/pages/{post.pk}/unpublish/").status_code in (302, 403)
    assert store_client(alpha).get(post.url_path.removeprefix("/home")).status_code == 404


def test_an_admin_publishes(alpha):
    post = _draft(alpha)
    client, _user = signed_in(alpha, "admin")
    edit = f"/cms/pages/{post.pk}/edit/"
    assert 'name="action-publish"' in client.get(edit).content.decode()

    response = client.post(edit, {**post_form("Now live", post.slug), "action-publish": "action-publish"})
    assert response.status_code == 302, response.content[:2000]
    with schema_context(alpha.tenant.schema_name):
        post.refresh_from_db()
        assert post.live
        assert post.title == "Now live"
        path = post.url_path.removeprefix("/home")
    shown = store_client(alpha).get(path)
    assert shown.status_code == 200
    assert "Now live" in shown.content.decode()


# ------------------------------------------------------------------------------
# a role change counts on the next request
# ------------------------------------------------------------------------------
def test_a_role_change_or_a_removal_counts_on_the_next_request(alpha):
    client, user = signed_in(alpha, "admin")
    assert client.get(CMS).status_code == 200
    assert _groups(alpha, user) == {EDITORS_GROUP, PUBLISHERS_GROUP}

    with schema_context(alpha.tenant.schema_name):
        User.objects.filter(pk=user.pk).update(store_role="staff")
    assert client.get(CMS).status_code == 200
    assert _groups(alpha, user) == {EDITORS_GROUP}
    post = _draft(alpha)
    assert 'name="action-publish"' not in client.get(f"/cms/pages/{post.pk}/edit/").content.decode()

    with schema_context(alpha.tenant.schema_name):
        User.objects.filter(pk=user.pk).update(store_role="finance")
    assert client.get(CMS).status_code == 403
    assert client.get(f"/cms/pages/{post.pk}/edit/").status_code == 403

    with schema_context(alpha.tenant.schema_name):
        User.objects.filter(pk=user.pk).update(store_role="staff", is_active=False)
    response = client.get(CMS)
    assert response.status_code in (302, 403)
    if response.status_code == 302:
        assert response["Location"].startswith(resolve_url(settings.LOGIN_URL))


# ------------------------------------------------------------------------------
# the dashboard's link
# ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("role", "shown"), [("owner", True), ("admin", True), ("staff", True), ("finance", False)]
)
def test_the_dashboard_links_to_the_cms_for_content_roles_only(alpha, role, shown):
    client, _user = signed_in(alpha, role)
    html = client.get("/dashboard/").content.decode()
    start = html.index('<aside class="sidebar"')
    sidebar = html[start : html.index("</aside>", start)]
    assert ('href="/cms/"' in sidebar) is shown
    assert ("Blog and pages" in sidebar) is shown


def test_the_editors_author_list_offers_staff_never_shoppers(alpha):
    post = _draft(alpha)
    _shopper_client, shopper = signed_in(alpha)
    client, editor = signed_in(alpha, "staff")
    html = client.get(f"/cms/pages/{post.pk}/edit/").content.decode()
    start = html.index('name="author"')
    author_select = html[start : html.index("</select>", start)]
    assert editor.email in author_select
    assert shopper.email not in author_select


def test_the_cms_menu_leads_back_to_the_dashboard_and_not_to_wagtails_guides(alpha):
    client, _user = signed_in(alpha, "staff")
    html = client.get(CMS).content.decode()
    assert "/dashboard/" in html
    assert "Back to dashboard" in html
    assert "guide.wagtail.org" not in html.split("Back to dashboard", 1)[1].split("</script>", 1)[0]
