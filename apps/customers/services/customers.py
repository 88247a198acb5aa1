"""The store's customer records: one per shopper email, created by their first order (guest or
signed in) and linked to their account once they hold one with that email verified.

- `customer_for_order` is called by orders inside the order's transaction. Two first orders of
  one new email at the same moment meet one row: the email is unique (stored lower-cased), and
  the loser of the insert race waits for the winner's commit and then reads its row.
- `customer_order_recorded` / `customer_order_reverted` move the counters with single UPDATEs
  (F() expressions), so concurrent orders of one customer never lose a count.
- An account is linked only to the record of an email it has verified, never by an unverified
  claim: otherwise anyone could sign up with a stranger's email and read their guest orders.
  Linking happens on sign-up, sign-in and email confirmation (see `apps.customers.signals`) and
  when a signed-in shopper orders.

`customer.created` announces a record made for a shopper without an account (a guest's first
order). An account's sign-up is announced by the accounts app with the same event, and the
record made for it here is not announced a second time.
"""

from __future__ import annotations

import logging
from datetime import datetime
from decimal import Decimal
from typing import Any

from allauth.account.models import EmailAddress
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F, Value
from django.db.models.functions import Coalesce, Greatest
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.core.events import event_emit
from apps.customers.errors import CustomerError, CustomerErrorCode, CustomerInputInvalid
from apps.customers.models import Customer
from apps.customers.services.common import CONTROL_CHARACTERS, field_error, phone_is_valid, text_clean

logger = logging.getLogger(__name__)

CUSTOMER_CREATED = "customer.created"
CUSTOMER_UPDATED = "customer.updated"
NOTE_MAX_LENGTH = 5000


def _email_key(email: str) -> str:
    key = str(email or "").strip().lower()
    try:
        validate_email(key)
    except ValidationError:
        raise CustomerError(
            _("“%(value)s” is not an email address.") % {"value": key[:100]},
            code=CustomerErrorCode.EMAIL_INVALID,
            field="email",
            params={"value": key[:100]},
        ) from None
    if len(key) > Customer._meta.get_field("email").max_length:  # type: ignore[operator]
        raise CustomerError(
            _("The email address is too long."), code=CustomerErrorCode.EMAIL_INVALID, field="email"
        )
    return key


def _account(user: Any) -> User | None:
    if user is None or not getattr(user, "is_authenticated", False) or getattr(user, "pk", None) is None:
        return None
    return user  # type: ignore[no-any-return]


def _email_verified(user: User, email: str) -> bool:
    return EmailAddress.objects.filter(user=user, email__iexact=email, verified=True).exists()


def _get_or_create(*, email: str, full_name: str, phone: str) -> tuple[Customer, bool]:
    # get_or_create runs the INSERT in a savepoint and, when a concurrent first order of the
    # same email won (the unique index makes this INSERT wait for the other transaction and then
    # fail), reads the winner's row instead.
    return Customer.objects.get_or_create(
        email=email, defaults={"full_name": full_name[:150], "phone": phone[:32]}
    )


def _link(customer: Customer, user: User) -> bool:
    """Give `customer` the account `user` unless it already has one (a conditional UPDATE);
    False when the account holds another record or the record another account."""
    if customer.user_id is not None:
        return customer.user_id == user.pk
    if Customer.objects.filter(user=user).exclude(pk=customer.pk).exists():
        return False
    try:
        with transaction.atomic():
            linked = Customer.objects.filter(pk=customer.pk, user__isnull=True).update(user=user)
    except IntegrityError:  # the account was linked to another record a moment ago
        return False
    if linked:
        customer.user = user
        if not customer.full_name and user.full_name:
            Customer.objects.filter(pk=customer.pk, full_name="").update(full_name=user.full_name[:150])
            customer.full_name = user.full_name[:150]
    else:
        customer.refresh_from_db(fields=["user"])
    return customer.user_id == user.pk


def _fill_blanks(customer: Customer, *, full_name: str, phone: str) -> None:
    # Staff edits and earlier orders win: an order only fills what the record lacks.
    changes = {}
    if full_name and not customer.full_name:
        changes["full_name"] = full_name[:150]
    if phone and not customer.phone:
        changes["phone"] = phone[:32]
    if changes:
        Customer.objects.filter(pk=customer.pk).update(**changes)
        for field, value in changes.items():
            setattr(customer, field, value)


def _announce(customer: Customer) -> None:
    event_emit(
        name=CUSTOMER_CREATED,
        payload={
            "customer_uuid": str(customer.uuid),
            "email": customer.email,
            "user_uuid": "",
            "source": "order",
        },
    )


