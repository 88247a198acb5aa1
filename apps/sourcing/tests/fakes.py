"""A local fake supplier on 127.0.0.1: feeds, images and an AliExpress-style "ds" API.

The API half checks requests the way the platform documents them, independently of our client's
code: the signature (sorted name+value pairs, HMAC-SHA256 keyed with the app secret, upper-case
hex), the app key, a fresh millisecond timestamp and ``sign_method=sha256``; and it answers in the
platform's shapes (``<method>_response`` wrapper, ``*_d_t_o`` wrapped lists, ``error_response``).

Orders (``aliexpress.ds.order.create``, POSTed as a form): accepted into `orders` (keyed by
``out_order_id``, so a repeated one answers the order already made), or refused the way the
platform refuses them: `reject_next` queues error codes for the next placements (e.g.
``INVENTORY_HOLD_ERROR``), a product id in `out_of_stock` is refused with
``INVENTORY_HOLD_ERROR`` and an address without street or postcode with
``B_DROPSHIPPER_DELIVERY_ADDRESS_VALIDATE_FAIL``. `garbage_next` queues broken answers: "html"
(not JSON), "no_result" (the wrapper without ``result``), "no_order_list" (success without
order numbers). Tracking (``aliexpress.ds.order.tracking.get``) advances one step per call
after `ship(order_id)`: shipped, in transit, then delivered.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from PIL import Image

APP_KEY = "500100"
APP_SECRET = "fake-app-secret-0123456789"
ACCESS_TOKEN = "fake-access-token-abcdef"


def png_bytes(color: tuple[int, int, int] = (200, 30, 30), size: tuple[int, int] = (8, 8)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format="PNG")
    return out.getvalue()


def reference_sign(params: dict[str, str], secret: str) -> str:
    """The platform's signature, written out separately from the client under test."""
    text = ""
    for key in sorted(params):
        if key != "sign":
            text += key + params[key]
    return hmac.new(secret.encode("utf-8"), text.encode("utf-8"), hashlib.sha256).hexdigest().upper()


def ds_product(
    product_id: str,
    *,
    title: str,
    skus: list[dict[str, Any]],
    images: list[str] = (),  # type: ignore[assignment]
    status: str = "onSelling",
    detail: str = "<p>From the fake supplier.</p>",
) -> dict[str, Any]:
    """A ``result`` of aliexpress.ds.product.get. Each sku: id, price, stock, options {name: value}."""
    return {
        "ae_item_base_info_dto": {
            "product_id": int(product_id),
            "subject": title,
            "detail": detail,
            "product_status_type": status,
            "currency_code": "EUR",
        },
        "ae_item_sku_info_dtos": {
            "ae_item_sku_info_d_t_o": [
                {
                    "sku_id": sku["id"],
                    "id": f"{sku['id']}#attr",
                    "offer_sale_price": sku["price"],
                    "sku_price": sku.get("list_price", sku["price"]),
                    "sku_available_stock": sku.get("stock", 10),
                    "currency_code": sku.get("currency", "EUR"),
                    "ae_sku_property_dtos": {
                        "ae_sku_property_d_t_o": [
                            {"sku_property_name": name, "sku_property_value": value, "sku_property_id": 14}
                            for name, value in sku.get("options", {}).items()
                        ]
                    },
                }
                for sku in skus
            ]
        },
        "ae_multimedia_info_dto": {"image_urls": ";".join(images)},
    }


