"""A dropshipping supplier API client following the AliExpress Open Platform "ds" conventions.

Request (one product; GET ``{base_url}/sync``, query parameters)::

    method=aliexpress.ds.product.get
    app_key=<app key>            timestamp=<unix time in milliseconds>
    sign_method=sha256           sign=<signature, below>
    access_token=<token>         (only when the supplier settings carry one)
    product_id=1005001234567890  ship_to_country=DE
    target_currency=EUR          target_language=en_US

Signature: the parameters except ``sign`` sorted by name, concatenated as ``name + value``
without separators, HMAC-SHA256 keyed with the app secret, upper-case hex.

Answer for a product::

    {"aliexpress_ds_product_get_response": {
        "rsp_code": 200, "rsp_msg": "call succeeds", "request_id": "...",
        "result": {
            "ae_item_base_info_dto": {"product_id": 1005001234567890, "subject": "Linen shirt",
                                      "detail": "<p>HTML</p>", "product_status_type": "onSelling"},
            "ae_item_sku_info_dtos": {"ae_item_sku_info_d_t_o": [
                {"sku_id": "12000001", "offer_sale_price": "12.50", "sku_price": "15.00",
                 "sku_available_stock": 40, "currency_code": "EUR",
                 "ae_sku_property_dtos": {"ae_sku_property_d_t_o": [
                     {"sku_property_name": "Size", "sku_property_value": "S",
                      "property_value_definition_name": "Small"}]}}]},
            "ae_multimedia_info_dto": {"image_urls": "https://ae01.example/a.jpg;https://ae01.example/b.jpg"}}}}

- the cost is ``offer_sale_price`` (the price the dropshipper pays), else ``sku_price``;
- an option value is ``property_value_definition_name`` when the seller renamed it, else
  ``sku_property_value``;
- a product whose ``product_status_type`` is not ``onSelling`` is listed but unavailable;
- ``rsp_code`` other than 200 with a "not found"/"not exist"/"off shelf" message (or 404) means
  the product is gone; other non-200 codes are errors of the call.

Platform errors (bad signature, expired token, rate limit, unknown method) answer::

    {"error_response": {"code": "IncompleteSignature", "msg": "The request signature does not conform to platform standards", "request_id": "..."}}

and become a `SourcingError` that names the supplier and quotes its message.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time
from collections.abc import Collection, Mapping
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from apps.catalog.models import ImportRun
from apps.core.http import OutboundHttpError, safe_get
from apps.sourcing.connectors import SupplierItem, SupplierItemVariant
from apps.sourcing.connectors.feeds import parse_cost, parse_currency, parse_stock
from apps.sourcing.errors import FeedInvalid, FeedProblem, SourcingError

PRODUCT_GET = "aliexpress.ds.product.get"
ON_SALE = "onSelling"
GONE_MESSAGES = ("not found", "not exist", "off shelf", "offline", "no longer")
PRODUCT_ID = re.compile(r"(\d{6,20})")


def api_sign(params: Mapping[str, str], *, secret: str) -> str:
    """Upper-case hex HMAC-SHA256 over the sorted ``name + value`` pairs (``sign`` excluded)."""
    message = "".join(f"{name}{params[name]}" for name in sorted(params) if name != "sign")
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest().upper()


def product_ids_parse(text: str) -> list[str]:
    """Product ids from what a merchant pastes: ids or product URLs, one per line or comma."""
    ids = []
    for chunk in re.split(r"[\s,;]+", text.strip()):
        if not chunk:
            continue
        match = re.search(r"/item/(\d+)", chunk) or PRODUCT_ID.fullmatch(chunk)
        if match is None:
            raise ValueError(_("“%(value)s” is not a product id or product URL.") % {"value": chunk[:80]})
        ids.append(match.group(1))
    return list(dict.fromkeys(ids))


def _as_list(value: Any, key: str) -> list[Any]:
    """The platform wraps lists: {"x_d_t_o": [...]}; a single element may come unwrapped."""
    if value is None:
        return []
    if isinstance(value, dict):
        value = value.get(key, [])
    if isinstance(value, dict):
        return [value]
    if not isinstance(value, list):
        raise TypeError(key)
    return value


class DropshipApiClient:
    """Reads products (cost, stock, options, images) of one dropshipping supplier account."""

    import_kind: str = ImportRun.Kind.SUPPLIER_API

    def __init__(
        self,
        *,
        base_url: str,
        app_key: str,
        app_secret: str,
        access_token: str = "",
        product_ids: Collection[str] = (),
        ship_to_country: str = "DE",
        target_currency: str = "EUR",
        target_language: str = "en_US",
        supplier_name: str = "",
        timeout: float | None = None,
    ) -> None:
        if not (base_url and app_key and app_secret):
            raise SourcingError(
                _(
                    "The supplier's API settings are incomplete (base URL, app key and app secret are needed)."
                ),
                code="api_not_configured",
            )
        self.base_url = base_url.rstrip("/")
        self.app_key = app_key
        self.app_secret = app_secret
        self.access_token = access_token
        self.product_ids = list(product_ids)
        self.ship_to_country = ship_to_country.upper()
        self.target_currency = target_currency.upper()
        self.target_language = target_language
        self.supplier_name = supplier_name or _("The supplier")
        self.timeout = timeout if timeout is not None else settings.SOURCING_HTTP_TIMEOUT

    # -- transport -------------------------------------------------------------
    def signed_params(self, method: str, params: Mapping[str, Any]) -> dict[str, str]:
        signed = {
            "method": method,
            "app_key": self.app_key,
            "timestamp": str(int(time.time() * 1000)),
            "sign_method": "sha256",
            **{name: str(value) for name, value in params.items()},
        }
        if self.access_token:
            signed["access_token"] = self.access_token
        signed["sign"] = api_sign(signed, secret=self.app_secret)
        return signed

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        """The body of ``<method>_response``; raises SourcingError on any platform error."""
        try:
            response = safe_get(
                f"{self.base_url}/sync", params=self.signed_params(method, params), timeout=self.timeout
            )
        except OutboundHttpError as exc:
            raise SourcingError(
                _("%(supplier)s could not be reached: %(reason)s")
                % {"supplier": self.supplier_name, "reason": exc.message},
                code="api_unreachable",
            ) from exc
        try:
            body = response.json()
        except ValueError as exc:
            raise SourcingError(
                _("%(supplier)s answered HTTP %(status)d with something that is not JSON.")
                % {"supplier": self.supplier_name, "status": response.status_code},
                code="api_bad_response",
            ) from exc
        if isinstance(body, dict) and isinstance(body.get("error_response"), dict):
            error = body["error_response"]
            raise SourcingError(
                _("%(supplier)s refused the request: %(message)s (code %(code)s, request %(request)s).")
                % {
                    "supplier": self.supplier_name,
                    "message": str(error.get("msg") or "-")[:500],
                    "code": str(error.get("code") or "-")[:100],
                    "request": str(error.get("request_id") or "-")[:100],
                },
                code="api_error",
            )
        wrapper = f"{method.replace('.', '_')}_response"
        if (
            response.status_code != 200
            or not isinstance(body, dict)
            or not isinstance(body.get(wrapper), dict)
        ):
            raise SourcingError(
                _("%(supplier)s answered HTTP %(status)d without a “%(key)s”.")
                % {"supplier": self.supplier_name, "status": response.status_code, "key": wrapper},
                code="api_bad_response",
            )
        return dict(body[wrapper])

    # -- products --------------------------------------------------------------
    def product_get(self, product_id: str, *, row: int = 0) -> SupplierItem | None:
        """One product as the supplier sells it now, or None when the supplier no longer has it."""
        answer = self.call(
            PRODUCT_GET,
            product_id=product_id,
            ship_to_country=self.ship_to_country,
            target_currency=self.target_currency,
            target_language=self.target_language,
        )
        code = str(answer.get("rsp_code", "200"))
        message = str(answer.get("rsp_msg") or "")
        if code != "200":
            if code == "404" or any(word in message.lower() for word in GONE_MESSAGES):
                return None
            raise SourcingError(
                _("%(supplier)s could not return product %(id)s: %(message)s (code %(code)s).")
                % {
                    "supplier": self.supplier_name,
                    "id": product_id,
                    "message": message[:500] or "-",
                    "code": code,
                },
                code="api_error",
            )
        try:
            return self._item(answer["result"], product_id=product_id, row=row)
        except (KeyError, TypeError, AttributeError) as exc:
            raise SourcingError(
                _(
                    "%(supplier)s answered for product %(id)s in an unexpected shape (missing or wrong “%(key)s”)."
                )
                % {"supplier": self.supplier_name, "id": product_id, "key": str(exc).strip("'")},
                code="api_bad_response",
            ) from exc

    def _item(self, result: Mapping[str, Any], *, product_id: str, row: int) -> SupplierItem:
        base = result["ae_item_base_info_dto"]
        status = str(base.get("product_status_type") or ON_SALE)
        product_available = status == ON_SALE
        problems: list[FeedProblem] = []
        variants = []
        for position, sku in enumerate(
            _as_list(result["ae_item_sku_info_dtos"], "ae_item_sku_info_d_t_o"), start=1
        ):
            column = f"sku[{position}]"
            options = []
            for prop in _as_list(sku.get("ae_sku_property_dtos"), "ae_sku_property_d_t_o"):
                name = " ".join(str(prop.get("sku_property_name") or "").split())[:60]
                value = prop.get("property_value_definition_name") or prop.get("sku_property_value")
                value = " ".join(str(value or "").split())[:100]
                if name and value:
                    options.append((name, value))
            try:
                sku_id = str(sku["sku_id"]).strip()
                if not sku_id:
                    raise ValueError(_("The SKU id is missing."))
                cost = parse_cost(sku.get("offer_sale_price") or sku.get("sku_price"))
                stock = parse_stock(sku.get("sku_available_stock"))
                currency = parse_currency(sku.get("currency_code"), default=self.target_currency)
            except (KeyError, ValueError) as exc:
                problems.append(FeedProblem(row=row, column=column, message=str(exc).strip("'")))
                continue
            variants.append(
                SupplierItemVariant(
                    sku=sku_id,
                    cost=cost,
                    currency=currency,
                    stock=stock,
                    available=product_available,
                    options=tuple(options),
                )
            )
        if not variants and not problems:
            problems.append(FeedProblem(row=row, column="sku", message=_("The product has no SKUs.")))
        if problems:
            raise FeedInvalid(
                _("Product %(id)s of %(supplier)s has unusable SKUs: %(message)s")
                % {"id": product_id, "supplier": self.supplier_name, "message": problems[0].message},
                problems=problems,
            )
        images_raw = (result.get("ae_multimedia_info_dto") or {}).get("image_urls") or ""
        return SupplierItem(
            supplier_product_id=str(base.get("product_id") or product_id),
            title=" ".join(str(base.get("subject") or "").split())[:255] or product_id,
            description=str(base.get("detail") or ""),
            images=tuple(dict.fromkeys(url.strip() for url in str(images_raw).split(";") if url.strip())),
            url=f"https://www.aliexpress.com/item/{product_id}.html",
            variants=tuple(variants),
            row=row,
        )

    # -- SupplierConnector -----------------------------------------------------
    def fetch_catalog(self) -> list[SupplierItem]:
        """Every configured product; a product the supplier no longer has is a problem here."""
        if not self.product_ids:
            raise SourcingError(
                _("No product ids are set for %(supplier)s; add the ids or product URLs to import.")
                % {"supplier": self.supplier_name},
                code="api_no_products",
            )
        items, problems = [], []
        for row, product_id in enumerate(self.product_ids, start=1):
            try:
                item = self.product_get(product_id, row=row)
            except FeedInvalid as exc:
                problems.extend(exc.problems)
                continue
            if item is None:
                problems.append(
                    FeedProblem(
                        row=row,
                        column="product_id",
                        message=_("Product %(id)s is not available.") % {"id": product_id},
                    )
                )
                continue
            items.append(item)
        if problems:
            raise FeedInvalid(
                _("%(count)d of the products could not be imported; the first: %(message)s")
                % {"count": len(problems), "message": problems[0].message},
                problems=problems,
            )
        return items

    def fetch_items(self, supplier_product_ids: Collection[str]) -> list[SupplierItem]:
        items = []
        for row, product_id in enumerate(sorted(set(supplier_product_ids)), start=1):
            item = self.product_get(product_id, row=row)
            if item is not None:
                items.append(item)
        return items
