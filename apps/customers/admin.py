"""The platform's own social sign-in apps (public schema: merchants signing in to the platform
with Google or Facebook) are edited in the Django admin. allauth's admin shows the stored secret
in a text field; this one never renders it back: empty keeps it, anything typed replaces it, and
the client id is checked as on the store's dashboard page. The secret is stored encrypted
(apps.accounts.social_apps), as the dashboard's service stores a store's."""

from __future__ import annotations

from typing import Any

from allauth.socialaccount.models import SocialApp
from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from apps.accounts.social_apps import social_app_secret_encrypt, social_app_secret_read
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
        self.stored_secret = str(self.instance.secret) if self.instance.pk else ""
        # One this platform cannot decrypt (restored from another platform) is not kept.
        self.secret_kept = bool(social_app_secret_read(self.stored_secret, provider=self.instance.provider))
        if self.secret_kept:
            self.fields["secret"].help_text = _("A secret is set. Leave this empty to keep it.")

    def clean_secret(self) -> str:
        """The value to store: the stored one kept as it is, or the typed one encrypted."""
        secret = (self.cleaned_data.get("secret") or "").strip()
        if not secret:
            if self.secret_kept:
                return self.stored_secret
            raise forms.ValidationError(_("Enter the app's secret."))
        if not SECRET_PATTERN.match(secret):
            raise forms.ValidationError(_("A secret has no spaces."))
        # The field's max_length and the ASCII-only pattern keep it within what the column holds.
        return social_app_secret_encrypt(secret)

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
