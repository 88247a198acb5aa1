"""The admin REST API's overhead and its list endpoints' query counts, in one process.

- Throughput: `GET /api/v1/products` (20 products with their variants, per_page=20, a Bearer key)
  through Django's test client, against a bare DRF view (an `APIView` with no authentication,
  permission, throttling or pagination, returning a static list of 20 product-shaped dicts)
  mounted on the same store host in a throwaway URLconf (the store URLconf plus that view), so
  both sides run the same middleware and client. A third side, the same queryset and serializer
  in a plain DRF `ListAPIView` without the API's conventions, shows what the conventions cost. Interleaved rounds; the best round of each side
  is compared (noise only slows a round down), the median is shown too. The products list keeps
  its answer while the store's catalog data does not change (apps.api.answer_cache), so the
  products side repeats one query as a polling client does: every request still passes key
  authentication (the key kept in the cache), the scope check and the Redis-counted throttle. A
  fourth side, "built", changes the catalog's data version before each request, so every
  answer is read from the database and serialised again.
- Query counts: every list endpoint of the admin API, found by walking the URLconf (routes under
  `api:` whose view has `api_resource`, answers GET and takes no path parameter), requested warm
  with 10 and with 1,000 rows of its model where the rows are cheap to make (products,
  customers, suppliers, collections, orders, gift cards); the others are measured as they are.
  The catalog's data version is changed before each counted request, so the products list is
  counted as built, not as its kept answer (which makes no query).

Targets: products/bare >= 0.4; every list's query count the same at 10 and 1,000 rows, <= 10.

    .venv/bin/python benchmarks/bench_api.py [--rounds 5] [--requests 100] [--keep-store]
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
import types
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._setup import (
    bench_merchant,
    bench_store_ensure,
    bench_stores_drop,
    bootstrap,
    median,
    report,
    say,
    verdict,
)

STORE_SLUG = "bench-api"
TARGET_RATIO = 0.4
TARGET_QUERIES = 10
PRODUCTS_PATH = "/api/v1/products"
BARE_PATH = "/api/v1/bench-bare"
PLAIN_PATH = "/api/v1/bench-plain-products"
URLCONF_NAME = "benchmarks._bench_api_urls"
SIZES = (10, 1000)


# ---------------------------------------------------------------------------------------------
# The bare DRF view and the throwaway URLconf it is mounted in
# ---------------------------------------------------------------------------------------------
def _static_products() -> list[dict[str, Any]]:
    """20 dicts shaped like the products endpoint's items (one variant, no image)."""
    return [
        {
            "id": f"00000000-0000-0000-0000-{i:012d}",
            "title": f"Bench product {i}",
            "handle": f"bench-product-{i}",
            "status": "active",
            "description": f"A product, number {i}.",
            "vendor": "Bench Mills",
            "product_type": "Shirt",
            "tags": [],
            "seo_title": "",
            "seo_description": "",
            "category": None,
            "variants": [
                {"id": i, "sku": f"BENCH-{i:04d}", "price": "24.00", "currency": "EUR", "options": {}}
            ],
            "images": [],
            "created_at": "2026-01-01T00:00:00Z",
            "updated_at": "2026-01-01T00:00:00Z",
        }
        for i in range(20)
    ]


def _bare_view() -> Any:
    from rest_framework.renderers import JSONRenderer
    from rest_framework.request import Request
    from rest_framework.response import Response
    from rest_framework.views import APIView

    payload = _static_products()

    class BareProducts(APIView):
        authentication_classes: list[Any] = []
        permission_classes: list[Any] = []
        throttle_classes: list[Any] = []
        renderer_classes = [JSONRenderer]

        def get(self, request: Request) -> Response:
            return Response(payload)

    return BareProducts.as_view()


def _plain_view() -> Any:
    """The products list as plain DRF would write it: the same queryset and serializer, none of
    the API's conventions (no key, scope check, throttle, envelope or strict filters; DRF's own
    page-number pagination). The gap to it is what the conventions cost."""
    from rest_framework.generics import ListAPIView
    from rest_framework.pagination import PageNumberPagination
    from rest_framework.renderers import JSONRenderer

    from apps.catalog.api.views import ProductList

    class Pages(PageNumberPagination):
        page_size = 20

    class PlainProducts(ListAPIView):  # type: ignore[type-arg]
        authentication_classes: list[Any] = []
        permission_classes: list[Any] = []
        throttle_classes: list[Any] = []
        filter_backends: list[Any] = []
        renderer_classes = [JSONRenderer]
        pagination_class = Pages
        serializer_class = ProductList.serializer_class

        def get_queryset(self) -> Any:
            return ProductList.get_queryset(self).order_by("-created_at", "-id")  # type: ignore[arg-type]

    return PlainProducts.as_view()


