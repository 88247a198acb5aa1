"""What the storefront hands fraud review: where the shopper placing an order is.

Called from `apps.storefront.views.checkout_payment.checkout_place` just before the order is
placed, so the assessment made when it is paid (possibly at once) finds it.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from apps.checkout.models import Checkout
from apps.fraud.services import risk_context_record
from apps.platform.access import client_ip


def checkout_risk_context_record(request: HttpRequest, checkout: Checkout) -> None:
    """Record the shopper's address (as the project's audit trails read it) and, when the
    deployment names a header its proxy sets with the address's country
    (`FRAUD_IP_COUNTRY_HEADER`, e.g. "HTTP_CF_IPCOUNTRY" behind Cloudflare), that country."""
    header = str(getattr(settings, "FRAUD_IP_COUNTRY_HEADER", "") or "")
    country = str(request.META.get(header, "")) if header else ""
    risk_context_record(checkout_token=checkout.token, ip_address=client_ip(request), ip_country=country)
