"""Store lifecycle as schema mechanics: register a store's schema and subdomain, provision it
(clone the template schema), suspend, reactivate, and record periodic jobs' outcomes. Status
changes go through `_transition`, the one place that knows which are allowed.

Who may open a store and how many (merchants, plans) is the platform app's business: it calls
`store_register` after its own checks, and seeds the new store's staff when `store_schema_ready`
fires. This module imports no app but core.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tenants.utils import schema_context, schema_exists

from apps.core.errors import ApplicationError
from apps.core.events import event_emit
from apps.core.tenancy import tenant_connection
from apps.tenants.clone import schema_clone_from_template
from apps.tenants.domains import domain_platform_add
from apps.tenants.errors import StoreError
from apps.tenants.models import Domain, StoreAuditEntry, StoreJobRun, Tenant
from apps.tenants.signals import store_schema_ready

if TYPE_CHECKING:  # annotations only: tenants imports no other app at run time
    from apps.accounts.models import User

logger = logging.getLogger(__name__)

SUBDOMAIN_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,48}[a-z0-9])?$")


_LOCK_NAMESPACE = 7301  # pg advisory lock namespace for store provisioning


_ALLOWED_TRANSITIONS: dict[str, set[str]] = {
    Tenant.Status.PROVISIONING: {Tenant.Status.ACTIVE, Tenant.Status.FAILED},
    Tenant.Status.FAILED: {Tenant.Status.PROVISIONING},
    Tenant.Status.ACTIVE: {Tenant.Status.SUSPENDED},
    Tenant.Status.SUSPENDED: {Tenant.Status.ACTIVE},
}


def _transition(tenant: Tenant, to: str, *, actor: User | None, detail: str = "") -> None:
    if to not in _ALLOWED_TRANSITIONS.get(tenant.status, set()):
        raise StoreError(
            _("A store that is %(status)s cannot become %(target)s.")
            % {"status": tenant.get_status_display(), "target": Tenant.Status(to).label},
            code="invalid_transition",
        )
    tenant.status = to
    tenant.save(update_fields=["status", "status_reason", "updated_at"])
    StoreAuditEntry.objects.create(tenant=tenant, action=f"status:{to}", actor=actor, detail=detail)


def schema_name_for(subdomain: str) -> str:
    return "store_" + subdomain.replace("-", "_")


def subdomain_clean(subdomain: str) -> str:
    """Normalise and check a subdomain; raises StoreError naming the problem."""
    value = (subdomain or "").strip().lower()
    if not value:
        raise StoreError(
            _("Choose a subdomain for your store."), code="subdomain_required", field="subdomain"
        )
    if not SUBDOMAIN_RE.match(value) or "--" in value:
        raise StoreError(
            _(
                "“%(value)s” is not a valid subdomain: use 1 to 50 lowercase letters, digits and "
                "single hyphens, starting and ending with a letter or digit."
            )
            % {"value": value},
            code="subdomain_invalid",
            field="subdomain",
        )
    if value in settings.RESERVED_SUBDOMAINS:
        raise StoreError(
            _("“%(value)s” is reserved by the platform; choose another subdomain.") % {"value": value},
            code="subdomain_reserved",
            field="subdomain",
        )
    if (
        Tenant.objects.filter(slug=value).exists()
        or Domain.objects.filter(domain=f"{value}.{settings.PLATFORM_DOMAIN}").exists()
    ):
        raise StoreError(
            _("“%(value)s” is already taken; choose another subdomain.") % {"value": value},
            code="subdomain_taken",
            field="subdomain",
        )
    return value


def store_register(*, name: str, subdomain: str, merchant_id: int | None, created_by: User | None) -> Tenant:
    """Reserve the store's subdomain and queue its provisioning once the transaction commits.

    Callers decide beforehand who may open a store and how many (see
    `apps.platform.services.store_create`, which holds a lock on the merchant meanwhile).
    """
    from apps.tenants.tasks import store_provision_task

    name = (name or "").strip()
    if not name:
        raise StoreError(_("Give your store a name."), code="name_required", field="name")
    slug = subdomain_clean(subdomain)
    try:
        with transaction.atomic():
            tenant = Tenant.objects.create(
                schema_name=schema_name_for(slug),
                name=name,
                slug=slug,
                merchant_id=merchant_id,
                created_by=created_by,
            )
            domain_platform_add(tenant=tenant, domain=f"{slug}.{settings.PLATFORM_DOMAIN}", is_primary=True)
            StoreAuditEntry.objects.create(tenant=tenant, action="created", actor=created_by)
    except IntegrityError as exc:
        # Lost a race for the same subdomain against another signup.
        raise StoreError(
            _("“%(value)s” is already taken; choose another subdomain.") % {"value": slug},
            code="subdomain_taken",
            field="subdomain",
        ) from exc
    tenant_id = tenant.pk
    transaction.on_commit(lambda: store_provision_task.delay(tenant_id))
    return tenant


def _set_step(tenant: Tenant, step: str) -> None:
    tenant.provisioning_step = step
    tenant.save(update_fields=["provisioning_step", "updated_at"])


def store_provision(*, tenant_id: int) -> Tenant:
    """Clone the template schema for a store and make it serve.

    Safe to run twice: a second runner waits out the first on an advisory lock and then finds
    the store active. A schema left by an attempt that died midway is dropped and cloned anew.
    On failure the schema is dropped and the store is marked failed with a retryable reason.
    """
    with _provisioning_lock(tenant_id):
        tenant = Tenant.objects.get(pk=tenant_id)
        if tenant.status != Tenant.Status.PROVISIONING:
            return tenant
        try:
            _set_step(tenant, Tenant.Step.SCHEMA)
            if not schema_exists(settings.TENANT_BASE_SCHEMA):
                raise StoreError(
                    _("the store template is missing"),
                    code="template_missing",
                )
            _schema_drop(tenant.schema_name)
            schema_clone_from_template(tenant.schema_name)
            _set_step(tenant, Tenant.Step.STAFF)
            # Receivers (the platform seeds the merchant's team) run in public; a failure fails
            # provisioning like any other step.
            store_schema_ready.send(sender=Tenant, tenant=tenant)
            _set_step(tenant, Tenant.Step.FINISHING)
            with schema_context(tenant.schema_name), transaction.atomic():
                event_emit(name="store.created", payload={"name": tenant.name, "slug": tenant.slug})
        except Exception as exc:
            logger.exception("provisioning of %s failed", tenant.schema_name)
            tenant_connection().set_schema_to_public()
            _schema_drop(tenant.schema_name)
            tenant.refresh_from_db()
            reason = exc.message if isinstance(exc, ApplicationError) else type(exc).__name__
            tenant.provisioning_error = _(
                "We could not finish setting up your store (%(reason)s). Nothing was kept; you can try again."
            ) % {"reason": reason}
            tenant.save(update_fields=["provisioning_error", "updated_at"])
            _transition(tenant, Tenant.Status.FAILED, actor=None, detail=repr(exc)[:1000])
            return tenant
        tenant_connection().set_schema_to_public()
        tenant.provisioning_step = Tenant.Step.DONE
        tenant.provisioning_error = ""
        tenant.provisioned_at = timezone.now()
        tenant.save(update_fields=["provisioning_step", "provisioning_error", "provisioned_at", "updated_at"])
        _transition(tenant, Tenant.Status.ACTIVE, actor=None, detail="provisioned")
        return tenant


@contextmanager
def _provisioning_lock(tenant_id: int) -> Iterator[None]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s, %s)", [_LOCK_NAMESPACE, tenant_id])
    try:
        yield
    finally:
        tenant_connection().set_schema_to_public()
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [_LOCK_NAMESPACE, tenant_id])


def _schema_drop(schema_name: str) -> None:
    if schema_name in ("public", settings.TENANT_BASE_SCHEMA):
        raise ValueError(f"refusing to drop {schema_name}")
    with connection.cursor() as cursor:
        # Rows written in this transaction (deferred FK checks) must not block the DROP.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f'DROP SCHEMA IF EXISTS "{schema_name}" CASCADE')


def store_provision_retry(*, tenant: Tenant, actor: User | None) -> Tenant:
    from apps.tenants.tasks import store_provision_task

    with transaction.atomic():
        tenant = Tenant.objects.select_for_update().get(pk=tenant.pk)
        tenant.provisioning_step = Tenant.Step.QUEUED
        tenant.provisioning_error = ""
        _transition(tenant, Tenant.Status.PROVISIONING, actor=actor, detail="retry")
        tenant.save(update_fields=["provisioning_step", "provisioning_error", "updated_at"])
    tenant_id = tenant.pk
    transaction.on_commit(lambda: store_provision_task.delay(tenant_id))
    return tenant


def store_suspend(*, tenant: Tenant, actor: User | None, reason: str = "") -> Tenant:
    with transaction.atomic():
        tenant = Tenant.objects.select_for_update().get(pk=tenant.pk)
        tenant.status_reason = reason[:255]
        _transition(tenant, Tenant.Status.SUSPENDED, actor=actor, detail=reason)
    return tenant


def store_reactivate(*, tenant: Tenant, actor: User | None) -> Tenant:
    with transaction.atomic():
        tenant = Tenant.objects.select_for_update().get(pk=tenant.pk)
        tenant.status_reason = ""
        _transition(tenant, Tenant.Status.ACTIVE, actor=actor, detail="reactivated")
    return tenant


def platform_tenant_ensure() -> Tenant:
    """The `public` row that routes the platform's hostnames (PLATFORM_DOMAIN and extras)."""
    tenant, _created = Tenant.objects.get_or_create(
        schema_name="public",
        defaults={"name": settings.PLATFORM_NAME, "slug": "public", "status": Tenant.Status.ACTIVE},
    )
    if tenant.status != Tenant.Status.ACTIVE:
        tenant.status = Tenant.Status.ACTIVE
        tenant.save(update_fields=["status", "updated_at"])
    hosts = [settings.PLATFORM_DOMAIN, *settings.PLATFORM_EXTRA_HOSTS]
    for index, host in enumerate(hosts):
        host = host.strip().lower()
        existing = Domain.objects.filter(domain=host).first()
        if existing is None:
            domain_platform_add(tenant=tenant, domain=host, is_primary=index == 0)
        elif existing.tenant_id != tenant.pk:
            raise StoreError(
                f"{host} is configured as the platform's host but belongs to store {existing.tenant}."
            )
    return tenant


