"""Fixtures of the notifications tests: a store to work in, clients per role, a real SMTP
server (aiosmtpd) and a fake of Twilio's Messages API, both on loopback."""

from __future__ import annotations

import email
import json
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email import policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

import pytest
from aiosmtpd.controller import Controller
from django.test import Client
from django_tenants.utils import tenant_context

from tests.fixtures import StoreWorld, free_port, make_store_user, store_client

RoleClient = Callable[..., Client]


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
# SMTP
# ------------------------------------------------------------------------------
class Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], email.message.EmailMessage]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), message))  # type: ignore[arg-type]
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_inbox(settings: Any) -> Iterator[Inbox]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    try:
        yield inbox
    finally:
        controller.stop()


# ------------------------------------------------------------------------------
# Twilio
# ------------------------------------------------------------------------------
@dataclass
class FakeTwilio:
    base_url: str = ""
    requests: list[dict[str, Any]] = field(default_factory=list)
    # what the next answer is: (status, body); default a queued message
    answer: tuple[int, dict[str, Any]] | None = None


def _handler(fake: FakeTwilio) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            return

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode()
            fake.requests.append(
                {
                    "path": self.path,
                    "headers": {name.lower(): value for name, value in self.headers.items()},
                    "form": {key: values[0] for key, values in parse_qs(body).items()},
                }
            )
            status, payload = fake.answer or (
                201,
                {
                    "sid": f"SM{uuid.uuid4().hex}",
                    "status": "queued",
                    "error_code": None,
                    "error_message": None,
                },
            )
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    return Handler


@pytest.fixture
def twilio(settings: Any) -> Iterator[FakeTwilio]:
    fake = FakeTwilio()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    fake.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    settings.NOTIFICATIONS_TWILIO_BASE_URL = fake.base_url
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
