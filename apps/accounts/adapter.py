"""allauth adapter: emailed links are built from the store's primary domain or PLATFORM_URL,
never from the request's Host header, and subjects name the store or the platform.

On a store, staff accounts linked to a platform user are entered only through the console's
hand-off: no reset email is ever sent for them (the reset page answers as it does for an unknown
address), and nobody can sign up under their email. Their password sign-in is refused by
`apps.accounts.backends.LinkedStaffPasswordGuard`, and their social sign-in (Google, Facebook) by
`SocialAccountAdapter`, whichever way it would reach them: a social account connected to them, the
provider's email matching theirs, or a signed-in member connecting a provider.

Social sign-in apps are per schema (each store's own, the platform's in public): a provider whose
app this schema does not have answers 404 instead of an error page. Their secrets are stored
encrypted (`apps.accounts.social_apps`): allauth gets every app through `list_apps`, which hands
it the plain secret, and an app whose secret this platform cannot decrypt counts as not there.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.models import EmailConfirmation
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialApp, SocialLogin
from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import connection
from django.http import Http404, HttpRequest
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from apps.accounts.backends import linked_staff_exists
from apps.accounts.social_apps import social_app_secret_read
from apps.core.tenancy import current_schema, in_store
from apps.tenants.links import canonical_base_url


def _rebase(url: str) -> str:
    base = urlsplit(canonical_base_url())
    parts = urlsplit(url)
    return urlunsplit((base.scheme, base.netloc, parts.path, parts.query, parts.fragment))


# Who sends a shopper's password-reset email on a store (apps.notifications registers its
# branded, translated one in its ready()); each answers True when it sent the email, so
# allauth's plain email goes only when none could. Accounts imports none of them.
PasswordResetSender = Callable[[str, dict[str, Any]], bool]
_store_password_reset_senders: list[PasswordResetSender] = []


def store_password_reset_sender_register(sender: PasswordResetSender) -> None:
    if sender not in _store_password_reset_senders:
        _store_password_reset_senders.append(sender)


def _store_password_reset_send(email: str, context: dict[str, Any]) -> bool:
    return any(sender(email, context) for sender in _store_password_reset_senders)


class AccountAdapter(DefaultAccountAdapter):
    def send_password_reset_mail(self, user: AbstractBaseUser, email: str, context: dict[str, Any]) -> None:
        if in_store() and getattr(user, "platform_user_uuid", None) is not None:
            # A team member's store account has no password to reset; the page still says
            # "check your inbox", exactly as for an address nobody uses.
            return
        if in_store() and _store_password_reset_send(email, context):
            return
        super().send_password_reset_mail(user, email, context)

    def validate_unique_email(self, email: str) -> str:
        if linked_staff_exists(email):
            raise ValidationError(
                _(
                    "This email address belongs to a member of this store's team. Team members "
                    "open the dashboard from the platform console and cannot create an account here."
                ),
                code="linked_staff_email",
            )
        return super().validate_unique_email(email)

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


class SocialAppNotConfigured(SocialApp.DoesNotExist, Http404):
    """This schema has no app for the provider: still the DoesNotExist allauth's own code
    catches, and a 404 page where nothing catches it (a store that never turned Google on)."""


def _social_login_reaches_linked_staff(request: HttpRequest, sociallogin: SocialLogin) -> bool:
    user = sociallogin.user
    # The account this login resolved to: through a connected social account, or by email.
    if user is not None and user.pk is not None and getattr(user, "platform_user_uuid", None) is not None:
        return True
    # A signed-in member connecting a provider to their account.
    current = getattr(request, "user", None)
    if (
        getattr(current, "is_authenticated", False)
        and getattr(current, "platform_user_uuid", None) is not None
    ):
        return True
    emails = {address.email for address in sociallogin.email_addresses}
    email = str(getattr(user, "email", "") or "")
    if email:
        emails.add(email)
    return any(linked_staff_exists(email) for email in emails if email)


def _decrypted_app_save(*args: Any, **kwargs: Any) -> None:
    raise RuntimeError("A social app holding its decrypted secret is never saved back.")


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def pre_social_login(self, request: HttpRequest, sociallogin: SocialLogin) -> None:
        if in_store() and _social_login_reaches_linked_staff(request, sociallogin):
            provider = getattr(sociallogin.provider, "name", "") or sociallogin.account.provider
            raise ImmediateHttpResponse(
                render(
                    request,
                    "socialaccount/linked_staff_refused.html",
                    {"provider_name": provider},
                    status=403,
                )
            )
        super().pre_social_login(request, sociallogin)

    def get_app(self, request: HttpRequest, provider: str, client_id: str | None = None) -> SocialApp:
        try:
            return super().get_app(request, provider, client_id=client_id)
        except SocialApp.DoesNotExist:
            raise SocialAppNotConfigured(f"no {provider} sign-in app in this schema") from None

    def list_apps(
        self, request: HttpRequest | None, provider: str | None = None, client_id: str | None = None
    ) -> list[SocialApp]:
        """allauth's apps (its buttons, `get_app`, the OAuth flow all come here), each holding
        its plain secret. These instances are this call's own, read from the database for it;
        saving one would write the plain secret back, so it refuses to."""
        apps = []
        for app in super().list_apps(request, provider=provider, client_id=client_id):
            secret = social_app_secret_read(app.secret, provider=app.provider)
            if secret is None:
                continue  # no button, and its sign-in answers 404 (SocialAppNotConfigured)
            app.secret = secret
            app.save = _decrypted_app_save  # type: ignore[method-assign]
            apps.append(app)
        return apps
