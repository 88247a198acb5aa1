"""Permissions are declared, never implied: every page names what it needs, and every dashboard
URL answers each role as the role map in apps/core/permissions.py says.

The walk covers both URLconfs. A view without a declaration fails the first test; the matrix then
requests every dashboard URL (with real objects of store alpha in its path) as each role, a
shopper and an anonymous visitor, with GET and POST, and checks 403 exactly where the map denies.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from html import unescape
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.urls import Resolver404, URLPattern, URLResolver, get_resolver, resolve, reverse
from django.views.generic import RedirectView
from django_tenants.utils import schema_context

from apps.core.permissions import Role, ViewPermission, role_permissions, view_permission
from apps.tenants.models import Domain
from tests.fixtures import make_store_user, store_client

pytestmark = pytest.mark.django_db

# Views written by libraries, which guard themselves: allauth's sign-in pages are public by
# nature, set_language is a public preference, the Django admin checks is_staff itself.
THIRD_PARTY_MODULES = ("allauth.", "django.views.i18n", "django.contrib.admin.")


@dataclass(frozen=True)
class Route:
    name: str  # "dashboard:catalog:product_edit"
    kwargs: tuple[str, ...]
    callback: Any

    @property
    def module(self) -> str:
        return getattr(self.callback, "__module__", "") or ""


def _walk(patterns: list[Any], namespace: str = "", kwargs: tuple[str, ...] = ()) -> Iterator[Route]:
    for entry in patterns:
        names = kwargs + tuple(entry.pattern.converters) if hasattr(entry.pattern, "converters") else kwargs
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry.url_patterns, ns, names)
        elif isinstance(entry, URLPattern):
            yield Route(name=f"{namespace}{entry.name or ''}", kwargs=names, callback=entry.callback)


def _routes(urlconf: str) -> list[Route]:
    return list(_walk(get_resolver(urlconf).url_patterns))


def _is_third_party(route: Route) -> bool:
    # Every page under the admin namespace is wrapped by AdminSite.admin_view, which requires an
    # active platform staff user (and the model permissions the admin checks itself). A bare
    # RedirectView (allauth's old /accounts/social/... paths) shows nothing; its target is walked.
    return (
        route.module.startswith(THIRD_PARTY_MODULES)
        or route.name.startswith("admin:")
        or getattr(route.callback, "view_class", None) is RedirectView
    )


@pytest.mark.parametrize("urlconf", ["config.urls_tenants", "config.urls_public"])
def test_every_view_declares_the_permission_it_needs(urlconf):
    undeclared = [
        f"{route.name or '?'} ({route.module}.{getattr(route.callback, '__name__', '?')})"
        for route in _routes(urlconf)
        if not _is_third_party(route) and view_permission(route.callback) is None
    ]
    assert undeclared == [], "views without a declared permission:\n" + "\n".join(undeclared)


def test_every_dashboard_view_needs_a_real_permission():
    """Only the hand-off (its token is the credential) may be public under /dashboard/."""
    public = [
        route.name
        for route in _routes("config.urls_tenants")
        if route.name.startswith("dashboard:")
        and (view_permission(route.callback) or ViewPermission(None, None)).public
    ]
    assert public == ["dashboard:handoff"]


# ------------------------------------------------------------------------------
# The URL x role matrix
# ------------------------------------------------------------------------------
def _objects(world) -> dict[str, Any]:
    """One real object of store alpha for every kind of id a dashboard URL takes."""
    from apps.backups.models import StoreExport
    from apps.catalog.models import Category, Collection, ImportRun, ProductImage
    from apps.catalog.tests.factories import make_product, png_upload
    from apps.customers.models import Customer
    from apps.inventory.models import Location
    from apps.sourcing.models import PricingRule, Supplier

    with schema_context(world.tenant.schema_name):
        from apps.catalog.services import product_image_add

        product = make_product("Matrix Shirt", sku_prefix="MATRIX")
        variant = product.variants.get()
        image = product_image_add(product=product, upload=png_upload())
        category = Category.objects.create(name="Matrix", slug="matrix", path="matrix", depth=0)
        collection = Collection.objects.create(title="Matrix", handle="matrix")
        run = ImportRun.objects.create(kind=ImportRun.Kind.PRODUCT_CSV, status=ImportRun.Status.SUCCEEDED)
        location = Location.objects.create(name="Matrix warehouse", code="matrix")
        supplier = Supplier.objects.create(name="Matrix supplier", code="matrix")
        rule = PricingRule.objects.create(name="Matrix rule")
        customer = Customer.objects.create(email="matrix-customer@example.com")
        checkout_ids = _checkout_objects()
        order = _order_object(variant)
        assert ProductImage.objects.filter(pk=image.pk).exists()
    domain = Domain.objects.create(tenant=world.tenant, domain="matrix.example.com", is_primary=False)
    return {
        "product_uuid": product.uuid,
        "variant_id": variant.pk,
        "image_id": image.pk,
        "category_id": category.pk,
        "collection_id": collection.pk,
        "run_uuid": run.uuid,
        "location_id": location.pk,
        "supplier_id": supplier.pk,
        "rule_id": rule.pk,
        "customer_uuid": customer.uuid,
        **checkout_ids,
        "order_number": order.number,
        "order_uuid": order.uuid,
        "domain_id": domain.pk,
        # "Download my store": an export row with no archive (its download answers 404 to the owner).
        "export_uuid": StoreExport.objects.create(tenant=world.tenant, status=StoreExport.Status.READY).uuid,
        "block_id": "hero",  # a block of the default home page (apps.stores.theme_selectors)
        **_purchase_order_objects(world),
        **_notification_objects(world),
        **_invoice_objects(world),
        **_return_objects(world),
        **_review_objects(world),
        **_fulfilment_objects(world),
        **_api_key_objects(world),
        **_webhook_objects(world),
        **_newsletter_objects(world),
    }


def _newsletter_objects(world) -> dict[str, Any]:
    """An address on the newsletter list (its remove page)."""
    from apps.stores.models import NewsletterSubscriber

    with schema_context(world.tenant.schema_name):
        subscriber = NewsletterSubscriber.objects.create(email="matrix-newsletter@example.com")
    return {"subscriber_id": subscriber.pk}


def _checkout_objects() -> dict[str, int]:
    """A shipping zone with a rate, a tax rate, a discount and a gift card (checkout set-up pages)."""
    from decimal import Decimal

    from apps.checkout.admin_services import (
        DiscountSaveInput,
        ShippingRateInput,
        ShippingZoneInput,
        TaxRateInput,
        discount_save,
        shipping_rate_save,
        shipping_zone_save,
        tax_rate_save,
    )
    from apps.checkout.models import Discount, ShippingRate, ShippingZone, TaxRate
    from apps.checkout.services import gift_card_issue

    zone = shipping_zone_save(
        zone=ShippingZone(), data=ShippingZoneInput(name="Matrix zone", countries=("DE",))
    )
    rate = shipping_rate_save(
        rate=ShippingRate(),
        zone=zone,
        data=ShippingRateInput(name="Matrix rate", kind="flat", amount=Decimal(5)),
    )
    tax_rate = tax_rate_save(
        tax_rate=TaxRate(), data=TaxRateInput(country="DE", rate=Decimal("0.19"), name="VAT")
    )
    discount = discount_save(
        discount=Discount(),
        data=DiscountSaveInput(name="Matrix", kind="percentage", value=Decimal(10), code="MATRIX"),
    )
    card = gift_card_issue(amount=Decimal(10))
    return {
        "zone_id": zone.pk,
        "rate_id": rate.pk,
        "tax_rate_id": tax_rate.pk,
        "discount_id": discount.pk,
        "gift_card_id": card.pk,
    }


def _order_object(variant: Any) -> Any:
    """A draft order waiting for payment: every orders page and action applies to it."""
    from apps.orders.drafts import DraftLine, draft_order_create

    return draft_order_create(
        email="matrix-order@example.com", lines=[DraftLine(variant_id=variant.pk, quantity=1)], actor=None
    )


def _notification_objects(world) -> dict[str, Any]:
    """An email template name and language, and a failed delivery (the notifications pages)."""
    from apps.notifications.models import Delivery

    with schema_context(world.tenant.schema_name):
        delivery = Delivery.objects.create(
            template="welcome", to="matrix-delivery@example.com", key="matrix", status="failed"
        )
    return {"name": "welcome", "language": "en", "delivery_id": delivery.pk}


def _invoice_objects(world) -> dict[str, Any]:
    """An issued invoice of a paid order (the invoices pages)."""
    from apps.invoices.services import invoice_issue
    from apps.orders.tests.factories import order_row

    with schema_context(world.tenant.schema_name):
        invoice = invoice_issue(order_id=order_row(status="paid", email="matrix-invoice@example.com").pk)
    return {"invoice_uuid": invoice.uuid}


def _return_objects(world) -> dict[str, Any]:
    """A return request of a paid order with one photo (the returns pages)."""
    from apps.orders.tests.factories import order_row
    from apps.returns.models import ReturnPhoto, ReturnRequest

    with schema_context(world.tenant.schema_name):
        request = ReturnRequest.objects.create(order=order_row(status="paid"), reason="size")
        photo = ReturnPhoto.objects.create(return_request=request, image="returns/photos/matrix.png")
    return {"return_uuid": request.uuid, "photo_id": photo.pk}


def _review_objects(world) -> dict[str, Any]:
    """A review waiting for moderation (the reviews pages)."""
    from apps.catalog.tests.factories import make_product
    from apps.reviews.models import Review

    with schema_context(world.tenant.schema_name):
        product = make_product("Matrix Reviewed", sku_prefix="MATRIXREV")
        review = Review.objects.create(product=product, author_name="Matrix", rating=4)
    return {"review_uuid": review.uuid}


def _fulfilment_objects(world) -> dict[str, Any]:
    """A shipment on its way of a paid order (the fulfilment pages)."""
    from django.utils import timezone

    from apps.fulfilment.models import Fulfilment
    from apps.orders.tests.factories import order_row

    with schema_context(world.tenant.schema_name):
        fulfilment = Fulfilment.objects.create(
            order=order_row(status="fulfilled", email="matrix-fulfilment@example.com"),
            carrier="dhl",
            carrier_name="DHL Express",
            tracking_number="1234567890",
            shipped_at=timezone.now(),
        )
    return {"fulfilment_id": fulfilment.pk}


def _api_key_objects(world) -> dict[str, Any]:
    """An API key of an owner (the API key pages)."""
    from apps.api.keys import api_key_create

    owner = make_store_user(world, "matrix-api-key-owner@example.com", role="owner")
    with schema_context(world.tenant.schema_name):
        created = api_key_create(name="Matrix key", scopes=["products:read"], created_by=owner)
    return {"api_key_uuid": created.key.uuid}


def _webhook_objects(world) -> dict[str, Any]:
    """A webhook endpoint with a dead delivery (the webhook pages)."""
    from apps.integrations.models import WebhookDelivery, WebhookEndpoint, WebhookSecret

    with schema_context(world.tenant.schema_name):
        endpoint = WebhookEndpoint.objects.create(url="https://hooks.example.com/matrix")
        WebhookSecret.objects.create(endpoint=endpoint, secret="whsec_" + "A" * 43 + "=")
        delivery = WebhookDelivery.objects.create(
            endpoint=endpoint,
            event_id="00000000-0000-4000-8000-000000000001",
            message_id="msg_matrix",
            event_type="order.paid",
            body="{}",
            status="dead",
        )
    return {"endpoint_uuid": endpoint.uuid, "delivery_uuid": delivery.uuid}


def _purchase_order_objects(world) -> dict[str, Any]:
    """A supplier order that needs attention (the purchase order pages)."""
    from apps.purchasing.tests.factories import po_row

    with schema_context(world.tenant.schema_name):
        purchase_order = po_row(status="needs_attention")
    return {"purchase_order_id": purchase_order.pk}


def _url(route: Route, objects: dict[str, Any]) -> str:
    missing = [name for name in route.kwargs if name not in objects]
    assert not missing, f"{route.name}: the matrix has no object for {missing}; add one to _objects()"
    return reverse(route.name, kwargs={name: objects[name] for name in route.kwargs})


def _clients(world) -> dict[str, Any]:
    clients = {}
    for role in Role:
        user = make_store_user(world, f"matrix-{role}@example.com", role=role.value)
        client = store_client(world)
        with schema_context(world.tenant.schema_name):
            client.force_login(user)
        clients[role.value] = client
    shopper = make_store_user(world, "matrix-shopper@example.com")
    clients["shopper"] = store_client(world)
    with schema_context(world.tenant.schema_name):
        clients["shopper"].force_login(shopper)
    clients["anonymous"] = store_client(world)
    for client in clients.values():
        client.raise_request_exception = False  # a 500 is a finding to list, not a stop
    return clients


def test_every_dashboard_url_answers_each_role_as_the_map_says(alpha):
    objects = _objects(alpha)
    clients = _clients(alpha)
    routes = sorted(
        (
            route
            for route in _routes("config.urls_tenants")
            if route.name.startswith("dashboard:") and route.name != "dashboard:handoff"
        ),
        # Destructive pages last, so the objects the other pages show still exist when asked.
        key=lambda route: any(word in route.name for word in ("delete", "remove", "bulk")),
    )
    assert len(routes) >= 40  # the walk found the catalog, inventory, sourcing and store pages

    wrong: list[str] = []
    pairs = 0
    for route in routes:
        declared = view_permission(route.callback)
        assert declared is not None
        url = _url(route, objects)
        for method in ("GET", "POST"):
            needed = declared.for_method(method)
            for who, client in clients.items():
                response = client.get(url) if method == "GET" else client.post(url, {})
                pairs += 1
                status = response.status_code
                if who == "anonymous":
                    ok = status == 302 and "/accounts/login/" in response["Location"]
                    expected = "a redirect to sign-in"
                elif who == "shopper" or needed not in role_permissions(who):
                    ok = status == 403
                    expected = "403"
                else:
                    ok = status not in (403, 500)
                    expected = "allowed"
                if not ok:
                    wrong.append(f"{method} {url} as {who}: {status}, expected {expected} ({needed})")
    print(f"\n(URL x role x method) pairs checked: {pairs} over {len(routes)} dashboard URLs")
    assert wrong == [], "\n".join(wrong)


def test_the_role_map_matches_the_documented_rules():
    owner, admin, staff, finance = (role_permissions(role) for role in Role)
    assert owner >= admin >= staff
    assert {"billing.view", "billing.manage", "team.ownership"}.isdisjoint(admin)
    assert {"catalog.edit", "catalog.delete", "inventory.adjust", "sourcing.manage"} <= staff
    assert {"sourcing.credentials", "settings.manage", "domains.manage", "team.manage"}.isdisjoint(staff)
    writes = {p for p in finance if not p.endswith(".view")}
    assert writes == {
        "refunds.create",
        "fraud.review",
        "gift_cards.manage",
        "catalog.export",
        "exports.download",
    }
    assert {p for p in owner if p.endswith(".view")} - {"audit.view"} <= finance
    assert role_permissions("") == frozenset() and role_permissions("intruder") == frozenset()


def _post_forms(html: str, page_url: str) -> list[str]:
    """The targets of the page's POST forms (a form without an action posts to the page)."""
    targets = []
    for tag in re.findall(r"<form\b[^>]*>", html, flags=re.IGNORECASE):
        if not re.search(r"""method=["']?post""", tag, flags=re.IGNORECASE):
            continue
        action = re.search(r"""action=["']([^"']*)["']""", tag)
        targets.append(unescape(action.group(1)) if action and action.group(1) else page_url)
    return targets