class FakeSupplier:
    def __init__(self) -> None:
        self.base_url = ""
        self.products: dict[str, dict[str, Any]] = {}  # product id -> ds "result"
        self.gone: set[str] = set()  # product ids answered as "does not exist"
        self.busy: set[str] = set()  # product ids answered with a non-200 error code
        self.feeds: dict[str, tuple[bytes, str]] = {}  # path -> (body, content type)
        self.api_requests: list[dict[str, str]] = []
        self.image_requests: list[str] = []
        self.rejections: list[str] = []
        # orders: supplier order id -> {"out_order_id", "request" (the decoded order), "params"}
        self.orders: dict[str, dict[str, Any]] = {}
        self.order_requests: list[dict[str, str]] = []
        self.reject_next: list[str] = []
        self.garbage_next: list[str] = []
        self.out_of_stock: set[str] = set()
        self.tracking: dict[str, dict[str, Any]] = {}  # supplier order id -> {"mail_no", "step"}
        self.tracking_requests: list[str] = []
        self._next_order = 8181000000001

    def url(self, path: str) -> str:
        return f"{self.base_url}{path}"

    def image_url(self, name: str) -> str:
        return self.url(f"/images/{name}")

    def feed(self, path: str, body: str | bytes, content_type: str = "text/csv") -> str:
        self.feeds[path] = (body.encode() if isinstance(body, str) else body, content_type)
        return self.url(path)

    # -- the "ds" API ----------------------------------------------------------
    def api_answer(self, query: dict[str, str]) -> Any:
        self.api_requests.append(query)
        problem = self._signature_problem(query)
        if problem:
            self.rejections.append(problem)
            return {
                "error_response": {"code": problem, "msg": _MESSAGES[problem], "request_id": "fake-req-1"}
            }
        if query.get("method") == "aliexpress.ds.order.create":
            return self.order_answer(query)
        if query.get("method") == "aliexpress.ds.order.tracking.get":
            return self.tracking_answer(query)
        if query.get("method") != "aliexpress.ds.product.get":
            return {
                "error_response": {
                    "code": "InvalidApiPath",
                    "msg": "The specified API path is invalid",
                    "request_id": "fake-req-2",
                }
            }
        product_id = query.get("product_id", "")
        wrapper = "aliexpress_ds_product_get_response"
        if product_id in self.gone or (product_id not in self.products and product_id not in self.busy):
            return {wrapper: {"rsp_code": 1004, "rsp_msg": "The product does not exist", "request_id": "r"}}
        if product_id in self.busy:
            return {wrapper: {"rsp_code": 5001, "rsp_msg": "System busy, try later", "request_id": "r"}}
        return {wrapper: {"rsp_code": 200, "rsp_msg": "call succeeds", "result": self.products[product_id]}}

    def ship(self, supplier_order_id: str, *, mail_no: str = "") -> str:
        """The supplier hands the order to its carrier; tracking advances from the next call."""
        mail_no = mail_no or f"LP{supplier_order_id[-14:]:0>14}"
        self.tracking[supplier_order_id] = {"mail_no": mail_no, "step": 0}
        return mail_no

    def order_answer(self, query: dict[str, str]) -> Any:
        self.order_requests.append(query)
        wrapper = "aliexpress_ds_order_create_response"
        if self.garbage_next:
            kind = self.garbage_next.pop(0)
            if kind == "html":
                return RawAnswer(b"<html><body>502 Bad Gateway</body></html>", "text/html")
            if kind == "no_result":
                return {wrapper: {"request_id": "fake-req-3"}}
            return {wrapper: {"result": {"is_success": True, "error_code": ""}, "request_id": "r"}}
        request = json.loads(query["param_place_order_request4_open_api_d_t_o"])
        out_order_id = str(request.get("out_order_id") or "")
        for order_id, order in self.orders.items():
            if out_order_id and order["out_order_id"] == out_order_id:
                return self._order_success(wrapper, order_id)
        error = ""
        if self.reject_next:
            error = self.reject_next.pop(0)
        address = request.get("logistics_address") or {}
        if not error and not (
            str(address.get("address") or "").strip() and str(address.get("zip") or "").strip()
        ):
            error = "B_DROPSHIPPER_DELIVERY_ADDRESS_VALIDATE_FAIL"
        items = request.get("product_items") or []
        if not error and any(str(item.get("product_id")) in self.out_of_stock for item in items):
            error = "INVENTORY_HOLD_ERROR"
        if error:
            return {
                wrapper: {
                    "result": {
                        "is_success": False,
                        "error_code": error,
                        "error_msg": _ORDER_ERRORS.get(error, error),
                    },
                    "request_id": "r",
                }
            }
        order_id = str(self._next_order)
        self._next_order += 1
        self.orders[order_id] = {"out_order_id": out_order_id, "request": request, "params": query}
        return self._order_success(wrapper, order_id)

    def _order_success(self, wrapper: str, order_id: str) -> dict[str, Any]:
        return {
            wrapper: {
                "result": {
                    "is_success": True,
                    "order_list": {"number": [int(order_id)]},
                    "error_code": "",
                    "error_msg": "",
                },
                "request_id": "r",
            }
        }

    def tracking_answer(self, query: dict[str, str]) -> dict[str, Any]:
        order_id = query.get("ae_order_id", "")
        self.tracking_requests.append(order_id)
        wrapper = "aliexpress_ds_order_tracking_get_response"
        parcel = self.tracking.get(order_id)
        if order_id not in self.orders:
            return {wrapper: {"result": {"ret": False, "code": "ORDER_NOT_FOUND", "msg": "order not found"}}}
        if parcel is None:
            return {
                wrapper: {"result": {"ret": False, "code": "NO_TRACKING", "msg": "no logistics info yet"}}
            }
        parcel["step"] = min(parcel["step"] + 1, len(_TRACKING_STEPS))
        base = 1764500000000
        nodes = [
            {
                "time_stamp": base + position * 3600 * 1000,
                "tracking_name": name,
                "tracking_node_code": code,
                "tracking_detail_desc": description,
                "tracking_location": location,
            }
            for position, (code, name, description, location) in enumerate(_TRACKING_STEPS[: parcel["step"]])
        ]
        return {
            wrapper: {
                "result": {
                    "ret": True,
                    "code": "200",
                    "msg": "",
                    "data": {
                        "tracking_detail_line_list": {
                            "tracking_detail": [
                                {
                                    "mail_no": parcel["mail_no"],
                                    "carrier_name": "AliExpress Standard Shipping",
                                    "logistics_service_name": "CAINIAO_STANDARD",
                                    "detail_node_list": {"detail_node": nodes},
                                }
                            ]
                        }
                    },
                },
                "request_id": "r",
            }
        }

    def _signature_problem(self, query: dict[str, str]) -> str:
        if query.get("app_key") != APP_KEY:
            return "InvalidAppKey"
        if query.get("sign_method") != "sha256":
            return "InvalidSignMethod"
        try:
            sent = int(query.get("timestamp", ""))
        except ValueError:
            return "InvalidTimestamp"
        if abs(time.time() * 1000 - sent) > 10 * 60 * 1000:
            return "InvalidTimestamp"
        if query.get("sign") != reference_sign(query, APP_SECRET):
            return "IncompleteSignature"
        if query.get("access_token") not in (None, ACCESS_TOKEN):
            return "IllegalAccessToken"
        return ""


