"""Discounts as the merchant sets them up: codes and automatic discounts, their restriction to
products and collections, conditions, deactivation and deletion."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, models, transaction
from django.db.models.functions import Lower
from django.utils.translation import gettext as _

from apps.catalog.models import Collection, Product
from apps.checkout.admin_services.common import (
    DISCOUNT_CODE_MAX,
    DISCOUNT_CODE_RE,
    DISCOUNT_NAME_MAX,
    USAGE_LIMIT_MAX,
    CheckoutSetupErrorCode,
    amount_clean,
    amount_or_none_clean,
    name_clean,
    setup_emit,
    setup_error,
)
from apps.checkout.models import (
    Discount,
    DiscountKind,
    GiftCard,
)
from apps.stores.selectors import store_currency_get

DISCOUNT_CREATED = "discount.created"
DISCOUNT_UPDATED = "discount.updated"
DISCOUNT_DELETED = "discount.deleted"


# ------------------------------------------------------------------------------
# Discounts
# ------------------------------------------------------------------------------
@dataclass(frozen=True)
class DiscountSaveInput:
    """A discount as the merchant sets it up (not `apps.checkout.pricing.DiscountInput`, the
    rule the totals are computed from)."""

    name: str
    kind: str
    value: Decimal = Decimal(0)
    code: str = ""
    automatic: bool = False
    buy_quantity: int = 0
    get_quantity: int = 0
    get_percent: Decimal = Decimal(100)
    product_ids: Sequence[int] = ()
    collection_ids: Sequence[int] = ()
    min_subtotal: Decimal | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    usage_limit: int | None = None
    once_per_customer: bool = False
    combines: bool = False
    active: bool = True


DISCOUNT_COLUMNS = (
    "name",
    "code",
    "automatic",
    "kind",
    "value",
    "buy_quantity",
    "get_quantity",
    "get_percent",
    "min_subtotal",
    "starts_at",
    "ends_at",
    "usage_limit",
    "once_per_customer",
    "combines",
    "active",
)
PERCENT_STEP = Decimal("0.01")


def discount_code_normalise(value: str) -> str:
    return "".join(str(value or "").split())


def _percent(value: Decimal | None, *, field: str) -> Decimal:
    if (
        value is None
        or not value.is_finite()
        or value <= 0
        or value > 100
        or value != value.quantize(PERCENT_STEP)
    ):
        raise setup_error(
            CheckoutSetupErrorCode.VALUE_INVALID,
            _("Enter a percentage above 0 and at most 100, with at most 2 decimals."),
            field=field,
        )
    return value


def _discount_code(data: DiscountSaveInput, *, discount: Discount) -> str:
    if data.automatic:
        return ""
    code = discount_code_normalise(data.code)
    if not code:
        raise setup_error(
            CheckoutSetupErrorCode.CODE_REQUIRED,
            _("Enter the code shoppers type at checkout, or make the discount automatic."),
            field="code",
        )
    if len(code) > DISCOUNT_CODE_MAX or not DISCOUNT_CODE_RE.match(code):
        raise setup_error(
            CheckoutSetupErrorCode.CODE_INVALID,
            _("Use letters, digits, hyphens and underscores, at most %(max)d."),
            field="code",
            max=DISCOUNT_CODE_MAX,
        )
    others = Discount.objects.annotate(code_ci=Lower("code")).filter(code_ci=code.lower())
    if discount.pk is not None:
        others = others.exclude(pk=discount.pk)
    # A shopper types either kind of code in the same box, so one may not shadow the other.
    if others.exists() or GiftCard.objects.filter(code=code.upper()).exists():
        raise setup_error(
            CheckoutSetupErrorCode.CODE_TAKEN,
            _("The code “%(code)s” is already in use."),
            field="code",
            code=code,
        )
    return code


def _ids_known(model: type[models.Model], ids: Sequence[int], *, field: str) -> list[int]:
    wanted = sorted(set(ids))
    found = set(model._default_manager.filter(pk__in=wanted).values_list("pk", flat=True))
    if len(found) != len(wanted):
        raise setup_error(
            CheckoutSetupErrorCode.UNKNOWN_ITEMS,
            _("Some of the chosen items no longer exist; choose again."),
            field=field,
        )
    return wanted


def discount_clean(data: DiscountSaveInput, *, discount: Discount, currency: str) -> dict[str, Any]:
    """The discount's column values (and `product_ids`, `collection_ids`) from `data`."""
    name = name_clean(data.name, limit=DISCOUNT_NAME_MAX)
    code = _discount_code(data, discount=discount)
    if data.kind not in DiscountKind.values:
        raise setup_error(
            CheckoutSetupErrorCode.KIND_INVALID,
            _("Unknown discount type “%(kind)s”."),
            field="kind",
            kind=data.kind,
        )
    kind = DiscountKind(data.kind)
    value, buy, get, get_percent = Decimal(0), 0, 0, Decimal(100)
    if kind == DiscountKind.PERCENTAGE:
        value = _percent(data.value, field="value")
    elif kind == DiscountKind.FIXED:
        value = amount_clean(data.value, field="value", currency=currency, positive=True)
    elif kind == DiscountKind.BUY_X_GET_Y:
        for field_name, quantity in (
            ("buy_quantity", data.buy_quantity),
            ("get_quantity", data.get_quantity),
        ):
            if quantity is None or quantity < 1 or quantity > 1000:
                raise setup_error(
                    CheckoutSetupErrorCode.QUANTITY_INVALID,
                    _("Enter a whole number from 1 to %(max)d."),
                    field=field_name,
                    max=1000,
                )
        buy, get = data.buy_quantity, data.get_quantity
        get_percent = _percent(data.get_percent, field="get_percent")
    if data.starts_at and data.ends_at and data.starts_at >= data.ends_at:
        raise setup_error(
            CheckoutSetupErrorCode.WINDOW_ORDER, _("The end must be after the start."), field="ends_at"
        )
    usage_limit = data.usage_limit
    if usage_limit is not None:
        if usage_limit < 1 or usage_limit > USAGE_LIMIT_MAX:
            raise setup_error(
                CheckoutSetupErrorCode.USAGE_LIMIT_INVALID,
                _("Enter a limit of at least 1, or leave it empty for no limit."),
                field="usage_limit",
            )
        if usage_limit < discount.times_used:
            raise setup_error(
                CheckoutSetupErrorCode.USAGE_LIMIT_INVALID,
                _("It has been used %(used)d times already; the limit cannot be lower."),
                field="usage_limit",
                used=discount.times_used,
            )
    return {
        "name": name,
        "code": code,
        "automatic": bool(data.automatic),
        "kind": kind.value,
        "value": value,
        "buy_quantity": buy,
        "get_quantity": get,
        "get_percent": get_percent,
        "min_subtotal": amount_or_none_clean(data.min_subtotal, field="min_subtotal", currency=currency),
        "starts_at": data.starts_at,
        "ends_at": data.ends_at,
        "usage_limit": usage_limit,
        "once_per_customer": bool(data.once_per_customer),
        "combines": bool(data.combines),
        "active": bool(data.active),
        "product_ids": _ids_known(Product, data.product_ids, field="products"),
        "collection_ids": _ids_known(Collection, data.collection_ids, field="collections"),
    }


