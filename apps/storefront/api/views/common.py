"""What the storefront API's views share: who the shopper is, and field errors of services that
report one error per field."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.request import Request

from apps.accounts.models import User
from apps.api.views import ApiView
from apps.core.errors import ApplicationError


def request_shopper(request: Request) -> User | None:
    """The signed-in shopper (by session or shopper token), or None. Store staff are not
    shoppers here: their accounts are for the dashboard."""
    user = getattr(request, "user", None)
    if isinstance(user, User) and user.is_authenticated and not user.is_staff:
        return user
    return None


class ShopperApiView(ApiView):
    """An endpoint of the signed-in shopper's own account."""

    api_shopper = True

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        if request_shopper(request) is None:
            raise exceptions.PermissionDenied(
                _("Store staff accounts have no shopper account; use the dashboard.")
            )

    def shopper(self) -> User:
        user = request_shopper(self.request)
        assert user is not None  # checked in `initial`
        return user


def field_errors(error: ApplicationError) -> exceptions.ValidationError:
    """A service's refusal holding one error per field (`errors`, as the checkout's and the
    customers' input errors do) as a 400 naming each field: `shipping_address.city` for a field
    of the address the refusal names, else the field itself."""
    fields: dict[str, list[str]] = {}
    for problem in getattr(error, "errors", None) or [error]:
        own = getattr(problem, "field", None) or ""
        if error.field and own and own != error.field:
            name = f"{error.field}.{own}"
        else:
            name = own or error.field or "non_field_errors"
        fields.setdefault(name, []).append(str(getattr(problem, "message", problem)))
    return exceptions.ValidationError(fields)
