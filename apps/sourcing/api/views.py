"""Suppliers in the admin API: list, detail, create and change, through `supplier_save` (the
service the dashboard's supplier form calls). A supplier is addressed by its `code`."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import exceptions, status
from rest_framework.request import Request
from rest_framework.response import Response

from apps.api.errors import ApiErrorCode
from apps.api.filters import yes_no_filter
from apps.api.views import ListApiView, RetrieveApiView
from apps.core.permissions import Perm, user_has_permission
from apps.sourcing import selectors
from apps.sourcing.api.serializers import (
    CREDENTIAL_KEYS,
    SECRET_KEYS,
    SupplierSerializer,
    SupplierWriteSerializer,
)
from apps.sourcing.errors import SupplierInvalid
from apps.sourcing.models import Supplier
from apps.sourcing.services import SupplierInput, supplier_save

# Fields `supplier_save` names that live in `connector_config` in the API's body.
CONFIG_FIELDS = frozenset(
    {"feed_url", "base_url", "app_key", "app_secret", "access_token", "product_ids", "ship_to_country"}
)


def _actor(request: Request) -> Any:
    key = getattr(request.user, "key", None)
    return getattr(key, "created_by", None)


def _may_manage_credentials(request: Request) -> bool:
    actor = _actor(request)
    return actor is not None and user_has_permission(actor, Perm.SOURCING_CREDENTIALS)


class SupplierFilter(django_filters.FilterSet):
    is_active = yes_no_filter()
    sync_enabled = yes_no_filter()
    connector = django_filters.ChoiceFilter(choices=Supplier.Connector.choices)

    class Meta:
        model = Supplier
        fields = ["is_active", "sync_enabled", "connector"]


def _current_input(supplier: Supplier) -> dict[str, Any]:
    return {
        "name": supplier.name,
        "code": supplier.code,
        "connector": supplier.connector,
        "contact_name": supplier.contact_name,
        "contact_email": supplier.contact_email,
        "phone": supplier.phone,
        "website": supplier.website,
        "lead_time_days": supplier.lead_time_days,
        "ships_from_country": supplier.ships_from_country,
        "ships_to_countries": tuple(supplier.ships_to_countries or ()),
        "sync_enabled": supplier.sync_enabled,
        "is_active": supplier.is_active,
        "notes": supplier.notes,
    }


def _supplier_write(request: Request, supplier: Supplier, *, partial: bool) -> Supplier:
    body = SupplierWriteSerializer(data=request.data, partial=partial)
    body.is_valid(raise_exception=True)
    changes = dict(body.validated_data)
    posted_config: dict[str, Any] = dict(changes.pop("connector_config", None) or {})
    values = _current_input(supplier) if supplier.pk else {}
    values.update(changes)
    connector = values.get("connector") or Supplier.Connector.MANUAL
    previous_connector = supplier.connector if supplier.pk else Supplier.Connector.MANUAL

    # The dashboard's rule: credentials, and connecting or disconnecting the dropship API whose
    # settings they are, take `sourcing.credentials` as well as `sourcing.manage`.
    touches_credentials = any(posted_config.get(key) for key in CREDENTIAL_KEYS) or (
        connector != previous_connector and Supplier.Connector.DROPSHIP_API in (connector, previous_connector)
    )
    if touches_credentials and not _may_manage_credentials(request):
        raise exceptions.PermissionDenied(
            _("Setting a supplier's API credentials or connector takes the sourcing.credentials permission."),
            ApiErrorCode.PERMISSION_DENIED,
        )

    # What is not sent keeps its stored value; an empty secret keeps the stored one.
    config = dict(supplier.connector_config or {})
    for key, value in posted_config.items():
        if key in SECRET_KEYS and not value:
            continue
        config[key] = "\n".join(value) if key == "product_ids" else value
    try:
        return supplier_save(
            supplier=supplier,
            data=SupplierInput(connector_config=config, **{**values, "connector": connector}),
            actor=_actor(request),
        )
    except SupplierInvalid as error:
        if error.field in CONFIG_FIELDS:
            error.field = f"connector_config.{error.field}"
        raise


class _SupplierViewMixin:
    api_resource: str | None = "suppliers"
    serializer_class = SupplierSerializer
    lookup_field = "code"

    def get_queryset(self) -> QuerySet[Supplier]:
        return selectors.supplier_list()

    def get_serializer_context(self) -> dict[str, Any]:
        context: dict[str, Any] = super().get_serializer_context()  # type: ignore[misc]
        context["credentials_visible"] = _may_manage_credentials(self.request)  # type: ignore[attr-defined]
        return context

    def _answer(self, supplier: Supplier, *, status_code: int = status.HTTP_200_OK) -> Response:
        fresh = get_object_or_404(selectors.supplier_list(), pk=supplier.pk)
        return Response(
            SupplierSerializer(fresh, context=self.get_serializer_context()).data, status=status_code
        )


SUPPLIER_EXAMPLE = {
    "name": "Acme Wholesale",
    "code": "acme",
    "connector": "csv_feed",
    "connector_config": {"feed_url": "https://feeds.example.com/acme.csv"},
    "lead_time_days": 5,
    "ships_to_countries": ["DE", "AT"],
}


class SupplierList(_SupplierViewMixin, ListApiView):
    """Suppliers by name, with how many offers each has."""

    filterset_class = SupplierFilter
    ordering_fields = ["name", "code", "created_at", "updated_at", "last_synced_at"]
    ordering = ["name", "id"]

    @extend_schema(
        summary="List suppliers",
        description="Suppliers with their connector settings (never their secrets: `credentials` "
        "says whether each is set) and offer counts.",
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="Create a supplier",
        description="A manual supplier, a CSV or JSON feed, or the dropship API. Setting API "
        "credentials or the `dropship_api` connector needs a key whose creator holds "
        "`sourcing.credentials`.",
        request=SupplierWriteSerializer,
        responses={201: SupplierSerializer},
        examples=[OpenApiExample("A CSV feed", value=SUPPLIER_EXAMPLE, request_only=True)],
    )
    def post(self, request: Request) -> Response:
        supplier = _supplier_write(request, Supplier(), partial=False)
        return self._answer(supplier, status_code=status.HTTP_201_CREATED)


class SupplierDetail(_SupplierViewMixin, RetrieveApiView):
    @extend_schema(summary="Get a supplier", description="The object, as the list answers it.")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="Change a supplier",
        description="Only the fields sent change; in `connector_config`, a secret left out or "
        "empty keeps the stored one.",
        request=SupplierWriteSerializer(partial=True),
        responses={200: SupplierSerializer},
        examples=[OpenApiExample("Slower now", value={"lead_time_days": 10}, request_only=True)],
    )
    def patch(self, request: Request, code: str) -> Response:
        supplier = get_object_or_404(Supplier, code=code)
        return self._answer(_supplier_write(request, supplier, partial=True))
