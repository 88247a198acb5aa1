from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class DomainAddForm(forms.Form):
    domain = forms.CharField(
        label=_("Domain"),
        max_length=253,
        help_text=_("For example shop.example.com. Point it at your store with a CNAME record first."),
    )
