"""Writes of the customers app: a shopper's profile, saved addresses and wishlist, and the
store's social sign-in apps.

Every address rule is checked before anything is written, and all problems are reported together
(`CustomerInputInvalid.errors`, one coded error per field). A shopper with addresses has exactly
one default: the first address becomes it, choosing another moves it, deleting it hands it to the
most recent remaining address. The database refuses a second default whatever the code does
(`customers_address_one_default`); writes of one shopper are serialised on their user row so
two tabs cannot race into that refusal.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Any

from allauth.socialaccount.models import SocialApp
from django.db import transaction
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.catalog.models import Product
from apps.core.events import event_emit
from apps.core.tenancy import in_store
from apps.customers.errors import AddressNotFound, CustomerError, CustomerErrorCode, CustomerInputInvalid
from apps.customers.models import Address, WishlistItem
from apps.customers.postal_codes import (
    GENERIC_POSTAL_CODE_MAX_LENGTH,
    POSTAL_CODE_FORMATS,
    postal_code_is_valid,
    postal_code_normalise,
)
from apps.customers.selectors import country_name
from apps.customers.social_providers import SECRET_MAX_LENGTH, SECRET_PATTERN, SOCIAL_PROVIDERS
from apps.stores.regional import country_is_valid

# Enough for home, work and a few gift addresses; a cap keeps one account from filling a table.
ADDRESS_MAX_PER_CUSTOMER = 50
WISHLIST_MAX_ITEMS = 500

# Digits with the separators people write them with; an optional leading "+" (as store settings).
PHONE_RE = re.compile(r"^\+?[0-9 ()./-]+$")
PHONE_MIN_DIGITS = 4
# Control characters (a NUL byte is refused by PostgreSQL; the others have no place in an address).
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")

SOCIAL_SIGNIN_UPDATED = "store.social_signin_updated"


def _error(field: str | None, code: CustomerErrorCode, message: str, **params: Any) -> CustomerError:
    return CustomerError(message, code=code, field=field, params=params)


def _text(value: str | None) -> str:
    return " ".join(str(value or "").split())


def _lock_customer(user: User) -> None:
    """Serialise this shopper's address and wishlist writes (their user row is the lock)."""
    User.objects.select_for_update().filter(pk=user.pk).values_list("pk", flat=True).first()


# ------------------------------------------------------------------------------
# Profile
# ------------------------------------------------------------------------------
FULL_NAME_MAX_LENGTH = 150


def customer_profile_update(*, user: User, full_name: str) -> User:
    """Change the name a shopper is addressed by. The email is the sign-in and is changed
    through allauth's email pages, which verify it."""
    name = _text(full_name)
    if CONTROL_CHARACTERS.search(str(full_name or "")):
        raise CustomerInputInvalid(
            [
                _error(
                    "full_name",
                    CustomerErrorCode.INVALID_CHARACTERS,
                    _("The name contains characters that cannot be saved."),
                )
            ]
        )
    if len(name) > FULL_NAME_MAX_LENGTH:
        raise CustomerInputInvalid(
            [
                _error(
                    "full_name",
                    CustomerErrorCode.TOO_LONG,
                    _("The name can be at most %(max)d characters long.") % {"max": FULL_NAME_MAX_LENGTH},
                    max=FULL_NAME_MAX_LENGTH,
                )
            ]
        )
    user.full_name = name
    user.save(update_fields=["full_name"])
    return user


# ------------------------------------------------------------------------------
# Addresses
# ------------------------------------------------------------------------------
@dataclass(frozen=True)
class AddressInput:
    name: str
    line1: str
    city: str
    country: str
    company: str = ""
    line2: str = ""
    region: str = ""
    postal_code: str = ""
    phone: str = ""
    # True: make this the default. False never takes the default away (another address is
    # made default instead), so a shopper with addresses always has one.
    is_default: bool = False


ADDRESS_TEXT_FIELDS = (
    "name",
    "company",
    "line1",
    "line2",
    "city",
    "region",
    "postal_code",
    "country",
    "phone",
)
ADDRESS_REQUIRED_FIELDS = ("name", "line1", "city", "country")


