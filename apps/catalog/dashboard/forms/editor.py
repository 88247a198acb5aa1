"""The product editor: the product's fields, up to three options and the variant matrix,
validated together into the `ProductInput` the product services take."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.billing.limits import PlanLimitReached
from apps.catalog.dashboard.forms.fields import CategoryTreeField, comma_split
from apps.catalog.errors import CatalogError
from apps.catalog.models import Category, Product
from apps.catalog.services import ProductInput, VariantInput
from apps.core.money import currency_precision, money_quantize
from apps.stores.selectors import store_currency_get

OPTION_SLOTS = (1, 2, 3)
MAX_VARIANTS = 100
VARIANT_PREFIX = "variants"


class ProductForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=255)
    handle = forms.SlugField(
        label=_("Handle"),
        max_length=255,
        required=False,
        help_text=_("The product's address in the store. Left empty, it is made from the title."),
    )
    description = forms.CharField(
        label=_("Description"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("HTML is allowed; scripts and other active content are removed when saving."),
    )
    status = forms.ChoiceField(
        label=_("Status"), choices=Product.Status.choices, initial=Product.Status.DRAFT
    )
    product_type = forms.CharField(label=_("Product type"), max_length=120, required=False)
    vendor = forms.CharField(label=_("Vendor"), max_length=120, required=False)
    tags = forms.CharField(
        label=_("Tags"), max_length=2000, required=False, help_text=_("Separate tags with commas.")
    )
    seo_title = forms.CharField(label=_("SEO title"), max_length=70, required=False)
    seo_description = forms.CharField(
        label=_("SEO description"), max_length=320, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, categories: Iterable[Category] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"] = CategoryTreeField(
            label=_("Category"), categories=categories, empty_label=str(_("No category"))
        )
        self.order_fields(["title", "handle", "description", "status", "category"])

    @staticmethod
    def initial_for(product: Product) -> dict[str, Any]:
        return {
            "title": product.title,
            "handle": product.handle,
            "description": product.description,
            "status": product.status,
            "product_type": product.product_type,
            "vendor": product.vendor,
            "tags": ", ".join(product.tags),
            "seo_title": product.seo_title,
            "seo_description": product.seo_description,
            "category": product.category_id,
        }


class ProductOptionsForm(forms.Form):
    """Up to three options (Size, Colour, ...), each with its comma-separated values."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for n in OPTION_SLOTS:
            self.fields[f"option{n}_name"] = forms.CharField(
                label=_("Option %(n)d") % {"n": n},
                max_length=60,
                required=False,
                widget=forms.TextInput(attrs={"placeholder": _("e.g. Size"), "data-option-name": n}),
            )
            self.fields[f"option{n}_values"] = forms.CharField(
                label=_("Values of option %(n)d") % {"n": n},
                max_length=2000,
                required=False,
                widget=forms.TextInput(attrs={"placeholder": _("e.g. S, M, L"), "data-option-values": n}),
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        names: list[str] = []
        for n in OPTION_SLOTS:
            name = " ".join((data.get(f"option{n}_name") or "").split())
            values = comma_split(data.get(f"option{n}_values") or "")
            data[f"option{n}_name"], data[f"option{n}_values"] = name, values
            if values and not name:
                self.add_error(f"option{n}_name", _("Name this option, or remove its values."))
            if name and not values:
                self.add_error(
                    f"option{n}_values",
                    _("List the values of “%(name)s”, separated by commas.") % {"name": name},
                )
            if name and name.casefold() in (existing.casefold() for existing in names):
                self.add_error(f"option{n}_name", _("Two options are called “%(name)s”.") % {"name": name})
            if name:
                names.append(name)
            for value in values:
                if len(value) > 100:
                    self.add_error(f"option{n}_values", _("A value can have at most 100 characters."))
                    break
        return data

    def options(self) -> list[tuple[int, str, list[str]]]:
        """[(slot, name, values)] of the options in use, after a successful clean."""
        return [
            (n, self.cleaned_data[f"option{n}_name"], self.cleaned_data[f"option{n}_values"])
            for n in OPTION_SLOTS
            if self.cleaned_data.get(f"option{n}_name")
        ]

    @staticmethod
    def initial_for(product: Product) -> dict[str, str]:
        initial: dict[str, str] = {}
        for n, option in zip(OPTION_SLOTS, product.options.all(), strict=False):
            initial[f"option{n}_name"] = option.name
            initial[f"option{n}_values"] = ", ".join(value.value for value in option.values.all())
        return initial


class VariantForm(forms.Form):
    option1 = forms.CharField(label=_("Option 1"), max_length=100, required=False)
    option2 = forms.CharField(label=_("Option 2"), max_length=100, required=False)
    option3 = forms.CharField(label=_("Option 3"), max_length=100, required=False)
    sku = forms.CharField(label=_("SKU"), max_length=100, required=False)
    price = forms.DecimalField(label=_("Price"), required=False, min_value=0, max_digits=12, decimal_places=3)
    compare_at_price = forms.DecimalField(
        label=_("Compare-at price"), required=False, min_value=0, max_digits=12, decimal_places=3
    )
    cost = forms.DecimalField(label=_("Cost"), required=False, min_value=0, max_digits=12, decimal_places=3)
    weight_grams = forms.IntegerField(label=_("Weight (g)"), required=False, min_value=0, max_value=10**9)
    barcode = forms.CharField(label=_("Barcode"), max_length=64, required=False)

    VALUE_FIELDS = ("sku", "price", "compare_at_price", "cost", "weight_grams", "barcode")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        step = str(Decimal(1).scaleb(-currency_precision(store_currency_get())))
        for name in ("price", "compare_at_price", "cost"):
            self.fields[name].widget.attrs.update({"step": step, "inputmode": "decimal"})
        for n in OPTION_SLOTS:
            self.fields[f"option{n}"].widget.attrs["data-option-cell"] = n
        for field in self.fields.values():
            # The matrix shows labels as column headings only; screen readers get them per input.
            field.widget.attrs.setdefault("aria-label", str(field.label))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        price, compare_at = data.get("price"), data.get("compare_at_price")
        if price is not None and compare_at is not None and compare_at <= price:
            # Shoppers see a compare-at price only above the price: one at or below it would
            # be saved and never shown.
            self.add_error(
                "compare_at_price",
                _("Make it higher than the price, or leave it empty: shoppers never see a lower one."),
            )
        return data

    def option_values(self) -> tuple[str, str, str]:
        data = self.cleaned_data
        return (
            " ".join((data.get("option1") or "").split()),
            " ".join((data.get("option2") or "").split()),
            " ".join((data.get("option3") or "").split()),
        )

    def is_blank(self) -> bool:
        """A row nobody filled in (an unused extra row) is ignored."""
        data = getattr(self, "cleaned_data", {})
        return not any(
            data.get(name) not in (None, "") for name in (*self.VALUE_FIELDS, "option1", "option2", "option3")
        )


class BaseVariantFormSet(forms.BaseFormSet):
    def rows(self) -> list[VariantForm]:
        """The rows to save: not blank, not marked for removal."""
        return [
            form  # type: ignore[misc]
            for form in self.forms
            if getattr(form, "cleaned_data", None) is not None
            and not form.cleaned_data.get("DELETE")
            and not form.is_blank()  # type: ignore[attr-defined]
        ]


VariantFormSet: type[BaseVariantFormSet] = forms.formset_factory(  # type: ignore[assignment]
    VariantForm,
    formset=BaseVariantFormSet,
    extra=0,
    can_delete=True,
    max_num=MAX_VARIANTS,
    validate_max=True,
    absolute_max=MAX_VARIANTS + 50,
)


def variant_initial(product: Product) -> list[dict[str, Any]]:
    names = [option.name for option in product.options.all()][: len(OPTION_SLOTS)]
    rows = []
    for variant in product.variants.all():
        by_name = {value.option.name: value.value for value in variant.option_values.all()}

        def amount(value: Decimal | None, currency: str = variant.currency) -> Decimal | None:
            # Stored with 3 places; shown with the currency's own (12.50 EUR, not 12.500).
            return None if value is None else money_quantize(value, currency)

        row: dict[str, Any] = {
            "sku": variant.sku,
            "price": amount(variant.price),
            "compare_at_price": amount(variant.compare_at_price),
            "cost": amount(variant.cost),
            "weight_grams": variant.weight_grams,
            "barcode": variant.barcode,
        }
        for n, name in zip(OPTION_SLOTS, names, strict=False):
            row[f"option{n}"] = by_name.get(name, "")
        rows.append(row)
    return rows


def matrix_rows(
    options: Sequence[tuple[int, str, list[str]]], previous: Sequence[dict[str, Any]]
) -> list[dict[str, Any]]:
    """One row per combination of option values. A row already typed for a combination keeps its
    values; rows whose combination is gone fill the new combinations in order (so a product's
    first variant survives when it gets its first option). Mirrors static/js/catalog-variants.js."""

    def key(row: dict[str, Any]) -> tuple[str, str, str]:
        return (
            str(row.get("option1") or "").strip(),
            str(row.get("option2") or "").strip(),
            str(row.get("option3") or "").strip(),
        )

    combos: list[tuple[str, str, str]] = []
    slots = [n for n, _name, _values in options]
    for values in itertools.product(*[values for _n, _name, values in options]):
        combo = ["", "", ""]
        for n, value in zip(slots, values, strict=True):
            combo[n - 1] = value
        combos.append((combo[0], combo[1], combo[2]))
    existing: dict[tuple[str, str, str], dict[str, Any]] = {}
    for row in previous:
        existing.setdefault(key(row), row)
    wanted = set(combos)
    spare = [row for k, row in existing.items() if k not in wanted]
    rows: list[dict[str, Any]] = []
    for wanted_combo in combos[:MAX_VARIANTS]:
        row = existing.get(wanted_combo) or (spare.pop(0) if spare else {})
        rows.append(
            {**row, "option1": wanted_combo[0], "option2": wanted_combo[1], "option3": wanted_combo[2]}
        )
    return rows


class ProductEditor:
    """The product form, its options and its variant rows, validated together into a `ProductInput`."""

    def __init__(
        self,
        data: Any = None,
        *,
        product: Product | None = None,
        categories: Iterable[Category] = (),
        variant_rows: Sequence[dict[str, Any]] | None = None,
    ) -> None:
        categories = list(categories)
        if data is not None and variant_rows is None:
            self.form = ProductForm(data, categories=categories)
            self.options_form = ProductOptionsForm(data)
            self.formset: BaseVariantFormSet = VariantFormSet(data, prefix=VARIANT_PREFIX)
            return
        if data is not None:
            # Re-shown after "Generate variants": what was typed, with the new rows, not yet checked.
            self.form = ProductForm(initial=_plain(data), categories=categories)
            self.options_form = ProductOptionsForm(initial=_plain(data))
        elif product is not None:
            self.form = ProductForm(initial=ProductForm.initial_for(product), categories=categories)
            self.options_form = ProductOptionsForm(initial=ProductOptionsForm.initial_for(product))
            variant_rows = variant_initial(product)
        else:
            self.form = ProductForm(categories=categories)
            self.options_form = ProductOptionsForm()
        self.formset = VariantFormSet(initial=list(variant_rows or []), prefix=VARIANT_PREFIX)
        # One empty row to add a variant without JavaScript; none after "Generate variants",
        # which shows exactly the matrix.
        self.formset.extra = 0 if data is not None else 1

    @property
    def is_bound(self) -> bool:
        return self.form.is_bound

    def is_valid(self) -> bool:
        valid = all([self.form.is_valid(), self.options_form.is_valid(), self.formset.is_valid()])
        if self.options_form.is_valid() and self.formset.is_valid():
            self._check_rows()  # also when the title is missing, so every problem shows at once
        return valid and not (self.form.errors or any(self.formset.errors) or self.formset.non_form_errors())

    def _check_rows(self) -> None:
        options = self.options_form.options()
        rows = self.formset.rows()
        if not rows:
            self.form.add_error(None, _("Add at least one variant with a SKU and a price."))
            return
        for row in rows:
            values = row.option_values()
            if not (row.cleaned_data.get("sku") or "").strip():
                row.add_error("sku", _("Enter a SKU."))
            if row.cleaned_data.get("price") is None:
                row.add_error("price", _("Enter a price."))
            for n in OPTION_SLOTS:
                declared = next((o for o in options if o[0] == n), None)
                value = values[n - 1]
                if declared is None and value:
                    row.add_error(
                        f"option{n}", _("Option %(n)d has no name; name it or clear this value.") % {"n": n}
                    )
                elif declared is not None and not value:
                    row.add_error(f"option{n}", _("Choose a value of “%(name)s”.") % {"name": declared[1]})
                elif declared is not None and value not in declared[2]:
                    row.add_error(
                        f"option{n}",
                        _("“%(value)s” is not one of the values of “%(name)s”.")
                        % {"value": value, "name": declared[1]},
                    )

    def product_input(self) -> ProductInput:
        data = self.form.cleaned_data
        options = self.options_form.options()
        variants = []
        for row in self.formset.rows():
            values = row.option_values()
            cleaned = row.cleaned_data
            variants.append(
                VariantInput(
                    sku=cleaned["sku"].strip(),
                    price=cleaned["price"],
                    compare_at_price=cleaned.get("compare_at_price"),
                    cost=cleaned.get("cost"),
                    weight_grams=cleaned.get("weight_grams"),
                    barcode=(cleaned.get("barcode") or "").strip(),
                    options=tuple((name, values[n - 1]) for n, name, _values in options),
                )
            )
        return ProductInput(
            title=data["title"],
            handle=data.get("handle") or "",
            description=data.get("description") or "",
            status=data["status"],
            product_type=data.get("product_type") or "",
            vendor=data.get("vendor") or "",
            tags=tuple(comma_split(data.get("tags") or "")),
            seo_title=data.get("seo_title") or "",
            seo_description=data.get("seo_description") or "",
            category_id=data.get("category"),
            variants=tuple(variants),
        )

    def apply_error(self, error: CatalogError | PlanLimitReached) -> None:
        """Show a service's refusal next to what caused it (and always at the top of the form)."""
        if error.field in self.form.fields:
            self.form.add_error(error.field, error.message)
            return
        self.form.add_error(None, error.message)
        # The refusal names the SKU in its params: mark the rows that carry it.
        sku = str(error.params.get("sku") or "")
        if sku:
            for row in self.formset.rows():
                if (row.cleaned_data.get("sku") or "").strip() == sku:
                    row.add_error("sku", error.message)

    def matrix(self) -> list[dict[str, Any]] | None:
        """Rows for "Generate variants" (without JavaScript), or None when the options do not parse."""
        if not self.options_form.is_valid():
            return None
        previous = []
        for index in range(min(self.formset.total_form_count(), MAX_VARIANTS + 50)):
            form = self.formset.forms[index]
            raw = {name: form[name].value() for name in VariantForm.base_fields}
            if form["DELETE"].value():
                continue
            previous.append(raw)
        return matrix_rows(self.options_form.options(), previous)

    @property
    def option_pairs(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        form = self.options_form
        return [(form[f"option{n}_name"], form[f"option{n}_values"]) for n in OPTION_SLOTS]

    def _option_names(self) -> dict[int, str]:
        return {
            n: " ".join(str(self.options_form[f"option{n}_name"].value() or "").split()) for n in OPTION_SLOTS
        }

    @property
    def slot_labels(self) -> list[str]:
        return [name or str(_("Option %(n)d") % {"n": n}) for n, name in self._option_names().items()]

    @property
    def used_slots(self) -> list[int]:
        """Option columns to show: named options, and any column a row has a value in."""
        names = self._option_names()
        used = {n for n, name in names.items() if name}
        for form in self.formset.forms:
            used.update(n for n in OPTION_SLOTS if str(form[f"option{n}"].value() or "").strip())
        return sorted(used)

    @property
    def has_errors(self) -> bool:
        return bool(
            self.form.is_bound
            and (
                self.form.errors
                or self.options_form.errors
                or any(self.formset.errors)
                or self.formset.non_form_errors()
            )
        )


def _plain(data: Any) -> dict[str, Any]:
    return {key: data.get(key) for key in data}


class ImageUploadForm(forms.Form):
    # A FileField, not an ImageField: the service decides what is an acceptable image and says why not.
    image = forms.FileField(label=_("Image"), widget=forms.ClearableFileInput(attrs={"accept": "image/*"}))
    alt = forms.CharField(
        label=_("Alt text"),
        max_length=255,
        required=False,
        help_text=_("Describes the image for people who cannot see it."),
    )


class ImageAltForm(forms.Form):
    alt = forms.CharField(label=_("Alt text"), max_length=255, required=False)


class ImageMoveForm(forms.Form):
    direction = forms.ChoiceField(choices=[("up", _("Move up")), ("down", _("Move down"))])
