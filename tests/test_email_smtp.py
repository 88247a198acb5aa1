"""Email leaves through a real SMTP exchange (aiosmtpd on loopback)."""

from __future__ import annotations

import email
import socket
from email import policy

import pytest
from aiosmtpd.controller import Controller

from tests.fixtures import make_store_user, store_client

pytestmark = pytest.mark.django_db


class Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], email.message.EmailMessage]] = []

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_inbox(settings):
    inbox = Inbox()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    try:
        yield inbox
    finally:
        controller.stop()


def test_password_reset_mail_goes_through_smtp_with_the_stores_link(alpha, smtp_inbox):
    make_store_user(alpha, "smtp-shopper@example.com")
    response = store_client(alpha).post("/accounts/password/reset/", {"email": "smtp-shopper@example.com"})
    assert response.status_code == 302
    assert len(smtp_inbox.messages) == 1
    sender, recipients, message = smtp_inbox.messages[0]
    assert recipients == ["smtp-shopper@example.com"]
    assert "no-reply@" in sender
    assert message["Subject"].startswith(f"[{alpha.tenant.name}]")
    body = message.get_body(preferencelist=("plain",)).get_content()
    assert f"http://{alpha.host}/accounts/password/reset/key/" in body
