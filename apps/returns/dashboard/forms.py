"""Forms of the returns pages: they shape the input and hand it to the returns services, whose
coded errors the views put next to the field they name."""

from __future__ import annotations

import re
import uuid
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.orders.models import OrderLine
from apps.returns.enums import ReturnStatus
from apps.returns.models import ReturnSettings
from apps.returns.services import RefundInput, RefundLineInput

QUANTITY_FIELD = re.compile(r"^quantity_(\d{1,18})$")


class ReturnFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any status")), *ReturnStatus.choices]
    )

    def status_value(self) -> str:
        if self.is_bound and self.is_valid():
            return str(self.cleaned_data.get("status") or "")
        return ""


class RefundForm(forms.Form):
    """The refund page: a quantity per order line (`quantity_<line id>`), shipping, the amount
    (empty: what the chosen items and shipping cost), reason, restock, store credit or gift
    cards instead of the payment method, and the
    one-time token that makes a second post of the same form refund nothing more."""

    token = forms.UUIDField(widget=forms.HiddenInput)
    shipping = forms.BooleanField(label=_("Refund shipping"), required=False)
    amount = forms.DecimalField(
        label=_("Amount"),
        required=False,
        max_digits=12,
        decimal_places=3,
        min_value=Decimal("0.01"),
        help_text=_("Leave empty to refund what the chosen items and shipping cost; you may enter less."),
    )
    reason = forms.CharField(label=_("Reason"), max_length=255, required=False)
    restock = forms.BooleanField(label=_("Return the items to stock"), required=False)
    store_credit = forms.BooleanField(
        label=_("Give store credit instead"),
        required=False,
        help_text=_(
            "The amount goes to the shopper's account as store credit; nothing goes back to their card."
        ),
    )
    gift_card = forms.BooleanField(
        label=_("Put it back on the gift cards instead"),
        required=False,
        help_text=_(
            "The amount goes back onto the gift cards this order was paid with, up to what each paid."
        ),
    )

    def __init__(
        self,
        *args: Any,
        lines: list[tuple[OrderLine, int]],
        offers_store_credit: bool = True,
        offers_gift_card: bool = True,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("token", uuid.uuid4())
        super().__init__(*args, **kwargs)
        # A guest order cannot take store credit, nor an order no gift card paid (or whose cards
        # got everything back) a gift card refund: the page does not offer them, but the fields
        # stay so that a hand-made post asking for one is refused (by the service), not read as
        # "no".
        self.offers_store_credit = offers_store_credit
        self.offers_gift_card = offers_gift_card
        self.line_rows: list[tuple[OrderLine, int, str]] = []
        for line, left in lines:
            name = f"quantity_{line.pk}"
            self.fields[name] = forms.IntegerField(
                label=line.product_title, min_value=0, max_value=max(left, 0), required=False, initial=0
            )
            self.line_rows.append((line, left, name))

    def line_fields(self) -> list[tuple[OrderLine, int, forms.BoundField]]:
        return [(line, left, self[name]) for line, left, name in self.line_rows]

    def to_input(self, *, return_request_id: int | None = None) -> RefundInput:
        data = self.cleaned_data
        lines = []
        for name, value in data.items():
            match = QUANTITY_FIELD.match(name)
            if match and value:
                lines.append(RefundLineInput(line_id=int(match.group(1)), quantity=int(value)))
        return RefundInput(
            token=data["token"],
            lines=tuple(lines),
            shipping=bool(data.get("shipping")),
            amount=data.get("amount"),
            reason=data.get("reason") or "",
            restock=bool(data.get("restock")),
            store_credit=bool(data.get("store_credit")),
            gift_card=bool(data.get("gift_card")),
            return_request_id=return_request_id,
        )


class ApproveForm(forms.Form):
    instructions = forms.CharField(
        label=_("Instructions for the shopper"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Where and how to send the goods back."),
    )
    label = forms.FileField(label=_("Return label (PDF or image)"), required=False)
    label_url = forms.URLField(
        label=_("Or a link to the label"), required=False, max_length=1000, assume_scheme="https"
    )
    note = forms.CharField(label=_("Staff note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class RefuseForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is the return refused?"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
        help_text=_("The shopper sees this."),
        error_messages={"required": _("Say why the return is refused.")},
    )


class ReceiveForm(forms.Form):
    restock = forms.BooleanField(
        label=_("Put the returned units back in stock"), required=False, initial=True
    )


class ReturnSettingsForm(forms.ModelForm):
    class Meta:
        model = ReturnSettings
        fields = ["window_days", "photos_required", "instructions"]
        widgets = {"instructions": forms.Textarea(attrs={"rows": 4})}

    def clean_window_days(self) -> int:
        value = int(self.cleaned_data["window_days"])
        if value > 365:
            raise forms.ValidationError(_("At most 365 days."))
        return value
