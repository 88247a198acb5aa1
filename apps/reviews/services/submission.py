"""A shopper writes (or rewrites) their review of a product they bought.

Only a shopper with a paid order line of the product may review it (verified purchase); anyone
else is refused before anything is written. A second review of the same product edits the first
(one review per product per shopper, held by a database constraint too). The text is kept as
plain text, control characters out, and escaped wherever it is shown. Each shopper may send
REVIEW_RATE_LIMIT reviews per REVIEW_RATE_WINDOW seconds.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.catalog.models import Product
from apps.core.events import event_emit
from apps.reviews.errors import ReviewError, ReviewErrorCode
from apps.reviews.models import Review, ReviewStatus
from apps.reviews.selectors import review_purchase_line, review_settings_get
from apps.reviews.services.common import review_payload, shown_reviews_changed
from apps.reviews.services.photos import (
    MAX_PHOTOS,
    photo_validate,
    review_photo_add,
    review_photo_files_delete_after_commit,
)

TITLE_MAX = 120
BODY_MAX = 5000
AUTHOR_MAX = 80
RATE_KEY = "reviews:rate:{user_id}"


@dataclass(frozen=True)
class ReviewInput:
    rating: int
    title: str = ""
    body: str = ""
    author_name: str = ""
    language: str = ""


def plain_text(value: str, *, multiline: bool) -> str:
    """`value` without control characters (newlines kept in `multiline` text), spaces trimmed."""
    kept = []
    for char in value or "":
        if char in "\r\n\t" and multiline:
            kept.append("\n" if char != "\t" else " ")
        elif unicodedata.category(char)[0] == "C":
            kept.append(" ")
        else:
            kept.append(char)
    text = "".join(kept)
    if multiline:
        lines = [" ".join(line.split()) for line in text.split("\n")]
        # At most one empty line between paragraphs.
        text = "\n".join(lines)
        while "\n\n\n" in text:
            text = text.replace("\n\n\n", "\n\n")
        return text.strip()
    return " ".join(text.split())


def default_author_name(user: User) -> str:
    """ "Erika M." from the account's name; "Customer" without one (never the email)."""
    parts = (user.full_name or "").split()
    if not parts:
        return _("Customer")
    if len(parts) == 1:
        return parts[0][:AUTHOR_MAX]
    return f"{parts[0]} {parts[-1][0]}."[:AUTHOR_MAX]


def _rate_limit(user: User) -> None:
    limit = int(getattr(settings, "REVIEW_RATE_LIMIT", 10))
    window = int(getattr(settings, "REVIEW_RATE_WINDOW", 60 * 60))
    key = RATE_KEY.format(user_id=user.pk)  # the cache key function adds the store's schema
    cache.add(key, 0, window)
    try:
        count = int(cache.incr(key))
    except ValueError:  # the window ended between add and incr
        cache.set(key, 1, window)
        count = 1
    if count > limit:
        raise ReviewError(
            _("You have sent %(count)d reviews in a short time, the most we accept; please try again later.")
            % {"count": limit},
            code=ReviewErrorCode.RATE_LIMITED,
        )


def _clean(data: ReviewInput, user: User) -> ReviewInput:
    try:
        rating = int(data.rating)
    except (TypeError, ValueError):
        rating = 0
    if not 1 <= rating <= 5:
        raise ReviewError(
            _("Choose a rating from 1 to 5 stars."), code=ReviewErrorCode.RATING_INVALID, field="rating"
        )
    title = plain_text(data.title, multiline=False)
    body = plain_text(data.body, multiline=True)
    author = plain_text(data.author_name, multiline=False) or default_author_name(user)
    for value, limit, name in (
        (title, TITLE_MAX, "title"),
        (body, BODY_MAX, "body"),
        (author, AUTHOR_MAX, "author_name"),
    ):
        if len(value) > limit:
            raise ReviewError(
                _("At most %(limit)d characters.") % {"limit": limit},
                code=ReviewErrorCode.TEXT_TOO_LONG,
                field=name,
                params={"limit": limit},
            )
    return ReviewInput(rating=rating, title=title, body=body, author_name=author, language=data.language[:10])


def review_submit(
    *,
    user: User,
    product: Product,
    data: ReviewInput,
    photos: Sequence[UploadedFile | ContentFile] = (),
    remove_photo_ids: Sequence[int] = (),
) -> Review:
    """Write the shopper's review of `product`, or rewrite the one they wrote. Raises
    `ReviewError` (nothing written) when they did not buy it, the input is invalid, a photo is
    refused or they sent too many reviews lately."""
    line = review_purchase_line(user=user, product_id=product.pk)
    if line is None:
        raise ReviewError(
            _(
                "Only shoppers who bought this product can review it; we found no paid order of it on your account."
            ),
            code=ReviewErrorCode.NOT_PURCHASED,
            params={"product": str(product.uuid)},
        )
    cleaned = _clean(data, user)
    store_settings = review_settings_get()
    if photos and not store_settings.allow_photos:
        raise ReviewError(
            _("This store does not take photos with reviews."),
            code=ReviewErrorCode.PHOTOS_NOT_ALLOWED,
            field="photos",
        )
    for upload in photos:
        photo_validate(upload)
    _rate_limit(user)
    status = ReviewStatus.PUBLISHED if store_settings.auto_publish else ReviewStatus.PENDING
    with transaction.atomic():
        # One submission of a shopper at a time (two tabs, a double click): the second then
        # finds the first one's review and rewrites it instead of tripping the constraint.
        User.objects.select_for_update().filter(pk=user.pk).first()
        review = Review.objects.filter(user=user, product=product).first()
        created = review is None
        was_published = review is not None and review.status == ReviewStatus.PUBLISHED
        if review is None:
            review = Review(user=user, product=product)
        review.order_line = line
        review.verified_purchase = True
        review.rating = cleaned.rating
        review.title = cleaned.title
        review.body = cleaned.body
        review.author_name = cleaned.author_name
        review.language = cleaned.language
        # A review the team hid goes back to them when rewritten, whatever the store's setting.
        review.status = ReviewStatus.PENDING if review.status == ReviewStatus.HIDDEN else status
        review.save()
        _photos_apply(review, photos, remove_photo_ids)
        if was_published or review.status == ReviewStatus.PUBLISHED:
            shown_reviews_changed(product_ids=[product.pk])
        event_emit(name="review.submitted", payload={**review_payload(review), "created": created})
    return review


def _photos_apply(
    review: Review, photos: Sequence[UploadedFile | ContentFile], remove_photo_ids: Sequence[int]
) -> None:
    existing = list(review.photos.all())
    removed = [photo for photo in existing if photo.pk in set(remove_photo_ids)]
    kept = [photo for photo in existing if photo not in removed]
    if len(kept) + len(photos) > MAX_PHOTOS:
        raise ReviewError(
            _("A review holds at most %(max)d photos; remove some first.") % {"max": MAX_PHOTOS},
            code=ReviewErrorCode.TOO_MANY_PHOTOS,
            field="photos",
            params={"max": MAX_PHOTOS},
        )
    if removed:
        review.photos.filter(pk__in=[photo.pk for photo in removed]).delete()
        review_photo_files_delete_after_commit(removed)
    position = max((photo.position for photo in kept), default=-1) + 1
    for offset, upload in enumerate(photos):
        review_photo_add(review=review, upload=upload, position=position + offset)
