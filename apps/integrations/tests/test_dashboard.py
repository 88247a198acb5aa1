"""The webhook pages: who may read and change what, the forms and their errors, the secret
(masked, revealed, rotated), the delivery log with its filters, a delivery's page, resend."""

from __future__ import annotations

import pytest
from django_tenants.utils import tenant_context

from apps.integrations.enums import DeliveryStatus
from apps.integrations.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint, WebhookSecret
from apps.integrations.tests.factories import current_secret, make_delivery, make_endpoint

pytestmark = pytest.mark.django_db

BASE = "/dashboard/webhooks/"
VALID = {"url": "https://hooks.example.com/in", "description": "ERP", "event_types": ["order.paid"]}


@pytest.fixture
def endpoint(alpha):
    with tenant_context(alpha.tenant):
        return make_endpoint(description="Warehouse")


@pytest.fixture
def delivery(alpha, endpoint):
    with tenant_context(alpha.tenant):
        found = make_delivery(endpoint, status=DeliveryStatus.DEAD, attempts=10)
        WebhookAttempt.objects.create(
            delivery=found,
            outcome="failed",
            attempted_at=found.created_at,
            url=endpoint.url,
            status_code=500,
            error_code="http_status",
            error="The endpoint answered with HTTP 500.",
            request_headers={"webhook-id": found.message_id},
            request_excerpt=found.body,
            response_headers={"content-type": "text/plain"},
            response_excerpt="upstream exploded",
        )
        return found


def _pages(endpoint, delivery):
    e, d = endpoint.uuid, delivery.uuid
    read = [BASE, f"{BASE}{e}/", f"{BASE}deliveries/", f"{BASE}deliveries/{d}/"]
    manage_get = [f"{BASE}new/", f"{BASE}{e}/edit/", f"{BASE}{e}/rotate/", f"{BASE}{e}/delete/"]
    return read, manage_get


@pytest.mark.parametrize(
    ("role", "read", "manage"),
    [("owner", 200, 200), ("admin", 200, 200), ("finance", 200, 403), ("staff", 403, 403)],
)
def test_roles(alpha, role_client, endpoint, delivery, role, read, manage):
    client = role_client(role)
    reads, manage_gets = _pages(endpoint, delivery)
    for path in reads:
        assert client.get(path).status_code == read, path
    for path in manage_gets:
        assert client.get(path).status_code == manage, path
    posts = [
        (f"{BASE}new/", VALID),
        (f"{BASE}{endpoint.uuid}/rotate/", {}),
        (f"{BASE}{endpoint.uuid}/disable/", {}),
        (f"{BASE}{endpoint.uuid}/enable/", {}),
        (f"{BASE}deliveries/{delivery.uuid}/resend/", {}),
    ]
    for path, data in posts:
        assert client.post(path, data).status_code == (302 if manage == 200 else 403), path
    with tenant_context(alpha.tenant):
        assert WebhookEndpoint.objects.count() == (2 if manage == 200 else 1)
        assert WebhookSecret.objects.filter(endpoint=endpoint).count() == (2 if manage == 200 else 1)


def test_signed_out_visitors_go_to_sign_in(alpha):
    from tests.fixtures import store_client

    response = store_client(alpha).get(BASE)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_empty_list_invites_to_add_one(role_client):
    html = role_client("owner").get(BASE).content.decode()
    assert "No webhook endpoints yet" in html and f'href="{BASE}new/"' in html
    finance = role_client("finance").get(BASE).content.decode()
    assert "No webhook endpoints yet" in finance and f'href="{BASE}new/"' not in finance


def test_the_list_and_the_nav(role_client, endpoint):
    html = role_client("finance").get(BASE).content.decode()
    assert endpoint.url in html and "Warehouse" in html and "All events" in html
    assert f'href="{BASE}"' in html  # the menu entry


