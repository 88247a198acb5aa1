"""allauth adapter: emailed links are built from the store's primary domain or PLATFORM_URL,
never from the request's Host header, and subjects name the store or the platform."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.models import EmailConfirmation
from django.conf import settings
from django.db import connection
from django.http import HttpRequest

from apps.core.tenancy import current_schema
from apps.tenants.links import canonical_base_url


def _rebase(url: str) -> str:
    base = urlsplit(canonical_base_url())
    parts = urlsplit(url)
    return urlunsplit((base.scheme, base.netloc, parts.path, parts.query, parts.fragment))


class AccountAdapter(DefaultAccountAdapter):
    def get_reset_password_from_key_url(self, key: str) -> str:
        return _rebase(super().get_reset_password_from_key_url(key))

    def get_email_confirmation_url(self, request: HttpRequest, emailconfirmation: EmailConfirmation) -> str:
        return _rebase(super().get_email_confirmation_url(request, emailconfirmation))

    def format_email_subject(self, subject: str) -> str:
        tenant = getattr(connection, "tenant", None)
        name = settings.PLATFORM_NAME
        if tenant is not None and current_schema() != "public":
            name = getattr(tenant, "name", "") or name
        return f"[{name}] {subject}"

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return True

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        if current_schema() == "public":
            return "/console/"
        return "/"

    def get_signup_redirect_url(self, request: HttpRequest) -> str:
        return self.get_login_redirect_url(request)
