"""The storefront's contact form: a shopper's message mailed to the store's contact address.

Spam is kept out without third parties:

- a honeypot field people never see (bots fill every field);
- a signed timestamp issued with the form (salted per store, so a token of one store is
  worthless on another): a form sent back within `CONTACT_MIN_SECONDS` was not typed by a
  person, and one older than a day is stale;
- a message with more than `CONTACT_MAX_LINKS` links is refused;
- counters in the tenant-aware cache limit messages per address and per store in a sliding window
  (`CONTACT_RATE_LIMIT_IP`, `CONTACT_RATE_LIMIT_STORE`: count and seconds, overridable in
  settings).

Every refusal raises `ContactRefused` with a `ContactErrorCode` and sends nothing. The mail goes
to the store's address only, replies go to the shopper, and its subject names the store.
"""

from __future__ import annotations

import logging
import re
import smtplib
import time
from dataclasses import dataclass
from email.utils import formataddr, parseaddr
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMessage
from django.db import models
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from apps.core.cache import rate_window_hit
from apps.core.errors import ApplicationError
from apps.core.tenancy import require_store
from apps.stores.selectors import store_settings_get

logger = logging.getLogger(__name__)

CONTACT_MIN_SECONDS = 3
CONTACT_TOKEN_MAX_AGE = 24 * 60 * 60
CONTACT_MAX_LINKS = 2
CONTACT_NAME_MAX = 100
CONTACT_MESSAGE_MAX = 5000
LINK_RE = re.compile(r"(?:https?://|www\.|\[url)", re.IGNORECASE)


class ContactErrorCode(models.TextChoices):
    NO_RECIPIENT = "no_recipient"
    HONEYPOT = "honeypot"
    FORM_FORGED = "form_forged"
    FORM_EXPIRED = "form_expired"
    TOO_FAST = "too_fast"
    TOO_MANY_LINKS = "too_many_links"
    RATE_LIMITED_ADDRESS = "rate_limited_address"
    RATE_LIMITED_STORE = "rate_limited_store"
    SEND_FAILED = "send_failed"


class ContactRefused(ApplicationError):
    """The message was not sent; `code` says why (a `ContactErrorCode`)."""

    code = ContactErrorCode.SEND_FAILED

    def __init__(self, message: str, *, code: ContactErrorCode, field: str | None = None) -> None:
        super().__init__(message, code=code, field=field)


@dataclass(frozen=True)
class ContactMessage:
    name: str
    email: str
    message: str
    honeypot: str  # the hidden field: empty when a person filled the form
    token: str  # from `contact_token`, sent with the form


def _limit(name: str, default: tuple[int, int]) -> tuple[int, int]:
    value = getattr(settings, name, default)
    count, seconds = value
    return int(count), int(seconds)


def _salt() -> str:
    return f"storefront.contact:{require_store()}"


def contact_token(*, issued_at: float | None = None) -> str:
    """A signed timestamp for a freshly shown form (for this store only)."""
    return signing.dumps({"t": time.time() if issued_at is None else issued_at}, salt=_salt(), compress=False)


def _check_token(token: str) -> None:
    try:
        issued = signing.loads(token or "", salt=_salt(), max_age=CONTACT_TOKEN_MAX_AGE)
    except signing.SignatureExpired as exc:
        raise ContactRefused(
            _("This form was opened too long ago; please send your message again."),
            code=ContactErrorCode.FORM_EXPIRED,
        ) from exc
    except signing.BadSignature as exc:
        raise ContactRefused(
            _("This form could not be checked; please reload the page and send your message again."),
            code=ContactErrorCode.FORM_FORGED,
        ) from exc
    issued_at = issued.get("t") if isinstance(issued, dict) else None
    if not isinstance(issued_at, int | float):
        raise ContactRefused(
            _("This form could not be checked; please reload the page and send your message again."),
            code=ContactErrorCode.FORM_FORGED,
        )
    age = time.time() - float(issued_at)
    if age > CONTACT_TOKEN_MAX_AGE:
        raise ContactRefused(
            _("This form was opened too long ago; please send your message again."),
            code=ContactErrorCode.FORM_EXPIRED,
        )
    if age < CONTACT_MIN_SECONDS:
        raise ContactRefused(
            _("That was sent faster than anyone can type; please wait a few seconds and send it again."),
            code=ContactErrorCode.TOO_FAST,
        )


