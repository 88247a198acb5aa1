"""The product CSV import form."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.catalog.models import ImportRun


class ProductImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
        help_text=_("The columns of the product export; download an export to start from."),
    )
    policy = forms.ChoiceField(
        label=_("When some rows are invalid"),
        choices=ImportRun.Policy.choices,
        initial=ImportRun.Policy.ALL_OR_NOTHING,
        widget=forms.RadioSelect,
    )
