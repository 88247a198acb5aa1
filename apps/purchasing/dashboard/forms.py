"""Forms of the purchase order pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.purchasing.models import PurchaseOrderStatus, PurchasingSettings


class PurchaseOrderFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All statuses")), *PurchaseOrderStatus.choices],
    )


class MarkPlacedForm(forms.Form):
    supplier_order_id = forms.CharField(
        label=_("Supplier's order id"),
        max_length=120,
        help_text=_("The number the supplier gave the order when you placed it with them."),
    )
    cost = forms.DecimalField(
        label=_("Cost of the goods"), required=False, min_value=0, max_digits=12, decimal_places=3,
        help_text=_("Leave empty to keep the cost from the supplier's prices."),
    )  # fmt: skip
    shipping_cost = forms.DecimalField(
        label=_("Shipping cost"), required=False, min_value=0, max_digits=12, decimal_places=3
    )


class PurchasingSettingsForm(forms.Form):
    mode = forms.ChoiceField(
        label=_("Placing orders with suppliers"), choices=PurchasingSettings.Mode.choices
    )
    max_attempts = forms.IntegerField(
        label=_("Attempts before asking for help"), min_value=1, max_value=20,
        help_text=_("How many times an order is sent to the supplier before it needs your attention."),
    )  # fmt: skip
    max_lead_time_days = forms.IntegerField(
        label=_("Slowest acceptable lead time (days)"), required=False, min_value=0, max_value=365,
        help_text=_("Suppliers slower than this are used only when no faster one has the item. Empty: no limit."),
    )  # fmt: skip

    @classmethod
    def for_settings(cls, settings: PurchasingSettings, data: Any = None) -> PurchasingSettingsForm:
        return cls(
            data,
            initial={
                "mode": settings.mode,
                "max_attempts": settings.max_attempts,
                "max_lead_time_days": settings.max_lead_time_days,
            },
        )
