"""The form of one social sign-in provider. The secret field never shows the stored secret:
empty means "keep it", anything typed replaces it."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.customers.selectors import SocialProviderState
from apps.customers.social_providers import SECRET_MAX_LENGTH


class SocialAppForm(forms.Form):
    # Bounds a little above the real ones: the service names the problem in its own words.
    client_id = forms.CharField(max_length=500, required=False)
    secret = forms.CharField(
        max_length=SECRET_MAX_LENGTH * 2,
        required=False,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args: Any, state: SocialProviderState, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"id_{state.id}_%s")
        super().__init__(*args, **kwargs)
        self.state = state
        self.fields["client_id"].label = str(state.client_id_label)
        self.fields["client_id"].help_text = str(state.client_id_hint)
        self.fields["client_id"].initial = state.client_id
        secret = self.fields["secret"]
        secret.label = str(state.secret_label)
        if state.secret_set:
            secret.help_text = _(
                "Leave this empty to keep the secret you entered; type a new one to replace it."
            )


class CustomerForm(forms.Form):
    """What staff may change on a customer record. Only carries the values: the service checks
    them and names each problem."""

    full_name = forms.CharField(label=_("Full name"), required=False, strip=False, max_length=300)
    phone = forms.CharField(
        label=_("Phone"),
        required=False,
        strip=False,
        max_length=64,
        widget=forms.TextInput(attrs={"type": "tel"}),
    )
    accepts_marketing = forms.BooleanField(
        label=_("Agreed to receive marketing email"),
        required=False,
        help_text=_("Change this only with the customer's consent, e.g. when they asked you by email."),
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        strip=False,
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Only your team sees this."),
    )


class StoreCreditForm(forms.Form):
    """Give store credit (a positive amount) or take some back (a negative one), with the reason
    the ledger keeps. The service checks the amount against the currency and the balance."""

    amount = forms.DecimalField(
        label=_("Amount"),
        max_digits=12,
        decimal_places=3,
        help_text=_("A negative amount takes credit back; the balance never goes below zero."),
    )
    reason = forms.CharField(label=_("Reason"), max_length=255)
