"""The checkout's steps: starting a checkout from a cart, the shopper's contact and addresses,
the shipping method, discount and gift card codes, store credit, accepting changed prices, and
marking it completed once an order was placed from it.

Each step locks the checkout's row, refuses a completed checkout (`CheckoutNotOpen`), checks its
input before writing, and raises a coded `CheckoutError` naming the field when it refuses,
changing nothing. The caller's instance is updated with what was saved. Totals are never
stored: `apps.checkout.selectors.checkout_review` works them out on every read.

Codes: a discount code that does not combine with other discounts replaces the codes applied
before it, and a combining one replaces a non-combining one (the shopper's latest choice wins);
automatic discounts and the best-of rule are the totals' (`apps.checkout.pricing`). At most
`MAX_DISCOUNT_CODES` discount codes and `MAX_GIFT_CARDS` gift cards are kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from apps.checkout.errors import (
    CartNotOpen,
    CheckoutError,
    CheckoutErrorCode,
    CheckoutInputInvalid,
    CheckoutNotOpen,
    CodeRefused,
    ShippingUnavailable,
)
from apps.checkout.models import Cart, CartLine, Checkout, Discount
from apps.checkout.pricing import REASON_MIN_SUBTOTAL, REASON_NO_EFFECT, REASON_NO_ELIGIBLE_LINES
from apps.checkout.selectors.checkout import checkout_review, shipping_options
from apps.checkout.selectors.codes import (
    code_normalise,
    discount_code_find,
    discount_refusal,
    discounts_used_by,
    gift_card_code_normalise,
    gift_card_find,
    gift_card_refusal,
    store_credit_balance,
)
from apps.checkout.services.carts import cart_convert
from apps.core.events import event_emit
from apps.core.money import money_display, money_quantize
from apps.customers.errors import CustomerInputInvalid
from apps.customers.services import AddressInput, address_clean

if TYPE_CHECKING:
    from apps.accounts.models import User

CHECKOUT_STARTED = "checkout.started"
MAX_DISCOUNT_CODES = 5
MAX_GIFT_CARDS = 5
EMAIL_MAX_LENGTH = 254
ORDER_REFERENCE_MAX_LENGTH = 64


# ------------------------------------------------------------------------------
# locking
# ------------------------------------------------------------------------------
def _lock(checkout: Checkout) -> Checkout:
    """`checkout` re-read under its row lock (with its cart); refuses a completed one."""
    locked = (
        Checkout.objects.select_for_update(of=("self",)).select_related("cart").filter(pk=checkout.pk).first()
    )
    if locked is None:
        raise CheckoutError(
            _("This checkout no longer exists."),
            code=CheckoutErrorCode.CHECKOUT_UNKNOWN,
            params={"checkout": str(checkout.token)},
        )
    if locked.status != Checkout.Status.OPEN:
        raise CheckoutNotOpen(
            _("This checkout is already completed."), params={"checkout": str(locked.token)}
        )
    return locked


def _save(*, checkout: Checkout, locked: Checkout, fields: list[str]) -> Checkout:
    locked.save(update_fields=[*fields, "updated_at"])
    for name in (*fields, "updated_at"):
        setattr(checkout, name, getattr(locked, name))
    return locked


# ------------------------------------------------------------------------------
# start
# ------------------------------------------------------------------------------
def _signed_in(user: User | None) -> User | None:
    return user if user is not None and user.is_authenticated else None


@transaction.atomic
def checkout_start(*, cart: Cart, user: User | None, language: str = "") -> Checkout:
    """The checkout of `cart`, opened on first call (emitting `checkout.started` once per
    checkout). A signed-in shopper is attached, and their email taken as the contact when none
    was given. Refuses an empty or closed cart."""
    shopper = _signed_in(user)
    locked_cart = Cart.objects.select_for_update().filter(pk=cart.pk).first()
    if locked_cart is None or locked_cart.status != Cart.Status.OPEN:
        existing = Checkout.objects.filter(cart_id=cart.pk).first()
        if existing is not None and existing.status == Checkout.Status.COMPLETED:
            raise CheckoutNotOpen(
                _("This checkout is already completed."), params={"checkout": str(existing.token)}
            )
        raise CartNotOpen(_("This cart can no longer be checked out."), params={"cart": str(cart.token)})
    if shopper is not None and locked_cart.user_id not in (None, shopper.pk):
        raise CheckoutError(
            _("This cart belongs to another account."),
            code=CheckoutErrorCode.CHECKOUT_UNKNOWN,
            params={"cart": str(cart.token)},
        )
    if not CartLine.objects.filter(cart=locked_cart).exists():
        raise CheckoutError(_("Your cart is empty."), code=CheckoutErrorCode.CART_EMPTY)

    # The cart's row lock serialises starts of the same cart: at most one is created.
    checkout = Checkout.objects.select_for_update().filter(cart=locked_cart).first()
    if checkout is None:
        checkout = Checkout.objects.create(
            cart=locked_cart,
            user=shopper,
            email=(shopper.email or "").lower() if shopper is not None else "",
            language=(language or get_language() or "")[:10],
        )
        payload: dict[str, Any] = {"checkout": str(checkout.token), "cart": str(locked_cart.token)}
        if shopper is not None:
            payload["user_id"] = shopper.pk
        event_emit(name=CHECKOUT_STARTED, payload=payload)
        return checkout
    if checkout.status != Checkout.Status.OPEN:
        raise CheckoutNotOpen(
            _("This checkout is already completed."), params={"checkout": str(checkout.token)}
        )
    changed: list[str] = []
    if shopper is not None and checkout.user_id is None:
        checkout.user = shopper
        changed.append("user")
        if not checkout.email:
            checkout.email = (shopper.email or "").lower()
            changed.append("email")
    if language and checkout.language != language[:10]:
        checkout.language = language[:10]
        changed.append("language")
    if changed:
        checkout.save(update_fields=[*changed, "updated_at"])
    return checkout


# ------------------------------------------------------------------------------
# contact and addresses
# ------------------------------------------------------------------------------
def email_clean(value: object) -> str:
    """A contact email, trimmed and lower-cased; raises `CheckoutInputInvalid` naming the
    field `email` otherwise."""
    email = str(value or "").strip().lower() if isinstance(value, str) else ""
    problem = None
    if not email:
        problem = _("Enter your email address.")
    elif len(email) > EMAIL_MAX_LENGTH:
        problem = _("An email address has at most %(max)d characters.") % {"max": EMAIL_MAX_LENGTH}
    else:
        try:
            validate_email(email)
        except ValidationError:
            problem = _("Enter a valid email address, such as name@example.com.")
    if problem is not None:
        error = CheckoutError(problem, code=CheckoutErrorCode.EMAIL_INVALID, field="email")
        raise CheckoutInputInvalid(
            problem, errors=[error], code=CheckoutErrorCode.EMAIL_INVALID, field="email"
        )
    return email


@transaction.atomic
def checkout_contact_set(*, checkout: Checkout, email: str) -> Checkout:
    """Set the email the order confirmation goes to."""
    value = email_clean(email)
    locked = _lock(checkout)
    locked.email = value
    return _save(checkout=checkout, locked=locked, fields=["email"])


def _address(data: AddressInput, *, field: str) -> dict[str, str]:
    try:
        return address_clean(data)
    except CustomerInputInvalid as invalid:
        raise CheckoutInputInvalid(
            invalid.message,
            errors=list(invalid.errors),
            code=CheckoutErrorCode.ADDRESS_INVALID,
            field=field,
            params={"fields": [error.field for error in invalid.errors]},
        ) from None


@transaction.atomic
def checkout_address_set(
    *, checkout: Checkout, shipping_address: AddressInput, billing_address: AddressInput | None = None
) -> Checkout:
    """Set the shipping address and the billing address (the shipping one when None), each
    checked by `apps.customers.services.address_clean`. A shipping method no longer offered for
    the new address is cleared."""
    shipping = _address(shipping_address, field="shipping_address")
    billing = _address(billing_address, field="billing_address") if billing_address is not None else {}
    locked = _lock(checkout)
    locked.shipping_address = shipping
    locked.billing_address = billing
    locked.billing_same_as_shipping = billing_address is None
    fields = ["shipping_address", "billing_address", "billing_same_as_shipping"]
    if locked.shipping_rate_id is not None and all(
        option.rate_id != locked.shipping_rate_id for option in shipping_options(checkout=locked)
    ):
        locked.shipping_rate = None
        fields.append("shipping_rate")
    return _save(checkout=checkout, locked=locked, fields=fields)


@transaction.atomic
def checkout_shipping_set(*, checkout: Checkout, rate_id: int) -> Checkout:
    """Choose one of the shipping methods offered for the checkout's address and cart."""
    locked = _lock(checkout)
    if not locked.shipping_address:
        raise ShippingUnavailable(
            _("Enter a shipping address first."),
            code=CheckoutErrorCode.SHIPPING_ADDRESS_REQUIRED,
            field="shipping_address",
        )
    options = shipping_options(checkout=locked)
    if isinstance(rate_id, bool) or not any(option.rate_id == rate_id for option in options):
        raise ShippingUnavailable(
            _("That shipping method is not available for your address and cart. Choose one of the list."),
            field="shipping_rate",
            params={"rate": str(rate_id)[:20]},
        )
    locked.shipping_rate_id = rate_id
    return _save(checkout=checkout, locked=locked, fields=["shipping_rate"])


