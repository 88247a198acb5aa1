"""Reads of the reviews app: the store's review settings, whether a shopper bought a product
(and so may review it), a product's rating summary and its published reviews page by page, the
review lines of a shopper's order, and the dashboard's filtered list.

The product page is a hot path: the rating summary is one aggregate query kept in the store's
cache (forgotten by the services whenever what it counts changes), and a page of reviews is one
query with its photos aggregated in; a product with no published review reads no review row.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.contrib.postgres.aggregates import ArrayAgg
from django.core.cache import cache
from django.core.files.storage import default_storage
from django.core.paginator import Page, Paginator
from django.db import IntegrityError, transaction
from django.db.models import Avg, Count, Q, QuerySet
from django.db.models.functions import JSONObject

from apps.accounts.models import User
from apps.catalog.models import Product
from apps.core.tenancy import require_store
from apps.orders.enums import OrderStatus
from apps.orders.models import Order, OrderLine
from apps.orders.selectors import orders_for_customer
from apps.reviews.models import REVIEW_SETTINGS_PK, Review, ReviewSettings, ReviewStatus

logger = logging.getLogger(__name__)

REVIEWS_PER_PAGE = 10
SUMMARY_CACHE_KEY = "reviews:summary:{product_id}"
SUMMARY_CACHE_SECONDS = 60 * 60
# Orders whose lines count as bought: paid, whatever happened after (shipped, delivered, refunded).
BOUGHT_STATUSES = tuple(
    s for s in OrderStatus.values if s not in (OrderStatus.PENDING, OrderStatus.CANCELLED)
)
DASHBOARD_PAGE_SIZE = 50


# ------------------------------------------------------------------------------
# settings
# ------------------------------------------------------------------------------
def review_settings_get() -> ReviewSettings:
    """This store's review settings, created with defaults on the first read (an unsaved
    default row in the template schema new stores are cloned from)."""
    schema = require_store()
    found = ReviewSettings.objects.filter(pk=REVIEW_SETTINGS_PK).first()
    if found is not None:
        return found
    if schema == settings.TENANT_BASE_SCHEMA:
        return ReviewSettings(pk=REVIEW_SETTINGS_PK)
    try:
        with transaction.atomic():
            return ReviewSettings.objects.create(pk=REVIEW_SETTINGS_PK)
    except IntegrityError:
        return ReviewSettings.objects.get(pk=REVIEW_SETTINGS_PK)


# ------------------------------------------------------------------------------
# who may review
# ------------------------------------------------------------------------------
def review_purchase_line(*, user: User, product_id: int) -> OrderLine | None:
    """The shopper's most recent paid order line of `product_id` (their orders and the guest
    orders of their verified email), or None when they never bought it."""
    if not getattr(user, "is_authenticated", False) or user.is_staff:
        return None
    orders = orders_for_customer(user=user).filter(status__in=BOUGHT_STATUSES).values("pk")
    return (
        OrderLine.objects.filter(order__in=orders, product_id_snapshot=product_id)
        .select_related("order")
        .order_by("-order__created_at", "-id")
        .first()
    )


def shopper_review_get(*, user: User, product_id: int) -> Review | None:
    """The shopper's own review of the product (any status), with its photos."""
    return Review.objects.filter(user=user, product_id=product_id).prefetch_related("photos").first()


# ------------------------------------------------------------------------------
# the product page
# ------------------------------------------------------------------------------
@dataclass(frozen=True)
class RatingSummary:
    count: int
    average: Decimal | None  # one decimal ("4.3"), None without a published review

    @property
    def stars(self) -> int:
        """Whole stars to fill (the average rounded half up)."""
        if self.average is None:
            return 0
        return int(self.average.quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def _summary_key(product_id: int) -> str:
    return SUMMARY_CACHE_KEY.format(product_id=product_id)


def product_rating_summary(*, product_id: int) -> RatingSummary:
    """Count and average of the product's published reviews (cached; one query on a miss)."""
    key = _summary_key(product_id)
    try:
        cached = cache.get(key)
    except Exception:  # a cache that cannot be reached costs speed, not the page
        logger.warning("review summary cache unreadable", exc_info=True)
        cached = None
    if isinstance(cached, tuple) and len(cached) == 2:
        count, average = cached
        return RatingSummary(count=int(count), average=Decimal(average) if average is not None else None)
    found = Review.objects.filter(product_id=product_id, status=ReviewStatus.PUBLISHED).aggregate(
        count=Count("id"), average=Avg("rating")
    )
    count = int(found["count"] or 0)
    average = (
        Decimal(str(found["average"])).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP) if count else None
    )
    try:
        cache.set(key, (count, str(average) if average is not None else None), SUMMARY_CACHE_SECONDS)
    except Exception:
        logger.warning("review summary cache unwritable", exc_info=True)
    return RatingSummary(count=count, average=average)


def product_rating_summaries_forget(*, product_ids: list[int]) -> None:
    cache.delete_many([_summary_key(product_id) for product_id in set(product_ids)])


@dataclass(frozen=True)
class PhotoView:
    url: str
    thumbnail_url: str
    width: int | None
    height: int | None


@dataclass(frozen=True)
class ReviewView:
    uuid: str
    author_name: str
    rating: int
    title: str
    body: str
    verified_purchase: bool
    reply: str
    replied_at: datetime | None
    created_at: datetime
    language: str
    photos: list[PhotoView] = field(default_factory=list)


