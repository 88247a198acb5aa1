"""Standard Webhooks signatures (https://www.standardwebhooks.com): secrets are ``whsec_`` plus
base64 of 32 random bytes; each message is signed as ``{webhook-id}.{webhook-timestamp}.{body}``
with HMAC-SHA256 by the `standardwebhooks` reference library, once per valid secret, the
signatures space-separated in ``webhook-signature`` (``v1,<base64> v1,<base64>``) so a receiver
holding either the old or the new secret during a rotation verifies the message."""

from __future__ import annotations

import base64
import secrets
from collections.abc import Iterable
from datetime import UTC, datetime

from standardwebhooks.webhooks import Webhook

SECRET_PREFIX = "whsec_"  # noqa: S105  (a format prefix, not a secret)
SECRET_BYTES = 32


def secret_generate() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii")


def secret_mask(secret: str) -> str:
    """``whsec_••••••••1a2b``: enough to tell two secrets apart, not enough to use one."""
    return f"{SECRET_PREFIX}{'•' * 8}{secret[-4:]}"


def signature_header(*, secrets: Iterable[str], message_id: str, timestamp: datetime, body: str) -> str:
    # The library reads the datetime as UTC whatever its zone says: hand it UTC.
    moment = timestamp.astimezone(UTC)
    return " ".join(
        Webhook(secret).sign(msg_id=message_id, timestamp=moment, data=body) for secret in secrets
    )


def webhook_headers(
    *, secrets: Iterable[str], message_id: str, timestamp: datetime, body: str
) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "webhook-id": message_id,
        "webhook-timestamp": str(int(timestamp.timestamp())),
        "webhook-signature": signature_header(
            secrets=secrets, message_id=message_id, timestamp=timestamp, body=body
        ),
    }
