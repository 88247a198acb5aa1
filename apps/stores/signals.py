"""In-process signals of the stores app.

`store_currency_changed` is sent inside the settings' transaction when a store starts selling in
another currency, with `currency` (the new ISO code), in the store's schema. Rows that carry the
store's currency as their own (the catalog's variants) follow it in the same transaction, so no
page or answer shows a price in the old currency once the change is committed. Prices are not
converted (the settings page says so).
"""

from django.dispatch import Signal

store_currency_changed = Signal()
