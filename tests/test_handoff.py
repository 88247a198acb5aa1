"""The console -> dashboard hand-off: works once, only for its store, only before it expires."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.accounts.models import User
from apps.platform.models import HandoffToken
from apps.platform.services import handoff_issue
from tests.fixtures import PASSWORD, store_client

pytestmark = pytest.mark.django_db


def _logged_in(client, world):
    assert client.login(email=world.owner.email, password=PASSWORD)
    return client


def test_open_dashboard_from_the_console_logs_in_the_linked_staff_user(alpha, platform_client):
    # given the merchant signed in on the platform
    _logged_in(platform_client, alpha)
    # when they press "Open dashboard"
    response = platform_client.post(f"/console/stores/{alpha.tenant.uuid}/open/")
    # then they are sent to the store's own host with a one-time token
    assert response.status_code == 302
    location = response["Location"]
    assert location.startswith(f"http://{alpha.host}/dashboard/handoff/?token=")
    store = store_client(alpha)
    landed = store.get(location.split(alpha.host, 1)[1])
    assert landed.status_code == 302 and landed["Location"] == "/dashboard/"
    home = store.get("/dashboard/")
    assert home.status_code == 200
    assert alpha.tenant.name in home.content.decode()
    # and the store user is the merchant's staff account, linked to their platform user
    with schema_context(alpha.tenant.schema_name):
        staff = User.objects.get(platform_user_uuid=alpha.owner.uuid)
        assert staff.is_staff and staff.store_role == "owner"
        assert not staff.has_usable_password()


def test_a_handoff_token_works_only_once(alpha):
    token = handoff_issue(user=alpha.owner, tenant=alpha.tenant)
    first = store_client(alpha).get("/dashboard/handoff/", {"token": token})
    second = store_client(alpha).get("/dashboard/handoff/", {"token": token})
    assert first.status_code == 302
    assert second.status_code == 400
    assert "already used" in second.content.decode()
    assert not second.wsgi_request.user.is_authenticated


def test_a_handoff_token_works_only_for_its_store(alpha, beta):
    token = handoff_issue(user=alpha.owner, tenant=alpha.tenant)
    on_b = store_client(beta).get("/dashboard/handoff/", {"token": token})
    assert on_b.status_code == 400
    assert "another store" in on_b.content.decode()
    with schema_context(beta.tenant.schema_name):
        assert not User.objects.filter(platform_user_uuid=alpha.owner.uuid).exists()
    # and it was not spent by the failed attempt
    assert store_client(alpha).get("/dashboard/handoff/", {"token": token}).status_code == 302


def test_a_handoff_token_is_refused_after_it_expires(alpha):
    token = handoff_issue(user=alpha.owner, tenant=alpha.tenant)
    HandoffToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = store_client(alpha).get("/dashboard/handoff/", {"token": token})
    assert response.status_code == 400
    assert not response.wsgi_request.user.is_authenticated


def test_a_handoff_signature_older_than_the_ttl_is_refused(alpha, settings):
    token = handoff_issue(user=alpha.owner, tenant=alpha.tenant)
    settings.HANDOFF_TOKEN_TTL_SECONDS = -1  # the signature's own age check, independent of the row
    response = store_client(alpha).get("/dashboard/handoff/", {"token": token})
    assert response.status_code == 400
    assert "expired" in response.content.decode()


@pytest.mark.parametrize("token", ["", "garbage", "eyJ0IjoiMSJ9:forged:signature"])
def test_a_forged_handoff_token_is_refused(alpha, token):
    response = store_client(alpha).get("/dashboard/handoff/", {"token": token})
    assert response.status_code == 400
    assert not response.wsgi_request.user.is_authenticated


def test_only_members_of_the_merchant_may_open_a_store(alpha, beta, platform_client):
    _logged_in(platform_client, beta)
    response = platform_client.post(f"/console/stores/{alpha.tenant.uuid}/open/")
    assert response.status_code == 404
    assert not HandoffToken.objects.filter(tenant=alpha.tenant).exists()


def test_the_dashboard_is_staff_only(alpha):
    from tests.fixtures import make_store_user

    shopper = make_store_user(alpha, "shopper-d@example.com")
    client = store_client(alpha)
    assert client.get("/dashboard/").status_code == 302  # anonymous -> login
    with schema_context(alpha.tenant.schema_name):
        client.force_login(shopper)
    assert client.get("/dashboard/").status_code == 403


def test_expired_handoffs_are_purged(alpha):
    from apps.platform.tasks import handoff_tokens_purge

    handoff_issue(user=alpha.owner, tenant=alpha.tenant)
    fresh = handoff_issue(user=alpha.owner, tenant=alpha.tenant)
    assert fresh
    oldest = HandoffToken.objects.order_by("created_at").first()
    assert oldest is not None
    HandoffToken.objects.filter(pk=oldest.pk).update(expires_at=timezone.now() - timedelta(hours=2))
    assert handoff_tokens_purge.delay().get() == 1
    assert HandoffToken.objects.count() == 1


def test_a_handoff_gives_the_members_role_at_redeem_time_not_at_issue_time(alpha):
    from apps.platform.models import Membership
    from apps.platform.tests.factories import make_member

    # given a hand-off issued while the member was an admin
    member = make_member(alpha.merchant, "demoted-in-flight@example.com", role="admin")
    token = handoff_issue(user=member.user, tenant=alpha.tenant)
    # when their role drops to finance before they open it
    Membership.objects.filter(pk=member.pk).update(role="finance")
    response = store_client(alpha).get("/dashboard/handoff/", {"token": token})
    # then they land with finance's role
    assert response.status_code == 302
    with schema_context(alpha.tenant.schema_name):
        assert User.objects.get(platform_user_uuid=member.user.uuid).store_role == "finance"


def test_a_handoff_is_refused_to_someone_no_longer_on_the_team(alpha):
    from apps.core.tenancy import tenant_connection
    from apps.platform.models import Membership
    from apps.platform.team import team_member_remove
    from apps.platform.tests.factories import make_member

    # a membership row deleted behind the console's back: only the hand-off's own check stops it
    member = make_member(alpha.merchant, "removed-in-flight@example.com", role="staff")
    token = handoff_issue(user=member.user, tenant=alpha.tenant)
    Membership.objects.filter(pk=member.pk).delete()
    response = store_client(alpha).get("/dashboard/handoff/", {"token": token})
    assert response.status_code == 400
    assert "no longer a member" in response.content.decode()
    assert not response.wsgi_request.user.is_authenticated
    # and a removal through the team service deletes the member's unused hand-offs too
    tenant_connection().set_schema_to_public()
    again = make_member(alpha.merchant, "removed-properly@example.com", role="staff")
    pending = handoff_issue(user=again.user, tenant=alpha.tenant)
    team_member_remove(membership=again, actor=alpha.owner, ip_address=None)
    assert not HandoffToken.objects.filter(user=again.user).exists()
    assert store_client(alpha).get("/dashboard/handoff/", {"token": pending}).status_code == 400
