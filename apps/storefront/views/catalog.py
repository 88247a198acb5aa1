"""The catalog as shoppers see it: collection and category pages, the product page, search.

Listings (collections, categories, search) share one page: facets counted over the whole
listing, filters (option values, price span, in stock), sort and pagination, all in the query
string so every state has a URL and works without script. Bad input never fails a page: a
malformed price or sort is reported next to its field and left out, a page number past the
end shows the last page, an unknown collection, category or product (or one that is not active)
is the branded 404.

Every page runs a fixed number of queries however many products, variants, images or stock
levels there are (pinned by apps/storefront/tests/test_catalog.py).
"""

from __future__ import annotations

import hashlib
import logging
import re
import unicodedata
import zoneinfo
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django import forms
from django.conf import settings
from django.core.cache import cache
from django.core.paginator import Page, Paginator
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.catalog.models import Category, Collection, Product
from apps.catalog.selectors import option_facet_key, option_facet_parse
from apps.catalog.storefront_selectors import (
    ALL_PRODUCTS_HANDLE,
    Listing,
    ProductSort,
    ShopperFilters,
    category_ancestors,
    product_options,
    storefront_all_products,
    storefront_categories,
    storefront_category_get,
    storefront_collection_get,
    storefront_listing,
    storefront_product_get,
    storefront_related_products,
)
from apps.content.discovery import ArticleHit, active_language, content_search
from apps.core.html import html_sanitize
from apps.core.money import money_format
from apps.core.permissions import no_permission_required
from apps.customers.selectors import wishlist_product_ids
from apps.reviews.selectors import product_reviews, review_purchase_line
from apps.storefront.caching import FRAGMENT_CACHE_SECONDS, store_cache_versions
from apps.storefront.page_cache import storefront_page_cache
from apps.storefront.presentment import request_presentment, shopper_locale
from apps.storefront.seo import breadcrumbs_json_ld, page_meta
from apps.storefront.views.catalog_present import (
    gallery,
    image_view,
    product_json_ld,
    reviews_json_ld,
    selected_variant,
    variant_matrix,
    variant_views,
)
from apps.stores.selectors import store_settings_get

WHY = "the storefront is public"
ARTICLES_CACHE_PREFIX = "storefront:articles"
PAGE_SIZE = 24
SEARCH_MAX_LENGTH = 200
MAX_OPTION_FILTERS = 30
MAX_OPTION_KEY_LENGTH = 200

logger = logging.getLogger(__name__)


# ------------------------------------------------------------------------------
# request parsing
# ------------------------------------------------------------------------------
class ListingForm(forms.Form):
    """The query string of a listing. An invalid price is reported next to its field and
    ignored, an unknown sort falls back to the default; the rest apply."""

    sort = forms.ChoiceField(label=gettext_lazy("Sort by"), required=False)
    price_min = forms.DecimalField(
        label=gettext_lazy("Lowest price"), required=False, min_value=0, max_digits=12, decimal_places=3
    )
    price_max = forms.DecimalField(
        label=gettext_lazy("Highest price"), required=False, min_value=0, max_digits=12, decimal_places=3
    )
    in_stock = forms.BooleanField(label=gettext_lazy("In stock only"), required=False)

    def __init__(self, data: QueryDict, *, sort_choices: list[tuple[str, str]]) -> None:
        super().__init__(data)
        self.fields["sort"].choices = sort_choices  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        low, high = cleaned.get("price_min"), cleaned.get("price_max")
        if low is not None and high is not None and low > high:
            self.add_error("price_max", _("The highest price must not be below the lowest."))
        return cleaned


def search_text(raw: str) -> tuple[str, bool]:
    """The search query as searched: control characters out (a NUL would fail the database),
    spaces collapsed, at most SEARCH_MAX_LENGTH characters (cut at a word). Returns the text
    and whether it was shortened."""
    printable = "".join(" " if unicodedata.category(ch)[0] == "C" else ch for ch in raw)
    text = " ".join(printable.split())
    if len(text) <= SEARCH_MAX_LENGTH:
        return text, False
    cut = text[:SEARCH_MAX_LENGTH]
    return (cut.rsplit(" ", 1)[0] if " " in cut else cut), True


