"""Template tags of the store's Wagtail pages (blog, about, FAQ, landing pages): the same SEO
head as every storefront page (canonical URL, hreflang of the page's live translations, Open
Graph, JSON-LD), the landing page's theme blocks, and the header and footer menus."""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

from django import template
from django.core.cache import cache
from django.db import DatabaseError
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from wagtail.models import Locale, Page

from apps.content.discovery import locale_id
from apps.content.models import BlogPostPage, FAQPage, LandingPage, Menu, MenuItem
from apps.core.tenancy import in_store
from apps.storefront.caching import FRAGMENT_CACHE_SECONDS, store_cache_versions
from apps.storefront.seo import Alternate, absolute_url, breadcrumbs_json_ld, page_meta
from apps.storefront.views.home import blocks_prepare
from apps.stores.blocks import blocks_parse
from apps.stores.errors import StoreSettingsError
from apps.stores.selectors import store_settings_get

register = template.Library()

MENU_CACHE_PREFIX = "storefront:content-menu"

logger = logging.getLogger(__name__)


def _translations(page: Page) -> list[Alternate]:
    found = [
        Alternate(translation.locale.language_code, translation.full_url or "")
        for translation in page.get_translations(inclusive=True).live().public().select_related("locale")
    ]
    found = [alternate for alternate in found if alternate.url]
    if len(found) < 2:
        return []
    default = next((a for a in found if a.language == Locale.get_default().language_code), found[0])
    return [*found, Alternate("x-default", default.url)]


def _image_url(page: Page) -> str:
    image = getattr(page, "hero_image", None)
    if image is None:
        return ""
    return str(image.get_rendition("fill-1200x630").url)


def _json_ld(request: Any, page: Page) -> list[dict[str, Any]]:
    crumbs = [(_("Home"), "/")]
    for ancestor in page.get_ancestors()[2:]:  # past the tree's root and the store's home
        crumbs.append((ancestor.title, ancestor.url or "/"))
    crumbs.append((page.title, page.url or request.path))
    data: list[dict[str, Any]] = [breadcrumbs_json_ld(request, crumbs)]
    if isinstance(page, BlogPostPage):
        published = page.published_on
        data.append(
            {
                "@context": "https://schema.org",
                "@type": "BlogPosting",
                "headline": page.title[:110],
                "description": page.search_description or page.intro,
                "datePublished": published.isoformat() if published else None,
                "dateModified": (page.last_published_at or timezone.now()).date().isoformat(),
                "author": {"@type": "Person", "name": page.byline} if page.byline else None,
                "image": absolute_url(request, _image_url(page)) if page.hero_image else None,
                "mainEntityOfPage": absolute_url(request, page.url or request.path),
            }
        )
        data[-1] = {key: value for key, value in data[-1].items() if value not in (None, "")}
    if isinstance(page, FAQPage):
        data.append(page.faq_json_ld())
    return data


@register.inclusion_tag("storefront/partials/seo_head.html", takes_context=True)
def content_seo(context: Any, page: Page) -> dict[str, Any]:
    request = context["request"]
    intro = getattr(page, "intro", "") or ""
    meta = page_meta(
        request,
        title=page.seo_title or page.title,
        description=page.search_description or strip_tags(str(intro)),
        og_type="article" if isinstance(page, BlogPostPage) else "website",
        image_url=_image_url(page),
        json_ld=_json_ld(request, page),
    )
    # A Wagtail page's translations may have other slugs: the alternates are their own URLs.
    meta = dataclasses.replace(meta, alternates=_translations(page))
    return {"meta": meta, "explicit": True}


@register.inclusion_tag("storefront/content/_landing_blocks.html")
def landing_blocks(page: Page) -> dict[str, Any]:
    """The landing page's blocks as the home page renders them. The editor refuses a bad one,
    but one may have gone bad since (a collection deleted, a schema tightened): it is skipped
    and logged, and the others are shown."""
    blocks, errors = blocks_parse(page.stored_blocks() if isinstance(page, LandingPage) else [])
    for error in errors:
        logger.warning("Landing page %s: block skipped: %s (%s)", page.pk, error.message, error.code)
    return {"blocks": blocks_prepare(blocks)}


def _menus_read(request: Any) -> dict[str, list[dict[str, str]]]:
    """One query: both menus' items in the shopper's language, each menu falling back to the
    store's default language where it has none in it."""
    language = get_language() or ""
    default = store_settings_get().default_language
    items = list(
        MenuItem.objects.filter(menu__locale__language_code__in={language, default})
        .select_related("link_page", "menu__locale")
        .order_by("sort_order", "pk")
    )
    active = locale_id(language)
    chosen_by_handle: dict[str, list[MenuItem]] = {}
    for handle in Menu.Handle.values:
        own = [item for item in items if item.menu.handle == handle]
        chosen = [item for item in own if item.menu.locale.language_code == language]
        chosen_by_handle[handle] = chosen or [
            item for item in own if item.menu.locale.language_code == default
        ]
    # The page in the shopper's language where it is live: a fallback menu links the default
    # language's pages, and a menu copied by "Translate" still does too. One query for all.
    foreign = {
        item.link_page.translation_key
        for chosen in chosen_by_handle.values()
        for item in chosen
        if item.link_page is not None and active is not None and item.link_page.locale_id != active
    }
    translated = (
        {
            page.translation_key: page
            for page in Page.objects.filter(translation_key__in=foreign, locale_id=active, live=True)
        }
        if foreign
        else {}
    )
    menus: dict[str, list[dict[str, str]]] = {}
    for handle, chosen in chosen_by_handle.items():
        links = []
        for item in chosen:
            page = item.link_page
            if page is not None:
                page = translated.get(page.translation_key, page)
                if not page.live:
                    continue
                links.append({"label": item.label or page.title, "url": page.get_url(request) or "/"})
            elif item.link_url:
                links.append({"label": item.label, "url": item.link_url})
        menus[handle] = links
    return menus


def _menus(request: Any) -> dict[str, list[dict[str, str]]]:
    """The store's menus for this request: kept on the request, and in the store's cache under
    its theme version, which a publish, an unpublish, a move or a menu edit changes
    (`apps.storefront.caching.content_signals_connect`)."""
    memo = getattr(request, "_content_menus", None)
    if isinstance(memo, dict):
        return memo
    key = None
    menus = None
    try:
        _catalog, theme = store_cache_versions(request)
        key = f"{MENU_CACHE_PREFIX}:{get_language() or '-'}:{theme}"
        menus = cache.get(key)
    except Exception:  # a cache that cannot be reached costs speed, not the page
        logger.warning("menu cache unreadable; reading the menus", exc_info=True)
    if not isinstance(menus, dict):
        menus = _menus_read(request)
        if key is not None:
            try:
                cache.set(key, menus, FRAGMENT_CACHE_SECONDS)
            except Exception:
                logger.warning("menu cache unwritable", exc_info=True)
    if request is not None:
        request._content_menus = menus
    return menus


@register.simple_tag(takes_context=True)
def content_menu(context: Any, handle: str) -> list[dict[str, str]]:
    """The links of the header or footer menu in the page's language; [] when the store has
    none (or outside a store)."""
    if not in_store():
        return []
    try:
        return _menus(context.get("request")).get(handle, [])
    except (DatabaseError, StoreSettingsError):
        return []
