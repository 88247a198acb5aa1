"""What the store chose to keep and for how long, and the record of its customers' data requests.

`RetentionSetting` holds a store's own number of days for a data kind registered in
`apps.core.retention`; a kind without a row keeps its registered default. `DataRequest` records
that someone exported or erased a customer's data: who, when and how many rows were touched,
never the customer's data itself (the customer is named by the record's public id, which after an
erasure points at an anonymised record).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from apps.core.models import TimeStampedModel


class RetentionSetting(TimeStampedModel):
    kind = models.CharField(_("data kind"), max_length=60, unique=True)
    days = models.PositiveIntegerField(_("days kept"))
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["kind"]
        verbose_name = _("retention setting")
        verbose_name_plural = _("retention settings")
        constraints = [
            models.CheckConstraint(condition=Q(days__gte=1), name="privacy_retention_days_positive")
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.days} days"


class DataRequest(models.Model):
    class Kind(models.TextChoices):
        EXPORT = "export", _("Export")
        ERASE = "erase", _("Erasure")

    kind = models.CharField(_("request"), max_length=10, choices=Kind.choices)
    customer_uuid = models.UUIDField(_("customer"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Row counts per data kind ("orders": 3, "addresses": 2): what was exported or erased.
    summary = models.JSONField(_("summary"), default=dict, blank=True)
    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("data request")
        verbose_name_plural = _("data requests")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["export", "erase"]), name="privacy_request_kind_valid"
            ),
            # A customer is erased once; a second erasure would find nothing left to erase.
            models.UniqueConstraint(
                fields=["customer_uuid"], condition=Q(kind="erase"), name="privacy_one_erasure_per_customer"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.customer_uuid}"
