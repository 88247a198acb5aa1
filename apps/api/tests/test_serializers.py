"""How every endpoint writes money and reads the JSON types of a body."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.http import QueryDict
from rest_framework import serializers

from apps.api.serializers import (
    StrictQuerySerializer,
    StrictSerializer,
    money_str,
)


@pytest.mark.parametrize(
    ("amount", "currency", "written"),
    [
        ("39.5", "EUR", "39.50"),
        ("39.500", "EUR", "39.50"),
        ("12.345", "EUR", "12.35"),  # half up
        ("3900.000", "JPY", "3900"),
        ("3900.5", "JPY", "3901"),
        ("1.25", "KWD", "1.250"),
        ("100", "EUR", "100.00"),
        ("7.125", "", "7.125"),  # no currency: as stored
    ],
)
def test_money_is_text_at_the_currencys_precision(amount, currency, written):
    assert money_str(Decimal(amount), currency) == written


def test_no_amount_is_null():
    assert money_str(None, "EUR") is None


class _Body(StrictSerializer):
    title = serializers.CharField()
    email = serializers.EmailField(required=False)
    quantity = serializers.IntegerField(required=False)
    active = serializers.BooleanField(required=False)
    tags = serializers.ListField(child=serializers.CharField(), required=False)
    price = serializers.DecimalField(max_digits=10, decimal_places=2, required=False)
    note = serializers.CharField(required=False, allow_null=True)


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"title": 123}, "title", "Must be text."),
        ({"title": "T", "email": ["a@example.com"]}, "email", "Must be text."),
        ({"title": "T", "quantity": "5"}, "quantity", "Must be a whole number."),
        ({"title": "T", "quantity": 5.0}, "quantity", "Must be a whole number."),
        ({"title": "T", "quantity": True}, "quantity", "Must be a whole number."),
        ({"title": "T", "active": "yes"}, "active", "Must be true or false."),
        ({"title": "T", "active": 1}, "active", "Must be true or false."),
        ({"title": "T", "tags": ["a", 2]}, "tags", "Must be text."),
    ],
)
def test_a_body_value_of_the_wrong_json_type_is_refused_by_name(body, field, message):
    form = _Body(data=body)
    assert not form.is_valid()
    assert form.errors == {field: [message]}


def test_json_types_that_fit_are_read_and_amounts_may_be_text_or_numbers():
    form = _Body(
        data={"title": "T", "quantity": 5, "active": False, "tags": ["a"], "price": 12.5, "note": None}
    )
    assert form.is_valid(), form.errors
    assert form.validated_data["quantity"] == 5 and form.validated_data["price"] == Decimal("12.50")
    assert _Body(data={"title": "T", "price": "12.50"}).is_valid()


def test_unknown_fields_wrong_types_and_other_field_errors_are_named_together():
    form = _Body(data={"title": 1, "colour": "red", "tags": "a", "price": "x"})
    assert not form.is_valid()
    assert form.errors == {
        "colour": ["Unknown field."],
        "price": ["A valid number is required."],
        "tags": ['Expected a list of items but got type "str".'],
        "title": ["Must be text."],
    }


class _Query(StrictQuerySerializer):
    in_stock = serializers.BooleanField(required=False)
    page = serializers.IntegerField(required=False)


def test_a_query_string_is_text_and_is_read_as_drf_reads_it():
    assert _Query(data={"in_stock": "true", "page": "2"}).is_valid()
    assert _Body(data=QueryDict("title=T&quantity=5&active=true")).is_valid()
    assert not _Query(data={"colour": "red"}).is_valid()
