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

Placing an order (POST ``{base_url}/sync``, form-encoded, signed the same way; the two JSON
parameters are signed as the exact strings sent)::

    method=aliexpress.ds.order.create
    param_place_order_request4_open_api_d_t_o={
        "out_order_id": "PO-42",
        "logistics_address": {"full_name": "Ada Lovelace", "contact_person": "Ada Lovelace",
                              "address": "1 Main St", "address2": "Flat 2", "city": "Berlin",
                              "province": "Berlin", "zip": "10115", "country": "DE",
                              "mobile_no": "+49301234567", "phone_country": "", "locale": "en_US"},
        "product_items": [{"product_id": 1005001234567890, "sku_attr": "12000001",
                           "product_count": 2, "logistics_service_name": "CAINIAO_STANDARD",
                           "order_memo": "PO-42"}]}
    ds_extend_request={"payment": {"pay_currency": "EUR"}}

``out_order_id`` is our purchase order's reference: the platform answers a repeated
``out_order_id`` with the order it already created, so a retry after a lost answer never orders
twice. ``sku_attr`` is the supplier SKU we imported (its ``sku_id``). Answer::

    {"aliexpress_ds_order_create_response": {"request_id": "...",
        "result": {"is_success": true, "order_list": {"number": [8181234567890]},
                   "error_code": "", "error_msg": ""}}}

``is_success: false`` carries the platform's reason in ``error_code`` / ``error_msg`` (e.g.
``B_DROPSHIPPER_DELIVERY_ADDRESS_VALIDATE_FAIL``, ``INVENTORY_HOLD_ERROR``, ``SKU_NOT_EXIST``);
it becomes `SupplierOrderRejected` with ``permanent`` set unless the code is one the platform
uses for a passing condition (``SYSTEM_BUSY``, ``ISP_ERROR``, rate limits). The cost we record is
what our synced offers say; the answer does not carry amounts.

Tracking of a placed order (GET ``{base_url}/sync``, signed)::

    method=aliexpress.ds.order.tracking.get   ae_order_id=8181234567890   language=en_US

    {"aliexpress_ds_order_tracking_get_response": {"request_id": "...",
        "result": {"ret": true, "code": "200", "msg": "",
            "data": {"tracking_detail_line_list": {"tracking_detail": [
                {"mail_no": "LP00123456789CN", "carrier_name": "AliExpress Standard Shipping",
                 "logistics_service_name": "CAINIAO_STANDARD",
                 "detail_node_list": {"detail_node": [
                     {"time_stamp": 1764500000000, "tracking_name": "Shipped",
                      "tracking_detail_desc": "Departed from sorting center",
                      "tracking_node_code": "SHIPPED", "tracking_location": "Shenzhen"}]}}]}}}}}

``ret: false`` (or no ``tracking_detail``) means no parcel yet. A parcel is delivered when one of
its nodes has the code ``DELIVERED`` or ``SIGNIN``. Times are Unix milliseconds (UTC).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import time
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from apps.catalog.models import ImportRun
from apps.core.http import OutboundHttpError, safe_get, safe_post
from apps.sourcing.connectors import SupplierItem, SupplierItemVariant
from apps.sourcing.connectors.feeds import parse_cost, parse_currency, parse_stock
from apps.sourcing.errors import FeedInvalid, FeedProblem, SourcingError, SourcingErrorCode

PRODUCT_GET = "aliexpress.ds.product.get"
ORDER_CREATE = "aliexpress.ds.order.create"
ORDER_TRACKING_GET = "aliexpress.ds.order.tracking.get"
# Order rejections that pass by themselves: the same order may be sent again later.
TRANSIENT_ORDER_ERRORS = frozenset({"SYSTEM_BUSY", "ISP_ERROR", "ApiCallLimit", "SERVICE_UNAVAILABLE"})
DELIVERED_NODES = frozenset({"DELIVERED", "SIGNIN"})
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


@dataclass(frozen=True)
class SupplierOrderItem:
    product_id: str  # the supplier's product id
    sku_attr: str  # the supplier's SKU id
    quantity: int
    logistics_service_name: str = ""


@dataclass(frozen=True)
class SupplierOrderAddress:
    full_name: str
    address: str
    city: str
    country: str  # ISO 3166-1 alpha-2
    zip: str = ""
    address2: str = ""
    province: str = ""
    phone: str = ""


@dataclass(frozen=True)
class SupplierTrackingEvent:
    occurred_at: datetime
    status: str
    description: str
    location: str = ""


@dataclass(frozen=True)
class SupplierTracking:
    """One parcel of a supplier order as the supplier's carrier reports it."""

    tracking_number: str
    carrier: str  # the carrier's or logistics service's name, as the supplier words it
    logistics_service: str
    events: tuple[SupplierTrackingEvent, ...]
    delivered: bool


