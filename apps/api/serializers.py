"""Serializers that refuse unknown fields in a body (a misspelt field is a 400, not ignored)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _
from rest_framework import serializers


class StrictFieldsMixin:
    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, Mapping):
            known = set(self.fields)  # type: ignore[attr-defined]
            unknown = sorted(str(name) for name in data if name not in known)
            if unknown:
                raise serializers.ValidationError({name: [_("Unknown field.")] for name in unknown})
        return super().to_internal_value(data)  # type: ignore[misc]


class StrictSerializer(StrictFieldsMixin, serializers.Serializer):  # type: ignore[type-arg]
    pass


class StrictModelSerializer(StrictFieldsMixin, serializers.ModelSerializer):  # type: ignore[type-arg]
    pass
