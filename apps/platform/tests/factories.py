"""Test data for the platform's team: platform users, members made through the team services'
own store sync, and dashboards opened through the real hand-off."""

from __future__ import annotations

from allauth.account.models import EmailAddress
from django.conf import settings
from django.test import Client

from apps.accounts.models import User
from apps.core.tenancy import tenant_connection
from apps.platform.models import Membership, Merchant
from apps.platform.services import handoff_issue
from apps.platform.team import member_store_accounts_sync
from apps.tenants.models import Tenant
from tests.fixtures import PASSWORD


def make_platform_user(email: str, *, password: str = PASSWORD, verified: bool = True) -> User:
    user = User.objects.create_user(email, password)
    EmailAddress.objects.create(user=user, email=email, verified=verified, primary=True)
    return user


def make_member(merchant: Merchant, email: str, *, role: str = Membership.Role.STAFF) -> Membership:
    """A platform user in `merchant`'s team with a linked staff account in each of its stores."""
    user = User.objects.filter(email=email).first() or make_platform_user(email)
    membership = Membership.objects.create(merchant=merchant, user=user, role=role)
    member_store_accounts_sync(membership=membership)
    return membership


def store_host(tenant: Tenant) -> str:
    return f"{tenant.slug}.{settings.PLATFORM_DOMAIN}"


def open_dashboard(tenant: Tenant, user: User) -> Client:
    """A client on the store's host, signed in the way members are: through the hand-off."""
    client = Client(HTTP_HOST=store_host(tenant))
    response = client.get("/dashboard/handoff/", {"token": handoff_issue(user=user, tenant=tenant)})
    assert response.status_code == 302, response.content
    assert client.get("/dashboard/").status_code == 200
    tenant_connection().set_schema_to_public()  # a store request leaves the connection on its schema
    return client


def console_client(user: User, *, remote_addr: str = "203.0.113.7") -> Client:
    # A request to a store leaves the connection on that store's schema; sign in on the platform's.
    tenant_connection().set_schema_to_public()
    client = Client(HTTP_HOST=settings.PLATFORM_DOMAIN, REMOTE_ADDR=remote_addr)
    assert client.login(email=user.email, password=PASSWORD)
    return client