def test_the_roles_that_only_read_see_no_control_they_may_not_use(alpha):
    """Finance reads the money pages (and staff their own) but is shown no button, form or
    field that would post somewhere its role may not: every POST form of every dashboard page
    a role may open targets a view whose POST permission that role holds."""
    objects = _objects(alpha)
    clients = _clients(alpha)
    routes = [
        route
        for route in _routes("config.urls_tenants")
        if route.name.startswith("dashboard:") and route.name != "dashboard:handoff"
    ]
    wrong: list[str] = []
    pages = 0
    for who in ("finance", "staff"):
        allowed = role_permissions(who)
        for route in routes:
            reading = view_permission(route.callback)
            if reading is None or reading.for_method("GET") not in allowed:
                continue
            url = _url(route, objects)
            response = clients[who].get(url)
            if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
                continue
            pages += 1
            for target in _post_forms(response.content.decode(), url):
                path = urlsplit(target).path
                if not path.startswith("/dashboard/"):
                    continue  # sign out, language: not the dashboard's
                try:
                    match = resolve(path, urlconf="config.urls_tenants")
                except Resolver404:
                    wrong.append(f"{who} on {url}: a form posts to {path}, which is no page")
                    continue
                declared = view_permission(match.func)
                needed = declared.for_method("POST") if declared else None
                if needed is not None and needed not in allowed:
                    wrong.append(f"{who} on {url}: a form posts to {path}, which needs {needed}")
    assert pages >= 30, pages  # the walk reached the pages each role reads
    assert wrong == [], "\n".join(wrong)
