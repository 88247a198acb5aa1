"""The command palette's search (Ctrl/Cmd+K, and its page without script): the dashboard pages,
products, orders and customers whose name, number or email matches what the merchant typed.

Each kind is shown only to a role holding its permission (pages: those of the menu it may open;
products: catalog.view; orders: orders.view; customers: customers.view). Each kind costs one
query, at most `RESULTS_PER_KIND` rows, whatever the store's size; queries shorter than
`QUERY_MIN_LENGTH` search the pages only (a single letter would match half of the store).

Products match a substring of the title or a whole SKU (the shopper's full-text search, with its
stemming, would not find "jack" while the merchant types "jacket"); orders and customers go
through their apps' list selectors, so the palette finds what their list pages' search finds.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

from django.db import models
from django.db.models import Case, IntegerField, Q, Value, When
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from apps.catalog.models import Product, ProductVariant
from apps.core.errors import ApplicationError
from apps.core.navigation import NavGroup, NavItem
from apps.core.permissions import Perm
from apps.core.templatetags.money import money
from apps.customers.selectors import customer_list
from apps.orders.selectors import OrderFilters, order_queryset

QUERY_MIN_LENGTH = 2
QUERY_MAX_LENGTH = 100
RESULTS_PER_KIND = 5


class SearchErrorCode(models.TextChoices):
    QUERY_TOO_LONG = "query_too_long"


class SearchError(ApplicationError):
    codes = SearchErrorCode


class ResultKind(models.TextChoices):
    """What a result is; the label heads its kind on the results page."""

    PAGE = "page", _("Pages")
    PRODUCT = "product", _("Products")
    ORDER = "order", _("Orders")
    CUSTOMER = "customer", _("Customers")


@dataclass(frozen=True)
class SearchResult:
    kind: str  # a ResultKind value
    label: str
    detail: str
    url: str

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


def search_query_clean(raw: str | None) -> str:
    """The query with its runs of white space folded; too long is an error (not cut short:
    the merchant would see matches for something they did not type)."""
    text = " ".join(str(raw or "").split())
    if len(text) > QUERY_MAX_LENGTH:
        raise SearchError(
            str(_("Search for at most %(limit)d characters.") % {"limit": QUERY_MAX_LENGTH}),
            code=SearchErrorCode.QUERY_TOO_LONG,
            field="q",
            params={"limit": QUERY_MAX_LENGTH, "length": len(text)},
        )
    return text


def dashboard_search(
    *, query: str, permissions: frozenset[Perm], pages: Iterable[tuple[NavItem, str]]
) -> list[SearchResult]:
    """What matches `query` (already cleaned), pages first, then products, orders, customers:
    at most `RESULTS_PER_KIND` of each, one query per kind the role may read. `pages` are the
    menu items the reader may open (`nav_items(permissions)`)."""
    results = _pages_matching(query, pages)
    if len(query) < QUERY_MIN_LENGTH:
        return results
    if Perm.CATALOG_VIEW in permissions:
        results += _products_matching(query)
    if Perm.ORDERS_VIEW in permissions:
        results += _orders_matching(query)
    if Perm.CUSTOMERS_VIEW in permissions:
        results += _customers_matching(query)
    return results


def _pages_matching(query: str, pages: Iterable[tuple[NavItem, str]]) -> list[SearchResult]:
    """Menu items whose label or section contains the query; all of them for an empty query
    (what the palette lists when it opens)."""
    needle = query.casefold()
    found = []
    for item, url in pages:
        label, section = str(item.label), str(NavGroup(item.group).label)
        if needle in label.casefold() or needle in section.casefold():
            found.append(SearchResult(ResultKind.PAGE, label, section, url))
    return found if not needle else found[:RESULTS_PER_KIND]


def _products_matching(query: str) -> list[SearchResult]:
    by_sku = ProductVariant.objects.filter(sku__iexact=query).values("product_id")
    products = (
        Product.objects.filter(Q(title__icontains=query) | Q(pk__in=by_sku))
        .annotate(
            starts=Case(
                When(title__istartswith=query, then=Value(0)), default=Value(1), output_field=IntegerField()
            )
        )
        .order_by("starts", "title", "pk")
        .only("uuid", "title", "status")[:RESULTS_PER_KIND]
    )
    return [
        SearchResult(
            ResultKind.PRODUCT,
            product.title,
            str(product.get_status_display()),
            reverse("dashboard:catalog:product_edit", kwargs={"product_uuid": product.uuid}),
        )
        for product in products
    ]


def _orders_matching(query: str) -> list[SearchResult]:
    orders = order_queryset(filters=OrderFilters(search=query))[:RESULTS_PER_KIND]
    return [
        SearchResult(
            ResultKind.ORDER,
            str(_("Order #%(number)s") % {"number": order.number}),
            " · ".join((order.email, money(order.total, order.currency), str(order.get_status_display()))),
            reverse("dashboard:orders:order_detail", kwargs={"order_number": order.number}),
        )
        for order in orders
    ]


def _customers_matching(query: str) -> list[SearchResult]:
    customers = customer_list(query=query)[:RESULTS_PER_KIND]
    return [
        SearchResult(
            ResultKind.CUSTOMER,
            customer.full_name or customer.email,
            customer.email if customer.full_name else "",
            reverse("dashboard:customers:customer_detail", kwargs={"customer_uuid": customer.uuid}),
        )
        for customer in customers
    ]


def results_grouped(results: list[SearchResult]) -> list[dict[str, Any]]:
    """The results under one heading per kind, in their order (the page without script)."""
    groups: dict[str, list[SearchResult]] = {}
    for result in results:
        groups.setdefault(result.kind, []).append(result)
    return [{"kind": kind, "label": ResultKind(kind).label, "results": rows} for kind, rows in groups.items()]
