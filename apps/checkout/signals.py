"""Signing in folds the guest's session cart into the shopper's own cart.

Django sends `user_logged_in` for every sign-in (allauth's password and social logins, the
email-confirmation login, the dashboard hand-off); Django keeps the session's data across the
sign-in (only its key changes), so the guest's cart token is still there. A refused merge never
blocks the sign-in: it is logged, and the guest cart stays as it was.
"""

from __future__ import annotations

import logging
from typing import Any

from django.contrib import messages
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest
from django.utils.translation import ngettext

from apps.checkout.errors import CartError
from apps.checkout.models import CartLine
from apps.checkout.selectors import cart_find
from apps.checkout.services import cart_get_or_create, cart_merge
from apps.checkout.sessions import CART_SESSION_KEY, request_cart_token
from apps.core.tenancy import in_store

logger = logging.getLogger(__name__)


@receiver(user_logged_in, dispatch_uid="checkout.cart_merge_on_sign_in")
def _cart_merge_on_sign_in(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    # Carts exist in store schemas only; the platform's sign-ins have none.
    if request is None or not in_store():
        return
    token = request_cart_token(request)
    if token is None:
        return
    guest = cart_find(user=None, token=token)
    # Once signed in the cart is found by the account: the token has done its work.
    request.session.pop(CART_SESSION_KEY, None)
    if guest is None or not CartLine.objects.filter(cart=guest).exists():
        return
    try:
        result = cart_merge(from_cart=guest, into_cart=cart_get_or_create(user=user))
    except CartError as error:
        logger.warning("guest cart not merged on sign-in: %s", error.code, extra={"cart": str(guest.token)})
        return
    if result.adjustments and hasattr(request, "_messages"):
        messages.warning(
            request,
            ngettext(
                "We added your cart to your account; one item could not be added in full: %(items)s.",
                "We added your cart to your account; %(count)d items could not be added in full: %(items)s.",
                len(result.adjustments),
            )
            % {
                "count": len(result.adjustments),
                "items": ", ".join(adjustment.product for adjustment in result.adjustments),
            },
        )
