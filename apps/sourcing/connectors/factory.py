"""Which connector reads a given supplier, built from its settings."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _

from apps.sourcing.connectors import SupplierConnector
from apps.sourcing.connectors.dropship_api import DropshipApiClient
from apps.sourcing.connectors.feeds import CsvFeedConnector, JsonFeedConnector
from apps.sourcing.errors import SourcingError
from apps.sourcing.models import Supplier
from apps.stores.selectors import store_currency_get


def store_currency() -> str:
    """The currency this store sells in (one per store for now)."""
    return store_currency_get()


def upload_format(name: str, content: bytes) -> str:
    """ "csv" or "json" for an uploaded feed, by extension, else by its first character."""
    lowered = name.lower()
    if lowered.endswith(".csv") or lowered.endswith(".txt"):
        return "csv"
    if lowered.endswith(".json"):
        return "json"
    head = content.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if head in (b"{", b"["):
        return "json"
    if lowered.rsplit(".", 1)[-1] in ("xls", "xlsx", "xml", "zip", "gz"):
        raise SourcingError(
            _("Upload the feed as a .csv or .json file, not “%(name)s”.") % {"name": name},
            code="upload_format",
        )
    return "csv"


def connector_for(
    supplier: Supplier, *, upload_name: str = "", content: bytes | None = None
) -> SupplierConnector:
    """The connector for `supplier`; `content` (an uploaded file) is read instead of the network."""
    config = supplier.connector_config or {}
    currency = str(config.get("currency") or store_currency())
    if content is not None:
        connector_class = (
            JsonFeedConnector if upload_format(upload_name, content) == "json" else CsvFeedConnector
        )
        return connector_class(content=content, default_currency=currency, supplier_name=supplier.name)
    if supplier.connector == Supplier.Connector.CSV_FEED:
        return CsvFeedConnector(
            url=str(config.get("feed_url") or ""), default_currency=currency, supplier_name=supplier.name
        )
    if supplier.connector == Supplier.Connector.JSON_FEED:
        return JsonFeedConnector(
            url=str(config.get("feed_url") or ""), default_currency=currency, supplier_name=supplier.name
        )
    if supplier.connector == Supplier.Connector.DROPSHIP_API:
        return DropshipApiClient(
            base_url=str(config.get("base_url") or settings.SOURCING_DROPSHIP_API_BASE_URL),
            app_key=str(config.get("app_key") or ""),
            app_secret=str(config.get("app_secret") or ""),
            access_token=str(config.get("access_token") or ""),
            product_ids=[str(pid) for pid in config.get("product_ids") or []],
            ship_to_country=str(config.get("ship_to_country") or "DE"),
            target_currency=str(config.get("target_currency") or store_currency()),
            target_language=str(config.get("target_language") or "en_US"),
            supplier_name=supplier.name,
        )
    raise SourcingError(
        _("%(supplier)s is a manual supplier: upload its feed as a file.") % {"supplier": supplier.name},
        code="manual_supplier",
    )
