"""Store beta never sees nor touches store alpha's endpoints and deliveries: not in its lists,
not by their ids in a URL, not through a resend, not through alpha's events."""

from __future__ import annotations

import uuid

import pytest
from django_tenants.utils import tenant_context

from apps.integrations.enums import DeliveryStatus
from apps.integrations.models import WebhookDelivery, WebhookEndpoint
from apps.integrations.services import webhooks_fan_out
from apps.integrations.tests.factories import make_delivery, make_endpoint

pytestmark = pytest.mark.django_db

BASE = "/dashboard/webhooks/"


@pytest.fixture
def alphas(alpha):
    with tenant_context(alpha.tenant):
        endpoint = make_endpoint("https://hooks.example.com/alpha-only", description="alpha secret sink")
        delivery = make_delivery(endpoint, status=DeliveryStatus.DEAD)
    return endpoint, delivery


def test_beta_cannot_see_or_change_alphas_webhooks(alpha, beta, role_client, alphas):
    endpoint, delivery = alphas
    client = role_client("owner", beta)
    # not listed
    for path in (BASE, f"{BASE}deliveries/", f"{BASE}deliveries/?endpoint={endpoint.uuid}"):
        html = client.get(path).content.decode()
        assert "alpha-only" not in html and "alpha secret sink" not in html, path
    # not reachable by id
    gets = [
        f"{BASE}{endpoint.uuid}/",
        f"{BASE}{endpoint.uuid}/edit/",
        f"{BASE}{endpoint.uuid}/rotate/",
        f"{BASE}{endpoint.uuid}/delete/",
        f"{BASE}deliveries/{delivery.uuid}/",
    ]
    for path in gets:
        assert client.get(path).status_code == 404, path
    posts = [
        f"{BASE}{endpoint.uuid}/edit/",
        f"{BASE}{endpoint.uuid}/rotate/",
        f"{BASE}{endpoint.uuid}/disable/",
        f"{BASE}{endpoint.uuid}/delete/",
        f"{BASE}deliveries/{delivery.uuid}/resend/",
    ]
    for path in posts:
        assert client.post(path, {"url": "https://hooks.example.com/x"}).status_code == 404, path
    # alpha's rows are untouched
    with tenant_context(alpha.tenant):
        endpoint.refresh_from_db()
        assert endpoint.is_active and endpoint.secrets.count() == 1
        assert WebhookDelivery.objects.get(pk=delivery.pk).attempt_log.count() == 0


def test_an_event_of_beta_never_goes_to_alphas_endpoint(alpha, beta, alphas):
    with tenant_context(beta.tenant):
        assert webhooks_fan_out(event_id=uuid.uuid4(), event_type="order.paid", payload={}) == []
        assert not WebhookEndpoint.objects.exists()
    with tenant_context(alpha.tenant):
        assert WebhookDelivery.objects.count() == 1
