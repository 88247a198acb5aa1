"""Writes of the content app: a new store's starter content, its Wagtail Site kept on the store's
primary domain, the Wagtail groups that follow each staff member's role, and pictures uploaded
into the store's image library from outside /cms/.

Editors reach /cms/ only through `apps.content.cms` (the permission layer's `content.edit`);
inside, Wagtail checks its own group permissions. The two groups here are the bridge: a role
with `content.edit` is in "Content editors" (draft pages, images, documents, menus), one with
`content.publish` is also in "Content publishers" (publish, schedule, unpublish, delete). The
membership is put right on every /cms/ request, so a role change or a removal counts at once.
Both may translate ("Translate" copies a page, or a menu, into another language as a draft):
the groups' page rights are on the store's home in every language, so the copy is theirs to edit.
"""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.utils.translation import override
from wagtail.models import Collection, GroupCollectionPermission, GroupPagePermission, Locale, Page, Site

from apps.catalog.services import image_validate
from apps.content.landing_blocks import BANNER_RENDITION
from apps.content.models import BlogIndexPage, ContentPage, FAQPage, Menu, MenuItem, StoreHomePage
from apps.core.permissions import Perm, user_permissions

EDITORS_GROUP = "Content editors"
PUBLISHERS_GROUP = "Content publishers"

# Wagtail's page permission names (GroupPagePermission.permission__codename).
EDITOR_PAGE_PERMISSIONS = ("add_page", "change_page")
PUBLISHER_PAGE_PERMISSIONS = ("publish_page", "delete_page", "lock_page", "unlock_page")
COLLECTION_PERMISSIONS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("wagtailimages", "image", ("add_image", "change_image", "choose_image")),
    ("wagtaildocs", "document", ("add_document", "change_document", "choose_document")),
)
SNIPPET_PERMISSIONS = (
    ("content", ("add_menu", "change_menu", "delete_menu", "add_blogcategory", "change_blogcategory")),
    ("simple_translation", ("submit_translation",)),
)


# ------------------------------------------------------------------------------
# menus
# ------------------------------------------------------------------------------
def menu_url_clean(value: str) -> str:
    """A menu link: a path on this site or an http(s) address; never javascript: or //host."""
    value = (value or "").strip()
    if value.startswith("/") and not value.startswith("//"):
        return value
    if value.lower().startswith(("https://", "http://")) and "\n" not in value:
        return value
    raise ValidationError(
        {"link_url": _("Use a path on this site (/contact/) or an address starting with https://.")}
    )


# ------------------------------------------------------------------------------
# the Site and its hostname
# ------------------------------------------------------------------------------
def site_port() -> int:
    """The port of a Wagtail Site on the platform's scheme (443: its URLs are https)."""
    if settings.PLATFORM_SCHEME == "https":
        return 443
    return settings.PLATFORM_PORT or 80


def wagtail_defaults_clear() -> Page:
    """Remove what Wagtail's own migrations leave in a schema (a "Welcome" page and a localhost
    Site) before a site of ours is built there; returns the tree's root."""
    root = Page.get_first_root_node()
    Site.objects.all().delete()
    for page in root.get_children():
        page.specific.delete()
    root.refresh_from_db()
    return root


def content_site_hostname_set(*, hostname: str, site_name: str | None = None) -> None:
    """Point the current schema's Wagtail Site at `hostname` (the store's primary domain), so
    previews, "view live" links and feeds carry the store's real address."""
    site = Site.objects.filter(is_default_site=True).first()
    if site is None:
        return
    site.hostname = hostname
    site.port = site_port()
    if site_name is not None:
        site.site_name = site_name[:255]
    site.save()