def _urlconf_install() -> None:
    """A URLconf module made at run time: the bare view first, then the store's patterns."""
    from django.urls import path

    from config import urls_tenants

    extra = [
        path(BARE_PATH.lstrip("/"), _bare_view(), name="bench-bare"),
        path(PLAIN_PATH.lstrip("/"), _plain_view(), name="bench-plain"),
    ]
    module = types.ModuleType(URLCONF_NAME)
    module.store_urlpatterns = lambda language: [*extra, *urls_tenants.store_urlpatterns(language)]  # type: ignore[attr-defined]
    module.urlpatterns = [*extra, *urls_tenants.urlpatterns]  # type: ignore[attr-defined]
    module.handler404 = urls_tenants.handler404  # type: ignore[attr-defined]
    module.handler500 = urls_tenants.handler500  # type: ignore[attr-defined]
    sys.modules[URLCONF_NAME] = module


# ---------------------------------------------------------------------------------------------
# Data
# ---------------------------------------------------------------------------------------------
def _api_key(tenant: Any) -> str:
    from allauth.account.models import EmailAddress

    from apps.accounts.models import User
    from apps.api.keys import api_key_create
    from apps.api.scopes import ALL_SCOPES

    email = "bench-api-owner@bench.invalid"
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email, None, is_staff=True, store_role="owner")
        EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return api_key_create(name="bench", scopes=sorted(ALL_SCOPES), created_by=user).plaintext


def _rate_unlimited(merchant: Any) -> None:
    """The bench merchant's plan allows a billion API requests a minute: a benchmark is not a
    client to slow down, yet every request is still counted in Redis as a real one is. (The
    merchant gets a trial plan, 60 requests a minute, as soon as a limit is first checked.)"""
    from apps.billing.limits import merchant_plan_for
    from apps.billing.models import Limit, MerchantPlan

    plan = merchant_plan_for(merchant=merchant)
    overrides = {**(plan.limit_overrides or {}), Limit.API_REQUESTS_PER_MINUTE.value: 10**9}
    MerchantPlan.objects.filter(pk=plan.pk).update(limit_overrides=overrides)


def _products(n: int, prefix: str) -> None:
    from tests.storefront_data import catalog_bulk_build

    catalog_bulk_build(products=n, prefix=prefix)


def _customers(n: int, prefix: str) -> None:
    from apps.customers.models import Customer

    Customer.objects.bulk_create([Customer(email=f"{prefix}-{i}@bench.invalid") for i in range(n)])


def _suppliers(n: int, prefix: str) -> None:
    from apps.sourcing.models import Supplier

    Supplier.objects.bulk_create(
        [Supplier(name=f"Supplier {prefix} {i}", code=f"{prefix}-{i}") for i in range(n)]
    )


def _collections(n: int, prefix: str) -> None:
    from apps.catalog.models import Collection

    Collection.objects.bulk_create(
        [Collection(title=f"Collection {prefix} {i}", handle=f"{prefix}-{i}") for i in range(n)]
    )


def _orders(n: int, prefix: str) -> None:
    from apps.orders.tests.factories import order_row

    for i in range(n):
        order_row(status="paid", email=f"{prefix}-{i}@bench.invalid")


def _gift_cards(n: int, prefix: str) -> None:
    from apps.checkout.services import gift_card_issue

    for _ in range(n):
        gift_card_issue(amount=Decimal(10))


# model label -> a function making n more rows of it (names unique per prefix)
BUILDERS: dict[str, Callable[[int, str], None]] = {
    "catalog.product": _products,
    "customers.customer": _customers,
    "sourcing.supplier": _suppliers,
    "catalog.collection": _collections,
    "orders.order": _orders,
    "checkout.giftcard": _gift_cards,
}


