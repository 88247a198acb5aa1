"""Forms of the fraud review pages."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.fraud.models import FraudSettings


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (kept on the order's timeline)"),
        max_length=255,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("Cancelled after fraud review.")}),
    )


class FraudSettingsForm(forms.Form):
    medium_threshold = forms.IntegerField(
        label=_("Medium risk from score"),
        min_value=1,
        max_value=99,
        help_text=_("Orders scoring at least this much are listed for review."),
    )
    high_threshold = forms.IntegerField(
        label=_("High risk from score"),
        min_value=2,
        max_value=100,
        help_text=_("Orders scoring at least this much are high risk."),
    )
    hold_high_risk = forms.BooleanField(
        label=_("Hold high-risk orders until someone reviews them"),
        required=False,
        help_text=_("A held order is not sent to suppliers or shipped until it is approved."),
    )
    high_risk_countries = forms.CharField(
        label=_("High-risk shipping countries"),
        required=False,
        max_length=1000,
        help_text=_("Two-letter country codes separated by commas or spaces, e.g. NG, GH."),
    )

    @classmethod
    def initial_for(cls, settings: FraudSettings) -> dict[str, Any]:
        return {
            "medium_threshold": settings.medium_threshold,
            "high_threshold": settings.high_threshold,
            "hold_high_risk": settings.hold_high_risk,
            "high_risk_countries": ", ".join(settings.high_risk_countries),
        }

    def clean_high_risk_countries(self) -> list[str]:
        raw = self.cleaned_data.get("high_risk_countries") or ""
        return [part.upper() for part in re.split(r"[\s,;]+", raw) if part]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        medium, high = cleaned.get("medium_threshold"), cleaned.get("high_threshold")
        if medium is not None and high is not None and medium >= high:
            self.add_error("high_threshold", _("The high threshold must be above the medium one."))
        return cleaned