# ------------------------------------------------------------------------------
# codes
# ------------------------------------------------------------------------------
@dataclass(frozen=True)
class CodeApplied:
    kind: str  # "discount" or "gift_card"
    code: str  # as stored (the discount's own spelling, the card's upper-case code)
    replaced: tuple[str, ...] = ()  # discount codes this one replaced (they do not combine)


def _discount_messages() -> dict[str, str]:
    return {
        CheckoutErrorCode.CODE_INACTIVE: _("The code %(code)s is not valid."),
        CheckoutErrorCode.CODE_NOT_STARTED: _("The code %(code)s is not valid yet."),
        CheckoutErrorCode.CODE_EXPIRED: _("The code %(code)s has expired."),
        CheckoutErrorCode.CODE_EXHAUSTED: _("The code %(code)s has been used up."),
        CheckoutErrorCode.CODE_ONCE_PER_CUSTOMER: _("You have already used the code %(code)s."),
        CheckoutErrorCode.GIFT_CARD_DISABLED: _("The gift card %(code)s has been disabled."),
        CheckoutErrorCode.GIFT_CARD_EXPIRED: _("The gift card %(code)s has expired."),
        CheckoutErrorCode.GIFT_CARD_EMPTY: _("The gift card %(code)s has no balance left."),
        CheckoutErrorCode.GIFT_CARD_CURRENCY: _(
            "The gift card %(code)s cannot be used in this store's currency."
        ),
    }


