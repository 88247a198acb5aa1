"""The form of the "new API key" page: a name, an expiry and one level (none, read, write) per
API resource, offering only the levels the member's role can grant. The key service checks the
same rule again; its refusals are shown next to the field they name."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from apps.api.keys import MAX_NAME_LENGTH
from apps.api.scopes import LEVELS, READ, RESOURCES, WRITE, Resource
from apps.core.errors import ApplicationError
from apps.core.permissions import Perm

NONE = ""
EXPIRY_CHOICES = [
    ("never", _("Never")),
    ("30", _("In 30 days")),
    ("90", _("In 90 days")),
    ("365", _("In 365 days")),
]
LEVEL_LABELS: dict[str, str | Promise] = {NONE: _("None"), READ: _("Read"), WRITE: _("Read and write")}


@dataclass(frozen=True)
class ScopeOption:
    value: str
    label: str | Promise
    offered: bool
    checked: bool


@dataclass(frozen=True)
class ScopeRow:
    """One resource of the scopes table, with the levels the member may grant."""

    resource: Resource
    field: forms.BoundField
    options: list[ScopeOption]


def _field_name(resource: str) -> str:
    return f"scope_{resource}"


def grantable_levels(resource: Resource, permissions: frozenset[Perm]) -> list[str]:
    return [level for level in LEVELS if (resource.write if level == WRITE else resource.read) in permissions]


class ApiKeyCreateForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=MAX_NAME_LENGTH,
        help_text=_('Say who uses the key and for what, e.g. "ERP stock sync".'),
    )
    expires = forms.ChoiceField(
        label=_("Expires"),
        choices=EXPIRY_CHOICES,
        initial="90",
        help_text=_("An expired key is refused; create a new one before it runs out."),
    )

    def __init__(self, *args: Any, permissions: frozenset[Perm], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.grantable: dict[str, list[str]] = {}
        for name, resource in RESOURCES.items():
            levels = grantable_levels(resource, permissions)
            if not levels:
                continue  # the role can grant nothing on this resource: not offered at all
            self.grantable[name] = levels
            self.fields[_field_name(name)] = forms.ChoiceField(
                label=resource.label,
                required=False,
                choices=[(NONE, LEVEL_LABELS[NONE]), *((level, LEVEL_LABELS[level]) for level in levels)],
                widget=forms.RadioSelect,
                initial=NONE,
            )

    def key_fields(self) -> list[forms.BoundField]:
        """The fields above the scopes table (name and expiry)."""
        return [self["name"], self["expires"]]

    def scope_rows(self) -> list[ScopeRow]:
        rows = []
        for name, levels in self.grantable.items():
            bound = self[_field_name(name)]
            current = str(bound.value() or NONE)
            rows.append(
                ScopeRow(
                    resource=RESOURCES[name],
                    field=bound,
                    options=[
                        ScopeOption(
                            value=value,
                            label=LEVEL_LABELS[value],
                            offered=value == NONE or value in levels,
                            checked=value == current,
                        )
                        for value in (NONE, *LEVELS)
                    ],
                )
            )
        return rows

    def scopes(self) -> list[str]:
        """The scopes chosen, `<resource>:<level>` (call after `is_valid()`)."""
        chosen = []
        for name in self.grantable:
            level = self.cleaned_data.get(_field_name(name)) or NONE
            if level != NONE:
                chosen.append(f"{name}:{level}")
        return chosen

    def add_service_error(self, error: ApplicationError) -> None:
        """Put the key service's refusal next to what it names: the name, the expiry or the
        scopes table (the table is many fields, so its errors are shown above the form)."""
        field = {"expires_at": "expires"}.get(error.field or "", error.field)
        self.add_error(field if field in self.fields else None, error.message)

    def expires_at(self, now: datetime | None = None) -> datetime | None:
        choice = self.cleaned_data.get("expires") or "never"
        if choice == "never":
            return None
        return (now or timezone.now()) + timedelta(days=int(choice))
