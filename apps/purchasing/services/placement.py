"""Placing purchase orders with suppliers, and what staff do with them.

`purchase_order_place` is one attempt, run by `apps.purchasing.tasks.purchase_order_place_task`:

1. under the row lock, claim the attempt (only a `queued` or `failed` order is sent; the
   attempt is counted before the call, so a crash mid-call still counts);
2. outside any transaction, send it through the supplier's API with our reference as
   `out_order_id`, so sending the same order again after a lost answer never orders twice;
3. under the lock again, record what happened: `placed` with the supplier's order id, or
   `failed` with the next attempt's time (exponential backoff), or `needs_attention` when the
   supplier refused it for good or the store's attempts are used up. An order cancelled by staff
   meanwhile stays cancelled unless the supplier did take it (then it is recorded as placed:
   the supplier has it and someone must deal with it).

The reason is stored as a code and params (`last_error_code`, `last_error_params`), worded by
`apps.purchasing.errors.purchase_order_error_message`; `last_error` keeps the supplier's own
words. Nothing is written half: each step is one transaction.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.core.tenancy import current_schema
from apps.orders.enums import OrderEventKind
from apps.orders.locks import order_lock
from apps.orders.timeline import order_event_add
from apps.purchasing.errors import PurchasingError, PurchasingErrorCode, purchase_order_error_message
from apps.purchasing.models import PurchaseOrder, PurchaseOrderStatus, PurchasingSettings
from apps.purchasing.selectors import purchasing_settings_get
from apps.purchasing.services.creation import ready_status
from apps.purchasing.transitions import OPEN_STATUSES, SENDING_STATUSES, po_move, po_require
from apps.sourcing.errors import TEXT_PARAM, SourcingError, SourcingErrorCode

if TYPE_CHECKING:
    from apps.accounts.models import User
    from apps.sourcing.connectors.dropship_api import DropshipApiClient, SupplierOrderAddress

logger = logging.getLogger(__name__)

S = PurchaseOrderStatus
BACKOFF_BASE_SECONDS = 60
BACKOFF_MAX_SECONDS = 6 * 60 * 60
# Failures that sending again cannot fix: straight to needs_attention.
PERMANENT_SOURCING_CODES = frozenset(
    {SourcingErrorCode.API_NOT_CONFIGURED, SourcingErrorCode.MANUAL_SUPPLIER}
)


@dataclass(frozen=True)
class PlacementOutcome:
    status: str
    retry_in: int | None = None  # seconds until the task should try again


def backoff_seconds(attempts: int) -> int:
    """1, 2, 4, 8 ... minutes after the 1st, 2nd, 3rd ... failed attempt, at most six hours."""
    return int(min(BACKOFF_BASE_SECONDS * 2 ** max(attempts - 1, 0), BACKOFF_MAX_SECONDS))


def purchase_order_send(po: PurchaseOrder) -> None:
    """Queue the placement task for `po` once the caller's transaction commits."""
    from apps.purchasing.tasks import purchase_order_place_task

    schema = current_schema()
    po_id = po.pk
    transaction.on_commit(
        lambda: purchase_order_place_task.apply_async(args=(po_id,), headers={"_schema_name": schema})
    )


def _locked(purchase_order_id: int, *, order_first: bool = True) -> PurchaseOrder:
    """The purchase order under its row lock; with `order_first`, its order is locked before it
    (the lock order of `apps.orders.locks`, as a timeline entry or a fulfilment needs the order)."""
    if order_first:
        order_id = (
            PurchaseOrder.objects.filter(pk=purchase_order_id).values_list("order_id", flat=True).first()
        )
        if order_id is not None:
            order_lock(order_id=order_id)
    po = (
        PurchaseOrder.objects.select_for_update(of=("self",))
        .select_related("supplier", "order")
        .filter(pk=purchase_order_id)
        .first()
    )
    if po is None:
        raise PurchasingError(
            purchase_order_error_message(PurchasingErrorCode.NOT_FOUND),
            code=PurchasingErrorCode.NOT_FOUND,
            params={"purchase_order": purchase_order_id},
        )
    return po


def order_address(po: PurchaseOrder) -> SupplierOrderAddress:
    from apps.sourcing.connectors.dropship_api import SupplierOrderAddress

    address = po.order.shipping_address or {}
    if not address.get("line1") or not address.get("country"):
        raise PurchasingError(
            purchase_order_error_message(PurchasingErrorCode.NO_ADDRESS),
            code=PurchasingErrorCode.NO_ADDRESS,
        )
    return SupplierOrderAddress(
        full_name=str(address.get("name") or ""),
        address=str(address.get("line1") or ""),
        address2=str(address.get("line2") or ""),
        city=str(address.get("city") or ""),
        province=str(address.get("region") or ""),
        zip=str(address.get("postal_code") or ""),
        country=str(address.get("country") or ""),
        phone=str(address.get("phone") or ""),
    )


