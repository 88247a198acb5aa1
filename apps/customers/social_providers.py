"""The social sign-in providers a store (or the platform) can turn on, with what a merchant
needs to know to fill them in: the provider's allauth id, its name, and the shape of its client
id, so a value pasted into the wrong field is caught with a clear message instead of failing on
the shopper's first sign-in."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from apps.accounts.social_apps import SOCIAL_APP_SECRET_MAX_BYTES


@dataclass(frozen=True)
class SocialProviderSpec:
    id: str  # allauth's provider id, also the URL segment: /accounts/<id>/login/
    label: str
    client_id_label: str | Promise
    secret_label: str | Promise
    client_id_pattern: re.Pattern[str]
    client_id_hint: str | Promise  # what a valid client id looks like
    console_name: str | Promise  # where the merchant creates the app


SOCIAL_PROVIDERS: dict[str, SocialProviderSpec] = {
    "google": SocialProviderSpec(
        id="google",
        label="Google",
        client_id_label=_("Client ID"),
        secret_label=_("Client secret"),
        # Google OAuth client ids: "<project number>-<random>.apps.googleusercontent.com".
        client_id_pattern=re.compile(r"^[0-9]+-[a-z0-9]+\.apps\.googleusercontent\.com$"),
        client_id_hint=_("It ends with .apps.googleusercontent.com."),
        console_name=_(
            "Google Cloud console → APIs & Services → Credentials (OAuth client ID, web application)"
        ),
    ),
    "facebook": SocialProviderSpec(
        id="facebook",
        label="Facebook",
        client_id_label=_("App ID"),
        secret_label=_("App secret"),
        client_id_pattern=re.compile(r"^[0-9]{5,20}$"),
        client_id_hint=_("It is a number, as shown at the top of the app's dashboard."),
        console_name=_("Meta for Developers → My Apps → the app → Facebook Login"),
    ),
}

# The longest secret whose ciphertext fits allauth's SocialApp.secret column (79); the pattern
# allows ASCII only, so it is as many characters as bytes.
SECRET_MAX_LENGTH = SOCIAL_APP_SECRET_MAX_BYTES
SECRET_PATTERN = re.compile(r"^[\x21-\x7e]+$")  # printable ASCII, no spaces
