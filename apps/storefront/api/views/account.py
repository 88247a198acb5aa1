"""The signed-in shopper's account for headless shops: their profile and their own orders (the
same history as the account pages, `apps.orders.selectors.orders_for_customer`), and signing in
for a shopper token. Another shopper's order, or one that never existed, is a 404."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import get_adapter
from allauth.account.utils import has_verified_email
from allauth.core import ratelimit
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.response import Response

from apps.accounts.models import User
from apps.api.errors import ApiErrorCode
from apps.api.views import ApiAccessMixin, ApiView, ListApiView
from apps.customers.errors import CustomerInputInvalid
from apps.customers.services import customer_profile_update
from apps.orders.models import Order
from apps.orders.selectors import orders_for_customer
from apps.storefront.api.authentication import shopper_token_issue
from apps.storefront.api.serializers import (
    MeInput,
    MeSerializer,
    OrderSerializer,
    TokenInput,
    TokenSerializer,
)
from apps.storefront.api.views.common import ShopperApiView, field_errors, request_shopper

MAX_ORDER_NUMBER = 2**31  # the order number column is a PostgreSQL integer


def _me(user: User) -> dict[str, Any]:
    return {"email": user.email, "full_name": user.full_name}


class MeApi(ShopperApiView):
    @extend_schema(
        summary="The signed-in shopper",
        responses=MeSerializer,
        examples=[
            OpenApiExample(
                "A shopper", value={"email": "ada@example.com", "full_name": "Ada"}, response_only=True
            )
        ],
    )
    def get(self, request: Request) -> Response:
        return Response(MeSerializer(_me(self.shopper())).data)

    @extend_schema(
        summary="Change the shopper's name",
        description="The email is the sign-in and changes through the storefront's email pages, which verify it.",
        request=MeInput,
        responses=MeSerializer,
        examples=[OpenApiExample("A new name", value={"full_name": "Ada Lovelace"}, request_only=True)],
    )
    def patch(self, request: Request) -> Response:
        data = MeInput(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            user = customer_profile_update(user=self.shopper(), full_name=data.validated_data["full_name"])
        except CustomerInputInvalid as error:
            raise field_errors(error) from None
        return Response(MeSerializer(_me(user)).data)


class _ShopperOrders(ApiAccessMixin):
    api_shopper = True

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)  # type: ignore[misc]
        if request_shopper(request) is None:
            raise exceptions.PermissionDenied(
                _("Store staff accounts have no shopper account; use the dashboard.")
            )

    def get_queryset(self) -> QuerySet[Order]:
        return orders_for_customer(user=request_shopper(self.request))  # type: ignore[attr-defined]


class MyOrdersApi(_ShopperOrders, ListApiView):
    serializer_class = OrderSerializer
    ordering_fields = ["created_at", "number"]
    ordering = ["-created_at", "-number"]

    @extend_schema(
        summary="The shopper's orders",
        description="Orders placed from the account and the guest orders of its verified email, newest first.",
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class MyOrderApi(_ShopperOrders, ApiView):
    @extend_schema(summary="One of the shopper's orders", responses=OrderSerializer)
    def get(self, request: Request, number: int) -> Response:
        # A number past the column's range is no order (and must not reach the database).
        order = self.get_queryset().filter(number=number).first() if number < MAX_ORDER_NUMBER else None
        if order is None:
            raise exceptions.NotFound(_("This order does not exist."))
        return Response(OrderSerializer(order).data)


class TokenThrottled(exceptions.Throttled):
    default_code = ApiErrorCode.THROTTLED


class ShopperTokenApi(ApiView):
    api_public_reason = "signing in: anyone may try, rate-limited as the storefront's sign-in page is"

    @extend_schema(
        summary="Sign in for a shopper token",
        description=(
            "A short-lived token (`expires_at`) for `Authorization: Bearer st_...`; sign in again when it "
            "expires. Wrong credentials are a 400; too many attempts a 429."
        ),
        request=TokenInput,
        responses=TokenSerializer,
        examples=[
            OpenApiExample(
                "Sign in", value={"email": "ada@example.com", "password": "correct-horse"}, request_only=True
            )
        ],
    )
    def post(self, request: Request) -> Response:
        data = TokenInput(data=request.data)
        data.is_valid(raise_exception=True)
        django_request = request._request
        if not ratelimit.consume(django_request, action="login"):
            raise TokenThrottled(detail=_("Too many sign-in attempts; wait a minute and try again."))
        email = data.validated_data["email"].lower()
        try:
            user = get_adapter(django_request).authenticate(
                django_request, email=email, password=data.validated_data["password"]
            )
        except DjangoValidationError:  # allauth's too_many_login_attempts
            raise TokenThrottled(detail=_("Too many failed sign-in attempts; wait a few minutes.")) from None
        if not isinstance(user, User) or not user.is_active or user.is_staff:
            raise exceptions.ValidationError(
                {"non_field_errors": [_("The email address or password is not right.")]}
            )
        if not has_verified_email(user, user.email):
            # As the sign-in page: an account is used once its email is confirmed.
            raise exceptions.ValidationError(
                {"email": [_("Confirm your email address first: follow the link in the email we sent.")]}
            )
        issued = shopper_token_issue(user=user)
        return Response(
            TokenSerializer(
                {"token": issued.token, "token_type": "Bearer", "expires_at": issued.expires_at}
            ).data
        )
