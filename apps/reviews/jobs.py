"""Periodic per-store jobs of the reviews app (registered from ReviewsConfig.ready)."""

from __future__ import annotations

from apps.core.jobs import StoreJob, store_job_register
from apps.reviews.services import review_requests_send_due

REVIEW_REQUESTS_JOB = "reviews.review_requests_send"


def review_requests_send() -> dict[str, int]:
    return review_requests_send_due()


def register() -> None:
    store_job_register(StoreJob(name=REVIEW_REQUESTS_JOB, func=review_requests_send, every=60 * 60))
