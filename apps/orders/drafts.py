"""Draft orders: staff make an order for a customer (by email), then send them a payment link.

A draft is an `Order` with origin `draft` and status `pending`, numbered like any order. Its
lines are priced with the checkout's totals module (`apps.orders.calculations`) at the
variants' prices (or a price staff give), with the tax rate of the shipping address, a shipping
price staff enter, and optionally one discount of their own. Staff change a draft with the
`order_edit_*` services, like any unshipped order.

Stock: nothing is held while the draft waits. It is reserved when the shopper pays through the
link (`draft_order_pay` -> `apps.orders.placement.order_pay`, the same path as a checkout: sold
out is refused before any charge, a decline releases it) and committed when the money arrives.
Holding stock from the moment a link is sent would lock units away for days for links that are
often never opened; the price of not doing so is that a draft can sell out before it is paid,
which the shopper is then told before paying.

Payment links: `order_payment_link` signs the order's uuid and the store's schema with
Django's signing (salt `orders.payment-link`), valid for ORDER_PAYMENT_LINK_MAX_AGE_DAYS; the
URL is on the store's own domain, at the storefront's pay page (`PAYMENT_LINK_URL_NAME`,
`/pay/<token>/`). Edited orders that owe a balance use the same link.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.catalog.models import ProductVariant
from apps.checkout.selectors import variant_label
from apps.checkout.selectors.shipping import Destination, tax_rate_for
from apps.core.money import MONEY_COLUMN_LIMIT, money_quantize
from apps.core.tenancy import current_schema, current_tenant, require_store
from apps.orders.calculations import order_calculate, totals_apply
from apps.orders.customers import customer_attach
from apps.orders.enums import OrderEventKind, OrderOrigin, OrderStatus
from apps.orders.errors import OrderError, OrderErrorCode
from apps.orders.locks import order_lock
from apps.orders.models import Order, OrderDiscount, OrderLine
from apps.orders.numbering import order_number_next
from apps.orders.placement import order_pay
from apps.orders.settlement import Placement
from apps.orders.timeline import ORDER_CREATED, order_emit, order_event_add
from apps.stores.selectors import store_settings_get
from apps.tenants.links import store_base_url
from apps.tenants.models import Tenant

if TYPE_CHECKING:
    from apps.accounts.models import User

PAYMENT_LINK_SALT = "orders.payment-link"
PAYMENT_LINK_URL_NAME = "storefront:order_pay"
MANUAL_DISCOUNT_KINDS = ("percentage", "fixed")


@dataclass(frozen=True)
class DraftLine:
    variant_id: int
    quantity: int
    # None: the variant's price now; else the price staff agreed (as prices are entered).
    unit_price: Decimal | None = None


@dataclass(frozen=True)
class ManualDiscount:
    kind: str  # "percentage" (value % off) or "fixed" (value off)
    value: Decimal
    name: str = ""


# ------------------------------------------------------------------------------
# checks shared with order edits
# ------------------------------------------------------------------------------
def quantity_check(quantity: object) -> int:
    limit = int(settings.CART_LINE_MAX_QUANTITY)
    if isinstance(quantity, bool) or not isinstance(quantity, int) or not 1 <= quantity <= limit:
        raise OrderError(
            _("Enter a quantity from 1 to %(max)d.") % {"max": limit},
            code=OrderErrorCode.QUANTITY_INVALID,
            field="quantity",
            params={"value": str(quantity)[:20], "max": limit},
        )
    return quantity


def amount_check(value: object, *, currency: str, field: str) -> Decimal:
    try:
        amount = money_quantize(Decimal(str(value)), currency)
    except (InvalidOperation, ValueError, TypeError):
        amount = Decimal(-1)
    if amount < 0:
        raise OrderError(
            _("Enter an amount of 0 or more."),
            code=OrderErrorCode.AMOUNT_INVALID,
            field=field,
            params={"value": str(value)[:30]},
        )
    if amount >= MONEY_COLUMN_LIMIT:
        raise OrderError(
            _("Enter an amount below %(limit)s.") % {"limit": f"{int(MONEY_COLUMN_LIMIT):,}"},
            code=OrderErrorCode.AMOUNT_INVALID,
            field=field,
            params={"value": str(value)[:30], "limit": str(int(MONEY_COLUMN_LIMIT))},
        )
    return amount


def manual_discount_row(*, order: Order, discount: ManualDiscount) -> OrderDiscount:
    if discount.kind not in MANUAL_DISCOUNT_KINDS:
        raise OrderError(
            _("Choose a percentage or a fixed amount."),
            code=OrderErrorCode.DISCOUNT_INVALID,
            field="kind",
            params={"kind": discount.kind},
        )
    value = amount_check(discount.value, currency=order.currency, field="value")
    if discount.kind == "percentage" and not 0 < value <= 100:
        raise OrderError(
            _("A percentage is more than 0 and at most 100."),
            code=OrderErrorCode.DISCOUNT_INVALID,
            field="value",
            params={"value": str(value)},
        )
    if value <= 0:
        raise OrderError(
            _("A discount takes off more than 0."),
            code=OrderErrorCode.DISCOUNT_INVALID,
            field="value",
            params={"value": str(value)},
        )
    return OrderDiscount(
        order=order,
        discount_id_snapshot=None,
        code="",
        name=(discount.name.strip() or _("Discount"))[:120],
        kind=discount.kind,
        value=value,
        rule={"combines": True},
        is_manual=True,
    )


def line_for_variant(
    *, order: Order, variant: ProductVariant, quantity: int, unit_price: Decimal | None
) -> OrderLine:
    """A new (unsaved) line of `order` for `variant`, with the catalog's details copied."""
    price = variant.price if unit_price is None else unit_price
    return OrderLine(
        order=order,
        variant=variant,
        product_id_snapshot=variant.product_id,
        collection_ids=[],
        product_title=variant.product.title[:255],
        variant_title=variant_label(variant)[:255],
        sku=variant.sku[:100],
        weight_grams=variant.weight_grams or 0,
        quantity=quantity_check(quantity),
        unit_price=amount_check(price, currency=order.currency, field="unit_price"),
    )


