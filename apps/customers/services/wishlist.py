"""The shopper's wishlist: products of this store they keep for later."""

from __future__ import annotations

import uuid

from django.db import transaction
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.catalog.models import Product
from apps.customers.errors import CustomerError, CustomerErrorCode
from apps.customers.models import WishlistItem
from apps.customers.services.common import shopper_lock

WISHLIST_MAX_ITEMS = 500


def _product_uuid(value: uuid.UUID | str) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def _product_unavailable() -> CustomerError:
    return CustomerError(
        _("This product is not available in this store."),
        code=CustomerErrorCode.PRODUCT_UNAVAILABLE,
        field="product",
    )


@transaction.atomic
def wishlist_add(*, user: User, product_uuid: uuid.UUID | str) -> WishlistItem:
    """Keep a product on the shopper's wishlist; adding it again changes nothing. Only products
    the shop sells (active) can be added."""
    key = _product_uuid(product_uuid)
    product = Product.objects.filter(uuid=key, status=Product.Status.ACTIVE).first() if key else None
    if product is None:
        raise _product_unavailable()
    shopper_lock(user)
    existing = WishlistItem.objects.filter(user=user, product=product).first()
    if existing is not None:
        return existing
    if WishlistItem.objects.filter(user=user).count() >= WISHLIST_MAX_ITEMS:
        raise CustomerError(
            _("Your wishlist is full (%(max)d products). Remove a product first.")
            % {"max": WISHLIST_MAX_ITEMS},
            code=CustomerErrorCode.WISHLIST_FULL,
            params={"max": WISHLIST_MAX_ITEMS},
        )
    return WishlistItem.objects.create(user=user, product=product)


def wishlist_remove(*, user: User, product_uuid: uuid.UUID | str) -> bool:
    """Take a product off the wishlist; True when it was on it. A product that is no longer
    sold can still be removed."""
    key = _product_uuid(product_uuid)
    if key is None:
        raise _product_unavailable()
    deleted, _rows = WishlistItem.objects.filter(user=user, product__uuid=key).delete()
    return deleted > 0