def _refuse(reason: str, code: str, **params: Any) -> CodeRefused:
    message = _discount_messages().get(reason, _("The code %(code)s cannot be used.")) % {"code": code}
    return CodeRefused(message, code=reason, field="code", params={"code": code, **params})


def _discount_apply(*, locked: Checkout, discount: Discount) -> CodeApplied:
    if any(code.lower() == discount.code.lower() for code in locked.discount_codes):
        return CodeApplied(kind="discount", code=discount.code)
    used = (
        discounts_used_by(discount_ids=[discount.pk], email=locked.email)
        if discount.once_per_customer
        else set()
    )
    reason = discount_refusal(discount, now=timezone.now(), used_by_customer=discount.pk in used)
    if reason is not None:
        raise _refuse(reason, discount.code)

    # Which applied codes stay: a code stays only if both it and the new one combine.
    kept: list[str] = []
    replaced: list[str] = []
    if locked.discount_codes:
        combines = dict(
            Discount.objects.filter(code__in=locked.discount_codes, automatic=False).values_list(
                "code", "combines"
            )
        )
        for code in locked.discount_codes:
            (kept if discount.combines and combines.get(code, False) else replaced).append(code)
    if len(kept) >= MAX_DISCOUNT_CODES:
        raise CodeRefused(
            _("You can use at most %(max)d discount codes.") % {"max": MAX_DISCOUNT_CODES},
            code=CheckoutErrorCode.TOO_MANY_CODES,
            field="code",
            params={"max": MAX_DISCOUNT_CODES},
        )
    previous = list(locked.discount_codes)
    locked.discount_codes = [*kept, discount.code]

    # What the totals make of it: refuse a code that takes nothing off this cart, and say why.
    totals = checkout_review(checkout=locked).totals
    skipped = next((n for n in totals.not_applied if n.id == discount.pk), None)
    if skipped is not None and skipped.reason in (
        REASON_MIN_SUBTOTAL,
        REASON_NO_ELIGIBLE_LINES,
        REASON_NO_EFFECT,
    ):
        locked.discount_codes = previous
        if skipped.reason == REASON_MIN_SUBTOTAL:
            minimum = money_quantize(discount.min_subtotal or Decimal(0), locked.cart.currency)
            raise CodeRefused(
                _("The code %(code)s needs a subtotal of at least %(minimum)s.")
                % {"code": discount.code, "minimum": money_display(minimum, locked.cart.currency)},
                code=CheckoutErrorCode.CODE_MIN_SUBTOTAL,
                field="code",
                params={"code": discount.code, "minimum": str(minimum), "currency": locked.cart.currency},
            )
        raise CodeRefused(
            _("The code %(code)s does not apply to the items in your cart.") % {"code": discount.code},
            code=CheckoutErrorCode.CODE_NOT_APPLICABLE,
            field="code",
            params={"code": discount.code},
        )
    return CodeApplied(kind="discount", code=discount.code, replaced=tuple(replaced))


