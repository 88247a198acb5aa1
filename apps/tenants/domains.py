"""A store's hostnames: adding, choosing the primary one and removing them. Every change is
written to the store's audit trail (`StoreAuditEntry`)."""

from __future__ import annotations

import re

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.tenants.errors import StoreError
from apps.tenants.models import Domain, StoreAuditEntry, Tenant

HOSTNAME_RE = re.compile(r"^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


def domain_clean(*, domain: str, tenant: Tenant) -> str:
    """Check a hostname a store wants to be served on; raises StoreError naming the problem."""
    value = (domain or "").strip().lower().rstrip(".")
    if not HOSTNAME_RE.match(value):
        raise StoreError(
            _("“%(value)s” is not a valid domain name.") % {"value": value},
            code="domain_invalid",
            field="domain",
        )
    platform_suffix = "." + settings.PLATFORM_DOMAIN
    if value == settings.PLATFORM_DOMAIN or (
        value.endswith(platform_suffix) and value != f"{tenant.slug}{platform_suffix}"
    ):
        raise StoreError(
            _("Domains under %(platform)s are assigned by the platform.")
            % {"platform": settings.PLATFORM_DOMAIN},
            code="domain_reserved",
            field="domain",
        )
    owner = Domain.objects.filter(domain=value).first()
    if owner is not None and owner.tenant_id == tenant.pk:
        raise StoreError(
            _("“%(value)s” is already one of this store's domains.") % {"value": value},
            code="domain_exists",
            field="domain",
        )
    if owner is not None:
        raise StoreError(
            _("“%(value)s” is already used by another store.") % {"value": value},
            code="domain_taken",
            field="domain",
        )
    return value


def domain_add(*, tenant: Tenant, domain: str, is_primary: bool = False, actor: User | None = None) -> Domain:
    value = domain_clean(domain=domain, tenant=tenant)
    try:
        with transaction.atomic():
            obj = Domain.objects.create(tenant=tenant, domain=value, is_primary=is_primary)
            StoreAuditEntry.objects.create(tenant=tenant, action="domain:add", actor=actor, detail=value)
    except IntegrityError as exc:
        raise StoreError(
            _("“%(value)s” is already used by another store.") % {"value": value},
            code="domain_taken",
            field="domain",
        ) from exc
    return obj


def platform_subdomain(tenant: Tenant) -> str:
    return f"{tenant.slug}.{settings.PLATFORM_DOMAIN}"


@transaction.atomic
def domain_set_primary(*, domain: Domain, actor: User | None = None) -> Domain:
    """Make `domain` the store's primary host: emailed links and redirects use it."""
    domain.is_primary = True
    domain.save()  # DomainMixin.save clears the previous primary in the same transaction
    StoreAuditEntry.objects.create(
        tenant=domain.tenant, action="domain:primary", actor=actor, detail=domain.domain
    )
    return domain


@transaction.atomic
def domain_remove(*, domain: Domain, actor: User | None = None) -> None:
    """Stop serving the store on `domain`. The platform subdomain stays; removing the primary
    domain makes the platform subdomain primary again."""
    tenant = domain.tenant
    if domain.domain == platform_subdomain(tenant):
        raise StoreError(
            _("The store's address on %(platform)s cannot be removed.")
            % {"platform": settings.PLATFORM_DOMAIN},
            code="domain_required",
        )
    was_primary = domain.is_primary
    value = domain.domain
    domain.delete()
    if was_primary:
        fallback = Domain.objects.filter(tenant=tenant, domain=platform_subdomain(tenant)).first()
        if fallback is not None:
            fallback.is_primary = True
            fallback.save()
    StoreAuditEntry.objects.create(tenant=tenant, action="domain:remove", actor=actor, detail=value)
