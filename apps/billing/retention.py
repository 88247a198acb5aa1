"""Retention: nothing is deleted by a lapse until BILLING_RETENTION_DAYS have passed.

A store is "lapsed" when billing suspended it (status suspended, reason "billing") and its
merchant's stores are still to be suspended (cancelled, or past due after the grace period).
Its retention period starts when billing suspended it (the store's latest "status:suspended"
audit entry) and ends BILLING_RETENTION_DAYS later. Before that end the owners are warned
BILLING_RETENTION_WARNING_DAYS before it (30 and 7 days by default); at the end the store's schema
(its catalog, orders, customers, staff, ...), its row and every public row that belongs to it
(domains, hand-offs, usage records) are deleted, with a `BillingAuditEntry` and an email, and its
media files after commit.

Safety rules, each tested:
- an active, trialing, comped or past-due-in-grace merchant's stores are never looked at;
- a store suspended by staff (another reason) is never deleted here;
- a store is never deleted before its period ends, nor less than
  BILLING_RETENTION_FINAL_NOTICE_DAYS after its owners were last warned (when the job was down,
  the deletion waits for a warning and that notice period);
- the check is repeated under the merchant's billing lock right before deleting, so a payment
  that reactivated the merchant a moment earlier wins;
- reactivating at any time before the deletion restores the store as it was (suspension only
  changes its status).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.files.storage import Storage, default_storage
from django.db import connection, transaction
from django_tenants.utils import schema_context

from apps.billing.models import BillingAuditEntry, BillingNotice, MerchantPlan
from apps.billing.notices import notice_record, retention_days, store_lapse_start
from apps.billing.subscriptions import BILLING_SUSPENSION_REASON, merchant_store_access
from apps.core.storage import private_storage
from apps.core.tenancy import tenant_connection
from apps.tenants.models import Tenant
from apps.tenants.routing import routing_cache_clear

logger = logging.getLogger(__name__)

Kind = BillingNotice.Kind
Status = MerchantPlan.Status
PROTECTED_SCHEMAS = frozenset({"public"})


@dataclass(frozen=True)
class Lapse:
    tenant: Tenant
    merchant_plan_id: int
    merchant_id: int
    since: datetime
    deletion_at: datetime

    @property
    def key(self) -> str:
        return f"{self.tenant.uuid}:{self.since.isoformat()}"


@dataclass(frozen=True)
class RetentionResult:
    warned: int = 0
    deleted: int = 0
    waiting: int = 0  # due, but waiting for the notice period after a late warning


def warning_days() -> list[int]:
    return sorted({int(days) for days in settings.BILLING_RETENTION_WARNING_DAYS}, reverse=True)


def _lapse_of(tenant: Tenant, merchant_plan: MerchantPlan) -> Lapse | None:
    if tenant.schema_name in PROTECTED_SCHEMAS or tenant.schema_name == settings.TENANT_BASE_SCHEMA:
        return None
    if tenant.status != Tenant.Status.SUSPENDED or tenant.status_reason != BILLING_SUSPENSION_REASON:
        return None
    since = store_lapse_start(tenant)
    if since is None:
        return None
    deletion_at = since + timedelta(days=retention_days())
    return Lapse(tenant, merchant_plan.pk, merchant_plan.merchant_id, since, deletion_at)


def lapsed_stores(*, now: datetime) -> Iterator[Lapse]:
    """The stores of lapsed merchants that billing suspended, oldest lapse first."""
    merchants = MerchantPlan.objects.filter(status__in=[Status.PAST_DUE, Status.CANCELLED])
    for merchant_plan in merchants.order_by("pk"):
        if merchant_store_access(merchant_plan, now=now) != "suspended":
            continue  # past due within grace: read-only, never touched
        stores = Tenant.objects.filter(
            merchant_id=merchant_plan.merchant_id,
            status=Tenant.Status.SUSPENDED,
            status_reason=BILLING_SUSPENSION_REASON,
        ).order_by("pk")
        for tenant in stores:
            lapse = _lapse_of(tenant, merchant_plan)
            if lapse is not None:
                yield lapse


def _warning_key(lapse: Lapse, days: int) -> str:
    return f"deletion_warning:{lapse.key}:{days}"


def _warn(lapse: Lapse, *, now: datetime) -> bool:
    """Record the latest warning due for the lapse (once). Returns whether one was recorded."""
    due = [days for days in warning_days() if lapse.deletion_at - timedelta(days=days) <= now]
    if not due:
        return False
    days = due[-1]
    with transaction.atomic():
        notice = notice_record(
            merchant_id=lapse.merchant_id,
            kind=Kind.DELETION_WARNING,
            key=_warning_key(lapse, days),
            context={
                "store_name": lapse.tenant.name,
                "deletion_at": lapse.deletion_at.isoformat(),
                "suspended_at": lapse.since.isoformat(),
            },
        )
        if notice is None:
            return False
        BillingAuditEntry.objects.create(
            merchant_id=lapse.merchant_id,
            action=BillingAuditEntry.Action.STORE_DELETION_SCHEDULED,
            after={
                "store": lapse.tenant.slug,
                "schema": lapse.tenant.schema_name,
                "suspended_at": lapse.since.isoformat(),
                "deletion_at": lapse.deletion_at.isoformat(),
                "warning_days": days,
            },
        )
    return True


def _last_warning_sent(lapse: Lapse) -> datetime | None:
    keys = [_warning_key(lapse, days) for days in warning_days()]
    return (
        BillingNotice.objects.filter(merchant_id=lapse.merchant_id, key__in=keys, sent_at__isnull=False)
        .order_by("-sent_at")
        .values_list("sent_at", flat=True)
        .first()
    )


def _media_delete(schema_name: str) -> None:
    """Remove the deleted store's files (public and private media), best effort."""
    if schema_name in PROTECTED_SCHEMAS or not schema_name:
        return

    def walk(storage: Storage, path: str) -> None:
        directories, files = storage.listdir(path)
        for name in files:
            storage.delete(f"{path}/{name}" if path else name)
        for name in directories:
            walk(storage, f"{path}/{name}" if path else name)

    with schema_context(schema_name):
        for storage in (default_storage, private_storage()):
            try:
                walk(storage, "")
            except FileNotFoundError:
                continue
            except Exception:
                logger.exception("media of deleted store %s not removed", schema_name)