def _allowed(key: str, count: int, seconds: int) -> bool:
    """Whether one more message fits `count` in the last `seconds` (a sliding window; only
    messages let through are counted)."""
    window, elapsed = divmod(time.time(), seconds)
    allowed, _current, _previous = rate_window_hit(
        f"{key}:{int(window)}",
        f"{key}:{int(window) - 1}",
        weight=1 - elapsed / seconds,
        limit=count,
        timeout=2 * seconds + 1,
    )
    return allowed


def _rate_limit(client_ip: str | None) -> None:
    # The cache key carries the store's schema, so each store counts its own messages.
    ip_count, ip_seconds = _limit("CONTACT_RATE_LIMIT_IP", (5, 10 * 60))
    store_count, store_seconds = _limit("CONTACT_RATE_LIMIT_STORE", (30, 10 * 60))
    if not _allowed(f"storefront:contact:ip:{client_ip or 'unknown'}", ip_count, ip_seconds):
        raise ContactRefused(
            _(
                "You have sent %(count)d messages in the last %(minutes)d minutes, the most we accept; "
                "please try again later. Nothing was sent."
            )
            % {"count": ip_count, "minutes": max(1, ip_seconds // 60)},
            code=ContactErrorCode.RATE_LIMITED_ADDRESS,
        )
    if not _allowed("storefront:contact:store", store_count, store_seconds):
        raise ContactRefused(
            _(
                "The store is receiving many messages right now; please try again in a few minutes. Nothing was sent."
            ),
            code=ContactErrorCode.RATE_LIMITED_STORE,
        )


def _one_line(text: str, limit: int) -> str:
    return " ".join(str(text or "").split())[:limit]


def contact_message_send(*, message: ContactMessage, client_ip: str | None) -> None:
    """Check `message` against every rule above and mail it to the store's contact address.
    Raises `ContactRefused` and sends nothing when a rule refuses it."""
    store = store_settings_get()
    if not store.contact_email:
        raise ContactRefused(
            _("This store does not take messages by email."), code=ContactErrorCode.NO_RECIPIENT
        )
    if message.honeypot.strip():
        raise ContactRefused(
            _("Your message looks automated and was not sent. Leave the last field empty and try again."),
            code=ContactErrorCode.HONEYPOT,
        )
    _check_token(message.token)
    links = len(LINK_RE.findall(message.message)) + len(LINK_RE.findall(message.name))
    if links > CONTACT_MAX_LINKS:
        raise ContactRefused(
            _("Messages with more than %(max)d links are not accepted, to keep spam out; remove some links.")
            % {"max": CONTACT_MAX_LINKS},
            code=ContactErrorCode.TOO_MANY_LINKS,
            field="message",
        )
    _rate_limit(client_ip)
    name = _one_line(message.name, CONTACT_NAME_MAX)
    context: dict[str, Any] = {
        "store_name": store.name,
        "name": name,
        "email": message.email,
        "message": message.message[:CONTACT_MESSAGE_MAX],
    }
    # The store reads it in its own language, whatever language the shopper browsed in.
    with translation.override(store.default_language):
        subject = _("[%(store)s] Message from %(name)s") % {"store": _one_line(store.name, 100), "name": name}
        body = render_to_string("storefront/pages/contact_email.txt", context)
    sender = formataddr((_one_line(store.name, 100), parseaddr(settings.DEFAULT_FROM_EMAIL)[1]))
    email = EmailMessage(
        subject=subject,
        body=body,
        from_email=sender,
        to=[store.contact_email],
        reply_to=[formataddr((name, message.email))],
    )
    try:
        email.send(fail_silently=False)
    except (smtplib.SMTPException, OSError) as exc:
        logger.exception("contact message for %s could not be sent", require_store())
        raise ContactRefused(
            _("Your message could not be sent just now; please try again later."),
            code=ContactErrorCode.SEND_FAILED,
        ) from exc
