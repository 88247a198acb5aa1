"""What the supplier endpoints read and answer. Credentials go in, never out."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field, inline_serializer
from rest_framework import serializers

from apps.api.serializers import StrictSerializer
from apps.sourcing.models import Supplier

# Connector settings only `sourcing.credentials` may set (and, for the base URL, read).
CREDENTIAL_KEYS = ("base_url", "app_key", "app_secret", "access_token")
# Of those, the ones never answered, only whether each is set.
SECRET_KEYS = ("app_key", "app_secret", "access_token")
# Connector settings anyone who may read suppliers sees.
PUBLIC_CONFIG_KEYS = ("feed_url", "product_ids", "ship_to_country", "target_currency", "target_language")
REDACTED = "[redacted]"


def secrets_redact(text: str, config: dict[str, Any]) -> str:
    """`text` (an error the supplier's API or our client worded) without any stored secret."""
    for key in SECRET_KEYS:
        value = str(config.get(key) or "")
        if len(value) >= 4:
            text = text.replace(value, REDACTED)
    return text


class SupplierSerializer(serializers.ModelSerializer[Supplier]):
    connector_config = serializers.SerializerMethodField()
    credentials = serializers.SerializerMethodField()
    last_sync_error = serializers.SerializerMethodField()
    offer_count = serializers.SerializerMethodField()
    linked_offer_count = serializers.SerializerMethodField()

    class Meta:
        model = Supplier
        fields = [
            "code",
            "name",
            "connector",
            "connector_config",
            "credentials",
            "contact_name",
            "contact_email",
            "phone",
            "website",
            "lead_time_days",
            "ships_from_country",
            "ships_to_countries",
            "sync_enabled",
            "is_active",
            "notes",
            "last_synced_at",
            "last_sync_error",
            "offer_count",
            "linked_offer_count",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(
        inline_serializer(
            "SupplierConnectorConfig",
            {
                "feed_url": serializers.CharField(required=False),
                "base_url": serializers.CharField(required=False),
                "product_ids": serializers.ListField(child=serializers.CharField(), required=False),
                "ship_to_country": serializers.CharField(required=False),
                "target_currency": serializers.CharField(required=False),
                "target_language": serializers.CharField(required=False),
            },
        )
    )
    def get_connector_config(self, supplier: Supplier) -> dict[str, Any]:
        """The connector's settings without its secrets; the base URL only for a caller who may
        manage credentials."""
        config = supplier.connector_config or {}
        keys = [*PUBLIC_CONFIG_KEYS, *(("base_url",) if self.context.get("credentials_visible") else ())]
        return {key: config[key] for key in keys if key in config}

    @extend_schema_field(
        inline_serializer(
            "SupplierCredentialsSet",
            {key: serializers.BooleanField() for key in SECRET_KEYS},
        )
    )
    def get_credentials(self, supplier: Supplier) -> dict[str, bool]:
        """Whether each secret is set (never its value)."""
        config = supplier.connector_config or {}
        return {key: bool(config.get(key)) for key in SECRET_KEYS}

    @extend_schema_field(OpenApiTypes.STR)
    def get_last_sync_error(self, supplier: Supplier) -> str:
        return secrets_redact(supplier.last_sync_error or "", supplier.connector_config or {})

    @extend_schema_field(OpenApiTypes.INT)
    def get_offer_count(self, supplier: Supplier) -> int:
        return int(getattr(supplier, "offer_count", 0) or 0)

    @extend_schema_field(OpenApiTypes.INT)
    def get_linked_offer_count(self, supplier: Supplier) -> int:
        """Offers linked to a variant the store sells."""
        return int(getattr(supplier, "linked_count", 0) or 0)


class ConnectorConfigWriteSerializer(StrictSerializer):
    feed_url = serializers.URLField(max_length=1000, required=False, allow_blank=True)
    base_url = serializers.URLField(max_length=300, required=False, allow_blank=True)
    app_key = serializers.CharField(max_length=100, required=False, allow_blank=True, write_only=True)
    app_secret = serializers.CharField(max_length=200, required=False, allow_blank=True, write_only=True)
    access_token = serializers.CharField(max_length=500, required=False, allow_blank=True, write_only=True)
    product_ids = serializers.ListField(
        child=serializers.CharField(max_length=300),
        required=False,
        max_length=1000,
        help_text=_("Product ids or product page URLs to import."),
    )
    ship_to_country = serializers.CharField(max_length=2, required=False, allow_blank=True)
    target_currency = serializers.CharField(max_length=3, required=False, allow_blank=True)
    target_language = serializers.CharField(max_length=10, required=False, allow_blank=True)


def _country(value: str) -> str:
    code = value.strip().upper()
    if code and (len(code) != 2 or not code.isalpha()):
        raise serializers.ValidationError(_("Use a two-letter country code such as CN or DE."))
    return code


class SupplierWriteSerializer(StrictSerializer):
    """A supplier to create, or the fields of one to change (PATCH: absent fields keep their
    value; in `connector_config`, an absent or empty secret keeps the stored one)."""

    name = serializers.CharField(max_length=150)
    code = serializers.SlugField(max_length=60, help_text=_("Short and unique; it prefixes imported SKUs."))
    connector = serializers.ChoiceField(choices=Supplier.Connector.choices, required=False)
    connector_config = ConnectorConfigWriteSerializer(required=False)
    contact_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    contact_email = serializers.EmailField(max_length=254, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True)
    website = serializers.URLField(max_length=200, required=False, allow_blank=True)
    lead_time_days = serializers.IntegerField(min_value=0, max_value=365, required=False)
    ships_from_country = serializers.CharField(max_length=2, required=False, allow_blank=True)
    ships_to_countries = serializers.ListField(
        child=serializers.CharField(max_length=2),
        required=False,
        max_length=300,
        help_text=_("Two-letter codes; empty: ships everywhere."),
    )
    sync_enabled = serializers.BooleanField(required=False)
    is_active = serializers.BooleanField(required=False)
    notes = serializers.CharField(max_length=5000, required=False, allow_blank=True)

    def validate_ships_from_country(self, value: str) -> str:
        return _country(value)

    def validate_ships_to_countries(self, value: list[str]) -> list[str]:
        return list(dict.fromkeys(_country(code) for code in value if code.strip()))
