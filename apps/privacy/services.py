"""Writes of the privacy app: recording a customer's data export, erasing a customer, the
store's retention settings and the retention run that purges what is past them.

Erasing removes or anonymises what identifies the customer and keeps what the store must keep
for its accounts:

- kept, anonymised: the customer record (counters and totals stay; email becomes
  `erased-<customer id>@invalid`, name, phone, note and marketing consent cleared), the account
  (deactivated, email `erased-<user id>@invalid`, name cleared, password unusable, sessions ended,
  social sign-ins and email addresses removed), the orders with their lines, payments, refunds and
  shipments (email replaced, addresses reduced to their country, which tax reporting needs), the
  emails log (address replaced, subject and data cleared), the fraud check's network address
  (cleared), gift cards issued to them (the "issued to" address cleared: a card is a bearer
  voucher and its balance stays), event log payloads naming the email;
- kept as is: store credit entries and invoices (ledgers the store must keep), staff notes;
- anonymised reviews: published ratings stay part of the product's record, shown as
  "Former customer" and no longer linked to the account;
- deleted: saved addresses, the wishlist, carts (with their checkouts), the newsletter sign-up.

It is refused while the customer has an open order or return (see `apps.privacy.selectors`),
and for an account that is also a member of the store's team. Everything happens in one
transaction; a `DataRequest` records who erased whom and when, and `customer.erased` is emitted
with the customer's public id only.
"""

from __future__ import annotations

import logging
import secrets
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from apps.checkout.models import Cart, GiftCard
from apps.core.events import event_emit
from apps.core.models import EventRecord
from apps.core.retention import retention_kind_get
from apps.customers.models import Address, Customer, WishlistItem
from apps.fraud.models import OrderRiskContext
from apps.orders.enums import OrderEventKind
from apps.orders.models import Order, OrderEvent
from apps.privacy.errors import ErasureRefused, PrivacyErrorCode, RetentionInvalid
from apps.privacy.models import DataRequest, RetentionSetting
from apps.privacy.selectors import (
    customer_carts,
    customer_data_export,
    customer_deliveries,
    customer_erasure_blockers,
    customer_orders,
    customer_reviews,
    export_summary,
    retention_rows,
)
from apps.stores.models import NewsletterSubscriber

if TYPE_CHECKING:
    from apps.accounts.models import User

logger = logging.getLogger(__name__)

CUSTOMER_ERASED = "customer.erased"
ERASED_DOMAIN = "invalid"  # RFC 2606: never delivered


def erased_email(pk: int) -> str:
    return f"erased-{pk}@{ERASED_DOMAIN}"


# ------------------------------------------------------------------------------
# Export
# ------------------------------------------------------------------------------
@transaction.atomic
def customer_export_record(*, customer: Customer, actor: User | None) -> dict[str, Any]:
    """Everything held about `customer` (see `customer_data_export`), recorded as a data request."""
    data = customer_data_export(customer=customer)
    DataRequest.objects.create(
        kind=DataRequest.Kind.EXPORT,
        customer_uuid=customer.uuid,
        actor=actor,
        summary=export_summary(data),
    )
    return data


# ------------------------------------------------------------------------------
# Erasure
# ------------------------------------------------------------------------------
def _refuse_if_blocked(*, customer: Customer) -> None:
    blockers = customer_erasure_blockers(customer=customer)
    if blockers.already_erased:
        raise ErasureRefused(_("This customer was erased already."), code=PrivacyErrorCode.ALREADY_ERASED)
    if blockers.open_orders:
        numbers = ", ".join(f"#{number}" for number in blockers.open_orders)
        raise ErasureRefused(
            ngettext(
                "This customer has an open order (%(numbers)s). Fulfil, cancel or refund it first.",
                "This customer has open orders (%(numbers)s). Fulfil, cancel or refund them first.",
                len(blockers.open_orders),
            )
            % {"numbers": numbers},
            code=PrivacyErrorCode.OPEN_ORDERS,
            params={"orders": blockers.open_orders},
        )
    if blockers.open_returns:
        raise ErasureRefused(
            _("This customer has an open return. Refund, refuse or cancel it first."),
            code=PrivacyErrorCode.OPEN_RETURNS,
            params={"returns": blockers.open_returns},
        )


def _address_country_only(address: dict[str, Any]) -> dict[str, Any]:
    return {"country": address["country"]} if address.get("country") else {}


