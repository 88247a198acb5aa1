"""Writes of the platform site: its tree and Site in the public schema, and the Wagtail group of
platform staff.

`platform_site_ensure()` is run by `manage.py migrate_all` (run, test and deploy all use it),
after the public schema is migrated. It is idempotent: once the platform home exists, it only
puts the Site on the platform domain and the staff group right.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.utils.translation import override
from django_tenants.utils import schema_context
from wagtail.models import Collection, GroupCollectionPermission, GroupPagePermission, Locale, Page, Site

from apps.content.models import BlogIndexPage
from apps.content.services import site_port, wagtail_defaults_clear
from apps.platform_site.models import (
    FeaturesPage,
    HelpArticlePage,
    HelpIndexPage,
    PlatformHomePage,
    PricingPage,
    on_platform,
)

STAFF_GROUP = "Platform editors"
PAGE_PERMISSIONS = ("add_page", "change_page", "publish_page", "delete_page", "lock_page", "unlock_page")
COLLECTION_PERMISSIONS = (
    ("wagtailimages", ("add_image", "change_image", "choose_image", "delete_image")),
    ("wagtaildocs", ("add_document", "change_document", "choose_document", "delete_document")),
)
SNIPPET_PERMISSIONS = (
    ("content", ("add_menu", "change_menu", "delete_menu", "add_blogcategory", "change_blogcategory")),
    ("simple_translation", ("submit_translation",)),  # "Translate" a page or a menu
)


# ------------------------------------------------------------------------------
# platform staff in Wagtail
# ------------------------------------------------------------------------------
def _staff_group_ensure(home: Page) -> Group:
    group, _created = Group.objects.get_or_create(name=STAFF_GROUP)
    group.permissions.add(
        Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin"),
        *Permission.objects.filter(
            content_type__app_label__in=[app for app, _codes in SNIPPET_PERMISSIONS],
            codename__in=[code for _app, codes in SNIPPET_PERMISSIONS for code in codes],
        ),
    )
    for translation in home.get_translations(inclusive=True):
        home_permissions_grant(translation, group=group)
    root_collection = Collection.get_first_root_node()
    for app_label, codenames in COLLECTION_PERMISSIONS:
        for permission in Permission.objects.filter(
            content_type__app_label=app_label, codename__in=codenames
        ):
            GroupCollectionPermission.objects.get_or_create(
                group=group, collection=root_collection, permission=permission
            )
    return group


def home_permissions_grant(home: Page, *, group: Group | None = None) -> None:
    """Give the platform editors their page rights on `home`: the platform's home page or its
    translation into another language (a sibling of it, which rights on the first do not reach)."""
    group = group or Group.objects.filter(name=STAFF_GROUP).first()
    if group is None:
        return
    for permission in Permission.objects.filter(
        content_type__app_label="wagtailcore", codename__in=PAGE_PERMISSIONS
    ):
        GroupPagePermission.objects.get_or_create(group=group, page=home, permission=permission)


def platform_staff_sync(user: Any) -> None:
    """An active platform staff account (public schema) is in the platform editors' group; any
    other account is not. Store schemas have their own staff and groups: nothing happens there."""
    if not on_platform():
        return
    group = Group.objects.filter(name=STAFF_GROUP).first()
    if group is None:
        return
    if user.is_active and user.is_staff:
        user.groups.add(group)
    else:
        user.groups.remove(group)


# ------------------------------------------------------------------------------
# the tree
# ------------------------------------------------------------------------------
def _features() -> list[dict[str, Any]]:
    items = [
        (_("A store in seconds"), _("Pick a name and an address; your store is ready before the coffee is.")),
        (
            _("Products from suppliers"),
            _("Import products from supplier feeds, with prices and stock kept up to date."),
        ),
        (_("Orders on autopilot"), _("Orders go to your suppliers, tracking comes back to your customers.")),
        (
            _("Your own domain"),
            _("Serve the store on your own domain, with HTTPS, in your customers' languages."),
        ),
        (_("A blog and pages"), _("Write posts and pages that bring shoppers in from search engines.")),
        (_("A team"), _("Invite staff with roles that give each person just what they need.")),
    ]
    return [{"type": "feature", "value": {"title": title, "text": text}} for title, text in items]


def _help_articles() -> list[tuple[str, str, str, str]]:
    return [
        (
            _("Opening your first store"),
            "opening-your-first-store",
            _("Create an account, name your store and choose its address."),
            _(
                "After signing up, the console asks for your company's name and your store's name and "
                "address. The store is ready within seconds; open its dashboard from the console."
            ),
        ),
        (
            _("Choosing and changing your plan"),
            "choosing-your-plan",
            _("Every store starts with a free trial; upgrade or change plans any time."),
            _(
                "Your plan and its limits are shown under Plan and usage in the console. A change of "
                "plan takes effect at once; a shopper's order is never refused because of your plan."
            ),
        ),
    ]


@transaction.atomic
def _tree_create(language: str) -> PlatformHomePage:
    locale = Locale.objects.get(language_code=language)
    root = wagtail_defaults_clear()
    with override(language):
        home = root.add_child(
            instance=PlatformHomePage(
                title=settings.PLATFORM_NAME,
                slug="home",
                locale=locale,
                hero_heading=_("Run your dropshipping stores on %(name)s") % {"name": settings.PLATFORM_NAME},
                hero_text=_(
                    "Open a store in seconds, import products from suppliers, and let built-in "
                    "automation do the busywork."
                ),
                cta_label=_("Create your account"),
                highlights=_features()[:3],
            )
        )
        features = home.add_child(
            instance=FeaturesPage(
                title=_("Features"),
                slug="features",
                locale=locale,
                show_in_menus=True,
                intro=_("Everything a small store needs, from the first product to the thousandth order."),
                features=_features(),
            )
        )
        pricing = home.add_child(
            instance=PricingPage(
                title=_("Pricing"),
                slug="pricing",
                locale=locale,
                show_in_menus=True,
                intro=_("Start with a free trial, no card needed. Change plans whenever you like."),
            )
        )
        blog = home.add_child(
            instance=BlogIndexPage(
                title=_("Blog"),
                slug="blog",
                locale=locale,
                show_in_menus=True,
                intro="<p>" + escape(_("News from %(name)s.") % {"name": settings.PLATFORM_NAME}) + "</p>",
            )
        )
        help_index = home.add_child(
            instance=HelpIndexPage(
                title=_("Help centre"),
                slug="help",
                locale=locale,
                show_in_menus=True,
                intro=_("Answers to the questions merchants ask most."),
            )
        )
        articles = [
            help_index.add_child(
                instance=HelpArticlePage(
                    title=title,
                    slug=slug,
                    locale=locale,
                    intro=intro,
                    body=[{"type": "paragraph", "value": f"<p>{text}</p>"}],
                )
            )
            for title, slug, intro, text in _help_articles()
        ]
        for page in (home, features, pricing, blog, help_index, *articles):
            page.save_revision().publish()
        Site.objects.create(
            hostname=settings.PLATFORM_DOMAIN,
            port=site_port(),
            root_page=home,
            is_default_site=True,
            site_name=settings.PLATFORM_NAME[:255],
        )
    return home


def platform_site_ensure() -> PlatformHomePage:
    """Give the public schema the platform's site: the Locales, the home page under the root
    (instead of Wagtail's "Welcome" page), a default Site on PLATFORM_DOMAIN, starter pages
    (features, pricing, blog, help centre with two articles) and the platform editors' group
    with every active staff account in it. Safe to run again: an existing home is kept, and the
    Site is put back on PLATFORM_DOMAIN."""
    with schema_context(settings.PUBLIC_SCHEMA_NAME):
        for code, _name in settings.WAGTAIL_CONTENT_LANGUAGES:
            Locale.objects.get_or_create(language_code=code)
        home = PlatformHomePage.objects.first()
        if home is None:
            home = _tree_create(settings.LANGUAGE_CODE)
        else:
            site = Site.objects.filter(root_page=home).first()
            if site is None:
                Site.objects.filter(is_default_site=True).update(is_default_site=False)
                Site.objects.create(
                    hostname=settings.PLATFORM_DOMAIN,
                    port=site_port(),
                    root_page=home,
                    is_default_site=True,
                    site_name=settings.PLATFORM_NAME[:255],
                )
            elif (site.hostname, site.port, site.is_default_site) != (
                settings.PLATFORM_DOMAIN,
                site_port(),
                True,
            ):
                site.hostname = settings.PLATFORM_DOMAIN
                site.port = site_port()
                site.is_default_site = True
                site.save()
        group = _staff_group_ensure(home)
        staff = get_user_model().objects.filter(is_staff=True, is_active=True).exclude(groups=group)
        group.user_set.add(*staff)
        return home
