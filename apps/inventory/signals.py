"""In-process signals of the inventory app.

`stock_shown_changed` is sent after the commit of a stock change that a shopper can see on a
product page: the "only N left" count (at or below the level's low-stock threshold, before or
after the change) or the switch between sold out and in stock. Pages cached for shoppers listen
(apps.storefront.caching) and retire the store's catalog pages at once, instead of showing the
old stock until their entry expires. A Django signal, not a domain event: it fires on most
sales, and a recorded event per sale would flood the store's event log and webhooks for what is
only a cache concern. It is sent in the store's schema with `variant_id` and `available`.
"""

from django.dispatch import Signal

stock_shown_changed = Signal()