@transaction.atomic
def customer_erase(*, customer: Customer, actor: User | None) -> DataRequest:
    """Erase `customer`'s personal data (see the module docstring); raises `ErasureRefused`
    and changes nothing while they have open business with the store."""
    customer = Customer.objects.select_for_update(of=("self",)).select_related("user").get(pk=customer.pk)
    user = customer.user
    if user is not None and (user.is_staff or user.store_role or user.platform_user_uuid):
        raise ErasureRefused(
            _("This customer's account belongs to a member of your team; remove them from the team first."),
            code=PrivacyErrorCode.STAFF_ACCOUNT,
        )
    _refuse_if_blocked(customer=customer)
    old_email = customer.email
    new_email = erased_email(customer.pk)
    summary: dict[str, int] = {}

    # Everything found through the email is gathered before the email changes.
    orders = list(customer_orders(customer=customer).select_for_update(of=("self",)))
    order_ids = [order.pk for order in orders]
    checkout_tokens = [order.checkout_token for order in orders if order.checkout_token]
    cart_ids = set(customer_carts(customer=customer).values_list("pk", flat=True))
    if checkout_tokens:
        cart_ids.update(Cart.objects.filter(checkout__token__in=checkout_tokens).values_list("pk", flat=True))
    _total, counts = Cart.objects.filter(pk__in=cart_ids).delete()
    summary["carts"] = counts.get(Cart._meta.label, 0)

    for order in orders:
        order.email = new_email
        order.shipping_address = _address_country_only(order.shipping_address or {})
        order.billing_address = _address_country_only(order.billing_address or {})
    Order.objects.bulk_update(orders, ["email", "shipping_address", "billing_address"])
    summary["orders"] = len(orders)
    sent_events = list(OrderEvent.objects.filter(order_id__in=order_ids, kind=OrderEventKind.EMAIL_SENT))
    for entry in sent_events:
        if "to" in entry.params:
            entry.params = {**entry.params, "to": new_email}
    OrderEvent.objects.bulk_update(sent_events, ["params"])
    OrderRiskContext.objects.filter(checkout_token__in=checkout_tokens).update(ip_address=None)

    summary["reviews"] = customer_reviews(customer=customer).update(
        author_name=_("Former customer"), user=None, updated_at=timezone.now()
    )
    summary["messages"] = customer_deliveries(customer=customer).update(
        to=new_email, subject="", context={}, updated_at=timezone.now()
    )
    GiftCard.objects.filter(issued_to_email__iexact=old_email).update(issued_to_email="")
    summary["newsletter"], _counts = NewsletterSubscriber.objects.filter(email=old_email.lower()).delete()
    for record in EventRecord.objects.filter(payload__email__iexact=old_email):
        record.payload = {**record.payload, "email": new_email}
        record.save(update_fields=["payload", "updated_at"])

    if user is not None:
        summary["addresses"], _counts = Address.objects.filter(user=user).delete()
        summary["wishlist"], _counts = WishlistItem.objects.filter(user=user).delete()
        SocialAccount.objects.filter(user=user).delete()
        EmailAddress.objects.filter(user=user).delete()
        user.email = erased_email(user.pk)
        user.full_name = ""
        user.is_active = False
        user.set_unusable_password()
        # A new stamp makes every stored session of the account stale (see accounts.User).
        user.session_stamp = secrets.token_hex(16)
        user.save(update_fields=["email", "full_name", "is_active", "password", "session_stamp"])

    customer.email = new_email
    customer.full_name = ""
    customer.phone = ""
    customer.note = ""
    customer.accepts_marketing = False
    customer.save(update_fields=["email", "full_name", "phone", "note", "accepts_marketing", "updated_at"])

    request = DataRequest.objects.create(
        kind=DataRequest.Kind.ERASE, customer_uuid=customer.uuid, actor=actor, summary=summary
    )
    event_emit(name=CUSTOMER_ERASED, payload={"customer_id": str(customer.uuid)})
    return request


# ------------------------------------------------------------------------------
# Retention
# ------------------------------------------------------------------------------
def retention_days_check(*, key: str, value: object) -> int:
    """`value` as a number of days for kind `key`, or `RetentionInvalid` saying why not."""
    kind = retention_kind_get(key)
    if kind is None:
        raise RetentionInvalid(
            _("Unknown data kind."),
            code=PrivacyErrorCode.RETENTION_KIND_UNKNOWN,
            field=key,
            params={"kind": key},
        )
    try:
        days = int(str(value).strip())
    except ValueError:
        raise RetentionInvalid(_("Enter a whole number of days."), field=key) from None
    if not kind.min_days <= days <= kind.max_days:
        raise RetentionInvalid(
            _("Enter a number of days between %(min)s and %(max)s.")
            % {"min": kind.min_days, "max": kind.max_days},
            field=key,
            params={"min": kind.min_days, "max": kind.max_days},
        )
    return days


@transaction.atomic
def retention_settings_save(*, values: dict[str, object], actor: User | None) -> list[RetentionSetting]:
    """Store the days of every kind in `values` that changed; all of them or, if one is invalid,
    none (the first invalid one raises `RetentionInvalid` with its `field`). Returns the rows
    written."""
    checked = {key: retention_days_check(key=key, value=value) for key, value in values.items()}
    stored = dict(RetentionSetting.objects.select_for_update().values_list("kind", "days"))
    saved = []
    for key, days in checked.items():
        kind = retention_kind_get(key)
        # A kind left at its default keeps following the default (should it change later).
        if stored.get(key, kind.default_days if kind else None) == days:
            continue
        setting, _created = RetentionSetting.objects.update_or_create(
            kind=key, defaults={"days": days, "updated_by": actor}
        )
        saved.append(setting)
    return saved


def retention_purge_run(*, now: datetime | None = None) -> dict[str, int | str]:
    """Purge every registered kind in the current store with its cut-off (now minus the store's
    days); returns the rows removed per kind. A failing kind does not stop the others; the run
    then raises at the end, so the job records the failure and is retried (purges are idempotent).
    """
    now = now or timezone.now()
    summary: dict[str, int | str] = {}
    failed = []
    for row in retention_rows():
        try:
            with transaction.atomic():
                summary[row.kind.key] = int(row.kind.purge(now - timedelta(days=row.days)))
        except Exception:
            logger.exception("retention purge %s failed", row.kind.key)
            summary[row.kind.key] = "failed"
            failed.append(row.kind.key)
    if failed:
        raise RuntimeError(f"retention purge failed for {', '.join(failed)}: {summary}")
    return summary
