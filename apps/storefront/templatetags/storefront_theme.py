"""The theme's part of every storefront page (used by storefront/base.html):

    {% store_theme as theme %}      the store's published theme (the draft for the editor's preview,
                                    a safe default if it cannot be read)
    {% store_display_name as name %} the shop's name from its settings (the tenant's name as fallback)
    {% theme_head theme %}          preload of the body font, @font-face rules, the tokens as CSS variables
    {% seo_head %}                  canonical, hreflang, Open Graph, Twitter card, JSON-LD from `meta`
    {% language_choices as choices %} the switcher's links: the current page in each enabled language
    {{ image|card_image }}          a product image's thumbnail URL with its width and height

Nothing here may break an error page: each read falls back rather than raising when the
database (or the theme row) is what failed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from django import template
from django.conf import settings
from django.db import DatabaseError
from django.templatetags.static import static
from django.utils.translation import get_language, get_language_info

from apps.core.tenancy import NotInStoreError, current_tenant, in_store
from apps.storefront.i18n import store_languages
from apps.storefront.seo import PageMeta, is_storefront_page, language_paths, page_meta
from apps.storefront.theme_preview import storefront_theme
from apps.stores.errors import StoreSettingsError, ThemeError
from apps.stores.selectors import store_settings_get
from apps.stores.theme_selectors import ResolvedTheme, fallback_theme
from apps.stores.themes import FONT_WEIGHTS, theme_tokens_css

register = template.Library()
logger = logging.getLogger(__name__)

_READ_ERRORS = (DatabaseError, NotInStoreError, StoreSettingsError, ThemeError)


@register.simple_tag(takes_context=True)
def store_theme(context: Any) -> ResolvedTheme:
    request = context.get("request")
    cached = getattr(request, "_storefront_theme", None)
    if isinstance(cached, ResolvedTheme):
        return cached
    theme = context.get("theme")
    if not isinstance(theme, ResolvedTheme):
        theme = fallback_theme()
        if in_store():
            try:
                theme = storefront_theme(request)
            except _READ_ERRORS:
                logger.warning("storefront rendered with the default theme", exc_info=True)
    if request is not None:
        request._storefront_theme = theme
    return theme


@register.simple_tag
def store_display_name() -> str:
    if in_store():
        try:
            return store_settings_get().name
        except _READ_ERRORS:
            logger.warning("storefront rendered without store settings", exc_info=True)
    return str(getattr(current_tenant(), "name", "") or "")


@register.inclusion_tag("storefront/partials/theme_head.html")
def theme_head(theme: ResolvedTheme) -> dict[str, Any]:
    tokens = theme.tokens
    faces = [
        {"family": font.name, "weight": weight, "url": static(font.file(weight))}
        for font in tokens.fonts
        for weight in FONT_WEIGHTS
    ]
    return {
        "faces": faces,
        # Only the body text's regular weight is preloaded: it is what the first paint needs.
        "preload": static(tokens.body.file(400)),
        "tokens_css": theme_tokens_css(tokens),
        "theme_color": tokens.colors["surface"],
        "scheme": tokens.scheme,
    }


@register.inclusion_tag("storefront/partials/seo_head.html", takes_context=True)
def seo_head(context: Any) -> dict[str, Any]:
    meta = context.get("meta")
    explicit = isinstance(meta, PageMeta)
    request = context.get("request")
    if not explicit and request is not None and in_store():
        try:
            meta = page_meta(request)
        except _READ_ERRORS:
            meta = None
    return {"meta": meta if isinstance(meta, PageMeta) else None, "explicit": explicit}


@dataclass(frozen=True)
class LanguageChoice:
    code: str
    name: str
    url: str  # "" outside the storefront: the switcher posts to set_language there
    current: bool


@register.simple_tag(takes_context=True)
def language_choices(context: Any) -> list[LanguageChoice]:
    """The store's enabled languages (none with a single one), each with the current page's
    address in it on storefront pages. Unprefixed pages (/accounts/...) have one address for
    every language, so there each choice is sent to Django's set_language (the cookie)."""
    request = context.get("request")
    if request is None or not in_store():
        return []
    try:
        languages = store_languages(request)
    except _READ_ERRORS:
        return []
    if len(languages.enabled) < 2:
        return []
    storefront = is_storefront_page(request)
    paths = language_paths(request) if storefront else {}
    query = request.META.get("QUERY_STRING", "")
    current = get_language() or languages.default
    names = dict(settings.LANGUAGES)
    choices = []
    for code in languages.enabled:
        try:
            name = get_language_info(code)["name_local"]
        except KeyError:
            name = str(names.get(code, code))
        url = paths[code] + (f"?{query}" if query else "") if storefront else ""
        choices.append(LanguageChoice(code=code, name=str(name), url=url, current=code == current))
    return choices


@register.filter
def card_image(image: Any) -> dict[str, Any] | None:
    """A product image for a card: its thumbnail (or the original) with the dimensions it is
    drawn at, so the browser keeps its place before it loads."""
    if not image or not hasattr(image, "image"):  # `|first` of no images is ""
        return None
    file = image.thumbnail if image.thumbnail else image.image
    if not file:
        return None
    width, height = image.width or 0, image.height or 0
    if image.thumbnail and width and height:
        bound_w, bound_h = settings.CATALOG_THUMBNAIL_SIZE
        scale = min(bound_w / width, bound_h / height, 1)
        width, height = max(1, round(width * scale)), max(1, round(height * scale))
    return {"url": file.url, "width": width or None, "height": height or None, "alt": image.alt}


@register.simple_tag(takes_context=True)
def sf_path(context: Any, section: str, key: str = "") -> str:
    """A storefront path in the page's language: `{% sf_path "products" product.handle %}` ->
    "/de/products/linen-shirt/" on a German page of a store whose default is English."""
    request = context.get("request")
    try:
        languages = store_languages(request)
        prefix = languages.prefix(get_language() or languages.default)
    except _READ_ERRORS:
        prefix = ""
    parts = [quote(str(part).strip("/"), safe="/") for part in (section, key) if str(part).strip("/")]
    return prefix + "/" + "".join(f"{part}/" for part in parts)


@register.filter
def stars(rating: int) -> str:
    """A 1-5 rating as five stars, filled and empty."""
    filled = max(0, min(5, int(rating or 0)))
    return "★" * filled + "☆" * (5 - filled)
