"""The reviews app's writes: shoppers' reviews and photos (`submission`, `photos`), the team's
moderation and the review settings (`moderation`), and the review request emails after
delivery (`requests`)."""

from apps.reviews.services.moderation import (
    review_delete,
    review_reply_set,
    review_settings_update,
    review_status_set,
    reviews_status_set,
)
from apps.reviews.services.photos import MAX_PHOTOS, photo_validate
from apps.reviews.services.requests import review_request_record, review_requests_send_due
from apps.reviews.services.submission import ReviewInput, default_author_name, plain_text, review_submit

__all__ = [
    "MAX_PHOTOS",
    "ReviewInput",
    "default_author_name",
    "photo_validate",
    "plain_text",
    "review_delete",
    "review_reply_set",
    "review_request_record",
    "review_requests_send_due",
    "review_settings_update",
    "review_status_set",
    "review_submit",
    "reviews_status_set",
]
