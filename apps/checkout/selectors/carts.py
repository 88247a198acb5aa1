"""Cart reads: finding a shopper's or a guest's open cart, what is available to put in it, the
header's item count, and the cart page's summary.

`cart_summary` runs a fixed number of queries (two) however many lines the cart has, and
`cart_item_count` one; tests pin both. Stock is read through the variants' reverse
`stock_levels` relation (apps.inventory): on hand minus reserved, summed over active locations,
which is what `apps.inventory.services.inventory_reserve` can draw on.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.db.models import IntegerField, OuterRef, Prefetch, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from apps.catalog.models import Product, ProductImage, ProductVariant
from apps.checkout.errors import CartErrorCode, VariantUnknown
from apps.checkout.models import Cart, CartLine
from apps.core.money import money_quantize
from apps.stores.selectors import store_settings_get

if TYPE_CHECKING:
    from apps.accounts.models import User


def token_parse(value: object) -> uuid.UUID | None:
    """A cart token from a session or a form, or None when it is not a UUID at all."""
    if isinstance(value, uuid.UUID):
        return value
    if not isinstance(value, str):
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def _open_carts(*, user: User | None, token: object) -> Q | None:
    """Which open cart is the shopper's: by owner when signed in, else the guest's own token
    (never a token of a cart that belongs to someone)."""
    if user is not None and user.is_authenticated:
        return Q(status=Cart.Status.OPEN, user=user)
    parsed = token_parse(token)
    if parsed is None:
        return None
    return Q(status=Cart.Status.OPEN, user__isnull=True, token=parsed)


def cart_find(*, user: User | None, token: object = None) -> Cart | None:
    """The open cart of a signed-in `user`, or of the guest holding `token`; None if none."""
    condition = _open_carts(user=user, token=token)
    if condition is None:
        return None
    return Cart.objects.filter(condition).order_by("-updated_at", "-id").first()


def cart_item_count(*, user: User | None, token: object = None) -> int:
    """Units in the shopper's open cart, for the header: one small query, none for a guest
    without a cart."""
    condition = _open_carts(user=user, token=token)
    if condition is None:
        return 0
    lines = CartLine.objects.filter(cart__in=Cart.objects.filter(condition).values("pk"))
    return int(lines.aggregate(units=Coalesce(Sum("quantity"), 0))["units"])


def cart_line_get(*, cart: Cart, line_uuid: object) -> CartLine | None:
    """A line of `cart` by its public uuid; None for a malformed uuid or another cart's line."""
    parsed = token_parse(line_uuid)
    if parsed is None:
        return None
    return CartLine.objects.select_related("variant__product").filter(cart=cart, uuid=parsed).first()


def cart_variant_get(*, variant_id: object) -> ProductVariant:
    """The variant a shopper asked for by id (a form value), with its product; raises
    `VariantUnknown` naming the field for a malformed or unknown id."""
    text = str(variant_id).strip() if isinstance(variant_id, str | int) else ""
    found = None
    if text.isascii() and text.isdigit() and len(text) <= 18:
        found = ProductVariant.objects.select_related("product").filter(pk=int(text)).first()
    if found is None:
        raise VariantUnknown(
            _("That product option does not exist (any more). Choose another one."),
            field="variant",
            params={"variant": str(variant_id)[:40]},
        )
    return found


def variant_available_expression() -> Coalesce:
    """Units available of the row's variant (`variant_id`): on hand minus reserved, summed
    over active locations; 0 when it is stocked nowhere."""
    total = (
        ProductVariant.objects.filter(pk=OuterRef("variant_id"), stock_levels__location__is_active=True)
        .order_by()
        .values("pk")
        .annotate(total=Sum("stock_levels__on_hand") - Sum("stock_levels__reserved"))
        .values("total")[:1]
    )
    return Coalesce(Subquery(total, output_field=IntegerField()), Value(0))


def variant_available(*, variant_ids: Iterable[int]) -> dict[int, int]:
    """Units available per variant, in one query; every id asked for is a key (0 when the
    variant is stocked nowhere or does not exist)."""
    ids = list(dict.fromkeys(variant_ids))
    result = dict.fromkeys(ids, 0)
    rows = (
        ProductVariant.objects.filter(pk__in=ids, stock_levels__location__is_active=True)
        .order_by()
        .values("pk")
        .annotate(total=Sum("stock_levels__on_hand") - Sum("stock_levels__reserved"))
    )
    for row in rows:
        result[row["pk"]] = max(int(row["total"] or 0), 0)
    return result


