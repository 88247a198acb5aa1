"""Merchant onboarding, opening stores within the plan's limit (apps.billing.limits), and the console -> dashboard hand-off.

A hand-off is a `HandoffToken` row (single use, expires after HANDOFF_TOKEN_TTL_SECONDS) whose
id travels inside a value signed for one store's schema. Redeeming it is one conditional UPDATE,
so two concurrent redemptions cannot both succeed.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tenants.utils import schema_context

from apps.accounts.models import User
from apps.billing.limits import Limit, limit_check
from apps.core.errors import ApplicationError
from apps.core.tenancy import current_schema
from apps.platform.models import HandoffToken, Membership, Merchant
from apps.tenants.models import Tenant
from apps.tenants.services import store_register

HANDOFF_SALT = "platform.handoff"


class HandoffError(ApplicationError):
    code = "handoff_invalid"


class MerchantError(ApplicationError):
    code = "merchant_error"


@transaction.atomic
def merchant_create(*, owner: User, name: str) -> Merchant:
    name = (name or "").strip()
    if not name:
        raise MerchantError(_("Enter your company name."), code="name_required", field="company_name")
    merchant = Merchant.objects.create(name=name)
    Membership.objects.create(merchant=merchant, user=owner, role=Membership.Role.OWNER)
    return merchant


@transaction.atomic
def merchant_onboard(*, owner: User, company_name: str, store_name: str, subdomain: str) -> Tenant:
    """A new merchant with its first store: both or neither (a refused subdomain leaves no merchant)."""
    merchant = merchant_create(owner=owner, name=company_name)
    return store_create(merchant=merchant, name=store_name, subdomain=subdomain, created_by=owner)


@transaction.atomic
def store_create(*, merchant: Merchant, name: str, subdomain: str, created_by: User | None) -> Tenant:
    """Open a new store for `merchant` within its plan's store limit (`PlanLimitReached`), and
    queue its provisioning.

    The merchant's row, then its plan's, stay locked until the transaction ends, so two requests
    at once cannot both pass the limit check.
    """
    locked = Merchant.objects.select_for_update().get(pk=merchant.pk)
    limit_check(merchant=locked, limit=Limit.STORES)
    return store_register(name=name, subdomain=subdomain, merchant_id=locked.pk, created_by=created_by)


def store_staff_seed(*, tenant: Tenant) -> int:
    """Give every member of the store's merchant a staff account in the new store (with their
    role); returns how many. Runs while the store is provisioned (`store_schema_ready`)."""
    from apps.accounts.services import store_staff_sync

    if tenant.merchant_id is None:
        return 0
    memberships = list(Membership.objects.filter(merchant_id=tenant.merchant_id).select_related("user"))
    with schema_context(tenant.schema_name):
        for membership in memberships:
            store_staff_sync(
                platform_user_uuid=str(membership.user.uuid),
                email=membership.user.email,
                full_name=membership.user.full_name,
                role=membership.role,
            )
    return len(memberships)


def membership_for(*, user: User, tenant: Tenant) -> Membership | None:
    if tenant.merchant_id is None:
        return None
    return Membership.objects.filter(user=user, merchant_id=tenant.merchant_id).first()


def handoff_issue(*, user: User, tenant: Tenant) -> str:
    """A signed one-time value that opens `tenant`'s dashboard as `user`'s staff account."""
    membership = membership_for(user=user, tenant=tenant)
    if membership is None:
        raise HandoffError(_("You are not a member of this store's merchant."), code="not_a_member")
    if tenant.status != Tenant.Status.ACTIVE:
        raise HandoffError(_("This store is not open yet."), code="store_not_active")
    token = HandoffToken.objects.create(
        user=user,
        tenant=tenant,
        role=membership.role,
        expires_at=timezone.now() + timedelta(seconds=settings.HANDOFF_TOKEN_TTL_SECONDS),
    )
    return signing.dumps({"t": str(token.id), "s": tenant.schema_name}, salt=HANDOFF_SALT, compress=True)


def handoff_redeem(*, value: str) -> User:
    """Consume a hand-off on the current store and return the store staff user to log in.

    Refuses a value that is forged, expired, meant for another store or already used, and a user
    who is no longer a member of the store's merchant. The staff account gets the member's role
    as it is now, not as it was when the link was made.
    """
    from apps.accounts.services import store_staff_sync

    schema_name = current_schema()
    try:
        data = signing.loads(value, salt=HANDOFF_SALT, max_age=settings.HANDOFF_TOKEN_TTL_SECONDS)
    except signing.SignatureExpired as exc:
        raise HandoffError(
            _("This link has expired. Open the dashboard again from the console."), code="expired"
        ) from exc
    except signing.BadSignature as exc:
        raise HandoffError(_("This link is not valid."), code="bad_signature") from exc
    if not isinstance(data, dict) or data.get("s") != schema_name:
        raise HandoffError(_("This link is for another store."), code="wrong_store")
    now = timezone.now()
    with schema_context("public"):
        claimed = HandoffToken.objects.filter(
            id=str(data.get("t", "")),
            tenant__schema_name=schema_name,
            used_at__isnull=True,
            expires_at__gt=now,
        ).update(used_at=now)
        if claimed != 1:
            raise HandoffError(
                _("This link was already used or has expired. Open the dashboard again from the console."),
                code="used_or_expired",
            )
        token = HandoffToken.objects.select_related("user", "tenant").get(id=data["t"])
        platform_user = token.user
    if not platform_user.is_active:
        raise HandoffError(_("This account is disabled."), code="user_inactive")
    with transaction.atomic():
        # The membership row stays locked until the staff account is synced, so a removal running
        # at the same time either comes first (and this refuses) or waits and then signs it out.
        merchant_id = token.tenant.merchant_id
        with schema_context("public"):
            membership = (
                Membership.objects.select_for_update()
                .filter(user=platform_user, merchant_id=merchant_id)
                .first()
                if merchant_id is not None
                else None
            )
        if membership is None:
            raise HandoffError(_("You are no longer a member of this store's team."), code="not_a_member")
        return store_staff_sync(
            platform_user_uuid=str(platform_user.uuid),
            email=platform_user.email,
            full_name=platform_user.full_name,
            role=membership.role,
        )


def handoff_tokens_purge() -> int:
    """Delete hand-offs that expired over an hour ago (used or not); returns the count."""
    deleted, _counts = HandoffToken.objects.filter(
        expires_at__lt=timezone.now() - timedelta(hours=1)
    ).delete()
    return deleted
