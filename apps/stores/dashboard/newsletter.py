"""The newsletter page of the dashboard, mounted at /dashboard/store/newsletter/.

- The list of addresses with their status (waiting for confirmation, subscribed, unsubscribed),
  search by address, filter by status, paginated: `customers.view` (addresses are customer
  data).
- The CSV of confirmed addresses, for the mailing tool the merchant sends with: each row carries
  the address's own unsubscribe link to put in the mails: `exports.download`.
- Removing an address (after a confirmation page): `customers.manage`. Removing deletes the row;
  to stop mails to someone and keep them off the list, their unsubscribe link is the way.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from apps.core.permissions import Perm, permission_required, user_has_permission
from apps.stores import newsletter_selectors as selectors
from apps.stores.models import NewsletterSubscriber
from apps.stores.newsletter import newsletter_subscriber_remove, newsletter_unsubscribe_path
from apps.tenants.links import store_base_url

NEWSLETTER_PAGE_SIZE = 50
EXPORT_HEADER = ("email", "language", "source", "confirmed_at", "unsubscribe_url")


@never_cache
@permission_required(Perm.CUSTOMERS_VIEW)
def newsletter_list(request: HttpRequest) -> HttpResponse:
    query = " ".join(request.GET.get("q", "").split())[: selectors.NEWSLETTER_SEARCH_MAX_LENGTH]
    status = request.GET.get("status", "")
    if status not in NewsletterSubscriber.Status.values:
        status = ""
    page = Paginator(selectors.newsletter_subscriber_list(query=query, status=status), NEWSLETTER_PAGE_SIZE)
    counts = selectors.newsletter_status_counts()
    context = {
        "page": page.get_page(request.GET.get("page")),
        "query": query,
        "status": status,
        "statuses": [(value, label, counts[value]) for value, label in NewsletterSubscriber.Status.choices],
        "total": sum(counts.values()),
        "can_manage": user_has_permission(request.user, Perm.CUSTOMERS_MANAGE),
        "can_export": user_has_permission(request.user, Perm.EXPORTS_DOWNLOAD),
    }
    return render(request, "stores/newsletter.html", context)


class _Echo:
    """A file-like object whose write() hands the line back, for streaming csv.writer output."""

    def write(self, value: str) -> str:
        return value


def _csv_cell(value: Any) -> str:
    # A cell starting with = + - @ would run as a formula when the file is opened in a spreadsheet.
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _export_rows(base_url: str, subscribers: Iterable[NewsletterSubscriber]) -> Iterator[tuple[str, ...]]:
    yield EXPORT_HEADER
    for subscriber in subscribers:
        # The link opens in the language the address signed up in.
        with translation.override(subscriber.language or None):
            unsubscribe = base_url + newsletter_unsubscribe_path(email=subscriber.email)
        yield tuple(
            _csv_cell(value)
            for value in (
                subscriber.email,
                subscriber.language,
                subscriber.source,
                subscriber.confirmed_at.isoformat() if subscriber.confirmed_at else "",
                unsubscribe,
            )
        )


@never_cache
@permission_required(Perm.EXPORTS_DOWNLOAD)
def newsletter_export(request: HttpRequest) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())
    rows = _export_rows(store_base_url(request.tenant), selectors.newsletter_confirmed_export())  # type: ignore[attr-defined]
    response = StreamingHttpResponse(
        (writer.writerow(row) for row in rows), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="newsletter-subscribers.csv"'
    response["Cache-Control"] = "no-store"
    return response


@never_cache
@permission_required(Perm.CUSTOMERS_MANAGE)
def newsletter_remove(request: HttpRequest, subscriber_id: int) -> HttpResponse:
    subscriber = selectors.newsletter_subscriber_get(subscriber_id=subscriber_id)
    if subscriber is None:
        raise Http404(_("No such address on the newsletter list."))
    if request.method == "POST":
        newsletter_subscriber_remove(subscriber=subscriber)
        messages.success(
            request, _("%(email)s was removed from the newsletter list.") % {"email": subscriber.email}
        )
        return redirect("dashboard:stores:newsletter")
    return render(request, "stores/newsletter_remove.html", {"subscriber": subscriber})