def variant_label(variant: ProductVariant) -> str:
    """The variant's own title ("M / Blue"), or "" for a product's only variant, which the
    catalog titles after the product."""
    return "" if variant.title == variant.product.title else variant.title


def variant_display_name(variant: ProductVariant) -> str:
    """ "Linen Shirt – M": the product's title and, when it has one of its own, the variant's."""
    label = variant_label(variant)
    return f"{variant.product.title} – {label}" if label else variant.product.title


@dataclass(frozen=True)
class CartSummaryLine:
    line_id: int
    uuid: uuid.UUID
    variant_id: int
    sku: str
    product_title: str
    product_handle: str
    variant_title: str
    image_url: str
    image_alt: str
    image_width: int | None
    image_height: int | None
    quantity: int
    unit_price: Decimal
    line_total: Decimal
    # The price when the shopper last chose the quantity, and whether it differs from now.
    price_when_added: Decimal
    price_changed: bool
    available: int
    # "" when the line can be bought as it is; else a CartErrorCode value.
    problem: str

    @property
    def display_name(self) -> str:
        return f"{self.product_title} – {self.variant_title}" if self.variant_title else self.product_title


@dataclass(frozen=True)
class CartSummary:
    cart: Cart | None
    currency: str
    lines: list[CartSummaryLine] = field(default_factory=list)
    subtotal: Decimal = Decimal(0)
    item_count: int = 0

    @property
    def is_empty(self) -> bool:
        return not self.lines

    @property
    def has_problems(self) -> bool:
        return any(line.problem for line in self.lines)


def _thumbnail(images: list[ProductImage]) -> tuple[str, str, int | None, int | None]:
    """The first image's thumbnail (or the image itself) with the size the thumbnail has: the
    original scaled into CATALOG_THUMBNAIL_SIZE, as apps.catalog.services.images makes it."""
    if not images:
        return "", "", None, None
    image = images[0]
    source = image.thumbnail if image.thumbnail else image.image
    width, height = image.width, image.height
    if image.thumbnail and width and height:
        box_width, box_height = settings.CATALOG_THUMBNAIL_SIZE
        scale = min(box_width / width, box_height / height, 1)
        width, height = max(1, round(width * scale)), max(1, round(height * scale))
    return source.url, image.alt, width, height


def _line_problem(*, line: CartLine, available: int) -> str:
    if line.variant.product.status != Product.Status.ACTIVE:
        return CartErrorCode.PRODUCT_UNAVAILABLE
    if available <= 0:
        return CartErrorCode.SOLD_OUT
    if line.quantity > available:
        return CartErrorCode.INSUFFICIENT_STOCK
    return ""


def cart_summary(*, cart: Cart | None) -> CartSummary:
    """The cart page's contents: each line with its product, variant, first image, unit price,
    line total and stock, and the subtotal, in the cart's currency. Two queries (lines with
    variant, product and stock; the products' images) however many lines; none for no cart
    (the currency then comes from the cached store settings)."""
    if cart is None:
        return CartSummary(cart=None, currency=store_settings_get().currency)
    currency = cart.currency
    lines = (
        CartLine.objects.filter(cart=cart)
        .select_related("variant__product")
        .annotate(available=variant_available_expression())
        .prefetch_related(
            Prefetch("variant__product__images", queryset=ProductImage.objects.order_by("position", "id"))
        )
        .order_by("created_at", "id")
    )
    rows: list[CartSummaryLine] = []
    subtotal = Decimal(0)
    item_count = 0
    for line in lines:
        variant = line.variant
        product = variant.product
        available = max(int(line.available), 0)  # type: ignore[attr-defined]
        unit_price = money_quantize(variant.price, currency)
        line_total = money_quantize(unit_price * line.quantity, currency)
        price_when_added = money_quantize(line.unit_price_snapshot, currency)
        url, alt, width, height = _thumbnail(list(product.images.all()))
        rows.append(
            CartSummaryLine(
                line_id=line.pk,
                uuid=line.uuid,
                variant_id=variant.pk,
                sku=variant.sku,
                product_title=product.title,
                product_handle=product.handle,
                variant_title=variant_label(variant),
                image_url=url,
                image_alt=alt or product.title,
                image_width=width,
                image_height=height,
                quantity=line.quantity,
                unit_price=unit_price,
                line_total=line_total,
                price_when_added=price_when_added,
                price_changed=price_when_added != unit_price,
                available=available,
                problem=_line_problem(line=line, available=available),
            )
        )
        subtotal += line_total
        item_count += line.quantity
    return CartSummary(
        cart=cart,
        currency=currency,
        lines=rows,
        subtotal=money_quantize(subtotal, currency),
        item_count=item_count,
    )
