"""Reading the store's newsletter list (apps.stores.newsletter writes it): the dashboard's list
with its search and status filter, and the confirmed addresses for the CSV export."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import Count, QuerySet

from apps.stores.models import NewsletterSubscriber

NEWSLETTER_SEARCH_MAX_LENGTH = 100
EXPORT_CHUNK_SIZE = 2000


def newsletter_subscriber_list(*, query: str = "", status: str = "") -> QuerySet[NewsletterSubscriber]:
    """Newest first; `query` matches part of the address, `status` one of the statuses (an
    unknown status filters nothing out rather than failing)."""
    subscribers = NewsletterSubscriber.objects.order_by("-created_at", "-id")
    if query:
        subscribers = subscribers.filter(email__contains=query.lower())
    if status in NewsletterSubscriber.Status.values:
        subscribers = subscribers.filter(status=status)
    return subscribers


def newsletter_status_counts() -> dict[str, int]:
    """How many addresses are in each status (every status present, zero when none)."""
    counts = dict.fromkeys(NewsletterSubscriber.Status.values, 0)
    for row in NewsletterSubscriber.objects.values("status").annotate(total=Count("id")).order_by():
        counts[row["status"]] = row["total"]
    return counts


def newsletter_subscriber_get(*, subscriber_id: int) -> NewsletterSubscriber | None:
    return NewsletterSubscriber.objects.filter(pk=subscriber_id).first()


def newsletter_confirmed_export() -> Iterator[NewsletterSubscriber]:
    """The confirmed addresses, oldest first, read in chunks so a long list streams."""
    return (
        NewsletterSubscriber.objects.filter(status=NewsletterSubscriber.Status.CONFIRMED)
        .order_by("confirmed_at", "id")
        .only("email", "language", "source", "confirmed_at")
        .iterator(chunk_size=EXPORT_CHUNK_SIZE)
    )
