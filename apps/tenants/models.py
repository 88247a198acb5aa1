"""A store is a PostgreSQL schema (`Tenant`) reachable on one or more hostnames (`Domain`)."""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_tenants.models import DomainMixin, TenantMixin

from apps.core.models import TimeStampedModel


class Tenant(TenantMixin, TimeStampedModel):
    """One store's schema. The row in `public` with schema `public` is the platform itself."""

    class Status(models.TextChoices):
        PROVISIONING = "provisioning", _("Provisioning")
        ACTIVE = "active", _("Active")
        SUSPENDED = "suspended", _("Suspended")
        FAILED = "failed", _("Provisioning failed")

    class Step(models.TextChoices):
        QUEUED = "queued", _("Waiting for a worker")
        SCHEMA = "schema", _("Creating the store's database")
        STAFF = "staff", _("Setting up your staff account")
        FINISHING = "finishing", _("Finishing")
        DONE = "done", _("Ready")

    # Schemas are cloned in a Celery task, never inside the request that saves the row.
    auto_create_schema = False
    auto_drop_schema = False

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("store name"), max_length=100)
    slug = models.SlugField(_("subdomain"), max_length=50, unique=True)
    merchant = models.ForeignKey(
        "platform.Merchant",
        on_delete=models.PROTECT,
        related_name="stores",
        null=True,
        blank=True,
        verbose_name=_("merchant"),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PROVISIONING, db_index=True
    )
    provisioning_step = models.CharField(max_length=20, choices=Step.choices, default=Step.QUEUED)
    provisioning_error = models.TextField(blank=True)
    provisioned_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status_reason = models.CharField(_("reason"), max_length=255, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("store")
        verbose_name_plural = _("stores")

    def __str__(self) -> str:
        return self.name or self.schema_name

    @property
    def is_platform(self) -> bool:
        return self.schema_name == "public"

    @property
    def is_serving(self) -> bool:
        return self.status == self.Status.ACTIVE


class Domain(DomainMixin, TimeStampedModel):
    """A hostname that serves one store (or the platform)."""

    class Meta:
        verbose_name = _("domain")
        verbose_name_plural = _("domains")
        constraints = [
            models.UniqueConstraint(
                fields=["tenant"], condition=Q(is_primary=True), name="tenants_one_primary_domain"
            )
        ]

    def __str__(self) -> str:
        return self.domain


class StoreAuditEntry(TimeStampedModel):
    """Who changed a store's lifecycle (created, provisioned, suspended, ...) and why."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="audit_entries")
    action = models.CharField(max_length=50)
    actor = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    detail = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("store audit entry")
        verbose_name_plural = _("store audit entries")

    def __str__(self) -> str:
        return f"{self.tenant} {self.action}"
