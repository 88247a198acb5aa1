"""The store settings page: owners and admins save, finance reads, staff is refused; bad input
gets a message next to its field and saves nothing; one store never sees another's settings."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django_tenants.utils import schema_context, tenant_context

from apps.catalog.models import Product
from apps.catalog.services import ProductInput, VariantInput, product_create
from apps.stores.models import StoreSettings
from apps.stores.selectors import store_settings_get
from apps.stores.services import StoreSettingsInput
from tests.fixtures import StoreWorld, make_store_user, store_client

pytestmark = pytest.mark.django_db

URL = "/dashboard/store/settings/"


def _client(world: StoreWorld, role: str) -> Client:
    user = make_store_user(world, f"{role}-settings@example.com", role=role)
    client = store_client(world)
    with schema_context(world.tenant.schema_name):
        client.force_login(user)
    return client


def _row(world: StoreWorld) -> StoreSettings:
    with tenant_context(world.tenant):
        return store_settings_get()


def _form_data(world: StoreWorld, **changes: Any) -> dict[str, Any]:
    """What the page posts when its fields hold the store's current settings, with `changes`."""
    current = StoreSettingsInput.from_settings(_row(world))
    data: dict[str, Any] = {name: getattr(current, name) for name in StoreSettingsInput.__dataclass_fields__}
    data["languages"] = list(current.languages)
    data.update(changes)
    return data


def _dashboard_post_forms(html: str) -> list[str]:
    """The page's POST forms that reach the dashboard (the header's sign-out and language
    forms post elsewhere)."""
    tags = re.findall(r"<form\b[^>]*>", html)
    return [
        tag for tag in tags if 'method="post"' in tag and not re.search(r'action="/(accounts|i18n)/', tag)
    ]


@pytest.mark.parametrize("role", ["owner", "admin"])
def test_owners_and_admins_save_the_settings(alpha, role):
    client = _client(alpha, role)
    page = client.get(URL)
    assert page.status_code == 200
    html = page.content.decode()
    for section in ("Profile", "Address", "Regional", "Policies"):
        assert f"<legend>{section}</legend>" in html
    assert "Save settings" in html
    assert len(_dashboard_post_forms(html)) == 1
    response = client.post(
        URL,
        _form_data(
            alpha,
            name="Alpha Boutique",
            currency="JPY",
            languages=["en", "es"],
            default_language="es",
            timezone="Asia/Tokyo",
            country="JP",
            weight_unit="g",
            shipping_policy="<p>Ships in 2 days</p><img src=x onerror=alert(1)>",
        ),
    )
    assert response.status_code == 302 and response["Location"] == URL
    row = _row(alpha)
    assert (row.name, row.currency, row.default_language, row.timezone, row.country) == (
        "Alpha Boutique",
        "JPY",
        "es",
        "Asia/Tokyo",
        "JP",
    )
    assert row.languages == ["en", "es"] and row.weight_unit == "g"
    assert "onerror" not in row.shipping_policy and "Ships in 2 days" in row.shipping_policy
    assert "The store settings were saved." in client.get(URL).content.decode()


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"currency": "ABC"}, "currency", "“ABC” is not an ISO 4217 currency"),
        ({"timezone": "Europe/Atlantis"}, "timezone", "“Europe/Atlantis” is not a time zone"),
        (
            {"languages": ["en"], "default_language": "de"},
            "default_language",
            "The default language (de) must be one of the enabled languages.",
        ),
        ({"languages": []}, "languages", "Enable at least one language."),
        ({"languages": ["en", "klingon"]}, "languages", "“klingon” is not a language this platform offers"),
        ({"country": "Germany"}, "country", "“GERMANY” is not an ISO 3166 country code"),
        ({"country": "XX"}, "country", "“XX” is not an ISO 3166 country code"),
        ({"name": ""}, "name", "Give the store a name."),
        ({"contact_email": "nobody"}, "contact_email", "“nobody” is not an email address."),
        ({"weight_unit": "stone"}, "weight_unit", "“stone” is not a weight unit"),
        (
            {"country": "DE", "postal_code": "ABCDEFG"},
            "postal_code",
            "“ABCDEFG” is not a postal code of Germany. Enter one like",
        ),
    ],
)
def test_bad_input_is_shown_next_to_its_field_and_nothing_is_saved(alpha, changes, field, message):
    client = _client(alpha, "owner")
    before = _row(alpha)
    response = client.post(URL, _form_data(alpha, city="Porto", **changes))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == [field]
    assert message in " ".join(errors[field])
    assert (
        message.replace("“", "&ldquo;")[:10] in response.content.decode()
        or message[:10] in response.content.decode()
    )
    with tenant_context(alpha.tenant):
        row = StoreSettings.objects.get()
    assert row.city == "" and row.updated_at == before.updated_at