def _address_labels() -> dict[str, str]:
    return {
        "name": _("Full name"),
        "company": _("Company"),
        "line1": _("Address"),
        "line2": _("Address line 2"),
        "city": _("City"),
        "region": _("State / region"),
        "postal_code": _("Postal code"),
        "country": _("Country"),
        "phone": _("Phone"),
    }


def address_clean(data: AddressInput) -> dict[str, str]:
    """The values to store for `data`, normalised; raises `CustomerInputInvalid` naming every
    problem. Writes nothing."""
    labels = _address_labels()
    errors: list[CustomerError] = []
    values: dict[str, str] = {}
    for field in ADDRESS_TEXT_FIELDS:
        raw = str(getattr(data, field) or "")
        if CONTROL_CHARACTERS.search(raw):
            errors.append(
                _error(
                    field,
                    CustomerErrorCode.INVALID_CHARACTERS,
                    _("%(field)s contains characters that cannot be saved.") % {"field": labels[field]},
                )
            )
            continue
        values[field] = _text(raw)

    for field in ADDRESS_REQUIRED_FIELDS:
        if field in values and not values[field]:
            errors.append(
                _error(
                    field, CustomerErrorCode.REQUIRED, _("%(field)s is required.") % {"field": labels[field]}
                )
            )
    for field in ADDRESS_TEXT_FIELDS:
        if field == "country":
            continue  # anything but a known two-letter code is refused below, with its own message
        limit = getattr(Address._meta.get_field(field), "max_length", None)
        if field in values and limit is not None and len(values[field]) > limit:
            errors.append(
                _error(
                    field,
                    CustomerErrorCode.TOO_LONG,
                    _("%(field)s can be at most %(max)d characters long.")
                    % {"field": labels[field], "max": limit},
                    max=limit,
                )
            )

    country = values.get("country", "").upper()
    values["country"] = country if "country" in values else ""
    if country and not country_is_valid(country):
        errors.append(
            _error(
                "country",
                CustomerErrorCode.COUNTRY_INVALID,
                _("“%(value)s” is not a country we know. Choose one from the list.")
                % {"value": country[:10]},
                value=country[:10],
            )
        )
        country = ""

    if "postal_code" in values:
        typed = values["postal_code"][:20]  # messages echo what the shopper typed
        code = postal_code_normalise(values["postal_code"], country)
        values["postal_code"] = code
        rule = POSTAL_CODE_FORMATS.get(country)
        if not code and rule is not None:
            errors.append(
                _error(
                    "postal_code",
                    CustomerErrorCode.POSTAL_CODE_REQUIRED,
                    _("Addresses in %(country)s need a postal code.") % {"country": country_name(country)},
                    country=country,
                )
            )
        elif code and rule is not None and not postal_code_is_valid(code, country):
            errors.append(
                _error(
                    "postal_code",
                    CustomerErrorCode.POSTAL_CODE_INVALID,
                    _(
                        "“%(value)s” is not a postal code of %(country)s: enter %(format)s, for example %(example)s."
                    )
                    % {
                        "value": typed,
                        "country": country_name(country),
                        "format": rule.description,
                        "example": rule.example,
                    },
                    value=typed,
                    country=country,
                )
            )
        elif code and rule is None and not postal_code_is_valid(code, country):
            errors.append(
                _error(
                    "postal_code",
                    CustomerErrorCode.POSTAL_CODE_INVALID,
                    _(
                        "“%(value)s” is not a postal code: use letters, digits, spaces and hyphens, "
                        "at most %(max)d characters."
                    )
                    % {"value": typed, "max": GENERIC_POSTAL_CODE_MAX_LENGTH},
                    value=typed,
                    country=country,
                )
            )

    phone = values.get("phone", "")
    if phone and (not PHONE_RE.match(phone) or sum(ch.isdigit() for ch in phone) < PHONE_MIN_DIGITS):
        errors.append(
            _error(
                "phone",
                CustomerErrorCode.PHONE_INVALID,
                _("“%(value)s” is not a phone number: use digits, spaces and + ( ) - . /")
                % {"value": phone[:32]},
                value=phone[:32],
            )
        )

    # A field refused twice (too long and a bad format) is reported once, first problem first.
    unique: dict[str | None, CustomerError] = {}
    for error in errors:
        unique.setdefault(error.field, error)
    if unique:
        raise CustomerInputInvalid(list(unique.values()))
    return values


