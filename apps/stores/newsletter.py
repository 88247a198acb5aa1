"""The store's newsletter list: addresses that signed up on the storefront (the home page's
newsletter block). One table per store schema, so a store sees only its own subscribers.

Signing up twice is not an error and says nothing new: the answer is the same whether or not
the address was already on the list, so the form cannot be used to learn who subscribed.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from apps.core.events import event_emit
from apps.core.tenancy import require_store
from apps.stores.errors import NewsletterError, NewsletterErrorCode
from apps.stores.models import NewsletterSubscriber

NEWSLETTER_SUBSCRIBED = "newsletter.subscribed"
EMAIL_MAX_LENGTH = 254


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


def newsletter_subscribe(*, email: str, language: str = "", source: str = "") -> bool:
    """Put `email` on this store's newsletter list; True when it was not there yet. Raises
    `NewsletterError` for an address that is not one. Emits `newsletter.subscribed` for a new
    address only."""
    require_store()
    clean = newsletter_email_clean(email)
    try:
        with transaction.atomic():
            _subscriber, created = NewsletterSubscriber.objects.get_or_create(
                email=clean, defaults={"language": language[:10], "source": source[:40]}
            )
            if created:
                event_emit(name=NEWSLETTER_SUBSCRIBED, payload={"email": clean, "language": language[:10]})
    except IntegrityError:
        # Two sign-ups of the same address raced; the other one created the row.
        return False
    return created
