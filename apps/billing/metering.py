"""Metered usage: what a store used (AI credits first), recorded once, limited by the plan and
reported to Stripe as Billing Meter events.

Any app calls, inside a store:

    usage_record(meter=Meter.AI_CREDITS, quantity=3, idempotency_key=f"copy-{job.uuid}")

- **Where.** Records live in the public schema, one row per use, keyed by the store's tenant
  (`UsageRecord.tenant`), so the reporter reads every store's pending rows in one query. The
  store is always the connection's own (or one passed explicitly by platform code): nothing a
  store calls can write or read another store's records, and the selectors take the store.
- **Once.** (store, meter, idempotency key) is unique: a retried call returns the first record
  and counts nothing twice.
- **Limit.** The plan's `ai_credits_per_month` is per merchant over all its stores for the
  calendar month (UTC). The check is `limit_check` (it locks the merchant's plan row until the
  record is written), so two concurrent calls cannot both pass the last credits; beyond the
  limit the call raises `PlanLimitReached` and nothing is recorded.
- **Reporting.** `usage_report_pending` sends each unreported record as a meter event whose
  `identifier` (and idempotency key) is the record's own id, then marks it reported. A crash
  between Stripe's answer and the mark leaves the row pending; the next run sends the same
  identifier, which Stripe answers with the first result or refuses as a duplicate (both mean
  "already reported"), so usage is never counted twice. Records of a merchant without a Stripe
  customer (a trial without a card) wait until it has one.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import stripe
from django.db import IntegrityError, models, transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from apps.billing.limits import Limit, limit_check, merchant_plan_for, usage_counter_register
from apps.billing.models import Meter, UsageRecord
from apps.billing.subscriptions import _client
from apps.core.errors import ApplicationError
from apps.core.tenancy import current_schema
from apps.tenants.models import Tenant

if TYPE_CHECKING:
    from apps.platform.models import Merchant

logger = logging.getLogger(__name__)

# Which plan limit caps each meter (per merchant and calendar month).
METER_LIMITS: dict[str, Limit] = {Meter.AI_CREDITS: Limit.AI_CREDITS_PER_MONTH}
MAX_QUANTITY = 1_000_000


class MeteringErrorCode(models.TextChoices):
    METER_UNKNOWN = "metering_meter_unknown", _lazy("Unknown meter")
    QUANTITY_INVALID = "metering_quantity_invalid", _lazy("Invalid quantity")
    KEY_INVALID = "metering_key_invalid", _lazy("Invalid idempotency key")
    NO_STORE = "metering_no_store", _lazy("Not inside a store")


class MeteringError(ApplicationError):
    codes = MeteringErrorCode
    code = MeteringErrorCode.METER_UNKNOWN


def period_start(now: datetime | None = None) -> datetime:
    """The start of the metering period that contains `now`: the calendar month, in UTC."""
    now = (now or timezone.now()).astimezone(UTC)
    return now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def merchant_meter_used(*, merchant_id: int, meter: str, since: datetime | None = None) -> int:
    total = UsageRecord.objects.filter(
        merchant_id=merchant_id, meter=meter, recorded_at__gte=since or period_start()
    ).aggregate(total=Sum("quantity"))["total"]
    return int(total or 0)


def _ai_credits_used(*, merchant: Merchant, store: Tenant | None = None) -> int:
    return merchant_meter_used(merchant_id=merchant.pk, meter=Meter.AI_CREDITS)


usage_counter_register(Limit.AI_CREDITS_PER_MONTH, _ai_credits_used)


def _current_store() -> Tenant:
    schema = current_schema()
    store = Tenant.objects.filter(schema_name=schema).first() if schema != "public" else None
    if store is None:
        raise MeteringError(
            _("Usage is recorded inside a store."), code=MeteringErrorCode.NO_STORE, params={}
        )
    return store


def usage_record(
    *, meter: str, quantity: int, idempotency_key: str, store: Tenant | None = None
) -> UsageRecord:
    """Record that the current store (or `store`, for platform code) used `quantity` of `meter`.
    Idempotent per key; raises `PlanLimitReached` beyond the plan and `MeteringError` on bad
    input. Call it in or out of a transaction: the check and the write are one."""
    if meter not in Meter.values:
        raise MeteringError(
            _("“%(meter)s” is not a meter.") % {"meter": meter},
            code=MeteringErrorCode.METER_UNKNOWN,
            field="meter",
            params={"meter": str(meter)},
        )
    if isinstance(quantity, bool) or not isinstance(quantity, int) or not 0 < quantity <= MAX_QUANTITY:
        raise MeteringError(
            _("The quantity must be a whole number from 1 to %(max)d.") % {"max": MAX_QUANTITY},
            code=MeteringErrorCode.QUANTITY_INVALID,
            field="quantity",
            params={"quantity": str(quantity)},
        )
    key = str(idempotency_key or "").strip()
    if not key or len(key) > 200:
        raise MeteringError(
            _("An idempotency key of 1 to 200 characters is required."),
            code=MeteringErrorCode.KEY_INVALID,
            field="idempotency_key",
        )
    store = store if store is not None else _current_store()
    existing = UsageRecord.objects.filter(tenant_id=store.pk, meter=meter, idempotency_key=key).first()
    if existing is not None:
        return existing
    with transaction.atomic():
        if store.merchant is not None:
            # Locks the merchant's plan row: a concurrent call for the same merchant waits here.
            limit_check(merchant=store.merchant, limit=METER_LIMITS[meter], adding=quantity, store=store)
        try:
            with transaction.atomic():
                return UsageRecord.objects.create(
                    tenant_id=store.pk,
                    merchant_id=store.merchant_id,
                    meter=meter,
                    quantity=quantity,
                    idempotency_key=key,
                )
        except IntegrityError:
            # The same key from a concurrent call for a platform-owned store (no plan lock).
            return UsageRecord.objects.get(tenant_id=store.pk, meter=meter, idempotency_key=key)


# ------------------------------------------------------------------------------
# Reads for the console
# ------------------------------------------------------------------------------
@dataclass(frozen=True)
class StoreMeterRow:
    store: Tenant
    meter: str
    used: int  # this period


@dataclass(frozen=True)
class MeterSummary:
    meter: str
    label: str
    used: int
    allowed: int | None  # None: unlimited
    stores: list[StoreMeterRow]

    @property
    def left(self) -> int | None:
        return None if self.allowed is None else max(0, self.allowed - self.used)


def merchant_metering(*, merchant: Merchant) -> list[MeterSummary]:
    """Per meter: the merchant's use this period, what its plan allows, what is left, and the use
    of each of its stores."""
    merchant_plan = merchant_plan_for(merchant=merchant)
    since = period_start()
    stores = list(Tenant.objects.filter(merchant_id=merchant.pk).order_by("name", "pk"))
    per_store = {
        (row["tenant_id"], row["meter"]): int(row["total"] or 0)
        for row in UsageRecord.objects.filter(merchant_id=merchant.pk, recorded_at__gte=since)
        .values("tenant_id", "meter")
        .annotate(total=Sum("quantity"))
    }
    summaries = []
    for meter in Meter:
        rows = [
            StoreMeterRow(store, meter.value, per_store.get((store.pk, meter.value), 0)) for store in stores
        ]
        summaries.append(
            MeterSummary(
                meter=meter.value,
                label=str(meter.label),
                used=sum(row.used for row in rows),
                allowed=merchant_plan.limit_value(METER_LIMITS[meter.value]),
                stores=rows,
            )
        )
    return summaries


def store_meter_used(*, store: Tenant, meter: str) -> int:
    """One store's use of `meter` this period (a store's own view)."""
    total = UsageRecord.objects.filter(
        tenant_id=store.pk, meter=meter, recorded_at__gte=period_start()
    ).aggregate(total=Sum("quantity"))["total"]
    return int(total or 0)


# ------------------------------------------------------------------------------
# Reporting to Stripe
# ------------------------------------------------------------------------------
@dataclass
class ReportResult:
    reported: int = 0
    already: int = 0  # Stripe had it (a re-run after a crash)
    failed: int = 0
    waiting: int = 0  # no Stripe customer yet


def _report_one(client: stripe.StripeClient, record: UsageRecord, customer_id: str) -> str:
    """Send one record; "reported" or "already" (Stripe has this identifier)."""
    params: Any = {
        "event_name": record.meter,
        "identifier": record.stripe_identifier,
        "timestamp": int(record.recorded_at.timestamp()),
        "payload": {"stripe_customer_id": customer_id, "value": str(record.quantity)},
    }
    try:
        client.v1.billing.meter_events.create(
            params=params, options={"idempotency_key": record.stripe_identifier}
        )
    except stripe.InvalidRequestError as error:
        if getattr(error, "code", "") == "resource_already_exists":
            return "already"
        raise
    return "reported"


def usage_report_pending(*, batch: int = 500) -> ReportResult:
    """Report every unreported usage record to Stripe (see the module docstring). Safe to run
    concurrently: each record is locked (skipping locked ones) while it is sent."""
    result = ReportResult()
    pending = list(
        UsageRecord.objects.filter(reported_at=None, merchant__isnull=False)
        .order_by("recorded_at", "pk")
        .values_list("pk", flat=True)[:batch]
    )
    if not pending:
        return result
    client = _client()
    customers: dict[int, str] = {}
    for pk in pending:
        with transaction.atomic():
            record = (
                UsageRecord.objects.select_for_update(skip_locked=True)
                .filter(Q(pk=pk) & Q(reported_at=None))
                .first()
            )
            merchant = record.merchant if record is not None else None
            if record is None or merchant is None:
                continue
            if merchant.pk not in customers:
                customers[merchant.pk] = merchant_plan_for(merchant=merchant).stripe_customer_id
            customer_id = customers[merchant.pk]
            if not customer_id:
                result.waiting += 1
                continue
            try:
                outcome = _report_one(client, record, customer_id)
            except stripe.StripeError as error:
                logger.warning("usage record %s not reported: %s", record.uuid, error)
                result.failed += 1
                continue
            UsageRecord.objects.filter(pk=record.pk, reported_at=None).update(reported_at=timezone.now())
            if outcome == "already":
                result.already += 1
            else:
                result.reported += 1
    return result