@transaction.atomic
def customer_for_order(*, email: str, user: Any, name: str, phone: str = "") -> Customer:
    """The customer record an order of `email` (placed by `user`, or a guest when None or
    anonymous) belongs to, created when new.

    A signed-in shopper's orders go to their account's record: the one already linked to the
    account, else the record of the account's email once that email is verified (linked now).
    The contact `email` of the order decides only for guests, and for accounts whose email is
    not verified (which are never linked).
    """
    full_name, phone = text_clean(name), text_clean(phone)
    key = _email_key(email)
    account = _account(user)
    if account is not None:
        linked = Customer.objects.filter(user=account).first()
        if linked is not None:
            _fill_blanks(linked, full_name=full_name, phone=phone)
            return linked
        if _email_verified(account, account.email):
            customer, _created = _get_or_create(
                email=account.email.lower(), full_name=full_name or account.full_name, phone=phone
            )
            if not _link(customer, account):
                logger.warning(
                    "customer record %s is linked to another account; order attached unlinked",
                    customer.uuid,
                )
            _fill_blanks(customer, full_name=full_name, phone=phone)
            return customer
    customer, created = _get_or_create(email=key, full_name=full_name, phone=phone)
    if created:
        if not User.objects.filter(email=key).exists():
            _announce(customer)
    else:
        _fill_blanks(customer, full_name=full_name, phone=phone)
    return customer


def _amount(total: Decimal) -> Decimal:
    if not isinstance(total, Decimal) or not total.is_finite() or total < 0:
        raise CustomerError(
            _("An order total must be a non-negative decimal amount."),
            code=CustomerErrorCode.AMOUNT_INVALID,
            params={"value": str(total)[:30]},
        )
    return total


def customer_order_recorded(*, customer: Customer, total: Decimal, placed_at: datetime) -> None:
    """Count one more order of `total` placed at `placed_at` (one UPDATE, safe alongside other
    orders of the same customer; `last_order_at` never moves back)."""
    amount = _amount(total)
    Customer.objects.filter(pk=customer.pk).update(
        orders_count=F("orders_count") + 1,
        total_spent=F("total_spent") + amount,
        last_order_at=Greatest(Coalesce(F("last_order_at"), Value(placed_at)), Value(placed_at)),
    )


def customer_order_reverted(*, customer: Customer, total: Decimal) -> None:
    """Take back an order counted by `customer_order_recorded` (cancelled before it was paid,
    or refunded in full), never below zero."""
    amount = _amount(total)
    Customer.objects.filter(pk=customer.pk).update(
        orders_count=Greatest(F("orders_count") - 1, Value(0)),
        total_spent=Greatest(F("total_spent") - amount, Value(Decimal(0))),
    )


def customer_link_account(*, user: Any, email: str | None = None) -> Customer | None:
    """Link the account `user` to the record of `email` (default: the account's email) when the
    account has that email verified and holds no record yet; the account's record, or None."""
    account = _account(user)
    if account is None:
        return None
    linked = Customer.objects.filter(user=account).first()
    if linked is not None:
        return linked
    address = str(email or account.email or "").strip().lower()
    if not address or not _email_verified(account, address):
        return None
    customer = Customer.objects.filter(email=address).first()
    if customer is None or not _link(customer, account):
        return None
    return customer


def customer_account_ensure(*, user: Any) -> Customer | None:
    """The record of a new shopper account: created (not announced: the sign-up is) or found by
    the account's email, and linked once that email is verified. Staff accounts get none."""
    account = _account(user)
    if account is None or account.is_staff or not account.email:
        return None
    customer, _created = _get_or_create(email=account.email.lower(), full_name=account.full_name, phone="")
    if _email_verified(account, account.email):
        _link(customer, account)
    return customer


# ------------------------------------------------------------------------------
# Staff edits
# ------------------------------------------------------------------------------
def _email_taken(email: str) -> CustomerError:
    return field_error(
        "email",
        CustomerErrorCode.EMAIL_TAKEN,
        _("The store already has a customer with the email %(email)s.") % {"email": email},
        email=email,
    )


