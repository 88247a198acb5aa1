"""Supplier tracking turned into the order's shipments.

The per-store job `purchasing.tracking_sync` (every 30 minutes) asks each API supplier for the
parcels of its placed orders. Each new tracking number becomes one fulfilment through
`apps.fulfilment.services.fulfilment_create(source="supplier", purchase_order_id=...)`, recorded
in `PurchaseOrderShipment` so a second sync never ships it twice (the unique constraint holds even
when two syncs race); the carrier's scans go to `fulfilment_tracking_record` on every sync (it
keeps each scan once). The purchase order follows: `shipped`, then `delivered`.

The first parcel of an order carries all of its lines; a supplier that splits an order into
several parcels has the others recorded as shipments of the same purchase order without lines
(their tracking shows on the purchase order, not as separate fulfilments).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.purchasing.errors import PurchasingErrorCode
from apps.purchasing.models import PurchaseOrder, PurchaseOrderShipment, PurchaseOrderStatus
from apps.purchasing.services.placement import supplier_client
from apps.purchasing.transitions import TRACKED_STATUSES, po_can_move
from apps.sourcing.connectors.dropship_api import SupplierTracking
from apps.sourcing.errors import SourcingError
from apps.sourcing.models import Supplier

logger = logging.getLogger(__name__)

S = PurchaseOrderStatus
# Logistics services whose parcels a carrier we know carries, when the number does not say.
SERVICE_CARRIERS = {"CAINIAO": "cainiao", "YANWEN": "yanwen", "4PX": "4px", "YUN": "yunexpress"}
FALLBACK_TRACKING_URL = "https://t.17track.net/en#nums={number}"


@dataclass
class TrackingSyncResult:
    checked: int = 0
    shipments: int = 0
    delivered: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)


def _carrier_for(parcel: SupplierTracking) -> tuple[str, str]:
    """(carrier code, tracking link) for a supplier's parcel."""
    from apps.fulfilment.carriers import OTHER, carrier_guess, carrier_tracking_url

    code = carrier_guess(parcel.tracking_number)
    if code is None:
        service = parcel.logistics_service.upper()
        code = next(
            (carrier for prefix, carrier in SERVICE_CARRIERS.items() if service.startswith(prefix)), None
        )
    if code is None:
        return OTHER, FALLBACK_TRACKING_URL.format(number=parcel.tracking_number)
    return code, carrier_tracking_url(code, parcel.tracking_number)


def _shipment_for(
    po: PurchaseOrder, parcel: SupplierTracking, *, first: bool
) -> PurchaseOrderShipment | None:
    """The parcel's shipment row, creating it (and its fulfilment, for the first parcel) once."""
    from apps.fulfilment.errors import FulfilmentError
    from apps.fulfilment.services import fulfilment_create

    shipment = PurchaseOrderShipment.objects.filter(
        purchase_order=po, tracking_number=parcel.tracking_number
    ).first()
    if shipment is not None:
        return shipment
    carrier, url = _carrier_for(parcel)
    try:
        with transaction.atomic():
            shipment = PurchaseOrderShipment.objects.create(
                purchase_order=po, tracking_number=parcel.tracking_number, carrier=carrier
            )
            if first:
                lines = [
                    (line.order_line, line.quantity)
                    for line in po.lines.select_related("order_line")
                    if line.order_line is not None
                ]
                fulfilment = fulfilment_create(
                    order=po.order,
                    lines=lines,
                    carrier=carrier,
                    tracking_number=parcel.tracking_number,
                    tracking_url=url,
                    source="supplier",
                    purchase_order_id=po.pk,
                )
                shipment.fulfilment_id = fulfilment.pk
                shipment.save(update_fields=["fulfilment_id", "updated_at"])
            locked = PurchaseOrder.objects.select_for_update().get(pk=po.pk)
            if locked.status == S.PLACED:
                locked.status = S.SHIPPED
                locked.save(update_fields=["status", "updated_at"])
                po.status = locked.status
    except IntegrityError:  # another sync recorded this parcel meanwhile
        return PurchaseOrderShipment.objects.filter(
            purchase_order=po, tracking_number=parcel.tracking_number
        ).first()
    except FulfilmentError as exc:
        PurchaseOrder.objects.filter(pk=po.pk).update(
            last_error_code=PurchasingErrorCode.FULFILMENT_FAILED,
            last_error_params={"tracking_number": parcel.tracking_number, "error": exc.message[:500]},
            last_error=exc.message[:2000],
        )
        logger.warning(
            "supplier parcel %s of PO %s not shipped: %s", parcel.tracking_number, po.pk, exc.message
        )
        return None
    return shipment