def _printable(text: str) -> bool:
    # A NUL cannot even be sent to PostgreSQL; no name or value of ours holds control characters.
    return not any(unicodedata.category(ch)[0] == "C" for ch in text)


def _option_filters(request: HttpRequest) -> tuple[tuple[str, str], ...]:
    """`option=Size:M` pairs from the query string; malformed or oversized ones are dropped."""
    pairs = []
    for key in request.GET.getlist("option")[:MAX_OPTION_FILTERS]:
        parsed = option_facet_parse(key) if len(key) <= MAX_OPTION_KEY_LENGTH and _printable(key) else None
        if parsed:
            pairs.append(parsed)
    return tuple(dict.fromkeys(pairs))


# ------------------------------------------------------------------------------
# listings
# ------------------------------------------------------------------------------
@dataclass(frozen=True)
class PageLink:
    number: int | None  # None: a gap ("…")
    url: str
    current: bool = False


def _query_with(request: HttpRequest, *, page: int) -> str:
    """This listing's URL (filters and sort kept) at `page`; page 1 has no number."""
    params = request.GET.copy()
    params.pop("page", None)
    if page > 1:
        params["page"] = str(page)
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else request.path


def _page_links(request: HttpRequest, page: Page[Product]) -> list[PageLink]:
    """Numbers around the current page, the first and the last, with gaps between."""
    last = page.paginator.num_pages
    if last <= 1:
        return []
    wanted = sorted({1, last, *range(max(1, page.number - 2), min(last, page.number + 2) + 1)})
    links: list[PageLink] = []
    previous = 0
    for number in wanted:
        if number - previous > 1:
            links.append(PageLink(None, ""))
        links.append(PageLink(number, _query_with(request, page=number), number == page.number))
        previous = number
    return links


def _without(request: HttpRequest, key: str, value: str | None = None) -> str:
    """This listing's URL without `key` (or only without that one `value` of it), from page 1."""
    params = request.GET.copy()
    params.pop("page", None)
    if value is None:
        params.pop(key, None)
    else:
        params.setlist(key, [kept for kept in params.getlist(key) if kept != value])
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else request.path


def _filter_chips(
    request: HttpRequest, filters: ShopperFilters, *, shown: dict[str, Any], currency: str
) -> list[dict[str, str]]:
    """The active filters, each with the URL that removes it; the price bounds as the shopper
    typed them (`shown`), in the currency prices are shown in."""
    chips = [
        {"label": f"{name}: {value}", "url": _without(request, "option", option_facet_key(name, value))}
        for name, value in filters.options
    ]
    locale = shopper_locale()
    if shown.get("price_min") is not None:
        price = money_format(shown["price_min"], currency, locale)
        chips.append({"label": _("From %(price)s") % {"price": price}, "url": _without(request, "price_min")})
    if shown.get("price_max") is not None:
        price = money_format(shown["price_max"], currency, locale)
        chips.append(
            {"label": _("Up to %(price)s") % {"price": price}, "url": _without(request, "price_max")}
        )
    if filters.in_stock:
        chips.append({"label": _("In stock only"), "url": _without(request, "in_stock")})
    return chips


