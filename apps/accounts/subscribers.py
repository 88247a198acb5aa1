"""Event subscribers of the accounts app."""

from __future__ import annotations

# The welcome email a shopper gets on signing up (`customer.created` with an account) is sent
# by apps.notifications (template "welcome"), branded, translated and editable by the merchant.
