"""The store's social sign-in apps (or the platform's, in the public schema). Their secrets are
stored encrypted (apps.accounts.social_apps)."""

from __future__ import annotations

from typing import Any

from allauth.socialaccount.models import SocialApp
from django.db import transaction
from django.utils.translation import gettext as _

from apps.accounts.social_apps import social_app_secret_encrypt, social_app_secret_read
from apps.core.events import event_emit
from apps.core.tenancy import in_store
from apps.customers.errors import CustomerError, CustomerErrorCode, CustomerInputInvalid
from apps.customers.services.common import field_error
from apps.customers.social_providers import SECRET_MAX_LENGTH, SECRET_PATTERN, SOCIAL_PROVIDERS

SOCIAL_SIGNIN_UPDATED = "store.social_signin_updated"


def _provider_spec(provider: str) -> Any:
    spec = SOCIAL_PROVIDERS.get(provider)
    if spec is None:
        raise CustomerError(
            _("“%(provider)s” is not a sign-in provider this store can use.")
            % {"provider": str(provider)[:30]},
            code=CustomerErrorCode.PROVIDER_UNKNOWN,
            params={"provider": str(provider)[:30]},
        )
    return spec


def _social_event(*, provider: str, configured: bool, actor: Any | None) -> None:
    if not in_store():
        return  # the platform's own apps are edited in the admin, which keeps its own log
    payload: dict[str, Any] = {"provider": provider, "configured": configured}
    if actor is not None and getattr(actor, "pk", None) is not None:
        payload["actor_id"] = actor.pk
    event_emit(name=SOCIAL_SIGNIN_UPDATED, payload=payload)


@transaction.atomic
def social_app_save(
    *, provider: str, client_id: str, secret: str = "", actor: Any | None = None
) -> SocialApp:
    """Turn on (or change) sign-in with `provider` for the current schema's shoppers.

    An empty `secret` keeps the stored one, so a form never needs to show it back; a provider
    that has none yet, or one this platform cannot decrypt (an archive from another platform),
    needs one. Raises `CustomerInputInvalid` naming every problem.
    """
    spec = _provider_spec(provider)
    app = SocialApp.objects.select_for_update().filter(provider=provider).order_by("pk").first()
    client_id = (client_id or "").strip()
    secret = (secret or "").strip()
    errors: list[CustomerError] = []
    if not client_id:
        errors.append(
            field_error(
                "client_id",
                CustomerErrorCode.REQUIRED,
                _("%(field)s is required.") % {"field": spec.client_id_label},
            )
        )
    elif not spec.client_id_pattern.match(client_id):
        errors.append(
            field_error(
                "client_id",
                CustomerErrorCode.CLIENT_ID_INVALID,
                _("This is not a %(provider)s %(field)s. %(hint)s")
                % {"provider": spec.label, "field": spec.client_id_label, "hint": spec.client_id_hint},
            )
        )
    if not secret and (app is None or not social_app_secret_read(app.secret, provider=provider)):
        errors.append(
            field_error(
                "secret",
                CustomerErrorCode.REQUIRED,
                _("%(field)s is required.") % {"field": spec.secret_label},
            )
        )
    elif secret and (len(secret) > SECRET_MAX_LENGTH or not SECRET_PATTERN.match(secret)):
        errors.append(
            field_error(
                "secret",
                CustomerErrorCode.SECRET_INVALID,
                _("This is not a %(field)s: it has no spaces and at most %(max)d characters.")
                % {"field": spec.secret_label, "max": SECRET_MAX_LENGTH},
                max=SECRET_MAX_LENGTH,
            )
        )
    if errors:
        raise CustomerInputInvalid(errors)
    if app is None:
        app = SocialApp(provider=provider, name=spec.label)
    app.client_id = client_id
    if secret:
        app.secret = social_app_secret_encrypt(secret)
    app.save()
    # One app per provider: allauth refuses to choose between two visible ones.
    SocialApp.objects.filter(provider=provider).exclude(pk=app.pk).delete()
    _social_event(provider=provider, configured=True, actor=actor)
    return app


@transaction.atomic
def social_app_remove(*, provider: str, actor: Any | None = None) -> bool:
    """Turn sign-in with `provider` off: its button disappears and its callback answers 404.
    Shoppers who signed up with it keep their accounts (and can reset a password)."""
    _provider_spec(provider)
    deleted, _rows = SocialApp.objects.filter(provider=provider).delete()
    if deleted:
        _social_event(provider=provider, configured=False, actor=actor)
    return deleted > 0
