"""Reading a store's settings: defaults on the first read, one row, cached per store, never
answered in the public schema."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.test import override_settings
from django_tenants.utils import schema_context, tenant_context

from apps.core.tenancy import NotInStoreError, current_schema
from apps.stores.errors import StoreSettingsError, StoreSettingsErrorCode
from apps.stores.models import StoreSettings, WeightUnit
from apps.stores.selectors import STORE_SETTINGS_CACHE_KEY, store_currency_get, store_settings_get
from apps.stores.tests.factories import settings_change

pytestmark = pytest.mark.django_db


def test_the_first_read_creates_the_row_with_defaults(in_alpha):
    # given a store that never saved its settings
    StoreSettings.objects.all().delete()
    cache.clear()
    # when they are first read
    with override_settings(DEFAULT_CURRENCY="CHF"):
        found = store_settings_get()
    # then the row holds the platform defaults and the tenant's name
    assert StoreSettings.objects.count() == 1
    assert found.pk == 1
    assert found.name == in_alpha.tenant.name == "Store Alpha"
    assert found.currency == "CHF"
    assert found.languages == [code for code, _name in settings.LANGUAGES]
    assert found.default_language == "en"
    assert found.timezone == "UTC"
    assert (found.weight_unit, found.dimension_unit) == (WeightUnit.KILOGRAM, "cm")
    assert found.refund_policy == ""


def test_the_name_comes_from_the_tenant_inside_schema_context_too(alpha):
    with schema_context(alpha.tenant.schema_name):  # a nameless stand-in tenant on the connection
        StoreSettings.objects.all().delete()
        cache.clear()
        assert store_settings_get().name == "Store Alpha"


def test_the_public_schema_is_refused():
    assert current_schema() == "public"
    with pytest.raises(NotInStoreError):
        store_settings_get()
    with pytest.raises(NotInStoreError):
        store_currency_get()


def test_the_template_schema_gets_no_row(db):
    # new stores are cloned from the template with its rows: a row there would be every store's
    with schema_context(settings.TENANT_BASE_SCHEMA):
        with pytest.raises(StoreSettingsError) as raised:
            store_settings_get()
        assert raised.value.code == StoreSettingsErrorCode.TEMPLATE_SCHEMA
        assert not StoreSettings.objects.exists()


def test_a_second_read_comes_from_the_cache(in_alpha, django_assert_num_queries):
    store_settings_get()
    with django_assert_num_queries(0):
        assert store_settings_get().name == "Store Alpha"


def test_one_row_per_schema_is_a_database_rule(in_alpha):
    store_settings_get()
    with pytest.raises(IntegrityError), transaction.atomic():
        StoreSettings.objects.create(
            id=2, name="Second", currency="EUR", languages=["en"], default_language="en"
        )


@pytest.mark.parametrize(
    "values",
    [
        {"languages": ["en"], "default_language": "de"},
        {"languages": [], "default_language": "en"},
        {"currency": "eur"},
        {"country": "de"},
        {"name": ""},
        {"weight_unit": "st"},
    ],
)
def test_the_database_refuses_rows_that_break_the_rules(in_alpha, values):
    store_settings_get()
    with pytest.raises(IntegrityError), transaction.atomic():
        StoreSettings.objects.filter(pk=1).update(**values)


def test_alphas_cached_settings_are_not_betas(alpha, beta):
    # given alpha's settings, read and cached under alpha's schema
    with tenant_context(alpha.tenant):
        settings_change(name="Alpha Boutique", currency="JPY")
        assert store_settings_get().currency == "JPY"
        alpha_key = cache.make_key(STORE_SETTINGS_CACHE_KEY)
        assert cache.get(STORE_SETTINGS_CACHE_KEY) is not None
    # when beta reads its own
    with tenant_context(beta.tenant):
        beta_key = cache.make_key(STORE_SETTINGS_CACHE_KEY)
        assert cache.get(STORE_SETTINGS_CACHE_KEY) is None  # alpha's entry is not beta's
        found = store_settings_get()
    # then each store has its own key and its own answer
    assert alpha_key.startswith(f"{alpha.tenant.schema_name}:")
    assert beta_key.startswith(f"{beta.tenant.schema_name}:")
    assert (found.name, found.currency) == ("Store Beta", "EUR")
    with tenant_context(alpha.tenant):
        assert store_settings_get().name == "Alpha Boutique"
