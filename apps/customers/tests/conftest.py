from __future__ import annotations

from collections.abc import Iterator

import pytest
from allauth.socialaccount.providers.google.views import GoogleOAuth2Adapter
from django_tenants.utils import tenant_context

from apps.customers.tests.fake_oauth import SHOPPER_EMAIL, FakeGoogle, Identity
from tests.fixtures import StoreWorld


@pytest.fixture
def in_alpha(alpha: StoreWorld) -> Iterator[StoreWorld]:
    """The test body runs in store alpha (rolled back like any `db` test)."""
    with tenant_context(alpha.tenant):
        yield alpha


@pytest.fixture
def fake_google(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeGoogle]:
    """A local fake of Google's OAuth/OIDC endpoints (apps.customers.tests.fake_oauth) that
    allauth's Google provider talks to, answering for `SHOPPER_EMAIL`."""
    fake = FakeGoogle(identity=Identity(sub="google-sub-1001", email=SHOPPER_EMAIL)).start()
    # allauth's Google provider reads its endpoints from these adapter attributes.
    monkeypatch.setattr(GoogleOAuth2Adapter, "authorize_url", fake.authorize_url)
    monkeypatch.setattr(GoogleOAuth2Adapter, "access_token_url", fake.token_url)
    monkeypatch.setattr(GoogleOAuth2Adapter, "identity_url", fake.userinfo_url)
    yield fake
    fake.stop()
