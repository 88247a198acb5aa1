"""Changing a store's settings: every rule checked first, all problems reported with codes,
nothing saved on error, sanitised policies, a fresh cache and one event per change."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django_tenants.utils import tenant_context

from apps.core.models import EventRecord
from apps.core.tenancy import NotInStoreError
from apps.stores.errors import StoreSettingsErrorCode as Code
from apps.stores.errors import StoreSettingsInvalid
from apps.stores.models import StoreSettings
from apps.stores.selectors import STORE_SETTINGS_CACHE_KEY, store_settings_get
from apps.stores.services import SETTINGS_UPDATED, StoreSettingsInput, store_settings_update
from apps.stores.tests.factories import settings_change, settings_input

pytestmark = pytest.mark.django_db


def test_an_update_saves_normalised_values_and_announces_the_change(
    in_alpha, django_capture_on_commit_callbacks
):
    # given a store that reads its settings (and so caches them)
    store_settings_get()
    # when the merchant changes profile, address and regional settings
    with django_capture_on_commit_callbacks(execute=True):
        saved = store_settings_update(
            data=settings_input(
                name="  Alpha   Boutique ",
                contact_email="Hello@Alpha.Example",
                contact_phone="+49 (30) 123-456",
                address_line1="Torstraße 1",
                city="Berlin",
                postal_code="10119",
                country="de",
                currency="jpy",
                languages=("de", "en"),
                default_language="de",
                timezone="Europe/Berlin",
                weight_unit="lb",
                dimension_unit="in",
            )
        )
    # then codes are upper-cased, text trimmed, languages kept in platform order
    row = StoreSettings.objects.get()
    assert row == saved
    assert (row.name, row.contact_email, row.country, row.currency) == (
        "Alpha Boutique",
        "hello@alpha.example",
        "DE",
        "JPY",
    )
    assert (row.languages, row.default_language, row.timezone) == (["en", "de"], "de", "Europe/Berlin")
    assert (row.weight_unit, row.dimension_unit) == ("lb", "in")
    # and the next read sees the new values, not the cached old ones
    assert store_settings_get().currency == "JPY"
    # and one event names what changed
    event = EventRecord.objects.get(name=SETTINGS_UPDATED)
    assert set(event.payload["changed"]) == {
        "name",
        "contact_email",
        "contact_phone",
        "address_line1",
        "city",
        "postal_code",
        "country",
        "currency",
        "languages",
        "default_language",
        "timezone",
        "weight_unit",
        "dimension_unit",
    }
    assert event.payload["currency"] == "JPY"


def test_policies_are_sanitised(in_alpha):
    saved = settings_change(
        refund_policy='<p>30 days.<script>steal()</script></p><a href="javascript:x()" onclick="y()">x</a>',
        privacy_policy="<h2>Data</h2><ul><li>only what we need</li></ul>",
    )
    assert saved.refund_policy.startswith("<p>30 days.</p>")
    assert "script" not in saved.refund_policy
    assert "javascript" not in saved.refund_policy and "onclick" not in saved.refund_policy
    assert saved.privacy_policy == "<h2>Data</h2><ul><li>only what we need</li></ul>"


def test_saving_unchanged_settings_writes_nothing_and_emits_nothing(in_alpha):
    before = store_settings_get()
    saved = store_settings_update(data=StoreSettingsInput.from_settings(before))
    assert saved.updated_at == before.updated_at
    assert not EventRecord.objects.filter(name=SETTINGS_UPDATED).exists()


@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        ({"currency": "ABC"}, "currency", Code.INVALID_CURRENCY),
        ({"currency": "DEM"}, "currency", Code.INVALID_CURRENCY),  # withdrawn in 2002
        ({"currency": ""}, "currency", Code.INVALID_CURRENCY),
        ({"timezone": "Europe/Atlantis"}, "timezone", Code.INVALID_TIMEZONE),
        ({"timezone": "../../etc/passwd"}, "timezone", Code.INVALID_TIMEZONE),
        (
            {"languages": ("en",), "default_language": "de"},
            "default_language",
            Code.DEFAULT_LANGUAGE_NOT_ENABLED,
        ),
        ({"languages": ()}, "languages", Code.NO_LANGUAGE),
        ({"languages": ("en", "xx")}, "languages", Code.INVALID_LANGUAGE),
        ({"country": "XX"}, "country", Code.INVALID_COUNTRY),
        ({"country": "EU"}, "country", Code.INVALID_COUNTRY),  # a CLDR region, not an ISO country
        ({"country": "DEU"}, "country", Code.INVALID_COUNTRY),
        ({"name": "   "}, "name", Code.NAME_REQUIRED),
        ({"name": "x" * 101}, "name", Code.TOO_LONG),
        ({"contact_email": "not-an-email"}, "contact_email", Code.INVALID_EMAIL),
        ({"contact_phone": "call me"}, "contact_phone", Code.INVALID_PHONE),
        ({"contact_phone": "+1"}, "contact_phone", Code.INVALID_PHONE),
        ({"weight_unit": "stone"}, "weight_unit", Code.INVALID_UNIT),
        ({"dimension_unit": "mm"}, "dimension_unit", Code.INVALID_UNIT),
        ({"postal_code": "1" * 21}, "postal_code", Code.TOO_LONG),
        ({"country": "DE", "postal_code": "ABCDEFG"}, "postal_code", Code.INVALID_POSTAL_CODE),
        ({"country": "GB", "postal_code": "12345"}, "postal_code", Code.INVALID_POSTAL_CODE),
    ],
)
def test_bad_input_is_refused_with_a_code_and_nothing_changes(in_alpha, changes, field, code):
    before = store_settings_get()
    with pytest.raises(StoreSettingsInvalid) as raised:
        store_settings_update(data=settings_input(city="Lisbon", **changes))
    assert [(error.field, error.code) for error in raised.value.errors] == [(field, code)]
    assert raised.value.errors[0].message  # a sentence for people, never parsed
    row = StoreSettings.objects.get()
    assert row.city == before.city == ""  # the valid change in the same save was not written either
    assert row.updated_at == before.updated_at
    assert not EventRecord.objects.filter(name=SETTINGS_UPDATED).exists()


def test_the_postal_code_is_written_the_countrys_way(in_alpha):
    assert settings_change(country="GB", postal_code="ec1y8sy").postal_code == "EC1Y 8SY"
    assert settings_change(country="DE", postal_code=" 10115 ").postal_code == "10115"
    assert (
        settings_change(country="", postal_code="anything").postal_code == "anything"
    )  # no country: no rule


def test_every_problem_is_reported_at_once(in_alpha):
    with pytest.raises(StoreSettingsInvalid) as raised:
        settings_change(currency="XYZ", timezone="Mars/Olympus", country="ZZ", default_language="fr")
    assert {error.field: error.code for error in raised.value.errors} == {
        "currency": Code.INVALID_CURRENCY,
        "timezone": Code.INVALID_TIMEZONE,
        "country": Code.INVALID_COUNTRY,
        "default_language": Code.DEFAULT_LANGUAGE_NOT_ENABLED,
    }
    assert raised.value.params == {"fields": ["country", "currency", "default_language", "timezone"]}


def test_updates_refuse_the_public_schema(alpha):
    with tenant_context(alpha.tenant):
        data = settings_input(name="Elsewhere")
    with pytest.raises(NotInStoreError):
        store_settings_update(data=data)


def test_an_update_in_alpha_leaves_beta_alone(alpha, beta):
    with tenant_context(beta.tenant):
        store_settings_get()  # beta's settings cached
    with tenant_context(alpha.tenant):
        settings_change(name="Alpha Boutique", currency="KWD", timezone="Asia/Kuwait")
    with tenant_context(beta.tenant):
        assert cache.get(STORE_SETTINGS_CACHE_KEY) is not None  # beta's entry was not touched
        beta_settings = store_settings_get()
        assert (beta_settings.name, beta_settings.currency, beta_settings.timezone) == (
            "Store Beta",
            "EUR",
            "UTC",
        )
        assert StoreSettings.objects.get().currency == "EUR"
