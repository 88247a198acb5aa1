"""A store is a PostgreSQL schema (`Tenant`) reachable on one or more hostnames (`Domain`)."""

from __future__ import annotations

import secrets
import uuid

from django.conf import settings
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


def domain_verification_token_new() -> str:
    """128 random bits in lowercase hex: survives copy-paste and case-folding DNS panels."""
    return secrets.token_hex(16)


class Domain(DomainMixin, TimeStampedModel):
    """A hostname that serves one store (or the platform).

    A merchant's own domain is `pending` until its DNS TXT record (see apps.tenants.dns_check)
    carries this row's `verification_token`; only verified domains route and can be primary.
    The store's `<slug>.<PLATFORM_DOMAIN>` address and the platform's own hosts are the
    platform's to give: they always route, whatever their status (`is_platform_host`).
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for verification")
        VERIFIED = "verified", _("Verified")
        LOST = "lost", _("Verification lost")

    class Method(models.TextChoices):
        DNS = "dns", _("DNS TXT record")
        MANUAL = "manual", _("Verified by platform staff")
        PLATFORM = "platform", _("Platform address")

    class CheckError(models.TextChoices):
        # Definitive answers: the record is not there (or says something else).
        NXDOMAIN = "nxdomain", _("The verification record's name does not exist in DNS.")
        NO_RECORD = "no_record", _("The name exists but has no TXT record.")
        WRONG_TOKEN = "wrong_token", _("A TXT record exists but does not hold this domain's token.")
        # Transient: nothing is concluded from them (see DEFINITIVE_CHECK_ERRORS).
        TIMEOUT = "timeout", _("DNS did not answer in time.")
        DNS_ERROR = "dns_error", _("The DNS servers of the domain answered with an error.")
        CHECK_FAILED = "check_failed", _("The check itself failed; it is tried again later.")

    verification_token = models.CharField(
        _("verification token"), max_length=64, default=domain_verification_token_new, editable=False
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    verification_method = models.CharField(
        _("verified by"), max_length=20, choices=Method.choices, default=Method.DNS
    )
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    last_checked_at = models.DateTimeField(_("last checked"), null=True, blank=True)
    last_check_error = models.CharField(
        _("last check error"), max_length=20, choices=CheckError.choices, blank=True
    )

    class Meta:
        verbose_name = _("domain")
        verbose_name_plural = _("domains")
        constraints = [
            models.UniqueConstraint(
                fields=["tenant"], condition=Q(is_primary=True), name="tenants_one_primary_domain"
            )
        ]
        indexes = [models.Index(fields=["status", "last_checked_at"], name="tenants_domain_check_due")]

    def __str__(self) -> str:
        return self.domain

    @property
    def is_platform_host(self) -> bool:
        """The platform's own hosts and a store's `<slug>.<PLATFORM_DOMAIN>` address: never
        verified by DNS, never removable by the merchant, always routed."""
        tenant = self.tenant
        return tenant.is_platform or self.domain == f"{tenant.slug}.{settings.PLATFORM_DOMAIN}"

    @property
    def routes(self) -> bool:
        return self.status == self.Status.VERIFIED or self.is_platform_host


DEFINITIVE_CHECK_ERRORS = frozenset(
    {Domain.CheckError.NXDOMAIN, Domain.CheckError.NO_RECORD, Domain.CheckError.WRONG_TOKEN}
)


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


class StoreJobRun(models.Model):
    """The latest run of one periodic job (apps/core/jobs.py) in one store: one row per pair,
    so platform staff see at a glance which stores fail which job, and since when."""

    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="job_runs")
    job = models.CharField(_("job"), max_length=100)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.RUNNING)
    started_at = models.DateTimeField(_("started"))
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    last_success_at = models.DateTimeField(_("last success"), null=True, blank=True)
    consecutive_failures = models.PositiveIntegerField(_("failures in a row"), default=0)
    error_code = models.CharField(_("error"), max_length=100, blank=True)
    error_detail = models.TextField(_("error detail"), blank=True)
    result = models.JSONField(_("result"), null=True, blank=True)

    class Meta:
        verbose_name = _("store job run")
        verbose_name_plural = _("store job runs")
        ordering = ["job", "tenant_id"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "job"], name="tenants_one_job_run_per_store")
        ]
        indexes = [models.Index(fields=["status", "job"])]

    def __str__(self) -> str:
        return f"{self.job} @ {self.tenant_id}: {self.status}"