_MESSAGES = {
    "InvalidAppKey": "The app key is invalid",
    "InvalidSignMethod": "Unsupported sign method",
    "InvalidTimestamp": "The request timestamp is invalid or expired",
    "IncompleteSignature": "The request signature does not conform to platform standards",
    "IllegalAccessToken": "The specified access token is invalid or expired",
}


_ORDER_ERRORS = {
    "INVENTORY_HOLD_ERROR": "Inventory is not enough for this SKU",
    "B_DROPSHIPPER_DELIVERY_ADDRESS_VALIDATE_FAIL": "The delivery address is invalid",
    "SKU_NOT_EXIST": "The SKU does not exist",
    "SYSTEM_BUSY": "System busy, try later",
}

_TRACKING_STEPS = [
    ("SHIPPED", "Shipped", "Departed from sorting center", "Shenzhen"),
    ("IN_TRANSIT", "In transit", "Arrived at destination country", "Frankfurt"),
    ("DELIVERED", "Delivered", "Delivered to the recipient", "Berlin"),
]


@dataclass(frozen=True)
class RawAnswer:
    """An answer that is not the platform's JSON (a proxy's error page)."""

    body: bytes
    content_type: str


def _handler(fake: FakeSupplier) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

        def _send(self, status: int, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _api(self, query: dict[str, str]) -> None:
            answer = fake.api_answer(query)
            if isinstance(answer, RawAnswer):
                self._send(502, answer.body, answer.content_type)
                return
            self._send(200, json.dumps(answer).encode(), "application/json;charset=UTF-8")

        def do_POST(self) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode()
            if parts.path != "/sync":
                self._send(404, b"not found", "text/plain")
                return
            query = dict(parse_qsl(parts.query, keep_blank_values=True))
            query.update(dict(parse_qsl(body, keep_blank_values=True)))
            self._api(query)

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            if parts.path == "/sync":
                self._api(dict(parse_qsl(parts.query, keep_blank_values=True)))
                return
            if parts.path.startswith("/images/"):
                fake.image_requests.append(parts.path)
                name = parts.path.rsplit("/", 1)[-1]
                if name.startswith("missing"):
                    self._send(404, b"not found", "text/plain")
                elif name.startswith("text"):
                    self._send(200, b"this is not an image", "image/png")
                else:
                    shade = sum(name.encode()) % 200
                    self._send(200, png_bytes((shade, 80, 160)), "image/png")
                return
            if parts.path in fake.feeds:
                body, content_type = fake.feeds[parts.path]
                self._send(200, body, content_type)
                return
            self._send(404, b"not found", "text/plain")

    return Handler


@contextmanager
def fake_supplier_server() -> Iterator[FakeSupplier]:
    fake = FakeSupplier()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    fake.base_url = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        httpd.shutdown()
        httpd.server_close()