def store_delete_after_retention(*, lapse: Lapse, now: datetime) -> bool:
    """Delete the lapsed store's schema and rows, if it is still lapsed: checked again under the
    merchant's billing lock (the lock a reactivating webhook takes) and the store's row lock."""
    tenant_connection().set_schema_to_public()
    with transaction.atomic():
        merchant_plan = MerchantPlan.objects.select_for_update(of=("self",)).get(pk=lapse.merchant_plan_id)
        if merchant_store_access(merchant_plan, now=now) != "suspended":
            return False
        tenant = Tenant.objects.select_for_update().filter(pk=lapse.tenant.pk).first()
        if tenant is None or tenant.merchant_id != merchant_plan.merchant_id:
            return False
        current = _lapse_of(tenant, merchant_plan)
        if current is None or current.since != lapse.since or current.deletion_at > now:
            return False
        schema_name = tenant.schema_name
        record = {
            "store": tenant.slug,
            "name": tenant.name,
            "uuid": str(tenant.uuid),
            "schema": schema_name,
            "suspended_at": lapse.since.isoformat(),
            "deletion_at": lapse.deletion_at.isoformat(),
            "merchant_status": merchant_plan.status,
        }
        BillingAuditEntry.objects.create(
            merchant_id=merchant_plan.merchant_id,
            action=BillingAuditEntry.Action.STORE_DELETED,
            before=record,
            after={"deleted_at": now.isoformat()},
        )
        notice_record(
            merchant_id=merchant_plan.merchant_id,
            kind=Kind.STORE_DELETED,
            key=f"store_deleted:{tenant.uuid}",
            context={"store_name": tenant.name},
        )
        with connection.cursor() as cursor:
            # Deferred foreign-key checks still pending in this transaction would block the drop.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        tenant.delete(force_drop=True)  # type: ignore[call-arg]  # DROP SCHEMA ... CASCADE, then the row and its cascade
        transaction.on_commit(routing_cache_clear)
        transaction.on_commit(lambda: _media_delete(schema_name))
    logger.warning("store %s (%s) deleted after the billing retention period", record["store"], schema_name)
    return True


def retention_run(*, now: datetime) -> RetentionResult:
    """Warn the owners of lapsed stores and delete the stores whose retention period ended."""
    warned = deleted = waiting = 0
    final_notice = timedelta(days=int(settings.BILLING_RETENTION_FINAL_NOTICE_DAYS))
    for lapse in list(lapsed_stores(now=now)):
        if _warn(lapse, now=now):
            # A warning recorded now starts its notice period: no deletion in this run.
            warned += 1
            waiting += lapse.deletion_at <= now
            continue
        if lapse.deletion_at > now:
            continue
        last_warning = _last_warning_sent(lapse)
        if last_warning is None or last_warning > now - final_notice:
            waiting += 1
            continue
        try:
            deleted += store_delete_after_retention(lapse=lapse, now=now)
        except Exception:
            # Rolled back; the next run tries again.
            logger.exception("deleting lapsed store %s failed", lapse.tenant.schema_name)
    return RetentionResult(warned=warned, deleted=deleted, waiting=waiting)
