"""Writes of the customers app, by subject:

- `customers`: the store's customer records (one per shopper email; created by orders, linked
  to accounts with that email verified; order counters; staff edits).
- `addresses`: `address_clean`, the one place an address is checked (per-country rules from
  Google's address data), and a shopper's saved addresses with one default.
- `profile`: the name a shopper is addressed by.
- `wishlist`: products a shopper keeps for later.
- `social`: the store's social sign-in apps.

Every rule is checked before anything is written, and problems are reported together
(`CustomerInputInvalid.errors`, one coded error per field).
"""

from apps.customers.services.addresses import (
    ADDRESS_MAX_PER_CUSTOMER,
    AddressInput,
    address_clean,
    address_create,
    address_delete,
    address_set_default,
    address_update,
    postal_code_normalise,
    region_key,
)
from apps.customers.services.customers import (
    CUSTOMER_CREATED,
    CUSTOMER_UPDATED,
    customer_account_ensure,
    customer_create,
    customer_for_order,
    customer_link_account,
    customer_order_recorded,
    customer_order_reverted,
    customer_update,
)
from apps.customers.services.profile import FULL_NAME_MAX_LENGTH, customer_profile_update
from apps.customers.services.social import SOCIAL_SIGNIN_UPDATED, social_app_remove, social_app_save
from apps.customers.services.wishlist import WISHLIST_MAX_ITEMS, wishlist_add, wishlist_remove

__all__ = [
    "ADDRESS_MAX_PER_CUSTOMER",
    "CUSTOMER_CREATED",
    "CUSTOMER_UPDATED",
    "FULL_NAME_MAX_LENGTH",
    "SOCIAL_SIGNIN_UPDATED",
    "WISHLIST_MAX_ITEMS",
    "AddressInput",
    "address_clean",
    "address_create",
    "address_delete",
    "address_set_default",
    "address_update",
    "customer_account_ensure",
    "customer_create",
    "customer_for_order",
    "customer_link_account",
    "customer_order_recorded",
    "customer_order_reverted",
    "customer_profile_update",
    "customer_update",
    "postal_code_normalise",
    "region_key",
    "social_app_remove",
    "social_app_save",
    "wishlist_add",
    "wishlist_remove",
]