def _scans_record(shipment: PurchaseOrderShipment, parcel: SupplierTracking) -> bool:
    """Hand the parcel's new scans to the fulfilment; True when it is delivered now."""
    from apps.fulfilment.models import Fulfilment
    from apps.fulfilment.services import TrackingUpdate, fulfilment_tracking_record

    new = [
        event
        for event in parcel.events
        if shipment.last_event_at is None or event.occurred_at > shipment.last_event_at
    ]
    newly_delivered = parcel.delivered and shipment.delivered_at is None
    if not new and not newly_delivered:
        return False
    if shipment.fulfilment_id is not None:
        fulfilment = Fulfilment.objects.filter(pk=shipment.fulfilment_id).first()
        if fulfilment is not None:
            fulfilment_tracking_record(
                fulfilment=fulfilment,
                events=[
                    TrackingUpdate(
                        occurred_at=event.occurred_at,
                        status=event.status,
                        description=event.description,
                        location=event.location,
                    )
                    for event in new
                ],
                delivered=parcel.delivered,
            )
    shipment.last_event_at = max(
        (event.occurred_at for event in parcel.events), default=shipment.last_event_at
    )
    if newly_delivered:
        shipment.delivered_at = timezone.now()
    shipment.save(update_fields=["last_event_at", "delivered_at", "updated_at"])
    return newly_delivered


def purchase_order_tracking_sync(*, po: PurchaseOrder) -> tuple[int, int]:
    """Ask the supplier for the parcels of one placed order; (new shipments, newly delivered).
    Raises `SourcingError` when the supplier cannot be asked."""
    client = supplier_client(po)
    parcels = client.order_tracking(po.supplier_order_id)
    known = set(
        PurchaseOrderShipment.objects.filter(purchase_order=po).values_list("tracking_number", flat=True)
    )
    had_shipments = bool(known)
    new_shipments = delivered = 0
    for position, parcel in enumerate(parcels):
        # The first parcel ever reported carries the lines (see the module docstring).
        shipment = _shipment_for(po, parcel, first=position == 0 and not had_shipments)
        if shipment is None:
            continue
        if parcel.tracking_number not in known:
            new_shipments += 1
            known.add(parcel.tracking_number)
        delivered += int(_scans_record(shipment, parcel))
    with transaction.atomic():
        locked = PurchaseOrder.objects.select_for_update().get(pk=po.pk)
        locked.tracking_synced_at = timezone.now()
        shipments = list(PurchaseOrderShipment.objects.filter(purchase_order=locked))
        if shipments and all(s.delivered_at for s in shipments) and po_can_move(locked, S.DELIVERED):
            locked.status = S.DELIVERED
        locked.save(update_fields=["status", "tracking_synced_at", "updated_at"])
    return new_shipments, delivered


def purchase_orders_tracking_sync() -> TrackingSyncResult:
    """Every placed order of an API supplier in this store (the store job's body)."""
    result = TrackingSyncResult()
    pos = (
        PurchaseOrder.objects.filter(
            status__in=TRACKED_STATUSES,
            supplier__connector=Supplier.Connector.DROPSHIP_API,
            supplier__is_active=True,
        )
        .exclude(supplier_order_id="")
        .select_related("supplier", "order")
        .order_by("tracking_synced_at", "id")[:500]
    )
    for po in pos:
        result.checked += 1
        try:
            shipments, delivered = purchase_order_tracking_sync(po=po)
        except SourcingError as exc:
            result.errors.append({"purchase_order": po.pk, "code": str(exc.code)})
            logger.warning("tracking of PO %s failed: %s", po.pk, exc.message)
            continue
        result.shipments += shipments
        result.delivered += delivered
    return result
