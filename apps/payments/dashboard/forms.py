"""The payment setup form: it checks the shape of the input; `payment_settings_update` enforces
the rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.payments.models import PaymentSettings
from apps.payments.services import INSTRUCTIONS_MAX_LENGTH, PaymentSettingsInput


class PaymentSettingsForm(forms.Form):
    stripe_enabled = forms.BooleanField(
        label=_("Card payments through Stripe"),
        required=False,
        help_text=_("Shown to shoppers once your Stripe account can take payments."),
    )
    dummy_enabled = forms.BooleanField(
        label=_("Test payments"),
        required=False,
        help_text=_("Test cards only, no money moves: for trying the checkout. Turn off before you open."),
    )
    bank_transfer_enabled = forms.BooleanField(label=_("Bank transfer"), required=False)
    bank_transfer_instructions = forms.CharField(
        label=_("Bank transfer instructions"),
        required=False,
        max_length=INSTRUCTIONS_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Account holder, IBAN/BIC or account number; shoppers see this after ordering."),
    )
    cash_on_delivery_enabled = forms.BooleanField(label=_("Cash on delivery"), required=False)
    cash_on_delivery_instructions = forms.CharField(
        label=_("Cash on delivery instructions"),
        required=False,
        max_length=INSTRUCTIONS_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Optional, e.g. “Please have the exact amount ready.”"),
    )

    def __init__(
        self,
        *args: Any,
        current: PaymentSettings,
        read_only: bool = False,
        dummy_allowed: bool = True,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("initial", {name: getattr(current, name) for name in self.base_fields})
        super().__init__(*args, **kwargs)
        self.current = current
        if not dummy_allowed:
            # The platform refuses test payments: the store's choice stays as it was.
            del self.fields["dummy_enabled"]
        if read_only:
            for field in self.fields.values():
                field.disabled = True

    def to_input(self) -> PaymentSettingsInput:
        data = self.cleaned_data
        return PaymentSettingsInput.from_settings(
            self.current,
            **{name: data[name] for name in self.fields if name in PaymentSettingsInput.__dataclass_fields__},
        )
