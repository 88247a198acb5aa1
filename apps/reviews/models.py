"""Product reviews written by shoppers, their photos, the store's review settings and the review
requests mailed after delivery.

A shopper has at most one review per product (writing again edits it). A review is shown on the
product page only while it is published; `apps.reviews.services` is the one place that moves it
between pending, published and hidden.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from apps.core.models import TimeStampedModel

REVIEW_SETTINGS_PK = 1


class ReviewStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for moderation")
    PUBLISHED = "published", _("Published")
    HIDDEN = "hidden", _("Hidden")


class Review(TimeStampedModel):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    product = models.ForeignKey(
        "catalog.Product", on_delete=models.CASCADE, related_name="reviews", verbose_name=_("product")
    )
    # The paid order line the review stands on (a verified purchase); kept when the order goes.
    order_line = models.ForeignKey(
        "orders.OrderLine", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reviews",
        verbose_name=_("shopper"),
    )
    author_name = models.CharField(_("shown as"), max_length=80)
    rating = models.PositiveSmallIntegerField(_("rating"))
    title = models.CharField(_("title"), max_length=120, blank=True)
    body = models.TextField(_("review"), blank=True)  # plain text; escaped wherever it is shown
    status = models.CharField(
        _("status"), max_length=20, choices=ReviewStatus.choices, default=ReviewStatus.PENDING
    )
    verified_purchase = models.BooleanField(_("verified purchase"), default=False)
    reply = models.TextField(_("store's reply"), blank=True)
    replied_at = models.DateTimeField(_("replied"), null=True, blank=True)
    language = models.CharField(_("language"), max_length=10, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        constraints = [
            models.UniqueConstraint(
                fields=["product", "user"], condition=Q(user__isnull=False), name="reviews_one_per_shopper"
            ),
            models.CheckConstraint(condition=Q(rating__gte=1, rating__lte=5), name="reviews_rating_1_to_5"),
            models.CheckConstraint(condition=Q(status__in=ReviewStatus.values), name="reviews_status_valid"),
            models.CheckConstraint(
                condition=Q(reply="") | Q(replied_at__isnull=False), name="reviews_reply_has_time"
            ),
        ]
        indexes = [
            # The product page: its published reviews, newest first, and their average.
            models.Index(fields=["product", "status", "-created_at"], name="reviews_product_status"),
            models.Index(fields=["status", "-created_at"], name="reviews_status_created"),
        ]

    def __str__(self) -> str:
        return f"{self.rating}/5 {self.title or self.product_id}"


def review_photo_path(instance: ReviewPhoto, filename: str) -> str:
    # The default storage puts it under the store's schema; the name inside it is random.
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "jpg"
    return f"reviews/{instance.review.uuid}/{uuid.uuid4().hex}.{extension}"


class ReviewPhoto(TimeStampedModel):
    """A shopper's photo, re-encoded on upload (no EXIF location leaves the shopper's phone)."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(
        _("photo"), upload_to=review_photo_path, width_field="width", height_field="height"
    )
    thumbnail = models.ImageField(upload_to=review_photo_path, blank=True)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return str(self.image.name)


class ReviewSettings(TimeStampedModel):
    """One row per store (primary key pinned to 1); read it with
    `apps.reviews.selectors.review_settings_get`."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=REVIEW_SETTINGS_PK, editable=False)
    auto_publish = models.BooleanField(
        _("publish reviews at once"),
        default=False,
        help_text=_("Off: each review waits until a team member publishes it."),
    )
    request_delay_days = models.PositiveSmallIntegerField(
        _("ask for a review after (days)"),
        default=7,
        help_text=_("Days after delivery before the review request email is sent."),
    )
    allow_photos = models.BooleanField(_("shoppers may add photos"), default=True)

    class Meta:
        verbose_name = _("review settings")
        constraints = [
            models.CheckConstraint(condition=Q(id=REVIEW_SETTINGS_PK), name="reviews_settings_single_row"),
            models.CheckConstraint(
                condition=Q(request_delay_days__lte=365), name="reviews_delay_at_most_a_year"
            ),
        ]

    def __str__(self) -> str:
        return str(_("Review settings"))


class ReviewRequest(TimeStampedModel):
    """The email asking the shopper of a delivered order to review what they bought: one per
    order, sent once, `request_delay_days` after the (last) delivery."""

    order = models.OneToOneField("orders.Order", on_delete=models.CASCADE, related_name="review_request")
    due_at = models.DateTimeField(_("due"))
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    # Set (with sent_at) when the job decided not to send: "refunded", "nothing_to_review", ...
    skipped_reason = models.CharField(_("not sent because"), max_length=40, blank=True)

    class Meta:
        ordering = ["due_at", "id"]
        indexes = [
            models.Index(fields=["due_at"], condition=Q(sent_at__isnull=True), name="reviews_request_due"),
        ]

    def __str__(self) -> str:
        return f"review request {self.order_id}"
