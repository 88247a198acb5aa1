"""Forms of categories and collections (with their rules)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.catalog.dashboard.forms.fields import CategoryTreeField
from apps.catalog.models import Category, Collection
from apps.catalog.services import RULE_FIELDS, RULE_OPS

MAX_RULES = 5
RULE_PREFIX = "rules"


class CategoryForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args: Any, categories: Iterable[Category] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["parent"] = CategoryTreeField(
            label=_("Parent"), categories=categories, empty_label=str(_("None (top level)"))
        )
        self.order_fields(["name", "parent", "description"])


RULE_FIELD_CHOICES = [
    (name, label)
    for name, label in [
        ("tag", _("Tag")),
        ("vendor", _("Vendor")),
        ("product_type", _("Product type")),
        ("title", _("Title")),
        ("price", _("Price")),
        ("category", _("Category name")),
    ]
    if name in RULE_FIELDS
]
RULE_OP_CHOICES = [
    (name, label)
    for name, label in [
        ("equals", _("is equal to")),
        ("contains", _("contains")),
        ("gt", _("is greater than")),
        ("lt", _("is less than")),
    ]
    if name in RULE_OPS
]


class CollectionForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=255)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("HTML is allowed; scripts and other active content are removed when saving."),
    )
    kind = forms.ChoiceField(
        label=_("Type"),
        choices=Collection.Kind.choices,
        initial=Collection.Kind.MANUAL,
        widget=forms.RadioSelect,
    )
    match = forms.ChoiceField(
        label=_("Products must match"),
        choices=Collection.Match.choices,
        initial=Collection.Match.ALL,
        widget=forms.RadioSelect,
    )


class RuleForm(forms.Form):
    field = forms.ChoiceField(label=_("Field"), choices=[("", "—"), *RULE_FIELD_CHOICES], required=False)
    op = forms.ChoiceField(label=_("Condition"), choices=RULE_OP_CHOICES, required=False)
    value = forms.CharField(label=_("Value"), max_length=255, required=False)

    def rule(self) -> dict[str, str] | None:
        data = getattr(self, "cleaned_data", {})
        if not data.get("field") and not (data.get("value") or "").strip():
            return None
        return {
            "field": data.get("field") or "",
            "op": data.get("op") or "",
            "value": data.get("value") or "",
        }


RuleFormSet = forms.formset_factory(
    RuleForm, extra=0, max_num=MAX_RULES, validate_max=True, absolute_max=MAX_RULES
)


def rule_formset(data: Any = None, *, rules: Sequence[dict[str, str]] = ()) -> forms.BaseFormSet:
    if data is not None:
        return RuleFormSet(data, prefix=RULE_PREFIX)
    initial = [dict(rule) for rule in rules][:MAX_RULES]
    initial += [{} for _i in range(MAX_RULES - len(initial))]
    formset = RuleFormSet(initial=initial, prefix=RULE_PREFIX)
    return formset


def rules_from(formset: forms.BaseFormSet) -> list[dict[str, str]]:
    return [rule for form in formset.forms if (rule := form.rule()) is not None]  # type: ignore[attr-defined]
