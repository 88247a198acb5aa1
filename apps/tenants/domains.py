"""A store's hostnames: adding, verifying, choosing the primary one and removing them.

A merchant's own domain starts `pending` and serves nothing until `domain_verify` finds its TXT
record (apps.tenants.dns_check), or platform staff verify it by hand. A verified domain whose
record disappears becomes `lost`: it stops routing at once and stops being primary (the store's
`<slug>.<PLATFORM_DOMAIN>` address takes over). There is no grace period for a record that is
definitely gone (NXDOMAIN, no TXT, another token): the record is the only proof that whoever
controls the domain still wants it to serve this store, and a domain that changed hands must not
keep showing the store. A check that gets no answer (timeout, SERVFAIL) concludes nothing and
never demotes a verified domain: a zone that does not answer cannot send visitors here either.

The platform's own hosts and each store's platform subdomain are verified when created
(`domain_platform_add`) and always route. Every change is written to the store's audit trail
(`StoreAuditEntry`); the dashboard, the Django admin and the beat job all call these functions.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.tenants.dns_check import TxtResolver, txt_record_check
from apps.tenants.errors import StoreError
from apps.tenants.models import DEFINITIVE_CHECK_ERRORS, Domain, StoreAuditEntry, Tenant

if TYPE_CHECKING:  # annotations only: tenants imports no other app at run time
    from apps.accounts.models import User

HOSTNAME_RE = re.compile(r"^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


class DomainErrorCode(models.TextChoices):
    INVALID = "domain_invalid"
    RESERVED = "domain_reserved"
    EXISTS = "domain_exists"
    TAKEN = "domain_taken"
    REQUIRED = "domain_required"
    NOT_VERIFIED = "domain_not_verified"
    ALREADY_VERIFIED = "domain_already_verified"
    PLATFORM_HOST = "domain_platform_host"
    GONE = "domain_gone"


class DomainError(StoreError):
    """A rule about a store's hostnames refused an operation; `params` holds the values the
    message was built from so no caller parses the message."""

    code = DomainErrorCode.INVALID

    def __init__(
        self,
        message: str,
        *,
        code: DomainErrorCode,
        field: str | None = None,
        params: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message, code=code, field=field)
        self.params = params or {}


def platform_subdomain(tenant: Tenant) -> str:
    return f"{tenant.slug}.{settings.PLATFORM_DOMAIN}"


def domain_clean(*, domain: str, tenant: Tenant) -> str:
    """Check a hostname a store wants to be served on; raises DomainError naming the problem."""
    value = (domain or "").strip().lower().rstrip(".")
    params = {"domain": value}
    if not HOSTNAME_RE.match(value):
        raise DomainError(
            _("“%(domain)s” is not a valid domain name.") % params,
            code=DomainErrorCode.INVALID,
            field="domain",
            params=params,
        )
    platform_suffix = "." + settings.PLATFORM_DOMAIN
    if value == settings.PLATFORM_DOMAIN or (
        value.endswith(platform_suffix) and value != platform_subdomain(tenant)
    ):
        raise DomainError(
            _("Domains under %(platform)s are assigned by the platform.")
            % {"platform": settings.PLATFORM_DOMAIN},
            code=DomainErrorCode.RESERVED,
            field="domain",
            params={**params, "platform": settings.PLATFORM_DOMAIN},
        )
    owner = Domain.objects.select_related("tenant").filter(domain=value).first()
    if owner is not None and owner.tenant_id != tenant.pk and _claim_is_stale(owner):
        owner = None  # domain_add releases the other store's stale claim
    if owner is not None and owner.tenant_id == tenant.pk:
        raise DomainError(
            _("“%(domain)s” is already one of this store's domains.") % params,
            code=DomainErrorCode.EXISTS,
            field="domain",
            params=params,
        )
    if owner is not None:
        raise DomainError(
            _("“%(domain)s” is already used by another store.") % params,
            code=DomainErrorCode.TAKEN,
            field="domain",
            params=params,
        )
    return value


def _audit(domain: Domain, action: str, actor: User | None, detail: str = "") -> None:
    StoreAuditEntry.objects.create(
        tenant_id=domain.tenant_id,
        action=action,
        actor_id=actor.pk if actor is not None else None,
        detail=detail or domain.domain,
    )


def _claim_is_stale(domain: Domain, *, now: datetime | None = None) -> bool:
    """A custom domain another store added but has not proved (pending) or no longer proves
    (lost) for DOMAIN_CLAIM_DAYS: it blocks nobody, so a hostname cannot be squatted by adding it."""
    if domain.status == Domain.Status.VERIFIED or domain.is_platform_host:
        return False
    cutoff = (now or timezone.now()) - timedelta(days=settings.DOMAIN_CLAIM_DAYS)
    return domain.created_at < cutoff


def _claim_release(domain: Domain, *, reason: str) -> None:
    _audit(domain, "domain:claim_expired", None, f"{domain.domain} ({reason})")
    domain.delete()


def domain_claims_expire(*, now: datetime | None = None) -> int:
    """Remove custom domains that stayed pending (never proved) for DOMAIN_CLAIM_DAYS, each with
    an entry in its store's audit trail; returns how many. Lost domains stay with their store
    until another store claims the hostname."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.DOMAIN_CLAIM_DAYS)
    expired = 0
    candidates = Domain.objects.select_related("tenant").filter(
        status=Domain.Status.PENDING, created_at__lt=cutoff, is_primary=False
    )
    for domain in candidates:
        if domain.is_platform_host:
            continue
        with transaction.atomic():
            _claim_release(domain, reason="never verified")
        expired += 1
    return expired


