"""Limits on what a merchant may create. The billing app replaces `store_limit_for` with the
plan's limit; until then every merchant gets DEFAULT_MAX_STORES_PER_MERCHANT."""

from __future__ import annotations

from django.conf import settings
from django.utils.module_loading import import_string

from apps.platform.models import Merchant


def default_store_limit(merchant: Merchant) -> int:
    return int(settings.DEFAULT_MAX_STORES_PER_MERCHANT)


def store_limit_for(merchant: Merchant) -> int:
    path = getattr(settings, "STORE_LIMIT_POLICY", "apps.platform.policies.default_store_limit")
    return int(import_string(path)(merchant))
