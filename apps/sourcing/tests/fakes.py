"""A local fake supplier on 127.0.0.1: feeds, images and an AliExpress-style "ds" API.

The API half checks requests the way the platform documents them, independently of our client's
code: the signature (sorted name+value pairs, HMAC-SHA256 keyed with the app secret, upper-case
hex), the app key, a fresh millisecond timestamp and ``sign_method=sha256``; and it answers in the
platform's shapes (``<method>_response`` wrapper, ``*_d_t_o`` wrapped lists, ``error_response``).
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

    def url(self, path: str) -> str:
        return f"{self.base_url}{path}"

    def image_url(self, name: str) -> str:
        return self.url(f"/images/{name}")

    def feed(self, path: str, body: str | bytes, content_type: str = "text/csv") -> str:
        self.feeds[path] = (body.encode() if isinstance(body, str) else body, content_type)
        return self.url(path)

    # -- the "ds" API ----------------------------------------------------------
    def api_answer(self, query: dict[str, str]) -> dict[str, Any]:
        self.api_requests.append(query)
        problem = self._signature_problem(query)
        if problem:
            self.rejections.append(problem)
            return {
                "error_response": {"code": problem, "msg": _MESSAGES[problem], "request_id": "fake-req-1"}
            }
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

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            if parts.path == "/sync":
                answer = fake.api_answer(dict(parse_qsl(parts.query, keep_blank_values=True)))
                self._send(200, json.dumps(answer).encode(), "application/json;charset=UTF-8")
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