@transaction.atomic
def checkout_code_apply(*, checkout: Checkout, code: str) -> CodeApplied:
    """Apply a discount code or a gift card code (a discount code is looked up first). Raises
    `CodeRefused` saying why a code cannot be used: unknown, disabled, not started, expired,
    used up, below its minimum subtotal, for nothing in the cart, already used by this
    customer; a gift card disabled, expired, empty or in another currency."""
    typed = code_normalise(code)
    if not typed:
        raise CodeRefused(_("Enter a code."), code=CheckoutErrorCode.CODE_INVALID, field="code")
    locked = _lock(checkout)
    discount = discount_code_find(code=typed)
    if discount is not None:
        result = _discount_apply(locked=locked, discount=discount)
        _save(checkout=checkout, locked=locked, fields=["discount_codes"])
        return result

    card = gift_card_find(code=typed)
    if card is None:
        raise CodeRefused(
            _("%(code)s is not a valid discount or gift card code.") % {"code": typed},
            code=CheckoutErrorCode.CODE_INVALID,
            field="code",
            params={"code": typed},
        )
    if card.code in locked.gift_card_codes:
        return CodeApplied(kind="gift_card", code=card.code)
    reason = gift_card_refusal(card, now=timezone.now(), currency=locked.cart.currency)
    if reason is not None:
        raise _refuse(reason, card.code)
    if len(locked.gift_card_codes) >= MAX_GIFT_CARDS:
        raise CodeRefused(
            _("You can use at most %(max)d gift cards.") % {"max": MAX_GIFT_CARDS},
            code=CheckoutErrorCode.TOO_MANY_CODES,
            field="code",
            params={"max": MAX_GIFT_CARDS},
        )
    locked.gift_card_codes = [*locked.gift_card_codes, card.code]
    _save(checkout=checkout, locked=locked, fields=["gift_card_codes"])
    return CodeApplied(kind="gift_card", code=card.code)


