"""Writes of the audit log that are not a model's own save: the team's changes mirrored from
the platform, and the retention purge.

The team lives in the public schema (`apps.platform`: memberships, invitations) and is shared
by every store of the merchant, while each store keeps its own audit log. The platform already
writes one `TeamAuditEntry` per team change, with the actor and address, in the transaction of
the change; each of those is copied into every store of the merchant as it is written. A store
then reads, filters, pages and exports one table, with no merge of two schemas on every page
view, and purges its copy with its own retention period. A store opened later starts without
the team's earlier history (the console's team page keeps it).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import models
from django_tenants.utils import schema_context

from apps.audit.context import audit_request
from apps.audit.models import AuditEntry
from apps.tenants.models import Tenant

# A store whose schema exists and holds its tables (a provisioning one may have no schema yet).
STORE_SCHEMA_READY = (Tenant.Status.ACTIVE, Tenant.Status.SUSPENDED)

TEAM_ACTION_OBJECT = {
    "invite_sent": "platform.teaminvitation",
    "invite_accepted": "platform.teaminvitation",
    "invite_revoked": "platform.teaminvitation",
}


def audit_entries_purge(before: datetime) -> int:
    """Retention (apps.core.retention): remove this store's entries older than `before`."""
    deleted, _by_model = AuditEntry.objects.filter(created_at__lt=before).delete()
    return deleted


def store_schema_of_tenant(tenant_id: int | None) -> str | None:
    """The schema of store `tenant_id` if it is ready for rows; the current request's store is
    known without a query."""
    if tenant_id is None:
        return None
    request = audit_request()
    tenant = getattr(request, "tenant", None)
    if tenant is not None and tenant.pk == tenant_id and not tenant.is_platform:
        return str(tenant.schema_name)
    row = (
        Tenant.objects.filter(pk=tenant_id, status__in=STORE_SCHEMA_READY)
        .exclude(schema_name="public")
        .values_list("schema_name", flat=True)
        .first()
    )
    return row


def domain_store_schema(domain: models.Model) -> str | None:
    return store_schema_of_tenant(getattr(domain, "tenant_id", None))


def team_entry_mirror(*, entry: Any) -> int:
    """Copy one platform `TeamAuditEntry` into the audit log of each of the merchant's stores;
    returns how many stores got it."""
    schemas = list(
        Tenant.objects.filter(merchant_id=entry.merchant_id, status__in=STORE_SCHEMA_READY)
        .exclude(schema_name="public")
        .values_list("schema_name", flat=True)
    )
    if not schemas:
        return 0
    changes: dict[str, list[str | None]] = {}
    if entry.old_role or entry.new_role:
        changes["role"] = [entry.old_role or None, entry.new_role or None]
    request = audit_request()
    agent = request.META.get("HTTP_USER_AGENT", "")[:255] if request is not None else ""
    fields = {
        "actor_kind": AuditEntry.ActorKind.PLATFORM_USER if entry.actor_id else AuditEntry.ActorKind.SYSTEM,
        "actor_id": entry.actor_id,
        "actor_label": (entry.actor_email or ("system" if not entry.actor_id else str(entry.actor_id)))[:255],
        "ip_address": entry.ip_address,
        "user_agent": agent if entry.actor_id else "",
        "action": entry.action,
        "object_type": TEAM_ACTION_OBJECT.get(entry.action, "platform.membership"),
        "object_id": entry.target_email[:64],
        "object_repr": entry.target_email[:200],
        "changes": changes,
    }
    for schema in schemas:
        with schema_context(schema):
            AuditEntry.objects.create(**fields)
    return len(schemas)