def _listing_response(
    request: HttpRequest,
    *,
    heading: str,
    description: str = "",
    crumbs: list[tuple[str, str]],
    collection: Collection | None = None,
    category: Category | None = None,
    query: str | None = None,
    template: str = "storefront/catalog/listing.html",
    extra: dict[str, Any] | None = None,
) -> HttpResponse:
    searching = query is not None
    featured = (
        collection is not None and collection.kind == Collection.Kind.MANUAL and collection.pk is not None
    )
    sort_choices = ProductSort.choices(featured=featured, relevance=searching)
    default_sort = sort_choices[0][0]
    form = ListingForm(request.GET, sort_choices=sort_choices)
    form.is_valid()
    cleaned = form.cleaned_data  # the valid fields only: an invalid one is left out
    # The price bounds are typed in the currency prices are shown in (the shopper's choice).
    presentment = request_presentment(request)
    low, high = cleaned.get("price_min"), cleaned.get("price_max")
    filters = ShopperFilters(
        options=_option_filters(request),
        price_min=presentment.store_bound(low, upper=False) if low is not None else None,
        price_max=presentment.store_bound(high, upper=True) if high is not None else None,
        in_stock=bool(cleaned.get("in_stock")),
    )
    sort = cleaned.get("sort") or default_sort
    listing: Listing | None = None
    page: Page[Product] | None = None
    if not searching or query:
        listing = storefront_listing(
            collection=collection, category=category, query=query or "", filters=filters, sort=sort
        )
        page = Paginator(listing.products, PAGE_SIZE).get_page(request.GET.get("page"))
    selected_options = {option_facet_key(name, value) for name, value in filters.options}
    page_number = page.number if page is not None else 1
    meta = page_meta(
        request,
        title=heading
        if page_number == 1
        else _("%(title)s – page %(page)d") % {"title": heading, "page": page_number},
        description=description,
        query={"page": page_number if page_number > 1 else None, "q": query or None},
        noindex=searching,
        json_ld=[breadcrumbs_json_ld(request, crumbs)] if len(crumbs) > 1 else [],
    )
    context = {
        "meta": meta,
        "heading": heading,
        "description_html": html_sanitize(description) if description else "",
        "crumbs": crumbs,
        "listing": listing,
        "page": page,
        # Lazy: read only when the grid's cached fragment is missing (listing.html, storefront_cache).
        "cards": SimpleLazyObject(lambda: _cards(page)) if page is not None else [],
        "page_links": _page_links(request, page) if page is not None else [],
        "prev_url": _query_with(request, page=page.previous_page_number())
        if page is not None and page.has_previous()
        else "",
        "next_url": _query_with(request, page=page.next_page_number())
        if page is not None and page.has_next()
        else "",
        "form": form,
        "filters": filters,
        "chips": _filter_chips(request, filters, shown=cleaned, currency=presentment.currency),
        "price_currency": presentment.currency,
        # The placeholders: the listing's cheapest and dearest price, as shown.
        "price_range": [
            presentment.convert(bound) if bound is not None else None
            for bound in ((listing.facets.price_min, listing.facets.price_max) if listing else (None, None))
        ],
        "selected_options": selected_options,
        "sort": sort,
        "sort_choices": sort_choices,
        "search_query": query or "",
        "searching": searching,
        **(extra or {}),
    }
    return render(request, template, context)


@dataclass(frozen=True)
class Card:
    product: Product
    url: str
    image: Any
    price_min: Any
    price_max: Any
    compare_at_price: Any
    currency: str
    sold_out: bool
    eager: bool = False  # the first row loads at once (it is what the first paint shows)

    @property
    def price_varies(self) -> bool:
        return self.price_min is not None and self.price_max is not None and self.price_max > self.price_min

    @property
    def on_sale(self) -> bool:
        return (
            self.compare_at_price is not None
            and self.price_min is not None
            and self.compare_at_price > self.price_min
        )


EAGER_CARDS = 4


_HANDLE_MARK = "handle-mark"
_SLUG = re.compile(r"[-a-zA-Z0-9_]+")


def _product_urls() -> Callable[[str], str]:
    """The product page's URL for a handle, in the current language: one `reverse` for a whole
    grid instead of one per card. A handle is a slug (the pattern's converter) and goes into
    the path as it is; anything else takes the long way, which refuses it as reverse does."""
    head, _, tail = reverse("storefront:product", kwargs={"handle": _HANDLE_MARK}).partition(_HANDLE_MARK)

    def url_for(handle: str) -> str:
        if _SLUG.fullmatch(handle):
            return f"{head}{handle}{tail}"
        return reverse("storefront:product", kwargs={"handle": handle})

    return url_for


