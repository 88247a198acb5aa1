"""`{% storefront_footer as footer %}`: what the footer of every storefront page shows.

The policies the store has written, its contact details from the store settings, whether it
has pickup points (the store-locator link), and the note that converted prices are approximate.
Every answer comes from the tenant-aware cache once warm (store settings, the pickup flag,
exchange rates), so the footer adds no query to a page.
"""

from __future__ import annotations

import logging
from typing import Any

from django import template
from django.db import DatabaseError
from django.utils import timezone

from apps.core.tenancy import in_store
from apps.inventory.selectors import pickup_locations_exist
from apps.storefront.localize import country_name
from apps.storefront.policies import policies_published
from apps.storefront.presentment import request_presentment
from apps.stores.selectors import store_settings_get

register = template.Library()
logger = logging.getLogger(__name__)


@register.simple_tag(takes_context=True)
def storefront_footer(context: Any) -> dict[str, Any]:
    footer: dict[str, Any] = {"policies": [], "has_locator": False, "year": timezone.now().year, "name": ""}
    store = context.get("current_store")
    footer["name"] = getattr(store, "name", "")
    if not in_store():
        return footer
    try:
        row = store_settings_get()
        footer["has_locator"] = pickup_locations_exist()
    except DatabaseError:
        # The footer also closes the error pages: a database that is down must not turn a
        # 500 page into a second failure.
        logger.warning("storefront footer rendered without store data", exc_info=True)
        return footer
    footer.update(
        name=row.name,
        policies=policies_published(row),
        email=row.contact_email,
        phone=row.contact_phone,
        address=", ".join(
            part
            for part in (
                row.address_line1,
                row.address_line2,
                " ".join(p for p in (row.postal_code, row.city) if p),
                country_name(row.country),
            )
            if part
        ),
    )
    request = context.get("request")
    if request is not None:
        presentment = request_presentment(request)
        if presentment.is_converted:
            footer["converted_currency"] = presentment.currency
            footer["store_currency"] = presentment.store_currency
    return footer


register.filter("country_name", country_name)
