"""The store's home page: the theme's blocks in order, and the newsletter sign-up they may hold.

Blocks come from the published theme (`apps.stores.theme_selectors.store_theme_get`; the draft
for the theme editor's preview, `apps.storefront.theme_preview`), already checked against their
schemas: one whose stored data is invalid never reaches this page (it is skipped and logged
there). Blocks that show products or categories read the catalog when their
template first asks (`LazyRead`), a fixed number of queries per block however many products the
store has, and their HTML is kept in the store's fragment cache, so a warm home page runs no
query at all (both pinned by tests); a block whose catalog read fails is left out and logged
rather than failing the page.

The newsletter form posts to `newsletter_subscribe` (CSRF-protected like every form), which
starts the double opt-in in the store's own list (`apps.stores.newsletter`: the address waits
for the confirmation link mailed to it), answers the same whether or not it was already there,
ignores what a bot fills into the hidden `website` field, and accepts at most
STOREFRONT_NEWSLETTER_RATE_PER_HOUR sign-ups per hour from one connection per store.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, cast

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.catalog.models import Category, Product
from apps.catalog.selectors import category_tree, collection_products
from apps.catalog.storefront_selectors import storefront_collection_get, with_card_data
from apps.core.permissions import no_permission_required
from apps.platform.access import client_ip
from apps.storefront.page_cache import storefront_page_cache
from apps.storefront.seo import default_description, organization_json_ld, page_meta, website_json_ld
from apps.storefront.theme_preview import storefront_theme
from apps.stores.blocks import (
    CategoriesGrid,
    CountdownTimer,
    FeaturedProducts,
    HeroBanner,
    ProductCarousel,
    ThemeBlock,
)
from apps.stores.errors import NewsletterError
from apps.stores.newsletter import newsletter_subscribe as newsletter_subscribe_service
from apps.stores.selectors import store_settings_get
from apps.stores.theme_selectors import ResolvedTheme

logger = logging.getLogger(__name__)

NEWSLETTER_RATE_KEY = "storefront:newsletter:rate:{address}"
NEWSLETTER_RATE_WINDOW_SECONDS = 60 * 60


class LazyRead:
    """A catalog read that runs when the template first uses it, and only then: a block whose
    HTML comes from the fragment cache reads nothing. A read that fails is logged and shows as
    empty, so the block is left out rather than failing the page."""

    def __init__(self, read: Callable[[], list[Any]], *, label: str) -> None:
        self._read = read
        self._label = label
        self._value: list[Any] | None = None

    def __call__(self) -> list[Any]:
        if self._value is None:
            try:
                self._value = self._read()
            except Exception:
                # e.g. a collection whose stored rules no longer parse: it costs this block only.
                logger.exception("home block %s left out", self._label)
                self._value = []
        return self._value


# Blocks that read the catalog: their HTML is cached per store, catalog and theme version,
# language and display currency (apps.storefront.caching), so a warm home page reads nothing.
CACHED_BLOCK_TYPES = frozenset({"featured_products", "product_carousel", "categories_grid"})


@dataclass
class PreparedBlock:
    """A block with what its template needs from the catalog."""

    block: ThemeBlock
    context: dict[str, Any] = field(default_factory=dict)

    @property
    def template(self) -> str:
        return self.block.template

    @property
    def data(self) -> Any:
        """The block's settings with its text in the page's language where it has one."""
        return self.block.data_for(get_language())

    @property
    def anchor(self) -> str:
        return f"block-{self.block.id}"

    @property
    def cached(self) -> bool:
        return self.block.type in CACHED_BLOCK_TYPES


def _active_products() -> Any:
    """Active products with what a card shows, as listings read it (`with_card_data`): a
    product stocked nowhere is sold out here as on its page and in every grid."""
    return with_card_data(Product.objects.filter(status=Product.Status.ACTIVE))


def block_products(*, collection_handle: str, limit: int) -> list[Product]:
    """A collection's active products in the collection's order, or the newest active ones when
    no collection is named (or the named one no longer exists). Three or four queries."""
    if collection_handle:
        collection = storefront_collection_get(handle=collection_handle)
        if collection is not None:
            ids = list(
                collection_products(collection=collection)
                .filter(status=Product.Status.ACTIVE)
                .values_list("pk", flat=True)[:limit]
            )
            found = {product.pk: product for product in _active_products().filter(pk__in=ids)}
            return [found[pk] for pk in ids if pk in found]
        logger.info("home block: collection %r not found, showing the newest products", collection_handle)
    return list(_active_products().order_by("-created_at", "-id")[:limit])


def top_categories(*, limit: int) -> list[Category]:
    return [category for category in category_tree() if category.depth == 0][:limit]


def _prepare(block: ThemeBlock, now: datetime.datetime) -> dict[str, Any]:
    data = block.data
    label = f"{block.id} ({block.type})"
    if isinstance(data, FeaturedProducts | ProductCarousel):
        handle, limit = data.collection, data.limit
        return {
            "products": LazyRead(lambda: block_products(collection_handle=handle, limit=limit), label=label)
        }
    if isinstance(data, CategoriesGrid):
        limit = data.limit
        return {"categories": LazyRead(lambda: top_categories(limit=limit), label=label)}
    if isinstance(data, CountdownTimer):
        return {
            "ended": data.ends_at is None or data.ends_at <= now,
            "timezone": store_settings_get().timezone,
        }
    return {}


def blocks_prepare(blocks: Iterable[ThemeBlock]) -> list[PreparedBlock]:
    """Theme blocks with what they read (products, categories) attached, lazily."""
    now = timezone.now()
    return [PreparedBlock(block=block, context=_prepare(block, now)) for block in blocks]


def home_blocks_prepare(theme: ResolvedTheme) -> list[PreparedBlock]:
    return blocks_prepare(theme.blocks)


class NewsletterForm(forms.Form):
    email = forms.EmailField(label=gettext_lazy("Email address"), max_length=254)
    # Left empty by people (the field is hidden from them); bots fill every field they find.
    website = forms.CharField(required=False, max_length=200)


def _home_meta(request: HttpRequest, theme: ResolvedTheme) -> Any:
    hero = next(
        (
            cast(HeroBanner, block.data_for(get_language()))
            for block in theme.blocks
            if isinstance(block.data, HeroBanner)
        ),
        None,
    )
    return page_meta(
        request,
        description=(hero.subheading if hero and hero.subheading else default_description()),
        image_url=hero.image_url if hero and hero.image_url.startswith(("/", "http")) else "",
        json_ld=[organization_json_ld(request), website_json_ld(request)],
    )


def _render_home(
    request: HttpRequest, *, form: NewsletterForm | None = None, status: int = 200
) -> HttpResponse:
    theme = storefront_theme(request)
    context = {
        "theme": theme,
        "blocks": home_blocks_prepare(theme),
        "meta": _home_meta(request, theme),
        "newsletter_form": form or NewsletterForm(),
    }
    return render(request, "storefront/home.html", context, status=status)


@no_permission_required("the storefront is public")
@storefront_page_cache
def home(request: HttpRequest) -> HttpResponse:
    return _render_home(request)


def _rate_limited(request: HttpRequest) -> bool:
    """Counts this sign-up; True past the hourly allowance of the sender's address. The cache
    key carries the store's schema, so each store counts its own."""
    key = NEWSLETTER_RATE_KEY.format(address=client_ip(request) or "unknown")
    if cache.add(key, 1, NEWSLETTER_RATE_WINDOW_SECONDS):
        return False
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, NEWSLETTER_RATE_WINDOW_SECONDS)
        return False
    return count > settings.STOREFRONT_NEWSLETTER_RATE_PER_HOUR


@require_POST
@no_permission_required("shoppers sign up for the store's newsletter")
def newsletter_subscribe(request: HttpRequest) -> HttpResponse:
    form = NewsletterForm(request.POST)
    if _rate_limited(request):
        form.is_valid()
        form.add_error(None, _("Too many sign-ups from your connection. Please try again in an hour."))
        return _render_home(request, form=form, status=429)
    if not form.is_valid():
        return _render_home(request, form=form, status=400)
    if not form.cleaned_data["website"]:
        try:
            newsletter_subscribe_service(
                email=form.cleaned_data["email"], language=get_language() or "", source="home"
            )
        except NewsletterError as error:
            form.add_error("email", error.message)
            return _render_home(request, form=form, status=400)
    messages.success(
        request, _("Thank you! Please check your inbox: we sent you a link to confirm your subscription.")
    )
    return redirect("storefront:home")
