"""A merchant's "download my store" exports: one row per archive asked for on the dashboard.

The rows live in the public schema (this is a shared app), next to the store they belong to, so
that restoring a store over itself never rewrites the record of its own exports; the archive
itself lies in the store's private storage under `store-exports/` (no URL: it leaves only
through a permission-checked view, or a pre-signed URL that expires within a minute).
"""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from apps.core.models import TimeStampedModel


class StoreExport(TimeStampedModel):
    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting for a worker")
        RUNNING = "running", _("Making the archive")
        READY = "ready", _("Ready to download")
        FAILED = "failed", _("Failed")
        EXPIRED = "expired", _("Expired")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="store_exports")
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.QUEUED)
    # The store user who asked (an id in the store's schema, kept with a label as users are per schema).
    requested_by_id = models.BigIntegerField(null=True, blank=True)
    requested_by_label = models.CharField(_("asked by"), max_length=255, blank=True)
    # Name in the store's private storage (relative to its prefix).
    file_name = models.CharField(max_length=255, blank=True)
    size = models.BigIntegerField(_("size"), null=True, blank=True)
    tables = models.PositiveIntegerField(null=True, blank=True)
    rows = models.BigIntegerField(null=True, blank=True)
    media_files = models.PositiveIntegerField(null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    expires_at = models.DateTimeField(_("download until"), null=True, blank=True)
    downloaded_at = models.DateTimeField(_("last downloaded"), null=True, blank=True)
    error_code = models.CharField(max_length=50, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("store export")
        verbose_name_plural = _("store exports")
        constraints = [
            # One archive in the making per store at a time.
            models.UniqueConstraint(
                fields=["tenant"],
                condition=Q(status__in=["queued", "running"]),
                name="backups_one_running_export_per_store",
            )
        ]

    def __str__(self) -> str:
        return f"export {self.uuid} of {self.tenant_id}: {self.status}"
