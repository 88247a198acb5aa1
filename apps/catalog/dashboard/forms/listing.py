"""The product list's forms: filters (to a `ProductFilters`) and bulk actions."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.catalog.dashboard.forms.fields import CategoryTreeField, OptionListField, UUIDListField, comma_split
from apps.catalog.models import Category, Product
from apps.catalog.selectors import ProductFilters
from apps.core.permissions import Perm

MAX_BULK_PRODUCTS = 500


class ProductFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any status")), *Product.Status.choices]
    )
    vendor = forms.CharField(label=_("Vendor"), required=False, max_length=120)
    tag = forms.CharField(label=_("Tag"), required=False, max_length=60)
    price_min = forms.DecimalField(label=_("Price from"), required=False, min_value=0, decimal_places=2)
    price_max = forms.DecimalField(label=_("Price to"), required=False, min_value=0, decimal_places=2)
    sync = forms.ChoiceField(
        label=_("Supplier sync"),
        required=False,
        choices=[("", _("Any sync status")), *Product.SyncStatus.choices],
    )
    option = OptionListField(label=_("Options"), required=False)

    def __init__(self, *args: Any, categories: Iterable[Category] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"] = CategoryTreeField(
            label=_("Category"), categories=categories, empty_label=str(_("Any category"))
        )
        self.order_fields(["q", "status", "category"])

    def filters(self) -> ProductFilters:
        """The filters to list with; a filter that does not parse is ignored (and shown as an error)."""
        data: dict[str, Any] = {}
        if self.is_bound:
            self.is_valid()
            data = self.cleaned_data
        return ProductFilters(
            query=(data.get("q") or "").strip(),
            status=data.get("status") or "",
            category_id=data.get("category"),
            vendor=(data.get("vendor") or "").strip(),
            tag=(data.get("tag") or "").strip(),
            price_min=data.get("price_min"),
            price_max=data.get("price_max"),
            options=tuple(data.get("option") or ()),
            sync_status=data.get("sync") or "",
        )


class BulkAction(models.TextChoices):
    STATUS = "status", _("Set status")
    ADD_TAGS = "add_tags", _("Add tags")
    REMOVE_TAGS = "remove_tags", _("Remove tags")
    PRICE = "price", _("Change prices by %")
    DELETE = "delete", _("Delete")


def bulk_action_permission(action: str) -> Perm:
    """Deleting needs `catalog.delete`; every other bulk action changes products (`catalog.edit`)."""
    return Perm.CATALOG_DELETE if action == BulkAction.DELETE else Perm.CATALOG_EDIT


def bulk_actions_allowed(permissions: Iterable[str]) -> list[BulkAction]:
    granted = set(permissions)
    return [action for action in BulkAction if bulk_action_permission(action) in granted]


class ProductBulkForm(forms.Form):
    action = forms.ChoiceField(label=_("Action"), choices=BulkAction.choices)
    products = UUIDListField(required=False)
    status = forms.ChoiceField(label=_("New status"), required=False, choices=Product.Status.choices)
    tags = forms.CharField(
        label=_("Tags"), required=False, max_length=500, help_text=_("Separate tags with commas.")
    )
    percent = forms.DecimalField(
        label=_("Change by %"),
        required=False,
        max_digits=6,
        decimal_places=2,
        min_value=Decimal("-99.99"),
        max_value=Decimal("1000"),
        help_text=_("For example 10 for a 10% rise, -15 for a 15% reduction."),
    )
    next = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, actions: Iterable[BulkAction] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if actions is not None:
            # Only the actions the role may take are offered (the view checks them again).
            allowed = set(actions)
            self.fields["action"].choices = [c for c in BulkAction.choices if c[0] in allowed]  # type: ignore[attr-defined]

    def clean_products(self) -> list[str]:
        products: list[str] = self.cleaned_data.get("products") or []
        if not products:
            raise ValidationError(_("Select at least one product."), code="none_selected")
        if len(products) > MAX_BULK_PRODUCTS:
            raise ValidationError(
                _("Select at most %(n)d products at once.") % {"n": MAX_BULK_PRODUCTS}, code="too_many"
            )
        return products

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        action = data.get("action")
        if action == BulkAction.STATUS and not data.get("status"):
            self.add_error("status", _("Choose the new status."))
        if action in (BulkAction.ADD_TAGS, BulkAction.REMOVE_TAGS) and not comma_split(data.get("tags", "")):
            self.add_error("tags", _("Enter at least one tag."))
        if action == BulkAction.PRICE and data.get("percent") in (None, Decimal(0)):
            self.add_error("percent", _("Enter the percentage to change prices by."))
        return data

    @property
    def tag_list(self) -> list[str]:
        return comma_split(self.cleaned_data.get("tags", ""))
