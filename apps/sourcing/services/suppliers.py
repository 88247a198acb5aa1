"""Suppliers and their connector settings, the inventory location that holds their stock, and
the helpers supplier imports and syncs share (our SKU for a supplier's SKU, the supplier
location's stock)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.catalog.models import ProductVariant
from apps.core.http import OutboundHttpError, url_check
from apps.inventory.errors import StockBelowReserved
from apps.inventory.models import Location, StockLevel
from apps.inventory.services import stock_set
from apps.sourcing.connectors.dropship_api import product_ids_parse
from apps.sourcing.connectors.factory import store_currency
from apps.sourcing.errors import SupplierInvalid
from apps.sourcing.models import CONNECTOR_SECRET_KEYS, Supplier

MAX_VARIANT_SKU = 100
# Connector settings that are secrets: stored (encrypted), used, never shown back in full.
SECRET_KEYS = CONNECTOR_SECRET_KEYS


@dataclass(frozen=True)
class SupplierInput:
    name: str
    code: str
    connector: str = Supplier.Connector.MANUAL
    # feed: {"feed_url"}; API: {"base_url", "app_key", "app_secret", "access_token",
    # "product_ids", "ship_to_country", "target_currency", "target_language"}. A secret left
    # empty keeps the one already stored.
    connector_config: dict[str, Any] = field(default_factory=dict)
    contact_name: str = ""
    contact_email: str = ""
    phone: str = ""
    website: str = ""
    lead_time_days: int = 7
    ships_from_country: str = ""
    ships_to_countries: tuple[str, ...] = ()  # empty: ships everywhere
    sync_enabled: bool = True
    is_active: bool = True
    notes: str = ""


def _config_clean(*, connector: str, config: dict[str, Any], previous: dict[str, Any]) -> dict[str, Any]:
    if connector not in Supplier.Connector.values:
        raise SupplierInvalid(_("Unknown connector “%(value)s”.") % {"value": connector}, field="connector")
    if connector == Supplier.Connector.MANUAL:
        return {}
    if connector in (Supplier.Connector.CSV_FEED, Supplier.Connector.JSON_FEED):
        feed_url = str(config.get("feed_url") or "").strip()
        if not feed_url:
            raise SupplierInvalid(_("A feed supplier needs the feed URL."), field="feed_url")
        try:
            url_check(feed_url)
        except OutboundHttpError as exc:
            raise SupplierInvalid(exc.message, field="feed_url") from exc
        return {"feed_url": feed_url}
    cleaned: dict[str, Any] = {}
    base_url = str(config.get("base_url") or "").strip() or settings.SOURCING_DROPSHIP_API_BASE_URL
    try:
        url_check(base_url)
    except OutboundHttpError as exc:
        raise SupplierInvalid(exc.message, field="base_url") from exc
    cleaned["base_url"] = base_url.rstrip("/")
    cleaned["app_key"] = str(config.get("app_key") or "").strip()
    if not cleaned["app_key"]:
        raise SupplierInvalid(_("The API needs the app key."), field="app_key")
    for key in SECRET_KEYS:
        value = str(config.get(key) or "").strip() or str(previous.get(key) or "")
        cleaned[key] = value
    if not cleaned["app_secret"]:
        raise SupplierInvalid(_("The API needs the app secret."), field="app_secret")
    ids = config.get("product_ids") or []
    if isinstance(ids, str):
        try:
            ids = product_ids_parse(ids)
        except ValueError as exc:
            raise SupplierInvalid(str(exc), field="product_ids") from exc
    cleaned["product_ids"] = [str(pid) for pid in ids]
    country = str(config.get("ship_to_country") or "").strip().upper()
    if len(country) != 2 or not country.isalpha():
        raise SupplierInvalid(
            _("Ship-to country must be a two-letter code such as DE."), field="ship_to_country"
        )
    cleaned["ship_to_country"] = country
    cleaned["target_currency"] = str(config.get("target_currency") or store_currency()).strip().upper()
    cleaned["target_language"] = str(config.get("target_language") or "en_US").strip()
    return cleaned


@transaction.atomic
def supplier_save(*, supplier: Supplier, data: SupplierInput, actor: User | None = None) -> Supplier:
    """Create (an unsaved `Supplier()`) or update a supplier and its connector settings."""
    name = data.name.strip()
    code = data.code.strip().lower()
    if not name:
        raise SupplierInvalid(_("A supplier needs a name."), field="name")
    if not code:
        raise SupplierInvalid(_("A supplier needs a code."), field="code")
    if Supplier.objects.filter(code=code).exclude(pk=supplier.pk).exists():
        raise SupplierInvalid(
            _("The code “%(code)s” is already used by another supplier.") % {"code": code}, field="code"
        )
    supplier.connector_config = _config_clean(
        connector=data.connector, config=data.connector_config, previous=supplier.connector_config or {}
    )
    supplier.name, supplier.code, supplier.connector = name[:150], code, data.connector
    supplier.contact_name = data.contact_name.strip()[:150]
    supplier.contact_email = data.contact_email.strip()
    supplier.phone = data.phone.strip()[:40]
    supplier.website = data.website.strip()
    supplier.lead_time_days = data.lead_time_days
    supplier.ships_from_country = data.ships_from_country.strip().upper()[:2]
    countries = [code.strip().upper() for code in data.ships_to_countries if code.strip()]
    bad = [code for code in countries if len(code) != 2 or not code.isalpha()]
    if bad:
        raise SupplierInvalid(
            _("“%(value)s” is not a two-letter country code.") % {"value": bad[0][:10]},
            field="ships_to_countries",
        )
    supplier.ships_to_countries = sorted(set(countries))
    supplier.sync_enabled = data.sync_enabled
    supplier.is_active = data.is_active
    supplier.notes = data.notes
    try:
        with transaction.atomic():
            supplier.save()
    except IntegrityError as exc:
        raise SupplierInvalid(
            _("The code “%(code)s” is already used by another supplier.") % {"code": code}, field="code"
        ) from exc
    location = Location.objects.filter(supplier=supplier).first()
    if location is not None and location.name != supplier.name[:120]:
        location.name = supplier.name[:120]
        location.save(update_fields=["name", "updated_at"])
    return supplier


def supplier_location(*, supplier: Supplier) -> Location:
    """The inventory location that holds this supplier's stock (created on first use)."""
    location = Location.objects.filter(supplier=supplier).first()
    if location is not None:
        return location
    code = f"supplier-{supplier.code}"[:60]
    if Location.objects.filter(code=code).exists():
        code = f"supplier-{supplier.pk}-{hashlib.sha1(supplier.code.encode()).hexdigest()[:6]}"[:60]  # noqa: S324
    location, _created = Location.objects.get_or_create(
        supplier=supplier,
        defaults={"name": supplier.name[:120], "code": code, "kind": Location.Kind.SUPPLIER},
    )
    return location


