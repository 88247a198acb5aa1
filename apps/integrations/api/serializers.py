"""Shapes of the webhook endpoint API."""

from __future__ import annotations

from rest_framework import serializers

from apps.api.serializers import StrictSerializer
from apps.integrations.enums import WEBHOOK_EVENT_NAMES
from apps.integrations.models import WebhookEndpoint
from apps.integrations.security import URL_MAX_LENGTH
from apps.integrations.services.endpoints import DESCRIPTION_MAX_LENGTH

EVENT_TYPE_CHOICES = sorted(WEBHOOK_EVENT_NAMES)


class EndpointSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    id = serializers.UUIDField(source="uuid", read_only=True)

    class Meta:
        model = WebhookEndpoint
        fields = [
            "id",
            "url",
            "description",
            "event_types",
            "is_active",
            "disabled_reason",
            "disabled_at",
            "failing_since",
            "last_success_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class EndpointWithSecretSerializer(EndpointSerializer):
    """An endpoint with its current signing secret: answered once, on creation and rotation."""

    secret = serializers.SerializerMethodField()

    class Meta(EndpointSerializer.Meta):
        fields = [*EndpointSerializer.Meta.fields, "secret"]
        read_only_fields = fields

    def get_secret(self, endpoint: WebhookEndpoint) -> str:
        return str(self.context.get("secret", ""))


class EndpointWriteSerializer(StrictSerializer):
    url = serializers.CharField(max_length=URL_MAX_LENGTH)
    description = serializers.CharField(max_length=DESCRIPTION_MAX_LENGTH, required=False, allow_blank=True)
    event_types = serializers.ListField(
        child=serializers.ChoiceField(choices=EVENT_TYPE_CHOICES), required=False, max_length=100
    )
    is_active = serializers.BooleanField(required=False)