def test_create_with_event_checkboxes(alpha, role_client):
    client = role_client("owner")
    form = client.get(f"{BASE}new/").content.decode()
    assert 'type="checkbox" name="event_types" value="order.paid"' in form
    response = client.post(f"{BASE}new/", {**VALID, "event_types": ["order.paid", "product.created"]})
    assert response.status_code == 302
    with tenant_context(alpha.tenant):
        endpoint = WebhookEndpoint.objects.get()
        assert endpoint.url == VALID["url"] and endpoint.description == "ERP"
        assert endpoint.event_types == ["order.paid", "product.created"]
        assert current_secret(endpoint).startswith("whsec_")
    assert response["Location"] == f"{BASE}{endpoint.uuid}/"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"url": ""}, "This field is required."),
        ({"url": "http://169.254.169.254/latest/meta-data/"}, "private or local address"),
        ({"url": "https://internal.example.com/hook"}, "points to a private or local address"),
        ({"url": "ftp://hooks.example.com/"}, "starting with https://"),
        ({"url": "https://no-such-host.example.com/"}, "could not be found"),
        ({**VALID, "event_types": ["order.exploded"]}, "Select a valid choice"),
        ({**VALID, "description": "x" * 300}, "at most 200 characters"),
    ],
)
def test_create_shows_what_is_wrong(alpha, role_client, settings, data, message):
    settings.OUTBOUND_HTTP_ALLOWED_PRIVATE_HOSTS = []
    response = role_client("owner").post(f"{BASE}new/", data)
    assert response.status_code == 200
    assert message in response.content.decode()
    with tenant_context(alpha.tenant):
        assert not WebhookEndpoint.objects.exists()


def _fresh(alpha, obj):
    with tenant_context(alpha.tenant):
        obj.refresh_from_db()
    return obj


def test_edit(alpha, role_client, endpoint):
    client = role_client("admin")
    page = client.get(f"{BASE}{endpoint.uuid}/edit/").content.decode()
    assert endpoint.url in page
    response = client.post(
        f"{BASE}{endpoint.uuid}/edit/",
        {"url": "https://other.example.com/v2", "description": "", "event_types": ["inventory.low"]},
    )
    assert response.status_code == 302
    _fresh(alpha, endpoint)
    assert endpoint.url == "https://other.example.com/v2" and endpoint.event_types == ["inventory.low"]
    bad = client.post(f"{BASE}{endpoint.uuid}/edit/", {"url": "https://10.1.1.1/"})
    assert bad.status_code == 200 and "private or local" in bad.content.decode()


def test_delete_asks_first(alpha, role_client, endpoint, delivery):
    client = role_client("owner")
    page = client.get(f"{BASE}{endpoint.uuid}/delete/").content.decode()
    assert "This cannot be undone." in page and endpoint.url in page
    with tenant_context(alpha.tenant):
        assert WebhookEndpoint.objects.exists()
    assert client.post(f"{BASE}{endpoint.uuid}/delete/").status_code == 302
    with tenant_context(alpha.tenant):
        assert not WebhookEndpoint.objects.exists() and not WebhookDelivery.objects.exists()


def test_the_secret_is_masked_and_revealed_only_to_managers(alpha, role_client, endpoint):
    with tenant_context(alpha.tenant):
        secret = current_secret(endpoint)
    owner = role_client("owner").get(f"{BASE}{endpoint.uuid}/").content.decode()
    assert "whsec_••••••••" + secret[-4:] in owner
    assert "<details><summary>Reveal secret</summary>" in owner and secret in owner
    finance = role_client("finance").get(f"{BASE}{endpoint.uuid}/").content.decode()
    assert "whsec_••••••••" + secret[-4:] in finance and secret not in finance
    assert "Rotate secret" not in finance


def test_rotate_asks_first_then_keeps_the_old_secret_for_a_day(alpha, role_client, endpoint):
    client = role_client("owner")
    page = client.get(f"{BASE}{endpoint.uuid}/rotate/").content.decode()
    assert "24 hours" in page
    with tenant_context(alpha.tenant):
        assert WebhookSecret.objects.filter(endpoint=endpoint).count() == 1
    assert client.post(f"{BASE}{endpoint.uuid}/rotate/").status_code == 302
    detail = client.get(f"{BASE}{endpoint.uuid}/").content.decode()
    assert "The previous secret" in detail
    with tenant_context(alpha.tenant):
        assert WebhookSecret.objects.filter(endpoint=endpoint, expires_at__isnull=False).count() == 1