def _photo_views(rows: list[dict[str, Any]] | None) -> list[PhotoView]:
    views = []
    for row in rows or []:
        image = row.get("image") or ""
        if not image:
            continue
        thumbnail = row.get("thumbnail") or ""
        url = default_storage.url(image)
        views.append(
            PhotoView(
                url=url,
                thumbnail_url=default_storage.url(thumbnail) if thumbnail else url,
                width=row.get("width"),
                height=row.get("height"),
            )
        )
    return views


def _published_with_photos(product_id: int) -> QuerySet[Review]:
    return (
        Review.objects.filter(product_id=product_id, status=ReviewStatus.PUBLISHED)
        .annotate(
            photo_rows=ArrayAgg(
                JSONObject(
                    image="photos__image",
                    thumbnail="photos__thumbnail",
                    width="photos__width",
                    height="photos__height",
                ),
                filter=Q(photos__id__isnull=False),
                order_by=("photos__position", "photos__id"),
            )
        )
        .order_by("-created_at", "-id")
    )


def _view(review: Review) -> ReviewView:
    return ReviewView(
        uuid=str(review.uuid),
        author_name=review.author_name,
        rating=review.rating,
        title=review.title,
        body=review.body,
        verified_purchase=review.verified_purchase,
        reply=review.reply,
        replied_at=review.replied_at,
        created_at=review.created_at,
        language=review.language,
        photos=_photo_views(getattr(review, "photo_rows", None)),
    )


@dataclass(frozen=True)
class ProductReviews:
    summary: RatingSummary
    page: Page[Review] | None  # None without a published review
    reviews: list[ReviewView]


def product_reviews(*, product_id: int, page: Any = None) -> ProductReviews:
    """The product's rating summary and one page of its published reviews, newest first, with
    their photos: the summary (cached) plus one query, none when nothing is published."""
    summary = product_rating_summary(product_id=product_id)
    if not summary.count:
        return ProductReviews(summary=summary, page=None, reviews=[])
    paginator = Paginator(_published_with_photos(product_id), REVIEWS_PER_PAGE)
    paginator.count = summary.count  # known from the summary: no COUNT query
    shown = paginator.get_page(page)
    return ProductReviews(
        summary=summary, page=shown, reviews=[_view(review) for review in shown.object_list]
    )


# ------------------------------------------------------------------------------
# the shopper's order page
# ------------------------------------------------------------------------------
@dataclass(frozen=True)
class ReviewableLine:
    title: str
    product: Product
    review: Review | None


def order_reviewable_lines(*, order: Order, user: User | None) -> list[ReviewableLine]:
    """The order's products the shopper can review (one row per product, active products only),
    each with their review when they wrote one (`user` None: a guest, no review looked up).
    Two queries; none for an unpaid order."""
    if order.status not in BOUGHT_STATUSES:
        return []
    titles: dict[int, str] = {}
    for line in order.lines.all():  # prefetched by the order page
        if line.product_id_snapshot and line.product_id_snapshot not in titles:
            titles[line.product_id_snapshot] = line.product_title
    if not titles:
        return []
    products = Product.objects.filter(pk__in=titles, status=Product.Status.ACTIVE).only(
        "pk", "handle", "title"
    )
    by_id = {product.pk: product for product in products}
    reviews = (
        {
            review.product_id: review
            for review in Review.objects.filter(user=user, product_id__in=list(by_id)).only(
                "pk", "uuid", "product_id", "rating", "status"
            )
        }
        if user is not None and user.pk is not None
        else {}
    )
    return [
        ReviewableLine(title=title, product=by_id[product_id], review=reviews.get(product_id))
        for product_id, title in titles.items()
        if product_id in by_id
    ]


# ------------------------------------------------------------------------------
# the dashboard
# ------------------------------------------------------------------------------
@dataclass(frozen=True)
class ReviewFilters:
    status: str = ""
    rating: int | None = None
    product: Product | None = None
    q: str = ""

    @property
    def active(self) -> bool:
        return bool(self.status or self.rating or self.product or self.q)


def review_list(*, filters: ReviewFilters) -> QuerySet[Review]:
    """The store's reviews, newest first, with their product and photo count (one query per page)."""
    reviews = Review.objects.select_related("product").annotate(photo_count=Count("photos"))
    if filters.status:
        reviews = reviews.filter(status=filters.status)
    if filters.rating:
        reviews = reviews.filter(rating=filters.rating)
    if filters.product is not None:
        reviews = reviews.filter(product=filters.product)
    if filters.q:
        reviews = reviews.filter(
            Q(title__icontains=filters.q)
            | Q(body__icontains=filters.q)
            | Q(author_name__icontains=filters.q)
            | Q(product__title__icontains=filters.q)
        )
    return reviews.order_by("-created_at", "-id")


def review_status_counts() -> dict[str, int]:
    rows = Review.objects.values("status").annotate(n=Count("id")).order_by()
    return {row["status"]: row["n"] for row in rows}


def review_get(*, review_uuid: Any) -> Review | None:
    try:
        return (
            Review.objects.select_related("product", "order_line__order")
            .prefetch_related("photos")
            .get(uuid=review_uuid)
        )
    except (Review.DoesNotExist, ValueError, TypeError):
        return None
