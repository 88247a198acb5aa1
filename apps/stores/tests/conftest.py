from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django_tenants.utils import tenant_context

from tests.fixtures import StoreWorld


@pytest.fixture
def in_alpha(alpha: StoreWorld) -> Iterator[StoreWorld]:
    """The test body runs in store alpha (rolled back like any `db` test)."""
    with tenant_context(alpha.tenant):
        yield alpha


# ------------------------------------------------------------------------------
# a local exchange-rate feed (no test reaches the network)
# ------------------------------------------------------------------------------
ECB_DAILY = (Path(__file__).parent / "data" / "eurofxref-daily.xml").read_bytes()
BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<Envelope xmlns="http://www.ecb.int/vocabulary/2002-08-01/eurofxref"><Cube><Cube time="2025-01-17">
<Cube currency="USD" rate="&lol3;"/></Cube></Cube></Envelope>"""


@dataclass
class FeedServer:
    base_url: str
    routes: dict[str, tuple[int, bytes]]
    hits: list[str]

    def url(self, path: str) -> str:
        return f"{self.base_url}{path}"


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    """A feed on 127.0.0.1 serving the recorded ECB file at /eurofxref-daily.xml; tests add
    routes (path -> status, body)."""
    routes: dict[str, tuple[int, bytes]] = {
        "/eurofxref-daily.xml": (200, ECB_DAILY),
        "/broken": (500, b"Internal Server Error"),
        "/html": (200, b"<!doctype html><html><body>Maintenance</body></html>"),
        "/bomb.xml": (200, BILLION_LAUGHS),
    }
    hits: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            hits.append(self.path)
            status, body = routes.get(self.path, (404, b"not found"))
            self.send_response(status)
            self.send_header("Content-Type", "text/xml; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield FeedServer(base_url=f"http://127.0.0.1:{httpd.server_address[1]}", routes=routes, hits=hits)
    finally:
        httpd.shutdown()
        httpd.server_close()
