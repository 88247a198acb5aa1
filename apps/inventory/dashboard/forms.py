"""Dashboard forms: they check the shape of the input; the services enforce the rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.inventory.models import Location, StockMovement
from apps.inventory.services import LOCATION_PRIORITY_MAX, MAX_QUANTITY


class LocationForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    code = forms.SlugField(
        label=_("Code"),
        max_length=60,
        help_text=_("A short unique identifier, e.g. “main-warehouse”: lowercase letters, digits, hyphens."),
    )
    kind = forms.ChoiceField(label=_("Type"), choices=Location.Kind.choices, initial=Location.Kind.WAREHOUSE)
    priority = forms.IntegerField(
        label=_("Priority"),
        min_value=0,
        max_value=LOCATION_PRIORITY_MAX,
        initial=100,
        help_text=_("Orders reserve stock at the active location with the lowest number first."),
    )
    is_active = forms.BooleanField(
        label=_("Active"),
        required=False,
        initial=True,
        help_text=_("Inactive locations keep their stock but nothing is reserved there."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["code"].widget.attrs.update({"autocomplete": "off", "spellcheck": "false"})


class StockAdjustForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Type of change"),
        choices=[
            (StockMovement.Kind.RECEIVED, _("Goods received")),
            (StockMovement.Kind.ADJUSTED, _("Correction (count, damage, loss)")),
        ],
        initial=StockMovement.Kind.ADJUSTED,
    )
    delta = forms.IntegerField(
        label=_("Change in units"),
        min_value=-MAX_QUANTITY,
        max_value=MAX_QUANTITY,
        help_text=_("Units to add (e.g. 10) or to remove (e.g. -3)."),
    )
    reason = forms.CharField(label=_("Reason"), max_length=255)

    def clean_delta(self) -> int:
        delta: int = self.cleaned_data["delta"]
        if delta == 0:
            raise forms.ValidationError(_("Enter a number of units other than zero."))
        return delta