def variant_sku_for(*, supplier: Supplier, supplier_sku: str) -> str:
    """Our SKU for a supplier's SKU: prefixed with the supplier code, unique across suppliers."""
    sku = f"{supplier.code}-{supplier_sku}"
    if len(sku) <= MAX_VARIANT_SKU:
        return sku
    digest = hashlib.sha1(sku.encode()).hexdigest()[:8]  # noqa: S324 - a short tag, not security
    return f"{sku[: MAX_VARIANT_SKU - 9]}-{digest}"


def supplier_stock_put(
    *, variant: ProductVariant, location: Location, on_hand: int, kind: str, reason: str, reference: str
) -> str:
    """Set the supplier location's stock; returns a warning when reservations forbid it."""
    try:
        stock_set(
            variant=variant, location=location, on_hand=on_hand, reason=reason, kind=kind, reference=reference
        )
    except StockBelowReserved:
        reserved = (
            StockLevel.objects.filter(variant=variant, location=location)
            .values_list("reserved", flat=True)
            .first()
        )
        stock_set(
            variant=variant,
            location=location,
            on_hand=reserved or 0,
            reason=reason,
            kind=kind,
            reference=reference,
        )
        return _("%(sku)s: the supplier has %(stock)d left but %(reserved)d are reserved for orders.") % {
            "sku": variant.sku,
            "stock": on_hand,
            "reserved": reserved or 0,
        }
    return ""
