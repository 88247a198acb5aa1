"""The export: everything held about one customer, nothing of another, in a fixed number of
queries whatever their history holds."""

from __future__ import annotations

import json

import pytest
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.privacy.models import DataRequest
from apps.privacy.selectors import customer_data_export
from apps.privacy.services import customer_export_record
from apps.privacy.tests.factories import order_for, shopper_make

pytestmark = pytest.mark.django_db


def test_the_export_holds_the_customers_data_and_nothing_of_another(in_alpha):
    # given two shoppers with a full history each
    ada = shopper_make("ada@example.com", name="Ada Shopper")
    bob = shopper_make("bob@example.com", name="Bob Other")

    # when Ada's data is exported
    data = customer_data_export(customer=ada.customer)
    text = json.dumps(data, cls=DjangoJSONEncoder)

    # then every kind of her data is there
    assert data["customer"]["email"] == "ada@example.com"
    assert data["customer"]["note"] == "VIP"
    assert data["account"]["email"] == "ada@example.com"
    assert data["account"]["social_accounts"][0]["provider"] == "google"
    assert data["account"]["email_addresses"][0]["verified"] is True
    assert data["consent"] == {"accepts_marketing": True, "newsletter": True}
    assert data["newsletter"]["source"] == "home"
    assert [address["city"] for address in data["addresses"]] == ["Berlin"]
    [order] = data["orders"]
    assert order["number"] == ada.order.number
    assert order["lines"][0]["sku"] == "LINEN-1" and order["lines"][0]["quantity"] == 2
    assert order["payments"][0]["status"] == "succeeded"
    assert order["shipping_address"]["name"] == "Ada Shopper"
    assert data["reviews"][0]["title"] == "Lovely"
    assert data["wishlist"][0]["product"] == "Shirt of Ada Shopper"
    assert data["carts"][0]["lines"][0]["quantity"] == 1
    assert data["gift_cards"][0]["balance"] == 25
    assert data["store_credit"][0]["reason"] == "Sorry for the delay"
    assert data["messages"][0]["subject"] == "Thanks, Ada Shopper"
    # and nothing of Bob's
    assert "bob@example.com" not in text and "Bob Other" not in text
    assert str(bob.order.number) not in [str(o["number"]) for o in data["orders"]]


def test_a_guests_export_finds_their_orders_by_email(in_alpha):
    from apps.customers.models import Customer

    guest = Customer.objects.create(email="guest@example.com", full_name="Gus Guest")
    order = order_for(guest)
    order.customer = None  # an order of the email, not linked to the record
    order.save(update_fields=["customer"])

    data = customer_data_export(customer=guest)

    assert data["account"] is None
    assert [o["number"] for o in data["orders"]] == [order.number]


def test_the_export_query_count_does_not_grow_with_the_history(in_alpha):
    ada = shopper_make("ada@example.com")
    with CaptureQueriesContext(connection) as few:
        customer_data_export(customer=ada.customer)
    for _n in range(4):
        order_for(ada.customer, user=ada.user)
    with CaptureQueriesContext(connection) as many:
        data = customer_data_export(customer=ada.customer)

    assert len(data["orders"]) == 5
    assert len(many) == len(few)
    assert len(many) <= 20


def test_an_export_is_recorded_without_personal_data(in_alpha):
    ada = shopper_make("ada@example.com")

    customer_export_record(customer=ada.customer, actor=None)

    request = DataRequest.objects.get()
    assert request.kind == DataRequest.Kind.EXPORT
    assert request.customer_uuid == ada.customer.uuid
    assert request.summary["orders"] == 1
    assert "ada@example.com" not in json.dumps(request.summary)
