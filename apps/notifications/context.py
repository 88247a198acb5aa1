"""The data an email is rendered with, built as plain dicts from the store, its theme and the
order; and sample data of the same shape for the dashboard's preview and for checking a
merchant's template when it is saved."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils import formats, translation
from django.utils.translation import gettext as _

from apps.core.money import money_format
from apps.core.tenancy import require_store, store_tenant
from apps.notifications.catalog import SPECS, TemplateSpec
from apps.notifications.rendering import plain
from apps.orders.models import Order
from apps.stores.selectors import store_settings_get
from apps.stores.theme_selectors import store_theme_get
from apps.tenants.links import store_base_url
from apps.tenants.models import Tenant


def store_url() -> str:
    """The store's base URL (its primary domain). Inside `schema_context` the connection holds
    a stand-in without domains, so the tenant is read by its schema then."""
    tenant = store_tenant()
    if not isinstance(tenant, Tenant):
        tenant = Tenant.objects.get(schema_name=require_store())
    return store_base_url(tenant)


def language_resolve(language: str) -> str:
    """`language` if the project speaks it, else the store's default language."""
    codes = {code for code, _name in settings.LANGUAGES}
    short = (language or "").split("-")[0].lower()
    if short in codes:
        return short
    default = store_settings_get().default_language
    return default if default in codes else settings.LANGUAGE_CODE


def money_text(amount: Any, currency: str, language: str) -> str:
    try:
        return money_format(Decimal(str(amount)), currency, language or settings.LANGUAGE_CODE)
    except (ArithmeticError, ValueError, TypeError):
        return f"{amount} {currency}"


def date_text(value: Any, language: str) -> str:
    """A date (or an ISO date string) in the reader's language; "" for nothing."""
    if not value:
        return ""
    if isinstance(value, str):
        try:
            value = datetime.date.fromisoformat(value[:10])
        except ValueError:
            return value
    with translation.override(language or None):
        return str(formats.date_format(value, "DATE_FORMAT"))


def store_context() -> dict[str, Any]:
    """The store's name, address, contact and URL, and its theme tokens."""
    profile = store_settings_get()
    locality = " ".join(part for part in (profile.postal_code, profile.city) if part)
    address = [
        line
        for line in (profile.address_line1, profile.address_line2, locality, profile.region, profile.country)
        if line
    ]
    tokens = store_theme_get().tokens
    colors = tokens.colors
    return {
        "store": {
            "name": profile.name,
            "url": store_url(),
            "email": profile.contact_email,
            "phone": profile.contact_phone,
            "address": address,
            "logo_url": "",
        },
        "theme": {
            **{name: colors[name] for name in colors},
            "heading_font": tokens.heading.stack,
            "body_font": tokens.body.stack,
            "radius": tokens.radius,
        },
    }


def _address_lines(address: dict[str, Any]) -> list[str]:
    if not address:
        return []
    locality = " ".join(str(address.get(key) or "") for key in ("postal_code", "city")).strip()
    return [
        str(line)
        for line in (
            address.get("name"),
            address.get("company"),
            address.get("line1"),
            address.get("line2"),
            locality,
            address.get("region"),
            address.get("country"),
        )
        if line
    ]


def order_status_url(order: Order, base_url: str) -> str:
    """The order's signed status page (works for guests as for account holders)."""
    # The storefront owns the signed link's format; imported here, not at module load, so the
    # notifications app does not depend on the storefront's views to load.
    from apps.orders.links import order_status_token

    try:
        path = reverse("storefront:order_status", kwargs={"token": order_status_token(order=order)})
    except NoReverseMatch:
        return base_url
    return base_url + path


def order_context(order: Order, *, language: str, base_url: str) -> dict[str, Any]:
    currency = order.currency
    lines = [
        {
            "title": line.product_title,
            "variant": line.variant_title,
            "sku": line.sku,
            "quantity": line.quantity,
            "unit_price": money_text(line.unit_price, currency, language),
            # What the shop's pages list for the line: before order discounts, and with or
            # without tax as the store prices; the lines add up to the subtotal.
            "total": money_text(line.subtotal, currency, language),
        }
        for line in order.lines.all()
    ]
    return {
        "number": f"#{order.number}",
        "url": order_status_url(order, base_url),
        "date": date_text(order.placed_at or order.created_at, language),
        "email": order.email,
        "currency": currency,
        "subtotal": money_text(order.subtotal, currency, language),
        "discount": money_text(order.discount_total, currency, language),
        "has_discount": bool(order.discount_total),
        # Net of its tax when prices exclude tax (the tax row holds it), so that subtotal −
        # discount + shipping + tax = total, as on the shop's pages.
        "shipping": money_text(order.shipping_shown, currency, language),
        "tax": money_text(order.tax_total, currency, language),
        "has_tax": bool(order.tax_total) and not order.prices_include_tax,
        "total": money_text(order.total, currency, language),
        "gift_card": money_text(order.gift_card_total, currency, language),
        "has_gift_card": bool(order.gift_card_total),
        "store_credit": money_text(order.store_credit_total, currency, language),
        "has_store_credit": bool(order.store_credit_total),
        "shipping_method": order.shipping_method_name,
        "shipping_address": _address_lines(order.shipping_address or {}),
        "lines": lines,
    }


