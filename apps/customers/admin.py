"""The platform's own social sign-in apps (public schema: merchants signing in to the platform
with Google or Facebook) are edited in the Django admin. allauth's admin shows the stored secret
in a text field; this one never renders it back: empty keeps it, anything typed replaces it, and
the client id is checked as on the store's dashboard page."""

from __future__ import annotations

from typing import Any

from allauth.socialaccount.models import SocialApp
from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from apps.customers.social_providers import SECRET_MAX_LENGTH, SECRET_PATTERN, SOCIAL_PROVIDERS


class PlatformSocialAppForm(forms.ModelForm):
    provider = forms.ChoiceField(choices=[(spec.id, spec.label) for spec in SOCIAL_PROVIDERS.values()])
    secret = forms.CharField(
        label=_("Secret"),
        required=False,
        max_length=SECRET_MAX_LENGTH,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
    )

    class Meta:
        model = SocialApp
        fields = ["provider", "name", "client_id", "secret"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk and self.instance.secret:
            self.fields["secret"].help_text = _("A secret is set. Leave this empty to keep it.")

    def clean_secret(self) -> str:
        secret = (self.cleaned_data.get("secret") or "").strip()
        if not secret:
            if self.instance.pk and self.instance.secret:
                return str(self.instance.secret)
            raise forms.ValidationError(_("Enter the app's secret."))
        if not SECRET_PATTERN.match(secret):
            raise forms.ValidationError(_("A secret has no spaces."))
        return secret

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        spec = SOCIAL_PROVIDERS.get(data.get("provider", ""))
        client_id = (data.get("client_id") or "").strip()
        if spec is not None and client_id and not spec.client_id_pattern.match(client_id):
            self.add_error(
                "client_id",
                _("This is not a %(provider)s %(field)s. %(hint)s")
                % {"provider": spec.label, "field": spec.client_id_label, "hint": spec.client_id_hint},
            )
        return data


admin.site.unregister(SocialApp)


@admin.register(SocialApp)
class PlatformSocialAppAdmin(admin.ModelAdmin):
    form = PlatformSocialAppForm
    list_display = ["name", "provider", "client_id"]