@transaction.atomic
def customer_create(
    *,
    email: str,
    actor: Any,
    full_name: str = "",
    phone: str = "",
    note: str = "",
    accepts_marketing: bool = False,
) -> Customer:
    """Staff add a customer record (before any order, e.g. from another system). The email is
    the record's key: one already on file is refused (`email_taken`). Every value is checked
    before anything is written and all problems are reported together. The record is linked to
    a shopper account that has verified this email, and announced as `customer.created` with
    `source` "staff" (no welcome email: that follows an account's sign-up)."""
    errors: list[CustomerError] = []
    key = ""
    try:
        key = _email_key(email)
    except CustomerError as invalid:
        errors.append(invalid)
    values: dict[str, Any] = {}
    try:
        values = _changes_clean(
            full_name=full_name, phone=phone, note=note, accepts_marketing=accepts_marketing
        )
    except CustomerInputInvalid as invalid:
        errors.extend(invalid.errors)
    if key and not errors and Customer.objects.filter(email=key).exists():
        errors.append(_email_taken(key))
    if errors:
        raise CustomerInputInvalid(errors)
    try:
        with transaction.atomic():
            customer = Customer.objects.create(email=key, **values)
    except IntegrityError:  # the same email was added a moment ago
        raise CustomerInputInvalid([_email_taken(key)]) from None
    account = User.objects.filter(email__iexact=key, is_staff=False).first()
    if account is not None and _email_verified(account, key):
        _link(customer, account)
    payload: dict[str, Any] = {
        "customer_uuid": str(customer.uuid),
        "email": customer.email,
        "user_uuid": "",
        "source": "staff",
    }
    if getattr(actor, "pk", None) is not None:
        payload["actor_id"] = actor.pk
    event_emit(name=CUSTOMER_CREATED, payload=payload)
    return customer


def _changes_clean(
    *, full_name: str | None, phone: str | None, note: str | None, accepts_marketing: bool | None
) -> dict[str, Any]:
    errors: list[CustomerError] = []
    values: dict[str, Any] = {}
    if full_name is not None:
        if CONTROL_CHARACTERS.search(full_name):
            errors.append(
                field_error(
                    "full_name",
                    CustomerErrorCode.INVALID_CHARACTERS,
                    _("The name contains characters that cannot be saved."),
                )
            )
        else:
            name = text_clean(full_name)
            if len(name) > 150:
                errors.append(
                    field_error(
                        "full_name",
                        CustomerErrorCode.TOO_LONG,
                        _("The name can be at most %(max)d characters long.") % {"max": 150},
                        max=150,
                    )
                )
            values["full_name"] = name
    if phone is not None:
        phone = text_clean(phone)
        if phone and (len(phone) > 32 or not phone_is_valid(phone)):
            errors.append(
                field_error(
                    "phone",
                    CustomerErrorCode.PHONE_INVALID,
                    _("“%(value)s” is not a phone number: use digits, spaces and + ( ) - . /")
                    % {"value": phone[:32]},
                    value=phone[:32],
                )
            )
        values["phone"] = phone
    if note is not None:
        # Line breaks and tabs are what a note is made of; other control characters are not.
        note = note.replace("\r\n", "\n").strip()
        if CONTROL_CHARACTERS.search(note.replace("\n", "").replace("\t", "")):
            errors.append(
                field_error(
                    "note",
                    CustomerErrorCode.INVALID_CHARACTERS,
                    _("The note contains characters that cannot be saved."),
                )
            )
        elif len(note) > NOTE_MAX_LENGTH:
            errors.append(
                field_error(
                    "note",
                    CustomerErrorCode.TOO_LONG,
                    _("The note can be at most %(max)d characters long.") % {"max": NOTE_MAX_LENGTH},
                    max=NOTE_MAX_LENGTH,
                )
            )
        values["note"] = note
    if accepts_marketing is not None:
        values["accepts_marketing"] = bool(accepts_marketing)
    if errors:
        raise CustomerInputInvalid(errors)
    return values


@transaction.atomic
def customer_update(
    *,
    customer: Customer,
    actor: Any,
    full_name: str | None = None,
    phone: str | None = None,
    note: str | None = None,
    accepts_marketing: bool | None = None,
) -> Customer:
    """Staff change a record's name, phone, note or marketing consent (None leaves a value as it
    is); the email (the record's key) and the order counters are not theirs to change. Emits
    `customer.updated` naming the fields that changed (not their values) and who changed them."""
    values = _changes_clean(full_name=full_name, phone=phone, note=note, accepts_marketing=accepts_marketing)
    row = Customer.objects.select_for_update().get(pk=customer.pk)
    changed = sorted(field for field, value in values.items() if getattr(row, field) != value)
    if not changed:
        return row
    for field in changed:
        setattr(row, field, values[field])
    row.save(update_fields=[*changed, "updated_at"])
    payload: dict[str, Any] = {"customer_uuid": str(row.uuid), "fields": changed}
    if getattr(actor, "pk", None) is not None:
        payload["actor_id"] = actor.pk
    event_emit(name=CUSTOMER_UPDATED, payload=payload)
    return row
