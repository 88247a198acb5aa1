"""Forms of the console's team pages. They offer only the roles the signed-in member may grant;
the team services check the same rules again."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from apps.core.permissions import Perm
from apps.platform.access import MerchantAccess
from apps.platform.models import Membership
from apps.platform.team import invitation_ttl


def grantable_roles(access: MerchantAccess) -> list[tuple[str, str]]:
    """Roles the member may hand out: the owner role only with `team.ownership`."""
    return [
        (value, str(label))
        for value, label in Membership.Role.choices
        if value != Membership.Role.OWNER or access.can(Perm.TEAM_OWNERSHIP)
    ]


class TeamInviteForm(forms.Form):
    email = forms.EmailField(label=_("Email address"), max_length=254)
    role = forms.ChoiceField(label=_("Role"), choices=())

    def __init__(self, *args: Any, access: MerchantAccess, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = grantable_roles(access)  # type: ignore[attr-defined]
        self.fields["role"].initial = Membership.Role.STAFF
        days = max(1, invitation_ttl().days)
        self.fields["email"].help_text = ngettext(
            "We email an invitation link to this address. It works once and expires after %(days)d day.",
            "We email an invitation link to this address. It works once and expires after %(days)d days.",
            days,
        ) % {"days": days}
        self.fields["email"].widget.attrs.update({"autocomplete": "off", "spellcheck": "false"})

    def clean_email(self) -> str:
        return str(self.cleaned_data["email"]).strip().lower()


class TeamRoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=())

    def __init__(self, *args: Any, access: MerchantAccess, membership: Membership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = grantable_roles(access)
        if membership.role == Membership.Role.OWNER and not access.can(Perm.TEAM_OWNERSHIP):
            choices = [(membership.role, membership.get_role_display())]
        self.fields["role"].choices = choices  # type: ignore[attr-defined]
        self.fields["role"].initial = membership.role