def _card(product: Product, *, url: str, eager: bool = False) -> Card:
    images = list(product.images.all())
    return Card(
        product=product,
        url=url,
        image=image_view(images[0], alt=product.title) if images else None,
        price_min=getattr(product, "price_min", None),
        price_max=getattr(product, "price_max", None),
        compare_at_price=getattr(product, "compare_at_price", None),
        currency=getattr(product, "currency", None) or "",
        sold_out=(getattr(product, "stock_available", 0) or 0) <= 0,
        eager=eager,
    )


def _cards_of(products: Iterable[Product], *, eager: int = 0) -> list[Card]:
    """Cards of `products`, the first `eager` of them loading their image at once."""
    url_for = _product_urls()
    return [
        _card(product, url=url_for(product.handle), eager=index < eager)
        for index, product in enumerate(products)
    ]


def _cards(page: Page[Product]) -> list[Card]:
    return _cards_of(page.object_list, eager=EAGER_CARDS)


def _home_crumb() -> tuple[str, str]:
    return (_("Home"), reverse("storefront:home"))


@no_permission_required(WHY)
def collection_list(request: HttpRequest) -> HttpResponse:
    collections = list(Collection.objects.order_by("title"))
    crumbs = [_home_crumb(), (_("Collections"), reverse("storefront:collection_list"))]
    meta = page_meta(request, title=_("Collections"), json_ld=[breadcrumbs_json_ld(request, crumbs)])
    return render(
        request,
        "storefront/catalog/collections.html",
        {"meta": meta, "collections": collections, "crumbs": crumbs, "all_handle": ALL_PRODUCTS_HANDLE},
    )


@no_permission_required(WHY)
@storefront_page_cache
def collection_detail(request: HttpRequest, handle: str) -> HttpResponse:
    collection = storefront_collection_get(handle=handle)
    if collection is None:
        if handle != ALL_PRODUCTS_HANDLE:
            raise Http404(_("No such collection."))
        collection = storefront_all_products()
    url = reverse("storefront:collection", kwargs={"handle": collection.handle})
    crumbs = [
        _home_crumb(),
        (_("Collections"), reverse("storefront:collection_list")),
        (collection.title, url),
    ]
    return _listing_response(
        request,
        heading=collection.title,
        description=collection.description,
        crumbs=crumbs,
        collection=collection,
    )


def _category_url(category: Category) -> str:
    return reverse("storefront:category", kwargs={"path": category.path})


@no_permission_required(WHY)
@storefront_page_cache
def category_detail(request: HttpRequest, path: str) -> HttpResponse:
    category = storefront_category_get(path=path) if len(path) <= 1000 and _printable(path) else None
    if category is None:
        raise Http404(_("No such category."))
    crumbs = [_home_crumb()]
    crumbs += [(ancestor.name, _category_url(ancestor)) for ancestor in category_ancestors(category=category)]
    crumbs.append((category.name, _category_url(category)))
    return _listing_response(
        request, heading=category.name, description=category.description, crumbs=crumbs, category=category
    )


def _articles(request: HttpRequest, query: str) -> list[ArticleHit]:
    """Blog posts and pages matching `query`, shown under the products (Wagtail's search index,
    this language only). Kept in the store's cache under its theme version, which every publish,
    unpublish or move changes (`apps.storefront.caching.content_signals_connect`): a catalog
    change, which retires the product results, leaves these alone."""
    language = active_language()
    digest = hashlib.blake2b(query.encode(), digest_size=12).hexdigest()
    key = None
    try:
        _catalog, theme = store_cache_versions(request)
        key = f"{ARTICLES_CACHE_PREFIX}:{language}:{theme}:{digest}"
        found = cache.get(key)
        if isinstance(found, list):
            return found
    except Exception:  # a cache that cannot be reached costs speed, not the page
        logger.warning("article search cache unreadable", exc_info=True)
    hits = content_search(query=query, language=language, request=request)
    if key is not None:
        try:
            cache.set(key, hits, FRAGMENT_CACHE_SECONDS)
        except Exception:
            logger.warning("article search cache unwritable", exc_info=True)
    return hits