def supplier_client(po: PurchaseOrder) -> DropshipApiClient:
    """The supplier's ordering API client; `SourcingError` when it has none."""
    from apps.sourcing.connectors.dropship_api import DropshipApiClient
    from apps.sourcing.connectors.factory import connector_for

    if po.supplier.connector != po.supplier.Connector.DROPSHIP_API:
        raise SourcingError(code=SourcingErrorCode.MANUAL_SUPPLIER, params={"supplier": po.supplier.name})
    client = connector_for(po.supplier)
    assert isinstance(client, DropshipApiClient)
    return client


def _send(po: PurchaseOrder) -> str:
    from apps.sourcing.connectors.dropship_api import SupplierOrderItem

    lines = list(po.lines.all())
    if not lines:
        raise PurchasingError(
            purchase_order_error_message(PurchasingErrorCode.NO_ITEMS), code=PurchasingErrorCode.NO_ITEMS
        )
    client = supplier_client(po)
    return client.order_create(
        out_order_id=po.reference,
        address=order_address(po),
        items=[
            SupplierOrderItem(
                product_id=line.supplier_product_id,
                sku_attr=line.supplier_sku,
                quantity=line.quantity,
                logistics_service_name=str(
                    (po.supplier.connector_config or {}).get("logistics_service") or ""
                ),
            )
            for line in lines
        ],
        pay_currency=po.currency,
    )


def _error_fields(exc: Exception) -> tuple[str, dict[str, Any], str]:
    """(code, params, the supplier's own words) of a failed attempt."""
    if isinstance(exc, SourcingError | PurchasingError):
        params = {key: value for key, value in exc.params.items() if isinstance(value, str | int | float)}
        words = str(exc.params.get("message") or exc.params.get(TEXT_PARAM) or exc.message)
        return str(exc.code), params, words[:2000]
    return (
        SourcingErrorCode.SOURCING_ERROR,
        {TEXT_PARAM: f"{type(exc).__name__}: {exc}"[:500]},
        str(exc)[:2000],
    )


def _is_permanent(exc: Exception) -> bool:
    from apps.sourcing.connectors.dropship_api import SupplierOrderRejected

    if isinstance(exc, SupplierOrderRejected):
        return exc.permanent
    if isinstance(exc, PurchasingError):
        return True
    return isinstance(exc, SourcingError) and exc.code in PERMANENT_SOURCING_CODES


def placed_record(
    po: PurchaseOrder,
    *,
    supplier_order_id: str,
    actor: User | None = None,
    cost: Decimal | None = None,
    shipping_cost: Decimal | None = None,
) -> None:
    """Mark the locked `po` placed with the supplier's order id and add it to the timeline."""
    po_move(po, S.PLACED)
    po.supplier_order_id = supplier_order_id[:120]
    po.placed_at = timezone.now()
    po.next_attempt_at = None
    po.last_error, po.last_error_code, po.last_error_params = "", "", {}
    if cost is not None:
        po.cost = cost
    if shipping_cost is not None:
        po.shipping_cost = shipping_cost
    po.save()
    order_event_add(
        order=po.order,
        kind=OrderEventKind.PURCHASE_ORDER_PLACED,
        params={
            "supplier": po.supplier.name,
            "supplier_order_id": po.supplier_order_id,
            "purchase_order": po.pk,
        },
        actor=actor,
    )


def purchase_order_place(*, purchase_order_id: int) -> PlacementOutcome:
    """One attempt to place the purchase order with its supplier (see the module docstring)."""
    with transaction.atomic():
        po = _locked(purchase_order_id, order_first=False)  # writes nothing about the order
        if po.status not in SENDING_STATUSES:
            return PlacementOutcome(po.status)
        po.attempts += 1
        po.next_attempt_at = None
        po.save(update_fields=["attempts", "next_attempt_at", "updated_at"])
    settings = purchasing_settings_get()
    supplier_order_id = ""
    error: Exception | None = None
    try:
        supplier_order_id = _send(po)
    except (SourcingError, PurchasingError) as exc:
        error = exc
    with transaction.atomic():
        po = _locked(purchase_order_id)
        if error is None:
            if po.status in (S.PLACED, S.SHIPPED, S.DELIVERED):
                return PlacementOutcome(po.status)
            if po.status == S.CANCELLED:
                # Cancelled while the supplier was taking it: the supplier has it, so it is
                # recorded as placed for staff to cancel with the supplier.
                po.status = S.NEEDS_ATTENTION
            placed_record(po, supplier_order_id=supplier_order_id)
            return PlacementOutcome(po.status)
        if po.status not in SENDING_STATUSES:
            return PlacementOutcome(po.status)
        code, params, words = _error_fields(error)
        po.last_error_code, po.last_error_params, po.last_error = code, params, words
        if _is_permanent(error) or po.attempts >= settings.max_attempts:
            po_move(po, S.NEEDS_ATTENTION)
            po.next_attempt_at = None
            po.save()
            order_event_add(
                order=po.order,
                kind=OrderEventKind.PURCHASE_ORDER_FAILED,
                params={
                    "supplier": po.supplier.name,
                    "error": purchase_order_error_message(code, params),
                    "error_code": code,
                    "attempts": po.attempts,
                    "purchase_order": po.pk,
                },
            )
            return PlacementOutcome(po.status)
        delay = backoff_seconds(po.attempts)
        po_move(po, S.FAILED)
        po.next_attempt_at = timezone.now() + timedelta(seconds=delay)
        po.save()
        return PlacementOutcome(po.status, retry_in=delay)