def test_disable_and_enable(alpha, role_client, endpoint):
    client = role_client("owner")
    client.post(f"{BASE}{endpoint.uuid}/disable/")
    _fresh(alpha, endpoint)
    assert not endpoint.is_active and endpoint.disabled_reason == "manual"
    assert "Enable again" in client.get(f"{BASE}{endpoint.uuid}/").content.decode()
    client.post(f"{BASE}{endpoint.uuid}/enable/")
    _fresh(alpha, endpoint)
    assert endpoint.is_active


def test_the_delivery_log_filters_and_pages(alpha, role_client, endpoint):
    with tenant_context(alpha.tenant):
        for _ in range(27):
            make_delivery(endpoint, event_type="order.paid", status=DeliveryStatus.SUCCEEDED)
        make_delivery(endpoint, event_type="product.created", status=DeliveryStatus.DEAD)
    client = role_client("finance")
    first = client.get(f"{BASE}deliveries/").content.decode()
    assert "Page 1 of 2" in first
    assert "Page 2 of 2" in client.get(f"{BASE}deliveries/?page=2").content.decode()
    dead = client.get(f"{BASE}deliveries/?status=dead").content.decode()
    assert dead.count("<code>product.created</code>") == 1 and "<code>order.paid</code>" not in dead
    paid = client.get(f"{BASE}deliveries/?event=order.paid").content.decode()
    assert "product.created</code>" not in paid and "Page 1 of 2" in paid
    none = client.get(f"{BASE}deliveries/?status=pending").content.decode()
    assert "No delivery matches these filters." in none
    bad = client.get(f"{BASE}deliveries/?status=exploded&endpoint=not-a-uuid")
    assert bad.status_code == 200
    scoped = client.get(f"{BASE}deliveries/?endpoint={endpoint.uuid}").content.decode()
    assert f"Deliveries to {endpoint.url}" in scoped


def test_the_empty_delivery_log(role_client):
    assert "No deliveries yet." in role_client("owner").get(f"{BASE}deliveries/").content.decode()


def test_a_delivery_page_shows_the_exchange(role_client, delivery):
    html = role_client("finance").get(f"{BASE}deliveries/{delivery.uuid}/").content.decode()
    assert delivery.message_id in html
    assert "HTTP 500" in html and "upstream exploded" in html and "webhook-id" in html
    assert "Resend now" not in html
    owner = role_client("owner").get(f"{BASE}deliveries/{delivery.uuid}/").content.decode()
    assert "Resend now" in owner


def test_resend_from_the_page(
    alpha, role_client, receiver, endpoint, delivery, django_capture_on_commit_callbacks
):
    with tenant_context(alpha.tenant):
        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(url=receiver.url("/hook"))
    client = role_client("owner")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{BASE}deliveries/{delivery.uuid}/resend/")
    assert response.status_code == 302
    [hit] = receiver.requests
    assert hit.headers["webhook-id"] == delivery.message_id
    _fresh(alpha, delivery)
    assert delivery.status == DeliveryStatus.SUCCEEDED
    # on a disabled endpoint the page says why instead
    with tenant_context(alpha.tenant):
        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(is_active=False, disabled_reason="gone")
    followed = client.post(f"{BASE}deliveries/{delivery.uuid}/resend/", follow=True).content.decode()
    assert "enable it before sending" in followed


def test_unknown_ids_are_404(role_client):
    client = role_client("owner")
    missing = "00000000-0000-0000-0000-000000000000"
    for path in (f"{BASE}{missing}/", f"{BASE}{missing}/edit/", f"{BASE}deliveries/{missing}/"):
        assert client.get(path).status_code == 404
    assert client.post(f"{BASE}deliveries/{missing}/resend/").status_code == 404