def variants_get(ids: Sequence[int]) -> dict[int, ProductVariant]:
    found = ProductVariant.objects.select_related("product").in_bulk(list(ids))
    missing = [vid for vid in ids if vid not in found]
    if missing:
        raise OrderError(
            _("That product variant does not exist (any more)."),
            code=OrderErrorCode.VARIANT_UNKNOWN,
            field="variant",
            params={"variant": missing[0]},
        )
    return found


# ------------------------------------------------------------------------------
# drafts
# ------------------------------------------------------------------------------
def draft_order_create(
    *,
    email: str,
    lines: Sequence[DraftLine],
    actor: User | None,
    customer_name: str = "",
    shipping_address: dict[str, Any] | None = None,
    billing_address: dict[str, Any] | None = None,
    shipping_name: str = "",
    shipping_amount: Decimal | int | str = Decimal(0),
    discount: ManualDiscount | None = None,
    language: str = "",
) -> Order:
    """A pending draft order for `email` (addresses as `apps.customers.services.address_clean`
    returns them), priced now, numbered, with its customer record; emits `order.created` (with
    origin "draft"). Nothing is reserved (see the module docstring)."""
    address = dict(shipping_address or {})
    email = str(email or "").strip()
    try:
        validate_email(email)
    except ValidationError:
        raise OrderError(
            _("Enter the customer's email address."), code=OrderErrorCode.EMAIL_INVALID, field="email"
        ) from None
    if not lines:
        raise OrderError(_("Add at least one product."), code=OrderErrorCode.QUANTITY_INVALID, field="lines")
    store = store_settings_get()
    with transaction.atomic():
        order = Order(
            origin=OrderOrigin.DRAFT,
            status=OrderStatus.PENDING,
            email=email,
            currency=store.currency,
            prices_include_tax=store.prices_include_tax,
            language=language or store.default_language,
            shipping_address=address,
            billing_address=dict(billing_address or address),
            shipping_method_name=shipping_name.strip()[:200],
            created_by=actor,
        )
        order.shipping_price = amount_check(shipping_amount, currency=order.currency, field="shipping_amount")
        tax = tax_rate_for(destination=Destination.from_address(address))
        if tax is not None:
            order.tax_rate, order.tax_name = tax.rate, tax.name
            order.tax_applies_to_shipping = tax.applies_to_shipping
        merged: dict[int, DraftLine] = {}
        for line in lines:
            quantity_check(line.quantity)
            earlier = merged.get(line.variant_id)
            if earlier is None:
                merged[line.variant_id] = line
                continue
            # One product listed twice is one line; at two prices (a free unit beside a paid one,
            # a price on one and none on the other) it cannot be, and guessing would charge wrong.
            if earlier.unit_price != line.unit_price:
                raise OrderError(
                    _("A product is listed twice with different prices; list it once, or at one price."),
                    code=OrderErrorCode.AMOUNT_INVALID,
                    field="lines",
                )
            merged[line.variant_id] = DraftLine(
                line.variant_id, earlier.quantity + line.quantity, line.unit_price
            )
            quantity_check(merged[line.variant_id].quantity)
        variants = variants_get(list(merged))
        rows = [
            line_for_variant(
                order=order, variant=variants[vid], quantity=line.quantity, unit_price=line.unit_price
            )
            for vid, line in merged.items()
        ]
        discounts = [manual_discount_row(order=order, discount=discount)] if discount is not None else []
        totals_apply(
            order=order,
            lines=rows,
            discounts=discounts,
            totals=order_calculate(order=order, lines=rows, discounts=discounts),
        )
        customer_attach(
            order=order,
            name=customer_name or str(address.get("name", "")),
            phone=str(address.get("phone", "")),
        )
        order.number = order_number_next()
        order.save()
        for row in rows:
            row.order = order
        OrderLine.objects.bulk_create(rows)
        for applied in discounts:
            applied.order = order
        OrderDiscount.objects.bulk_create(discounts)
        order_event_add(order=order, kind=OrderEventKind.DRAFT_CREATED, params={"email": email}, actor=actor)
        order_emit(name=ORDER_CREATED, order=order)
    return order


