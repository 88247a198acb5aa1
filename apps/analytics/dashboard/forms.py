"""The reports' date range: from and to (store-local dates, both included) or a preset of the
last 7, 30 or 90 days ending today."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

PRESETS = (7, 30, 90)
DEFAULT_DAYS = 30
MAX_DAYS = 366


class ReportRangeForm(forms.Form):
    start = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    end = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    days = forms.TypedChoiceField(
        label=_("Last"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "—"), *[(str(n), _("%(days)s days") % {"days": n}) for n in PRESETS]],
        widget=forms.HiddenInput,
    )

    def __init__(self, *args: Any, today: date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today
        if not self.is_bound:  # the inputs show the default range
            self.initial.setdefault("start", today - timedelta(days=DEFAULT_DAYS - 1))
            self.initial.setdefault("end", today)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        start, end, days = data.get("start"), data.get("end"), data.get("days")
        if days and not (start or end):
            start, end = self.today - timedelta(days=days - 1), self.today
        end = end or self.today
        start = start or end - timedelta(days=DEFAULT_DAYS - 1)
        if start > end:
            self.add_error("start", _("The start date is after the end date."))
            return data
        if (end - start).days + 1 > MAX_DAYS:
            self.add_error("start", _("Choose at most %(days)s days at a time.") % {"days": MAX_DAYS})
            return data
        data["start"], data["end"] = start, end
        return data

    def range(self) -> tuple[date, date]:
        """The chosen range; the default (last 30 days) when the form is unbound or invalid."""
        if self.is_bound and self.is_valid():
            return self.cleaned_data["start"], self.cleaned_data["end"]
        return self.today - timedelta(days=DEFAULT_DAYS - 1), self.today
