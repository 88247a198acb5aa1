"""The newsletter's links from the emails (the sign-up form itself posts to
`apps.storefront.views.home.newsletter_subscribe`).

- /newsletter/confirm/<token>/ confirms the address the link was mailed to (opening it is the
  confirmation; opening it again says the same).
- /newsletter/unsubscribe/<token>/ shows a page asking to confirm (GET, so a mail scanner
  following links unsubscribes nobody); its POST unsubscribes. The POST also answers RFC 8058
  one-click unsubscribes (`List-Unsubscribe=One-Click` sent by a mail client without cookies),
  so it is CSRF-exempt: the signed token in the URL is what authorises it, and it can only
  take its own address off the list.

A forged, altered, expired or other store's link gets a page that says so, with status 400.
The pages are never cached and tell search engines to keep out.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from apps.core.permissions import no_permission_required
from apps.stores.errors import NewsletterError
from apps.stores.newsletter import newsletter_confirm, newsletter_unsubscribe, newsletter_unsubscribe_email

TEMPLATE = "storefront/pages/newsletter.html"


def _refused(request: HttpRequest, error: NewsletterError) -> HttpResponse:
    return render(request, TEMPLATE, {"state": "refused", "error": error.message}, status=400)


@never_cache
@require_http_methods(["GET", "HEAD"])
@no_permission_required("the confirmation link mailed to a shopper who signed up")
def newsletter_confirm_view(request: HttpRequest, token: str) -> HttpResponse:
    try:
        subscriber = newsletter_confirm(token=token)
    except NewsletterError as error:
        return _refused(request, error)
    return render(request, TEMPLATE, {"state": "confirmed", "email": subscriber.email})


@never_cache
@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
@no_permission_required("the unsubscribe link in the store's newsletter mails")
def newsletter_unsubscribe_view(request: HttpRequest, token: str) -> HttpResponse:
    try:
        if request.method == "POST":
            subscriber = newsletter_unsubscribe(token=token)
            return render(request, TEMPLATE, {"state": "unsubscribed", "email": subscriber.email})
        email = newsletter_unsubscribe_email(token=token)
    except NewsletterError as error:
        return _refused(request, error)
    return render(request, TEMPLATE, {"state": "unsubscribe_ask", "email": email})
