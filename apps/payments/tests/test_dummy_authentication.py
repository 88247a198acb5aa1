"""The dummy gateway's authentication page on the store's domain: Approve / Fail by a
CSRF-protected POST, one dispatched update, back to the return URL, only this store's payments."""

from __future__ import annotations

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from apps.payments.enums import PaymentStatus
from apps.payments.gateways import gateway_get
from apps.payments.gateways.dummy import CARD_REQUIRES_AUTHENTICATION
from apps.payments.models import DummyPayment
from apps.payments.tests.factories import payment_request
from tests.fixtures import store_client

pytestmark = pytest.mark.django_db


def _waiting(world, return_url: str = "") -> str:  # type: ignore[no-untyped-def]
    with schema_context(world.tenant.schema_name):
        result = gateway_get("dummy").start(
            payment_request(
                card=CARD_REQUIRES_AUTHENTICATION,
                return_url=return_url or f"http://{world.host}/checkout/abc/complete/",
            )
        )
    if not return_url:
        assert result.action_url == f"http://{world.host}/payments/dummy/authenticate/{result.external_id}/"
    return result.external_id


def _page(external_id: str) -> str:
    return f"/payments/dummy/authenticate/{external_id}/"


def _status(world, external_id: str) -> str:  # type: ignore[no-untyped-def]
    with schema_context(world.tenant.schema_name):
        return DummyPayment.objects.get(external_id=external_id).status


def test_the_page_shows_the_payment_with_approve_and_fail(alpha):
    external_id = _waiting(alpha)
    response = store_client(alpha).get(_page(external_id))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="approve"' in html and 'value="fail"' in html
    assert "csrfmiddlewaretoken" in html
    assert "€25.00" in html


def test_approve_succeeds_dispatches_once_and_returns(alpha, payment_updates):
    external_id = _waiting(alpha)
    client = store_client(alpha)
    # when
    response = client.post(_page(external_id), {"decision": "approve"})
    # then
    assert response.status_code == 302
    assert response["Location"] == f"http://{alpha.host}/checkout/abc/complete/"
    assert _status(alpha, external_id) == PaymentStatus.SUCCEEDED
    [(schema, update)] = payment_updates.updates
    assert schema == alpha.tenant.schema_name
    assert (update.gateway, update.external_id, update.status) == (
        "dummy",
        external_id,
        PaymentStatus.SUCCEEDED,
    )
    assert (update.error_code, update.error_message) == ("", "")
    # and a second click changes nothing and dispatches nothing
    assert client.post(_page(external_id), {"decision": "fail"}).status_code == 302
    assert _status(alpha, external_id) == PaymentStatus.SUCCEEDED
    assert len(payment_updates.updates) == 1


def test_fail_fails_the_payment_with_a_message(alpha, payment_updates):
    external_id = _waiting(alpha)
    store_client(alpha).post(_page(external_id), {"decision": "fail"})
    assert _status(alpha, external_id) == PaymentStatus.FAILED
    with schema_context(alpha.tenant.schema_name):
        result = gateway_get("dummy").retrieve(external_id=external_id)
    assert result.error_code == "authentication_failed" and result.error_message
    # the update carries the reason, so whoever applies it need not ask the gateway again
    update = payment_updates.updates[0][1]
    assert update.status == PaymentStatus.FAILED
    assert (update.error_code, update.error_message) == ("authentication_failed", result.error_message)


def test_the_post_needs_the_csrf_token(alpha, payment_updates):
    external_id = _waiting(alpha)
    client = Client(HTTP_HOST=alpha.host, enforce_csrf_checks=True)
    assert client.post(_page(external_id), {"decision": "approve"}).status_code == 403
    assert _status(alpha, external_id) == PaymentStatus.REQUIRES_ACTION
    # with the token from the page it works
    client.get(_page(external_id))
    token = client.cookies["csrftoken"].value
    response = client.post(_page(external_id), {"decision": "approve", "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert _status(alpha, external_id) == PaymentStatus.SUCCEEDED


def test_an_unknown_decision_is_refused(alpha, payment_updates):
    external_id = _waiting(alpha)
    assert store_client(alpha).post(_page(external_id), {"decision": "maybe"}).status_code == 400
    assert _status(alpha, external_id) == PaymentStatus.REQUIRES_ACTION


def test_another_stores_payment_is_not_found_on_this_domain(alpha, beta, payment_updates):
    external_id = _waiting(alpha)
    client = store_client(beta)
    assert client.get(_page(external_id)).status_code == 404
    assert client.post(_page(external_id), {"decision": "approve"}).status_code == 404
    assert _status(alpha, external_id) == PaymentStatus.REQUIRES_ACTION
    assert payment_updates.updates == []


def test_an_off_site_return_url_is_not_followed(alpha, payment_updates):
    external_id = _waiting(alpha, return_url="https://evil.example.com/phish")
    with schema_context(alpha.tenant.schema_name):
        # the authentication page itself stays on the store's domain (a bare path)
        assert gateway_get("dummy").retrieve(external_id=external_id).action_url == _page(external_id)
    response = store_client(alpha).post(_page(external_id), {"decision": "approve"})
    assert response.status_code == 302 and response["Location"] == "/"


def test_the_page_is_gone_when_the_platform_refuses_test_payments(alpha, settings):
    external_id = _waiting(alpha)
    settings.PAYMENTS_DUMMY_ENABLED = False
    assert store_client(alpha).get(_page(external_id)).status_code == 404
