"""Review errors: one `ReviewErrorCode` per way a review operation is refused. Callers decide
on the code; nothing parses the message."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.core.errors import ApplicationError


class ReviewErrorCode(models.TextChoices):
    REVIEW_ERROR = "review_error", _("Review error")
    NOT_PURCHASED = "not_purchased", _("Product not bought by this shopper")
    RATING_INVALID = "rating_invalid", _("Rating outside 1 to 5")
    TEXT_TOO_LONG = "text_too_long", _("Text too long")
    RATE_LIMITED = "rate_limited", _("Too many reviews in a short time")
    PHOTOS_NOT_ALLOWED = "photos_not_allowed", _("Photos are switched off")
    TOO_MANY_PHOTOS = "too_many_photos", _("Too many photos")
    PHOTO_TOO_LARGE = "photo_too_large", _("Photo too large")
    PHOTO_INVALID = "photo_invalid", _("Not an image")
    STATUS_INVALID = "status_invalid", _("Unknown review status")
    REPLY_TOO_LONG = "reply_too_long", _("Reply too long")
    SETTINGS_INVALID = "settings_invalid", _("Invalid review settings")


class ReviewError(ApplicationError):
    code: str = ReviewErrorCode.REVIEW_ERROR
    codes = ReviewErrorCode