def test_finance_reads_the_settings_but_cannot_save_them(alpha):
    client = _client(alpha, "finance")
    page = client.get(URL)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Save settings" not in html
    assert "owners and admins can change them" in html
    assert _dashboard_post_forms(html) == []  # read-only: no form it could not submit
    assert f'value="{_row(alpha).name}"' in html
    form = page.context["form"]
    assert all(field.disabled for field in form.fields.values())
    for tag in (
        '<select name="currency"',
        '<input type="text" name="name"',
        '<textarea name="refund_policy"',
    ):
        assert re.search(re.escape(tag) + r"[^>]*\bdisabled\b", html), tag
    before = _row(alpha)
    response = client.post(URL, _form_data(alpha, name="Finance Was Here", currency="USD"))
    assert response.status_code == 403
    row = _row(alpha)
    assert (row.name, row.currency, row.updated_at) == (before.name, before.currency, before.updated_at)


def test_staff_cannot_open_the_settings(alpha):
    client = _client(alpha, "staff")
    assert client.get(URL).status_code == 403
    assert client.post(URL, {"name": "Staff Shop"}).status_code == 403
    assert _row(alpha).name == "Store Alpha"


def test_signed_out_visitors_go_to_sign_in(alpha):
    response = store_client(alpha).get(URL)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize(("role", "shown"), [("owner", True), ("finance", True), ("staff", False)])
def test_the_menu_shows_settings_to_who_may_read_them(alpha, role, shown):
    html = _client(alpha, role).get("/dashboard/").content.decode()
    assert (f'href="{URL}"' in html) is shown


def test_changing_the_currency_with_products_warns_that_prices_are_not_converted(alpha):
    with tenant_context(alpha.tenant):
        product_create(
            data=ProductInput(
                title="Lamp",
                status=Product.Status.ACTIVE,
                variants=(VariantInput(sku="L-1", price=Decimal("25.00")),),
            )
        )
    client = _client(alpha, "owner")
    page = client.get(URL).content.decode()
    assert "This store has 1 product. Changing the currency does not convert its price." in page
    response = client.post(URL, _form_data(alpha, currency="USD"), follow=True)
    assert _row(alpha).currency == "USD"  # allowed
    assert (
        "Prices were not converted: a product that cost 10 EUR now costs 10 USD." in response.content.decode()
    )
    with tenant_context(alpha.tenant):
        variant = Product.objects.get().variants.get()
        assert variant.price == Decimal("25.00")
        # the variant is priced in the store's currency now, as every page shows it
        assert variant.currency == "USD"
        handle = variant.product.handle
    product_page = store_client(alpha).get(f"/products/{handle}/").content.decode()
    assert "$25.00" in product_page and "€25.00" not in product_page


def test_without_products_a_currency_change_needs_no_warning(alpha):
    client = _client(alpha, "owner")
    assert "does not convert" not in client.get(URL).content.decode().split("Currency")[0]
    response = client.post(URL, _form_data(alpha, currency="USD"), follow=True)
    assert "Prices were not converted" not in response.content.decode()


def test_alpha_settings_are_never_shown_or_changed_from_beta(alpha, beta):
    # given alpha's own name and currency
    alpha_client = _client(alpha, "owner")
    alpha_client.post(URL, _form_data(alpha, name="Alpha Boutique", currency="JPY"))
    # when beta's owner opens and saves beta's page
    beta_client = _client(beta, "owner")
    page = beta_client.get(URL).content.decode()
    beta_client.post(URL, _form_data(beta, name="Beta Bazaar", currency="GBP"))
    # then beta saw only its own settings and changed only its own
    assert "Alpha Boutique" not in page and 'value="Store Beta"' in page
    assert (_row(alpha).name, _row(alpha).currency) == ("Alpha Boutique", "JPY")
    assert (_row(beta).name, _row(beta).currency) == ("Beta Bazaar", "GBP")
    # and alpha's session means nothing on beta's host
    alpha_client.defaults["HTTP_HOST"] = beta.host
    assert alpha_client.get(URL).status_code == 302
    with schema_context(beta.tenant.schema_name):
        assert StoreSettings.objects.get().name == "Beta Bazaar"