# ------------------------------------------------------------------------------
# groups that follow roles
# ------------------------------------------------------------------------------
def _groups_create(home: Page) -> tuple[Group, Group]:
    editors, _created = Group.objects.get_or_create(name=EDITORS_GROUP)
    publishers, _created = Group.objects.get_or_create(name=PUBLISHERS_GROUP)
    access = Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin")
    editors.permissions.add(access)
    publishers.permissions.add(access)
    for app_label, codenames in SNIPPET_PERMISSIONS:
        for permission in Permission.objects.filter(
            content_type__app_label=app_label, codename__in=codenames
        ):
            editors.permissions.add(permission)
            publishers.permissions.add(permission)
    home_permissions_grant(home, editors=editors, publishers=publishers)
    root_collection = Collection.get_first_root_node()
    for app_label, _model, collection_codenames in COLLECTION_PERMISSIONS:
        for permission in Permission.objects.filter(
            content_type__app_label=app_label, codename__in=collection_codenames
        ):
            for group in (editors, publishers):
                GroupCollectionPermission.objects.get_or_create(
                    group=group, collection=root_collection, permission=permission
                )
    return editors, publishers


def home_permissions_grant(
    home: Page, *, editors: Group | None = None, publishers: Group | None = None
) -> None:
    """Give the content groups their page rights on `home`: the store's home page, or its
    translation into another language (a sibling of it under the tree's root, so rights on the
    first home do not reach it). A schema without the groups yet is left alone."""
    if editors is None or publishers is None:
        groups = {
            group.name: group for group in Group.objects.filter(name__in=(EDITORS_GROUP, PUBLISHERS_GROUP))
        }
        editors, publishers = groups.get(EDITORS_GROUP), groups.get(PUBLISHERS_GROUP)
        if editors is None or publishers is None:
            return
    page_permissions = Permission.objects.filter(
        content_type__app_label="wagtailcore",
        codename__in=EDITOR_PAGE_PERMISSIONS + PUBLISHER_PAGE_PERMISSIONS,
    )
    for permission in page_permissions:
        if permission.codename in EDITOR_PAGE_PERMISSIONS:
            GroupPagePermission.objects.get_or_create(group=editors, page=home, permission=permission)
        GroupPagePermission.objects.get_or_create(group=publishers, page=home, permission=permission)


def content_groups_sync(user: Any) -> None:
    """Put a staff member in the Wagtail groups their role's permissions call for (and out of
    the others). One query when nothing changed."""
    permissions = user_permissions(user)
    wanted = set()
    if Perm.CONTENT_EDIT in permissions:
        wanted.add(EDITORS_GROUP)
    if Perm.CONTENT_PUBLISH in permissions:
        wanted.add(PUBLISHERS_GROUP)
    current = set(
        user.groups.filter(name__in=(EDITORS_GROUP, PUBLISHERS_GROUP)).values_list("name", flat=True)
    )
    if current == wanted:
        return
    groups = {group.name: group for group in Group.objects.filter(name__in=(EDITORS_GROUP, PUBLISHERS_GROUP))}
    for name in current - wanted:
        if name in groups:
            user.groups.remove(groups[name])
    for name in wanted - current:
        if name in groups:
            user.groups.add(groups[name])


# ------------------------------------------------------------------------------
# a new store's content
# ------------------------------------------------------------------------------
def _starter_faq() -> list[dict[str, Any]]:
    pairs = [
        (
            _("How long does delivery take?"),
            _("Delivery times are shown on every product page, worked out from where the item ships from."),
        ),
        (
            _("Can I return an item?"),
            _(
                "Yes. You can ask for a return from your account, within the return window of our returns policy."
            ),
        ),
        (
            _("How do I contact you?"),
            _("Write to us through the contact page; we answer every message."),
        ),
    ]
    return [{"type": "item", "value": {"question": q, "answer": f"<p>{escape(a)}</p>"}} for q, a in pairs]


def _menu_create(handle: str, locale: Locale, items: list[tuple[str, Page | None, str]]) -> None:
    menu = Menu(handle=handle, locale=locale)
    menu.items = [  # type: ignore[attr-defined]
        MenuItem(label=label, link_page=page, link_url=url, sort_order=position)
        for position, (label, page, url) in enumerate(items)
    ]
    menu.save()


# The template schema's Site until a store clones it (provisioning puts the store's domain).
TEMPLATE_HOSTNAME = "store-template.invalid"


