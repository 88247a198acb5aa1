"""The store's team moderates reviews: publish, hide, answer, delete; and the review settings.

Status changes go through `reviews_status_set` only (one review or many). Each write that
changes what a product page shows forgets the product's rating summary and retires the
store's cached pages after commit (`shown_reviews_changed`).
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.core.events import event_emit
from apps.reviews.errors import ReviewError, ReviewErrorCode
from apps.reviews.models import Review, ReviewSettings, ReviewStatus
from apps.reviews.selectors import review_settings_get
from apps.reviews.services.common import review_payload, shown_reviews_changed
from apps.reviews.services.photos import review_photo_files_delete_after_commit
from apps.reviews.services.submission import plain_text

REPLY_MAX = 2000
DELAY_MAX_DAYS = 365


@transaction.atomic
def reviews_status_set(*, review_ids: Sequence[int], status: str, actor: User | None = None) -> int:
    """Publish or hide (or send back to moderation) the given reviews; returns how many changed."""
    if status not in ReviewStatus.values:
        raise ReviewError(_("Unknown review status."), code=ReviewErrorCode.STATUS_INVALID)
    reviews = list(Review.objects.select_for_update().filter(pk__in=list(review_ids)).exclude(status=status))
    if not reviews:
        return 0
    shown = [r.product_id for r in reviews if ReviewStatus.PUBLISHED in (r.status, status)]
    Review.objects.filter(pk__in=[r.pk for r in reviews]).update(status=status, updated_at=timezone.now())
    shown_reviews_changed(product_ids=shown)
    if status == ReviewStatus.PUBLISHED:
        for review in reviews:
            review.status = status
            event_emit(name="review.published", payload=review_payload(review))
    return len(reviews)


def review_status_set(*, review: Review, status: str, actor: User | None = None) -> Review:
    reviews_status_set(review_ids=[review.pk], status=status, actor=actor)
    review.refresh_from_db(fields=["status", "updated_at"])
    return review


@transaction.atomic
def review_reply_set(*, review: Review, text: str, actor: User | None = None) -> Review:
    """The store's public answer under the review; empty text removes it."""
    reply = plain_text(text, multiline=True)
    if len(reply) > REPLY_MAX:
        raise ReviewError(
            _("A reply holds at most %(limit)d characters.") % {"limit": REPLY_MAX},
            code=ReviewErrorCode.REPLY_TOO_LONG,
            field="reply",
            params={"limit": REPLY_MAX},
        )
    locked = Review.objects.select_for_update().get(pk=review.pk)
    locked.reply = reply
    locked.replied_at = timezone.now() if reply else None
    locked.save(update_fields=["reply", "replied_at", "updated_at"])
    if locked.status == ReviewStatus.PUBLISHED:
        shown_reviews_changed(product_ids=[locked.product_id])
    return locked


@transaction.atomic
def review_delete(*, review: Review, actor: User | None = None) -> None:
    locked = Review.objects.select_for_update().filter(pk=review.pk).first()
    if locked is None:
        return
    photos = list(locked.photos.all())
    if locked.status == ReviewStatus.PUBLISHED:
        shown_reviews_changed(product_ids=[locked.product_id])
    locked.delete()
    review_photo_files_delete_after_commit(photos)


@transaction.atomic
def review_settings_update(
    *, auto_publish: bool, request_delay_days: int, allow_photos: bool, actor: User | None = None
) -> ReviewSettings:
    if not 0 <= int(request_delay_days) <= DELAY_MAX_DAYS:
        raise ReviewError(
            _("Choose between 0 and %(max)d days.") % {"max": DELAY_MAX_DAYS},
            code=ReviewErrorCode.SETTINGS_INVALID,
            field="request_delay_days",
        )
    review_settings_get()
    row = ReviewSettings.objects.select_for_update().get()
    row.auto_publish = auto_publish
    row.request_delay_days = int(request_delay_days)
    row.allow_photos = allow_photos
    row.save()
    return row
