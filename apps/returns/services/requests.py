"""Return requests: a shopper asks to send goods back; staff approve (with instructions and/or a
return label), refuse (saying why) or mark the goods received (optionally back in stock).

Every change holds the order's row lock, moves the status only along `RETURN_TRANSITIONS`,
writes the order's timeline and emits its event after commit: `return.requested`,
`return.approved`, `return.refused` (payload: the order's, plus `return={id, reason,
instructions, label_url, decision_note}`). Refunding the received goods is the refund page's
job (`apps.returns.services.refunds`), which marks the request refunded.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.catalog.errors import CatalogError
from apps.catalog.services.images import image_validate
from apps.core.events import event_emit
from apps.orders.enums import OrderEventKind
from apps.orders.locks import order_lock
from apps.orders.models import Order, OrderLine
from apps.orders.timeline import order_event_add, order_payload
from apps.returns.enums import RETURN_TRANSITIONS, ReturnErrorCode, ReturnReason, ReturnStatus
from apps.returns.errors import ReturnError, form_replayed
from apps.returns.models import ReturnLine, ReturnPhoto, ReturnRequest
from apps.returns.selectors import return_settings_get, return_window, returnable_quantities

if TYPE_CHECKING:
    from apps.accounts.models import User

RETURN_REQUESTED = "return.requested"
RETURN_APPROVED = "return.approved"
RETURN_REFUSED = "return.refused"
MAX_PHOTOS = 5
PHOTO_MAX_BYTES = 5 * 1024 * 1024
LABEL_MAX_BYTES = 5 * 1024 * 1024
LABEL_EXTENSIONS = ("pdf", "png", "jpg", "jpeg", "gif", "webp")


def _refused(message: str, code: ReturnErrorCode, field: str | None = None, **params: object) -> ReturnError:
    return ReturnError(message, code=code, field=field, params={k: str(v) for k, v in params.items()})


def return_label_link(return_request: ReturnRequest) -> str:
    """Where the shopper gets the label: the carrier's link staff gave, else the (sign-in
    protected) download on the store; "" when there is no label."""
    if return_request.label_url:
        return return_request.label_url
    if not return_request.label:
        return ""
    path = reverse("storefront:return_label", kwargs={"return_uuid": return_request.uuid})
    tenant = getattr(connection, "tenant", None)
    from apps.tenants.links import store_base_url
    from apps.tenants.models import Tenant

    if isinstance(tenant, Tenant):
        return f"{store_base_url(tenant)}{path}"
    return path


def return_payload(return_request: ReturnRequest) -> dict[str, Any]:
    return {
        "id": str(return_request.uuid),
        "reason": return_request.reason,
        "instructions": return_request.instructions,
        "label_url": return_label_link(return_request),
        "decision_note": return_request.decision_note,
    }


def _emit(name: str, order: Order, return_request: ReturnRequest) -> None:
    event_emit(name=name, payload={**order_payload(order), "return": return_payload(return_request)})


def _move(return_request: ReturnRequest, to: str) -> None:
    if to not in RETURN_TRANSITIONS[return_request.status]:
        raise _refused(
            _("This return is %(status)s and can no longer be %(action)s.")
            % {
                "status": return_request.get_status_display().lower(),
                "action": ReturnStatus(to).label.lower(),
            },
            ReturnErrorCode.TRANSITION_NOT_ALLOWED,
            status=return_request.status,
            to=to,
        )
    return_request.status = to


def _locked(return_request: ReturnRequest) -> tuple[Order, ReturnRequest]:
    order = order_lock(order_id=return_request.order_id)
    fresh = ReturnRequest.objects.select_for_update().get(pk=return_request.pk)
    return order, fresh


# ------------------------------------------------------------------------------
# the shopper asks
# ------------------------------------------------------------------------------
def _photos_check(photos: Sequence[UploadedFile], *, required: bool) -> list[str]:
    if required and not photos:
        raise _refused(_("Add at least one photo of the goods."), ReturnErrorCode.PHOTOS_REQUIRED, "photos")
    if len(photos) > MAX_PHOTOS:
        raise _refused(
            _("Add at most %(max)s photos.") % {"max": MAX_PHOTOS},
            ReturnErrorCode.TOO_MANY_PHOTOS,
            "photos",
            max=MAX_PHOTOS,
        )
    extensions = []
    for photo in photos:
        if (photo.size or 0) > PHOTO_MAX_BYTES:
            raise _refused(
                _("%(name)s is larger than %(limit)s MB.")
                % {"name": photo.name, "limit": PHOTO_MAX_BYTES // (1024 * 1024)},
                ReturnErrorCode.PHOTO_INVALID,
                "photos",
            )
        try:
            extensions.append(image_validate(photo))
        except CatalogError as error:
            # The catalog's words speak of product images; the shopper is told in their own.
            raise _refused(
                _("%(name)s is not a photo we can accept: send a JPEG, PNG, WebP or GIF image.")
                % {"name": photo.name},
                ReturnErrorCode.PHOTO_INVALID,
                "photos",
                image_error=error.code,
            ) from error
    return extensions


def return_request_create(
    *,
    order: Order,
    user: User | None,
    lines: Sequence[tuple[int, int]],
    reason: str,
    comment: str = "",
    photos: Sequence[UploadedFile] = (),
    token: uuid.UUID | None = None,
) -> ReturnRequest:
    """Ask to return `lines` ((order line id, units), ...) of the order; refused (nothing saved)
    past the return window, for more units than were received minus those asked back already,
    or with photos missing, too many or not images. A `token` (the form's) already used for this
    order returns that request, marked `replayed`, and asks for nothing more."""
    if reason not in ReturnReason.values:
        raise _refused(_("Choose a reason."), ReturnErrorCode.REASON_REQUIRED, "reason")
    policy = return_settings_get()
    extensions = _photos_check(photos, required=policy.photos_required)
    with transaction.atomic():
        order = order_lock(order_id=order.pk)
        done = ReturnRequest.objects.filter(submission_token=token).first() if token else None
        done = form_replayed(done, order_id=order.pk)
        if done is not None:
            return done
        window = return_window(order, policy=policy)
        if not window.is_open(timezone.now()):
            if window.ends is None:
                raise _refused(
                    _("This order cannot be returned: it is not paid."), ReturnErrorCode.ORDER_NOT_PAID
                )
            raise _refused(
                _("The %(days)s-day return window for this order closed on %(date)s.")
                % {"days": policy.window_days, "date": timezone.localdate(window.ends).isoformat()},
                ReturnErrorCode.WINDOW_CLOSED,
                days=policy.window_days,
                ends=window.ends.isoformat(),
            )
        order_lines: dict[int, OrderLine] = {line.pk: line for line in order.lines.all()}
        returnable = returnable_quantities(order, list(order_lines.values()))
        wanted = [(line_id, qty) for line_id, qty in lines if qty > 0]
        if not wanted:
            raise _refused(_("Choose at least one item to return."), ReturnErrorCode.NOTHING_CHOSEN, "lines")
        for line_id, qty in wanted:
            if line_id not in order_lines:
                raise _refused(_("This order has no such item."), ReturnErrorCode.LINE_UNKNOWN, "lines")
            if qty > returnable.get(line_id, 0):
                line = order_lines[line_id]
                raise _refused(
                    _("You can return at most %(left)s of %(title)s.")
                    % {"left": returnable.get(line_id, 0), "title": line.product_title},
                    ReturnErrorCode.QUANTITY_TOO_LARGE,
                    "lines",
                    left=returnable.get(line_id, 0),
                    line=line_id,
                )
        request = ReturnRequest.objects.create(
            order=order,
            reason=reason,
            comment=comment.strip()[:5000],
            requested_by=user,
            submission_token=token,
        )
        ReturnLine.objects.bulk_create(
            [
                ReturnLine(return_request=request, order_line_id=line_id, quantity=qty)
                for line_id, qty in wanted
            ]
        )
        saved: list[ReturnPhoto] = []
        try:
            for photo, extension in zip(photos, extensions, strict=True):
                row = ReturnPhoto(return_request=request)
                row.image.save(f"photo.{extension}", photo, save=False)
                row.save()
                saved.append(row)
        except Exception:
            for row in saved:
                row.image.delete(save=False)
            raise
        order_event_add(
            order=order,
            kind=OrderEventKind.RETURN_REQUESTED,
            params={"units": sum(qty for _id, qty in wanted), "reason": str(ReturnReason(reason).label)},
            actor=user,
        )
        _emit(RETURN_REQUESTED, order, request)
        return request


def return_cancel(*, return_request: ReturnRequest, user: User | None) -> ReturnRequest:
    """The shopper withdraws a request staff have not decided yet."""
    with transaction.atomic():
        _order, request = _locked(return_request)
        _move(request, ReturnStatus.CANCELLED)
        request.save(update_fields=["status", "updated_at"])
        return request


# ------------------------------------------------------------------------------
# staff decide
# ------------------------------------------------------------------------------
def _label_check(label: UploadedFile | None) -> None:
    if label is None:
        return
    name = (label.name or "").lower()
    if "." not in name or name.rsplit(".", 1)[-1] not in LABEL_EXTENSIONS:
        raise _refused(_("Upload the label as a PDF or an image."), ReturnErrorCode.LABEL_INVALID, "label")
    if (label.size or 0) > LABEL_MAX_BYTES:
        raise _refused(
            _("The label is larger than %(limit)s MB.") % {"limit": LABEL_MAX_BYTES // (1024 * 1024)},
            ReturnErrorCode.LABEL_INVALID,
            "label",
        )
    label.seek(0)
    head = label.read(512)
    label.seek(0)
    if name.endswith(".pdf"):
        if not head.startswith(b"%PDF-"):
            raise _refused(_("This file is not a PDF."), ReturnErrorCode.LABEL_INVALID, "label")
        return
    try:
        image_validate(label)
    except CatalogError as error:
        raise _refused(error.message, ReturnErrorCode.LABEL_INVALID, "label") from error


def return_approve(
    *,
    return_request: ReturnRequest,
    actor: User | None,
    instructions: str = "",
    label: UploadedFile | None = None,
    label_url: str = "",
    note: str = "",
) -> ReturnRequest:
    _label_check(label)
    with transaction.atomic():
        order, request = _locked(return_request)
        _move(request, ReturnStatus.APPROVED)
        request.instructions = instructions.strip()
        request.label_url = label_url.strip()
        request.decision_note = note.strip()
        request.decided_by = actor
        request.decided_at = timezone.now()
        if label is not None:
            request.label_name = (label.name or "label")[-255:]
            request.label.save(label.name or "label.pdf", label, save=False)
        request.save()
        order_event_add(order=order, kind=OrderEventKind.RETURN_APPROVED, params={}, actor=actor)
        _emit(RETURN_APPROVED, order, request)
        return request


def return_refuse(*, return_request: ReturnRequest, actor: User | None, reason: str) -> ReturnRequest:
    reason = reason.strip()
    if not reason:
        raise _refused(_("Say why the return is refused."), ReturnErrorCode.REASON_REQUIRED, "reason")
    with transaction.atomic():
        order, request = _locked(return_request)
        _move(request, ReturnStatus.REFUSED)
        request.decision_note = reason[:5000]
        request.decided_by = actor
        request.decided_at = timezone.now()
        request.save()
        order_event_add(
            order=order, kind=OrderEventKind.RETURN_REFUSED, params={"reason": reason[:500]}, actor=actor
        )
        _emit(RETURN_REFUSED, order, request)
        return request


def return_receive(*, return_request: ReturnRequest, actor: User | None, restock: bool) -> ReturnRequest:
    """The goods came back; `restock` puts their units back in stock (only units not put back
    before, e.g. by a refund that restocked them)."""
    from apps.returns.services.refunds import restock_lines

    with transaction.atomic():
        order, request = _locked(return_request)
        _move(request, ReturnStatus.RECEIVED)
        request.received_at = timezone.now()
        request.save(update_fields=["status", "received_at", "updated_at"])
        units = 0
        if restock:
            rows = list(request.lines.select_related("order_line"))
            units = restock_lines(order=order, rows=[(row, row.order_line) for row in rows], actor=actor)
        order_event_add(
            order=order, kind=OrderEventKind.RETURN_RECEIVED, params={"restocked": units}, actor=actor
        )
        return request


def return_settings_update(*, window_days: int, photos_required: bool, instructions: str) -> None:
    """Change the store's return policy."""
    from apps.returns.models import RETURN_SETTINGS_PK, ReturnSettings

    if not 0 <= window_days <= 365:
        raise _refused(_("The return window is 0 to 365 days."), ReturnErrorCode.RETURN_ERROR, "window_days")
    return_settings_get()
    ReturnSettings.objects.filter(pk=RETURN_SETTINGS_PK).update(
        window_days=window_days,
        photos_required=photos_required,
        instructions=instructions.strip(),
        updated_at=timezone.now(),
    )
