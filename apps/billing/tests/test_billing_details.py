"""The billing address and EU VAT number for invoices: checked, pushed to the Stripe customer
(address, eu_vat tax id) through the real SDK against the fake Stripe, shown on the console."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from apps.billing.billing_details import BillingDetailsError, billing_details_save, vat_number_clean
from apps.billing.models import BillingDetails, MerchantPlan
from apps.billing.testing.fake_stripe_billing import FakeStripeBilling
from apps.billing.testing.fixtures import fake_stripe_billing  # noqa: F401 (a fixture)
from tests.fixtures import StoreWorld

pytestmark = pytest.mark.django_db

ADDRESS = {"country": "DE", "line1": "Hauptstr. 1", "line2": "", "postal_code": "10115", "city": "Berlin"}


def _url(world: StoreWorld) -> str:
    return reverse(
        "billing_console:details",
        kwargs={"merchant_uuid": world.merchant.uuid},
        urlconf=settings.PUBLIC_SCHEMA_URLCONF,
    )


@pytest.mark.parametrize(
    ("value", "country", "expected"),
    [
        ("DE 123 456 789", "DE", "DE123456789"),
        ("fr12345678901", "FR", "FR12345678901"),
        ("EL123456789", "GR", "EL123456789"),
        ("ATU12345678", "AT", "ATU12345678"),
        ("NL123456789B01", "NL", "NL123456789B01"),
        ("", "DE", ""),
    ],
)
def test_vat_numbers_of_each_eu_country_are_normalised(value: str, country: str, expected: str) -> None:
    assert vat_number_clean(value, country=country) == expected


@pytest.mark.parametrize(
    ("value", "country", "code"),
    [
        ("US123456789", "DE", "billing_vat_prefix"),
        ("DE12345678", "DE", "billing_vat_format"),  # one digit short
        ("AT12345678", "AT", "billing_vat_format"),  # Austria needs the U
        ("NL123456789", "NL", "billing_vat_format"),
        ("FR12345678901", "DE", "billing_vat_country"),
        ("GR123456789", "GR", "billing_vat_prefix"),  # Greece is EL
    ],
)
def test_bad_vat_numbers_are_refused_naming_the_field(value: str, country: str, code: str) -> None:
    with pytest.raises(BillingDetailsError) as caught:
        vat_number_clean(value, country=country)
    assert (caught.value.code, caught.value.field) == (code, "tax_id")


def test_saving_pushes_the_address_and_the_vat_id_to_the_stripe_customer(
    alpha: StoreWorld,
    fake_stripe_billing: FakeStripeBilling,  # noqa: F811
) -> None:
    # when
    details = billing_details_save(
        merchant=alpha.merchant, email=alpha.owner.email, **ADDRESS, tax_id="DE123456789"
    )
    # then
    customer_id = MerchantPlan.objects.get(merchant=alpha.merchant).stripe_customer_id
    customer = fake_stripe_billing.customers[customer_id]
    assert customer["address"]["country"] == "DE" and customer["address"]["city"] == "Berlin"
    (tax_id,) = fake_stripe_billing.tax_ids.values()
    assert (tax_id["customer"], tax_id["type"], tax_id["value"]) == (customer_id, "eu_vat", "DE123456789")
    assert details.stripe_tax_id == tax_id["id"]


def test_a_new_vat_number_replaces_the_old_tax_id_and_an_unchanged_one_is_kept(
    alpha: StoreWorld,
    fake_stripe_billing: FakeStripeBilling,  # noqa: F811
) -> None:
    billing_details_save(merchant=alpha.merchant, email="", **ADDRESS, tax_id="DE123456789")
    billing_details_save(
        merchant=alpha.merchant, email="", **{**ADDRESS, "city": "Bonn"}, tax_id="DE123456789"
    )
    assert len(fake_stripe_billing.tax_ids) == 1
    assert fake_stripe_billing.requests_to("POST", "/v1/customers/cus_") != []
    billing_details_save(merchant=alpha.merchant, email="", **ADDRESS, tax_id="DE999999999")
    (tax_id,) = fake_stripe_billing.tax_ids.values()
    assert tax_id["value"] == "DE999999999"
    assert len(fake_stripe_billing.requests_to("DELETE", "/v1/customers/")) == 1
    # removing the number removes the tax id
    billing_details_save(merchant=alpha.merchant, email="", **ADDRESS, tax_id="")
    assert fake_stripe_billing.tax_ids == {}
    assert BillingDetails.objects.get(merchant=alpha.merchant).tax_id == ""


def test_the_console_form_saves_and_shows_the_details(
    alpha: StoreWorld,
    platform_client: Client,
    fake_stripe_billing: FakeStripeBilling,  # noqa: F811
) -> None:
    platform_client.force_login(alpha.owner)
    response = platform_client.post(_url(alpha), {**ADDRESS, "tax_id": "de 123456789"})
    assert response.status_code == 302
    page = platform_client.get(_url(alpha))
    assert page.status_code == 200
    assert b"DE123456789" in page.content and b"Hauptstr. 1" in page.content
    assert b"<br>Germany</address>" in page.content  # the country by its name
    # the console's billing page links to it and to the metered usage
    billing = platform_client.get(
        reverse(
            "platform:billing",
            kwargs={"merchant_uuid": alpha.merchant.uuid},
            urlconf=settings.PUBLIC_SCHEMA_URLCONF,
        )
    )
    assert _url(alpha).encode() in billing.content
    assert b"/billing/usage/" in billing.content


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"tax_id": "DE12"}, "tax_id", b"is not a valid DE VAT number"),
        ({"tax_id": "XX123456789"}, "tax_id", b"EU country prefix"),
        ({"tax_id": "FR12345678901"}, "tax_id", b"billing address is in DE"),
        ({"country": "ZZ"}, "country", b"Select a valid choice"),
        ({"city": ""}, "city", b"This field is required"),
    ],
)
def test_bad_input_is_a_form_error_naming_the_field_and_nothing_reaches_stripe(
    alpha: StoreWorld,
    platform_client: Client,
    fake_stripe_billing: FakeStripeBilling,  # noqa: F811
    changes: dict[str, Any],
    field: str,
    words: bytes,
) -> None:
    platform_client.force_login(alpha.owner)
    response = platform_client.post(_url(alpha), {**ADDRESS, **changes})
    assert response.status_code == 400
    assert response.context["form"].errors[field]
    assert f'data-field="{field}"'.encode() in response.content and words in response.content
    assert fake_stripe_billing.requests_to("POST", "/v1/customers") == []
    assert not BillingDetails.objects.filter(merchant=alpha.merchant).exists()


def test_another_merchant_and_a_role_without_billing_manage_cannot_change_the_details(
    alpha: StoreWorld,
    beta: StoreWorld,
    platform_client: Client,
    fake_stripe_billing: FakeStripeBilling,  # noqa: F811
) -> None:
    from apps.accounts.models import User
    from apps.platform.models import Membership

    platform_client.force_login(beta.owner)
    assert platform_client.get(_url(alpha)).status_code == 404
    assert platform_client.post(_url(alpha), {**ADDRESS}).status_code == 404
    finance = User.objects.create_user("finance-details@example.com", "pw-123456789x")
    Membership.objects.create(merchant=alpha.merchant, user=finance, role=Membership.Role.FINANCE)
    platform_client.force_login(finance)
    assert platform_client.get(_url(alpha)).status_code == 200
    assert platform_client.post(_url(alpha), {**ADDRESS}).status_code == 403
    assert fake_stripe_billing.requests_to("POST", "/v1/") == []
