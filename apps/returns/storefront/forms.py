"""The shopper's "Request a return" form: units per order line (`quantity_<line id>`, up to what
may still be returned), a reason, a comment and photos."""

from __future__ import annotations

import re
import uuid
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.orders.models import OrderLine
from apps.returns.enums import ReturnReason

QUANTITY_FIELD = re.compile(r"^quantity_(\d{1,18})$")


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class ReturnRequestForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Why are you returning these items?"),
        choices=[("", _("Choose a reason")), *ReturnReason.choices],
        error_messages={"required": _("Choose a reason.")},
    )
    comment = forms.CharField(
        label=_("Anything to add?"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )
    # One per page load: the same form posted twice sends one request.
    token = forms.UUIDField(
        widget=forms.HiddenInput,
        error_messages={"required": _("This form is out of date; reload the page and send it again.")},
    )

    def __init__(self, *args: Any, lines: list[tuple[OrderLine, int]], **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("token", uuid.uuid4())
        super().__init__(*args, **kwargs)
        self.line_rows: list[tuple[OrderLine, int, str]] = []
        for line, left in lines:
            name = f"quantity_{line.pk}"
            self.fields[name] = forms.IntegerField(
                label=line.product_title,
                min_value=0,
                required=False,
                initial=0,
                widget=forms.NumberInput(attrs={"max": left, "min": 0, "inputmode": "numeric"}),
            )
            self.line_rows.append((line, left, name))

    def line_fields(self) -> list[tuple[OrderLine, int, forms.BoundField]]:
        return [(line, left, self[name]) for line, left, name in self.line_rows]

    def chosen(self) -> list[tuple[int, int]]:
        chosen = []
        for name, value in self.cleaned_data.items():
            match = QUANTITY_FIELD.match(name)
            if match and value:
                chosen.append((int(match.group(1)), int(value)))
        return chosen