def extras_fill(spec: TemplateSpec, extras: dict[str, Any]) -> dict[str, Any]:
    """`extras` in the template's shapes: every key present, dicts with all their keys."""
    filled: dict[str, Any] = {}
    for key, shape in spec.extras.items():
        given = extras.get(key)
        if isinstance(shape, dict):
            filled[key] = {**shape, **(given if isinstance(given, dict) else {})}
        elif isinstance(shape, list):
            item_shape = shape[0] if shape and isinstance(shape[0], dict) else {}
            items = given if isinstance(given, list) else []
            filled[key] = [
                {**item_shape, **(item if isinstance(item, dict) else {"title": str(item)})} for item in items
            ]
        else:
            filled[key] = given if given is not None else shape
    return plain(filled)


def context_build(
    *, spec: TemplateSpec, language: str, recipient: str, order: Order | None, extras: dict[str, Any]
) -> dict[str, Any]:
    base = store_context()
    context: dict[str, Any] = {**base, "recipient": {"email": recipient}, "language": language}
    if spec.uses_order:
        context["order"] = (
            order_context(order, language=language, base_url=base["store"]["url"])
            if order is not None
            else sample_order(language=language, base_url=base["store"]["url"])
        )
    context.update(extras_fill(spec, extras))
    return plain(context)


# ------------------------------------------------------------------------------
# sample data (preview, checks, "send me a test")
# ------------------------------------------------------------------------------
def sample_order(*, language: str, base_url: str) -> dict[str, Any]:
    currency = store_settings_get().currency
    return {
        "number": "#1001",
        "url": base_url + "/",
        "date": date_text(datetime.date.today(), language),
        "email": "shopper@example.com",
        "currency": currency,
        "subtotal": money_text("59.80", currency, language),
        "discount": money_text("5.00", currency, language),
        "has_discount": True,
        "shipping": money_text("4.90", currency, language),
        "tax": money_text("0.00", currency, language),
        "has_tax": False,
        "total": money_text("59.70", currency, language),
        "gift_card": money_text("0.00", currency, language),
        "has_gift_card": False,
        "store_credit": money_text("0.00", currency, language),
        "has_store_credit": False,
        "shipping_method": _("Standard shipping"),
        "shipping_address": ["Erika Mustermann", "Unter den Linden 1", "10117 Berlin", "DE"],
        "lines": [
            {
                "title": _("Linen shirt"),
                "variant": "M",
                "sku": "SHIRT-M",
                "quantity": 2,
                "unit_price": money_text("19.90", currency, language),
                "total": money_text("39.80", currency, language),
            },
            {
                "title": _("Canvas tote bag"),
                "variant": "",
                "sku": "TOTE",
                "quantity": 1,
                "unit_price": money_text("20.00", currency, language),
                "total": money_text("20.00", currency, language),
            },
        ],
    }


def sample_extras(name: str, *, language: str, base_url: str) -> dict[str, Any]:
    currency = store_settings_get().currency
    soon = date_text(datetime.date.today() + datetime.timedelta(days=3), language)
    ship_lines = [{"sku": "SHIRT-M", "title": _("Linen shirt"), "quantity": 2}]
    samples: dict[str, dict[str, Any]] = {
        "order_shipped": {
            "fulfilment": {
                "carrier_name": "DHL",
                "tracking_number": "00340434161094042557",
                "tracking_url": "https://www.dhl.com/track?id=00340434161094042557",
                "lines": ship_lines,
            }
        },
        "order_delivered": {"fulfilment": {"carrier_name": "DHL", "tracking_number": "00340434161094042557"}},
        "order_refunded": {
            "refund": {"amount": money_text("19.90", currency, language), "reason": _("Damaged item")}
        },
        "delivery_at_risk": {"delivery": {"estimated": soon, "promised": soon, "reason": _("Carrier delay")}},
        "return_requested": {
            "return_request": {"id": "1", "reason": _("Too small"), "dashboard_url": base_url + "/dashboard/"}
        },
        "return_approved": {
            "return_request": {
                "id": "1",
                "instructions": _("Pack the items in their original box."),
                "label_url": base_url + "/",
            }
        },
        "return_refused": {
            "return_request": {"id": "1", "decision_note": _("The return window has closed.")}
        },
        "review_request": {
            "review_url": base_url + "/",
            "lines": [{"title": _("Linen shirt"), "url": base_url + "/"}],
        },
        "welcome": {"account_url": base_url + "/account/"},
        "password_reset": {"reset_url": base_url + "/accounts/password/reset/key/sample/"},
        "newsletter_confirmation": {
            "confirm_url": base_url + "/newsletter/confirm/sample/",
            "unsubscribe_url": base_url + "/newsletter/unsubscribe/sample/",
        },
        "gift_card": {
            "gift_card": {
                "code": "GIFT-ABCD-EFGH-JKLM",
                "amount": money_text("25.00", currency, language),
                "expires": soon,
            }
        },
        "low_stock": {
            "stock": {
                "sku": "SHIRT-M",
                "title": _("Linen shirt"),
                "available": 3,
                "threshold": 5,
                "location": "main",
                "url": base_url + "/dashboard/inventory/",
            }
        },
    }
    return samples.get(name, {})


def sample_context(name: str, *, language: str) -> dict[str, Any]:
    spec = SPECS[name]
    with translation.override(language or None):
        base = store_context()
        url = base["store"]["url"]
        context: dict[str, Any] = {
            **base,
            "recipient": {"email": "shopper@example.com"},
            "language": language,
        }
        if spec.uses_order:
            context["order"] = sample_order(language=language, base_url=url)
        context.update(extras_fill(spec, sample_extras(name, language=language, base_url=url)))
    return plain(context)
