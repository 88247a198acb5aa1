"""How catalog pages present what the catalog selectors read: product images with their sizes,
stock states, delivery estimates in the shopper's language, the variant matrix the picker
works from, and the product's schema.org data.

Nothing here queries the database: the views load everything first (a fixed number of queries)
and these functions only shape it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.dates import format_interval
from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from apps.catalog.models import Product, ProductImage, ProductVariant
from apps.catalog.storefront_selectors import DeliveryEstimate, delivery_estimate, product_options
from apps.core.money import money_quantize
from apps.reviews.selectors import RatingSummary, ReviewView
from apps.storefront.presentment import price_display_text, request_presentment, shopper_locale
from apps.storefront.seo import absolute_url, description_clean

# ------------------------------------------------------------------------------
# images
# ------------------------------------------------------------------------------


def thumbnail_size(width: int, height: int, box: tuple[int, int] | None = None) -> tuple[int, int]:
    """The size Pillow's `Image.thumbnail(box)` gives an image of `width` x `height` (the
    thumbnail services.images writes), so pages can state it without opening the file."""
    x, y = box or settings.CATALOG_THUMBNAIL_SIZE
    if x >= width and y >= height:
        return width, height
    aspect = width / height

    def rounded(number: float, key: Any) -> int:
        return max(min(math.floor(number), math.ceil(number), key=key), 1)

    if x / y >= aspect:
        x = rounded(y * aspect, key=lambda n: abs(aspect - n / y))
    else:
        y = rounded(x / aspect, key=lambda n: 0 if n == 0 else abs(aspect - x / n))
    return x, y


@dataclass(frozen=True)
class ImageView:
    url: str  # what <img src> shows: the thumbnail when there is one
    width: int | None
    height: int | None
    alt: str
    full_url: str  # the original
    full_width: int | None
    srcset: str  # "thumb.jpg 400w, original.jpg 1600w" when both sizes are known, else ""


def image_view(image: ProductImage, *, alt: str = "") -> ImageView | None:
    """An image with the sizes a page states: the thumbnail (or the original) as `src`, and
    both in `srcset` so large screens get the original."""
    if not image.image:
        return None
    text = image.alt or alt
    full_url = image.image.url
    width, height = image.width, image.height
    if not image.thumbnail:
        return ImageView(full_url, width, height, text, full_url, width, "")
    thumb_url = image.thumbnail.url
    if not (width and height):
        return ImageView(thumb_url, None, None, text, full_url, None, "")
    thumb_width, thumb_height = thumbnail_size(width, height)
    srcset = f"{thumb_url} {thumb_width}w, {full_url} {width}w" if thumb_width < width else ""
    return ImageView(thumb_url, thumb_width, thumb_height, text, full_url, width, srcset)


def gallery(product: Product) -> list[ImageView]:
    return [view for image in product.images.all() if (view := image_view(image, alt=product.title))]


# ------------------------------------------------------------------------------
# stock and delivery
# ------------------------------------------------------------------------------
DEFAULT_LOW_STOCK = 5


@dataclass(frozen=True)
class StockState:
    state: str  # "in" | "low" | "out"
    label: str

    @property
    def available(self) -> bool:
        return self.state != "out"


def stock_state(available: int, low_stock_threshold: int | None) -> StockState:
    """In stock / only N left (at or below the stock's low-stock threshold) / sold out."""
    if available <= 0:
        return StockState("out", _("Sold out"))
    if available <= (low_stock_threshold if low_stock_threshold is not None else DEFAULT_LOW_STOCK):
        return StockState(
            "low", ngettext("Only %(count)d left", "Only %(count)d left", available) % {"count": available}
        )
    return StockState("in", _("In stock"))


def _babel_locale(locale: str) -> Locale:
    try:
        return Locale.parse(locale)
    except (UnknownLocaleError, ValueError):
        return Locale.parse("en")


def country_name(code: str, locale: str) -> str:
    return str(_babel_locale(locale).territories.get(code.upper(), code.upper())) if code else ""


def delivery_text(estimate: DeliveryEstimate, *, locale: str) -> str:
    """ "Arrives 14–21 Dec · ships from China" in the shopper's language."""
    window = format_interval(
        estimate.earliest, estimate.latest, skeleton="MMMd", locale=_babel_locale(locale)
    )
    arrives = _("Estimated delivery %(window)s") % {"window": window}
    if not estimate.ships_from:
        return arrives
    return _("%(arrives)s · ships from %(country)s") % {
        "arrives": arrives,
        "country": country_name(estimate.ships_from, locale),
    }


# ------------------------------------------------------------------------------
# variants
# ------------------------------------------------------------------------------
@dataclass(frozen=True)
class VariantView:
    variant: ProductVariant
    values: tuple[str, ...]  # one per product option, in option order
    label: str  # "M / Red", or the variant's title
    price: Decimal
    compare_at_price: Decimal | None
    currency: str
    stock: StockState
    delivery: str

    @property
    def id(self) -> int:
        return self.variant.pk

    @property
    def on_sale(self) -> bool:
        return self.compare_at_price is not None and self.compare_at_price > self.price


def variant_views(
    product: Product, *, store_country: str, today: date, locale: str | None = None
) -> list[VariantView]:
    """The product's variants (loaded by `storefront_product_get`) as the picker shows them."""
    locale = locale or shopper_locale()
    option_ids = [choices.option.pk for choices in product_options(product)]
    texts: dict[DeliveryEstimate, str] = {}  # variants mostly share one estimate: word it once
    views = []
    for variant in product.variants.all():
        by_option = {value.option_id: value.value for value in variant.option_values.all()}
        values = tuple(by_option.get(option_id, "") for option_id in option_ids)
        label = " / ".join(value for value in values if value) or variant.title or product.title
        estimate = delivery_estimate(
            lead_time_days=variant.lead_time_days,  # type: ignore[attr-defined]
            ships_from_country=variant.ships_from_country,  # type: ignore[attr-defined]
            store_country=store_country,
            today=today,
        )
        stock = stock_state(variant.available, variant.low_stock_threshold)  # type: ignore[attr-defined]
        views.append(
            VariantView(
                variant=variant,
                values=values,
                label=label,
                price=variant.price,
                compare_at_price=variant.compare_at_price,
                currency=variant.currency,
                stock=stock,
                # A sold-out variant promises no delivery date: there is nothing to deliver.
                delivery=(
                    texts.get(estimate) or texts.setdefault(estimate, delivery_text(estimate, locale=locale))
                )
                if stock.available
                else "",
            )
        )
    return views


def selected_variant(views: Sequence[VariantView], wanted: str | None) -> VariantView | None:
    """The variant asked for in `?variant=` when it is one of these, else the first in stock,
    else the first."""
    if wanted and wanted.isascii() and wanted.isdigit():
        for view in views:
            if str(view.id) == wanted:
                return view
    return next((view for view in views if view.stock.available), views[0] if views else None)


def variant_matrix(
    request: HttpRequest, product: Product, views: Sequence[VariantView], *, selected: VariantView | None
) -> dict[str, Any]:
    """What the variant picker (static/js/storefront-catalog.js) works from: the options with
    their values, and every variant that exists with its values, whether it can be bought and
    what the page shows for it. A combination missing from `variants` does not exist."""
    presentment = request_presentment(request)
    locale = shopper_locale()

    def shown(amount: Decimal | None, currency: str) -> str:
        if amount is None:
            return ""
        return price_display_text(amount, presentment=presentment, currency=currency, locale=locale)

    return {
        "options": [
            {"name": choices.option.name, "values": [value.value for value in choices.values]}
            for choices in product_options(product)
        ],
        "variants": [
            {
                "id": view.id,
                "values": list(view.values),
                "label": view.label,
                "available": view.stock.available,
                "stock_state": view.stock.state,
                "stock_label": view.stock.label,
                "price": shown(view.price, view.currency),
                "compare_at_price": shown(view.compare_at_price, view.currency) if view.on_sale else "",
                "delivery": view.delivery,
            }
            for view in views
        ],
        "selected": selected.id if selected else None,
        "labels": {"add": _("Add to cart"), "sold_out": _("Sold out"), "unavailable": _("Unavailable")},
    }


# ------------------------------------------------------------------------------
# schema.org
# ------------------------------------------------------------------------------
AVAILABILITY_IN_STOCK = "https://schema.org/InStock"
AVAILABILITY_OUT_OF_STOCK = "https://schema.org/OutOfStock"


def product_json_ld(
    request: HttpRequest, product: Product, views: Iterable[VariantView], images: Sequence[ImageView]
) -> dict[str, Any]:
    """Product with one Offer per variant, in the currency it is charged in (never the
    display currency): price, priceCurrency, availability, url, sku."""
    url = absolute_url(request, reverse("storefront:product", kwargs={"handle": product.handle}))
    offers = [
        {
            "@type": "Offer",
            "sku": view.variant.sku,
            "name": view.label,
            "price": str(money_quantize(view.price, view.currency)),
            "priceCurrency": view.currency,
            "availability": AVAILABILITY_IN_STOCK if view.stock.available else AVAILABILITY_OUT_OF_STOCK,
            "url": f"{url}?variant={view.id}",
        }
        for view in views
    ]
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Product",
        "name": product.title,
        "url": url,
    }
    if len(offers) == 1:
        data["sku"] = offers[0]["sku"]
    data["offers"] = offers
    description = description_clean(product.seo_description or product.description)
    if description:
        data["description"] = description
    if images:
        data["image"] = [absolute_url(request, image.full_url) for image in images]
    if product.vendor:
        data["brand"] = {"@type": "Brand", "name": product.vendor}
    if product.category_id and product.category is not None:
        data["category"] = product.category.name
    return data


REVIEWS_IN_JSON_LD = 3


def reviews_json_ld(summary: RatingSummary, reviews: Sequence[ReviewView]) -> dict[str, Any]:
    """The product's AggregateRating and its latest few Reviews, to merge into its Product data;
    empty without a published review (search engines refuse a rating of nothing)."""
    if not summary.count or summary.average is None:
        return {}
    rating = {"bestRating": 5, "worstRating": 1}
    return {
        "aggregateRating": {
            "@type": "AggregateRating",
            "ratingValue": float(summary.average),
            "reviewCount": summary.count,
            **rating,
        },
        "review": [
            {
                "@type": "Review",
                "reviewRating": {"@type": "Rating", "ratingValue": review.rating, **rating},
                "author": {"@type": "Person", "name": review.author_name},
                "datePublished": review.created_at.date().isoformat(),
                **({"name": review.title} if review.title else {}),
                **({"reviewBody": review.body} if review.body else {}),
            }
            for review in reviews[:REVIEWS_IN_JSON_LD]
        ],
    }