def domain_add(*, tenant: Tenant, domain: str, actor: User | None = None) -> Domain:
    """Add a merchant's own hostname, pending until its TXT record is seen (`domain_verify`).
    Another store's stale claim on the same hostname (`_claim_is_stale`) is released."""
    value = domain_clean(domain=domain, tenant=tenant)
    try:
        with transaction.atomic():
            stale = Domain.objects.select_for_update().filter(domain=value).exclude(tenant=tenant).first()
            if stale is not None:
                if not _claim_is_stale(stale):  # proved meanwhile
                    raise IntegrityError("claimed meanwhile")
                _claim_release(
                    stale, reason=f"claimed by another store after {settings.DOMAIN_CLAIM_DAYS} days"
                )
            # is_primary=False is kept by DomainMixin.save because every store has its primary
            # platform subdomain from the moment it is registered.
            obj = Domain.objects.create(tenant=tenant, domain=value, is_primary=False)
            _audit(obj, "domain:add", actor)
    except IntegrityError as exc:  # lost a race for the same hostname
        raise DomainError(
            _("“%(domain)s” is already used by another store.") % {"domain": value},
            code=DomainErrorCode.TAKEN,
            field="domain",
            params={"domain": value},
        ) from exc
    return obj


def domain_platform_add(*, tenant: Tenant, domain: str, is_primary: bool = False) -> Domain:
    """A hostname the platform gives: a store's `<slug>.<PLATFORM_DOMAIN>` or one of the
    platform's own hosts. Verified on creation; nothing to look up."""
    return Domain.objects.create(
        tenant=tenant,
        domain=domain.strip().lower().rstrip("."),
        is_primary=is_primary,
        status=Domain.Status.VERIFIED,
        verification_method=Domain.Method.PLATFORM,
        verified_at=timezone.now(),
    )


def _platform_subdomain_make_primary(tenant: Tenant) -> None:
    fallback = Domain.objects.filter(tenant_id=tenant.pk, domain=platform_subdomain(tenant)).first()
    if fallback is not None and not fallback.is_primary:
        fallback.is_primary = True
        fallback.save(update_fields=["is_primary", "updated_at"])  # demotes the previous primary


def _primary_fallback(tenant: Tenant) -> None:
    """Make the platform subdomain primary when the store has no primary domain left."""
    if not Domain.objects.filter(tenant_id=tenant.pk, is_primary=True).exists():
        _platform_subdomain_make_primary(tenant)


@transaction.atomic
def domain_set_primary(*, domain: Domain, actor: User | None = None) -> Domain:
    """Make `domain` the store's primary host: emailed links and redirects use it. Only a
    domain that routes (verified, or the platform subdomain) can be primary."""
    domain = Domain.objects.select_for_update().select_related("tenant").get(pk=domain.pk)
    if not domain.routes:
        raise DomainError(
            _("%(domain)s is not verified yet, so it cannot be the primary domain.")
            % {"domain": domain.domain},
            code=DomainErrorCode.NOT_VERIFIED,
            params={"domain": domain.domain},
        )
    if domain.is_primary:
        return domain
    domain.is_primary = True
    domain.save()  # DomainMixin.save clears the previous primary in the same transaction
    _audit(domain, "domain:primary", actor)
    return domain


@transaction.atomic
def domain_remove(*, domain: Domain, actor: User | None = None) -> None:
    """Stop serving the store on `domain`. The platform subdomain stays; removing the primary
    domain makes the platform subdomain primary again."""
    domain = Domain.objects.select_related("tenant").get(pk=domain.pk)
    if domain.is_platform_host:
        raise DomainError(
            _("The store's address on %(platform)s cannot be removed.")
            % {"platform": settings.PLATFORM_DOMAIN},
            code=DomainErrorCode.REQUIRED,
            params={"domain": domain.domain, "platform": settings.PLATFORM_DOMAIN},
        )
    _audit(domain, "domain:remove", actor)
    domain.delete()
    _primary_fallback(domain.tenant)


def _refuse_platform_host(domain: Domain) -> None:
    if domain.is_platform_host:
        raise DomainError(
            _("%(domain)s is the platform's address for this store; it needs no verification.")
            % {"domain": domain.domain},
            code=DomainErrorCode.PLATFORM_HOST,
            params={"domain": domain.domain},
        )


