from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.invoices.models import InvoiceKind, InvoiceSettings
from apps.invoices.numbering import number_format_check
from apps.invoices.selectors import InvoiceFilters


class InvoiceFilterForm(forms.Form):
    kind = forms.ChoiceField(label=_("Type"), required=False, choices=[("", _("All")), *InvoiceKind.choices])
    issued_from = forms.DateField(
        label=_("Issued from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    issued_to = forms.DateField(
        label=_("Issued until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("issued_from"), data.get("issued_to")
        if start and end and start > end:
            self.add_error("issued_to", _("The end date is before the start date."))
        return data

    def to_filters(self) -> InvoiceFilters:
        """The filters to apply; a field with an error is left out (the page says why)."""
        data = self.cleaned_data if self.is_bound and hasattr(self, "cleaned_data") else {}
        return InvoiceFilters(
            kind=data.get("kind") or "", date_from=data.get("issued_from"), date_to=data.get("issued_to")
        )


class InvoiceSettingsForm(forms.ModelForm):
    class Meta:
        model = InvoiceSettings
        fields = ["invoice_number_format", "credit_note_number_format", "seller_tax_id", "footer"]
        widgets = {"footer": forms.Textarea(attrs={"rows": 3, "maxlength": 500})}

    def _format(self, name: str) -> str:
        value = str(self.cleaned_data.get(name) or "").strip()
        problem = number_format_check(value)
        if problem:
            raise forms.ValidationError(problem, code="format_invalid")
        return value

    def clean_invoice_number_format(self) -> str:
        return self._format("invoice_number_format")

    def clean_credit_note_number_format(self) -> str:
        return self._format("credit_note_number_format")