def _address_for_update(*, user: User, address_uuid: uuid.UUID | str) -> Address:
    try:
        key = uuid.UUID(str(address_uuid))
    except ValueError:
        raise AddressNotFound(_("This address does not exist.")) from None
    address = Address.objects.select_for_update().filter(user=user, uuid=key).first()
    if address is None:
        raise AddressNotFound(_("This address does not exist."))
    return address


def _default_move_to(address: Address) -> None:
    Address.objects.filter(user_id=address.user_id, is_default=True).exclude(pk=address.pk).update(
        is_default=False
    )
    if not address.is_default:
        address.is_default = True
        address.save(update_fields=["is_default", "updated_at"])


@transaction.atomic
def address_create(*, user: User, data: AddressInput) -> Address:
    values = address_clean(data)
    _lock_customer(user)
    count = Address.objects.filter(user=user).count()
    if count >= ADDRESS_MAX_PER_CUSTOMER:
        raise CustomerError(
            _("You can save at most %(max)d addresses. Delete one you no longer need first.")
            % {"max": ADDRESS_MAX_PER_CUSTOMER},
            code=CustomerErrorCode.ADDRESS_LIMIT,
            params={"max": ADDRESS_MAX_PER_CUSTOMER},
        )
    address = Address.objects.create(user=user, is_default=False, **values)
    if data.is_default or count == 0:
        _default_move_to(address)
    return address


@transaction.atomic
def address_update(*, user: User, address_uuid: uuid.UUID | str, data: AddressInput) -> Address:
    values = address_clean(data)
    _lock_customer(user)
    address = _address_for_update(user=user, address_uuid=address_uuid)
    for field, value in values.items():
        setattr(address, field, value)
    address.save()
    if data.is_default:
        _default_move_to(address)
    return address


@transaction.atomic
def address_set_default(*, user: User, address_uuid: uuid.UUID | str) -> Address:
    _lock_customer(user)
    address = _address_for_update(user=user, address_uuid=address_uuid)
    _default_move_to(address)
    return address


@transaction.atomic
def address_delete(*, user: User, address_uuid: uuid.UUID | str) -> None:
    _lock_customer(user)
    address = _address_for_update(user=user, address_uuid=address_uuid)
    was_default = address.is_default
    address.delete()
    if was_default:
        successor = Address.objects.filter(user=user).order_by("-created_at", "-id").first()
        if successor is not None:
            _default_move_to(successor)


# ------------------------------------------------------------------------------
# Wishlist
# ------------------------------------------------------------------------------
def _product_uuid(value: uuid.UUID | str) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def _product_unavailable() -> CustomerError:
    return CustomerError(
        _("This product is not available in this store."),
        code=CustomerErrorCode.PRODUCT_UNAVAILABLE,
        field="product",
    )


@transaction.atomic
def wishlist_add(*, user: User, product_uuid: uuid.UUID | str) -> WishlistItem:
    """Keep a product on the shopper's wishlist; adding it again changes nothing. Only products
    the shop sells (active) can be added."""
    key = _product_uuid(product_uuid)
    product = Product.objects.filter(uuid=key, status=Product.Status.ACTIVE).first() if key else None
    if product is None:
        raise _product_unavailable()
    _lock_customer(user)
    existing = WishlistItem.objects.filter(user=user, product=product).first()
    if existing is not None:
        return existing
    if WishlistItem.objects.filter(user=user).count() >= WISHLIST_MAX_ITEMS:
        raise CustomerError(
            _("Your wishlist is full (%(max)d products). Remove a product first.")
            % {"max": WISHLIST_MAX_ITEMS},
            code=CustomerErrorCode.WISHLIST_FULL,
            params={"max": WISHLIST_MAX_ITEMS},
        )
    return WishlistItem.objects.create(user=user, product=product)


