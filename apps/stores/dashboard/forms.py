from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class DomainAddForm(forms.Form):
    domain = forms.CharField(
        label=_("Domain"),
        max_length=253,
        help_text=_(
            "For example shop.example.com. After adding it you create one DNS TXT record to show "
            "the domain is yours; it serves your store once that record is seen."
        ),
    )