def _tree_create(*, name: str, hostname: str, language: str) -> StoreHomePage:
    """The content tree of a schema: the Site on `hostname`, a blog, an about page, an FAQ,
    header and footer menus, and the groups that carry editors' rights. The starter texts name
    no store, so the template's tree serves every store cloned from it."""
    for code, _name in settings.WAGTAIL_CONTENT_LANGUAGES:
        Locale.objects.get_or_create(language_code=code)
    locale = Locale.objects.get(language_code=language)
    root = wagtail_defaults_clear()
    with override(language):
        home = root.add_child(instance=StoreHomePage(title=name, slug="home", locale=locale))
        Site.objects.create(
            hostname=hostname, port=site_port(), root_page=home, is_default_site=True, site_name=name[:255]
        )
        blog = home.add_child(
            instance=BlogIndexPage(
                title=_("Blog"),
                slug="blog",
                locale=locale,
                intro="<p>" + escape(_("News and stories from our shop.")) + "</p>",
            )
        )
        about = home.add_child(
            instance=ContentPage(
                title=_("About us"),
                slug="about",
                locale=locale,
                intro=_("Who we are and what we sell."),
                body=[
                    {
                        "type": "paragraph",
                        "value": "<p>"
                        + escape(_("We are an independent shop. Tell your story here."))
                        + "</p>",
                    }
                ],
            )
        )
        faq = home.add_child(
            instance=FAQPage(title=_("FAQ"), slug="faq", locale=locale, questions=_starter_faq())
        )
        for page in (blog, about, faq):
            page.save_revision().publish()
        _menu_create("header", locale, [("", blog, ""), ("", about, ""), ("", faq, "")])
        # The footer already links the policies and the contact page (storefront settings).
        _menu_create("footer", locale, [("", blog, ""), ("", about, ""), ("", faq, "")])
    _groups_create(home)
    return home


@transaction.atomic
def content_template_prepare() -> None:
    """Run in the store template schema after it is migrated (`migrate_all`): every store cloned
    from it starts with the starter content, at no cost to provisioning. Idempotent."""
    if StoreHomePage.objects.exists():
        return
    _tree_create(name="Store", hostname=TEMPLATE_HOSTNAME, language=settings.LANGUAGE_CODE)


@transaction.atomic
def content_provision(*, store_name: str, hostname: str, language: str | None = None) -> StoreHomePage:
    """Make the current (store) schema's content its own while it is provisioned: the Site on
    the store's `hostname` under its name, the home page titled after it. The tree itself comes
    with the clone of the template; a schema without one (a template prepared before content
    existed) gets it made here. Safe to run again."""
    home = StoreHomePage.objects.first()
    if home is None:
        home = _tree_create(name=store_name, hostname=hostname, language=language or settings.LANGUAGE_CODE)
    else:
        StoreHomePage.objects.filter(pk=home.pk).update(title=store_name, draft_title=store_name)
        home.title = home.draft_title = store_name
    content_site_hostname_set(hostname=hostname, site_name=store_name)
    return home


# ------------------------------------------------------------------------------
# images uploaded outside /cms/ (the theme editor's blocks)
# ------------------------------------------------------------------------------
def image_upload(*, upload: UploadedFile, title: str, user: Any | None = None) -> tuple[Any, str]:
    """Put an uploaded picture into the store's image library (the one /cms/ shows, so it can be
    used again there) and return it with the address of its banner-sized rendition. The upload
    is held to the rules of /cms/ and the catalog (`image_validate`: a real raster image within
    the size and pixel limits, never SVG); raises `CatalogError` naming the problem, having
    stored nothing."""
    from wagtail.images import get_image_model

    extension = image_validate(upload)
    image_model = get_image_model()
    name = os.path.basename(upload.name or "") or f"image.{extension}"
    image = image_model(title=(title.strip() or os.path.splitext(name)[0])[:255], uploaded_by_user=user)
    with transaction.atomic():
        image.file.save(name, upload, save=False)
        image._set_image_file_metadata()
        image.save()
        return image, str(image.get_rendition(BANNER_RENDITION).url)


def images_discard(images: list[Any]) -> None:
    """Take pictures `image_upload` stored back out of the library, when what they were uploaded
    for was not saved after all; Wagtail removes their files and renditions once this commits."""
    for image in images:
        image.delete()