class SupplierOrderRejected(SourcingError):
    """The supplier answered and refused the order; `permanent` says whether sending the same
    order again may succeed. Params: supplier, error_code, message."""

    code = SourcingErrorCode.ORDER_REJECTED

    def __init__(self, *, supplier: str, error_code: str, message: str, permanent: bool) -> None:
        super().__init__(
            params={"supplier": supplier, "error_code": error_code[:100], "message": message[:500]}
        )
        self.error_code = error_code
        self.permanent = permanent


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

    def call(self, method: str, *, post: bool = False, **params: Any) -> dict[str, Any]:
        """The body of ``<method>_response``; raises SourcingError on any platform error.
        `post` sends the signed parameters as a form body (orders), else as the query."""
        try:
            signed = self.signed_params(method, params)
            if post:
                response = safe_post(f"{self.base_url}/sync", data=signed, timeout=self.timeout)
            else:
                response = safe_get(f"{self.base_url}/sync", params=signed, timeout=self.timeout)
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

    # -- orders ----------------------------------------------------------------
    def order_create(
        self,
        *,
        out_order_id: str,
        address: SupplierOrderAddress,
        items: Sequence[SupplierOrderItem],
        pay_currency: str = "",
    ) -> str:
        """Place an order and return the supplier's order id (the first when the platform splits
        it). Raises `SupplierOrderRejected` when the supplier refuses it and `SourcingError`
        when the call fails or the answer cannot be read (then nothing is known to be placed;
        sending the same `out_order_id` again is safe)."""
        request = {
            "out_order_id": out_order_id,
            "logistics_address": {
                "full_name": address.full_name,
                "contact_person": address.full_name,
                "address": address.address,
                "address2": address.address2,
                "city": address.city,
                "province": address.province,
                "zip": address.zip,
                "country": address.country.upper(),
                "mobile_no": address.phone,
                "phone_country": "",
                "locale": self.target_language,
            },
            "product_items": [
                {
                    "product_id": int(item.product_id) if item.product_id.isdigit() else item.product_id,
                    "sku_attr": item.sku_attr,
                    "product_count": item.quantity,
                    "logistics_service_name": item.logistics_service_name,
                    "order_memo": out_order_id,
                }
                for item in items
            ],
        }
        answer = self.call(
            ORDER_CREATE,
            post=True,
            param_place_order_request4_open_api_d_t_o=json.dumps(request, separators=(",", ":")),
            ds_extend_request=json.dumps(
                {"payment": {"pay_currency": pay_currency or self.target_currency}}, separators=(",", ":")
            ),
        )
        result = answer.get("result")
        if not isinstance(result, dict) or not isinstance(result.get("is_success"), bool):
            raise self._bad_answer(ORDER_CREATE, "result.is_success")
        if not result["is_success"]:
            error_code = str(result.get("error_code") or "UNKNOWN")
            raise SupplierOrderRejected(
                supplier=self.supplier_name,
                error_code=error_code,
                message=str(result.get("error_msg") or error_code),
                permanent=error_code not in TRANSIENT_ORDER_ERRORS,
            )
        try:
            numbers = _as_list(result.get("order_list"), "number")
        except TypeError:
            numbers = []
        order_ids = [str(number).strip() for number in numbers if str(number).strip()]
        if not order_ids:
            raise self._bad_answer(ORDER_CREATE, "result.order_list")
        return order_ids[0]

    def order_tracking(self, supplier_order_id: str) -> list[SupplierTracking]:
        """The parcels of a placed order (empty while nothing has shipped)."""
        answer = self.call(ORDER_TRACKING_GET, ae_order_id=supplier_order_id, language=self.target_language)
        result = answer.get("result")
        if not isinstance(result, dict):
            raise self._bad_answer(ORDER_TRACKING_GET, "result")
        if result.get("ret") is not True:
            return []
        try:
            details = _as_list((result.get("data") or {}).get("tracking_detail_line_list"), "tracking_detail")
            return [self._parcel(detail) for detail in details if str(detail.get("mail_no") or "").strip()]
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise self._bad_answer(ORDER_TRACKING_GET, str(exc).strip("'") or "tracking_detail") from exc

    def _parcel(self, detail: Mapping[str, Any]) -> SupplierTracking:
        events = []
        delivered = False
        for node in _as_list(detail.get("detail_node_list"), "detail_node"):
            stamp = int(node["time_stamp"])
            code = str(node.get("tracking_node_code") or "").upper()
            delivered = delivered or code in DELIVERED_NODES
            events.append(
                SupplierTrackingEvent(
                    occurred_at=datetime.fromtimestamp(stamp / 1000, tz=UTC),
                    # the node's code in lower case ("in_transit", "delivered"), else its name
                    status=(code.lower() or str(node.get("tracking_name") or ""))[:40],
                    description=str(node.get("tracking_detail_desc") or "")[:500],
                    location=str(node.get("tracking_location") or "")[:200],
                )
            )
        events.sort(key=lambda event: event.occurred_at)
        return SupplierTracking(
            tracking_number=str(detail["mail_no"]).strip()[:100],
            carrier=str(detail.get("carrier_name") or "")[:100],
            logistics_service=str(detail.get("logistics_service_name") or "")[:100],
            events=tuple(events),
            delivered=delivered,
        )

    def _bad_answer(self, method: str, key: str) -> SourcingError:
        return SourcingError(
            params={"supplier": self.supplier_name, "status": 200, "key": f"{method}: {key}"},
            code="api_bad_response",
        )
