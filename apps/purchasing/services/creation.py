"""From a paid order to purchase orders: which supplier ships each line, one order per supplier.

`purchase_orders_sync(order=...)` is what the `order.paid` and `order.risk_approved` subscribers
call. It is idempotent: the first call makes the order's purchase orders (under the order's lock,
so two deliveries of one event make one set), later calls only move held ones on once the fraud
review let the order go. What a new purchase order waits for:

1. the order is held by the fraud review (apps.fraud) -> `held_for_review`, nothing is sent;
2. the store approves supplier orders by hand -> `awaiting_approval`;
3. otherwise an API supplier's order is `queued` and sent by a Celery task after commit, and any
   other supplier's is `to_place_manually`.

Supplier choice per line (`offer_choose`): among the variant's offers from active suppliers,
prefer one that ships to the order's country, has the quantity in stock and is available, and
is within the store's lead-time limit; then the cheapest, then the fastest. The next one in that
order is the fallback when the first is out of stock or too slow. A line whose variant no
supplier offers is the merchant's own stock and gets no purchase order.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from apps.orders.enums import OrderEventKind, OrderStatus
from apps.orders.locks import order_lock
from apps.orders.models import Order, OrderLine
from apps.orders.timeline import order_event_add
from apps.orders.transitions import PAID_STATUSES
from apps.purchasing.models import PurchaseOrder, PurchaseOrderLine, PurchaseOrderStatus, PurchasingSettings
from apps.purchasing.selectors import purchasing_settings_get
from apps.purchasing.transitions import po_move
from apps.sourcing.models import Supplier, SupplierOffer

logger = logging.getLogger(__name__)

S = PurchaseOrderStatus
# Orders that still want their goods bought.
BUYING_ORDER_STATUSES = PAID_STATUSES - {OrderStatus.REFUNDED}


def offer_rank(
    offer: SupplierOffer, *, country: str, quantity: int, max_lead_time_days: int | None
) -> tuple[int, int, int, Decimal, int, int]:
    """Smaller is better: each preference (ships there, in stock, fast enough) first, then cost,
    then lead time, then the older supplier (a stable order)."""
    supplier = offer.supplier
    ships_there = not supplier.ships_to_countries or country.upper() in supplier.ships_to_countries
    in_stock = offer.is_available and offer.stock >= quantity
    fast_enough = max_lead_time_days is None or supplier.lead_time_days <= max_lead_time_days
    return (
        0 if ships_there else 1,
        0 if in_stock else 1,
        0 if fast_enough else 1,
        offer.cost,
        supplier.lead_time_days,
        supplier.pk,
    )


def offer_choose(
    offers: Sequence[SupplierOffer], *, country: str, quantity: int, max_lead_time_days: int | None
) -> SupplierOffer | None:
    """The offer to buy `quantity` of a variant from (see the module docstring), or None."""
    if not offers:
        return None
    return min(
        offers,
        key=lambda offer: offer_rank(
            offer, country=country, quantity=quantity, max_lead_time_days=max_lead_time_days
        ),
    )


def _offers_by_variant(variant_ids: Iterable[int]) -> dict[int, list[SupplierOffer]]:
    offers: dict[int, list[SupplierOffer]] = defaultdict(list)
    for offer in SupplierOffer.objects.filter(
        variant_id__in=list(variant_ids), supplier__is_active=True
    ).select_related("supplier"):
        assert offer.variant_id is not None
        offers[offer.variant_id].append(offer)
    return offers


def order_fraud_held(order: Order) -> bool:
    """Whether apps.fraud holds the order for review (assessing it first, which is idempotent).
    Asked outside any lock: an assessment may call the payment gateway."""
    try:
        from apps.fraud.selectors import order_is_held
        from apps.fraud.services import order_risk_assess
    except ImportError:  # a deployment without the fraud app holds nothing
        return False
    order_risk_assess(order)
    return order_is_held(order)


def ready_status(supplier: Supplier) -> str:
    """Where a purchase order goes once nothing holds it: sent through the API, or by hand."""
    if supplier.connector == Supplier.Connector.DROPSHIP_API:
        return S.QUEUED
    return S.TO_PLACE_MANUALLY


def _held_entry(order: Order, po: PurchaseOrder, *, reason: str, reason_code: str) -> None:
    order_event_add(
        order=order,
        kind=OrderEventKind.PURCHASE_ORDER_HELD,
        params={
            "supplier": po.supplier.name,
            "purchase_order": po.pk,
            "reason": reason,
            "reason_code": reason_code,
        },
    )


def _waiting_status(*, held: bool, settings: PurchasingSettings, supplier: Supplier) -> str:
    if held:
        return S.HELD_FOR_REVIEW
    if settings.mode == PurchasingSettings.Mode.APPROVAL:
        return S.AWAITING_APPROVAL
    return ready_status(supplier)


def _hold_reason(status: str) -> tuple[str, str]:
    if status == S.HELD_FOR_REVIEW:
        return _("the order waits for a fraud review"), "fraud_review"
    return _("waiting for a staff member's approval"), "approval"


def _create(order: Order, *, held: bool, settings: PurchasingSettings) -> list[PurchaseOrder]:
    country = str((order.shipping_address or {}).get("country") or "").upper()
    lines: list[OrderLine] = list(order.lines.filter(variant__isnull=False).order_by("position", "id"))
    offers = _offers_by_variant(line.variant_id for line in lines if line.variant_id is not None)
    chosen: dict[int, list[tuple[OrderLine, SupplierOffer]]] = defaultdict(list)
    suppliers: dict[int, Supplier] = {}
    for line in lines:
        assert line.variant_id is not None
        offer = offer_choose(
            offers.get(line.variant_id, []),
            country=country,
            quantity=line.quantity,
            max_lead_time_days=settings.max_lead_time_days,
        )
        if offer is None:
            continue  # the merchant's own stock
        chosen[offer.supplier_id].append((line, offer))
        suppliers[offer.supplier_id] = offer.supplier
    created = []
    for supplier_id, pairs in sorted(chosen.items()):
        supplier = suppliers[supplier_id]
        status = _waiting_status(held=held, settings=settings, supplier=supplier)
        po = PurchaseOrder.objects.create(
            order=order,
            supplier=supplier,
            status=status,
            currency=pairs[0][1].currency,
            cost=sum((offer.cost * line.quantity for line, offer in pairs), Decimal("0")),
        )
        PurchaseOrderLine.objects.bulk_create(
            [
                PurchaseOrderLine(
                    purchase_order=po,
                    order_line=line,
                    offer=offer,
                    title=" / ".join(part for part in (line.product_title, line.variant_title) if part)[:255],
                    sku=line.sku,
                    supplier_sku=offer.supplier_sku,
                    supplier_product_id=offer.supplier_product_id,
                    quantity=line.quantity,
                    unit_cost=offer.cost,
                )
                for line, offer in pairs
            ]
        )
        if status in (S.HELD_FOR_REVIEW, S.AWAITING_APPROVAL):
            reason, code = _hold_reason(status)
            _held_entry(order, po, reason=reason, reason_code=code)
        created.append(po)
    return created


def _send_after_commit(pos: Iterable[PurchaseOrder]) -> None:
    from apps.purchasing.services.placement import purchase_order_send

    for po in pos:
        if po.status == S.QUEUED:
            purchase_order_send(po)


def purchase_orders_sync(*, order: Order) -> list[PurchaseOrder]:
    """Make the order's purchase orders if it has none, and send on those a fraud review no
    longer holds (see the module docstring); returns the order's purchase orders."""
    held = order_fraud_held(order)
    settings = purchasing_settings_get()
    with transaction.atomic():
        locked = order_lock(order_id=order.pk)
        existing = list(
            PurchaseOrder.objects.select_for_update(of=("self",))
            .filter(order=locked)
            .select_related("supplier")
        )
        if not existing:
            if locked.status not in BUYING_ORDER_STATUSES:
                return []
            created = _create(locked, held=held, settings=settings)
            _send_after_commit(created)
            return created
        released = []
        for po in existing:
            if po.status != S.HELD_FOR_REVIEW or held:
                continue
            target = (
                S.AWAITING_APPROVAL
                if settings.mode == PurchasingSettings.Mode.APPROVAL
                else ready_status(po.supplier)
            )
            po_move(po, target)
            po.save(update_fields=["status", "updated_at"])
            if target == S.AWAITING_APPROVAL:
                reason, code = _hold_reason(target)
                _held_entry(locked, po, reason=reason, reason_code=code)
            released.append(po)
        _send_after_commit(released)
        return existing


def purchase_orders_cancel_open(*, order: Order) -> int:
    """Cancel the order's purchase orders not placed yet (the order was cancelled or refunded)."""
    from apps.purchasing.transitions import OPEN_STATUSES

    with transaction.atomic():
        order_lock(order_id=order.pk)  # before its purchase orders, as everywhere
        pos = list(
            PurchaseOrder.objects.select_for_update().filter(order_id=order.pk, status__in=OPEN_STATUSES)
        )
        for po in pos:
            po_move(po, S.CANCELLED)
            po.next_attempt_at = None
            po.save(update_fields=["status", "next_attempt_at", "updated_at"])
    return len(pos)
