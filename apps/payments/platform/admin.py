"""Platform staff see connected accounts and webhook events (read-only) in the Django admin."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from apps.payments.platform.models import ConnectedAccountRoute, StripeWebhookEvent


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ConnectedAccountRoute)
class ConnectedAccountRouteAdmin(ReadOnlyAdmin):
    list_display = ("account_id", "tenant", "created_at")
    search_fields = ("account_id", "tenant__name", "tenant__schema_name")
    list_select_related = ("tenant",)


@admin.register(StripeWebhookEvent)
class StripeWebhookEventAdmin(ReadOnlyAdmin):
    list_display = ("event_id", "type", "account", "status", "attempts", "received_at", "processed_at")
    list_filter = ("status", "type")
    search_fields = ("event_id", "account")
    date_hierarchy = "received_at"