def purchase_orders_resend_due(*, now: Any = None, grace: timedelta = timedelta(minutes=15)) -> list[int]:
    """Queue again supplier orders whose task was lost: queued or failed and overdue by `grace`."""
    now = now or timezone.now()
    from django.db.models import Q

    due = list(
        PurchaseOrder.objects.filter(status__in=SENDING_STATUSES)
        .filter(
            Q(next_attempt_at__lte=now - grace) | Q(next_attempt_at__isnull=True, updated_at__lte=now - grace)
        )
        .values_list("pk", flat=True)[:200]
    )
    for po_id in due:
        purchase_order_send(PurchaseOrder(pk=po_id))
    return due


# -- staff ---------------------------------------------------------------------
def purchase_order_approve(*, purchase_order_id: int, actor: User | None) -> PurchaseOrder:
    """Send an order the store holds for approval (or make it ready to place by hand)."""
    with transaction.atomic():
        po = _locked(purchase_order_id)
        po_require(po, S.AWAITING_APPROVAL)
        po_move(po, ready_status(po.supplier))
        po.approved_by = actor
        po.save(update_fields=["status", "approved_by", "updated_at"])
        if po.status == S.QUEUED:
            purchase_order_send(po)
        return po


def purchase_order_retry(*, purchase_order_id: int, actor: User | None) -> PurchaseOrder:
    """Try a purchase order that needs attention again, with a fresh set of attempts."""
    with transaction.atomic():
        po = _locked(purchase_order_id)
        po_require(po, S.NEEDS_ATTENTION)
        po_move(po, ready_status(po.supplier))
        po.attempts = 0
        po.next_attempt_at = None
        po.save(update_fields=["status", "attempts", "next_attempt_at", "updated_at"])
        if po.status == S.QUEUED:
            purchase_order_send(po)
        return po


def purchase_order_cancel(*, purchase_order_id: int, actor: User | None) -> PurchaseOrder:
    """Call off a purchase order not placed yet (a placed one is cancelled with the supplier
    first, then here)."""
    with transaction.atomic():
        po = _locked(purchase_order_id)
        po_require(po, *OPEN_STATUSES, S.PLACED)
        po_move(po, S.CANCELLED)
        po.next_attempt_at = None
        po.save(update_fields=["status", "next_attempt_at", "updated_at"])
        return po


def purchase_order_mark_placed(
    *,
    purchase_order_id: int,
    supplier_order_id: str,
    actor: User | None,
    cost: Decimal | None = None,
    shipping_cost: Decimal | None = None,
) -> PurchaseOrder:
    """Staff placed the order with the supplier themselves (manual suppliers, or after a failure)."""
    supplier_order_id = supplier_order_id.strip()
    if not supplier_order_id:
        raise PurchasingError(
            purchase_order_error_message(PurchasingErrorCode.SUPPLIER_ORDER_ID_REQUIRED),
            code=PurchasingErrorCode.SUPPLIER_ORDER_ID_REQUIRED,
            field="supplier_order_id",
        )
    for value in (cost, shipping_cost):
        if value is not None and value < 0:
            raise PurchasingError(_("Costs cannot be negative."), code=PurchasingErrorCode.NOT_ALLOWED)
    with transaction.atomic():
        po = _locked(purchase_order_id)
        placed_record(
            po, supplier_order_id=supplier_order_id, actor=actor, cost=cost, shipping_cost=shipping_cost
        )
        return po


def purchasing_settings_update(
    *, mode: str, max_attempts: int, max_lead_time_days: int | None
) -> PurchasingSettings:
    settings = purchasing_settings_get()
    if mode not in PurchasingSettings.Mode.values:
        raise PurchasingError(
            _("Choose how orders are placed."), code=PurchasingErrorCode.NOT_ALLOWED, field="mode"
        )
    if not 1 <= max_attempts <= 20:
        raise PurchasingError(
            _("Between 1 and 20 attempts."), code=PurchasingErrorCode.NOT_ALLOWED, field="max_attempts"
        )
    settings.mode = mode
    settings.max_attempts = max_attempts
    settings.max_lead_time_days = max_lead_time_days
    settings.save()
    return settings
