"""Stripe Connect for one store: the Express account, its onboarding link, and the account state
Stripe reports (from a refresh after onboarding, or from `account.updated` webhooks).

- `stripe_connect_start` creates the store's Express account once (a stored id is reused; the
  create call's idempotency key is derived from the store, so a retry after a lost answer gets
  the same account), records the account -> store route in the public lookup table, and returns
  a fresh AccountLink URL for the merchant's browser.
- `stripe_account_refresh` reads the account from Stripe and applies it.
- `stripe_account_status_apply` is the one place the Stripe fields of `PaymentSettings` change:
  an account state older than the one applied (`occurred_at`) is ignored, so webhooks delivered
  out of order leave the newest state in place.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import stripe
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.core.tenancy import require_store
from apps.payments.enums import StripeOnboardingStatus
from apps.payments.errors import GatewayUnavailable
from apps.payments.models import PAYMENT_SETTINGS_PK, PaymentSettings
from apps.payments.platform.routes import connected_account_route_record
from apps.payments.selectors import payment_settings_get
from apps.payments.stripe_client import provider_error, stripe_client
from apps.tenants.models import Tenant

logger = logging.getLogger(__name__)


def onboarding_status(account: Mapping[str, Any]) -> StripeOnboardingStatus:
    """How far the account got: details not yet submitted -> PENDING; submitted but Stripe does
    not let it charge (review, missing verification) -> RESTRICTED; charging -> COMPLETE."""
    if account.get("charges_enabled") and account.get("details_submitted"):
        return StripeOnboardingStatus.COMPLETE
    if account.get("details_submitted"):
        return StripeOnboardingStatus.RESTRICTED
    return StripeOnboardingStatus.PENDING


def _tenant() -> Tenant:
    return Tenant.objects.get(schema_name=require_store())


def _account_params(tenant: Tenant) -> dict[str, Any]:
    from apps.stores.selectors import store_settings_get

    store = store_settings_get()
    params: dict[str, Any] = {
        "type": "express",
        "country": store.country or settings.STRIPE_CONNECT_DEFAULT_COUNTRY,
        "capabilities": {"card_payments": {"requested": True}, "transfers": {"requested": True}},
        "metadata": {"store_schema": tenant.schema_name, "store_uuid": str(tenant.uuid)},
    }
    if store.contact_email:
        params["email"] = store.contact_email
    return params


def _account_ensure(client: stripe.StripeClient) -> str:
    """The store's connected account id, creating the account on first use."""
    payment_settings_get()
    tenant = _tenant()
    with transaction.atomic():
        # Locked so two clicks at once create one account (the second waits, then reuses it).
        row = PaymentSettings.objects.select_for_update().get(pk=PAYMENT_SETTINGS_PK)
        if row.stripe_account_id:
            connected_account_route_record(account_id=row.stripe_account_id, tenant=tenant)
            return row.stripe_account_id
        try:
            account = client.v1.accounts.create(
                params=_account_params(tenant),  # type: ignore[arg-type]
                options={"idempotency_key": f"connect-account-{tenant.uuid}"},
            )
        except stripe.StripeError as error:
            raise provider_error(error) from error
        data = account.to_dict()
        row.stripe_account_id = str(data["id"])
        # Connecting is the merchant saying "take cards": offered to shoppers once Stripe lets
        # the account charge (the switch on the setup page turns it off again).
        row.stripe_enabled = True
        row.save(update_fields=["stripe_account_id", "stripe_enabled", "updated_at"])
        connected_account_route_record(account_id=row.stripe_account_id, tenant=tenant)
        _apply(row, data, timezone.now())
        logger.info("stripe connected account created", extra={"account": row.stripe_account_id})
        return row.stripe_account_id


def stripe_connect_start(*, refresh_url: str, return_url: str) -> str:
    """The URL of Stripe's hosted onboarding for this store (a new single-use AccountLink each
    time; Stripe sends the merchant to `return_url` when done, `refresh_url` when the link
    expired). Raises `StripeNotConfigured` without platform keys, `ProviderError` when Stripe
    fails."""
    client = stripe_client()
    account_id = _account_ensure(client)
    try:
        link = client.v1.account_links.create(
            params={
                "account": account_id,
                "refresh_url": refresh_url,
                "return_url": return_url,
                "type": "account_onboarding",
            },
            # Each link is single-use, so each start is a new request with its own key.
            options={"idempotency_key": f"account-link-{account_id}-{uuid.uuid4().hex}"},
        )
    except stripe.StripeError as error:
        raise provider_error(error) from error
    return str(link.url)


def stripe_account_refresh() -> PaymentSettings:
    """Read the store's account from Stripe and apply it (after onboarding returns, or when the
    merchant asks). Raises `GatewayUnavailable` when the store has no account yet."""
    row = payment_settings_get()
    if not row.stripe_account_id:
        raise GatewayUnavailable(_("This store has not connected a Stripe account yet."))
    client = stripe_client()
    observed_at = timezone.now()
    try:
        account = client.v1.accounts.retrieve(row.stripe_account_id)
    except stripe.StripeError as error:
        raise provider_error(error) from error
    stripe_account_status_apply(account=account.to_dict(), occurred_at=observed_at)
    return payment_settings_get()


@transaction.atomic
def stripe_account_status_apply(*, account: Mapping[str, Any], occurred_at: datetime) -> bool:
    """Apply Stripe's description of the store's connected account as of `occurred_at`. Ignored
    (False) for another account than the store's, or a state older than the one applied."""
    require_store()
    payment_settings_get()
    row = PaymentSettings.objects.select_for_update().get(pk=PAYMENT_SETTINGS_PK)
    if not row.stripe_account_id or row.stripe_account_id != account.get("id"):
        return False
    if row.stripe_status_updated_at is not None and occurred_at < row.stripe_status_updated_at:
        return False
    _apply(row, account, occurred_at)
    return True


def _apply(row: PaymentSettings, account: Mapping[str, Any], occurred_at: datetime) -> None:
    requirements = account.get("requirements") or {}
    row.stripe_charges_enabled = bool(account.get("charges_enabled"))
    row.stripe_payouts_enabled = bool(account.get("payouts_enabled"))
    row.stripe_details_submitted = bool(account.get("details_submitted"))
    row.stripe_onboarding_status = onboarding_status(account)
    row.stripe_requirements_due = [str(item) for item in (requirements.get("currently_due") or [])][:50]
    row.stripe_disabled_reason = str(requirements.get("disabled_reason") or "")[:100]
    row.stripe_status_updated_at = occurred_at
    row.save(
        update_fields=[
            "stripe_charges_enabled",
            "stripe_payouts_enabled",
            "stripe_details_submitted",
            "stripe_onboarding_status",
            "stripe_requirements_due",
            "stripe_disabled_reason",
            "stripe_status_updated_at",
            "updated_at",
        ]
    )
