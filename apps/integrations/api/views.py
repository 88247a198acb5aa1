"""Webhook endpoint API (admin, scopes `webhooks:read` / `webhooks:write`): list, create (the
answer carries the signing secret, once), read, change, delete, rotate the secret. Every write
goes through `apps.integrations.services`, so the URL meets the same SSRF rules as on the
dashboard (a refused URL is a 400 naming `url`)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import django_filters
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from apps.api.views import ApiView, ListApiView, RetrieveApiView
from apps.integrations.api.serializers import (
    EndpointSerializer,
    EndpointWithSecretSerializer,
    EndpointWriteSerializer,
)
from apps.integrations.models import WebhookEndpoint
from apps.integrations.selectors import endpoint_current_secret
from apps.integrations.services import (
    endpoint_create,
    endpoint_delete,
    endpoint_disable,
    endpoint_enable,
    endpoint_update,
    secret_rotate,
)

CREATE_EXAMPLE = {
    "url": "https://erp.example.com/webhooks",
    "description": "ERP",
    "event_types": ["order.paid", "order.refunded"],
}


class EndpointFilter(django_filters.FilterSet):
    class Meta:
        model = WebhookEndpoint
        fields = ["is_active"]


def _with_secret(endpoint: WebhookEndpoint, status_code: int = status.HTTP_200_OK) -> Response:
    secret = endpoint_current_secret(endpoint=endpoint)
    context = {"secret": secret.secret if secret else ""}
    return Response(EndpointWithSecretSerializer(endpoint, context=context).data, status=status_code)


class _EndpointViewMixin:
    api_resource: str | None = "webhooks"
    serializer_class = EndpointSerializer
    lookup_field = "uuid"

    def get_queryset(self) -> QuerySet[WebhookEndpoint]:
        return WebhookEndpoint.objects.all()


class EndpointList(_EndpointViewMixin, ListApiView):
    """The store's webhook endpoints, newest first."""

    filterset_class = EndpointFilter
    ordering_fields = ["created_at"]
    ordering = ["-created_at", "-id"]

    @extend_schema(
        summary="List webhook endpoints",
        description="The URLs the store posts its events to, with their state. Scope `webhooks:read`.",
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="Create a webhook endpoint",
        description=(
            "An https URL the store posts events to, signed as the Standard Webhooks spec says. "
            "`event_types` empty or left out: every event. The answer carries the signing `secret` "
            "(`whsec_...`); it is not shown again by the API. A URL that is or resolves to a private, "
            "loopback, link-local or metadata address is refused (400 naming `url`). "
            "Scope `webhooks:write`."
        ),
        request=EndpointWriteSerializer,
        responses={201: EndpointWithSecretSerializer},
        examples=[OpenApiExample("Orders to an ERP", value=CREATE_EXAMPLE, request_only=True)],
    )
    def post(self, request: Request) -> Response:
        body = EndpointWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        endpoint = endpoint_create(
            url=data["url"], description=data.get("description", ""), event_types=data.get("event_types", [])
        )
        if data.get("is_active") is False:
            endpoint_disable(endpoint=endpoint)
        return _with_secret(endpoint, status.HTTP_201_CREATED)


class EndpointDetail(_EndpointViewMixin, RetrieveApiView):
    @extend_schema(summary="Get a webhook endpoint", description="Scope `webhooks:read`.")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="Change a webhook endpoint",
        description=(
            "Only the fields sent change. `is_active: true` enables a disabled endpoint again and "
            "forgets its failing streak; `false` disables it. Scope `webhooks:write`."
        ),
        request=EndpointWriteSerializer(partial=True),
        responses={200: EndpointSerializer},
        examples=[OpenApiExample("Enable again", value={"is_active": True}, request_only=True)],
    )
    def patch(self, request: Request, uuid: UUID) -> Response:
        endpoint = self.get_object()
        body = EndpointWriteSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        if {"url", "description", "event_types"} & set(data):
            endpoint_update(
                endpoint=endpoint,
                url=data.get("url", endpoint.url),
                description=data.get("description", endpoint.description),
                event_types=data.get("event_types", endpoint.event_types),
            )
        if data.get("is_active") is True and not endpoint.is_active:
            endpoint_enable(endpoint=endpoint)
        elif data.get("is_active") is False:
            endpoint_disable(endpoint=endpoint)
        endpoint.refresh_from_db()
        return Response(EndpointSerializer(endpoint).data)

    @extend_schema(
        summary="Delete a webhook endpoint",
        description="With its secrets and delivery log. Scope `webhooks:write`.",
        responses={204: OpenApiResponse(description="Deleted.")},
    )
    def delete(self, request: Request, uuid: UUID) -> Response:
        endpoint_delete(endpoint=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


class EndpointSecretRotate(_EndpointViewMixin, ApiView):
    @extend_schema(
        summary="Rotate a webhook endpoint's signing secret",
        description=(
            "A new secret signs every message from now on; the previous one keeps signing too for "
            "24 hours (two `v1,` signatures), then stops. The answer carries the new `secret`. "
            "Scope `webhooks:write`."
        ),
        request=None,
        responses={200: EndpointWithSecretSerializer},
    )
    def post(self, request: Request, uuid: UUID) -> Response:
        endpoint = get_object_or_404(WebhookEndpoint, uuid=uuid)
        secret_rotate(endpoint=endpoint)
        return _with_secret(endpoint)
