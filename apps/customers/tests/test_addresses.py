"""Saved addresses: the rules each value must meet (each refused with its own coded message and
nothing written), one default per shopper, and ids that only reach their owner's rows."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from apps.customers.errors import AddressNotFound, CustomerError, CustomerErrorCode, CustomerInputInvalid
from apps.customers.models import Address
from apps.customers.postal_codes import POSTAL_CODE_FORMATS
from apps.customers.services import (
    address_create,
    address_delete,
    address_set_default,
    address_update,
    customer_profile_update,
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
        ({"postal_code": "105577"}, "postal_code", CustomerErrorCode.POSTAL_CODE_INVALID),
        ({"postal_code": "ABCDE"}, "postal_code", CustomerErrorCode.POSTAL_CODE_INVALID),
    ],
)
def test_each_bad_value_is_refused_with_its_code_and_nothing_is_saved(in_alpha, changes, field, code):
    shopper = make_shopper()
    assert _refused(shopper, **changes) == [(field, code)]


@pytest.mark.parametrize(
    ("country", "bad"),
    [
        ("DE", "1234"),
        ("US", "1234"),
        ("US", "94105-12"),
        ("GB", "12345"),
        ("GB", "SW1A"),
        ("FR", "7500"),
        ("ES", "53001"),  # no province 53
        ("ES", "00123"),
        ("NL", "0123 AB"),
        ("NL", "1012 A"),
        ("AT", "0123"),
        ("AT", "10100"),
        ("CH", "12345"),
        ("IT", "0018"),
    ],
)
def test_postal_codes_that_do_not_fit_the_country_are_refused_with_the_expected_format(
    in_alpha, country, bad
):
    shopper = make_shopper()
    with pytest.raises(CustomerInputInvalid) as caught:
        address_create(user=shopper, data=address_input(country=country, postal_code=bad))
    (error,) = caught.value.errors
    assert (error.field, error.code) == ("postal_code", CustomerErrorCode.POSTAL_CODE_INVALID)
    # the message names what was typed and shows a valid example
    assert bad in error.message
    assert POSTAL_CODE_FORMATS[country].example in error.message


@pytest.mark.parametrize(
    ("country", "typed", "stored"),
    [
        ("DE", "10557", "10557"),
        ("US", "94105", "94105"),
        ("US", "94105-1234", "94105-1234"),
        ("GB", "sw1a1aa", "SW1A 1AA"),
        ("GB", "M1 1AE", "M1 1AE"),
        ("GB", "EC1A  1BB", "EC1A 1BB"),
        ("FR", "75008", "75008"),
        ("ES", "28013", "28013"),
        ("NL", "1012ab", "1012 AB"),
        ("AT", "1010", "1010"),
        ("CH", "8001", "8001"),
        ("IT", "00184", "00184"),
        ("JP", "100-0001", "100-0001"),  # not in the table: any plain code
        ("IE", "", ""),  # not in the table: a postal code may be left out
    ],
)
def test_valid_postal_codes_are_stored_normalised(in_alpha, country, typed, stored):
    address = address_create(user=make_shopper(), data=address_input(country=country, postal_code=typed))
    assert (address.country, address.postal_code) == (country, stored)


def test_a_country_outside_the_table_still_refuses_markup(in_alpha):
    assert _refused(make_shopper(), country="JP", postal_code="<script>") == [
        ("postal_code", CustomerErrorCode.POSTAL_CODE_INVALID)
    ]


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
    monkeypatch.setattr("apps.customers.services.ADDRESS_MAX_PER_CUSTOMER", 2)
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