# ---------------------------------------------------------------------------------------------
# The URLconf walk
# ---------------------------------------------------------------------------------------------
def _walk(patterns: list[Any], namespace: str, prefix: str, params: bool) -> Iterator[tuple[str, str, Any]]:
    from django.urls import URLPattern, URLResolver

    for entry in patterns:
        has_params = params or bool(getattr(entry.pattern, "converters", {})) or "(?P<" in str(entry.pattern)
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry.url_patterns, ns, route, has_params)
        elif isinstance(entry, URLPattern) and namespace.startswith("api:") and not has_params:
            view = getattr(entry.callback, "view_class", None)
            if view is not None and getattr(view, "api_resource", None) and hasattr(view, "get"):
                yield f"{namespace}{entry.name}", "/" + route, view


def list_endpoints() -> list[tuple[str, str, Any]]:
    """(route name, path, view class) of every admin list endpoint: GET, no path parameter."""
    from django.urls import get_resolver
    from rest_framework.mixins import ListModelMixin

    found = _walk(get_resolver("config.urls_tenants").url_patterns, "", "", False)
    return sorted((item for item in found if issubclass(item[2], ListModelMixin)), key=lambda item: item[1])


def _model_label(view_class: Any) -> str:
    """The model the list shows, from its queryset (empty when it cannot be told)."""
    try:
        view = view_class()
        view.kwargs, view.args, view.request, view.format_kwarg = {}, (), None, None
        queryset = view.get_queryset()
        return str(queryset.model._meta.label_lower)
    except Exception:
        return ""


