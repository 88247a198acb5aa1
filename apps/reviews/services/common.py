"""What every review write shares: the event payload, and what follows a change to what the
product pages show."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from apps.core.events import event_emit
from apps.reviews.models import Review
from apps.reviews.selectors import product_rating_summaries_forget

PRODUCT_REVIEWS_CHANGED = "product.reviews_changed"


def review_payload(review: Review) -> dict[str, Any]:
    return {
        "review": str(review.uuid),
        "product_id": review.product_id,
        "rating": review.rating,
        "status": review.status,
        "verified_purchase": review.verified_purchase,
    }


def shown_reviews_changed(*, product_ids: list[int]) -> None:
    """Inside the writer's transaction: after commit, forget the products' rating summaries,
    and announce `product.reviews_changed`, on which the storefront retires the store's cached
    pages (apps.storefront.caching), so the product pages show the change on the next request
    rather than when their page cache entry runs out."""
    ids = sorted(set(product_ids))
    if not ids:
        return
    event_emit(name=PRODUCT_REVIEWS_CHANGED, payload={"product_ids": ids})
    transaction.on_commit(lambda: product_rating_summaries_forget(product_ids=ids))