def _not_draft(order: Order) -> OrderError:
    return OrderError(
        _("Order #%(number)s is not a draft waiting for payment.") % {"number": order.number},
        code=OrderErrorCode.NOT_DRAFT,
        params={"number": order.number, "status": order.status},
    )


def draft_order_delete(*, order: Order, actor: User | None) -> int:
    """Delete a draft nobody can pay yet: pending, its payment link never sent, no payment ever
    started (so no stock held, no redemption, no customer counter moved). Returns its number.

    Its number is not handed out again (the counter only moves forward), so the store's order
    numbers show a gap where it was; a draft whose link was sent is cancelled instead, so the
    link the customer holds says why it no longer works."""
    with transaction.atomic():
        locked = order_lock(order_id=order.pk)
        if (
            locked.origin != OrderOrigin.DRAFT
            or locked.status != OrderStatus.PENDING
            or locked.draft_sent_at is not None
            or locked.payments.exists()
        ):
            raise OrderError(
                _("Only a draft whose payment link was never sent can be deleted; cancel this one instead."),
                code=OrderErrorCode.NOT_DRAFT,
                params={"number": locked.number, "status": locked.status},
            )
        number = locked.number
        locked.delete()
    return number


def order_payment_token(*, order: Order) -> str:
    return signing.dumps({"o": str(order.uuid), "s": current_schema()}, salt=PAYMENT_LINK_SALT, compress=True)


def order_payment_link(*, order: Order) -> str:
    """The absolute URL, on the store's domain, where the shopper pays what `order` owes."""
    path = reverse(PAYMENT_LINK_URL_NAME, kwargs={"token": order_payment_token(order=order)})
    return f"{store_base_url(_this_store())}{path}"


def _this_store() -> Tenant:
    # A request or a store job has the `Tenant` on the connection; `schema_context` a stand-in.
    tenant = current_tenant()
    if isinstance(tenant, Tenant):
        return tenant
    return Tenant.objects.get(schema_name=require_store())


def draft_order_send(*, order: Order, actor: User | None) -> str:
    """Make the payment link of a pending draft and note on the timeline that it was sent;
    returns the URL (the dashboard shows it; emailing it is the notifications' part)."""
    with transaction.atomic():
        locked = order_lock(order_id=order.pk)
        if locked.origin != OrderOrigin.DRAFT or locked.status != OrderStatus.PENDING:
            raise _not_draft(locked)
        if locked.balance_due <= 0:
            raise OrderError(_("Nothing is left to pay on this order."), code=OrderErrorCode.NOTHING_TO_PAY)
        locked.draft_sent_at = timezone.now()
        locked.save(update_fields=["draft_sent_at", "updated_at"])
        order_event_add(
            order=locked, kind=OrderEventKind.DRAFT_SENT, params={"email": locked.email}, actor=actor
        )
    return order_payment_link(order=locked)


def order_for_payment_token(*, token: str) -> Order | None:
    """The order a payment link names, in this store; None when the token is forged, expired,
    of another store, or the order is gone."""
    max_age = timedelta(days=settings.ORDER_PAYMENT_LINK_MAX_AGE_DAYS)
    try:
        data = signing.loads(str(token), salt=PAYMENT_LINK_SALT, max_age=max_age)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or data.get("s") != current_schema():
        return None
    try:
        order_uuid = uuid.UUID(str(data.get("o")))
    except ValueError:
        return None
    return Order.objects.filter(uuid=order_uuid).first()


def draft_order_for_token(*, token: str) -> Order | None:
    """The order behind a payment link (a draft, or an edited order owing a balance)."""
    return order_for_payment_token(token=token)


def draft_order_pay(
    *, token: str, gateway_code: str, payment_data: dict[str, str], return_url: str
) -> Placement:
    """Pay through a payment link: `order_pay` on the order the token names (the same path as
    checkout placement). Raises `OrderError(PAYMENT_LINK_INVALID)` for a bad or expired link."""
    order = order_for_payment_token(token=token)
    if order is None:
        raise OrderError(
            _("This payment link is not valid (any more). Ask the shop for a new one."),
            code=OrderErrorCode.PAYMENT_LINK_INVALID,
        )
    return order_pay(order=order, gateway_code=gateway_code, payment_data=payment_data, return_url=return_url)
