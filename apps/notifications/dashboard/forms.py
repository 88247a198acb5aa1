"""Forms of the notifications pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from apps.notifications.catalog import TemplateName
from apps.notifications.models import Delivery, SmsSettings

PART_FIELDS = {"subject": "subject", "html": "body_html", "text": "body_text"}


class TemplateForm(forms.Form):
    subject = forms.CharField(label=_("Subject"), max_length=500)
    body_html = forms.CharField(
        label=_("HTML body"),
        widget=forms.Textarea(attrs={"rows": 18, "spellcheck": "false"}),
        max_length=100_000,
    )
    body_text = forms.CharField(
        label=_("Text body"),
        widget=forms.Textarea(attrs={"rows": 10, "spellcheck": "false"}),
        max_length=50_000,
    )

    def add_problems(self, problems: dict[str, Any]) -> None:
        for part, problem in problems.items():
            self.add_error(PART_FIELDS.get(part), str(problem))


class DeliveryFilterForm(forms.Form):
    q = forms.CharField(label=_("Recipient"), required=False, max_length=254)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any status")), *Delivery.Status.choices]
    )
    template = forms.ChoiceField(
        label=_("Template"), required=False, choices=[("", _("Any template")), *TemplateName.choices]
    )
    channel = forms.ChoiceField(
        label=_("Channel"), required=False, choices=[("", _("Any channel")), *Delivery.Channel.choices]
    )

    def filters(self) -> dict[str, str]:
        if not self.is_bound or not self.is_valid():
            return {}
        return {key: value for key, value in self.cleaned_data.items() if value}


class SmsSettingsForm(forms.ModelForm):
    auth_token = forms.CharField(
        label=_("Auth token"),
        required=False,
        max_length=128,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text=_("Leave empty to keep the saved token."),
    )

    class Meta:
        model = SmsSettings
        fields = ["enabled", "account_sid", "auth_token", "from_number"]
        help_texts = {
            "from_number": _("Your Twilio number in international form, such as +4915112345678."),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._saved_token = self.instance.auth_token if self.instance else ""

    def clean_auth_token(self) -> str:
        return self.cleaned_data.get("auth_token") or self._saved_token

    def clean_from_number(self) -> str:
        number = (self.cleaned_data.get("from_number") or "").strip().replace(" ", "")
        if number and not (number.startswith("+") and number[1:].isdigit() and 8 <= len(number) <= 16):
            raise forms.ValidationError(_("Enter the number in international form, such as +4915112345678."))
        return number

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("enabled"):
            for name in ("account_sid", "auth_token", "from_number"):
                if not cleaned.get(name) and name not in self.errors:
                    self.add_error(name, _("Needed to send text messages."))
        return cleaned


def language_choices() -> list[tuple[str, str]]:
    return [(code, str(name)) for code, name in settings.LANGUAGES]
