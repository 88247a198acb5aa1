"""Customer endpoints: the list with search and filters, one customer, staff adding a record
through `customer_create` and editing one through `customer_update`."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import exceptions, status
from rest_framework.request import Request
from rest_framework.response import Response

from apps.api.filters import yes_no_filter
from apps.api.views import ListCreateApiView, RetrieveApiView
from apps.customers.api.serializers import (
    AdminCustomerSerializer,
    CustomerCreateSerializer,
    CustomerUpdateSerializer,
)
from apps.customers.errors import CustomerInputInvalid
from apps.customers.models import Customer
from apps.customers.selectors import CUSTOMER_SEARCH_MAX_LENGTH, customer_list
from apps.customers.services import customer_create, customer_update
from apps.stores.selectors import store_currency_get


class CustomerFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="_search", max_length=CUSTOMER_SEARCH_MAX_LENGTH)
    accepts_marketing = yes_no_filter()
    has_account = yes_no_filter(method="_has_account")
    has_orders = yes_no_filter(method="_has_orders")
    created_after = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = Customer
        fields: list[str] = []

    def _search(self, queryset: QuerySet[Customer], name: str, value: str) -> QuerySet[Customer]:
        # The dashboard's search (part of the name or the email), as one subquery.
        return queryset.filter(pk__in=customer_list(query=value).order_by().values("pk"))

    def _has_account(self, queryset: QuerySet[Customer], name: str, value: bool) -> QuerySet[Customer]:
        return queryset.filter(user__isnull=not value)

    def _has_orders(self, queryset: QuerySet[Customer], name: str, value: bool) -> QuerySet[Customer]:
        return queryset.filter(orders_count__gt=0) if value else queryset.filter(orders_count=0)


class CurrencyContextMixin:
    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()  # type: ignore[misc]
        context["currency"] = store_currency_get()
        return context  # type: ignore[no-any-return]


def _field_errors(invalid: CustomerInputInvalid) -> exceptions.ValidationError:
    fields: dict[str, list[str]] = {}
    for error in invalid.errors:
        fields.setdefault(error.field or "non_field_errors", []).append(error.message)
    return exceptions.ValidationError(fields)


class CustomerList(CurrencyContextMixin, ListCreateApiView):
    """The store's customers, newest first; staff add one by its email."""

    api_resource = "customers"
    serializer_class = AdminCustomerSerializer
    filterset_class = CustomerFilter
    ordering_fields = ["created_at", "orders_count", "total_spent", "last_order_at", "email"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self) -> QuerySet[Customer]:
        return Customer.objects.all()

    @extend_schema(
        summary="List customers",
        description=(
            "The store's customers, newest first. `q` matches part of the name or the email; filter by "
            "`accepts_marketing`, `has_account`, `has_orders` and a created range. Scope `customers:read`."
        ),
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="Create a customer",
        description=(
            "Add a customer record before any order (from another system, say). The email is the "
            "record's key: one the store already has is refused (400 naming `email`). Name, phone, "
            "note and marketing consent are optional. Scope `customers:write`."
        ),
        request=CustomerCreateSerializer,
        responses={201: AdminCustomerSerializer},
        examples=[
            OpenApiExample(
                "Create",
                value={
                    "email": "erika@example.com",
                    "full_name": "Erika Mustermann",
                    "phone": "+49 30 1234567",
                    "accepts_marketing": False,
                },
                request_only=True,
            )
        ],
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = CustomerCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            customer = customer_create(actor=request.user.key.created_by, **serializer.validated_data)  # type: ignore[union-attr]
        except CustomerInputInvalid as invalid:
            raise _field_errors(invalid) from None
        return Response(self.get_serializer(customer).data, status=status.HTTP_201_CREATED)


class CustomerDetail(CurrencyContextMixin, RetrieveApiView):
    api_resource = "customers"
    serializer_class = AdminCustomerSerializer
    lookup_field = "uuid"

    def get_queryset(self) -> QuerySet[Customer]:
        return Customer.objects.all()

    @extend_schema(
        summary="Get a customer",
        description="One customer with their order count and total spent. Scope `customers:read`.",
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="Update a customer",
        description=(
            "Change the name, phone, note or marketing consent; fields left out stay as they are. "
            "The email and the order counters cannot be changed. Scope `customers:write`."
        ),
        request=CustomerUpdateSerializer,
        responses={200: AdminCustomerSerializer},
        examples=[
            OpenApiExample(
                "Update",
                value={"full_name": "Erika Mustermann", "accepts_marketing": True},
                request_only=True,
            )
        ],
    )
    def patch(self, request: Request, uuid: Any) -> Response:
        customer = get_object_or_404(Customer, uuid=uuid)
        serializer = CustomerUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            updated = customer_update(
                customer=customer, actor=request.user.key.created_by, **serializer.validated_data
            )  # type: ignore[union-attr]
        except CustomerInputInvalid as invalid:
            raise _field_errors(invalid) from None
        return Response(self.get_serializer(updated).data)