@transaction.atomic
def checkout_code_remove(*, checkout: Checkout, code: str) -> Checkout:
    """Take a discount or gift card code off the checkout (nothing happens for a code that is
    not applied)."""
    typed = code_normalise(code).lower()
    locked = _lock(checkout)
    discounts = [c for c in locked.discount_codes if c.lower() != typed]
    cards = [c for c in locked.gift_card_codes if c != gift_card_code_normalise(code)]
    if discounts == locked.discount_codes and cards == locked.gift_card_codes:
        return locked
    locked.discount_codes, locked.gift_card_codes = discounts, cards
    return _save(checkout=checkout, locked=locked, fields=["discount_codes", "gift_card_codes"])


@transaction.atomic
def checkout_store_credit_set(*, checkout: Checkout, use: bool) -> Checkout:
    """Use (or stop using) the signed-in shopper's store credit for this order."""
    locked = _lock(checkout)
    if use:
        if locked.user_id is None:
            raise CheckoutError(
                _("Sign in to use your store credit."),
                code=CheckoutErrorCode.STORE_CREDIT_ACCOUNT_REQUIRED,
                field="use_store_credit",
            )
        if store_credit_balance(user=locked.user) <= 0:
            raise CheckoutError(
                _("You have no store credit."),
                code=CheckoutErrorCode.STORE_CREDIT_INSUFFICIENT,
                field="use_store_credit",
            )
    locked.use_store_credit = bool(use)
    return _save(checkout=checkout, locked=locked, fields=["use_store_credit"])


@transaction.atomic
def checkout_prices_accept(*, checkout: Checkout) -> Checkout:
    """The shopper saw the changed prices: each line's remembered price becomes today's, so
    `checkout_problems` no longer reports them."""
    locked = _lock(checkout)
    cart = Cart.objects.select_for_update().get(pk=locked.cart_id)
    for line in CartLine.objects.filter(cart=cart).select_related("variant"):
        price = money_quantize(line.variant.price, cart.currency)
        if line.unit_price_snapshot != price:
            line.unit_price_snapshot = price
            line.save(update_fields=["unit_price_snapshot", "updated_at"])
    return _save(checkout=checkout, locked=locked, fields=[])


# ------------------------------------------------------------------------------
# completion
# ------------------------------------------------------------------------------
@transaction.atomic
def checkout_complete_mark(*, checkout: Checkout, order_reference: str) -> Checkout:
    """The order `order_reference` was placed from this checkout: mark it completed and its
    cart converted. Marking it again for the same order changes nothing; for another order it
    is refused (one order per checkout, kept by the database too)."""
    reference = str(order_reference or "").strip()
    if not reference or len(reference) > ORDER_REFERENCE_MAX_LENGTH:
        raise CheckoutError(
            _("An order reference is needed."),
            code=CheckoutErrorCode.ORDER_REFERENCE_INVALID,
            params={"reference": reference[:ORDER_REFERENCE_MAX_LENGTH]},
        )
    locked = Checkout.objects.select_for_update(of=("self",)).select_related("cart").get(pk=checkout.pk)
    if locked.status == Checkout.Status.COMPLETED:
        if locked.order_reference == reference:
            return locked
        raise CheckoutNotOpen(
            _("This checkout is already completed."),
            params={"checkout": str(locked.token), "order_reference": locked.order_reference},
        )
    locked.status = Checkout.Status.COMPLETED
    locked.order_reference = reference
    locked.completed_at = timezone.now()
    try:
        with transaction.atomic():
            _save(checkout=checkout, locked=locked, fields=["status", "order_reference", "completed_at"])
    except IntegrityError:
        raise CheckoutError(
            _("This order already completed another checkout."),
            code=CheckoutErrorCode.ORDER_REFERENCE_INVALID,
            params={"reference": reference},
        ) from None
    cart_convert(cart=locked.cart)
    return locked
