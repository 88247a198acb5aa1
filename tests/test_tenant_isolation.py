"""Nothing of one store reaches another: users, sessions, cache, media, events, hosts."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django_tenants.utils import schema_context

from apps.core.models import EventRecord
from apps.tenants.services import store_reactivate, store_suspend
from tests.fixtures import PASSWORD, make_store_user, store_client

pytestmark = pytest.mark.django_db


def _login(client, email):
    return client.post("/accounts/login/", {"login": email, "password": PASSWORD})


def test_store_a_user_cannot_log_in_on_store_b(alpha, beta):
    # given a shopper of store A
    make_store_user(alpha, "ann@example.com")
    # when they try their credentials on store B
    response = _login(store_client(beta), "ann@example.com")
    # then B refuses them and keeps them anonymous
    assert response.status_code == 200
    assert "_auth_user_id" not in response.wsgi_request.session
    assert response.context["form"].errors
    # and the same credentials do work on A
    ok = _login(store_client(alpha), "ann@example.com")
    assert ok.status_code == 302
    assert ok.wsgi_request.user.is_authenticated


def test_session_cookie_of_store_a_is_anonymous_on_store_b_and_platform(alpha, beta, platform_client):
    # given a staff user logged in on store A
    make_store_user(alpha, "staff-a@example.com", staff=True)
    client_a = store_client(alpha)
    response = _login(client_a, "staff-a@example.com")
    cookie = response.cookies["sessionid"]
    # then the cookie is host-only
    assert cookie["domain"] == ""
    assert client_a.get("/dashboard/").status_code == 200

    # when the same session cookie is presented to store B and to the platform
    client_b = store_client(beta)
    client_b.cookies["sessionid"] = cookie.value
    platform_client.cookies["sessionid"] = cookie.value
    on_b = client_b.get("/dashboard/")
    on_platform = platform_client.get("/console/")

    # then both see an anonymous visitor
    assert on_b.status_code == 302 and "/accounts/login/" in on_b["Location"]
    assert not on_b.wsgi_request.user.is_authenticated
    assert on_platform.status_code == 302 and "/accounts/login/" in on_platform["Location"]
    assert not on_platform.wsgi_request.user.is_authenticated


def test_cache_entries_written_in_a_are_invisible_in_b(alpha, beta):
    with schema_context(alpha.tenant.schema_name):
        cache.set("greeting", "hello from A", 60)
        assert cache.get("greeting") == "hello from A"
    with schema_context(beta.tenant.schema_name):
        assert cache.get("greeting") is None
        cache.set("greeting", "hello from B", 60)
    with schema_context(alpha.tenant.schema_name):
        assert cache.get("greeting") == "hello from A"
    assert cache.get("greeting") is None  # nor in the platform's namespace


def test_media_saved_in_a_lives_under_its_prefix_and_is_not_served_on_b(alpha, beta):
    with schema_context(alpha.tenant.schema_name):
        name = default_storage.save("docs/secret.txt", ContentFile(b"A only"))
        url = default_storage.url(name)
        path = default_storage.path(name)
    try:
        assert url.startswith(f"/media/{alpha.tenant.schema_name}/")
        assert f"/{alpha.tenant.schema_name}/" in path
        with schema_context(beta.tenant.schema_name):
            assert not default_storage.exists(name)
        # served on A's host, a 404 on B's host for the very same URL
        assert store_client(alpha).get(url).status_code == 200
        assert store_client(beta).get(url).status_code == 404
    finally:
        with schema_context(alpha.tenant.schema_name):
            default_storage.delete(name)


def test_events_emitted_in_a_stay_in_a(alpha, beta, django_capture_on_commit_callbacks):
    from apps.core.events import event_emit

    with schema_context(alpha.tenant.schema_name):
        with django_capture_on_commit_callbacks(execute=True):
            event_id = event_emit(name="test.isolation", payload={"secret": "A"})
        assert EventRecord.objects.filter(id=event_id).exists()
    with schema_context(beta.tenant.schema_name):
        assert not EventRecord.objects.filter(id=event_id).exists()
        assert not EventRecord.objects.filter(name="test.isolation").exists()


def test_unknown_host_gets_a_friendly_404(client):
    response = client.get("/", HTTP_HOST="nowhere.example.org")
    assert response.status_code == 404
    assert b"There is no store at this address" in response.content


@pytest.mark.parametrize("host", ["bad host", "evil.com:xyz", "a" * 300, "[::1", "platform.test@evil.com"])
def test_a_malformed_host_header_is_a_404_not_a_500(client, host):
    response = client.get("/", HTTP_HOST=host)
    assert response.status_code == 404


def test_a_suspended_store_serves_no_data(alpha):
    make_store_user(alpha, "shopper-s@example.com")
    client = store_client(alpha)
    assert client.get("/").status_code == 200

    store_suspend(tenant=alpha.tenant, actor=None, reason="chargebacks")

    for path in ["/", "/dashboard/", "/accounts/login/", "/media/store_alpha/x.txt", "/nope/"]:
        response = client.get(path)
        assert response.status_code == 503, path
        assert b"This store is unavailable" in response.content
        assert alpha.tenant.name.encode() not in response.content
    login = client.post("/accounts/login/", {"login": "shopper-s@example.com", "password": PASSWORD})
    assert login.status_code == 503
    # API clients get the API's error envelope, with no store data either
    for path in ["/api/v1/products", "/api/v1/storefront/products"]:
        api = client.get(path, HTTP_AUTHORIZATION="Bearer sk_0123456789ab_x")
        assert api.status_code == 503 and api["Retry-After"] == "120"
        assert api.json() == {
            "data": None,
            "error": {
                "code": "store_unavailable",
                "message": "This store is not available right now.",
                "params": {"status": "suspended"},
            },
        }

    store_reactivate(tenant=alpha.tenant, actor=None)
    assert client.get("/").status_code == 200


def test_password_reset_link_never_takes_its_host_from_the_request(alpha, mailoutbox):
    make_store_user(alpha, "reset-me@example.com")
    client = store_client(alpha)
    # a forged forwarding header does not change the link
    response = client.post(
        "/accounts/password/reset/",
        {"email": "reset-me@example.com"},
        HTTP_X_FORWARDED_HOST="evil.example.com",
    )
    assert response.status_code == 302
    assert len(mailoutbox) == 1
    body = mailoutbox[0].body
    assert "evil.example.com" not in body
    assert f"http://{alpha.host}/accounts/password/reset/key/" in body
    assert mailoutbox[0].subject.startswith(f"[{alpha.tenant.name}]")

    # a Host that is not ours never reaches the form at all
    forged = client.post(
        "/accounts/password/reset/", {"email": "reset-me@example.com"}, HTTP_HOST="evil.example.com"
    )
    assert forged.status_code == 404
    assert len(mailoutbox) == 1


def test_password_reset_link_on_an_alias_domain_points_at_the_primary_domain(alpha, mailoutbox):
    from apps.tenants.tests.factories import custom_domain

    custom_domain(alpha.tenant, "alias-alpha.example.com")  # added and verified: it routes
    make_store_user(alpha, "alias@example.com")
    response = store_client(alpha).post(
        "/accounts/password/reset/", {"email": "alias@example.com"}, HTTP_HOST="alias-alpha.example.com"
    )
    assert response.status_code == 302
    assert f"http://{alpha.host}/accounts/password/reset/key/" in mailoutbox[0].body


def test_deleting_a_store_user_never_touches_platform_rows_with_the_same_id(alpha):
    from apps.accounts.models import User
    from apps.platform.models import Membership

    # given a shopper in store A whose id equals a platform user's id that has a membership
    with schema_context(alpha.tenant.schema_name):
        shopper = make_store_user(alpha, "same-id@example.com")
    platform_user = User.objects.filter(pk=shopper.pk).first()
    if platform_user is None:
        platform_user = User.objects.create_user("platform-same-id@example.com", PASSWORD)
        User.objects.filter(pk=platform_user.pk).update(id=shopper.pk)
        platform_user = User.objects.get(pk=shopper.pk)
    Membership.objects.get_or_create(merchant=alpha.merchant, user=platform_user, defaults={"role": "staff"})
    before = Membership.objects.filter(user_id=shopper.pk).count()

    # when the store deletes its shopper
    with schema_context(alpha.tenant.schema_name):
        User.objects.filter(pk=shopper.pk).delete()
        assert not User.objects.filter(pk=shopper.pk).exists()

    # then the platform user's memberships are untouched
    assert Membership.objects.filter(user_id=shopper.pk).count() == before >= 1
    assert User.objects.filter(pk=shopper.pk).exists()


def test_deleting_a_platform_user_does_not_reach_into_store_only_tables(alpha):
    from apps.accounts.models import User

    user = User.objects.create_user("leaver@example.com", PASSWORD)
    user.delete()  # would fail on store-only tables (imports, stock movements) if followed
    assert not User.objects.filter(email="leaver@example.com").exists()
