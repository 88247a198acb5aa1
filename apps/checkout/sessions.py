"""Where a request's cart is: a signed-in shopper's by their account, a guest's by the token
kept in their session (no cookie of its own). Sessions live in each store's schema and their
cookies are host-only, so a token never means anything on another store.

The storefront's cart pages and the sign-in merge (`apps.checkout.signals`) use these; nothing
else reads the session key.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest

from apps.checkout.models import Cart
from apps.checkout.selectors import cart_find, cart_item_count
from apps.checkout.services import cart_get_or_create

if TYPE_CHECKING:
    from apps.accounts.models import User

CART_SESSION_KEY = "checkout:cart_token"


def _shopper(request: HttpRequest) -> User | None:
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


def request_cart_token(request: HttpRequest) -> str | None:
    session = getattr(request, "session", None)
    token = session.get(CART_SESSION_KEY) if session is not None else None
    return token if isinstance(token, str) else None


def request_cart(request: HttpRequest) -> Cart | None:
    """The request's open cart, or None; never creates one (a visit alone writes nothing)."""
    user = _shopper(request)
    return cart_find(user=user, token=None if user else request_cart_token(request))


def request_cart_open(request: HttpRequest) -> Cart:
    """The request's open cart, opened on first use (call `request_cart_remember` once the
    change it was opened for succeeded, so a refused change leaves no token behind)."""
    user = _shopper(request)
    return cart_get_or_create(user=user, token=None if user else request_cart_token(request))


def request_cart_remember(request: HttpRequest, cart: Cart) -> None:
    """Keep a guest's cart token in their session (a signed-in shopper's cart is found by
    their account)."""
    if cart.user_id is None and request_cart_token(request) != str(cart.token):
        request.session[CART_SESSION_KEY] = str(cart.token)


def request_cart_item_count(request: HttpRequest) -> int:
    """Units in the request's cart, for the header: one small query, none without a cart."""
    user = _shopper(request)
    token = None if user else request_cart_token(request)
    if user is None and token is None:
        return 0
    return cart_item_count(user=user, token=token)