def _locked(domain: Domain) -> Domain:
    locked = Domain.objects.select_for_update().select_related("tenant").filter(pk=domain.pk).first()
    if locked is None:
        raise DomainError(
            _("%(domain)s was removed meanwhile.") % {"domain": domain.domain},
            code=DomainErrorCode.GONE,
            params={"domain": domain.domain},
        )
    return locked


def domain_verify(
    *, domain: Domain, resolver: TxtResolver | None = None, actor: User | None = None
) -> Domain:
    """Look up the domain's TXT record once and apply what it says; returns the domain as saved.

    pending/lost + record found  -> verified (audit "domain:verified")
    verified + record definitely gone -> lost, no longer primary (audit "domain:lost")
    anything else                -> unchanged status; the check's time and error code are kept.
    A domain verified by hand stays verified whatever DNS says, until a check finds the record
    (from then on DNS keeps it). `resolver` defaults to dnspython's (dns_check.resolver_default).
    """
    domain = Domain.objects.select_related("tenant").get(pk=domain.pk)
    _refuse_platform_host(domain)
    # The lookup runs outside any transaction or lock: it may take seconds.
    error = txt_record_check(domain=domain.domain, token=domain.verification_token, resolver=resolver)
    with transaction.atomic():
        domain = _locked(domain)
        now = timezone.now()
        domain.last_checked_at = now
        domain.last_check_error = error
        fields = ["last_checked_at", "last_check_error", "updated_at"]
        action = ""
        if not error:
            if domain.status != Domain.Status.VERIFIED or domain.verification_method != Domain.Method.DNS:
                action = "domain:verified" if domain.status != Domain.Status.VERIFIED else ""
                domain.status = Domain.Status.VERIFIED
                domain.verification_method = Domain.Method.DNS
                domain.verified_at = now
                fields += ["status", "verification_method", "verified_at"]
        elif (
            error in DEFINITIVE_CHECK_ERRORS
            and domain.status == Domain.Status.VERIFIED
            and domain.verification_method == Domain.Method.DNS
        ):
            action = "domain:lost"
            domain.status = Domain.Status.LOST
            fields.append("status")
            if domain.is_primary:
                # The platform subdomain first (this demotes the row in the database), so that
                # DomainMixin.save below does not make the lost domain primary again.
                _platform_subdomain_make_primary(domain.tenant)
                domain.is_primary = False
                fields.append("is_primary")
        domain.save(update_fields=fields)
        if action:
            _audit(domain, action, actor, detail=f"{domain.domain} {error}".strip())
    return domain


def domain_verify_manual(*, domain: Domain, actor: User, note: str = "") -> Domain:
    """Platform staff vouch for a domain (e.g. ownership shown another way). It routes at once
    and the periodic DNS re-check leaves it alone; audit "domain:verify_manual" names the staff
    member."""
    with transaction.atomic():
        domain = _locked(domain)
        _refuse_platform_host(domain)
        if domain.status == Domain.Status.VERIFIED:
            raise DomainError(
                _("%(domain)s is already verified.") % {"domain": domain.domain},
                code=DomainErrorCode.ALREADY_VERIFIED,
                params={"domain": domain.domain},
            )
        domain.status = Domain.Status.VERIFIED
        domain.verification_method = Domain.Method.MANUAL
        domain.verified_at = timezone.now()
        domain.last_check_error = ""
        domain.save(
            update_fields=["status", "verification_method", "verified_at", "last_check_error", "updated_at"]
        )
        _audit(domain, "domain:verify_manual", actor, detail=f"{domain.domain} {note}".strip()[:1000])
    return domain


def domain_ids_due_for_check(*, now: datetime | None = None) -> list[int]:
    """Custom domains the beat job should look at now: pending and lost ones every
    DOMAIN_RECHECK_PENDING_MINUTES, DNS-verified ones every DOMAIN_RECHECK_VERIFIED_HOURS.
    Platform hosts and hand-verified domains are never re-checked."""
    now = now or timezone.now()
    # A minute of slack so a check that finished just after the last beat tick is due at the next.
    slack = timedelta(minutes=1)
    pending_before = now - timedelta(minutes=settings.DOMAIN_RECHECK_PENDING_MINUTES) + slack
    verified_before = now - timedelta(hours=settings.DOMAIN_RECHECK_VERIFIED_HOURS) + slack
    never = Q(last_checked_at__isnull=True)
    due = Q(status__in=[Domain.Status.PENDING, Domain.Status.LOST]) & (
        never | Q(last_checked_at__lt=pending_before)
    )
    due |= Q(status=Domain.Status.VERIFIED, verification_method=Domain.Method.DNS) & (
        never | Q(last_checked_at__lt=verified_before)
    )
    custom = (
        Domain.objects.filter(due)
        .exclude(tenant__schema_name="public")
        .exclude(domain__endswith="." + settings.PLATFORM_DOMAIN)
        .exclude(verification_method=Domain.Method.PLATFORM)
    )
    oldest_first = F("last_checked_at").asc(nulls_first=True)
    return list(custom.order_by(oldest_first, "pk").values_list("pk", flat=True))
