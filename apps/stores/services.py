"""Writes of the store's settings: one service that checks every value, saves the row, clears
the cached copy and announces `store.settings_updated`.

Every rule is checked before anything is written, and all problems are reported together
(`StoreSettingsInvalid.errors`, one coded error per field), so a form can show each next to its
field and nothing is saved while any remains.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields, replace
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models, transaction
from django.utils.translation import gettext as _
from django_tenants.utils import schema_context

from apps.core.events import event_emit
from apps.core.html import html_sanitize
from apps.core.money import currency_is_valid
from apps.core.postal import address_rules, postal_code_fits, postal_code_normalise
from apps.core.tenancy import require_store
from apps.stores.errors import StoreSettingsError, StoreSettingsErrorCode, StoreSettingsInvalid
from apps.stores.models import STORE_SETTINGS_PK, DimensionUnit, StoreSettings, WeightUnit
from apps.stores.regional import country_is_valid, country_name, language_codes, timezone_is_valid
from apps.stores.selectors import store_settings_cache_clear, store_settings_get
from apps.stores.signals import store_currency_changed

SETTINGS_UPDATED = "store.settings_updated"

POLICY_FIELDS = ("refund_policy", "privacy_policy", "terms_of_service", "shipping_policy")
POLICY_MAX_LENGTH = 100_000
# Digits with the separators people write them with; an optional leading "+".
PHONE_RE = re.compile(r"^\+?[0-9 ()./-]+$")
PHONE_MIN_DIGITS = 4


@dataclass(frozen=True)
class StoreSettingsInput:
    name: str
    currency: str
    languages: tuple[str, ...]
    default_language: str
    timezone: str = "UTC"
    contact_email: str = ""
    contact_phone: str = ""
    address_line1: str = ""
    address_line2: str = ""
    city: str = ""
    region: str = ""
    postal_code: str = ""
    country: str = ""
    weight_unit: str = WeightUnit.KILOGRAM
    dimension_unit: str = DimensionUnit.CENTIMETRE
    prices_include_tax: bool = False
    refund_policy: str = ""
    privacy_policy: str = ""
    terms_of_service: str = ""
    shipping_policy: str = ""

    @classmethod
    def from_settings(cls, current: StoreSettings, **changes: Any) -> StoreSettingsInput:
        """The input that keeps `current` as it is, with `changes` applied (partial updates)."""
        values = {f.name: getattr(current, f.name) for f in fields(cls)}
        values["languages"] = tuple(values["languages"])
        return replace(cls(**values), **changes)


INPUT_FIELDS = tuple(f.name for f in fields(StoreSettingsInput))


def _text(value: str) -> str:
    return " ".join(str(value or "").split())


def _error(field: str, code: StoreSettingsErrorCode, message: str, **params: Any) -> StoreSettingsError:
    return StoreSettingsError(message, code=code, field=field, params=params)


def _too_long(field: str, value: str, errors: list[StoreSettingsError]) -> None:
    model_field = StoreSettings._meta.get_field(field)
    assert isinstance(model_field, models.Field)
    limit = model_field.max_length or POLICY_MAX_LENGTH
    if len(value) > limit:
        label = str(model_field.verbose_name)
        errors.append(
            _error(
                field,
                StoreSettingsErrorCode.TOO_LONG,
                _("%(label)s is too long: at most %(limit)d characters.")
                % {"label": label.capitalize(), "limit": limit},
                limit=limit,
            )
        )


def store_settings_clean(data: StoreSettingsInput) -> tuple[StoreSettingsInput, list[StoreSettingsError]]:
    """`data` normalised (trimmed, codes upper-cased, policies sanitised), and every rule it breaks."""
    errors: list[StoreSettingsError] = []
    plain = {
        name: _text(getattr(data, name))
        for name in (
            "name",
            "contact_email",
            "contact_phone",
            "address_line1",
            "address_line2",
            "city",
            "region",
            "postal_code",
        )
    }
    plain["contact_email"] = plain["contact_email"].lower()
    country = _text(data.country).upper()
    currency = _text(data.currency).upper()
    timezone = _text(data.timezone)
    available = language_codes()
    requested = [_text(code) for code in data.languages if _text(code)]
    languages = tuple(code for code in available if code in requested)  # platform order, no repeats
    default_language = _text(data.default_language)
    policies = {name: html_sanitize(getattr(data, name)) for name in POLICY_FIELDS}

    if not plain["name"]:
        errors.append(_error("name", StoreSettingsErrorCode.NAME_REQUIRED, _("Give the store a name.")))
    for name, value in plain.items():
        _too_long(name, value, errors)
    if plain["contact_email"]:
        try:
            validate_email(plain["contact_email"])
        except ValidationError:
            errors.append(
                _error(
                    "contact_email",
                    StoreSettingsErrorCode.INVALID_EMAIL,
                    _("“%(value)s” is not an email address.") % {"value": plain["contact_email"][:80]},
                    value=plain["contact_email"][:80],
                )
            )
    phone = plain["contact_phone"]
    if phone and (not PHONE_RE.match(phone) or sum(c.isdigit() for c in phone) < PHONE_MIN_DIGITS):
        errors.append(
            _error(
                "contact_phone",
                StoreSettingsErrorCode.INVALID_PHONE,
                _("“%(value)s” is not a phone number; use digits, spaces and + ( ) - only.")
                % {"value": phone[:40]},
                value=phone[:40],
            )
        )
    if country and not country_is_valid(country):
        errors.append(
            _error(
                "country",
                StoreSettingsErrorCode.INVALID_COUNTRY,
                _("“%(value)s” is not an ISO 3166 country code (for example DE, US or JP).")
                % {"value": country[:10]},
                value=country[:10],
            )
        )
    too_long = any(error.field == "postal_code" for error in errors)
    if plain["postal_code"] and country_is_valid(country) and not too_long:
        # The shop's own address is held to the rules a shopper's is (invoices and pickup
        # points print it).
        rules = address_rules({"country_code": country})
        code = postal_code_normalise(plain["postal_code"], rules)
        if postal_code_fits(code, rules):
            plain["postal_code"] = code
        else:
            example = next((found for found in rules.postal_code_examples if found), "")
            message = _("“%(value)s” is not a postal code of %(country)s.") % {
                "value": plain["postal_code"][:20],
                "country": country_name(country),
            }
            if example:
                hint = _("Enter one like %(example)s.") % {"example": example}
                message = f"{message} {hint}"
            errors.append(
                _error(
                    "postal_code",
                    StoreSettingsErrorCode.INVALID_POSTAL_CODE,
                    message,
                    value=plain["postal_code"][:20],
                    country=country,
                )
            )
    if not currency_is_valid(currency):
        errors.append(
            _error(
                "currency",
                StoreSettingsErrorCode.INVALID_CURRENCY,
                _("“%(value)s” is not an ISO 4217 currency in use (for example EUR, USD or JPY).")
                % {"value": currency[:10]},
                value=currency[:10],
            )
        )
    unknown = [code for code in requested if code not in available]
    if unknown:
        errors.append(
            _error(
                "languages",
                StoreSettingsErrorCode.INVALID_LANGUAGE,
                _("“%(value)s” is not a language this platform offers (%(choices)s).")
                % {"value": unknown[0][:10], "choices": ", ".join(available)},
                value=unknown[0][:10],
            )
        )
    elif not languages:
        errors.append(
            _error("languages", StoreSettingsErrorCode.NO_LANGUAGE, _("Enable at least one language."))
        )
    if languages and default_language not in languages:
        errors.append(
            _error(
                "default_language",
                StoreSettingsErrorCode.DEFAULT_LANGUAGE_NOT_ENABLED,
                _("The default language (%(language)s) must be one of the enabled languages.")
                % {"language": default_language[:10] or "—"},
                language=default_language[:10],
            )
        )
    if not timezone_is_valid(timezone):
        errors.append(
            _error(
                "timezone",
                StoreSettingsErrorCode.INVALID_TIMEZONE,
                _("“%(value)s” is not a time zone; pick one such as Europe/Berlin or UTC.")
                % {"value": timezone[:64]},
                value=timezone[:64],
            )
        )
    if data.weight_unit not in WeightUnit.values:
        errors.append(
            _error(
                "weight_unit",
                StoreSettingsErrorCode.INVALID_UNIT,
                _("“%(value)s” is not a weight unit (%(choices)s).")
                % {"value": str(data.weight_unit)[:10], "choices": ", ".join(WeightUnit.values)},
                value=str(data.weight_unit)[:10],
            )
        )
    if data.dimension_unit not in DimensionUnit.values:
        errors.append(
            _error(
                "dimension_unit",
                StoreSettingsErrorCode.INVALID_UNIT,
                _("“%(value)s” is not a length unit (%(choices)s).")
                % {"value": str(data.dimension_unit)[:10], "choices": ", ".join(DimensionUnit.values)},
                value=str(data.dimension_unit)[:10],
            )
        )
    for name, value in policies.items():
        _too_long(name, value, errors)

    clean = StoreSettingsInput(
        **plain,
        country=country,
        currency=currency,
        timezone=timezone,
        languages=languages,
        default_language=default_language,
        weight_unit=data.weight_unit,
        dimension_unit=data.dimension_unit,
        prices_include_tax=data.prices_include_tax is True,
        **policies,
    )
    return clean, errors


def _cache_forget(schema: str) -> None:
    # The commit can happen after the caller left this store's context (an outer transaction),
    # so the schema is fixed now, as `event_emit` does.
    with schema_context(schema):
        store_settings_cache_clear()


@transaction.atomic
def store_settings_update(*, data: StoreSettingsInput, actor: Any | None = None) -> StoreSettings:
    """Save this store's settings from `data` (every field; see `StoreSettingsInput.from_settings`
    for a partial change). Raises `StoreSettingsInvalid` with every problem and saves nothing
    when any value is refused; emits `store.settings_updated` naming the changed fields."""
    schema = require_store()
    store_settings_get()  # the row exists from here on
    clean, errors = store_settings_clean(data)
    if errors:
        raise StoreSettingsInvalid(errors)
    row = StoreSettings.objects.select_for_update().get(pk=STORE_SETTINGS_PK)
    values = {name: getattr(clean, name) for name in INPUT_FIELDS}
    values["languages"] = list(clean.languages)
    changed = [name for name, value in values.items() if getattr(row, name) != value]
    if not changed:
        return row
    for name in changed:
        setattr(row, name, values[name])
    row.save(update_fields=[*changed, "updated_at"])
    # Forget the cached copy now (later reads in this transaction see the new row) and again
    # after commit, in case a concurrent reader cached the old row in between.
    store_settings_cache_clear()
    transaction.on_commit(lambda: _cache_forget(schema))
    payload: dict[str, Any] = {"changed": changed}
    if "currency" in changed:
        payload["currency"] = row.currency
        store_currency_changed.send(sender=StoreSettings, currency=row.currency)
    if actor is not None and getattr(actor, "pk", None) is not None:
        payload["actor_id"] = actor.pk
    event_emit(name=SETTINGS_UPDATED, payload=payload)
    return row