@no_permission_required(WHY)
@storefront_page_cache
def search(request: HttpRequest) -> HttpResponse:
    query, shortened = search_text(request.GET.get("q", ""))
    crumbs = [_home_crumb(), (_("Search"), reverse("storefront:search"))]
    heading = _("Results for “%(query)s”") % {"query": query} if query else _("Search")
    extra: dict[str, Any] = {"shortened": shortened, "search_max_length": SEARCH_MAX_LENGTH}
    if not query:
        extra["categories"] = storefront_categories()
    else:
        extra["articles"] = _articles(request, query)
    return _listing_response(
        request,
        heading=heading,
        crumbs=crumbs,
        query=query,
        template="storefront/catalog/search.html",
        extra=extra,
    )


# ------------------------------------------------------------------------------
# product
# ------------------------------------------------------------------------------
def _store_today(timezone_name: str) -> date:
    try:
        zone = zoneinfo.ZoneInfo(timezone_name or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = zoneinfo.ZoneInfo("UTC")
    return timezone.now().astimezone(zone).date()


@no_permission_required(WHY)
@storefront_page_cache
def product_detail(request: HttpRequest, handle: str) -> HttpResponse:
    product = storefront_product_get(handle=handle)
    if product is None:
        raise Http404(_("No such product."))
    store = store_settings_get()
    views = variant_views(product, store_country=store.country, today=_store_today(store.timezone))
    selected = selected_variant(views, request.GET.get("variant"))
    images = gallery(product)
    url = reverse("storefront:product", kwargs={"handle": product.handle})
    crumbs = [_home_crumb()]
    if product.category is not None:
        crumbs += [(c.name, _category_url(c)) for c in category_ancestors(category=product.category)]
        crumbs.append((product.category.name, _category_url(product.category)))
    crumbs.append((product.title, url))
    picker = [
        {
            "index": index,
            "name": choices.option.name,
            "values": [
                {
                    "value": value.value,
                    "checked": selected is not None and selected.values[index] == value.value,
                }
                for value in choices.values
            ],
        }
        for index, choices in enumerate(product_options(product))
    ]
    user = request.user
    in_wishlist = bool(
        user.is_authenticated
        and not user.is_staff
        and wishlist_product_ids(user=user, product_ids=[product.pk])  # type: ignore[arg-type]
    )
    # Reviews: the rating summary (cached) and one query for a page of published reviews; a
    # signed-in shopper who bought the product gets the link to review it (one query more).
    reviews = product_reviews(product_id=product.pk, page=request.GET.get("reviews_page"))
    can_review = bool(
        user.is_authenticated and not user.is_staff and review_purchase_line(user=user, product_id=product.pk)  # type: ignore[arg-type]
    )
    product_data = {
        **product_json_ld(request, product, views, images),
        **reviews_json_ld(reviews.summary, reviews.reviews),
    }
    meta = page_meta(
        request,
        title=product.seo_title or product.title,
        description=product.seo_description or product.description,
        og_type="product",
        image_url=images[0].full_url if images else "",
        json_ld=[product_data, breadcrumbs_json_ld(request, crumbs)],
    )
    context = {
        "meta": meta,
        "product": product,
        "crumbs": crumbs,
        "images": images,
        "variants": views,
        "selected": selected,
        "picker": picker,
        "has_choice": len(views) > 1,
        "matrix": variant_matrix(request, product, views, selected=selected),
        "description_html": html_sanitize(product.description),
        # Lazy: read only when the cached fragment is missing (product.html, storefront_cache).
        "related": SimpleLazyObject(lambda: _cards_of(storefront_related_products(product=product))),
        "in_wishlist": in_wishlist,
        "max_quantity": settings.CART_LINE_MAX_QUANTITY,
        "reviews": reviews,
        "can_review": can_review,
    }
    return render(request, "storefront/catalog/product.html", context)
