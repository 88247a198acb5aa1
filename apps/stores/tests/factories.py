"""Builders for store settings tests: inputs made from the current settings with changes."""

from __future__ import annotations

from typing import Any

from apps.stores.models import StoreSettings
from apps.stores.selectors import store_settings_get
from apps.stores.services import StoreSettingsInput, store_settings_update


def settings_input(**changes: Any) -> StoreSettingsInput:
    """The current store's settings as an input, with `changes` applied."""
    return StoreSettingsInput.from_settings(store_settings_get(), **changes)


def settings_change(**changes: Any) -> StoreSettings:
    """Save `changes` to the current store's settings through the service."""
    return store_settings_update(data=settings_input(**changes))
