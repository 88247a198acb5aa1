"""Forms of the privacy pages: the retention settings (one field per registered data kind, with
its bounds) and the erasure's confirmation (the customer's email typed again)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.privacy.selectors import RetentionRow


class RetentionForm(forms.Form):
    def __init__(self, *args: Any, rows: list[RetentionRow], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rows = rows
        for row in rows:
            kind = row.kind
            self.fields[kind.key] = forms.IntegerField(
                label=str(kind.label),
                min_value=kind.min_days,
                max_value=kind.max_days,
                initial=row.days,
                help_text=_("%(help)s Default %(default)s days; between %(min)s and %(max)s.")
                % {
                    "help": kind.help_text,
                    "default": kind.default_days,
                    "min": kind.min_days,
                    "max": kind.max_days,
                },
                error_messages={"invalid": _("Enter a whole number of days.")},
                widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
            )


class EraseForm(forms.Form):
    confirm_email = forms.CharField(
        label=_("Type the customer's email address to confirm"),
        max_length=254,
        error_messages={"required": _("Type the customer's email address to confirm.")},
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    def __init__(self, *args: Any, email: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.expected_email = email

    def clean_confirm_email(self) -> str:
        typed = self.cleaned_data["confirm_email"].strip()
        if typed.lower() != self.expected_email.lower():
            raise forms.ValidationError(_("This is not the customer's email address."), code="mismatch")
        return typed