def _discount_payload(discount: Discount) -> dict[str, Any]:
    return {"discount_id": discount.pk, "code": discount.code, "name": discount.name, "kind": discount.kind}


def discount_save(*, discount: Discount, data: DiscountSaveInput) -> Discount:
    """Create (`discount` unsaved) or update a discount and its product/collection restriction.
    An existing discount's row is locked first so the usage limit is checked against the
    latest `times_used`, which this never writes."""
    created = discount.pk is None
    try:
        with transaction.atomic():
            if not created:
                locked = Discount.objects.select_for_update().get(pk=discount.pk)
                discount.times_used = locked.times_used
            values = discount_clean(data, discount=discount, currency=store_currency_get())
            product_ids, collection_ids = values.pop("product_ids"), values.pop("collection_ids")
            for name, value in values.items():
                setattr(discount, name, value)
            if created:
                discount.save()
            else:
                discount.save(update_fields=[*DISCOUNT_COLUMNS, "updated_at"])
            discount.products.set(product_ids)
            discount.collections.set(collection_ids)
            setup_emit(DISCOUNT_CREATED if created else DISCOUNT_UPDATED, **_discount_payload(discount))
    except IntegrityError as exc:  # a concurrent save took the code first
        if created:
            discount.pk = None
        raise setup_error(
            CheckoutSetupErrorCode.CODE_TAKEN,
            _("The code “%(code)s” is already in use."),
            field="code",
            code=data.code,
        ) from exc
    return discount


@transaction.atomic
def discount_deactivate(*, discount: Discount) -> Discount:
    """Stop offering a discount; its history stays. Reactivate by editing it."""
    Discount.objects.filter(pk=discount.pk).update(active=False)
    discount.active = False
    setup_emit(DISCOUNT_UPDATED, **_discount_payload(discount), active=False)
    return discount


@transaction.atomic
def discount_delete(*, discount: Discount) -> None:
    """Delete a discount no order has used; one with redemptions is only deactivated, since
    orders name it."""
    locked = Discount.objects.select_for_update().get(pk=discount.pk)
    if locked.times_used or locked.redemptions.exists():
        raise setup_error(
            CheckoutSetupErrorCode.DISCOUNT_USED,
            _("Orders have used this discount, so it is kept for their history; deactivate it instead."),
            field=None,
        )
    payload = _discount_payload(discount)
    locked.delete()
    setup_emit(DISCOUNT_DELETED, **payload)
