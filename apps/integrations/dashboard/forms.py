"""Forms of the webhook pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.integrations.enums import WEBHOOK_EVENT_TYPES, DeliveryStatus
from apps.integrations.models import WebhookEndpoint
from apps.integrations.security import URL_MAX_LENGTH
from apps.integrations.services.endpoints import DESCRIPTION_MAX_LENGTH


class EndpointForm(forms.Form):
    # A CharField, not a URLField: the services say precisely what is wrong with a URL.
    url = forms.CharField(
        label=_("Endpoint URL"),
        max_length=URL_MAX_LENGTH,
        widget=forms.URLInput(attrs={"placeholder": "https://example.com/webhooks", "autocomplete": "off"}),
        help_text=_("Events are posted here as JSON over https, signed as the Standard Webhooks spec says."),
    )
    description = forms.CharField(label=_("Description"), max_length=DESCRIPTION_MAX_LENGTH, required=False)
    event_types = forms.MultipleChoiceField(
        label=_("Events"),
        choices=WEBHOOK_EVENT_TYPES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Choose none to receive every event, including ones added later."),
    )

    @classmethod
    def for_endpoint(cls, endpoint: WebhookEndpoint, data: Any = None) -> EndpointForm:
        return cls(
            data,
            initial={
                "url": endpoint.url,
                "description": endpoint.description,
                "event_types": list(endpoint.event_types),
            },
        )


class DeliveryFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any status")), *DeliveryStatus.choices]
    )
    event = forms.ChoiceField(label=_("Event"), required=False)
    endpoint = forms.UUIDField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, event_types: list[str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        known = dict(WEBHOOK_EVENT_TYPES)
        names = sorted(set(event_types or []) | set(known))
        event_field = self.fields["event"]
        assert isinstance(event_field, forms.ChoiceField)
        event_field.choices = [("", _("Any event")), *[(name, name) for name in names]]

    def cleaned(self) -> dict[str, Any]:
        if not self.is_bound or not self.is_valid():
            return {}
        return {key: value for key, value in self.cleaned_data.items() if value}
