"""Fixtures of the webhook tests: a fake DNS (no test reaches the real one), a store to work in,
clients per role, and a real HTTP receiver on loopback whose answers each test scripts."""

from __future__ import annotations

import ipaddress
import json
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.test import Client
from django_tenants.utils import tenant_context

from apps.core import http
from tests.fixtures import StoreWorld, make_store_user, store_client

RoleClient = Callable[..., Client]

# What the fake resolver answers; tests change it with `dns[name] = [...]`.
PUBLIC_ADDRESS = "93.184.216.34"
DEFAULT_DNS: dict[str, list[str]] = {
    "hooks.example.com": [PUBLIC_ADDRESS],
    "other.example.com": ["151.101.1.69"],
    "internal.example.com": ["10.0.0.7"],
    "metadata.example.com": ["169.254.169.254"],
    "cgnat.example.com": ["100.100.100.200"],
    "mixed.example.com": [PUBLIC_ADDRESS, "192.168.1.20"],
    "mapped.example.com": ["::ffff:127.0.0.1"],
    "loopback6.example.com": ["::1"],
}


@pytest.fixture(autouse=True)
def dns(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[str]]:
    """Replace the SSRF guard's resolver seam (as apps/core/tests/test_http.py does). Numeric
    hosts are read the way the system resolver reads them (inet_aton), never looked up."""
    answers = {name: list(addresses) for name, addresses in DEFAULT_DNS.items()}

    def resolve(host: str, port: int) -> list[str]:
        try:
            return [str(ipaddress.ip_address(host))]
        except ValueError:
            pass
        try:
            return [str(ipaddress.IPv4Address(socket.inet_aton(host)))]
        except (OSError, ValueError):
            pass
        if host in answers:
            return list(answers[host])
        raise socket.gaierror(f"{host}: Name or service not known")

    monkeypatch.setattr(http, "_resolve", resolve)
    return answers


@pytest.fixture
def in_alpha(alpha: StoreWorld) -> Iterator[StoreWorld]:
    """The test body runs in store alpha (rolled back like any `db` test)."""
    with tenant_context(alpha.tenant):
        yield alpha


@pytest.fixture
def role_client(alpha: StoreWorld) -> RoleClient:
    """`role_client("finance")`: a client signed in to store alpha (or `world`) as a new team
    member with that role."""

    def make(role: str, world: StoreWorld | None = None) -> Client:
        world = world or alpha
        user = make_store_user(world, f"{role}-{uuid.uuid4().hex[:8]}@example.com", role=role)
        client = store_client(world)
        with tenant_context(world.tenant):
            client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return client

    return make


# ------------------------------------------------------------------------------
# the receiver
# ------------------------------------------------------------------------------
@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    """A webhook receiver on 127.0.0.1. Each path answers from its script (a list consumed one
    answer per request; the last one repeats), by default 200. An answer is a status code, or
    a tuple (status, headers), or "slow" (sleeps past the client's timeout, then answers 200)."""

    base_url: str = ""
    requests: list[Received] = field(default_factory=list)
    scripts: dict[str, list[Any]] = field(default_factory=dict)
    slow_seconds: float = 1.5
    lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self, path: str) -> str:
        return f"{self.base_url}{path}"

    def script(self, path: str, *answers: Any) -> str:
        self.scripts[path] = list(answers)
        return self.url(path)

    def next_answer(self, path: str) -> Any:
        with self.lock:
            script = self.scripts.get(path)
            if not script:
                return 200
            return script.pop(0) if len(script) > 1 else script[0]

    def to(self, path: str) -> list[Received]:
        return [r for r in self.requests if r.path == path]


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            return

        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            with receiver.lock:
                receiver.requests.append(
                    Received(
                        path=self.path, headers={k.lower(): v for k, v in self.headers.items()}, body=body
                    )
                )
            answer = receiver.next_answer(self.path)
            headers: dict[str, str] = {}
            if answer == "slow":
                time.sleep(receiver.slow_seconds)
                answer = 200
            if isinstance(answer, tuple):
                answer, headers = answer
            payload = json.dumps({"received": True, "status": answer}).encode()
            try:
                self.send_response(int(answer))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            except OSError:  # the client gave up (timeout tests)
                pass

        do_POST = _answer
        do_GET = _answer

    return Handler


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    fake = Receiver()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    fake.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
