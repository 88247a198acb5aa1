"""The store's newsletter list: addresses that signed up on the storefront (the home page's
newsletter block). One table per store schema, so a store sees only its own subscribers.

Double opt-in. A sign-up keeps the address as PENDING and emits
`newsletter.confirmation_requested`; the notifications app mails the confirmation link built
here (`newsletter_links`). Opening the link confirms the address (CONFIRMED, the only state that
counts as subscribed) and emits `newsletter.subscribed`; opening it again changes nothing.

Links are signed with Django's signing (the SECRET_KEY), salted per purpose and per store
schema, so a confirmation link is no unsubscribe link and a link of one store is worthless on
another. A confirmation link expires after NEWSLETTER_CONFIRM_MAX_AGE and is bound to the
opt-in it was sent for (`requested_at`): after an unsubscribe, an old confirmation link no
longer puts the address back. Unsubscribe links do not expire (they sit in mails people keep).

Unsubscribing keeps the row as UNSUBSCRIBED (never deleted, even if the row had gone), so no
re-import or stale link can resubscribe the address silently; signing up again starts a new
double opt-in. Signing up says nothing about the address: the answer is the same whether or not
it was known, and a confirmed address gets no mail.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.core.events import event_emit
from apps.core.tenancy import require_store
from apps.stores.errors import NewsletterError, NewsletterErrorCode
from apps.stores.models import NewsletterSubscriber

NEWSLETTER_CONFIRMATION_REQUESTED = "newsletter.confirmation_requested"
NEWSLETTER_SUBSCRIBED = "newsletter.subscribed"
NEWSLETTER_UNSUBSCRIBED = "newsletter.unsubscribed"
EMAIL_MAX_LENGTH = 254
NEWSLETTER_CONFIRM_MAX_AGE = datetime.timedelta(days=7)
# A second sign-up of a pending address within this time sends no second mail, so the form
# cannot be used to flood someone's inbox (the per-connection limit is the view's).
NEWSLETTER_RESEND_AFTER = datetime.timedelta(minutes=10)
CONFIRM_PURPOSE = "confirm"
UNSUBSCRIBE_PURPOSE = "unsubscribe"

Status = NewsletterSubscriber.Status


def newsletter_email_clean(email: str) -> str:
    value = " ".join(str(email or "").split()).lower()
    try:
        if not value or len(value) > EMAIL_MAX_LENGTH:
            raise ValidationError("length")
        validate_email(value)
    except ValidationError:
        raise NewsletterError(
            _("Enter a valid email address."), code=NewsletterErrorCode.INVALID_EMAIL, field="email"
        ) from None
    return value


# ------------------------------------------------------------------------------
# signed links
# ------------------------------------------------------------------------------
def _salt(purpose: str) -> str:
    # The schema in the salt binds a link to its store: beta cannot verify alpha's signature.
    return f"stores.newsletter.{purpose}:{require_store()}"


def _stamp(moment: datetime.datetime | None) -> int:
    return int(moment.timestamp()) if moment is not None else 0


def newsletter_token(*, email: str, purpose: str, requested_at: datetime.datetime | None = None) -> str:
    payload: dict[str, Any] = {"e": email}
    if purpose == CONFIRM_PURPOSE:
        payload["r"] = _stamp(requested_at)
    return signing.dumps(payload, salt=_salt(purpose), compress=True)


def _token_read(token: str, *, purpose: str) -> dict[str, Any]:
    max_age = NEWSLETTER_CONFIRM_MAX_AGE if purpose == CONFIRM_PURPOSE else None
    try:
        payload = signing.loads(token, salt=_salt(purpose), max_age=max_age)
    except signing.SignatureExpired:
        raise NewsletterError(
            _("This confirmation link has expired. Sign up again to get a new one."),
            code=NewsletterErrorCode.LINK_EXPIRED,
        ) from None
    except signing.BadSignature:
        raise NewsletterError(
            _("This link is not valid. Check that it was copied whole from the email."),
            code=NewsletterErrorCode.LINK_INVALID,
        ) from None
    if not isinstance(payload, dict) or not isinstance(payload.get("e"), str):
        raise NewsletterError(_("This link is not valid."), code=NewsletterErrorCode.LINK_INVALID)
    return payload


@dataclass(frozen=True)
class NewsletterLinks:
    """Paths (no host: the caller knows the store's address) of one subscriber's links."""

    confirm_path: str
    unsubscribe_path: str


def newsletter_unsubscribe_path(*, email: str) -> str:
    token = newsletter_token(email=email, purpose=UNSUBSCRIBE_PURPOSE)
    return reverse("storefront:newsletter_unsubscribe", kwargs={"token": token})


def newsletter_links(*, email: str) -> NewsletterLinks | None:
    """The links of the confirmation mail for `email`, in the active language's URL prefix;
    None when the address is not waiting for confirmation (confirmed or unsubscribed since)."""
    subscriber = NewsletterSubscriber.objects.filter(email=email, status=Status.PENDING).first()
    if subscriber is None:
        return None
    token = newsletter_token(email=email, purpose=CONFIRM_PURPOSE, requested_at=subscriber.requested_at)
    return NewsletterLinks(
        confirm_path=reverse("storefront:newsletter_confirm", kwargs={"token": token}),
        unsubscribe_path=newsletter_unsubscribe_path(email=email),
    )


# ------------------------------------------------------------------------------
# signing up, confirming, leaving
# ------------------------------------------------------------------------------
def newsletter_subscribe(*, email: str, language: str = "", source: str = "") -> bool:
    """Start the double opt-in for `email`: a new or unsubscribed address becomes PENDING and a
    confirmation mail is requested (`newsletter.confirmation_requested`); a pending one gets
    the mail again unless it was sent within NEWSLETTER_RESEND_AFTER; a confirmed one is left
    alone. True when a mail was requested. Raises `NewsletterError` for an address that is not
    one."""
    require_store()
    clean = newsletter_email_clean(email)
    now = timezone.now()
    language, source = language[:10], source[:40]
    try:
        with transaction.atomic():
            subscriber = NewsletterSubscriber.objects.select_for_update().filter(email=clean).first()
            if subscriber is None:
                subscriber = NewsletterSubscriber.objects.create(
                    email=clean, language=language, source=source, requested_at=now
                )
            elif subscriber.status == Status.CONFIRMED:
                return False
            elif subscriber.status == Status.UNSUBSCRIBED:
                subscriber.status = Status.PENDING
                subscriber.requested_at = now
                subscriber.confirmed_at = None
                subscriber.source = source or subscriber.source
            elif (
                subscriber.confirmation_sent_at is not None
                and now - subscriber.confirmation_sent_at < NEWSLETTER_RESEND_AFTER
            ):
                return False
            subscriber.language = language or subscriber.language
            subscriber.confirmation_sent_at = now
            subscriber.save()
            event_emit(
                name=NEWSLETTER_CONFIRMATION_REQUESTED,
                payload={"email": clean, "language": subscriber.language},
            )
    except IntegrityError:
        # Two sign-ups of the same address raced; the other one created the row and asks.
        return False
    return True


@transaction.atomic
def newsletter_confirm(*, token: str) -> NewsletterSubscriber:
    """Confirm the address of a confirmation link. Idempotent: an address already confirmed
    stays so. Raises `NewsletterError` for a forged, expired or other store's link, and for a
    link whose opt-in has ended (the address unsubscribed or was removed since)."""
    payload = _token_read(token, purpose=CONFIRM_PURPOSE)
    subscriber = NewsletterSubscriber.objects.select_for_update().filter(email=payload["e"]).first()
    if subscriber is not None and subscriber.status == Status.CONFIRMED:
        return subscriber
    if (
        subscriber is None
        or subscriber.status != Status.PENDING
        or _stamp(subscriber.requested_at) != payload.get("r")
    ):
        raise NewsletterError(
            _("This confirmation link is no longer valid. Sign up again to get a new one."),
            code=NewsletterErrorCode.LINK_USED_UP,
        )
    subscriber.status = Status.CONFIRMED
    subscriber.confirmed_at = timezone.now()
    subscriber.save(update_fields=["status", "confirmed_at", "updated_at"])
    event_emit(
        name=NEWSLETTER_SUBSCRIBED, payload={"email": subscriber.email, "language": subscriber.language}
    )
    return subscriber


def newsletter_unsubscribe_email(*, token: str) -> str:
    """The address an unsubscribe link is for (for the page that asks to confirm); raises
    `NewsletterError` for a link that is not one of this store's."""
    return str(_token_read(token, purpose=UNSUBSCRIBE_PURPOSE)["e"])


@transaction.atomic
def newsletter_unsubscribe(*, token: str) -> NewsletterSubscriber:
    """Take the address of an unsubscribe link off the list, keeping it as UNSUBSCRIBED (a row
    is written if there was none, so a later import cannot add it back). Idempotent."""
    email = newsletter_unsubscribe_email(token=token)
    now = timezone.now()
    subscriber, created = NewsletterSubscriber.objects.select_for_update().get_or_create(
        email=email, defaults={"status": Status.UNSUBSCRIBED, "unsubscribed_at": now, "source": "unsubscribe"}
    )
    if created or subscriber.status == Status.UNSUBSCRIBED:
        return subscriber
    subscriber.status = Status.UNSUBSCRIBED
    subscriber.unsubscribed_at = now
    subscriber.save(update_fields=["status", "unsubscribed_at", "updated_at"])
    event_emit(name=NEWSLETTER_UNSUBSCRIBED, payload={"email": subscriber.email})
    return subscriber


def newsletter_subscriber_remove(*, subscriber: NewsletterSubscriber) -> None:
    """Delete the row (the merchant's decision, e.g. an erasure request). Unlike unsubscribing
    this keeps nothing: signing up again starts a new double opt-in."""
    require_store()
    subscriber.delete()


# ------------------------------------------------------------------------------
# retention
# ------------------------------------------------------------------------------
def newsletter_pending_purge(before: datetime.datetime) -> int:
    """Sign-ups never confirmed whose last confirmation mail went out before `before`: a new
    address is deleted; one that had unsubscribed before signing up again goes back to
    UNSUBSCRIBED (that record is kept). Returns how many rows were removed or reverted."""
    require_store()
    stale = NewsletterSubscriber.objects.filter(status=Status.PENDING).filter(
        Q(confirmation_sent_at__lt=before) | Q(confirmation_sent_at__isnull=True, created_at__lt=before)
    )
    with transaction.atomic():
        reverted = stale.filter(unsubscribed_at__isnull=False).update(
            status=Status.UNSUBSCRIBED, updated_at=timezone.now()
        )
        deleted, _rows = stale.filter(unsubscribed_at__isnull=True).delete()
    return reverted + deleted