# ------------------------------------------------------------------------------
# periodic per-store jobs: the last outcome of each job in each store
# ------------------------------------------------------------------------------
def store_job_run_started(*, tenant: Tenant, job: str) -> StoreJobRun:
    run, _created = StoreJobRun.objects.update_or_create(
        tenant=tenant,
        job=job,
        defaults={"status": StoreJobRun.Status.RUNNING, "started_at": timezone.now(), "finished_at": None},
    )
    return run


def store_job_run_finished(
    *, tenant: Tenant, job: str, result: Any = None, error: BaseException | None = None
) -> StoreJobRun:
    """Record how a store's run of `job` ended. The error is kept as its class name (a stable
    code) plus a short detail for platform staff; shoppers and merchants never see it."""
    now = timezone.now()
    with transaction.atomic():
        run, _created = StoreJobRun.objects.select_for_update().get_or_create(
            tenant=tenant, job=job, defaults={"started_at": now}
        )
        run.finished_at = now
        if error is None:
            run.status = StoreJobRun.Status.SUCCEEDED
            run.result = result if isinstance(result, dict | list | int | float | str | None) else str(result)
            run.error_code = ""
            run.error_detail = ""
            run.consecutive_failures = 0
            run.last_success_at = now
        else:
            run.status = StoreJobRun.Status.FAILED
            run.error_code = type(error).__name__[:100]
            run.error_detail = str(error)[:2000]
            run.consecutive_failures += 1
        run.save()
    return run