def wishlist_remove(*, user: User, product_uuid: uuid.UUID | str) -> bool:
    """Take a product off the wishlist; True when it was on it. A product that is no longer
    sold can still be removed."""
    key = _product_uuid(product_uuid)
    if key is None:
        raise _product_unavailable()
    deleted, _rows = WishlistItem.objects.filter(user=user, product__uuid=key).delete()
    return deleted > 0


# ------------------------------------------------------------------------------
# Social sign-in apps (the store's, or the platform's in the public schema)
# ------------------------------------------------------------------------------
def _provider_spec(provider: str) -> Any:
    spec = SOCIAL_PROVIDERS.get(provider)
    if spec is None:
        raise CustomerError(
            _("“%(provider)s” is not a sign-in provider this store can use.")
            % {"provider": str(provider)[:30]},
            code=CustomerErrorCode.PROVIDER_UNKNOWN,
            params={"provider": str(provider)[:30]},
        )
    return spec


def _social_event(*, provider: str, configured: bool, actor: Any | None) -> None:
    if not in_store():
        return  # the platform's own apps are edited in the admin, which keeps its own log
    payload: dict[str, Any] = {"provider": provider, "configured": configured}
    if actor is not None and getattr(actor, "pk", None) is not None:
        payload["actor_id"] = actor.pk
    event_emit(name=SOCIAL_SIGNIN_UPDATED, payload=payload)


@transaction.atomic
def social_app_save(
    *, provider: str, client_id: str, secret: str = "", actor: Any | None = None
) -> SocialApp:
    """Turn on (or change) sign-in with `provider` for the current schema's shoppers.

    An empty `secret` keeps the stored one, so a form never needs to show it back; a provider
    that has none yet needs one. Raises `CustomerInputInvalid` naming every problem.
    """
    spec = _provider_spec(provider)
    app = SocialApp.objects.select_for_update().filter(provider=provider).order_by("pk").first()
    client_id = (client_id or "").strip()
    secret = (secret or "").strip()
    errors: list[CustomerError] = []
    if not client_id:
        errors.append(
            _error(
                "client_id",
                CustomerErrorCode.REQUIRED,
                _("%(field)s is required.") % {"field": spec.client_id_label},
            )
        )
    elif not spec.client_id_pattern.match(client_id):
        errors.append(
            _error(
                "client_id",
                CustomerErrorCode.CLIENT_ID_INVALID,
                _("This is not a %(provider)s %(field)s. %(hint)s")
                % {"provider": spec.label, "field": spec.client_id_label, "hint": spec.client_id_hint},
            )
        )
    if not secret and (app is None or not app.secret):
        errors.append(
            _error(
                "secret",
                CustomerErrorCode.REQUIRED,
                _("%(field)s is required.") % {"field": spec.secret_label},
            )
        )
    elif secret and (len(secret) > SECRET_MAX_LENGTH or not SECRET_PATTERN.match(secret)):
        errors.append(
            _error(
                "secret",
                CustomerErrorCode.SECRET_INVALID,
                _("This is not a %(field)s: it has no spaces and at most %(max)d characters.")
                % {"field": spec.secret_label, "max": SECRET_MAX_LENGTH},
                max=SECRET_MAX_LENGTH,
            )
        )
    if errors:
        raise CustomerInputInvalid(errors)
    if app is None:
        app = SocialApp(provider=provider, name=spec.label)
    app.client_id = client_id
    if secret:
        app.secret = secret
    app.save()
    # One app per provider: allauth refuses to choose between two visible ones.
    SocialApp.objects.filter(provider=provider).exclude(pk=app.pk).delete()
    _social_event(provider=provider, configured=True, actor=actor)
    return app


@transaction.atomic
def social_app_remove(*, provider: str, actor: Any | None = None) -> bool:
    """Turn sign-in with `provider` off: its button disappears and its callback answers 404.
    Shoppers who signed up with it keep their accounts (and can reset a password)."""
    _provider_spec(provider)
    deleted, _rows = SocialApp.objects.filter(provider=provider).delete()
    if deleted:
        _social_event(provider=provider, configured=False, actor=actor)
    return deleted > 0
