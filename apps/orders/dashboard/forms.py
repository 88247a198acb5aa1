"""Forms of the orders pages. They shape the input (types, required fields, choices) and hand
it to the orders services; every business rule is the service's, and the views show its coded
errors next to the field they name."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from apps.orders.dashboard.queries import (
    PAYMENT_STATE_CHOICES,
    FulfilmentState,
    OrderListFilters,
    OrderSort,
)
from apps.orders.drafts import MANUAL_DISCOUNT_KINDS, DraftLine, ManualDiscount
from apps.orders.edits import EditAction, EditChange
from apps.orders.enums import OrderStatus
from apps.orders.services import NOTE_MAX_LENGTH
from apps.payments.enums import GatewayCode
from apps.payments.gateways.manual import MANUAL_GATEWAY_CODES
from apps.stores.regional import country_choices

MONEY = {"max_digits": 12, "decimal_places": 3, "min_value": Decimal(0)}
QUANTITY_FIELD = re.compile(r"^quantity_(\d{1,18})$")
DISCOUNT_KIND_CHOICES = (
    ("", _("No discount")),
    ("percentage", _("Percentage off")),
    ("fixed", _("Fixed amount off")),
)


def _money(label: Any, *, required: bool = False, help_text: Any = "") -> forms.DecimalField:
    return forms.DecimalField(label=label, required=required, help_text=help_text, **MONEY)  # type: ignore[arg-type]


# ------------------------------------------------------------------------------
# The order list
# ------------------------------------------------------------------------------
class OrderFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any status")), *OrderStatus.choices]
    )
    payment = forms.ChoiceField(
        label=_("Payment"), required=False, choices=[("", _("Any payment")), *PAYMENT_STATE_CHOICES]
    )
    fulfilment = forms.ChoiceField(
        label=_("Fulfilment"),
        required=False,
        choices=[("", _("Any fulfilment")), *FulfilmentState.choices],
    )
    placed_from = forms.DateField(
        label=_("Placed from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    placed_to = forms.DateField(
        label=_("Placed until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    sort = forms.ChoiceField(label=_("Sort"), required=False, choices=OrderSort.choices)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("placed_from"), data.get("placed_to")
        if start and end and start > end:
            self.add_error("placed_to", _("The end date is before the start date."))
        return data

    def to_filters(self) -> OrderListFilters:
        """The filters to apply; a field with an error is left out (the page says why)."""
        data = self.cleaned_data if self.is_bound and hasattr(self, "cleaned_data") else {}
        return OrderListFilters(
            search=data.get("q") or "",
            status=data.get("status") or "",
            payment=data.get("payment") or "",
            fulfilment=data.get("fulfilment") or "",
            placed_from=data.get("placed_from"),
            placed_to=data.get("placed_to"),
            sort=data.get("sort") or OrderSort.NEWEST,
        )


# ------------------------------------------------------------------------------
# Order actions
# ------------------------------------------------------------------------------
class NoteForm(forms.Form):
    body = forms.CharField(
        label=_("Add a note"),
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Only your team sees notes."),
        error_messages={"required": _("Write something in the note.")},
    )


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=255,
        help_text=_("Kept on the order's timeline, e.g. “Customer asked” or “Out of stock”."),
        error_messages={"required": _("Say why the order is cancelled.")},
    )
    restock = forms.BooleanField(label=_("Put the sold units back in stock"), required=False, initial=True)


class MarkPaidForm(forms.Form):
    """Which manual method the money came by, when the order has no manual payment waiting
    (a draft paid by transfer); otherwise no field: the waiting payment is the one."""

    method = forms.ChoiceField(label=_("Paid by"), widget=forms.RadioSelect)

    def __init__(self, *args: Any, ask_method: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if ask_method:
            self.fields["method"].choices = [  # type: ignore[attr-defined]
                (code, GatewayCode(code).label) for code in sorted(MANUAL_GATEWAY_CODES)
            ]
        else:
            del self.fields["method"]


# ------------------------------------------------------------------------------
# Draft orders
# ------------------------------------------------------------------------------
ADDRESS_FIELDS = ("name", "company", "line1", "line2", "postal_code", "city", "region", "country", "phone")


class DraftForm(forms.Form):
    email = forms.EmailField(label=_("Customer email"))
    customer_name = forms.CharField(label=_("Customer name"), required=False, max_length=200)
    # shipping address (optional as a whole; when given, it is checked per country)
    name = forms.CharField(label=_("Recipient"), required=False, max_length=200)
    company = forms.CharField(label=_("Company"), required=False, max_length=200)
    line1 = forms.CharField(label=_("Address"), required=False, max_length=200)
    line2 = forms.CharField(label=_("Address line 2"), required=False, max_length=200)
    postal_code = forms.CharField(label=_("Postal code"), required=False, max_length=20)
    city = forms.CharField(label=_("City"), required=False, max_length=200)
    region = forms.CharField(label=_("Region / state"), required=False, max_length=200)
    country = forms.ChoiceField(label=_("Country"), required=False)
    phone = forms.CharField(label=_("Phone"), required=False, max_length=40)
    # shipping
    shipping_rate = forms.TypedChoiceField(
        label=_("Shipping rate"),
        required=False,
        coerce=int,
        empty_value=None,
        help_text=_("One of your rates, or none and type a method and price below."),
    )
    shipping_name = forms.CharField(label=_("Shipping method"), required=False, max_length=200)
    shipping_amount = _money(
        _("Shipping price"), help_text=_("As your prices are entered; 0 or empty for free.")
    )
    # discount
    discount_kind = forms.ChoiceField(label=_("Discount"), required=False, choices=DISCOUNT_KIND_CHOICES)
    discount_value = _money(_("Discount value"), help_text=_("Percent (e.g. 10) or an amount."))
    discount_name = forms.CharField(label=_("Discount name"), required=False, max_length=120)

    def __init__(
        self, *args: Any, rates: list[tuple[int, str]], default_country: str = "", **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["shipping_rate"].choices = [("", _("No rate")), *rates]  # type: ignore[attr-defined]
        self.fields["country"].choices = [("", "—"), *country_choices()]  # type: ignore[attr-defined]
        if default_country and not self.is_bound:
            self.initial.setdefault("country", default_country)

    def has_address(self) -> bool:
        data = self.cleaned_data
        return any(data.get(name) for name in ADDRESS_FIELDS if name != "country")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("discount_kind") and not data.get("discount_value"):
            self.add_error("discount_value", _("Enter how much the discount takes off."))
        return data

    def discount(self) -> ManualDiscount | None:
        data = self.cleaned_data
        kind = data.get("discount_kind") or ""
        if kind not in MANUAL_DISCOUNT_KINDS:
            return None
        return ManualDiscount(kind=kind, value=data["discount_value"], name=data.get("discount_name") or "")


def posted_quantities(data: Any) -> tuple[dict[int, int], list[str]]:
    """The `quantity_<variant id>` fields of the draft form: {variant id: quantity > 0}, and the
    problems with the others (blank and 0 mean "not this one")."""
    quantities: dict[int, int] = {}
    problems: list[str] = []
    limit = int(settings.CART_LINE_MAX_QUANTITY)
    for key in data:
        match = QUANTITY_FIELD.match(key)
        if not match:
            continue
        raw = str(data.get(key) or "").strip()
        if raw in ("", "0"):
            continue
        if not raw.isdigit() or not 1 <= int(raw) <= limit:
            problems.append(str(_("Enter a quantity from 1 to %(max)d.") % {"max": limit}))
            continue
        quantities[int(match.group(1))] = int(raw)
    return quantities, sorted(set(problems))


def draft_lines(quantities: dict[int, int]) -> list[DraftLine]:
    return [DraftLine(variant_id=vid, quantity=qty) for vid, qty in sorted(quantities.items())]


# ------------------------------------------------------------------------------
# Order edits: one change per form, previewed before it is made
# ------------------------------------------------------------------------------
class EditForm(forms.Form):
    """Every field any change uses; `action` says which are read. The preview page posts the
    same fields back with `confirm`."""

    action = forms.ChoiceField(
        choices=[(action, action) for action in EditAction.values],
        widget=forms.HiddenInput,
        error_messages={
            "required": _("Choose what to change."),
            "invalid_choice": _("Choose what to change."),
        },
    )
    variant = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    line = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    quantity = forms.IntegerField(
        label=_("Quantity"), required=False, min_value=1, max_value=int(settings.CART_LINE_MAX_QUANTITY)
    )
    discount_kind = forms.ChoiceField(label=_("Discount"), required=False, choices=DISCOUNT_KIND_CHOICES)
    discount_value = _money(_("Value"))
    discount_name = forms.CharField(label=_("Name"), required=False, max_length=120)
    shipping_name = forms.CharField(label=_("Shipping method"), required=False, max_length=200)
    shipping_amount = _money(_("Shipping price"))
    # The new total the preview showed: confirming applies the change only if it still holds.
    expected_total = forms.DecimalField(required=False, widget=forms.HiddenInput, **MONEY)  # type: ignore[arg-type]

    REQUIRED = {
        EditAction.ADD_LINE: ("variant", "quantity"),
        EditAction.SET_QUANTITY: ("line", "quantity"),
        EditAction.REMOVE_LINE: ("line",),
        EditAction.DISCOUNT: (),
        EditAction.SHIPPING: ("shipping_amount",),
    }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for name in self.REQUIRED.get(data.get("action", ""), ()):
            if data.get(name) is None and name not in self.errors:
                self.add_error(name, _("This field is required."))
        if (
            data.get("action") == EditAction.DISCOUNT
            and data.get("discount_kind")
            and not data.get("discount_value")
        ):
            self.add_error("discount_value", _("Enter how much the discount takes off."))
        return data

    def to_change(self) -> EditChange:
        data = self.cleaned_data
        action = data["action"]
        discount = None
        if action == EditAction.DISCOUNT and data.get("discount_kind"):
            discount = ManualDiscount(
                kind=data["discount_kind"], value=data["discount_value"], name=data.get("discount_name") or ""
            )
        return EditChange(
            action=action,
            variant_id=data.get("variant"),
            line_id=data.get("line"),
            quantity=data.get("quantity"),
            discount=discount,
            shipping_name=data.get("shipping_name") or "",
            shipping_amount=data.get("shipping_amount"),
        )