# ---------------------------------------------------------------------------------------------
# Measuring
# ---------------------------------------------------------------------------------------------
def _batch(call: Callable[[], Any], count: int) -> float:
    gc.collect()
    started = time.perf_counter()
    for _ in range(count):
        response = call()
        if response.status_code != 200:
            raise SystemExit(f"got {response.status_code}: {response.content[:300]!r}")
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--requests", type=int, default=100, help="requests per round and side")
    parser.add_argument(
        "--keep-store",
        action="store_true",
        help="keep the bench-api store afterwards (dropped at the next run)",
    )
    args = parser.parse_args()

    bootstrap()
    from django.conf import settings
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings
    from django_tenants.utils import schema_context

    from apps.catalog.changes import catalog_data_changed
    from apps.tenants.models import Tenant

    leftover = Tenant.objects.filter(slug=STORE_SLUG).first()
    if leftover is not None:  # made afresh each run: row counts must start from nothing
        say(f"dropped {bench_stores_drop([leftover])} leftover bench store")
    merchant, _owner = bench_merchant()
    _rate_unlimited(merchant)
    tenant, created = bench_store_ensure(STORE_SLUG, merchant=merchant)
    say(f"store {STORE_SLUG}: {'created' if created else 'reused'}")
    host = f"{STORE_SLUG}.{settings.PLATFORM_DOMAIN}"
    _urlconf_install()

    try:
        with schema_context(tenant.schema_name):
            from apps.catalog.models import Product

            _products(20, "bench20")
            key = _api_key(tenant)
        # Throttling counts in Redis per key; a benchmark is not a client to slow down.
        with override_settings(
            ROOT_URLCONF=URLCONF_NAME,
            DEBUG=False,
            API_DEFAULT_RATE_PER_MINUTE=0,
            API_ANONYMOUS_RATE_PER_MINUTE=0,
        ):
            cache.clear()
            client = Client(HTTP_HOST=host, HTTP_AUTHORIZATION=f"Bearer {key}")
            first = client.get(PRODUCTS_PATH, {"per_page": 20})
            body = first.json()
            if first.status_code != 200 or len(body["data"]) != 20:
                raise SystemExit(f"products: {first.status_code} {first.content[:300]!r}")
            bare = client.get(BARE_PATH)
            if bare.status_code != 200 or len(bare.json()) != 20:
                raise SystemExit(f"bare view: {bare.status_code} {bare.content[:300]!r}")
            say(f"products body {len(first.content)} bytes, bare body {len(bare.content)} bytes")

            plain = client.get(PLAIN_PATH)
            if plain.status_code != 200 or len(plain.json()["results"]) != 20:
                raise SystemExit(f"plain DRF list: {plain.status_code} {plain.content[:300]!r}")

            def built() -> Any:
                with schema_context(tenant.schema_name):
                    catalog_data_changed()
                return client.get(PRODUCTS_PATH, {"per_page": 20})

            sides: dict[str, Callable[[], Any]] = {
                "bare DRF view": lambda: client.get(BARE_PATH),
                "plain DRF products list": lambda: client.get(PLAIN_PATH),
                "GET /api/v1/products": lambda: client.get(PRODUCTS_PATH, {"per_page": 20}),
                "GET /api/v1/products, built": built,
            }
            for call in sides.values():  # warm-up
                _batch(call, 30)
            rps: dict[str, list[float]] = {side: [] for side in sides}
            for index in range(args.rounds):
                order = list(sides) if index % 2 == 0 else list(reversed(sides))
                for side in order:
                    rps[side].append(args.requests / _batch(sides[side], args.requests))
                say(
                    f"round {index + 1}/{args.rounds}: "
                    + ", ".join(f"{s} {rps[s][-1]:.0f} req/s" for s in sides)
                )

            # Query counts of every list endpoint at 10 and 1,000 rows
            endpoints = list_endpoints()
            labels = {path: _model_label(view) for _name, path, view in endpoints}
            counts: dict[str, dict[int, int]] = {path: {} for _name, path, _view in endpoints}
            have = dict.fromkeys(BUILDERS, 0)
            with schema_context(tenant.schema_name):
                Product.objects.all().delete()
            for size in SIZES:
                with schema_context(tenant.schema_name):
                    for label, build in BUILDERS.items():
                        if label in labels.values() and have[label] < size:
                            started = time.perf_counter()
                            build(size - have[label], f"qc{size}")
                            have[label] = size
                            say(f"{label}: {size} rows ({time.perf_counter() - started:.1f}s)")
                for _name, path, _view in endpoints:
                    client.get(path)  # warm: key touch, plan rate, caches
                    with schema_context(tenant.schema_name):
                        catalog_data_changed()  # the products list is counted as built
                    with CaptureQueriesContext(connection) as ctx:
                        response = client.get(path)
                    if response.status_code != 200:
                        say(f"{path}: {response.status_code} {response.content[:200]!r}")
                    counts[path][size] = len(ctx.captured_queries)
    finally:
        sys.modules.pop(URLCONF_NAME, None)
        if created and not args.keep_store:
            say(f"dropped {bench_stores_drop([tenant])} bench store")

    best = {side: max(values) for side, values in rps.items()}
    ratio = best["GET /api/v1/products"] / best["bare DRF view"]
    rows = [
        ("store / products", f"{host} / 20 (per_page=20, variants prefetched)"),
        ("rounds x requests per side", f"{args.rounds} x {args.requests} (interleaved, Django test client)"),
    ]
    for side in sides:
        rows.append((f"{side} req/s best / median", f"{best[side]:.0f} / {median(rps[side]):.0f}"))
    plain_ratio = best["GET /api/v1/products"] / best["plain DRF products list"]
    built_ratio = best["GET /api/v1/products, built"] / best["bare DRF view"]
    rows += [
        ("ratio products/bare (best)", f"{ratio:.3f}"),
        (f"target >= {TARGET_RATIO:g}", verdict(ratio >= TARGET_RATIO)),
        ("ratio products/plain DRF list (best)", f"{plain_ratio:.3f} (what the conventions cost)"),
        ("ratio products built/bare (best)", f"{built_ratio:.3f} (no kept answer)"),
    ]
    flat = True
    for _name, path, _view in endpoints:
        label = labels[path]
        filled = label in BUILDERS
        at = counts[path]
        same = at.get(SIZES[0]) == at.get(SIZES[-1])
        flat = flat and same and max(at.values()) <= TARGET_QUERIES
        rows.append(
            (
                f"queries {path}",
                f"{at.get(SIZES[0])} at 10 / {at.get(SIZES[-1])} at 1,000 rows"
                + ("" if filled else f" (rows not made: {label or 'model unknown'})")
                + ("" if same else "  GROWS"),
            )
        )
    rows.append((f"target: same at 10 and 1,000, <= {TARGET_QUERIES}", verdict(flat)))
    result: dict[str, Any] = {
        "bare_rps_best": best["bare DRF view"],
        "products_rps_best": best["GET /api/v1/products"],
        "ratio": ratio,
        "plain_rps_best": best["plain DRF products list"],
        "ratio_plain": plain_ratio,
        "built_rps_best": best["GET /api/v1/products, built"],
        "ratio_built": built_ratio,
        "list_endpoints": len(endpoints),
        "max_queries": max((max(at.values()) for at in counts.values()), default=0),
        "queries_flat": flat,
        "target_met": ratio >= TARGET_RATIO and flat,
    }
    report("api", rows, result)


if __name__ == "__main__":
    main()
