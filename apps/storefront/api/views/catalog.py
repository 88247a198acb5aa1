"""The catalog for headless shops: the store's profile, product listings (all products, a
collection's, a search) with facets, one product, and the collections. The same reads as the
storefront's pages (`apps.catalog.storefront_selectors`): only active products, a fixed number
of queries however many products, variants or images there are."""

from __future__ import annotations

import zoneinfo
from datetime import date
from typing import Any

from django.db.models import QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.response import Response

from apps.api.serializers import money_str
from apps.api.views import ApiView, ListApiView
from apps.catalog.models import Collection, Product
from apps.catalog.selectors import Facets
from apps.catalog.storefront_selectors import (
    ALL_PRODUCTS_HANDLE,
    Listing,
    ProductSort,
    ShopperFilters,
    product_options,
    storefront_all_products,
    storefront_category_get,
    storefront_collection_get,
    storefront_listing,
    storefront_product_get,
)
from apps.core.html import html_sanitize
from apps.payments.gateways import gateways_available
from apps.storefront.api.serializers import (
    ORDERINGS,
    CollectionSerializer,
    ListingQuery,
    ProductCardSerializer,
    ProductDetailSerializer,
    StoreSerializer,
)
from apps.storefront.i18n import store_languages
from apps.storefront.policies import policies_published
from apps.storefront.views.catalog_present import variant_views
from apps.stores.selectors import store_currency_get, store_settings_get

CATALOG_REASON = (
    "the storefront's catalog is public: active products, collections and the store's public profile"
)
PAGINATED_ONLY = ("page", "per_page")

LISTING_PARAMETERS = [
    OpenApiParameter("q", OpenApiTypes.STR, description="Search words (typos are forgiven)."),
    OpenApiParameter(
        "ordering",
        OpenApiTypes.STR,
        enum=sorted(ORDERINGS),
        description="newest (default), price, -price, title; relevance when searching; featured in a manual collection.",
    ),
    OpenApiParameter("price_min", OpenApiTypes.DECIMAL, description="Lowest variant price."),
    OpenApiParameter("price_max", OpenApiTypes.DECIMAL, description="Highest variant price."),
    OpenApiParameter("in_stock", OpenApiTypes.BOOL, description="Only products that can be bought now."),
    OpenApiParameter(
        "option",
        OpenApiTypes.STR,
        many=True,
        description="A facet key `Name:Value` (repeat it: values of one option widen, options narrow).",
    ),
    OpenApiParameter("category", OpenApiTypes.STR, description="A category path (`clothing/shirts`)."),
]


