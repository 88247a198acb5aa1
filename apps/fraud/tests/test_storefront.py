"""The storefront's hook: placing an order records where the shopper was, and the assessment
made when the order is paid finds it (IP velocity across a shopper's orders)."""

from __future__ import annotations

import pytest
from django.test import RequestFactory
from django_tenants.utils import schema_context

from apps.fraud.models import OrderRiskContext, RiskAssessment
from apps.fraud.services import checkout_risk_context_record
from apps.storefront.tests.checkout_support import cart_client, orders_of, place, shop_make, to_payment

pytestmark = pytest.mark.django_db


def test_placing_records_the_address_and_the_paid_order_is_assessed_with_it(
    alpha, django_capture_on_commit_callbacks
):
    shop = shop_make(alpha, stock=20)
    numbers = []
    for _ in range(3):
        client = cart_client(alpha, [(shop.variants[0], 1)])
        client.defaults["REMOTE_ADDR"] = "203.0.113.20"
        token = to_payment(client, rate=shop.standard)
        with django_capture_on_commit_callbacks(execute=True):
            response = place(client, token)
        assert response.status_code == 302
        [order] = orders_of(alpha, token)
        numbers.append(order.number)
        assert order.checkout_token is not None
        with schema_context(alpha.tenant.schema_name):
            context = OrderRiskContext.objects.get(checkout_token=order.checkout_token)
            assert context.ip_address == "203.0.113.20"
    with schema_context(alpha.tenant.schema_name):
        assessments = {a.order.number: a for a in RiskAssessment.objects.select_related("order")}
    assert sorted(assessments) == sorted(numbers)
    last = assessments[numbers[-1]]
    assert last.ip_address == "203.0.113.20"
    # the third order from one address within the hour: two others before it
    assert [s["code"] for s in last.signals] == ["ip_velocity"]
    assert last.signals[0]["params"]["count"] == 2


def test_the_country_header_is_read_only_when_the_deployment_names_it(in_alpha, settings):
    import uuid

    request = RequestFactory().post("/", REMOTE_ADDR="198.51.100.4", HTTP_CF_IPCOUNTRY="US")

    class Checkout:  # what the hook reads of a checkout
        token = uuid.uuid4()

    checkout_risk_context_record(request, Checkout())  # type: ignore[arg-type]
    assert OrderRiskContext.objects.get(checkout_token=Checkout.token).ip_country == ""
    settings.FRAUD_IP_COUNTRY_HEADER = "HTTP_CF_IPCOUNTRY"
    checkout_risk_context_record(request, Checkout())  # type: ignore[arg-type]
    context = OrderRiskContext.objects.get(checkout_token=Checkout.token)
    assert (context.ip_address, context.ip_country) == ("198.51.100.4", "US")
