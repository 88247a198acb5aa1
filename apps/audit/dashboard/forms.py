"""The audit log's filters. A malformed date is a form error (the page answers 400)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.audit.models import AuditEntry
from apps.audit.selectors import TEXT_FILTER_MAX_LENGTH, AuditFilters, audit_object_types


class AuditFilterForm(forms.Form):
    q = forms.CharField(label=_("Object"), required=False, max_length=TEXT_FILTER_MAX_LENGTH)
    actor = forms.CharField(label=_("By"), required=False, max_length=255)
    object_type = forms.ChoiceField(label=_("Type"), required=False)
    action = forms.ChoiceField(
        label=_("Action"), required=False, choices=[("", _("Any action")), *AuditEntry.Action.choices]
    )
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["object_type"].choices = [("", _("Any type")), *audit_object_types()]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end of the range is before its start."))
        return data

    def to_filters(self) -> AuditFilters:
        """Only called on a valid form."""
        data = self.cleaned_data
        return AuditFilters(
            actor=" ".join((data.get("actor") or "").split()),
            object_type=data.get("object_type") or "",
            action=data.get("action") or "",
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            text=" ".join((data.get("q") or "").split()),
        )