def _store_today(timezone_name: str) -> date:
    try:
        zone = zoneinfo.ZoneInfo(timezone_name or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = zoneinfo.ZoneInfo("UTC")
    return timezone.now().astimezone(zone).date()


def facets_data(facets: Facets, currency: str) -> dict[str, Any]:
    return {
        "options": {
            name: [{"key": value.key, "label": value.label, "count": value.count} for value in values]
            for name, values in facets.option_values.items()
        },
        "price": {
            "min": money_str(facets.price_min, currency),
            "max": money_str(facets.price_max, currency),
            "currency": currency,
        },
    }


# ------------------------------------------------------------------------------
# store
# ------------------------------------------------------------------------------
class StoreProfileApi(ApiView):
    api_public_reason = CATALOG_REASON

    @extend_schema(
        summary="The store's public profile",
        description="Name, currency, languages, published policies (with their storefront pages) and payment methods.",
        responses=StoreSerializer,
        examples=[
            OpenApiExample(
                "A store",
                value={
                    "name": "Alpha",
                    "currency": "EUR",
                    "country": "DE",
                    "prices_include_tax": True,
                    "languages": {"default": "en", "enabled": ["en", "de"]},
                    "contact_email": "hello@example.com",
                    "policies": [
                        {
                            "kind": "refund",
                            "title": "Refund policy",
                            "url": "https://alpha.example.com/pages/refund/",
                        }
                    ],
                    "payment_methods": [{"code": "dummy", "name": "Test payments", "kind": "test_card"}],
                },
                response_only=True,
            )
        ],
    )
    def get(self, request: Request) -> Response:
        store = store_settings_get()
        languages = store_languages(request._request)
        policies = []
        for kind in policies_published(store):
            try:
                url = request.build_absolute_uri(reverse("storefront:policy", kwargs={"kind": kind.slug}))
            except NoReverseMatch:  # pragma: no cover - the storefront always has the page
                url = ""
            policies.append({"kind": kind.slug, "title": str(kind.title), "url": url})
        data = {
            "name": store.name,
            "currency": store.currency,
            "country": store.country,
            "prices_include_tax": store.prices_include_tax,
            "languages": {"default": languages.default, "enabled": list(languages.enabled)},
            "contact_email": store.contact_email,
            "policies": policies,
            "payment_methods": [
                {"code": g.code, "name": g.name, "kind": g.kind} for g in gateways_available()
            ],
        }
        return Response(StoreSerializer(data).data)


# ------------------------------------------------------------------------------
# listings
# ------------------------------------------------------------------------------
class ProductListApi(ListApiView):
    """Active products with their price span, stock and images; filters, facets and search."""

    api_public_reason = CATALOG_REASON
    serializer_class = ProductCardSerializer
    filter_backends: list[Any] = []  # the listing's own query string (ListingQuery) decides
    searching = False

    def collection(self) -> Collection | None:
        return None

    def listing_query(self) -> dict[str, Any]:
        params = self.request.query_params
        data: dict[str, Any] = {
            name: params.getlist(name) if name == "option" else params.get(name)
            for name in params
            if name not in PAGINATED_ONLY
        }
        query = ListingQuery(data=data)
        query.is_valid(raise_exception=True)
        return dict(query.validated_data)

    def listing(self) -> Listing:
        values = self.listing_query()
        collection = self.collection()
        text = values.get("q") or ""
        searched = self.searching or bool(text)
        if self.searching and not text:
            raise exceptions.ValidationError({"q": [_("Enter what to search for.")]})
        featured = (
            collection is not None and collection.kind == Collection.Kind.MANUAL and collection.pk is not None
        )
        allowed = [key for key, _label in ProductSort.choices(featured=featured, relevance=searched)]
        default = allowed[0]
        wanted = values.get("ordering")
        sort = ORDERINGS[wanted] if wanted else default
        if sort not in allowed:
            choices = sorted(key for key, value in ORDERINGS.items() if value in allowed)
            raise exceptions.ValidationError(
                {"ordering": [_("Choose one of %(choices)s here.") % {"choices": ", ".join(choices)}]}
            )
        category = None
        if values.get("category"):
            category = storefront_category_get(path=values["category"])
            if category is None:
                raise exceptions.ValidationError({"category": [_("No such category.")]})
        filters = ShopperFilters(
            options=tuple(dict.fromkeys(tuple(key.split(":", 1)) for key in values.get("option", []))),  # type: ignore[misc]
            price_min=values.get("price_min"),
            price_max=values.get("price_max"),
            in_stock=bool(values.get("in_stock")),
        )
        return storefront_listing(
            collection=collection, category=category, query=text, filters=filters, sort=sort
        )

    def get_queryset(self) -> QuerySet[Product]:  # for the schema; `list` reads the listing
        return Product.objects.none()

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        listing = self.listing()
        page = self.paginate_queryset(listing.products)
        response = self.get_paginated_response(ProductCardSerializer(page, many=True).data)
        response.data["meta"]["facets"] = facets_data(listing.facets, store_currency_get())
        return response

    @extend_schema(
        summary="Products",
        description=(
            "Active products, newest first, with price span, stock and images. `meta.facets` counts the "
            "option values and the price span over the whole listing (before option, price and stock filters)."
        ),
        parameters=LISTING_PARAMETERS,
        examples=[
            OpenApiExample(
                "A page of products",
                value={
                    "handle": "linen-shirt",
                    "title": "Linen shirt",
                    "vendor": "Acme",
                    "product_type": "Shirts",
                    "tags": ["summer"],
                    "price": {"min": "20.00", "max": "25.00", "compare_at": None, "currency": "EUR"},
                    "available": True,
                    "images": [],
                },
                response_only=True,
            )
        ],
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class CollectionProductsApi(ProductListApi):
    def collection(self) -> Collection:
        handle = self.kwargs["handle"]
        found = storefront_collection_get(handle=handle)
        if found is None:
            if handle != ALL_PRODUCTS_HANDLE:
                raise exceptions.NotFound(_("No such collection."))
            found = storefront_all_products()
        return found

    @extend_schema(
        summary="A collection's products",
        description=f"As `products`, within one collection (`{ALL_PRODUCTS_HANDLE}`: every active product); "
        "`featured` is the merchant's order of a manual collection (its default).",
        parameters=LISTING_PARAMETERS,
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class SearchApi(ProductListApi):
    searching = True

    @extend_schema(
        summary="Search",
        description="Products matching `q` (required; stemmed, typo-tolerant), by relevance, with `meta.facets`.",
        parameters=LISTING_PARAMETERS,
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


# ------------------------------------------------------------------------------
# one product
# ------------------------------------------------------------------------------
class ProductDetailApi(ApiView):
    api_public_reason = CATALOG_REASON

    @extend_schema(
        summary="One product",
        description="An active product with its options and variants (price, stock, delivery estimate) and images.",
        responses=ProductDetailSerializer,
    )
    def get(self, request: Request, handle: str) -> Response:
        product = storefront_product_get(handle=handle) if len(handle) <= 255 else None
        if product is None:
            raise exceptions.NotFound(_("No such product."))
        store = store_settings_get()
        views = variant_views(product, store_country=store.country, today=_store_today(store.timezone))
        options = product_options(product)
        names = [choices.option.name for choices in options]
        prices = [view.price for view in views]
        cheapest = min(views, key=lambda view: view.price, default=None)
        currency = cheapest.currency if cheapest is not None else store.currency
        data = {
            "handle": product.handle,
            "title": product.title,
            "description_html": html_sanitize(product.description),
            "vendor": product.vendor,
            "product_type": product.product_type,
            "tags": list(product.tags),
            "seo_title": product.seo_title,
            "seo_description": product.seo_description,
            "category": {"path": product.category.path, "name": product.category.name}
            if product.category is not None
            else None,
            "price": {
                "min": money_str(min(prices), currency) if prices else None,
                "max": money_str(max(prices), currency) if prices else None,
                "compare_at": money_str(cheapest.compare_at_price, currency)
                if cheapest is not None
                else None,
                "currency": currency,
            },
            "available": any(view.stock.available for view in views),
            "options": [
                {"name": choices.option.name, "values": [value.value for value in choices.values]}
                for choices in options
            ],
            "variants": [
                {
                    "sku": view.variant.sku,
                    "title": view.label,
                    "options": {
                        name: value for name, value in zip(names, view.values, strict=False) if value
                    },
                    "price": money_str(view.price, view.currency),
                    "compare_at_price": money_str(view.compare_at_price, view.currency),
                    "currency": view.currency,
                    "available": view.stock.available,
                    "quantity_available": max(int(view.variant.available), 0),  # type: ignore[attr-defined]
                    "stock_state": view.stock.state,
                    "delivery": view.delivery,
                }
                for view in views
            ],
            "images": list(product.images.all()),
        }
        return Response(ProductDetailSerializer(data).data)


# ------------------------------------------------------------------------------
# collections
# ------------------------------------------------------------------------------
class CollectionListApi(ListApiView):
    api_public_reason = CATALOG_REASON
    serializer_class = CollectionSerializer
    ordering_fields = ["title", "created_at"]
    ordering = ["title", "id"]

    def get_queryset(self) -> QuerySet[Collection]:
        return Collection.objects.all()

    @extend_schema(
        summary="Collections",
        description=f"The store's collections by title. `{ALL_PRODUCTS_HANDLE}` (every product) is not listed but "
        "answers `collections/all/products`.",
        examples=[
            OpenApiExample(
                "Collections",
                value={"handle": "summer", "title": "Summer", "description_html": "<p>Light things.</p>"},
                response_only=True,
            )
        ],
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)
