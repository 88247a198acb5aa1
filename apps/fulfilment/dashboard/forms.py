"""Forms of the fulfilment pages. They shape the input and hand it to the services, which hold
every rule; the views put a service's refusal next to the field it names."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.fulfilment.carriers import OTHER, carrier_choices, carrier_guess
from apps.orders.models import OrderLine

GUESS = ""
MAX_REPORT_DAYS = 366


class FulfilForm(forms.Form):
    """One quantity field per line still to ship (`line_<id>`), the carrier and the tracking,
    and a one-time token that makes a second post of the same form ship nothing more."""

    token = forms.UUIDField(widget=forms.HiddenInput)

    carrier = forms.ChoiceField(label=_("Carrier"), required=False)
    carrier_name = forms.CharField(
        label=_("Carrier name"),
        required=False,
        max_length=100,
        help_text=_("Only for another carrier."),
    )
    tracking_number = forms.CharField(label=_("Tracking number"), max_length=100)
    tracking_url = forms.URLField(
        label=_("Tracking link"),
        required=False,
        max_length=1000,
        assume_scheme="https",
        help_text=_("Optional for the carriers listed: their tracking page is linked by itself."),
    )

    def __init__(self, *args: Any, lines: list[OrderLine], remaining: dict[int, int], **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("token", uuid.uuid4())
        super().__init__(*args, **kwargs)
        self.lines = [line for line in lines if remaining.get(line.pk, 0) > 0]
        carrier: Any = self.fields["carrier"]
        carrier.choices = [(GUESS, _("Guess from the tracking number")), *carrier_choices()]
        line_fields = {}
        for line in self.lines:
            left = remaining[line.pk]
            label = line.product_title + (f" · {line.variant_title}" if line.variant_title else "")
            line_fields[f"line_{line.pk}"] = forms.IntegerField(
                label=label,
                min_value=0,
                max_value=left,
                initial=left,
                help_text=_("%(left)s of %(ordered)s left to ship")
                % {"left": left, "ordered": line.quantity},
                widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
            )
        # The lines come first, then the carrier and the tracking.
        self.fields = {**line_fields, **self.fields}

    @property
    def line_fields(self) -> list[forms.BoundField]:
        return [self[f"line_{line.pk}"] for line in self.lines]

    @property
    def shipping_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in ("carrier", "carrier_name", "tracking_number", "tracking_url")]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.lines and not any(data.get(f"line_{line.pk}") for line in self.lines) and not self.errors:
            raise forms.ValidationError(_("Choose at least one item to ship."))
        if data.get("carrier") == GUESS and data.get("tracking_number"):
            guessed = carrier_guess(data["tracking_number"])
            if guessed is None:
                self.add_error(
                    "carrier",
                    _("No carrier's format matches this number: choose the carrier."),
                )
            else:
                data["carrier"] = guessed
        if data.get("carrier") == OTHER and not data.get("tracking_url"):
            self.add_error("tracking_url", _("Give the link where the shopper can track the parcel."))
        return data

    def chosen_lines(self) -> list[tuple[OrderLine, int]]:
        return [
            (line, int(self.cleaned_data.get(f"line_{line.pk}") or 0))
            for line in self.lines
            if self.cleaned_data.get(f"line_{line.pk}")
        ]


class DateRangeForm(forms.Form):
    """From and to (both included); default the last 30 days ending today."""

    start = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, today: date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        end = data.get("end") or self.today
        start = data.get("start") or end - timedelta(days=29)
        if start > end:
            raise forms.ValidationError(_("The start date is after the end date."))
        if (end - start).days >= MAX_REPORT_DAYS:
            raise forms.ValidationError(_("Choose at most a year at a time."))
        data["start"], data["end"] = start, end
        return data

    def range(self) -> tuple[date, date]:
        if self.is_bound and self.is_valid():
            return self.cleaned_data["start"], self.cleaned_data["end"]
        return self.today - timedelta(days=29), self.today
